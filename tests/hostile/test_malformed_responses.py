"""Malformed answers: every public method raises a typed ``PictoryError``, nothing else.

A bad 2xx is an ``InvalidResponseError`` saying what was wrong; an error status is its
status's class, with a one-line printable message, and ``5xx`` is still retried. Run on
httpx's pool through a mock transport (every case, every status, every method), and a
subset over real loopback HTTP on each pool, aiohttp's included (its failures are mapped
separately), from a raw server that can send what no framework would.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import pytest

import pictory_vimeo as pv
from tests._support import Pool

from ._cases import (
    CASES,
    ERROR_STATUSES,
    METHODS,
    RETRIED,
    STATUS_ERRORS,
    SUCCESS,
    UNPRINTABLE,
    Bad,
    call_of,
)
from ._servers import RawRequest, RawServer, http_response
from ._support import KEY, connection_json

BASE_URL = "https://api.test"
#: A response limit above the big cases' ten megabytes: here they test the parsers (the
#: limit itself is tested in tests/wire).
BIG_ENOUGH = 32 * 1024 * 1024
#: The longest a one-line error may reasonably be.
LONGEST_LINE = 1000


def _matrix() -> Iterator[object]:
    for bad in CASES:
        for status in ("2xx", *ERROR_STATUSES):
            if bad.big and status not in ("2xx", 500):
                continue
            yield pytest.param(bad, status, id=f"{bad.name}-{status}")


def _methods(bad: Bad) -> tuple[str, ...]:
    return ("get", "delete") if bad.big else METHODS


def check_one_line(error: pv.PictoryError) -> None:
    """``str(error)`` is one printable line of reasonable length."""
    text = str(error)
    assert not UNPRINTABLE.search(text), f"unprintable characters in {text!r}"
    assert "\n" not in text
    assert len(text) < LONGEST_LINE


def check_outcome(method: str, bad: Bad, status: int | str, outcome: object, requests: int) -> None:
    """What ``method`` must have made of ``bad`` sent with ``status`` (``"2xx"``: success)."""
    if status == "2xx" and method in bad.fine_for:
        assert not isinstance(outcome, BaseException), outcome
        assert requests == 1
        return
    assert isinstance(outcome, pv.PictoryError), f"{method} gave {outcome!r}"
    check_one_line(outcome)
    if status == "2xx":
        assert type(outcome) is pv.InvalidResponseError, f"{method}: {outcome!r}"
        assert re.search(bad.says, str(outcome)), f"{method}: {outcome}"
        assert outcome.response is not None
        assert outcome.response.status_code == SUCCESS[method]
        assert requests == 1
        return
    assert isinstance(status, int)
    assert isinstance(outcome, STATUS_ERRORS[status]), f"{method}: {outcome!r}"
    assert outcome.status_code == status
    expected_attempts = 2 if status in RETRIED else 1
    # A write a 5xx left unclear is settled by reading (retried alike) before it fails; the
    # reads meet the same answer, so its outcome stays unknown, and says so.
    settles = method in ("create", "update") and status >= 500
    reads = expected_attempts if settles else 0
    assert (outcome.attempts, requests) == (expected_attempts, expected_attempts + reads)
    assert outcome.outcome_unknown is settles
    if bad.error_says is not None:
        assert bad.error_says in outcome.message


async def _outcome(conns: pv.AsyncVimeoConnections, method: str) -> object:
    try:
        return await call_of(method)(conns)
    except pv.PictoryError as error:
        return error


class TestOverAMockTransport:
    """Every case, every status, every method, on httpx's pool (asyncio and trio)."""

    @pytest.mark.anyio
    @pytest.mark.parametrize(("bad", "status"), list(_matrix()))
    async def test_a_malformed_answer_is_a_typed_error(self, bad: Bad, status: int | str) -> None:
        """Each method raises the right PictoryError subclass, with a useful message."""
        method = ""
        requests: list[httpx.Request] = []

        def answer(request: httpx.Request) -> httpx.Response:
            requests.append(request)
            code = SUCCESS[method] if status == "2xx" else status
            assert isinstance(code, int)
            # A stream, not content=: the body goes out as is, never decoded here.
            return httpx.Response(
                code, headers=list(bad.headers), stream=httpx.ByteStream(bad.body)
            )

        async with pv.AsyncPictoryClient(
            KEY,
            BASE_URL,
            transport=httpx.MockTransport(answer),
            max_retries=1,
            max_response_bytes=BIG_ENOUGH,
        ) as client:
            for method in _methods(bad):
                requests.clear()
                outcome = await _outcome(client.vimeo_connections, method)
                check_outcome(method, bad, status, outcome, len(requests))


