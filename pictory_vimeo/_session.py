"""``ApiSession``: what every call of one client shares — pool, base URL, key, task group.

Clients made by ``with_options`` share their parent's session: one pool, one task group.
The pool is opened on first use, inside the event loop, so ``transport="auto"`` can pick
the pool that suits the loop it finds; the task group exists while the client is used as
``async with``, and lets listings fetch their next page ahead (``_pagination``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Final
from urllib.parse import quote, urlencode, urlsplit

import httpx

from ._answer import Answer
from ._config import USER_AGENT, TransportName
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
        if http_client is not None:
            self.transport_name = "http_client"
            self._exchange = caller_client(base_url, http_client)
        elif isinstance(transport, httpx.AsyncBaseTransport):
            self.transport_name = transport_label(transport)
        else:
            # Checked now, so a wrong choice fails at construction; "auto" outside an event
            # loop stays open until the first request shows which loop the client runs in.
            self.transport_name = resolve_name(transport, running_backend())
        if self._exchange is None and self.transport_name != "auto":
            self._open()

    def _open(self) -> Exchange:
        exchange, self.transport_name = open_pool(
            self._choice, self._max_concurrency, self.base_url
        )
        self._exchange = exchange
        return exchange

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
            self._scrub = Scrubber([self._api_key, *self._sent])
        return self._scrub

    @property
    def pool(self) -> Exchange:
        """The pool, opened on first use in the running event loop."""
        if self._exchange is not None:
            return self._exchange
        if self._closed:
            raise RuntimeError("the client is closed")
        return self._open()

    async def exchange(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str],
        content: bytes | None,
        params: Mapping[str, str] | None,
        deadline: float,
        limit: int,
    ) -> Answer:
        """Send one request and read its whole answer; the connection is released either way.

        ``deadline`` (``anyio.current_time()``'s clock) bounds the whole exchange: past it,
        ``TimeoutError``. Each pool enforces it its own cheapest way. ``limit`` is the
        largest body taken (the client's ``max_response_bytes``).
        """
        exchange = self._exchange if self._exchange is not None else self.pool
        target = path
        if params:
            target += "?" + urlencode(params, quote_via=quote, safe="")
        return await exchange.exchange(
            method,
            target,
            headers=headers,
            content=content,
            limit=limit,
            deadline=deadline,
        )

    async def aclose(self) -> None:
        """Close the pool if the SDK opened it (a caller's ``http_client`` stays open)."""
        self._closed = True
        exchange, self._exchange = self._exchange, None
        if exchange is not None:
            await exchange.aclose()
