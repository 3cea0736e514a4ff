"""A failed connection is told in plain words, the same on every pool, with host and port.

No library's class names, no ``[Errno ...]`` or ``ssl:default`` noise: what happened
(refused, name not found, TLS failed, reset, closed before answering), where, and after
how many attempts.
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator

import pytest

import pictory_vimeo as pv
from tests._support import Pool

from ._server import Close, KeepAliveServer, Reset
from ._support import KEY, A

pytestmark = pytest.mark.anyio

#: What no message may show: a library's class or module names, errno or aiohttp's noise.
NOISE = re.compile(r"Error\b|Exception|aiohttp|httpx|httpcore|Errno|ssl:default|\[SSL")


def check_plain(error: pv.APIConnectionError, words: str, where: str, attempts: int) -> None:
    """``error`` says ``words`` about ``where``, counts its attempts, and nothing else."""
    text = str(error)
    assert f"failed: {words} ({where})" in text, text
    assert error.attempts == attempts
    assert (f"[after {attempts} attempts]" in text) == (attempts > 1)
    assert not NOISE.search(text), text


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def not_tls() -> Iterator[int]:
    """A loopback port that answers a TLS handshake with plain text, then closes."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                sock, _ = listener.accept()
            except OSError:
                return
            with sock:
                sock.recv(65536)
                sock.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield int(listener.getsockname()[1])
    listener.shutdown(socket.SHUT_RDWR)
    listener.close()
    thread.join(5)


async def failed_get(base: str, pool: Pool, max_retries: int) -> pv.APIConnectionError:
    """The error a get from ``base`` over ``pool`` fails with."""
    async with pv.AsyncPictoryClient(KEY, base, transport=pool, max_retries=max_retries) as client:
        with pytest.raises(pv.APIConnectionError) as caught:
            await client.vimeo_connections.get(A)
    return caught.value


async def test_connection_refused(closed_port: int, sdk_transport: Pool) -> None:
    """Nothing listening: "connection refused", retried (it never left), on every pool."""
    error = await failed_get(f"http://127.0.0.1:{closed_port}", sdk_transport, max_retries=1)
    check_plain(error, "connection refused", f"127.0.0.1:{closed_port}", 2)


async def test_host_name_not_found(sdk_transport: Pool) -> None:
    """A name that does not resolve: "host name not found"."""
    error = await failed_get("https://no-such-host.invalid", sdk_transport, max_retries=0)
    check_plain(error, "host name not found", "no-such-host.invalid:443", 1)


async def test_tls_failed(not_tls: int, sdk_transport: Pool) -> None:
    """A server that does not speak TLS to an https:// URL: "TLS handshake failed"."""
    error = await failed_get(f"https://127.0.0.1:{not_tls}", sdk_transport, max_retries=0)
    check_plain(error, "TLS handshake failed", f"127.0.0.1:{not_tls}", 1)


@pytest.mark.parametrize(
    ("drop", "words"),
    [
        (Close(), "the server closed the connection before answering"),
        (Reset(), "connection reset by the server"),
    ],
    ids=["closed", "reset"],
)
async def test_dropped_after_the_request_arrived(
    server: KeepAliveServer, sdk_transport: Pool, drop: Close | Reset, words: str
) -> None:
    """The server took the request, then closed or reset the connection: said so, and
    (the request may have reached it) retried as an attempt whose outcome is unclear;
    the re-reads that would settle it are dropped too, so the outcome stays unknown."""
    server.responder = lambda exchange: drop
    async with pv.AsyncPictoryClient(
        KEY, server.base_url, transport=sdk_transport, max_retries=2
    ) as client:
        with pytest.raises(pv.APIConnectionError) as caught:
            await client.vimeo_connections.update(A, version=1, description="d")
    check_plain(caught.value, words, server.base_url.removeprefix("http://"), 3)
    assert caught.value.outcome_unknown is True
    assert [e.method for e in server.exchanges] == ["PUT"] * 3 + ["GET"] * 3
