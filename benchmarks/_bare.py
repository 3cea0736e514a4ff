"""A bare ASGI app answering what the benchmarks call, with fixed bodies, after a delay.

The emulator's app costs the server more than a fast client costs itself: served by it,
every client tops out near the same few thousand calls/s, so the clients' differences
vanish. This app does the least a server can while answering as the API does: ``get``
gets a fixed connection (about 300 bytes) carrying the ID it asked for, ``list_page`` a
fixed page, ``update`` the connection with the sent version plus one, openai-python's
``GET /v1/models/{id}`` a model. No Starlette, no store, no checks of the key.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Final

#: ASGI callables, kept loose: the server only passes them through.
Scope = dict[str, Any]
Receive = Any
Send = Any

PATH: Final = b"/pictoryapis/v1/vimeo-connections"
_MODELS: Final = b"/v1/models/"
_STAMP: Final = "2026-01-01T00:00:00.000Z"


def connection_ids(count: int) -> list[str]:
    """``count`` IDs in the API's shape (17 digits, then 15 lowercase letters or digits)."""
    return [f"20260101000000000bench{index:010d}" for index in range(count)]


def connection(connection_id: str, version: int, description: str) -> dict[str, Any]:
    """A connection as the API sends it."""
    return {
        "connectionId": connection_id,
        "name": f"bench {connection_id[-6:]}",
        "description": description,
        "clientIdentifier": f"client-{connection_id[-6:]}",
        "type": "VIMEO",
        "enabled": True,
        "createdDate": _STAMP,
        "updatedDate": _STAMP,
        "version": version,
    }


def _headers(body: bytes) -> list[tuple[bytes, bytes]]:
    return [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]


class BareApp:
    """The routes the benchmarks use, answered from templates after ``latency`` seconds."""

    def __init__(self, latency: float, page_size: int, ids: list[str]) -> None:
        self._latency = latency
        # The body of a get with its ID cut out: the ID goes between the two halves.
        marker = "@connection-id@"
        fixed = {**connection(marker, 1, "benchmark connection"), "name": "bench"}
        fixed["clientIdentifier"] = "client"
        head, _, tail = json.dumps(fixed).partition(marker)
        self._get = (head.encode(), tail.encode())
        items = [connection(i, 1, "benchmark connection") for i in ids[:page_size]]
        self._page = json.dumps({"Items": items}).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one request."""
        if scope["type"] != "http":
            return
        path: bytes = scope.get("raw_path") or scope["path"].encode()
        path = path.partition(b"?")[0]
        method = scope["method"]
        body = await _body(receive) if method == "PUT" else b""
        if self._latency > 0:
            await asyncio.sleep(self._latency)
        status, answer = 200, b""
        if path.startswith(_MODELS):
            model = path[len(_MODELS) :].decode("latin-1")
            answer = json.dumps(
                {"id": model, "object": "model", "created": 1_700_000_000, "owned_by": "bench"}
            ).encode()
        elif path == PATH and method == "GET":
            answer = self._page
        elif path.startswith(PATH + b"/"):
            connection_id = path[len(PATH) + 1 :]
            if method == "GET":
                answer = self._get[0] + connection_id + self._get[1]
            elif method == "PUT":
                sent = json.loads(body)
                answer = json.dumps(
                    connection(
                        connection_id.decode("ascii"),
                        int(sent["version"]) + 1,
                        str(sent.get("description", "")),
                    )
                ).encode()
            else:
                status = 405
        else:
            status = 404
        if status != 200:
            answer = b'{"message":"not here"}'
        await send({"type": "http.response.start", "status": status, "headers": _headers(answer)})
        await send({"type": "http.response.body", "body": answer})


async def _body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)
