"""The soak: mixed calls from many tasks through random 5xx, dropped answers, jittered
latency and a burst of 429s, then the emulator's stored state compared with what the client
believes.

Each task works on connections of its own (create, get, ``optimistic_update``, delete, and
a get of one it deleted, which must be a 404) and on a few shared "hot" connections that
every task appends tokens to. With enough retries every call can succeed, so any error is a
failure. Afterwards: no connection the client does not know of, none it deleted, none it
created missing; on each, every token it was told was applied exactly once and the version
counting exactly those writes.
"""

from __future__ import annotations

import collections
import math
import random
import time
from typing import Any, Final

import anyio
import attrs
import pytest

import pictory_vimeo as pv
from pictory_vimeo import emulator
from tests._support import MakeClient
from tests.faults._support import KEY, SEED

pytestmark = pytest.mark.anyio

#: Tokens one connection's description holds: 60 of three characters and a space each.
CAPACITY: Final = 60
#: Plenty: with a quarter of all attempts failing, 21 failures in a row never happen.
MAX_RETRIES: Final = 20
WEIGHTS: Final = {"create": 20, "get": 20, "list": 4, "update": 44, "delete": 12}
_DIGITS: Final = "0123456789abcdefghijklmnopqrstuvwxyz"


@attrs.frozen
class Size:
    """How big a soak is."""

    operations: int
    tasks: int
    #: 429s (with Retry-After) answered to the requests right after the halfway point.
    burst: int
    latency_ms: float
    jitter_ms: float

    @property
    def hot(self) -> int:
        """Shared connections: room for about a quarter of the operations' tokens."""
        return max(2, math.ceil(self.operations / 4 / CAPACITY) + 1)


#: The default run's size, run once for each way of losing an answer (so 450 operations in
#: all, where one run of 300 with answers only cut was the default before).
QUICK: Final = Size(operations=150, tasks=32, burst=16, latency_ms=5, jitter_ms=35)
FULL: Final = Size(operations=2000, tasks=64, burst=64, latency_ms=10, jitter_ms=70)


def tokens_of(connection: pv.VimeoConnection) -> list[str]:
    """The tokens a connection's description holds, in order."""
    return (connection.description or "").split()


@attrs.define(eq=False)
class Believed:
    """One connection the test created, as the client believes it to be."""

    connection_id: str
    name: str
    client_identifier: str
    client_secret: str
    access_token: str
    #: The task that owns it (the only one to write or delete it); ``None`` when shared.
    owner: int | None
    #: Tokens whose ``optimistic_update`` returned: each must be stored exactly once.
    applied: set[str] = attrs.Factory(set)
    #: Every token sent, applied or not (a token outside this set is someone else's).
    sent: set[str] = attrs.Factory(set)
    #: Tokens whose call failed: stored at most once, if at all.
    unsure: set[str] = attrs.Factory(set)
    deleted: bool = False
    delete_unsure: bool = False


