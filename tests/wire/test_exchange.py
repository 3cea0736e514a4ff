"""Every send is an attempt the SDK sees, and every answer belongs to its request: on every pool.

Over a raw keep-alive server on loopback, so the tests can act on a reused connection: close
it after applying a write without answering (no pool may re-send behind the SDK's back),
send one answer twice, or answer about another connection or version.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

import pictory_vimeo as pv

from ._server import Close, Exchange, KeepAliveServer, Reply, Reset
from ._support import PATH, A, B, MakeClient, Store, asked_for, connection, ok

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("drop", [Close(), Reset()], ids=["closed", "reset"])
async def test_a_put_applied_then_closed_unanswered_is_seen_twice_and_reconciled(
    server: KeepAliveServer, store: Store, make_client: MakeClient, drop: Close | Reset
) -> None:
    """The server applies the PUT on a reused connection and closes (or resets) it without
    answering: the SDK makes (and counts) both sends, takes the first as unclear, reconciles
    the retry's 409, and returns the update that landed, not a ConflictError. No pool
    re-sent it on its own."""
    puts = 0

    def respond(exchange: Exchange) -> Reply:
        nonlocal puts
        reply = store(exchange)
        if exchange.method == "PUT":
            puts += 1
            if puts == 1:
                return drop  # applied, never answered
        return reply

    server.responder = respond
    client = make_client(max_retries=2)
    conns = client.vimeo_connections
    await conns.get(A)  # opens the connection the PUT will reuse
    raw = await conns.with_raw_response.update(A, version=1, description="mine")
    updated = raw.parse()
    assert (updated.version, updated.description) == (2, "mine")
    assert raw.retries_taken == 1  # two attempts, both seen
    sends = [(e.method, e.connection) for e in server.exchanges]
    assert sends[:2] == [("GET", 1), ("PUT", 1)]
    assert [m for m, _ in sends].count("PUT") == 2
    assert sends[-1][0] == "GET"  # the read that confirmed the landed update
    assert store.records[A]["version"] == 2


async def test_a_get_on_a_reused_connection_closed_unanswered_is_an_attempt(
    server: KeepAliveServer, store: Store, make_client: MakeClient
) -> None:
    """A GET the server drops on a reused connection is retried by the SDK, as attempt 2."""
    gets = 0

    def respond(exchange: Exchange) -> Reply:
        nonlocal gets
        gets += 1
        return Close() if gets == 2 else store(exchange)

    server.responder = respond
    conns = make_client(max_retries=0).vimeo_connections
    await conns.get(A)
    with pytest.raises(pv.APIConnectionError) as caught:
        await conns.get(A)
    assert "the server closed the connection before answering" in str(caught.value)
    assert len(server.exchanges) == 2  # one send each: nothing re-sent behind the SDK


async def test_an_answer_sent_twice_never_answers_the_next_request(
    server: KeepAliveServer, store: Store, make_client: MakeClient
) -> None:
    """The server sends its answer about A twice: get(B) gets B, or an InvalidResponseError;
    never the spare answer about A."""

    def respond(exchange: Exchange) -> Reply:
        reply = store(exchange)
        assert isinstance(reply, bytes)
        return reply * 2 if asked_for(exchange) == A else reply

    server.responder = respond
    conns = make_client(max_retries=0).vimeo_connections
    first = await conns.get(A)
    assert first.connection_id == A
    for _ in range(3):
        outcome: object
        try:
            outcome = (await conns.get(B)).connection_id
        except pv.InvalidResponseError as error:
            outcome = str(error)
        assert outcome == B or "does not belong to this request" in str(outcome)


@pytest.mark.parametrize("method", ["get", "update", "delete"])
async def test_an_answer_about_another_connection_is_refused_and_its_connection_closed(
    server: KeepAliveServer, make_client: MakeClient, method: str
) -> None:
    """get, update and delete answered about connection B when A was asked for: an
    InvalidResponseError, and the next request goes over a new connection."""

    def respond(exchange: Exchange) -> Reply:
        if asked_for(exchange) == A:
            return ok(connection(B, version=2))
        return ok(connection(asked_for(exchange)))

    server.responder = respond
    conns = make_client(max_retries=0).vimeo_connections
    calls: dict[str, Callable[[], Awaitable[object]]] = {
        "get": lambda: conns.get(A),
        "update": lambda: conns.update(A, version=1, description="d"),
        "delete": lambda: conns.delete(A),
    }
    with pytest.raises(pv.InvalidResponseError) as caught:
        await calls[method]()
    assert "another connection than the one asked for" in str(caught.value)
    assert caught.value.response is not None
    await conns.get(B)
    assert server.exchanges[-1].connection == 2


async def test_an_update_answered_at_another_version_is_refused(
    server: KeepAliveServer, make_client: MakeClient
) -> None:
    """An update's answer must carry the version it made (sent + 1); version 1 is refused."""
    server.responder = lambda exchange: ok(connection(A, version=1, description="d"))
    conns = make_client(max_retries=0).vimeo_connections
    with pytest.raises(pv.InvalidResponseError) as caught:
        await conns.update(A, version=1, description="d")
    assert "with version 1, not the 2 this update makes" in str(caught.value)
    await conns.get(A)
    assert server.exchanges[-1].connection == 2


async def test_a_delete_answered_204_or_about_itself_is_fine(
    server: KeepAliveServer, make_client: MakeClient
) -> None:
    """A delete's answer with no body, or naming the connection deleted, is a deletion."""
    server.responder = lambda exchange: ok({"connectionId": A, "deleted": True})
    conns = make_client(max_retries=0).vimeo_connections
    await conns.delete(A)
    assert server.exchanges[-1].target == f"{PATH}/{A}"
