"""What a run may leave behind: sockets of this process, and warnings nobody would see.

``client_sockets(port)`` counts this process's TCP sockets whose far end is ``port`` (the
client side of connections to a loopback server, which may run in this process too): the
socket inodes ``/proc/self/fd`` holds, looked up in ``/proc/self/net/tcp`` and ``tcp6``.
Linux only; ``needs_proc`` skips a test elsewhere.

``LeakWatch`` records, while it is entered, every warning (``ResourceWarning`` included,
whatever the filters said), every exception a finaliser could only report
(``sys.unraisablehook``), and every error asyncio logs, such as "Task was destroyed but it
is pending!". It collects garbage before it stops, so unclosed objects speak up in time.
"""

from __future__ import annotations

import collections
import gc
import logging
import os
import sys
import warnings
from pathlib import Path
from types import TracebackType
from typing import Final, Self

import pytest

__all__ = ["LeakWatch", "client_sockets", "needs_proc"]

_PROC: Final = Path("/proc/self")
#: The kernel's TCP states, by the hex code /proc/net/tcp shows.
_STATES: Final = {
    "01": "ESTABLISHED",
    "02": "SYN_SENT",
    "03": "SYN_RECV",
    "04": "FIN_WAIT1",
    "05": "FIN_WAIT2",
    "06": "TIME_WAIT",
    "07": "CLOSE",
    "08": "CLOSE_WAIT",
    "09": "LAST_ACK",
    "0A": "LISTEN",
    "0B": "CLOSING",
}

needs_proc = pytest.mark.skipif(
    not (_PROC / "net" / "tcp").exists() or not (_PROC / "fd").is_dir(),
    reason="counting open sockets reads /proc/self/fd and /proc/self/net/tcp (Linux only)",
)


def _socket_inodes() -> set[str]:
    inodes = set()
    for fd in os.listdir(_PROC / "fd"):
        try:
            target = os.readlink(_PROC / "fd" / fd)
        except OSError:  # closed since the listing
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    return inodes


def client_sockets(port: int) -> collections.Counter[str]:
    """This process's open TCP sockets connected to ``port``, counted by state."""
    inodes = _socket_inodes()
    states: collections.Counter[str] = collections.Counter()
    for table in ("tcp", "tcp6"):
        path = _PROC / "net" / table
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if remote_port == port and fields[9] in inodes:
                states[_STATES.get(fields[3], fields[3])] += 1
    return states


class _Logged(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class LeakWatch:
    """Collects warnings, unraisable exceptions and asyncio's error logs while entered."""

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.unraisable: list[str] = []
        self.logged: list[str] = []
        self._catcher = warnings.catch_warnings(record=True)
        self._caught: list[warnings.WarningMessage] = []
        self._handler = _Logged()
        self._previous_hook = sys.unraisablehook

    def __enter__(self) -> Self:
        self._caught = self._catcher.__enter__()
        warnings.simplefilter("always")
        sys.unraisablehook = self._unraisable
        logging.getLogger("asyncio").addHandler(self._handler)
        return self

    def _unraisable(self, report: sys.UnraisableHookArgs) -> None:
        self.unraisable.append(f"{report.err_msg or 'Exception ignored in'}: {report.exc_value!r}")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            gc.collect()
        finally:
            logging.getLogger("asyncio").removeHandler(self._handler)
            sys.unraisablehook = self._previous_hook
            self._catcher.__exit__(exc_type, exc, tb)
        self.warnings = [f"{w.category.__name__}: {w.message}" for w in self._caught]
        self.logged = list(self._handler.messages)

    @property
    def problems(self) -> list[str]:
        """Everything seen: each would be a warning, a finaliser's error, or a logged error."""
        return [*self.warnings, *self.unraisable, *self.logged]
