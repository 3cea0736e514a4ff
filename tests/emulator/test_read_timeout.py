"""Requests that are never finished: the served emulator closes them in time, and serves on."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import anyio
import anyio.abc
import httpx
import pytest

from pictory_vimeo import emulator
from pictory_vimeo.emulator._protocol import check_read_timeout
from tests.emulator._support import json_of, port_of, read_until_closed, status_of

PATH = "/pictoryapis/v1/vimeo-connections"
KEY = b"pictai_read_timeout"
TIMEOUT = 0.3
#: Generous: only a server that never closes should miss it, however loaded the machine.
LATE = TIMEOUT + 5
HALF_HEADERS = b"GET " + PATH.encode() + b" HTTP/1.1\r\nHost: emulator\r\nAuthorization: "
HALF_BODY = (
    b"POST " + PATH.encode() + b" HTTP/1.1\r\nHost: emulator\r\nAuthorization: " + KEY
    + b"\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"name\": \"Half"
)  # fmt: skip
Body = Callable[..., dict[str, Any]]


async def _connect(served: emulator.RunningEmulator) -> anyio.abc.SocketStream:
    return await anyio.connect_tcp("127.0.0.1", port_of(served.base_url))


async def _closed_after(served: emulator.RunningEmulator, sent: bytes) -> tuple[bytes, float]:
    """Send ``sent`` and stop; what the server answered and when it closed, in seconds."""
    started = time.monotonic()
    async with await _connect(served) as stream:
        if sent:
            await stream.send(sent)
        answer = await read_until_closed(stream, within=LATE)
    return answer, time.monotonic() - started


@pytest.mark.anyio
async def test_a_connection_that_sends_nothing_is_closed_silently() -> None:
    """No byte in time: the connection closes with no answer."""
    async with emulator.running(request_read_timeout=TIMEOUT) as served:
        answer, elapsed = await _closed_after(served, b"")
    assert answer == b""
    assert elapsed >= TIMEOUT * 0.9


@pytest.mark.anyio
async def test_headers_never_finished_get_a_408() -> None:
    """Half a header block: 408 in the API's error shape, then the connection closes."""
    async with emulator.running(request_read_timeout=TIMEOUT) as served:
        answer, elapsed = await _closed_after(served, HALF_HEADERS)
        assert served.emulator.requests == []  # it never became a request
    assert status_of(answer) == 408
    assert json_of(answer)["code"] == "REQUEST_TIMEOUT"
    assert b"connection: close" in answer.lower()
    assert elapsed >= TIMEOUT * 0.9


@pytest.mark.anyio
async def test_a_body_never_finished_gets_a_408_and_changes_nothing() -> None:
    """A body promised by Content-Length and cut short: 408, logged, nothing stored."""
    async with emulator.running(request_read_timeout=TIMEOUT) as served:
        answer, elapsed = await _closed_after(served, HALF_BODY)
        assert status_of(answer) == 408
        assert elapsed >= TIMEOUT * 0.9
        assert served.emulator.connections() == []
        assert [(r.method, r.status) for r in served.emulator.requests] == [("POST", 408)]


@pytest.mark.anyio
async def test_a_request_answered_early_still_may_not_dawdle() -> None:
    """A 401 goes out at once; the unsent body then closes the connection, with no 408."""
    unauthorised = HALF_BODY.replace(b"Authorization: " + KEY, b"X-Nothing: 1")
    async with emulator.running(request_read_timeout=TIMEOUT) as served:
        answer, _ = await _closed_after(served, unauthorised)
    assert status_of(answer) == 401
    # One answer only: no 408 status line after it (a bare b"408" would also match the
    # random request ID, as it once did).
    assert answer.count(b"HTTP/1.1 ") == 1
    assert b"HTTP/1.1 408" not in answer


@pytest.mark.anyio
async def test_the_clock_restarts_for_each_request_on_a_kept_alive_connection() -> None:
    """A complete request is answered; the half one after it times out on its own clock."""
    whole = b"GET " + PATH.encode() + b" HTTP/1.1\r\nHost: e\r\nAuthorization: " + KEY + b"\r\n\r\n"
    async with emulator.running(request_read_timeout=TIMEOUT) as served:
        answer, _ = await _closed_after(served, whole + HALF_HEADERS)
    first, _, rest = answer.partition(b'{"Items":[]}')
    assert status_of(first) == 200
    assert status_of(rest) == 408


@pytest.mark.anyio
async def test_a_slow_answer_is_not_a_slow_request(body: Body) -> None:
    """The clock stops once the request is in: handling may take longer than the timeout."""
    faults = emulator.Faults(latency_ms=TIMEOUT * 2000)
    async with (
        emulator.running(request_read_timeout=TIMEOUT, faults=faults) as served,
        httpx.AsyncClient(base_url=served.base_url, headers={"Authorization": "pictai_x"}) as c,
    ):
        assert (await c.post(PATH, json=body())).status_code == 201


@pytest.mark.anyio
async def test_two_hundred_half_sent_requests_are_all_closed_and_others_served() -> None:
    """While 200 stalled requests wait out their clock, a normal one is served; all close."""
    # A longer clock than the others: a thread starved for TIMEOUT between a connection's
    # accept and its first byte would otherwise see (rightly) an idle connection.
    async with emulator.running(request_read_timeout=1.0) as served:
        streams: list[anyio.abc.SocketStream] = []
        try:
            for index in range(200):
                # Each stream sends its half request as soon as it is open: a connection
                # left without a byte for the whole timeout is rightly closed with no 408
                # (as above), and opening all 200 first takes longer than that under load.
                stream = await _connect(served)
                streams.append(stream)
                await stream.send(HALF_HEADERS if index % 2 else HALF_BODY)
            async with httpx.AsyncClient(
                base_url=served.base_url, headers={"Authorization": "pictai_other"}
            ) as http:
                assert (await http.get(PATH)).status_code == 200
            answers: list[bytes] = []

            async def wait_for_close(stream: anyio.abc.SocketStream) -> None:
                answers.append(await read_until_closed(stream, within=LATE))

            async with anyio.create_task_group() as group:
                for stream in streams:
                    group.start_soon(wait_for_close, stream)
        finally:
            for stream in streams:
                await stream.aclose()
        assert [status_of(answer) for answer in answers] == [408] * 200
        async with httpx.AsyncClient(
            base_url=served.base_url, headers={"Authorization": "pictai_other"}
        ) as http:
            assert (await http.get(PATH)).status_code == 200


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), 3601])
def test_the_timeout_must_be_a_sensible_number_of_seconds(bad: float) -> None:
    """Zero, negative, non-finite or over an hour is a ValueError naming the argument."""
    with pytest.raises(ValueError, match=r"^request_read_timeout "):
        check_read_timeout(bad)


@pytest.mark.anyio
async def test_running_refuses_a_bad_timeout_before_serving() -> None:
    """``running`` checks its argument first: a TypeError for a non-number."""
    with pytest.raises(TypeError, match=r"^request_read_timeout "):
        async with emulator.running(request_read_timeout="10"):  # type: ignore[arg-type]
            pass


def test_serve_has_the_option_with_a_ten_second_default(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """--request-read-timeout S defaults to 10; a bad value exits 2 naming the flag."""
    parser = argparse.ArgumentParser()
    emulator.add_serve_arguments(parser)
    assert parser.parse_args([]).request_read_timeout == 10.0
    assert parser.parse_args(["--request-read-timeout", "2.5"]).request_read_timeout == 2.5
    assert emulator.run_serve(parser.parse_args(["--request-read-timeout", "0"])) == 2
    assert "--request-read-timeout must be" in capsys.readouterr().err
