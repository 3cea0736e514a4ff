"""A tiny raw HTTP server on 127.0.0.1 that answers with whatever bytes a test gives it.

It runs in daemon threads with blocking sockets, so it serves asyncio, trio and plain
threads alike (the SDK's own event loop never runs it), and it can send what no real
server framework would: illegal header lines, lying ``Content-Encoding`` and ``charset``
headers, bodies cut short. Every connection is closed after its one answer.
"""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Final

import attrs

__all__ = ["RawRequest", "RawServer", "http_response", "serve"]

_HEAD_MAX: Final = 64 * 1024
_STATUS_PHRASES: Final = {
    200: "OK",
    201: "Created",
    204: "No Content",
    302: "Found",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    409: "Conflict",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


@attrs.frozen
class RawRequest:
    """One request as it arrived: method, target, headers (lower-cased names), body."""

    method: str
    target: str
    headers: Mapping[str, str]
    body: bytes


#: Answers a request with the complete bytes to send back (status line onwards).
Responder = Callable[[RawRequest], bytes]


def http_response(
    status: int,
    body: bytes = b"",
    headers: list[tuple[bytes, bytes]] | None = None,
    *,
    content_type: bytes | None = b"application/json",
    extra_head: bytes = b"",
) -> bytes:
    """A complete HTTP/1.1 answer; ``extra_head`` is spliced in raw (e.g. an illegal line)."""
    phrase = _STATUS_PHRASES.get(status, "Whatever").encode()
    lines = [b"HTTP/1.1 %d %s" % (status, phrase)]
    if content_type is not None:
        lines.append(b"Content-Type: " + content_type)
    for name, value in headers or []:
        lines.append(name + b": " + value)
    lines.append(b"Content-Length: %d" % len(body))
    lines.append(b"Connection: close")
    head = b"\r\n".join(lines) + b"\r\n" + extra_head
    return head + b"\r\n" + body


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(10)
        try:
            request = _read_request(sock)
        except (OSError, ValueError):
            return
        if request is None:
            return
        self.server.requests.append(request)
        try:
            answer = self.server.responder(request)
        except Exception as exc:  # a broken responder is the test's bug: say so loudly
            self.server.errors.append(exc)
            answer = http_response(599, b"responder failed")
        try:
            sock.sendall(answer)
            sock.shutdown(socket.SHUT_WR)
            # Let the client read everything before the socket goes away.
            while sock.recv(65536):
                pass
        except OSError:
            pass


def _read_request(sock: socket.socket) -> RawRequest | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
        if len(data) > _HEAD_MAX:
            raise ValueError("request head too large")
    head, _, body = data.partition(b"\r\n\r\n")
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, target, _ = request_line.split(" ", 2)
    headers: dict[str, str] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return RawRequest(method, target, headers, body[:length])


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, responder: Responder) -> None:
        self.responder = responder
        self.requests: list[RawRequest] = []
        self.errors: list[Exception] = []
        super().__init__(("127.0.0.1", 0), _Handler)


class RawServer:
    """A running raw server: ``base_url``, the ``requests`` it got, a settable ``responder``."""

    def __init__(self, server: _Server) -> None:
        self._server = server
        host, port = server.server_address[:2]
        self.base_url = f"http://{host!s}:{port}"

    @property
    def requests(self) -> list[RawRequest]:
        """Every request received so far."""
        return self._server.requests

    @property
    def responder(self) -> Responder:
        """What answers each request."""
        return self._server.responder

    @responder.setter
    def responder(self, responder: Responder) -> None:
        self._server.responder = responder

    def check(self) -> None:
        """Fail if a responder raised (the test's own bug, not the SDK's)."""
        if self._server.errors:
            raise self._server.errors[0]


@contextmanager
def serve(responder: Responder) -> Iterator[RawServer]:
    """Run a raw server on a free loopback port for the length of the block."""
    server = _Server(responder)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
    thread.daemon = True
    thread.start()
    try:
        yield RawServer(server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
