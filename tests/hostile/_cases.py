"""Malformed answers a server may give, and what each public method must make of them.

Each :class:`Bad` is a body (and headers) sent with a 2xx or with an error status. On a
2xx, each method that cannot use it must raise ``InvalidResponseError`` whose message
matches ``says``; ``fine_for`` names the methods for which it is a usable answer (any
JSON is an acceptable delete answer, say). On an error status, every method raises that
status's error class, with a one-line message.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Awaitable, Callable
from typing import Final

import attrs

import pictory_vimeo as pv

from ._support import ID, connection_json

METHODS: Final = ("get", "list_page", "create", "update", "delete")
#: The status each method's success comes with.
SUCCESS: Final = {"get": 200, "list_page": 200, "create": 201, "update": 200, "delete": 200}
ERROR_STATUSES: Final = (400, 404, 409, 500, 503)
#: Statuses a call retries (with max_retries=1: two attempts, then the error).
RETRIED: Final = frozenset({500, 503})
STATUS_ERRORS: Final[dict[int, type[pv.APIStatusError]]] = {
    400: pv.BadRequestError,
    404: pv.NotFoundError,
    409: pv.ConflictError,
    500: pv.InternalServerError,
    503: pv.InternalServerError,
}

NOT_JSON: Final = "with a body that is not JSON"
NOT_A_CONNECTION: Final = "is not a Vimeo connection|where a Vimeo connection object belongs"
NO_ITEMS: Final = "without an 'Items' list"
UNDECODABLE: Final = "could not be decoded"
TEN_MB: Final = 10 * 1024 * 1024
#: What must never reach a terminal from a server: C0/C1 controls, lone surrogates, and
#: the bidirectional overrides that make text read other than it is.
UNPRINTABLE: Final = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")

Call = Callable[[pv.AsyncVimeoConnections], Awaitable[object]]
SECRET = "malformed-client-secret"
TOKEN = "malformed-access-token"


def call_of(method: str) -> Call:
    """The public call ``method`` names, with valid arguments."""
    calls: dict[str, Call] = {
        "get": lambda conns: conns.get(ID),
        "list_page": lambda conns: conns.list_page(),
        "create": lambda conns: conns.create(
            name="n", client_identifier="c", client_secret=SECRET, access_token=TOKEN
        ),
        "update": lambda conns: conns.update(ID, version=1, description="d"),
        "delete": lambda conns: conns.delete(ID),
    }
    return calls[method]


@attrs.frozen
class Bad:
    """A malformed answer: its body and headers, and what a 2xx of it must be called."""

    name: str
    body: bytes
    headers: tuple[tuple[bytes, bytes], ...] = ((b"content-type", b"application/json"),)
    #: What the InvalidResponseError of a 2xx must say (a regex).
    says: str = NOT_JSON
    #: Methods for which it is a fine 2xx answer.
    fine_for: frozenset[str] = frozenset()
    #: Too slow to repeat on every status and method: only 2xx and 500, on get and delete.
    big: bool = False
    #: What the message of an error status must hold, when the body says something.
    error_says: str | None = None


def _json(value: object) -> bytes:
    return json.dumps(value).encode()


_CONNECTION: Final = _json(connection_json())
#: A connection as the update the cases make (``version=1``) leaves it: an answer that is
#: fine for every method must carry the version that update made.
_UPDATED: Final = _json(connection_json(version=2))
_ANY_JSON_IS_A_DELETE: Final = frozenset({"delete"})


def _text_without_bom(name: str, text: str, codec: str, charset: str) -> Bad:
    """``text`` in ``codec`` with no BOM, declared only as ``charset``: an error message
    must still read it."""
    headers = ((b"content-type", f"text/plain; charset={charset}".encode()),)
    return Bad(name, text.encode(codec), headers, error_says=text)


CASES: Final[list[Bad]] = [
    Bad("truncated-json", _CONNECTION[:40]),
    Bad(
        "html-page",
        b"<html><head><title>Welcome to nginx!</title></head><body>hi</body></html>",
        ((b"content-type", b"text/html"),),
    ),
    Bad("empty", b"", fine_for=_ANY_JSON_IS_A_DELETE),
    Bad("whitespace", b"  \r\n\t ", fine_for=_ANY_JSON_IS_A_DELETE),
    Bad("invalid-utf8", b"\xff\xfe\xfa\x80 not text"),
    Bad("invalid-utf8-in-a-string", _CONNECTION.replace(b'"Hostile"', b'"Host\xffile"')),
    Bad(
        "json-null", b"null", says=f"{NOT_A_CONNECTION}|{NO_ITEMS}", fine_for=_ANY_JSON_IS_A_DELETE
    ),
    Bad(
        "json-string",
        b'"ok"',
        says=f"{NOT_A_CONNECTION}|{NO_ITEMS}",
        fine_for=_ANY_JSON_IS_A_DELETE,
    ),
    Bad(
        "json-array",
        b"[1, 2, 3]",
        says=f"{NOT_A_CONNECTION}|{NO_ITEMS}",
        fine_for=_ANY_JSON_IS_A_DELETE,
    ),
    Bad(
        "wrong-types",
        _json(connection_json(version="1", enabled="yes", name=7)),
        says=f"expected a string, got int @ \\$.name|{NO_ITEMS}",
        fine_for=_ANY_JSON_IS_A_DELETE,
    ),
    Bad(
        "bool-for-an-integer",
        _json(connection_json(version=True)),
        says=f"{NOT_A_CONNECTION}|{NO_ITEMS}",
        fine_for=_ANY_JSON_IS_A_DELETE,
    ),
    Bad(
        "nulls",
        _json(dict.fromkeys(connection_json())),
        says=f"{NOT_A_CONNECTION}|{NO_ITEMS}",
        fine_for=_ANY_JSON_IS_A_DELETE,
    ),
    Bad(
        "missing-fields",
        _json({"name": "only a name"}),
        says=f"{NOT_A_CONNECTION}|{NO_ITEMS}",
        fine_for=_ANY_JSON_IS_A_DELETE,
    ),
    Bad(
        "bad-date",
        _json(connection_json(createdDate="last tuesday")),
        says=f"{NOT_A_CONNECTION}|{NO_ITEMS}",
        fine_for=_ANY_JSON_IS_A_DELETE,
    ),
    Bad(
        "lone-surrogate-in-a-field",
        _CONNECTION.replace(b'"Hostile"', b'"Host\\ud800ile"'),
        says=f"valid Unicode, got one with a lone surrogate @ \\$.name|{NO_ITEMS}",
        fine_for=_ANY_JSON_IS_A_DELETE,
    ),
    Bad(
        "lone-surrogate-in-an-item",
        _json({"Items": [connection_json(name="a\udfffb")]}),
        says=f"{NOT_A_CONNECTION}|lone surrogate",
        fine_for=_ANY_JSON_IS_A_DELETE,
    ),
    Bad(
        "items-not-a-list",
        _json({"Items": {"0": connection_json()}}),
        says=f"{NOT_A_CONNECTION}|{NO_ITEMS}",
        fine_for=_ANY_JSON_IS_A_DELETE,
    ),
    Bad(
        "items-with-a-null",
        _json({"Items": [connection_json(), None]}),
        says=f"{NOT_A_CONNECTION}|NoneType",
        fine_for=_ANY_JSON_IS_A_DELETE,
    ),
    Bad(
        "page-key-a-number",
        _json({"Items": [], "nextPageKey": 12345}),
        says=f"{NOT_A_CONNECTION}|nextPageKey",
        fine_for=_ANY_JSON_IS_A_DELETE,
    ),
    Bad(
        "page-key-an-object",
        _json({"Items": [], "nextPageKey": {"k": "v"}}),
        says=f"{NOT_A_CONNECTION}|nextPageKey",
        fine_for=_ANY_JSON_IS_A_DELETE,
    ),
    Bad(
        "page-key-a-lone-surrogate",
        b'{"Items": [], "nextPageKey": "k\\udc00"}',
        says=f"{NOT_A_CONNECTION}|nextPageKey",
        fine_for=_ANY_JSON_IS_A_DELETE,
    ),
    Bad("nested-100000-deep", b"[" * 100_000, says="not JSON \\(nested too deeply\\)"),
    Bad(
        "nested-objects-100000-deep",
        b'{"a":' * 100_000,
        says="not JSON \\(nested too deeply\\)",
    ),
    Bad(
        "nested-a-thousand-deep-and-closed",
        b"[" * 5_000 + b"]" * 5_000,
        says="not JSON \\(nested too deeply\\)",
    ),
    Bad(
        "gzip-that-is-not",
        _CONNECTION,
        ((b"content-type", b"application/json"), (b"content-encoding", b"gzip")),
        says=UNDECODABLE,
        error_says=UNDECODABLE,
    ),
    Bad(
        "deflate-that-is-not",
        b"\x00\x01garbage",
        ((b"content-type", b"application/json"), (b"content-encoding", b"deflate")),
        says=UNDECODABLE,
        error_says=UNDECODABLE,
    ),
    Bad(
        "gzip-then-gzip-that-is-not",
        gzip.compress(b"not gzip inside"),
        ((b"content-type", b"application/json"), (b"content-encoding", b"gzip, gzip")),
        says=UNDECODABLE,
        error_says=UNDECODABLE,
    ),
    Bad(
        "gzip-that-is",
        gzip.compress(_UPDATED),
        ((b"content-type", b"application/json"), (b"content-encoding", b"gzip")),
        says=NO_ITEMS,
        fine_for=frozenset(METHODS) - {"list_page"},
    ),
    Bad(
        "gzip-cut-short",
        gzip.compress(_CONNECTION)[:-12],
        ((b"content-type", b"application/json"), (b"content-encoding", b"gzip")),
    ),
    Bad(
        "gzip-twice-declared-once",
        gzip.compress(gzip.compress(_CONNECTION)),
        ((b"content-type", b"application/json"), (b"content-encoding", b"gzip")),
    ),
    *(
        _text_without_bom(name, text, codec, charset)
        for name, text, codec, charset in (
            ("utf16-without-bom", "not json, declared UTF-16 with no BOM", "utf-16-le", "utf-16"),
            ("utf16-big-endian-without-bom", "Über-error, UTF-16BE, no BOM", "utf-16-be", "UTF-16"),
            ("utf32-without-bom", "gone, in UTF-32", "utf-32-le", "utf-32"),
        )
    ),
    Bad(
        "odd-length-utf16",
        b"abc",
        ((b"content-type", b"application/json; charset=utf-16"),),
    ),
    Bad(
        "unknown-charset",
        b"plain words",
        ((b"content-type", b"text/plain; charset=x-no-such-charset"),),
    ),
    Bad(
        "charset-not-text",
        b"\xc3\x28 bytes",
        ((b"content-type", b"text/plain; charset=\xff\xfe"),),
    ),
    Bad(
        "odd-headers",
        _UPDATED,
        (
            (b"content-type", b"application/json; charset=\x1b[31m"),
            (b"x-request-id", b"\x1b[2J\x00id\xff" + b"r" * 5000),
            (b"retry-after", b"\xff soon"),
            (b"content-encoding", b"identity, \xfe"),
        ),
        fine_for=frozenset(METHODS) - {"list_page"},
        says=NO_ITEMS,
    ),
    Bad(
        "control-characters-in-text",
        b"\x1b]0;owned\x07\x1b[2J\x00 text \xe2\x80\xae desrever",
        ((b"content-type", b"text/plain"),),
    ),
    Bad("ten-megabytes-of-text", b"x" * TEN_MB, ((b"content-type", b"text/plain"),), big=True),
    Bad(
        "ten-megabytes-of-json",
        b'{"pad": "' + b"y" * TEN_MB + b'"}',
        says=f"{NOT_A_CONNECTION}|{NO_ITEMS}",
        fine_for=_ANY_JSON_IS_A_DELETE,
        big=True,
    ),
]
