"""The sync client's life: arguments, its thread, close, with_options, repr, retries, deadlines."""

from __future__ import annotations

import gc
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import httpx
import pytest

import pictory_vimeo as pv
from pictory_vimeo._sync import _portal
from pictory_vimeo.testing import PictoryEmulator
from tests._support import threads_started
from tests.sync._support import BASE_URL, KEY, create


@pytest.fixture
def new_threads() -> Iterator[Callable[[], int]]:
    """``new_threads()``: how many threads started in the test are alive; none after it."""
    started = threads_started()
    yield started
    assert started() == 0


def test_close_stops_the_thread_and_is_idempotent(
    new_threads: Callable[[], int], pictory_emulator: PictoryEmulator
) -> None:
    """One thread while open; none after close(); a second close() does nothing."""
    client = pictory_emulator.sync_client()
    assert new_threads() == 1
    create(client.vimeo_connections, "Alive")
    client.close()
    assert new_threads() == 0
    client.close()
    assert new_threads() == 0


def test_with_block_closes_the_client(
    new_threads: Callable[[], int], pictory_emulator: PictoryEmulator
) -> None:
    """Leaving ``with`` closes the client, also when the block raises."""
    with pytest.raises(pv.NotFoundError), pictory_emulator.sync_client() as c:
        c.vimeo_connections.get("20251222155613307xv0nodhitf9cd0f")
    assert new_threads() == 0
    with pytest.raises(pv.ClientClosedError, match="the client is closed"):
        c.vimeo_connections.list_page()


def test_close_closes_the_pool_and_its_transport(pictory_emulator: PictoryEmulator) -> None:
    """close() closes the httpx pool the client made, which closes the given transport."""
    closed: list[bool] = []

    class Recording(httpx.AsyncBaseTransport):
        def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
            self.inner = inner

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            return await self.inner.handle_async_request(request)

        async def aclose(self) -> None:
            closed.append(True)
            await self.inner.aclose()

    client = pictory_emulator.sync_client(
        transport=Recording(pictory_emulator.emulator.transport())
    )
    client.vimeo_connections.list_page()
    client.close()
    assert closed == [True]


def test_every_call_after_close_raises_a_clear_error(pictory_emulator: PictoryEmulator) -> None:
    """After close, calls and pending iterations raise ``ClientClosedError``, never hang."""
    client = pictory_emulator.sync_client()
    conns = client.vimeo_connections
    made = create(conns, "Gone")
    paginator = conns.list()
    client.close()
    calls: list[Any] = [
        lambda: conns.get(made.connection_id),
        lambda: conns.list_page(),
        lambda: conns.update(made.connection_id, version=1, enabled=False),
        lambda: conns.delete(made.connection_id),
        lambda: create(conns, "Late"),
        lambda: list(paginator),
        lambda: paginator.first_page(),
        lambda: pv.optimistic_update(conns, made.connection_id, lambda cur: None),
    ]
    for call in calls:
        with pytest.raises(pv.ClientClosedError, match="the client is closed"):
            call()


def test_close_from_another_thread_ends_a_call_under_way(
    pictory_emulator: PictoryEmulator,
) -> None:
    """A call waiting on its answer when another thread closes the client raises
    ``ClientClosedError`` at once (a write's says its outcome is unknown).
    """
    client = pictory_emulator.sync_client()
    conns = client.vimeo_connections
    made = create(conns, "Under way")
    pictory_emulator.emulator.set_faults(latency_ms=30_000)
    raised: list[BaseException] = []

    def update() -> None:
        try:
            conns.update(made.connection_id, version=1, enabled=False)
        except BaseException as error:  # whatever it raised is the test's to check
            raised.append(error)

    caller = threading.Thread(target=update)
    caller.start()
    time.sleep(0.2)  # the update is out (its answer is 30 s away); a slower start is fine too
    client.close()
    caller.join(10)
    assert not caller.is_alive()
    assert [type(error) for error in raised] == [pv.ClientClosedError]


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"api_key": None}, "api_key"),
        ({"api_key": ""}, "api_key"),
        ({"base_url": "ftp://emulator"}, "base_url"),
        ({"base_url": "http://localhost?x=1"}, "base_url"),
        ({"timeout": 0}, "timeout"),
        ({"max_retries": -1}, "max_retries"),
        ({"backend": "curio"}, "backend"),
        ({"transport": object()}, "transport"),
        ({"http_client": object()}, "http_client"),
    ],
)
def test_bad_arguments_fail_before_any_thread_starts(
    monkeypatch: pytest.MonkeyPatch,
    new_threads: Callable[[], int],
    options: dict[str, Any],
    field: str,
) -> None:
    """Invalid settings raise ``ValidationError`` naming the field; no portal is started."""

    def no_portal(*args: object, **kwargs: object) -> None:
        raise AssertionError("a portal was started for invalid arguments")

    monkeypatch.setattr(_portal.Loop, "start", no_portal)
    arguments: dict[str, Any] = {"api_key": KEY, "base_url": BASE_URL, **options}
    with pytest.raises(pv.ValidationError) as caught:
        pv.PictoryClient(**arguments)
    assert field in {e.field for e in caught.value.errors}


