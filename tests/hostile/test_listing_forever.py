"""A listing cannot run forever: endless empty pages and long key cycles both stop it.

A server that answers empty ``Items`` with a fresh ``nextPageKey`` every time is stopped
after ``max_empty_pages`` such pages in a row (default 100; ``None``: never); a server that
cycles through more keys than the paginator remembers exactly is caught by Brent's cycle
detection, with the memory of recent keys never above its cap.
"""

from __future__ import annotations

import itertools
import json
import subprocess
from collections.abc import Callable

import httpx
import pytest

import pictory_vimeo as pv
from pictory_vimeo import _pagination, cli

from ._servers import RawRequest, RawServer, http_response
from ._support import KEY, connection_json

BASE_URL = "https://api.test"
DEFAULT = 100


class EndlessEmpty:
    """Answers every list request with no items and a key never seen before."""

    def __init__(self, then_end_after: int | None = None) -> None:
        self.requests = 0
        self._end = then_end_after

    def __call__(self, request: httpx.Request) -> httpx.Response:
        """One more empty page (and the last one after ``then_end_after`` requests)."""
        self.requests += 1
        if self._end is not None and self.requests >= self._end:
            return httpx.Response(200, json={"Items": []})
        return httpx.Response(200, json={"Items": [], "nextPageKey": f"key-{self.requests}"})


def _client(handler: Callable[[httpx.Request], httpx.Response]) -> pv.AsyncPictoryClient:
    return pv.AsyncPictoryClient(KEY, BASE_URL, transport=httpx.MockTransport(handler))


def _empty_run_error(error: pv.PaginationError, pages: int) -> None:
    assert f"{pages} empty pages in a row" in str(error)
    assert "max_empty_pages" in str(error)


@pytest.mark.anyio
async def test_async_for_stops_after_the_default_run_of_empty_pages() -> None:
    """async for: PaginationError after exactly 100 empty pages, not one request more."""
    server = EndlessEmpty()
    async with _client(server) as client:
        with pytest.raises(pv.PaginationError) as caught:
            async for _ in client.vimeo_connections.list():
                pass
    _empty_run_error(caught.value, DEFAULT)
    assert server.requests == DEFAULT


@pytest.mark.anyio
async def test_pages_and_limit_stop_too() -> None:
    """.pages() and list(limit=1) (which never gets its one item) stop the same way."""
    server = EndlessEmpty()
    async with _client(server) as client:
        conns = client.vimeo_connections
        with pytest.raises(pv.PaginationError) as by_page:
            async for _ in conns.list(max_empty_pages=7).pages():
                pass
        _empty_run_error(by_page.value, 7)
        assert server.requests == 7
        with pytest.raises(pv.PaginationError) as limited:
            async for _ in conns.list(limit=1):
                pass
        _empty_run_error(limited.value, DEFAULT)
        assert server.requests == 7 + DEFAULT


@pytest.mark.anyio
async def test_none_means_no_limit() -> None:
    """max_empty_pages=None follows empty pages for as long as the server sends them."""
    server = EndlessEmpty(then_end_after=3 * DEFAULT)
    async with _client(server) as client:
        pages = [p async for p in client.vimeo_connections.list(max_empty_pages=None).pages()]
    assert len(pages) == 3 * DEFAULT
    assert server.requests == 3 * DEFAULT


@pytest.mark.anyio
async def test_items_reset_the_run() -> None:
    """Only consecutive empty pages count: one item in between starts the run again."""
    count = itertools.count(1)

    def handler(request: httpx.Request) -> httpx.Response:
        n = next(count)
        if n > 40:
            return httpx.Response(200, json={"Items": []})
        items = [connection_json(connectionId=f"c{n}")] if n % 4 == 0 else []
        return httpx.Response(200, json={"Items": items, "nextPageKey": f"k{n}"})

    async with _client(handler) as client:
        found = [c.connection_id async for c in client.vimeo_connections.list(max_empty_pages=4)]
    assert found == [f"c{n}" for n in range(4, 41, 4)]


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "10"])
def test_the_limit_is_checked(value: object) -> None:
    """max_empty_pages must be an integer >= 1 or None: a ValidationError naming it."""
    client = _client(EndlessEmpty())
    with pytest.raises(pv.ValidationError, match="max_empty_pages"):
        client.vimeo_connections.list(max_empty_pages=value)  # type: ignore[arg-type]


def test_the_sync_client_stops_too() -> None:
    """PictoryClient's iteration raises the same PaginationError."""
    server = EndlessEmpty()
    with pv.PictoryClient(KEY, BASE_URL, transport=httpx.MockTransport(server)) as client:
        with pytest.raises(pv.PaginationError) as caught:
            for _ in client.vimeo_connections.list():
                pass
        _empty_run_error(caught.value, DEFAULT)
        with pytest.raises(pv.PaginationError):
            for _ in client.vimeo_connections.list(max_empty_pages=3).pages():
                pass
    assert server.requests == DEFAULT + 3


