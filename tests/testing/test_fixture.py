"""``pictory_emulator`` and ``PictoryEmulator``: clients, faults, the log, state, teardown.

Async tests run under asyncio (both pools' settings) and trio, as every async test here does.
"""

from __future__ import annotations

import inspect
import socket
from typing import Any

import anyio
import anyio.to_thread
import pytest

import pictory_vimeo as pv
from pictory_vimeo.emulator import DropKind, fingerprint
from pictory_vimeo.testing import ClientOptions, PictoryEmulator, SyncClientOptions
from tests._support import threads_started

PATH = "/pictoryapis/v1/vimeo-connections"
OTHER_KEY = "pictai_someone_else"


def _fields(name: str, secret: str = "s3cret-value") -> dict[str, Any]:
    return {
        "name": name,
        "client_identifier": f"id-{name}",
        "client_secret": secret,
        "access_token": "t0ken-value",
    }


@pytest.mark.anyio
async def test_a_client_is_bound_to_the_emulator(pictory_emulator: PictoryEmulator) -> None:
    """Loopback base URL, the fixture's key, the emulator's in-process transport."""
    async with pictory_emulator.client() as client:
        assert client.base_url == "http://localhost"
        assert client.transport.endswith("InProcessTransport")
        made = await client.vimeo_connections.create(**_fields("Bound"))
    assert [c["connectionId"] for c in pictory_emulator.connections(pictory_emulator.api_key)] == [
        made.connection_id
    ]
    assert [(r.method, r.path, r.status) for r in pictory_emulator.requests] == [
        ("POST", PATH, 201)
    ]


def test_a_sync_client_is_bound_to_the_same_emulator(pictory_emulator: PictoryEmulator) -> None:
    """``sync_client()`` reaches the same state as ``client()`` would."""
    with pictory_emulator.sync_client() as client:
        made = client.vimeo_connections.create(**_fields("Sync"))
        assert client.base_url == "http://localhost"
    assert pictory_emulator.connections()[0]["connectionId"] == made.connection_id


def test_each_key_is_an_account_of_its_own(pictory_emulator: PictoryEmulator) -> None:
    """``api_key=`` gives a client another account; ``connections(key)`` shows that one's."""
    other = pictory_emulator.sync_client(api_key=OTHER_KEY)
    other.vimeo_connections.create(**_fields("Theirs"))
    assert [c["name"] for c in pictory_emulator.connections(OTHER_KEY)] == ["Theirs"]
    assert pictory_emulator.connections(pictory_emulator.api_key) == []
    assert [c["name"] for c in pictory_emulator.connections()] == ["Theirs"]
    assert pictory_emulator.sync_client().vimeo_connections.list_page().items == []


def test_other_options_go_to_the_client(pictory_emulator: PictoryEmulator) -> None:
    """Whatever else is given is the client's own setting."""
    client = pictory_emulator.client(timeout=5, max_retries=0, max_concurrency=3, validate=False)
    assert (client.timeout, client.max_retries, client.max_concurrency, client.validate) == (
        5.0,
        0,
        3,
        False,
    )
    sync = pictory_emulator.sync_client(backend="trio", max_retries=1)
    assert sync.max_retries == 1
    assert sync.vimeo_connections.list_page().items == []


@pytest.mark.parametrize(
    ("options", "client"),
    [(ClientOptions, pv.AsyncPictoryClient), (SyncClientOptions, pv.PictoryClient)],
)
def test_the_options_types_name_every_client_argument(options: type, client: type) -> None:
    """``client(**kw)`` and ``sync_client(**kw)`` are typed with exactly the clients' arguments."""
    keys: frozenset[str] = options.__optional_keys__  # type: ignore[attr-defined]
    assert set(keys) == set(inspect.signature(client).parameters)


