"""Concurrent clients over loopback: listings during writes, and racing updates of one version."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio
import pytest

import pictory_vimeo as pv
from tests._support import MakeClient
from tests.integration._support import NewConnection

pytestmark = [
    pytest.mark.integration,
    pytest.mark.anyio,
    pytest.mark.parametrize("served", ["memory", "sqlite"], indirect=True),
]

SEEDED = 23
WRITERS = 20

#: What the losers of a race raise.
Lost = TypeVar("Lost", bound=pv.PictoryError)


class _Mutator:
    """Changes the account between the pages of a listing, and remembers what it did."""

    def __init__(self, conns: pv.AsyncVimeoConnections, seeded: list[str]) -> None:
        self.conns = conns
        self.seeded = seeded
        self.created: list[str] = []
        self.deleted: set[str] = set()
        self.deleted_unseen: set[str] = set()
        self.touched: set[str] = set()
        self.rounds = 0

    async def between_pages(self, seen: set[str], last_seen: str) -> None:
        """Create two, delete two not yet listed and the page's last item, update one."""
        self.rounds += 1
        unseen = [cid for cid in self.seeded if cid not in seen and cid not in self.deleted]
        doomed = {unseen[0], unseen[-1]} if unseen else set()
        spared = [cid for cid in unseen if cid not in doomed and cid not in self.touched]
        touched = spared[0] if spared else None
        self.touched |= {touched} if touched else set()
        self.deleted_unseen |= doomed
        self.deleted |= doomed | {last_seen}
        async with anyio.create_task_group() as tasks:
            for index in range(2):
                tasks.start_soon(self._create, f"Added {self.rounds}-{index}")
            for cid in (*doomed, last_seen):
                tasks.start_soon(self.conns.delete, cid)
            if touched is not None:
                tasks.start_soon(self._touch, touched)

    async def _create(self, name: str) -> None:
        created = await self.conns.create(
            name=name, client_identifier="c", client_secret="s", access_token="t"
        )
        self.created.append(created.connection_id)

    async def _touch(self, connection_id: str) -> None:
        await self.conns.update(connection_id, version=1, description="changed mid-listing")


async def _race(
    write: Callable[[int], Awaitable[pv.VimeoConnection]], lost: type[Lost]
) -> tuple[list[pv.VimeoConnection], list[Lost]]:
    """``write(index)`` by WRITERS writers at once: what the winners got, what the losers
    raised (``lost``; any other error fails the race).
    """
    wins: list[pv.VimeoConnection] = []
    losses: list[Lost] = []

    async def one(index: int) -> None:
        try:
            wins.append(await write(index))
        except lost as error:
            losses.append(error)

    async with anyio.create_task_group() as tasks:
        for index in range(WRITERS):
            tasks.start_soon(one, index)
    return wins, losses


async def test_listing_during_creates_and_deletes_yields_survivors_exactly_once(
    make_client: MakeClient, new_connection: NewConnection
) -> None:
    """While another client writes between pages, survivors appear once and nothing repeats."""
    walker = make_client().vimeo_connections
    seeded = [(await new_connection(f"Seed {index:02d}")).connection_id for index in range(SEEDED)]
    mutator = _Mutator(make_client().vimeo_connections, seeded)
    send, receive = anyio.create_memory_object_stream[tuple[set[str], str]]()
    done_send, done_receive = anyio.create_memory_object_stream[None]()
    listed: list[pv.VimeoConnection] = []

    async def mutate() -> None:
        async with receive, done_send:
            async for seen, last_seen in receive:
                await mutator.between_pages(seen, last_seen)
                await done_send.send(None)

    async def walk() -> None:
        async with send, done_receive:
            async for page in walker.list().pages():
                listed.extend(page.items)
                if page.items and page.next_page_key is not None:
                    seen = {c.connection_id for c in listed}
                    await send.send((seen, page.items[-1].connection_id))
                    await done_receive.receive()

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(mutate)
        tasks.start_soon(walk)

    ids = [c.connection_id for c in listed]
    assert mutator.rounds >= 3
    assert len(ids) == len(set(ids)), "a connection was listed twice"
    survivors = [cid for cid in mutator.seeded if cid not in mutator.deleted]
    assert survivors, "the walk must leave some seeded connections untouched"
    assert mutator.deleted_unseen, "the walk must delete connections before reaching them"
    assert all(ids.count(cid) == 1 for cid in survivors)
    assert not set(ids) & mutator.deleted_unseen, "a connection deleted before being reached"
    assert set(ids) <= set(mutator.seeded) | set(mutator.created)
    touched_listed = [c for c in listed if c.connection_id in mutator.touched]
    assert touched_listed, "some connection changed before being reached must be listed"
    assert all((c.description, c.version) == ("changed mid-listing", 2) for c in touched_listed), (
        "a listing showed a connection as it was before a completed update"
    )
    creation_order = {cid: index for index, cid in enumerate(mutator.seeded)}
    seeded_listed = [cid for cid in ids if cid in creation_order]
    assert seeded_listed == sorted(seeded_listed, key=creation_order.__getitem__)
    # The final state is consistent with the writes: survivors and every created one remain.
    final = [c.connection_id async for c in walker.list()]
    added = [cid for cid in mutator.created if cid not in mutator.deleted]
    assert final[: len(survivors)] == survivors
    assert sorted(final[len(survivors) :]) == sorted(added)


async def test_racing_updates_of_one_version_let_exactly_one_win(
    make_client: MakeClient, new_connection: NewConnection
) -> None:
    """20 concurrent updates from version 1: one succeeds, 19 VersionConflictError; v2."""
    conns = make_client(max_retries=0).vimeo_connections
    target = await new_connection("Contended")
    wins, conflicts = await _race(
        lambda index: conns.update(target.connection_id, version=1, description=f"writer {index}"),
        pv.VersionConflictError,
    )
    assert len(wins) == 1
    assert len(conflicts) == WRITERS - 1
    assert all(error.code == "VERSION_CONFLICT" for error in conflicts)
    final = await conns.get(target.connection_id)
    assert final.version == 2
    assert final == wins[0]
    assert final.description is not None
    assert final.description.startswith("writer ")


async def test_racing_creates_of_one_name_let_exactly_one_win(
    make_client: MakeClient,
) -> None:
    """20 concurrent creates of one name: one connection, 19 DuplicateNameError."""
    conns = make_client(max_retries=0).vimeo_connections
    wins, duplicates = await _race(
        lambda index: conns.create(
            name="Contested Name",
            client_identifier=f"writer-{index}",
            client_secret="s",
            access_token="t",
        ),
        pv.DuplicateNameError,
    )
    assert len(wins) == 1
    assert len(duplicates) == WRITERS - 1
    assert all(error.code == "DUPLICATE_NAME" for error in duplicates)
    listed = [c async for c in conns.list()]
    assert [(c.connection_id, c.client_identifier) for c in listed] == [
        (wins[0].connection_id, wins[0].client_identifier)
    ]
