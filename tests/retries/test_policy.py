"""What is retried and how often: statuses, transport failures, attempts, backoff, logging."""

from __future__ import annotations

import logging
import re

import httpx
import hypothesis
import pytest
import respx
from hypothesis import strategies as st

import pictory_vimeo as pv
from pictory_vimeo import _retry
from pictory_vimeo._errors import PictoryError
from tests.retries.conftest import API_KEY, BASE_URL, PATH, FakeClock

ID = "20250101000000001000000000000001"
ITEM = f"{PATH}/{ID}"
CONNECTION = {
    "connectionId": ID,
    "name": "Main",
    "clientIdentifier": "client-id",
    "enabled": True,
    "version": 1,
}


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("status", "error"),
    [
        (408, pv.APIStatusError),
        (429, pv.RateLimitError),
        (500, pv.InternalServerError),
        (502, pv.InternalServerError),
        (503, pv.InternalServerError),
        (504, pv.InternalServerError),
    ],
)
async def test_transient_statuses_are_tried_three_times(
    router: respx.MockRouter,
    conns: pv.AsyncVimeoConnections,
    clock: FakeClock,
    status: int,
    error: type[pv.APIStatusError],
) -> None:
    """With max_retries=2 a persisting transient status is sent 3 times, then raised saying so."""
    route = router.get(ITEM).respond(status, json={"message": "busy"})
    with pytest.raises(error) as caught:
        await conns.get(ID)
    assert route.call_count == 3
    assert caught.value.status_code == status
    assert caught.value.attempts == 3
    assert str(caught.value).endswith("[after 3 attempts]")
    assert len(clock.sleeps) == 2


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, pv.BadRequestError),
        (401, pv.AuthenticationError),
        (403, pv.PermissionDeniedError),
        (404, pv.NotFoundError),
        (409, pv.ConflictError),
        (422, pv.UnprocessableEntityError),
    ],
)
async def test_client_errors_are_sent_once(
    router: respx.MockRouter,
    conns: pv.AsyncVimeoConnections,
    clock: FakeClock,
    status: int,
    error: type[pv.APIStatusError],
) -> None:
    """A 4xx other than 408/429 is the request's own fault: one attempt, no wait, no count."""
    route = router.put(ITEM).respond(status, json={"message": "no"})
    with pytest.raises(error) as caught:
        await conns.update(ID, version=1, enabled=False)
    assert route.call_count == 1
    assert caught.value.attempts == 1
    assert "attempts" not in str(caught.value)
    assert clock.sleeps == []


@pytest.mark.anyio
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
    router: respx.MockRouter,
    conns: pv.AsyncVimeoConnections,
    clock: FakeClock,
    failure: type[httpx.TransportError],
    error: type[pv.APIConnectionError],
) -> None:
    """A dropped, refused or timed-out attempt is retried; the error counts all 3 attempts."""
    route = router.get(ITEM).mock(side_effect=failure)
    with pytest.raises(error) as caught:
        await conns.get(ID)
    assert route.call_count == 3
    assert type(caught.value) is error
    # Described, not chained: httpx's own exception (and its text) stays out of the error.
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__ or caught.value.__context__ is None
    assert caught.value.attempts == 3
    assert str(caught.value).endswith("[after 3 attempts]")
    assert failure.__name__ in str(caught.value)
    assert len(clock.sleeps) == 2


@pytest.mark.anyio
@pytest.mark.parametrize("failure", [httpx.LocalProtocolError, httpx.UnsupportedProtocol])
async def test_our_own_transport_mistakes_are_not_retried(
    router: respx.MockRouter,
    conns: pv.AsyncVimeoConnections,
    failure: type[httpx.TransportError],
) -> None:
    """A failure that another attempt would repeat exactly is raised after one attempt."""
    route = router.get(ITEM).mock(side_effect=failure)
    with pytest.raises(pv.APIConnectionError) as caught:
        await conns.get(ID)
    assert route.call_count == 1
    assert caught.value.attempts == 1


@pytest.mark.anyio
async def test_a_retry_that_succeeds_returns_the_answer(
    router: respx.MockRouter, conns: pv.AsyncVimeoConnections, clock: FakeClock
) -> None:
    """Transient failures followed by a 200 give the caller the 200 and no error."""
    route = router.get(ITEM).mock(
        side_effect=[
            httpx.Response(503, json={"message": "busy"}),
            httpx.ReadError("reset"),
            httpx.Response(200, json=CONNECTION),
        ]
    )
    connection = await conns.get(ID)
    assert connection.connection_id == ID
    assert route.call_count == 3
    assert len(clock.sleeps) == 2


@pytest.mark.anyio
@pytest.mark.parametrize(("max_retries", "attempts"), [(0, 1), (1, 2), (5, 6)])
async def test_with_options_sets_the_retries_of_a_call(
    router: respx.MockRouter,
    client: pv.AsyncPictoryClient,
    clock: FakeClock,
    max_retries: int,
    attempts: int,
) -> None:
    """with_options(max_retries=n) makes n+1 attempts and leaves the parent's setting alone."""
    route = router.get(ITEM).respond(502)
    derived = client.with_options(max_retries=max_retries)
    assert derived.max_retries == max_retries
    assert derived.timeout == client.timeout
    with pytest.raises(pv.InternalServerError) as caught:
        await derived.vimeo_connections.get(ID)
    assert route.call_count == attempts
    assert caught.value.attempts == attempts
    assert len(clock.sleeps) == attempts - 1
    with pytest.raises(pv.InternalServerError):
        await client.vimeo_connections.get(ID)
    assert route.call_count == attempts + 3


