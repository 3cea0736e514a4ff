"""Fault injection: each knob, its counter, reproducibility by seed, and where it never applies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import attrs
import httpx
import pytest

from pictory_vimeo import emulator
from pictory_vimeo.emulator import _faults
from pictory_vimeo.emulator._faults import FaultInjector

PATH = "/pictoryapis/v1/vimeo-connections"
Body = Callable[..., dict[str, Any]]
Create = Callable[..., Awaitable[dict[str, Any]]]
MakeEmulator = Callable[..., emulator.Emulator]
Connect = Callable[..., httpx.AsyncClient]


@pytest.fixture
def delays(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record injected latency instead of sleeping through it."""
    recorded: list[float] = []

    async def record(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr(_faults, "latency_sleep", record)
    return recorded


def test_faults_default_to_none_and_validate() -> None:
    """Faults() injects nothing; out-of-range settings are refused."""
    assert emulator.Faults() == emulator.Faults(0.0, 0.0, None, 0.0)
    bad: list[dict[str, Any]] = [
        {"latency_ms": -1},
        {"latency_ms": float("nan")},
        {"latency_ms": 10**400},
        {"error_rate": 1.5},
        {"error_rate": True},
        {"error_rate": "0.1"},
        {"rate_limit": 0},
        {"rate_limit": float("inf")},
        {"drop_after_commit_rate": -0.1},
        {"drop_after_commit_mode": "sometimes"},
        {"drop_after_commit_mode": None},
    ]
    for settings in bad:
        with pytest.raises(ValueError, match=next(iter(settings))):
            emulator.Faults(**settings)


@pytest.mark.anyio
async def test_latency_delays_api_requests_only(
    emu: emulator.Emulator, emu_http: httpx.AsyncClient, connect: Connect, delays: list[float]
) -> None:
    """latency_ms delays each API request (even a 401) and never a control route."""
    emu.set_faults(latency_ms=250)
    await emu_http.get(PATH)
    async with connect(emu, None) as anonymous:
        assert (await anonymous.get(PATH)).status_code == 401
        await anonymous.get("/_emulator/stats")
    assert delays == [0.25, 0.25]


@pytest.mark.anyio
async def test_a_real_small_latency_still_answers(
    make_emulator: MakeEmulator, connect: Connect, body: Body
) -> None:
    """The unpatched delay path works under either event loop."""
    emu = make_emulator(faults=emulator.Faults(latency_ms=1))
    async with connect(emu) as http:
        assert (await http.post(PATH, json=body())).status_code == 201


@pytest.mark.anyio
async def test_error_rate_one_fails_everything_before_any_change(
    emu: emulator.Emulator, emu_http: httpx.AsyncClient, body: Body
) -> None:
    """With error_rate=1 every API call is a 500/502/503 (JSON or HTML) and nothing changes."""
    emu.set_faults(error_rate=1.0)
    answers = [await emu_http.post(PATH, json=body(name=f"c{i}")) for i in range(12)]
    assert {a.status_code for a in answers} <= {500, 502, 503}
    kinds = {a.headers["content-type"].split(";")[0] for a in answers}
    assert kinds == {"application/json", "text/html"}
    for answer in answers:
        if answer.headers["content-type"].startswith("application/json"):
            assert answer.json()["code"] in {"INTERNAL_ERROR", "BAD_GATEWAY", "SERVICE_UNAVAILABLE"}
        else:
            assert f"<title>{answer.status_code} " in answer.text
        assert answer.headers["x-request-id"]
    assert emu.stats() == {"requests": 12, "errors": 12, "rateLimited": 0, "dropped": 0}
    emu.set_faults(error_rate=0.0)
    assert (await emu_http.get(PATH)).json() == {"Items": []}


@pytest.mark.anyio
async def test_the_seed_makes_faults_reproducible(
    make_emulator: MakeEmulator, connect: Connect
) -> None:
    """Two emulators with one seed fail the same requests with the same statuses."""
    runs: list[list[int]] = []
    for _ in range(2):
        emu = make_emulator(faults=emulator.Faults(error_rate=0.5), seed=1234, db=None)
        async with connect(emu) as http:
            runs.append([(await http.get(PATH)).status_code for _ in range(30)])
    assert runs[0] == runs[1]
    assert {200} < set(runs[0])  # some pass, some fail


@pytest.mark.anyio
async def test_rate_limit_is_per_account_with_retry_after(
    emu: emulator.Emulator, emu_http: httpx.AsyncClient, connect: Connect, other_key: str
) -> None:
    """Past its bucket an account gets 429 RATE_LIMITED with whole-second Retry-After."""
    emu.set_faults(rate_limit=0.01)  # one token, refilled every 100 s: no race with the clock
    assert (await emu_http.get(PATH)).status_code == 200
    limited = await emu_http.get(PATH)
    assert limited.status_code == 429
    assert limited.json()["code"] == "RATE_LIMITED"
    assert limited.headers["retry-after"].isdigit()
    assert 1 <= int(limited.headers["retry-after"]) <= 100
    async with connect(emu, other_key) as other:
        assert (await other.get(PATH)).status_code == 200
    assert emu.stats()["rateLimited"] == 1
    assert (await emu_http.get("/_emulator/stats")).status_code == 200  # control is never limited
    emu.set_faults(rate_limit=None)
    assert (await emu_http.get(PATH)).status_code == 200


def test_token_buckets_refill_with_time() -> None:
    """A bucket holds a second's worth of requests and refills at the rate."""
    now = [100.0]
    injector = FaultInjector(emulator.Faults(rate_limit=2), seed=None, clock=lambda: now[0])
    assert [injector.retry_after("a") for _ in range(3)] == [None, None, 1]
    now[0] += 0.5  # one token back
    assert injector.retry_after("a") is None
    assert injector.retry_after("a") == 1
    now[0] += 60  # never more than the bucket holds
    assert [injector.retry_after("a") for _ in range(3)] == [None, None, 1]
    slow = FaultInjector(emulator.Faults(rate_limit=0.25), seed=None, clock=lambda: now[0])
    assert slow.retry_after("a") is None
    assert slow.retry_after("a") == 4


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("mode", "lost_as"),
    [
        ("close", httpx.RemoteProtocolError),
        ("cut", httpx.RemoteProtocolError),
        ("reset", httpx.ReadError),
        ("mixed", (httpx.RemoteProtocolError, httpx.ReadError)),
    ],
)
async def test_drop_after_commit_applies_the_write_then_loses_its_answer(
    emu: emulator.Emulator,
    emu_http: httpx.AsyncClient,
    create: Create,
    body: Body,
    mode: str,
    lost_as: type[Exception] | tuple[type[Exception], ...],
) -> None:
    """A dropped create, update or delete raises a transport error, yet took effect."""
    item = f"{PATH}/{(await create(name='Existing'))['connectionId']}"
    emu.set_faults(drop_after_commit_rate=1.0, drop_after_commit_mode=mode)
    with pytest.raises(lost_as):
        await emu_http.post(PATH, json=body(name="Dropped"))
    with pytest.raises(lost_as):
        await emu_http.put(item, json={"version": 1, "description": "changed"})
    assert emu.stats()["dropped"] == 2
    listing = (await emu_http.get(PATH)).json()["Items"]  # reads are never dropped
    assert [c["name"] for c in listing] == ["Existing", "Dropped"]
    assert listing[0]["description"] == "changed"
    with pytest.raises(lost_as):
        await emu_http.delete(item)
    assert (await emu_http.get(item)).status_code == 404
    assert emu.stats()["dropped"] == 3


