"""The SDK's five calls over loopback HTTP: a full round trip, and what an update changes."""

from __future__ import annotations

import pytest

import pictory_vimeo as pv
from pictory_vimeo._rules import CONNECTION_ID_PATTERN
from tests.integration._support import NewConnection

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


async def _all(conns: pv.AsyncVimeoConnections) -> list[pv.VimeoConnection]:
    return [connection async for connection in conns.list()]


@pytest.mark.parametrize("served", ["memory", "sqlite"], indirect=True)
async def test_create_get_list_update_delete_round_trip(
    conns: pv.AsyncVimeoConnections, new_connection: NewConnection
) -> None:
    """create -> get -> list -> update -> delete -> get answers 404, each as documented."""
    created = await new_connection(
        "Marketing Team", client_identifier="abc123def456", description="Primary Vimeo account"
    )
    assert CONNECTION_ID_PATTERN.fullmatch(created.connection_id)

    fetched = await conns.get(created.connection_id)
    assert (fetched.connection_id, fetched.name, fetched.description) == (
        created.connection_id,
        "Marketing Team",
        "Primary Vimeo account",
    )
    assert (fetched.client_identifier, fetched.enabled, fetched.version) == (
        "abc123def456",
        True,
        1,
    )
    assert fetched.type == "VIMEO"
    assert fetched.created_date is not None
    assert fetched.updated_date == fetched.created_date

    assert await _all(conns) == [fetched]

    updated = await conns.update(
        created.connection_id, version=1, name="Marketing Team 2", enabled=False
    )
    assert (updated.name, updated.enabled, updated.version) == ("Marketing Team 2", False, 2)
    assert await conns.get(created.connection_id) == updated
    assert await _all(conns) == [updated]

    await conns.delete(created.connection_id)
    with pytest.raises(pv.NotFoundError) as missing:
        await conns.get(created.connection_id)
    assert (missing.value.status_code, missing.value.code) == (404, "NOT_FOUND")
    assert await _all(conns) == []
    await conns.delete(created.connection_id)  # deleting again is still a success


async def test_create_maps_the_documented_subset_response(
    conns: pv.AsyncVimeoConnections, new_connection: NewConnection
) -> None:
    """The create answer lacks type and dates: the model leaves them None, the rest is exact."""
    created = await new_connection(
        "Subset",
        client_identifier="cid-subset",
        description="made to check the create answer",
        enabled=False,
    )
    assert (created.name, created.description, created.enabled) == (
        "Subset",
        "made to check the create answer",
        False,
    )
    assert (created.client_identifier, created.version) == ("cid-subset", 1)
    assert (created.type, created.created_date, created.updated_date) == (None, None, None)
    fetched = await conns.get(created.connection_id)
    assert fetched.connection_id == created.connection_id
    assert (fetched.name, fetched.description, fetched.enabled) == (
        created.name,
        created.description,
        created.enabled,
    )


async def test_a_connection_without_description_has_none(
    conns: pv.AsyncVimeoConnections, new_connection: NewConnection
) -> None:
    """Description is optional: left out on create, it reads back as None everywhere."""
    created = await new_connection("No Description")
    assert created.description is None
    assert (await conns.get(created.connection_id)).description is None
    assert [c.description for c in await _all(conns)] == [None]


async def test_update_moves_version_and_updated_date_but_not_created_date(
    conns: pv.AsyncVimeoConnections, new_connection: NewConnection
) -> None:
    """Each update adds one to version and moves updatedDate on; createdDate never moves."""
    created = await new_connection("Dated")
    before = await conns.get(created.connection_id)
    assert before.created_date is not None
    assert before.updated_date is not None
    previous = before
    for step in range(1, 4):
        after = await conns.update(
            created.connection_id, version=previous.version, description=f"step {step}"
        )
        assert after.version == previous.version + 1 == step + 1
        assert after.created_date == before.created_date
        assert after.updated_date is not None
        assert previous.updated_date is not None
        assert after.updated_date > previous.updated_date
        assert await conns.get(created.connection_id) == after
        previous = after


async def test_partial_update_leaves_other_fields_alone(
    conns: pv.AsyncVimeoConnections, new_connection: NewConnection
) -> None:
    """Only the fields an update names change; every other field keeps its value."""
    created = await new_connection(
        "Partial", description="original", enabled=False, client_identifier="cid-original"
    )
    original = await conns.get(created.connection_id)

    described = await conns.update(created.connection_id, version=1, description="changed")
    assert described.description == "changed"
    assert (described.name, described.enabled, described.client_identifier) == (
        original.name,
        original.enabled,
        original.client_identifier,
    )

    enabled = await conns.update(created.connection_id, version=2, enabled=True)
    assert enabled.enabled is True
    assert (enabled.name, enabled.description, enabled.client_identifier) == (
        original.name,
        "changed",
        original.client_identifier,
    )

    rotated = await conns.update(
        created.connection_id, version=3, client_secret="rotated-secret", access_token="new-tok"
    )
    assert rotated.version == 4
    assert (rotated.name, rotated.description, rotated.enabled, rotated.client_identifier) == (
        original.name,
        "changed",
        True,
        original.client_identifier,
    )
    assert await conns.get(created.connection_id) == rotated


async def test_ids_are_case_sensitive(
    conns: pv.AsyncVimeoConnections, new_connection: NewConnection
) -> None:
    """The reference: IDs are case-sensitive, so another casing names no connection."""
    created = await new_connection("Cased")
    with pytest.raises(pv.NotFoundError):
        await conns.get(created.connection_id.upper())
    assert (await conns.get(created.connection_id)).name == "Cased"


async def test_ids_with_url_characters_are_one_missing_connection(
    conns: pv.AsyncVimeoConnections, new_connection: NewConnection
) -> None:
    """Over real HTTP, ``a/b``-like IDs reach no other URL: get 404s, delete is a no-op."""
    kept = await new_connection(name="Kept")
    for odd in ("a/b", "../other", "a/b?x=1", "x#y", "/", "%2F", "a b"):
        with pytest.raises(pv.NotFoundError):
            await conns.get(odd)
        await conns.delete(odd)  # no error: already gone, as the API documents
    assert [c.connection_id for c in await _all(conns)] == [kept.connection_id]