class Soak:
    """The plan, the workers, and the model they keep."""

    def __init__(self, conns: pv.AsyncVimeoConnections, emu: emulator.Emulator, size: Size) -> None:
        self.conns = conns
        self.emu = emu
        self.size = size
        self.model: dict[str, Believed] = {}
        self.hot: list[Believed] = []
        self.own: dict[int, list[Believed]] = collections.defaultdict(list)
        self.gone: dict[int, list[Believed]] = collections.defaultdict(list)
        self.counts: collections.Counter[str] = collections.Counter()
        self.errors: list[str] = []
        self.violations: list[str] = []
        self.listed: set[str] = set()
        self._claimed = 0
        self._names = 0
        self._tokens = 0

    # -- the plan ---------------------------------------------------------------------------

    def claim(self) -> bool:
        """Take the next operation, if any are left; the halfway one starts the 429 burst."""
        if self._claimed >= self.size.operations:
            return False
        if self._claimed == self.size.operations // 2:
            self.emu.fail_next(429, times=self.size.burst, retry_after=1)
        self._claimed += 1
        return True

    def choose(self, rng: random.Random, task: int) -> str:
        kind = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
        if (kind == "delete" and not self.own[task]) or (
            kind == "update" and not any(self.with_room(task))
        ):
            return "create"
        return kind

    def with_room(self, task: int) -> tuple[list[Believed], list[Believed]]:
        """The task's own connections and the hot ones with room for another token."""
        own = [b for b in self.own[task] if len(b.sent) < CAPACITY]
        return own, [b for b in self.hot if len(b.sent) < CAPACITY]

    def new_token(self) -> str:
        number, self._tokens = self._tokens, self._tokens + 1
        return "".join(_DIGITS[number // 36**power % 36] for power in (2, 1, 0))

    async def worker(self, task: int) -> None:
        rng = random.Random(f"{SEED}-soak-{task}")
        while self.claim():
            kind = self.choose(rng, task)
            try:
                await getattr(self, f"op_{kind}")(rng, task)
            except pv.PictoryError as error:
                self.errors.append(f"{kind} (task {task}): {type(error).__name__}: {error}")
            self.counts[kind] += 1

    # -- the operations ---------------------------------------------------------------------

    async def make(self, owner: int | None) -> Believed:
        number, self._names = self._names, self._names + 1
        tag = "hot" if owner is None else f"{owner:02d}"
        wanted = Believed(
            "",
            name=f"Soak {tag} {number:04d}",
            client_identifier=f"cid-{tag}-{number}",
            client_secret=f"secret-{tag}-{number}",
            access_token=f"token-{tag}-{number}",
            owner=owner,
        )
        made = await self.conns.create(
            name=wanted.name,
            client_identifier=wanted.client_identifier,
            client_secret=wanted.client_secret,
            access_token=wanted.access_token,
        )
        if (made.name, made.client_identifier, made.version) != (
            wanted.name,
            wanted.client_identifier,
            1,
        ):
            self.violations.append(f"create {wanted.name!r} answered {made!r}")
        if made.connection_id in self.model:
            self.violations.append(f"create {wanted.name!r} answered a known ID")
        believed = attrs.evolve(wanted, connection_id=made.connection_id)
        self.model[made.connection_id] = believed
        return believed

    async def op_create(self, rng: random.Random, task: int) -> None:
        self.own[task].append(await self.make(task))

    async def op_get(self, rng: random.Random, task: int) -> None:
        if self.gone[task] and rng.random() < 0.2:
            gone = rng.choice(self.gone[task])
            try:
                await self.conns.get(gone.connection_id)
            except pv.NotFoundError:
                self.counts["get of a deleted one: 404"] += 1
            else:
                self.violations.append(f"{gone.name!r} came back after its delete")
            return
        target = rng.choice(self.own[task] + self.hot)
        before = set(target.applied)
        got = await self.conns.get(target.connection_id)
        self.check_read(target, got, before)

    def check_read(self, target: Believed, got: pv.VimeoConnection, before: set[str]) -> None:
        """A read shows every token applied before it, none twice, and none of others."""
        tokens = tokens_of(got)
        problems = []
        if len(tokens) != len(set(tokens)):
            problems.append("a token twice")
        if not before <= set(tokens):
            problems.append(f"lost {sorted(before - set(tokens))}")
        if not set(tokens) <= target.sent:
            problems.append(f"tokens never sent to it {sorted(set(tokens) - target.sent)}")
        if target.owner is not None and set(tokens) - target.applied - target.unsure:
            problems.append("a token its owner was not told of")
        if got.version != 1 + len(tokens):
            problems.append(f"version {got.version} after {len(tokens)} tokens")
        if (got.name, got.client_identifier) != (target.name, target.client_identifier):
            problems.append("other fields changed")
        if problems:
            self.violations.append(f"read of {target.name!r}: {', '.join(problems)}")

    async def op_list(self, rng: random.Random, task: int) -> None:
        expected = {b.connection_id for b in self.own[task] + self.hot}
        deleted = {b.connection_id for b in self.gone[task] if not b.delete_unsure}
        ids = [c.connection_id async for c in self.conns.list()]
        self.listed.update(ids)
        if len(ids) != len(set(ids)):
            self.violations.append("a listing showed a connection twice")
        if expected - set(ids):
            self.violations.append(f"a listing missed {len(expected - set(ids))} connections")
        if deleted & set(ids):
            self.violations.append(f"a listing showed {len(deleted & set(ids))} deleted ones")

    async def op_update(self, rng: random.Random, task: int) -> None:
        own, hot = self.with_room(task)
        target = rng.choice(own if own and (rng.random() < 0.5 or not hot) else hot)
        token = self.new_token()
        target.sent.add(token)

        def mutate(current: pv.VimeoConnection) -> dict[str, Any] | None:
            present = tokens_of(current)
            if token in present:
                return None
            return {"description": " ".join([*present, token])}

        before = set(target.applied)
        try:
            result = await pv.optimistic_update(
                self.conns, target.connection_id, mutate, max_attempts=200
            )
        except BaseException:
            target.unsure.add(token)
            raise
        target.applied.add(token)
        if token not in tokens_of(result):
            self.violations.append(f"update of {target.name!r} returned without its token")
        self.check_read(target, result, before)

    async def op_delete(self, rng: random.Random, task: int) -> None:
        target = self.own[task].pop(rng.randrange(len(self.own[task])))
        target.deleted = True
        self.gone[task].append(target)
        try:
            await self.conns.delete(target.connection_id)
        except BaseException:
            target.delete_unsure = True
            raise

    # -- afterwards -------------------------------------------------------------------------

    def compare_with_stored(self) -> list[str]:
        """What the emulator stores, against the model: every difference, described."""
        stored = {c["connectionId"]: c for c in self.emu.connections(KEY)}
        problems = []
        names = collections.Counter(str(c["name"]) for c in stored.values())
        problems += [f"{name!r} stored {n} times" for name, n in names.items() if n > 1]
        for cid, shown in stored.items():
            if cid not in self.model:
                problems.append(f"{shown['name']!r} is stored but the client never made it")
        for believed in self.model.values():
            record = stored.get(believed.connection_id)
            if believed.deleted:
                if record is not None and not believed.delete_unsure:
                    problems.append(f"{believed.name!r} was deleted but is still stored")
                continue
            if record is None:
                problems.append(f"{believed.name!r} was created but is not stored")
                continue
            problems += self.compare_one(believed, record)
        problems += [f"{cid} was listed but never made" for cid in self.listed - set(self.model)]
        return problems

    @staticmethod
    def compare_one(believed: Believed, record: dict[str, object]) -> list[str]:
        tokens = str(record.get("description") or "").split()
        counts = collections.Counter(tokens)
        problems = [f"{believed.name!r} holds {t!r} {n} times" for t, n in counts.items() if n > 1]
        lost = believed.applied - set(tokens)
        if lost:
            problems.append(f"{believed.name!r} lost the updates {sorted(lost)}")
        extra = set(tokens) - believed.applied - believed.unsure
        if extra:
            problems.append(f"{believed.name!r} holds tokens never confirmed {sorted(extra)}")
        expected = {
            "name": believed.name,
            "clientIdentifier": believed.client_identifier,
            "clientSecret": emulator.fingerprint(believed.client_secret),
            "accessToken": emulator.fingerprint(believed.access_token),
            "version": 1 + len(tokens),
        }
        shown = {field: record.get(field) for field in expected}
        if shown != expected:
            problems.append(f"{believed.name!r} is stored as {shown}, not {expected}")
        return problems


async def run_soak(
    size: Size,
    served: emulator.RunningEmulator,
    make_client: MakeClient,
    retry_waits: list[float],
    drop_kind: emulator.DropKind,
) -> str:
    """Run one soak of ``size``, dropped answers lost as ``drop_kind`` says; assert
    everything the model promises; return the counts.
    """
    emu = served.emulator
    client = make_client(max_retries=MAX_RETRIES, timeout=120)
    async with client:
        soak = Soak(client.vimeo_connections, emu, size)
        soak.hot = [await soak.make(None) for _ in range(size.hot)]
        emu.set_faults(
            latency_ms=size.latency_ms,
            latency_jitter_ms=size.jitter_ms,
            error_rate=0.2,
            drop_after_commit_rate=0.1,
            drop_after_commit_mode=drop_kind,
        )
        started = time.perf_counter()
        async with anyio.create_task_group() as tasks:
            for task in range(size.tasks):
                tasks.start_soon(soak.worker, task)
        elapsed = time.perf_counter() - started
        emu.set_faults(latency_ms=0, latency_jitter_ms=0, error_rate=0, drop_after_commit_rate=0)
    stats = emu.stats()
    problems = soak.compare_with_stored()
    stored = emu.connections(KEY)
    counts = soak.counts
    summary = (
        f"{size.operations} operations from {size.tasks} tasks in {elapsed:.1f} s: "
        f"{counts['create']} create, {counts['get']} get "
        f"({counts['get of a deleted one: 404']} of a deleted one, each a 404), "
        f"{counts['list']} full list, {counts['update']} optimistic_update, "
        f"{counts['delete']} delete | server: {stats['requests']} requests, "
        f"{stats['errors']} 5xx, {stats['dropped']} answers dropped after commit ({drop_kind}), "
        f"{stats['rateLimited']} 429 | SDK: {len(retry_waits)} retries | stored: "
        f"{len(stored)} connections, {sum(len(b.applied) for b in soak.model.values())} "
        f"tokens, {sum(b.deleted for b in soak.model.values())} deleted | "
        f"{len(soak.errors)} errors, {len(soak.violations)} inconsistent answers, "
        f"{len(problems)} differences in the stored state"
    )
    print(f"\nsoak: {summary}")
    assert soak.errors == []
    assert soak.violations == []
    assert problems == []
    assert sum(counts[kind] for kind in WEIGHTS) == size.operations
    # Every scripted 429 was answered, and each one's Retry-After was the wait asked for.
    assert stats["rateLimited"] == size.burst
    assert retry_waits.count(1.0) == size.burst
    assert stats["errors"] > 0
    assert stats["dropped"] > 0
    return summary


async def test_soak(
    served: emulator.RunningEmulator,
    make_client: MakeClient,
    retry_waits: list[float],
    drop_kind: emulator.DropKind,
) -> None:
    """150 mixed operations from 32 tasks through every fault, answers lost in one way:
    nothing lost or doubled.
    """
    await run_soak(QUICK, served, make_client, retry_waits, drop_kind)


@pytest.mark.soak
@pytest.mark.timeout(900)
async def test_soak_full_size(
    served: emulator.RunningEmulator,
    make_client: MakeClient,
    retry_waits: list[float],
    drop_kind: emulator.DropKind,
) -> None:
    """2,000 mixed operations from 64 tasks through every fault: nothing lost or doubled."""
    await run_soak(FULL, served, make_client, retry_waits, drop_kind)
