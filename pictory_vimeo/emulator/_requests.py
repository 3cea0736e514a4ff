"""The request log: every API request the emulator received, and how it was answered.

An ASGI middleware takes a place in the log when a request arrives and fills it in once
the answer is decided, so the log keeps arrival order even when answers overtake each
other (latency, slow handlers). Deliberate failures are logged like any other answer; a
dropped answer is logged with the status it was about to send.
"""

from __future__ import annotations

import collections
import threading
from typing import Final

import attrs
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._http import ConnectionDropped

__all__ = ["MAX_LOGGED", "RequestLog", "RequestLogMiddleware", "ServedRequest"]

#: Older entries give way beyond this, so a long-running server's memory stays bounded.
MAX_LOGGED: Final = 10_000
#: What the server answers when the app fails before it answered at all.
_NO_ANSWER_STATUS: Final = 500


@attrs.frozen
class ServedRequest:
    """One API request the emulator received: its method, path and query, and its answer.

    ``status`` is the status sent, or, when ``dropped``, the status that was about to be
    sent when the connection was cut on purpose.
    """

    method: str
    path: str
    status: int
    dropped: bool = False
    query: str = ""


@attrs.define
class _Slot:
    """A request's place in the log, filled in when its answer is known."""

    served: ServedRequest | None = None


class RequestLog:
    """The requests served so far, oldest first; safe to use from any thread."""

    def __init__(self, limit: int = MAX_LOGGED) -> None:
        self._lock = threading.Lock()
        self._slots: collections.deque[_Slot] = collections.deque(maxlen=limit)

    def arrived(self) -> _Slot:
        """Reserve the next place in arrival order."""
        slot = _Slot()
        with self._lock:
            self._slots.append(slot)
        return slot

    def answered(self, slot: _Slot, served: ServedRequest) -> None:
        """Fill in a reserved place (a no-op once the log was cleared meanwhile)."""
        with self._lock:
            slot.served = served

    def snapshot(self) -> list[ServedRequest]:
        """The requests answered so far, in the order they arrived."""
        with self._lock:
            return [slot.served for slot in self._slots if slot.served is not None]

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._slots.clear()


class RequestLogMiddleware:
    """Logs each HTTP request whose path is ``prefix`` or under it into ``log``."""

    def __init__(self, app: ASGIApp, *, log: RequestLog, prefix: str) -> None:
        self.app = app
        self._log = log
        self._prefix = prefix

    def _logged(self, scope: Scope) -> bool:
        path = str(scope.get("path", ""))
        return path == self._prefix or path.startswith(self._prefix + "/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, noting the status its answer starts with."""
        if scope["type"] != "http" or not self._logged(scope):
            await self.app(scope, receive, send)
            return
        slot = self._log.arrived()
        status = _NO_ANSWER_STATUS

        def answered(dropped: bool = False) -> None:
            served = ServedRequest(
                method=str(scope["method"]),
                path=str(scope["path"]),
                status=status,
                dropped=dropped,
                query=bytes(scope.get("query_string", b"")).decode("latin-1"),
            )
            self._log.answered(slot, served)

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                # Before the last byte goes out: a client holding its answer finds it logged.
                answered()
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        except ConnectionDropped as cut:
            status = cut.status
            answered(dropped=True)
            raise
        except BaseException:
            if slot.served is None:
                answered()
            raise
