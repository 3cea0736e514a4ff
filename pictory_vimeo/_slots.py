"""A client's share of requests in flight: ``max_concurrency``, as an anyio limiter."""

from __future__ import annotations

import time

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
        #: The pool the limiter was made for: a pool opened anew (a later event loop, a
        #: forked child) gets a limiter of its own, of its own size.
        self._generation = -1

    @property
    def total(self) -> int:
        """How many of this client's requests may be in flight at once."""
        return pool_size(self._session.transport_name, self.requested)

    def limiter(self) -> anyio.CapacityLimiter:
        """The limiter each request takes a slot of (made at the first request)."""
        self._session.pool  # noqa: B018 - opens the pool (here, anew), which decides the size
        if self._limiter is None or self._generation != self._session.generation:
            self._limiter = anyio.CapacityLimiter(self.total)
            self._generation = self._session.generation
        return self._limiter

    def slot(self, deadline: float) -> _Slot:
        """Hold one slot for the length of an ``async with``, waiting only when none is free
        (and then until ``deadline`` at most: ``TimeoutError``).

        A free slot is taken without yielding to the event loop (``acquire()`` always
        yields once, which costs a whole loop turn per request: measured, a fifth of a
        request's CPU on httpx's pool). A class, not an ``asynccontextmanager``: an async
        generator per request costs asyncio's first-iteration hook, measured at a tenth of
        the SDK's CPU per call.
        """
        return _Slot(self.limiter(), deadline, self.counters)


class _Slot:
    """One slot of a ``CapacityLimiter``, held for the length of an ``async with``."""

    __slots__ = ("_counters", "_deadline", "_limiter")

    def __init__(self, limiter: anyio.CapacityLimiter, deadline: float, counters: Counters) -> None:
        self._limiter = limiter
        self._deadline = deadline
        self._counters = counters

    async def __aenter__(self) -> None:
        limiter = self._limiter
        try:
            limiter.acquire_nowait()
        except anyio.WouldBlock:
            started = time.perf_counter()
            try:
                with anyio.fail_at(self._deadline):
                    await limiter.acquire()
            finally:
                self._counters.slot_wait += time.perf_counter() - started

    async def __aexit__(self, *exc_info: object) -> None:
        self._limiter.release()
