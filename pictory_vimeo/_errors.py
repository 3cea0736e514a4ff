"""Every exception the SDK raises, and the parsing of the API's error bodies.

The class tree::

    PictoryError
    ├── ValidationError (also ValueError)   input breaks a documented rule; nothing was sent
    ├── APIConnectionError                  no usable response, after retries
    │   └── APITimeoutError                 ... because time ran out
    ├── InvalidResponseError                a 2xx whose body is not what the API documents
    ├── PaginationError                     the server repeated a nextPageKey
    ├── OptimisticLockError                 optimistic_update ran out of attempts
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
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import httpx

    from ._rules import FieldError

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
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
    "REDACTED",
    "scrub",
    "status_error_from_response",
]

_MESSAGE_MAX: Final = 300
_REQUEST_ID_HEADERS: Final = ("x-request-id", "x-amzn-requestid", "x-amz-request-id")
_HTML_TITLE: Final = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
#: Quoted text in a message is usually the caller's own value (a name), not the server's words.
_QUOTED: Final = re.compile(r"'[^']*'|\"[^\"]*\"")
#: Request-body fields whose values must never surface in an error.
_SECRET_BODY_FIELDS: Final = ("clientSecret", "accessToken")
#: Shorter secrets are not scrubbed: replacing every "a" would garble the message, hide nothing.
_SCRUB_MIN: Final = 4
#: What a secret is replaced with wherever text might have carried it.
REDACTED: Final = "**********"


class PictoryError(Exception):
    """Base class of every error this SDK raises."""


class ValidationError(PictoryError, ValueError):
    """Input breaks one or more documented rules; raised before any request is sent."""

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors: tuple[FieldError, ...] = tuple(errors)
        if len(self.errors) == 1:
            text = f"invalid input: {self.errors[0]}"
        else:
            listed = "; ".join(str(error) for error in self.errors)
            text = f"{len(self.errors)} invalid fields: {listed}"
        super().__init__(text)


class APIConnectionError(PictoryError):
    """No usable response came back (connection refused, reset, DNS, TLS...), after retries."""

    def __init__(self, message: str, *, attempts: int = 1) -> None:
        self.attempts = attempts
        super().__init__(_with_attempts(message, attempts))


class APITimeoutError(APIConnectionError):
    """The call's deadline passed before a usable response came back."""


class InvalidResponseError(PictoryError):
    """The server answered 2xx, but the body is not what the API documents."""

    def __init__(self, message: str, *, response: httpx.Response | None = None) -> None:
        self.response = response
        super().__init__(message)


class PaginationError(PictoryError):
    """The server returned a ``nextPageKey`` it had returned before: following it would loop."""


class OptimisticLockError(PictoryError):
    """``optimistic_update`` kept meeting version conflicts and ran out of attempts."""

    def __init__(self, connection_id: str, attempts: int) -> None:
        self.connection_id = connection_id
        self.attempts = attempts
        super().__init__(
            f"gave up updating connection {connection_id!r} after {attempts} attempts: "
            "every one met a concurrent change (version conflict)"
        )


class APIStatusError(PictoryError):
    """The server answered with an error status. Subclasses name the common statuses."""

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        code: str | None = None,
        body: object = None,
        attempts: int = 1,
    ) -> None:
        self.response = response
        self.status_code = response.status_code
        self.message = message
        self.code = code
        self.body = body
        self.request_id = _request_id(response.headers)
        self.attempts = attempts
        #: True when an earlier attempt of this call got no clear answer, so it may have
        #: been applied: a 409 now may be the echo of our own write.
        self.retried_after_unclear = False
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

    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = parse_retry_after(self.response.headers.get("retry-after"))


class InternalServerError(APIStatusError):
    """5xx: the server failed."""


