"""``client.vimeo_connections``: the five calls of the Vimeo Connections API.

Each call validates its input against the documented rules before anything is sent,
hands the request to the transport, and maps the answer to a model. Writes that were
retried after an unclear outcome are reconciled here, where the meaning of a 409 is known.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final, TypeVar
from urllib.parse import quote

import cattrs
import httpx

from .. import _rules
from .._errors import (
    ConflictError,
    DuplicateNameError,
    InvalidResponseError,
    ValidationError,
    VersionConflictError,
)
from .._models import (
    Page,
    VimeoConnection,
    VimeoConnectionCreate,
    VimeoConnectionUpdate,
    converter,
    to_body,
)
from .._pagination import AsyncPaginator

if TYPE_CHECKING:
    from .._transport import RequestOptions, Transport

__all__ = ["AsyncVimeoConnections"]

PATH: Final = "/pictoryapis/v1/vimeo-connections"
_E = TypeVar("_E", bound=ConflictError)


def connection_path(connection_id: str) -> str:
    """The URL path of one connection, its ID escaped as exactly one path segment."""
    _check(_id_problems(connection_id))
    return f"{PATH}/{quote(connection_id, safe='')}"


def _id_problems(connection_id: object) -> list[_rules.FieldError]:
    problem = _rules.check_connection_id(connection_id)
    return [] if problem is None else [problem]


def _check(errors: list[_rules.FieldError]) -> None:
    if errors:
        raise ValidationError(errors)


def _json(response: httpx.Response) -> object:
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidResponseError(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code} with a body that is not JSON",
            response=response,
        ) from exc


def _connection(response: httpx.Response) -> VimeoConnection:
    return _structure(response, _json(response))


def _structure(response: httpx.Response, data: object) -> VimeoConnection:
    if not isinstance(data, Mapping):
        raise InvalidResponseError(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code} with {type(data).__name__} where a Vimeo connection "
            "object belongs",
            response=response,
        )
    try:
        return converter.structure(data, VimeoConnection)
    except (cattrs.BaseValidationError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidResponseError(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code} with a body that is not a Vimeo connection: "
            f"{_first_problem(exc)}",
            response=response,
        ) from exc


def _first_problem(exc: BaseException) -> str:
    if isinstance(exc, cattrs.BaseValidationError):
        messages = cattrs.transform_error(exc)
        return messages[0] if messages else str(exc)
    return str(exc) or type(exc).__name__


def _page(response: httpx.Response) -> Page[VimeoConnection]:
    data = _json(response)
    items = data.get("Items") if isinstance(data, Mapping) else None
    if not isinstance(items, list):
        raise InvalidResponseError(
            f"GET {PATH} answered {response.status_code} without an 'Items' list",
            response=response,
        )
    assert isinstance(data, Mapping)
    key = data.get("nextPageKey")
    if key is not None and not isinstance(key, str):
        raise InvalidResponseError(
            f"GET {PATH} answered a nextPageKey that is not a string", response=response
        )
    return Page([_structure(response, item) for item in items], key or None)


def as_conflict(cls: type[_E], error: ConflictError) -> ConflictError:
    """``error`` re-typed as ``cls`` unless the server already named a specific conflict."""
    if type(error) is not ConflictError:
        return error
    retyped = cls(
        error.message,
        response=error.response,
        code=error.code,
        body=error.body,
        attempts=error.attempts,
    )
    retyped.retried_after_unclear = error.retried_after_unclear
    return retyped


class AsyncVimeoConnections:
    """The Vimeo connections of the client's account."""

    def __init__(self, transport: Transport, options: RequestOptions) -> None:
        self._transport = transport
        self._options = options

    async def create(
        self,
        *,
        name: str,
        client_identifier: str,
        client_secret: str,
        access_token: str,
        description: str | None = None,
        enabled: bool = True,
    ) -> VimeoConnection:
        """Create a connection; its name must be unique in the account."""
        model = VimeoConnectionCreate(
            name=name,
            client_identifier=client_identifier,
            client_secret=client_secret,
            access_token=access_token,
            description=description,
            enabled=enabled,
        )
        body = to_body(model)
        _check(_rules.check_create(body, naming="python"))
        try:
            response = await self._transport.request("POST", PATH, self._options, json=body)
        except ConflictError as error:
            # A create has no version, so the only conflict it can meet is a taken name.
            if not error.retried_after_unclear:
                raise as_conflict(DuplicateNameError, error) from None
            found = await self._find_own_create(model)
            if found is None:
                raise as_conflict(DuplicateNameError, error) from None
            return found
        return _connection(response)

    async def get(self, connection_id: str) -> VimeoConnection:
        """The connection with this ID (``NotFoundError`` if the account has none)."""
        path = connection_path(connection_id)
        return _connection(await self._transport.request("GET", path, self._options))

    async def list_page(self, *, next_page_key: str | None = None) -> Page[VimeoConnection]:
        """One page of the account's connections; pass ``next_page_key`` for the next one."""
        if next_page_key is not None and not isinstance(next_page_key, str):
            raise ValidationError([_rules.FieldError("next_page_key", "must be a string")])
        params = {"nextPageKey": next_page_key} if next_page_key else None
        return _page(await self._transport.request("GET", PATH, self._options, params=params))

    def list(
        self, *, next_page_key: str | None = None, limit: int | None = None
    ) -> AsyncPaginator[VimeoConnection]:
        """Every connection, page by page as iteration reaches it (at most ``limit`` items).

        ``limit`` caps the items iteration yields; the first page (``await`` /
        ``first_page()``) and ``pages()`` are always whole pages.
        """
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)):
            raise ValidationError([_rules.FieldError("limit", "must be an integer or None")])
        if limit is not None and limit < 0:
            raise ValidationError([_rules.FieldError("limit", f"must be >= 0 (got {limit})")])

        async def fetch(key: str | None) -> Page[VimeoConnection]:
            return await self.list_page(next_page_key=key)

        return AsyncPaginator(fetch, next_page_key=next_page_key, limit=limit)

    async def update(
        self,
        connection_id: str,
        *,
        version: int,
        name: str | None = None,
        description: str | None = None,
        enabled: bool | None = None,
        client_identifier: str | None = None,
        client_secret: str | None = None,
        access_token: str | None = None,
    ) -> VimeoConnection:
        """Change only the fields passed; ``version`` must be the connection's current one."""
        model = VimeoConnectionUpdate(
            version=version,
            name=name,
            description=description,
            enabled=enabled,
            client_identifier=client_identifier,
            client_secret=client_secret,
            access_token=access_token,
        )
        body = to_body(model)
        _check(_id_problems(connection_id) + _rules.check_update(body, naming="python"))
        path = f"{PATH}/{quote(connection_id, safe='')}"
        try:
            response = await self._transport.request("PUT", path, self._options, json=body)
        except ConflictError as error:
            if not error.retried_after_unclear:
                raise
            current = await self.get(connection_id)
            if _update_landed(current, version, body):
                return current
            if current.version == version:
                # Nobody wrote, so this 409 is not about the version (e.g. a taken name).
                raise
            raise as_conflict(VersionConflictError, error) from None
        return _connection(response)

    async def delete(self, connection_id: str) -> None:
        """Delete the connection. Deleting one that is already gone is not an error."""
        path = connection_path(connection_id)
        response = await self._transport.request("DELETE", path, self._options)
        # The API answers 204 with no body. Any other body must at least be JSON: an HTML
        # page means a wrong base_url reached a website, and that is not a deletion.
        if response.status_code != 204 and response.content.strip():
            _json(response)

    async def _find_own_create(self, model: VimeoConnectionCreate) -> VimeoConnection | None:
        """The connection an earlier, unanswered attempt of this create made, if it did."""
        async for connection in self.list():
            if connection.name == model.name:
                mine = (
                    connection.client_identifier == model.client_identifier
                    and connection.description == model.description
                    and connection.enabled == model.enabled
                )
                return connection if mine else None
        return None


def _update_landed(current: VimeoConnection, version: int, body: Mapping[str, object]) -> bool:
    """Whether ``current`` is exactly our update applied once to the version we sent."""
    if current.version != version + 1:
        return False
    readable = converter.unstructure(current)
    return all(
        readable.get(field) == value
        for field, value in body.items()
        if field != "version" and field not in _rules.SECRET_FIELDS
    )
