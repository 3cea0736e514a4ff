"""Over real sockets, on each pool: responses so broken that the HTTP parser (h11's or
aiohttp's) refuses them, quoting the offending bytes in its error, still yield an error
with no form of any secret anywhere in it.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

import pictory_vimeo as pv
from tests._support import Pool

from ._leaks import assert_no_secret, secret_calls
from ._servers import RawRequest, RawServer, http_response
from ._support import AWKWARD_SECRETS, KEY


def _illegal_header_line(request: RawRequest) -> bytes:
    # The request body, key and all, as a header line without a colon: h11 and aiohttp
    # refuse it, quoting the line in their error.
    line = request.body + b" " + request.headers.get("authorization", "").encode()
    return http_response(400, b"{}", extra_head=line + b"\r\n")


def _illegal_header_line_quoting_everything(request: RawRequest) -> bytes:
    # The whole request (body, method, target and every header) folded into one line.
    head = "\n".join(f"{name}: {value}" for name, value in request.headers.items())
    everything = request.body.decode() + f" {request.method} {request.target} " + head
    return http_response(400, b"{}", extra_head=" ".join(everything.split()).encode() + b"\r\n")


def _echo_in_a_header(request: RawRequest) -> bytes:
    echo = request.body.replace(b"\n", b" ").replace(b"\r", b" ")
    auth = request.headers.get("authorization", "").encode()
    return http_response(
        400,
        json.dumps({"message": "bad"}).encode(),
        [(b"x-request-id", echo + b" " + auth), (b"location", b"/?k=" + auth)],
    )


def _echo_in_the_status_line(request: RawRequest) -> bytes:
    return b"HTTP/1.1 400 " + request.body + b"\r\nContent-Length: 0\r\n\r\n"


def _cut_short_after_quoting(request: RawRequest) -> bytes:
    body = json.dumps({"message": request.body.decode()}).encode()
    return http_response(500, body)[: -len(body) // 2]


RAW_ECHOES: dict[str, Callable[[RawRequest], bytes]] = {
    "illegal-header-line": _illegal_header_line,
    "illegal-header-line-quoting-everything": _illegal_header_line_quoting_everything,
    "echo-in-a-header": _echo_in_a_header,
    "echo-in-the-status-line": _echo_in_the_status_line,
    "cut-short-after-quoting": _cut_short_after_quoting,
}


@pytest.mark.anyio
@pytest.mark.parametrize("echo", list(RAW_ECHOES))
@pytest.mark.parametrize(
    ("secret", "token"), AWKWARD_SECRETS, ids=[f"secrets{i}" for i in range(len(AWKWARD_SECRETS))]
)
async def test_protocol_errors_quoting_secrets_are_scrubbed(
    raw_server: RawServer, sdk_transport: Pool, echo: str, secret: str, token: str
) -> None:
    """Over real sockets, a response so broken the HTTP parser refuses it (quoting the
    offending bytes in its error) still yields an error with no secret anywhere in it.
    """
    raw_server.responder = RAW_ECHOES[echo]
    async with pv.AsyncPictoryClient(
        KEY, raw_server.base_url, transport=sdk_transport, max_retries=1
    ) as client:
        for call in secret_calls(secret, token).values():
            with pytest.raises(pv.PictoryError) as caught:
                await call(client.vimeo_connections)
            assert_no_secret(caught.value, KEY, secret, token)
