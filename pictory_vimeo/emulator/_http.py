"""HTTP plumbing shared by the routes: JSON bodies in and out, error bodies, request IDs,
the deliberately lost answer that drop-after-commit sends, and the note of a fault injected.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from email.utils import formatdate
from typing import Any, Final, Literal, NoReturn, get_args

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import _rules

__all__ = [
    "DROP_EXTENSION",
    "DROP_KINDS",
    "MAX_BODY_BYTES",
    "MAX_HEADER_BYTES",
    "BadBody",
    "ConnectionDropped",
    "DropKind",
    "FaultOrigin",
    "DroppedResponse",
    "RequestHeadMiddleware",
    "GatewayHeadersMiddleware",
    "error_response",
    "note_fault",
    "noted_fault",
    "read_json_object",
    "settings_from_json",
]

_FIELD_SHOWN_MAX: Final = 100
#: Larger bodies are refused unread: no valid request of this API comes close.
MAX_BODY_BYTES: Final = 64 * 1024
#: The most a request line and headers may take: what h11 allows for headers in transit.
MAX_HEADER_BYTES: Final = 16 * 1024

#: How an answer is lost: the connection closed before its first byte, cut after the status
#: line and part of the body, or reset (TCP RST) with nothing sent.
DropKind = Literal["close", "cut", "reset"]
DROP_KINDS: Final[tuple[DropKind, ...]] = get_args(DropKind)
#: The ASGI scope extension through which the HTTP server lets the app lose an answer:
#: ``scope["extensions"][DROP_EXTENSION](kind)`` (``_protocol.TimedH11Protocol`` offers it).
DROP_EXTENSION: Final = "pictory_vimeo.drop_answer"
#: Who injected a fault: a scripted one (``fail_next``), the random faults (error and drop
#: rates), or the rate limiter.
FaultOrigin = Literal["scripted", "random", "rate-limit"]
_FAULT_KEY: Final = "pictory_vimeo.fault"


def note_fault(scope: Scope, origin: FaultOrigin) -> None:
    """Mark the request of ``scope`` as answered by an injected fault (for the request log)."""
    scope[_FAULT_KEY] = origin


def noted_fault(scope: Scope) -> FaultOrigin | None:
    """The origin of the fault injected into the request of ``scope``, if any."""
    origin: FaultOrigin | None = scope.get(_FAULT_KEY)
    return origin


class ConnectionDropped(Exception):  # noqa: N818 - it is an event the server acts on
    """Raised once an answer was lost on purpose, so every layer above knows.

    Served by uvicorn, the connection is already closed, cut or reset (through the scope's
    drop extension) and uvicorn's report of the exception is filtered out; in process
    (``httpx.ASGITransport``, no socket), the emulator's transport turns it into the httpx
    error a client would meet on a socket. ``status`` is the answer's status as the handler
    decided it; ``kind`` how it was lost.
    """

    def __init__(self, status: int, kind: DropKind = "cut") -> None:
        super().__init__(f"answer ({status}) dropped on purpose ({kind})")
        self.status = status
        self.kind = kind


def error_response(
    status: int,
    code: str,
    message: str,
    errors: Sequence[_rules.FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """``{"message", "code"}`` (plus ``errors`` for field problems) with ``status``."""
    body: dict[str, object] = {"message": message, "code": code}
    if errors is not None:
        body["errors"] = [
            {"field": error.field[:_FIELD_SHOWN_MAX], "message": error.message} for error in errors
        ]
    return JSONResponse(body, status_code=status, headers=headers)


class BadBody(Exception):  # noqa: N818 - carries the answer, not a failure of ours
    """The request body cannot be read as a JSON object; ``response`` says why."""

    def __init__(self, message: str, status: int = 400, code: str = "INVALID_JSON") -> None:
        super().__init__(message)
        self.response = error_response(status, code, message)


def _is_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json"


def _valid_text(value: object) -> bool:
    """Whether a string has a UTF-8 form (JSON escapes can spell lone surrogates)."""
    if not isinstance(value, str) or value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


async def _read_capped(request: Request) -> bytes:
    too_large = BadBody(
        f"The request body is larger than {MAX_BODY_BYTES} bytes", 413, "PAYLOAD_TOO_LARGE"
    )
    declared = request.headers.get("content-length", "")
    # isascii too: isdigit alone takes digits int() refuses (e.g. a superscript two).
    if declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise too_large
            chunks.append(chunk)
    except ClientDisconnect:
        # The client left, or the server gave up waiting for the body (and answered 408).
        raise BadBody("The request body was not received in full", 408, "REQUEST_TIMEOUT") from None
    return b"".join(chunks)


class _RepeatedKeyError(ValueError):
    """An object names a key twice: which value was meant is anyone's guess."""

    def __init__(self, key: str) -> None:
        # ASCII-escaped and cut short: the key is the client's text, shown back safely.
        self.key = json.dumps(key[:_FIELD_SHOWN_MAX])
        super().__init__(self.key)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing repeated keys instead of keeping the last silently."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _RepeatedKeyError(key)
        result[key] = value
    return result


def _not_json(constant: str) -> NoReturn:
    """``NaN`` and ``Infinity`` are Python's extensions, not JSON."""
    raise ValueError(f"{constant} is not JSON")


