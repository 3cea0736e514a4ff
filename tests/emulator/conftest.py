"""Fixtures of the emulator suite, and raw loopback sockets for what httpx will not send."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pictory_vimeo import emulator

from ._support import (
    KEY,
    OTHER_KEY,
    PATH,
    SECRET,
    TOKEN,
    Body,
    Connect,
    Create,
    MakeEmulator,
    client_for,
)


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


@pytest.fixture
def connect() -> Connect:
    """``connect(emu, key=<main key>)``: a raw in-process client of ``emu`` (key None: none)."""
    return client_for


@pytest.fixture
async def emu_http(emu: emulator.Emulator) -> AsyncIterator[httpx.AsyncClient]:
    """A raw client of ``emu`` for the main account."""
    async with client_for(emu) as http:
        yield http


@pytest.fixture
async def other_emu_http(emu: emulator.Emulator) -> AsyncIterator[httpx.AsyncClient]:
    """A raw client of ``emu`` for the second account."""
    async with client_for(emu, OTHER_KEY) as http:
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


@pytest.fixture
async def item(create: Create) -> str:
    """The path of a connection the main account has just created from the default body."""
    return f"{PATH}/{(await create())['connectionId']}"
