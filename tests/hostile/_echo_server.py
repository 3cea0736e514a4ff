"""A loopback API that quotes every request back, secrets and all, in one of many ways.

Used against the command (in process and as a real process): the key arrives in the
``Authorization`` header, the client secret and access token in a create's or update's
JSON body, and each mode sends them back differently. Reads that a command needs before
it writes (the ``get`` of an optimistic update) are answered properly, so the write and
its secrets always go out.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from typing import Final
from urllib.parse import quote

from ._servers import RawRequest, http_response
from ._support import COLLECTION, ID, connection_json

MODES: Final = (
    "message",
    "fastapi-422",
    "request-id-503",
    "json-escaped",
    "html-page",
    "illegal-header-line",
    "status-line",
    "redirect",
    "cut-short",
    "bad-2xx-field",
    "good-2xx-echo",
    "page-key-echo",
)


def _echo(request: RawRequest) -> str:
    """The whole request as text: body first, then every header (Authorization included)."""
    headers = "\n".join(f"{name}: {value}" for name, value in request.headers.items())
    return (
        f"{request.body.decode('utf-8', 'replace')}\n{request.method} {request.target}\n{headers}"
    )


def _input(request: RawRequest) -> object:
    try:
        return json.loads(request.body)
    except ValueError:
        return dict(request.headers)


def _success(request: RawRequest) -> int:
    return 201 if request.method == "POST" else 200


def _json(status: int, value: object, headers: list[tuple[bytes, bytes]] | None = None) -> bytes:
    return http_response(status, json.dumps(value, ensure_ascii=False).encode(), headers)


def _page_key_echo(request: RawRequest) -> bytes:
    key = "k-" + request.headers.get("authorization", "")
    if request.method == "GET" and request.target.split("?")[0] == COLLECTION:
        # The first page and every later one name the same key: a loop the paginator stops.
        return _json(200, {"Items": [connection_json(name=key[:100])], "nextPageKey": key})
    return _json(_success(request), connection_json(description=_echo(request)[:250]))


def _hostile(mode: str, request: RawRequest) -> bytes:
    echo = _echo(request)
    folded = " ".join(echo.split()).encode()
    if mode == "message":
        return _json(400, {"message": echo, "code": "ECHO"})
    if mode == "fastapi-422":
        return _json(422, {"detail": [{"loc": ["body"], "msg": "bad", "input": _input(request)}]})
    if mode == "request-id-503":
        return _json(503, {"message": "busy"}, [(b"x-request-id", folded)])
    if mode == "json-escaped":
        return http_response(400, json.dumps(echo).encode(), content_type=b"text/plain")
    if mode == "html-page":
        page = f"<html><title>{html.escape(echo)}</title><pre>{html.escape(echo)}</pre></html>"
        return http_response(502, page.encode(), content_type=b"text/html")
    if mode == "illegal-header-line":
        return http_response(400, b"{}", extra_head=folded + b"\r\n")
    if mode == "status-line":
        return b"HTTP/1.1 400 " + folded + b"\r\nContent-Length: 0\r\n\r\n"
    if mode == "redirect":
        return http_response(302, b"", [(b"location", b"/elsewhere?e=" + quote(echo).encode())])
    if mode == "cut-short":
        body = json.dumps({"message": echo}).encode()
        return http_response(500, body)[: -len(body) // 2]
    if mode == "bad-2xx-field":
        return _json(_success(request), {**connection_json(), "name": _input(request)})
    if mode == "good-2xx-echo":
        return _json(
            _success(request),
            connection_json(name="echo", description=" ".join(echo.split())[:250]),
        )
    raise AssertionError(mode)


def responder(mode: str, *, hostile_reads: bool) -> Callable[[RawRequest], bytes]:
    """What the server answers in ``mode``; reads of one connection are hostile only if
    ``hostile_reads`` (a ``get`` command), so an update's first read succeeds.
    """

    def answer(request: RawRequest) -> bytes:
        if mode == "page-key-echo":
            return _page_key_echo(request)
        path = request.target.split("?")[0]
        if request.method == "GET" and path != COLLECTION and not hostile_reads:
            return _json(200, connection_json())
        return _hostile(mode, request)

    return answer


#: The connection every command here works on.
CONNECTION_ID: Final = ID
