"""Request validation: the shared field rules at their boundaries, bodies that are not JSON."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from pictory_vimeo import _rules

Body = Callable[..., dict[str, Any]]
Create = Callable[..., Awaitable[dict[str, Any]]]

#: (field, value, valid) at the documented boundaries of each rule.
BOUNDARIES: list[tuple[str, Any, bool]] = [
    ("name", "", False),
    ("name", "a", True),
    ("name", "n" * 100, True),
    ("name", "n" * 101, False),
    ("name", "Ok name_with-chars 9", True),
    ("name", "slash/no", False),
    ("name", "dot.no", False),
    ("name", "tab\tno", False),
    ("name", "trailing newline\n", False),
    ("name", "ünïcode", False),
    ("name", 12, False),
    ("name", None, False),
    ("description", "", True),
    ("description", "d" * 250, True),
    ("description", "d" * 251, False),
    ("description", "any/thing: ok.", True),
    ("description", 5, False),
    ("enabled", False, True),
    ("enabled", "true", False),
    ("enabled", 1, False),
    ("enabled", None, False),
    ("clientIdentifier", "", False),
    ("clientIdentifier", "c" * 500, True),
    ("clientIdentifier", "c" * 501, False),
    ("clientSecret", "", False),
    ("clientSecret", "s" * 500, True),
    ("clientSecret", "s" * 501, False),
    ("accessToken", "t" * 500, True),
    ("accessToken", "t" * 501, False),
    ("accessToken", ["list"], False),
]


def _sdk_verdict(body: dict[str, Any]) -> list[str]:
    return [error.field for error in _rules.check_create(body, naming="api")]


@pytest.mark.anyio
@pytest.mark.parametrize(("field", "value", "valid"), BOUNDARIES)
async def test_create_rules_at_their_boundaries(
    emu_http: httpx.AsyncClient, path: str, body: Body, field: str, value: Any, valid: bool
) -> None:
    """Create accepts exactly what the SDK's own rules accept, and names the bad field."""
    sent = body(**{field: value})
    assert (_sdk_verdict(sent) == []) is valid  # the emulator and the SDK share the rules
    response = await emu_http.post(path, json=sent)
    if valid:
        assert response.status_code == 201, response.text
        return
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "VALIDATION_ERROR"
    assert [error["field"] for error in data["errors"]] == [field]
    assert data["message"]


@pytest.mark.anyio
@pytest.mark.parametrize(("field", "value", "valid"), BOUNDARIES)
async def test_update_rules_at_their_boundaries(
    emu_http: httpx.AsyncClient, path: str, create: Create, field: str, value: Any, valid: bool
) -> None:
    """Update applies the same rules to each field it is sent."""
    item = f"{path}/{(await create(name='Original'))['connectionId']}"
    sent = {"version": 1, field: value}
    assert ([e.field for e in _rules.check_update(sent, naming="api")] == []) is valid
    response = await emu_http.put(item, json=sent)
    if valid:
        assert response.status_code == 200, response.text
        assert response.json()["version"] == 2
        return
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert (await emu_http.get(item)).json()["version"] == 1


@pytest.mark.anyio
async def test_every_broken_rule_is_listed(
    emu_http: httpx.AsyncClient, path: str, body: Body
) -> None:
    """One 400 names every bad field, missing ones as 'is required', unknown ones too."""
    sent = body(name="", description="d" * 251, enabled="yes", surprise=1)
    del sent["clientIdentifier"]
    del sent["accessToken"]
    response = await emu_http.post(path, json=sent)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [
        "name",
        "description",
        "enabled",
        "clientIdentifier",
        "accessToken",
        "surprise",
    ]
    assert errors[3]["message"] == "is required"


@pytest.mark.anyio
@pytest.mark.parametrize("version", [0, -1, "1", 1.0, True, [1]])
async def test_a_bad_version_is_a_validation_error(
    emu_http: httpx.AsyncClient, item: str, version: object
) -> None:
    """A version that is not a positive integer is VALIDATION_ERROR (not a conflict)."""
    response = await emu_http.put(item, json={"version": version, "enabled": False})
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert response.json()["errors"][0]["field"] == "version"


