# ruff: noqa: RUF001, RUF002 - the report is typeset: en dashes, multiplication signs
"""What every part of the report shares: numbers, cells, Markdown tables, figures by key.

Everything reads the JSON a run wrote (``results/<name>.json``), never live objects.
A cell is the median over rounds, with the min–max range only when there were several
rounds (one round has no range to show); a contender with errors is flagged with ⚠.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from ._harness import Spread, select, spread


def num(value: float, digits: int = 0) -> str:
    """``value`` with thousands separators, or a dash for NaN."""
    if math.isnan(value):
        return "—"
    return f"{value:,.{digits}f}"


def cell(figure: Spread, digits: int = 0, unit: str = "") -> str:
    """``median (min–max)``, or just the median from a single round."""
    if math.isnan(figure.median):
        return "—"
    if figure.count < 2:
        return f"{num(figure.median, digits)}{unit}"
    low, high = num(figure.low, digits), num(figure.high, digits)
    return f"{num(figure.median, digits)}{unit} ({low}–{high})"


def rounds_note(rounds: int) -> str:
    """How many rounds, and so how a table's cells read: median (min–max), or one figure."""
    return f"{rounds} rounds, median (min–max)" if rounds > 1 else "one round"


def table(header: list[str], rows: Iterable[list[str]], align: str = "") -> str:
    """A Markdown table; ``align`` gives one of ``l``/``r`` per column (default: l then r)."""
    marks = align or "l" + "r" * (len(header) - 1)
    lines = [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join("---:" if a == "r" else "---" for a in marks) + " |",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def labels(data: dict[str, Any]) -> dict[str, str]:
    """Contender key -> label, in the order the run measured them."""
    return {c["key"]: c["label"] for c in data.get("contenders", [])}


def error_count(samples: list[dict[str, Any]]) -> int:
    """Errors over ``samples``."""
    return sum(int(s["errors"]) for s in samples)


def flag(samples: list[dict[str, Any]]) -> str:
    """`` ⚠ N errors (example)`` when ``samples`` had errors, else nothing."""
    errors = error_count(samples)
    if not errors:
        return ""
    example = next((s["error_example"] for s in samples if s["error_example"]), "")
    return f" ⚠ {errors} errors" + (f" (`{example[:80]}`)" if example else "")


def skipped(data: dict[str, Any]) -> str:
    """The contenders a run left out, with why, as italic notes."""
    notes = [f"{s['label']}: skipped, {s['why']}." for s in data.get("skipped", [])]
    return "".join(f"\n_{note}_\n" for note in notes)


def median(data: dict[str, Any], key: str, point: str, figure: str) -> float:
    """The median of ``figure`` for contender ``key`` at ``point`` (NaN if not measured)."""
    return spread(select(data, key, point), figure).median


def ratio(data: dict[str, Any], top: str, bottom: str, point: str, figure: str = "cpu_us") -> float:
    """``top``'s median over ``bottom``'s at ``point`` (NaN when either is missing)."""
    below = median(data, bottom, point, figure)
    return median(data, top, point, figure) / below if below else float("nan")


def not_lower(data: dict[str, Any], key: str, later: str, earlier: str) -> bool:
    """Whether throughput at ``later`` is no lower than at ``earlier`` beyond the rounds'
    spread: its best round reaches at least the other's worst (their ranges meet), to
    within one call per window (the resolution of a count over a fixed window).
    """
    samples = select(data, key, later)
    high = spread(samples, "per_second").high
    low = spread(select(data, key, earlier), "per_second").low
    resolution = 1.0 / min(s["wall_s"] for s in samples) if samples else 0.0
    return high + resolution >= low
