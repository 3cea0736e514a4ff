"""Each endpoint's request on the wire (method, path, headers, body) and its response mapping."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import respx

import pictory_vimeo as pv
from tests._support import FINAL_STATUSES

ConnectionJson = Callable[..., dict[str, Any]]

ID = "20251222155613307xv0nodhitf9cd0f"
ITEM_PATH = f"/pictoryapis/v1/vimeo-connections/{ID}"
#: The create endpoint's published response: a subset without type and dates.
CREATED = {
    "name": "Test Vimeo Connection",
    "description": "Testing Vimeo connection via API",
    "enabled": True,
    "clientIdentifier": "test_client_id_123",
    "connectionId": ID,
    "version": 1,
}
#: The list endpoint's published response example.
LIST_EXAMPLE = {
    "Items": [
        {
            "connectionId": "20251004004125558w7qnfweid5ilsos",
            "name": "Pictory API",
            "clientIdentifier": "925dbcbdc591d6463c5e289a3825e1a3e0602b97",
            "type": "VIMEO",
            "enabled": True,
            "createdDate": "2025-10-04T00:41:24.597Z",
            "updatedDate": "2025-10-04T00:41:24.597Z",
            "version": 1,
        },
        {
            "connectionId": ID,
            "name": "Test Vimeo Connection",
            "description": "Testing Vimeo connection via API",
            "clientIdentifier": "test_client_id_123",
            "type": "VIMEO",
            "enabled": True,
            "createdDate": "2025-12-22T15:56:12.309Z",
            "updatedDate": "2025-12-22T15:56:12.309Z",
            "version": 1,
        },
    ]
}


def body_of(request: httpx.Request) -> Any:
    """The JSON body a request carried."""
    return json.loads(request.content)


def assert_api_headers(request: httpx.Request, api_key: str) -> None:
    """The headers every API request carries."""
    assert request.headers.get_list("Authorization") == [api_key]
    user_agent = request.headers["User-Agent"]
    assert user_agent.startswith(f"pictory-vimeo-python/{pv.__version__} ")
    assert request.headers["Accept"] == "application/json"
    assert request.url.scheme == "https"
    assert request.url.host == "api.test"


@pytest.mark.anyio
async def test_create_sends_camel_case_body_and_headers(
    router: respx.MockRouter,
    conns: pv.AsyncVimeoConnections,
    api_key: str,
    create_args: dict[str, Any],
) -> None:
    """create POSTs the collection with the raw key and exactly the documented body."""
    route = router.post("/pictoryapis/v1/vimeo-connections").respond(201, json=CREATED)
    await conns.create(**create_args, description="Primary account", enabled=False)
    request = route.calls.last.request
    assert request.method == "POST"
    assert request.url.raw_path == b"/pictoryapis/v1/vimeo-connections"
    assert_api_headers(request, api_key)
    assert request.headers["Content-Type"] == "application/json"
    assert body_of(request) == {
        "name": "Marketing",
        "description": "Primary account",
        "enabled": False,
        "clientIdentifier": "client-id-123",
        "clientSecret": "SECRET-client-secret-value",
        "accessToken": "TOKEN-access-token-value",
    }


@pytest.mark.anyio
async def test_create_leaves_out_a_missing_description_and_enables_by_default(
    router: respx.MockRouter, conns: pv.AsyncVimeoConnections, create_args: dict[str, Any]
) -> None:
    """description is optional in the reference: None is not sent; enabled defaults to true."""
    route = router.post("/pictoryapis/v1/vimeo-connections").respond(201, json=CREATED)
    await conns.create(**create_args)
    body = body_of(route.calls.last.request)
    assert "description" not in body
    assert body["enabled"] is True
    assert set(body) == {"name", "enabled", "clientIdentifier", "clientSecret", "accessToken"}


@pytest.mark.anyio
async def test_create_maps_the_subset_response(
    router: respx.MockRouter, conns: pv.AsyncVimeoConnections, create_args: dict[str, Any]
) -> None:
    """The create response lacks type and dates: they map to None, the rest to snake_case."""
    router.post("/pictoryapis/v1/vimeo-connections").respond(201, json=CREATED)
    created = await conns.create(**create_args)
    assert created == pv.VimeoConnection(
        connection_id=ID,
        name="Test Vimeo Connection",
        description="Testing Vimeo connection via API",
        client_identifier="test_client_id_123",
        enabled=True,
        version=1,
        type=None,
        created_date=None,
        updated_date=None,
    )


@pytest.mark.anyio
async def test_get_request_and_mapping(
    router: respx.MockRouter,
    conns: pv.AsyncVimeoConnections,
    api_key: str,
    connection_json: ConnectionJson,
) -> None:
    """get sends a bodiless GET of the item; dates are aware UTC, unknown fields are ignored."""
    payload = connection_json(futureField={"x": 1}, clientSecret="never-mapped")
    route = router.get(ITEM_PATH).respond(200, json=payload)
    got = await conns.get(ID)
    request = route.calls.last.request
    assert request.method == "GET"
    assert request.url.raw_path == ITEM_PATH.encode()
    assert_api_headers(request, api_key)
    assert request.content == b""
    assert "Content-Type" not in request.headers
    assert got.connection_id == ID
    assert got.type == "VIMEO"
    assert got.created_date == datetime(2025, 12, 22, 15, 56, 12, 309000, tzinfo=UTC)
    assert got.updated_date == datetime(2025, 12, 22, 16, 19, 16, 58000, tzinfo=UTC)
    assert got.updated_date is not None
    assert got.updated_date.utcoffset() == timedelta(0)
    assert not hasattr(got, "client_secret")


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-12-22T17:56:12.309+02:00", datetime(2025, 12, 22, 15, 56, 12, 309000, tzinfo=UTC)),
        ("2025-12-22T15:56:12.309", datetime(2025, 12, 22, 15, 56, 12, 309000, tzinfo=UTC)),
        ("2025-12-22T15:56:12Z", datetime(2025, 12, 22, 15, 56, 12, tzinfo=UTC)),
    ],
)
async def test_dates_are_normalised_to_utc(
    router: respx.MockRouter,
    conns: pv.AsyncVimeoConnections,
    connection_json: ConnectionJson,
    raw: str,
    expected: datetime,
) -> None:
    """An offset is converted to UTC and a naive timestamp is read as UTC."""
    router.get(ITEM_PATH).respond(200, json=connection_json(createdDate=raw))
    got = await conns.get(ID)
    assert got.created_date == expected
    assert got.created_date is not None
    assert got.created_date.tzinfo is UTC


@pytest.mark.anyio
async def test_list_page_first_request_has_no_query(
    router: respx.MockRouter, conns: pv.AsyncVimeoConnections, api_key: str
) -> None:
    """The first page is a plain GET of the collection; the published example maps fully."""
    route = router.get("/pictoryapis/v1/vimeo-connections").respond(200, json=LIST_EXAMPLE)
    page = await conns.list_page()
    request = route.calls.last.request
    assert request.method == "GET"
    assert request.url.raw_path == b"/pictoryapis/v1/vimeo-connections"
    assert request.url.query == b""
    assert_api_headers(request, api_key)
    assert isinstance(page, pv.Page)
    assert page.next_page_key is None
    assert [c.connection_id for c in page.items] == ["20251004004125558w7qnfweid5ilsos", ID]
    assert page.items[0].description is None
    assert page.items[1].description == "Testing Vimeo connection via API"
    assert page.items[0].created_date == datetime(2025, 10, 4, 0, 41, 24, 597000, tzinfo=UTC)


@pytest.mark.anyio
@pytest.mark.parametrize(
    "key",
    ["eyJsYXN0RXZhbHVhdGVkS2V5Ijp7fX0=", "a+b/c==", "x&z=1#frag%2F?~", "ключ+/="],
)
async def test_next_page_key_is_passed_back_exactly(
    router: respx.MockRouter, conns: pv.AsyncVimeoConnections, key: str
) -> None:
    """nextPageKey goes back as received, with +, /, = and friends percent-encoded."""
    route = router.get("/pictoryapis/v1/vimeo-connections").respond(
        200, json={"Items": [], "nextPageKey": key}
    )
    first = await conns.list_page()
    assert first.next_page_key == key
    await conns.list_page(next_page_key=first.next_page_key)
    url = route.calls.last.request.url
    assert url.raw_path.split(b"?")[0] == b"/pictoryapis/v1/vimeo-connections"
    assert url.params.get_list("nextPageKey") == [key]
    assert list(url.params) == ["nextPageKey"]
    raw_value = url.query.decode("ascii").removeprefix("nextPageKey=")
    assert not set(raw_value) & set("+/=&#?")
    assert urllib.parse.unquote(raw_value) == key


@pytest.mark.anyio
async def test_update_sends_only_the_fields_passed(
    router: respx.MockRouter,
    conns: pv.AsyncVimeoConnections,
    api_key: str,
    connection_json: ConnectionJson,
) -> None:
    """update PUTs the item with version plus exactly the fields given (False included)."""
    route = router.put(ITEM_PATH).respond(200, json=connection_json(version=4, enabled=False))
    updated = await conns.update(ID, version=3, enabled=False)
    request = route.calls.last.request
    assert request.method == "PUT"
    assert request.url.raw_path == ITEM_PATH.encode()
    assert_api_headers(request, api_key)
    assert request.headers["Content-Type"] == "application/json"
    assert body_of(request) == {"version": 3, "enabled": False}
    assert updated.version == 4
    assert updated.enabled is False


@pytest.mark.anyio
async def test_update_with_every_field(
    router: respx.MockRouter, conns: pv.AsyncVimeoConnections, connection_json: ConnectionJson
) -> None:
    """Every updatable field goes out camelCase, next to version."""
    route = router.put(ITEM_PATH).respond(200, json=connection_json(version=2))
    await conns.update(
        ID,
        version=1,
        name="New Name",
        description="",
        enabled=True,
        client_identifier="new_client_id",
        client_secret="new_client_secret",
        access_token="new_access_token",
    )
    assert body_of(route.calls.last.request) == {
        "version": 1,
        "name": "New Name",
        "description": "",
        "enabled": True,
        "clientIdentifier": "new_client_id",
        "clientSecret": "new_client_secret",
        "accessToken": "new_access_token",
    }


@pytest.mark.anyio
async def test_delete_returns_none_and_is_idempotent(
    router: respx.MockRouter, conns: pv.AsyncVimeoConnections, api_key: str
) -> None:
    """DELETE answers 204 each time, also for a connection already gone: both return None."""
    route = router.delete(ITEM_PATH).respond(204)
    delete: Callable[[str], Awaitable[object]] = conns.delete
    assert await delete(ID) is None
    assert await delete(ID) is None
    assert route.call_count == 2
    request = route.calls.last.request
    assert request.method == "DELETE"
    assert request.url.raw_path == ITEM_PATH.encode()
    assert request.content == b""
    assert_api_headers(request, api_key)


@pytest.mark.anyio
@pytest.mark.parametrize(("status", "error"), FINAL_STATUSES.items())
async def test_delete_failures_raise(
    router: respx.MockRouter,
    conns: pv.AsyncVimeoConnections,
    status: int,
    error: type[pv.APIStatusError],
) -> None:
    """A failed delete raises, even though deleting twice is fine."""
    router.delete(ITEM_PATH).respond(status, json={"message": "no"})
    with pytest.raises(error):
        await conns.delete(ID)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("status", "page", "error", "says"),
    [
        (
            404,
            "<!DOCTYPE html><html><head><title>Page not found</title></head><body/></html>",
            pv.NotFoundError,
            "Page not found",
        ),
        (200, "<html><head><title>Welcome</title></head></html>", pv.InvalidResponseError, None),
    ],
    ids=["wrong-base-url-404", "catch-all-200"],
)
async def test_delete_answered_by_an_html_page_is_not_success(
    router: respx.MockRouter,
    conns: pv.AsyncVimeoConnections,
    status: int,
    page: str,
    error: type[pv.PictoryError],
    says: str | None,
) -> None:
    """A site's HTML page (a wrong base_url's 404 by its title, a catch-all's 200) is no delete."""
    router.delete(ITEM_PATH).respond(status, text=page, headers={"Content-Type": "text/html"})
    with pytest.raises(error, match=says):
        await conns.delete(ID)


