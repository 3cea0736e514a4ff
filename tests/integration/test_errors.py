"""Every error the API documents, met over loopback and surfaced as the SDK's typed error.

Bodies the SDK refuses to send (it validates first) are sent with plain httpx, and through
the SDK by a transport that swaps the body on its way out, so the SDK's mapping of the
server's answer is exercised too.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest

import pictory_vimeo as pv
from pictory_vimeo import emulator
from pictory_vimeo._models import to_camel
from tests._support import MakeClient
from tests.integration._support import NewConnection

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

#: Breaks a rule in every field: bad characters, a non-boolean, empty and over-long text.
BAD_CREATE: dict[str, Any] = {
    "name": "bad/name!",
    "description": "d" * 251,
    "enabled": "yes",
    "clientIdentifier": "",
    "clientSecret": "s" * 501,
    "accessToken": "",
}


class _SwapBody(httpx.AsyncBaseTransport):
    """Sends every request over loopback with ``body`` in place of the one the SDK built."""

    def __init__(self, body: bytes) -> None:
        self._body = body
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Forward ``request`` with the swapped body (and its own Content-Length)."""
        headers = [(k, v) for k, v in request.headers.raw if k.lower() != b"content-length"]
        swapped = httpx.Request(request.method, request.url, headers=headers, content=self._body)
        return await self._inner.handle_async_request(swapped)

    async def aclose(self) -> None:
        """Close the loopback connections."""
        await self._inner.aclose()


def _fields(response: httpx.Response) -> set[str]:
    return {error["field"] for error in response.json()["errors"]}


async def _count(raw: httpx.AsyncClient) -> int:
    return len((await raw.get("/pictoryapis/v1/vimeo-connections")).json()["Items"])


async def test_validation_error_names_every_bad_field_like_the_sdk_does(
    raw: httpx.AsyncClient, path: str, served: emulator.RunningEmulator
) -> None:
    """400 VALIDATION_ERROR lists each broken field; the SDK refuses the same input unsent."""
    response = await raw.post(path, json=BAD_CREATE)
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert response.headers["x-request-id"]
    server_fields = _fields(response)
    assert server_fields == set(BAD_CREATE)

    requests_before = served.emulator.stats()["requests"]
    async with pv.AsyncPictoryClient("pictai_x", served.base_url) as client:
        bad_enabled: Any = BAD_CREATE["enabled"]
        with pytest.raises(pv.ValidationError) as refused:
            await client.vimeo_connections.create(
                name=BAD_CREATE["name"],
                description=BAD_CREATE["description"],
                enabled=bad_enabled,
                client_identifier=BAD_CREATE["clientIdentifier"],
                client_secret=BAD_CREATE["clientSecret"],
                access_token=BAD_CREATE["accessToken"],
            )
    assert {to_camel(error.field) for error in refused.value.errors} == server_fields
    assert served.emulator.stats()["requests"] == requests_before
    assert await _count(raw) == 0


async def test_update_validation_error_matches_the_sdk_refusal(
    raw: httpx.AsyncClient,
    path: str,
    conns: pv.AsyncVimeoConnections,
    new_connection: NewConnection,
) -> None:
    """A bad update body: 400 VALIDATION_ERROR naming the fields the SDK refuses unsent."""
    created = await new_connection("Valid Before")
    before = await conns.get(created.connection_id)
    bad: dict[str, Any] = {"version": "1", "enabled": "no", "name": "n" * 101}
    response = await raw.put(f"{path}/{created.connection_id}", json=bad)
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert _fields(response) == set(bad)

    with pytest.raises(pv.ValidationError) as refused:
        await conns.update(
            created.connection_id, version=bad["version"], enabled=bad["enabled"], name=bad["name"]
        )
    assert {to_camel(error.field) for error in refused.value.errors} == set(bad)
    assert await conns.get(created.connection_id) == before


async def test_validation_error_reaches_the_caller_as_bad_request(
    served: emulator.RunningEmulator, api_key: str, raw: httpx.AsyncClient
) -> None:
    """The server's own 400 VALIDATION_ERROR becomes BadRequestError with its code."""
    transport = _SwapBody(json.dumps(BAD_CREATE).encode())
    async with (
        httpx.AsyncClient(transport=transport) as http,
        pv.AsyncPictoryClient(api_key, served.base_url, http_client=http) as client,
    ):
        with pytest.raises(pv.BadRequestError) as info:
            await client.vimeo_connections.create(
                name="Fine", client_identifier="c", client_secret="s", access_token="t"
            )
    assert (info.value.status_code, info.value.code) == (400, "VALIDATION_ERROR")
    assert info.value.request_id
    assert "clientIdentifier" in info.value.message
    assert info.value.attempts == 1  # a 400 is never retried
    assert await _count(raw) == 0


async def test_version_required(
    raw: httpx.AsyncClient,
    path: str,
    served: emulator.RunningEmulator,
    api_key: str,
    new_connection: NewConnection,
) -> None:
    """An update body without version is 400 VERSION_REQUIRED and changes nothing."""
    created = await new_connection("Versioned")
    response = await raw.put(f"{path}/{created.connection_id}", json={"description": "x"})
    assert response.status_code == 400
    assert response.json()["code"] == "VERSION_REQUIRED"
    assert "version" in _fields(response)

    async with (
        httpx.AsyncClient(transport=_SwapBody(b'{"description": "x"}')) as http,
        pv.AsyncPictoryClient(api_key, served.base_url, http_client=http) as client,
    ):
        with pytest.raises(pv.BadRequestError) as info:
            await client.vimeo_connections.update(created.connection_id, version=1, description="x")
    assert info.value.code == "VERSION_REQUIRED"
    unchanged = (await raw.get(f"{path}/{created.connection_id}")).json()
    assert (unchanged["version"], "description" in unchanged) == (1, False)


