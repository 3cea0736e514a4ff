"""Fixtures of the fault soaks: the SDK against the emulator at its worst, checked against a
model of what the client believes. Nothing lost, nothing doubled, nothing leaked.

Every test here runs on each event loop and pool (asyncio+aiohttp, asyncio+httpx, trio),
seeded, and prints what it counted (``-s`` shows it). The default run keeps each soak small
enough for CI; the full-size runs are marked ``soak`` and left out by default. Run them
with::

    .venv/bin/python -I -m pytest -m soak tests/faults -s
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

import pictory_vimeo as pv
from pictory_vimeo import emulator
from tests.conftest import Pool

KEY = "pictai_fault_soaks"
#: Seeds the emulator's faults and every test's plan: the same run, request for request
#: as far as scheduling allows.
SEED = 20251222
#: Small pages, so every listing spans many of them.
PAGE_SIZE = 5

MakeClient = Callable[..., pv.AsyncPictoryClient]


@pytest.fixture
async def served(anyio_backend: str) -> AsyncIterator[emulator.RunningEmulator]:
    """A fresh in-memory emulator on a free loopback port, seeded, with small pages."""
    async with emulator.running(page_size=PAGE_SIZE, seed=SEED) as running:
        yield running


@pytest.fixture
async def make_client(
    served: emulator.RunningEmulator, sdk_transport: Pool
) -> AsyncIterator[MakeClient]:
    """``make_client(**options)``: an SDK client of the served emulator over this run's pool."""
    made: list[pv.AsyncPictoryClient] = []

    def make(**options: Any) -> pv.AsyncPictoryClient:
        options.setdefault("transport", sdk_transport)
        client = pv.AsyncPictoryClient(api_key=KEY, base_url=served.base_url, **options)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()
