"""Timing and reporting shared by every benchmark: best-of-N rounds, one table row each."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import attrs


@attrs.frozen
class Row:
    """One comparison: the same work done by a baseline and by the SDK."""

    scenario: str
    unit: str
    baseline_name: str
    baseline: float
    sdk: float
    note: str = ""

    @property
    def ratio(self) -> float:
        """SDK cost relative to the baseline (1.00 = the same; lower is better)."""
        return self.sdk / self.baseline if self.baseline else float("nan")


async def best_of(rounds: int, work: Callable[[], Awaitable[None]]) -> float:
    """The fastest of ``rounds`` runs of ``work``, in seconds (least disturbed by noise)."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        await work()
        best = min(best, time.perf_counter() - started)
    return best


def render(rows: list[Row], header: str) -> str:
    """A Markdown table of the rows, with a bar showing each SDK/baseline ratio."""
    lines = [
        header,
        "",
        "| scenario | baseline is | baseline | SDK | SDK / baseline | |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for row in rows:
        bar = "#" * max(1, round(row.ratio * 10))
        lines.append(
            f"| {row.scenario} | {row.baseline_name} | {row.baseline:.1f} {row.unit} "
            f"| {row.sdk:.1f} {row.unit} | {row.ratio:.2f} | `{bar}` {row.note} |"
        )
    return "\n".join(lines) + "\n"