_BY_STATUS: Final[Mapping[int, type[APIStatusError]]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def _with_attempts(text: str, attempts: int) -> str:
    return f"{text} [after {attempts} attempts]" if attempts > 1 else text


def _request_id(headers: httpx.Headers) -> str | None:
    for name in _REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return str(value)
    return None


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _text(value: object) -> str | None:
    # Whitespace is collapsed so str(error) stays on one line, whatever the server sent.
    return (" ".join(value.split()) or None) if isinstance(value, str) else None


def _from_json(body: object) -> tuple[str | None, str | None]:
    """(message, code) from any of the error-body shapes the API family uses."""
    if not isinstance(body, Mapping):
        return _text(body), None
    nested = body.get("error")
    if isinstance(nested, Mapping):  # {"success": false, "error": {"error_message", ...}}
        message = _text(nested.get("error_message")) or _text(nested.get("message"))
        code = _text(nested.get("error_code")) or _text(nested.get("code"))
        return message, code
    message = (
        _text(body.get("message"))
        or _text(body.get("Message"))
        or _text(body.get("detail"))  # RFC 9457 problem details
        or _text(body.get("title"))
        or _text(nested)
    )
    code = _text(body.get("code")) or _text(body.get("error_code"))
    problem_type = _text(body.get("type"))
    if code is None and problem_type and problem_type != "about:blank":
        code = problem_type
    errors = body.get("errors")
    if isinstance(errors, list) and errors:
        details = "; ".join(
            f"{item.get('field')}: {item.get('message')}"
            for item in errors
            if isinstance(item, Mapping) and item.get("field")
        )
        if details:
            message = f"{message} ({details})" if message else details
    return message, code


def _from_text(response: httpx.Response) -> str | None:
    text = response.text.strip()
    if not text:
        return None
    if text.startswith("<"):  # an HTML error page from a proxy or load balancer
        match = _HTML_TITLE.search(text)
        return " ".join(match.group(1).split()) if match else None
    return " ".join(text.split())


def parse_error_body(response: httpx.Response) -> tuple[str, str | None, object]:
    """(message, code, parsed body) of an error response, whatever its shape or state."""
    body: object = None
    try:
        body = json.loads(response.content) if response.content else None
    except (ValueError, UnicodeDecodeError):  # not JSON, or truncated JSON
        message, code = _from_text(response), None
    else:
        message, code = _from_json(body)
        if message is None and body is not None and not isinstance(body, Mapping | list):
            message = _from_text(response)
    if not message:
        try:
            message = HTTPStatus(response.status_code).phrase
        except ValueError:
            message = "error"
    secrets = _secrets_sent(response)
    message = scrub(message, secrets)
    code = scrub(code, secrets) if code else code
    if len(message) > _MESSAGE_MAX:
        message = message[: _MESSAGE_MAX - 3] + "..."
    return message, code, body


def _secrets_sent(response: httpx.Response) -> list[str]:
    """The key and secrets the request carried, which a server may echo in its error."""
    try:
        request = response.request
        content = request.content
    except RuntimeError:  # a response built without a request, or a streamed request body
        return []
    found = list(request.headers.get_list("authorization"))
    try:
        sent = json.loads(content) if content else None
    except (ValueError, UnicodeDecodeError):
        sent = None
    if isinstance(sent, Mapping):
        found += [v for k in _SECRET_BODY_FIELDS if isinstance(v := sent.get(k), str)]
    return [s for s in found if len(s) >= _SCRUB_MIN]


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every non-empty secret in it replaced by ``**********``.

    Longer secrets go first, so one that contains another is masked whole.
    """
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def _conflict_class(message: str, code: str | None) -> type[ConflictError]:
    # The code decides when it says something; the message only outside its quoted parts,
    # since a name such as 'Version 2' quoted back must not make a name clash a version one.
    for said in (code or "", _QUOTED.sub("", message)):
        said = said.lower()
        if "version" in said:
            return VersionConflictError
        if "name" in said or "duplicate" in said or "already exists" in said:
            return DuplicateNameError
    return ConflictError


def status_error_from_response(response: httpx.Response, *, attempts: int = 1) -> APIStatusError:
    """The typed error for a non-2xx response."""
    message, code, body = parse_error_body(response)
    status = response.status_code
    cls: type[APIStatusError]
    if status == 409:
        cls = _conflict_class(message, code)
    elif status >= 500:
        cls = InternalServerError
    else:
        cls = _BY_STATUS.get(status, APIStatusError)
    return cls(message, response=response, code=code, body=body, attempts=attempts)
