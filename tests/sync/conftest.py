"""Fixtures of the sync-client suite: the plugin's in-process emulator, with small pages."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import pictory_vimeo as pv
from pictory_vimeo.emulator import ServedRequest
from pictory_vimeo.testing import PictoryEmulator
from tests._support import PATH

KEY = "pictai_sync_test"
BASE_URL = "http://localhost"
SECRET = "sync-client-secret"
TOKEN = "sync-access-token"
#: Small pages, so a handful of connections already spans several of them.
PAGE_SIZE = 2


@pytest.fixture
def pictory_emulator_options() -> dict[str, Any]:
    """Each test's emulator: small pages, and this suite's key for the clients it makes."""
    return {"page_size": PAGE_SIZE, "api_key": KEY}


@pytest.fixture
def sync_client(pictory_emulator: PictoryEmulator) -> pv.PictoryClient:
    """A sync client of the emulator with the default settings, closed after the test."""
    return pictory_emulator.sync_client()


@pytest.fixture
def conns(sync_client: pv.PictoryClient) -> pv.SyncVimeoConnections:
    """The test account's connections, through the sync client."""
    return sync_client.vimeo_connections


def lists(emu: PictoryEmulator) -> list[ServedRequest]:
    """The list requests the emulator has served so far."""
    return [r for r in emu.requests if r.method == "GET" and r.path == PATH]


def next_page_key(request: ServedRequest) -> str | None:
    """The ``nextPageKey`` a list request sent, decoded as the client encoded it."""
    key = httpx.QueryParams(request.query).get("nextPageKey")
    return None if key is None else str(key)


def create(conns: pv.SyncVimeoConnections, name: str, **fields: Any) -> pv.VimeoConnection:
    """Create a connection named ``name`` with valid credentials."""
    values: dict[str, Any] = {
        "client_identifier": f"id-{name.replace(' ', '-')}",
        "client_secret": SECRET,
        "access_token": TOKEN,
    }
    values.update(fields)
    return conns.create(name=name, **values)
