"""What no pool does behind the SDK's back (``pictory_vimeo/_wire.py``), on every pool:
follow a redirect, keep or send a cookie, decompress past the SDK's own limits, or send
anything but the one set of headers the SDK chose."""

from __future__ import annotations

import gzip
import json

import pytest

import pictory_vimeo as pv

from ._server import KeepAliveServer, answer
from ._support import KEY, PATH, A, MakeClient, Store, connection

pytestmark = pytest.mark.anyio


async def test_a_redirect_is_the_answer_it_is(
    server: KeepAliveServer, make_client: MakeClient
) -> None:
    """A 302 to another path on the same server is not followed: one request, a 302 error."""
    server.responder = lambda exchange: answer(302, b"", [("Location", f"{PATH}/elsewhere")])
    conns = make_client(max_retries=2).vimeo_connections
    with pytest.raises(pv.APIStatusError) as caught:
        await conns.get(A)
    assert caught.value.status_code == 302
    assert [e.target for e in server.exchanges] == [f"{PATH}/{A}"]


async def test_no_cookie_is_kept_or_sent(
    server: KeepAliveServer, store: Store, make_client: MakeClient
) -> None:
    """A Set-Cookie in one answer never comes back in a later request."""
    server.responder = store.with_header(b"Set-Cookie: session=abc; Path=/")
    conns = make_client().vimeo_connections
    for _ in range(3):
        await conns.get(A)
    assert all("cookie" not in e.headers for e in server.exchanges)


async def test_the_sdk_decodes_what_it_asked_for_and_sends_its_own_headers(
    server: KeepAliveServer, make_client: MakeClient
) -> None:
    """Every request asks for gzip and deflate (which the SDK decodes itself), carries the
    key once and its own User-Agent, on every pool."""
    body = gzip.compress(json.dumps(connection(A)).encode())
    server.responder = lambda exchange: answer(200, body, [("Content-Encoding", "gzip")])
    got = await make_client().vimeo_connections.get(A)
    assert got.connection_id == A
    (sent,) = server.exchanges
    assert sent.headers["accept-encoding"] == ["gzip, deflate"]
    assert sent.headers["authorization"] == [KEY]
    assert sent.headers["user-agent"][0].startswith("pictory-vimeo-python/")
    assert sent.headers["accept"] == ["application/json"]
