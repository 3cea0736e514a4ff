"""Server restart mid-run: the emulator on a SQLite file is killed with SIGKILL while a
client writes from many tasks, and started again on the same port and file. Calls in
flight fail with ``APIConnectionError`` or succeed on retry; every write answered 2xx is
there afterwards, and nothing is there twice or that the client never sent.

The SDK's real backoff is used here (not the testing mode's zero waits), so a retry can
outlast the restart, as it would in production; half the writers allow one retry only, so
some of their calls run out of retries while the server is down.
"""

from __future__ import annotations

import collections
import random
from pathlib import Path
from typing import Any, Final

import anyio
import anyio.abc
import attrs
import pytest

import pictory_vimeo as pv
from tests._support import EmulatorProcess, Pool
from tests.faults._support import KEY, SEED

pytestmark = pytest.mark.anyio

WRITERS: Final = 8


@attrs.define(eq=False)
class Written:
    """One connection a writer created (or tried to), as the client believes it."""

    name: str
    connection_id: str | None = None  # None: the create's outcome is unknown
    answered_tokens: set[str] = attrs.Factory(set)
    unknown_tokens: set[str] = attrs.Factory(set)
    deleted: bool = False
    delete_unknown: bool = False


class Writers:
    def __init__(self, client: pv.AsyncPictoryClient) -> None:
        # Half the writers retry long enough to outlast a restart, half give up sooner.
        self.patient = client.vimeo_connections
        self.hasty = client.with_options(max_retries=1).vimeo_connections
        self.written: list[Written] = []
        self.answered = 0
        self.counts: collections.Counter[str] = collections.Counter()
        self.unexpected: list[str] = []
        self.in_flight = 0
        self.stop = False
        self._target = 0
        self._reached = anyio.Event()
        self._names = 0
        self._tokens = 0

    async def write(self, task: int, kind: str, target: Written) -> None:
        conns = self.hasty if task % 2 else self.patient
        self.in_flight += 1
        try:
            if kind == "create":
                made = await conns.create(
                    name=target.name, client_identifier="c", client_secret="s", access_token="t"
                )
                target.connection_id = made.connection_id
            elif kind == "update":
                assert target.connection_id is not None
                token, self._tokens = f"t{self._tokens}", self._tokens + 1
                target.unknown_tokens.add(token)

                def mutate(current: pv.VimeoConnection) -> dict[str, Any] | None:
                    present = (current.description or "").split()
                    return (
                        None if token in present else {"description": " ".join([*present, token])}
                    )

                await pv.optimistic_update(conns, target.connection_id, mutate)
                target.unknown_tokens.discard(token)
                target.answered_tokens.add(token)
            else:
                assert target.connection_id is not None
                target.deleted = target.delete_unknown = True
                await conns.delete(target.connection_id)
                target.delete_unknown = False
        except pv.APIConnectionError:
            self.counts[f"{kind} failed: APIConnectionError"] += 1
        except pv.PictoryError as error:
            self.unexpected.append(f"{kind}: {type(error).__name__}: {error}")
        else:
            self.answered += 1
            self.counts[f"{kind} answered"] += 1
            if self.answered >= self._target:
                self._reached.set()
        finally:
            self.in_flight -= 1

    async def until(self, answered: int) -> None:
        """Wait until ``answered`` writes in all have been answered 2xx."""
        self._target, self._reached = answered, anyio.Event()
        if self.answered < answered:
            await self._reached.wait()

    async def writer(self, task: int) -> None:
        rng = random.Random(f"{SEED}-restart-{task}")
        mine: list[Written] = []
        while not self.stop:
            live = [w for w in mine if w.connection_id is not None and not w.deleted]
            roll = rng.random()
            if not live or roll < 0.3:
                number, self._names = self._names, self._names + 1
                target = Written(f"Restart {task} {number:04d}")
                self.written.append(target)
                mine.append(target)
                await self.write(task, "create", target)
            elif roll < 0.85:
                await self.write(task, "update", rng.choice(live))
            else:
                await self.write(task, "delete", rng.choice(live))


