"""A client in a child made by ``os.fork()`` (gunicorn ``--preload``, Celery prefork,
multiprocessing): it opens its own pool (and, for ``PictoryClient``, its own loop thread)
on first use and never touches the parent's connections; the parent is unaffected.

Real forks against the emulator behind the recording relay (on loopback), which records
each request's connection: no connection may carry both a parent's and a child's request.
The child reports through a pipe and ends with ``os._exit``; an alarm ends a child that
hangs, and the parent gives up waiting after a deadline, so a hang fails the test.
"""

from __future__ import annotations

import os
import select
import signal
import warnings
from collections.abc import Callable
from typing import Literal

import anyio
import pytest
from anyio.from_thread import start_blocking_portal

import pictory_vimeo as pv
from tests.environment._relay import Relay

KEY = "pictai_fork"
#: Seconds a child may take before the alarm ends it, and the parent's wait beyond that.
CHILD_DEADLINE = 30
Backend = Literal["asyncio", "trio"]
LOOPS_AND_POOLS = [
    pytest.param(("asyncio", "aiohttp"), id="asyncio-aiohttp"),
    pytest.param(("asyncio", "httpx"), id="asyncio-httpx"),
    pytest.param(("trio", "httpcore2"), id="trio"),
]


def in_child(work: Callable[[], str]) -> str:
    """What ``work()`` returns when run in a forked child (or how it failed there)."""
    read, write = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12+ warns about forking a process with threads: that is the case tested.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        status = 1
        try:
            os.close(read)
            signal.alarm(CHILD_DEADLINE)
            os.write(write, work().encode())
            status = 0
        except BaseException as exc:  # reported to the parent, whatever it is
            os.write(write, f"child failed: {exc!r}".encode())
        finally:
            os._exit(status)
    os.close(write)
    try:
        ready, _, _ = select.select([read], [], [], CHILD_DEADLINE + 15)
        if not ready:
            os.kill(pid, signal.SIGKILL)
            pytest.fail("the child hung")
        chunks = []
        while chunk := os.read(read, 65536):
            chunks.append(chunk)
        return b"".join(chunks).decode()
    finally:
        os.close(read)
        os.waitpid(pid, 0)


def _by_process(relay: Relay) -> dict[str, set[int]]:
    """The connections (client ports) that carried each process's requests."""
    ports: dict[str, set[int]] = {}
    for seen in relay.requests():
        ports.setdefault(seen.headers.get("x-process", "?"), set()).add(seen.peer_port)
    return ports


@pytest.mark.parametrize("loop_and_pool", LOOPS_AND_POOLS)
def test_an_async_client_in_a_forked_child_opens_its_own_pool(
    relay: Relay, loop_and_pool: tuple[Backend, Literal["aiohttp", "httpx", "httpcore2"]]
) -> None:
    """The parent's loop runs on in a thread with the pool open when the process forks;
    the child's call, in a loop of its own, opens its own connection, and the parent's
    next call works over its own."""
    backend, transport = loop_and_pool
    client = pv.AsyncPictoryClient(KEY, relay.url, transport=transport, timeout=10)
    conns = client.vimeo_connections

    async def count(process: str) -> int:
        page = await conns.list_page(extra_headers={"x-process": process})
        return len(page.items)

    with start_blocking_portal(backend) as portal:
        assert portal.call(count, "parent") == 0

        def child() -> str:
            return str(anyio.run(count, "child", backend=backend))

        assert in_child(child) == "0"
        assert portal.call(count, "parent") == 0
        portal.call(client.aclose)
    ports = _by_process(relay)
    assert set(ports) == {"parent", "child"}
    assert not ports["parent"] & ports["child"]


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_a_sync_client_in_a_forked_child_starts_its_own_loop(
    relay: Relay, backend: Backend
) -> None:
    """A ``PictoryClient`` (and one made from it by ``with_options``) works in the child:
    a new loop thread and pool there, the parent's left alone; the parent's client keeps
    working, and closing the child's copy does not close the parent's."""
    client = pv.PictoryClient(KEY, relay.url, backend=backend, timeout=10)
    derived = client.with_options(max_retries=0)

    def count(on: pv.PictoryClient, process: str) -> int:
        page = on.vimeo_connections.list_page(extra_headers={"x-process": process})
        return len(page.items)

    try:
        assert count(client, "parent") == 0

        def child() -> str:
            results = (count(client, "child"), count(derived, "child"))
            client.close()
            return repr(results)

        assert in_child(child) == "(0, 0)"
        assert (count(client, "parent"), count(derived, "parent")) == (0, 0)
    finally:
        client.close()
    ports = _by_process(relay)
    assert set(ports) == {"parent", "child"}
    assert not ports["parent"] & ports["child"]


def test_a_sync_client_never_used_in_the_child_closes_there_at_once(relay: Relay) -> None:
    """Closing, in the child, a client whose loop thread stayed in the parent does not wait
    for that thread (it is not there); the parent's client is untouched."""
    client = pv.PictoryClient(KEY, relay.url, timeout=10)
    try:
        assert len(client.vimeo_connections.list_page().items) == 0

        def child() -> str:
            client.close()
            return "closed"

        assert in_child(child) == "closed"
        assert len(client.vimeo_connections.list_page().items) == 0
    finally:
        client.close()
