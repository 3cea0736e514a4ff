"""The request log: every API request the emulator received, and how it was answered.

An ASGI middleware takes a place in the log when a request arrives and fills it in once
the answer is decided, so the log keeps arrival order even when answers overtake each
other (latency, slow handlers). Deliberate failures are logged like any other answer, with
the fault that was injected; a dropped answer is logged with the status it was about to
send and how it was lost. Listeners (``serve``'s request lines) hear of every request the
middleware sees, control routes included; the log keeps those under the API's prefix.
"""

from __future__ import annotations

import collections
import hashlib
import itertools
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Final

import attrs
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._api import account_for_key
from ._http import ConnectionDropped, DropKind, FaultOrigin, noted_fault

__all__ = [
    "MAX_LOGGED",
    "Listener",
    "RequestLog",
    "RequestLogMiddleware",
    "ServedRequest",
    "key_fingerprint",
]

#: Older entries give way beyond this, so a long-running server's memory stays bounded.
MAX_LOGGED: Final = 10_000
#: What the server answers when the app fails before it answered at all.
_NO_ANSWER_STATUS: Final = 500
_FINGERPRINT_HEX: Final = 16


def key_fingerprint(key: str) -> str:
    """``"sha256:"`` and 16 hex digits of an API key's SHA-256: tells accounts apart, and
    is what ``pictory_vimeo.emulator.fingerprint`` gives for the same text.
    """
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return "sha256:" + digest[:_FINGERPRINT_HEX]


@attrs.frozen
class ServedRequest:
    """One API request the emulator received: its method, path and query, and its answer.

    ``status`` is the status sent, or, when ``dropped``, the status that was about to be
    sent when the answer was lost on purpose, in the way ``drop`` says (``"close"``,
    ``"cut"`` or ``"reset"``). ``fault`` is who injected a fault into this request, if
    anyone: ``"scripted"`` (``fail_next``), ``"random"`` (the error and drop rates) or
    ``"rate-limit"`` (the 429 of the rate limit). ``account`` is the fingerprint of the
    API key sent (``None``: none that names an account), never the key. ``time`` is when
    the request arrived (epoch seconds), ``ms`` how long its answer took to decide, and
    ``seq`` its place in arrival order (from 1, never reused, not even after a reset);
    those three play no part in comparing entries.
    """

    method: str
    path: str
    status: int
    dropped: bool = False
    query: str = ""
    fault: FaultOrigin | None = None
    drop: DropKind | None = None
    account: str | None = None
    time: float = attrs.field(default=0.0, eq=False)
    ms: float = attrs.field(default=0.0, eq=False)
    seq: int = attrs.field(default=0, eq=False)

    def to_json(self) -> dict[str, object]:
        """The control route's view (``GET /_emulator/requests``): camelCase, ISO time."""
        moment = datetime.fromtimestamp(self.time, UTC)
        return {
            "seq": self.seq,
            "time": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "ms": round(self.ms, 3),
            "account": self.account,
            "fault": self.fault,
            "dropped": self.dropped,
            "drop": self.drop,
        }


#: Told of each request as its answer is decided, on the server's thread; must be quick.
Listener = Callable[[ServedRequest], None]


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


def _account_of(scope: Scope) -> str | None:
    """The fingerprint of the request's API key, if it sent one of the API's shape."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            key = value.decode("latin-1")
            return key_fingerprint(key) if account_for_key(key) is not None else None
    return None


class RequestLogMiddleware:
    """Logs each HTTP request whose path is ``prefix`` or under it into ``log``; tells
    ``listeners`` of every HTTP request.
    """

    def __init__(
        self, app: ASGIApp, *, log: RequestLog, prefix: str, listeners: list[Listener]
    ) -> None:
        self.app = app
        self._log = log
        self._prefix = prefix
        self._listeners = listeners
        self._seq = itertools.count(1)

    def _logged(self, scope: Scope) -> bool:
        path = str(scope.get("path", ""))
        return path == self._prefix or path.startswith(self._prefix + "/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, noting the status its answer starts with."""
        if scope["type"] != "http" or not (self._listeners or self._logged(scope)):
            await self.app(scope, receive, send)
            return
        slot = self._log.arrived() if self._logged(scope) else None
        seq, arrived, started = next(self._seq), time.time(), time.perf_counter()
        status = _NO_ANSWER_STATUS
        done = False

        def answered(drop: DropKind | None = None) -> None:
            nonlocal done
            done = True
            served = ServedRequest(
                method=str(scope["method"]),
                path=str(scope["path"]),
                status=status,
                dropped=drop is not None,
                query=bytes(scope.get("query_string", b"")).decode("latin-1"),
                fault=noted_fault(scope),
                drop=drop,
                account=_account_of(scope),
                time=arrived,
                ms=(time.perf_counter() - started) * 1000.0,
                seq=seq,
            )
            if slot is not None:
                self._log.answered(slot, served)
            for listener in self._listeners:
                listener(served)

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
        except ConnectionDropped as lost:
            status = lost.status
            answered(lost.kind)
            raise
        except BaseException:
            if not done:
                answered()
            raise
