"""What the ``pictory-vimeo`` command prints: tables, JSON lines, details, and error lines.

Connections carry no secrets and errors are described from the SDK's typed fields, which
are already scrubbed of the key and the secrets sent; still, a hostile server can put a
secret into a connection's name or description, and a traceback under ``--debug`` can
quote anything. So every line goes out through :func:`emit`, which masks every value in
:data:`NEVER_SHOWN` (the key and the secrets this run of the command holds).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Final, TextIO

from .._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    DuplicateNameError,
    InternalServerError,
    InvalidResponseError,
    NotFoundError,
    OptimisticLockError,
    PermissionDeniedError,
    PictoryError,
    RateLimitError,
    ValidationError,
    VersionConflictError,
)
from .._models import VimeoConnection
from .._redact import Scrubber, printable

__all__ = [
    "EXIT_API",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "NEVER_SHOWN",
    "ErrorContext",
    "TableWriter",
    "UsageError",
    "error_json",
    "describe_error",
    "emit",
    "never_shown",
    "write_details",
]

EXIT_OK: Final = 0
EXIT_API: Final = 1
EXIT_USAGE: Final = 2
EXIT_INTERRUPTED: Final = 130

#: The SDK's argument names as a user of the command knows them.
_FLAG_OF: Final = {
    "name": "--name",
    "description": "--description",
    "client_identifier": "--client-id",
    "client_secret": "client secret",
    "access_token": "access token",
    "version": "--version",
    "connection_id": "ID",
    "api_key": "API key (--api-key or $PICTORY_API_KEY)",
    "base_url": "--base-url",
    "timeout": "--timeout",
    "max_retries": "--max-retries",
}
_NAME_MAX_WIDTH: Final = 40
_ID_WIDTH: Final = 32


class UsageError(Exception):
    """The command was used wrongly; the message says how to use it. Exit status 2."""


class ErrorContext:
    """What the command was doing, so an error line can name the ID, name or version."""

    def __init__(
        self,
        *,
        base_url: str | None = None,
        connection_id: str | None = None,
        name: str | None = None,
        version: int | None = None,
    ) -> None:
        self.base_url = base_url
        self.connection_id = connection_id
        self.name = name
        self.version = version


#: What this run of the command must never print: its API key and the secrets it read.
NEVER_SHOWN: Final[set[str]] = set()
_SCRUBBER: list[tuple[frozenset[str], Scrubber]] = []


def never_shown(text: str) -> str:
    """``text`` with every form of every value in :data:`NEVER_SHOWN` masked."""
    if not NEVER_SHOWN:
        return text
    known = frozenset(NEVER_SHOWN)
    if not _SCRUBBER or _SCRUBBER[0][0] != known:
        _SCRUBBER[:] = [(known, Scrubber(known))]
    return _SCRUBBER[0][1].text(text)


def emit(text: str, stream: TextIO | None = None) -> None:
    """Print one line and flush it, masking secrets, escaping control and bidi characters,
    and degrading characters the stream cannot encode.
    """
    stream = sys.stdout if stream is None else stream
    # Every line escaped, whatever built it: text from a server (a description holding a
    # right-to-left override, an escape sequence) must not drive the terminal. The escapes
    # are valid inside JSON strings too, so a JSON line stays the same JSON.
    text = "\n".join(printable(line) for line in never_shown(text).split("\n"))
    try:
        print(text, file=stream, flush=True)
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "ascii"
        print(text.encode(encoding, "replace").decode(encoding), file=stream, flush=True)


def can_encode(text: str, stream: TextIO) -> bool:
    """Whether ``stream`` can show ``text`` as is (check marks on an ASCII terminal cannot)."""
    try:
        text.encode(getattr(stream, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _when(value: datetime | None) -> str:
    if value is None:
        return "-"
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_json_line(connection: VimeoConnection, stream: TextIO | None = None) -> None:
    """One connection as one line of JSON: ``to_dict()``, the same keys whatever the command."""
    emit(connection.to_json(), stream)


def write_details(connection: VimeoConnection, stream: TextIO | None = None) -> None:
    """One connection as a block of ``label  value`` lines."""
    rows = [
        ("id", connection.connection_id),
        ("name", connection.name),
        ("description", connection.description),
        ("client id", connection.client_identifier),
        ("type", connection.type),
        ("enabled", "yes" if connection.enabled else "no"),
        ("version", str(connection.version)),
        ("created", _when(connection.created_date) if connection.created_date else None),
        ("updated", _when(connection.updated_date) if connection.updated_date else None),
    ]
    # The create response leaves out type and dates: an absent field is not shown.
    for label, value in rows:
        if value is not None:
            emit(f"{label:<12} {_terminal_safe(value)}", stream)


def _terminal_safe(text: str) -> str:
    """``text`` with control and bidi characters escaped (``\\n``, ``\\x1b``, ``\\u202e``).

    Values come from the server; printed raw, a newline would break the layout, an escape
    sequence would drive the user's terminal, and a bidi override would make text read
    other than it is.
    """
    return printable(text)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


class TableWriter:
    """Writes connections as a table, page by page as they arrive.

    The name column is sized from the first page, since later pages are not known yet;
    a longer name later on is shortened with an ellipsis (``--json`` shows it whole).
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._name_width: int | None = None
        self.rows = 0

    def write(self, connections: Sequence[VimeoConnection]) -> None:
        """Print one page's rows (and the header, before the first row)."""
        if not connections:
            return
        if self._name_width is None:
            longest = max((len(c.name) for c in connections), default=0)
            self._name_width = max(len("NAME"), min(_NAME_MAX_WIDTH, longest))
            self._line("ID", "NAME", "ENABLED", "VERSION", "UPDATED")
        for c in connections:
            enabled = "yes" if c.enabled else "no"
            cid, name = _terminal_safe(c.connection_id), _terminal_safe(c.name)
            self._line(cid, name, enabled, str(c.version), _when(c.updated_date))
            self.rows += 1

    def _line(self, cid: str, name: str, enabled: str, version: str, updated: str) -> None:
        width = self._name_width or len("NAME")
        emit(
            f"{cid:<{_ID_WIDTH}}  {_clip(name, width):<{width}}  {enabled:<7}  "
            f"{version:>7}  {updated}",
            self._stream,
        )


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _field_lines(error: ValidationError) -> Iterable[str]:
    for problem in error.errors:
        yield f"  {_FLAG_OF.get(problem.field, problem.field)}: {problem.message}"


