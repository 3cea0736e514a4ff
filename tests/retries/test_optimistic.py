"""``optimistic_update``: read, change, write; on a version conflict wait, re-read, try again."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import anyio.lowlevel
import httpx
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


GOT, PUT, CONFLICT, SLEEP = "GET 200", "PUT 200", "PUT 409", "sleep"


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


def rival(api: FakeApi, cid: str, times: int) -> Callable[[], None]:
    """A writer that beats each of our first ``times`` PUTs, changing the description."""
    wins: list[int] = []

    def write() -> None:
        if len(wins) < times:
            wins.append(1)
            api.write(cid, description=f"rival-{len(wins)}")

    return write


@pytest.mark.anyio
async def test_no_conflict_is_one_get_and_one_put(
    api: FakeApi, conns: pv.AsyncVimeoConnections, clock: FakeClock
) -> None:
    """Without rivals the change is written once from the state read once."""
    cid = api.add("Main", description="start")
    mutate = Recorder()
    result = await pv.optimistic_update(conns, cid, mutate)
    assert result.description == "start+mine"
    assert result.version == 2
    assert clock.events == [GOT, PUT]
    assert [c.version for c in mutate.seen] == [1]


@pytest.mark.anyio
async def test_one_conflict_waits_then_rereads_then_writes(
    api: FakeApi, conns: pv.AsyncVimeoConnections, clock: FakeClock
) -> None:
    """After a version conflict the order is: wait, read the fresh state, mutate it, write."""
    cid = api.add("Main", description="start")
    api.before_put = rival(api, cid, times=1)
    mutate = Recorder()
    result = await pv.optimistic_update(conns, cid, mutate)
    assert clock.events == [GOT, CONFLICT, SLEEP, GOT, PUT]
    assert [(c.version, c.description) for c in mutate.seen] == [(1, "start"), (2, "rival-1")]
    assert result.description == "rival-1+mine"
    assert result.version == 3


@pytest.mark.anyio
@pytest.mark.parametrize("conflicts", [2, 5, 9])
async def test_many_conflicts_each_get_a_fresh_read(
    api: FakeApi, conns: pv.AsyncVimeoConnections, clock: FakeClock, conflicts: int
) -> None:
    """N conflicts cost N+1 GETs and PUTs, N waits, and mutate sees every rival's write."""
    cid = api.add("Main", description="start")
    api.before_put = rival(api, cid, times=conflicts)
    mutate = Recorder()
    result = await pv.optimistic_update(conns, cid, mutate, max_attempts=conflicts + 1)
    assert api.count("GET") == conflicts + 1
    assert api.count("PUT") == conflicts + 1
    assert clock.events == [GOT, *[CONFLICT, SLEEP, GOT] * conflicts, PUT]
    expected = ["start"] + [f"rival-{n}" for n in range(1, conflicts + 1)]
    assert [c.description for c in mutate.seen] == expected
    assert [c.version for c in mutate.seen] == list(range(1, conflicts + 2))
    assert result.description == f"rival-{conflicts}+mine"
    for n, wait in enumerate(clock.sleeps, start=1):
        assert 0.0 <= wait <= min(1.0, 0.02 * 2 ** (n - 1))


@pytest.mark.anyio
async def test_backoff_doubles_up_to_one_second(
    api: FakeApi, conns: pv.AsyncVimeoConnections, clock: FakeClock, max_jitter: None
) -> None:
    """At the top of the jitter the waits are 0.02 s doubling, capped at 1 s."""
    cid = api.add("Main")
    api.before_put = rival(api, cid, times=8)
    await pv.optimistic_update(conns, cid, Recorder())
    assert clock.sleeps == [0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.0, 1.0]


@pytest.mark.anyio
async def test_async_mutate_is_awaited(
    api: FakeApi, conns: pv.AsyncVimeoConnections, clock: FakeClock
) -> None:
    """A coroutine function works as mutate, also across a conflict."""
    cid = api.add("Main", description="start")
    api.before_put = rival(api, cid, times=1)
    seen: list[int] = []

    async def mutate(current: pv.VimeoConnection) -> dict[str, Any]:
        await anyio.lowlevel.checkpoint()
        seen.append(current.version)
        return {"enabled": False, "description": f"{current.description}!"}

    result = await pv.optimistic_update(conns, cid, mutate)
    assert seen == [1, 2]
    assert (result.enabled, result.description) == (False, "rival-1!")
    assert clock.events == [GOT, CONFLICT, SLEEP, GOT, PUT]


@pytest.mark.anyio
@pytest.mark.parametrize("nothing", [None, {}], ids=["None", "empty"])
async def test_nothing_to_change_sends_no_put(
    api: FakeApi,
    conns: pv.AsyncVimeoConnections,
    clock: FakeClock,
    nothing: dict[str, Any] | None,
) -> None:
    """mutate returning None or {} ends the call with the state read, and no write."""
    cid = api.add("Main", description="as is")
    result = await pv.optimistic_update(conns, cid, lambda current: nothing)
    assert result.description == "as is"
    assert result.version == 1
    assert clock.events == [GOT]


@pytest.mark.anyio
async def test_a_rival_making_our_change_ends_the_loop_without_writing(
    api: FakeApi, conns: pv.AsyncVimeoConnections, clock: FakeClock
) -> None:
    """If the fresh state already has the change, mutate says so and nothing more is sent."""
    cid = api.add("Main", description="start")
    api.before_put = lambda: api.write(cid, description="start+mine")
    result = await pv.optimistic_update(conns, cid, Recorder())
    assert result.description == "start+mine"
    assert result.version == 2
    assert clock.events == [GOT, CONFLICT, SLEEP, GOT]


