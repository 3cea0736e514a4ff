"""Was our unclear write applied? The reconciliation steps of create and update.

The API has no idempotency keys. When a write's attempt got no clear answer and its retry
meets a ``409``, the earlier attempt may have been applied: the conflict is then with our
own write; and when the call fails otherwise (retries spent, deadline), it may have been
applied as well. These steps read the server's state (within the call's deadline) and claim
it only when nothing contradicts it being ours; otherwise they say whether it certainly
was not applied, or whether that cannot be known (``_conflicts``).

What cannot be read back cannot be checked: the secrets are write-only, so a connection
another process created with our name, client identifier, description and enabled flag
inside the window of our attempts is indistinguishable from ours (README, "Guarantees").
"""

from __future__ import annotations

import time
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Final

import httpx

from .._answer import Answer
from .._call import Call
from .._conflicts import Settled
from .._errors import APIStatusError, DuplicateNameError, VersionConflictError
from .._models import (
    Page,
    VimeoConnection,
    VimeoConnectionCreate,
    VimeoConnectionUpdate,
    converter,
    to_body,
)
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


def created_since(call: Call, answer: APIStatusError | None) -> float:
    """The earliest moment (server clock, epoch seconds) our unclear attempts could create at.

    From the ``Date`` header D of the error status the call last met (whole seconds,
    perhaps cached and so behind), read at local time ``now``: the server's clock runs at
    least ``D - now`` ahead of ours, so our first unclear attempt, sent at local time
    ``t``, reached it no earlier than ``t + D - now``. Without a ``Date`` header (or an
    answer), ``CLOCK_SKEW`` is allowed for instead.
    """
    now = time.time()
    first = call.unclear_since if call.unclear_since is not None else now
    date = None if answer is None or answer.response is None else _server_date(answer.response)
    if date is None:
        return first - CLOCK_SKEW
    return first + min(0.0, date - now)


def _created_at(connection: VimeoConnection) -> float | None:
    created: datetime | None = connection.created_date
    return None if created is None else created.timestamp()


async def reconcile_create(
    model: VimeoConnectionCreate, call: Call, answer: APIStatusError | None
) -> Settled[VimeoConnection]:
    """The connection an earlier, unanswered attempt of this create made, if it did."""
    earliest = created_since(call, answer)
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
            return Settled((connection, seen[-1]), applied=True)
        why = "its fields differ" if not same_fields else "it was created before this call"
        return Settled(
            conflict=DuplicateNameError,
            message=f"a connection named {model.name!r} already exists, and {why}",
        )
    return Settled(conflict=DuplicateNameError)


def _readable(model: VimeoConnectionUpdate) -> tuple[dict[str, object], bool]:
    """The fields an update sent that a read shows (camelCase), and whether it sent a secret.

    Its own frame, so no frame that may raise holds the body with the secrets.
    """
    body = to_body(model)
    readable = {k: v for k, v in body.items() if k != "version" and k not in SECRET_FIELDS}
    return readable, any(k in SECRET_FIELDS for k in body)


async def reconcile_update(
    connection_id: str,
    model: VimeoConnectionUpdate,
    call: Call,
    answer: APIStatusError | None,
) -> Settled[VimeoConnection]:
    """The connection as our update left it, if that is sure; else what is known of it."""
    version = model.version
    response = await call.fetch("GET", connection_path(connection_id))
    current = parse_this_connection(connection_id)(response)
    if current.version == version:
        # Nobody wrote: ours was not applied (a 409 is then not about the version).
        return Settled()
    readable, sent_secret = _readable(model)
    if current.version != version + 1:
        # Ours may be among the writes since: nothing read can tell.
        return Settled(applied=None, conflict=VersionConflictError)
    shown = converter.unstructure(current)
    if not all(shown.get(field) == value for field, value in readable.items()):
        return Settled(conflict=VersionConflictError)  # the next version is someone else's
    if readable and not sent_secret:
        return Settled((current, response), applied=True)
    return Settled(
        applied=None,
        conflict=VersionConflictError,
        message=f"version {version} of connection {connection_id!r} moved on while an earlier "
        "attempt's outcome is unknown: what it sent cannot be read back to check "
        "whether it was applied",
    )