def _status_line(error: APIStatusError, context: ErrorContext) -> str:
    head = f"{error.status_code} {_reason(error.status_code)}"
    request = f" (request id {error.request_id})" if error.request_id else ""
    if isinstance(error, AuthenticationError):
        return f"{head} — check PICTORY_API_KEY (keys start with pictai_)"
    if isinstance(error, PermissionDeniedError):
        return f"{head} — this API key may not do that; check its permissions in Pictory"
    if isinstance(error, NotFoundError):
        if context.connection_id is not None:
            return (
                f"{head} — no connection {context.connection_id!r} in this account; IDs are "
                "case-sensitive: see 'pictory-vimeo connections list'"
            )
        return f"{head}: {error.message} — is --base-url the Pictory API?"
    if isinstance(error, DuplicateNameError):
        name = f" named {context.name!r}" if context.name else " with that name"
        return f"{head} — a connection{name} already exists in this account; choose another name"
    if isinstance(error, VersionConflictError):
        pinned = f"version {context.version}" if context.version is not None else "the version"
        return (
            f"{head} — {pinned} is stale: the connection changed since; re-run without "
            "--version to update the latest version"
        )
    if isinstance(error, RateLimitError):
        wait = f" (the server asks to wait {error.retry_after:g} s)" if error.retry_after else ""
        return f"{head}: too many requests{wait} — wait a moment and try again"
    if isinstance(error, InternalServerError):
        # A proxy's page often says no more than the status line: do not say it twice.
        detail = (
            "" if error.message in ("", head, _reason(error.status_code)) else f": {error.message}"
        )
        tries = f" (after {error.attempts} attempts)" if (error.attempts or 0) > 1 else ""
        return f"{head}{detail}{request} — the server failed{tries}; try again later"
    return f"{head}: {error.message}{request}"


def describe_error(error: BaseException, context: ErrorContext) -> tuple[list[str], int]:
    """The lines to print on stderr for ``error`` (without ``error: ``), and the exit status."""
    if isinstance(error, UsageError):
        return [str(error)], EXIT_USAGE
    if isinstance(error, ValidationError):
        return ["invalid input — fix these and try again:", *_field_lines(error)], EXIT_USAGE
    if isinstance(error, APIStatusError):
        return [_status_line(error, context)], EXIT_API
    where = context.base_url or "the API"
    if isinstance(error, APITimeoutError):
        return [
            f"timed out waiting for {where} — check --base-url and the network, "
            "or allow more time with --timeout"
        ], EXIT_API
    if isinstance(error, APIConnectionError):
        return [f"cannot reach {where}: {error} — check --base-url and the network"], EXIT_API
    if isinstance(error, InvalidResponseError):
        return [f"{error} — is --base-url the Pictory API?"], EXIT_API
    if isinstance(error, OptimisticLockError):
        return [f"{error} — try again in a moment"], EXIT_API
    if isinstance(error, PictoryError):
        return [str(error)], EXIT_API
    text = str(error)
    detail = f": {text}" if text else ""
    return [
        f"unexpected {type(error).__name__}{detail} — re-run with --debug for details"
    ], EXIT_API


def error_json(error: BaseException, lines: list[str]) -> str:
    """The error as one JSON object, for ``--json``: ``{"error": {type, status, code, ...}}``.

    The keys are always the same; what an error does not have is ``null``. The message is
    the same text the plain error line says (already free of any secret).
    """
    status = error.status_code if isinstance(error, APIStatusError) else None
    body = {
        "type": type(error).__name__,
        "status": status,
        "code": error.code if isinstance(error, APIStatusError) else None,
        "message": " ".join(line.strip() for line in lines),
        "requestId": error.request_id if isinstance(error, APIStatusError) else None,
    }
    return json.dumps({"error": body}, ensure_ascii=False)
