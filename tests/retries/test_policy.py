"""What is retried and how often: statuses, transport failures, attempts, backoff, logging.

The emulator serves in process and its scripted faults decide each answer; the waits are
those the SDK asked for (the testing mode skips them). Where a test needs one particular
httpx exception (a ``ReadTimeout``, a ``ConnectError``...), the :class:`Wire` raises it in
front of the emulator: the transport is the one given, httpx's, never a pool of the SDK's.
"""

from __future__ import annotations

import logging
import re

import httpx
import hypothesis
import pytest
from hypothesis import strategies as st

import pictory_vimeo as pv
from pictory_vimeo import _retry, emulator
from pictory_vimeo._errors import PictoryError
from tests._support import FINAL_STATUSES, PATH, RETRIED_STATUSES
from tests.retries._support import Scene

pytestmark = pytest.mark.anyio

#: No such connection: the scripted faults answer before the lookup would.
ID = "20250101000000001000000000000001"
ITEM = f"{PATH}/{ID}"


def assert_backoff(waits: list[float]) -> None:
    """Wait n (n = 1, 2, ...) lies in the full-jitter range [0, min(8, 0.5 * 2**(n-1))]."""
    for n, wait in enumerate(waits, start=1):
        assert 0.0 <= wait <= min(8.0, 0.5 * 2 ** (n - 1)), (n, wait)


@pytest.mark.parametrize(("status", "error"), RETRIED_STATUSES.items())
async def test_transient_statuses_are_tried_three_times(
    scene: Scene, retry_waits: list[float], status: int, error: type[pv.APIStatusError]
) -> None:
    """With max_retries=2 a persisting transient status is sent 3 times, then raised saying so."""
    scene.emu.fail_next(status, times=3, method="GET")
    with pytest.raises(error) as caught:
        await scene.conns.get(ID)
    assert [(r.method, r.path, r.status) for r in scene.emu.requests] == [("GET", ITEM, status)] * 3
    assert type(caught.value) is error
    assert caught.value.status_code == status
    assert caught.value.attempts == 3
    assert str(caught.value).endswith("[after 3 attempts]")
    # A wait before each retry, none after the last attempt.
    assert len(retry_waits) == 2
    assert_backoff(retry_waits)


@pytest.mark.parametrize(("status", "error"), FINAL_STATUSES.items())
async def test_client_errors_are_sent_once(
    scene: Scene, retry_waits: list[float], status: int, error: type[pv.APIStatusError]
) -> None:
    """A 4xx other than 408/429 is the request's own fault: one attempt, no wait, no count."""
    scene.emu.fail_next(status, method="PUT")
    with pytest.raises(error) as caught:
        await scene.conns.update(ID, version=1, enabled=False)
    assert [(r.method, r.status) for r in scene.emu.requests] == [("PUT", status)]
    assert caught.value.status_code == status
    assert caught.value.attempts == 1
    assert "attempts" not in str(caught.value)
    assert retry_waits == []


#: What each transport failure is called in an error, whatever the pool.
PLAIN_WORDS: dict[type[httpx.TransportError], str] = {
    httpx.ConnectError: "could not connect",
    httpx.ReadError: "connection reset by the server",
    httpx.WriteError: "the connection failed while the request was being sent",
    httpx.RemoteProtocolError: "the answer is not valid HTTP",
    httpx.ConnectTimeout: "timed out connecting",
    httpx.ReadTimeout: "timed out waiting for the answer",
    httpx.WriteTimeout: "timed out sending the request",
    httpx.PoolTimeout: "timed out connecting",
}
#: How an answer cut mid-way (the emulator's drop) is told, on every pool.
CUT = "the server closed the connection partway through its answer"


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        (httpx.ConnectError, pv.APIConnectionError),
        (httpx.ReadError, pv.APIConnectionError),
        (httpx.WriteError, pv.APIConnectionError),
        (httpx.RemoteProtocolError, pv.APIConnectionError),
        (httpx.ConnectTimeout, pv.APITimeoutError),
        (httpx.ReadTimeout, pv.APITimeoutError),
        (httpx.WriteTimeout, pv.APITimeoutError),
        (httpx.PoolTimeout, pv.APITimeoutError),
    ],
)
async def test_transport_failures_are_tried_three_times(
    scene: Scene,
    retry_waits: list[float],
    failure: type[httpx.TransportError],
    error: type[pv.APIConnectionError],
) -> None:
    """A dropped, refused or timed-out attempt is retried; the error counts all 3 attempts.

    The Wire raises each httpx exception in turn: no server can choose which one a
    client's transport reports.
    """
    for _ in range(3):
        scene.wire.lose_next("GET", failure, applied=False)
    with pytest.raises(error) as caught:
        await scene.conns.get(ID)
    assert scene.wire.methods() == [f"GET {ITEM}"] * 3
    assert scene.emu.requests == []
    assert type(caught.value) is error
    # Described, not chained: httpx's own exception (and its text) stays out of the error.
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__ or caught.value.__context__ is None
    assert caught.value.attempts == 3
    assert str(caught.value).endswith("[after 3 attempts]")
    # Said in plain words, with where the request went, and no library's class name.
    assert f"failed: {PLAIN_WORDS[failure]} (" in str(caught.value)
    assert failure.__name__ not in str(caught.value)
    assert len(retry_waits) == 2
    assert_backoff(retry_waits)


