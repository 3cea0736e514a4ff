"""The leak checks themselves: they see what they are meant to see."""

from __future__ import annotations

import asyncio
import collections
import gc
import socket

from tests.faults.leaks import LeakWatch, client_sockets, needs_proc


def test_an_unclosed_socket_is_a_warning_the_watch_records() -> None:
    """A socket collected unclosed: its ResourceWarning is recorded, whatever the filters."""
    with LeakWatch() as watch:
        forgotten = socket.socket()
        del forgotten
    assert len(watch.problems) == 1
    assert watch.problems[0].startswith("ResourceWarning: unclosed <socket.socket")


def test_a_pending_task_destroyed_is_an_error_the_watch_records() -> None:
    """asyncio's "Task was destroyed but it is pending!" is logged, and recorded."""

    async def strand() -> None:
        never: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        async def wait() -> None:
            await never

        asyncio.get_running_loop().create_task(wait())
        await asyncio.sleep(0)

    loop = asyncio.new_event_loop()
    try:
        with LeakWatch() as watch:
            loop.run_until_complete(strand())
            gc.collect()
    finally:
        loop.close()
    assert any("Task was destroyed but it is pending" in p for p in watch.logged)


@needs_proc
def test_client_sockets_counts_this_process_s_connections_to_a_port() -> None:
    """Only the client side is counted, by state, and only while this process holds it."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        assert client_sockets(port) == collections.Counter()
        with socket.create_connection(("127.0.0.1", port)) as near:
            far, _ = server.accept()
            with far:
                assert client_sockets(port) == collections.Counter({"ESTABLISHED": 1})
            assert near.recv(1) == b""  # the far end closed: this one waits to be closed
            assert client_sockets(port) == collections.Counter({"CLOSE_WAIT": 1})
        assert client_sockets(port) == collections.Counter()
