"""Injected faults over loopback: rate limits, server errors the SDK retries through, and
writes whose answer is lost after they were applied (which must still apply exactly once).
"""

from __future__ import annotations

import pytest

import pictory_vimeo as pv
from pictory_vimeo import emulator
from tests._support import MakeClient
from tests.integration._support import NewConnection

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


async def test_rate_limit_is_429_with_retry_after(
    served: emulator.RunningEmulator, make_client: MakeClient, other_api_key: str
) -> None:
    """Past the account's budget: RateLimitError carrying the server's Retry-After."""
    # A budget of one request per 1000 s: the second request is over it on any machine.
    served.emulator.set_faults(rate_limit=0.001)
    conns = make_client(max_retries=0).vimeo_connections
    assert (await conns.list_page()).items == []
    with pytest.raises(pv.RateLimitError) as info:
        await conns.list_page()
    error = info.value
    assert (error.status_code, error.code, error.attempts) == (429, "RATE_LIMITED", 1)
    assert error.retry_after is not None
    assert error.retry_after >= 1
    assert error.retry_after == float(error.response.headers["Retry-After"])
    assert served.emulator.stats()["rateLimited"] == 1
    # The budget is per account: another key still has its own.
    assert (
        await make_client(other_api_key, max_retries=0).vimeo_connections.list_page()
    ).items == []


async def test_a_retry_after_beyond_the_cap_is_not_waited_for(
    served: emulator.RunningEmulator, make_client: MakeClient, retry_waits: list[float]
) -> None:
    """Even with retries left, a wait of many minutes is the caller's call, not the SDK's."""
    served.emulator.set_faults(rate_limit=0.001)
    conns = make_client(max_retries=3).vimeo_connections
    await conns.list_page()
    with pytest.raises(pv.RateLimitError):
        await conns.list_page()
    assert retry_waits == []
    assert served.emulator.stats()["requests"] == 2


async def test_injected_server_errors_are_retried_to_success(
    served: emulator.RunningEmulator, make_client: MakeClient, retry_waits: list[float]
) -> None:
    """With half of all requests failing 5xx, every call still succeeds, each write once."""
    served.emulator.set_faults(error_rate=0.5)
    conns = make_client(max_retries=10).vimeo_connections
    created = [
        await conns.create(
            name=f"Flaky {index}", client_identifier="c", client_secret="s", access_token="t"
        )
        for index in range(6)
    ]
    updated = [
        await conns.update(c.connection_id, version=1, description="retried") for c in created
    ]
    assert [c.version for c in updated] == [2] * 6
    await conns.delete(created[0].connection_id)
    listed = [c async for c in conns.list()]

    assert served.emulator.stats()["errors"] > 0
    assert len(retry_waits) == served.emulator.stats()["errors"]
    served.emulator.set_faults(error_rate=0.0)
    assert listed == [await conns.get(c.connection_id) for c in created[1:]]
    assert [(c.name, c.description, c.version) for c in listed] == [
        (f"Flaky {index}", "retried", 2) for index in range(1, 6)
    ]


async def test_server_errors_surface_as_internal_server_error_without_retries(
    served: emulator.RunningEmulator, make_client: MakeClient, retry_waits: list[float]
) -> None:
    """With no retries allowed, an injected 5xx (JSON or HTML page) is InternalServerError."""
    served.emulator.set_faults(error_rate=1.0)
    conns = make_client(max_retries=0).vimeo_connections
    statuses = set()
    for _ in range(8):
        with pytest.raises(pv.InternalServerError) as info:
            await conns.list_page()
        assert info.value.status_code in (500, 502, 503)
        assert info.value.message
        assert info.value.request_id
        statuses.add(info.value.status_code)
    assert len(statuses) > 1
    assert retry_waits == []


@pytest.mark.parametrize("served", ["memory", "sqlite"], indirect=True)
async def test_dropped_answers_still_apply_each_write_exactly_once(
    served: emulator.RunningEmulator, make_client: MakeClient, drop_kind: emulator.DropKind
) -> None:
    """Creates and updates whose answers are lost return the right result, applied once."""
    served.emulator.set_faults(drop_after_commit_rate=0.5, drop_after_commit_mode=drop_kind)
    conns = make_client(max_retries=5).vimeo_connections
    names = [f"Dropped {index}" for index in range(8)]
    created = [
        await conns.create(
            name=name,
            client_identifier=f"cid-{index}",
            client_secret="s",
            access_token="t",
            description=f"number {index}",
        )
        for index, name in enumerate(names)
    ]
    assert [(c.name, c.client_identifier, c.version) for c in created] == [
        (name, f"cid-{index}", 1) for index, name in enumerate(names)
    ]
    dropped_creates = served.emulator.stats()["dropped"]
    assert dropped_creates > 0
    updated = [
        await conns.update(c.connection_id, version=1, description=f"updated {index}")
        for index, c in enumerate(created)
    ]
    assert [(c.description, c.version) for c in updated] == [
        (f"updated {index}", 2) for index in range(len(names))
    ]
    assert served.emulator.stats()["dropped"] > dropped_creates

    served.emulator.set_faults(drop_after_commit_rate=0.0)
    stored = [c async for c in conns.list()]
    assert [c.name for c in stored] == names  # one of each: no create landed twice
    assert [c.connection_id for c in stored] == [c.connection_id for c in created]
    assert [(c.description, c.version) for c in stored] == [
        (f"updated {index}", 2) for index in range(len(names))
    ]


async def test_a_dropped_delete_is_still_a_success(
    served: emulator.RunningEmulator,
    make_client: MakeClient,
    new_connection: NewConnection,
    drop_kind: emulator.DropKind,
) -> None:
    """A delete whose answer is lost is retried; the retry's 204 ends the call."""
    conns = make_client(max_retries=2).vimeo_connections
    created = await new_connection("Short Lived", owner=conns)
    served.emulator.set_faults(drop_after_commit_rate=1.0, drop_after_commit_mode=drop_kind)
    await conns.delete(created.connection_id)
    assert served.emulator.stats()["dropped"] == 1
    served.emulator.set_faults(drop_after_commit_rate=0.0)
    with pytest.raises(pv.NotFoundError):
        await conns.get(created.connection_id)
