"""Which connection pool a client sends over: aiohttp's under asyncio, httpx's own elsewhere.

``transport="auto"`` picks the aiohttp pool (through ``httpx_aiohttp``) when running under
asyncio, because httpcore's pool collapses under concurrency (see ``benchmarks/README.md``),
and httpx's own pool under trio, where aiohttp cannot run. Either way the SDK talks to an
``httpx.AsyncClient``: only the transport underneath differs, so behaviour is identical.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import ssl
from typing import Final

import anyio
import httpx

from ._config import AIOHTTP_MAX_CONCURRENCY, HTTPX_MAX_CONCURRENCY, TransportName
from ._errors import ValidationError
from ._proxies import Proxy
from ._rules import FieldError

__all__ = ["open_pool", "pool_size", "running_backend", "transport_label"]

#: Seconds an idle pooled connection is kept (httpx's own default).
_KEEPALIVE_EXPIRY: Final = 5.0


def running_backend() -> str | None:
    """``"asyncio"`` or ``"trio"`` when called inside an event loop, else ``None``."""
    try:
        import sniffio
    except ImportError:  # then trio (which needs sniffio) cannot be running
        try:
            anyio.get_current_task()
        except RuntimeError:
            return None
        return "asyncio"
    try:
        return sniffio.current_async_library()
    except sniffio.AsyncLibraryNotFoundError:
        return None


def _aiohttp_installed() -> bool:
    return all(importlib.util.find_spec(name) for name in ("aiohttp", "httpx_aiohttp"))


def resolve_name(
    choice: TransportName, backend: str | None, proxy: Proxy | None = None
) -> TransportName:
    """The pool ``choice`` means under ``backend``; ``"auto"`` stays open outside a loop.

    A SOCKS ``proxy`` takes ``"auto"`` to httpx's pool: aiohttp speaks HTTP proxies only.
    """
    socks = proxy is not None and proxy.socks
    if choice == "auto" and backend is not None:
        aiohttp = backend == "asyncio" and _aiohttp_installed() and not socks
        return "aiohttp" if aiohttp else "httpx"
    if choice == "aiohttp":
        if backend not in (None, "asyncio"):
            raise ValidationError(
                [
                    FieldError(
                        "transport",
                        f"'aiohttp' runs only under asyncio (not {backend}): "
                        "use transport='auto' or 'httpx' there",
                    )
                ]
            )
        if proxy is not None and socks:
            raise ValidationError(
                [
                    FieldError(
                        proxy.variable,
                        "names a SOCKS proxy, which aiohttp's pool cannot use: "
                        "use transport='auto' or 'httpx'",
                    )
                ]
            )
        if not _aiohttp_installed():
            raise ValidationError(
                [FieldError("transport", "'aiohttp' needs the aiohttp and httpx-aiohttp packages")]
            )
    return choice


def _limits(max_concurrency: int) -> httpx.Limits:
    # As many kept-alive connections as may be in flight: a smaller keep-alive pool makes
    # httpcore close and reopen connections under load.
    return httpx.Limits(
        max_connections=max_concurrency,
        max_keepalive_connections=max_concurrency,
        keepalive_expiry=_KEEPALIVE_EXPIRY,
    )


def pool_size(name: str, max_concurrency: int | None) -> int:
    """How many requests the pool named ``name`` serves at once when nothing is asked for.

    Measured (benchmarks/README.md): aiohttp's pool keeps gaining throughput up to a few
    hundred requests in flight; httpcore's does work quadratic in its size per checkout and
    loses throughput beyond a few dozen, so its callers are better off waiting their turn.
    """
    if max_concurrency is not None:
        return max_concurrency
    return AIOHTTP_MAX_CONCURRENCY if name == "aiohttp" else HTTPX_MAX_CONCURRENCY


def _verified_tls() -> ssl.SSLContext:
    """The TLS settings every pool the SDK opens verifies servers with, shared.

    Loading the CA store is most of what opening a client costs (16 ms of CPU, measured):
    one context per process serves every client, so a client made per request stays
    cheap. It is the one httpx would make, made anew if ``SSL_CERT_FILE`` or
    ``SSL_CERT_DIR`` (which httpx honours) change.
    """
    return _tls_for(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.cache
def _tls_for(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    # The arguments are the cache's key: httpx reads the same variables itself.
    return httpx.create_ssl_context()


def _aiohttp_transport(size: int, proxy: Proxy | None) -> httpx.AsyncBaseTransport:
    import aiohttp

    from ._aiohttp_transport import MappedAiohttpTransport, TolerantResponse

    def session() -> aiohttp.ClientSession:
        # trust_env=False: with it on, aiohttp reads .netrc and the proxy settings in a
        # worker thread for every request (half the client's CPU per call, measured) and
        # lets a .netrc entry clash with the Authorization header. The proxy is read once,
        # when the client is made (``_proxies``); no cookies are kept: not the API's business.
        connector = aiohttp.TCPConnector(
            limit=size, keepalive_timeout=_KEEPALIVE_EXPIRY, ssl=transport.ssl_context
        )
        return aiohttp.ClientSession(
            connector=connector,
            trust_env=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            response_class=TolerantResponse,
        )

    transport = MappedAiohttpTransport(
        verify=_verified_tls(),
        limits=_limits(size),
        client=session,
        proxy=None if proxy is None else _adapted(proxy),
    )
    return transport


def _adapted(proxy: Proxy) -> httpx.Proxy:
    """The proxy as ``httpx_aiohttp`` hands it to aiohttp: the credentials left in the URL,
    where aiohttp reads them (from ``.auth`` it would build a deprecated ``BasicAuth``).
    """
    adapted = httpx.Proxy(proxy.url)
    adapted.url, adapted.auth, adapted.headers = (
        httpx.URL(proxy.for_aiohttp()),
        None,
        httpx.Headers(),
    )
    return adapted


def open_pool(
    choice: TransportName | httpx.AsyncBaseTransport,
    max_concurrency: int | None,
    proxy: Proxy | None,
) -> tuple[httpx.AsyncClient, str, httpx.AsyncBaseTransport | None]:
    """A new ``httpx.AsyncClient`` for the chosen pool, its label, and the transport that
    requests may be handed to directly (``None``: they must go through the client).

    Call it inside the event loop the client will run in, so ``"auto"`` can see it.
    """
    if isinstance(choice, httpx.AsyncBaseTransport):
        return _client(choice), transport_label(choice), choice
    name = resolve_name(choice, running_backend(), proxy)
    if name == "aiohttp":  # the proxy, if any, is given to aiohttp's session itself
        transport = _aiohttp_transport(pool_size("aiohttp", max_concurrency), proxy)
        return _client(transport), "aiohttp", transport
    limits = _limits(pool_size("httpx", max_concurrency))
    transport = httpx.AsyncHTTPTransport(
        limits=limits,
        verify=_verified_tls(),
        proxy=None if proxy is None else proxy.for_httpx(),
    )
    return _client(transport), "httpx", transport


def _client(transport: httpx.AsyncBaseTransport) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=transport, follow_redirects=False)


def transport_label(transport: object) -> str:
    """How ``repr(client)`` names a caller's transport: its class."""
    cls = type(transport)
    return f"{cls.__module__}.{cls.__qualname__}"
