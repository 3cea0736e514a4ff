"""The demo's bookkeeping: check lines, a progress line, and per-step calls, retries and time.

Calls and retries are counted from the SDK's own DEBUG records on the ``pictory_vimeo``
logger (one per attempt, one per retry, with their facts in ``extra`` attributes), so the
numbers are what the SDK really did.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import Counter
from collections.abc import Iterator
from typing import Final, TextIO, TypeAlias

import attrs

from .._names import LOGGER_NAME
from ._output import can_encode, emit

__all__ = ["CallCounter", "Progress", "Report", "Tally"]

_SDK_LOGGER: Final = LOGGER_NAME


#: Counts at one moment, by the SDK's event names: ``"attempt"``, ``"retry"`` and
#: ``"conflict"`` (optimistic-update version conflicts), and ``"call"`` (first attempts).
#: A ``Counter``, so a step's share is one tally less another.
Tally: TypeAlias = Counter[str]
#: The events of the SDK's records that are counted, each under its own name.
_COUNTED: Final = frozenset({"attempt", "retry", "conflict"})


class CallCounter(logging.Handler):
    """Counts the SDK's attempts, retries and optimistic-update conflicts as they are logged."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self._tally: Tally = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        """Count one record of the SDK's logger (the emulator's own records are ignored)."""
        if record.name != _SDK_LOGGER:
            return
        # The SDK's records carry what they report as attributes (``extra``), so nothing
        # here depends on the wording of a message.
        event = getattr(record, "pictory_event", None)
        if event in _COUNTED:
            self._tally[event] += 1
        if event == "attempt" and getattr(record, "pictory_attempt", None) == 1:
            self._tally["call"] += 1

    def tally(self) -> Tally:
        """The counts so far (a copy: they go on counting)."""
        return self._tally.copy()

    @contextlib.contextmanager
    def installed(self) -> Iterator[CallCounter]:
        """Listen to the SDK's DEBUG records for the duration of the block."""
        logger = logging.getLogger(_SDK_LOGGER)
        level = logger.level
        logger.addHandler(self)
        if logger.getEffectiveLevel() > logging.DEBUG:
            logger.setLevel(logging.DEBUG)
        try:
            yield self
        finally:
            logger.removeHandler(self)
            logger.setLevel(level)


@attrs.define
class _Row:
    title: str
    tally: Tally
    seconds: float


class Report:
    """Prints the demo's steps and checks, and the summary table at the end."""

    def __init__(self, counter: CallCounter, stream: TextIO) -> None:
        self._counter = counter
        self._stream = stream
        self._rows: list[_Row] = []
        self.failures = 0
        self.checks = 0
        fancy = can_encode("✓✗…", stream)
        self._ok, self._bad = ("✓", "✗") if fancy else ("ok", "FAIL")

    @property
    def stream(self) -> TextIO:
        """Where the report is printed."""
        return self._stream

    def tally(self) -> Tally:
        """What the SDK has done so far."""
        return self._counter.tally()

    def say(self, text: str = "") -> None:
        """Print a line of narration."""
        emit(text, self._stream)

    def check(self, ok: bool, text: str) -> bool:
        """Print a check line, ✓ or ✗, and remember a failure."""
        self.checks += 1
        if not ok:
            self.failures += 1
        emit(f"   {self._ok if ok else self._bad} {text}", self._stream)
        return ok

    def fail(self, text: str) -> None:
        """Print a failed check (a step that could not finish)."""
        self.check(False, text)

    @contextlib.contextmanager
    def step(self, number: int, title: str, summary: str) -> Iterator[None]:
        """Time a step and count its calls; ``summary`` names it in the final table."""
        emit(f"{number}. {title}", self._stream)
        before, started = self._counter.tally(), time.perf_counter()
        try:
            yield
        finally:
            spent = time.perf_counter() - started
            self._rows.append(_Row(summary, self._counter.tally() - before, spent))

    def summary(self, elapsed: float) -> None:
        """The table of calls, retries and time per step, with totals."""
        total = sum((row.tally for row in self._rows), Counter())
        width = max([len("step"), len("total"), *(len(row.title) for row in self._rows)])
        line = f"   {{:<{width}}}  {{:>6}}  {{:>8}}  {{:>9}}"
        self.say()
        self.say("Summary")
        self.say(line.format("step", "calls", "retries", "elapsed"))
        for row in self._rows:
            t = row.tally
            self.say(line.format(row.title, t["call"], t["retry"], f"{row.seconds:.2f} s"))
        self.say(line.format("total", total["call"], total["retry"], f"{elapsed:.2f} s"))
        verdict = "all passed" if self.failures == 0 else f"{self.failures} failed"
        self.say(f"   checks: {self.checks - self.failures} of {self.checks} passed ({verdict})")


class Progress:
    """``label 37/60``: rewritten in place on a terminal, a few plain lines otherwise."""

    def __init__(self, label: str, total: int, stream: TextIO) -> None:
        self._label = label
        self._total = total
        self._stream = stream
        try:
            self._tty = stream.isatty()
        except (ValueError, OSError):
            self._tty = False
        self._done = 0
        self._next_mark = 1

    def advance(self) -> None:
        """One more item finished."""
        self._done += 1
        text = f"   {self._label} {self._done}/{self._total}"
        if self._tty:
            self._stream.write("\r" + text)
            if self._done == self._total:
                self._stream.write("\n")
            self._stream.flush()
            return
        # Without a terminal, a line at each quarter keeps logs short but still alive.
        if self._done * 4 >= self._next_mark * self._total:
            while self._done * 4 >= self._next_mark * self._total:
                self._next_mark += 1
            emit(text, self._stream)

    def finish(self) -> None:
        """End an in-place line that stopped short of its total (a failed step)."""
        if self._tty and 0 < self._done < self._total:
            self._stream.write("\n")
            self._stream.flush()
