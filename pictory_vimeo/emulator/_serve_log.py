"""``serve``'s request lines: one per request, saying what the emulator did with it.

Each line is built from the request log's entry (``ServedRequest``), so it shows what the
log holds and never more: the method, path and query (a page key is no secret), the
status, the time taken and the fault injected. Never a header, so never the API key or
the control token.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Final, TextIO

from ._requests import ServedRequest

__all__ = ["RequestPrinter", "request_line"]

_CONTROL_PREFIX: Final = "/_emulator"
_READS: Final = frozenset({"GET", "HEAD"})


def request_line(served: ServedRequest) -> str:
    """``12:00:01.234 PUT /path 200 1.8 ms fault=drop scripted dropped=close``.

    The time is local, when the request arrived. ``fault=STATUS ORIGIN`` for an injected
    error or 429 (``scripted``, ``random`` or ``rate-limit``), ``fault=drop ORIGIN
    dropped=KIND`` for an answer lost on purpose (its status the one that was lost).
    """
    moment = datetime.fromtimestamp(served.time).strftime("%H:%M:%S.%f")[:-3]
    target = served.path + (f"?{served.query}" if served.query else "")
    line = f"{moment} {served.method} {target} {served.status} {served.ms:.1f} ms"
    if served.dropped:
        line += f" fault=drop {served.fault or 'unknown'} dropped={served.drop}"
    elif served.fault is not None:
        line += f" fault={served.status} {served.fault}"
    return _printable(line)


def _printable(text: str) -> str:
    """``text`` with anything but printable ASCII escaped: a path a client sent may hold
    newlines or terminal escapes, which must not forge lines or recolour the terminal.
    """
    if text.isascii() and text.isprintable():
        return text
    return "".join(
        char if " " <= char <= "~" else char.encode("unicode_escape").decode("ascii")
        for char in text
    )


def shown(served: ServedRequest) -> bool:
    """Whether ``serve`` prints a line for this request: all but reads of the control
    routes (the page at ``/_emulator/`` polls them, and they change nothing).
    """
    path = served.path
    control = path == _CONTROL_PREFIX or path.startswith(_CONTROL_PREFIX + "/")
    return not (control and served.method in _READS)


class RequestPrinter:
    """A request listener that prints ``request_line`` for each request shown, flushed.

    Once the stream cannot be written (``serve | head`` after ``head`` left, a closed
    terminal) it stops printing: the emulator goes on serving either way.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self._broken = False

    def __call__(self, served: ServedRequest) -> None:
        """Print the request's line (unless it is a read of a control route)."""
        if self._broken or not shown(served):
            return
        with self._lock:
            try:
                print(request_line(served), file=self._stream, flush=True)
            except (OSError, ValueError):  # a broken pipe, a closed stream
                self._broken = True
