"""Accounts are isolated: a key sees, changes and deletes only its own account's connections."""

from __future__ import annotations

import httpx
import pytest

import pictory_vimeo as pv
from pictory_vimeo import emulator
from tests._support import MakeClient
from tests.integration._support import NewConnection

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


async def _ids(conns: pv.AsyncVimeoConnections) -> list[str]:
    return [connection.connection_id async for connection in conns.list()]


@pytest.fixture
def theirs(make_client: MakeClient, other_api_key: str) -> pv.AsyncVimeoConnections:
    """The second account's connections, through the SDK."""
    return make_client(other_api_key).vimeo_connections


async def test_another_account_gets_404_and_cannot_touch_a_connection(
    served: emulator.RunningEmulator,
    path: str,
    conns: pv.AsyncVimeoConnections,
    theirs: pv.AsyncVimeoConnections,
    other_api_key: str,
    new_connection: NewConnection,
) -> None:
    """B's get and update of A's connection are 404; B's delete is 204 yet A's one survives."""
    mine = await new_connection("Owned by A", description="A's")
    before = await conns.get(mine.connection_id)

    with pytest.raises(pv.NotFoundError) as on_get:
        await theirs.get(mine.connection_id)
    assert on_get.value.code == "NOT_FOUND"
    with pytest.raises(pv.NotFoundError):
        await theirs.update(mine.connection_id, version=1, description="B was here")
    await theirs.delete(mine.connection_id)  # 204, as for any ID that is not there
    async with httpx.AsyncClient(
        base_url=served.base_url, headers={"Authorization": other_api_key}
    ) as http:
        response = await http.delete(f"{path}/{mine.connection_id}")
    assert (response.status_code, response.content) == (204, b"")

    assert await conns.get(mine.connection_id) == before
    assert await _ids(theirs) == []


async def test_the_same_name_is_allowed_in_two_accounts_and_lists_are_disjoint(
    conns: pv.AsyncVimeoConnections, theirs: pv.AsyncVimeoConnections, new_connection: NewConnection
) -> None:
    """Names are unique per account only; each account lists exactly its own connections."""
    a_shared = await new_connection("Shared Name")
    b_shared = await new_connection("Shared Name", owner=theirs)
    a_only = [await new_connection(f"A {index}") for index in range(6)]
    b_only = [await new_connection(f"B {index}", owner=theirs) for index in range(3)]

    a_ids = await _ids(conns)
    b_ids = await _ids(theirs)
    assert a_ids == [c.connection_id for c in [a_shared, *a_only]]
    assert b_ids == [c.connection_id for c in [b_shared, *b_only]]
    assert not set(a_ids) & set(b_ids)
    assert (await theirs.get(b_shared.connection_id)).name == "Shared Name"

    # Renaming into a name the *other* account uses is no conflict either.
    renamed = await conns.update(a_only[0].connection_id, version=1, name="B 0")
    assert renamed.name == "B 0"


async def test_deleting_in_one_account_leaves_the_other_alone(
    conns: pv.AsyncVimeoConnections, theirs: pv.AsyncVimeoConnections, new_connection: NewConnection
) -> None:
    """A delete by A of its own same-named connection removes nothing of B's."""
    a_conn = await new_connection("Twin")
    b_conn = await new_connection("Twin", owner=theirs)
    await conns.delete(a_conn.connection_id)
    assert await _ids(conns) == []
    assert await _ids(theirs) == [b_conn.connection_id]


async def test_a_page_key_of_one_account_shows_another_nothing(
    conns: pv.AsyncVimeoConnections,
    theirs: pv.AsyncVimeoConnections,
    new_connection: NewConnection,
    page_size: int,
) -> None:
    """A's nextPageKey replayed with B's key is refused; it never reveals A's connections."""
    for index in range(page_size + 2):
        await new_connection(f"A Paged {index}")
    first = await conns.list_page()
    assert first.next_page_key is not None
    with pytest.raises(pv.BadRequestError) as info:
        await theirs.list_page(next_page_key=first.next_page_key)
    assert info.value.code == "INVALID_PAGE_KEY"
