"""``ApiSession``: what every call of one client shares — pool, base URL, key, task group.

Clients made by ``with_options`` share their parent's session: one pool, one task group.
The pool is opened on first use, inside the event loop, so ``transport="auto"`` can pick
the pool that suits the loop it finds; the task group exists while the client is used as
``async with``, and lets listings fetch their next page ahead (``_pagination``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from typing import Final

import anyio
import httpx
from anyio.abc import TaskGroup

from ._config import USER_AGENT, TransportName
from ._redact import Scrubber
from ._transports import open_pool, resolve_name, running_backend, transport_label

__all__ = ["ApiSession", "ReadAhead"]

#: How many of the secrets its calls sent a session keeps masking in later errors: a server
#: may echo a stored secret in the answer to a later call (a record dumped into an error).
_SENT_SECRETS_KEPT: Final = 32


class ReadAhead:
    """The client's task group for read-ahead fetches, while it is used as ``async with``."""

    def __init__(self) -> None:
        self._group: TaskGroup | None = None
        self._host: int | None = None
        self._running = 0
        self._idle: anyio.Event | None = None

    @property
    def active(self) -> bool:
        """Whether fetches can be started (the client is inside ``async with``)."""
        return self._group is not None

    async def open(self) -> None:
        """Open the task group, in the task that enters the client."""
        group = anyio.create_task_group()
        await group.__aenter__()
        self._group, self._host = group, anyio.get_current_task().id

    def start(self, fetch: Callable[[], Awaitable[None]]) -> bool:
        """Run ``fetch`` in the task group; ``False`` when there is none (no read-ahead)."""
        if self._group is None:
            return False
        self._running += 1
        self._group.start_soon(self._tracked, fetch)
        return True

    async def _tracked(self, fetch: Callable[[], Awaitable[None]]) -> None:
        try:
            await fetch()
        finally:
            self._running -= 1
            if self._running == 0 and self._idle is not None:
                self._idle.set()

    async def close(self) -> None:
        """Cancel every fetch still running and wait for them to end."""
        group, self._group = self._group, None
        if group is None:
            return
        group.cancel_scope.cancel()
        if anyio.get_current_task().id == self._host:
            await group.__aexit__(None, None, None)
            return
        # Entered in one task and left in another (pytest-asyncio runs a fixture's setup
        # and teardown in different tasks): the group cannot be exited from here, so wait
        # for its cancelled fetches to end instead.
        while self._running:
            self._idle = anyio.Event()
            await self._idle.wait()


class ApiSession:
    """One API key and base URL, and the connection pool their calls go over."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        transport: TransportName | httpx.AsyncBaseTransport,
        max_concurrency: int,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.base_url = base_url
        self.headers = httpx.Headers(
            {"User-Agent": USER_AGENT, "Accept": "application/json", "Authorization": api_key}
        )
        self._api_key = api_key
        #: The secrets recent calls sent, oldest first (a dict as an ordered set).
        self._sent: OrderedDict[str, None] = OrderedDict()
        self._scrub: Scrubber | None = None
        self.read_ahead = ReadAhead()
        self._choice = transport
        self._max_concurrency = max_concurrency
        self._http = http_client
        self._owns_http = http_client is None
        self._closed = False
        if http_client is not None:
            self.transport_name = "http_client"
        elif isinstance(transport, httpx.AsyncBaseTransport):
            self.transport_name = transport_label(transport)
        else:
            # Checked now, so a wrong choice fails at construction; "auto" outside an event
            # loop stays open until the first request shows which loop the client runs in.
            self.transport_name = resolve_name(transport, running_backend())
        if self._http is None and self.transport_name != "auto":
            self._http, self.transport_name = open_pool(transport, max_concurrency)

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
    def http(self) -> httpx.AsyncClient:
        """The pool, opened on first use in the running event loop."""
        if self._http is None:
            if self._closed:
                raise RuntimeError("the client is closed")
            self._http, self.transport_name = open_pool(self._choice, self._max_concurrency)
        return self._http

    async def aclose(self) -> None:
        """Close the pool if the SDK opened it (a caller's ``http_client`` stays open)."""
        self._closed = True
        http, self._http = self._http, None
        if http is not None and self._owns_http:
            await http.aclose()
