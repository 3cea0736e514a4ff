"""Over real loopback HTTP: the sync client works, and close() leaves no socket or thread."""

from __future__ import annotations

import gc
import os
import threading
import time
from typing import Literal

import pytest

import pictory_vimeo as pv
from pictory_vimeo import emulator
from tests.sync._support import KEY, PAGE_SIZE, create


@pytest.fixture
def page_size() -> int:
    """Pages of two (for ``served_in_thread``, the root conftest's), so three span two."""
    return PAGE_SIZE


#: How long a closed client's sockets and thread may take to go, on a loaded machine.
GRACE = 10.0


def open_fds() -> int:
    """How many file descriptors this process has open (sockets included)."""
    return len(os.listdir("/proc/self/fd"))


def settled(target: int) -> int:
    """The open-fd count once it reaches ``target``, or as it is after a grace period.

    The emulator runs in this process, so its side of a connection is an fd here too, and
    the server closes it only after it sees the client's close: on a loaded machine its
    thread may wait seconds for a turn. A leak never settles; a slow close soon does.
    """
    deadline = time.monotonic() + GRACE
    while (count := open_fds()) != target and time.monotonic() < deadline:
        time.sleep(0.01)
    return count


def threads_left(before: set[threading.Thread]) -> list[threading.Thread]:
    """The threads started since ``before`` still alive, once none is, or after the grace.

    Threads that were there before and end meanwhile (a worker gone idle) do not count.
    """
    deadline = time.monotonic() + GRACE
    while (left := [t for t in threading.enumerate() if t not in before]) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.01)
    return left


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_close_releases_every_socket_and_the_thread(
    served_in_thread: emulator.RunningEmulator, backend: Literal["asyncio", "trio"]
) -> None:
    """After real requests, close() gets back to the fds and threads there were before."""
    fds_before = open_fds()
    threads_before = set(threading.enumerate())
    client = pv.PictoryClient(KEY, served_in_thread.base_url, backend=backend)
    conns = client.vimeo_connections
    for name in ("One", "Two", "Three"):
        create(conns, name)
    assert [c.name for c in conns.list()] == ["One", "Two", "Three"]
    assert open_fds() > fds_before  # the loop and a kept-alive connection are open now
    client.close()
    gc.collect()  # an unclosed socket would warn here, and warnings are errors
    assert threads_left(threads_before) == []
    assert settled(fds_before) == fds_before
