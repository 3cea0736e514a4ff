"""Many writers, one connection: optimistic_update loses no change and applies none twice."""

from __future__ import annotations

from typing import Any, Final

import anyio
import pytest

import pictory_vimeo as pv
from tests.retries._support import Scene

pytestmark = pytest.mark.anyio

#: With the testing mode on, the writers do not spread out over their jittered waits: each
#: round is a stampede in which one writer wins, so the requests grow with the square of
#: the writers (about 430 for 20, 2,600 for 50).
WRITERS: Final = 20
#: Every n-th PUT the emulator applied loses its answer.
LOSE_EVERY: Final = 5


def tokens_of(connection: pv.VimeoConnection) -> list[str]:
    """The tokens a description holds, in order."""
    return (connection.description or "").split()


async def test_twenty_writers_each_land_their_token_exactly_once(scene: Scene) -> None:
    """20 racing appends, every 5th applied PUT's answer lost: all 20 tokens, each once."""
    scene.wire.lose_every_nth_applied_put = LOSE_EVERY
    cid = (await scene.rival.create("Shared"))["connectionId"]
    tokens = [f"t{n:03d}" for n in range(WRITERS)]
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

        results[token] = await pv.optimistic_update(scene.conns, cid, mutate, max_attempts=200)

    async with anyio.create_task_group() as tg:
        for token in tokens:
            tg.start_soon(append, token)

    connection = scene.stored()[cid]
    final = str(connection["description"]).split()
    assert sorted(final) == tokens
    assert len(final) == len(set(final)) == WRITERS
    # Every applied PUT added one token: the version counts them, none went in twice.
    assert connection["version"] == WRITERS + 1
    for token, result in results.items():
        assert token in tokens_of(result)
    # The race was real, and lost answers sent the reconciliation path through it.
    assert [r.method for r in scene.wire.sent].count("PUT") > WRITERS
    assert max(calls.values()) > 1
    assert scene.wire.lost == WRITERS // LOSE_EVERY
