"""2. Overhead: client CPU time per call, with no server latency, 8 calls at once.

For ``get``, ``list_page`` (25 connections) and ``update``: the SDK with each transport
beside the raw client of the same pool (the SDK on aiohttp's pool beside raw aiohttp, on
httpx's beside raw httpx), plus raw httpx over httpx-aiohttp (the adapter the SDK's
aiohttp transport goes through, so the SDK's own share can be told from the adapter's)
and, for ``get``, openai-python's ``AsyncOpenAI``. The ratio SDK ÷ raw is the SDK's cost.
``run`` serves the emulator's app; ``run_bare`` a bare server with fixed answers (the
targets against raw aiohttp are judged there).
"""

from __future__ import annotations

import importlib.util
from typing import Any

from ._contenders import OPS, OpenAI, RawAiohttp, RawHttpx, Sdk, add_if_installed
from ._harness import Contender, Sample, heading, measure, progress, server
from ._plan import Plan

NAME = "overhead"
_SEEDED = 64
#: SDK contender -> the raw client on the same transport, per backend: httpx with the
#: transport the SDK uses (httpx-aiohttp's, for aiohttp's pool). Raw aiohttp, the floor
#: below any httpx-based client, is in the tables too.
PAIRS = {
    "asyncio": {"sdk-auto": "raw-httpx-aiohttp", "sdk-httpx": "raw-httpx"},
    "trio": {"sdk-auto": "raw-httpx"},
}


def _trio_pool() -> str:
    """The pool ``transport="auto"`` picks under trio here."""
    return "httpcore2" if importlib.util.find_spec("httpcore2") else "httpx"


def contenders(
    backend: str, base_url: str, ids: list[str], op: str
) -> tuple[list[Contender], list[dict[str, str]]]:
    """The contenders for ``op`` under ``backend``, and those skipped (with why)."""
    if backend == "trio":
        return [
            Sdk(base_url, ids, op, transport="auto", label=f"SDK, transport=auto ({_trio_pool()})"),
            RawHttpx(base_url, ids, op),
        ], []
    chosen: list[Contender] = [
        Sdk(base_url, ids, op, transport="auto", label="SDK, transport=auto (aiohttp)"),
        RawAiohttp(base_url, ids, op),
        RawHttpx(base_url, ids, op, over_aiohttp=True),
        Sdk(base_url, ids, op, transport="httpx", label="SDK, transport=httpx"),
        RawHttpx(base_url, ids, op),
    ]
    skipped: list[dict[str, str]] = []
    if op == "get":
        add_if_installed(chosen, skipped, OpenAI, base_url, ids, op)
    return chosen, skipped


async def run(plan: Plan, backend: str) -> dict[str, Any]:
    """Against the emulator: every operation, round and contender in turn."""
    return await measure_all(plan, backend, "emulator")


async def run_bare(plan: Plan, backend: str) -> dict[str, Any]:
    """Against the bare server: every operation, round and contender in turn."""
    return await measure_all(plan, backend, "bare")


async def measure_all(plan: Plan, backend: str, kind: str) -> dict[str, Any]:
    """Every operation, every round, every contender in turn."""
    concurrency = plan.overhead_concurrency
    heading(
        f"overhead ({backend}, {kind} server): CPU per call, no latency, concurrency {concurrency}"
    )
    samples: list[Sample] = []
    labels: dict[str, str] = {}
    skipped: list[dict[str, str]] = []
    async with server(latency_ms=0.0, seed=_SEEDED, page_size=25, kind=kind) as srv:
        for op in OPS:
            chosen, missing = contenders(backend, srv.url, srv.ids, op)
            skipped += [m for m in missing if m not in skipped]
            for round_number in range(1, plan.overhead_rounds + 1):
                for contender in chosen:
                    labels[contender.key] = contender.label
                    sample = await measure(
                        contender,
                        concurrency,
                        point=op,
                        round_number=round_number,
                        count=plan.overhead_calls,
                        warmup_calls=5,
                    )
                    samples.append(sample)
                    errors = f", {sample.errors} errors" if sample.errors else ""
                    progress(
                        f"{op} · round {round_number}/{plan.overhead_rounds} · {contender.label}: "
                        f"{sample.cpu_us_per_call:,.0f} µs CPU/call, "
                        f"{sample.per_second:,.0f} calls/s{errors}"
                    )
    return {
        "benchmark": NAME,
        "backend": backend,
        "mode": plan.mode,
        "settings": {
            "server": kind,
            "operations": list(OPS),
            "latency_ms": 0.0,
            "concurrency": concurrency,
            "calls_per_round": plan.overhead_calls,
            "rounds": plan.overhead_rounds,
            "page_size": 25,
            "server_pinned": srv.pinned,
        },
        "pairs": PAIRS[backend],
        "contenders": [{"key": key, "label": label} for key, label in labels.items()],
        "skipped": skipped,
        "samples": [s.as_json() for s in samples],
    }
