"""What a client's calls share about the load they put on the API: the retry budget, the
send rate, the pause a ``Retry-After`` asks for, and the counters ``client.stats()`` reads.

A client and every client ``with_options`` derives from it share one :class:`Traffic`
(a derived client given its own ``retry_budget`` or ``rate_limit`` gets its own of that
part, and still shares the counters). ``Call`` reaches it through a few hooks: before
each attempt (:meth:`Traffic.admit`), after each answer (:meth:`Traffic.answered`), on a
retry decision (:meth:`Traffic.allow_retry`) and on success (:meth:`Traffic.succeeded`).
"""

from __future__ import annotations

import math
import time
from typing import Final, Literal, TypeAlias

import anyio
import attrs

from ._budget import BudgetState, RetryBudget
from ._config import is_testing
from ._errors import ValidationError
from ._rate import RateLimiter
from ._retry import RETRY_AFTER_CAP
from ._rules import FieldError
from ._trace import CallTrace
from ._types import NOT_GIVEN, NotGiven

__all__ = ["Attempt", "ClientStats", "Counters", "RateLimit", "Traffic", "check_rate_limit"]

RateLimit: TypeAlias = Literal["adaptive"] | float | None
#: Statuses whose ``Retry-After`` pauses every call of the client, not only the one that
#: got it: the server says it is overloaded (503) or that this account is (429).
_PAUSING: Final = frozenset({429, 503})


def check_rate_limit(value: object) -> RateLimit:
    """``rate_limit`` as checked: ``"adaptive"``, a number of requests/s > 0, or ``None``."""
    if value is None or value == "adaptive":
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < float("inf"):
        return float(value)
    raise ValidationError(
        [
            FieldError(
                "rate_limit",
                "must be 'adaptive', a number of requests per second > 0, or None "
                f"(got {value!r:.40})",
            )
        ]
    )


@attrs.define
class Counters:
    """The running totals behind ``stats()``: plain numbers, bumped in place."""

    requests: int = 0
    retries: int = 0
    budget_refusals: int = 0
    rate_limit_wait: float = 0.0
    slot_wait: float = 0.0


@attrs.frozen
class ClientStats:
    """What a client's calls have done so far (it and its ``with_options`` children).

    Attributes:
        requests (int): Attempts sent.
        retries (int): Attempts after a call's first.
        budget_refusals (int): Retries the retry budget refused (each ended its call).
        budget_tokens (int | None): Tokens left in the retry budget (``None``: no budget).
        rate_limit (float | None): What the rate limit allows now, in requests/s (``None``:
            not limiting: ``rate_limit=None``, or adaptive before any ``429``).
        rate_limit_wait (float): Seconds calls spent waiting for the rate limiter (a
            ``Retry-After`` pause included), summed over calls.
        slot_wait (float): Seconds calls spent waiting for a slot of
            ``max_concurrency``, summed over calls.
    """

    requests: int
    retries: int
    budget_refusals: int
    budget_tokens: int | None
    rate_limit: float | None
    rate_limit_wait: float
    slot_wait: float


class Attempt:
    """One attempt of a call: when it was sent, and its span (when traced)."""

    def __init__(self, traffic: Traffic, trace: CallTrace | None, sent_at: float) -> None:
        self._traffic = traffic
        self._trace = trace
        self._sent_at = sent_at
        self._span = None if trace is None else trace.attempt()

    def done(
        self, status: int | None, error_type: str | None, retry_after: float | None = None
    ) -> float | None:
        """The attempt ended (see :meth:`Traffic.answered`); its span ends. Returns the end
        of the client-wide pause its ``Retry-After`` started, if any.
        """
        if self._span is not None and self._trace is not None:
            self._trace.attempt_done(self._span, status, error_type)
        return self._traffic.answered(self._sent_at, status, error_type, retry_after)


