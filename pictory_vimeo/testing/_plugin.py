"""The pytest plugin, registered through the ``pytest11`` entry point: ``pictory_emulator``.

Installing the package is all it takes: pytest loads this module in every project that has
``pictory-vimeo`` installed, so it imports nothing heavy. The emulator (and Starlette) is
imported only when a test asks for the fixture; without the ``emulator`` extra that test
errors with a message naming it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .._names import INSTALL_EMULATOR
from ._emulator import PictoryEmulator

__all__ = ["pictory_emulator", "pictory_emulator_options"]


@pytest.fixture
def pictory_emulator_options() -> dict[str, Any]:
    """Keyword arguments for each test's ``PictoryEmulator``: none by default.

    Override it in a ``conftest.py`` or a test module to change them for the tests there,
    e.g. ``return {"page_size": 2}`` for listings that span several pages.

    Returns:
        ``PictoryEmulator``'s keyword arguments (``page_size``, ``api_key``).
    """
    return {}


@pytest.fixture
def pictory_emulator(pictory_emulator_options: dict[str, Any]) -> Iterator[PictoryEmulator]:
    """A fresh in-process Pictory emulator for this test, and SDK clients bound to it.

    ``.client(**kw)`` / ``.sync_client(**kw)`` make clients of it (closed after the test
    if still open); ``.fail_next(...)`` scripts failures; ``.requests`` lists the requests
    it received and ``.connections()`` what it stores, secrets masked. Retry waits are off
    for the length of the test. Works in sync tests, under pytest-asyncio and under anyio.

    Example:
        ```python
        async def test_retries(pictory_emulator: PictoryEmulator) -> None:
            pictory_emulator.fail_next(503)
            conns = pictory_emulator.client().vimeo_connections
            await conns.create(name="Ads", client_identifier="id",
                               client_secret="s", access_token="t")
        ```

    Args:
        pictory_emulator_options: The emulator's keyword arguments (override that
            fixture to change them).

    Yields:
        A :class:`PictoryEmulator`, closed (with every client it made) after the test.

    Raises:
        pytest.fail.Exception: The ``emulator`` extra is not installed: the test fails
            with one line naming the ``pip install`` that fixes it.
    """
    try:
        emulator = PictoryEmulator(**pictory_emulator_options)
    except ModuleNotFoundError as missing:
        if INSTALL_EMULATOR not in str(missing):
            raise
        problem = str(missing)
    else:
        with emulator:
            yield emulator
        return
    # Outside the except block, so the report is the one line that says what to install.
    pytest.fail(problem, pytrace=False)
