"""Reading the API's 2xx bodies into models: a connection, a page, a deletion.

Anything that is not what the reference documents is an ``InvalidResponseError`` that says
what was wrong, never the values themselves; nothing else escapes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final
from urllib.parse import quote

import httpx

from .._error_bodies import NestedTooDeeplyError, decode_json
from .._errors import InvalidResponseError, ValidationError
from .._models import Page, VimeoConnection, first_problem, structure_connection
from .._rules import FieldError, check_connection_id, is_utf8_encodable

__all__ = [
    "COLLECTION",
    "connection_path",
    "id_problems",
    "parse_connection",
    "parse_deleted",
    "parse_page",
]

COLLECTION: Final = "/pictoryapis/v1/vimeo-connections"


def connection_path(connection_id: str) -> str:
    """The URL path of one connection, its ID escaped as exactly one path segment."""
    problem = check_connection_id(connection_id)
    if problem is not None:
        raise ValidationError([problem])
    return f"{COLLECTION}/{quote(connection_id, safe='')}"


def id_problems(connection_id: object) -> list[FieldError]:
    """What is wrong with ``connection_id`` as a path segment (empty when nothing is)."""
    problem = check_connection_id(connection_id)
    return [] if problem is None else [problem]


def _where(response: httpx.Response) -> str:
    return f"{response.request.method} {response.request.url.path} answered {response.status_code}"


def _json(response: httpx.Response) -> object:
    try:
        return decode_json(response.content)
    except NestedTooDeeplyError:
        why = " (nested too deeply)"
    except ValueError:
        why = ""
    raise InvalidResponseError(
        f"{_where(response)} with a body that is not JSON{why}", response=response
    )


def _structured(response: httpx.Response, data: object) -> VimeoConnection | str:
    """The connection in ``data``, or what is wrong with it (never its values).

    Returned, not raised: the body is the server's text, which may echo anything (a
    secret), so no frame holding it is on the traceback of the error raised.
    """
    if not isinstance(data, Mapping):
        return f"with {type(data).__name__} where a Vimeo connection object belongs"
    try:
        return structure_connection(data)
    except Exception as exc:
        return f"with a body that is not a Vimeo connection: {first_problem(exc)}"


def _page(response: httpx.Response, data: object) -> Page[VimeoConnection] | str:
    """The page in ``data``, or what is wrong with it (returned, as ``_structured``'s is)."""
    items = data.get("Items") if isinstance(data, Mapping) else None
    if not isinstance(items, list):
        return "without an 'Items' list"
    assert isinstance(data, Mapping)
    key = data.get("nextPageKey")
    if key is not None and not (isinstance(key, str) and is_utf8_encodable(key)):
        # A key with a lone surrogate could never be sent back: it has no UTF-8 form.
        return "with a nextPageKey that is not a string of valid Unicode"
    connections = []
    for item in items:
        connection = _structured(response, item)
        if isinstance(connection, str):
            return connection
        connections.append(connection)
    return Page(connections, key or None)


def parse_connection(response: httpx.Response) -> VimeoConnection:
    """The connection object of a create, get or update answer."""
    connection = _structured(response, _json(response))
    if isinstance(connection, str):
        raise InvalidResponseError(f"{_where(response)} {connection}", response=response)
    return connection


def parse_page(response: httpx.Response) -> Page[VimeoConnection]:
    """One page of a listing: ``{"Items": [...], "nextPageKey"?: "..."}``."""
    page = _page(response, _json(response))
    if isinstance(page, str):
        raise InvalidResponseError(f"{_where(response)} {page}", response=response)
    return page


def parse_deleted(response: httpx.Response) -> None:
    """Check a delete's answer: ``204`` with no body, or at least JSON.

    An HTML page means a wrong ``base_url`` reached a website, and that is not a deletion.
    """
    if response.status_code != 204 and response.content.strip():
        _json(response)
