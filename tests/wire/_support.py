"""What the tests of this folder share besides fixtures (those are in its conftest):
constants, helpers and types, imported from here rather than from a conftest."""

from __future__ import annotations

import json
from collections.abc import Callable

import pictory_vimeo as pv
from tests import _support

from ._server import Exchange, Reply, Responder, answer

KEY = "pictai_wire_tests"


A = "20251222155613307xv0nodhitfaaaaa"


B = "20251222155613307xv0nodhitfbbbbb"


PATH = _support.PATH


def connection(connection_id: str = A, **fields: object) -> dict[str, object]:
    """A connection object as the API returns it."""
    base: dict[str, object] = {
        "connectionId": connection_id,
        "name": "Wire",
        "description": "a connection",
        "clientIdentifier": "client-id",
    }
    return _support.connection_json(**{**base, **fields})


def ok(data: object, status: int = 200) -> bytes:
    """A keep-alive JSON answer."""
    return answer(status, json.dumps(data).encode())


def asked_for(exchange: Exchange) -> str:
    """The connection ID a request names."""
    return exchange.target.rsplit("/", 1)[-1]


class Store:
    """The server side of two connections, A and B: get, and update with its version check."""

    def __init__(self) -> None:
        self.records = {cid: connection(cid) for cid in (A, B)}

    def __call__(self, exchange: Exchange) -> Reply:
        """Answer a get or an update as the API would."""
        record = self.records[asked_for(exchange)]
        if exchange.method == "PUT":
            sent = json.loads(exchange.body)
            if sent["version"] != record["version"]:
                return ok({"message": "version conflict", "code": "VERSION_CONFLICT"}, 409)
            record.update({k: v for k, v in sent.items() if k != "version"})
            record["version"] = int(str(record["version"])) + 1
        return ok(record)

    def with_header(self, line: bytes) -> Responder:
        """A responder giving this store's answers with one more header ``line``."""

        def respond(exchange: Exchange) -> Reply:
            reply = self(exchange)
            assert isinstance(reply, bytes)
            return reply.replace(b"\r\n", b"\r\n" + line + b"\r\n", 1)

        return respond


MakeClient = Callable[..., pv.AsyncPictoryClient]
