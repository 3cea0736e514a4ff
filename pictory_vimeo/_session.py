"""``ApiSession``: what every call of one client shares — pool, base URL, key, task group.

Clients made by ``with_options`` share their parent's session: one pool, one task group.
The pool is opened on first use, inside the event loop, so ``transport="auto"`` can pick
the pool that suits the loop it finds; the task group exists while the client is used as
``async with``, and lets listings fetch their next page ahead (``_pagination``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from typing import Final
from urllib.parse import urlsplit

import httpx

from ._config import USER_AGENT, TransportName
from ._errors import ClientClosedError
from ._loops import PoolHome, in_a_loop, on_fork_in_child
from ._proxies import Proxy, resolve_proxy
from ._read_ahead import ReadAhead
from ._redact import Scrubber
from ._transports import (
    Exchange,
    caller_client,
    open_pool,
    resolve_name,
    running_backend,
    transport_label,
)
from ._wire import ACCEPT_ENCODING

__all__ = ["ApiSession"]

#: What every request carries besides the key; the encodings are those ``_wire`` decodes.
_BASE_HEADERS: Final = {
    "User-Agent": USER_AGENT,
    "Accept": "application/json",
    "Accept-Encoding": ACCEPT_ENCODING,
    "Connection": "keep-alive",
}


#: How many of the secrets its calls sent a session keeps masking in later errors: a server
#: may echo a stored secret in the answer to a later call (a record dumped into an error).
_SENT_SECRETS_KEPT: Final = 32


class ApiSession:
    """One API key and base URL, and the connection pool their calls go over."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        transport: TransportName | httpx.AsyncBaseTransport,
        max_concurrency: int | None,
        http_client: httpx.AsyncClient | None = None,
        allow_insecure_http: bool = False,
    ) -> None:
        self.base_url = base_url
        self.headers = httpx.Headers({**_BASE_HEADERS, "Authorization": api_key})
        split = urlsplit(base_url)
        #: Where requests go, as error messages name it: ``host:port``.
        self.origin = f"{split.hostname}:{split.port or (443 if split.scheme == 'https' else 80)}"
        self._api_key = api_key
        #: The secrets recent calls sent, oldest first (a dict as an ordered set).
        self._sent: OrderedDict[str, None] = OrderedDict()
        self._scrub: Scrubber | None = None
        self.read_ahead = ReadAhead()
        self._choice = transport
        self._max_concurrency = max_concurrency
        self._exchange: Exchange | None = None
        self._closed = False
        #: The loop (and process) the SDK's own pool belongs to (``_loops``); a caller's
        #: client or transport is theirs to manage.
        self._home: PoolHome | None = None
        #: Bumped whenever a pool is opened, so what belongs to the old one goes with it.
        self.generation = 0
        self.proxy: Proxy | None = None
        if http_client is not None:
            self.transport_name = "http_client"
            self._exchange = caller_client(base_url, http_client)
        elif isinstance(transport, httpx.AsyncBaseTransport):
            self.transport_name = transport_label(transport)
        else:
            # The proxy settings are read now, once: a bad one fails here.
            self.proxy = resolve_proxy(base_url, allow_insecure_http=allow_insecure_http)
            # Checked now, so a wrong choice fails at construction; "auto" outside an event
            # loop stays open until the first request shows which loop the client runs in.
            self.transport_name = resolve_name(transport, running_backend(), self.proxy)
            self._home = PoolHome()
            on_fork_in_child(self)
        # Opened now when the pool is known and so is the loop it will belong to.
        known = self._exchange is None and self.transport_name != "auto"
        if known and (self._home is None or in_a_loop()):
            self._open()

    def _open(self) -> Exchange:
        """Open the pool in the running loop (the old one, if any, already let go of)."""
        exchange, self.transport_name = open_pool(
            self._choice, self._max_concurrency, self.base_url, self.proxy
        )
        self._exchange = exchange
        self.generation += 1
        if self._home is not None:
            self._home.settle(exchange.aclose, exchange)
        return exchange

    def forked_in_child(self) -> None:
        """In a forked child: let go of the parent's pool and read-ahead group, untouched."""
        if self._home is not None:
            self._home.forked_in_child()
            self._exchange = None
        self.read_ahead = ReadAhead()

    def scrubber(self, secrets: Iterable[str] = ()) -> Scrubber:
        """What masks a call's errors: the key, ``secrets`` and those recent calls sent."""
        for secret in secrets:
            if isinstance(secret, str) and secret:
                if secret not in self._sent:
                    self._scrub = None
                self._sent[secret] = None
                self._sent.move_to_end(secret)
        while len(self._sent) > _SENT_SECRETS_KEPT:
            self._sent.popitem(last=False)
        if self._scrub is None:
            proxy = self.proxy.url.password if self.proxy is not None else None
            self._scrub = Scrubber([self._api_key, *([proxy] if proxy else []), *self._sent])
        return self._scrub

    @property
    def pool(self) -> Exchange:
        """The pool, opened on first use in the running event loop (and anew in a later
        loop, or in a forked child).
        """
        exchange, home = self._exchange, self._home
        if exchange is not None and (home is None or home.here()):
            return exchange
        if self._closed:
            raise ClientClosedError()
        if home is not None:
            home.vacate()  # refuses if the pool's loop runs in another thread
        return self._open()

    async def aclose(self) -> None:
        """Close the pool if the SDK opened it (a caller's ``http_client`` stays open)."""
        self._closed = True
        exchange, self._exchange = self._exchange, None
        if exchange is not None and self._home is not None:
            await self._home.close(exchange.aclose)  # only in the loop it belongs to
        elif exchange is not None:
            await exchange.aclose()