def test_the_command_stops_too(
    raw_server: RawServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """connections list --all against the endless server: one error line, exit 1."""
    keys = itertools.count()

    def endless(request: RawRequest) -> bytes:
        page = {"Items": [], "nextPageKey": f"key-{next(keys)}"}
        return http_response(200, json.dumps(page).encode())

    raw_server.responder = endless
    monkeypatch.setenv("PICTORY_API_KEY", KEY)
    code = cli.main(["--base-url", raw_server.base_url, "connections", "list", "--all"])
    done = subprocess.CompletedProcess([], code, *capsys.readouterr())
    assert done.returncode == 1
    assert done.stderr.startswith("error: ")
    assert f"{DEFAULT} empty pages in a row" in done.stderr
    assert len(raw_server.requests) == DEFAULT


class _Watched(_pagination._KeyMemory):
    """The paginator's key memory, noting the most recent keys it ever held at once."""

    largest = 0

    def repeated(self, key: str) -> bool:
        """As the real one; then note the size of the exact memory."""
        seen = super().repeated(key)
        _Watched.largest = max(_Watched.largest, len(self._recent))
        return seen


@pytest.fixture
def watched_memory(monkeypatch: pytest.MonkeyPatch) -> type[_Watched]:
    """Listings use a key memory that reports its largest size."""
    _Watched.largest = 0
    monkeypatch.setattr(_pagination, "_KeyMemory", _Watched)
    return _Watched


def _cycle(period: int, counter: list[int]) -> Callable[[httpx.Request], httpx.Response]:
    """Non-empty pages whose keys run k0, k1, ... k(period-1), k0, ... forever."""

    def handler(request: httpx.Request) -> httpx.Response:
        counter[0] += 1
        key = request.url.params.get("nextPageKey")
        n = 0 if key is None else (int(key[1:]) + 1) % period
        page = {"Items": [connection_json(connectionId=f"c{n}")], "nextPageKey": f"k{n}"}
        return httpx.Response(200, json=page)

    return handler


#: The key memory's logic does not depend on the event loop: its long walks run on one.
ONE_LOOP = pytest.mark.parametrize("loop_and_pool", [("asyncio", "httpx")], ids=["asyncio"])


@pytest.mark.anyio
@ONE_LOOP
@pytest.mark.parametrize("period", [1, 3, _pagination._RECENT_KEYS + 1])
async def test_a_key_cycle_of_any_length_is_caught(
    watched_memory: type[_Watched], period: int
) -> None:
    """Short cycles at their first repeat; longer ones than the exact memory by Brent's
    method, within a few periods; the memory never grows past its cap. (The pages of a
    cycle repeat their items too: that guard is off here, so the keys' own is what stops it.)
    """
    requests = [0]
    async with _client(_cycle(period, requests)) as client:
        with pytest.raises(pv.PaginationError, match="repeated a nextPageKey"):
            async for _ in client.vimeo_connections.list(max_empty_pages=None):
                pass
    if period <= _pagination._RECENT_KEYS:
        assert requests[0] == period + 1
    else:
        assert requests[0] <= 4 * period
    assert 0 < watched_memory.largest <= _pagination._RECENT_KEYS


@pytest.mark.anyio
@ONE_LOOP
async def test_a_long_listing_without_a_cycle_keeps_bounded_memory(
    watched_memory: type[_Watched],
) -> None:
    """More fresh keys than the memory holds, then the end: no false alarm, and no more
    keys remembered than the cap.
    """
    total = 2 * _pagination._RECENT_KEYS + 50

    def handler(request: httpx.Request) -> httpx.Response:
        key = request.url.params.get("nextPageKey")
        n = 0 if key is None else int(key[1:]) + 1
        page: dict[str, object] = {"Items": [connection_json(connectionId=f"c{n}")]}
        if n + 1 < total:
            page["nextPageKey"] = f"k{n}"
        return httpx.Response(200, json=page)

    async with _client(handler) as client:
        count = sum([1 async for _ in client.vimeo_connections.list()])
    assert count == total
    assert watched_memory.largest == _pagination._RECENT_KEYS


@pytest.mark.anyio
async def test_a_repeated_key_is_not_quoted_back() -> None:
    """The server's key is its own text (here, quoting the API key): the error names the
    loop, not the key.
    """

    def handler(request: httpx.Request) -> httpx.Response:
        key = f"echo {request.headers['authorization']}\x1b[2J"
        return httpx.Response(200, json={"Items": [connection_json()], "nextPageKey": key})

    async with _client(handler) as client:
        with pytest.raises(pv.PaginationError) as caught:
            async for _ in client.vimeo_connections.list():
                pass
    assert str(caught.value) == (
        "the server repeated a nextPageKey it had sent before; following it would loop forever"
    )


class SameItemsForever:
    """Answers every list request with the same two connections and a key never seen before."""

    def __init__(self) -> None:
        self.requests = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        """The same items again, under a fresh key."""
        self.requests += 1
        items = [connection_json(connectionId=f"same-{i}", name=f"n{i}") for i in (1, 2)]
        return httpx.Response(200, json={"Items": items, "nextPageKey": f"fresh-{self.requests}"})


@pytest.mark.anyio
async def test_pages_of_only_repeated_items_count_as_empty() -> None:
    """Same items, ever-new keys: PaginationError after max_empty_pages pages of nothing new."""
    server = SameItemsForever()
    async with _client(server) as client:
        with pytest.raises(pv.PaginationError) as caught:
            async for _ in client.vimeo_connections.list(max_empty_pages=5):
                pass
        assert server.requests == 1 + 5
        with pytest.raises(pv.PaginationError):
            async for _ in client.vimeo_connections.list().pages():
                pass
    _empty_run_error(caught.value, 5)
    assert server.requests == 1 + 5 + 1 + DEFAULT


def test_the_memory_of_item_ids_is_bounded() -> None:
    """Only the most recent IDs are kept: a listing of any length holds at most the cap."""
    memory = _pagination._IdMemory()
    ids = [pv.VimeoConnection(f"c{i}", "n", "cid", True, 1) for i in range(3 * 4096)]
    assert memory.any_new(ids)
    assert len(memory.recent) == _pagination._RECENT_IDS
    assert not memory.any_new(ids[-10:])
    assert memory.any_new(ids[:1])
