"""Fixtures of the integration suite: the emulator served over real loopback HTTP, SDK
clients and raw httpx clients pointed at it, and retries that never actually wait.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from anyio.from_thread import start_blocking_portal

import pictory_vimeo as pv
from pictory_vimeo import emulator
from tests.conftest import Pool

KEY = "pictai_integration_account_a"
OTHER_KEY = "pictai_integration_account_b"
SECRET = "integration-client-secret"
TOKEN = "integration-access-token"
PATH = "/pictoryapis/v1/vimeo-connections"
#: Small pages, so a listing of a dozen connections already spans several of them.
PAGE_SIZE = 5
#: The fault RNG's seed: injected faults fall on the same requests on every run.
SEED = 20251222

MakeClient = Callable[..., pv.AsyncPictoryClient]
NewConnection = Callable[..., Awaitable[pv.VimeoConnection]]


@pytest.fixture(autouse=True)
def backoff_waits(retry_waits: list[float]) -> list[float]:
    """The retry waits the SDK asked for (the testing mode skips them)."""
    return retry_waits


@pytest.fixture
def api_key() -> str:
    """The key of the main test account."""
    return KEY


@pytest.fixture
def other_api_key() -> str:
    """The key of a second, unrelated account."""
    return OTHER_KEY


@pytest.fixture
def path() -> str:
    """The API's collection path."""
    return PATH


@pytest.fixture
def page_size() -> int:
    """How many connections one list page of the served emulator holds."""
    return PAGE_SIZE


@pytest.fixture
async def served(
    anyio_backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[emulator.RunningEmulator]:
    """A fresh emulator on a free loopback port (seeded faults, small pages) for one test.

    In memory unless a test parametrises it indirectly with ``"sqlite"``.
    """
    store = getattr(request, "param", "memory")
    assert store in ("memory", "sqlite")
    db = tmp_path / "emulator.sqlite3" if store == "sqlite" else None
    async with emulator.running(page_size=PAGE_SIZE, seed=SEED, db=db) as running:
        yield running


@pytest.fixture
def served_in_thread() -> Iterator[emulator.RunningEmulator]:
    """A fresh emulator on loopback for a synchronous test: its loop lives in a portal thread."""
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(
            emulator.running(page_size=PAGE_SIZE, seed=SEED)
        ) as running,
    ):
        yield running


@pytest.fixture
async def make_client(
    served: emulator.RunningEmulator, sdk_transport: Pool
) -> AsyncIterator[MakeClient]:
    """``make_client(api_key=KEY, **options)``: an SDK client of the served emulator, over
    this run's connection pool.
    """
    made: list[pv.AsyncPictoryClient] = []

    def make(api_key: str = KEY, **options: Any) -> pv.AsyncPictoryClient:
        options.setdefault("transport", sdk_transport)
        client = pv.AsyncPictoryClient(api_key=api_key, base_url=served.base_url, **options)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


@pytest.fixture
def client(make_client: MakeClient) -> pv.AsyncPictoryClient:
    """An SDK client of the main account, with the default retry settings."""
    return make_client()


@pytest.fixture
def conns(client: pv.AsyncPictoryClient) -> pv.AsyncVimeoConnections:
    """The main account's connections, through the SDK."""
    return client.vimeo_connections


@pytest.fixture
async def raw(served: emulator.RunningEmulator) -> AsyncIterator[httpx.AsyncClient]:
    """A plain httpx client of the served emulator, sending the main account's key."""
    async with httpx.AsyncClient(base_url=served.base_url, headers={"Authorization": KEY}) as http:
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