def test_a_failure_while_building_leaves_no_thread(new_threads: Callable[[], int]) -> None:
    """An error raised while the client is built in its loop stops the loop it started."""
    with pytest.raises(pv.ValidationError, match="only under asyncio"):
        pv.PictoryClient(KEY, BASE_URL, transport="aiohttp", backend="trio")


def test_repr_shows_settings_and_never_the_key(pictory_emulator: PictoryEmulator) -> None:
    """``repr`` names the settings and the transport, in the async client's style."""
    client = pictory_emulator.sync_client(timeout=5, max_retries=1, transport="httpx")
    text = repr(client)
    assert text == (
        "PictoryClient(base_url='http://localhost', transport='httpx', timeout=5.0, "
        "max_retries=1, max_concurrency=16)"
    )
    assert KEY not in text
    assert KEY not in repr(client.vimeo_connections)
    assert KEY not in repr(client.with_options(timeout=1))


def test_with_options_shares_the_thread_and_pool(
    new_threads: Callable[[], int], pictory_emulator: PictoryEmulator
) -> None:
    """A derived client adds no thread, sends through the same pool, and its close is local."""
    parent = pictory_emulator.sync_client()
    derived = parent.with_options(timeout=7, max_retries=0)
    assert (derived.timeout, derived.max_retries) == (7.0, 0)
    assert (parent.timeout, parent.max_retries) == (30.0, 2)
    assert new_threads() == 1
    made = create(derived.vimeo_connections, "Shared")
    assert parent.vimeo_connections.get(made.connection_id) == derived.vimeo_connections.get(
        made.connection_id
    )
    assert [r.method for r in pictory_emulator.requests] == ["POST", "GET", "GET"]
    derived.close()
    with pytest.raises(pv.ClientClosedError, match="the client is closed"):
        derived.vimeo_connections.get(made.connection_id)
    assert parent.vimeo_connections.get(made.connection_id).name == "Shared"
    other = parent.with_options(max_retries=1)
    parent.close()
    with pytest.raises(pv.ClientClosedError, match="the client is closed"):
        other.vimeo_connections.get(made.connection_id)
    assert new_threads() == 0


def test_with_options_validates(sync_client: pv.PictoryClient) -> None:
    """Bad derived settings raise ``ValidationError`` as the async client's do."""
    with pytest.raises(pv.ValidationError):
        sync_client.with_options(timeout=-1)


