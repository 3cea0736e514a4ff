"""``optimistic_update``: read, change, write with the version read; on a conflict, again.

``optimistic_update(conns, ...)`` asks the resource it is given to run the loop, through
the resource's ``__optimistic_update__`` hook (as ``os.fspath`` asks ``__fspath__``): the
async resource runs :func:`optimistic_update_async` and returns its coroutine; the sync
one runs it in its client's event loop and returns the result. This module knows neither.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import Any, Final, Protocol, TypeAlias, TypeVar

from ._conflicts import lost_race
from ._errors import ConflictError, OptimisticLockError, ValidationError
from ._logging import log_conflict
from ._models import VimeoConnection
from ._retry import conflict_wait, pause
from ._rules import FIELD_RULES, FieldError, check_count
from ._secret import MaskedFields

__all__ = [
    "Changes",
    "Connections",
    "Mutate",
    "Optimistic",
    "optimistic_update",
    "optimistic_update_async",
]

R_co = TypeVar("R_co", covariant=True)

#: What ``mutate`` returns: snake_case field -> new value, or ``None``/``{}`` for no change.
Changes: TypeAlias = Mapping[str, Any] | None
Mutate: TypeAlias = Callable[[VimeoConnection], Changes | Awaitable[Changes]]

_FIELDS: Final = frozenset(r.python_name for r in FIELD_RULES.values()) - {"version"}


class Optimistic(Protocol[R_co]):
    """A resource ``optimistic_update`` works on: its hook runs the loop, as it runs calls."""

    def __optimistic_update__(
        self, connection_id: str, mutate: Mutate, *, max_attempts: int = ...
    ) -> R_co: ...


class Connections(Protocol):
    """What the loop needs of the async resource: ``get`` and ``update``."""

    @property
    def get(self) -> Callable[..., Awaitable[VimeoConnection]]: ...

    @property
    def update(self) -> Callable[..., Awaitable[VimeoConnection]]: ...


def optimistic_update(
    conns: Optimistic[R_co],
    connection_id: str,
    mutate: Mutate,
    *,
    max_attempts: int = 10,
) -> R_co:
    """Apply ``mutate``'s change to the latest state of a connection, however many writers race.

    With the async client's ``vimeo_connections`` it returns a coroutine to ``await``; with
    the sync client's, it runs to completion and returns the connection.

    Reads the connection, calls ``mutate(current)`` (sync or async) for the fields to
    change, and updates with the version it read. When another writer got there first
    (a version conflict), it waits a jittered moment, reads again and calls ``mutate`` again
    on the fresh state. ``mutate`` may therefore run more than once, also when a lost
    response cannot be told apart from a competing write: it must compute its change from
    the state it is given and return ``None`` (or ``{}``) when that state already has the
    change. Then no update is lost or applied twice.

    Example:
        ```python
        def enable(current: pv.VimeoConnection) -> dict[str, object] | None:
            return None if current.enabled else {"enabled": True}

        conn = await pv.optimistic_update(client.vimeo_connections, conn_id, enable)
        ```

    Args:
        conns: ``client.vimeo_connections`` of an async or a sync client.
        connection_id: The connection's ID (case-sensitive).
        mutate: Called with the current :class:`VimeoConnection`; returns a mapping of
            snake_case field to new value (``name``, ``description``, ``enabled``,
            ``client_identifier``, ``client_secret``, ``access_token``, each under the rule
            of :meth:`AsyncVimeoConnections.update`), or ``None`` / ``{}`` when there is
            nothing to change. It may be sync or async, and may run more than once.
        max_attempts: How many read-modify-write rounds to try (an integer >= 1).

    Returns:
        The connection as last written (or as read, when there was nothing to change); a
        coroutine of it with the async client's ``vimeo_connections``.

    Raises:
        OptimisticLockError: ``max_attempts`` rounds all met a version conflict; the last
            conflict is its ``__cause__``.
        ValidationError: ``mutate`` returned an unknown field or a value breaking its
            rule, or ``max_attempts`` is not an integer >= 1.
        NotFoundError: The connection does not exist.
        PictoryError: Whatever ``get`` and ``update`` raise otherwise.
    """
    return conns.__optimistic_update__(connection_id, mutate, max_attempts=max_attempts)


async def optimistic_update_async(
    conns: Connections,
    connection_id: str,
    mutate: Mutate,
    *,
    max_attempts: int = 10,
) -> VimeoConnection:
    """The async body of :func:`optimistic_update`."""
    if (problem := check_count("max_attempts", max_attempts)) is not None:
        raise ValidationError([problem])
    current = await conns.get(connection_id)
    last_conflict: ConflictError | None = None
    for attempt in range(1, max_attempts + 1):
        changes = await _changes(mutate, current)
        if not changes:
            return current
        try:
            return await conns.update(connection_id, version=current.version, **changes)
        except ConflictError as conflict:
            read = current.version
            lost = await lost_race(conflict, partial(_moved, conns, connection_id, read))
            if lost is None:  # another conflict, e.g. a taken name
                raise
            last_conflict = lost
        if attempt == max_attempts:
            log_conflict(connection_id, attempt, max_attempts, None)
            break
        wait = conflict_wait(attempt)
        log_conflict(connection_id, attempt, max_attempts, wait)
        # Wait first, then read: the state mutate sees is as fresh as it can be when written.
        await pause(wait)
        current = await conns.get(connection_id)
    raise OptimisticLockError(connection_id, max_attempts) from last_conflict


async def _moved(conns: Connections, connection_id: str, version: int) -> bool:
    """Whether the connection's version has moved on from ``version``."""
    return (await conns.get(connection_id)).version != version


async def _changes(mutate: Mutate, current: VimeoConnection) -> MaskedFields:
    """What ``mutate`` asks to change, in a mapping whose repr masks secrets (new ones)."""
    result = mutate(current)
    if inspect.isawaitable(result):
        result = await result
    if result is None:
        return MaskedFields()
    if not isinstance(result, Mapping):
        raise ValidationError(
            [FieldError("mutate", f"must return a mapping or None (got {type(result).__name__})")]
        )
    changes = MaskedFields(result)
    del result  # from here on only in the masked mapping (it may hold new secrets)
    unknown = sorted(str(key) for key in changes if key not in _FIELDS)
    if unknown:
        raise ValidationError(
            [
                FieldError(
                    key, f"is not a field an update can change ({', '.join(sorted(_FIELDS))})"
                )
                for key in unknown
            ]
        )
    return changes