#: The cases sent over real loopback HTTP, and answers only a socket can give.
LOOPBACK_CASES = [
    bad
    for bad in CASES
    if bad.name
    in {
        "truncated-json",
        "html-page",
        "empty",
        "invalid-utf8",
        "nested-100000-deep",
        "gzip-that-is-not",
        "deflate-that-is-not",
        "utf16-without-bom",
        "control-characters-in-text",
        "page-key-a-lone-surrogate",
        "ten-megabytes-of-text",
    }
]
LOOPBACK_STATUSES = ("2xx", 400, 503)


def _loopback_matrix() -> Iterator[object]:
    for bad in LOOPBACK_CASES:
        for status in LOOPBACK_STATUSES:
            if bad.big and status == 400:
                continue
            yield pytest.param(bad, status, id=f"{bad.name}-{status}")


@pytest.mark.anyio
@pytest.mark.parametrize(("bad", "status"), list(_loopback_matrix()))
async def test_over_loopback_on_each_pool(
    raw_server: RawServer, sdk_transport: Pool, bad: Bad, status: int | str
) -> None:
    """The same outcomes over real sockets, on aiohttp's pool and httpx's."""
    method = ""

    def answer(request: RawRequest) -> bytes:
        code = SUCCESS[method] if status == "2xx" else status
        assert isinstance(code, int)
        return http_response(code, bad.body, list(bad.headers), content_type=None)

    raw_server.responder = answer
    async with pv.AsyncPictoryClient(
        KEY,
        raw_server.base_url,
        transport=sdk_transport,
        max_retries=1,
        timeout=20,
        max_response_bytes=BIG_ENOUGH,
    ) as client:
        for method in ("get", "delete") if bad.big else METHODS:
            before = len(raw_server.requests)
            outcome = await _outcome(client.vimeo_connections, method)
            check_outcome(method, bad, status, outcome, len(raw_server.requests) - before)


@pytest.mark.anyio
@pytest.mark.parametrize("status", [200, 400])
async def test_an_undecodable_body_leaves_the_response_as_received(
    raw_server: RawServer, sdk_transport: Pool, status: int
) -> None:
    """Content-Encoding: gzip on a body that is not: e.response has the status and headers
    as received and the raw bytes as its body; a 400 is not retried as a broken connection.
    """
    body = b'{"message": "plain, not gzip"}'
    headers = [(b"content-encoding", b"gzip"), (b"x-request-id", b"req-1")]
    raw_server.responder = lambda request: http_response(status, body, headers)
    async with pv.AsyncPictoryClient(
        KEY, raw_server.base_url, transport=sdk_transport, max_retries=3
    ) as client:
        with pytest.raises(pv.PictoryError) as caught:
            await client.vimeo_connections.get("x")
    error = caught.value
    assert type(error) is (pv.InvalidResponseError if status == 200 else pv.BadRequestError)
    assert "could not be decoded as its Content-Encoding (gzip) says" in str(error)
    assert len(raw_server.requests) == 1
    response = error.response
    assert response is not None
    assert response.status_code == status
    assert response.headers["content-encoding"] == "gzip"
    assert response.content == body