def test_retries_are_the_async_clients(retry_waits: list[float]) -> None:
    """A 503 is retried ``max_retries`` times with the same waits, then raised."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(503, json={"message": "down", "code": "UNAVAILABLE"})

    transport = httpx.MockTransport(answer)
    with (
        pv.PictoryClient(KEY, BASE_URL, transport=transport) as client,
        pytest.raises(pv.InternalServerError) as caught,
    ):
        client.vimeo_connections.list_page()
    assert (caught.value.attempts, caught.value.code, len(seen)) == (3, "UNAVAILABLE", 3)
    assert len(retry_waits) == 2


def test_the_deadline_covers_the_call() -> None:
    """A call slower than ``timeout`` raises ``APITimeoutError`` in about that time."""

    async def slow(request: httpx.Request) -> httpx.Response:
        await anyio.sleep(10)
        return httpx.Response(200, json={"Items": []})

    transport = httpx.MockTransport(slow)
    with pv.PictoryClient(KEY, BASE_URL, timeout=0.05, transport=transport) as client:
        started = time.monotonic()
        with pytest.raises(pv.APITimeoutError):
            client.vimeo_connections.list_page()
        assert time.monotonic() - started < 2


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_usable_from_plain_threads(
    new_threads: Callable[[], int], pictory_emulator: PictoryEmulator, backend: Any
) -> None:
    """Several plain threads share one client (on either backend) without interference."""
    conns = pictory_emulator.sync_client(backend=backend).vimeo_connections
    # Four workers all wait here before they call, so none of them is reused for another.
    started = threading.Barrier(4)

    def work(index: int) -> None:
        started.wait()
        made = create(conns, f"Thread {index}")
        assert conns.get(made.connection_id).name == f"Thread {index}"

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(work, range(4)))  # what failed in a thread is raised here
    assert sorted(c.name for c in conns.list()) == [f"Thread {i}" for i in range(4)]


@pytest.mark.anyio
async def test_usable_from_an_event_loops_worker_thread(
    pictory_emulator: PictoryEmulator,
) -> None:
    """Inside an async program, the sync client works from ``anyio.to_thread.run_sync``."""

    def use_sync_client() -> list[str]:
        with pictory_emulator.sync_client() as client:
            create(client.vimeo_connections, "From a worker")
            return [c.name for c in client.vimeo_connections.list()]

    assert await anyio.to_thread.run_sync(use_sync_client) == ["From a worker"]


def test_a_key_without_the_prefix_is_warned_about_once(
    pictory_emulator: PictoryEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    """An unprefixed key gets exactly one warning, and the warning does not show the key."""
    with caplog.at_level("WARNING", logger="pictory_vimeo"):
        pictory_emulator.sync_client(api_key="legacy-key-123").close()
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1
    assert "legacy-key-123" not in warnings[0].getMessage()


def test_a_script_that_never_closes_its_client_still_exits() -> None:
    """Forgetting close() must not hang the interpreter at exit (the thread is a daemon)."""
    import subprocess
    import sys

    script = (
        "import pictory_vimeo as pv\n"
        "from pictory_vimeo import emulator\n"
        "client = pv.PictoryClient(\n"
        "    api_key='pictai_script', base_url='http://localhost',\n"
        "    transport=emulator.Emulator().transport(),\n"
        ")\n"
        "print(len(client.vimeo_connections.list_page().items))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=False
    )
    assert (done.returncode, done.stdout.strip()) == (0, "0"), done.stderr


def test_a_callers_async_client_is_used_and_left_open(
    new_threads: Callable[[], int], pictory_emulator: PictoryEmulator
) -> None:
    """``http_client=`` works as for the async client: used for every call, never closed."""
    http = httpx.AsyncClient(transport=pictory_emulator.emulator.transport())
    with pictory_emulator.sync_client(http_client=http) as client:
        create(client.vimeo_connections, "Borrowed")
    assert not http.is_closed
    assert [r.method for r in pictory_emulator.requests] == ["POST"]
    anyio.run(http.aclose)


def test_http_client_and_transport_together_are_refused(
    pictory_emulator: PictoryEmulator,
) -> None:
    """Two ways to say how to connect is one too many: a ValidationError, no thread."""
    transport = pictory_emulator.emulator.transport()
    http = httpx.AsyncClient(transport=transport)
    with pytest.raises(pv.ValidationError) as caught:
        pv.PictoryClient(KEY, BASE_URL, http_client=http, transport=transport)
    assert [e.field for e in caught.value.errors] == ["transport"]
    anyio.run(http.aclose)


def _empty_listing(request: httpx.Request) -> httpx.Response:
    """Every request answered with an empty page."""
    return httpx.Response(200, json={"Items": []})


def test_a_client_never_closed_warns_and_leaves_no_thread() -> None:
    """Collected unclosed: a ResourceWarning (as aiohttp's unclosed session gives), and its
    loop thread stops; a derived client keeps the loop until it goes too.
    """
    client = pv.PictoryClient(KEY, BASE_URL, transport=httpx.MockTransport(_empty_listing))
    client.vimeo_connections.list_page()
    thread = client._loop.thread
    child = client.with_options(timeout=5)
    held = [client]
    del client
    with pytest.warns(ResourceWarning, match="unclosed PictoryClient"):
        held.clear()  # the last reference: collected at once
    assert thread.is_alive()
    assert child.vimeo_connections.list_page().items == []
    del child
    gc.collect()
    thread.join(timeout=60)
    assert not thread.is_alive()


def test_a_closed_client_gives_no_warning() -> None:
    """close() (or ``with``) is all it takes: collecting it afterwards is silent."""
    client = pv.PictoryClient(KEY, BASE_URL, transport=httpx.MockTransport(_empty_listing))
    client.close()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        del client
        gc.collect()
