"""Listing across pages over loopback: every connection once, in creation order, resumable."""

from __future__ import annotations

import pytest

import pictory_vimeo as pv
from tests.integration._support import NewConnection

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

TOTAL = 13


@pytest.fixture
async def thirteen(new_connection: NewConnection) -> list[pv.VimeoConnection]:
    """Thirteen connections of the main account, created one after another."""
    return [await new_connection(f"Page Item {index:02d}") for index in range(TOTAL)]


async def test_async_for_yields_every_connection_in_creation_order(
    conns: pv.AsyncVimeoConnections, thirteen: list[pv.VimeoConnection], page_size: int
) -> None:
    """``async for`` follows nextPageKey across three pages and yields each connection once."""
    assert page_size == 5
    listed = [connection async for connection in conns.list()]
    assert [c.connection_id for c in listed] == [c.connection_id for c in thirteen]
    assert [c.name for c in listed] == [f"Page Item {index:02d}" for index in range(TOTAL)]
    assert all(c.type == "VIMEO" and c.created_date is not None for c in listed)


async def test_pages_have_the_page_size_and_the_last_has_no_key(
    conns: pv.AsyncVimeoConnections, thirteen: list[pv.VimeoConnection]
) -> None:
    """.pages() gives pages of 5, 5 and 3; only the last one lacks a nextPageKey."""
    pages = [page async for page in conns.list().pages()]
    assert [len(page.items) for page in pages] == [5, 5, 3]
    assert [page.next_page_key is None for page in pages] == [False, False, True]
    keys = [page.next_page_key for page in pages[:-1]]
    assert all(isinstance(key, str) and key for key in keys)
    assert len(set(keys)) == len(keys)
    flattened = [c.connection_id for page in pages for c in page.items]
    assert flattened == [c.connection_id for c in thirteen]


async def test_a_listing_resumes_from_a_page_key(
    conns: pv.AsyncVimeoConnections, thirteen: list[pv.VimeoConnection]
) -> None:
    """list(next_page_key=...) and list_page(...) pick up exactly where a page left off."""
    first = await conns.list_page()
    assert [c.connection_id for c in first.items] == [c.connection_id for c in thirteen[:5]]
    assert first.next_page_key is not None

    rest = [c.connection_id async for c in conns.list(next_page_key=first.next_page_key)]
    assert rest == [c.connection_id for c in thirteen[5:]]

    second = await conns.list_page(next_page_key=first.next_page_key)
    assert [c.connection_id for c in second.items] == [c.connection_id for c in thirteen[5:10]]
    # A key stays valid: asking again gives the same page.
    again = await conns.list_page(next_page_key=first.next_page_key)
    assert again == second
    assert (await conns.list()) == first  # awaiting the paginator is the first page


async def test_limit_stops_early(
    conns: pv.AsyncVimeoConnections, thirteen: list[pv.VimeoConnection]
) -> None:
    """A limit across a page boundary yields exactly that many, in order."""
    limited = [c.connection_id async for c in conns.list(limit=7)]
    assert limited == [c.connection_id for c in thirteen[:7]]


async def test_an_exact_multiple_of_the_page_size(
    conns: pv.AsyncVimeoConnections, new_connection: NewConnection
) -> None:
    """Ten connections make two full pages; the listing ends with no empty third surprise."""
    made = [await new_connection(f"Even {index}") for index in range(10)]
    pages = [page async for page in conns.list().pages()]
    flattened = [c.connection_id for page in pages for c in page.items]
    assert flattened == [c.connection_id for c in made]
    assert pages[-1].next_page_key is None
    assert all(len(page.items) <= 5 for page in pages)


async def test_an_empty_account_lists_nothing(conns: pv.AsyncVimeoConnections) -> None:
    """No connections: one empty page without a nextPageKey."""
    page = await conns.list_page()
    assert (page.items, page.next_page_key) == ([], None)
    assert [c async for c in conns.list()] == []
