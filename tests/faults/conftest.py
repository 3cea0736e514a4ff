"""Fixtures of the fault soaks: the SDK against the emulator at its worst, checked against a
model of what the client believes. Nothing lost, nothing doubled, nothing leaked.

Every test here runs on each event loop and pool (asyncio+aiohttp, asyncio+httpx, trio),
seeded, and prints what it counted (``-s`` shows it). The default run keeps each soak small
enough for CI; the full-size runs are marked ``soak`` and left out by default. Run them
with::

    .venv/bin/python -I -m pytest -m soak tests/faults -s
"""

from __future__ import annotations

import pytest

from ._support import KEY, PAGE_SIZE


@pytest.fixture
def page_size() -> int:
    """Small pages for the served emulator (the root conftest's ``served``)."""
    return PAGE_SIZE


@pytest.fixture
def api_key() -> str:
    """The account every SDK client of ``make_client`` (the root conftest's) uses."""
    return KEY
