"""The client's task group for read-ahead fetches, while it is used as ``async with``."""

from __future__ import annotations

from typing import Protocol

import anyio
from anyio.abc import TaskGroup

__all__ = ["Fetch", "ReadAhead"]


class Fetch(Protocol):
    """A read-ahead fetch: run it in the task group; cancel it from anywhere in the loop."""

    async def run(self) -> None:
        """Fetch (and keep the result or the failure for whoever waits for it)."""

    def cancel(self) -> None:
        """Stop the fetch now."""


class ReadAhead:
    """The client's task group for read-ahead fetches, while it is used as ``async with``.

    The group is only ever exited by the ``async with`` that opened it; everything else
    (``aclose()``, an abandoned iterator) cancels fetches one by one, because cancelling the
    group itself would also cancel the caller's code inside the block.
    """

    def __init__(self) -> None:
        self._group: TaskGroup | None = None
        self._host: int | None = None
        self._fetches: set[Fetch] = set()
        self._idle: anyio.Event | None = None
        self._stopped = False

    @property
    def active(self) -> bool:
        """Whether fetches can be started (inside ``async with``, before ``aclose()``)."""
        return self._group is not None and not self._stopped

    async def open(self) -> None:
        """Open the task group, in the task that enters the client."""
        group = anyio.create_task_group()
        await group.__aenter__()
        self._group, self._host = group, anyio.get_current_task().id

    def start(self, fetch: Fetch) -> bool:
        """Run ``fetch`` in the task group; ``False`` when there is none (no read-ahead)."""
        if self._group is None or self._stopped:
            return False
        self._fetches.add(fetch)
        self._group.start_soon(self._tracked, fetch)
        return True

    async def _tracked(self, fetch: Fetch) -> None:
        try:
            await fetch.run()
        finally:
            self._fetches.discard(fetch)
            if not self._fetches and self._idle is not None:
                self._idle.set()

    async def stop(self) -> None:
        """Start no more fetches; cancel those running and wait until they have ended."""
        self._stopped = True
        for fetch in list(self._fetches):
            fetch.cancel()
        while self._fetches:
            self._idle = anyio.Event()
            await self._idle.wait()

    async def close(self) -> None:
        """Stop, then leave the task group (from ``__aexit__``, nested as it was entered)."""
        await self.stop()
        group, self._group = self._group, None
        # Entered in one task and left in another (pytest-asyncio runs a fixture's setup
        # and teardown in different tasks), the group cannot be exited; it is empty anyway.
        if group is not None and anyio.get_current_task().id == self._host:
            await group.__aexit__(None, None, None)
