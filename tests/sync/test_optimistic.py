"""``pv.optimistic_update`` with the sync client: sync and async mutate, racing threads."""

from __future__ import annotations

import threading

import anyio
import anyio.lowlevel
import pytest

import pictory_vimeo as pv
from pictory_vimeo.testing import PictoryEmulator
from tests.sync._support import create


def test_a_sync_mutate_is_applied_and_the_connection_returned(
    conns: pv.SyncVimeoConnections,
) -> None:
    """The sync form returns the updated connection itself, not a coroutine."""
    made = create(conns, "Opt", description="a")
    result: pv.VimeoConnection = pv.optimistic_update(
        conns, made.connection_id, lambda cur: {"description": (cur.description or "") + "b"}
    )
    assert isinstance(result, pv.VimeoConnection)
    assert (result.description, result.version) == ("ab", 2)
    assert conns.get(made.connection_id).description == "ab"


def test_an_async_mutate_runs_in_the_clients_loop(conns: pv.SyncVimeoConnections) -> None:
    """An async ``mutate`` is awaited in the portal's loop, where anyio calls work."""
    made = create(conns, "Opt")
    seen: list[int] = []

    async def mutate(current: pv.VimeoConnection) -> dict[str, object]:
        await anyio.lowlevel.checkpoint()
        seen.append(current.version)
        return {"enabled": not current.enabled}

    result = pv.optimistic_update(conns, made.connection_id, mutate)
    assert (result.enabled, result.version, seen) == (False, 2, [1])


def test_nothing_to_change_sends_no_update(
    conns: pv.SyncVimeoConnections, pictory_emulator: PictoryEmulator
) -> None:
    """A mutate returning None gives back the connection as read, and no PUT is sent."""
    made = create(conns, "Opt")
    result = pv.optimistic_update(conns, made.connection_id, lambda cur: None)
    assert result == conns.get(made.connection_id)
    assert result.version == 1
    assert [r.method for r in pictory_emulator.requests] == ["POST", "GET", "GET"]


def test_racing_threads_each_apply_their_change_once(
    conns: pv.SyncVimeoConnections, retry_waits: list[float]
) -> None:
    """Four threads that all read version 1 each land their letter exactly once."""
    made = create(conns, "Race", description="")
    letters = "wxyz"
    first_reads: list[str] = []
    everyone_read: list[anyio.Event] = []
    failures: list[BaseException] = []

    def writer(letter: str) -> None:
        async def mutate(current: pv.VimeoConnection) -> dict[str, str] | None:
            # Every mutate runs in the client's one loop, so an anyio.Event can hold the
            # writers until all have read the same version: a guaranteed race.
            if letter not in first_reads:
                if not everyone_read:
                    everyone_read.append(anyio.Event())
                first_reads.append(letter)
                if len(first_reads) == len(letters):
                    everyone_read[0].set()
                with anyio.fail_after(5):
                    await everyone_read[0].wait()
            text = current.description or ""
            return None if letter in text else {"description": text + letter}

        try:
            pv.optimistic_update(conns, made.connection_id, mutate, max_attempts=10)
        except BaseException as error:  # the main thread reports it
            failures.append(error)

    threads = [threading.Thread(target=writer, args=(letter,)) for letter in letters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    final = conns.get(made.connection_id)
    assert sorted(final.description or "") == list(letters)
    assert final.version == 1 + len(letters)
    assert len(retry_waits) >= len(letters) - 1  # the losers of the first round waited


def test_running_out_of_attempts_raises_optimistic_lock_error(
    conns: pv.SyncVimeoConnections, pictory_emulator: PictoryEmulator
) -> None:
    """A writer that always loses the race gets ``OptimisticLockError`` after max_attempts."""
    made = create(conns, "Lost")
    rival = pictory_emulator.sync_client().vimeo_connections

    def mutate(current: pv.VimeoConnection) -> dict[str, object]:
        # Another client moves the version between this writer's read and its write.
        rival.update(current.connection_id, version=current.version, enabled=not current.enabled)
        return {"description": "mine"}

    with pytest.raises(pv.OptimisticLockError) as caught:
        pv.optimistic_update(conns, made.connection_id, mutate, max_attempts=3)
    assert caught.value.attempts == 3
    assert isinstance(caught.value.__cause__, pv.VersionConflictError)
    assert conns.get(made.connection_id).description is None


def test_a_mutate_calling_its_own_client_gets_a_clear_error(
    conns: pv.SyncVimeoConnections, pictory_emulator: PictoryEmulator
) -> None:
    """A sync mutate runs in the client's loop: using that client there raises, not hangs."""
    made = create(conns, "Nested")
    client = pictory_emulator.sync_client()

    def mutate(current: pv.VimeoConnection) -> None:
        client.vimeo_connections.get(current.connection_id)

    def closes(current: pv.VimeoConnection) -> None:
        client.close()

    for bad in (mutate, closes):
        with pytest.raises(pv.ValidationError, match="from inside one of its own calls"):
            pv.optimistic_update(client.vimeo_connections, made.connection_id, bad)
    assert client.vimeo_connections.get(made.connection_id).version == 1  # still open


def test_bad_max_attempts_is_a_validation_error(conns: pv.SyncVimeoConnections) -> None:
    """``max_attempts`` below 1 raises ``ValidationError`` through the portal."""
    made = create(conns, "Opt")
    with pytest.raises(pv.ValidationError):
        pv.optimistic_update(conns, made.connection_id, lambda cur: None, max_attempts=0)