@pytest.mark.anyio
@pytest.mark.parametrize("field", ["connectionId", "type", "createdDate", "client_secret"])
async def test_unknown_fields_are_rejected(
    emu_http: httpx.AsyncClient, path: str, body: Body, create: Create, field: str
) -> None:
    """A strict API: fields it does not take (read-only or misspelt) are named, not ignored."""
    response = await emu_http.post(path, json=body(**{field: "x"}))
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": field, "message": "is not a field of this request"}
    ]
    item = f"{path}/{(await create())['connectionId']}"
    update = await emu_http.put(item, json={"version": 1, field: "x"})
    assert update.status_code == 400
    assert update.json()["errors"][0]["field"] == field


@pytest.mark.anyio
async def test_a_version_only_update_still_moves_the_version(
    emu_http: httpx.AsyncClient, item: str
) -> None:
    """An update that changes no field is accepted and still counts as an update."""
    response = await emu_http.put(item, json={"version": 1})
    assert response.status_code == 200
    assert response.json()["version"] == 2


BAD_BODIES: list[tuple[bytes, dict[str, str]]] = [
    (b"{not json", {"content-type": "application/json"}),
    (b"", {"content-type": "application/json"}),
    (b"[1, 2]", {"content-type": "application/json"}),
    (b"null", {"content-type": "application/json"}),
    (b'"text"', {"content-type": "application/json"}),
    (b"\xff\xfe{}", {"content-type": "application/json"}),
    (b'{"\\udfff": 1}', {"content-type": "application/json"}),
    (b"[" * 50_000, {"content-type": "application/json"}),
    (b'{"version": 1' + b"0" * 5000 + b"}", {"content-type": "application/json"}),
    (b'{"name": "A"}', {"content-type": "text/plain"}),
    (b'{"name": "A"}', {"content-type": "application/x-www-form-urlencoded"}),
    (b'{"name": "A"}', {}),
]


@pytest.mark.anyio
@pytest.mark.parametrize(("content", "headers"), BAD_BODIES)
async def test_bodies_that_are_not_a_json_object_are_400(
    emu_http: httpx.AsyncClient, path: str, item: str, content: bytes, headers: dict[str, str]
) -> None:
    """Invalid JSON, non-objects, bad Unicode and a wrong Content-Type are 400, never 500."""
    for method, url in (("POST", path), ("PUT", item)):
        response = await emu_http.request(method, url, content=content, headers=headers)
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "INVALID_JSON"
        assert response.json()["message"]


@pytest.mark.anyio
@pytest.mark.parametrize("field", ["name", "description", "clientSecret", "version"])
async def test_a_lone_surrogate_in_a_value_is_400_naming_its_field(
    emu_http: httpx.AsyncClient, path: str, item: str, field: str
) -> None:
    """JSON can spell text with no UTF-8 form; the field's rule refuses it by name, as the
    SDK does before sending, rather than the whole body being called invalid JSON.
    """
    for method, url in (("POST", path), ("PUT", item)):
        if field == "version" and method == "POST":
            continue  # not a field of a create
        content = b'{"%s": "ok\\ud800"}' % field.encode()
        response = await emu_http.request(
            method, url, content=content, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400, response.text
        assert response.json()["code"] in ("VALIDATION_ERROR", "VERSION_REQUIRED")
        named = {error["field"]: error["message"] for error in response.json()["errors"]}
        assert "lone surrogate" in named[field]


@pytest.mark.anyio
async def test_json_content_type_parameters_are_accepted(
    emu_http: httpx.AsyncClient, path: str, body: Body
) -> None:
    """``application/json; charset=utf-8`` is JSON too."""
    response = await emu_http.post(
        path,
        content=httpx.Request("POST", "http://x", json=body()).content,
        headers={"content-type": "Application/JSON; charset=utf-8"},
    )
    assert response.status_code == 201


@pytest.mark.anyio
async def test_oversized_bodies_are_refused(emu_http: httpx.AsyncClient, path: str) -> None:
    """A body far larger than any valid request is refused before it is read."""
    response = await emu_http.post(
        path, content=b" " * (1024 * 1024), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["code"] == "PAYLOAD_TOO_LARGE"


@pytest.mark.anyio
async def test_huge_field_names_are_cut_in_errors(
    emu_http: httpx.AsyncClient, path: str, body: Body
) -> None:
    """An unknown field's name is echoed at most 100 characters long."""
    response = await emu_http.post(path, json=body(**{"x" * 5000: 1}))
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "x" * 100, "message": "is not a field of this request"}
    ]
