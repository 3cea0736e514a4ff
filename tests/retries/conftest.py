"""Fixtures of the retry suite: the emulator with scripted faults, in process where speed
matters, over real loopback HTTP where a test is about what a user meets (``served``: one
server for the suite, as good as new for each test; the root conftest's ``make_client``).

In process, the SDK reaches ``Emulator.transport()`` through a :class:`Wire`, which adds what
a scripted fault cannot say: an answer lost after the emulator applied the request, as a
particular httpx exception or a proxy's bare status; 409s that do not name their conflict, as
a server may send them; and another writer's turn just before a request arrives (``scene``
holds the emulator, the Wire, the SDK's resource through it and that writer). Waits are
read from the SDK's log records (``retry_waits``, ``timeline``); the testing mode is on, so
none is slept.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack

import attrs
import httpx
import pytest
from anyio.from_thread import start_blocking_portal

import pictory_vimeo as pv
from pictory_vimeo import emulator
from tests._support import records_to

from ._support import IN_PROCESS_URL, Hook, OnSdkLog, Rival, Scene, Timeline, Wire


@pytest.fixture(scope="session")
def loopback_server() -> Iterator[emulator.RunningEmulator]:
    """One emulator on loopback for the suite's HTTP tests, its server started once: each
    start and stop of the HTTP server costs about a tenth of a second.
    """
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(emulator.running()) as running,
    ):
        yield running


@pytest.fixture
def served(loopback_server: emulator.RunningEmulator, page_size: int) -> emulator.RunningEmulator:
    """The loopback emulator as good as new (what the root conftest's ``served`` gives, without
    a server of its own): no connections, logged requests, counts, scripted faults or fault
    settings left by an earlier test.
    """
    emu = loopback_server.emulator
    assert page_size == emu.page_size
    emu.reset()
    emu.set_faults(**attrs.asdict(emulator.Faults()))
    return loopback_server


@pytest.fixture
def emu(page_size: int) -> Iterator[emulator.Emulator]:
    """A fresh in-memory emulator, with no random faults; pages of ``page_size``."""
    instance = emulator.Emulator(page_size=page_size)
    yield instance
    instance.close()


@pytest.fixture
def wire(emu: emulator.Emulator) -> Wire:
    """The SDK's way to the in-process emulator."""
    return Wire(emu.transport())


@pytest.fixture
async def scripted_client(wire: Wire, api_key: str) -> AsyncIterator[pv.AsyncPictoryClient]:
    """An SDK client of the in-process emulator: 2 retries and a 30 s deadline, the defaults."""
    async with pv.AsyncPictoryClient(
        api_key, IN_PROCESS_URL, timeout=30.0, max_retries=2, transport=wire
    ) as sdk:
        yield sdk


@pytest.fixture
def conns(scripted_client: pv.AsyncPictoryClient) -> pv.AsyncVimeoConnections:
    """The client's ``vimeo_connections`` resource."""
    return scripted_client.vimeo_connections


@pytest.fixture
async def rival(emu: emulator.Emulator, api_key: str) -> AsyncIterator[Rival]:
    """Another writer of the main account, in process."""
    async with httpx.AsyncClient(
        transport=emu.transport(), base_url=IN_PROCESS_URL, headers={"Authorization": api_key}
    ) as http:
        yield Rival(http)


@pytest.fixture
def scene(
    emu: emulator.Emulator,
    wire: Wire,
    rival: Rival,
    conns: pv.AsyncVimeoConnections,
    api_key: str,
) -> Scene:
    """The main account in process: the emulator, the SDK's wire and resource, a rival."""
    return Scene(emu, wire, rival, conns, api_key)


@pytest.fixture
def timeline() -> Iterator[list[str]]:
    """What the SDK did, in order, from its DEBUG log records: attempts and waits."""
    handler = Timeline()
    with records_to(handler):
        yield handler.events


@pytest.fixture
def on_sdk_log() -> Iterator[OnSdkLog]:
    """``on_sdk_log(event, action)``: call ``action(record)`` whenever the SDK logs a record of
    that ``pictory_event`` (``"attempt"``, ``"retry"``, ``"conflict"``).

    The action runs synchronously inside the SDK's call, on its thread, between one attempt
    and what follows it: another writer's turn at a precise moment, or a loaded event loop.
    """
    with ExitStack() as hooks:

        def add(event: str, action: Callable[[logging.LogRecord], None]) -> None:
            hooks.enter_context(records_to(Hook(event, action)))

        yield add
