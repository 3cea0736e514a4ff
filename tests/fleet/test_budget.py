"""The retry budget over loopback: retries spend it, successes refill it, a refused retry
ends its call at once with the last error, and derived clients share one budget.
"""

from __future__ import annotations

import pytest

import pictory_vimeo as pv
from pictory_vimeo import emulator
from tests._support import MakeClient

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

#: Two retries' worth: a budget small enough to drain in one test.
SMALL = pv.RetryBudget(capacity=10, retry_cost=5, timeout_cost=10, success_refill=5)


def _outage(served: emulator.RunningEmulator) -> None:
    """Every request fails 503 until the script is cleared."""
    served.emulator.fail_next(503, times=1000)


async def test_a_drained_budget_refuses_retries_and_says_so(
    served: emulator.RunningEmulator, make_client: MakeClient
) -> None:
    """Two retries drain a 10-token budget; the next call's retry is refused at once."""
    client = make_client(retry_budget=SMALL, max_retries=5)
    _outage(served)
    with pytest.raises(pv.InternalServerError) as first:
        await client.vimeo_connections.list_page()
    assert first.value.attempts == 3
    assert "retry budget exhausted" in str(first.value)
    assert "after 3 attempts" in str(first.value)
    with pytest.raises(pv.InternalServerError) as second:
        await client.vimeo_connections.list_page()
    assert second.value.attempts == 1
    assert "retry budget exhausted: no retry after 1 attempt" in str(second.value)
    assert served.emulator.stats()["requests"] == 4
    stats = client.stats()
    assert (stats.requests, stats.retries, stats.budget_refusals) == (4, 2, 2)
    assert stats.budget_tokens == 0


async def test_successes_refill_the_budget(
    served: emulator.RunningEmulator, make_client: MakeClient
) -> None:
    """After the outage, each success puts ``success_refill`` back: retries resume."""
    client = make_client(retry_budget=SMALL, max_retries=5)
    _outage(served)
    with pytest.raises(pv.InternalServerError):
        await client.vimeo_connections.list_page()
    served.emulator.clear_scripted_faults()
    await client.vimeo_connections.list_page()
    assert client.stats().budget_tokens == 5
    served.emulator.fail_next(503, times=2)
    with pytest.raises(pv.InternalServerError) as refused:
        await client.vimeo_connections.list_page()
    assert refused.value.attempts == 2  # one retry paid for, the second refused
    await client.vimeo_connections.list_page()
    assert client.stats().budget_tokens == 5


async def test_a_success_after_a_retry_gives_its_cost_back(
    served: emulator.RunningEmulator, make_client: MakeClient
) -> None:
    """Rare failures leave the budget as full as it was: nothing changes for the caller."""
    client = make_client(retry_budget=pv.RetryBudget(capacity=20), max_retries=2)
    for _ in range(10):
        served.emulator.fail_next(503)
        await client.vimeo_connections.list_page()
    stats = client.stats()
    assert (stats.retries, stats.budget_refusals, stats.budget_tokens) == (10, 0, 20)


async def test_derived_clients_share_the_budget(
    served: emulator.RunningEmulator, make_client: MakeClient
) -> None:
    """A ``with_options`` client drains its parent's budget; one given ``None`` has none."""
    parent = make_client(retry_budget=SMALL, max_retries=5)
    child = parent.with_options(timeout=20)
    _outage(served)
    with pytest.raises(pv.InternalServerError) as drained:
        await child.vimeo_connections.list_page()
    assert drained.value.attempts == 3
    with pytest.raises(pv.InternalServerError) as refused:
        await parent.vimeo_connections.list_page()
    assert refused.value.attempts == 1
    unlimited = parent.with_options(retry_budget=None)
    with pytest.raises(pv.InternalServerError) as spent:
        await unlimited.vimeo_connections.list_page()
    assert spent.value.attempts == 6
    assert "retry budget" not in str(spent.value)
    own = parent.with_options(retry_budget=SMALL)
    with pytest.raises(pv.InternalServerError) as fresh:
        await own.vimeo_connections.list_page()
    assert fresh.value.attempts == 3
    counts = [(s.requests, s.retries, s.budget_refusals) for s in (parent.stats(), own.stats())]
    assert counts == [(13, 9, 3)] * 2  # one set of counters
    assert (unlimited.stats().budget_tokens, own.stats().budget_tokens) == (None, 0)


async def test_no_budget_retries_as_max_retries_says(
    served: emulator.RunningEmulator, make_client: MakeClient
) -> None:
    """``retry_budget=None``: every call makes ``max_retries + 1`` attempts, however many fail."""
    client = make_client(retry_budget=None, max_retries=2)
    _outage(served)
    for _ in range(5):
        with pytest.raises(pv.InternalServerError) as failed:
            await client.vimeo_connections.list_page()
        assert failed.value.attempts == 3
    assert client.stats().budget_tokens is None
    assert client.stats().retries == 10


async def test_the_testing_mode_still_counts_the_budget(
    served: emulator.RunningEmulator, make_client: MakeClient
) -> None:
    """Waits are skipped in the testing mode; the budget is not."""
    assert pv.is_testing()
    client = make_client(retry_budget=pv.RetryBudget(capacity=5), max_retries=3)
    _outage(served)
    with pytest.raises(pv.InternalServerError) as failed:
        await client.vimeo_connections.list_page()
    assert failed.value.attempts == 2
