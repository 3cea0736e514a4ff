"""What a ``409`` means: the one place that classifies a conflict, settles it, or raises it.

A ``409`` is classified once, from what the server said (:func:`conflict_class`, asked by
``_error_bodies``); a bare one is given a meaning only by what the SDK knows of the call:
a create can meet no conflict but a taken name (:func:`for_create`), and an update that
raced finds out from the version whether it lost the race (:func:`lost_race`, asked by
``optimistic_update``).

After an unclear attempt the meaning waits on the server's state. The API has no
idempotency keys: when a write's attempt got no clear answer (cut, timed out, a 5xx) and
the call then fails — a ``409`` on the retry, the retries spent on ``429`` or ``503``, the
deadline — the earlier attempt may have been applied. The resource's reconciliation step
reads the server's state, within the call's deadline, and says what it found
(:class:`Settled`): the write's result when it is ours, or that it certainly was not
applied, or that it cannot be known. The call returns the result, or raises the failure
(a ``409`` retyped as found) with ``outcome_unknown`` set as found (:func:`settle`).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Final, Generic, Protocol, TypeVar

import attrs

from ._answer import Answer
from ._errors import (
    OUTCOME_UNKNOWN,
    APIStatusError,
    APITimeoutError,
    ConflictError,
    DuplicateNameError,
    PictoryError,
    VersionConflictError,
    mark_outcome_unknown,
)

__all__ = [
    "Reconcile",
    "Settled",
    "conflict_class",
    "for_create",
    "lost_race",
    "retype",
    "settle",
]

T = TypeVar("T")
C = TypeVar("C", bound="Settling")

#: Quoted text in a message is usually the caller's own value (a name), not the server's words.
_QUOTED: Final = re.compile(r"'[^']*'|\"[^\"]*\"")


def conflict_class(message: str, code: str | None) -> type[ConflictError]:
    """The conflict a ``409`` names by its code or its message (``ConflictError``: none).

    The code decides when it says something; the message only outside its quoted parts,
    since a name such as 'Version 2' quoted back must not make a name clash a version one.
    """
    for said in (code or "", _QUOTED.sub("", message)):
        said = said.lower()
        if "version" in said:
            return VersionConflictError
        if "name" in said or "duplicate" in said or "already exists" in said:
            return DuplicateNameError
    return ConflictError


def retype(
    error: ConflictError, cls: type[ConflictError], message: str | None = None
) -> ConflictError:
    """``error`` as ``cls`` (same data) unless the server already named a specific conflict.

    ``message`` replaces the server's words when the SDK knows more than they say.
    """
    if type(error) is not ConflictError and message is None:
        return error
    target: type[ConflictError] = cls if type(error) is ConflictError else type(error)
    return target(
        error.message if message is None else message,
        response=error.response,
        code=error.code,
        body=error.body,
        request_id=error.request_id,
        retry_after=error.retry_after,
        attempts=error.attempts,
    )


def for_create(conflict: ConflictError) -> ConflictError:
    """A create's ``409``: a create has no version, so its only conflict is a taken name."""
    error = retype(conflict, DuplicateNameError)
    error.outcome_unknown = conflict.outcome_unknown
    return error


async def lost_race(
    conflict: ConflictError, moved: Callable[[], Awaitable[bool]]
) -> VersionConflictError | None:
    """``conflict`` as the lost race of a write with the version read, or ``None`` if not one.

    A ``409`` the server named is what it says; a bare one is a lost race when the version
    moved on (``moved()`` reads it), and another conflict (e.g. a taken name) when not.
    """
    if isinstance(conflict, VersionConflictError):
        return conflict
    if type(conflict) is not ConflictError or not await moved():
        return None
    lost = retype(conflict, VersionConflictError)
    assert isinstance(lost, VersionConflictError)
    return lost


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
        error = retype(failure, settled.conflict, settled.message)
    if settled.applied is None:
        mark_outcome_unknown(error)
    raise error
