"""Error bodies of every shape become a message and code; bad 2xx bodies are invalid responses."""

from __future__ import annotations

import json
from typing import Any

import pytest
import respx

import pictory_vimeo as pv
from tests._support import connection_json

ID = "20251222155613307xv0nodhitf9cd0f"
ITEM_PATH = f"/pictoryapis/v1/vimeo-connections/{ID}"
LIST_PATH = "/pictoryapis/v1/vimeo-connections"
HTML_502 = """<html>
<head><title>502 Bad
    Gateway</title></head>
<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body>
</html>"""

# (status, content, content type, expected message, expected code)
ERROR_BODIES: list[tuple[int, bytes, str, str, str | None]] = [
    (
        400,
        b'{"message": "name is required", "code": "VALIDATION_ERROR"}',
        "application/json",
        "name is required",
        "VALIDATION_ERROR",
    ),
    (
        401,
        b'{"success": false, "error": {"error_message": "Invalid API key",'
        b' "error_code": "UNAUTHORIZED"}}',
        "application/json",
        "Invalid API key",
        "UNAUTHORIZED",
    ),
    (
        404,
        b'{"type": "https://api.pictory.ai/problems/not-found", "title": "Not Found",'
        b' "status": 404, "detail": "No connection with this ID"}',
        "application/problem+json",
        "No connection with this ID",
        "https://api.pictory.ai/problems/not-found",
    ),
    (
        422,
        b'{"type": "about:blank", "title": "Unprocessable", "status": 422}',
        "application/problem+json",
        "Unprocessable",
        None,
    ),
    (
        403,
        b'{"Message": "User is not authorized"}',
        "application/json",
        "User is not authorized",
        None,
    ),
    (400, b'{"error": "Bad things"}', "application/json", "Bad things", None),
    (
        503,
        b"Service Unavailable\r\n  try later\n",
        "text/plain",
        "Service Unavailable try later",
        None,
    ),
    (502, HTML_502.encode(), "text/html", "502 Bad Gateway", None),
    (502, b"<html><body>oops</body></html>", "text/html", "Bad Gateway", None),
    (500, b"", "application/json", "Internal Server Error", None),
    (500, b"   \n", "text/plain", "Internal Server Error", None),
    (400, b'{"message": "trunc', "application/json", '{"message": "trunc', None),
    (400, b"[1, 2, 3]", "application/json", "Bad Request", None),
    (400, b"42", "application/json", "42", None),
    (400, b"null", "application/json", "Bad Request", None),
    (400, b'"just a string"', "application/json", "just a string", None),
    (400, b'{"message": 7, "code": ["x"]}', "application/json", "Bad Request", None),
    (400, b'{"error": {"error_message": null}}', "application/json", "Bad Request", None),
    (400, b'{"message": "line one\\nline two"}', "application/json", "line one line two", None),
    (404, b"\xff\xfe not utf-8 \x80", "text/plain", "not utf-8", None),
    (
        400,
        b'{"message": "Invalid body", "errors": [{"field": "name", "message": "too long"}]}',
        "application/json",
        "Invalid body (name: too long)",
        None,
    ),
]


@pytest.mark.anyio
@pytest.mark.parametrize(("status", "content", "content_type", "message", "code"), ERROR_BODIES)
async def test_error_body_shapes(
    router: respx.MockRouter,
    conns: pv.AsyncVimeoConnections,
    status: int,
    content: bytes,
    content_type: str,
    message: str,
    code: str | None,
) -> None:
    """Whatever the body, the error has a one-line message (and a code when one was given)."""
    router.get(ITEM_PATH).respond(status, content=content, headers={"Content-Type": content_type})
    with pytest.raises(pv.APIStatusError) as caught:
        await conns.get(ID)
    exc = caught.value
    assert exc.status_code == status
    assert message in exc.message
    assert exc.code == code
    assert "\n" not in str(exc)
    assert "\r" not in str(exc)
    assert str(exc).startswith(f"{status} ")


@pytest.mark.anyio
async def test_a_long_message_is_cut_short(
    router: respx.MockRouter, conns: pv.AsyncVimeoConnections
) -> None:
    """A huge body does not become a huge exception message."""
    router.get(ITEM_PATH).respond(500, text="x" * 10_000)
    with pytest.raises(pv.InternalServerError) as caught:
        await conns.get(ID)
    assert len(caught.value.message) <= 300
    assert caught.value.message.endswith("...")


