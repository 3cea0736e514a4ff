"""1. Concurrency: ``get`` at 1, 16, 64, 256 and 512 concurrent calls, 50 ms server latency.

Contenders: the SDK with each transport, raw httpx, raw aiohttp, a sequential ``requests``
loop (concurrency 1 only: it has no other), and openai-python's ``AsyncOpenAI`` retrieving a
model from a canned route of the same server, when it is installed. Reported per level:
calls/s, efficiency (calls/s against the ideal, concurrency ÷ latency) and client CPU
time per call. Under trio only what runs there: the SDK on its default pool (httpcore2's
with the trio extra) and on httpx's, raw httpx and raw httpx2 (openai-python's client).
``run`` serves the emulator's app; ``run_bare`` a bare server with fixed answers, where
the server is not the ceiling and the targets are judged.
"""

from __future__ import annotations

import importlib.util
import time
from typing import Any

from ._contenders import (
    OpenAI,
    RawAiohttp,
    RawHttpx,
    RawHttpx2,
    RequestsLoop,
    Sdk,
    add_if_installed,
)
from ._harness import Contender, Sample, heading, measure, progress, server
from ._plan import Plan

NAME = "concurrency"
#: Connections seeded; calls rotate over them.
_SEEDED = 64


def contenders(
    backend: str, base_url: str, ids: list[str], op: str = "get"
) -> tuple[list[Contender], list[dict[str, str]]]:
    """The contenders that run under ``backend``, and those skipped (with why)."""
    skipped: list[dict[str, str]] = []
    if backend == "trio":
        pool = "httpcore2" if importlib.util.find_spec("httpcore2") else "httpx"
        trio: list[Contender] = [
            Sdk(base_url, ids, op, transport="auto", label=f"SDK, transport=auto ({pool})"),
            Sdk(base_url, ids, op, transport="httpx", label="SDK, transport=httpx"),
            RawHttpx(base_url, ids, op),
        ]
        add_if_installed(trio, skipped, RawHttpx2, base_url, ids, op)
        return trio, skipped
    chosen: list[Contender] = [
        Sdk(base_url, ids, op, transport="auto", label="SDK, transport=auto (aiohttp)"),
        Sdk(base_url, ids, op, transport="httpx", label="SDK, transport=httpx"),
        RawAiohttp(base_url, ids, op),
        RawHttpx(base_url, ids, op),
    ]
    if op == "get":
        add_if_installed(chosen, skipped, RequestsLoop, base_url, ids, op)
        add_if_installed(chosen, skipped, OpenAI, base_url, ids, op)
    return chosen, skipped


def line(sample: Sample, label: str) -> str:
    """How a finished round reads in the progress output."""
    errors = f", {sample.errors} errors ({sample.error_example})" if sample.errors else ""
    return (
        f"{label}: {sample.per_second:,.0f} calls/s, "
        f"{sample.cpu_us_per_call:,.0f} µs CPU/call{errors}"
    )


async def run(plan: Plan, backend: str) -> dict[str, Any]:
    """Against the emulator: every level, round and contender in turn."""
    return await measure_all(plan, backend, "emulator")


async def run_bare(plan: Plan, backend: str) -> dict[str, Any]:
    """Against the bare server: every level, round and contender in turn."""
    return await measure_all(plan, backend, "bare")


async def measure_all(plan: Plan, backend: str, kind: str) -> dict[str, Any]:
    """Every level, every round, every contender in turn; the samples and settings."""
    heading(f"concurrency ({backend}, {kind} server): get, {plan.latency_ms:g} ms latency")
    samples: list[Sample] = []
    async with server(latency_ms=plan.latency_ms, seed=_SEEDED, kind=kind) as srv:
        chosen, skipped = contenders(backend, srv.url, srv.ids)
        cap = plan.httpx_pool_max_level
        if cap is not None and any(c.httpx_pool for c in chosen):
            skipped.append(
                {
                    "label": "contenders on httpx's own pool above concurrency " + str(cap),
                    "why": "left out of --quick (that pool takes seconds per round there)",
                }
            )
        for why in skipped:
            progress(f"skipping {why['label']}: {why['why']}")
        for level in plan.levels:
            for round_number in range(1, plan.rounds + 1):
                for contender in chosen:
                    if contender.blocking and level != 1:
                        continue
                    if contender.httpx_pool and cap is not None and level > cap:
                        continue
                    progress(
                        f"concurrency {level} · round {round_number}/{plan.rounds} · "
                        f"{contender.label} ..."
                    )
                    began = time.perf_counter()
                    sample = await measure(
                        contender,
                        level,
                        point=str(level),
                        round_number=round_number,
                        duration=plan.seconds_per_round,
                        # more connections to open at higher levels: a longer warm-up
                        warmup_seconds=plan.warmup_seconds * (1 + level / 256),
                    )
                    samples.append(sample)
                    took = time.perf_counter() - began
                    progress(f"    {line(sample, contender.label)} [{took:.1f} s]")
    used = {c.key: c.transport_used for c in chosen if isinstance(c, Sdk)}
    return {
        "benchmark": NAME,
        "backend": backend,
        "mode": plan.mode,
        "settings": {
            "server": kind,
            "operation": "get",
            "latency_ms": plan.latency_ms,
            "levels": list(plan.levels),
            "rounds": plan.rounds,
            "seconds_per_round": plan.seconds_per_round,
            "server_pinned": srv.pinned,
        },
        "contenders": [
            {"key": c.key, "label": c.label, "blocking": c.blocking, "pool": used.get(c.key, "")}
            for c in chosen
        ],
        "skipped": skipped,
        "samples": [s.as_json() for s in samples],
    }