@pytest.mark.anyio
async def test_with_options_shares_the_connection_pool(router: respx.MockRouter) -> None:
    """A derived client sends over its parent's pool; closing it leaves that pool open."""
    router.get(ITEM).respond(200, json=CONNECTION)
    parent = pv.AsyncPictoryClient(api_key=API_KEY, base_url=BASE_URL, transport="httpx")
    derived = parent.with_options(max_retries=0, timeout=5)
    await derived.aclose()
    assert (await parent.vimeo_connections.get(ID)).connection_id == ID
    assert (await derived.vimeo_connections.get(ID)).connection_id == ID
    await parent.aclose()
    # The pool is one and the same: closed by its owner, it is closed for the derived client.
    with pytest.raises(RuntimeError, match="closed"):
        await derived.vimeo_connections.get(ID)


@pytest.mark.anyio
async def test_backoff_doubles_from_half_a_second_up_to_eight(
    router: respx.MockRouter, client: pv.AsyncPictoryClient, clock: FakeClock, max_jitter: None
) -> None:
    """At the top of the jitter the waits are 0.5, 1, 2, 4, 8, then stay at the 8 s cap."""
    router.get(ITEM).respond(503)
    with pytest.raises(pv.InternalServerError):
        await client.with_options(max_retries=7, timeout=60).vimeo_connections.get(ID)
    assert clock.sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


@pytest.mark.anyio
async def test_backoff_waits_are_jittered_within_their_ceiling(
    router: respx.MockRouter, client: pv.AsyncPictoryClient, clock: FakeClock
) -> None:
    """Real jitter: wait n lies in [0, min(8, 0.5 * 2**(n-1))], and the waits are not fixed."""
    router.get(ITEM).respond(503)
    limited = client.with_options(max_retries=6, timeout=1000)
    for _ in range(5):
        with pytest.raises(pv.InternalServerError):
            await limited.vimeo_connections.get(ID)
    waits = [clock.sleeps[i : i + 6] for i in range(0, 30, 6)]
    for run in waits:
        for n, wait in enumerate(run, start=1):
            assert 0.0 <= wait <= min(8.0, 0.5 * 2 ** (n - 1))
    assert len(set(clock.sleeps)) > 1


@hypothesis.settings(max_examples=60, deadline=None)
@hypothesis.given(attempt=st.integers(min_value=1, max_value=64))
def test_backoff_wait_stays_in_its_range(attempt: int) -> None:
    """The backoff before retry n is full jitter under min(8, 0.5 * 2**(n-1)), for any n."""
    failure = _retry.Failure(PictoryError(), retryable=True, unclear=False, reason="test")
    wait = _retry.next_wait(failure, attempt, max_retries=attempt, time_left=float("inf"))
    assert wait is not None
    assert 0.0 <= wait <= min(8.0, 0.5 * 2.0 ** (attempt - 1))


@pytest.mark.anyio
async def test_debug_log_has_a_line_per_attempt_and_a_reason_per_retry(
    router: respx.MockRouter,
    conns: pv.AsyncVimeoConnections,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Each attempt logs its number and outcome, each retry its cause; the key never shows."""
    caplog.set_level(logging.DEBUG, logger="pictory_vimeo")
    router.get(ITEM).mock(
        side_effect=[
            httpx.Response(503),
            httpx.ReadError("reset"),
            httpx.Response(200, json=CONNECTION),
        ]
    )
    await conns.get(ID)
    messages = [r.getMessage() for r in caplog.records if r.name == "pictory_vimeo"]
    attempts = [m for m in messages if not m.startswith("retrying")]
    assert re.fullmatch(rf"GET {ITEM} -> 503 \(\d+\.\d ms, attempt 1\)", attempts[0])
    assert attempts[1] == f"GET {ITEM} -> ReadError (attempt 2)"
    assert re.fullmatch(rf"GET {ITEM} -> 200 \(\d+\.\d ms, attempt 3\)", attempts[2])
    assert len(attempts) == 3
    retries = [m for m in messages if m.startswith("retrying")]
    assert len(retries) == 2
    assert re.fullmatch(
        rf"retrying GET {ITEM} in \d+\.\d\d s: attempt 1 of 3 failed \(status 503\)", retries[0]
    )
    assert retries[1].endswith("attempt 2 of 3 failed (ReadError)")
    for record in caplog.records:
        assert API_KEY not in f"{record.getMessage()} {record.args!r}"


@pytest.mark.anyio
async def test_log_records_carry_their_facts_as_attributes(
    router: respx.MockRouter,
    conns: pv.AsyncVimeoConnections,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Structured logging gets each attempt's and retry's facts without parsing messages."""
    caplog.set_level(logging.DEBUG, logger="pictory_vimeo")
    router.get(ITEM).mock(
        side_effect=[httpx.ReadError("reset"), httpx.Response(200, json=CONNECTION)]
    )
    await conns.get(ID)
    facts = [
        (
            getattr(r, "pictory_event", None),
            getattr(r, "pictory_method", None),
            getattr(r, "pictory_path", None),
            getattr(r, "pictory_attempt", None),
            getattr(r, "pictory_status", None),
        )
        for r in caplog.records
        if r.name == "pictory_vimeo"
    ]
    assert facts == [
        ("attempt", "GET", ITEM, 1, None),
        ("retry", "GET", ITEM, 1, None),
        ("attempt", "GET", ITEM, 2, 200),
    ]
    retry = next(r for r in caplog.records if getattr(r, "pictory_event", None) == "retry")
    assert getattr(retry, "pictory_reason", None) == "ReadError"
