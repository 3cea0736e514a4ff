"""A connection ID always travels as exactly one escaped path segment under the collection."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pictory_vimeo as pv

PREFIX = b"/pictoryapis/v1/vimeo-connections/"
CONNECTION = {
    "connectionId": "20251222155613307xv0nodhitf9cd0f",
    "name": "n",
    "clientIdentifier": "c",
    "enabled": True,
    "version": 2,
}
Call = Callable[[pv.AsyncVimeoConnections, Any], Awaitable[object]]
#: Any code point (lone surrogates included), biased towards the characters URLs care about.
ID_CHARS = st.one_of(
    st.characters(exclude_categories=()),
    st.sampled_from([*"/?#%.;+&=\\ ", "\ud800", "\u00e9", "\u540d"]),
)


async def call_get(conns: pv.AsyncVimeoConnections, connection_id: Any) -> object:
    """get the connection."""
    return await conns.get(connection_id)


async def call_update(conns: pv.AsyncVimeoConnections, connection_id: Any) -> object:
    """Update the connection's description."""
    return await conns.update(connection_id, version=1, description="d")


async def call_delete(conns: pv.AsyncVimeoConnections, connection_id: Any) -> object:
    """Delete the connection."""
    await conns.delete(connection_id)
    return None


CALLS = [
    pytest.param(call_get, id="get"),
    pytest.param(call_update, id="update"),
    pytest.param(call_delete, id="delete"),
]


@pytest.fixture
def any_route(router: respx.MockRouter) -> respx.Route:
    """A route answering every request with the connection asked for, recording the raw path."""

    def answer(request: httpx.Request) -> httpx.Response:
        asked = unquote(request.url.raw_path.decode("ascii").rsplit("/", 1)[-1])
        return httpx.Response(200, json={**CONNECTION, "connectionId": asked})

    return router.route().mock(side_effect=answer)


def assert_one_segment(route: respx.Route, connection_id: str) -> None:
    """The last request's raw path is the prefix plus one segment unquoting to the ID."""
    request = route.calls.last.request
    raw = request.url.raw_path
    assert raw.startswith(PREFIX)
    segment = raw[len(PREFIX) :]
    assert b"/" not in segment
    assert b"?" not in segment
    assert b"#" not in segment
    assert request.url.query == b""
    assert request.url.fragment == ""
    assert unquote(segment.decode("ascii"), errors="strict") == connection_id


@pytest.mark.anyio
@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize(
    ("connection_id", "expected"),
    [
        ("20251222155613307xv0nodhitf9cd0f", b"20251222155613307xv0nodhitf9cd0f"),
        ("../other", b"..%2Fother"),
        ("a/b?x=1", b"a%2Fb%3Fx%3D1"),
        ("x#y", b"x%23y"),
        ("%2F", b"%252F"),
        ("with space", b"with%20space"),
        ("ünï/名", b"%C3%BCn%C3%AF%2F%E5%90%8D"),
        ("...", b"..."),
        ("a;b,c+d&e", b"a%3Bb%2Cc%2Bd%26e"),
        ("\\..\\x", b"%5C..%5Cx"),
    ],
)
async def test_ids_are_one_escaped_segment(
    conns: pv.AsyncVimeoConnections,
    any_route: respx.Route,
    call: Call,
    connection_id: str,
    expected: bytes,
) -> None:
    """Slashes, query and fragment marks, percents and unicode cannot leave the segment."""
    await call(conns, connection_id)
    assert any_route.calls.last.request.url.raw_path == PREFIX + expected
    assert_one_segment(any_route, connection_id)


@pytest.mark.anyio
@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("connection_id", ["", ".", "..", None, 5, b"abc", ["x"]])
async def test_unaddressable_ids_are_refused(
    conns: pv.AsyncVimeoConnections, any_route: respx.Route, call: Call, connection_id: Any
) -> None:
    """'', '.', '..' and non-strings would address something else: refused, nothing sent."""
    with pytest.raises(pv.ValidationError) as caught:
        await call(conns, connection_id)
    assert [e.field for e in caught.value.errors] == ["connection_id"]
    assert not any_route.called


@pytest.mark.anyio
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(connection_id=st.lists(ID_CHARS, max_size=30).map("".join))
async def test_any_text_id_is_refused_or_one_segment(
    conns: pv.AsyncVimeoConnections, any_route: respx.Route, connection_id: str
) -> None:
    """For any text, get either refuses it unsent or sends exactly one segment that round-trips."""
    before = any_route.call_count
    try:
        await conns.get(connection_id)
    except pv.ValidationError:
        assert any_route.call_count == before
        assert connection_id in ("", ".", "..") or not _utf8(connection_id)
    else:
        assert any_route.call_count == before + 1
        assert_one_segment(any_route, connection_id)


@pytest.mark.anyio
@pytest.mark.parametrize("connection_id", ["\ud800", "a\udfffb"])
async def test_lone_surrogates_are_refused(
    conns: pv.AsyncVimeoConnections, any_route: respx.Route, connection_id: str
) -> None:
    """A string that cannot be UTF-8 encoded cannot be a URL segment: a ValidationError."""
    with pytest.raises(pv.ValidationError, match="connection_id"):
        await conns.get(connection_id)
    assert not any_route.called


def _utf8(text: str) -> bool:
    """Whether ``text`` encodes to UTF-8 (no lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
