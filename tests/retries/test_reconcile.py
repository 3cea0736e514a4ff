"""Lost responses: a retried write that meets its own earlier success is not an error."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import pictory_vimeo as pv
from tests._support import PATH
from tests.retries.conftest import Effect, FakeApi

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def client(fake_client: pv.AsyncPictoryClient) -> pv.AsyncPictoryClient:
    """The client on the fake API."""
    return fake_client


@pytest.fixture
def conns(fake_client: pv.AsyncPictoryClient) -> pv.AsyncVimeoConnections:
    """The fake API's connections."""
    return fake_client.vimeo_connections


SECRETS: dict[str, Any] = {
    "client_secret": "SECRET-client-secret",
    "access_token": "TOKEN-access-token",
}
#: Ways an applied request's answer gets lost: the connection dies, or a proxy answers 502.
LOST: list[Effect] = [
    httpx.RemoteProtocolError,
    httpx.ReadError,
    httpx.ReadTimeout,
    502,
    504,
]


@pytest.mark.anyio
@pytest.mark.parametrize("lost", LOST)
@pytest.mark.parametrize("codeless", [False, True], ids=["coded", "codeless"])
async def test_create_whose_answer_was_lost_returns_the_connection_it_made(
    api: FakeApi, conns: pv.AsyncVimeoConnections, lost: Effect, codeless: bool
) -> None:
    """The retry's 409 is our own create: the SDK lists, finds it and returns it, once."""
    api.codeless = codeless
    api.add("Other")
    api.fail_next("POST", lost, applied=True)
    made = await conns.create(
        name="Marketing", client_identifier="cid", description="Team", **SECRETS
    )
    assert [c["name"] for c in api.store.values()] == ["Other", "Marketing"]
    assert made.name == "Marketing"
    assert made.connection_id == list(api.store)[1]
    assert (made.client_identifier, made.description, made.enabled) == ("cid", "Team", True)
    assert api.count("POST") == 2
    assert api.count("GET", item=False) == 1


@pytest.mark.anyio
async def test_create_reconciliation_follows_the_listing_to_page_two(
    api: FakeApi, conns: pv.AsyncVimeoConnections
) -> None:
    """The connection made by the lost attempt is found on the listing's second page."""
    api.page_size = 2
    api.add("First")
    api.add("Second")
    api.fail_next("POST", httpx.RemoteProtocolError, applied=True)
    made = await conns.create(name="Third", client_identifier="cid", enabled=False, **SECRETS)
    assert made.connection_id == list(api.store)[2]
    assert made.enabled is False
    assert len(api.store) == 3
    assert [path for method, path in api.requests if method == "GET"] == [
        PATH,
        f"{PATH}?nextPageKey=2",
    ]


@pytest.mark.anyio
@pytest.mark.parametrize(
    "existing",
    [
        {"client_identifier": "someone-else"},
        {"description": "Another team"},
        {"enabled": False},
    ],
    ids=["client_identifier", "description", "enabled"],
)
@pytest.mark.parametrize("codeless", [False, True], ids=["coded", "codeless"])
async def test_create_meeting_someone_elses_connection_is_a_duplicate(
    api: FakeApi,
    conns: pv.AsyncVimeoConnections,
    existing: dict[str, Any],
    codeless: bool,
) -> None:
    """After an unclear attempt, a same-name connection that differs in any field is not ours."""
    api.codeless = codeless
    fields: dict[str, Any] = {"client_identifier": "cid", "description": "Team", "enabled": True}
    taken = api.add("Marketing", **{**fields, **existing})
    api.fail_next("POST", 502, applied=False)
    with pytest.raises(pv.DuplicateNameError) as caught:
        await conns.create(name="Marketing", **fields, **SECRETS)
    assert caught.value.attempts == 2
    assert list(api.store) == [taken]
    assert api.count("GET", item=False) == 1


@pytest.mark.anyio
@pytest.mark.parametrize("codeless", [False, True], ids=["coded", "codeless"])
async def test_create_conflict_on_the_first_attempt_is_raised_unchecked(
    api: FakeApi, conns: pv.AsyncVimeoConnections, codeless: bool
) -> None:
    """A 409 with no unclear attempt before it is a taken name: raised, nothing listed."""
    api.codeless = codeless
    api.add("Marketing", client_identifier="cid")
    with pytest.raises(pv.DuplicateNameError) as caught:
        await conns.create(name="Marketing", client_identifier="cid", **SECRETS)
    assert caught.value.attempts == 1
    assert api.requests == [("POST", PATH)]


@pytest.mark.anyio
async def test_create_whose_first_attempt_failed_cleanly_is_simply_retried(
    api: FakeApi, conns: pv.AsyncVimeoConnections
) -> None:
    """A 502 before anything was applied: the retry creates the connection, no listing."""
    api.fail_next("POST", 502, applied=False)
    made = await conns.create(name="Marketing", client_identifier="cid", **SECRETS)
    assert list(api.store) == [made.connection_id]
    assert api.requests == [("POST", PATH), ("POST", PATH)]