async def test_invalid_page_key(conns: pv.AsyncVimeoConnections) -> None:
    """A nextPageKey the API never issued is 400 INVALID_PAGE_KEY through list_page."""
    with pytest.raises(pv.BadRequestError) as info:
        await conns.list_page(next_page_key="garbage")
    assert (info.value.status_code, info.value.code) == (400, "INVALID_PAGE_KEY")
    with pytest.raises(pv.BadRequestError):
        async for _ in conns.list(next_page_key="garbage"):
            pass


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"name": "Broken", "enabled": true,', "application/json"),
        (b"not json at all", "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (
            b'{"name": "Typed", "enabled": true, "clientIdentifier": "c",'
            b' "clientSecret": "s", "accessToken": "t"}',
            "text/plain",
        ),
        (b"name=Form&enabled=true", "application/x-www-form-urlencoded"),
    ],
    ids=["truncated", "not-json", "array", "text-plain", "form"],
)
async def test_a_body_that_is_not_a_json_object_is_400(
    raw: httpx.AsyncClient,
    path: str,
    new_connection: NewConnection,
    content: bytes,
    content_type: str,
) -> None:
    """Invalid JSON, or a valid body sent as another Content-Type: 400, nothing written."""
    created = await new_connection("Target")
    headers = {"Content-Type": content_type}
    for response in (
        await raw.post(path, content=content, headers=headers),
        await raw.put(f"{path}/{created.connection_id}", content=content, headers=headers),
    ):
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "INVALID_JSON"
        assert isinstance(body["message"], str)
    listing = (await raw.get(path)).json()["Items"]
    assert [(item["name"], item["version"]) for item in listing] == [("Target", 1)]


async def test_a_key_without_the_pictai_prefix_is_401(
    make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    """The SDK only warns about such a key; the server answers 401 -> AuthenticationError."""
    caplog.set_level(logging.WARNING, logger="pictory_vimeo")
    bad_key = "sk_live_not_a_pictory_key"
    conns = make_client(bad_key).vimeo_connections
    assert any("pictai_" in record.getMessage() for record in caplog.records)
    with pytest.raises(pv.AuthenticationError) as info:
        await conns.list_page()
    assert (info.value.status_code, info.value.code) == (401, "UNAUTHORIZED")
    assert bad_key not in str(info.value)
    assert all(bad_key not in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": ""}, {"Authorization": "Bearer pictai_a"}, {"Authorization": "pictai_"}],
    ids=["missing", "empty", "bearer", "prefix-only"],
)
async def test_raw_requests_without_a_usable_key_are_401(
    served: emulator.RunningEmulator, path: str, headers: dict[str, str]
) -> None:
    """The raw key, no scheme: anything else is 401 on every route."""
    async with httpx.AsyncClient(base_url=served.base_url, headers=headers) as http:
        for response in (
            await http.get(path),
            await http.post(path, json={"name": "x"}),
            await http.get(f"{path}/20251222155613307xv0nodhitf9cd0f"),
            await http.delete(f"{path}/20251222155613307xv0nodhitf9cd0f"),
        ):
            assert response.status_code == 401
            assert response.json()["code"] == "UNAUTHORIZED"
            assert response.headers["x-request-id"]


async def test_not_found(conns: pv.AsyncVimeoConnections) -> None:
    """An unknown ID is NotFoundError for get and for update."""
    unknown = "20251222155613307xv0nodhitf9cd0f"
    with pytest.raises(pv.NotFoundError) as on_get:
        await conns.get(unknown)
    assert (on_get.value.status_code, on_get.value.code) == (404, "NOT_FOUND")
    with pytest.raises(pv.NotFoundError):
        await conns.update(unknown, version=1, enabled=False)


async def test_duplicate_name_on_create_and_on_rename(
    conns: pv.AsyncVimeoConnections, new_connection: NewConnection
) -> None:
    """A taken name is DuplicateNameError, on create and on rename; nothing changes."""
    first = await new_connection("Taken")
    second = await new_connection("Free")
    with pytest.raises(pv.DuplicateNameError) as on_create:
        await new_connection("Taken")
    assert (on_create.value.status_code, on_create.value.code) == (409, "DUPLICATE_NAME")
    before = await conns.get(second.connection_id)
    with pytest.raises(pv.DuplicateNameError) as on_rename:
        await conns.update(second.connection_id, version=1, name="Taken")
    assert on_rename.value.code == "DUPLICATE_NAME"
    assert await conns.get(second.connection_id) == before
    assert [c.connection_id async for c in conns.list()] == [
        first.connection_id,
        second.connection_id,
    ]
    # Keeping one's own name is no clash.
    kept = await conns.update(first.connection_id, version=1, name="Taken", enabled=False)
    assert (kept.name, kept.version) == ("Taken", 2)


async def test_version_conflict_changes_nothing(
    conns: pv.AsyncVimeoConnections, new_connection: NewConnection
) -> None:
    """A stale version is VersionConflictError and the stored connection is untouched."""
    created = await new_connection("Locked", description="v1")
    current = await conns.update(created.connection_id, version=1, description="v2")
    for stale in (1, 3, 99):
        with pytest.raises(pv.VersionConflictError) as info:
            await conns.update(created.connection_id, version=stale, name="Lost Update")
        assert (info.value.status_code, info.value.code) == (409, "VERSION_CONFLICT")
    assert await conns.get(created.connection_id) == current
