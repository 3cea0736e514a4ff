"""``optimistic_update``: read, change, write; on a version conflict wait, re-read, try again.

The emulator, in process, holds the connection; another writer (``rival``) gets there first
by writing just before one of our PUTs arrives. ``timeline`` is what the SDK did, from its
log: each attempt's outcome and each wait it asked for (none is slept).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Final

import anyio.lowlevel
import httpx
import pytest

import pictory_vimeo as pv
from pictory_vimeo import emulator
from tests.retries._support import Rival, Wire, stored

pytestmark = pytest.mark.anyio

GOT: Final = "GET 200"
PUT: Final = "PUT 200"
CONFLICT: Final = "PUT 409"
WAIT: Final = "wait"


class Recorder:
    """A ``mutate`` that appends a suffix to the description and remembers what it saw."""

    def __init__(self, suffix: str = "+mine") -> None:
        self.suffix = suffix
        self.seen: list[pv.VimeoConnection] = []

    def __call__(self, current: pv.VimeoConnection) -> dict[str, Any] | None:
        """Add the suffix unless the description already ends with it."""
        self.seen.append(current)
        description = current.description or ""
        if description.endswith(self.suffix):
            return None
        return {"description": description + self.suffix}


def rival_beats(
    rival: Rival, cid: str, times: int, description: str | None = None
) -> Callable[[httpx.Request], Awaitable[None]]:
    """A writer that beats each of our first ``times`` PUTs, changing the description
    (to ``description``, or ``rival-<n>``).
    """
    wins: list[int] = []

    async def write(request: httpx.Request) -> None:
        if request.method == "PUT" and len(wins) < times:
            wins.append(1)
            await rival.write(cid, description=description or f"rival-{len(wins)}")

    return write


async def test_no_conflict_is_one_get_and_one_put(
    rival: Rival, conns: pv.AsyncVimeoConnections, timeline: list[str]
) -> None:
    """Without rivals the change is written once from the state read once."""
    cid = (await rival.create("Main", description="start"))["connectionId"]
    mutate = Recorder()
    result = await pv.optimistic_update(conns, cid, mutate)
    assert result.description == "start+mine"
    assert result.version == 2
    assert timeline == [GOT, PUT]
    assert [c.version for c in mutate.seen] == [1]


async def test_one_conflict_waits_then_rereads_then_writes(
    wire: Wire, rival: Rival, conns: pv.AsyncVimeoConnections, timeline: list[str]
) -> None:
    """After a version conflict the order is: wait, read the fresh state, mutate it, write."""
    cid = (await rival.create("Main", description="start"))["connectionId"]
    wire.before = rival_beats(rival, cid, times=1)
    mutate = Recorder()
    result = await pv.optimistic_update(conns, cid, mutate)
    assert timeline == [GOT, CONFLICT, WAIT, GOT, PUT]
    assert [(c.version, c.description) for c in mutate.seen] == [(1, "start"), (2, "rival-1")]
    assert result.description == "rival-1+mine"
    assert result.version == 3


@pytest.mark.parametrize("conflicts", [2, 5, 9])
async def test_many_conflicts_each_get_a_fresh_read(
    wire: Wire,
    rival: Rival,
    conns: pv.AsyncVimeoConnections,
    timeline: list[str],
    retry_waits: list[float],
    conflicts: int,
) -> None:
    """N conflicts cost N+1 GETs and PUTs and N waits, each jittered under a ceiling of
    0.02 s doubling up to 1 s; and mutate sees every rival's write.
    """
    cid = (await rival.create("Main", description="start"))["connectionId"]
    wire.before = rival_beats(rival, cid, times=conflicts)
    mutate = Recorder()
    result = await pv.optimistic_update(conns, cid, mutate, max_attempts=conflicts + 1)
    assert timeline == [GOT, *[CONFLICT, WAIT, GOT] * conflicts, PUT]
    assert [r.method for r in wire.sent].count("GET") == conflicts + 1
    assert [r.method for r in wire.sent].count("PUT") == conflicts + 1
    expected = ["start"] + [f"rival-{n}" for n in range(1, conflicts + 1)]
    assert [c.description for c in mutate.seen] == expected
    assert [c.version for c in mutate.seen] == list(range(1, conflicts + 2))
    assert result.description == f"rival-{conflicts}+mine"
    assert len(retry_waits) == conflicts
    for n, wait in enumerate(retry_waits, start=1):
        assert 0.0 <= wait <= min(1.0, 0.02 * 2 ** (n - 1))


async def test_async_mutate_is_awaited(
    wire: Wire, rival: Rival, conns: pv.AsyncVimeoConnections, timeline: list[str]
) -> None:
    """A coroutine function works as mutate, also across a conflict."""
    cid = (await rival.create("Main", description="start"))["connectionId"]
    wire.before = rival_beats(rival, cid, times=1)
    seen: list[int] = []

    async def mutate(current: pv.VimeoConnection) -> dict[str, Any]:
        await anyio.lowlevel.checkpoint()
        seen.append(current.version)
        return {"enabled": False, "description": f"{current.description}!"}

    result = await pv.optimistic_update(conns, cid, mutate)
    assert seen == [1, 2]
    assert (result.enabled, result.description) == (False, "rival-1!")
    assert timeline == [GOT, CONFLICT, WAIT, GOT, PUT]


@pytest.mark.parametrize("nothing", [None, {}], ids=["None", "empty"])
async def test_nothing_to_change_sends_no_put(
    rival: Rival,
    conns: pv.AsyncVimeoConnections,
    timeline: list[str],
    nothing: dict[str, Any] | None,
) -> None:
    """mutate returning None or {} ends the call with the state read, and no write."""
    cid = (await rival.create("Main", description="as is"))["connectionId"]
    result = await pv.optimistic_update(conns, cid, lambda current: nothing)
    assert result.description == "as is"
    assert result.version == 1
    assert timeline == [GOT]


async def test_a_rival_making_our_change_ends_the_loop_without_writing(
    wire: Wire, rival: Rival, conns: pv.AsyncVimeoConnections, timeline: list[str]
) -> None:
    """If the fresh state already has the change, mutate says so and nothing more is sent."""
    cid = (await rival.create("Main", description="start"))["connectionId"]
    wire.before = rival_beats(rival, cid, times=1, description="start+mine")
    result = await pv.optimistic_update(conns, cid, Recorder())
    assert result.description == "start+mine"
    assert result.version == 2
    assert timeline == [GOT, CONFLICT, WAIT, GOT]


async def test_codeless_conflict_with_a_moved_version_is_a_version_conflict(
    wire: Wire, rival: Rival, conns: pv.AsyncVimeoConnections, timeline: list[str]
) -> None:
    """A 409 without a code is read at once; a moved version makes it a retried conflict."""
    wire.codeless = True
    cid = (await rival.create("Main", description="start"))["connectionId"]
    wire.before = rival_beats(rival, cid, times=1)
    result = await pv.optimistic_update(conns, cid, Recorder())
    assert timeline == [GOT, CONFLICT, GOT, WAIT, GOT, PUT]
    assert result.description == "rival-1+mine"


async def test_codeless_conflict_with_an_unchanged_version_is_raised(
    emu: emulator.Emulator,
    wire: Wire,
    rival: Rival,
    conns: pv.AsyncVimeoConnections,
    timeline: list[str],
    api_key: str,
) -> None:
    """A codeless 409 while nobody wrote (a taken name) is raised as the ConflictError it is."""
    wire.codeless = True
    cid = (await rival.create("Main"))["connectionId"]
    await rival.create("Taken")
    with pytest.raises(pv.ConflictError) as caught:
        await pv.optimistic_update(conns, cid, lambda current: {"name": "Taken"})
    assert type(caught.value) is pv.ConflictError
    assert timeline == [GOT, CONFLICT, GOT]
    assert stored(emu, api_key)[cid]["name"] == "Main"


async def test_a_named_duplicate_is_raised_without_rereading(
    rival: Rival, conns: pv.AsyncVimeoConnections, timeline: list[str]
) -> None:
    """A 409 coded as a taken name needs no read to decide: it is raised at once."""
    cid = (await rival.create("Main"))["connectionId"]
    await rival.create("Taken")
    with pytest.raises(pv.DuplicateNameError):
        await pv.optimistic_update(conns, cid, lambda current: {"name": "Taken"})
    assert timeline == [GOT, CONFLICT]


@pytest.mark.parametrize("codeless", [False, True], ids=["coded", "codeless"])
async def test_running_out_of_attempts_raises_optimistic_lock_error(
    wire: Wire,
    rival: Rival,
    conns: pv.AsyncVimeoConnections,
    timeline: list[str],
    caplog: pytest.LogCaptureFixture,
    codeless: bool,
) -> None:
    """Three lost races with max_attempts=3: OptimisticLockError from the last version conflict."""
    caplog.set_level(logging.DEBUG, logger="pictory_vimeo")
    wire.codeless = codeless
    cid = (await rival.create("Main"))["connectionId"]
    wire.before = rival_beats(rival, cid, times=100)
    with pytest.raises(pv.OptimisticLockError) as caught:
        await pv.optimistic_update(conns, cid, Recorder(), max_attempts=3)
    assert caught.value.attempts == 3
    assert caught.value.connection_id == cid
    assert "after 3 attempts" in str(caught.value)
    assert isinstance(caught.value.__cause__, pv.VersionConflictError)
    assert [r.method for r in wire.sent].count("PUT") == 3
    assert timeline.count(WAIT) == 2  # no wait after the last attempt
    assert timeline[-1] in (CONFLICT, GOT)
    conflicts = [r.getMessage() for r in caplog.records if "optimistic" in r.getMessage()]
    prefix = f"optimistic update of {cid}: version conflict on attempt"
    assert [c.partition(";")[0] for c in conflicts] == [f"{prefix} {n} of 3" for n in (1, 2, 3)]
    assert conflicts[-1].endswith("; giving up")


async def test_a_lost_put_inside_optimistic_update_is_reconciled(
    emu: emulator.Emulator,
    rival: Rival,
    conns: pv.AsyncVimeoConnections,
    timeline: list[str],
    api_key: str,
    drop_kind: emulator.DropKind,
) -> None:
    """A dropped answer to an applied PUT: the retry's 409 is recognised as ours, done once."""
    cid = (await rival.create("Main", description="start"))["connectionId"]
    emu.fail_next(method="PUT", drop_after_commit=True, drop=drop_kind)
    lost_as = {
        "close": "the server closed the connection before answering",
        "cut": "the server closed the connection partway through its answer",
        "reset": "connection reset by the server",
    }[drop_kind]
    mutate = Recorder()
    result = await pv.optimistic_update(conns, cid, mutate)
    assert result.description == "start+mine"
    assert result.version == 2
    assert len(mutate.seen) == 1
    assert timeline == [GOT, f"PUT {lost_as}", WAIT, CONFLICT, GOT]
    assert stored(emu, api_key)[cid]["version"] == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "a/b"}, "name"),
        ({"description": "x" * 251}, "description"),
        ({"colour": "red"}, "colour"),
        ({"version": 7}, "version"),
        (["description"], "mutate"),
    ],
    ids=["bad-name", "long-description", "unknown-field", "version", "not-a-mapping"],
)
async def test_an_invalid_change_is_raised_before_any_write(
    rival: Rival,
    conns: pv.AsyncVimeoConnections,
    timeline: list[str],
    changes: object,
    field: str,
) -> None:
    """What mutate returns is validated: a broken rule raises ValidationError and sends no PUT."""
    cid = (await rival.create("Main"))["connectionId"]
    with pytest.raises(pv.ValidationError) as caught:
        await pv.optimistic_update(conns, cid, lambda current: changes)  # type: ignore[arg-type,return-value]
    assert [error.field for error in caught.value.errors] == [field]
    assert timeline == [GOT]


@pytest.mark.parametrize("max_attempts", [0, -1, True, 2.5])
async def test_max_attempts_must_be_a_positive_integer(
    wire: Wire, rival: Rival, conns: pv.AsyncVimeoConnections, max_attempts: Any
) -> None:
    """max_attempts below 1 (or not an integer) raises ValidationError before any request."""
    cid = (await rival.create("Main"))["connectionId"]
    with pytest.raises(pv.ValidationError, match="max_attempts"):
        await pv.optimistic_update(conns, cid, Recorder(), max_attempts=max_attempts)
    assert wire.sent == []
