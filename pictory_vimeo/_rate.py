"""The client's send rate: a token bucket with a fixed rate, or one that adapts to ``429``s.

Adaptive, the bucket is botocore's *adaptive* retry mode: it stays off (no wait, a few
float operations per answer) until the first ``429``; from then on every attempt takes a
token. A ``429`` sets the rate to 0.7 times the rate the client was actually getting answers
at, and successes grow it back along a cubic curve (CUBIC, as TCP and botocore do): fast
while far below the rate where the last ``429`` came, flat near it, then probing above it.
Unlike botocore, only one decrease is made per round trip: the ``429``s of attempts sent
before the last decrease say nothing new (with 64 calls in flight, one burst of ``429``s
would otherwise cut the rate to 0.7 ** 64 of itself).

Every limiter also holds the client-wide pause a ``Retry-After`` asks for: no attempt of
the client starts before it ends.

Touched only from the client's event loop (the sync client runs its calls on one loop
thread), between awaits, so there is no lock. Times are the event loop's clock
(``anyio.current_time``), the deadlines' clock, passed in so the logic is testable alone.
"""

from __future__ import annotations

import math
from typing import Final

__all__ = ["BETA", "BURST_SECONDS", "MIN_RATE", "SCALE", "RateLimiter"]

#: The slowest rate the adaptive limiter falls to, in requests/s (botocore's 0.5).
MIN_RATE: Final = 0.5
#: A 429 multiplies the rate by this (CUBIC's and botocore's beta).
BETA: Final = 0.7
#: CUBIC's scale: how fast the rate grows back (botocore's 0.4).
SCALE: Final = 0.4
#: The bucket holds this many seconds' worth of tokens: a small burst, no more.
BURST_SECONDS: Final = 0.1
#: The measured answer rate is sampled in buckets of this many seconds, smoothed.
_SAMPLE: Final = 0.5
_SMOOTHING: Final = 0.8


class RateLimiter:
    """A token bucket: ``fixed`` requests/s, or adaptive when ``fixed`` is ``None``."""

    def __init__(self, fixed: float | None = None) -> None:
        self.adaptive = fixed is None
        #: Whether attempts take tokens: always with a fixed rate, after a 429 when adaptive.
        self.enabled = not self.adaptive
        self.rate = math.inf if fixed is None else float(fixed)
        self._tokens = 1.0
        self._stamp: float | None = None
        #: No attempt starts before this time (a Retry-After).
        self.paused_until = -math.inf
        # The adaptive state: the measured answer rate, and CUBIC's.
        self._measured = 0.0
        self._count = 0
        self._sample_start: float | None = None
        self._w_max = 0.0
        self._k = 0.0
        self._last_decrease = -math.inf

    @property
    def current_rate(self) -> float | None:
        """Requests/s the limiter allows now; ``None`` while it does not limit."""
        return self.rate if self.enabled else None

    def reserve(self, now: float, *, testing: bool = False, waited_out: float = -math.inf) -> float:
        """Take a token; the seconds to wait before sending (``give_back`` if not sending).

        ``testing``: skip the waits the server's answers caused (a pause, the adaptive
        rate); a fixed rate still holds. ``waited_out``: the end of a pause the caller
        has already waited for itself (the call that got the ``Retry-After``).
        """
        paused = self.paused_until > waited_out and not testing
        wait = self.paused_until - now if paused else -1.0
        if not self.enabled or (testing and self.adaptive):
            return wait if wait > 0 else 0.0
        self._refill(now)
        self._tokens -= 1.0
        if self._tokens < 0:
            # Tokens may be owed: each waiter takes the next one due, in turn, no queue.
            wait = max(wait, -self._tokens / self.rate)
        return wait if wait > 0 else 0.0

    def give_back(self) -> None:
        """Return a token ``reserve`` took for an attempt that is not being made."""
        if self.enabled:
            self._tokens += 1.0

    def pause(self, until: float) -> float:
        """Start no attempt before ``until`` (a server's ``Retry-After``); the pause's end."""
        self.paused_until = max(self.paused_until, until)
        return self.paused_until

    def answered(self, now: float, sent_at: float, *, throttled: bool) -> None:
        """An answer came (``throttled``: a 429): adapt the rate to it."""
        if not self.adaptive:
            return
        measured = self._measure(now)
        if throttled:
            if sent_at < self._last_decrease or measured <= 0:
                # Sent before the last decrease: that one already answered for it. Or no
                # rate measured yet (a first answer): the call's own retry wait will do.
                return
            basis = measured if not self.enabled else min(measured, self.rate)
            self._w_max = max(basis, MIN_RATE)
            self._k = ((self._w_max * (1 - BETA)) / SCALE) ** (1 / 3)
            self._last_decrease = now
            new_rate = self._w_max * BETA
            if not self.enabled:
                self.enabled = True
                self._tokens = 0.0
                self._stamp = now
        elif self.enabled:
            new_rate = SCALE * (now - self._last_decrease - self._k) ** 3 + self._w_max
            # Never more than twice what the client is actually getting answers at.
            new_rate = min(new_rate, 2 * max(measured, MIN_RATE))
        else:
            return
        self._set_rate(now, max(new_rate, MIN_RATE))

    def _set_rate(self, now: float, rate: float) -> None:
        self._refill(now)
        self.rate = rate
        self._tokens = min(self._tokens, self._capacity())

    def _capacity(self) -> float:
        return max(1.0, self.rate * BURST_SECONDS)

    def _refill(self, now: float) -> None:
        if self._stamp is not None and now > self._stamp:
            self._tokens = min(self._capacity(), self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now if self._stamp is None else max(now, self._stamp)

    def _measure(self, now: float) -> float:
        """The smoothed rate answers arrive at (botocore's ``RateClocker``)."""
        self._count += 1
        if self._sample_start is None:
            self._sample_start = now
        elapsed = now - self._sample_start
        if elapsed >= _SAMPLE:
            sampled = self._count / elapsed
            self._measured = sampled * _SMOOTHING + self._measured * (1 - _SMOOTHING)
            self._count = 0
            self._sample_start = now
        elif self._measured == 0.0 and elapsed > 0:
            # The first half second: what has been seen so far is all there is to go on.
            return self._count / max(elapsed, 0.05)
        return self._measured