@pytest.mark.anyio
async def test_fail_next_scripts_statuses_by_method(pictory_emulator: PictoryEmulator) -> None:
    """The next ``times`` matching requests fail with ``status`` and ``Retry-After``."""
    pictory_emulator.fail_next(429, times=2, method="GET", retry_after=7)
    async with pictory_emulator.client(max_retries=0) as client:
        conns = client.vimeo_connections
        await conns.create(**_fields("Unaffected"))  # not a GET
        for _ in range(2):
            with pytest.raises(pv.RateLimitError) as caught:
                await conns.list_page()
            assert caught.value.response.headers["Retry-After"] == "7"
        assert len((await conns.list_page()).items) == 1
    assert [(r.method, r.status) for r in pictory_emulator.requests] == [
        ("POST", 201),
        ("GET", 429),
        ("GET", 429),
        ("GET", 200),
    ]


@pytest.mark.anyio
async def test_fail_next_can_drop_an_applied_write(
    pictory_emulator: PictoryEmulator, drop_kind: DropKind
) -> None:
    """With ``drop_after_commit`` the write is stored, its answer lost in the way ``drop``
    says, and the log says so.

    The SDK, its one attempt unanswered, reads the state before failing and finds its own
    connection there.
    """
    pictory_emulator.fail_next(method="POST", drop_after_commit=True, drop=drop_kind)
    async with pictory_emulator.client(max_retries=0) as client:
        made = await client.vimeo_connections.create(**_fields("Dropped"))
    assert [c["connectionId"] for c in pictory_emulator.connections()] == [made.connection_id]
    request, read = pictory_emulator.requests
    assert (request.method, request.status, request.dropped) == ("POST", 201, True)
    assert (request.fault, request.drop) == ("scripted", drop_kind)
    assert (read.method, read.status, read.dropped) == ("GET", 200, False)


@pytest.mark.anyio
async def test_a_create_whose_answer_was_lost_is_made_once(
    pictory_emulator: PictoryEmulator, drop_kind: DropKind
) -> None:
    """Through the fixture, as a user's test would: however the answer is lost, the SDK's
    retry and reconciliation return the connection, created once.
    """
    pictory_emulator.fail_next(method="POST", drop_after_commit=True, drop=drop_kind)
    async with pictory_emulator.client() as client:
        made = await client.vimeo_connections.create(**_fields("Once"))
    [stored] = pictory_emulator.connections()
    assert stored["connectionId"] == made.connection_id
    assert [(r.method, r.status, r.dropped) for r in pictory_emulator.requests] == [
        ("POST", 201, True),
        ("POST", 409, False),
        ("GET", 200, False),
    ]


@pytest.mark.anyio
async def test_retries_through_scripted_faults_do_not_wait(
    pictory_emulator: PictoryEmulator, retry_waits: list[float]
) -> None:
    """The fixture's testing mode: the SDK retries as configured, with no wait."""
    pictory_emulator.fail_next(503, times=2)
    async with pictory_emulator.client() as client:
        assert (await client.vimeo_connections.list_page()).items == []
    assert [r.status for r in pictory_emulator.requests] == [503, 503, 200]
    assert len(retry_waits) == 2
    assert pv.is_testing()


def test_stored_secrets_are_only_fingerprints(pictory_emulator: PictoryEmulator) -> None:
    """``connections()`` shows which secret was stored, never the secret itself."""
    pictory_emulator.sync_client().vimeo_connections.create(**_fields("Masked", "hunter22"))
    [stored] = pictory_emulator.connections()
    assert stored["clientSecret"] == fingerprint("hunter22")
    assert stored["accessToken"] == fingerprint("t0ken-value")
    assert "hunter22" not in repr(pictory_emulator.connections())


