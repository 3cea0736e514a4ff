"""The wire tests' keep-alive server, a connection record it serves, and SDK clients of it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

import pictory_vimeo as pv
from tests._support import Pool

from ._server import KeepAliveServer, serve
from ._support import KEY, MakeClient, Store


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
