"""Fixtures of the retry suite: the emulator with scripted faults, in process where speed
matters, over real loopback HTTP (the root conftest's ``served`` and ``make_client``) where a
test is about what a user meets.

In process, the SDK reaches ``Emulator.transport()`` through a :class:`Wire`, which adds what
a scripted fault cannot say: an answer lost after the emulator applied the request, as a
particular httpx exception or a proxy's bare status; 409s that do not name their conflict, as
a server may send them; and another writer's turn just before a request arrives. Waits are
read from the SDK's log records (``retry_waits``, ``timeline``); the testing mode is on, so
none is slept.
"""

from __future__ import annotations

import json
import logging
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any, Final, Literal
from urllib.parse import unquote

import anyio
import anyio.lowlevel
import attrs
import httpx
import pytest
import respx
import tenacity.wait
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
    """Each attempt's outcome (``"GET 200"``, ``"PUT RemoteProtocolError"``) and each wait."""

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


# --- The fake clock and the fake API the modules not yet on the emulator still use --------

API_KEY = "pictai_retry_suite_secret_key"
BASE_URL = "https://api.test"


class FakeClock:
    """anyio's clock as the SDK reads it; only recorded waits (and tests) move it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        #: Waits and requests in the order they happened, e.g. ``["GET 200", "sleep"]``.
        self.events: list[str] = []
        self.advance_on_sleep = True
        #: How much later than asked a wait ends, as a loaded event loop's may.
        self.overshoot = 0.0
        #: Scheduler turns a wait yields per second asked, so racing tasks spread out
        #: by their jitter as they would in real time.
        self.turns_per_second = 0

    def time(self) -> float:
        """The fake ``anyio.current_time``."""
        return self.now

    def advance(self, seconds: float) -> None:
        """Let time pass, e.g. while a slow response is on its way."""
        self.now += seconds

    async def sleep(self, seconds: float) -> None:
        """The fake ``backoff_sleep``: record the wait, move the clock, let others run."""
        self.sleeps.append(seconds)
        self.events.append("sleep")
        if self.advance_on_sleep:
            self.now += seconds + self.overshoot
        for _ in range(1 + int(seconds * self.turns_per_second)):
            await anyio.lowlevel.checkpoint()


class _Jitter:
    """Stands in for the ``random`` module: ``uniform`` returns one end of its range."""

    def __init__(self, end: Literal["low", "high"]) -> None:
        self._end = end

    def uniform(self, low: float, high: float) -> float:
        """The chosen end of ``[low, high]``."""
        return high if self._end == "high" else low


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeClock]:
    """Every wait is recorded and moves the fake clock the SDK reads; none is slept.

    The testing mode is off meanwhile: the fake clock must see the waits the SDK asks for.
    """
    fake = FakeClock()
    monkeypatch.setattr(anyio, "sleep", fake.sleep)
    monkeypatch.setattr(anyio, "current_time", fake.time)
    with pv.set_testing(False):
        yield fake


@pytest.fixture
def max_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every jittered wait is the top of its range, so the waits are known exactly."""
    monkeypatch.setattr(tenacity.wait, "random", _Jitter("high"))


@pytest.fixture
async def fake_client(
    router: respx.MockRouter, tls_context: ssl.SSLContext
) -> AsyncIterator[pv.AsyncPictoryClient]:
    """An SDK client on the router: 2 retries and a 30 s deadline, the documented defaults."""
    async with (
        httpx.AsyncClient(verify=tls_context) as http,
        pv.AsyncPictoryClient(
            api_key=API_KEY, base_url=BASE_URL, timeout=30.0, max_retries=2, http_client=http
        ) as sdk,
    ):
        yield sdk


@pytest.fixture
def api(router: respx.MockRouter, clock: FakeClock) -> FakeApi:
    """The stateful fake API, answering every request the router sees."""
    return FakeApi(router, clock.events)


def connection_id(number: int) -> str:
    """An ID shaped like the API's: 17 digits of time, 15 lowercase letters or digits."""
    return f"{20250101000000000 + number}{number:015d}"


@attrs.define
class Fault:
    """What goes wrong with one request: before it is applied, or after (a lost response)."""

    effect: Effect
    applied: bool