@pytest.mark.anyio
@pytest.mark.parametrize("lost", LOST)
@pytest.mark.parametrize("codeless", [False, True], ids=["coded", "codeless"])
async def test_update_whose_answer_was_lost_returns_the_updated_connection(
    api: FakeApi, conns: pv.AsyncVimeoConnections, lost: Effect, codeless: bool
) -> None:
    """The retry's 409 is our own update: version is sent+1 and every sent field matches."""
    api.codeless = codeless
    cid = api.add("Main", description="old")
    api.fail_next("PUT", lost, applied=True)
    updated = await conns.update(cid, version=1, description="new", enabled=False, name="Renamed")
    assert updated.version == 2
    assert (updated.name, updated.description, updated.enabled) == ("Renamed", "new", False)
    assert api.store[cid]["version"] == 2
    assert api.count("PUT") == 2
    assert api.count("GET") == 1


@pytest.mark.anyio
@pytest.mark.parametrize("lost", LOST)
async def test_update_with_secrets_whose_answer_was_lost_is_not_claimed(
    api: FakeApi, conns: pv.AsyncVimeoConnections, lost: Effect
) -> None:
    """Secrets cannot be read back: version sent+1 does not prove they were stored, so raise."""
    cid = api.add("Main", description="old")
    api.fail_next("PUT", lost, applied=True)
    with pytest.raises(pv.VersionConflictError, match="outcome is unknown"):
        await conns.update(cid, version=1, description="new", **SECRETS)
    assert api.store[cid]["version"] == 2
    assert api.count("PUT") == 2


@pytest.mark.anyio
async def test_update_overwritten_by_another_writer_is_a_version_conflict(
    api: FakeApi, conns: pv.AsyncVimeoConnections
) -> None:
    """Our update landed, then another writer's: version sent+2 is not ours to return."""
    cid = api.add("Main")

    def other_writer_follows() -> None:
        if api.count("PUT") == 2:  # between our lost answer and our retry
            api.write(cid, description="theirs")

    api.before_put = other_writer_follows
    api.fail_next("PUT", httpx.ReadError, applied=True)
    with pytest.raises(pv.VersionConflictError):
        await conns.update(cid, version=1, description="ours")
    assert api.store[cid]["version"] == 3
    assert api.count("GET") == 1


@pytest.mark.anyio
@pytest.mark.parametrize("codeless", [False, True], ids=["coded", "codeless"])
async def test_update_beaten_by_another_writer_is_a_version_conflict(
    api: FakeApi, conns: pv.AsyncVimeoConnections, codeless: bool
) -> None:
    """Version sent+1 with fields that differ from ours means another writer won, not us."""
    api.codeless = codeless
    cid = api.add("Main", description="old")

    def other_writer_first() -> None:
        if api.count("PUT") == 2:
            api.write(cid, description="theirs")

    api.before_put = other_writer_first
    api.fail_next("PUT", 503, applied=False)
    with pytest.raises(pv.VersionConflictError):
        await conns.update(cid, version=1, description="ours")
    assert api.store[cid]["version"] == 2
    assert api.store[cid]["description"] == "theirs"


@pytest.mark.anyio
async def test_update_after_an_unclear_attempt_keeps_a_codeless_name_clash(
    api: FakeApi, conns: pv.AsyncVimeoConnections
) -> None:
    """Codeless 409 with the version unchanged: nobody wrote, so it is not a version conflict."""
    api.codeless = True
    cid = api.add("Main")
    api.add("Taken")
    api.fail_next("PUT", httpx.RemoteProtocolError, applied=False)
    with pytest.raises(pv.ConflictError) as caught:
        await conns.update(cid, version=1, name="Taken")
    assert type(caught.value) is pv.ConflictError
    assert api.store[cid]["version"] == 1
    assert api.count("GET") == 1


@pytest.mark.anyio
@pytest.mark.parametrize("codeless", [False, True], ids=["coded", "codeless"])
async def test_update_conflict_on_the_first_attempt_is_raised_without_a_get(
    api: FakeApi, conns: pv.AsyncVimeoConnections, codeless: bool
) -> None:
    """A 409 with no unclear attempt before it is raised as is; nothing is read back."""
    api.codeless = codeless
    cid = api.add("Main")
    api.write(cid, description="newer")
    with pytest.raises(pv.ConflictError) as caught:
        await conns.update(cid, version=1, description="stale")
    assert type(caught.value) is (pv.ConflictError if codeless else pv.VersionConflictError)
    assert caught.value.attempts == 1
    assert api.requests == [("PUT", f"{PATH}/{cid}")]


@pytest.mark.anyio
@pytest.mark.parametrize("lost", LOST)
async def test_delete_whose_answer_was_lost_is_retried_plainly(
    api: FakeApi, conns: pv.AsyncVimeoConnections, lost: Effect
) -> None:
    """A lost 204 is followed by a second DELETE and its 204; the connection is gone."""
    cid = api.add("Main")
    keep = api.add("Keep")
    api.fail_next("DELETE", lost, applied=True)
    await conns.delete(cid)
    assert list(api.store) == [keep]
    assert api.requests == [("DELETE", f"{PATH}/{cid}")] * 2


@pytest.mark.anyio
async def test_a_refused_connection_is_not_unclear(
    api: FakeApi, conns: pv.AsyncVimeoConnections
) -> None:
    """A ConnectError never reached the server: the retry's 409 is raised without a listing."""
    api.add("Marketing", client_identifier="cid")
    api.fail_next("POST", httpx.ConnectError, applied=False)
    with pytest.raises(pv.DuplicateNameError) as caught:
        await conns.create(name="Marketing", client_identifier="cid", **SECRETS)
    assert caught.value.attempts == 2
    assert api.requests == [("POST", PATH), ("POST", PATH)]
