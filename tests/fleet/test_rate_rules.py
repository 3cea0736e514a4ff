"""The rate limiter's own logic, on a clock the test moves: the adaptive decrease on a
``429`` and the recovery on successes, one decrease per round trip, the fixed cap's pace.
"""

from __future__ import annotations

import pytest

from pictory_vimeo._rate import BETA, MIN_RATE, RateLimiter


def _answer_at_rate(limiter: RateLimiter, rate: float, start: float, seconds: float) -> float:
    """Successful answers at ``rate`` per second for ``seconds``; the time it ends."""
    now = start
    step = 1 / rate
    while now < start + seconds:
        limiter.answered(now, now - 0.01, throttled=False)
        now += step
    return now


def _after_three_seconds_at_100() -> tuple[RateLimiter, float]:
    """A new limiter that has seen three seconds of answers at 100/s; the time that ends."""
    limiter = RateLimiter()
    return limiter, _answer_at_rate(limiter, 100, 0.0, 3.0)


def _rate(limiter: RateLimiter) -> float:
    """The adaptive rate, which a 429 has turned on."""
    rate = limiter.current_rate
    assert rate is not None
    return rate


def test_adaptive_is_off_until_the_first_429() -> None:
    """Before any throttling nothing waits and no rate is reported."""
    limiter, now = _after_three_seconds_at_100()
    assert limiter.current_rate is None
    assert all(limiter.reserve(now) == 0.0 for _ in range(1000))


def test_a_429_cuts_the_rate_to_beta_of_what_was_measured() -> None:
    """At about 100 answers/s, a 429 sets the rate to about 70/s and turns waiting on."""
    limiter, now = _after_three_seconds_at_100()
    limiter.answered(now, now - 0.01, throttled=True)
    assert _rate(limiter) == pytest.approx(100 * BETA, rel=0.1)
    waits = [limiter.reserve(now) for _ in range(20)]
    assert waits[-1] > waits[1] > 0  # tokens are owed in turn: each waits longer


def test_one_decrease_per_round_trip() -> None:
    """The 429s of attempts sent before the last decrease do not cut the rate again."""
    limiter, now = _after_three_seconds_at_100()
    limiter.answered(now, now - 0.05, throttled=True)
    after_first = _rate(limiter)
    for _ in range(50):  # the rest of the burst, all sent before the decrease
        limiter.answered(now + 0.01, now - 0.04, throttled=True)
    assert _rate(limiter) == after_first
    limiter.answered(now + 0.2, now + 0.1, throttled=True)  # sent after: a new signal
    assert _rate(limiter) < after_first


def test_successes_bring_the_rate_back() -> None:
    """CUBIC: after a 429, successes grow the rate back to where it was, then past it."""
    limiter, now = _after_three_seconds_at_100()
    limiter.answered(now, now - 0.01, throttled=True)
    low = _rate(limiter)
    now = _answer_at_rate(limiter, 70, now, 2.0)
    middle = _rate(limiter)
    assert low < middle < 100
    _answer_at_rate(limiter, 100, now, 4.0)
    assert _rate(limiter) > 100


def test_the_rate_never_falls_below_the_floor() -> None:
    """Repeated 429s with nothing getting through stop at ``MIN_RATE``."""
    limiter = RateLimiter()
    now = 0.0
    for _ in range(50):
        now += 1.0
        limiter.answered(now, now - 0.001, throttled=True)
    assert limiter.current_rate == MIN_RATE


def test_a_fixed_rate_paces_every_attempt() -> None:
    """At 10/s, attempts reserved at once are spaced a tenth of a second apart."""
    limiter = RateLimiter(10)
    waits = [limiter.reserve(5.0) for _ in range(5)]
    assert waits == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])
    limiter.answered(5.0, 4.9, throttled=True)  # a fixed rate does not adapt
    assert limiter.current_rate == 10


def test_a_pause_holds_every_attempt_and_testing_skips_it() -> None:
    """``pause(until)``: no attempt starts before; the testing mode does not wait for it."""
    limiter = RateLimiter()
    limiter.pause(10.0, 12.0)
    assert limiter.reserve(10.0) == pytest.approx(2.0)
    assert limiter.reserve(10.0, testing=True) == 0.0
    assert limiter.reserve(12.5) == 0.0


def test_a_call_is_not_held_twice_by_its_own_pause() -> None:
    """The call that got the Retry-After waits it out itself; other calls wait for it."""
    limiter = RateLimiter()
    own = limiter.pause(10.0, 12.0)
    assert limiter.reserve(10.0, waited_out=own) == 0.0
    assert limiter.reserve(10.0) == pytest.approx(2.0)
    limiter.pause(10.0, 15.0)  # a later pause, from another call: it holds this one too
    assert limiter.reserve(10.0, waited_out=own) == pytest.approx(5.0)


def test_a_first_429_with_nothing_measured_does_not_throttle() -> None:
    """A 429 on a client's very first answer leaves the rate alone: its own wait will do."""
    limiter = RateLimiter()
    limiter.answered(1.0, 0.99, throttled=True)
    assert limiter.current_rate is None


def test_tokens_owed_during_a_pause_come_due_after_it_at_the_rate() -> None:
    """Calls waiting through a pause are spread out after it, not released together."""
    limiter = RateLimiter(10)
    limiter.reserve(0.0)
    limiter.pause(0.0, 1.0)
    waits = [limiter.reserve(0.5) for _ in range(3)]
    assert waits == pytest.approx([0.6, 0.7, 0.8])
