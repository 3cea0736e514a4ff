"""What a user meets over real loopback HTTP, on every pool: calls that retry through the
emulator's scripted failures, and derived clients that share their parent's pool.
"""

from __future__ import annotations

import pytest

import pictory_vimeo as pv
from pictory_vimeo import emulator
from tests._support import MakeClient

pytestmark = [pytest.mark.anyio, pytest.mark.integration]


async def new_connection(conns: pv.AsyncVimeoConnections) -> pv.VimeoConnection:
    """A connection to read back."""
    return await conns.create(
        name="Main", client_identifier="cid", client_secret="s", access_token="t"
    )


async def test_a_read_retries_through_a_503_and_a_dropped_answer(
    served: emulator.RunningEmulator,
    make_client: MakeClient,
    retry_waits: list[float],
    drop_kind: emulator.DropKind,
) -> None:
    """A 503 and a lost answer (closed, cut or reset) are retried by the SDK, each one an
    attempt it sees; the third attempt's answer is the result, after two backoff waits
    within their ranges.
    """
    conns = make_client().vimeo_connections
    made = await new_connection(conns)
    served.emulator.fail_next(503, method="GET")
    served.emulator.fail_next(method="GET", drop_after_commit=True, drop=drop_kind)
    got = await conns.get(made.connection_id)
    assert (got.connection_id, got.name, got.version) == (made.connection_id, "Main", 1)
    gets = [(r.status, r.dropped) for r in served.emulator.requests if r.method == "GET"]
    assert gets == [(503, False), (200, True), (200, False)]
    assert len(retry_waits) == 2
    assert 0.0 <= retry_waits[0] <= 0.5
    assert 0.0 <= retry_waits[1] <= 1.0


async def test_the_servers_retry_after_is_the_wait(
    served: emulator.RunningEmulator, make_client: MakeClient, retry_waits: list[float]
) -> None:
    """A 429 with ``Retry-After: 2`` over HTTP: the SDK asks for exactly 2 s, then succeeds."""
    conns = make_client().vimeo_connections
    made = await new_connection(conns)
    served.emulator.fail_next(429, method="GET", retry_after=2)
    assert (await conns.get(made.connection_id)).connection_id == made.connection_id
    assert retry_waits == [2.0]


async def test_with_options_shares_the_connection_pool(make_client: MakeClient) -> None:
    """A derived client sends over its parent's pool; closing it leaves that pool open."""
    parent = make_client()
    made = await new_connection(parent.vimeo_connections)
    derived = parent.with_options(max_retries=0, timeout=5)
    await derived.aclose()
    cid = made.connection_id
    assert (await parent.vimeo_connections.get(cid)).connection_id == cid
    assert (await derived.vimeo_connections.get(cid)).connection_id == cid
    await parent.aclose()
    # The pool is one and the same: closed by its owner, it is closed for the derived client.
    with pytest.raises(pv.ClientClosedError, match="the client is closed"):
        await derived.vimeo_connections.get(cid)
