"""Fixtures of the integration suite: the emulator served over real loopback HTTP with small
pages, SDK clients and raw httpx clients pointed at it (``served`` and ``make_client`` come
from the root conftest), and this run's pool counting the requests it is given (``watched``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

import pictory_vimeo as pv
from pictory_vimeo import emulator
from tests._support import PATH, MakeClient, Pool
from tests.integration._support import NewConnection, WatchedClient
from tests.integration.watched import Watched

SECRET = "integration-client-secret"
TOKEN = "integration-access-token"
#: Small pages, so a listing of a dozen connections already spans several of them.
PAGE_SIZE = 5


@pytest.fixture
def path() -> str:
    """The API's collection path."""
    return PATH


@pytest.fixture
def page_size() -> int:
    """How many connections one list page of the served emulator holds."""
    return PAGE_SIZE


@pytest.fixture
def loopback_client(make_client: MakeClient) -> pv.AsyncPictoryClient:
    """An SDK client of the main account, with the default retry settings."""
    return make_client()


@pytest.fixture
def conns(loopback_client: pv.AsyncPictoryClient) -> pv.AsyncVimeoConnections:
    """The main account's connections, through the SDK."""
    return loopback_client.vimeo_connections


@pytest.fixture
async def raw(served: emulator.RunningEmulator, api_key: str) -> AsyncIterator[httpx.AsyncClient]:
    """A plain httpx client of the served emulator, sending the main account's key."""
    headers = {"Authorization": api_key}
    async with httpx.AsyncClient(base_url=served.base_url, headers=headers) as http:
        yield http


@pytest.fixture
def new_connection(conns: pv.AsyncVimeoConnections) -> NewConnection:
    """``await new_connection(name, owner=<main account>, **fields)``: create one via the SDK."""

    async def make(
        name: str, *, owner: pv.AsyncVimeoConnections | None = None, **fields: Any
    ) -> pv.VimeoConnection:
        values: dict[str, Any] = {
            "client_identifier": f"client-id-of-{name.replace(' ', '-')}",
            "client_secret": SECRET,
            "access_token": TOKEN,
        }
        values.update(fields)
        return await (owner or conns).create(name=name, **values)

    return make


@pytest.fixture
def watched(sdk_transport: Pool) -> Watched:
    """This run's pool, counting the requests it is given."""
    return Watched(sdk_transport)


@pytest.fixture
def watched_client(
    served: emulator.RunningEmulator, watched: Watched, api_key: str
) -> WatchedClient:
    """``watched_client(**options)``: an SDK client of the served emulator (the main account)
    whose every request goes through ``watched``; the test closes it.
    """

    def make(**options: Any) -> pv.AsyncPictoryClient:
        client = pv.AsyncPictoryClient(api_key, served.base_url, transport=watched.pool, **options)
        return watched.watch(client)

    return make
