"""httpcore2's connection pool behind httpx's transport interface: the pool for trio.

httpx's own pool (httpcore 1.x) does work quadratic in its connections on every checkout
and release, so the SDK caps it at 16 requests in flight (about 300 calls/s against a
server with 50 ms latency). httpcore2, the maintained fork of httpcore that httpx2 and
openai-python use, keeps its throughput as connections grow and runs on anyio, so it
works under trio, where aiohttp cannot (see ``benchmarks/README.md`` for the figures).

Only the pool is used, not httpx2's client: requests arrive as ``httpx.Request`` and leave
as ``httpx.Response``, so everything above the transport is the same on every pool. Each
httpcore2 failure becomes the httpx exception of the same name, which is what the retry
policy (``_retry``) reads to tell a request that never left from one that may have been
applied. Imported only when this pool is chosen: ``import pictory_vimeo`` never loads it.
"""

from __future__ import annotations

import importlib
import ssl
from collections.abc import AsyncIterable, AsyncIterator
from typing import Final

import httpcore2
import httpx

__all__ = ["Httpcore2Transport"]

#: httpcore2 failure -> the httpx exception with the same meaning; the first match wins, so
#: subclasses come before their bases. What a request that never left raises (connect, pool
#: and proxy failures) stays apart from what one that may have reached the server raises.
_MAPPING: Final[tuple[tuple[type[Exception], type[httpx.TransportError]], ...]] = (
    (httpcore2.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore2.PoolTimeout, httpx.PoolTimeout),
    (httpcore2.ReadTimeout, httpx.ReadTimeout),
    (httpcore2.WriteTimeout, httpx.WriteTimeout),
    (httpcore2.TimeoutException, httpx.ReadTimeout),
    (httpcore2.ConnectError, httpx.ConnectError),
    (httpcore2.ReadError, httpx.ReadError),
    (httpcore2.WriteError, httpx.WriteError),
    (httpcore2.NetworkError, httpx.ReadError),
    (httpcore2.ProxyError, httpx.ProxyError),
    (httpcore2.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore2.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore2.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore2.ProtocolError, httpx.RemoteProtocolError),
)


def _translate(exc: Exception, request: httpx.Request) -> httpx.TransportError:
    """The httpx exception meaning what ``exc`` means.

    Anything httpcore2 does not classify may have happened after the request was sent:
    it is reported as such (a ``RemoteProtocolError``), never as a request that never left.
    ``exc`` is kept as its cause, as httpx's own pool keeps httpcore's: what stopped a
    connection (refused, no such name, TLS) is read from the OS's exception there
    (``_failures``), and the SDK's own errors are built apart from it, never chained to it.
    """
    error: httpx.TransportError | None = None
    for source, target in _MAPPING:
        if isinstance(exc, source):
            error = target(str(exc) or type(exc).__name__, request=request)
            break
    if error is None:
        error = httpx.RemoteProtocolError(f"{type(exc).__name__}: {exc}", request=request)
    error.__cause__ = exc
    return error


class _Body(httpx.AsyncByteStream):
    """A response body whose read failures are mapped like the request's.

    A plain iterator rather than an async generator: one abandoned halfway (a cancelled
    read) has nothing to finalise, where a generator left suspended is a
    ``ResourceWarning`` when trio collects it.
    """

    def __init__(self, inner: AsyncIterable[bytes], request: httpx.Request) -> None:
        self._inner = inner
        self._request = request
        self._chunks: AsyncIterator[bytes] | None = None

    def __aiter__(self) -> AsyncIterator[bytes]:
        self._chunks = self._inner.__aiter__()
        return self

    async def __anext__(self) -> bytes:
        assert self._chunks is not None
        try:
            return await self._chunks.__anext__()
        except StopAsyncIteration:
            raise
        except Exception as exc:
            error = _translate(exc, self._request)
        # Raised outside the except block: its cause is set, with nothing handled around it.
        raise error

    async def aclose(self) -> None:
        """Hand the connection back to the pool (or close it, if the body was not read)."""
        close = getattr(self._inner, "aclose", None)
        if close is not None:
            await close()


class Httpcore2Transport(httpx.AsyncBaseTransport):
    """An ``httpx.AsyncBaseTransport`` over ``httpcore2.AsyncConnectionPool`` (HTTP/1.1)."""

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext,
        max_connections: int,
        keepalive_expiry: float,
        proxy: httpx.Proxy | str | None = None,
    ) -> None:
        if isinstance(proxy, str):
            proxy = httpx.Proxy(proxy)
        if proxy is not None and proxy.url.scheme.startswith("socks"):
            # As httpx's own pool does, when the client is made: httpcore2 would import it
            # only on the first request, where the failure would pass for a lost answer.
            importlib.import_module("socksio")
        self._pool = httpcore2.AsyncConnectionPool(
            ssl_context=ssl_context,
            proxy=_proxy(proxy) if proxy is not None else None,
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=keepalive_expiry,
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` over the pool; failures become httpx transport errors."""
        assert isinstance(request.stream, httpx.AsyncByteStream)
        url = request.url
        sent = httpcore2.Request(
            method=request.method,
            url=httpcore2.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        try:
            answer = await self._pool.handle_async_request(sent)
        except Exception as exc:
            error = _translate(exc, request)
        else:
            assert isinstance(answer.stream, AsyncIterable)
            return httpx.Response(
                status_code=answer.status,
                headers=answer.headers,
                stream=_Body(answer.stream, request),
                extensions=answer.extensions,
            )
        raise error

    async def aclose(self) -> None:
        """Close every connection of the pool."""
        await self._pool.aclose()


def _proxy(proxy: httpx.Proxy) -> httpcore2.Proxy:
    """httpx's description of a proxy in httpcore2's terms."""
    url = proxy.url
    return httpcore2.Proxy(
        url=httpcore2.URL(
            scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
        ),
        auth=proxy.raw_auth,
        headers=proxy.headers.raw,
        ssl_context=proxy.ssl_context,
    )
