"""What the tests of this folder share besides fixtures (those are in its conftest):
constants, helpers and types, imported from here rather than from a conftest."""

from __future__ import annotations

import html
import json
from urllib.parse import quote, quote_plus

from tests import _support

KEY = "pictai_hostile_key_3f9c2b7a"


ID = "20251222155613307xv0nodhitf9cd0f"


COLLECTION = _support.PATH


ITEM = f"{COLLECTION}/{ID}"


#: (client secret, access token) pairs as a user might hold them: read from a file with
#: its newline, pasted with inner whitespace, or full of characters that escape differently
#: in JSON, HTML, URLs and Python reprs.
AWKWARD_SECRETS: list[tuple[str, str]] = [
    ("client-secret-from-a-file\n", "token with  inner\twhitespace"),
    ("q\"uo'te <b>&amp; sec", "ünïcödé-tøkén-✓"),
    ("  padded secret  ", "multi\nline\r\ntoken"),
    ("back\\slash/and?query=1&x", "tab\tesc\x1bbell\x07"),
]


def _written(text: str) -> set[str]:
    utf8 = text.encode("utf-8", "surrogatepass")
    return {
        text,
        json.dumps(text)[1:-1],
        json.dumps(text, ensure_ascii=False)[1:-1],
        html.escape(text),
        html.escape(text, quote=False),
        quote(text, safe=""),
        quote_plus(text, safe=""),
        repr(text)[1:-1],
        repr(utf8)[2:-1],
        utf8.decode("latin-1"),
    }


def forms_of(secret: str) -> set[str]:
    """Every form in which a secret may be echoed (at least 4 characters long).

    Written apart from the SDK's scrubber on purpose, so a form the scrubber forgets is
    caught: raw, trimmed and folded; JSON-, HTML- and URL-escaped, as a Python repr, as
    the repr of its UTF-8 bytes, as those bytes read as Latin-1; and any of those applied
    to any other (an HTML page quoting the JSON body the secret was sent in, say).
    """
    found: set[str] = set()
    for base in {secret, secret.strip(), " ".join(secret.split())}:
        for once in _written(base):
            found |= _written(once)
    return {form for form in found if len(form) >= 4}


def connection_json(**overrides: object) -> dict[str, object]:
    """A connection object as the API returns it, named "Hostile", with ``ID``."""
    fields: dict[str, object] = {
        "connectionId": ID,
        "name": "Hostile",
        "description": "a connection",
        "clientIdentifier": "client-id",
    }
    return _support.connection_json(**{**fields, **overrides})
