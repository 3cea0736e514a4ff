"""Read-ahead over loopback: one page ahead inside ``async with``, cancelled when abandoned."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any, Literal

import anyio
import pytest
import pytest_asyncio

import pictory_vimeo as pv
from pictory_vimeo import emulator
from tests.integration._support import WatchedClient
from tests.integration.watched import Watched

pytestmark = pytest.mark.integration

KEY = "pictai_read_ahead"
PAGE_SIZE = 3
TOTAL = 10  # four pages
FIELDS: dict[str, Any] = {"client_identifier": "c", "client_secret": "s1", "access_token": "t1"}


async def _wait_for(condition: Callable[[], bool], seconds: float = 2.0) -> None:
    """Poll ``condition`` (a counter another task moves) until it holds, or time out."""
    with anyio.fail_after(seconds):
        while not condition():  # noqa: ASYNC110 - counters, not events, are what is watched
            await anyio.sleep(0.005)


async def _add_the_items(client: pv.AsyncPictoryClient) -> None:
    """Create ``Item 0`` to ``Item 9`` in the client's account."""
    for index in range(TOTAL):
        await client.vimeo_connections.create(name=f"Item {index}", **FIELDS)


@pytest.fixture
async def served(anyio_backend: str, api_key: str) -> AsyncIterator[emulator.RunningEmulator]:
    """An emulator on loopback with ten connections of the main account, in pages of three."""
    async with emulator.running(page_size=PAGE_SIZE) as running:
        async with pv.AsyncPictoryClient(api_key, running.base_url, transport="httpx") as seeder:
            await _add_the_items(seeder)
        yield running


@pytest.mark.anyio
async def test_inside_async_with_the_next_page_is_fetched_while_the_caller_works(
    served: emulator.RunningEmulator, watched: Watched, watched_client: WatchedClient
) -> None:
    """Holding page one, page two is already requested — and page three is not."""
    served.emulator.set_faults(latency_ms=50)
    names: list[str] = []
    async with watched_client() as client:
        async for page in client.vimeo_connections.list().pages():
            if not names:
                await _wait_for(lambda: watched.started == 2)
                await anyio.sleep(0.2)  # long enough for a third fetch, were one started
                assert watched.started == 2
            names += [c.name for c in page.items]
    assert names == [f"Item {index}" for index in range(TOTAL)]
    assert watched.started == 4
    assert watched.closed


@pytest.mark.anyio
async def test_without_async_with_pages_are_fetched_only_when_reached(
    watched: Watched, watched_client: WatchedClient
) -> None:
    """A client not entered still lists everything, one request per page reached."""
    client = watched_client()
    names: list[str] = []
    async for page in client.vimeo_connections.list().pages():
        await anyio.sleep(0.05)
        assert watched.started == len(names) // PAGE_SIZE + 1
        names += [c.name for c in page.items]
    assert names == [f"Item {index}" for index in range(TOTAL)]
    await client.aclose()
    assert watched.closed


@pytest.mark.anyio
async def test_a_limit_met_by_the_first_page_fetches_no_more(
    watched: Watched, watched_client: WatchedClient
) -> None:
    """``limit=2`` needs only page one: nothing is read ahead for it."""
    async with watched_client() as client:
        names = [c.name async for c in client.vimeo_connections.list(limit=2)]
        await anyio.sleep(0.1)
        assert watched.started == 1
    assert names == ["Item 0", "Item 1"]


class _CallerFailedError(Exception):
    """What the caller's own code raises inside the loop."""


Exit = Literal["break", "exception", "cancellation"]


async def _abandon(client: pv.AsyncPictoryClient, how: Exit, watched: Watched) -> None:
    """Iterate until page two is being fetched ahead, then leave the loop as ``how`` says."""
    with anyio.CancelScope() as scope:
        try:
            async for connection in client.vimeo_connections.list():
                assert connection.name == "Item 0"
                await _wait_for(lambda: watched.in_flight == 1)
                if how == "break":
                    break
                if how == "exception":
                    raise _CallerFailedError
                scope.cancel()
                await anyio.sleep(1)  # cancelled here, while page two is in flight
        except _CallerFailedError:
            assert how == "exception"
    assert scope.cancelled_caught == (how == "cancellation")


@pytest.mark.anyio
@pytest.mark.parametrize("how", ["break", "exception", "cancellation"])
async def test_an_abandoned_listing_cancels_its_fetch_at_once(
    watched: Watched, watched_client: WatchedClient, how: Exit
) -> None:
    """Break, an exception or cancellation: the page in flight (held forever) is cancelled."""
    watched.hold_later_pages = True  # page two never arrives unless its fetch is cancelled
    async with watched_client() as client:
        await _abandon(client, how, watched)
        await _wait_for(lambda: watched.in_flight == 0)
        watched.hold_later_pages = False
        again = [c.name async for c in client.vimeo_connections.list(limit=4)]
        assert again == [f"Item {index}" for index in range(4)]
    assert watched.closed
    assert watched.in_flight == 0


@pytest.mark.anyio
async def test_closing_the_client_cancels_a_fetch_still_in_flight(
    watched: Watched, watched_client: WatchedClient
) -> None:
    """An iterator still alive: ``aclose()`` cancels its fetch at once, and the block ends."""
    async with watched_client() as client:
        pages = client.vimeo_connections.list().pages()
        watched.hold_later_pages = True
        first = await pages.__anext__()
        assert len(first.items) == PAGE_SIZE
        await _wait_for(lambda: watched.in_flight == 1)
        with anyio.fail_after(2):  # the fetch is held forever: only cancelling it ends this
            await client.aclose()
    assert watched.in_flight == 0
    assert watched.closed
    del pages


# pytest-asyncio runs a fixture's setup and teardown in two different tasks; a client entered
# in one and left in the other must still read ahead and close cleanly.
@pytest_asyncio.fixture
async def entered_in_setup() -> AsyncIterator[tuple[pv.AsyncPictoryClient, Watched]]:
    """A served emulator and a client entered with ``async with`` in the fixture's setup."""
    async with emulator.running(page_size=PAGE_SIZE) as running:
        watched = Watched("aiohttp")
        async with pv.AsyncPictoryClient(KEY, running.base_url, transport=watched) as client:
            await _add_the_items(client)
            yield client, watched
        assert watched.closed
        assert watched.in_flight == 0


@pytest.mark.asyncio
async def test_a_client_entered_in_a_pytest_asyncio_fixture_reads_ahead_and_closes(
    entered_in_setup: tuple[pv.AsyncPictoryClient, Watched],
) -> None:
    """Read-ahead works in the test's task; the fixture's teardown (another task) closes it."""
    client, watched = entered_in_setup
    before = watched.started
    async for page in client.vimeo_connections.list().pages():
        await _wait_for(lambda: watched.started == before + 2)
        assert len(page.items) == PAGE_SIZE
        break
