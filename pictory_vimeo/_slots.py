"""A client's share of requests in flight: ``max_concurrency``, as an anyio limiter."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator

import anyio

from ._session import ApiSession
from ._traffic import Counters
from ._transports import pool_size

__all__ = ["Slots"]


class Slots:
    """A client's share of requests in flight (``max_concurrency``), sized with its pool.

    Without ``max_concurrency`` the size is the pool's own best (``pool_size``), known once
    the pool is chosen: for ``transport="auto"`` that is at the first request.
    """

    def __init__(
        self, session: ApiSession, requested: int | None, counters: Counters | None = None
    ) -> None:
        self._session = session
        self.requested = requested
        #: Where the time calls wait for a slot is added up (``stats().slot_wait``).
        self.counters = Counters() if counters is None else counters
        self._limiter: anyio.CapacityLimiter | None = None

    @property
    def total(self) -> int:
        """How many of this client's requests may be in flight at once."""
        return pool_size(self._session.transport_name, self.requested)

    def limiter(self) -> anyio.CapacityLimiter:
        """The limiter each request takes a slot of (made at the first request)."""
        if self._limiter is None:
            self._session.http  # noqa: B018 - opens the pool, which decides the size
            self._limiter = anyio.CapacityLimiter(self.total)
        return self._limiter

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one slot for the length of the block, waiting for one only when none is free.

        A free slot is taken without yielding to the event loop (``acquire()`` always
        yields once, which costs a whole loop turn per request: measured, a fifth of a
        request's CPU on httpx's pool).
        """
        limiter = self.limiter()
        try:
            limiter.acquire_nowait()
        except anyio.WouldBlock:
            started = time.perf_counter()
            try:
                await limiter.acquire()
            finally:
                self.counters.slot_wait += time.perf_counter() - started
        try:
            yield
        finally:
            limiter.release()
