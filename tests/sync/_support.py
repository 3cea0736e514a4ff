"""What the tests of this folder share besides fixtures (those are in its conftest):
constants, helpers and types, imported from here rather than from a conftest."""

from __future__ import annotations

from typing import Any

import httpx

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
