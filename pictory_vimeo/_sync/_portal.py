"""The event loop a ``PictoryClient`` runs its async client in, on a thread of its own.

Every sync call is the async call of the same name handed to this loop while the calling
thread waits (``_runner``), so validation, retries, deadlines, reconciliation and errors
are the async client's own: one implementation, not two. This module owns the thread: its
start, its stop, and its restart in a forked child.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Literal

import anyio
from anyio.from_thread import BlockingPortal

from .._loops import on_fork_in_child

__all__ = ["BACKENDS", "Backend", "Loop"]

Backend = Literal["asyncio", "trio"]
BACKENDS = ("asyncio", "trio")


class Loop:
    """The portal thread and everything living in its loop, shared with derived clients.

    In a child made by ``os.fork()`` the thread is gone (only the forking thread is
    copied): the first call there starts a new thread and enters the client in it again,
    and the client's pool, seeing the fork, opens the child's own connections (``_loops``).
    """

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.portal, self.thread = _start(backend)
        self.thread_id = self.thread.ident
        self.closed = False
        self._lock = threading.Lock()
        self.cleanup: Callable[[], None] | None = None
        #: Enters the client in a portal's loop and returns how to leave it (see ``enter``).
        self._enter: Callable[[BlockingPortal], Callable[[], None]] | None = None
        self._forked = False
        #: The sync clients alive on this loop (the owner and those ``with_options`` made).
        self._users = 0
        on_fork_in_child(self)

    @classmethod
    def start(cls, backend: Backend) -> Loop:
        """Start the portal's thread and event loop."""
        return cls(backend)

    def enter(self, enter: Callable[[BlockingPortal], Callable[[], None]]) -> None:
        """Run ``enter`` in the loop now, and again in a forked child's new loop; what it
        returns is run (in the loop) when the client is closed.
        """
        self._enter = enter
        self.cleanup = enter(self.portal)

    def forked_in_child(self) -> None:
        """In a forked child: the thread is gone, and the lock may have been held by it."""
        self._forked = True
        self._lock = threading.Lock()

    def here(self) -> BlockingPortal:
        """The portal, in this process: after a fork, a new thread and loop on first use."""
        if self._forked:
            with self._lock:
                if self._forked and not self.closed:
                    self.portal, self.thread = _start(self.backend)
                    self.thread_id = self.thread.ident
                    self._forked = False
                    if self._enter is not None:
                        self.cleanup = self._enter(self.portal)
        return self.portal

    def attach(self) -> None:
        """Count one more live client on this loop."""
        with self._lock:
            self._users += 1

    def detach(self) -> None:
        """One client on this loop was collected; stop the loop if it was the last one.

        A client nobody closed: its pool and thread are released all the same, from a
        thread of their own, since a finaliser may run anywhere (in the loop's own thread,
        where waiting for the loop would never end).
        """
        with self._lock:
            self._users -= 1
            last = self._users == 0 and not self.closed
        if last and not sys.is_finalizing():
            threading.Thread(target=self.stop, name="pictory-vimeo-close", daemon=True).start()

    def stop(self) -> None:
        """Close what lives in the loop, then stop the loop and join its thread. Idempotent.

        In a forked child whose loop was never started again there is nothing to stop: the
        parent's thread, loop and pool are its own.
        """
        with self._lock:
            if self.closed:
                return
            self.closed = True
            if self._forked:
                return
            try:
                if self.cleanup is not None:
                    self.cleanup()
            finally:
                self.portal.call(self.portal.stop, False)
                self.thread.join()


def _start(backend: Backend) -> tuple[BlockingPortal, threading.Thread]:
    """Start a portal's thread and event loop.

    Not anyio's ``start_blocking_portal``: a client nobody closed would leave that
    generator-based context manager to be finalised at interpreter exit, where stopping
    the portal from a finaliser hangs. A daemon thread of our own lets a script whose
    client was never closed still exit.
    """
    ready: Future[BlockingPortal] = Future()

    async def serve() -> None:
        async with BlockingPortal() as portal:
            ready.set_result(portal)
            await portal.sleep_until_stopped()

    def run() -> None:
        try:
            anyio.run(serve, backend=backend)
        except BaseException as exc:  # reported to the starting thread
            if not ready.done():
                ready.set_exception(exc)

    thread = threading.Thread(target=run, name="pictory-vimeo-portal", daemon=True)
    thread.start()
    return ready.result(), thread
