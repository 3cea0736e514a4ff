"""Running one call of the async client in the loop's thread, from the calling thread.

A call waits for its result and cancels it in the loop on an interrupt; a call from the
loop's own thread is refused (it would wait for itself); a call's arguments (secrets among
them) stay out of every ``repr`` and every local of the waiting frame.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Awaitable, Callable
from typing import Generic, Protocol, TypeVar

from .._errors import ClientClosedError, ValidationError
from .._rules import FieldError
from ._portal import Loop

__all__ = ["PortalCalls", "Runner", "masked", "refuse_inside"]

R = TypeVar("R")


class Runner(Protocol):
    """Runs an async function to completion in the client's event loop and returns its result."""

    def __call__(self, func: Callable[[], Awaitable[R]], /) -> R: ...

    def soon(self, func: Callable[[], Awaitable[object]], /) -> None:
        """Start ``func`` in the loop without waiting for it; nothing if the loop is gone."""


def refuse_inside(loop: Loop) -> None:
    """Refuse a call made from the loop's own thread (a sync ``mutate`` runs there).

    It would wait for that thread to be free: a deadlock, were it not refused.
    """
    if threading.get_ident() == loop.thread_id:
        raise ValidationError(
            [
                FieldError(
                    "client",
                    "a PictoryClient cannot be used from inside one of its own calls (e.g. "
                    "in an optimistic_update mutate): use another client there",
                )
            ]
        )


class PortalCalls:
    """Runs one client's calls in the shared loop; refuses once either is closed."""

    def __init__(self, loop: Loop) -> None:
        self._loop = loop
        self.closed = False

    def __call__(self, func: Callable[[], Awaitable[R]], /) -> R:
        if self.closed or self._loop.closed:
            raise ClientClosedError()
        refuse_inside(self._loop)
        try:
            future = self._loop.here().start_task_soon(func)
        except RuntimeError:
            if self._loop.closed:
                raise ClientClosedError() from None
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
