"""The exchange through httpx: its own pool (under trio, or when asked), a caller's
``transport=`` or ``http_client=``, all read into the same :class:`~._answer.Answer`.

Bodies are read raw and decoded by ``_wire.BodyReader``, so the size limit holds while
streaming and while inflating, whatever the transport; failures are put in plain words
by ``_failures``. A caller's ``http_client`` gets each request through ``send()``, with
all of its own behaviour; the SDK's own pool (and a caller's ``transport=``) get it
straight from the transport, past httpx's client machinery (cookies, hooks, redirects,
auth: none apply here).
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import AsyncIterator, Callable

import anyio
import httpx

from ._answer import Answer, Outgoing
from ._failures import CLOSED_UNDER_IT, from_httpx
from ._wire import BodyReader, ResponseTooLargeError

__all__ = ["HttpxExchange"]


class HttpxExchange:
    """Requests to one base URL through an httpx client, or straight to its transport."""

    def __init__(
        self,
        base_url: str,
        client: httpx.AsyncClient,
        *,
        direct: httpx.AsyncBaseTransport | None,
        owned: bool,
    ) -> None:
        self._base = base_url
        self.client = client
        self._direct = direct
        self._owned = owned
        #: The scopes of the exchanges under way, cancelled by ``aclose``.
        self._out: set[anyio.CancelScope] = set()

    async def exchange(self, outgoing: Outgoing) -> Answer:
        """Send ``outgoing`` to ``base_url + outgoing.target``; read its answer.

        httpx's phase timeouts (connect, write, read) are set to what is left before its
        ``deadline``, which bounds the whole; past it, ``TimeoutError``. The connection
        is released, or closed when the answer was too large. Closing the exchange ends
        it: ``httpx.ReadError``, as when aiohttp's pool is closed under a request.
        """
        deadline = outgoing.deadline
        with anyio.fail_at(deadline) as scope:
            self._out.add(scope)
            try:
                return await self._exchange(outgoing, deadline - anyio.current_time())
            finally:
                self._out.discard(scope)
        # Only ``aclose`` cancels a scope before its deadline, and it may have come after
        # the request was sent: the answer is lost, not the request.
        raise httpx.ReadError(CLOSED_UNDER_IT)

    async def _exchange(self, outgoing: Outgoing, phase_timeout: float) -> Answer:
        # The body is read from ``outgoing`` where it is used, never held in a local of its
        # own: it may carry secrets, and a raised error's frames are recorded with their
        # locals (``Outgoing``'s repr masks it).
        method, url = outgoing.method, self._base + outgoing.target
        if self._direct is None:
            request = self.client.build_request(
                method,
                url,
                content=outgoing.content,
                headers=outgoing.headers,
                timeout=phase_timeout,
            )
        else:
            timeouts = dict.fromkeys(("connect", "read", "write", "pool"), phase_timeout)
            request = httpx.Request(
                method,
                url,
                headers=outgoing.headers,
                content=outgoing.content,
                extensions={"timeout": timeouts},
            )
        if outgoing.content is not None:
            # ``request.content`` stays as it is, for transports that read it.
            request.stream = _Body(outgoing.content)
        started = time.perf_counter()
        try:
            if self._direct is None:
                response = await self.client.send(request, stream=True)
            else:
                response = await self._direct.handle_async_request(request)
            discard = _discarder(response)
            try:
                body, undecodable = await _read(response, outgoing.limit, discard)
            finally:
                # Shielded, so a cancelled read still hands its connection back (or closes
                # it) instead of leaving the stream for the garbage collector to warn about.
                with anyio.CancelScope(shield=True):
                    await response.aclose()
        except httpx.HTTPError as exc:
            error = from_httpx(exc)
        else:
            return Answer(
                response.status_code,
                response.headers.raw,
                body,
                outgoing,
                url,
                elapsed=time.perf_counter() - started,
                undecodable=undecodable,
                discard=discard,
            )
        # Raised outside the except block, so httpx's text (and its causes) is not chained.
        raise error

    async def aclose(self) -> None:
        """End the exchanges under way; close the pool if the SDK opened it (a caller's
        ``http_client`` stays open).

        httpcore's pools let a request already inside them finish after they are closed,
        on a connection they opened meanwhile and never close: ended first, no request
        outlives the pool and no socket is left open.
        """
        for scope in self._out:
            scope.cancel()
        if self._owned:
            await self.client.aclose()


async def _read(
    response: httpx.Response, limit: int, discard: Callable[[], None]
) -> tuple[bytes, str | None]:
    """The body of ``response``, bounded; past the limit its connection is shut and dropped.

    Past the limit the socket is shut down and the rest drained (it ends at once), rather
    than the stream left half-read: an async generator abandoned mid-way is a
    ``ResourceWarning`` under trio, and httpcore closes a connection whose body failed.
    """
    length = response.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise ResponseTooLargeError(limit)
    if response.is_stream_consumed:
        # A transport (a mock's) that handed over a response read already, and decoded.
        if len(response.content) > limit:
            raise ResponseTooLargeError(limit)
        return response.content, None
    reader = BodyReader(response.headers.get("content-encoding"), limit)
    too_large = False
    try:
        async for chunk in response.aiter_raw():
            if not too_large:
                try:
                    reader.feed(chunk)
                except ResponseTooLargeError:
                    too_large = True
                    discard()
    except httpx.HTTPError:
        if not too_large:
            raise
    if too_large:
        raise ResponseTooLargeError(limit)
    return reader.body(), reader.undecodable


def _discarder(response: httpx.Response) -> Callable[[], None]:
    """Shuts down the socket an answer came over, so its pool never hands it out again.

    httpcore names the connection's stream in the response (``network_stream``, public for
    upgrades); a pool checks an idle connection for readability before reusing it, and
    a shut-down socket reads as closed. Other transports name none: nothing to do.
    """
    stream = response.extensions.get("network_stream")

    def discard() -> None:
        sock = None if stream is None else stream.get_extra_info("socket")
        shutdown = getattr(sock, "shutdown", None)
        if shutdown is not None:
            with contextlib.suppress(OSError):
                shutdown(socket.SHUT_RDWR)

    return discard


class _Body(httpx.AsyncByteStream):
    """A request body sent in one chunk, through a plain iterator rather than a generator.

    httpx's own body stream is an async generator: a pool cancelled while it writes a chunk
    leaves the generator suspended, and under trio collecting it is a ``ResourceWarning``
    (encode/httpx#3597). A plain iterator has nothing to finalise.
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
