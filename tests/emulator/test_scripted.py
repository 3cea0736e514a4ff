"""Scripted faults: ``fail_next`` and its control route fail exactly the requests a test names."""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from pictory_vimeo import emulator
from pictory_vimeo.emulator._scripted import FaultScript, ScriptedFault

PATH = "/pictoryapis/v1/vimeo-connections"
ROUTE = "/_emulator/fail-next"
Body = Callable[..., dict[str, Any]]
Create = Callable[..., Awaitable[dict[str, Any]]]
Connect = Callable[..., httpx.AsyncClient]


def _statuses(emu: emulator.Emulator) -> list[tuple[str, int, bool]]:
    return [(r.method, r.status, r.dropped) for r in emu.requests]


@pytest.mark.anyio
async def test_the_next_request_fails_before_anything_changes(
    emu: emulator.Emulator, emu_http: httpx.AsyncClient, body: Body
) -> None:
    """By default one request gets a 503 in the API's error shape; the write is not applied."""
    emu.fail_next()
    failed = await emu_http.post(PATH, json=body())
    assert failed.status_code == 503
    assert failed.json() == {
        "message": "Service Unavailable (scripted fault)",
        "code": "SERVICE_UNAVAILABLE",
    }
    assert "retry-after" not in failed.headers
    assert failed.headers["x-request-id"]
    assert emu.connections() == []
    assert (await emu_http.post(PATH, json=body())).status_code == 201
    assert _statuses(emu) == [("POST", 503, False), ("POST", 201, False)]


@pytest.mark.anyio
async def test_times_and_method_pick_the_requests(
    emu: emulator.Emulator, emu_http: httpx.AsyncClient, body: Body
) -> None:
    """``times`` requests of the named method fail (compared case-insensitively); others pass."""
    emu.fail_next(500, times=2, method="post")
    assert (await emu_http.get(PATH)).status_code == 200
    assert (await emu_http.post(PATH, json=body())).json()["code"] == "INTERNAL_ERROR"
    assert (await emu_http.post(PATH, json=body())).status_code == 500
    assert (await emu_http.post(PATH, json=body())).status_code == 201
    assert _statuses(emu) == [
        ("GET", 200, False),
        ("POST", 500, False),
        ("POST", 500, False),
        ("POST", 201, False),
    ]


@pytest.mark.anyio
async def test_calls_queue_and_each_entry_goes_to_the_first_request_it_matches(
    emu: emulator.Emulator, emu_http: httpx.AsyncClient, body: Body
) -> None:
    """A 503 for anything, then a dropped POST: a GET takes the first, the POST the second."""
    emu.fail_next(503)
    emu.fail_next(drop_after_commit=True, method="POST")
    assert (await emu_http.get(PATH)).status_code == 503
    with pytest.raises(httpx.RemoteProtocolError):
        await emu_http.post(PATH, json=body(name="Landed"))
    assert [c["name"] for c in emu.connections()] == ["Landed"]
    assert (await emu_http.get(PATH)).status_code == 200
    assert _statuses(emu) == [("GET", 503, False), ("POST", 201, True), ("GET", 200, False)]


@pytest.mark.anyio
async def test_a_request_skips_entries_its_method_does_not_match(
    emu: emulator.Emulator, emu_http: httpx.AsyncClient, create: Create
) -> None:
    """A GET passes over a POST-only entry and takes the next one that fits it."""
    emu.fail_next(500, method="POST")
    emu.fail_next(502)
    assert (await emu_http.get(PATH)).status_code == 502
    assert (await emu_http.post(PATH, json={})).status_code == 500
    await create()  # both used up


@pytest.mark.anyio
async def test_a_dropped_answer_of_any_call_is_cut_after_it_is_handled(
    emu: emulator.Emulator, emu_http: httpx.AsyncClient, item: str
) -> None:
    """Update and delete are applied, then cut; the log keeps the status meant for each."""
    emu.fail_next(drop_after_commit=True, times=2)
    with pytest.raises(httpx.RemoteProtocolError):
        await emu_http.put(item, json={"version": 1, "description": "changed"})
    with pytest.raises(httpx.RemoteProtocolError):
        await emu_http.delete(item)
    assert emu.connections() == []
    assert _statuses(emu)[1:] == [("PUT", 200, True), ("DELETE", 204, True)]
    assert emu.stats()["dropped"] == 2


@pytest.mark.anyio
@pytest.mark.parametrize(("seconds", "header"), [(2, "2"), (0.25, "0.25"), (0, "0")])
async def test_a_scripted_429_carries_retry_after(
    emu: emulator.Emulator, emu_http: httpx.AsyncClient, seconds: float, header: str
) -> None:
    """``retry_after`` becomes the Retry-After header, in whole seconds when it is whole."""
    emu.fail_next(429, retry_after=seconds)
    limited = await emu_http.get(PATH)
    assert (limited.status_code, limited.json()["code"]) == (429, "RATE_LIMITED")
    assert limited.headers["retry-after"] == header


