"""The async paginator: ``await`` it for one page, ``async for`` it for every item.

The iterators are plain classes rather than async generators: an ``async for`` that
breaks early then leaves no suspended generator behind to be finalised later, and each
page's response is read completely before its items are handed out, so nothing stays open.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from typing import Generic, TypeVar

from ._errors import PaginationError
from ._models import Page

__all__ = ["AsyncPaginator", "PageFetcher"]

T = TypeVar("T")

PageFetcher = Callable[[str | None], Awaitable[Page[T]]]


class AsyncPaginator(Generic[T]):
    """Every item of a listing, fetched page by page as the iteration reaches it.

    ``await paginator`` gives the first page; ``async for item in paginator`` gives every
    item (at most ``limit``); ``async for page in paginator.pages()`` gives every page.
    Start from ``next_page_key`` to resume a listing where an earlier one stopped.
    """

    def __init__(
        self,
        fetch: PageFetcher[T],
        *,
        next_page_key: str | None = None,
        limit: int | None = None,
    ) -> None:
        self._fetch = fetch
        self._start = next_page_key
        self._limit = limit

    def __await__(self) -> Generator[object, None, Page[T]]:
        """The first page (from ``next_page_key`` when one was given)."""
        return self._fetch(self._start).__await__()

    def __aiter__(self) -> AsyncIterator[T]:
        """Every item across pages, up to ``limit``."""
        return _Items(self.pages(), self._limit)

    def pages(self) -> AsyncIterator[Page[T]]:
        """Every page, following ``nextPageKey`` until the server gives none."""
        return _Pages(self._fetch, self._start)


class _Pages(AsyncIterator[Page[T]]):
    def __init__(self, fetch: PageFetcher[T], start: str | None) -> None:
        self._fetch = fetch
        self._key = start
        self._seen: set[str] = {start} if start else set()
        self._done = False
        self._loop: PaginationError | None = None

    async def __anext__(self) -> Page[T]:
        if self._loop is not None:
            raise self._loop
        if self._done:
            raise StopAsyncIteration
        page = await self._fetch(self._key)
        key = page.next_page_key
        if not key:
            self._done = True
        elif key in self._seen:
            # The page itself was answered and is handed out; following its key is the error.
            self._loop = PaginationError(
                f"the server repeated nextPageKey {key[:60]!r}; following it would loop forever"
            )
        else:
            self._seen.add(key)
            self._key = key
        return page


class _Items(AsyncIterator[T]):
    def __init__(self, pages: AsyncIterator[Page[T]], limit: int | None) -> None:
        self._pages = pages
        self._left = limit
        self._buffer: list[T] = []
        self._index = 0

    async def __anext__(self) -> T:
        if self._left is not None and self._left <= 0:
            raise StopAsyncIteration
        while self._index >= len(self._buffer):
            page = await self._pages.__anext__()
            self._buffer, self._index = page.items, 0
        item = self._buffer[self._index]
        self._index += 1
        if self._left is not None:
            self._left -= 1
        return item
