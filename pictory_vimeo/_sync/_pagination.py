"""The sync paginator: the async one, driven step by step through the client's portal.

Each step of an iteration is one call into the portal, so pages are still fetched only
as the iteration reaches them. The iterators are plain classes, like the async ones: a
``for`` loop that breaks early leaves nothing suspended behind it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Final, Generic, TypeVar

from .._models import Page
from .._pagination import AsyncPaginator
from ._runner import Runner

__all__ = ["SyncPaginator"]

T = TypeVar("T")
R = TypeVar("R")


class _Done:
    """The end of an async iterator, as a value that can cross the portal."""


_DONE: Final = _Done()


class SyncPaginator(Generic[T]):
    """Every item of a listing, fetched page by page as the iteration reaches it.

    ``paginator.first_page()`` gives the first page; ``for item in paginator`` gives every
    item (at most ``limit``); ``for page in paginator.pages()`` gives every page.

    Made by ``client.vimeo_connections.list(...)`` of a :class:`PictoryClient`; not meant
    to be constructed directly. No request is sent until it is iterated.
    """

    def __init__(self, run: Runner, paginator: AsyncPaginator[T]) -> None:
        self._run = run
        self._paginator = paginator

    def first_page(self) -> Page[T]:
        """The first page (from ``next_page_key`` when one was given).

        Returns:
            One whole :class:`Page` (``limit`` does not shorten it).

        Raises:
            PictoryError: Whatever ``list_page`` raises.
        """

        async def first() -> Page[T]:
            return await self._paginator

        return self._run(first)

    def __iter__(self) -> Iterator[T]:
        """Every item across pages, up to ``limit``.

        Returns:
            An iterator of the items; the next page is fetched when iteration reaches it.

        Raises:
            PaginationError: While iterating, when the listing would loop.
            PictoryError: While iterating, whatever ``list_page`` raises.
        """
        return _Steps(self._run, aiter(self._paginator))

    def pages(self) -> Iterator[Page[T]]:
        """Every page, following ``nextPageKey`` until the server gives none.

        Returns:
            An iterator of whole pages (``limit`` does not apply).

        Raises:
            PaginationError: While iterating, when the listing would loop.
            PictoryError: While iterating, whatever ``list_page`` raises.
        """
        return _Steps(self._run, self._paginator.pages())


class _Steps(Iterator[R]):
    """A sync iterator taking one step of an async iterator per ``next``."""

    def __init__(self, run: Runner, source: AsyncIterator[R]) -> None:
        self._run = run
        self._source = source
        self._finished = False

    def __next__(self) -> R:
        if self._finished:
            raise StopIteration
        result = self._run(self._step)
        if isinstance(result, _Done):
            self._finished = True
            raise StopIteration
        return result

    async def _step(self) -> R | _Done:
        # StopAsyncIteration is turned into a value here, in the loop, rather than sent
        # through the portal's future as an exception.
        try:
            return await self._source.__anext__()
        except StopAsyncIteration:
            return _DONE

    async def _close_source(self) -> None:
        close = getattr(self._source, "aclose", None)
        if close is not None:
            await close()

    def close(self) -> None:
        """Stop iterating: cancel the page being fetched ahead, if any."""
        if not self._finished:
            self._finished = True
            self._run.soon(self._close_source)

    def __del__(self) -> None:
        # Abandoned by ``break`` or an exception: cancel the read-ahead in the loop,
        # without waiting for it (a finaliser must not block).
        self.close()
