"""``Outgoing`` and ``Answer``: one request as every pool is given it, and its response as
the SDK reads it — status, headers, body, time — from any pool.

What the call, the parsers and the errors read, with the two readings they share: the
body as JSON (``decode_json``) and the server's request ID (``request_id_of``). The
documented ``httpx`` objects (``APIStatusError.response``, ``RawResponse.headers``) are
built from it only when asked for: building them is most of what a pool adapter used to
cost per call.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Final, NamedTuple
from urllib.parse import quote, urlencode

import httpx

__all__ = [
    "Answer",
    "NestedTooDeeplyError",
    "Outgoing",
    "decode_json",
    "request_id_of",
    "target_of",
]

_REQUEST_ID_HEADERS: Final = ("x-request-id", "x-amzn-requestid", "x-amz-request-id")
_NO_DISCARD: Final[Callable[[], None]] = lambda: None  # noqa: E731 - a shared no-op


class Outgoing(NamedTuple):
    """One request as a pool is given it: made per attempt, so the cheapest record there is.

    ``target`` is the path and query, already escaped, that follows the base URL;
    ``limit`` the largest body taken (the client's ``max_response_bytes``); ``deadline``
    (``anyio.current_time()``'s clock) bounds the whole exchange.
    """

    method: str
    target: str
    headers: Mapping[str, str]
    content: bytes | None
    limit: int
    deadline: float

    def __repr__(self) -> str:
        # The body may carry a client secret and an access token: only its size shows.
        body = "None" if self.content is None else f"<{len(self.content)} bytes>"
        return (
            f"Outgoing(method={self.method!r}, target={self.target!r}, "
            f"headers={self.headers!r}, content={body}, limit={self.limit!r}, "
            f"deadline={self.deadline!r})"
        )


def target_of(path: str, params: Mapping[str, str] | None) -> str:
    """``path`` (already escaped) with ``params``, every character of them escaped, as its query."""
    if not params:
        return path
    return path + "?" + urlencode(params, quote_via=quote, safe="")


class Answer:
    """One response, read whole: ``status``, raw ``headers``, decoded ``body``, ``elapsed``.

    ``undecodable`` names the ``Content-Encoding`` the body claimed when it did not decode
    as that says (``body`` is then as received). ``sent`` is the request it answers, for
    the ``httpx.Request`` the response documents.
    """

    __slots__ = (
        "_discard",
        "_response",
        "body",
        "elapsed",
        "raw_headers",
        "sent",
        "status",
        "undecodable",
        "url",
    )

    def __init__(
        self,
        status: int,
        raw_headers: Sequence[tuple[bytes, bytes]],
        body: bytes,
        sent: Outgoing,
        url: str,
        *,
        elapsed: float,
        undecodable: str | None = None,
        discard: Callable[[], None] = _NO_DISCARD,
    ) -> None:
        self.status = status
        self.raw_headers = raw_headers
        self.body = body
        self.sent = sent
        self.url = url
        self.elapsed = elapsed
        self.undecodable = undecodable
        self._discard = discard
        self._response: httpx.Response | None = None

    @property
    def method(self) -> str:
        """The method of the request this answers."""
        return self.sent.method

    @property
    def is_success(self) -> bool:
        """Whether the status is 2xx."""
        return 200 <= self.status < 300

    def header(self, name: bytes) -> str | None:
        """The first value of the header ``name`` (lower-case), or ``None``."""
        for key, value in self.raw_headers:
            if key.lower() == name:
                return value.decode("latin-1")
        return None

    def discard(self) -> None:
        """Close the connection this answer came over: it is not to be trusted again."""
        discard, self._discard = self._discard, _NO_DISCARD
        discard()

    @property
    def response(self) -> httpx.Response:
        """The answer as an ``httpx.Response`` (with its request), built on first use."""
        if self._response is None:
            self._response = self._build()
        return self._response

    @property
    def headers(self) -> httpx.Headers:
        """The headers, as received."""
        return self.response.headers

    def _build(self) -> httpx.Response:
        # Built without Content-Encoding, so httpx does not decode the body a second time;
        # the headers are then set back to what was received.
        plain = [(k, v) for k, v in self.raw_headers if k.lower() != b"content-encoding"]
        response = httpx.Response(
            self.status,
            headers=plain,
            content=self.body,
            request=httpx.Request(
                self.method, self.url, headers=self.sent.headers, content=self.sent.content
            ),
        )
        if len(plain) != len(self.raw_headers):
            response.headers = httpx.Headers(list(self.raw_headers))
        response.elapsed = timedelta(seconds=self.elapsed)
        return response

    def __repr__(self) -> str:
        if not hasattr(self, "url"):  # half-built
            return "<Answer (not built)>"
        return f"<Answer [{self.status}] {self.method} {self.url}>"


class NestedTooDeeplyError(ValueError):
    """JSON nested deeper than the parser goes (``[`` a hundred thousand times)."""


def decode_json(content: bytes) -> object:
    """Parsed JSON, or raises ``ValueError`` for anything that is not (absurd nesting too)."""
    try:
        return json.loads(content)
    except RecursionError:
        raise NestedTooDeeplyError("JSON nested too deeply") from None


def request_id_of(headers: httpx.Headers) -> str | None:
    """The server's ID for the request, from the first request-ID header it sent."""
    for name in _REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return str(value)
    return None
