"""The five routes: status codes, JSON shapes, IDs, dates, versions, auth and accounts."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest

from pictory_vimeo import _rules, emulator
from tests._support import CONNECTION_KEYS

Body = Callable[..., dict[str, Any]]
Create = Callable[..., Awaitable[dict[str, Any]]]
Connect = Callable[..., httpx.AsyncClient]

ISO_MS_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
FULL_FIELDS = list(CONNECTION_KEYS)


@pytest.mark.anyio
async def test_create_answers_201_with_the_references_field_set(
    emu_http: httpx.AsyncClient, path: str, body: Body
) -> None:
    """Create answers exactly the published create example's fields, version 1."""
    response = await emu_http.post(path, json=body())
    assert response.status_code == 201
    data = response.json()
    assert list(data) == [
        "name",
        "description",
        "enabled",
        "clientIdentifier",
        "connectionId",
        "version",
    ]
    assert data["name"] == "Marketing"
    assert data["description"] == "Primary account"
    assert data["enabled"] is True
    assert data["clientIdentifier"] == "client-id-123"
    assert data["version"] == 1
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-request-id"]
    assert abs(parsedate_to_datetime(response.headers["date"]).timestamp() - time.time()) < 5


@pytest.mark.anyio
async def test_ids_follow_the_api_format_and_creation_time(
    emu_http: httpx.AsyncClient, create: Create
) -> None:
    """IDs are UTC yyyyMMddHHmmssSSS (the creation instant) plus 15 lowercase letters/digits."""
    before = datetime.now(UTC).replace(microsecond=0)
    ids = [(await create(name=f"c{i}"))["connectionId"] for i in range(5)]
    assert len(set(ids)) == 5
    for connection_id in ids:
        assert _rules.CONNECTION_ID_PATTERN.fullmatch(connection_id)
        stamp = datetime.strptime(connection_id[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        assert stamp >= before
    got = await emu_http.get(f"/pictoryapis/v1/vimeo-connections/{ids[0]}")
    created = datetime.fromisoformat(got.json()["createdDate"])
    assert created.strftime("%Y%m%d%H%M%S") + f"{created.microsecond // 1000:03d}" == ids[0][:17]


@pytest.mark.anyio
async def test_get_returns_the_full_object_without_secrets(
    emu_http: httpx.AsyncClient, path: str, create: Create
) -> None:
    """Get answers every documented field in the reference's order, dates in ISO-8601 UTC ms."""
    created = await create()
    response = await emu_http.get(f"{path}/{created['connectionId']}")
    assert response.status_code == 200
    data = response.json()
    assert list(data) == FULL_FIELDS
    assert data["type"] == "VIMEO"
    assert data["createdDate"] == data["updatedDate"]
    assert ISO_MS_UTC.fullmatch(data["createdDate"])
    assert {key: data[key] for key in created} == created


@pytest.mark.anyio
async def test_description_is_left_out_when_not_set(
    emu_http: httpx.AsyncClient, path: str, body: Body
) -> None:
    """A connection without a description has no description key at all (as in the example)."""
    plain = body(name="Plain")
    del plain["description"]
    created = (await emu_http.post(path, json=plain)).json()
    nulled = (await emu_http.post(path, json=body(name="Nulled", description=None))).json()
    assert "description" not in created
    assert "description" not in nulled
    got = (await emu_http.get(f"{path}/{created['connectionId']}")).json()
    assert list(got) == [field for field in FULL_FIELDS if field != "description"]


@pytest.mark.anyio
async def test_update_changes_only_the_fields_sent(
    emu_http: httpx.AsyncClient, path: str, create: Create
) -> None:
    """A partial update keeps other fields, bumps version and updatedDate, keeps createdDate."""
    created = await create()
    item = f"{path}/{created['connectionId']}"
    before = (await emu_http.get(item)).json()
    response = await emu_http.put(item, json={"version": 1, "enabled": False})
    assert response.status_code == 200
    after = response.json()
    assert after["enabled"] is False
    assert after["version"] == 2
    assert after["createdDate"] == before["createdDate"]
    assert after["updatedDate"] > before["updatedDate"]
    unchanged = ("name", "description", "clientIdentifier", "type", "connectionId")
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}
    assert (await emu_http.get(item)).json() == after


@pytest.mark.anyio
async def test_every_update_moves_version_and_updated_date(
    emu_http: httpx.AsyncClient, item: str
) -> None:
    """Back-to-back updates (same millisecond or not) each move updatedDate forward."""
    seen = [(await emu_http.get(item)).json()]
    for version in range(1, 6):
        answer = await emu_http.put(item, json={"version": version, "description": f"d{version}"})
        seen.append(answer.json())
    assert [c["version"] for c in seen] == [1, 2, 3, 4, 5, 6]
    dates = [c["updatedDate"] for c in seen]
    assert dates == sorted(set(dates))
    assert {c["createdDate"] for c in seen} == {seen[0]["createdDate"]}


@pytest.mark.anyio
async def test_full_update_and_clearing_the_description(
    emu_http: httpx.AsyncClient, item: str
) -> None:
    """Every field can change at once; a null description removes it."""
    full = {
        "version": 1,
        "name": "Renamed",
        "description": "New",
        "enabled": False,
        "clientIdentifier": "new-id",
        "clientSecret": "new-secret",
        "accessToken": "new-token",
    }
    data = (await emu_http.put(item, json=full)).json()
    assert (data["name"], data["description"], data["enabled"], data["clientIdentifier"]) == (
        "Renamed",
        "New",
        False,
        "new-id",
    )
    cleared = await emu_http.put(item, json={"version": 2, "description": None})
    assert cleared.status_code == 200
    assert "description" not in cleared.json()


@pytest.mark.anyio
async def test_stale_version_is_a_conflict_and_changes_nothing(
    emu_http: httpx.AsyncClient, item: str
) -> None:
    """A stale (or future) version answers 409 VERSION_CONFLICT; the connection is untouched."""
    await emu_http.put(item, json={"version": 1, "description": "first"})
    before = (await emu_http.get(item)).json()
    for version in (1, 3, 2**70):
        response = await emu_http.put(item, json={"version": version, "description": "lost"})
        assert response.status_code == 409
        assert response.json()["code"] == "VERSION_CONFLICT"
    assert (await emu_http.get(item)).json() == before


@pytest.mark.anyio
async def test_missing_version_is_version_required(emu_http: httpx.AsyncClient, item: str) -> None:
    """An update without version answers 400 VERSION_REQUIRED."""
    response = await emu_http.put(item, json={"description": "x"})
    assert response.status_code == 400
    assert response.json()["code"] == "VERSION_REQUIRED"
    assert {"field": "version", "message": "is required"} in response.json()["errors"]
    null = await emu_http.put(item, json={"version": None, "description": "x"})
    assert null.status_code == 400
    assert null.json()["code"] == "VERSION_REQUIRED"


@pytest.mark.anyio
async def test_duplicate_names_conflict_on_create_and_rename(
    emu_http: httpx.AsyncClient, path: str, body: Body, create: Create
) -> None:
    """A taken name answers 409 DUPLICATE_NAME on create and on a rename; own name is fine."""
    first = await create(name="Taken")
    second = await create(name="Free")
    again = await emu_http.post(path, json=body(name="Taken"))
    assert again.status_code == 409
    assert again.json()["code"] == "DUPLICATE_NAME"
    item = f"{path}/{second['connectionId']}"
    rename = await emu_http.put(item, json={"version": 1, "name": "Taken"})
    assert rename.status_code == 409
    assert rename.json()["code"] == "DUPLICATE_NAME"
    same = await emu_http.put(
        f"{path}/{first['connectionId']}", json={"version": 1, "name": "Taken"}
    )
    assert same.status_code == 200
    assert (await emu_http.get(item)).json()["version"] == 1


@pytest.mark.anyio
async def test_a_freed_name_can_be_taken_again(
    emu_http: httpx.AsyncClient, path: str, create: Create
) -> None:
    """Renaming or deleting a connection frees its name."""
    first = await create(name="Old")
    await emu_http.put(f"{path}/{first['connectionId']}", json={"version": 1, "name": "New"})
    await create(name="Old")
    await emu_http.delete(f"{path}/{first['connectionId']}")
    await create(name="New")


@pytest.mark.anyio
async def test_unknown_ids_are_not_found(
    emu_http: httpx.AsyncClient, path: str, create: Create
) -> None:
    """Get and update of an ID the account does not have answer 404 NOT_FOUND; IDs are exact."""
    real = (await create())["connectionId"]
    for missing in ("20251222155613307xv0nodhitf9cd0f", real.upper(), real + "x", "%2E%2E"):
        got = await emu_http.get(f"{path}/{missing}")
        assert got.status_code == 404
        assert got.json()["code"] == "NOT_FOUND"
        put = await emu_http.put(f"{path}/{missing}", json={"version": 1, "enabled": False})
        assert put.status_code == 404


@pytest.mark.anyio
async def test_delete_is_204_whether_or_not_it_existed(
    emu_http: httpx.AsyncClient, path: str, item: str
) -> None:
    """Delete answers 204 with no body, again and again; the connection is then gone."""
    for _ in range(2):
        response = await emu_http.delete(item)
        assert response.status_code == 204
        assert response.content == b""
    assert (await emu_http.get(item)).status_code == 404
    assert (await emu_http.delete(f"{path}/never-existed")).status_code == 204


@pytest.mark.anyio
@pytest.mark.parametrize(
    "authorization",
    [None, "", "pictai_", "Bearer pictai_abc", "PICTAI_abc", "sk_live_abc", " pictai"],
)
async def test_every_route_needs_a_pictai_key(
    emu: emulator.Emulator, connect: Connect, path: str, body: Body, authorization: str | None
) -> None:
    """Without a raw pictai_ key every API route answers 401 UNAUTHORIZED, delete too."""
    async with connect(emu, authorization) as http:
        answers = [
            await http.get(path),
            await http.post(path, json=body()),
            await http.get(f"{path}/x"),
            await http.put(f"{path}/x", json={"version": 1, "enabled": True}),
            await http.delete(f"{path}/x"),
        ]
    for response in answers:
        assert response.status_code == 401
        assert response.json()["code"] == "UNAUTHORIZED"
    assert emu.stats()["requests"] == 5


@pytest.mark.anyio
async def test_accounts_are_isolated(
    emu_http: httpx.AsyncClient,
    other_emu_http: httpx.AsyncClient,
    path: str,
    create: Create,
) -> None:
    """Another key's connection is a 404 to get, update and list; delete leaves it alone."""
    mine = await create(name="Shared name")
    item = f"{path}/{mine['connectionId']}"
    assert (await other_emu_http.get(item)).status_code == 404
    put = await other_emu_http.put(item, json={"version": 1, "enabled": False})
    assert put.status_code == 404
    assert (await other_emu_http.delete(item)).status_code == 204
    assert (await other_emu_http.get(path)).json() == {"Items": []}
    theirs = await create(other_emu_http, name="Shared name")  # names are per account
    mine_now = (await emu_http.get(item)).json()
    assert (mine_now["version"], mine_now["enabled"]) == (1, True)
    listed = [c["connectionId"] for c in (await emu_http.get(path)).json()["Items"]]
    assert listed == [mine["connectionId"]]
    assert theirs["connectionId"] not in listed


@pytest.mark.anyio
async def test_routing_errors_use_the_error_shape(emu_http: httpx.AsyncClient, path: str) -> None:
    """Unknown paths, trailing slashes and wrong methods answer JSON errors, never a redirect."""
    for url in ("/pictoryapis/v1/other", f"{path}/", f"{path}/a/b"):
        response = await emu_http.get(url)
        assert response.status_code == 404
        assert response.json()["code"] == "NOT_FOUND"
    wrong = await emu_http.patch(f"{path}/x")
    assert wrong.status_code == 405
    assert wrong.json()["code"] == "METHOD_NOT_ALLOWED"
    assert set(wrong.headers["allow"].split(", ")) >= {"GET", "PUT", "DELETE"}
    assert "x-request-id" in wrong.headers


@pytest.mark.anyio
async def test_head_of_a_listing_has_no_body(emu_http: httpx.AsyncClient, path: str) -> None:
    """HEAD is answered like GET, without a body."""
    response = await emu_http.head(path)
    assert response.status_code == 200
    assert response.content == b""


@pytest.mark.anyio
async def test_an_escaped_slash_stays_inside_the_connection_id(
    emu_http: httpx.AsyncClient, path: str, create: Create
) -> None:
    """``a%2Fb`` names one (missing) connection: GET and PUT 404, DELETE 204; nothing leaks."""
    mine = await create(name="Kept")
    for escaped in ("a%2Fb", "..%2F..", "x%3Fy%3D1", "%2F", "x%23y"):
        item = f"{path}/{escaped}"
        got = await emu_http.get(item)
        assert got.status_code == 404, escaped
        assert got.json()["code"] == "NOT_FOUND"
        put = await emu_http.put(item, json={"version": 1, "name": "Changed"})
        assert put.status_code == 404, escaped
        assert (await emu_http.delete(item)).status_code == 204, escaped
    assert (await emu_http.get(f"{path}/{mine['connectionId']}")).json()["name"] == "Kept"
    # Bytes that are not UTF-8 name no connection and no route.
    assert (await emu_http.delete(f"{path}/%FF")).status_code == 404
