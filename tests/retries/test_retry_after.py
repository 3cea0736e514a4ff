"""``Retry-After``: honoured in seconds and as an HTTP date, capped at 60 s and by the deadline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from email.utils import format_datetime
from typing import Self

import httpx
import pytest
import respx

import pictory_vimeo as pv
from pictory_vimeo import _error_bodies
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
CONNECTION = {
    "connectionId": ID,
    "name": "Main",
    "clientIdentifier": "client-id",
    "enabled": True,
    "version": 1,
}
FROZEN = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


class _FrozenDatetime(datetime):
    """``datetime`` whose ``now`` is always :data:`FROZEN`."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> Self:
        """The frozen instant, in ``tz``."""
        return cls.fromtimestamp(FROZEN.timestamp(), tz)


@pytest.fixture
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """Freeze the wall clock that HTTP-date ``Retry-After`` values are measured against."""
    monkeypatch.setattr(_error_bodies, "datetime", _FrozenDatetime)
    return FROZEN


def http_date(when: datetime) -> str:
    """``when`` in the IMF-fixdate form of HTTP headers."""
    return format_datetime(when, usegmt=True)


def busy_then_ok(status: int, retry_after: str) -> list[httpx.Response]:
    """One refusal carrying ``Retry-After``, then the connection."""
    return [
        httpx.Response(status, headers={"Retry-After": retry_after}),
        httpx.Response(200, json=CONNECTION),
    ]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("status", "header", "wait"),
    [(429, "7", 7.0), (429, "0", 0.0), (503, "3", 3.0), (429, "60", 60.0), (429, " 1.5 ", 1.5)],
)
async def test_retry_after_seconds_is_the_wait(
    router: respx.MockRouter,
    client: pv.AsyncPictoryClient,
    clock: FakeClock,
    status: int,
    header: str,
    wait: float,
) -> None:
    """The wait before the retry is exactly the delta-seconds the server asked for (up to 60)."""
    route = router.get(ITEM).mock(side_effect=busy_then_ok(status, header))
    await client.with_options(timeout=120).vimeo_connections.get(ID)
    assert clock.sleeps == [wait]
    assert route.call_count == 2


@pytest.mark.anyio
async def test_retry_after_http_date_is_measured_from_now(
    router: respx.MockRouter,
    conns: pv.AsyncVimeoConnections,
    clock: FakeClock,
    frozen_now: datetime,
) -> None:
    """An HTTP-date Retry-After waits until that instant: 20 s after a frozen now."""
    later = http_date(frozen_now + timedelta(seconds=20))
    router.get(ITEM).mock(side_effect=busy_then_ok(429, later))
    await conns.get(ID)
    assert clock.sleeps == [20.0]


@pytest.mark.anyio
async def test_retry_after_date_in_the_past_retries_at_once(
    router: respx.MockRouter,
    conns: pv.AsyncVimeoConnections,
    clock: FakeClock,
    frozen_now: datetime,
) -> None:
    """A date that has already passed asks for no wait at all, never a negative one."""
    earlier = http_date(frozen_now - timedelta(minutes=5))
    router.get(ITEM).mock(side_effect=busy_then_ok(503, earlier))
    await conns.get(ID)
    assert clock.sleeps == [0.0]


@pytest.mark.anyio
async def test_unreadable_retry_after_falls_back_to_backoff(
    router: respx.MockRouter, conns: pv.AsyncVimeoConnections, clock: FakeClock, max_jitter: None
) -> None:
    """A Retry-After that is neither seconds nor a date is ignored: the backoff decides."""
    router.get(ITEM).mock(side_effect=busy_then_ok(429, "soon"))
    await conns.get(ID)
    assert clock.sleeps == [0.5]


@pytest.mark.anyio
@pytest.mark.parametrize("header", ["61", "3600"])
async def test_retry_after_beyond_the_cap_fails_at_once(
    router: respx.MockRouter,
    client: pv.AsyncPictoryClient,
    clock: FakeClock,
    header: str,
) -> None:
    """Asked to wait more than 60 s, the call gives up after one attempt, even with time left."""
    route = router.get(ITEM).respond(429, headers={"Retry-After": header})
    with pytest.raises(pv.RateLimitError) as caught:
        await client.with_options(timeout=10_000).vimeo_connections.get(ID)
    assert route.call_count == 1
    assert caught.value.retry_after == float(header)
    assert caught.value.attempts == 1
    assert clock.sleeps == []


@pytest.mark.anyio
async def test_retry_after_date_beyond_the_cap_fails_at_once(
    router: respx.MockRouter,
    client: pv.AsyncPictoryClient,
    clock: FakeClock,
    frozen_now: datetime,
) -> None:
    """An HTTP date 90 s away is over the cap too: one attempt, retry_after says 90."""
    later = http_date(frozen_now + timedelta(seconds=90))
    route = router.get(ITEM).respond(429, headers={"Retry-After": later})
    with pytest.raises(pv.RateLimitError) as caught:
        await client.with_options(timeout=10_000).vimeo_connections.get(ID)
    assert route.call_count == 1
    assert caught.value.retry_after == 90.0
    assert clock.sleeps == []


@pytest.mark.anyio
async def test_retry_after_beyond_the_deadline_fails_at_once(
    router: respx.MockRouter, client: pv.AsyncPictoryClient, clock: FakeClock
) -> None:
    """A wait under the cap but past the call's deadline is not waited: 1 attempt, raised."""
    route = router.get(ITEM).respond(429, headers={"Retry-After": "15"})
    with pytest.raises(pv.RateLimitError) as caught:
        await client.with_options(timeout=10).vimeo_connections.get(ID)
    assert route.call_count == 1
    assert caught.value.retry_after == 15.0
    assert clock.sleeps == []


@pytest.mark.anyio
async def test_retry_after_is_weighed_against_the_time_left(
    router: respx.MockRouter, client: pv.AsyncPictoryClient, clock: FakeClock
) -> None:
    """After a slow first attempt only the rest of the deadline counts, not the whole of it."""

    seen: list[httpx.Request] = []

    def slow_then_limited(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            clock.advance(10.0)
            return httpx.Response(503)
        return httpx.Response(429, headers={"Retry-After": "20"})

    route = router.get(ITEM).mock(side_effect=slow_then_limited)
    with pytest.raises(pv.RateLimitError) as caught:
        # 25 s would fit a 20 s wait, but the 15 s left after the first attempt do not.
        await client.with_options(timeout=25, max_retries=5).vimeo_connections.get(ID)
    assert route.call_count == 2
    assert caught.value.attempts == 2
    assert caught.value.retry_after == 20.0
    assert len(clock.sleeps) == 1
