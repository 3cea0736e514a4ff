"""Fixtures of the emulator suite, and raw loopback sockets for what httpx will not send."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import anyio.abc
import httpx
import pytest

from pictory_vimeo import emulator

PATH = "/pictoryapis/v1/vimeo-connections"
KEY = "pictai_emulator_test_key"
OTHER_KEY = "pictai_someone_else"
SECRET = "s3cr3t-client-secret-value"
TOKEN = "t0k3n-access-token-value"

MakeEmulator = Callable[..., emulator.Emulator]
Body = Callable[..., dict[str, Any]]
Create = Callable[..., Awaitable[dict[str, Any]]]
Connect = Callable[..., httpx.AsyncClient]


@pytest.fixture(autouse=True)
def _no_control_token_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's exported control token must not change what serve does in a test."""
    monkeypatch.delenv("PICTORY_EMULATOR_CONTROL_TOKEN", raising=False)


@pytest.fixture
def path() -> str:
    """The collection path."""
    return PATH


@pytest.fixture
def key() -> str:
    """The API key of the main test account."""
    return KEY


@pytest.fixture
def other_key() -> str:
    """A second account's key."""
    return OTHER_KEY


@pytest.fixture
def secrets() -> tuple[str, str]:
    """The client secret and access token every default body carries."""
    return SECRET, TOKEN


@pytest.fixture(params=["memory", "sqlite"])
def store_kind(request: pytest.FixtureRequest) -> str:
    """Which store backs the emulator: each test using it runs on both."""
    return str(request.param)


@pytest.fixture
def make_emulator(store_kind: str, tmp_path: Path) -> Iterator[MakeEmulator]:
    """Build emulators on the parametrised store (one SQLite file per test); closes them."""
    made: list[emulator.Emulator] = []

    def make(**kwargs: Any) -> emulator.Emulator:
        if store_kind == "sqlite":
            kwargs.setdefault("db", tmp_path / "emulator.sqlite3")
        emu = emulator.Emulator(**kwargs)
        made.append(emu)
        return emu

    yield make
    for emu in made:
        emu.close()


@pytest.fixture
def emu(make_emulator: MakeEmulator) -> emulator.Emulator:
    """An emulator with default settings and a page size of 3 (pages come quickly)."""
    return make_emulator(page_size=3, seed=1)


def _client_for(emu: emulator.Emulator, key: str | None = KEY) -> httpx.AsyncClient:
    headers = {"Authorization": key} if key is not None else {}
    return httpx.AsyncClient(transport=emu.transport(), base_url="http://emulator", headers=headers)


@pytest.fixture
def connect() -> Connect:
    """``connect(emu, key=<main key>)``: a raw in-process client of ``emu`` (key None: none)."""
    return _client_for


@pytest.fixture
async def emu_http(emu: emulator.Emulator) -> AsyncIterator[httpx.AsyncClient]:
    """A raw client of ``emu`` for the main account."""
    async with _client_for(emu) as http:
        yield http


@pytest.fixture
async def other_emu_http(emu: emulator.Emulator) -> AsyncIterator[httpx.AsyncClient]:
    """A raw client of ``emu`` for the second account."""
    async with _client_for(emu, OTHER_KEY) as http:
        yield http


@pytest.fixture
def body() -> Body:
    """A valid create body; keyword arguments override or add fields."""

    def make(**overrides: Any) -> dict[str, Any]:
        base: dict[str, Any] = {
            "name": "Marketing",
            "description": "Primary account",
            "enabled": True,
            "clientIdentifier": "client-id-123",
            "clientSecret": SECRET,
            "accessToken": TOKEN,
        }
        base.update(overrides)
        return base

    return make


@pytest.fixture
def create(emu_http: httpx.AsyncClient, body: Body) -> Create:
    """Create a connection through the API (asserting 201); returns the response JSON."""

    async def make(http: httpx.AsyncClient | None = None, **overrides: Any) -> dict[str, Any]:
        response = await (http or emu_http).post(PATH, json=body(**overrides))
        assert response.status_code == 201, response.text
        data: dict[str, Any] = response.json()
        return data

    return make


def port_of(base_url: str) -> int:
    """The port of a served emulator's base URL."""
    return int(base_url.rsplit(":", 1)[1])


async def read_until_closed(stream: anyio.abc.ByteStream, *, within: float = 10.0) -> bytes:
    """Everything the server sends until it closes (or resets) the connection."""
    received = b""
    with anyio.fail_after(within):
        while True:
            try:
                received += await stream.receive()
            except (anyio.EndOfStream, anyio.BrokenResourceError, ConnectionResetError):
                return received


async def exchange(base_url: str, data: bytes, *, within: float = 10.0) -> bytes:
    """Send ``data`` raw on a new loopback connection; what comes back until it closes."""
    async with await anyio.connect_tcp("127.0.0.1", port_of(base_url)) as stream:
        await stream.send(data)
        return await read_until_closed(stream, within=within)


def status_of(raw: bytes) -> int:
    """The status code of a raw HTTP/1.1 answer."""
    return int(raw.split(b" ", 2)[1])


def json_of(raw: bytes) -> Any:
    """The JSON body of a raw HTTP/1.1 answer."""
    return json.loads(raw.partition(b"\r\n\r\n")[2])
