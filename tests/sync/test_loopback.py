"""Over real loopback HTTP: the sync client works, and close() leaves no socket or thread."""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Iterator
from typing import Literal

import pytest
from anyio.from_thread import start_blocking_portal

import pictory_vimeo as pv
from pictory_vimeo import emulator
from tests.sync.conftest import KEY, create


@pytest.fixture
def served() -> Iterator[emulator.RunningEmulator]:
    """The emulator on a free loopback port, its server run from a portal of its own."""
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(emulator.running(page_size=2, seed=1)) as running,
    ):
        yield running


def open_fds() -> int:
    """How many file descriptors this process has open (sockets included)."""
    return len(os.listdir("/proc/self/fd"))


def settled(target: int) -> int:
    """The open-fd count once it reaches ``target``, or as it is after a short grace period.

    The emulator runs in this process, so its side of a connection is an fd here too, and
    the server closes it only after it sees the client's close.
    """
    deadline = time.monotonic() + 3
    while (count := open_fds()) != target and time.monotonic() < deadline:
        time.sleep(0.01)
    return count


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_close_releases_every_socket_and_the_thread(
    served: emulator.RunningEmulator, backend: Literal["asyncio", "trio"]
) -> None:
    """After real requests, close() gets back to the fds and threads there were before."""
    fds_before = open_fds()
    threads_before = threading.active_count()
    client = pv.PictoryClient(KEY, served.base_url, backend=backend)
    conns = client.vimeo_connections
    for name in ("One", "Two", "Three"):
        create(conns, name)
    assert [c.name for c in conns.list()] == ["One", "Two", "Three"]
    assert open_fds() > fds_before  # the loop and a kept-alive connection are open now
    client.close()
    gc.collect()  # an unclosed socket would warn here, and warnings are errors
    assert threading.active_count() == threads_before
    assert settled(fds_before) == fds_before