class FakeApi:
    """An account's connections in memory, served with the API's name and version checks."""

    def __init__(self, router: respx.MockRouter, events: list[str]) -> None:
        self.store: dict[str, dict[str, Any]] = {}
        #: ``(method, path)`` of every request, the query string included.
        self.requests: list[tuple[str, str]] = []
        self.events = events
        self.page_size = 100
        #: Answer every 409 as ``{"message": "Conflict"}``, without a code.
        self.codeless = False
        #: Lose the response of every n-th applied PUT (0: never).
        self.lose_every_nth_put = 0
        #: Runs before each PUT is handled: another writer's chance to get there first.
        self.before_put: Callable[[], None] | None = None
        self._faults: dict[str, list[Fault]] = {}
        self._applied_puts = 0
        self._made = 0
        router.route().mock(side_effect=self._handle)

    def add(
        self,
        name: str,
        *,
        client_identifier: str = "client-id",
        description: str | None = None,
        enabled: bool = True,
    ) -> str:
        """Store a connection directly, as if created earlier; return its ID."""
        return self._insert(
            {
                "name": name,
                "clientIdentifier": client_identifier,
                "description": description,
                "enabled": enabled,
                "clientSecret": "stored-secret",
                "accessToken": "stored-token",
            }
        )

    def write(self, connection_id: str, **fields: Any) -> None:
        """Another writer's update: change the stored fields and bump the version."""
        record = self.store[connection_id]
        record.update(fields)
        record["version"] += 1

    def fail_next(self, method: str, effect: Effect, *, applied: bool) -> None:
        """Make the next ``method`` request fail; ``applied`` means after taking effect."""
        self._faults.setdefault(method, []).append(Fault(effect, applied))

    def count(self, method: str, *, item: bool | None = None) -> int:
        """How many ``method`` requests came; ``item`` picks item or collection paths."""
        return sum(
            1
            for m, path in self.requests
            if m == method and (item is None or item == path.startswith(PATH + "/"))
        )

    def public(self, connection_id: str) -> dict[str, Any]:
        """The stored connection as the API shows it: no secrets, no null description."""
        record = self.store[connection_id]
        shown = {k: v for k, v in record.items() if k not in ("clientSecret", "accessToken")}
        if shown.get("description") is None:
            shown.pop("description", None)
        return shown

    def _insert(self, fields: dict[str, Any]) -> str:
        self._made += 1
        new_id = connection_id(self._made)
        # The wall clock, as a server's: reconciliation compares it with when it sent.
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        self.store[new_id] = {
            "connectionId": new_id,
            "type": "VIMEO",
            "createdDate": now,
            "updatedDate": now,
            "version": 1,
            **fields,
        }
        return new_id

    async def _handle(self, request: httpx.Request) -> httpx.Response:
        # A checkpoint per request lets concurrent callers interleave as over a network.
        await anyio.lowlevel.checkpoint()
        query = request.url.query.decode()
        self.requests.append((request.method, request.url.path + (f"?{query}" if query else "")))
        if request.method == "PUT" and self.before_put is not None:
            self.before_put()
        faults = self._faults.get(request.method)
        fault = faults.pop(0) if faults else None
        if fault is not None and not fault.applied:
            return self._fault(request, fault.effect)
        response = self._answer(request)
        lost = fault is not None
        if request.method == "PUT" and response.status_code == 200:
            self._applied_puts += 1
            nth = self.lose_every_nth_put
            lost = lost or bool(nth and self._applied_puts % nth == 0)
        if lost:
            return self._fault(request, fault.effect if fault else httpx.RemoteProtocolError)
        self.events.append(f"{request.method} {response.status_code}")
        return response

    def _fault(self, request: httpx.Request, effect: Effect) -> httpx.Response:
        self.events.append(f"{request.method} lost")
        if isinstance(effect, int):
            return httpx.Response(effect, json={"message": "Bad gateway"})
        raise effect("connection dropped", request=request)

    def _answer(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == PATH and request.method == "POST":
            return self._create(json.loads(request.content))
        if path == PATH and request.method == "GET":
            return self._list(request.url.params.get("nextPageKey"))
        cid = unquote(path.removeprefix(PATH + "/"))
        if request.method == "DELETE":
            self.store.pop(cid, None)
            return httpx.Response(204)
        if cid not in self.store:
            return httpx.Response(404, json={"message": "Connection not found"})
        if request.method == "PUT":
            return self._update(cid, json.loads(request.content))
        return httpx.Response(200, json=self.public(cid))

    def _conflict(self, code: str, message: str) -> httpx.Response:
        body = {"message": "Conflict"} if self.codeless else {"message": message, "code": code}
        return httpx.Response(409, json=body)

    def _name_taken(self, name: object, other_than: str | None = None) -> bool:
        return any(
            record["name"] == name and cid != other_than for cid, record in self.store.items()
        )

    def _create(self, body: dict[str, Any]) -> httpx.Response:
        if self._name_taken(body["name"]):
            return self._conflict("DUPLICATE_NAME", "A connection with this name already exists")
        new_id = self._insert({"description": None, **body})
        return httpx.Response(201, json=self.public(new_id))

    def _list(self, key: str | None) -> httpx.Response:
        start = int(key or 0)
        ids = list(self.store)[start : start + self.page_size]
        page: dict[str, Any] = {"Items": [self.public(cid) for cid in ids]}
        if start + self.page_size < len(self.store):
            page["nextPageKey"] = str(start + self.page_size)
        return httpx.Response(200, json=page)

    def _update(self, cid: str, body: dict[str, Any]) -> httpx.Response:
        record = self.store[cid]
        if body["version"] != record["version"]:
            return self._conflict("VERSION_CONFLICT", "The version is not the current one")
        if "name" in body and self._name_taken(body["name"], other_than=cid):
            return self._conflict("DUPLICATE_NAME", "A connection with this name already exists")
        record.update({k: v for k, v in body.items() if k != "version"})
        record["version"] += 1
        record["updatedDate"] = "2025-01-02T00:00:00.000Z"
        return httpx.Response(200, json=self.public(cid))
