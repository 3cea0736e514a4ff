"""Every exception the SDK raises, as plain data, complete when raised.

The class tree::

    PictoryError
    ├── ValidationError (also ValueError)   input breaks a documented rule; nothing was sent
    ├── APIConnectionError                  no usable response, after retries
    │   └── APITimeoutError                 ... because the call's deadline passed
    ├── InvalidResponseError                a 2xx whose body is not what the API documents
    ├── PaginationError                     a listing would loop (repeated key, endless empty pages)
    ├── OptimisticLockError                 optimistic_update ran out of attempts
    ├── ClientClosedError                   the client is closed (also a RuntimeError)
    └── APIStatusError                      the server answered with an error status
        ├── BadRequestError                 400
        ├── AuthenticationError             401
        ├── PermissionDeniedError           403
        ├── NotFoundError                   404
        ├── ConflictError                   409
        │   ├── DuplicateNameError          409, the name is taken
        │   └── VersionConflictError        409, the version is stale
        ├── UnprocessableEntityError        422
        ├── RateLimitError                  429
        └── InternalServerError             5xx

Messages, codes, request IDs and bodies are scrubbed of the key and the secrets a call sent
before an error is built (``_error_bodies``); the SDK's own errors are never chained to a
library's exception, whose text may quote the request. ``response`` stays the raw
``httpx.Response``, as sent and received.

Every error pickles (to a process pool's parent, a task queue) as the same type with the
same text and fields; the raw response, which holds the request and its key, does not
cross: it arrives as ``None``.
"""

from __future__ import annotations

from collections.abc import Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import httpx

    from ._rules import FieldError

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConflictError",
    "DuplicateNameError",
    "InternalServerError",
    "InvalidResponseError",
    "NotFoundError",
    "OptimisticLockError",
    "PaginationError",
    "PermissionDeniedError",
    "PictoryError",
    "RateLimitError",
    "UnprocessableEntityError",
    "ValidationError",
    "VersionConflictError",
    "mark_outcome_unknown",
]


#: What an error's text says when a write it was making may have been applied.
OUTCOME_UNKNOWN: Final = "the write's outcome is unknown (it may have been applied)"


class PictoryError(Exception):
    """Base class of every error this SDK raises.

    Catch it to handle any failure of a call; every public method raises only its
    subclasses (besides your own exceptions and cancellation). No message, attribute or
    chained cause holds the API key or a secret.

    ``outcome_unknown`` is ``True`` when the call was a write (create, update) that may
    have been applied even so: an attempt got no clear answer and checking the server's
    state afterwards could not settle it (the text then says so too). ``False`` whenever
    the write certainly did not happen, and on every read.
    """

    #: Whether a write this error ends may have been applied.
    outcome_unknown: bool = False

    def __reduce__(self) -> tuple[object, ...]:
        # Rebuilt from the text and the fields, not by calling ``__init__`` again (whose
        # arguments differ per class); the raw response stays behind: it holds the request.
        state = {k: v for k, v in vars(self).items() if k not in _LEFT_BEHIND}
        if "response" in vars(self):
            state["response"] = None
        return _rebuild, (type(self), str(self), state)


#: What does not cross a process: the raw response holds the request, key and body.
_LEFT_BEHIND: Final = frozenset({"response", "__notes__"})


def _rebuild(cls: type[PictoryError], text: str, state: dict[str, object]) -> PictoryError:
    """An error of ``cls`` with this text and these fields (what unpickling calls)."""
    error = cls.__new__(cls)
    Exception.__init__(error, text)
    error.__dict__.update(state)
    return error


def mark_outcome_unknown(error: PictoryError) -> PictoryError:
    """``error``, saying that the write it ends may have been applied (text and attribute)."""
    if not error.outcome_unknown:
        error.outcome_unknown = True
        text = str(error)
        if OUTCOME_UNKNOWN not in text:
            error.args = (f"{text}; {OUTCOME_UNKNOWN}",)
    return error


class ValidationError(PictoryError, ValueError):
    """Input breaks one or more documented rules; raised before any request is sent.

    Also a ``ValueError``. Its message lists every bad field with the rule it breaks, e.g.
    ``name: must be 1-100 characters of letters, digits, spaces, '_' or '-' (got 'a/b')``.

    Attributes:
        errors (tuple[FieldError, ...]): Every broken rule: the field's name as you passed
            it and what it must be.
    """

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors: tuple[FieldError, ...] = tuple(errors)
        if len(self.errors) == 1:
            text = f"invalid input: {self.errors[0]}"
        else:
            listed = "; ".join(str(error) for error in self.errors)
            text = f"{len(self.errors)} invalid fields: {listed}"
        super().__init__(text)


