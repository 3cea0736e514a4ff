"""The exchange on aiohttp's pool: straight to its ``ClientSession``, no httpx objects made.

aiohttp keeps its throughput as concurrency grows where httpcore's pool collapses (see
``benchmarks/README.md``); going to it directly, rather than through an httpx adapter,
saves the ``httpx.Request``/``httpx.Response`` and URL parsing every call paid for. The
session is set up as ``_wire`` decides (no resend, redirects, cookies, .netrc or
decompression; header and body limits), and each aiohttp failure becomes the plain-words
httpx exception ``_failures`` says it means.

Imported only when the aiohttp pool is chosen (asyncio only): ``import pictory_vimeo``
never imports aiohttp.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Callable
from typing import Final

import aiohttp
import httpx
from aiohttp.client_proto import ResponseHandler
from yarl import URL

from ._answer import Answer, Outgoing
from ._failures import (
    CLOSED,
    CUT,
    HEADERS_TOO_LARGE,
    MALFORMED,
    PROXY_FAILED,
    RESET,
    UNSUPPORTED,
    connect_failure,
)
from ._wire import HEADER_LIMIT, BodyReader, ResponseTooLargeError

__all__ = ["AiohttpExchange"]

_NO_TIMEOUT: Final = aiohttp.ClientTimeout(total=None, sock_connect=None, sock_read=None)
_NEVER_ROUNDED: Final = 1e12


def _session(size: int, keepalive: float, tls: ssl.SSLContext) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=size, keepalive_timeout=keepalive, ssl=tls)
    session = aiohttp.ClientSession(
        connector=connector,
        # Not the environment's proxy or .netrc, read per request in a worker thread (half
        # the client's CPU per call, measured): the proxy is read once, when the pool opens.
        trust_env=False,
        cookie_jar=aiohttp.DummyCookieJar(),
        auto_decompress=False,
        max_line_size=HEADER_LIMIT,
        max_field_size=HEADER_LIMIT,
        # Each request's own total timeout is the call's deadline (``exchange``).
        timeout=_NO_TIMEOUT,
        skip_auto_headers=("Accept", "Accept-Encoding", "User-Agent"),
    )
    # aiohttp re-sends an idempotent request once when a reused connection turns out closed
    # (RFC 9112 9.3.1 allows it). The SDK's retry loop must see every send, so that is off:
    # the switch aiohttp's own test client turns off, checked to exist so a rename fails
    # loudly (tests/wire checks the behaviour).
    if not hasattr(session, "_retry_connection"):  # pragma: no cover - a future aiohttp
        raise RuntimeError("this aiohttp cannot be told not to re-send requests")
    session._retry_connection = False
    return session


class AiohttpExchange:
    """Requests to one base URL over one aiohttp session (made in the running loop)."""

    def __init__(
        self,
        base_url: str,
        *,
        size: int,
        keepalive: float,
        tls: ssl.SSLContext,
        proxy: str | None = None,
    ) -> None:
        self._base = base_url
        self._settings = (size, keepalive, tls)
        #: Made at the first request, inside the event loop it will run in.
        self._session: aiohttp.ClientSession | None = None
        self._proxy = proxy

    async def exchange(self, outgoing: Outgoing) -> Answer:
        """Send ``outgoing`` to ``base_url + outgoing.target``; read its answer.

        Its ``deadline`` (the event loop's clock, which is anyio's under asyncio) is
        aiohttp's total timeout: a timer it sets anyway, cheaper than a cancel scope per
        request. Past it, ``TimeoutError``.
        """
        url = self._base + outgoing.target
        session = self._session
        if session is None:
            session = self._session = _session(*self._settings)
        left = outgoing.deadline - asyncio.get_running_loop().time()
        if left <= 0:
            raise TimeoutError
        # Never rounded up to a whole second (aiohttp does so past ``ceil_threshold``).
        timeout = aiohttp.ClientTimeout(total=left, ceil_threshold=_NEVER_ROUNDED)
        started = time.perf_counter()
        response: aiohttp.ClientResponse | None = None
        try:
            response = await session.request(
                outgoing.method,
                URL(url, encoded=True),
                headers=outgoing.headers,
                data=outgoing.content,
                allow_redirects=False,
                proxy=self._proxy,
                timeout=timeout,
            )
            # Kept now: a small answer's connection is back in the pool before it is read.
            protocol: ResponseHandler | None = getattr(response, "_protocol", None)
            reader = _start(response, outgoing.limit)
            read = response.content.readany
            while chunk := await read():
                reader.feed(chunk)
            body = reader.body()
        except ResponseTooLargeError:
            _close(response)
            raise
        except TimeoutError:
            # The call's deadline (``_call``), not aiohttp's: it is the call's to describe.
            _close(response)
            raise
        except aiohttp.ClientConnectorError as exc:
            error: Exception = _connect_error(exc)
        except (aiohttp.ClientError, OSError) as exc:
            _close(response)
            error = _after_connecting(exc, answered=response is not None)
        except BaseException:
            _close(response)
            raise
        else:
            return Answer(
                response.status,
                response.raw_headers,
                body,
                outgoing,
                url,
                elapsed=time.perf_counter() - started,
                undecodable=reader.undecodable,
                discard=_discarder(protocol),
            )
        # Raised outside the except block, so aiohttp's text is not chained to it.
        raise error

    async def aclose(self) -> None:
        """Close every connection of the pool."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()


