"""The sync paginator: lazy page by page, pages(), first_page(), limit, resuming."""

from __future__ import annotations

import gc

import pytest

import pictory_vimeo as pv
from pictory_vimeo.testing import PictoryEmulator
from tests.sync._support import create, lists, next_page_key

NAMES = [f"Conn {i}" for i in range(5)]  # three pages of two, two, one


@pytest.fixture
def filled(conns: pv.SyncVimeoConnections) -> list[str]:
    """Five connections in the account (created with POSTs: no list request yet)."""
    for name in NAMES:
        create(conns, name)
    return NAMES


def test_iterating_gives_every_item_across_pages(
    conns: pv.SyncVimeoConnections, pictory_emulator: PictoryEmulator, filled: list[str]
) -> None:
    """``for c in conns.list()`` yields every connection once, fetching each page once."""
    assert [c.name for c in conns.list()] == filled
    assert len(lists(pictory_emulator)) == 3


def test_iteration_is_lazy(
    conns: pv.SyncVimeoConnections, pictory_emulator: PictoryEmulator, filled: list[str]
) -> None:
    """Creating the paginator sends nothing; iteration reads at most one page ahead."""
    paginator = conns.list()
    items = iter(paginator)
    assert lists(pictory_emulator) == []
    first = next(items)
    assert first.name == filled[0]
    assert 1 <= len(lists(pictory_emulator)) <= 2  # the first page, and perhaps the next one ahead
    assert next(items).name == filled[1]
    assert len(lists(pictory_emulator)) <= 2  # still on the first page
    assert next(items).name == filled[2]
    assert 2 <= len(lists(pictory_emulator)) <= 3


def test_breaking_early_leaves_nothing_pending(
    conns: pv.SyncVimeoConnections, pictory_emulator: PictoryEmulator, filled: list[str]
) -> None:
    """A ``for`` that breaks early warns of nothing when collected, and the client still works."""
    for connection in conns.list():
        assert connection.name == filled[0]
        break
    gc.collect()  # under filterwarnings=error an unfinished coroutine would fail here
    assert len(lists(pictory_emulator)) <= 2  # the page read ahead, if it had started, is cancelled
    assert [c.name for c in conns.list(limit=1)] == filled[:1]


def test_pages_yields_each_page(
    conns: pv.SyncVimeoConnections, pictory_emulator: PictoryEmulator, filled: list[str]
) -> None:
    """``pages()`` yields the pages in order, the last without a next_page_key."""
    pages = list(conns.list().pages())
    assert [[c.name for c in page.items] for page in pages] == [
        filled[0:2],
        filled[2:4],
        filled[4:],
    ]
    assert [page.next_page_key is None for page in pages] == [False, False, True]
    assert len(lists(pictory_emulator)) == 3


def test_first_page_is_one_request(
    conns: pv.SyncVimeoConnections, pictory_emulator: PictoryEmulator, filled: list[str]
) -> None:
    """``first_page()`` fetches only the first page, as ``await paginator`` does."""
    page = conns.list().first_page()
    assert [c.name for c in page.items] == filled[:2]
    assert page.next_page_key is not None
    assert len(lists(pictory_emulator)) == 1


def test_limit_stops_fetching_once_reached(
    conns: pv.SyncVimeoConnections, pictory_emulator: PictoryEmulator, filled: list[str]
) -> None:
    """``limit`` caps the items and no page beyond the one holding the last is fetched."""
    assert [c.name for c in conns.list(limit=3)] == filled[:3]
    assert len(lists(pictory_emulator)) == 2
    assert list(conns.list(limit=0)) == []
    assert len(lists(pictory_emulator)) == 2


def test_next_page_key_resumes_a_listing(
    conns: pv.SyncVimeoConnections, pictory_emulator: PictoryEmulator, filled: list[str]
) -> None:
    """``list(next_page_key=…)`` starts at that page, sending the key exactly as received."""
    key = conns.list_page().next_page_key
    assert key is not None
    assert [c.name for c in conns.list(next_page_key=key)] == filled[2:]
    assert conns.list(next_page_key=key).first_page().items[0].name == filled[2]
    sent_keys = [next_page_key(r) for r in lists(pictory_emulator)]
    assert sent_keys[0] is None
    assert sent_keys[1] == sent_keys[3] == key  # each resumed listing starts with the key
    assert len(sent_keys) == 4


@pytest.mark.parametrize("limit", [-1, 1.5, True, "3"])
def test_a_bad_limit_raises_when_list_is_called(
    conns: pv.SyncVimeoConnections, pictory_emulator: PictoryEmulator, limit: object
) -> None:
    """``list(limit=…)`` validates at call time, before any iteration or request."""
    with pytest.raises(pv.ValidationError) as caught:
        conns.list(limit=limit)  # type: ignore[arg-type]
    assert [e.field for e in caught.value.errors] == ["limit"]
    assert pictory_emulator.requests == []


def test_an_exhausted_iterator_stays_exhausted(
    conns: pv.SyncVimeoConnections, pictory_emulator: PictoryEmulator, filled: list[str]
) -> None:
    """After StopIteration, ``next`` raises it again without asking the server."""
    items = iter(conns.list(limit=1))
    assert next(items).name == filled[0]
    with pytest.raises(StopIteration):
        next(items)
    sent = len(pictory_emulator.requests)
    with pytest.raises(StopIteration):
        next(items)
    assert len(pictory_emulator.requests) == sent