@pytest.mark.anyio
async def test_codeless_conflict_with_a_moved_version_is_a_version_conflict(
    api: FakeApi, conns: pv.AsyncVimeoConnections, clock: FakeClock
) -> None:
    """A 409 without a code is read at once; a moved version makes it a retried conflict."""
    api.codeless = True
    cid = api.add("Main", description="start")
    api.before_put = rival(api, cid, times=1)
    result = await pv.optimistic_update(conns, cid, Recorder())
    assert clock.events == [GOT, CONFLICT, GOT, SLEEP, GOT, PUT]
    assert result.description == "rival-1+mine"


@pytest.mark.anyio
async def test_codeless_conflict_with_an_unchanged_version_is_raised(
    api: FakeApi, conns: pv.AsyncVimeoConnections, clock: FakeClock
) -> None:
    """A codeless 409 while nobody wrote (a taken name) is raised as the ConflictError it is."""
    api.codeless = True
    cid = api.add("Main")
    api.add("Taken")
    with pytest.raises(pv.ConflictError) as caught:
        await pv.optimistic_update(conns, cid, lambda current: {"name": "Taken"})
    assert type(caught.value) is pv.ConflictError
    assert clock.events == [GOT, CONFLICT, GOT]
    assert api.store[cid]["name"] == "Main"


@pytest.mark.anyio
async def test_a_named_duplicate_is_raised_without_rereading(
    api: FakeApi, conns: pv.AsyncVimeoConnections, clock: FakeClock
) -> None:
    """A 409 coded as a taken name needs no read to decide: it is raised at once."""
    cid = api.add("Main")
    api.add("Taken")
    with pytest.raises(pv.DuplicateNameError):
        await pv.optimistic_update(conns, cid, lambda current: {"name": "Taken"})
    assert clock.events == [GOT, CONFLICT]


@pytest.mark.anyio
@pytest.mark.parametrize("codeless", [False, True], ids=["coded", "codeless"])
async def test_running_out_of_attempts_raises_optimistic_lock_error(
    api: FakeApi,
    conns: pv.AsyncVimeoConnections,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    codeless: bool,
) -> None:
    """Three lost races with max_attempts=3: OptimisticLockError from the last version conflict."""
    caplog.set_level(logging.DEBUG, logger="pictory_vimeo")
    api.codeless = codeless
    cid = api.add("Main")
    api.before_put = rival(api, cid, times=100)
    with pytest.raises(pv.OptimisticLockError) as caught:
        await pv.optimistic_update(conns, cid, Recorder(), max_attempts=3)
    assert caught.value.attempts == 3
    assert caught.value.connection_id == cid
    assert "after 3 attempts" in str(caught.value)
    assert isinstance(caught.value.__cause__, pv.VersionConflictError)
    assert api.count("PUT") == 3
    assert len(clock.sleeps) == 2  # no wait after the last attempt
    assert clock.events[-1] in (CONFLICT, GOT)
    conflicts = [r.getMessage() for r in caplog.records if "optimistic" in r.getMessage()]
    prefix = f"optimistic update of {cid}: version conflict on attempt"
    assert [c.partition(";")[0] for c in conflicts] == [f"{prefix} {n} of 3" for n in (1, 2, 3)]
    assert conflicts[-1].endswith("; giving up")


@pytest.mark.anyio
async def test_a_lost_put_inside_optimistic_update_is_reconciled(
    api: FakeApi, conns: pv.AsyncVimeoConnections, clock: FakeClock
) -> None:
    """A dropped answer to an applied PUT: the retry's 409 is recognised as ours, done once."""
    cid = api.add("Main", description="start")
    api.fail_next("PUT", httpx.RemoteProtocolError, applied=True)
    mutate = Recorder()
    result = await pv.optimistic_update(conns, cid, mutate)
    assert result.description == "start+mine"
    assert result.version == 2
    assert len(mutate.seen) == 1
    assert clock.events == [GOT, "PUT lost", SLEEP, CONFLICT, GOT]


@pytest.mark.anyio
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
    api: FakeApi,
    conns: pv.AsyncVimeoConnections,
    clock: FakeClock,
    changes: object,
    field: str,
) -> None:
    """What mutate returns is validated: a broken rule raises ValidationError and sends no PUT."""
    cid = api.add("Main")
    with pytest.raises(pv.ValidationError) as caught:
        await pv.optimistic_update(conns, cid, lambda current: changes)  # type: ignore[arg-type,return-value]
    assert [error.field for error in caught.value.errors] == [field]
    assert clock.events == [GOT]


@pytest.mark.anyio
@pytest.mark.parametrize("max_attempts", [0, -1, True, 2.5])
async def test_max_attempts_must_be_a_positive_integer(
    api: FakeApi, conns: pv.AsyncVimeoConnections, max_attempts: Any
) -> None:
    """max_attempts below 1 (or not an integer) raises ValidationError before any request."""
    cid = api.add("Main")
    with pytest.raises(pv.ValidationError, match="max_attempts"):
        await pv.optimistic_update(conns, cid, Recorder(), max_attempts=max_attempts)
    assert api.requests == []
