"""Which connection pool a client sends over: aiohttp's under asyncio, httpcore2's under trio.

``transport="auto"`` picks the aiohttp pool when running under asyncio, because httpcore's
pool collapses under concurrency (see ``benchmarks/README.md``), and under trio, where
aiohttp cannot run, httpcore2's pool when the ``trio`` extra installed it
(``_httpcore2_pool``), else httpx's own. Each pool is reached through an :class:`Exchange` of the
SDK's own (``_aiohttp_exchange``, ``_httpx_exchange``), held to the same rules (``_wire``),
so behaviour is identical whichever is used.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import ssl
from typing import Final, Protocol

import anyio
import httpx

from ._answer import Answer, Outgoing
from ._config import (
    AIOHTTP_MAX_CONCURRENCY,
    HTTPCORE2_MAX_CONCURRENCY,
    HTTPX_MAX_CONCURRENCY,
    TransportName,
)
from ._errors import ValidationError
from ._httpx_exchange import HttpxExchange
from ._proxies import Proxy
from ._rules import FieldError

__all__ = [
    "Exchange",
    "caller_client",
    "open_pool",
    "pool_size",
    "running_backend",
    "transport_label",
]

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


class Exchange(Protocol):
    """Sends one request over a pool and reads its whole answer (``_wire``'s rules)."""

    async def exchange(self, outgoing: Outgoing) -> Answer:
        """Send ``outgoing`` to the base URL + its ``target``; the answer, read whole.

        The connection is released either way. Past its ``deadline``
        (``anyio.current_time()``'s clock), ``TimeoutError``; each pool enforces it its own
        cheapest way.
        """
        ...

    async def aclose(self) -> None:
        """Close the pool (if the SDK opened it)."""
        ...


def _aiohttp_installed() -> bool:
    return importlib.util.find_spec("aiohttp") is not None


def _httpcore2_installed() -> bool:
    return importlib.util.find_spec("httpcore2") is not None


def resolve_name(
    choice: TransportName, backend: str | None, proxy: Proxy | None = None
) -> TransportName:
    """The pool ``choice`` means under ``backend``; ``"auto"`` stays open outside a loop.

    A SOCKS ``proxy`` takes ``"auto"`` to httpx's pool: aiohttp speaks HTTP proxies only.
    """
    socks = proxy is not None and proxy.socks
    if choice == "auto" and backend is not None:
        if backend == "asyncio" and _aiohttp_installed() and not socks:
            return "aiohttp"
        return "httpcore2" if backend == "trio" and _httpcore2_installed() else "httpx"
    if choice == "httpcore2" and not _httpcore2_installed():
        raise ValidationError(
            [FieldError("transport", "'httpcore2' needs the httpcore2 package (the trio extra)")]
        )
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
            raise ValidationError([FieldError("transport", "'aiohttp' needs the aiohttp package")])
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


def _aiohttp_exchange(size: int, base_url: str, proxy: Proxy | None) -> Exchange:
    from ._aiohttp_exchange import AiohttpExchange

    return AiohttpExchange(
        base_url,
        size=size,
        keepalive=_KEEPALIVE_EXPIRY,
        tls=_verified_tls(),
        proxy=None if proxy is None else proxy.for_aiohttp(),
    )


def open_pool(
    choice: TransportName | httpx.AsyncBaseTransport,
    max_concurrency: int | None,
    base_url: str,
    proxy: Proxy | None = None,
) -> tuple[Exchange, str]:
    """A new exchange over the chosen pool, and its label; ``proxy`` is the decision made
    when the client was made (``_proxies``), the same on every pool.

    Call it inside the event loop the client will run in, so ``"auto"`` can see it.
    """
    if isinstance(choice, httpx.AsyncBaseTransport):
        return _over(base_url, choice), transport_label(choice)
    name = resolve_name(choice, running_backend(), proxy)
    if name == "aiohttp":
        size = pool_size("aiohttp", max_concurrency)
        return _aiohttp_exchange(size, base_url, proxy), "aiohttp"
    if name == "httpcore2":
        from ._httpcore2_pool import Httpcore2Transport

        pool = Httpcore2Transport(
            ssl_context=_verified_tls(),
            max_connections=pool_size(name, max_concurrency),
            keepalive_expiry=_KEEPALIVE_EXPIRY,
            proxy=None if proxy is None else proxy.for_httpx(),
        )
        return _over(base_url, pool), name
    transport = httpx.AsyncHTTPTransport(
        limits=_limits(pool_size("httpx", max_concurrency)),
        verify=_verified_tls(),
        proxy=None if proxy is None else proxy.for_httpx(),
    )
    return _over(base_url, transport), "httpx"


def caller_client(base_url: str, client: httpx.AsyncClient) -> Exchange:
    """The exchange through a caller's own ``http_client``, which the SDK never closes."""
    return HttpxExchange(base_url, client, direct=None, owned=False)


def _over(base_url: str, transport: httpx.AsyncBaseTransport) -> Exchange:
    client = httpx.AsyncClient(transport=transport, follow_redirects=False)
    return HttpxExchange(base_url, client, direct=transport, owned=True)


def transport_label(transport: object) -> str:
    """How ``repr(client)`` names a caller's transport: its class."""
    cls = type(transport)
    return f"{cls.__module__}.{cls.__qualname__}"
