# ruff: noqa: RUF001 - the report is typeset: en dashes, multiplication signs
"""The targets, judged from the JSON a run wrote: each with its figure and a verdict.

Against the bare server (``*-bare`` results) the SDK is judged against raw clients side
by side in the same run, as ratios: the server is not the ceiling there. Against the
emulator (what users meet end to end) the earlier targets stay. A target whose results
are not in the run is left out, not failed.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

from ._format import error_count, labels, median, not_lower, ratio, table

__all__ = ["Target", "profile_note", "targets", "targets_table"]

# The bare server (issue 16), asyncio: the default install against raw aiohttp.
CPU_RATIO_TO_RAW_AIOHTTP = 1.6
#: calls/s at least this share of raw aiohttp's, by concurrency.
SHARE_OF_RAW_AIOHTTP = {64: 0.95, 256: 0.80, 512: 0.70}
#: trio, at 256 in flight: calls/s at least this share of raw httpx2's.
SHARE_OF_RAW_HTTPX2_AT_256 = 0.8
# The emulator (the earlier targets).
EFFICIENCY_AT_64 = 0.90
SHARE_OF_RAW_AIOHTTP_AT_256 = 0.5
CPU_US_PER_CALL = 450.0
SHARE_OF_OPENAI = 0.5
RATIO_TO_RAW = 1.15
READ_AHEAD_GAIN = 1.8
RSS_GROWTH_MB = 15.0


@dataclass(frozen=True)
class Target:
    """One target, as measured."""

    text: str
    measured: str
    met: bool | None  # None: not measured in this run
    why: str = ""


def profile_note(results: dict[str, dict[str, Any]]) -> str:
    """Where the SDK's CPU went, in one sentence (empty without a profile)."""
    profile = results.get("profile", {}).get("profiles", {})
    sdk = profile.get("sdk")
    if not sdk:
        return ""
    areas = ", ".join(f"{a['name']} {a['share']:.0%}" for a in sdk["areas"][:4])
    return f"Profile of the SDK's get: {areas} of its CPU."


def _levels(data: dict[str, Any], at_least: int = 0) -> list[int]:
    return [level for level in data["settings"]["levels"] if level >= at_least]


def _no_fall(data: dict[str, Any], name: str) -> Target:
    """Throughput never falls from 64 to 512 for the SDK's default pool."""
    levels = _levels(data, 64)
    rates = [median(data, "sdk-auto", str(lv), "per_second") for lv in levels]
    # Every higher level against every lower one: steps that each stay within the spread
    # could still add up to a fall.
    rising = all(
        not_lower(data, "sdk-auto", str(b), str(a)) for a, b in itertools.combinations(levels, 2)
    )
    return Target(
        f"{name}: throughput never falls from 64 to 512 (beyond the rounds' spread)",
        ", ".join(f"{lv}: {r:,.0f}" for lv, r in zip(levels, rates, strict=True)) + " calls/s",
        rising and len(rates) > 1,
    )


def _bare(results: dict[str, dict[str, Any]]) -> list[Target]:
    out: list[Target] = []
    conc = results.get("concurrency-bare")
    if conc is not None:
        levels = [lv for lv in _levels(conc, 64) if lv in SHARE_OF_RAW_AIOHTTP]
        cpu = {lv: ratio(conc, "sdk-auto", "raw-aiohttp", str(lv)) for lv in levels}
        if cpu:
            out.append(
                Target(
                    "bare server, asyncio: client CPU per get ≤ 1.6× raw aiohttp's (64–512)",
                    ", ".join(f"{lv}: {r:.2f}×" for lv, r in cpu.items()),
                    max(cpu.values()) <= CPU_RATIO_TO_RAW_AIOHTTP,
                )
            )
        for level in levels:
            share = ratio(conc, "sdk-auto", "raw-aiohttp", str(level), "per_second")
            sdk = median(conc, "sdk-auto", str(level), "per_second")
            raw = median(conc, "raw-aiohttp", str(level), "per_second")
            want = SHARE_OF_RAW_AIOHTTP[level]
            out.append(
                Target(
                    f"bare server, asyncio, {level} in flight: calls/s ≥ {want:.2f}× raw aiohttp",
                    f"{sdk:,.0f} vs {raw:,.0f} calls/s = {share:.2f}×",
                    share >= want,
                )
            )
        errors = error_count([s for s in conc["samples"] if s["contender"] == "sdk-auto"])
        out.append(Target("bare server, asyncio: zero errors", f"{errors} errors", errors == 0))
    trio = results.get("concurrency-bare-trio")
    if trio is not None:
        if 256 in _levels(trio) and "raw-httpx2" in labels(trio):
            share = ratio(trio, "sdk-auto", "raw-httpx2", "256", "per_second")
            sdk = median(trio, "sdk-auto", "256", "per_second")
            raw = median(trio, "raw-httpx2", "256", "per_second")
            out.append(
                Target(
                    "bare server, trio, 256 in flight: calls/s ≥ 0.8× raw httpx2 "
                    "(1,000 connections)",
                    f"{sdk:,.0f} vs {raw:,.0f} calls/s = {share:.2f}×",
                    share >= SHARE_OF_RAW_HTTPX2_AT_256,
                )
            )
        if len(_levels(trio, 64)) > 1:
            out.append(_no_fall(trio, "bare server, trio"))
    over = results.get("overhead-bare")
    if over is not None:
        ops = over["settings"]["operations"]
        ratios = {op: ratio(over, "sdk-auto", "raw-aiohttp", op) for op in ops}
        out.append(
            Target(
                "bare server, overhead: get, list_page, update each ≤ 1.6× raw aiohttp's CPU",
                ", ".join(f"{op} {r:.2f}×" for op, r in ratios.items()),
                max(ratios.values()) <= CPU_RATIO_TO_RAW_AIOHTTP,
            )
        )
    return out


