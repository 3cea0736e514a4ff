"""Fixtures of the retry suite: the emulator with scripted faults, in process where speed
matters, over real loopback HTTP where a test is about what a user meets (``served``: one
server for the suite, as good as new for each test; the root conftest's ``make_client``).

In process, the SDK reaches ``Emulator.transport()`` through a :class:`Wire`, which adds what
a scripted fault cannot say: an answer lost after the emulator applied the request, as a
particular httpx exception or a proxy's bare status; 409s that do not name their conflict, as
a server may send them; and another writer's turn just before a request arrives. Waits are
read from the SDK's log records (``retry_waits``, ``timeline``); the testing mode is on, so
none is slept.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Final

import attrs
import httpx
import pytest
from anyio.from_thread import start_blocking_portal

import pictory_vimeo as pv
from pictory_vimeo import emulator
from tests._support import PATH

#: Where an in-process emulator is reached; any loopback host is allowed over plain http.
IN_PROCESS_URL: Final = "http://localhost"
#: What goes wrong with a request on the wire: raise this transport error, or (a proxy)
#: answer this status.
Effect = type[httpx.TransportError] | int


@pytest.fixture(
    params=[
        pytest.param(("asyncio", "httpx"), id="asyncio"),
        pytest.param(("trio", "httpx"), id="trio"),
    ]
)
def loop_and_pool(request: pytest.FixtureRequest) -> tuple[str, str]:
    """In process the SDK sends through the transport it is given, never a pool of its own:
    once per event loop is enough. Modules over loopback HTTP override this with every pool.
    """
    backend, pool = request.param
    return str(backend), str(pool)


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


@pytest.fixture(scope="session")
def loopback_server() -> Iterator[emulator.RunningEmulator]:
    """One emulator on loopback for the suite's HTTP tests, its server started once: each
    start and stop of the HTTP server costs about a tenth of a second.
    """
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(emulator.running()) as running,
    ):
        yield running


@pytest.fixture
def served(loopback_server: emulator.RunningEmulator, page_size: int) -> emulator.RunningEmulator:
    """The loopback emulator as good as new (what the root conftest's ``served`` gives, without
    a server of its own): no connections, logged requests, counts, scripted faults or fault
    settings left by an earlier test.
    """
    emu = loopback_server.emulator
    assert page_size == emu.page_size
    emu.reset()
    emu.set_faults(**attrs.asdict(emulator.Faults()))
    return loopback_server


@pytest.fixture
def emu(page_size: int) -> Iterator[emulator.Emulator]:
    """A fresh in-memory emulator, with no random faults; pages of ``page_size``."""
    instance = emulator.Emulator(page_size=page_size)
    yield instance
    instance.close()


@pytest.fixture
def wire(emu: emulator.Emulator) -> Wire:
    """The SDK's way to the in-process emulator."""
    return Wire(emu.transport())


@pytest.fixture
async def client(wire: Wire, api_key: str) -> AsyncIterator[pv.AsyncPictoryClient]:
    """An SDK client of the in-process emulator: 2 retries and a 30 s deadline, the defaults."""
    async with pv.AsyncPictoryClient(
        api_key, IN_PROCESS_URL, timeout=30.0, max_retries=2, transport=wire
    ) as sdk:
        yield sdk


@pytest.fixture
def conns(client: pv.AsyncPictoryClient) -> pv.AsyncVimeoConnections:
    """The client's ``vimeo_connections`` resource."""
    return client.vimeo_connections


@pytest.fixture
async def rival(emu: emulator.Emulator, api_key: str) -> AsyncIterator[Rival]:
    """Another writer of the main account, in process."""
    async with httpx.AsyncClient(
        transport=emu.transport(), base_url=IN_PROCESS_URL, headers={"Authorization": api_key}
    ) as http:
        yield Rival(http)


class _Timeline(logging.Handler):
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


@pytest.fixture
def timeline() -> Iterator[list[str]]:
    """What the SDK did, in order, from its DEBUG log records: attempts and waits."""
    logger = logging.getLogger("pictory_vimeo")
    handler = _Timeline()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler.events
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


class _Hook(logging.Handler):
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


@pytest.fixture
def on_sdk_log() -> Iterator[OnSdkLog]:
    """``on_sdk_log(event, action)``: call ``action(record)`` whenever the SDK logs a record of
    that ``pictory_event`` (``"attempt"``, ``"retry"``, ``"conflict"``).

    The action runs synchronously inside the SDK's call, on its thread, between one attempt
    and what follows it: another writer's turn at a precise moment, or a loaded event loop.
    """
    logger = logging.getLogger("pictory_vimeo")
    level = logger.level
    hooks: list[_Hook] = []

    def add(event: str, action: Callable[[logging.LogRecord], None]) -> None:
        hooks.append(_Hook(event, action))
        logger.addHandler(hooks[-1])
        logger.setLevel(logging.DEBUG)

    try:
        yield add
    finally:
        for hook in hooks:
            logger.removeHandler(hook)
        logger.setLevel(level)


def stored(emu: emulator.Emulator, api_key: str) -> dict[str, dict[str, object]]:
    """The account's stored connections by ID, secrets as fingerprints."""
    return {str(c["connectionId"]): c for c in emu.connections(api_key)}
