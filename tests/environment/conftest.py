"""Fixtures of the environment suite: proxies, event loops, processes.

The emulator here is served from a thread of its own (not the test's event loop), so
clients can reach it from several loops in turn, from other threads, and from forked
children; the relay stands on a second loopback address (127.0.0.2).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from pictory_vimeo import emulator
from tests.environment._relay import Relay, relaying

#: Proxy settings a developer (or CI) may have exported, in every case urllib reads.
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture(autouse=True)
def _no_proxy_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start every test with no proxy set, whatever the machine's environment says."""
    for name in list(os.environ):
        if name.lower() in PROXY_VARIABLES:
            monkeypatch.delenv(name)


@pytest.fixture
def relay(served_in_thread: emulator.RunningEmulator) -> Iterator[Relay]:
    """A recording relay (or forward proxy) on 127.0.0.2, forwarding to the emulator on
    127.0.0.1 that ``served_in_thread`` serves from a thread of its own for the whole test."""
    port = int(served_in_thread.base_url.rsplit(":", 1)[1])
    with relaying(port) as running:
        yield running
