"""The five API routes under ``/pictoryapis/v1/vimeo-connections``.

Each request passes the same gate, in the order a real deployment would apply it: latency,
then the API key (401), the account's rate limit (429), an injected server error (5xx,
before anything changes), and only then the handler. A write that committed may still
lose its answer to drop-after-commit. A scripted fault (``Emulator.fail_next``) is looked
for right after the key check; a request that takes one is spared the random faults and
the rate limit, so a script plays out the same way whatever the fault settings. Field
rules come from ``pictory_vimeo._rules``, the module the SDK validates with, so the two
can never disagree.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Final
from urllib.parse import unquote

from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from .. import _rules
from .._names import KEY_PREFIX, LOGGER_NAME
from . import _faults
from ._faults import FaultInjector, InjectedError
from ._http import BadBody, DroppedResponse, error_response, note_fault, read_json_object
from ._pagekeys import InvalidPageKeyError, PageKeys
from ._scripted import FaultScript, scripted_response
from ._store import (
    NameTaken,
    NewConnection,
    NoSuchConnection,
    Record,
    StaleVersion,
    Store,
    format_ms,
)

__all__ = [
    "API_PREFIX",
    "ConnectionsApi",
    "account_for_key",
    "account_of",
    "connection_object",
]

API_PREFIX: Final = "/pictoryapis/v1/vimeo-connections"
#: API field -> store column, for the fields a create or update may carry.
_COLUMNS: Final = {
    "name": "name",
    "description": "description",
    "enabled": "enabled",
    "clientIdentifier": "client_identifier",
    "clientSecret": "client_secret",
    "accessToken": "access_token",
}
_INJECTED: Final = {
    500: ("INTERNAL_ERROR", "Internal Server Error"),
    502: ("BAD_GATEWAY", "Bad Gateway"),
    503: ("SERVICE_UNAVAILABLE", "Service Unavailable"),
}

_log = logging.getLogger(f"{LOGGER_NAME}.emulator")

#: A handler's answer and whether it changed stored state (only those may be dropped).
Outcome = tuple[Response, bool]
Handler = Callable[[Request, str], Awaitable[Outcome]]


def account_for_key(key: str | None) -> str | None:
    """The account an API key names (a hash: keys are never kept), or ``None``."""
    if key is None or not key.startswith(KEY_PREFIX) or len(key) == len(KEY_PREFIX):
        return None
    if _rules.api_key_problem(key) is not None:  # one rule with the SDK's
        return None
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


def account_of(request: Request) -> str | None:
    """The account a request's key names, or ``None``."""
    return account_for_key(request.headers.get("authorization"))


class _AnyRest(Convertor[str]):
    """Everything after the collection, newlines included (``path`` stops at a newline)."""

    regex = r"[\s\S]*"

    def convert(self, value: str) -> str:
        """The matched text, as is: ``connection_id_of`` reads the ID from the raw path."""
        return value

    def to_string(self, value: str) -> str:
        """The text, as is."""
        return value


register_url_convertor("pictory_vimeo_rest", _AnyRest())


def connection_id_of(request: Request) -> str | None:
    """The connection ID the path names, decoded from its one raw segment.

    Routing sees the decoded path, where an escaped ``/`` (``a%2Fb``) looks like two
    segments; the ID is read from the raw path instead, so any ID a client escapes properly
    reaches its handler (a GET of it is a 404, a DELETE a 204). ``None`` when the raw path
    has more than one segment after the collection, or an empty one: no such route.
    """
    raw = request.scope.get("raw_path")
    if not isinstance(raw, bytes):
        segment = str(request.path_params.get("connection_id", ""))
        return segment if segment and "/" not in segment else None
    path = raw.decode("latin-1").partition("?")[0]
    if path.count("/") != API_PREFIX.count("/") + 1:
        return None
    segment = unquote(path.rpartition("/")[2], errors="strict")
    return segment or None