@pytest.mark.anyio
async def test_requests_without_a_key_do_not_use_up_an_entry(
    emu: emulator.Emulator, emu_http: httpx.AsyncClient, connect: Connect
) -> None:
    """A 401 comes first and leaves the script alone."""
    emu.fail_next(418)
    async with connect(emu, "not-a-key") as anonymous:
        assert (await anonymous.get(PATH)).status_code == 401
    teapot = await emu_http.get(PATH)
    assert (teapot.status_code, teapot.json()["code"]) == (418, "IM_A_TEAPOT")


@pytest.mark.anyio
async def test_scripted_faults_win_over_random_ones(
    emu: emulator.Emulator, emu_http: httpx.AsyncClient, body: Body
) -> None:
    """With every random fault at full strength a scripted request still fails as scripted."""
    emu.set_faults(error_rate=1.0, rate_limit=0.01)
    emu.fail_next(404, method="GET")
    emu.fail_next(drop_after_commit=True)
    assert (await emu_http.get(PATH)).status_code == 404
    with pytest.raises(httpx.RemoteProtocolError):
        await emu_http.post(PATH, json=body())
    assert [c["name"] for c in emu.connections()] == ["Marketing"]
    # The script is used up: the random faults are back, and the one token is still there.
    assert (await emu_http.get(PATH)).status_code in (500, 502, 503)
    assert (await emu_http.get(PATH)).status_code == 429
    assert emu.stats() == {"requests": 4, "errors": 1, "rateLimited": 1, "dropped": 1}


@pytest.mark.anyio
async def test_stats_count_scripted_failures_by_kind(
    emu: emulator.Emulator, emu_http: httpx.AsyncClient
) -> None:
    """A scripted 5xx is an error, a 429 is rate limiting, a 4xx neither."""
    for status in (500, 503, 429, 400):
        emu.fail_next(status)
    for _ in range(4):
        await emu_http.get(PATH)
    assert emu.stats() == {"requests": 4, "errors": 2, "rateLimited": 1, "dropped": 0}


@pytest.mark.anyio
async def test_reset_and_clear_drop_pending_entries(
    emu: emulator.Emulator, emu_http: httpx.AsyncClient
) -> None:
    """Neither leaves an entry behind for the next request."""
    emu.fail_next(times=5)
    emu.clear_scripted_faults()
    assert (await emu_http.get(PATH)).status_code == 200
    emu.fail_next(times=5)
    emu.reset()
    assert (await emu_http.get(PATH)).status_code == 200


@pytest.mark.parametrize(
    ("arguments", "error", "named"),
    [
        ({"status": 200}, ValueError, "status"),
        ({"status": 600}, ValueError, "status"),
        ({"status": "503"}, TypeError, "status"),
        ({"status": True}, TypeError, "status"),
        ({"times": 0}, ValueError, "times"),
        ({"times": 1.5}, TypeError, "times"),
        ({"method": ""}, ValueError, "method"),
        ({"method": "GET /x"}, ValueError, "method"),
        ({"method": 5}, TypeError, "method"),
        ({"drop_after_commit": 1}, TypeError, "drop_after_commit"),
        ({"retry_after": -1}, ValueError, "retry_after"),
        ({"retry_after": float("nan")}, ValueError, "retry_after"),
        ({"retry_after": 10**6}, ValueError, "retry_after"),
        ({"retry_after": "1"}, TypeError, "retry_after"),
        ({"retry_after": 1, "drop_after_commit": True}, ValueError, "retry_after"),
        ({"drop_after_commit": True, "drop": "explode"}, ValueError, "drop"),
        ({"drop_after_commit": True, "drop": 1}, ValueError, "drop"),
        ({"drop": "close"}, ValueError, "drop"),
    ],
)
@pytest.mark.anyio
async def test_bad_arguments_are_refused_naming_the_argument(
    emu: emulator.Emulator,
    emu_http: httpx.AsyncClient,
    arguments: dict[str, Any],
    error: type[Exception],
    named: str,
) -> None:
    """Each bad argument raises the right exception, names itself, and queues nothing."""
    with pytest.raises(error, match=f"^{named} "):
        emu.fail_next(**arguments)
    assert (await emu_http.get(ROUTE)).json() == {"pending": []}