class Traffic:
    """The retry budget, the rate limiter and the counters of one client's calls."""

    def __init__(
        self,
        budget: RetryBudget | None,
        rate_limit: RateLimit,
        counters: Counters | None = None,
    ) -> None:
        self.budget = None if budget is None else BudgetState(budget)
        self.limiter: RateLimiter | None = None
        if rate_limit is not None:
            self.limiter = RateLimiter(None if rate_limit == "adaptive" else float(rate_limit))
        self.counters = Counters() if counters is None else counters

    def derive(
        self,
        budget: RetryBudget | NotGiven | None = NOT_GIVEN,
        rate_limit: RateLimit | NotGiven = NOT_GIVEN,
    ) -> Traffic:
        """This traffic for a derived client: shared, except the parts given anew."""
        if isinstance(budget, NotGiven) and isinstance(rate_limit, NotGiven):
            return self
        derived = Traffic(None, None, self.counters)
        derived.budget = self.budget
        derived.limiter = self.limiter
        if not isinstance(budget, NotGiven):
            derived.budget = None if budget is None else BudgetState(budget)
        if not isinstance(rate_limit, NotGiven):
            derived.limiter = Traffic(None, rate_limit).limiter
        return derived

    async def admit(
        self, deadline: float, trace: CallTrace | None = None, waited_out: float = -math.inf
    ) -> float:
        """Wait for the rate limiter before an attempt; the time it was let through
        (``anyio.current_time()``'s clock, read once here for the attempt's own use).

        Raises ``TimeoutError`` at once, without waiting, when the wait would outlast
        ``deadline`` (the caller turns it into the call's ``APITimeoutError``). In the
        testing mode the waits the server's answers caused (adaptive rate, ``Retry-After``)
        are skipped; a fixed rate, the caller's own setting, is kept. ``waited_out``: the
        end of the pause this call has waited for itself (its own ``Retry-After``).
        """
        limiter = self.limiter
        now = anyio.current_time()
        if limiter is None:
            return now
        testing = is_testing()
        waited = 0.0
        while True:
            epoch = limiter.epoch
            wait = limiter.reserve(now, testing=testing, waited_out=waited_out)
            if wait <= 0.0:
                break
            if now + wait >= deadline:
                limiter.give_back()
                raise TimeoutError
            started = time.perf_counter()
            await anyio.sleep(wait)
            waited += time.perf_counter() - started
            now = anyio.current_time()
            if limiter.epoch == epoch:
                break
            # A 429 or a pause came while this call waited: its token is void; it takes
            # its turn again at the new pace.
        if waited:
            self.counters.rate_limit_wait += waited
            if trace is not None:
                trace.rate_limit_wait += waited
        return now

    def attempt(self, trace: CallTrace | None, sent_at: float) -> Attempt:
        """An attempt about to be sent at ``sent_at`` (from :meth:`admit`): what learns how
        it ended (its span started).
        """
        return Attempt(self, trace, sent_at)

    def answered(
        self, sent_at: float, status: int | None, error_type: str | None, retry_after: float | None
    ) -> float | None:
        """An attempt ended with ``status`` (``None``: no answer; ``error_type``: what went
        wrong, ``None`` too if it was never sent): count it, adapt, pause if asked.
        Returns the end of the pause it started, if any.
        """
        if status is None and error_type is None:
            return None
        self.counters.requests += 1
        limiter = self.limiter
        if limiter is None or status is None:
            return None
        now = anyio.current_time()
        limiter.answered(now, sent_at, throttled=status == 429)
        if retry_after is not None and status in _PAUSING:
            # Never longer than the SDK would wait for a Retry-After itself.
            return limiter.pause(now, now + min(retry_after, RETRY_AFTER_CAP))
        return None

    def allow_retry(self, error: BaseException, trace: CallTrace | None = None) -> int | None:
        """Whether the budget pays for a retry after ``error``: the tokens it cost (0
        without a budget), or ``None`` when it refuses.
        """
        cost = 0 if self.budget is None else self.budget.spend(error)
        if cost is None:
            self.counters.budget_refusals += 1
            if trace is not None:
                trace.budget_refusals += 1
            return None
        self.counters.retries += 1
        if trace is not None:
            trace.retries += 1
        return cost

    def succeeded(self, last_cost: int | None) -> None:
        """A call succeeded; ``last_cost``: what its last retry spent, if it retried."""
        if self.budget is not None:
            self.budget.refill(last_cost)

    def stats(self) -> ClientStats:
        """A snapshot of the counters."""
        counters = self.counters
        return ClientStats(
            requests=counters.requests,
            retries=counters.retries,
            budget_refusals=counters.budget_refusals,
            budget_tokens=None if self.budget is None else self.budget.tokens,
            rate_limit=None if self.limiter is None else self.limiter.current_rate,
            rate_limit_wait=counters.rate_limit_wait,
            slot_wait=counters.slot_wait,
        )