def _emulator_concurrency(conc: dict[str, Any], note: str) -> list[Target]:
    out: list[Target] = []
    latency = conc["settings"]["latency_ms"] / 1000.0
    rate = {lv: median(conc, "sdk-auto", str(lv), "per_second") for lv in _levels(conc)}
    if 64 in rate:
        efficiency = rate[64] / (64 / latency)
        out.append(
            Target(
                "default install, asyncio: efficiency ≥ 0.90 at concurrency 64",
                f"{efficiency:.2f}",
                efficiency >= EFFICIENCY_AT_64,
                note,
            )
        )
    if 256 in rate:
        raw = median(conc, "raw-aiohttp", "256", "per_second")
        share = rate[256] / raw if raw else float("nan")
        out.append(
            Target(
                "at 256: ≥ half the calls/s of raw aiohttp (same run)",
                f"{rate[256]:,.0f} vs {raw:,.0f} calls/s = {share:.2f}",
                share >= SHARE_OF_RAW_AIOHTTP_AT_256,
                note,
            )
        )
    if 256 in rate and 512 in rate:
        out.append(
            Target(
                "throughput at 512 no lower than at 256 (beyond the rounds' spread)",
                f"{rate[512]:,.0f} vs {rate[256]:,.0f} calls/s",
                not_lower(conc, "sdk-auto", "512", "256"),
            )
        )
    errors = error_count([s for s in conc["samples"] if s["contender"] == "sdk-auto"])
    out.append(Target("zero errors at any level", f"{errors} errors", errors == 0))
    return out


def _emulator_overhead(over: dict[str, Any], note: str) -> list[Target]:
    out: list[Target] = []
    cpu = median(over, "sdk-auto", "get", "cpu_us")
    out.append(
        Target(
            "SDK CPU per call ≤ 450 µs at concurrency 8 (get)",
            f"{cpu:,.0f} µs",
            cpu <= CPU_US_PER_CALL,
            note,
        )
    )
    openai = median(over, "openai", "get", "cpu_us")
    if math.isnan(openai):
        out.append(
            Target(
                "under half of openai-python's per-call cost",
                "not measured",
                None,
                "openai-python is not installed",
            )
        )
    else:
        out.append(
            Target(
                "under half of openai-python's per-call cost (get)",
                f"{cpu:,.0f} vs {openai:,.0f} µs = {cpu / openai:.2f}",
                cpu / openai < SHARE_OF_OPENAI,
                note,
            )
        )
    named = labels(over)
    for sdk, raw in over["pairs"].items():
        ratios = {op: ratio(over, sdk, raw, op) for op in over["settings"]["operations"]}
        out.append(
            Target(
                f"≤ 1.15× the raw client on the same transport: {named.get(sdk, sdk)} "
                f"÷ {named.get(raw, raw)}",
                ", ".join(f"{op} {r:.2f}×" for op, r in ratios.items()),
                max(ratios.values()) <= RATIO_TO_RAW,
                note,
            )
        )
    return out


def _emulator_rest(results: dict[str, dict[str, Any]]) -> list[Target]:
    out: list[Target] = []
    pages = results.get("pagination")
    if pages is not None:
        gain = median(pages, "read-ahead", "walk", "per_second") / median(
            pages, "no-read-ahead", "walk", "per_second"
        )
        out.append(Target("read-ahead ≥ 1.8× items/s", f"{gain:.2f}×", gain >= READ_AHEAD_GAIN))
        settings = pages["settings"]
        small = median(pages, "rss", str(settings["rss_small"]), "peak_mb")
        large = median(pages, "rss", str(settings["rss_large"]), "peak_mb")
        out.append(
            Target(
                f"peak RSS for {settings['rss_large']:,} ≤ that for "
                f"{settings['rss_small']:,} + 15 MB",
                f"{large:.1f} MB vs {small:.1f} MB (+{large - small:.1f} MB)",
                large <= small + RSS_GROWTH_MB,
            )
        )
    contention = results.get("contention")
    if contention is not None:
        failed = error_count(contention["samples"])
        writers = ", ".join(str(w) for w in contention["settings"]["writers"])
        out.append(
            Target(
                f"contention: every optimistic_update succeeds ({writers} writers)",
                f"{failed} failed",
                failed == 0,
            )
        )
    return out


def targets(results: dict[str, dict[str, Any]]) -> list[Target]:
    """Each target with its figure from this run and whether it is met."""
    note = profile_note(results)
    out = _bare(results)
    conc = results.get("concurrency")
    if conc is not None:
        out += _emulator_concurrency(conc, note)
    over = results.get("overhead")
    if over is not None:
        out += _emulator_overhead(over, note)
    trio = results.get("concurrency-trio")
    if trio is not None:
        out.append(_no_fall(trio, "trio (transport=auto)"))
    return out + _emulator_rest(results)


def targets_table(found: list[Target]) -> str:
    """The targets as a Markdown table."""
    rows = []
    for target in found:
        verdict = {True: "✅ met", False: "❌ not met", None: "— not measured"}[target.met]
        why = target.why if target.met is None else ""
        rows.append([target.text, target.measured, verdict + (f": {why}" if why else "")])
    return table(["target", "measured", "verdict"], rows, align="lll")
