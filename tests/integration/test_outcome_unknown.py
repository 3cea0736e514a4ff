"""``outcome_unknown``: a write that may have landed is settled before the call fails.

The first attempt is applied and its answer cut (``drop_after_commit``); the retries then
meet ``429``s until ``max_retries`` runs out. The call reads the server's state within its
deadline, as after a ``409``: it returns the write's result when it is ours, raises with
``outcome_unknown=True`` when that cannot be known, and ``False`` when it certainly did not
happen. Over loopback, on every pool.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import pictory_vimeo as pv
from pictory_vimeo import emulator
from tests._support import MakeClient

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

FIELDS: dict[str, Any] = {
    "client_identifier": "cid",
    "client_secret": "outcome-client-secret",
    "access_token": "outcome-access-token",
}

#: ``losing_first_answer(method, then=status, retries=n)``, as the fixture gives it.
LosingFirstAnswer = Callable[..., pv.AsyncVimeoConnections]


@pytest.fixture
def losing_first_answer(
    make_client: MakeClient, served: emulator.RunningEmulator
) -> LosingFirstAnswer:
    """``losing_first_answer(method, then=status, retries=n)``: the connections of a client
    with ``n`` retries whose next ``method`` request is applied but its answer lost (a 503 in
    its place), and whose ``n`` retries all meet ``status``.
    """

    def make(method: str, *, then: int, retries: int) -> pv.AsyncVimeoConnections:
        served.emulator.fail_next(503, method=method, drop_after_commit=True)
        served.emulator.fail_next(then, method=method, times=retries)
        return make_client(max_retries=retries).vimeo_connections

    return make


async def test_a_create_that_landed_before_the_429s_is_returned(
    losing_first_answer: LosingFirstAnswer,
) -> None:
    """Applied, answer lost, then 429 until the retries ran out: the stored one comes back."""
    conns = losing_first_answer("POST", then=429, retries=2)
    made = await conns.create(name="Landed", **FIELDS)
    assert [c.connection_id for c in (await conns.list_page()).items] == [made.connection_id]


async def test_a_create_whose_outcome_cannot_be_read_says_so(
    losing_first_answer: LosingFirstAnswer, served: emulator.RunningEmulator
) -> None:
    """The reads that would settle it fail too: the error says the outcome is unknown."""
    conns = losing_first_answer("POST", then=429, retries=1)
    served.emulator.fail_next(429, method="GET", times=2)
    with pytest.raises(pv.RateLimitError) as caught:
        await conns.create(name="Unsure", **FIELDS)
    assert caught.value.outcome_unknown is True
    assert "outcome is unknown" in str(caught.value)


async def test_a_create_that_never_landed_is_a_plain_failure(
    make_client: MakeClient, served: emulator.RunningEmulator
) -> None:
    """A 503 before anything changed, then 429s: nothing stored, ``outcome_unknown`` False."""
    conns = make_client(max_retries=2).vimeo_connections
    served.emulator.fail_next(503, method="POST")
    served.emulator.fail_next(429, method="POST", times=2)
    with pytest.raises(pv.RateLimitError) as caught:
        await conns.create(name="Never", **FIELDS)
    assert caught.value.outcome_unknown is False
    assert "outcome" not in str(caught.value)
    assert (await conns.list_page()).items == []


async def test_an_update_that_landed_before_the_503s_is_returned(
    losing_first_answer: LosingFirstAnswer,
) -> None:
    """``update`` re-reads: version + 1 with the fields sent is ours, and returned."""
    conns = losing_first_answer("PUT", then=503, retries=2)
    made = await conns.create(name="Upd", **FIELDS)
    updated = await conns.update(made.connection_id, version=1, enabled=False)
    assert (updated.version, updated.enabled) == (2, False)


async def test_an_update_of_secrets_that_may_have_landed_is_unknown(
    losing_first_answer: LosingFirstAnswer,
) -> None:
    """What it sent cannot be read back: the 429 it ends in says the outcome is unknown."""
    conns = losing_first_answer("PUT", then=429, retries=1)
    made = await conns.create(name="Rotate", **FIELDS)
    rotated: dict[str, Any] = {"client_secret": "rotated-secret-value"}
    with pytest.raises(pv.RateLimitError) as caught:
        await conns.update(made.connection_id, version=1, **rotated)
    assert caught.value.outcome_unknown is True


async def test_errors_of_reads_and_refused_input_know_their_outcome(
    make_client: MakeClient, served: emulator.RunningEmulator
) -> None:
    """A read, or input refused before sending, certainly changed nothing."""
    conns = make_client(max_retries=0).vimeo_connections
    served.emulator.fail_next(503, method="GET")
    with pytest.raises(pv.InternalServerError) as failed_read:
        await conns.list_page()
    with pytest.raises(pv.ValidationError) as refused:
        await conns.create(name="a/b", **FIELDS)
    assert (failed_read.value.outcome_unknown, refused.value.outcome_unknown) == (False, False)
