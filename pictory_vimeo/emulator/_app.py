"""``Emulator``: one store, one fault injector, and the Starlette app that serves them."""

from __future__ import annotations

import os
from typing import Any, Final

import attrs
import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from .. import _rules
from ._access import check_control_token
from ._api import API_PREFIX, ConnectionsApi
from ._control import control_routes
from ._faults import FaultInjector, Faults
from ._http import (
    ConnectionDropped,
    DropKind,
    GatewayHeadersMiddleware,
    RequestHeadMiddleware,
    error_response,
)
from ._inspect import stored_connections
from ._requests import Listener, RequestLog, RequestLogMiddleware, ServedRequest
from ._scripted import FaultScript, ScriptedFault
from ._sqlite import SQLiteStore
from ._store import MemoryStore, Store

__all__ = ["Emulator"]

_HTTP_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}


async def _http_error(request: Request, exc: Exception) -> Response:
    """Routing errors (unknown path, wrong method) in the API's error shape."""
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "HTTP_ERROR")
    return error_response(exc.status_code, code, exc.detail, headers=exc.headers)


class Emulator:
    """A stateful local Pictory Vimeo Connections API.

    ``db`` is a SQLite file to keep data in (``None``: in memory); ``seed`` makes the
    injected faults reproducible; ``control_token`` makes every ``/_emulator/`` route but
    health ask for that token (``running()`` and ``serve`` set one off loopback). Serve
    ``.app`` with any ASGI server, use ``.transport()`` in process, or use ``running()``
    for a real loopback server.
    """

    def __init__(
        self,
        *,
        page_size: int = 25,
        db: str | os.PathLike[str] | None = None,
        faults: Faults | None = None,
        seed: int | None = None,
        control_token: str | None = None,
    ) -> None:
        if not _rules.is_count(page_size):
            raise ValueError(f"page_size must be an integer >= 1 (got {page_size!r})")
        if faults is not None and not isinstance(faults, Faults):
            raise TypeError(f"faults must be a Faults or None (got {type(faults).__name__})")
        token = check_control_token(control_token)
        self._store: Store = MemoryStore() if db is None else SQLiteStore(db)
        self._faults = FaultInjector(faults or Faults(), seed)
        self._script = FaultScript()
        self._log = RequestLog()
        self._listeners: list[Listener] = []
        self.page_size = page_size
        api = ConnectionsApi(self._store, self._faults, self._script, page_size)
        control = control_routes(
            self._faults, self._script, self.reset, self._log.snapshot, token, store=self._store
        )
        app = Starlette(
            routes=[*api.routes(), *control],
            middleware=[
                Middleware(GatewayHeadersMiddleware),
                Middleware(
                    RequestLogMiddleware,
                    log=self._log,
                    prefix=API_PREFIX,
                    listeners=self._listeners,
                ),
                Middleware(RequestHeadMiddleware),
            ],
            exception_handlers={HTTPException: _http_error},
        )
        # The API has no trailing-slash URLs; a redirect would only hide a client's mistake.
        app.router.redirect_slashes = False
        self.app = app

    @property
    def faults(self) -> Faults:
        """The fault settings in force."""
        return self._faults.faults

    def set_faults(self, **changes: Any) -> Faults:
        """Change fault settings at run time, e.g. ``set_faults(error_rate=0.3)``."""
        updated = attrs.evolve(self._faults.faults, **changes)
        self._faults.set_faults(updated)
        return updated

    def fail_next(
        self,
        status: int = 503,
        *,
        times: int = 1,
        method: str | None = None,
        drop_after_commit: bool = False,
        retry_after: float | None = None,
        drop: DropKind | None = None,
    ) -> None:
        """Make the next ``times`` API requests of ``method`` (``None``: any) fail on purpose.

        They are answered ``status`` (400-599) in the API's error shape before anything
        changes, with ``Retry-After: retry_after`` when given; or, with
        ``drop_after_commit``, handled normally (a write is applied) and then their answer
        is lost as ``drop`` says: ``"close"`` (the connection closed before the answer's
        first byte), ``"cut"`` (the default: closed after the status line and part of the
        body) or ``"reset"`` (a TCP reset). Calls queue up: a request takes the earliest
        entry its method matches. Only requests with an API key take entries; such a
        request is spared the random faults.
        """
        fault = ScriptedFault(
            status=status,
            times=times,
            method=method,
            drop_after_commit=drop_after_commit,
            retry_after=retry_after,
            drop=drop,
        )
        self._script.add(fault)

    def clear_scripted_faults(self) -> None:
        """Drop every scripted fault not yet used up."""
        self._script.clear()

    def stats(self) -> dict[str, int]:
        """Counters: ``requests``, ``errors`` (5xx), ``rateLimited`` (429), ``dropped``.

        Scripted failures count with the random ones of their kind.
        """
        return self._faults.stats()

    def add_request_listener(self, listener: Listener) -> None:
        """Call ``listener(served)`` for every HTTP request, once its answer is decided.

        Control routes included (unlike ``.requests``); it is called on the server's thread
        and must be quick. ``serve`` prints its request lines this way.
        """
        self._listeners.append(listener)

    @property
    def requests(self) -> list[ServedRequest]:
        """Every API request received, in arrival order, deliberately failed ones included.

        Each says its answer's status and the fault injected, if any (``fault``,
        ``dropped``, ``drop``: see ``ServedRequest``). A copy, taken now; a request
        appears once its answer is decided. Control routes and
        ``/openapi.json`` are not logged, nor what the HTTP server refuses before a request
        is whole (malformed, or timed out while its headers arrive); beyond the latest
        10,000 entries the oldest give way.
        """
        return self._log.snapshot()

    def connections(self, api_key: str | None = None) -> list[dict[str, object]]:
        """Stored connections of ``api_key``'s account (``None``: every account), oldest first.

        Each is the API's JSON object, as a GET returns it, plus ``clientSecret`` and
        ``accessToken`` as ``fingerprint()``s: a test can check which secret was stored,
        and the emulator never reveals one.
        """
        return stored_connections(self._store, api_key)

    def reset(self) -> None:
        """Forget connections, logged requests, counts and scripted faults; settings stay."""
        self._store.reset()
        self._faults.reset()
        self._script.clear()
        self._log.clear()

    def transport(self) -> httpx.AsyncBaseTransport:
        """An httpx transport that serves ``.app`` in process: no socket, no thread."""
        return InProcessTransport(self.app)

    def close(self) -> None:
        """Close the store (the SQLite file); the emulator must not be used afterwards."""
        self._store.close()

    def __repr__(self) -> str:
        try:
            return f"Emulator(page_size={self.page_size}, faults={self.faults!r})"
        except AttributeError:  # half-built: its __init__ raised
            return f"<{type(self).__name__} (not built)>"


#: What httpx raises, over a socket, for each way an answer is lost (httpcore's words).
_LOST_AS: Final[dict[DropKind, tuple[type[httpx.TransportError], str]]] = {
    "close": (httpx.RemoteProtocolError, "Server disconnected without sending a response."),
    "cut": (
        httpx.RemoteProtocolError,
        "peer closed connection without sending complete message body",
    ),
    "reset": (httpx.ReadError, "[Errno 104] Connection reset by peer"),
}


class InProcessTransport(httpx.AsyncBaseTransport):
    """``httpx.ASGITransport`` that reports a dropped answer the way a socket would.

    A dropped answer surfaces from the app as ``ConnectionDropped``; over a real socket the
    client sees the connection close (before the answer or mid-way) or reset, so here it
    becomes the same httpx error: ``RemoteProtocolError`` or ``ReadError``.
    """

    def __init__(self, app: Starlette) -> None:
        self._inner = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Serve ``request`` with the app."""
        try:
            return await self._inner.handle_async_request(request)
        except ConnectionDropped as lost:
            error, message = _LOST_AS[lost.kind]
            raise error(message, request=request) from None

    async def aclose(self) -> None:
        """Nothing to release beyond the inner transport."""
        await self._inner.aclose()
