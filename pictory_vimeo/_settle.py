"""Settling a write whose outcome an attempt left unclear, before the call reports anything.

The API has no idempotency keys. When a write's attempt got no clear answer (cut, timed
out, a 5xx) and the call then fails — a ``409`` on the retry, the retries spent on ``429``
or ``503``, the deadline — the earlier attempt may have been applied. The resource's
reconciliation step reads the server's state, within the call's deadline, and says what it
found (:class:`Settled`): the write's result when it is ours, or that it certainly was
not applied, or that it cannot be known. The call returns the result, or raises the
failure with ``outcome_unknown`` set as found.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Generic, Protocol, TypeVar

import attrs

from ._answer import Answer
from ._errors import (
    OUTCOME_UNKNOWN,
    APIStatusError,
    APITimeoutError,
    ConflictError,
    PictoryError,
    mark_outcome_unknown,
    retype_conflict,
)

__all__ = ["Reconcile", "Settled", "settle"]

T = TypeVar("T")
C = TypeVar("C", bound="Settling")


class Settling(Protocol):
    """What settling needs to know of the call (``_call.Call``) it settles for."""

    @property
    def method(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def attempts(self) -> int: ...


@attrs.frozen
class Settled(Generic[T]):
    """What a reconciliation step found out about a write whose outcome was unclear."""

    #: The write was applied: its result, and the response that showed it.
    found: tuple[T, Answer] | None = None
    #: ``False``: it certainly was not applied; ``None``: that cannot be known.
    applied: bool | None = False
    #: What a ``409`` becomes when the write is not ours, and in what words (``None``: its own).
    conflict: type[ConflictError] = ConflictError
    message: str | None = None


#: ``reconcile(call, answer)``: ``answer`` is the error status the call last met, if any
#: (its ``Date`` header dates the server's clock).
Reconcile = Callable[[C, APIStatusError | None], Awaitable[Settled[T]]]


async def settle(call: C, reconcile: Reconcile[C, T], failure: PictoryError) -> tuple[T, Answer]:
    """The write's result if reading the server's state shows it was applied; else raises.

    Raises ``failure`` (a ``409`` retyped as the step says), with ``outcome_unknown`` when
    the step could not tell; a deadline passing during the step raises ``APITimeoutError``.
    """
    answer = failure if isinstance(failure, APIStatusError) else None
    settled: Settled[T] = Settled(applied=None)
    timed_out = False
    try:
        settled = await reconcile(call, answer)
    except APITimeoutError:
        timed_out = True
    except PictoryError:  # the reads failed too: nothing is known
        pass
    # Raised outside the handlers above: their exception (a read's failure) is no part of it.
    if settled.found is not None:
        return settled.found
    error: PictoryError = failure
    if timed_out and isinstance(failure, ConflictError):
        error = APITimeoutError(
            f"{call.method} {call.path}: the call's deadline passed while checking whether "
            f"an earlier attempt was applied; {OUTCOME_UNKNOWN}",
            attempts=call.attempts,
        )
    elif isinstance(failure, ConflictError):
        error = retype_conflict(failure, settled.conflict, settled.message)
    if settled.applied is None:
        mark_outcome_unknown(error)
    raise error
