"""``ApiSession``: what every call of one client shares — pool, base URL, key, task group.

Clients made by ``with_options`` share their parent's session: one pool, one task group.
The pool is opened on first use, inside the event loop, so ``transport="auto"`` can pick
the pool that suits the loop it finds; the task group exists while the client is used as
``async with``, and lets listings fetch their next page ahead (``_pagination``).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from datetime import timedelta
from typing import Final, Protocol

import anyio
import httpx
from anyio.abc import TaskGroup

from ._config import USER_AGENT, TransportName
from ._redact import Scrubber
from ._transports import open_pool, pool_size, resolve_name, running_backend, transport_label

__all__ = ["ApiSession", "Fetch", "ReadAhead", "Slots"]

#: What every request carries besides the key; the encodings are what httpx decodes itself.
_BASE_HEADERS: Final = {
    "User-Agent": USER_AGENT,
    "Accept": "application/json",
    "Accept-Encoding": "gzip, deflate",
    "Connection": "keep-alive",
}


class Fetch(Protocol):
    """A read-ahead fetch: run it in the task group; cancel it from anywhere in the loop."""

    async def run(self) -> None:
        """Fetch (and keep the result or the failure for whoever waits for it)."""

    def cancel(self) -> None:
        """Stop the fetch now."""


class ReadAhead:
    """The client's task group for read-ahead fetches, while it is used as ``async with``.

    The group is only ever exited by the ``async with`` that opened it; everything else
    (``aclose()``, an abandoned iterator) cancels fetches one by one, because cancelling the
    group itself would also cancel the caller's code inside the block.
    """

    def __init__(self) -> None:
        self._group: TaskGroup | None = None
        self._host: int | None = None
        self._fetches: set[Fetch] = set()
        self._idle: anyio.Event | None = None
        self._stopped = False

    @property
    def active(self) -> bool:
        """Whether fetches can be started (inside ``async with``, before ``aclose()``)."""
        return self._group is not None and not self._stopped

    async def open(self) -> None:
        """Open the task group, in the task that enters the client."""
        group = anyio.create_task_group()
        await group.__aenter__()
        self._group, self._host = group, anyio.get_current_task().id

    def start(self, fetch: Fetch) -> bool:
        """Run ``fetch`` in the task group; ``False`` when there is none (no read-ahead)."""
        if self._group is None or self._stopped:
            return False
        self._fetches.add(fetch)
        self._group.start_soon(self._tracked, fetch)
        return True

    async def _tracked(self, fetch: Fetch) -> None:
        try:
            await fetch.run()
        finally:
            self._fetches.discard(fetch)
            if not self._fetches and self._idle is not None:
                self._idle.set()

    async def stop(self) -> None:
        """Start no more fetches; cancel those running and wait until they have ended."""
        self._stopped = True
        for fetch in list(self._fetches):
            fetch.cancel()
        while self._fetches:
            self._idle = anyio.Event()
            await self._idle.wait()

    async def close(self) -> None:
        """Stop, then leave the task group (from ``__aexit__``, nested as it was entered)."""
        await self.stop()
        group, self._group = self._group, None
        # Entered in one task and left in another (pytest-asyncio runs a fixture's setup
        # and teardown in different tasks), the group cannot be exited; it is empty anyway.
        if group is not None and anyio.get_current_task().id == self._host:
            await group.__aexit__(None, None, None)


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
        self.scrub = Scrubber([api_key])
        self.read_ahead = ReadAhead()
        self._choice = transport
        self._max_concurrency = max_concurrency
        self._http = http_client
        self._owns_http = http_client is None
        #: The transport a request goes to directly, past httpx's client machinery (cookies,
        #: hooks, redirects, auth), when the SDK owns the pool and no proxy is configured.
        self._direct: httpx.AsyncBaseTransport | None = None
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
            self._open()

    def _open(self) -> httpx.AsyncClient:
        http, self.transport_name, self._direct = open_pool(
            self._choice, self._max_concurrency, self.base_url
        )
        self._http = http
        return http

    @property
    def http(self) -> httpx.AsyncClient:
        """The pool, opened on first use in the running event loop."""
        if self._http is not None:
            return self._http
        if self._closed:
            raise RuntimeError("the client is closed")
        return self._open()

    async def exchange(
        self,
        method: str,
        path: str,
        *,
        headers: httpx.Headers,
        content: bytes | None,
        params: Mapping[str, str] | None,
        phase_timeout: float,
    ) -> httpx.Response:
        """Send one request and read its whole answer; the connection is released either way.

        A caller's ``http_client`` gets the request through ``send()``, with all of its own
        behaviour; the SDK's own pool gets it straight from its transport, which saves most
        of httpx's per-request cost (cookies, hooks, redirects, auth: none apply here).
        ``phase_timeout`` bounds each phase (connect, write, read); the caller bounds the whole.
        """
        http = self.http
        url = self.base_url + path
        direct = self._direct
        if direct is None:
            request = http.build_request(
                method, url, content=content, params=params, headers=headers, timeout=phase_timeout
            )
        else:
            limits = dict.fromkeys(("connect", "read", "write", "pool"), phase_timeout)
            request = httpx.Request(
                method,
                url,
                params=params,
                headers=headers,
                content=content,
                extensions={"timeout": limits},
            )
        if content is not None:
            request.stream = _Body(content)
        started = time.perf_counter()
        if direct is None:
            response = await http.send(request, stream=True)
        else:
            response = await direct.handle_async_request(request)
            response.request = request
        try:
            await response.aread()
        finally:
            # Shielded, so a cancelled read still hands its connection back (or closes it)
            # instead of leaving the stream for the garbage collector to warn about.
            with anyio.CancelScope(shield=True):
                await response.aclose()
        if direct is not None:
            response.elapsed = timedelta(seconds=time.perf_counter() - started)
        return response

    async def aclose(self) -> None:
        """Close the pool if the SDK opened it (a caller's ``http_client`` stays open)."""
        self._closed = True
        http, self._http = self._http, None
        if http is not None and self._owns_http:
            await http.aclose()


class _Body(httpx.AsyncByteStream):
    """A request body sent in one chunk, through a plain iterator rather than a generator.

    httpx's own body stream is an async generator: a pool cancelled while it writes a chunk
    leaves the generator suspended, and under trio collecting it is a ``ResourceWarning``
    (encode/httpx#3597). A plain iterator has nothing to finalise. ``request.content`` is
    unchanged, so pools that read it (aiohttp's) send the same bytes.
    """

    def __init__(self, content: bytes) -> None:
        self._content = content

    def __aiter__(self) -> AsyncIterator[bytes]:
        return _Chunk(self._content)


class _Chunk(AsyncIterator[bytes]):
    def __init__(self, content: bytes) -> None:
        self._content: bytes | None = content

    async def __anext__(self) -> bytes:
        content, self._content = self._content, None
        if content is None:
            raise StopAsyncIteration
        return content


class Slots:
    """A client's share of requests in flight (``max_concurrency``), sized with its pool.

    Without ``max_concurrency`` the size is the pool's own best (``pool_size``), known once
    the pool is chosen: for ``transport="auto"`` that is at the first request.
    """

    def __init__(self, session: ApiSession, requested: int | None) -> None:
        self._session = session
        self.requested = requested
        self._limiter: anyio.CapacityLimiter | None = None

    @property
    def total(self) -> int:
        """How many of this client's requests may be in flight at once."""
        return pool_size(self._session.transport_name, self.requested)

    def limiter(self) -> anyio.CapacityLimiter:
        """The limiter each request takes a slot of (made at the first request)."""
        if self._limiter is None:
            self._session.http  # noqa: B018 - opens the pool, which decides the size
            self._limiter = anyio.CapacityLimiter(self.total)
        return self._limiter
