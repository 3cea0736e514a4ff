"""The event loop a ``PictoryClient`` runs its async client in, on a thread of its own.

Every sync call is the async call of the same name handed to this loop while the calling
thread waits, so validation, retries, deadlines, reconciliation and errors are the async
client's own: one implementation, not two.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from functools import partial, wraps
from typing import TYPE_CHECKING, Generic, Literal, ParamSpec, Protocol, TypeVar

import anyio
from anyio.from_thread import BlockingPortal

from .._loops import on_fork_in_child

if TYPE_CHECKING:
    from ..resources._raw_responses import AsyncRawResponses

__all__ = [
    "BACKENDS",
    "Backend",
    "Loop",
    "PortalCalls",
    "PortalResource",
    "Runner",
    "SyncRawResponses",
    "blocking",
    "masked",
    "refuse_inside",
]

R = TypeVar("R")
A = TypeVar("A")
P = ParamSpec("P")

Backend = Literal["asyncio", "trio"]
BACKENDS = ("asyncio", "trio")


class Runner(Protocol):
    """Runs an async function to completion in the client's event loop and returns its result."""

    def __call__(self, func: Callable[[], Awaitable[R]], /) -> R: ...

    def soon(self, func: Callable[[], Awaitable[object]], /) -> None:
        """Start ``func`` in the loop without waiting for it; nothing if the loop is gone."""


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


def refuse_inside(loop: Loop) -> None:
    """Refuse a call made from the loop's own thread (a sync ``mutate`` runs there).

    It would wait for that thread to be free: a deadlock, were it not refused.
    """
    if threading.get_ident() == loop.thread_id:
        raise RuntimeError(
            "a PictoryClient cannot be used from inside one of its own calls "
            "(e.g. in an optimistic_update mutate); use another client there"
        )


class PortalCalls:
    """Runs one client's calls in the shared loop; refuses once either is closed."""

    def __init__(self, loop: Loop) -> None:
        self._loop = loop
        self.closed = False

    def __call__(self, func: Callable[[], Awaitable[R]], /) -> R:
        if self.closed or self._loop.closed:
            raise RuntimeError("the client is closed")
        refuse_inside(self._loop)
        try:
            future = self._loop.here().start_task_soon(func)
        except RuntimeError:
            if self._loop.closed:
                raise RuntimeError("the client is closed") from None
            raise
        # The call's arguments (secrets among them) are no local of this frame while it
        # waits: an error raised through it is recorded with its locals by error trackers.
        del func
        try:
            return future.result()
        except BaseException:
            # E.g. Ctrl-C while waiting: cancel the call in the loop rather than let it run on.
            future.cancel()
            raise

    def soon(self, func: Callable[[], Awaitable[object]], /) -> None:
        """Start ``func`` in the loop without waiting for it; nothing if the loop is gone."""
        if self._loop.closed:
            return
        with contextlib.suppress(RuntimeError):  # the portal stopped meanwhile
            self._loop.here().start_task_soon(func)


class PortalResource(Generic[A]):
    """A sync resource: the async one, each call run through the client's portal."""

    def __init__(self, run: Runner, async_resource: A) -> None:
        self._run = run
        self._async = async_resource


class _Masked(Generic[R]):
    """A call of an async function whose ``repr`` names the function, never its arguments."""

    __slots__ = ("_func",)

    def __init__(self, func: Callable[[], Awaitable[R]]) -> None:
        self._func = func

    def __call__(self) -> Awaitable[R]:
        return self._func()

    def __repr__(self) -> str:
        func = getattr(self, "_func", None)  # None while half-built
        inner = getattr(func, "func", func)
        return f"<call of {getattr(inner, '__qualname__', type(inner).__name__)}>"


def masked(func: Callable[[], Awaitable[R]]) -> Callable[[], Awaitable[R]]:
    """``func``, with a ``repr`` that shows none of its bound arguments (secrets among them)."""
    return _Masked(func)


def blocking(run: Runner, method: Callable[P, Awaitable[R]]) -> Callable[P, R]:
    """``method`` run to its end in the client's loop: the same parameters, its result."""

    @wraps(method)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        bound = masked(partial(method, *args, **kwargs))
        del args, kwargs  # held by ``bound`` only, whose repr masks them
        return run(bound)

    return call


class SyncRawResponses:
    """``conns.with_raw_response``: each request method, returning a ``RawResponse``.

    Like its async twin, it wraps the methods instead of declaring them again.
    """

    def __init__(self, run: Runner, calls: AsyncRawResponses) -> None:
        self.create = blocking(run, calls.create)
        self.get = blocking(run, calls.get)
        self.list_page = blocking(run, calls.list_page)
        self.update = blocking(run, calls.update)
        self.delete = blocking(run, calls.delete)