@pytest.mark.anyio
async def test_default_headers_are_merged_but_cannot_replace_the_key(
    router: respx.MockRouter, api_key: str, base_url: str
) -> None:
    """default_headers ride along on every request; one that would replace the key is refused."""
    route = router.get(ITEM_PATH).respond(200, json=CREATED)
    headers = {"X-Team": "video", "Accept-Language": "de"}
    async with pv.AsyncPictoryClient(
        api_key=api_key, base_url=base_url, default_headers=headers, transport="httpx"
    ) as sdk:
        await sdk.vimeo_connections.get(ID)
    request = route.calls.last.request
    assert request.headers["X-Team"] == "video"
    assert request.headers["Accept-Language"] == "de"
    assert_api_headers(request, api_key)
    with pytest.raises(pv.ValidationError, match="default_headers: cannot set Authorization"):
        pv.AsyncPictoryClient(api_key, base_url, default_headers={"authorization": "pictai_x"})


@pytest.mark.anyio
async def test_a_base_url_path_prefix_is_kept(router: respx.MockRouter, api_key: str) -> None:
    """A base_url with a path (a gateway prefix) prefixes every request path."""
    route = router.get(f"https://api.test/gw/v2{ITEM_PATH}").respond(200, json=CREATED)
    async with pv.AsyncPictoryClient(
        api_key=api_key, base_url="https://api.test/gw/v2/", transport="httpx"
    ) as sdk:
        await sdk.vimeo_connections.get(ID)
    assert route.calls.last.request.url.raw_path == f"/gw/v2{ITEM_PATH}".encode()
