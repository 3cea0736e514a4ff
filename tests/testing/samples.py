"""The sample projects: test files a user of the SDK might write with ``pictory_emulator``.

Each sample ends with a test whose expectation is wrong, which must fail: it shows the run
really checks what the samples assert, and that a failure is reported as one.
"""

from __future__ import annotations

from typing import Final

#: Plain synchronous tests: the sync client, scripted faults, the request log, stored state.
SYNC: Final = """
import threading

import pictory_vimeo as pv
from pictory_vimeo.emulator import fingerprint


def test_create_and_read_back(pictory_emulator):
    with pictory_emulator.sync_client() as client:
        made = client.vimeo_connections.create(
            name="Marketing", client_identifier="id", client_secret="s3cret", access_token="tok"
        )
        assert client.vimeo_connections.get(made.connection_id).name == "Marketing"
    [stored] = pictory_emulator.connections()
    assert stored["connectionId"] == made.connection_id
    assert stored["clientSecret"] == fingerprint("s3cret")
    assert [(r.method, r.status) for r in pictory_emulator.requests] == [
        ("POST", 201),
        ("GET", 200),
    ]


def test_a_503_is_retried_at_once(pictory_emulator):
    assert pv.is_testing()
    pictory_emulator.fail_next(503, times=2, method="GET")
    client = pictory_emulator.sync_client()  # closed by the fixture
    assert client.vimeo_connections.list_page().items == []
    assert [r.status for r in pictory_emulator.requests] == [503, 503, 200]


def test_a_dropped_answer_is_applied_once(pictory_emulator):
    pictory_emulator.fail_next(method="POST", drop_after_commit=True)
    client = pictory_emulator.sync_client(api_key="pictai_someone")
    made = client.vimeo_connections.create(
        name="Once", client_identifier="id", client_secret="s", access_token="t"
    )
    assert [c["connectionId"] for c in pictory_emulator.connections("pictai_someone")] == [
        made.connection_id
    ]
    assert pictory_emulator.requests[0].dropped


def test_the_next_test_starts_afresh(pictory_emulator):
    assert pictory_emulator.connections() == []
    assert pictory_emulator.requests == []


def test_nothing_is_left_running():
    assert not pv.is_testing()
    assert [t.name for t in threading.enumerate() if t.name.startswith("pictory")] == []


def test_wrong_expectation_fails(pictory_emulator):
    pictory_emulator.fail_next(500)
    client = pictory_emulator.sync_client(max_retries=0)
    client.vimeo_connections.list_page()  # raises InternalServerError: the test fails
"""

#: pytest-asyncio tests: async clients closed by ``async with`` or left for the fixture.
PYTEST_ASYNCIO: Final = """
import asyncio

import pytest

import pictory_vimeo as pv


@pytest.mark.asyncio
async def test_async_with_a_client(pictory_emulator):
    pictory_emulator.fail_next(503, method="POST")
    async with pictory_emulator.client() as client:
        made = await client.vimeo_connections.create(
            name="Marketing", client_identifier="id", client_secret="s", access_token="t"
        )
    assert [r.status for r in pictory_emulator.requests] == [503, 201]
    assert pictory_emulator.connections()[0]["connectionId"] == made.connection_id


@pytest.mark.asyncio
async def test_a_client_left_open_is_closed_for_the_test(pictory_emulator):
    conns = pictory_emulator.client().vimeo_connections
    await asyncio.gather(
        *(
            conns.create(name=f"C{i}", client_identifier="id", client_secret="s", access_token="t")
            for i in range(5)
        )
    )
    assert sorted([c.name async for c in conns.list()]) == [f"C{i}" for i in range(5)]


@pytest.mark.asyncio
async def test_a_rate_limit_is_waited_out_at_once(pictory_emulator):
    pictory_emulator.fail_next(429, retry_after=5)
    client = pictory_emulator.client()
    assert (await client.vimeo_connections.list_page()).items == []
    assert [r.status for r in pictory_emulator.requests] == [429, 200]


@pytest.mark.asyncio
async def test_a_sync_client_in_an_async_test(pictory_emulator):
    client = pictory_emulator.sync_client()
    await asyncio.to_thread(client.vimeo_connections.list_page)
    assert len(pictory_emulator.requests) == 1


@pytest.mark.asyncio
async def test_wrong_expectation_fails(pictory_emulator):
    pictory_emulator.fail_next(404, method="GET")
    client = pictory_emulator.client()
    with pytest.raises(pv.NotFoundError):
        await client.vimeo_connections.list_page()
    assert pictory_emulator.requests == []  # wrong: the 404 is in the log
"""

#: anyio tests under trio: task groups, the default key's account, a dropped write.
ANYIO_TRIO: Final = """
import anyio
import pytest
import sniffio

import pictory_vimeo as pv


@pytest.fixture
def anyio_backend():
    return "trio"


@pytest.mark.anyio
async def test_runs_under_trio(pictory_emulator):
    assert sniffio.current_async_library() == "trio"
    async with pictory_emulator.client() as client:
        assert (await client.vimeo_connections.list_page()).items == []


@pytest.mark.anyio
async def test_concurrent_creates_in_a_task_group(pictory_emulator):
    client = pictory_emulator.client()  # closed by the fixture

    async def create(i):
        await client.vimeo_connections.create(
            name=f"T{i}", client_identifier="id", client_secret="s", access_token="t"
        )

    async with anyio.create_task_group() as group:
        for i in range(8):
            group.start_soon(create, i)
    assert len(pictory_emulator.connections(pictory_emulator.api_key)) == 8


@pytest.mark.anyio
async def test_a_dropped_update_is_applied_once(pictory_emulator):
    async with pictory_emulator.client() as client:
        conns = client.vimeo_connections
        made = await conns.create(
            name="Drop", client_identifier="id", client_secret="s", access_token="t"
        )
        pictory_emulator.fail_next(method="PUT", drop_after_commit=True)
        updated = await conns.update(made.connection_id, version=1, description="new")
    assert updated.version == 2
    assert pictory_emulator.connections()[0]["version"] == 2
    assert [(r.method, r.dropped) for r in pictory_emulator.requests][1] == ("PUT", True)


@pytest.mark.anyio
async def test_wrong_expectation_fails(pictory_emulator):
    async with pictory_emulator.client() as client:
        with pytest.raises(pv.AuthenticationError):  # wrong: any pictai_ key is an account
            await client.with_options(max_retries=0).vimeo_connections.list_page()
"""
