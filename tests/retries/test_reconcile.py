"""Lost answers: a retried write that meets its own earlier success is not an error, and
one that meets someone else's write is not claimed as its own.

The emulator, in process, holds the state. An answer is lost after the write was applied
either by the emulator itself (``drop_after_commit``, in each of its ways: closed before the
first byte, cut mid-way, reset) or on the :class:`Wire`, which can
raise any httpx exception or stand in for a proxy's 502/504; the Wire also strips the
code from 409s (``codeless``), as an API that does not name its conflicts would send them.
Another writer (``rival``) takes its turn just before one of our requests arrives.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final

import httpx
import pytest

import pictory_vimeo as pv
from pictory_vimeo import emulator
from pictory_vimeo.emulator import fingerprint
from tests._support import PATH
from tests.retries._support import Effect, Scene, Wire

pytestmark = pytest.mark.anyio

SECRETS: Final[dict[str, Any]] = {
    "client_secret": "SECRET-client-secret",
    "access_token": "TOKEN-access-token",
}
#: Ways an applied request's answer gets lost: the emulator drops it (each kind), the
#: connection dies (as httpx reports it), or a proxy answers 502/504 in its place.
LOST: Final[list[Effect | emulator.DropKind]] = [
    *emulator.DROP_KINDS,
    httpx.RemoteProtocolError,
    httpx.ReadError,
    httpx.ReadTimeout,
    502,
    504,
]
LOST_IDS: Final = [
    *(f"dropped-{kind}" for kind in emulator.DROP_KINDS),
    "RemoteProtocolError",
    "ReadError",
    "ReadTimeout",
    "502",
    "504",
]


def lose_answer(scene: Scene, method: str, lost: Effect | emulator.DropKind) -> None:
    """Apply the next ``method`` request, then lose its answer as ``lost`` says."""
    if isinstance(lost, str):
        scene.emu.fail_next(method=method, drop_after_commit=True, drop=lost)
    else:
        scene.wire.lose_next(method, lost, applied=True)


def count(wire: Wire, method: str, *, item: bool | None = None) -> int:
    """How many ``method`` requests the SDK sent; ``item`` picks item or collection paths."""
    return sum(
        1
        for r in wire.sent
        if r.method == method and (item is None or item == r.url.path.startswith(PATH + "/"))
    )


def before_our_retry(scene: Scene, method: str, turn: Callable[[], Awaitable[object]]) -> None:
    """Give another writer its ``turn`` just before our second ``method`` request arrives."""

    async def turn_before_the_retry(request: httpx.Request) -> None:
        if request.method == method and count(scene.wire, method) == 2:
            await turn()

    scene.wire.before = turn_before_the_retry


@pytest.fixture(params=[False, True], ids=["coded", "codeless"])
def codeless(request: pytest.FixtureRequest, wire: Wire) -> bool:
    """Whether the 409s of this run name their conflict (the API's) or not."""
    wire.codeless = bool(request.param)
    return wire.codeless


@pytest.mark.parametrize("lost", LOST, ids=LOST_IDS)
async def test_create_whose_answer_was_lost_returns_the_connection_it_made(
    scene: Scene, codeless: bool, lost: Effect | emulator.DropKind
) -> None:
    """The retry's 409 is our own create: the SDK lists, finds it and returns it, once."""
    await scene.rival.create("Other")
    lose_answer(scene, "POST", lost)
    made = await scene.conns.create(
        name="Marketing", client_identifier="cid", description="Team", **SECRETS
    )
    connections = list(scene.stored().values())
    assert [c["name"] for c in connections] == ["Other", "Marketing"]
    assert made.connection_id == connections[1]["connectionId"]
    assert connections[1]["clientSecret"] == fingerprint(SECRETS["client_secret"])
    assert (made.client_identifier, made.description, made.enabled) == ("cid", "Team", True)
    assert count(scene.wire, "POST") == 2
    assert count(scene.wire, "GET", item=False) == 1


@pytest.mark.parametrize("page_size", [2])
async def test_create_reconciliation_follows_the_listing_to_page_two(
    scene: Scene, drop_kind: emulator.DropKind
) -> None:
    """The connection made by the lost attempt is found on the listing's second page."""
    await scene.rival.create("First")
    await scene.rival.create("Second")
    scene.emu.fail_next(method="POST", drop_after_commit=True, drop=drop_kind)
    made = await scene.conns.create(name="Third", client_identifier="cid", enabled=False, **SECRETS)
    ids = list(scene.stored())
    assert made.connection_id == ids[2]
    assert made.enabled is False
    assert len(ids) == 3
    lists = [r.url for r in scene.wire.sent if r.method == "GET"]
    assert [url.path for url in lists] == [PATH, PATH]
    assert "nextPageKey" not in lists[0].params
    assert lists[1].params["nextPageKey"]


@pytest.mark.parametrize(
    "existing",
    [{"clientIdentifier": "someone-else"}, {"description": "Another team"}, {"enabled": False}],
    ids=["client_identifier", "description", "enabled"],
)
async def test_create_meeting_someone_elses_connection_is_a_duplicate(
    scene: Scene, codeless: bool, existing: dict[str, Any]
) -> None:
    """After an unclear attempt, a same-name connection that differs in any field is not ours."""
    fields: dict[str, Any] = {"clientIdentifier": "cid", "description": "Team", "enabled": True}
    taken = await scene.rival.create("Marketing", **{**fields, **existing})
    scene.emu.fail_next(502, method="POST")
    with pytest.raises(pv.DuplicateNameError) as caught:
        await scene.conns.create(
            name="Marketing",
            client_identifier="cid",
            description="Team",
            enabled=True,
            **SECRETS,
        )
    assert caught.value.attempts == 2
    connections = list(scene.stored().values())
    assert [c["connectionId"] for c in connections] == [taken["connectionId"]]
    assert connections[0]["clientSecret"] == fingerprint("rival-secret")
    assert count(scene.wire, "GET", item=False) == 1


async def test_a_twin_created_by_someone_else_during_our_call_is_claimed(scene: Scene) -> None:
    """The ambiguity that remains, as documented: our first attempt gets a 503 (not applied)
    and, before our retry, someone else creates the same name with our readable fields and
    other secrets. Nothing readable tells it from ours, and it was created inside the window
    of our attempts, so it is returned as ours; the secrets stored are theirs.
    """
    before_our_retry(
        scene,
        "POST",
        lambda: scene.rival.create("Marketing", clientIdentifier="cid", description="Team"),
    )
    scene.emu.fail_next(503, method="POST")
    made = await scene.conns.create(
        name="Marketing", client_identifier="cid", description="Team", **SECRETS
    )
    [connection] = scene.stored().values()
    assert made.connection_id == connection["connectionId"]
    assert connection["clientSecret"] == fingerprint("rival-secret")


async def test_create_conflict_on_the_first_attempt_is_raised_unchecked(
    scene: Scene, codeless: bool
) -> None:
    """A 409 with no unclear attempt before it is a taken name: raised, nothing listed."""
    await scene.rival.create("Marketing", clientIdentifier="cid")
    with pytest.raises(pv.DuplicateNameError) as caught:
        await scene.conns.create(name="Marketing", client_identifier="cid", **SECRETS)
    assert caught.value.attempts == 1
    assert scene.wire.methods() == [f"POST {PATH}"]


async def test_create_whose_first_attempt_failed_cleanly_is_simply_retried(scene: Scene) -> None:
    """A 502 before anything was applied: the retry creates the connection, no listing."""
    scene.emu.fail_next(502, method="POST")
    made = await scene.conns.create(name="Marketing", client_identifier="cid", **SECRETS)
    assert list(scene.stored()) == [made.connection_id]
    assert scene.wire.methods() == [f"POST {PATH}"] * 2


@pytest.mark.parametrize("lost", LOST, ids=LOST_IDS)
async def test_update_whose_answer_was_lost_returns_the_updated_connection(
    scene: Scene, codeless: bool, lost: Effect | emulator.DropKind
) -> None:
    """The retry's 409 is our own update: version is sent+1 and every sent field matches."""
    cid = (await scene.rival.create("Main", description="old"))["connectionId"]
    lose_answer(scene, "PUT", lost)
    updated = await scene.conns.update(
        cid, version=1, description="new", enabled=False, name="Renamed"
    )
    assert updated.version == 2
    assert (updated.name, updated.description, updated.enabled) == ("Renamed", "new", False)
    assert scene.stored()[cid]["version"] == 2
    assert count(scene.wire, "PUT") == 2
    assert count(scene.wire, "GET") == 1


@pytest.mark.parametrize("lost", LOST, ids=LOST_IDS)
@pytest.mark.parametrize(
    "sent",
    [{**SECRETS, "description": "new"}, {"client_secret": "SECRET-client-secret"}, {}],
    ids=["secrets-and-description", "secret-only", "version-only"],
)
async def test_update_that_cannot_be_read_back_is_not_claimed(
    scene: Scene, lost: Effect | emulator.DropKind, sent: dict[str, Any]
) -> None:
    """Secrets cannot be read back, nor can a bare version bump: version sent+1 does not prove
    they were stored, so the outcome is unknown and the conflict is raised, saying so.
    """
    cid = (await scene.rival.create("Main", description="old"))["connectionId"]
    lose_answer(scene, "PUT", lost)
    with pytest.raises(pv.VersionConflictError, match="outcome is unknown"):
        await scene.conns.update(cid, version=1, **sent)
    assert scene.stored()[cid]["version"] == 2  # it was applied, as it happens
    assert count(scene.wire, "PUT") == 2


async def test_update_overwritten_by_another_writer_is_a_version_conflict(scene: Scene) -> None:
    """Our update landed, then another writer's: version sent+2 is not ours to return."""
    cid = (await scene.rival.create("Main"))["connectionId"]
    before_our_retry(scene, "PUT", lambda: scene.rival.write(cid, description="theirs"))
    scene.wire.lose_next("PUT", httpx.ReadError, applied=True)
    with pytest.raises(pv.VersionConflictError):
        await scene.conns.update(cid, version=1, description="ours")
    assert scene.stored()[cid]["version"] == 3
    assert count(scene.wire, "GET") == 1


async def test_update_beaten_by_another_writer_is_a_version_conflict(
    scene: Scene, codeless: bool
) -> None:
    """Version sent+1 with fields that differ from ours means another writer won, not us."""
    cid = (await scene.rival.create("Main", description="old"))["connectionId"]
    before_our_retry(scene, "PUT", lambda: scene.rival.write(cid, description="theirs"))
    scene.emu.fail_next(503, method="PUT")
    with pytest.raises(pv.VersionConflictError):
        await scene.conns.update(cid, version=1, description="ours")
    connection = scene.stored()[cid]
    assert (connection["version"], connection["description"]) == (2, "theirs")


async def test_update_after_an_unclear_attempt_keeps_a_codeless_name_clash(scene: Scene) -> None:
    """Codeless 409 with the version unchanged: nobody wrote, so it is not a version conflict."""
    scene.wire.codeless = True
    cid = (await scene.rival.create("Main"))["connectionId"]
    await scene.rival.create("Taken")
    scene.wire.lose_next("PUT", httpx.RemoteProtocolError, applied=False)
    with pytest.raises(pv.ConflictError) as caught:
        await scene.conns.update(cid, version=1, name="Taken")
    assert type(caught.value) is pv.ConflictError
    assert scene.stored()[cid]["version"] == 1
    assert count(scene.wire, "GET") == 1


async def test_update_conflict_on_the_first_attempt_is_raised_without_a_get(
    scene: Scene, codeless: bool
) -> None:
    """A 409 with no unclear attempt before it is raised as is; nothing is read back."""
    cid = (await scene.rival.create("Main"))["connectionId"]
    await scene.rival.write(cid, description="newer")
    with pytest.raises(pv.ConflictError) as caught:
        await scene.conns.update(cid, version=1, description="stale")
    assert type(caught.value) is (pv.ConflictError if codeless else pv.VersionConflictError)
    assert caught.value.attempts == 1
    assert scene.wire.methods() == [f"PUT {PATH}/{cid}"]


@pytest.mark.parametrize("lost", LOST, ids=LOST_IDS)
async def test_delete_whose_answer_was_lost_is_retried_plainly(
    scene: Scene, lost: Effect | emulator.DropKind
) -> None:
    """A lost 204 is followed by a second DELETE and its 204; the connection is gone."""
    cid = (await scene.rival.create("Main"))["connectionId"]
    keep = (await scene.rival.create("Keep"))["connectionId"]
    lose_answer(scene, "DELETE", lost)
    await scene.conns.delete(cid)
    assert list(scene.stored()) == [keep]
    assert scene.wire.methods() == [f"DELETE {PATH}/{cid}"] * 2


async def test_a_refused_connection_is_not_unclear(scene: Scene) -> None:
    """A ConnectError never reached the server: the retry's 409 is raised without a listing."""
    await scene.rival.create("Marketing", clientIdentifier="cid")
    scene.wire.lose_next("POST", httpx.ConnectError, applied=False)
    with pytest.raises(pv.DuplicateNameError) as caught:
        await scene.conns.create(name="Marketing", client_identifier="cid", **SECRETS)
    assert caught.value.attempts == 2
    assert scene.wire.methods() == [f"POST {PATH}"] * 2
    assert [r.method for r in scene.emu.requests].count("POST") == 2  # the rival's and our retry