@pytest.mark.anyio
async def test_the_control_route_scripts_lists_and_clears(
    emu: emulator.Emulator, emu_http: httpx.AsyncClient
) -> None:
    """POST queues (a bare POST: the defaults), GET lists, DELETE clears."""
    assert (await emu_http.post(ROUTE)).json() == {
        "pending": [
            {
                "status": 503,
                "times": 1,
                "method": None,
                "dropAfterCommit": False,
                "retryAfter": None,
                "drop": None,
            }
        ]
    }
    sent = {"status": 429, "times": 2, "method": "get", "retryAfter": 1.5}
    queued = await emu_http.post(ROUTE, json=sent)
    assert queued.status_code == 200
    shown = {**sent, "method": "GET", "dropAfterCommit": False, "drop": None}
    assert queued.json()["pending"][1] == shown
    assert (await emu_http.get(PATH)).status_code == 503
    limited = await emu_http.get(PATH)
    assert (limited.status_code, limited.headers["retry-after"]) == (429, "1.5")
    assert [p["times"] for p in (await emu_http.get(ROUTE)).json()["pending"]] == [1]
    assert (await emu_http.delete(ROUTE)).status_code == 204
    assert (await emu_http.get(ROUTE)).json() == {"pending": []}
    assert (await emu_http.get(PATH)).status_code == 200
    assert [r.status for r in emu.requests] == [503, 429, 200]


@pytest.mark.anyio
async def test_the_control_route_drops_after_commit(
    emu: emulator.Emulator, emu_http: httpx.AsyncClient, body: Body
) -> None:
    """``dropAfterCommit`` over HTTP is the same cut as ``fail_next(drop_after_commit=True)``."""
    await emu_http.post(ROUTE, json={"dropAfterCommit": True, "method": "POST"})
    with pytest.raises(httpx.RemoteProtocolError):
        await emu_http.post(PATH, json=body())
    assert len(emu.connections()) == 1


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("sent", "fields"),
    [
        ({"status": 200}, ["status"]),
        ({"times": 0, "method": 5}, ["times", "method"]),
        ({"dropAfterCommit": "yes"}, ["dropAfterCommit"]),
        ({"retryAfter": 1, "dropAfterCommit": True}, ["retryAfter"]),
        ({"status": 503, "bogus": 1}, ["bogus"]),
        ({"drop_after_commit": True}, ["drop_after_commit"]),
        ({"dropAfterCommit": True, "drop": "explode"}, ["drop"]),
        ({"dropAfterCommit": True, "drop": 1}, ["drop"]),
        ({"drop": "close"}, ["drop"]),
        ({"dropAfterCommit": False, "drop": "reset"}, ["drop"]),
    ],
)
async def test_bad_control_route_bodies_name_each_field(
    emu: emulator.Emulator, emu_http: httpx.AsyncClient, sent: dict[str, Any], fields: list[str]
) -> None:
    """A 400 listing each bad field, and nothing is queued."""
    response = await emu_http.post(ROUTE, json=sent)
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert sorted(error["field"] for error in response.json()["errors"]) == sorted(fields)
    assert (await emu_http.get(ROUTE)).json() == {"pending": []}


@pytest.mark.anyio
async def test_the_control_route_needs_a_json_object(emu_http: httpx.AsyncClient) -> None:
    """A body that is not a JSON object is a 400 too."""
    for content in (b"[]", b"nope"):
        response = await emu_http.post(
            ROUTE, content=content, headers={"content-type": "application/json"}
        )
        assert (response.status_code, response.json()["code"]) == (400, "INVALID_JSON")


@pytest.mark.anyio
async def test_scripted_faults_over_loopback_from_the_callers_thread(body: Body) -> None:
    """Queued from the test's thread, taken on the server's: the wire sees the cut."""
    async with (
        emulator.running() as served,
        httpx.AsyncClient(
            base_url=served.base_url, headers={"Authorization": "pictai_scripted"}
        ) as http,
    ):
        served.emulator.fail_next(502, method="GET")
        served.emulator.fail_next(drop_after_commit=True)
        assert (await http.get(PATH)).status_code == 502
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            await http.post(PATH, json=body())
        assert (await http.get(PATH)).json()["Items"][0]["name"] == "Marketing"
        assert _statuses(served.emulator) == [
            ("GET", 502, False),
            ("POST", 201, True),
            ("GET", 200, False),
        ]


def test_the_script_is_safe_across_threads() -> None:
    """Eight threads taking at once use up exactly the scripted number of failures."""
    script = FaultScript()
    script.add(ScriptedFault(times=1000))
    taken: list[int] = []
    lock = threading.Lock()

    def take_many() -> None:
        mine = sum(script.take("GET") is not None for _ in range(200))
        with lock:
            taken.append(mine)

    threads = [threading.Thread(target=take_many) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(taken) == 1000
    assert script.pending() == []