def compare(written: list[Written], stored: list[pv.VimeoConnection]) -> list[str]:
    """What the restarted server holds, against what the writers were told."""
    problems = []
    by_name = {c.name: c for c in stored}
    known = {w.name: w for w in written}
    problems += [f"{name!r} is stored but was never sent" for name in by_name.keys() - known.keys()]
    for w in written:
        connection = by_name.get(w.name)
        if w.deleted and not w.delete_unknown:
            if connection is not None:
                problems.append(f"{w.name!r} was deleted (answered 204) but is stored")
            continue
        if connection is None:
            if w.connection_id is not None and not w.deleted:
                problems.append(f"{w.name!r} was created (answered 201) but is missing")
            continue
        if w.connection_id is not None and connection.connection_id != w.connection_id:
            problems.append(f"{w.name!r} is stored under another ID")
        tokens = (connection.description or "").split()
        if len(tokens) != len(set(tokens)):
            problems.append(f"{w.name!r} holds a token twice")
        if not w.answered_tokens <= set(tokens):
            problems.append(f"{w.name!r} lost answered updates")
        if not set(tokens) <= w.answered_tokens | w.unknown_tokens:
            problems.append(f"{w.name!r} holds tokens never sent")
        if connection.version != 1 + len(tokens):
            problems.append(f"{w.name!r} is at version {connection.version} for {len(tokens)}")
    return problems


async def kill_and_restart_mid_run(
    tmp_path: Path,
    sdk_transport: Pool,
    retry_waits: list[float],
    *,
    writes: int,
    restarts: int = 1,
) -> str:
    """``writes`` answered writes before each of ``restarts`` kills and after the last."""
    server = EmulatorProcess(tmp_path / "db.sqlite", tmp_path / "emulator.log", page_size=10)
    await server.start()
    in_flight: list[int] = []
    downtimes: list[float] = []
    try:
        with pv.set_testing(False):
            async with pv.AsyncPictoryClient(
                KEY, server.base_url, transport=sdk_transport, max_retries=6, timeout=60
            ) as client:
                writers = Writers(client)
                async with anyio.create_task_group() as tasks:
                    for task in range(WRITERS):
                        tasks.start_soon(writers.writer, task)
                    for _ in range(restarts):
                        await writers.until(writers.answered + writes)
                        in_flight.append(writers.in_flight)
                        await server.kill()
                        downtimes.append(await server.start())
                    await writers.until(writers.answered + writes)
                    writers.stop = True
        async with pv.AsyncPictoryClient(KEY, server.base_url, transport=sdk_transport) as check:
            stored = [c async for c in check.vimeo_connections.list()]
    finally:
        await server.stop()
    problems = compare(writers.written, stored)
    counts = writers.counts
    failed = sum(n for kind, n in counts.items() if "failed" in kind)
    unknown_creates = [w for w in writers.written if w.connection_id is None]
    landed = sum(w.name in {c.name for c in stored} for w in unknown_creates)
    summary = (
        f"{writers.answered} writes answered across {restarts} kill(s), {sum(in_flight)} "
        f"in flight at the kills, {failed} failed with APIConnectionError "
        f"({ {k: v for k, v in counts.items() if 'failed' in k} }), of "
        f"{len(unknown_creates)} creates with an unknown outcome {landed} were applied | "
        f"restarts took {', '.join(f'{d:.2f}' for d in downtimes)} s | SDK: "
        f"{len(retry_waits)} retries | stored: "
        f"{len(stored)} connections | {len(writers.unexpected)} other errors, "
        f"{len(problems)} differences"
    )
    print(f"\nrestart: {summary}")
    assert writers.unexpected == []
    assert problems == []
    assert all(in_flight)
    return summary


async def test_everything_answered_survives_a_kill_9_mid_run(
    tmp_path: Path, sdk_transport: Pool, retry_waits: list[float]
) -> None:
    """8 writers; SIGKILL after 40 answered writes, restart, 40 more: all answered kept."""
    await kill_and_restart_mid_run(tmp_path, sdk_transport, retry_waits, writes=40)


@pytest.mark.soak
@pytest.mark.timeout(900)
async def test_everything_answered_survives_five_kills_mid_run(
    tmp_path: Path, sdk_transport: Pool, retry_waits: list[float]
) -> None:
    """8 writers; SIGKILL and restart after every 200 answered writes, five times."""
    await kill_and_restart_mid_run(tmp_path, sdk_transport, retry_waits, writes=200, restarts=5)
