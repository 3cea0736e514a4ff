"""The retry budget: a client-wide allowance of retries that successes earn back.

Each call retries on its own; during an outage that multiplies the load on a server that
is already failing by ``max_retries + 1``. A budget shared by every call of a client (and
of every client ``with_options`` derives from it) caps that: a retry spends tokens, a
success puts some back, so when most calls fail the budget drains and calls stop
retrying, and when failures are rare the budget stays full and nothing changes. The
shape is botocore's *standard* retry quota (500 tokens, a retry 5, a timeout 10, a
success 1, a call that succeeded after retrying gets its last retry's cost back).

The state is touched only from the client's event loop (the sync client runs its calls on
one loop thread too), between awaits, so it needs no lock.
"""

from __future__ import annotations

from typing import Any, Final

import attrs

from ._errors import APITimeoutError, ValidationError
from ._rules import FieldError

__all__ = [
    "DEFAULT_RETRY_BUDGET",
    "EXHAUSTED",
    "BudgetState",
    "RetryBudget",
    "check_retry_budget",
    "refused",
]


def _positive(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(
            [
                FieldError(
                    f"RetryBudget.{attribute.name}", f"must be an integer >= 1 (got {value!r:.40})"
                )
            ]
        )


def _non_negative(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(
            [
                FieldError(
                    f"RetryBudget.{attribute.name}", f"must be an integer >= 0 (got {value!r:.40})"
                )
            ]
        )


@attrs.frozen
class RetryBudget:
    """How many retries a client may make: a bucket of tokens that retries spend and
    successes earn back, shared by the client and every client ``with_options`` makes.

    The defaults are botocore's *standard* retry quota. A refused retry ends its call at
    once with its last error, whose message says ``retry budget exhausted``.

    Attributes:
        capacity (int): The bucket, full at the start (500). With ``retry_cost`` 5 a client
            can retry 100 times in a row before it stops; at the default of 2 retries a
            call, that is an outage seen by 50 calls at once before the budget has a say.
        retry_cost (int): What a retry spends (5). Once the bucket is empty a retry needs
            five successes to pay for it, so while most calls fail the client sends at
            most about 1.2 requests per call instead of ``max_retries + 1``.
        timeout_cost (int): What a retry after a timeout spends (10): a server that does
            not answer in time is the likeliest to be overloaded, and each timed-out
            attempt held a connection for the whole timeout.
        success_refill (int): What a call that succeeded on its first attempt puts back
            (1). A call that succeeded after retrying puts back what its last retry spent
            instead, so rare failures leave the bucket as full as it was.
    """

    capacity: int = attrs.field(default=500, validator=_positive)
    retry_cost: int = attrs.field(default=5, validator=_positive)
    timeout_cost: int = attrs.field(default=10, validator=_positive)
    success_refill: int = attrs.field(default=1, validator=_non_negative)


#: What a client gets unless told otherwise (frozen: one instance serves every client;
#: each client keeps its own tokens).
DEFAULT_RETRY_BUDGET: Final = RetryBudget()


def check_retry_budget(value: object) -> RetryBudget | None:
    """``retry_budget`` as checked: a ``RetryBudget``, or ``None`` (no budget)."""
    if value is None or isinstance(value, RetryBudget):
        return value
    raise ValidationError(
        [
            FieldError(
                "retry_budget",
                f"must be a pictory_vimeo.RetryBudget or None (got {type(value).__name__})",
            )
        ]
    )


class BudgetState:
    """The tokens left in one client's budget (shared with the clients it derives)."""

    def __init__(self, budget: RetryBudget) -> None:
        self.budget = budget
        self.tokens = budget.capacity

    def spend(self, error: BaseException) -> int | None:
        """Take the cost of a retry after ``error``: the tokens taken, or ``None`` (refused)."""
        cost = (
            self.budget.timeout_cost
            if isinstance(error, APITimeoutError)
            else self.budget.retry_cost
        )
        if cost > self.tokens:
            return None
        self.tokens -= cost
        return cost

    def refill(self, last_cost: int | None) -> None:
        """A call succeeded: give back its last retry's cost, or ``success_refill``."""
        amount = self.budget.success_refill if last_cost is None else last_cost
        self.tokens = min(self.budget.capacity, self.tokens + amount)


#: The words every refusal's message carries (users and tests search for them).
EXHAUSTED: Final = "retry budget exhausted"


def refused(error: BaseException, attempts: int) -> BaseException:
    """``error`` (the call's last), its message saying the budget refused the retry."""
    text = str(error.args[0]) if error.args else type(error).__name__
    plural = "attempt" if attempts == 1 else "attempts"
    error.args = (
        f"{text} [{EXHAUSTED}: no retry after {attempts} {plural}; the client's recent "
        "calls failed too often to afford one]",
        *error.args[1:],
    )
    return error
