"""Fixtures of the retry suite: a fake clock, recorded waits and a stateful fake API on respx.

The SDK reads the time through ``anyio.current_time`` and waits through ``anyio.sleep``;
both are replaced here by one :class:`FakeClock` (with the testing mode off, so the waits
asked for reach it), so a test decides how much time passes and nothing really sleeps.
:class:`FakeApi` keeps the account's connections in a dict with the real name and version
checks, and can lose a response after applying the request, as a dropped connection does.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import unquote

import anyio
import anyio.lowlevel
import attrs
import httpx
import pytest
import respx
import tenacity.wait

import pictory_vimeo as pv

API_KEY = "pictai_retry_suite_secret_key"
BASE_URL = "https://api.test"
PATH = "/pictoryapis/v1/vimeo-connections"

#: What a fault does: raise this transport error, or answer this status.
Effect = type[httpx.TransportError] | int


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


@pytest.fixture(autouse=True)
def _testing_mode() -> Iterator[None]:
    """The testing mode off here: the fake clock must see the waits the SDK asks for."""
    with pv.set_testing(False):
        yield


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """Every wait is recorded and moves the fake clock the SDK reads; none is slept."""
    fake = FakeClock()
    monkeypatch.setattr(anyio, "sleep", fake.sleep)
    monkeypatch.setattr(anyio, "current_time", fake.time)
    return fake


@pytest.fixture
def max_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every jittered wait is the top of its range, so the waits are known exactly."""
    monkeypatch.setattr(tenacity.wait, "random", _Jitter("high"))


@pytest.fixture(scope="session")
def tls_context() -> ssl.SSLContext:
    """One TLS context for the run: building one per client is most of a test's time."""
    return ssl.create_default_context()


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    """A respx router mocking every httpx request; an unrouted request fails the test."""
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as mock:
        yield mock


@pytest.fixture
async def client(
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
def conns(client: pv.AsyncPictoryClient) -> pv.AsyncVimeoConnections:
    """The client's ``vimeo_connections`` resource."""
    return client.vimeo_connections


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
