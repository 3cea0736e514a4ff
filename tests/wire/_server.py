"""A raw keep-alive HTTP server on 127.0.0.1 whose every answer is scripted by the test.

Unlike ``tests/hostile/_servers.py`` (one answer per connection), a connection here stays
open for as many requests as the client sends, so a test can act on a *reused* connection:
close it without answering, send an answer twice, stream a body of any size. It runs in
daemon threads with blocking sockets, so it serves asyncio and trio alike. Each request is
recorded with the number of the connection it came on.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Final

import attrs

__all__ = ["Close", "Exchange", "KeepAliveServer", "Reply", "Reset", "Responder", "answer", "serve"]

_HEAD_MAX: Final = 64 * 1024


@attrs.frozen
class Exchange:
    """One request as it arrived, and the number of the connection it came on (from 1)."""

    connection: int
    method: str
    target: str
    body: bytes
    #: Header names lower-cased, each with its values in order.
    headers: dict[str, list[str]] = attrs.field(factory=dict)


class Close:
    """Close the connection without answering."""


class Reset:
    """Reset the connection (an RST, not a FIN) without answering."""


#: What to send back: bytes (or chunks of bytes, streamed), or ``Close``/``Reset``.
Reply = bytes | Iterable[bytes] | Close | Reset
Responder = Callable[[Exchange], Reply]


def answer(
    status: int,
    body: bytes = b"",
    headers: Iterable[tuple[str, str]] = (),
    *,
    length: int | None = None,
) -> bytes:
    """The head of a keep-alive answer and ``body``; ``length`` overrides Content-Length."""
    lines = [f"HTTP/1.1 {status} Whatever", "Content-Type: application/json"]
    lines += [f"{name}: {value}" for name, value in headers]
    lines.append(f"Content-Length: {len(body) if length is None else length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class KeepAliveServer:
    """A running server: ``base_url``, the ``exchanges`` it saw, a settable ``responder``."""

    def __init__(self, responder: Responder) -> None:
        self.responder = responder
        self.exchanges: list[Exchange] = []
        self.errors: list[BaseException] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._connections = 0
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self.base_url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    @property
    def connections(self) -> int:
        """How many connections were opened to it."""
        return self._connections

    def serve_forever(self) -> None:
        """Accept connections until closed, each served in a thread of its own."""
        while True:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._connections += 1
                number = self._connections
                self._open.append(sock)
            threading.Thread(target=self._serve, args=(sock, number), daemon=True).start()

    def _serve(self, sock: socket.socket, number: int) -> None:
        sock.settimeout(30)
        buffered = b""
        try:
            while True:
                request, buffered = _read_request(sock, buffered, number)
                if request is None:
                    return
                self.exchanges.append(request)
                try:
                    reply = self.responder(request)
                except Exception as exc:  # the test's own bug: say so loudly
                    self.errors.append(exc)
                    return
                if isinstance(reply, Close):
                    return
                if isinstance(reply, Reset):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    return
                for chunk in [reply] if isinstance(reply, bytes) else reply:
                    sock.sendall(chunk)
        except OSError:
            return
        finally:
            sock.close()

    def close(self) -> None:
        """Stop accepting and close every connection."""
        with contextlib.suppress(OSError):
            # Wakes the thread blocked in accept(), which close() alone does not.
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def check(self) -> None:
        """Fail if a responder raised (the test's own bug, not the SDK's)."""
        if self.errors:
            raise self.errors[0]


def _read_request(
    sock: socket.socket, buffered: bytes, number: int
) -> tuple[Exchange | None, bytes]:
    data = buffered
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None, b""
        data += chunk
        if len(data) > _HEAD_MAX:
            return None, b""
    head, _, rest = data.partition(b"\r\n\r\n")
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, target, _ = request_line.split(" ", 2)
    headers: dict[str, list[str]] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    length = int(headers.get("content-length", ["0"])[0])
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None, b""
        rest += chunk
    return Exchange(number, method, target, rest[:length], headers), rest[length:]


@contextmanager
def serve(responder: Responder) -> Iterator[KeepAliveServer]:
    """Run a keep-alive server on a free loopback port for the length of the block."""
    server = KeepAliveServer(responder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.close()
        thread.join(5)
