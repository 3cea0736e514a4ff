"""Reading the API's 2xx bodies into models: a connection, a page, a deletion.

Anything that is not what the reference documents is an ``InvalidResponseError`` that says
what was wrong, never the values themselves; nothing else escapes. An answer about another
connection than the one asked for (or, to an update, at another version than the one it
made) does not belong to its request: it is refused and its connection closed (``_wire``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final
from urllib.parse import quote, urlsplit

from .._answer import Answer, NestedTooDeeplyError, decode_json
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
    "parse_this_connection",
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


def _where(response: Answer) -> str:
    path = urlsplit(response.url).path
    return f"{response.method} {path} answered {response.status}"


def _invalid(response: Answer, message: str) -> InvalidResponseError:
    return InvalidResponseError(message, response=response.response)


def _json(response: Answer) -> object:
    try:
        return decode_json(response.body)
    except NestedTooDeeplyError:
        why = " (nested too deeply)"
    except ValueError:
        why = ""
    raise _invalid(response, f"{_where(response)} with a body that is not JSON{why}")


def _page(data: object) -> Page[VimeoConnection] | str:
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
        connection = _structured_item(item)
        if isinstance(connection, str):
            return connection
        connections.append(connection)
    return Page(connections, key or None)


def _structured_item(data: object) -> VimeoConnection | str:
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


def parse_connection(response: Answer) -> VimeoConnection:
    """The connection object of a create, get or update answer."""
    connection = _structured_item(_json(response))
    if isinstance(connection, str):
        raise _invalid(response, f"{_where(response)} {connection}")
    return connection


def parse_this_connection(
    connection_id: str, version: int | None = None
) -> Callable[[Answer], VimeoConnection]:
    """A parser of the answer about ``connection_id`` (at ``version``, when given), and no other.

    Anything else did not answer this request (a server or proxy that sent one answer
    twice makes a pool hand the spare to the next request): an ``InvalidResponseError``,
    and the connection it came over is closed.
    """

    def parse(response: Answer) -> VimeoConnection:
        connection = parse_connection(response)
        mismatch = _mismatch(connection, connection_id, version)
        if mismatch is None:
            return connection
        del connection  # its text is the server's, which may echo a secret
        response.discard()
        raise _invalid(
            response,
            f"{_where(response)} {mismatch} (the answer does not belong to this request; "
            "its connection was closed)",
        )

    return parse


def _mismatch(connection: VimeoConnection, connection_id: str, version: int | None) -> str | None:
    """How ``connection`` is not the answer about ``connection_id`` at ``version``, if it is not."""
    if connection.connection_id != connection_id:
        return "about another connection than the one asked for"
    if version is not None and connection.version != version:
        return f"with version {connection.version}, not the {version} this update makes"
    return None


def parse_page(response: Answer) -> Page[VimeoConnection]:
    """One page of a listing: ``{"Items": [...], "nextPageKey"?: "..."}``."""
    page = _page(_json(response))
    if isinstance(page, str):
        raise _invalid(response, f"{_where(response)} {page}")
    return page


def parse_deleted(connection_id: str) -> Callable[[Answer], None]:
    """A checker of a delete's answer: ``204`` with no body, or at least JSON.

    An HTML page means a wrong ``base_url`` reached a website, and that is not a deletion.
    A body naming a connection must name this one (see ``parse_this_connection``).
    """

    def parse(response: Answer) -> None:
        if response.status == 204 or not response.body.strip():
            return
        data = _json(response)
        named = data.get("connectionId") if isinstance(data, Mapping) else None
        if named is not None and named != connection_id:
            response.discard()
            raise _invalid(
                response,
                f"{_where(response)} about another connection than the one asked for "
                "(the answer does not belong to this request; its connection was closed)",
            )

    return parse
