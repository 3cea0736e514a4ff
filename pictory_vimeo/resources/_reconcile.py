"""Is this ``409`` the echo of our own write? The reconciliation steps of create and update.

The API has no idempotency keys. When a write's attempt got no clear answer and its retry
meets a ``409``, the earlier attempt may have been applied: the conflict is then with our
own write. These steps read the server's state (within the call's deadline) and claim it
only when nothing contradicts it being ours; otherwise they raise the conflict.

What cannot be read back cannot be checked: the secrets are write-only, so a connection
another process created with our name, client identifier, description and enabled flag
inside the window of our attempts is indistinguishable from ours (README, "Guarantees").
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Final

import httpx

from .._answer import Answer
from .._call import Call
from .._errors import ConflictError, DuplicateNameError, VersionConflictError, retype_conflict
from .._models import Page, VimeoConnection, VimeoConnectionCreate, converter
from .._pagination import AsyncPaginator
from .._rules import SECRET_FIELDS
from ._bodies import COLLECTION, connection_path, parse_page, parse_this_connection

__all__ = ["CLOCK_SKEW", "reconcile_create", "reconcile_update"]

#: Allowed difference between our clock and the server's, used only when the server's
#: answer carries no ``Date`` header to measure it by.
CLOCK_SKEW: Final = 60.0


def _server_date(response: httpx.Response) -> float | None:
    value = response.headers.get("date")
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def created_since(call: Call, conflict: ConflictError) -> float:
    """The earliest moment (server clock, epoch seconds) our unclear attempts could create at.

    From the ``409``'s ``Date`` header D (whole seconds, perhaps cached and so behind), read
    at local time ``now``: the server's clock runs at least ``D - now`` ahead of ours, so our
    first unclear attempt, sent at local time ``t``, reached it no earlier than
    ``t + D - now``. Without a ``Date`` header, ``CLOCK_SKEW`` is allowed for instead.
    """
    now = time.time()
    first = call.unclear_since if call.unclear_since is not None else now
    date = _server_date(conflict.response)
    if date is None:
        return first - CLOCK_SKEW
    return first + min(0.0, date - now)


def _created_at(connection: VimeoConnection) -> float | None:
    created: datetime | None = connection.created_date
    return None if created is None else created.timestamp()


async def reconcile_create(
    model: VimeoConnectionCreate, call: Call, conflict: ConflictError
) -> tuple[VimeoConnection, Answer]:
    """The connection an earlier, unanswered attempt of this create made; else the conflict."""
    earliest = created_since(call, conflict)
    seen: list[Answer] = []

    async def fetch(key: str | None) -> Page[VimeoConnection]:
        params = {"nextPageKey": key} if key else None
        response = await call.fetch("GET", COLLECTION, params=params)
        seen.append(response)
        return parse_page(response)

    async for connection in AsyncPaginator(fetch):
        if connection.name != model.name:
            continue
        same_fields = (
            connection.client_identifier == model.client_identifier
            and connection.description == model.description
            and connection.enabled == model.enabled
        )
        created = _created_at(connection)
        # Milliseconds are all createdDate holds: allow for its rounding.
        in_window = created is not None and created >= earliest - 0.001
        if same_fields and in_window:
            return connection, seen[-1]
        why = "its fields differ" if not same_fields else "it was created before this call"
        raise retype_conflict(
            conflict,
            DuplicateNameError,
            f"a connection named {model.name!r} already exists, and {why}",
        ) from None
    raise retype_conflict(conflict, DuplicateNameError) from None


async def reconcile_update(
    connection_id: str,
    version: int,
    body: Mapping[str, object],
    call: Call,
    conflict: ConflictError,
) -> tuple[VimeoConnection, Answer]:
    """The connection as our update left it, if that is sure; else a conflict to raise."""
    response = await call.fetch("GET", connection_path(connection_id))
    current = parse_this_connection(connection_id)(response)
    if current.version == version:
        # Nobody wrote, so this 409 is not about the version (e.g. a taken name).
        raise conflict
    readable = {k: v for k, v in body.items() if k != "version" and k not in SECRET_FIELDS}
    checkable = bool(readable) and not any(k in SECRET_FIELDS for k in body)
    if current.version == version + 1:
        shown = converter.unstructure(current)
        if all(shown.get(field) == value for field, value in readable.items()):
            if checkable:
                return current, response
            raise retype_conflict(
                conflict,
                VersionConflictError,
                f"version {version} of connection {connection_id!r} moved on while an earlier "
                "attempt's outcome is unknown: what it sent cannot be read back to check "
                "whether it was applied",
            ) from None
    raise retype_conflict(conflict, VersionConflictError) from None
