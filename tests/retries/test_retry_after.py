"""``Retry-After``: honoured in seconds and as an HTTP date, capped at 60 s and by the deadline.

The emulator's scripted faults send ``Retry-After`` in seconds. It never sends an HTTP date
or a value that is neither, so the tests of those forms answer through an
``httpx.MockTransport`` given to the SDK as its transport (httpx's, pinned).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

import pictory_vimeo as pv
from pictory_vimeo import emulator
from tests._support import PATH, connection_json
from tests.retries._support import Rival

pytestmark = pytest.mark.anyio

ID = "20250101000000001000000000000001"
ITEM = f"{PATH}/{ID}"

Answer = Callable[[httpx.Request], httpx.Response]


def http_date(when: datetime) -> str:
    """``when`` in the IMF-fixdate form of HTTP headers (whole seconds, rounded down)."""
    return format_datetime(when, usegmt=True)


def busy_then_ok(status: int, retry_after: str) -> Answer:
    """One refusal carrying ``Retry-After``, then the connection; the requests are counted."""
    answers = [
        httpx.Response(status, headers={"Retry-After": retry_after}),
        httpx.Response(200, json=connection_json(connectionId=ID)),
    ]

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.path == ITEM
        return answers.pop(0) if len(answers) > 1 else answers[0]

    return answer


@pytest.fixture
async def mocked(
    api_key: str, base_url: str
) -> AsyncIterator[Callable[[Answer], pv.AsyncPictoryClient]]:
    """``mocked(answer)``: a client (documented defaults) whose transport answers with
    ``answer``; for what the emulator never sends.
    """
    made: list[pv.AsyncPictoryClient] = []

    def make(answer: Answer) -> pv.AsyncPictoryClient:
        made.append(pv.AsyncPictoryClient(api_key, base_url, transport=httpx.MockTransport(answer)))
        return made[-1]

    yield make
    for client in made:
        await client.aclose()


@pytest.mark.parametrize(
    ("status", "seconds"), [(429, 7), (429, 0), (503, 3), (429, 60), (429, 1.5)]
)
async def test_retry_after_seconds_is_the_wait(
    emu: emulator.Emulator,
    rival: Rival,
    scripted_client: pv.AsyncPictoryClient,
    retry_waits: list[float],
    status: int,
    seconds: float,
) -> None:
    """The wait before the retry is exactly the delta-seconds the server asked for (up to 60)."""
    cid = (await rival.create("Main"))["connectionId"]
    emu.fail_next(status, method="GET", retry_after=seconds)
    await scripted_client.with_options(timeout=120).vimeo_connections.get(cid)
    assert retry_waits == [seconds]
    assert [(r.method, r.status) for r in emu.requests if r.method == "GET"] == [
        ("GET", status),
        ("GET", 200),
    ]


async def test_retry_after_seconds_may_be_padded_with_spaces(
    mocked: Callable[[Answer], pv.AsyncPictoryClient], retry_waits: list[float]
) -> None:
    """Spaces around the delta-seconds (which a proxy may add) do not make it unreadable."""
    await mocked(busy_then_ok(429, " 1.5 ")).vimeo_connections.get(ID)
    assert retry_waits == [1.5]


async def test_retry_after_http_date_is_measured_from_now(
    mocked: Callable[[Answer], pv.AsyncPictoryClient], retry_waits: list[float]
) -> None:
    """An HTTP-date Retry-After waits until that instant: about 20 s for a date 20 s ahead."""
    later = http_date(datetime.now(UTC) + timedelta(seconds=20))
    await mocked(busy_then_ok(429, later)).vimeo_connections.get(ID)
    [wait] = retry_waits
    # The date holds whole seconds: it lies 19 to 20 s ahead of when it was written.
    assert 18.5 < wait <= 20.0


async def test_retry_after_date_in_the_past_retries_at_once(
    mocked: Callable[[Answer], pv.AsyncPictoryClient], retry_waits: list[float]
) -> None:
    """A date that has already passed asks for no wait at all, never a negative one."""
    earlier = http_date(datetime.now(UTC) - timedelta(minutes=5))
    await mocked(busy_then_ok(503, earlier)).vimeo_connections.get(ID)
    assert retry_waits == [0.0]


async def test_unreadable_retry_after_falls_back_to_backoff(
    mocked: Callable[[Answer], pv.AsyncPictoryClient], retry_waits: list[float]
) -> None:
    """A Retry-After that is neither seconds nor a date is ignored: the backoff decides."""
    await mocked(busy_then_ok(429, "soon")).vimeo_connections.get(ID)
    [wait] = retry_waits
    assert 0.0 <= wait <= 0.5


@pytest.mark.parametrize("seconds", [61, 3600])
async def test_retry_after_beyond_the_cap_fails_at_once(
    emu: emulator.Emulator,
    scripted_client: pv.AsyncPictoryClient,
    retry_waits: list[float],
    seconds: int,
) -> None:
    """Asked to wait more than 60 s, the call gives up after one attempt, even with time left."""
    emu.fail_next(429, method="GET", retry_after=seconds)
    with pytest.raises(pv.RateLimitError) as caught:
        await scripted_client.with_options(timeout=10_000).vimeo_connections.get(ID)
    assert len(emu.requests) == 1
    assert caught.value.retry_after == float(seconds)
    assert caught.value.attempts == 1
    assert retry_waits == []


async def test_retry_after_date_beyond_the_cap_fails_at_once(
    mocked: Callable[[Answer], pv.AsyncPictoryClient], retry_waits: list[float]
) -> None:
    """An HTTP date 90 s away is over the cap too: one attempt, retry_after says about 90."""
    later = http_date(datetime.now(UTC) + timedelta(seconds=90))
    calls: list[httpx.Request] = []

    def limited(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(429, headers={"Retry-After": later})

    with pytest.raises(pv.RateLimitError) as caught:
        await mocked(limited).with_options(timeout=10_000).vimeo_connections.get(ID)
    assert len(calls) == 1
    assert caught.value.retry_after is not None
    assert 88.5 < caught.value.retry_after <= 90.0
    assert retry_waits == []


async def test_retry_after_beyond_the_deadline_fails_at_once(
    emu: emulator.Emulator, scripted_client: pv.AsyncPictoryClient, retry_waits: list[float]
) -> None:
    """A wait under the cap but past the call's deadline is not waited: 1 attempt, raised."""
    emu.fail_next(429, method="GET", retry_after=15)
    with pytest.raises(pv.RateLimitError) as caught:
        await scripted_client.with_options(timeout=10).vimeo_connections.get(ID)
    assert len(emu.requests) == 1
    assert caught.value.retry_after == 15.0
    assert retry_waits == []


async def test_retry_after_is_weighed_against_the_time_left(
    emu: emulator.Emulator, scripted_client: pv.AsyncPictoryClient, retry_waits: list[float]
) -> None:
    """After slow attempts only the rest of the deadline counts, not the whole of it.

    Every answer takes at least 150 ms. The first (503) asks for 0.1 s, which fits; the
    second (429) asks for 1.8 s: the whole 2 s deadline would fit it, the at most 1.7 s left
    after two answers do not. (The room the first needs, 1.9 s, keeps a loaded machine from
    mattering: only the answers' least duration does.)
    """
    emu.set_faults(latency_ms=150)
    emu.fail_next(503, method="GET", retry_after=0.1)
    emu.fail_next(429, method="GET", retry_after=1.8)
    with pytest.raises(pv.RateLimitError) as caught:
        await scripted_client.with_options(timeout=2.0, max_retries=5).vimeo_connections.get(ID)
    assert [r.status for r in emu.requests] == [503, 429]
    assert caught.value.attempts == 2
    assert caught.value.retry_after == 1.8
    assert retry_waits == [0.1]