def connection_object(record: Record) -> dict[str, object]:
    """The connection object of get, list and update (never a secret)."""
    body: dict[str, object] = {"connectionId": record.connection_id, "name": record.name}
    if record.description is not None:
        body["description"] = record.description
    body.update(
        clientIdentifier=record.client_identifier,
        type="VIMEO",
        enabled=record.enabled,
        createdDate=format_ms(record.created_ms),
        updatedDate=format_ms(record.updated_ms),
        version=record.version,
    )
    return body


def created_object(record: Record) -> dict[str, object]:
    """The create response: the reference's smaller field set, without type and dates."""
    body: dict[str, object] = {"name": record.name}
    if record.description is not None:
        body["description"] = record.description
    body.update(
        enabled=record.enabled,
        clientIdentifier=record.client_identifier,
        connectionId=record.connection_id,
        version=record.version,
    )
    return body


def _unknown(body: Mapping[str, object], allowed: tuple[str, ...]) -> list[_rules.FieldError]:
    """A strict API names every field it does not take rather than ignoring it silently."""
    return [
        _rules.FieldError(name, "is not a field of this request")
        for name in body
        if name not in allowed
    ]


def _invalid(errors: list[_rules.FieldError], code: str = "VALIDATION_ERROR") -> Outcome:
    return error_response(400, code, "The request body is invalid", errors), False


def _injected(error: InjectedError) -> Response:
    code, phrase = _INJECTED[error.status]
    if error.html:  # what a load balancer in front of the API sends
        title = f"{error.status} {phrase}"
        page = f"<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>"
        return HTMLResponse(page, status_code=error.status)
    return error_response(error.status, code, f"{phrase} (injected fault)")


def _str(body: Mapping[str, object], field: str) -> str:
    value = body[field]
    assert isinstance(value, str), "validated by _rules"
    return value


def _changes(body: Mapping[str, object]) -> dict[str, str | bool | None]:
    """Store columns to set from a validated update body; a null description clears it."""
    changes: dict[str, str | bool | None] = {}
    for field in _rules.UPDATE_FIELDS:
        if field in body:
            value = body[field]
            assert value is None or isinstance(value, str | bool), "validated by _rules"
            changes[_COLUMNS[field]] = value
    return changes


def _not_found() -> Outcome:
    return error_response(404, "NOT_FOUND", "Vimeo connection not found"), False


def _duplicate(name: str) -> Outcome:
    message = f"A Vimeo connection named '{name}' already exists in your account"
    return error_response(409, "DUPLICATE_NAME", message), False


