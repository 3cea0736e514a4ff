"""Fixtures of the sync-client suite: the plugin's in-process emulator, with small pages."""

from __future__ import annotations

from typing import Any

import pytest

import pictory_vimeo as pv
from pictory_vimeo.testing import PictoryEmulator

from ._support import KEY, PAGE_SIZE


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
