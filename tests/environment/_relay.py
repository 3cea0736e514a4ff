"""A recording HTTP relay on a loopback address: a forward proxy, or a stand-in server.

It reads each request on a client's connection, records it (with the client's port, so a
test can tell connections apart), and forwards it over one kept-alive connection of its
own to an upstream on loopback: whatever host a proxied request names, so nothing ever
leaves the machine. ``CONNECT`` is recorded and refused (502): enough to show that an
``https://`` request went through the proxy as a tunnel, the key never seen in clear.
Threads, not an event loop: it serves clients in any loop, thread or forked child.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import attrs

#: The loopback address the relay listens on, apart from the emulator's 127.0.0.1.
RELAY_HOST = "127.0.0.2"


@attrs.frozen
class Seen:
    """One request the relay received: its client's port, request line and headers (their
    names in lowercase)."""

    peer_port: int
    method: str
    target: str
    headers: dict[str, str]


def _read_head(stream: socket.socket, buffer: bytearray) -> bytes | None:
    """The bytes up to a blank line (consumed from ``buffer``), or ``None`` at EOF."""
    while b"\r\n\r\n" not in buffer:
        chunk = stream.recv(65536)
        if not chunk:
            return None
        buffer += chunk
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    buffer[:] = rest
    return head


def _read_exactly(stream: socket.socket, buffer: bytearray, size: int) -> bytes:
    while len(buffer) < size:
        chunk = stream.recv(65536)
        if not chunk:
            raise ConnectionError("closed mid-body")
        buffer += chunk
    body = bytes(buffer[:size])
    del buffer[:size]
    return body


def _headers(head: bytes) -> tuple[str, list[tuple[str, str]]]:
    first, *lines = head.decode("latin-1").split("\r\n")
    pairs = [(k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in lines)]
    return first, pairs


def _length(pairs: list[tuple[str, str]]) -> int:
    return next((int(v) for k, v in pairs if k.lower() == "content-length"), 0)


class Relay:
    """The relay's listening socket, its threads, and every request it saw."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.seen: list[Seen] = []
        #: Clients' connections open now.
        self.open_connections = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server((RELAY_HOST, 0))
        self.port: int = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = [self._listener]
        self._thread = threading.Thread(target=self._accept, daemon=True, name="test-relay")
        self._thread.start()

    @property
    def url(self) -> str:
        """``http://127.0.0.2:<port>``: as a proxy URL, or as a base URL."""
        return f"http://{RELAY_HOST}:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                client, address = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._sockets.append(client)
                self.open_connections += 1
            threading.Thread(target=self._serve, args=(client, address[1]), daemon=True).start()

    def _serve(self, client: socket.socket, peer_port: int) -> None:
        try:
            self._relay(client, peer_port)
        finally:
            with self._lock:
                self.open_connections -= 1

    def _relay(self, client: socket.socket, peer_port: int) -> None:
        upstream: socket.socket | None = None
        inbound, outbound = bytearray(), bytearray()
        with contextlib.suppress(OSError), client:
            while (head := _read_head(client, inbound)) is not None:
                first, pairs = _headers(head)
                method, target, _ = first.split(" ", 2)
                body = _read_exactly(client, inbound, _length(pairs))
                named = {k.lower(): v for k, v in pairs}
                with self._lock:
                    self.seen.append(Seen(peer_port, method, target, named))
                if method == "CONNECT":
                    client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                    return
                if upstream is None:
                    upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
                    self._sockets.append(upstream)
                if "://" in target:  # absolute-form, as sent to a proxy: the path onwards
                    target = "/" + target.split("://", 1)[1].partition("/")[2]
                kept = [(k, v) for k, v in pairs if not k.lower().startswith("proxy-")]
                lines = [f"{method} {target} HTTP/1.1", *(f"{k}: {v}" for k, v in kept)]
                upstream.sendall("\r\n".join(lines).encode("latin-1") + b"\r\n\r\n" + body)
                answer = _read_head(upstream, outbound)
                if answer is None:
                    return
                status_line, answer_pairs = _headers(answer)
                no_body = status_line.split(" ")[1] in ("204", "304") or method == "HEAD"
                answer_body = (
                    b"" if no_body else _read_exactly(upstream, outbound, _length(answer_pairs))
                )
                client.sendall(answer + b"\r\n\r\n" + answer_body)

    def wait_until_closed(self, deadline: float = 30.0) -> bool:
        """Whether every client connection closes within ``deadline`` seconds."""
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            with self._lock:
                if self.open_connections == 0:
                    return True
            time.sleep(0.01)
        return False

    def requests(self, method: str | None = None) -> list[Seen]:
        """What was seen so far (of ``method``, if given)."""
        with self._lock:
            return [s for s in self.seen if method is None or s.method == method]

    def close(self) -> None:
        """Stop listening and close every connection it holds."""
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
        self._thread.join(timeout=5)


@contextlib.contextmanager
def relaying(upstream_port: int) -> Iterator[Relay]:
    """A relay to ``upstream_port`` on 127.0.0.1, for the block."""
    relay = Relay(upstream_port)
    try:
        yield relay
    finally:
        relay.close()
