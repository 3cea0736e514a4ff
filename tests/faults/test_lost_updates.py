"""Lost updates: concurrent ``optimistic_update`` writers, each adding its own token to one
connection while a tenth of the applied writes lose their answer. Every token lands once.

Each test runs with every way of losing an answer (``drop_kind``: closed before its first
byte, cut mid-way, reset) on every pool. The default run has 40 writers, so the three kinds
together cost about what one run of 64 did; the soak-marked run has 64 on each of 8.
"""

from __future__ import annotations

import collections
import time
from typing import Any, Final

import anyio
import pytest

import pictory_vimeo as pv
from pictory_vimeo import emulator
from tests._support import MakeClient

pytestmark = pytest.mark.anyio

#: Writers per connection in the soak-marked run (their tokens fill most of a description).
WRITERS: Final = 64
#: Writers per connection in the default run.
QUICK_WRITERS: Final = 40
_DIGITS: Final = "0123456789abcdefghijklmnopqrstuvwxyz"


def token(number: int) -> str:
    """Two base-36 digits: 64 tokens and their spaces fit the 250-character description."""
    return _DIGITS[number // 36] + _DIGITS[number % 36]


async def race(
    served: emulator.RunningEmulator,
    make_client: MakeClient,
    *,
    connections: int,
    latency_ms: float,
    jitter_ms: float,
    drop_kind: emulator.DropKind,
    writers: int = WRITERS,
) -> str:
    """``writers`` writers on each of ``connections`` connections, answers lost as
    ``drop_kind`` says; assert; return the counts.
    """
    client = make_client(max_retries=10, timeout=120)
    conns = client.vimeo_connections
    targets = [
        await conns.create(
            name=f"Contended {index}", client_identifier="c", client_secret="s", access_token="t"
        )
        for index in range(connections)
    ]
    emu = served.emulator
    emu.set_faults(
        drop_after_commit_rate=0.1,
        drop_after_commit_mode=drop_kind,
        latency_ms=latency_ms,
        latency_jitter_ms=jitter_ms,
    )
    # And the first PUTs lose their answer for sure (applied or refused), whatever the dice say.
    emu.fail_next(method="PUT", times=connections, drop_after_commit=True, drop=drop_kind)
    results: dict[tuple[str, str], pv.VimeoConnection] = {}
    mutate_calls: collections.Counter[str] = collections.Counter()

    async def write(connection_id: str, mine: str) -> None:
        def mutate(current: pv.VimeoConnection) -> dict[str, Any] | None:
            mutate_calls[mine] += 1
            present = (current.description or "").split()
            if mine in present:
                return None
            return {"description": " ".join([*present, mine])}

        results[connection_id, mine] = await pv.optimistic_update(
            conns, connection_id, mutate, max_attempts=10 * writers
        )

    tokens = [token(number) for number in range(writers)]
    started = time.perf_counter()
    async with anyio.create_task_group() as tasks:
        for target in targets:
            for mine in tokens:
                tasks.start_soon(write, target.connection_id, mine)
    elapsed = time.perf_counter() - started
    emu.set_faults(drop_after_commit_rate=0, latency_ms=0, latency_jitter_ms=0)

    stats = emu.stats()
    log = emu.requests
    puts = [r for r in log if r.method == "PUT"]
    more = "+" if stats["requests"] > len(log) else ""  # the log keeps the latest 10,000
    conflicts = sum(r.status == 409 for r in puts)
    finals = [await conns.get(target.connection_id) for target in targets]
    summary = (
        f"{writers} writers on each of {connections} connection(s) in {elapsed:.1f} s, "
        f"answers lost by {drop_kind}: "
        f"{len(puts)}{more} PUTs, {conflicts} answered 409, {stats['dropped']} applied and their "
        f"answer dropped, {sum(mutate_calls.values())} mutate calls | final versions "
        f"{sorted({final.version for final in finals})}"
    )
    print(f"\nlost updates: {summary}")
    for final in finals:
        assert sorted((final.description or "").split()) == tokens, "a token lost or doubled"
        assert final.version == 1 + writers, "a write was applied twice"
    for (_, mine), result in results.items():
        assert mine in (result.description or "").split(), "a writer was answered without its token"
    assert len(results) == connections * writers
    assert stats["dropped"] >= connections
    lost_by = {r.drop for r in log if r.dropped}
    assert lost_by <= {drop_kind}
    return summary


async def test_every_token_lands_exactly_once(
    served: emulator.RunningEmulator, make_client: MakeClient, drop_kind: emulator.DropKind
) -> None:
    """40 writers on one connection, 10% of applied writes answerless: each token once."""
    await race(
        served,
        make_client,
        connections=1,
        latency_ms=0,
        jitter_ms=2,
        drop_kind=drop_kind,
        writers=QUICK_WRITERS,
    )


@pytest.mark.soak
@pytest.mark.timeout(900)
async def test_every_token_lands_exactly_once_on_many_connections_with_latency(
    served: emulator.RunningEmulator, make_client: MakeClient, drop_kind: emulator.DropKind
) -> None:
    """64 writers on each of 8 connections, 10-80 ms latency: each token once on each."""
    await race(served, make_client, connections=8, latency_ms=10, jitter_ms=70, drop_kind=drop_kind)
