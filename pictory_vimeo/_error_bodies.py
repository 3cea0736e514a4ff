"""Reading an error response, whatever its shape, into the typed error it stands for.

The API family answers errors as ``{"message", "code"}``, as
``{"success": false, "error": {"error_message", "error_code"}}``, as RFC 9457 problem JSON,
as plain text, or (from a proxy) as an HTML page; a body may also be truncated, empty, not
UTF-8, nested absurdly deep, or declared in a charset it is not written in. Every case
yields a message; nothing here raises. The key and the secrets the call sent are masked
before any text is shortened or folded.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Final

import httpx

from ._answer import Answer, decode_json, request_id_of
from ._conflicts import conflict_class
from ._errors import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)
from ._redact import Scrubber

__all__ = ["parse_retry_after", "status_error", "text_of"]

_MESSAGE_MAX: Final = 300
_REQUEST_ID_MAX: Final = 200
_HTML_TITLE: Final = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_BY_STATUS: Final[Mapping[int, type[APIStatusError]]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def _without_bom(content: bytes, width: int) -> str | None:
    """UTF-16 or UTF-32 (``width`` bytes a unit) with no byte-order mark, if it is that.

    The order is the one that puts the zero bytes of ASCII-range text where they belong.
    """
    if not content or len(content) % width or b"\x00" not in content:
        return None
    little = content[width - 1 :: width].count(0) >= content[::width].count(0)
    try:
        return content.decode(f"utf-{8 * width}-{'le' if little else 'be'}")
    except UnicodeError:
        return None


def text_of(response: httpx.Response) -> str:
    """The body as text: in its declared charset when that works, else UTF-8 with replacements.

    ``charset=utf-16`` (or ``utf-32``) without a byte-order mark is read in the byte order
    the text itself shows, rather than as UTF-8 full of NULs.
    """
    try:
        return response.text
    except (UnicodeError, LookupError):  # a wrong or unknown charset
        pass
    charset = (response.charset_encoding or "").lower().replace("_", "-")
    width = 2 if charset in ("utf-16", "utf16") else 4 if charset in ("utf-32", "utf32") else 0
    text = _without_bom(response.content, width) if width else None
    return text if text is not None else response.content.decode("utf-8", "replace")


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if seconds == seconds else None  # NaN asks for nothing
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _text(value: object) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


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
        # Text only: the str() of an object the server put there would be its repr, a form
        # in which an echoed secret escapes differently than in JSON.
        details = "; ".join(
            f"{field}: {_text(item.get('message')) or 'invalid'}"
            for item in errors
            if isinstance(item, Mapping) and (field := _text(item.get("field")))
        )
        if details:
            message = f"{message} ({details})" if message else details
    return message, code


def _from_text(response: httpx.Response) -> str | None:
    text = text_of(response).strip()
    if not text:
        return None
    if text.startswith("<"):  # an HTML error page from a proxy or load balancer
        match = _HTML_TITLE.search(text)
        return html.unescape(match.group(1)) if match else None
    return text


def _parse(response: httpx.Response) -> tuple[str | None, str | None, object]:
    """(message, code, parsed body) of an error response, before scrubbing."""
    try:
        body = decode_json(response.content) if response.content else None
    except ValueError:  # not JSON, truncated, or absurdly nested
        return _from_text(response), None, None
    message, code = _from_json(body)
    if message is None and body is not None and not isinstance(body, Mapping | list):
        message = _from_text(response)
    return message, code, body


def _request_id(headers: httpx.Headers, scrub: Scrubber) -> str | None:
    value = request_id_of(headers)
    return None if value is None else scrub.line(value, _REQUEST_ID_MAX)


def status_error(
    answer: Answer | httpx.Response,
    *,
    scrub: Scrubber,
    attempts: int = 1,
    connection_id: str | None = None,
    problem: str | None = None,
) -> APIStatusError:
    """The typed error for a non-2xx response, every text in it scrubbed.

    ``connection_id`` is what the call looked for, named in a 404's message; ``problem``
    says why the body could not be read at all (then it is not parsed). The error's
    ``response`` is the documented ``httpx.Response``, built here: errors are off the hot path.
    """
    response = answer.response if isinstance(answer, Answer) else answer
    raw_message, raw_code, body = (None, None, None) if problem else _parse(response)
    status = response.status_code
    if not raw_message:
        try:
            raw_message = HTTPStatus(status).phrase
        except ValueError:
            raw_message = "error"
    # Scrubbed before and after folding, made printable, and only then shortened, so no
    # fold or cut can split a secret and no control character reaches a terminal.
    message = scrub.line(raw_message, _MESSAGE_MAX)
    if problem:
        message = f"{message}; {problem}"
    code = scrub.line(raw_code, _MESSAGE_MAX) if raw_code else None
    if status == 404 and connection_id is not None:
        message = f"{message} (connection_id {connection_id!r})"
    cls: type[APIStatusError]
    if status == 409:
        cls = conflict_class(message, code)
    elif status >= 500:
        cls = InternalServerError
    else:
        cls = _BY_STATUS.get(status, APIStatusError)
    return cls(
        message,
        response=response,
        code=code,
        body=scrub.data(body),
        request_id=_request_id(response.headers, scrub),
        retry_after=parse_retry_after(response.headers.get("retry-after")),
        attempts=attempts,
    )