@pytest.mark.anyio
@pytest.mark.parametrize(
    "location", [b"http://[::1", b"https://[not-ipv6]/", b"https://example.com:port/"]
)
async def test_a_redirect_to_no_url_is_an_error_that_is_not_retried(
    raw_server: RawServer, sdk_transport: Pool, location: bytes
) -> None:
    """The SDK follows no redirect: one whose Location is no URL is the 302 it is, for every
    method, sent once (an answer came). Through a caller's ``http_client``, where httpx
    itself parses the Location, it is an APIConnectionError saying so.
    """
    raw_server.responder = lambda request: http_response(302, b"", [(b"location", location)])
    async with pv.AsyncPictoryClient(
        KEY, raw_server.base_url, transport=sdk_transport, max_retries=2
    ) as client:
        for method in METHODS:
            before = len(raw_server.requests)
            outcome = await _outcome(client.vimeo_connections, method)
            assert type(outcome) is pv.APIStatusError, f"{method}: {outcome!r}"
            assert outcome.status_code == 302
            assert len(raw_server.requests) - before == 1
    async with (
        httpx.AsyncClient() as http,
        pv.AsyncPictoryClient(KEY, raw_server.base_url, http_client=http, max_retries=2) as client,
    ):
        for method in METHODS:
            before = len(raw_server.requests)
            outcome = await _outcome(client.vimeo_connections, method)
            assert type(outcome) is pv.APIConnectionError, f"{method}: {outcome!r}"
            assert "redirect whose Location header is not a valid URL" in str(outcome)
            assert len(raw_server.requests) - before == 1


_CONNECTION_BYTES = json.dumps(connection_json()).encode()
#: Answers broken below the body: status lines, framing and header lines each HTTP parser
#: judges in its own way (so the class may differ by pool; it is always a PictoryError).
BROKEN_FRAMING: dict[str, bytes] = {
    "bad-status-line": b"HTTP/1.1 abc Weird\r\nContent-Length: 2\r\n\r\n{}",
    "no-status-line": b"{}",
    "status-1000": b"HTTP/1.1 1000 Big\r\nContent-Length: 2\r\n\r\n{}",
    "negative-length": b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n{}",
    "two-lengths": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n{}",
    "body-shorter-than-its-length": b"HTTP/1.1 200 OK\r\nContent-Length: 99999\r\n\r\n{}",
    "bad-chunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
    "a-200-kilobyte-header": b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n",
    "header-without-colon": b"HTTP/1.1 200 OK\r\nNoColonHere\r\nContent-Length: 2\r\n\r\n{}",
    "nul-in-a-header": b"HTTP/1.1 400 Bad\r\nX-Request-Id: a\x00b\r\nContent-Length: 2\r\n\r\n{}",
    "http2-preface": b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    "nothing-at-all": b"",
    "switching-protocols": b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
    "obsolete-line-folding": (
        b"HTTP/1.1 400 Bad\r\nX-Request-Id: a\r\n  folded\r\nContent-Length: 2\r\n\r\n{}"
    ),
    "bare-line-feeds": b"HTTP/1.1 400 Bad\nContent-Length: 2\n\n{}",
    "reason-not-utf8": b"HTTP/1.1 400 B\xc3\xa4d \xff\r\nContent-Length: 2\r\n\r\n{}",
}

#: Odd, but both parsers read the status: a 400 stays a 400.
_STATUS_INTACT = {
    BROKEN_FRAMING[name] for name in ("obsolete-line-folding", "bare-line-feeds", "reason-not-utf8")
}


@pytest.mark.anyio
@pytest.mark.parametrize("answer", list(BROKEN_FRAMING.values()), ids=list(BROKEN_FRAMING))
async def test_broken_framing_is_a_pictory_error_on_each_pool(
    raw_server: RawServer, sdk_transport: Pool, answer: bytes
) -> None:
    """Whatever the parser of the pool makes of it, the call raises a PictoryError with a
    one-line message; an answer whose status line arrived intact keeps its status.
    """
    raw_server.responder = lambda request: answer
    async with pv.AsyncPictoryClient(
        KEY, raw_server.base_url, transport=sdk_transport, max_retries=1, timeout=10
    ) as client:
        for method in METHODS:
            outcome = await _outcome(client.vimeo_connections, method)
            assert isinstance(outcome, pv.PictoryError), f"{method}: {outcome!r}"
            check_one_line(outcome)
            if answer in _STATUS_INTACT:
                assert isinstance(outcome, pv.BadRequestError), f"{method}: {outcome!r}"
