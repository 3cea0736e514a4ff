"""``transport=`` picks the connection pool; ``max_concurrency=`` bounds requests in flight."""

from __future__ import annotations

import os
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import certifi
import httpx
import pytest

import pictory_vimeo as pv
from pictory_vimeo import emulator
from tests._support import Pool
from tests.integration._support import WatchedClient
from tests.integration.watched import Watched

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

KEY = "pictai_pools"
FIELDS: dict[str, Any] = {"client_identifier": "c", "client_secret": "s1", "access_token": "t1"}

#: ``slow_client(max_concurrency=n, latency_ms=ms)``, as the fixture gives it.
SlowClient = Callable[..., pv.AsyncPictoryClient]


@pytest.fixture
def slow_client(served: emulator.RunningEmulator, watched_client: WatchedClient) -> SlowClient:
    """``slow_client(max_concurrency=n, latency_ms=ms)``: a watched client with ``n`` slots
    for requests in flight, of the served emulator, which from now on takes ``ms`` to answer.
    """

    def make(*, max_concurrency: int, latency_ms: int) -> pv.AsyncPictoryClient:
        served.emulator.set_faults(latency_ms=latency_ms)
        return watched_client(max_concurrency=max_concurrency)

    return make


async def test_auto_picks_aiohttp_under_asyncio_and_httpcore2_under_trio(
    anyio_backend: str,
) -> None:
    """``"auto"``: aiohttp's pool under asyncio, httpcore2's under trio; ``repr`` says which,
    and ``max_concurrency`` unset is that pool's own best (512 and 128).
    """
    expected = "aiohttp" if anyio_backend == "asyncio" else "httpcore2"
    async with pv.AsyncPictoryClient(KEY, "http://127.0.0.1:9") as client:
        assert client.transport == expected
        assert f"transport={expected!r}" in repr(client)
        assert client.max_concurrency == (512 if expected == "aiohttp" else 128)
        assert client.with_options(max_concurrency=5).max_concurrency == 5


async def test_auto_outside_a_loop_is_decided_by_the_first_call(
    served: emulator.RunningEmulator, anyio_backend: str
) -> None:
    """A client built before any loop runs picks its pool when its first call runs."""
    client = await anyio.to_thread.run_sync(lambda: pv.AsyncPictoryClient(KEY, served.base_url))
    assert client.transport == "auto"
    await client.vimeo_connections.list_page()
    assert client.transport == ("aiohttp" if anyio_backend == "asyncio" else "httpcore2")
    await client.aclose()


def test_aiohttp_is_refused_under_trio() -> None:
    """aiohttp needs asyncio: asking for it under trio is a ValidationError naming transport."""

    async def build() -> None:
        pv.AsyncPictoryClient(KEY, "http://127.0.0.1:9", transport="aiohttp")

    with pytest.raises(pv.ValidationError, match="transport: 'aiohttp' runs only under asyncio"):
        anyio.run(build, backend="trio")


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"transport": "requests"}, "transport"),
        ({"transport": httpx.Client}, "transport"),
        ({"max_concurrency": 0}, "max_concurrency"),
        ({"max_concurrency": True}, "max_concurrency"),
        ({"http_client": "your own", "transport": "httpx"}, "transport"),
    ],
    ids=["unknown-name", "not-an-async-transport", "zero", "a-bool", "with-http-client"],
)
async def test_bad_pool_settings_are_refused(arguments: dict[str, object], field: str) -> None:
    """Each bad setting is named in one ValidationError, before anything is opened."""
    async with httpx.AsyncClient() as http:
        given = {k: http if v == "your own" else v for k, v in arguments.items()}
        with pytest.raises(pv.ValidationError) as caught:
            pv.AsyncPictoryClient(KEY, "http://127.0.0.1:9", **given)  # type: ignore[arg-type]
    assert [e.field for e in caught.value.errors] == [field]


async def test_a_transport_instance_is_used_and_named(
    served: emulator.RunningEmulator, watched: Watched
) -> None:
    """Any ``httpx.AsyncBaseTransport`` carries the calls; ``repr`` names its class."""
    async with pv.AsyncPictoryClient(KEY, served.base_url, transport=watched) as client:
        await client.vimeo_connections.list_page()
        assert client.transport == "tests.integration.watched.Watched"
    assert watched.started == 1
    assert watched.closed


async def test_many_tasks_queue_for_max_concurrency_slots(
    watched: Watched, slow_client: SlowClient
) -> None:
    """600 tasks on one client with ``max_concurrency=8``: all succeed, 8 in flight at most."""
    async with slow_client(max_concurrency=8, latency_ms=2) as client:
        made = await client.vimeo_connections.create(name="Shared", **FIELDS)
        got: list[pv.VimeoConnection] = []

        async def read() -> None:
            got.append(await client.vimeo_connections.get(made.connection_id))

        async with anyio.create_task_group() as group:
            for _ in range(600):
                group.start_soon(read)
    assert len(got) == 600
    assert all(c == got[0] for c in got)
    assert watched.most_in_flight == 8


async def test_a_derived_client_shares_its_parents_slots(
    watched: Watched, slow_client: SlowClient
) -> None:
    """``with_options(timeout=...)`` per call does not multiply ``max_concurrency``."""
    async with slow_client(max_concurrency=4, latency_ms=2) as client:

        async def read(index: int) -> None:
            derived = client.with_options(timeout=10 + index)
            await derived.vimeo_connections.list_page()

        async with anyio.create_task_group() as group:
            for index in range(100):
                group.start_soon(read, index)
    assert watched.started == 100
    assert watched.most_in_flight == 4


