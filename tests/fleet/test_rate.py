"""The client's send rate over loopback: the adaptive rate learns from 429s and recovers,
a Retry-After pauses every call of the client, a fixed cap paces calls, and waiting for
the rate limiter counts against the call's deadline.
"""

from __future__ import annotations

import time

import anyio
import pytest

import pictory_vimeo as pv
from pictory_vimeo import emulator
from tests._support import MakeClient

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


async def _calls(client: pv.AsyncPictoryClient, count: int) -> None:
    """``count`` listings at once."""
    async with anyio.create_task_group() as tg:
        for _ in range(count):
            tg.start_soon(client.vimeo_connections.list_page)


async def test_adaptive_rate_falls_on_a_429_and_recovers_on_successes(
    served: emulator.RunningEmulator, make_client: MakeClient
) -> None:
    """Off until a 429; then a rate below what the client was getting, growing back.

    The rate may grow to twice the rate answers come back at, so the calls after the 429
    go eight at a time: a sequential loop on a machine that slows down would hold the
    ceiling under the fallen rate, whatever the limiter does.
    """
    client = make_client()
    for _ in range(20):
        await client.vimeo_connections.list_page()
    assert client.stats().rate_limit is None
    served.emulator.fail_next(429)
    await client.vimeo_connections.list_page()  # retried to success
    fallen = client.stats().rate_limit
    assert fallen is not None
    recovered = fallen
    ended = anyio.current_time() + 10.0
    while recovered <= fallen and anyio.current_time() < ended:
        await _calls(client, 8)
        rate = client.stats().rate_limit
        assert rate is not None
        recovered = rate
    assert recovered > fallen


async def test_after_a_429_calls_wait_for_the_adaptive_rate(
    served: emulator.RunningEmulator, make_client: MakeClient
) -> None:
    """Outside the testing mode a burst after a 429 is paced: calls wait for tokens."""
    client = make_client()
    with pv.set_testing(False):
        await _calls(client, 10)
        served.emulator.fail_next(429, times=3)
        await _calls(client, 3)
        rate = client.stats().rate_limit
        assert rate is not None
        await _calls(client, int(rate) + 10)  # more than a second's worth at that rate
    assert client.stats().rate_limit_wait > 0


async def test_the_testing_mode_skips_the_adaptive_waits(
    served: emulator.RunningEmulator, make_client: MakeClient
) -> None:
    """In the testing mode the adaptive rate is learnt but not waited for."""
    client = make_client()
    served.emulator.fail_next(429, times=3)
    await _calls(client, 40)
    assert client.stats().rate_limit is not None
    assert client.stats().rate_limit_wait == 0


@pytest.mark.parametrize("status", [429, 503])
async def test_retry_after_pauses_every_call_of_the_client(
    served: emulator.RunningEmulator, make_client: MakeClient, status: int
) -> None:
    """A Retry-After holds back the next call of the client and of its derived clients,
    though that call never got the answer; another client is not held back.
    """
    client = make_client(max_retries=0)
    sibling = client.with_options(timeout=10)
    stranger = make_client(max_retries=0)
    with pv.set_testing(False):
        served.emulator.fail_next(status, retry_after=0.5)
        with pytest.raises(pv.APIStatusError):
            await client.vimeo_connections.list_page()
        started = time.monotonic()
        await sibling.vimeo_connections.list_page()
        held = time.monotonic() - started
        await stranger.vimeo_connections.list_page()
    assert held >= 0.4
    assert client.stats().rate_limit_wait >= 0.4
    assert stranger.stats().rate_limit_wait == 0


async def test_no_rate_limit_means_no_pause(
    served: emulator.RunningEmulator, make_client: MakeClient
) -> None:
    """``rate_limit=None``: neither the adaptive rate nor a Retry-After holds calls back."""
    client = make_client(max_retries=0, rate_limit=None)
    with pv.set_testing(False):
        served.emulator.fail_next(429, retry_after=30)
        with pytest.raises(pv.RateLimitError):
            await client.vimeo_connections.list_page()
        await client.vimeo_connections.list_page()
    stats = client.stats()
    assert (stats.rate_limit, stats.rate_limit_wait) == (None, 0)


async def test_a_fixed_cap_paces_calls_even_in_the_testing_mode(
    served: emulator.RunningEmulator, make_client: MakeClient
) -> None:
    """At 20 requests/s, 11 calls at once take at least half a second."""
    client = make_client(rate_limit=20)
    assert client.stats().rate_limit == 20
    started = time.monotonic()
    await _calls(client, 11)
    assert time.monotonic() - started >= 0.45
    assert client.stats().rate_limit_wait >= 0.45
    assert served.emulator.stats()["requests"] == 11


async def test_a_derived_client_may_have_a_cap_of_its_own(
    served: emulator.RunningEmulator, make_client: MakeClient
) -> None:
    """``with_options(rate_limit=...)`` gives the derived client its own limiter."""
    client = make_client(rate_limit=None)
    capped = client.with_options(rate_limit=5.0)
    assert (client.stats().rate_limit, capped.stats().rate_limit) == (None, 5.0)


async def test_waiting_for_a_token_counts_against_the_deadline(
    served: emulator.RunningEmulator, make_client: MakeClient
) -> None:
    """At one request per 10 s, a second call with a 1 s deadline times out unsent."""
    client = make_client(rate_limit=0.1, timeout=1.0)
    await client.vimeo_connections.list_page()
    with pytest.raises(pv.APITimeoutError, match="while waiting for the client's rate limit"):
        await client.vimeo_connections.list_page()
    assert served.emulator.stats()["requests"] == 1
