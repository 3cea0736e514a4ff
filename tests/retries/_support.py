"""What the tests of this folder share besides fixtures (those are in its conftest):
constants, helpers and types, imported from here rather than from a conftest."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Final

import attrs
import httpx

import pictory_vimeo as pv
from pictory_vimeo import emulator
from tests._support import PATH

#: Where an in-process emulator is reached; any loopback host is allowed over plain http.
IN_PROCESS_URL: Final = "http://localhost"


#: What goes wrong with a request on the wire: raise this transport error, or (a proxy)
#: answer this status.
Effect = type[httpx.TransportError] | int


@attrs.define
class _Loss:
    method: str
    effect: Effect
    applied: bool


class Wire(httpx.AsyncBaseTransport):
    """The emulator's in-process transport, with a hand on the wire.

    ``lose_next(method, effect, applied=...)``: the next such request fails with ``effect``,
    after the emulator applied it or before it got there. ``lose_every_nth_applied_put``:
    every n-th PUT the emulator applied loses its answer (``RemoteProtocolError``).
    ``codeless``: a 409 comes back as ``{"message": "Conflict"}``, naming no conflict.
    ``before``: awaited before each request reaches the emulator (another writer's turn).
    ``sent``: every request the SDK sent, in order, those that failed on the wire included.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.sent: list[httpx.Request] = []
        self.codeless = False
        self.before: Callable[[httpx.Request], Awaitable[None]] | None = None
        self.lose_every_nth_applied_put = 0
        #: How many answers were lost on purpose.
        self.lost = 0
        self._losses: list[_Loss] = []
        self._applied_puts = 0

    def lose_next(self, method: str, effect: Effect, *, applied: bool) -> None:
        """Make the next ``method`` request fail with ``effect``; ``applied``: after the API
        applied it (its answer is lost), else before it reached the API at all.
        """
        self._losses.append(_Loss(method, effect, applied))

    def methods(self) -> list[str]:
        """``"METHOD path?query"`` of every request sent, in order."""
        return [
            f"{r.method} {r.url.path}" + (f"?{r.url.query.decode()}" if r.url.query else "")
            for r in self.sent
        ]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Pass ``request`` to the emulator, failing or reshaping it as arranged."""
        self.sent.append(request)
        if self.before is not None:
            await self.before(request)
        loss = next((x for x in self._losses if x.method == request.method), None)
        if loss is not None:
            self._losses.remove(loss)
            if not loss.applied:
                return self._fail(request, loss.effect)
        response = await self.inner.handle_async_request(request)
        if loss is None and self._loses_this_put(request, response):
            loss = _Loss("PUT", httpx.RemoteProtocolError, applied=True)
        if loss is not None:
            await response.aread()
            await response.aclose()
            self.lost += 1
            return self._fail(request, loss.effect)
        if self.codeless and response.status_code == 409:
            await response.aread()
            await response.aclose()
            return httpx.Response(409, json={"message": "Conflict"}, request=request)
        return response

    def _loses_this_put(self, request: httpx.Request, response: httpx.Response) -> bool:
        if request.method != "PUT" or response.status_code != 200:
            return False
        self._applied_puts += 1
        nth = self.lose_every_nth_applied_put
        return bool(nth) and self._applied_puts % nth == 0

    @staticmethod
    def _fail(request: httpx.Request, effect: Effect) -> httpx.Response:
        if isinstance(effect, int):
            return httpx.Response(effect, json={"message": "Bad gateway"}, request=request)
        raise effect("connection lost on purpose", request=request)

    async def aclose(self) -> None:
        """Close the emulator's transport."""
        await self.inner.aclose()


class Rival:
    """Another client of the same account, writing straight to the emulator over raw HTTP
    (so its requests leave no SDK log records and never pass the :class:`Wire`).
    """

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def create(self, name: str, **fields: Any) -> dict[str, Any]:
        """Create a connection (API field names); its JSON as the API returns it."""
        body = {
            "name": name,
            "enabled": True,
            "clientIdentifier": "client-id",
            "clientSecret": "rival-secret",
            "accessToken": "rival-token",
            **fields,
        }
        response = await self.http.post(PATH, json=body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    async def write(self, connection_id: str, **fields: Any) -> dict[str, Any]:
        """Update the connection's current version with ``fields`` (API names)."""
        current = await self.http.get(f"{PATH}/{connection_id}")
        assert current.status_code == 200, current.text
        body = {"version": current.json()["version"], **fields}
        response = await self.http.put(f"{PATH}/{connection_id}", json=body)
        assert response.status_code == 200, response.text
        updated: dict[str, Any] = response.json()
        return updated


class Timeline(logging.Handler):
    """Each attempt's outcome (``"GET 200"``, ``"PUT the answer is not valid HTTP"``) and
    each wait."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.events: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Note an attempt, or a wait before a retry or after a version conflict."""
        event = getattr(record, "pictory_event", None)
        if event == "attempt":
            outcome = getattr(record, "pictory_outcome", "?")
            self.events.append(f"{getattr(record, 'pictory_method', '?')} {outcome}")
        elif event in ("retry", "conflict") and getattr(record, "pictory_wait_s", None) is not None:
            self.events.append("wait")


class Hook(logging.Handler):
    """Runs ``action(record)`` for each SDK record whose ``pictory_event`` is ``event``."""

    def __init__(self, event: str, action: Callable[[logging.LogRecord], None]) -> None:
        super().__init__(logging.DEBUG)
        self.event = event
        self.action = action

    def handle(self, record: logging.LogRecord) -> bool:
        """Emit without taking the handler's lock (an action may wait for the emulator's
        server thread, whose own records, ``pictory_vimeo.emulator``, pass this handler too)
        and without logging's error handling: a failing action fails the SDK's call.
        """
        self.emit(record)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        """Act on a matching SDK record; the SDK waits until the action returns."""
        if record.name == "pictory_vimeo" and getattr(record, "pictory_event", None) == self.event:
            self.action(record)


OnSdkLog = Callable[[str, Callable[[logging.LogRecord], None]], None]


def stored(emu: emulator.Emulator, api_key: str) -> dict[str, dict[str, object]]:
    """The account's stored connections by ID, secrets as fingerprints."""
    return {str(c["connectionId"]): c for c in emu.connections(api_key)}


@attrs.frozen
class Scene:
    """The main account on an in-process emulator, and who reaches it: ``conns``, the SDK's
    resource, through ``wire``; ``rival``, another writer, straight to ``emu``.
    """

    emu: emulator.Emulator
    wire: Wire
    rival: Rival
    conns: pv.AsyncVimeoConnections
    api_key: str

    def stored(self) -> dict[str, dict[str, object]]:
        """The account's stored connections by ID, secrets as fingerprints."""
        return stored(self.emu, self.api_key)
