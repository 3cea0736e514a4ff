"""The request log: every API request, in arrival order, with the answer it got."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import attrs
import httpx
import pytest

from pictory_vimeo import emulator
from pictory_vimeo.emulator import _faults
from pictory_vimeo.emulator._requests import RequestLog, ServedRequest

PATH = "/pictoryapis/v1/vimeo-connections"
KEY = "pictai_emulator_test_key"  # the emulator suite's main account
Body = Callable[..., dict[str, Any]]
Create = Callable[..., Awaitable[dict[str, Any]]]
Connect = Callable[..., httpx.AsyncClient]


def _seen(emu: emulator.Emulator) -> list[tuple[str, str, int]]:
    return [(r.method, r.path, r.status) for r in emu.requests]


@pytest.mark.anyio
async def test_every_api_request_is_logged_with_its_answer(
    emu: emulator.Emulator, emu_http: httpx.AsyncClient, connect: Connect, item: str
) -> None:
    """Successes, validation errors, 401s and routing errors under the prefix all count."""
    await emu_http.get(PATH, params={"nextPageKey": "bm9wZQ=="})
    await emu_http.get(item)
    await emu_http.post(PATH, json={"name": ""})
    await emu_http.patch(PATH, json={})
    await emu_http.get(f"{PATH}/a/b")
    async with connect(emu, None) as anonymous:
        await anonymous.get(PATH)
    assert [r.account for r in emu.requests] == [emulator.fingerprint(KEY)] * 6 + [None]
    assert _seen(emu) == [
        ("POST", PATH, 201),
        ("GET", PATH, 400),
        ("GET", item, 200),
        ("POST", PATH, 400),
        ("PATCH", PATH, 405),
        ("GET", f"{PATH}/a/b", 404),
        ("GET", PATH, 401),
    ]
    assert emu.requests[1].query == "nextPageKey=bm9wZQ%3D%3D"
    assert [r.query for r in emu.requests if r is not emu.requests[1]] == [""] * 6
    assert not any(r.dropped for r in emu.requests)


@pytest.mark.anyio
async def test_control_routes_and_the_document_are_not_logged(
    emu: emulator.Emulator, emu_http: httpx.AsyncClient
) -> None:
    """Only the API prefix is logged; a path merely starting with its text is not."""
    for url in ("/_emulator/stats", "/_emulator/faults", "/_emulator/health", "/openapi.json"):
        assert (await emu_http.get(url)).status_code == 200
    await emu_http.get(PATH + "-elsewhere")
    assert emu.requests == []


@pytest.mark.anyio
async def test_injected_faults_are_logged_as_answered(
    emu: emulator.Emulator, emu_http: httpx.AsyncClient, item: str, body: Body
) -> None:
    """Random 5xx, 429 and dropped answers show with the status sent (or about to be), the
    fault's origin and how the answer was lost; the account as its key's fingerprint.
    """
    emu.set_faults(error_rate=1.0)
    failed = (await emu_http.get(PATH)).status_code
    emu.set_faults(error_rate=0.0, rate_limit=0.01)
    await emu_http.get(PATH)
    await emu_http.get(PATH)
    emu.set_faults(rate_limit=None, drop_after_commit_rate=1.0, drop_after_commit_mode="cut")
    with pytest.raises(httpx.RemoteProtocolError):
        await emu_http.post(PATH, json=body(name="Dropped"))
    emu.set_faults(drop_after_commit_mode="reset")
    with pytest.raises(httpx.ReadError):
        await emu_http.delete(item)
    account = emulator.fingerprint(KEY)
    assert emu.requests[1:] == [
        ServedRequest("GET", PATH, failed, fault="random", account=account),
        ServedRequest("GET", PATH, 200, account=account),
        ServedRequest("GET", PATH, 429, fault="rate-limit", account=account),
        ServedRequest("POST", PATH, 201, True, fault="random", drop="cut", account=account),
        ServedRequest("DELETE", item, 204, True, fault="random", drop="reset", account=account),
    ]
    assert failed in (500, 502, 503)
    assert [entry.seq for entry in emu.requests] == [1, 2, 3, 4, 5, 6]
    assert all(entry.ms >= 0 and entry.time > 0 for entry in emu.requests)


@pytest.mark.anyio
async def test_the_log_keeps_arrival_order_when_answers_overtake(
    emu: emulator.Emulator,
    emu_http: httpx.AsyncClient,
    create: Create,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A held first request is logged before a later one that was answered first."""
    created = await create()
    held, release = anyio.Event(), anyio.Event()

    async def hold_first(seconds: float) -> None:
        if not held.is_set():
            held.set()
            await release.wait()

    monkeypatch.setattr(_faults, "latency_sleep", hold_first)
    emu.set_faults(latency_ms=1)
    item = f"{PATH}/{created['connectionId']}"
    async with anyio.create_task_group() as group:
        group.start_soon(emu_http.get, PATH)
        await held.wait()
        assert (await emu_http.get(item)).status_code == 200
        assert _seen(emu)[1:] == [("GET", item, 200)]  # the held one is not answered yet
        release.set()
    assert _seen(emu)[1:] == [("GET", PATH, 200), ("GET", item, 200)]


@pytest.mark.anyio
async def test_requests_is_a_snapshot_and_reset_clears_it(
    emu: emulator.Emulator, emu_http: httpx.AsyncClient
) -> None:
    """Changing the returned list changes nothing; reset forgets every entry."""
    await emu_http.get(PATH)
    snapshot = emu.requests
    snapshot.clear()
    assert len(emu.requests) == 1
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        emu.requests[0].status = 500  # type: ignore[misc]
    emu.reset()
    assert emu.requests == []
    await emu_http.get(PATH)
    assert _seen(emu) == [("GET", PATH, 200)]


def test_the_log_is_bounded() -> None:
    """Beyond its limit the oldest entries give way, so a long run's memory stays bounded."""
    log = RequestLog(limit=3)
    for index in range(5):
        log.answered(log.arrived(), ServedRequest("GET", f"/{index}", 200))
    assert [served.path for served in log.snapshot()] == ["/2", "/3", "/4"]
