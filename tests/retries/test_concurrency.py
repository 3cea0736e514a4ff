"""Many writers, one connection: optimistic_update loses no change and applies none twice."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

import pictory_vimeo as pv
from tests.retries.conftest import FakeApi, FakeClock

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def client(fake_client: pv.AsyncPictoryClient) -> pv.AsyncPictoryClient:
    """The client on the fake API."""
    return fake_client


@pytest.fixture
def conns(fake_client: pv.AsyncPictoryClient) -> pv.AsyncVimeoConnections:
    """The fake API's connections."""
    return fake_client.vimeo_connections


WRITERS = 50
#: Scheduler turns per second of a wait: the jitter then spreads the writers out.
TURNS = 1000


def tokens_of(connection: pv.VimeoConnection) -> list[str]:
    """The tokens a description holds, in order."""
    return (connection.description or "").split()


@pytest.mark.anyio
async def test_fifty_writers_each_land_their_token_exactly_once(
    api: FakeApi, conns: pv.AsyncVimeoConnections, clock: FakeClock
) -> None:
    """50 racing appends, every 7th applied PUT's answer lost: all 50 tokens, each once."""
    # Waits are recorded, not slept; a shared fake clock moved by 50 tasks' waits would
    # wrongly eat into each other's call deadlines, so here it stands still.
    clock.advance_on_sleep = False
    clock.turns_per_second = TURNS
    api.lose_every_nth_put = 7
    cid = api.add("Shared", description="")
    tokens = [f"t{n:03d}" for n in range(WRITERS)]
    # 50 tokens of 4 characters with single spaces between them: 249 of the 250 allowed.
    assert len(" ".join(tokens)) <= 250
    results: dict[str, pv.VimeoConnection] = {}
    calls: dict[str, int] = dict.fromkeys(tokens, 0)

    async def append(token: str) -> None:
        def mutate(current: pv.VimeoConnection) -> dict[str, Any] | None:
            calls[token] += 1
            present = tokens_of(current)
            if token in present:
                return None
            return {"description": " ".join([*present, token])}

        results[token] = await pv.optimistic_update(conns, cid, mutate, max_attempts=200)

    async with anyio.create_task_group() as tg:
        for token in tokens:
            tg.start_soon(append, token)

    final = api.store[cid]["description"].split()
    assert sorted(final) == tokens
    assert len(final) == len(set(final)) == WRITERS
    # Every applied PUT added one token: the version counts them, none went in twice.
    assert api.store[cid]["version"] == WRITERS + 1
    for token, result in results.items():
        assert token in tokens_of(result)
    # The race was real, and lost answers sent the reconciliation path through it.
    assert api.count("PUT") > WRITERS
    assert max(calls.values()) > 1
    assert clock.events.count("PUT lost") == WRITERS // 7