@pytest.mark.parametrize("failure", [httpx.LocalProtocolError, httpx.UnsupportedProtocol])
async def test_our_own_transport_mistakes_are_not_retried(
    scene: Scene, retry_waits: list[float], failure: type[httpx.TransportError]
) -> None:
    """A failure that another attempt would repeat exactly is raised after one attempt.

    The Wire raises the httpx exception: the emulator cannot make a client misbehave.
    """
    scene.wire.lose_next("GET", failure, applied=False)
    with pytest.raises(pv.APIConnectionError) as caught:
        await scene.conns.get(ID)
    assert len(scene.wire.sent) == 1
    assert caught.value.attempts == 1
    assert retry_waits == []


async def test_a_retry_that_succeeds_returns_the_answer(
    scene: Scene, retry_waits: list[float]
) -> None:
    """A 503 and a dropped answer followed by a 200 give the caller the 200 and no error."""
    cid = (await scene.rival.create("Main"))["connectionId"]
    scene.emu.fail_next(503, method="GET")
    scene.emu.fail_next(drop_after_commit=True, method="GET")
    connection = await scene.conns.get(cid)
    assert connection.connection_id == cid
    gets = [(r.status, r.dropped) for r in scene.emu.requests if r.method == "GET"]
    assert gets == [(503, False), (200, True), (200, False)]
    assert len(retry_waits) == 2
    assert_backoff(retry_waits)


@pytest.mark.parametrize(("max_retries", "attempts"), [(0, 1), (1, 2), (5, 6)])
async def test_with_options_sets_the_retries_of_a_call(
    emu: emulator.Emulator,
    scripted_client: pv.AsyncPictoryClient,
    retry_waits: list[float],
    max_retries: int,
    attempts: int,
) -> None:
    """with_options(max_retries=n) makes n+1 attempts and leaves the parent's setting alone."""
    derived = scripted_client.with_options(max_retries=max_retries)
    assert derived.max_retries == max_retries
    assert derived.timeout == scripted_client.timeout
    emu.fail_next(502, times=attempts, method="GET")
    with pytest.raises(pv.InternalServerError) as caught:
        await derived.vimeo_connections.get(ID)
    assert len(emu.requests) == attempts
    assert caught.value.attempts == attempts
    assert len(retry_waits) == attempts - 1
    emu.fail_next(502, times=3, method="GET")
    with pytest.raises(pv.InternalServerError) as caught:
        await scripted_client.vimeo_connections.get(ID)
    assert caught.value.attempts == 3
    assert len(emu.requests) == attempts + 3
    assert emu.requests[-1].status == 502


