"""A client and the event loops it meets: one after another just works; two at once (two
threads) is refused with advice; aiohttp's pool, forced, is refused under trio.

These tests run their own loops (``asyncio.run``, ``trio.run``) around one client made
outside any loop, as a module-level client is; the server is the emulator behind the
recording relay on 127.0.0.2 (loopback: reached directly), which tells connections apart.
"""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import Awaitable, Callable
from typing import Any, Literal

import anyio
import pytest
import trio

import pictory_vimeo as pv
from tests.environment._relay import Relay

KEY = "pictai_loops"
Backend = Literal["asyncio", "trio"]
#: The pool each loop runs: (loop, transport=).
LOOPS_AND_POOLS = [
    pytest.param(("asyncio", "aiohttp"), id="asyncio-aiohttp"),
    pytest.param(("asyncio", "httpx"), id="asyncio-httpx"),
    pytest.param(("trio", "httpcore2"), id="trio"),
]


def _run(backend: Backend, func: Callable[[], Awaitable[Any]]) -> Any:
    """``func()`` in a new event loop of ``backend``, as ``asyncio.run``/``trio.run`` do."""
    if backend == "asyncio":

        async def main() -> Any:
            return await func()

        return asyncio.run(main())
    return trio.run(func)


def _count(client: pv.AsyncPictoryClient) -> Callable[[], Awaitable[int]]:
    async def count() -> int:
        page = await client.vimeo_connections.list_page()
        return len(page.items)

    return count


@pytest.mark.parametrize("loop_and_pool", LOOPS_AND_POOLS)
def test_a_client_serves_one_event_loop_after_another(
    relay: Relay, loop_and_pool: tuple[Backend, Literal["aiohttp", "httpx", "httpcore2"]]
) -> None:
    """A client made outside any loop, used in three runs in turn: each works, and the pool
    of each run is closed when its loop ends (no socket left open, no warning from a
    finaliser reaching for a closed loop: warnings are errors here)."""
    backend, transport = loop_and_pool
    client = pv.AsyncPictoryClient(KEY, relay.url, transport=transport)
    ports = []
    for _ in range(3):
        assert _run(backend, _count(client)) == 0
        gc.collect()
        assert relay.wait_until_closed()
        ports.append(relay.requests()[-1].peer_port)
    assert len(set(ports)) == 3  # a fresh pool in each loop
    _run(backend, client.aclose)


def test_auto_follows_the_loop_it_is_used_in(relay: Relay) -> None:
    """``transport="auto"`` picks again in each new loop: aiohttp's pool under asyncio,
    httpcore2's under trio, and back."""
    client = pv.AsyncPictoryClient(KEY, relay.url)
    turns: list[tuple[Backend, str, int]] = [
        ("asyncio", "aiohttp", 512),
        ("trio", "httpcore2", 128),
        ("asyncio", "aiohttp", 512),
    ]
    for backend, pool, size in turns:
        assert _run(backend, _count(client)) == 0
        assert (client.transport, client.max_concurrency) == (pool, size)
    assert relay.wait_until_closed()


@pytest.mark.parametrize("loop_and_pool", LOOPS_AND_POOLS)
def test_a_client_made_inside_a_loop_works_in_the_next(
    relay: Relay, loop_and_pool: tuple[Backend, Literal["aiohttp", "httpx", "httpcore2"]]
) -> None:
    """Made (and its pool opened) inside one run, used again in the next."""
    backend, transport = loop_and_pool
    made: list[pv.AsyncPictoryClient] = []

    async def make_and_use() -> int:
        made.append(pv.AsyncPictoryClient(KEY, relay.url, transport=transport))
        return await _count(made[0])()

    assert _run(backend, make_and_use) == 0
    assert _run(backend, _count(made[0])) == 0
    _run(backend, made[0].aclose)
    assert relay.wait_until_closed()


@pytest.mark.parametrize("loop_and_pool", LOOPS_AND_POOLS)
def test_two_live_loops_at_once_are_refused(
    relay: Relay, loop_and_pool: tuple[Backend, Literal["aiohttp", "httpx", "httpcore2"]]
) -> None:
    """While the loop whose pool the client holds still runs in another thread, a call
    from a second loop raises a ``ValidationError`` saying what to do, and sends nothing;
    once that loop has ended, the second loop's call works."""
    backend, transport = loop_and_pool
    client = pv.AsyncPictoryClient(KEY, relay.url, transport=transport)
    used, release = threading.Event(), threading.Event()
    results: list[object] = []

    async def hold() -> None:
        results.append(await _count(client)())
        used.set()
        await anyio.to_thread.run_sync(release.wait)

    other = threading.Thread(target=_run, args=(backend, hold))
    other.start()
    try:
        assert used.wait(30)
        with pytest.raises(pv.ValidationError) as caught:
            _run(backend, _count(client))
        assert "one client per event loop" in str(caught.value)
        assert len(relay.requests()) == 1
    finally:
        release.set()
        other.join(30)
    assert results == [0]
    assert _run(backend, _count(client)) == 0
    _run(backend, client.aclose)


def test_aiohttp_forced_then_used_under_trio_is_refused(relay: Relay) -> None:
    """``transport="aiohttp"`` made outside a loop, then used under trio: a
    ``ValidationError`` naming ``transport`` and what to use instead; nothing sent. The
    same client still works under asyncio."""
    client = pv.AsyncPictoryClient(KEY, relay.url, transport="aiohttp")
    with pytest.raises(pv.ValidationError) as caught:
        trio.run(_count(client))
    (problem,) = caught.value.errors
    assert problem.field == "transport"
    assert "transport='auto' or 'httpx'" in problem.message
    assert relay.requests() == []
    assert _run("asyncio", _count(client)) == 0
    _run("asyncio", client.aclose)


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
def test_a_pool_left_by_a_stopped_loop_is_closed_when_that_loop_ends(
    relay: Relay, transport: Literal["aiohttp", "httpx", "httpcore2"]
) -> None:
    """A loop that merely stopped (``run_until_complete``) does not hold the client: a loop
    in another thread opens its own pool; the first loop's pool is closed when that loop
    is shut down properly, and every connection ends closed."""
    client = pv.AsyncPictoryClient(KEY, relay.url, transport=transport)
    first = asyncio.new_event_loop()
    try:
        assert first.run_until_complete(_count(client)()) == 0
        results: list[int] = []
        other = threading.Thread(target=lambda: results.append(_run("asyncio", _count(client))))
        other.start()
        other.join(30)
        assert results == [0]
        first.run_until_complete(first.shutdown_asyncgens())
    finally:
        first.close()
    gc.collect()
    assert relay.wait_until_closed()
    assert len({seen.peer_port for seen in relay.requests()}) == 2
    assert _run("asyncio", _count(client)) == 0
    _run("asyncio", client.aclose)
