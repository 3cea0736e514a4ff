"""Fuzzing the response decoders through the public methods: whatever the server answers
(any bytes, any JSON, any shape of connection, page or error, any header values, any
status), a call returns a well-formed result or raises a ``PictoryError`` subclass whose
text is one printable line. Nothing else escapes.

Example counts are modest by default; ``PICTORY_TEST_THOROUGH=1`` runs fifty times as many.
"""

from __future__ import annotations

import gzip
import json
import os
import zlib
from collections.abc import Awaitable
from typing import Any, Final

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pictory_vimeo as pv
from tests._support import CONNECTION_KEYS

from ._cases import METHODS, UNPRINTABLE, call_of
from ._support import KEY

BASE_URL = "https://api.test"
THOROUGH: Final = os.environ.get("PICTORY_TEST_THOROUGH") == "1"
EXAMPLES: Final = 200 * (50 if THOROUGH else 1)
#: The suite's 60 s per test, stretched to fit the thorough run's examples.
pytestmark = pytest.mark.timeout(60 * (30 if THOROUGH else 1))
LONGEST_LINE: Final = 1000
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: Any code point, with lone surrogates, control characters and line separators favoured.
ANY_CHAR = st.one_of(
    st.characters(exclude_categories=()),
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
    st.characters(max_codepoint=0x1F),
    st.sampled_from("\x7f\x85\u2028\u2029\u202e\ufeff"),
)
TEXT = st.text(ANY_CHAR, max_size=40)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    TEXT,
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
_CONNECTION_FIELDS = CONNECTION_KEYS
_GOOD: Final = {
    "connectionId": st.just("20251222155613307xv0nodhitf9cd0f"),
    "name": TEXT,
    "description": st.none() | TEXT,
    "clientIdentifier": TEXT,
    "type": st.just("VIMEO"),
    "enabled": st.booleans(),
    "createdDate": st.sampled_from(
        ["2025-12-22T15:56:12.309Z", "2025-12-22T15:56:12+02:00", "9999-12-31T23:59:59Z", "x"]
    ),
    "updatedDate": st.just("2025-12-22T16:19:16.058Z"),
    "version": st.integers(min_value=-1, max_value=2**64),
}
#: Mostly connection-like objects: each field plausible, or anything at all.
CONNECTIONS = st.fixed_dictionaries(
    {},
    optional={name: _GOOD[name] | JSON_VALUES for name in _CONNECTION_FIELDS},
)
PAGES = st.fixed_dictionaries(
    {},
    optional={
        "Items": st.lists(CONNECTIONS | JSON_VALUES, max_size=3) | JSON_VALUES,
        "nextPageKey": TEXT | JSON_VALUES,
    },
)
ERROR_BODIES = st.fixed_dictionaries(
    {},
    optional={
        "message": TEXT | JSON_VALUES,
        "Message": TEXT,
        "code": TEXT | JSON_VALUES,
        "success": st.booleans(),
        "error": st.fixed_dictionaries(
            {}, optional={"error_message": TEXT | JSON_VALUES, "error_code": TEXT | JSON_VALUES}
        )
        | TEXT,
        "errors": st.lists(
            st.fixed_dictionaries({}, optional={"field": TEXT | JSON_VALUES, "message": TEXT})
            | JSON_VALUES,
            max_size=3,
        ),
        "type": TEXT,
        "title": TEXT,
        "detail": TEXT | JSON_VALUES,
    },
)


def _dumps(value: Any, ascii: bool) -> bytes:
    return json.dumps(value, ensure_ascii=ascii).encode("utf-8", "surrogatepass")


BODIES = st.one_of(
    st.binary(max_size=300),
    st.builds(_dumps, JSON_VALUES, st.booleans()),
    st.builds(_dumps, CONNECTIONS, st.booleans()),
    st.builds(_dumps, PAGES, st.booleans()),
    st.builds(_dumps, ERROR_BODIES, st.booleans()),
    st.integers(min_value=0, max_value=5000).map(lambda n: b"[" * n + b"]" * (n % 7)),
    st.builds(lambda text: f"<html><title>{text}</title></html>".encode(errors="replace"), TEXT),
)
#: Header values: any bytes a socket could carry in one (no CR or LF).
HEADER_BYTES = st.binary(max_size=40).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))
CONTENT_TYPES = (
    st.sampled_from(
        [
            b"application/json",
            b"application/problem+json",
            b"text/plain; charset=utf-16",
            b"text/plain; charset=utf-32",
            b"text/plain; charset=latin-1",
            b"text/html; charset=x-unknown",
            b"application/json; charset=utf-8",
        ]
    )
    | HEADER_BYTES
)
ENCODINGS = st.sampled_from([None, b"gzip", b"deflate", b"identity", b"gzip, gzip", b"br"])
STATUSES = st.sampled_from(
    [200, 201, 204, 299, 302, 304, 400, 401, 403, 404, 409, 418, 422, 429, 500, 502, 503, 599]
)


