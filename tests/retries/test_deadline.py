"""The per-call deadline: it covers every attempt and wait, and bounds each attempt.

Real (small) deadlines against the emulator's latency; the waits the SDK asks for are read
from its log (the testing mode skips them), and ``Retry-After`` makes them exact.
"""

from __future__ import annotations

import logging
import time
from typing import Final

import anyio
import httpx
import pytest

import pictory_vimeo as pv
from pictory_vimeo import emulator
from tests._support import PATH
from tests.retries._support import OnSdkLog, Rival, Wire

pytestmark = pytest.mark.anyio

ID = "20250101000000001000000000000001"
#: How early a timer may fire, as event loops round their clocks.
CLOCK_SLACK: Final = 0.002
ITEM = f"{PATH}/{ID}"


async def test_each_attempt_gets_what_is_left_of_the_deadline(
    emu: emulator.Emulator, wire: Wire, scripted_client: pv.AsyncPictoryClient
) -> None:
    """Attempts of 100 ms against a 0.45 s deadline: each one's timeout is what is left of it,
    for every phase, until the deadline ends the call.
    """
    emu.set_faults(latency_ms=100)
    emu.fail_next(503, times=10, method="GET", retry_after=0)
    sent_at: list[float] = []

    async def note(request: httpx.Request) -> None:
        sent_at.append(anyio.current_time())

    wire.before = note
    started = anyio.current_time()
    with pytest.raises(pv.PictoryError) as caught:
        await scripted_client.with_options(timeout=0.45, max_retries=10).vimeo_connections.get(ID)
    timeouts = [request.extensions["timeout"] for request in wire.sent]
    for timeout in timeouts:
        assert timeout["connect"] == timeout["read"] == timeout["write"] == timeout["pool"]
    lefts = [timeout["read"] for timeout in timeouts]
    # Each timeout is what was left of the one deadline when it was worked out: some instant
    # after the answer before it (which took at least 100 ms from its send) and before its
    # own send. Bounds of instants, not of durations, so a loaded machine cannot break them;
    # a fresh or a too-long timeout for a retry can.
    deadline = started + 0.45
    floors = [started] + [at + 0.1 - CLOCK_SLACK for at in sent_at[:-1]]
    for left, at, floor in zip(lefts, sent_at, floors, strict=True):
        assert deadline - at - CLOCK_SLACK <= left <= deadline - floor + CLOCK_SLACK
    assert lefts == sorted(lefts, reverse=True)
    assert 2 <= len(lefts) <= 5  # about 0.45, 0.35, 0.25, 0.15, 0.05
    error = caught.value
    assert isinstance(error, pv.APITimeoutError | pv.InternalServerError)
    assert error.attempts == len(lefts)
    if isinstance(error, pv.APITimeoutError):
        # The last attempt was cut off; the 503 before it stays visible as the cause.
        assert "deadline passed" in str(error)
        assert isinstance(error.__cause__, pv.InternalServerError)
    # Else the last answer came as the deadline passed, with no time left to retry.


async def test_no_wait_is_started_that_would_end_past_the_deadline(
    emu: emulator.Emulator,
    scripted_client: pv.AsyncPictoryClient,
    retry_waits: list[float],
    on_sdk_log: OnSdkLog,
) -> None:
    """Answers of 100 ms asking for 0.25 s waits against a 0.6 s deadline: a wait is asked
    for only while it ends before the deadline; the first one that would not is not
    started, and the call raises the answer it has (about 4 attempts, 3 waits).
    """
    emu.set_faults(latency_ms=100)
    emu.fail_next(503, times=10, method="GET", retry_after=0.25)
    asked_at: list[float] = []
    on_sdk_log("retry", lambda record: asked_at.append(time.monotonic()))
    started = time.monotonic()
    with pytest.raises(pv.InternalServerError) as caught:
        await scripted_client.with_options(timeout=0.6, max_retries=10).vimeo_connections.get(ID)
    ended = time.monotonic()
    assert retry_waits
    assert set(retry_waits) == {0.25}
    assert caught.value.attempts == len(retry_waits) + 1 == len(emu.requests)
    for at in asked_at:
        assert at + 0.25 < started + 0.6 + 0.02
    # The wait not started would have ended past the deadline.
    assert ended + 0.25 >= started + 0.6


async def test_a_wait_that_overruns_the_deadline_makes_no_further_attempt(
    emu: emulator.Emulator,
    scripted_client: pv.AsyncPictoryClient,
    retry_waits: list[float],
    on_sdk_log: OnSdkLog,
) -> None:
    """A wait that ends late, past the deadline (here the event loop is blocked while it
    runs, as a loaded one may be), ends the call with a timeout counting 1 attempt.
    """
    emu.fail_next(503, method="GET", retry_after=0.05)
    on_sdk_log("retry", lambda record: time.sleep(0.3))
    with pytest.raises(pv.APITimeoutError, match="deadline passed") as caught:
        await scripted_client.with_options(timeout=0.25, max_retries=10).vimeo_connections.get(ID)
    assert len(emu.requests) == 1
    assert caught.value.attempts == 1
    assert retry_waits == [0.05]
    # The 503 that led to the wait stays visible as the timeout's cause.
    assert isinstance(caught.value.__cause__, pv.InternalServerError)


async def test_an_attempt_is_cut_off_at_the_deadline(
    emu: emulator.Emulator,
    scripted_client: pv.AsyncPictoryClient,
    retry_waits: list[float],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A response slower than the whole deadline is abandoned, logged, and not retried."""
    caplog.set_level(logging.DEBUG, logger="pictory_vimeo")
    emu.set_faults(latency_ms=2000)
    started = time.monotonic()
    with pytest.raises(pv.APITimeoutError, match="deadline passed") as caught:
        await scripted_client.with_options(timeout=0.05).vimeo_connections.get(ID)
    assert time.monotonic() - started < 1.0
    assert emu.stats()["requests"] == 1
    assert caught.value.attempts == 1
    assert caught.value.__cause__ is None  # nothing failed before: no earlier error to chain
    assert retry_waits == []
    messages = [r.getMessage() for r in caplog.records if r.name == "pictory_vimeo"]
    assert messages == [f"GET {ITEM} -> deadline passed (attempt 1)"]


async def test_the_deadline_is_per_call(
    emu: emulator.Emulator,
    rival: Rival,
    scripted_client: pv.AsyncPictoryClient,
    retry_waits: list[float],
) -> None:
    """A later call starts a fresh deadline: time spent by an earlier call is not charged to it.

    Each call takes two 100 ms attempts; two of them outlast one 0.35 s deadline.
    """
    cid = (await rival.create("Main"))["connectionId"]
    emu.set_faults(latency_ms=100)
    limited = scripted_client.with_options(timeout=0.35).vimeo_connections
    for _ in range(2):
        emu.fail_next(503, method="GET", retry_after=0)
        assert (await limited.get(cid)).connection_id == cid
    assert retry_waits == [0.0, 0.0]
    assert [r.status for r in emu.requests if r.method == "GET"] == [503, 200, 503, 200]
