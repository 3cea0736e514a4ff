"""The wire tests' keep-alive server, a connection record it serves, and SDK clients of it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

import pictory_vimeo as pv
from tests.conftest import Pool

from ._server import Exchange, KeepAliveServer, Reply, answer, serve

KEY = "pictai_wire_tests"
A = "20251222155613307xv0nodhitfaaaaa"
B = "20251222155613307xv0nodhitfbbbbb"
PATH = "/pictoryapis/v1/vimeo-connections"


def connection(connection_id: str = A, **fields: object) -> dict[str, object]:
    """A connection object as the API returns it."""
    body: dict[str, object] = {
        "connectionId": connection_id,
        "name": "Wire",
        "description": "a connection",
        "clientIdentifier": "client-id",
        "type": "VIMEO",
        "enabled": True,
        "createdDate": "2025-12-22T15:56:12.309Z",
        "updatedDate": "2025-12-22T16:19:16.058Z",
        "version": 1,
    }
    body.update(fields)
    return body


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


@pytest.fixture
def store() -> Store:
    """Two connections, as the server holds them."""
    return Store()


@pytest.fixture
def server(store: Store) -> Iterator[KeepAliveServer]:
    """A keep-alive server answering from ``store`` unless a test sets ``.responder``."""
    with serve(store) as running:
        yield running
        running.check()


MakeClient = Callable[..., pv.AsyncPictoryClient]


@pytest.fixture
async def make_client(server: KeepAliveServer, sdk_transport: Pool) -> AsyncIterator[MakeClient]:
    """``make_client(**options)``: an SDK client of ``server`` on this run's pool."""
    made: list[pv.AsyncPictoryClient] = []

    def make(**options: Any) -> pv.AsyncPictoryClient:
        options.setdefault("transport", sdk_transport)
        client = pv.AsyncPictoryClient(KEY, server.base_url, **options)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()
