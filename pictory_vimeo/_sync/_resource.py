"""What a sync resource is made of: the async resource and the runner, and raw responses.

``SyncVimeoConnections`` (generated) is a :class:`PortalResource`; its
``with_raw_response`` wraps the async raw methods, as the async one wraps the plain ones.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial, wraps
from typing import TYPE_CHECKING, Generic, ParamSpec, TypeVar

from ._runner import Runner, masked

if TYPE_CHECKING:
    from ..resources.vimeo_connections import AsyncRawResponses

__all__ = ["PortalResource", "SyncRawResponses", "blocking"]

R = TypeVar("R")
A = TypeVar("A")
P = ParamSpec("P")


class PortalResource(Generic[A]):
    """A sync resource: the async one, each call run through the client's portal."""

    def __init__(self, run: Runner, async_resource: A) -> None:
        self._run = run
        self._async = async_resource


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