@st.composite
def responses(draw: st.DrawFn) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """(status, headers, body as sent) of one answer, encoded (or mislabelled) at random."""
    status = draw(STATUSES)
    body = draw(BODIES)
    headers = [(b"content-type", draw(CONTENT_TYPES))]
    encoding = draw(ENCODINGS)
    if encoding is not None:
        headers.append((b"content-encoding", encoding))
        if draw(st.booleans()):  # actually encoded as it says, or a lie
            body = gzip.compress(body) if b"gzip" in encoding else zlib.compress(body)
    for name in (b"x-request-id", b"retry-after", b"location"):
        if draw(st.booleans()):
            headers.append((name, draw(HEADER_BYTES)))
    return status, headers, body


def check_error(error: pv.PictoryError) -> None:
    """The error's texts are one printable line each."""
    texts = [str(error)]
    if isinstance(error, pv.APIStatusError):
        texts += [error.message, error.code or "", error.request_id or ""]
    for text in texts:
        assert not UNPRINTABLE.search(text), repr(text)
        assert "\n" not in text
        assert len(text) < LONGEST_LINE


def check_result(method: str, result: object) -> None:
    """A result is what the method documents, made of valid text."""
    if method == "delete":
        assert result is None
        return
    connections = result.items if isinstance(result, pv.Page) else [result]
    if isinstance(result, pv.Page):
        key = result.next_page_key
        assert key is None or (isinstance(key, str) and key and _valid_text(key))
    for connection in connections:
        assert isinstance(connection, pv.VimeoConnection)
        for value in (connection.connection_id, connection.name, connection.client_identifier):
            assert isinstance(value, str)
            assert _valid_text(value)
        assert type(connection.version) is int
        assert type(connection.enabled) is bool


def _valid_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@pytest.mark.anyio
@FUZZ
@given(answer=responses(), method=st.sampled_from(METHODS))
async def test_any_answer_is_a_result_or_a_pictory_error(
    answer: tuple[int, list[tuple[bytes, bytes]], bytes], method: str
) -> None:
    """Only PictoryError subclasses escape, with one-line printable texts."""
    status, headers, body = answer

    def respond(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers=headers, stream=httpx.ByteStream(body))

    async with pv.AsyncPictoryClient(
        KEY, BASE_URL, transport=httpx.MockTransport(respond), max_retries=1
    ) as client:
        outcome = await _outcome(call_of(method)(client.vimeo_connections))
    if not isinstance(outcome, pv.PictoryError):
        assert 200 <= status < 300
        check_result(method, outcome)
        return
    check_error(outcome)
    if 200 <= status < 300:
        assert isinstance(outcome, pv.InvalidResponseError | pv.PaginationError), outcome
    elif isinstance(outcome, pv.APIConnectionError):
        # A redirect whose Location httpx cannot even parse (it reads it, following or not).
        assert 300 <= status < 400, outcome
        assert "Location header is not a valid URL" in str(outcome)
    else:
        assert isinstance(outcome, pv.APIStatusError), outcome
        assert outcome.status_code == status


async def _outcome(call: Awaitable[object]) -> object:
    """What ``call`` returned, or the PictoryError it raised (anything else propagates)."""
    try:
        return await call
    except pv.PictoryError as error:
        return error


async def _walk(listing: pv.AsyncPaginator[pv.VimeoConnection]) -> list[object]:
    return [connection async for connection in listing]


@pytest.mark.anyio
@FUZZ
@given(pages=st.lists(st.builds(_dumps, PAGES, st.booleans()), min_size=1, max_size=6))
async def test_any_listing_ends_or_raises_a_pictory_error(pages: list[bytes]) -> None:
    """Iterating a listing whose pages are fuzzed: items, or a PictoryError, never a hang."""
    served = iter(pages)

    def respond(request: httpx.Request) -> httpx.Response:
        body = next(served, b'{"Items": []}')
        return httpx.Response(200, stream=httpx.ByteStream(body))

    async with pv.AsyncPictoryClient(
        KEY, BASE_URL, transport=httpx.MockTransport(respond), max_retries=0
    ) as client:
        outcome = await _outcome(_walk(client.vimeo_connections.list(max_empty_pages=3)))
    if isinstance(outcome, pv.PictoryError):
        check_error(outcome)
        assert isinstance(outcome, pv.InvalidResponseError | pv.PaginationError), outcome
    else:
        assert isinstance(outcome, list)
        assert all(isinstance(connection, pv.VimeoConnection) for connection in outcome)