async def test_backoff_is_full_jitter_under_a_doubling_ceiling(
    emu: emulator.Emulator, scripted_client: pv.AsyncPictoryClient, retry_waits: list[float]
) -> None:
    """Wait n lies in [0, min(8, 0.5 * 2**(n-1))]: 0.5 s doubling to the 8 s cap; the waits
    are jittered, not fixed; and there is no wait after the last attempt.
    """
    limited = scripted_client.with_options(max_retries=7, timeout=1000).vimeo_connections
    runs = []
    for _ in range(4):
        emu.fail_next(503, times=8, method="GET")
        with pytest.raises(pv.InternalServerError) as caught:
            await limited.get(ID)
        assert caught.value.attempts == 8
        runs.append(retry_waits[:])
        retry_waits.clear()
    for waits in runs:
        assert len(waits) == 7
        assert_backoff(waits)
    assert len({wait for waits in runs for wait in waits}) > 1


@hypothesis.settings(max_examples=60, deadline=None)
@hypothesis.given(attempt=st.integers(min_value=1, max_value=64))
def test_backoff_wait_stays_in_its_range(attempt: int) -> None:
    """The backoff before retry n is full jitter under min(8, 0.5 * 2**(n-1)), for any n."""
    failure = _retry.Failure(PictoryError(), retryable=True, unclear=False, reason="test")
    wait = _retry.next_wait(failure, attempt, max_retries=attempt, time_left=float("inf"))
    assert wait is not None
    assert 0.0 <= wait <= min(8.0, 0.5 * 2.0 ** (attempt - 1))


async def read_after_a_503_and_a_cut(
    scene: Scene, caplog: pytest.LogCaptureFixture
) -> tuple[str, list[logging.LogRecord]]:
    """Read a connection another writer made, its first answer a 503 and its second cut off
    midway: the connection's path, and the SDK's DEBUG records of the read.
    """
    cid = (await scene.rival.create("Main"))["connectionId"]
    caplog.set_level(logging.DEBUG, logger="pictory_vimeo")
    scene.emu.fail_next(503, method="GET")
    scene.emu.fail_next(drop_after_commit=True, method="GET")
    await scene.conns.get(cid)
    return f"{PATH}/{cid}", [r for r in caplog.records if r.name == "pictory_vimeo"]


async def test_debug_log_has_a_line_per_attempt_and_a_reason_per_retry(
    scene: Scene, caplog: pytest.LogCaptureFixture
) -> None:
    """Each attempt logs its number and outcome, each retry its cause; the key never shows."""
    item, records = await read_after_a_503_and_a_cut(scene, caplog)
    messages = [r.getMessage() for r in records]
    attempts = [m for m in messages if not m.startswith("retrying")]
    assert re.fullmatch(rf"GET {item} -> 503 \(\d+\.\d ms, attempt 1\)", attempts[0])
    assert attempts[1] == f"GET {item} -> {CUT} (attempt 2)"
    assert re.fullmatch(rf"GET {item} -> 200 \(\d+\.\d ms, attempt 3\)", attempts[2])
    assert len(attempts) == 3
    retries = [m for m in messages if m.startswith("retrying")]
    assert len(retries) == 2
    assert re.fullmatch(
        rf"retrying GET {item} in \d+\.\d\d s: attempt 1 of 3 failed \(status 503\)", retries[0]
    )
    assert retries[1].endswith(f"attempt 2 of 3 failed ({CUT})")
    for record in caplog.records:
        assert scene.api_key not in f"{record.getMessage()} {record.args!r}"


async def test_log_records_carry_their_facts_as_attributes(
    scene: Scene, caplog: pytest.LogCaptureFixture
) -> None:
    """Structured logging gets each attempt's and retry's facts without parsing messages."""
    item, records = await read_after_a_503_and_a_cut(scene, caplog)
    facts = [
        (
            getattr(r, "pictory_event", None),
            getattr(r, "pictory_method", None),
            getattr(r, "pictory_path", None),
            getattr(r, "pictory_attempt", None),
            getattr(r, "pictory_status", None),
        )
        for r in records
    ]
    assert facts == [
        ("attempt", "GET", item, 1, 503),
        ("retry", "GET", item, 1, None),
        ("attempt", "GET", item, 2, None),
        ("retry", "GET", item, 2, None),
        ("attempt", "GET", item, 3, 200),
    ]
    retries = [r for r in records if getattr(r, "pictory_event", None) == "retry"]
    assert [getattr(r, "pictory_reason", None) for r in retries] == ["status 503", CUT]
