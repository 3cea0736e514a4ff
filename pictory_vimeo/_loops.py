"""Which event loop and process a client's pool belongs to, and what happens when that changes.

A pool's connections belong to the event loop they were opened in. :class:`PoolHome`
records that loop and starts, in it, a tiny async generator whose ``finally`` closes the
pool: asyncio (``asyncio.run``, ``Runner``) and trio close every live async generator
before their loop ends, so the pool is closed *with its loop*, properly, and a client used
in a later loop opens a fresh one. Used from a second loop while the first still runs
(two threads), it refuses, saying what to do: two loops cannot share connections.

After ``os.fork()`` the child holds copies of the parent's sockets and loop objects;
touching them (even closing them through the loop, which would unregister them from an
epoll set the two processes share) would disturb the parent. So in the child every pool
is left behind untouched, and the next call opens the child's own.
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Final, Protocol

import anyio.lowlevel

from ._errors import ValidationError
from ._rules import FieldError

__all__ = ["ForkAware", "PoolHome", "in_a_loop", "leave_behind", "on_fork_in_child"]


class ForkAware(Protocol):
    """An object that lets go of what the parent process owns, in a forked child."""

    def forked_in_child(self) -> None:
        """Drop (never close) the parent's connections, loops and threads."""


_FORK_AWARE: Final[weakref.WeakSet[ForkAware]] = weakref.WeakSet()
#: What a fork or a loop that ended without closing it left: kept so that nothing ever
#: finalises it (a finaliser would reach for a loop that is gone, or the parent's).
_LEFT_BEHIND: Final[list[tuple[object, ...]]] = []


def leave_behind(*objects: object) -> None:
    """Keep ``objects`` untouched for the life of the process."""
    _LEFT_BEHIND.append(objects)


def on_fork_in_child(obj: ForkAware) -> None:
    """Have ``obj.forked_in_child()`` called in the child of every later ``os.fork()``."""
    _FORK_AWARE.add(obj)


def _after_fork_in_child() -> None:
    for obj in list(_FORK_AWARE):
        obj.forked_in_child()
    for left in _LEFT_BEHIND:  # the parent's pools, all now: never closed from the child
        for kept in left:
            if isinstance(kept, _Stay):
                kept.closes = False


os.register_at_fork(after_in_child=_after_fork_in_child)


def in_a_loop() -> bool:
    """Whether an event loop runs in this thread now (not merely a runner's context, as in
    a synchronous fixture run between a test runner's async ones).
    """
    try:
        anyio.lowlevel.current_token()
    except RuntimeError:  # anyio's NoEventLoopError and sniffio's "no library" among them
        return False
    return True


def _still_running(loop: object) -> bool:
    """Whether the loop whose native token is ``loop`` may still be running.

    asyncio's loop says so itself. trio's run closes every async generator before it
    ends (the home's among them), so a trio run whose home was not closed still runs.
    """
    is_running = getattr(loop, "is_running", None)
    is_closed = getattr(loop, "is_closed", None)
    if callable(is_running) and callable(is_closed):
        return bool(is_running()) and not is_closed()
    return True


def _misuse() -> ValidationError:
    return ValidationError(
        [
            FieldError(
                "event loop",
                "this client's connections belong to an event loop still running in "
                "another thread, and cannot be shared with this one: make one client per "
                "event loop (or per thread), or use PictoryClient, which runs its own loop",
            )
        ]
    )


class _Stay:
    """One pool's stay in one loop: whether its closer still closes it when the loop ends."""

    __slots__ = ("closes",)

    def __init__(self) -> None:
        #: False once the pool is closed otherwise, or is a forked child's copy.
        self.closes = True


class PoolHome:
    """The event loop (thread and process) a pool was opened in, and its closing."""

    def __init__(self) -> None:
        self._thread: int | None = None
        self._loop: object = None
        #: The async generator that closes the pool with its loop; ``None`` once closed.
        self._closer: AsyncGenerator[None, None] | None = None
        self._stay = _Stay()
        self._pool: tuple[object, ...] = ()

    def here(self) -> bool:
        """Whether a pool is open and its loop runs in this thread: the check per request."""
        return self._closer is not None and self._thread == threading.get_ident()

    def vacate(self) -> None:
        """Make way for a pool in the running loop: raise if the open one's loop runs
        elsewhere, else leave the open one (whose loop has ended) behind untouched.
        """
        if self._closer is None:
            return
        if self._thread != threading.get_ident() and _still_running(self._loop):
            raise _misuse()
        self._leave()

    def settle(self, close: Callable[[], Awaitable[None]], *pool: object) -> None:
        """Record the running loop as the home of ``pool``, which ``close()`` closes then."""
        self._thread = threading.get_ident()
        self._loop = anyio.lowlevel.current_token().native_token
        self._pool = pool
        self._stay = stay = _Stay()
        closer = self._close_with_loop(close, stay)
        # Run the generator to its ``yield`` now, without awaiting: that registers it with
        # the running loop (its first-iteration hook), which will close it when it ends.
        with contextlib.suppress(StopIteration):
            closer.asend(None).send(None)
        self._closer = closer

    async def _close_with_loop(
        self, close: Callable[[], Awaitable[None]], stay: _Stay
    ) -> AsyncGenerator[None]:
        try:
            yield
        finally:
            # The loop is ending: close the pool in it, unless that was done otherwise. A
            # pool left behind by a loop that stopped, then ran again, is closed too.
            if stay.closes:
                stay.closes = False
                if self._stay is stay:
                    self._closer, self._pool = None, ()
                await close()

    async def close(self, close: Callable[[], Awaitable[None]]) -> None:
        """Close the pool with ``close()`` if its loop is the running one (the client is
        being closed). A pool whose loop runs on in another thread is closed when that loop
        ends; one whose loop ended without closing it is left behind.
        """
        if self._closer is None:
            return
        if self._loop is not anyio.lowlevel.current_token().native_token:
            if self._thread == threading.get_ident() or not _still_running(self._loop):
                self._leave()
            return
        closer, self._closer, self._pool = self._closer, None, ()
        self._stay.closes = False
        await closer.aclose()  # its ``finally`` now closes nothing
        await close()

    def _leave(self) -> None:
        closer, self._closer = self._closer, None
        if closer is not None:
            leave_behind(self._stay, closer, self._pool)
        self._pool = ()

    def forked_in_child(self) -> None:
        """Leave the parent's pool behind, never to be closed from here (closing would
        reach for sockets and a loop the parent still uses); the next request opens the
        child's own.
        """
        self._leave()
