"""uvicorn's h11 protocol with a deadline for receiving each request in full.

uvicorn times out idle keep-alive connections only: a client that opens a connection and
sends nothing, stops halfway through its headers, or promises a body by Content-Length
and never sends it, holds the connection (and, for a body, a task) for ever. Here a timer
starts with a connection and with the first byte of each later request, and stops when
h11 has the whole request; if it fires first, the connection is answered 408 (when a
request had begun and nothing was answered yet) and closed. A timer is cheaper than an
ASGI-level timeout and also covers headers, which never reach the app.

It also offers the app a way to lose an answer on purpose, which ASGI has no message for:
``scope["extensions"][DROP_EXTENSION](kind)`` closes the connection (after whatever was
already sent), or resets it (``SO_LINGER`` 0, then close: a TCP RST, nothing sent), and
tells uvicorn to write nothing more for this request (else its 500 would go out).

The h11 protocol is used whether or not httptools is installed: h11 is always there with
uvicorn, and its connection state says exactly when a request is complete. Its refusal of
a malformed request is also rewritten into the API's JSON error shape (431 for headers
too large, as h11 hints, else 400).
"""

from __future__ import annotations

import asyncio
import functools
import json
import math
import socket
import struct
from typing import Any, Final

import h11
from starlette.types import Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol, RequestResponseCycle

from ._http import DROP_EXTENSION, MAX_HEADER_BYTES, DropKind

__all__ = [
    "DEFAULT_READ_TIMEOUT",
    "TimedH11Protocol",
    "check_read_timeout",
    "timed_protocol",
]

#: Seconds a client has to send a whole request (headers and body).
DEFAULT_READ_TIMEOUT: Final = 10.0
_MAX_READ_TIMEOUT: Final = 3600.0


def check_read_timeout(seconds: float) -> float:
    """``seconds`` as a float if it is a usable read timeout; else TypeError/ValueError."""
    if not isinstance(seconds, int | float) or isinstance(seconds, bool):
        raise TypeError(
            f"request_read_timeout must be a number of seconds (got {type(seconds).__name__})"
        )
    if not (math.isfinite(seconds) and 0 < seconds <= _MAX_READ_TIMEOUT):
        raise ValueError(
            f"request_read_timeout must be seconds > 0 and <= {_MAX_READ_TIMEOUT:g}"
            f" (got {seconds!r:.40})"
        )
    return float(seconds)


def _refusal(status: int, reason: str, code: str, message: str) -> bytes:
    """A complete HTTP/1.1 answer that closes the connection, in the API's error shape."""
    body = json.dumps({"message": message, "code": code}).encode("ascii")
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class TimedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request is late (``read_timeout``)."""

    read_timeout: float = DEFAULT_READ_TIMEOUT
    _read_timer: asyncio.TimerHandle | None = None
    #: The request cycle there was when the clock started: a later one is this request's.
    _cycle_at_arm: object = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._served_app = self.app
        self.app = self._app_with_drop

    async def _app_with_drop(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The app, its scope carrying the drop extension for this request's cycle."""
        # The task running this was made with the cycle now current, and that cycle cannot
        # end (so no later one can begin) before this task has run.
        drop = functools.partial(self._drop_answer, self.cycle)
        scope.setdefault("extensions", {})[DROP_EXTENSION] = drop
        await self._served_app(scope, receive, send)

    def _drop_answer(self, cycle: RequestResponseCycle, kind: DropKind) -> None:
        """Lose ``cycle``'s answer: close the connection, or reset it (``kind``)."""
        cycle.disconnected = True  # uvicorn sends nothing more for it, not even a 500
        cycle.keep_alive = False
        if kind == "reset":
            sock = self.transport.get_extra_info("socket")
            if sock is not None:
                # Linger on, for 0 s: closing sends an RST instead of a FIN.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.transport.abort()
        else:
            self.transport.close()  # after what was written (the cut's part of an answer)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the clock: the first request must arrive in time too."""
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the clock along with the connection."""
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """Start the clock on the first byte of a request on a kept-alive connection."""
        if self._read_timer is None and self._between_requests():
            self._arm()
        super().data_received(data)

    def handle_events(self) -> None:
        """Handle what h11 parsed, then stop the clock if the request is now complete."""
        super().handle_events()
        state = self.conn.their_state
        if state is h11.SEND_BODY or (state is h11.IDLE and not self._between_requests()):
            if self._read_timer is None:  # a pipelined request, parsed only now
                self._arm()
        elif state is not h11.IDLE:
            self._disarm()

    def send_400_response(self, msg: str) -> None:
        """Refuse a malformed request in the API's error shape, then close."""
        # A buffer past the cap means h11 gave up waiting for the end of the headers.
        if len(self.conn.trailing_data[0]) > self._header_limit():
            refusal = _refusal(
                431,
                "Request Header Fields Too Large",
                "HEADERS_TOO_LARGE",
                "The request line and headers are too large",
            )
        else:
            refusal = _refusal(400, "Bad Request", "BAD_REQUEST", "The request is not valid HTTP")
        self.transport.write(refusal)
        self.transport.close()

    def _header_limit(self) -> int:
        """h11's cap on headers still arriving (``server_config`` sets it to the app's)."""
        return self.config.h11_max_incomplete_event_size or MAX_HEADER_BYTES

    def _between_requests(self) -> bool:
        """No request under way: h11 waits for one and holds none of its bytes."""
        return self.conn.their_state is h11.IDLE and not self.conn.trailing_data[0]

    def _arm(self) -> None:
        self._disarm()
        self._cycle_at_arm = getattr(self, "cycle", None)
        self._read_timer = self.loop.call_later(self.read_timeout, self._expired)

    def _disarm(self) -> None:
        if self._read_timer is not None:
            self._read_timer.cancel()
            self._read_timer = None

    def _expired(self) -> None:
        self._read_timer = None
        if self.transport.is_closing():
            return
        if self.flow.read_paused:  # the app is behind, not the client: give it time
            self._arm()
            return
        message = f"The request was not received in full within {self.read_timeout:g} s"
        timed_out = _refusal(408, "Request Timeout", "REQUEST_TIMEOUT", message)
        cycle = getattr(self, "cycle", None)
        if cycle is not None and cycle is not self._cycle_at_arm and cycle.response_started:
            # The app answered this request early (a 401 before its body, say): that answer
            # stands, and a second one would be a protocol error. Only close.
            self.transport.close()
            return
        if self.conn.their_state is h11.SEND_BODY:
            cycle = self.cycle
            if not cycle.response_started:  # else the app answered early: it has its say
                # The app waits for the rest of the body; now it sees the client leave.
                cycle.disconnected = True
                cycle.message_event.set()
                self.transport.write(timed_out)
        elif not self._between_requests():  # headers begun, never finished
            self.transport.write(timed_out)
        # Otherwise the connection never carried a byte: closing it is answer enough.
        self.transport.close()


def timed_protocol(read_timeout: float) -> type[TimedH11Protocol]:
    """The protocol class to give ``uvicorn.Config(http=...)`` for this read timeout."""
    seconds = check_read_timeout(read_timeout)

    class Timed(TimedH11Protocol):
        """``TimedH11Protocol`` with this one read timeout."""

        read_timeout = seconds

    return Timed
