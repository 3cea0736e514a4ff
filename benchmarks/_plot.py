# ruff: noqa: RUF001, RUF002 - the report is typeset: en dashes, multiplication signs
"""The plot: throughput against concurrency, one panel per concurrency results file."""

from __future__ import annotations

import importlib
import math
from pathlib import Path
from typing import Any

from ._format import error_count
from ._harness import optional, select, spread

__all__ = ["PANELS", "PLOT", "plot"]

PLOT = "concurrency.png"
#: The results drawn, one panel each, in this order (those present).
PANELS = ("concurrency-bare", "concurrency-bare-trio", "concurrency", "concurrency-trio")
#: One colour per contender, the same in every panel.
_COLOURS = {
    "sdk-auto": "tab:blue",
    "sdk-httpx": "tab:orange",
    "raw-aiohttp": "tab:green",
    "raw-httpx": "tab:red",
    "raw-httpx2": "tab:brown",
    "openai": "tab:purple",
}
#: The plot's lowest calls/s.
_FLOOR = 5.0


def plot(results: dict[str, dict[str, Any]], path: Path) -> bool:
    """Throughput against concurrency, a line per contender with min–max bars; log-x.

    One panel per backend present. ``False`` (and nothing written) without matplotlib.
    """
    matplotlib = optional("matplotlib")  # the bench extra; imported only to draw
    if matplotlib is None:
        return False
    matplotlib.use("Agg")
    pyplot: Any = importlib.import_module("matplotlib.pyplot")

    panels = [(name, results[name]) for name in PANELS if name in results]
    if not panels:
        return False
    columns = min(2, len(panels))
    rows = (len(panels) + columns - 1) // columns
    figure, axes = pyplot.subplots(
        rows, columns, figsize=(7.5 * columns, 5.2 * rows), squeeze=False, sharey=True
    )
    for axis in axes.flat[len(panels) :]:
        axis.set_visible(False)
    for axis, (_, data) in zip(axes.flat, panels, strict=False):
        settings = data["settings"]
        levels = settings["levels"]
        latency = settings["latency_ms"] / 1000.0
        axis.plot(
            levels,
            [lv / latency for lv in levels],
            linestyle=":",
            color="0.6",
            label=f"ideal (concurrency ÷ {settings['latency_ms']:g} ms)",
        )
        for contender in data["contenders"]:
            key, label = contender["key"], contender["label"]
            points = [(lv, select(data, key, str(lv))) for lv in levels]
            points = [(lv, s) for lv, s in points if s]
            if not points:
                continue
            spreads = [spread(s, "per_second") for _, s in points]
            errors = sum(error_count(s) for _, s in points)
            shown = label + (f" ⚠ {errors} errors" if errors else "")
            if contender.get("blocking") and len(points) == 1:
                value = spreads[0]
                axis.axhline(
                    value.median,
                    linestyle="--",
                    linewidth=1,
                    color="0.35",
                    label=f"{shown} (one at a time: the same at any level)",
                )
                continue
            xs = [lv for lv, _ in points]
            # a log axis has no 0: a level where nothing completed is left out, and said
            ys = [s.median if s.median > 0 else math.nan for s in spreads]
            zeros = [str(lv) for lv, s in zip(xs, spreads, strict=True) if s.median <= 0]
            if zeros:
                shown += f" (0 calls/s at {', '.join(zeros)})"
            below = [s.median - s.low for s in spreads]
            above = [s.high - s.median for s in spreads]
            width = 2.6 if key == "sdk-auto" else 1.4
            # a bar reaching 0 would fall off a log axis: it stops at the floor instead
            # (and never below zero: a median under the floor, as a starved tiny round can
            # give, would make a negative bar, which matplotlib refuses with a ValueError)
            below = [
                max(0.0, min(b, y - _FLOOR)) if y == y else 0.0
                for b, y in zip(below, ys, strict=True)
            ]
            axis.errorbar(
                xs,
                ys,
                color=_COLOURS.get(key),
                yerr=[below, above],
                marker="o",
                markersize=4,
                capsize=3,
                linewidth=width,
                label=shown,
            )
        axis.set_xscale("log", base=2)
        axis.set_yscale("log")
        axis.set_ylim(bottom=_FLOOR)
        axis.set_xticks(levels)
        axis.set_xticklabels([str(lv) for lv in levels])
        axis.set_xlabel("concurrent calls")
        axis.set_ylabel("calls/s (median, min–max bars)")
        backend = data["backend"]
        served = "bare server" if settings.get("server") == "bare" else "emulator"
        axis.set_title(f"get, {served}, {settings['latency_ms']:g} ms latency ({backend})")
        axis.grid(True, which="major", alpha=0.3)
        axis.legend(fontsize=8, loc="upper left")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    pyplot.close(figure)
    return True
