"""Which connection pool a client sends over: aiohttp's under asyncio, httpcore2's under trio.

``transport="auto"`` picks the aiohttp pool (through ``httpx_aiohttp``) when running under
asyncio, because httpcore's pool collapses under concurrency (see ``benchmarks/README.md``),
and under trio, where aiohttp cannot run, httpcore2's pool when the ``trio`` extra installed
it (``_httpcore2_pool``), else httpx's own. Either way the SDK talks to an
``httpx.AsyncClient``: only the transport underneath differs, so behaviour is identical.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import ssl
import urllib.request
from typing import Final

import anyio
import httpx

from ._config import (
    AIOHTTP_MAX_CONCURRENCY,
    HTTPCORE2_MAX_CONCURRENCY,
    HTTPX_MAX_CONCURRENCY,
    TransportName,
)
from ._errors import ValidationError
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


def _httpcore2_installed() -> bool:
    return importlib.util.find_spec("httpcore2") is not None


def resolve_name(choice: TransportName, backend: str | None) -> TransportName:
    """The pool ``choice`` means under ``backend``; ``"auto"`` stays open outside a loop."""
    if choice == "auto" and backend is not None:
        if backend == "asyncio" and _aiohttp_installed():
            return "aiohttp"
        return "httpcore2" if backend == "trio" and _httpcore2_installed() else "httpx"
    if choice == "httpcore2" and not _httpcore2_installed():
        raise ValidationError(
            [FieldError("transport", "'httpcore2' needs the httpcore2 package (the trio extra)")]
        )
    if choice == "aiohttp":
        if backend not in (None, "asyncio"):
            raise ValidationError(
                [FieldError("transport", f"'aiohttp' runs only under asyncio (not {backend})")]
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
    if name == "httpcore2":
        return HTTPCORE2_MAX_CONCURRENCY
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


def _proxy_for(base_url: str) -> httpx.Proxy | None:
    """The proxy the environment names for ``base_url`` (``NO_PROXY`` honoured), read once."""
    url = httpx.URL(base_url)
    proxies = urllib.request.getproxies()
    proxy = proxies.get(url.scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass(url.host):
        return None
    return httpx.Proxy(proxy)


def _aiohttp_transport(size: int, base_url: str) -> httpx.AsyncBaseTransport:
    import aiohttp

    from ._aiohttp_transport import MappedAiohttpTransport, TolerantResponse

    def session() -> aiohttp.ClientSession:
        # trust_env=False: with it on, aiohttp reads .netrc and the proxy settings in a
        # worker thread for every request (half the client's CPU per call, measured) and
        # lets a .netrc entry clash with the Authorization header. The proxy is read once,
        # below, instead; no cookies are kept: they are not the API's business.
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
        verify=_verified_tls(), limits=_limits(size), client=session, proxy=_proxy_for(base_url)
    )
    return transport


def open_pool(
    choice: TransportName | httpx.AsyncBaseTransport, max_concurrency: int | None, base_url: str
) -> tuple[httpx.AsyncClient, str, httpx.AsyncBaseTransport | None]:
    """A new ``httpx.AsyncClient`` for the chosen pool, its label, and the transport that
    requests may be handed to directly (``None``: they must go through the client).

    Call it inside the event loop the client will run in, so ``"auto"`` can see it.
    """
    if isinstance(choice, httpx.AsyncBaseTransport):
        return _client(choice), transport_label(choice), choice
    name = resolve_name(choice, running_backend())
    if name == "aiohttp":  # the proxy, if any, is given to aiohttp's session itself
        transport = _aiohttp_transport(pool_size("aiohttp", max_concurrency), base_url)
        return _client(transport), "aiohttp", transport
    if name == "httpcore2":  # the proxy, if any, is given to httpcore2's pool itself
        from ._httpcore2_pool import Httpcore2Transport

        pool = Httpcore2Transport(
            ssl_context=_verified_tls(),
            max_connections=pool_size(name, max_concurrency),
            keepalive_expiry=_KEEPALIVE_EXPIRY,
            proxy=_proxy_for(base_url),
        )
        return _client(pool), name, pool
    limits = _limits(pool_size("httpx", max_concurrency))
    if urllib.request.getproxies():
        # A proxy is configured in the environment: httpx's client routes each URL to the
        # proxy (or not, by NO_PROXY), so requests must go through it.
        client = httpx.AsyncClient(limits=limits, verify=_verified_tls(), follow_redirects=False)
        return client, "httpx", None
    transport = httpx.AsyncHTTPTransport(limits=limits, verify=_verified_tls())
    return _client(transport), "httpx", transport


def _client(transport: httpx.AsyncBaseTransport) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=transport, follow_redirects=False)


def transport_label(transport: object) -> str:
    """How ``repr(client)`` names a caller's transport: its class."""
    cls = type(transport)
    return f"{cls.__module__}.{cls.__qualname__}"