@pytest.mark.anyio
async def test_the_parsed_body_is_kept(
    router: respx.MockRouter, conns: pv.AsyncVimeoConnections
) -> None:
    """The error keeps the parsed JSON body for callers who need more than the message."""
    body = {"message": "nope", "code": "X", "details": {"hint": 1}}
    router.get(ITEM_PATH).respond(400, json=body)
    with pytest.raises(pv.BadRequestError) as caught:
        await conns.get(ID)
    assert caught.value.body == body


BAD_CONNECTIONS: list[Any] = [
    [1, 2],
    "a string",
    7,
    None,
    {"connectionId": 1, "name": "n", "clientIdentifier": "c", "enabled": True, "version": 1},
    {"connectionId": "x", "name": "n", "clientIdentifier": "c", "enabled": "yes", "version": 1},
    {"connectionId": "x", "name": "n", "clientIdentifier": "c", "enabled": True, "version": "1"},
    {"connectionId": "x", "name": "n", "clientIdentifier": "c", "enabled": True, "version": True},
    {"connectionId": "x", "name": "n", "clientIdentifier": "c", "enabled": True},
    {"name": "n", "clientIdentifier": "c", "enabled": True, "version": 1},
    {
        "connectionId": "x",
        "name": "n",
        "clientIdentifier": "c",
        "enabled": True,
        "version": 1,
        "createdDate": "yesterday",
    },
    {
        "connectionId": "x",
        "name": "n",
        "clientIdentifier": "c",
        "enabled": True,
        "version": 1,
        "createdDate": 1700000000,
    },
]


@pytest.mark.anyio
@pytest.mark.parametrize("payload", BAD_CONNECTIONS)
async def test_a_malformed_connection_is_an_invalid_response(
    router: respx.MockRouter, conns: pv.AsyncVimeoConnections, payload: Any
) -> None:
    """A 2xx body with wrong types or missing required fields raises InvalidResponseError."""
    router.get(ITEM_PATH).respond(200, content=json.dumps(payload).encode())
    with pytest.raises(pv.InvalidResponseError) as caught:
        await conns.get(ID)
    assert caught.value.response is not None
    assert caught.value.response.status_code == 200
    assert ITEM_PATH in str(caught.value)


@pytest.mark.anyio
@pytest.mark.parametrize("content", [b"", b"<html>hi</html>", b'{"connectionId": "x"', b"\xff\xfe"])
async def test_a_body_that_is_not_json_is_an_invalid_response(
    router: respx.MockRouter, conns: pv.AsyncVimeoConnections, content: bytes
) -> None:
    """A 2xx that is not JSON at all (empty, HTML, truncated, not UTF-8) is invalid."""
    router.get(ITEM_PATH).respond(200, content=content)
    with pytest.raises(pv.InvalidResponseError, match="not JSON"):
        await conns.get(ID)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("payload", "says"),
    [
        pytest.param([], None, id="a-list"),
        pytest.param({}, None, id="no-items"),
        pytest.param({"items": []}, None, id="items-in-lower-case"),
        pytest.param({"Items": None}, None, id="items-null"),
        pytest.param({"Items": {"a": 1}}, None, id="items-an-object"),
        pytest.param({"Items": "[]"}, None, id="items-a-string"),
        pytest.param({"Items": [None]}, None, id="a-null-item"),
        # A null after a good item is named, not mistaken for the whole page.
        pytest.param({"Items": [connection_json(), None]}, "NoneType", id="a-null-after-an-item"),
        pytest.param({"Items": [[]]}, None, id="a-list-item"),
        pytest.param({"Items": [], "nextPageKey": 5}, None, id="a-number-for-the-key"),
        pytest.param({"Items": [{"connectionId": "x"}]}, None, id="an-item-missing-fields"),
    ],
)
async def test_a_malformed_page_is_an_invalid_response(
    router: respx.MockRouter, conns: pv.AsyncVimeoConnections, payload: Any, says: str | None
) -> None:
    """A list answer without an Items list, with bad items or a non-string key is invalid."""
    router.get(LIST_PATH).respond(200, json=payload)
    with pytest.raises(pv.InvalidResponseError, match=says):
        await conns.list_page()


@pytest.mark.anyio
async def test_a_malformed_create_or_update_answer_is_invalid(
    router: respx.MockRouter, conns: pv.AsyncVimeoConnections, create_args: dict[str, Any]
) -> None:
    """Writes check their answers too: a 2xx without a connection raises InvalidResponseError."""
    router.post(LIST_PATH).respond(201, json={"ok": True})
    router.put(ITEM_PATH).respond(200, text="OK")
    with pytest.raises(pv.InvalidResponseError):
        await conns.create(**create_args)
    with pytest.raises(pv.InvalidResponseError):
        await conns.update(ID, version=1, enabled=False)
