"""The stores: persistence, reset, compare-and-set under concurrency, secrets kept but hidden."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

import pictory_vimeo
from pictory_vimeo import emulator
from pictory_vimeo.emulator import _store
from pictory_vimeo.emulator._sqlite import SQLiteStore
from pictory_vimeo.emulator._store import (
    MemoryStore,
    NameTaken,
    NewConnection,
    NoSuchConnection,
    StaleVersion,
    Store,
)

PATH = "/pictoryapis/v1/vimeo-connections"
SECRET = "store-test-client-secret"
TOKEN = "store-test-access-token"
Body = Callable[..., dict[str, Any]]
Create = Callable[..., Awaitable[dict[str, Any]]]
Connect = Callable[..., httpx.AsyncClient]


def _new(name: str = "n") -> NewConnection:
    return NewConnection(
        name=name,
        description=None,
        enabled=True,
        client_identifier="c",
        client_secret=SECRET,
        access_token=TOKEN,
    )


@pytest.fixture
def store(store_kind: str, tmp_path: Path) -> Iterator[Store]:
    """A bare store of the parametrised kind."""
    made: Store = MemoryStore() if store_kind == "memory" else SQLiteStore(tmp_path / "s.db")
    yield made
    made.close()


@pytest.mark.anyio
async def test_sqlite_data_survives_a_new_emulator(
    tmp_path: Path, connect: Connect, body: Body
) -> None:
    """Everything answered 2xx is there for the next Emulator on the same file."""
    db = tmp_path / "data.sqlite3"
    first = emulator.Emulator(db=db)
    try:
        async with connect(first) as http:
            kept = (await http.post(PATH, json=body(name="Kept"))).json()
            gone = (await http.post(PATH, json=body(name="Gone"))).json()
            item = f"{PATH}/{kept['connectionId']}"
            updated = (await http.put(item, json={"version": 1, "enabled": False})).json()
            await http.delete(f"{PATH}/{gone['connectionId']}")
    finally:
        first.close()
    second = emulator.Emulator(db=str(db))
    try:
        async with connect(second) as http:
            assert (await http.get(item)).json() == updated
            listing = (await http.get(PATH)).json()
            assert [c["name"] for c in listing["Items"]] == ["Kept"]
            again = await http.post(PATH, json=body(name="Kept"))
            assert again.json()["code"] == "DUPLICATE_NAME"
            assert (await http.put(item, json={"version": 1, "enabled": True})).status_code == 409
    finally:
        second.close()


@pytest.mark.anyio
async def test_reset_forgets_every_account_and_the_counters(
    emu: emulator.Emulator,
    emu_http: httpx.AsyncClient,
    other_emu_http: httpx.AsyncClient,
    create: Create,
) -> None:
    """reset() empties every account and zeroes stats; names can be reused."""
    await create(name="Mine")
    await create(other_emu_http, name="Theirs")
    emu.reset()
    assert emu.stats() == {"requests": 0, "errors": 0, "rateLimited": 0, "dropped": 0}
    assert (await emu_http.get(PATH)).json() == {"Items": []}
    assert (await other_emu_http.get(PATH)).json() == {"Items": []}
    await create(name="Mine")


def test_positions_keep_growing_after_deletes_and_resets(store: Store) -> None:
    """Sequence numbers are never reused, so an old page key can never point at a new item."""
    first = store.create("acct", _new("a"))
    store.delete("acct", first.connection_id)
    second = store.create("acct", _new("a"))
    store.reset()
    third = store.create("acct", _new("a"))
    assert first.seq < second.seq < third.seq


def test_store_semantics(store: Store) -> None:
    """The store's own contract: not found, conflicts, renames and per-account names."""
    record = store.create("a", _new("x"))
    assert store.get("b", record.connection_id) is None
    with pytest.raises(NoSuchConnection):
        store.update("b", record.connection_id, 1, {"enabled": False})
    with pytest.raises(NameTaken):
        store.create("a", _new("x"))
    store.create("b", _new("x"))
    other = store.create("a", _new("y"))
    with pytest.raises(NameTaken):
        store.update("a", other.connection_id, 1, {"name": "x"})
    with pytest.raises(StaleVersion):
        store.update("a", record.connection_id, 2, {"enabled": False})
    with pytest.raises(ValueError, match="not updatable"):
        store.update("a", record.connection_id, 1, {"version": "9"})
    moved = store.update("a", record.connection_id, 1, {"name": "z", "description": "d"})
    assert (moved.name, moved.description, moved.version) == ("z", "d", 2)
    store.create("a", _new("x"))  # the old name is free again
    assert store.delete("a", record.connection_id) is True
    assert store.delete("a", record.connection_id) is False
    assert store.page("a", 0, 10)[1] is False


def test_store_errors_cannot_be_confused_with_the_sdks() -> None:
    """No store exception shares a name with a public name of ``pictory_vimeo``."""
    raised = {
        name
        for name, value in vars(_store).items()
        if isinstance(value, type) and issubclass(value, Exception)
    }
    assert raised >= {"StoreError", "NameTaken", "NoSuchConnection", "StaleVersion"}
    assert raised.isdisjoint(pictory_vimeo.__all__)


def test_secrets_are_stored_but_never_in_a_repr(store: Store) -> None:
    """Client secret and access token are kept for later use, and hidden from reprs."""
    record = store.create("a", _new())
    rotated = store.update("a", record.connection_id, 1, {"access_token": "rotated-token"})
    fetched = store.get("a", record.connection_id)
    assert fetched is not None
    assert (fetched.client_secret, fetched.access_token) == (SECRET, "rotated-token")
    for shown in (repr(record), repr(rotated), repr(fetched), repr(_new())):
        assert SECRET not in shown
        assert TOKEN not in shown
        assert "rotated-token" not in shown


def test_same_version_updates_from_threads_exactly_one_wins(store: Store) -> None:
    """Eight threads update version 1 at once: one succeeds, seven conflict, version is 2."""
    record = store.create("a", _new())
    barrier = threading.Barrier(8)

    def writer(index: int) -> str:
        barrier.wait()
        try:
            store.update("a", record.connection_id, 1, {"description": f"w{index}"})
        except StaleVersion:
            return "conflict"
        return "won"

    # Eight workers for eight writers: all wait at the barrier, so none is reused.
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(writer, range(8)))
    assert sorted(outcomes) == ["conflict"] * 7 + ["won"]
    final = store.get("a", record.connection_id)
    assert final is not None
    assert final.version == 2


@pytest.mark.anyio
async def test_same_version_updates_over_http_exactly_one_wins(
    emu_http: httpx.AsyncClient, item: str
) -> None:
    """Concurrent PUTs with the same version: one 200, the rest 409 VERSION_CONFLICT."""
    statuses: list[int] = []

    async def put(index: int) -> None:
        response = await emu_http.put(item, json={"version": 1, "description": f"w{index}"})
        statuses.append(response.status_code)

    async with anyio.create_task_group() as group:
        for index in range(10):
            group.start_soon(put, index)
    assert sorted(statuses) == [200] + [409] * 9
    assert (await emu_http.get(item)).json()["version"] == 2


def test_sqlite_uses_wal(tmp_path: Path) -> None:
    """The SQLite file is in WAL mode, so readers never wait for a writer."""
    store = SQLiteStore(tmp_path / "wal.db")
    try:
        store.create("a", _new())
    finally:
        store.close()
    with contextlib.closing(sqlite3.connect(tmp_path / "wal.db")) as check:
        assert check.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