def _start(response: aiohttp.ClientResponse, limit: int) -> BodyReader:
    """The reader of ``response``'s body, once its headers are known to be within limits."""
    size = 0
    for name, value in response.raw_headers:
        size += len(name) + len(value) + 4
    if size > HEADER_LIMIT:
        raise httpx.RemoteProtocolError(HEADERS_TOO_LARGE)
    length = response.content_length
    if length is not None and length > limit:
        raise ResponseTooLargeError(limit)
    return BodyReader(response.headers.get("Content-Encoding"), limit)


def _close(response: aiohttp.ClientResponse | None) -> None:
    """Close ``response``'s connection instead of handing it back to the pool."""
    if response is not None:
        response.close()


def _discarder(protocol: ResponseHandler | None) -> Callable[[], None]:
    """Closes the connection an answer came over.

    By the time its body is read aiohttp has handed the connection back to the pool, so
    its protocol, kept from before, is closed: the pool drops closed connections.
    """

    def discard() -> None:
        if protocol is not None:
            protocol.close()

    return discard


def _connect_error(exc: aiohttp.ClientConnectorError) -> Exception:
    if isinstance(exc, aiohttp.ClientProxyConnectionError):
        return httpx.ProxyError(PROXY_FAILED)
    return connect_failure(exc)


def _after_connecting(exc: BaseException, *, answered: bool) -> Exception:
    """A failure once the connection was open: the request may have reached the server."""
    if isinstance(exc, httpx.RemoteProtocolError):
        return exc
    if isinstance(exc, aiohttp.ClientHttpProxyError):
        return httpx.ProxyError(PROXY_FAILED)
    if isinstance(exc, aiohttp.ClientPayloadError):
        return httpx.RemoteProtocolError(CUT)
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return httpx.RemoteProtocolError(CUT if answered else CLOSED)
    if isinstance(exc, aiohttp.ClientResponseError):
        text = str(exc.message).lower()
        too_long = "got more than" in text or "too long" in text or "too many" in text
        return httpx.RemoteProtocolError(HEADERS_TOO_LARGE if too_long else MALFORMED)
    if isinstance(exc, aiohttp.InvalidURL | aiohttp.NonHttpUrlClientError):
        return httpx.UnsupportedProtocol(UNSUPPORTED)
    return httpx.ReadError(RESET)