async def read_json_object(request: Request) -> dict[str, object]:
    """The body as a JSON object; ``BadBody`` for any other content type, text or shape."""
    if not _is_json(request.headers.get("content-type")):
        raise BadBody("Content-Type must be application/json")
    raw = await _read_capped(request)
    try:
        body = json.loads(raw.decode("utf-8"), object_pairs_hook=_object, parse_constant=_not_json)
    except _RepeatedKeyError as repeated:
        raise BadBody(f"The request body has the key {repeated.key} more than once") from None
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadBody("The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise BadBody("The request body must be a JSON object")
    # Values are the field rules' to judge, so a lone surrogate in one is a 400 naming that
    # field (as the SDK names it); a key with one could not even be named back.
    if not all(_valid_text(key) for key in body):
        raise BadBody("The request body holds text that is not valid Unicode")
    return body


class DroppedResponse(Response):
    """Loses the answer of a request that was handled: ``kind`` says how (see ``DropKind``)."""

    def __init__(self, status_code: int, body: bytes, kind: DropKind = "cut") -> None:
        self.intended_status = status_code
        self.kind = kind
        # A 204 is complete at its headers, so a cut needs a status whose body is still owed.
        if status_code == 204 or not body:
            status_code, body = 200, b"{}"
        super().__init__(body, status_code=status_code, media_type="application/json")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Lose the answer, then raise ``ConnectionDropped``.

        A cut sends the status line, headers (promising the whole body) and the first half
        of the body first. The HTTP server's drop extension, when there is one, then closes
        or resets the socket; without one (in process) the exception is the whole story.
        """
        if self.kind == "cut":
            start = {"type": "http.response.start", "status": self.status_code}
            await send({**start, "headers": self.raw_headers})
            part = self.body[: len(self.body) // 2]
            await send({"type": "http.response.body", "body": part, "more_body": True})
        drop = scope.get("extensions", {}).get(DROP_EXTENSION)
        if drop is not None:
            drop(self.kind)
        raise ConnectionDropped(self.intended_status, self.kind)


def _head_problem(scope: Scope) -> Response | None:
    """The refusal a request's line and headers call for, if any."""
    size = len(scope.get("raw_path") or b"") + len(scope.get("query_string", b""))
    size += sum(len(name) + len(value) + 4 for name, value in scope["headers"])
    if size > MAX_HEADER_BYTES:
        message = f"The request line and headers are larger than {MAX_HEADER_BYTES} bytes"
        return error_response(431, "HEADERS_TOO_LARGE", message)
    names = {name.lower() for name, _ in scope["headers"]}
    if {b"content-length", b"transfer-encoding"} <= names:
        # RFC 9112 6.3: a sign of request smuggling; refuse, and close so that nothing
        # after this body is read as another request.
        message = "Content-Length and Transfer-Encoding together make the body's end ambiguous"
        return error_response(400, "AMBIGUOUS_BODY", message, headers={"Connection": "close"})
    return None


class RequestHeadMiddleware:
    """Refuses a request whose head is too large (431) or frames its body two ways (400).

    The server refuses larger headers only while they are still arriving; this catches
    those that arrived in one piece, so the limit holds however the bytes were split.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on unless its head is refused."""
        refusal = _head_problem(scope) if scope["type"] == "http" else None
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)


class _HttpDate:
    """The ``Date`` header's value, formatted once a second (as uvicorn's own is)."""

    def __init__(self) -> None:
        # One tuple, replaced whole: callers on other threads see a consistent pair.
        self._cached = (-1, b"")

    def now(self) -> bytes:
        """The current second as an HTTP date."""
        second = int(time.time())
        cached_second, value = self._cached
        if second != cached_second:
            value = formatdate(second, usegmt=True).encode("ascii")
            self._cached = (second, value)
        return value


class GatewayHeadersMiddleware:
    """Gives every response an ``x-request-id`` and a ``Date`` header, as the API's gateway
    does: served or in-process, a client sees the same headers (the SDK's ``create``
    reconciliation reads the server's clock from ``Date``).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._date = _HttpDate()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, adding the headers to the response start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = str(uuid.uuid4()).encode("ascii")

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                date = self._date.now()
                headers = [*message.get("headers", ()), (b"x-request-id", request_id)]
                message = {**message, "headers": [*headers, (b"date", date)]}
            await send(message)

        await self.app(scope, receive, send_with_id)


def settings_from_json(
    body: Mapping[str, Any],
    names: Mapping[str, str],
    check: Callable[[str, Any], object],
    unknown: str,
) -> tuple[dict[str, Any], list[_rules.FieldError]]:
    """A control-route body's settings by attribute name, and every problem with it.

    ``names`` maps attribute names to their camelCase JSON names; ``check(field, value)``
    raises ``TypeError``/``ValueError`` (with a message that starts with the field's name)
    when a value is not usable. ``unknown`` is what a key not in ``names`` is told.
    """
    by_api = {api: field for field, api in names.items()}
    problems = [_rules.FieldError(name[:100], unknown) for name in body if name not in by_api]
    settings: dict[str, Any] = {}
    for api, value in body.items():
        field = by_api.get(api)
        if field is None:
            continue
        try:
            check(field, value)
        except (TypeError, ValueError) as exc:
            problems.append(_rules.FieldError(api, str(exc).removeprefix(f"{field} ")))
        else:
            settings[field] = value
    return settings, problems
