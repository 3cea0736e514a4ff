"""The aiohttp-backed httpx transport, with aiohttp's failures told apart the way httpx tells them.

``httpx_aiohttp`` gives httpx an aiohttp connection pool, which keeps its throughput as
concurrency grows where httpcore's pool collapses (see ``benchmarks/README.md``). Its own
exception mapping is too coarse for exactly-once writes: it reports a server that closed
the connection after reading the request (``ServerDisconnectedError``) as a
``ConnectTimeout``, i.e. as a request that never left, and lets some aiohttp errors through
unmapped. The retry policy decides from these classes whether a write may have been
applied, so each aiohttp failure is mapped here to the httpx exception that means the same.

Imported only when the aiohttp transport is chosen (asyncio only): ``import pictory_vimeo``
never imports aiohttp.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Final

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

__all__ = ["MappedAiohttpTransport", "TolerantResponse"]

#: aiohttp failure -> the httpx exception with the same meaning; the first match wins, so
#: subclasses come before their bases.
_MAPPING: Final[tuple[tuple[type[BaseException], type[httpx.TransportError]], ...]] = (
    (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),
    (aiohttp.ServerTimeoutError, httpx.ReadTimeout),
    (aiohttp.ClientProxyConnectionError, httpx.ProxyError),
    (aiohttp.ClientHttpProxyError, httpx.ProxyError),
    (aiohttp.ClientConnectorError, httpx.ConnectError),
    (aiohttp.ServerDisconnectedError, httpx.RemoteProtocolError),
    (aiohttp.ClientPayloadError, httpx.RemoteProtocolError),
    (aiohttp.ClientResponseError, httpx.RemoteProtocolError),
    (aiohttp.NonHttpUrlClientError, httpx.UnsupportedProtocol),
    (aiohttp.InvalidURL, httpx.UnsupportedProtocol),
    (aiohttp.ClientOSError, httpx.ReadError),
    # Anything else may have happened after the request was sent: say so, rather than
    # let a write that might have landed pass for one that never left.
    (aiohttp.ClientError, httpx.RemoteProtocolError),
    (TimeoutError, httpx.ReadTimeout),
)


def _text_of(error: BaseException) -> str:
    """What went wrong, in aiohttp's words.

    A response error's ``str()`` shows its message as a repr; when the message quotes the
    bytes of a line the parser refused (a repr itself), that would quote them twice over.
    """
    if isinstance(error, aiohttp.ClientResponseError) and isinstance(error.message, str):
        return f"{error.status}, {error.message}" if error.message else str(error.status)
    return str(error) or type(error).__name__


def _translate(exc: BaseException, request: httpx.Request) -> httpx.TransportError:
    """The httpx exception meaning what ``exc`` (or the aiohttp error it wraps) means."""
    original = exc
    if isinstance(exc, httpx.TransportError) and isinstance(exc.__cause__, aiohttp.ClientError):
        original = exc.__cause__
    for source, target in _MAPPING:
        if isinstance(original, source):
            return target(f"{type(original).__name__}: {_text_of(original)}", request=request)
    if isinstance(exc, httpx.TransportError):
        return exc
    return httpx.RemoteProtocolError(f"{type(exc).__name__}: {exc}", request=request)


class TolerantResponse(aiohttp.ClientResponse):
    """aiohttp's response, with a reason phrase that is always valid text.

    aiohttp reads a reason phrase that is not UTF-8 with surrogate escapes, and
    ``httpx_aiohttp`` then encodes it strictly: a 400 whose reason has one stray byte
    became a ``UnicodeEncodeError`` instead of a 400. httpx's own pool takes such a phrase.
    """

    async def start(self, connection: aiohttp.connector.Connection) -> aiohttp.ClientResponse:
        """Read the status line and headers; make the reason phrase encodable."""
        response = await super().start(connection)
        if self.reason:
            raw = self.reason.encode("utf-8", "surrogateescape")
            self.reason = raw.decode("utf-8", "replace")
        return response


class _MappedStream(httpx.AsyncByteStream):
    """A response body whose read failures are mapped like the request's."""

    def __init__(self, inner: httpx.AsyncByteStream, request: httpx.Request) -> None:
        self._inner = inner
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._inner:
                yield chunk
        except (httpx.TransportError, aiohttp.ClientError, TimeoutError) as exc:
            error = _translate(exc, self._request)
        else:
            return
        # Raised outside the except block, so aiohttp's text is not chained to it.
        raise error

    async def aclose(self) -> None:
        """Release the connection back to aiohttp's pool."""
        await self._inner.aclose()


class MappedAiohttpTransport(AiohttpTransport):
    """``httpx_aiohttp.AiohttpTransport`` raising the httpx exception each failure means."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` over aiohttp's pool; failures become httpx transport errors."""
        try:
            response = await super().handle_async_request(request)
        except (httpx.TransportError, aiohttp.ClientError, TimeoutError) as exc:
            error = _translate(exc, request)
        else:
            assert isinstance(response.stream, httpx.AsyncByteStream)
            response.stream = _MappedStream(response.stream, request)
            return response
        raise error
