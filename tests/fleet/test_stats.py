"""``client.stats()`` over loopback: what the counters say after calls, on both clients."""

from __future__ import annotations

import anyio
import pytest

import pictory_vimeo as pv
from pictory_vimeo import emulator
from pictory_vimeo.testing import PictoryEmulator
from tests._support import MakeClient

pytestmark = [pytest.mark.integration]


@pytest.mark.anyio
async def test_stats_count_requests_retries_and_waits(
    served: emulator.RunningEmulator, make_client: MakeClient
) -> None:
    """Requests sent, retries, refusals, the rate in force and the time spent waiting."""
    client = make_client(max_concurrency=1)
    fresh = client.stats()
    assert fresh == pv.ClientStats(
        requests=0,
        retries=0,
        budget_refusals=0,
        budget_tokens=500,
        rate_limit=None,
        rate_limit_wait=0.0,
        slot_wait=0.0,
    )
    served.emulator.fail_next(503, times=2)
    await client.vimeo_connections.list_page()
    async with anyio.create_task_group() as tg:
        for _ in range(4):
            tg.start_soon(client.vimeo_connections.list_page)
    stats = client.stats()
    assert (stats.requests, stats.retries, stats.budget_refusals) == (7, 2, 0)
    assert stats.requests == served.emulator.stats()["requests"]
    # 500 - 2 retries of 5, + 5 back for the last retry of the call that then succeeded,
    # + 1 for each of the four first-attempt successes.
    assert stats.budget_tokens == 499
    assert stats.slot_wait > 0  # one slot, four calls at once: three waited
    with pytest.raises(AttributeError):
        stats.requests = 0  # type: ignore[misc]


def test_the_sync_client_has_the_same_stats(
    pictory_emulator: PictoryEmulator,
) -> None:
    """``PictoryClient.stats()`` reads the async client's counters."""
    with pictory_emulator.sync_client(rate_limit=50.0, retry_budget=None) as client:
        pictory_emulator.emulator.fail_next(429)
        client.vimeo_connections.list_page()
        stats = client.stats()
    assert (stats.requests, stats.retries, stats.budget_tokens, stats.rate_limit) == (
        2,
        1,
        None,
        50.0,
    )