class APIConnectionError(PictoryError):
    """No usable response came back (connection refused, reset, DNS, TLS...), after retries.

    Attributes:
        attempts (int): How many attempts were made.
    """

    def __init__(self, message: str, *, attempts: int = 1) -> None:
        self.attempts = attempts
        super().__init__(_with_attempts(message, attempts))


class APITimeoutError(APIConnectionError):
    """The call's deadline passed before a usable response came back.

    When the deadline passes after a write was sent, the message says that its outcome is
    unknown.

    Attributes:
        attempts (int): How many attempts were made.
    """


class InvalidResponseError(PictoryError):
    """The server answered 2xx, but the body is not what the API documents.

    Attributes:
        response (httpx.Response | None): The raw response (its ``.request`` holds the
            key and body as sent: log its parts with care).
    """

    def __init__(self, message: str, *, response: httpx.Response | None = None) -> None:
        self.response = response
        super().__init__(message)


class PaginationError(PictoryError):
    """Following the listing would loop: a repeated ``nextPageKey``, or endless empty pages.

    Raised while iterating a listing, after the pages before it were yielded.
    """


class OptimisticLockError(PictoryError):
    """``optimistic_update`` kept meeting version conflicts and ran out of attempts.

    Its ``__cause__`` is the last :class:`VersionConflictError`.

    Attributes:
        connection_id (str): The connection it tried to update.
        attempts (int): How many read-modify-write rounds it made.
    """

    def __init__(self, connection_id: str, attempts: int) -> None:
        self.connection_id = connection_id
        self.attempts = attempts
        super().__init__(
            f"gave up updating connection {connection_id!r} after {attempts} attempts: "
            "every one met a concurrent change (version conflict)"
        )


class ClientClosedError(PictoryError, RuntimeError):
    """The client was closed (or the sync client's loop stopped): open a new one.

    Also a ``RuntimeError``, as a closed ``httpx`` client raises. A call made after the
    close sent nothing; a call that was out when it closed ends with this too, and a
    write's ``outcome_unknown`` then says it may have been applied.
    """

    def __init__(self) -> None:
        super().__init__("the client is closed")


class APIStatusError(PictoryError):
    """The server answered with an error status. Subclasses name the common statuses.

    Whatever the body's shape (JSON of several kinds, plain text, HTML, truncated), these
    attributes are filled in; what the server did not say is ``None``.

    Attributes:
        status_code (int): The HTTP status.
        message (str): The server's message (or the status's reason phrase).
        code (str | None): The server's error code, e.g. ``"NOT_FOUND"``.
        body (object): The decoded error body (JSON value or text), scrubbed of secrets.
        request_id (str | None): The server's ID of the request (``x-request-id``).
        retry_after (float | None): The wait in seconds the server asked for with
            ``Retry-After``; ``None`` when it did not ask.
        attempts (int): How many attempts were made.
        response (httpx.Response): The raw response (its ``.request`` holds the key and
            body as sent: log its parts with care).
    """

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        code: str | None = None,
        body: object = None,
        request_id: str | None = None,
        retry_after: float | None = None,
        attempts: int = 1,
    ) -> None:
        self.response = response
        self.status_code = response.status_code
        self.message = message
        self.code = code
        self.body = body
        self.request_id = request_id
        self.retry_after = retry_after
        self.attempts = attempts
        super().__init__(self._describe())

    def _describe(self) -> str:
        try:
            reason = HTTPStatus(self.status_code).phrase
        except ValueError:
            reason = "Error"
        extras = [f"code={self.code}"] if self.code else []
        if self.request_id:
            extras.append(f"request_id={self.request_id}")
        suffix = f" ({', '.join(extras)})" if extras else ""
        return _with_attempts(f"{self.status_code} {reason}: {self.message}{suffix}", self.attempts)


class BadRequestError(APIStatusError):
    """400: the server rejected the request's content."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing, wrong or expired."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not do this."""


class NotFoundError(APIStatusError):
    """404: no such connection in this key's account (or a wrong base URL)."""


class ConflictError(APIStatusError):
    """409: the write conflicts with the stored state."""


class DuplicateNameError(ConflictError):
    """409: another connection in the account already has this name."""


class VersionConflictError(ConflictError):
    """409: the version sent is not the stored one; someone else updated the connection."""


class UnprocessableEntityError(APIStatusError):
    """422: the request was well-formed but could not be processed."""


class RateLimitError(APIStatusError):
    """429: too many requests. ``retry_after`` is the server's requested wait in seconds."""


class InternalServerError(APIStatusError):
    """5xx: the server failed."""


def _with_attempts(text: str, attempts: int) -> str:
    return f"{text} [after {attempts} attempts]" if attempts > 1 else text
