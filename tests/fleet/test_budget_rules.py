"""The retry budget's own logic and settings, without the wire."""

from __future__ import annotations

import pytest

import pictory_vimeo as pv
from pictory_vimeo._budget import BudgetState


def test_defaults_are_botocores_quota() -> None:
    """500 tokens, a retry 5, a timeout 10, a success 1."""
    assert pv.RetryBudget() == pv.RetryBudget(
        capacity=500, retry_cost=5, timeout_cost=10, success_refill=1
    )


def test_a_timeout_costs_more_than_another_failure() -> None:
    """A retry after a timeout spends ``timeout_cost``; after anything else, ``retry_cost``."""
    state = BudgetState(pv.RetryBudget(capacity=14, retry_cost=3, timeout_cost=10))
    assert state.spend(pv.APITimeoutError("slow")) == 10
    assert state.spend(pv.APIConnectionError("reset")) == 3
    assert state.spend(pv.APIConnectionError("reset")) is None
    assert state.tokens == 1
    state.refill(10)
    assert state.tokens == 11
    state.refill(None)
    state.refill(10)
    assert state.tokens == 14  # never above capacity


@pytest.mark.parametrize("field", ["capacity", "retry_cost", "timeout_cost", "success_refill"])
@pytest.mark.parametrize("bad", [-1, 1.5, True, "5"])
def test_bad_parameters_are_refused_by_name(field: str, bad: object) -> None:
    """Each parameter is an integer: >= 1, or >= 0 for ``success_refill``."""
    with pytest.raises(pv.ValidationError, match=f"RetryBudget.{field}"):
        pv.RetryBudget(**{field: bad})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"retry_budget": 500}, "retry_budget"),
        ({"rate_limit": 0}, "rate_limit"),
        ({"rate_limit": "fast"}, "rate_limit"),
        ({"rate_limit": float("inf")}, "rate_limit"),
        ({"rate_limit": True}, "rate_limit"),
    ],
)
def test_bad_client_settings_are_refused_before_any_request(
    options: dict[str, object], field: str
) -> None:
    """Both clients and ``with_options`` name the bad setting in a ``ValidationError``."""
    with pytest.raises(pv.ValidationError, match=field):
        pv.AsyncPictoryClient("pictai_key", "http://127.0.0.1:9", **options)  # type: ignore[arg-type]
    with pytest.raises(pv.ValidationError, match=field):
        pv.PictoryClient("pictai_key", "http://127.0.0.1:9", **options)  # type: ignore[arg-type]
    client = pv.AsyncPictoryClient("pictai_key", "http://127.0.0.1:9")
    with pytest.raises(pv.ValidationError, match=field):
        client.with_options(**options)  # type: ignore[arg-type]
