"""The client's send rate: a token bucket with a fixed rate, or one that adapts to ``429``s.

Adaptive, the bucket is botocore's *adaptive* retry mode: it stays off (no wait, a few
float operations per answer) until the first ``429``; from then on every attempt takes a
token. The first ``429`` sets the rate to 0.7 times the rate answers were arriving at, a
later one to 0.7 times the rate in force, and successes grow it back along a cubic curve
(CUBIC, as TCP and botocore do): fast while far below the rate where the last ``429``
came, flat near it, then probing above it, never past twice the measured answer rate.
Unlike botocore: only one decrease is made per round trip (the ``429``s of attempts sent
before the last decrease or pause say nothing new; with 64 calls in flight, one burst
would otherwise cut the rate to 0.7 ** 64 of itself); and a decrease or a pause voids the
tokens already handed out, so calls waiting for one take their turn again at the new pace
instead of going as scheduled at the old one. Measured (the fleet benchmark, README), the
second change is what keeps a fleet's ``429``s under 1 %; with it, CUBIC held the fleet's
successful rate at the server's limit more steadily than additive growth did.

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
#: How the rate grows back after a 429: ``"additive"`` (back to the rate of the last 429
#: by ``STEP`` of it per second, then probing above it by ``PROBE`` of it per second) or
#: ``"cubic"`` (botocore's CUBIC), measured side by side in the fleet benchmark (README,
#: "Retries and concurrency"): four pairs of 20 s runs at a 200/s limit, CUBIC 195-205
#: successful requests/s every time, additive 132-209.
GROWTH: str = "cubic"
#: Growth back to the rate of the last 429, per second, as a share of it (back in 3 s).
STEP: Final = 0.1
#: Growth past the rate of the last 429, per second, as a share of it: a slow probe.
PROBE: Final = 0.1
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
        #: 429s of attempts sent before this say nothing new: the last decrease (or the
        #: end of the last pause) came after they were sent.
        self._quiet_until = -math.inf
        #: Bumped by every decrease and pause: tokens reserved before it are void (their
        #: holders reserve again, so they are spread out at the new pace, not sent as
        #: scheduled at the old one).
        self.epoch = 0

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
            # They come due from the refill's start, the end of a pause if one holds.
            assert self._stamp is not None
            wait = max(wait, self._stamp - now - self._tokens / self.rate)
        return wait if wait > 0 else 0.0

    def give_back(self) -> None:
        """Return a token ``reserve`` took for an attempt that is not being made."""
        if self.enabled:
            self._tokens += 1.0

    def pause(self, now: float, until: float) -> float:
        """Start no attempt before ``until`` (a server's ``Retry-After``); the pause's end.

        The bucket stops filling until then: what waits for tokens meanwhile is spread out
        after the pause at the rate, not sent all at once when it ends.
        """
        if self.enabled and until > self.paused_until:
            self._tokens = 0.0
            self._stamp = max(until, self._stamp if self._stamp is not None else until)
            self.epoch += 1
        self.paused_until = max(self.paused_until, until)
        self._quiet_until = max(self._quiet_until, self.paused_until)
        return self.paused_until

    def answered(self, now: float, sent_at: float, *, throttled: bool) -> None:
        """An answer came (``throttled``: a 429): adapt the rate to it."""
        if not self.adaptive:
            return
        measured = self._measure(now)
        if throttled:
            if sent_at < self._quiet_until or measured <= 0:
                # Sent before the last decrease (or pause): that one already answered for
                # it. Or no rate measured yet: the call's own retry wait will do.
                return
            # From the rate in force, not the measured one: a pause just emptied that.
            basis = self.rate if self.enabled else measured
            self._w_max = max(basis, MIN_RATE)
            self._k = ((self._w_max * (1 - BETA)) / SCALE) ** (1 / 3)
            self._last_decrease = now
            self._quiet_until = max(self._quiet_until, now)
            self._tokens = 0.0
            self.epoch += 1
            new_rate = self._w_max * BETA
            if not self.enabled:
                self.enabled = True
                self._tokens = 0.0
                self._stamp = now
        elif self.enabled:
            since = now - self._last_decrease
            if GROWTH == "cubic":
                new_rate = SCALE * (since - self._k) ** 3 + self._w_max
            else:
                back = (1 - BETA) / STEP  # seconds to get back to the last 429's rate
                share = BETA + STEP * since if since < back else 1 + PROBE * (since - back)
                new_rate = self._w_max * share
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
