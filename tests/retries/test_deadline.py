"""The per-call deadline: it covers every attempt and wait, and bounds each attempt."""

from __future__ import annotations

import logging

import anyio
import httpx
import pytest
import respx

import pictory_vimeo as pv
from tests._support import PATH
from tests.retries.conftest import FakeClock

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def client(fake_client: pv.AsyncPictoryClient) -> pv.AsyncPictoryClient:
    """The client on the fake API."""
    return fake_client


@pytest.fixture
def conns(fake_client: pv.AsyncPictoryClient) -> pv.AsyncVimeoConnections:
    """The fake API's connections."""
    return fake_client.vimeo_connections


ID = "20250101000000001000000000000001"
ITEM = f"{PATH}/{ID}"


@pytest.mark.anyio
async def test_each_attempt_gets_what_is_left_of_the_deadline(
    router: respx.MockRouter, client: pv.AsyncPictoryClient, clock: FakeClock, max_jitter: None
) -> None:
    """Attempts of 2 s, doubling waits: timeouts 10, 7.5, 4.5, 0.5, then the deadline stops it."""
    timeouts: list[float] = []

    def slow_failure(request: httpx.Request) -> httpx.Response:
        timeouts.append(request.extensions["timeout"]["read"])
        assert request.extensions["timeout"]["connect"] == timeouts[-1]
        clock.advance(2.0)
        return httpx.Response(503)

    route = router.get(ITEM).mock(side_effect=slow_failure)
    with pytest.raises(pv.InternalServerError) as caught:
        await client.with_options(timeout=10, max_retries=10).vimeo_connections.get(ID)
    # t=0 try, t=2 wait .5, t=2.5 try, t=4.5 wait 1, t=5.5 try, t=7.5 wait 2, t=9.5 try,
    # t=11.5: a 4 s wait would end past t=10, so the call stops there.
    assert timeouts == pytest.approx([10.0, 7.5, 4.5, 0.5])
    assert clock.sleeps == [0.5, 1.0, 2.0]
    assert route.call_count == 4
    assert caught.value.attempts == 4


@pytest.mark.anyio
async def test_no_wait_is_started_that_would_end_past_the_deadline(
    router: respx.MockRouter, client: pv.AsyncPictoryClient, clock: FakeClock, max_jitter: None
) -> None:
    """With 3 s and instant answers: waits 0.5 and 1 fit, the 2 s one would end at 3.5: stop."""
    route = router.get(ITEM).respond(502)
    with pytest.raises(pv.InternalServerError) as caught:
        await client.with_options(timeout=3, max_retries=10).vimeo_connections.get(ID)
    assert clock.sleeps == [0.5, 1.0]
    assert route.call_count == 3
    assert caught.value.attempts == 3
    assert str(caught.value).endswith("[after 3 attempts]")


@pytest.mark.anyio
async def test_a_wait_that_overruns_the_deadline_makes_no_further_attempt(
    router: respx.MockRouter, client: pv.AsyncPictoryClient, clock: FakeClock, max_jitter: None
) -> None:
    """A wait that ends late, past the deadline, ends the call with a timeout counting 1 attempt."""
    clock.overshoot = 0.2
    route = router.get(ITEM).respond(503)
    with pytest.raises(pv.APITimeoutError, match="deadline passed") as caught:
        await client.with_options(timeout=0.6, max_retries=10).vimeo_connections.get(ID)
    assert route.call_count == 1
    assert caught.value.attempts == 1
    assert clock.sleeps == [0.5]
    # The 503 that led to the wait stays visible as the timeout's cause.
    assert isinstance(caught.value.__cause__, pv.InternalServerError)


@pytest.mark.anyio
async def test_an_attempt_is_cut_off_at_the_deadline(
    router: respx.MockRouter,
    client: pv.AsyncPictoryClient,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A response slower than the whole deadline is abandoned, logged, and not retried."""
    caplog.set_level(logging.DEBUG, logger="pictory_vimeo")

    started: list[httpx.Request] = []

    async def hang(request: httpx.Request) -> httpx.Response:
        started.append(request)
        await anyio.Event().wait()  # never answers
        raise AssertionError("unreachable")

    router.get(ITEM).mock(side_effect=hang)
    with anyio.fail_after(3):
        with pytest.raises(pv.APITimeoutError, match="deadline passed") as caught:
            await client.with_options(timeout=0.05).vimeo_connections.get(ID)
    assert len(started) == 1
    assert caught.value.attempts == 1
    assert caught.value.__cause__ is None  # nothing failed before: no earlier error to chain
    assert clock.sleeps == []
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [f"GET {ITEM} -> deadline passed (attempt 1)"]


@pytest.mark.anyio
async def test_the_deadline_is_per_call(
    router: respx.MockRouter, client: pv.AsyncPictoryClient, clock: FakeClock, max_jitter: None
) -> None:
    """A later call starts a fresh deadline: time spent by an earlier call is not charged to it."""
    route = router.get(ITEM).respond(503)
    limited = client.with_options(timeout=3, max_retries=10).vimeo_connections
    for _ in range(2):
        with pytest.raises(pv.InternalServerError):
            await limited.get(ID)
    assert route.call_count == 6
    assert clock.sleeps == [0.5, 1.0, 0.5, 1.0]