@pytest.mark.anyio
async def test_async_and_sync_clients_share_one_store(pictory_emulator: PictoryEmulator) -> None:
    """The sync client's thread and the test's loop write the same store at once, safely."""
    sync = pictory_emulator.sync_client()

    def sync_creates() -> None:
        for i in range(5):
            sync.vimeo_connections.create(**_fields(f"Sync {i}"))

    async with pictory_emulator.client() as client, anyio.create_task_group() as group:

        async def async_create(name: str) -> None:
            await client.vimeo_connections.create(**_fields(name))

        group.start_soon(anyio.to_thread.run_sync, sync_creates)
        for i in range(5):
            group.start_soon(async_create, f"Async {i}")
    assert len(pictory_emulator.connections()) == 10
    assert len(pictory_emulator.requests) == 10


@pytest.mark.anyio
async def test_no_socket_is_opened(
    monkeypatch: pytest.MonkeyPatch, pictory_emulator: PictoryEmulator
) -> None:
    """Nothing listens and nothing connects: the clients reach the emulator in process."""

    def refuse(*args: object) -> None:
        raise AssertionError("a network socket was used")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "bind", refuse)
    async with pictory_emulator.client() as client:
        await client.vimeo_connections.create(**_fields("Offline"))
    sync = pictory_emulator.sync_client()
    await anyio.to_thread.run_sync(sync.vimeo_connections.list_page)
    sync.close()
    assert len(pictory_emulator.requests) == 2


class TestOptions:
    """``pictory_emulator_options``, overridden here, configures each test's emulator."""

    @pytest.fixture
    def pictory_emulator_options(self) -> dict[str, Any]:
        """Pages of two, and a key of this class's own."""
        return {"page_size": 2, "api_key": "pictai_options"}

    def test_the_options_apply(self, pictory_emulator: PictoryEmulator) -> None:
        """Listings page by two; clients use the key given."""
        assert pictory_emulator.api_key == "pictai_options"
        conns = pictory_emulator.sync_client().vimeo_connections
        for name in "abc":
            conns.create(**_fields(name))
        page = conns.list_page()
        assert (len(page.items), page.next_page_key is not None) == (2, True)
        assert len(pictory_emulator.connections("pictai_options")) == 3


@pytest.mark.anyio
async def test_leaving_closes_every_client_still_open() -> None:
    """On leaving ``with``, clients the test left open are closed, in any event loop."""
    new_threads = threads_started()
    with pv.set_testing(False):
        with PictoryEmulator() as emu:
            assert pv.is_testing()
            client = emu.client()
            await client.vimeo_connections.list_page()
            async with emu.client() as entered:
                await entered.vimeo_connections.list_page()
            sync = emu.sync_client()
            sync.vimeo_connections.list_page()
            closed_by_hand = emu.sync_client()
            closed_by_hand.close()
            assert new_threads() == 1
        assert new_threads() == 0
        assert not pv.is_testing()
    for conns in (client.vimeo_connections, entered.vimeo_connections):
        with pytest.raises(pv.ClientClosedError, match="the client is closed"):
            await conns.list_page()
    with pytest.raises(pv.ClientClosedError, match="the client is closed"):
        sync.vimeo_connections.list_page()


def test_a_closed_emulator_makes_no_clients_and_closes_once() -> None:
    """After its test, the emulator refuses new clients; closing again does nothing."""
    with PictoryEmulator() as emu:
        pass
    for make in (emu.client, emu.sync_client):
        with pytest.raises(RuntimeError, match="closed"):
            make()
    emu.close()


def test_the_testing_mode_is_restored_even_when_the_block_fails() -> None:
    """An exception in the block still closes the clients and restores the testing mode."""
    new_threads = threads_started()
    inside: list[bool] = []

    def failing_test() -> None:
        with PictoryEmulator() as emu:
            emu.sync_client()
            inside.append(pv.is_testing())
            raise ZeroDivisionError

    with pv.set_testing(False):
        with pytest.raises(ZeroDivisionError):
            failing_test()
        assert inside == [True]
        assert not pv.is_testing()
    assert new_threads() == 0


def test_repr() -> None:
    """The repr names the class and its page size."""
    with PictoryEmulator(page_size=7) as emu:
        assert repr(emu) == "<PictoryEmulator page_size=7>"
