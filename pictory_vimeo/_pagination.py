"""The async paginator: ``await`` it for one page, ``async for`` it for every item or page.

While the client is used as ``async with``, iteration fetches the next page in the client's
task group as soon as the current one arrives — one page ahead, no more — so the caller's
work on a page overlaps the next round trip. An iterator abandoned early (``break``, an
exception, cancellation) cancels that fetch at once: when it is closed or finalised.

The iterators are plain classes rather than async generators: an ``async for`` that breaks
early then leaves no suspended generator to be finalised later, and CPython finalises the
iterator (cancelling its fetch) the moment the loop lets go of it.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from typing import Any, Final, Generic, TypeVar

import anyio

from ._config import DEFAULT_MAX_EMPTY_PAGES
from ._errors import PaginationError
from ._models import Page

__all__ = ["AsyncPaginator", "PageFetcher", "Spawn"]

T = TypeVar("T")

PageFetcher = Callable[[str | None], Awaitable[Page[T]]]
#: Starts a read-ahead fetch (``run()``, ``cancel()``) in the client's task group; ``False``
#: when there is none.
Spawn = Callable[["_Ahead[Any]"], bool]
#: How many recent page keys are remembered exactly; longer cycles are caught by Brent's method.
_RECENT_KEYS: Final = 1024
#: How many recent item IDs a listing remembers, to tell a page of nothing new (a server
#: repeating the same items under ever-new keys) from progress.
_RECENT_IDS: Final = 4096


def _no_read_ahead(fetch: _Ahead[Any]) -> bool:
    return False


class AsyncPaginator(Generic[T]):
    """Every item of a listing, fetched page by page as the iteration reaches it.

    ``await paginator`` gives the first page; ``async for item in paginator`` gives every
    item (at most ``limit``); ``async for page in paginator.pages()`` gives every page.
    Start from ``next_page_key`` to resume a listing where an earlier one stopped. After
    ``max_empty_pages`` consecutive pages that bring nothing new (empty, or only items
    this listing already gave) yet still carry a ``nextPageKey``, the listing stops with
    ``PaginationError`` (``None``: never).

    Made by ``client.vimeo_connections.list(...)``; not meant to be constructed directly.
    No request is sent until it is awaited or iterated.

    Example:
        ```python
        async for conn in client.vimeo_connections.list(limit=100):
            print(conn.name)
        ```
    """

    def __init__(
        self,
        fetch: PageFetcher[T],
        *,
        next_page_key: str | None = None,
        limit: int | None = None,
        max_empty_pages: int | None = DEFAULT_MAX_EMPTY_PAGES,
        spawn: Spawn = _no_read_ahead,
    ) -> None:
        self._fetch = fetch
        self._start = next_page_key
        self._limit = limit
        self._max_empty = max_empty_pages
        self._spawn = spawn

    def __await__(self) -> Generator[object, None, Page[T]]:
        """The first page (from ``next_page_key`` when one was given).

        Returns:
            One whole :class:`Page` (``limit`` does not shorten it).

        Raises:
            PictoryError: Whatever ``list_page`` raises.
        """
        return self._fetch(self._start).__await__()

    def __aiter__(self) -> AsyncIterator[T]:
        """Every item across pages, up to ``limit``.

        Returns:
            An async iterator of the items; the next page is fetched when the iteration
            reaches it (one page ahead inside ``async with client``).

        Raises:
            PaginationError: While iterating, when the listing would loop.
            PictoryError: While iterating, whatever ``list_page`` raises.
        """
        budget = _Budget(self._limit)
        return _Items(self._pages(budget.wants_more_than), budget)

    def pages(self) -> AsyncIterator[Page[T]]:
        """Every page, following ``nextPageKey`` until the server gives none.

        Returns:
            An async iterator of whole pages (``limit`` does not apply).

        Raises:
            PaginationError: While iterating, when the listing would loop.
            PictoryError: While iterating, whatever ``list_page`` raises.
        """
        return self._pages(lambda _: True)

    def _pages(self, wants_next: Callable[[Page[T]], bool]) -> _Pages[T]:
        return _Pages(self._fetch, self._start, self._max_empty, self._spawn, wants_next)


class _KeyMemory:
    """Recognises a repeated ``nextPageKey`` with bounded memory.

    The last ``_RECENT_KEYS`` keys are remembered exactly, so a short loop is caught at its
    first repeat; a longer one is caught by Brent's cycle detection, which compares each
    key with one anchor that moves to the latest key at every power of two.
    """

    def __init__(self, start: str | None) -> None:
        self._recent: OrderedDict[str, None] = OrderedDict()
        self._anchor = start
        self._power = 1
        self._steps = 0

    def repeated(self, key: str) -> bool:
        """Whether ``key`` came before; remember it either way."""
        if key == self._anchor or key in self._recent:
            return True
        self._recent[key] = None
        if len(self._recent) > _RECENT_KEYS:
            self._recent.popitem(last=False)
        self._steps += 1
        if self._steps == self._power:
            self._anchor, self._power, self._steps = key, self._power * 2, 0
        return False


class _IdMemory:
    """The IDs of the items a listing handed out recently (at most ``_RECENT_IDS``)."""

    def __init__(self) -> None:
        self.recent: OrderedDict[object, None] = OrderedDict()

    def any_new(self, items: list[Any]) -> bool:
        """Whether ``items`` hold one not seen recently; remember them all either way.

        An item without a ``connection_id`` is new (nothing tells it apart).
        """
        new = False
        for item in items:
            item_id = getattr(item, "connection_id", None)
            if item_id is None:
                new = True
                continue
            if item_id in self.recent:
                self.recent.move_to_end(item_id)
                continue
            new = True
            self.recent[item_id] = None
            if len(self.recent) > _RECENT_IDS:
                self.recent.popitem(last=False)
        return new


class _Ahead(Generic[T]):
    """One page being fetched in the client's task group while the caller works."""

    def __init__(self, fetch: PageFetcher[T], key: str | None) -> None:
        self._fetch = fetch
        self._key = key
        self._scope = anyio.CancelScope()
        self._done = anyio.Event()
        self._page: Page[T] | None = None
        self._error: Exception | None = None

    async def run(self) -> None:
        """Fetch the page; a failure is kept for the iterating task, not the task group."""
        try:
            with self._scope:
                self._page = await self._fetch(self._key)
        except Exception as exc:
            self._error = exc
        finally:
            self._done.set()

    async def result(self) -> Page[T]:
        """The page, once fetched; a failure raises here, in the caller's task."""
        await self._done.wait()
        if self._error is not None:
            raise self._error
        if self._page is None:  # cancelled with the client's task group: fetch it here
            return await self._fetch(self._key)
        return self._page

    def cancel(self) -> None:
        """Stop the fetch now; its connection is closed, not left half-read."""
        self._scope.cancel()