async def test_waiting_for_a_slot_counts_against_the_deadline(
    watched: Watched, slow_client: SlowClient
) -> None:
    """With the one slot held by a slow call, a call with a short deadline times out unsent."""
    async with slow_client(max_concurrency=1, latency_ms=400) as client:
        outcome: list[object] = []
        async with anyio.create_task_group() as group:
            group.start_soon(lambda: client.vimeo_connections.list_page())
            await anyio.sleep(0.05)  # the first call now holds the only slot
            started = anyio.current_time()
            try:
                await client.vimeo_connections.list_page(timeout=0.1)
            except pv.APITimeoutError as error:
                outcome.append(error)
            outcome.append(anyio.current_time() - started)
    timed_out, waited = outcome
    assert isinstance(timed_out, pv.APITimeoutError)
    assert "deadline passed" in str(timed_out)
    assert isinstance(waited, float)
    assert waited < 0.3
    assert watched.started == 1  # the second call never reached the pool


async def test_a_netrc_entry_for_the_host_changes_nothing(
    served: emulator.RunningEmulator,
    sdk_transport: Pool,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """A ``.netrc`` naming the API's host is not read: the key is the only credential sent."""
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password something\n", encoding="utf-8")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    async with pv.AsyncPictoryClient(KEY, served.base_url, transport=sdk_transport) as client:
        page = await client.vimeo_connections.list_page()
    assert page.items == []
    assert [r.status for r in served.emulator.requests] == [200]


async def test_clients_load_the_ca_store_once(
    sdk_transport: Pool, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Opening a client does not load the CA store again (16 ms a client): one per process,
    made anew when ``SSL_CERT_FILE`` names another one.
    """
    real = httpx.create_ssl_context
    loaded: list[str | None] = []

    def counting(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        if not args and kwargs.get("verify", True) is True:  # a context given is not loaded
            loaded.append(os.environ.get("SSL_CERT_FILE"))
        return real(*args, **kwargs)

    monkeypatch.setattr(httpx, "create_ssl_context", counting)
    first, second = tmp_path / "first.pem", tmp_path / "second.pem"
    store = await anyio.Path(certifi.where()).read_bytes()
    for bundle in (first, second):
        await anyio.Path(bundle).write_bytes(store)
    for bundle in (first, second):
        monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
        for _ in range(3):
            async with pv.AsyncPictoryClient(
                KEY, "https://127.0.0.1:9", transport=sdk_transport
            ) as client:
                assert client.transport == sdk_transport
    assert loaded == [str(first), str(second)]


async def test_every_call_of_a_closed_client_raises_client_closed_error(
    watched_client: WatchedClient, watched: Watched
) -> None:
    """After ``aclose()`` every call raises ``ClientClosedError`` (a ``PictoryError`` and a
    ``RuntimeError``), a pending listing too, and nothing more is sent.
    """
    client = watched_client()
    conns = client.vimeo_connections
    made = await conns.create(name="Closing", **FIELDS)
    listing = conns.list()
    await client.aclose()
    sent = watched.started
    calls: dict[str, Callable[[], Any]] = {
        "create": lambda: conns.create(name="Late", **FIELDS),
        "get": lambda: conns.get(made.connection_id),
        "list_page": lambda: conns.list_page(),
        "update": lambda: conns.update(made.connection_id, version=1, enabled=False),
        "delete": lambda: conns.delete(made.connection_id),
        "list": lambda: listing,  # awaited: its first page
        "raw get": lambda: conns.with_raw_response.get(made.connection_id),
        "optimistic_update": lambda: pv.optimistic_update(
            conns, made.connection_id, lambda current: None
        ),
    }
    for name, call in calls.items():
        with pytest.raises(pv.ClientClosedError, match=r"^the client is closed$") as raised:
            await call()
        assert isinstance(raised.value, RuntimeError), name
        assert not raised.value.outcome_unknown, name
    assert watched.started == sent


@pytest.mark.parametrize("kind", ["write", "read"])
async def test_a_call_out_when_its_client_closes_raises_client_closed_error(
    kind: str, served: emulator.RunningEmulator, watched_client: WatchedClient, watched: Watched
) -> None:
    """A call whose request is out when ``aclose()`` runs raises ``ClientClosedError``: a
    write's says its outcome is unknown (the server may still apply it), a read's does not.
    """
    client = watched_client()
    conns = client.vimeo_connections
    made = await conns.create(name="Racing", **FIELDS)
    served.emulator.set_faults(latency_ms=500)  # the answer would come after the close
    calls: dict[str, Callable[[], Any]] = {
        "write": lambda: conns.update(made.connection_id, version=1, enabled=False),
        "read": lambda: conns.get(made.connection_id),
    }
    raised: list[pv.ClientClosedError] = []
    sent = anyio.Event()
    watched.on_send = sent.set

    async def call() -> None:
        with pytest.raises(pv.ClientClosedError) as caught:
            await calls[kind]()
        raised.append(caught.value)

    with anyio.fail_after(10):
        async with anyio.create_task_group() as group:
            group.start_soon(call)
            await sent.wait()
            await client.aclose()
    assert raised[0].outcome_unknown is (kind == "write")
    assert ("outcome is unknown" in str(raised[0])) is (kind == "write")