class ConnectionsApi:
    """The API's routes over one store, with faults from one injector."""

    def __init__(
        self, store: Store, faults: FaultInjector, script: FaultScript, page_size: int
    ) -> None:
        self._store = store
        self._faults = faults
        self._script = script
        self._page_size = page_size
        self._keys = PageKeys(store.page_key_secret())

    def routes(self) -> list[Route]:
        """One route per path; the method picks the handler, so a 405 lists every method."""
        collection = {"GET": self.list, "POST": self.create}
        item = {"GET": self.get, "PUT": self.update, "DELETE": self.delete}
        return [
            Route(API_PREFIX, self._endpoint(collection), methods=list(collection)),
            Route(
                API_PREFIX + "/{connection_id:pictory_vimeo_rest}",
                self._endpoint(item, item=True),
                methods=list(item),
            ),
        ]

    def _endpoint(
        self, handlers: Mapping[str, Handler], *, item: bool = False
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            if item:
                try:
                    request.state.connection_id = connection_id_of(request)
                except UnicodeDecodeError:
                    request.state.connection_id = None
                if request.state.connection_id is None:
                    return error_response(404, "NOT_FOUND", "Not Found")
            handler = handlers["GET" if request.method == "HEAD" else request.method]
            response = await self._gate(request, handler)
            _log.debug("%s %s -> %d", request.method, request.url.path, response.status_code)
            return response

        return endpoint

    async def _gate(self, request: Request, handler: Handler) -> Response:
        delay = self._faults.request_seen()
        if delay > 0:
            await _faults.latency_sleep(delay)
        account = account_of(request)
        if account is None:
            message = "Missing or invalid API key: send the raw key (pictai_...) as Authorization"
            return error_response(401, "UNAUTHORIZED", message)
        scripted = self._script.take(request.method)
        if scripted is not None:
            note_fault(request.scope, "scripted")
            if not scripted.drop_after_commit:
                self._faults.count_scripted(scripted.status)
                return scripted_response(scripted)
            response, _ = await handler(request, account)
            self._faults.count_scripted(None)
            return DroppedResponse(response.status_code, bytes(response.body), scripted.drop_kind)
        wait = self._faults.retry_after(account)
        if wait is not None:
            note_fault(request.scope, "rate-limit")
            headers = {"Retry-After": str(wait)}
            return error_response(429, "RATE_LIMITED", "Too many requests", headers=headers)
        injected = self._faults.injected_error()
        if injected is not None:
            note_fault(request.scope, "random")
            return _injected(injected)
        response, committed = await handler(request, account)
        drop = self._faults.drop_now() if committed else None
        if drop is not None:
            note_fault(request.scope, "random")
            return DroppedResponse(response.status_code, bytes(response.body), drop)
        return response

    async def list(self, request: Request, account: str) -> Outcome:
        """GET the collection: one page, in creation order, keyed by position."""
        raw_key = request.query_params.get("nextPageKey")
        after = 0
        if raw_key:
            try:
                after = self._keys.decode(account, raw_key)
            except InvalidPageKeyError:
                message = "nextPageKey is not one this API issued to this account"
                return error_response(400, "INVALID_PAGE_KEY", message), False
        records, more = self._store.page(account, after, self._page_size)
        body: dict[str, object] = {"Items": [connection_object(record) for record in records]}
        if more:
            body["nextPageKey"] = self._keys.encode(account, records[-1].seq)
        return JSONResponse(body), False

    async def create(self, request: Request, account: str) -> Outcome:
        """POST the collection: a new connection, version 1."""
        try:
            body = await read_json_object(request)
        except BadBody as bad:
            return bad.response, False
        errors = _rules.check_create(body, naming="api") + _unknown(body, _rules.CREATE_FIELDS)
        if errors:
            return _invalid(errors)
        description = body.get("description")
        enabled = body["enabled"]
        assert isinstance(enabled, bool), "validated by _rules"
        new = NewConnection(
            name=_str(body, "name"),
            description=description if isinstance(description, str) else None,
            enabled=enabled,
            client_identifier=_str(body, "clientIdentifier"),
            client_secret=_str(body, "clientSecret"),
            access_token=_str(body, "accessToken"),
        )
        try:
            record = self._store.create(account, new)
        except NameTaken:
            return _duplicate(new.name)
        return JSONResponse(created_object(record), status_code=201), True

    async def get(self, request: Request, account: str) -> Outcome:
        """GET one connection of the account."""
        record = self._store.get(account, request.state.connection_id)
        if record is None:
            return _not_found()
        return JSONResponse(connection_object(record)), False

    async def update(self, request: Request, account: str) -> Outcome:
        """PUT one connection: only the fields sent change, if ``version`` is current."""
        try:
            body = await read_json_object(request)
        except BadBody as bad:
            return bad.response, False
        allowed = ("version", *_rules.UPDATE_FIELDS)
        errors = _rules.check_update(body, naming="api") + _unknown(body, allowed)
        if errors:
            missing = body.get("version") is None
            return _invalid(errors, "VERSION_REQUIRED" if missing else "VALIDATION_ERROR")
        version = body["version"]
        assert isinstance(version, int), "validated by _rules"
        try:
            record = self._store.update(
                account, request.state.connection_id, version, _changes(body)
            )
        except NoSuchConnection:
            return _not_found()
        except StaleVersion:
            message = "The version sent is not the connection's current version"
            return error_response(409, "VERSION_CONFLICT", message), False
        except NameTaken:
            return _duplicate(_str(body, "name"))
        return JSONResponse(connection_object(record)), True

    async def delete(self, request: Request, account: str) -> Outcome:
        """DELETE one connection: 204 whether or not it existed."""
        existed = self._store.delete(account, request.state.connection_id)
        return Response(status_code=204), existed
