"""Which connection pool a client sends over: aiohttp's under asyncio, httpx's own elsewhere.

``transport="auto"`` picks the aiohttp pool (through ``httpx_aiohttp``) when running under
asyncio, because httpcore's pool collapses under concurrency (see ``benchmarks/README.md``),
and httpx's own pool under trio, where aiohttp cannot run. Either way the SDK talks to an
``httpx.AsyncClient``: only the transport underneath differs, so behaviour is identical.
"""

from __future__ import annotations

import importlib.util
from typing import Final

import anyio
import httpx

from ._config import TransportName
from ._errors import ValidationError
from ._rules import FieldError

__all__ = ["open_pool", "running_backend", "transport_label"]

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


def resolve_name(choice: TransportName, backend: str | None) -> TransportName:
    """The pool ``choice`` means under ``backend``; ``"auto"`` stays open outside a loop."""
    if choice == "auto" and backend is not None:
        return "aiohttp" if backend == "asyncio" and _aiohttp_installed() else "httpx"
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


def _aiohttp_transport(max_concurrency: int) -> httpx.AsyncBaseTransport:
    import aiohttp

    from ._aiohttp_transport import MappedAiohttpTransport, TolerantResponse

    def session() -> aiohttp.ClientSession:
        # trust_env: honour HTTPS_PROXY and NO_PROXY as httpx does; cookies are not the
        # API's business, so none are kept between calls.
        connector = aiohttp.TCPConnector(
            limit=max_concurrency, keepalive_timeout=_KEEPALIVE_EXPIRY, ssl=transport.ssl_context
        )
        return aiohttp.ClientSession(
            connector=connector,
            trust_env=True,
            cookie_jar=aiohttp.DummyCookieJar(),
            response_class=TolerantResponse,
        )

    transport = MappedAiohttpTransport(limits=_limits(max_concurrency), client=session)
    return transport


def open_pool(
    choice: TransportName | httpx.AsyncBaseTransport, max_concurrency: int
) -> tuple[httpx.AsyncClient, str]:
    """A new ``httpx.AsyncClient`` over the chosen transport, and that transport's label.

    Call it inside the event loop the client will run in, so ``"auto"`` can see it.
    """
    if isinstance(choice, httpx.AsyncBaseTransport):
        transport, label = choice, transport_label(choice)
    else:
        name = resolve_name(choice, running_backend())
        if name == "auto":  # no loop running: httpx's pool works under any of them
            name = "httpx"
        if name == "aiohttp":
            transport, label = _aiohttp_transport(max_concurrency), "aiohttp"
        else:
            transport, label = httpx.AsyncHTTPTransport(limits=_limits(max_concurrency)), "httpx"
    return httpx.AsyncClient(transport=transport, follow_redirects=False), label


def transport_label(transport: object) -> str:
    """How ``repr(client)`` names a caller's transport: its class."""
    cls = type(transport)
    return f"{cls.__module__}.{cls.__qualname__}"
