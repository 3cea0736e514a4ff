"""Fixtures of the sync-client suite: the emulator served in process, no sockets, no waits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

import pictory_vimeo as pv
from pictory_vimeo import emulator
from tests._support import PATH

KEY = "pictai_sync_test"
BASE_URL = "http://localhost"
SECRET = "sync-client-secret"
TOKEN = "sync-access-token"
#: Small pages, so a handful of connections already spans several of them.
PAGE_SIZE = 2

MakeClient = Callable[..., pv.PictoryClient]


class CountingTransport(httpx.AsyncBaseTransport):
    """Passes requests to another transport and remembers each one it sent."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.sent: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Record ``request`` and let the inner transport answer it."""
        self.sent.append(request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        """Close the inner transport."""
        await self.inner.aclose()

    def lists(self) -> list[httpx.Request]:
        """The list requests sent so far."""
        return [r for r in self.sent if r.method == "GET" and r.url.path == PATH]


@pytest.fixture
def emu() -> Iterator[emulator.Emulator]:
    """A fresh in-memory emulator with small pages."""
    instance = emulator.Emulator(seed=1, page_size=PAGE_SIZE)
    yield instance
    instance.close()


@pytest.fixture
def counting(emu: emulator.Emulator) -> CountingTransport:
    """The emulator's in-process transport, counting the requests it serves."""
    return CountingTransport(emu.transport())


@pytest.fixture
def make_client(counting: CountingTransport) -> Iterator[MakeClient]:
    """``make_client(**options)``: a sync client of the emulator, closed after the test."""
    made: list[pv.PictoryClient] = []

    def make(**options: Any) -> pv.PictoryClient:
        options.setdefault("api_key", KEY)
        options.setdefault("base_url", BASE_URL)
        options.setdefault("transport", counting)
        client = pv.PictoryClient(**options)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: MakeClient) -> pv.PictoryClient:
    """A sync client of the emulator with the default settings."""
    return make_client()


@pytest.fixture
def conns(client: pv.PictoryClient) -> pv.SyncVimeoConnections:
    """The test account's connections, through the sync client."""
    return client.vimeo_connections


def create(conns: pv.SyncVimeoConnections, name: str, **fields: Any) -> pv.VimeoConnection:
    """Create a connection named ``name`` with valid credentials."""
    values: dict[str, Any] = {
        "client_identifier": f"id-{name.replace(' ', '-')}",
        "client_secret": SECRET,
        "access_token": TOKEN,
    }
    values.update(fields)
    return conns.create(name=name, **values)
