# ruff: noqa: RUF001 - the report is typeset: en dashes, multiplication signs
"""The tables of each benchmark, from the JSON a run wrote: one renderer per benchmark.

A renderer takes one results file (``results/<name>.json``) and returns Markdown; the
registry (:data:`RENDERERS`) is keyed by benchmark, so a new benchmark adds one entry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._format import (
    cell,
    error_count,
    flag,
    labels,
    median,
    num,
    ratio,
    rounds_note,
    skipped,
    table,
)
from ._harness import select, spread

__all__ = ["RENDERERS", "TITLES", "render"]


def server_words(settings: dict[str, Any]) -> str:
    """What the server was, in words."""
    if settings.get("server") == "bare":
        return "a bare server (fixed answers, no emulator)"
    return "the emulator"


def concurrency_tables(data: dict[str, Any]) -> str:
    """calls/s, efficiency and CPU per call, by contender and level."""
    settings = data["settings"]
    levels = [str(level) for level in settings["levels"]]
    latency = settings["latency_ms"] / 1000.0
    named = labels(data)
    rate_rows, efficiency_rows, cpu_rows = [], [], []
    for key, label in named.items():
        if not any(select(data, key, level) for level in levels):
            continue  # e.g. a sequential loop when level 1 is not in the run
        rates, efficiencies, cpus = [label], [label], [label]
        for level in levels:
            samples = select(data, key, level)
            if not samples:
                rates.append("—")
                efficiencies.append("—")
                cpus.append("—")
                continue
            rate = spread(samples, "per_second")
            ideal = int(level) / latency if latency else float("nan")
            rates.append(cell(rate) + flag(samples))
            efficiencies.append(num(rate.median / ideal, 2))
            cpus.append(num(spread(samples, "cpu_us").median))
        rate_rows.append(rates)
        efficiency_rows.append(efficiencies)
        cpu_rows.append(cpus)
    header = ["contender", *[f"c={level}" for level in levels]]
    rounds = settings["rounds"]
    return (
        f"`get` against {server_words(settings)} with {settings['latency_ms']:g} ms latency; "
        + (
            f"{rounds} rounds of {settings['seconds_per_round']:g} s per contender and level, "
            "contenders alternating; median (min–max). "
            if rounds > 1
            else f"one round of {settings['seconds_per_round']:g} s per contender and level. "
        )
        + "A sequential loop has concurrency 1 only.\n\n"
        "Calls/s:\n\n"
        + table(header, rate_rows)
        + "\nEfficiency (calls/s ÷ (concurrency ÷ latency)):\n\n"
        + table(header, efficiency_rows)
        + "\nClient CPU µs per call:\n\n"
        + table(header, cpu_rows)
        + skipped(data)
    )


def overhead_tables(data: dict[str, Any]) -> str:
    """CPU per call by contender and operation, and the SDK ÷ raw ratios."""
    settings = data["settings"]
    ops = settings["operations"]
    named = labels(data)
    rows = []
    for key, label in named.items():
        row = [label]
        for op in ops:
            samples = select(data, key, op)
            row.append(cell(spread(samples, "cpu_us")) + flag(samples) if samples else "—")
        rows.append(row)
    out = (
        f"Client CPU µs per call against {server_words(settings)}, no latency, "
        f"{settings['concurrency']} calls at once, {settings['calls_per_round']:,} calls a "
        f"round, {rounds_note(settings['rounds'])}:\n\n" + table(["contender", *ops], rows)
    )
    ratio_rows = []
    for sdk, raw in data["pairs"].items():
        ratio_rows.append(
            [f"{named.get(sdk, sdk)} ÷ {named.get(raw, raw)}"]
            + [num(ratio(data, sdk, raw, op), 2) for op in ops]
        )
    if "raw-aiohttp" in named:  # the floor below any httpx-based client
        ratio_rows.append(
            [f"{named['sdk-auto']} ÷ {named['raw-aiohttp']}"]
            + [num(ratio(data, "sdk-auto", "raw-aiohttp", op), 2) for op in ops]
        )
    if "openai" in named:
        ratio_rows.append(
            [f"{named['sdk-auto']} ÷ {named['openai']}"]
            + [num(ratio(data, "sdk-auto", "openai", op), 2) for op in ops]
        )
    out += "\nRatios of the medians (lower is cheaper):\n\n" + table(["ratio", *ops], ratio_rows)
    return out + skipped(data)


def pagination_tables(data: dict[str, Any]) -> str:
    """Items/s with and without read-ahead; peak RSS for a small and a large walk."""
    settings = data["settings"]
    named = labels(data)
    rows = []
    for key, label in named.items():
        samples = select(data, key, "walk")
        rows.append(
            [
                label,
                cell(spread(samples, "per_second")) + flag(samples),
                cell(spread(samples, "wall_s"), 1, " s"),
            ]
        )
    gain = median(data, "read-ahead", "walk", "per_second") / median(
        data, "no-read-ahead", "walk", "per_second"
    )
    out = (
        f"Walking {settings['connections']:,} connections, {settings['page_size']} a page, "
        f"{settings['latency_ms']:g} ms latency; the caller spends "
        f"{settings['caller_work_ms']:.1f} ms (one page fetch) on each page; "
        f"{rounds_note(settings['rounds'])}:\n\n"
        + table(["client", "items/s", "walk"], rows)
        + f"\nRead-ahead gain: **{gain:.2f}×** items/s.\n"
    )
    rss_rows = []
    for items in (settings["rss_small"], settings["rss_large"]):
        samples = select(data, "rss", str(items))
        rss_rows.append(
            [
                f"{items:,}",
                cell(spread(samples, "peak_mb"), 1, " MB") + flag(samples),
                num(spread(samples, "before_mb").median, 1) + " MB",
                num(spread(samples, "wall_s").median, 1) + " s",
            ]
        )
    out += (
        "\nPeak RSS of a fresh process walking the listing (no latency; "
        f"{settings['rss_rounds']} rounds):\n\n"
        + table(["connections walked", "peak RSS", "before the walk", "walk"], rss_rows)
    )
    return out


def contention_tables(data: dict[str, Any]) -> str:
    """Updates/s and attempts per update, by number of writers."""
    settings = data["settings"]
    rows = []
    for writers in settings["writers"]:
        samples = select(data, "sdk-optimistic", str(writers))
        failed = error_count(samples)
        rows.append(
            [
                str(writers),
                cell(spread(samples, "per_second"), 1),
                cell(spread(samples, "attempts_per_update"), 2),
                "all succeeded"
                if not failed
                else f"⚠ {failed} failed"
                + (
                    f" (`{samples[0]['error_example'][:80]}`)"
                    if samples[0]["error_example"]
                    else ""
                ),
            ]
        )
    return (
        f"`optimistic_update` (defaults: up to {settings['max_attempts']} attempts) from "
        f"N writers at once on one connection, {settings['latency_ms']:g} ms latency, "
        f"{rounds_note(settings['rounds'])}:\n\n"
        + table(["writers", "updates/s", "attempts per update", "outcome"], rows)
    )


def profile_tables(data: dict[str, Any]) -> str:
    """Shares of CPU by area, SDK beside raw; the SDK's top functions and phases."""
    profiles = data.get("profiles", {})
    if not profiles:
        return skipped(data) or "_Not profiled._\n"
    settings = data["settings"]
    keys = list(profiles)
    areas: dict[str, dict[str, float]] = {}
    for key in keys:
        for area in profiles[key]["areas"]:
            areas.setdefault(area["name"], {})[key] = area["share"]
    order = sorted(areas, key=lambda a: -areas[a].get(keys[0], 0.0))
    header = ["where the CPU goes"] + [
        f"{profiles[k]['label']}: {num(profiles[k]['cpu_us_per_call'])} µs/call" for k in keys
    ]
    rows = []
    for area in order:
        row = [area]
        for key in keys:
            share = areas[area].get(key, 0.0)
            row.append(
                f"{share:.0%} ≈ {num(share * profiles[key]['cpu_us_per_call'])} µs"
                if share
                else "—"
            )
        rows.append(row)
    sdk = profiles[keys[0]]
    return (
        f"{settings['profiler']} sampling a fresh process making {settings['calls']:,} "
        f"`get` calls, {settings['concurrency']} at once, no latency (samples while waiting "
        "in the event loop's poll are left out); CPU per call is the process's own figure "
        "during the calls. By the area of the innermost frame:\n\n"
        + table(header, rows)
        + f"\nTop functions by self time ({sdk['label']}):\n\n"
        + table(
            ["function", "share"],
            ([f"`{t['name']}`", f"{t['share']:.1%}"] for t in sdk["top_self"][:10]),
        )
        + f"\nThe SDK's frames by inclusive time ({sdk['label']}):\n\n"
        + table(
            ["frame", "share"],
            ([f"`{t['name']}`", f"{t['share']:.1%}"] for t in sdk["sdk_inclusive"][:8]),
        )
    )


RENDERERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "concurrency": concurrency_tables,
    "overhead": overhead_tables,
    "pagination": pagination_tables,
    "contention": contention_tables,
    "profile": profile_tables,
}
TITLES = {
    "concurrency": "1. Concurrency",
    "overhead": "2. Overhead",
    "pagination": "3. Pagination",
    "contention": "4. Contention",
    "profile": "Profile",
}


def render(name: str, data: dict[str, Any]) -> str:
    """The tables of results file ``name`` (``concurrency-bare-trio`` is a ``concurrency``).

    A benchmark with no renderer in :data:`RENDERERS` yet gets a note, not a failure.
    """
    renderer = RENDERERS.get(kind_of(name))
    if renderer is None:
        return f"_No tables for `{name}` yet: its figures are in `{name}.json`._\n"
    return renderer(data)


def title(name: str) -> str:
    """The heading of a benchmark's tables."""
    kind = kind_of(name)
    return TITLES.get(kind, kind)


def kind_of(name: str) -> str:
    """The benchmark a results file belongs to: its name less the server and backend."""
    return name.removesuffix("-trio").removesuffix("-bare")