@pytest.mark.anyio
async def test_writes_that_change_nothing_are_not_dropped(
    emu: emulator.Emulator, emu_http: httpx.AsyncClient, create: Create, body: Body
) -> None:
    """Failed writes and deleting what is not there answer normally: nothing was committed."""
    await create(name="Taken")
    emu.set_faults(drop_after_commit_rate=1.0)
    assert (await emu_http.post(PATH, json=body(name="Taken"))).status_code == 409
    assert (await emu_http.post(PATH, json=body(name=""))).status_code == 400
    assert (await emu_http.put(f"{PATH}/nope", json={"version": 1})).status_code == 404
    assert (await emu_http.delete(f"{PATH}/nope")).status_code == 204
    assert emu.stats()["dropped"] == 0


@pytest.mark.anyio
async def test_control_routes_are_never_faulty(
    emu: emulator.Emulator, emu_http: httpx.AsyncClient
) -> None:
    """Every fault at full strength leaves the control routes and the document alone."""
    emu.set_faults(error_rate=1.0, rate_limit=0.01, drop_after_commit_rate=1.0)
    for url in ("/_emulator/faults", "/_emulator/stats", "/_emulator/health", "/openapi.json"):
        for _ in range(3):
            assert (await emu_http.get(url)).status_code == 200
    assert (await emu_http.post("/_emulator/reset")).status_code == 204
    assert emu.stats()["requests"] == 0


def test_set_faults_changes_only_what_it_names(emu: emulator.Emulator) -> None:
    """set_faults(**changes) keeps the other knobs; unknown or bad knobs are refused."""
    emu.set_faults(error_rate=0.25)
    assert emu.set_faults(latency_ms=5) == emulator.Faults(latency_ms=5, error_rate=0.25)
    assert emu.faults == emulator.Faults(latency_ms=5, error_rate=0.25)
    with pytest.raises(TypeError):
        emu.set_faults(nonsense=1)
    with pytest.raises(ValueError, match="error_rate"):
        emu.set_faults(error_rate=2)
    assert attrs.asdict(emu.faults)["error_rate"] == 0.25