class _Pages(AsyncIterator[Page[T]]):
    def __init__(
        self,
        fetch: PageFetcher[T],
        start: str | None,
        max_empty: int | None,
        spawn: Spawn,
        wants_next: Callable[[Page[T]], bool],
    ) -> None:
        self._fetch = fetch
        self._key = start
        self._keys = _KeyMemory(start)
        self._ids = _IdMemory()
        self._max_empty = max_empty
        self._empty_run = 0
        self._spawn = spawn
        self._wants_next = wants_next
        self._done = False
        self._stop: PaginationError | None = None
        self._ahead: _Ahead[T] | None = None
        self._thread = threading.get_ident()

    async def __anext__(self) -> Page[T]:
        if self._stop is not None:
            raise self._stop
        if self._done:
            raise StopAsyncIteration
        ahead, self._ahead = self._ahead, None
        page = await (ahead.result() if ahead is not None else self._fetch(self._key))
        self._follow(page)
        if not self._done and self._stop is None and self._wants_next(page):
            ahead = _Ahead(self._fetch, self._key)
            if self._spawn(ahead):
                self._ahead = ahead
        return page

    def _follow(self, page: Page[T]) -> None:
        """Move to the page after ``page``, or decide that the listing ends (or must stop).

        The page itself was answered and is handed out; following its key is the error.
        """
        key = page.next_page_key
        if not key:
            self._done = True
            return
        # A page of items already handed out is no progress, as an empty page is not.
        self._empty_run = 0 if self._ids.any_new(page.items) else self._empty_run + 1
        if self._keys.repeated(key):
            # The key itself is not shown: it is the server's text, and may quote anything.
            self._stop = PaginationError(
                "the server repeated a nextPageKey it had sent before; following it would "
                "loop forever"
            )
        elif self._max_empty is not None and self._empty_run >= self._max_empty:
            self._stop = PaginationError(
                f"the server sent {self._empty_run} empty pages in a row (or pages of only "
                "connections it had already listed), each with a nextPageKey; stopped "
                "(raise max_empty_pages, or pass None, to go on)"
            )
        else:
            self._key = key

    async def aclose(self) -> None:
        """Stop iterating: cancel the page being fetched ahead, if any."""
        self._cancel_ahead()

    def _cancel_ahead(self) -> None:
        ahead, self._ahead = self._ahead, None
        if ahead is not None:
            ahead.cancel()

    def __del__(self) -> None:
        # Abandoned by ``break``, an exception or cancellation: CPython finalises the
        # iterator at once, in the loop's thread. Elsewhere (a garbage collector run in
        # another thread, a closed loop) the client's task group cancels it at exit.
        if self._ahead is not None and threading.get_ident() == self._thread:
            with contextlib.suppress(RuntimeError):
                self._cancel_ahead()


class _Budget:
    """How many items iteration may still yield (``None``: all of them).

    Shared by the item iterator and its pages, rather than the pages asking the item
    iterator, so no reference cycle delays finalising an abandoned iterator.
    """

    def __init__(self, left: int | None) -> None:
        self.left = left

    def wants_more_than(self, page: Page[Any]) -> bool:
        """Whether the items wanted go beyond ``page`` (so the next page is worth fetching)."""
        return self.left is None or self.left > len(page.items)


class _Items(AsyncIterator[T]):
    def __init__(self, pages: _Pages[T], budget: _Budget) -> None:
        self.pages = pages
        self._budget = budget
        self._buffer: list[T] = []
        self._index = 0

    async def __anext__(self) -> T:
        budget = self._budget
        if budget.left is not None and budget.left <= 0:
            await self.aclose()
            raise StopAsyncIteration
        while self._index >= len(self._buffer):
            page = await self.pages.__anext__()
            self._buffer, self._index = page.items, 0
        item = self._buffer[self._index]
        self._index += 1
        if budget.left is not None:
            budget.left -= 1
        return item

    async def aclose(self) -> None:
        """Stop iterating: cancel the page being fetched ahead, if any."""
        await self.pages.aclose()
