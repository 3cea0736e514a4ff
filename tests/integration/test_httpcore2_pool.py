"""httpcore2's pool (trio's default): each failure keeps the meaning the retry policy reads.

Over real loopback sockets, a server that refuses, one that closes after reading the
request, one that cuts its answer short and one that never answers: the pool's failure
must say whether the request may have reached the server, exactly as httpx's own pool
says it, so a write is neither resent blindly nor reported as never sent.
"""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import pytest

from pictory_vimeo import emulator
from pictory_vimeo._httpcore2_pool import Httpcore2Transport
from pictory_vimeo._retry import transport_failure
from tests._support import MakeClient

pytestmark = [pytest.mark.anyio, pytest.mark.integration]

#: What the server does with a connection once it has read the request head.
Behaviour = Callable[[socket.socket], None]


@pytest.fixture(params=[("asyncio", "httpcore2"), ("trio", "httpcore2")], ids=["asyncio", "trio"])
def loop_and_pool(request: pytest.FixtureRequest) -> tuple[str, str]:
    """httpcore2's pool runs under both event loops."""
    backend, pool = request.param
    return str(backend), str(pool)


def _close(conn: socket.socket) -> None:
    conn.close()


def _cut(conn: socket.socket) -> None:
    conn.sendall(b'HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"connectionId"')
    conn.close()


def _stall(conn: socket.socket) -> None:
    while conn.recv(65536):  # the body, then nothing until the client gives up and closes
        pass
    conn.close()


@contextmanager
def _server(behaviour: Behaviour) -> Iterator[str]:
    """A loopback server that reads each request's head, then does ``behaviour``."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)  # so the thread sees ``done`` soon after the test ends
    port = listener.getsockname()[1]
    done = threading.Event()

    def serve() -> None:
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(10)
            with conn:
                _read_request(conn)
                behaviour(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        done.set()
        thread.join(5)
        listener.close()


def _read_request(conn: socket.socket) -> None:
    """Read a whole request, head and body: closing a socket with unread bytes in it resets
    the connection, which would turn "closed" into "reset" by chance of timing.
    """
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return
        body += chunk


def _unused_port() -> str:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


async def _failure(pool: httpx.AsyncBaseTransport, url: str) -> httpx.TransportError:
    timeout = {"connect": 2.0, "read": 0.3, "write": 2.0, "pool": 2.0}
    request = httpx.Request("PUT", url + "/x", content=b"{}", extensions={"timeout": timeout})
    with pytest.raises(httpx.TransportError) as caught:
        await _exchange(pool, request)
    return caught.value


async def _exchange(pool: httpx.AsyncBaseTransport, request: httpx.Request) -> None:
    response = await pool.handle_async_request(request)
    try:
        await response.aread()
    finally:
        await response.aclose()


def _httpcore2() -> Httpcore2Transport:
    return Httpcore2Transport(
        ssl_context=httpx.create_ssl_context(), max_connections=4, keepalive_expiry=5.0
    )


def _pools() -> list[httpx.AsyncBaseTransport]:
    return [_httpcore2(), httpx.AsyncHTTPTransport()]


@pytest.mark.parametrize(
    ("behaviour", "expected"),
    [
        (None, (httpx.ConnectError, False)),
        (_close, (httpx.RemoteProtocolError, True)),
        (_cut, (httpx.RemoteProtocolError, True)),
        (_stall, (httpx.ReadTimeout, True)),
    ],
    ids=["refused", "closed-before-answering", "cut-mid-body", "never-answers"],
)
async def test_each_failure_is_classified_as_on_httpxs_own_pool(
    behaviour: Behaviour | None, expected: tuple[type[httpx.TransportError], bool]
) -> None:
    """Refused: never sent, retryable. Closed, cut or silent after the request: it may have
    been applied (unclear), retryable. httpcore2's pool and httpx's agree on each.
    """
    error_class, unclear = expected
    seen = []
    for pool in _pools():
        if behaviour is None:
            exc = await _failure(pool, _unused_port())
        else:
            with _server(behaviour) as url:
                exc = await _failure(pool, url)
        await pool.aclose()
        assert type(exc) is error_class, (type(pool).__name__, exc)
        failure = transport_failure(exc, "GET /x", str(exc), attempts=1)
        seen.append((type(exc), failure.retryable, failure.unclear))
    assert seen[0] == seen[1] == (error_class, True, unclear)


async def test_a_failure_httpcore2_does_not_classify_is_taken_as_maybe_applied(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An exception the pool raises that names no phase may have come after the send: it is
    a ``RemoteProtocolError`` (unclear), never a request that never left.
    """
    pool = _httpcore2()

    async def broken(request: object) -> object:
        raise RuntimeError("something inside the pool")

    monkeypatch.setattr(pool._pool, "handle_async_request", broken)
    with pytest.raises(httpx.RemoteProtocolError, match="RuntimeError: something inside"):
        await pool.handle_async_request(httpx.Request("GET", "http://127.0.0.1:9/"))
    await pool.aclose()


async def test_an_update_whose_answer_is_lost_is_applied_once_and_reported(
    make_client: MakeClient, served: emulator.RunningEmulator
) -> None:
    """Through the SDK on httpcore2's pool, an update applied but whose answer was cut off
    is taken as maybe applied: the retry reconciles instead of applying it twice or
    reporting a conflict with itself, and the call returns version 2.
    """
    conns = make_client().vimeo_connections
    made = await conns.create(
        name="Main", client_identifier="cid", client_secret="s", access_token="t"
    )
    served.emulator.fail_next(method="PUT", drop_after_commit=True)
    updated = await conns.update(made.connection_id, version=1, description="once")
    assert (updated.version, updated.description) == (2, "once")
    assert (await conns.get(made.connection_id)).version == 2
    puts = [r for r in served.emulator.requests if r.method == "PUT"]
    assert puts[0].dropped  # the first answer was lost; the version shows it was applied once


async def test_a_socks_proxy_without_socksio_fails_when_the_pool_is_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Not on the first request, where an ``ImportError`` would be mapped as a lost answer."""
    monkeypatch.setitem(sys.modules, "socksio", None)  # not installed, whatever this machine has
    proxy = httpx.Proxy("socks5://127.0.0.1:1080")
    with pytest.raises(ImportError, match="socksio"):
        Httpcore2Transport(
            ssl_context=httpx.create_ssl_context(),
            max_connections=1,
            keepalive_expiry=1.0,
            proxy=proxy,
        )
