"""Listing under churn: while 8 tasks create and delete, each full ``async for`` over the
listing shows every connection that existed from its start to its end exactly once, none
twice, and none whose delete had finished before it began.

A logical clock orders what the test saw: a connection exists from the moment its create
returned until the moment its delete was sent. Listings run back to back, reading ahead a
page (the client is used as ``async with``), through random 5xx and dropped answers.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Final

import anyio
import attrs
import pytest

import pictory_vimeo as pv
from pictory_vimeo import emulator
from tests._support import MakeClient
from tests.faults._support import PAGE_SIZE, SEED

pytestmark = pytest.mark.anyio

CHURNERS: Final = 8
SEEDED: Final = 40
#: Full listings made while the churn goes on: the churn lasts until there are this many.
MIN_LISTINGS: Final = 3


@attrs.define
class Life:
    """When (on the test's logical clock) a connection began and stopped existing."""

    created: int
    delete_sent: int | None = None
    deleted: int | None = None


@attrs.frozen
class Listing:
    started: int
    ended: int
    ids: list[str]


class Churn:
    def __init__(self, conns: pv.AsyncVimeoConnections) -> None:
        self.conns = conns
        self.clock = 0
        self.lives: dict[str, Life] = {}
        self.owned: dict[int, list[str]] = {task: [] for task in range(CHURNERS)}
        self.operations = 0
        self._names = 0

    def tick(self) -> int:
        self.clock += 1
        return self.clock

    async def create(self, task: int) -> None:
        number, self._names = self._names, self._names + 1
        made = await self.conns.create(
            name=f"Churn {number:05d}", client_identifier="c", client_secret="s", access_token="t"
        )
        self.lives[made.connection_id] = Life(created=self.tick())
        self.owned[task].append(made.connection_id)

    async def delete(self, task: int, rng: random.Random) -> None:
        doomed = self.owned[task].pop(rng.randrange(len(self.owned[task])))
        life = self.lives[doomed]
        life.delete_sent = self.tick()
        await self.conns.delete(doomed)
        life.deleted = self.tick()

    async def churner(self, task: int, operations: int, more: Callable[[], bool]) -> None:
        """``operations`` creates and deletes, then more for as long as ``more()`` says."""
        rng = random.Random(f"{SEED}-churn-{task}")
        done = 0
        while done < operations or more():
            done += 1
            if self.owned[task] and rng.random() < 0.5:
                await self.delete(task, rng)
            else:
                await self.create(task)
            self.operations += 1

    def problems(self, listing: Listing) -> list[str]:
        """Everything wrong with one listing, judged by the clock."""
        seen = set(listing.ids)
        found = []
        if len(seen) != len(listing.ids):
            found.append(f"{len(listing.ids) - len(seen)} connections listed twice")
        for cid, life in self.lives.items():
            whole = life.created < listing.started and (
                life.delete_sent is None or life.delete_sent > listing.ended
            )
            if whole and cid not in seen:
                found.append(f"{cid} existed throughout but was not listed")
            if life.deleted is not None and life.deleted < listing.started and cid in seen:
                found.append(f"{cid} was listed after its delete had finished")
        found += [f"{cid} was listed but never created" for cid in seen - set(self.lives)]
        return found


async def churn_and_list(
    served: emulator.RunningEmulator, make_client: MakeClient, operations: int
) -> str:
    """``operations`` creates and deletes from each churner while listings run; assert."""
    writer = make_client(max_retries=20, timeout=120)
    churn = Churn(writer.vimeo_connections)
    for index in range(SEEDED):
        await churn.create(index % CHURNERS)
    served.emulator.set_faults(error_rate=0.1, drop_after_commit_rate=0.05, latency_jitter_ms=3)
    listings: list[Listing] = []
    churning = True

    async def lister(conns: pv.AsyncVimeoConnections) -> None:
        while churning:
            started = churn.tick()
            ids = [c.connection_id async for c in conns.list()]
            listings.append(Listing(started, churn.tick(), ids))

    started = time.perf_counter()
    async with make_client(max_retries=20, timeout=120) as reader:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(lister, reader.vimeo_connections)
            async with anyio.create_task_group() as churners:
                for task in range(CHURNERS):
                    # However the machine's load shares the time between the lister and
                    # the churners, the churn lasts at least MIN_LISTINGS listings.
                    churners.start_soon(
                        churn.churner, task, operations, lambda: len(listings) < MIN_LISTINGS
                    )
            churning = False
        # And once more, with the churn over: exactly what is stored.
        final = [c.connection_id async for c in reader.vimeo_connections.list()]
    elapsed = time.perf_counter() - started
    served.emulator.set_faults(error_rate=0, drop_after_commit_rate=0, latency_jitter_ms=0)

    problems = [p for listing in listings for p in churn.problems(listing)]
    alive = {cid for cid, life in churn.lives.items() if life.delete_sent is None}
    stats = served.emulator.stats()
    in_flight = sum(
        1
        for listing in listings
        for life in churn.lives.values()
        if (listing.started < life.created < listing.ended)
        or (life.delete_sent is not None and listing.started < life.delete_sent < listing.ended)
    )
    listed = sum(len(listing.ids) for listing in listings)
    summary = (
        f"{len(listings)} full listings ({listed} items, pages of {PAGE_SIZE}) during "
        f"{churn.operations} creates and deletes from {CHURNERS} tasks in {elapsed:.1f} s; "
        f"{in_flight} times a connection was created or deleted mid-listing | server: "
        f"{stats['requests']} requests, {stats['errors']} 5xx, {stats['dropped']} dropped | "
        f"{len(problems)} problems"
    )
    print(f"\nlisting under churn: {summary}")
    assert problems == []
    assert sorted(final) == sorted(alive)
    assert len(listings) >= MIN_LISTINGS
    assert in_flight > 0
    return summary


async def test_a_listing_sees_what_lived_throughout_exactly_once(
    served: emulator.RunningEmulator, make_client: MakeClient
) -> None:
    """320 creates and deletes from 8 tasks while listings run back to back."""
    await churn_and_list(served, make_client, operations=40)


@pytest.mark.soak
@pytest.mark.timeout(900)
async def test_a_listing_sees_what_lived_throughout_exactly_once_at_length(
    served: emulator.RunningEmulator, make_client: MakeClient
) -> None:
    """4,000 creates and deletes from 8 tasks while listings run back to back."""
    await churn_and_list(served, make_client, operations=500)
