"""3. Pagination: walking a long listing, with and without read-ahead; memory as it grows.

Items/s: 10,000 connections, 25 a page, 20 ms server latency, and a caller that spends
about one fetch's time on each page (an ``await`` of that length: I/O of its own, so a
page fetched ahead can arrive meanwhile). The SDK reads ahead when the client is used as
``async with``; the same walk without it is the baseline.

Peak RSS: a fresh process walks the first 1,000 and, separately, all 100,000 connections
of a server with no latency; iteration must not hold on to pages it has handed out.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from typing import Any

import anyio
import anyio.to_thread

import pictory_vimeo as pv

from ._harness import (
    API_KEY,
    CLIENT_CORE,
    HERE,
    Sample,
    heading,
    pinned_command,
    progress,
    server,
)
from ._plan import Plan

NAME = "pagination"
CONTENDERS = (
    ("read-ahead", "SDK, async with (read-ahead)"),
    ("no-read-ahead", "SDK, no async with (no read-ahead)"),
)


async def fetch_seconds(url: str, times: int = 7) -> float:
    """The median time of one page fetch, as the caller's work per page is matched to it."""
    client = pv.AsyncPictoryClient(api_key=API_KEY, base_url=url)
    try:
        await client.vimeo_connections.list_page()
        spent = []
        for _ in range(times):
            started = time.perf_counter()
            await client.vimeo_connections.list_page()
            spent.append(time.perf_counter() - started)
    finally:
        await client.aclose()
    return statistics.median(spent)


async def walk(url: str, *, read_ahead: bool, page_size: int, work: float) -> tuple[int, float]:
    """Every connection, ``work`` seconds of the caller's own per page; items and seconds."""
    client = pv.AsyncPictoryClient(api_key=API_KEY, base_url=url)
    if read_ahead:
        async with client:
            return await _walk(client, page_size, work)
    try:
        return await _walk(client, page_size, work)
    finally:
        await client.aclose()


async def _walk(client: pv.AsyncPictoryClient, page_size: int, work: float) -> tuple[int, float]:
    await client.vimeo_connections.list_page()  # open the pool outside the timing
    items = 0
    started = time.perf_counter()
    async for _ in client.vimeo_connections.list():
        if items % page_size == 0:
            await anyio.sleep(work)  # the caller's work on this page
        items += 1
    return items, time.perf_counter() - started


async def _items_per_second(plan: Plan, backend: str) -> tuple[list[Sample], dict[str, Any]]:
    samples: list[Sample] = []
    async with server(
        latency_ms=plan.listing_latency_ms, page_size=plan.page_size, seed=plan.listing, print_ids=0
    ) as srv:
        progress(f"seeded {plan.listing:,} connections in {srv.seed_seconds:.1f} s")
        work = await fetch_seconds(srv.url)
        progress(f"one page fetch takes {work * 1e3:.1f} ms: the caller spends that per page")
        for round_number in range(1, plan.rounds + 1):
            for key, label in CONTENDERS:
                cpu = time.process_time()
                items, seconds = await walk(
                    srv.url, read_ahead=key == "read-ahead", page_size=plan.page_size, work=work
                )
                cpu = time.process_time() - cpu
                sample = Sample(key, "walk", round_number, items, 0, seconds, cpu, items)
                if items != plan.listing:
                    sample.errors = 1
                    sample.error_example = f"saw {items} of {plan.listing} connections"
                samples.append(sample)
                progress(
                    f"walk · round {round_number}/{plan.rounds} · {label}: "
                    f"{sample.per_second:,.0f} items/s ({seconds:.1f} s)"
                )
        settings = {"caller_work_ms": work * 1e3, "server_pinned": srv.pinned}
    return samples, settings


def _rss_once(url: str, items: int, backend: str) -> dict[str, Any]:
    argv = [sys.executable, str(HERE / "_rss.py"), f"--url={url}", f"--items={items}"]
    argv.append(f"--backend={backend}")
    command, _ = pinned_command(argv, CLIENT_CORE)
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the RSS walk failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


async def _peak_rss(plan: Plan, backend: str) -> list[Sample]:
    samples: list[Sample] = []
    async with server(
        latency_ms=0.0, page_size=plan.page_size, seed=plan.rss_large, print_ids=0
    ) as srv:
        progress(f"seeded {plan.rss_large:,} connections in {srv.seed_seconds:.1f} s")
        for round_number in range(1, plan.rss_rounds + 1):
            for items in (plan.rss_small, plan.rss_large):
                result = await anyio.to_thread.run_sync(_rss_once, srv.url, items, backend)
                sample = Sample(
                    "rss",
                    str(items),
                    round_number,
                    int(result["items"]),
                    0 if result["items"] == items else 1,
                    float(result["seconds"]),
                    0.0,
                    int(result["items"]),
                    "" if result["items"] == items else f"saw {result['items']} of {items}",
                    extra={
                        "peak_mb": result["peak_kib"] * 1024 / 1e6,
                        "before_mb": result["before_kib"] * 1024 / 1e6,
                    },
                )
                samples.append(sample)
                progress(
                    f"peak RSS · round {round_number}/{plan.rss_rounds} · {items:,} connections: "
                    f"{sample.extra['peak_mb']:.1f} MB "
                    f"({sample.extra['before_mb']:.1f} MB before the walk)"
                )
    return samples


async def run(plan: Plan, backend: str) -> dict[str, Any]:
    """Items/s with and without read-ahead, then peak RSS for a small and a large walk."""
    heading(
        f"pagination ({backend}): {plan.listing:,} connections, {plan.page_size} a page, "
        f"{plan.listing_latency_ms:g} ms latency"
    )
    walks, settings = await _items_per_second(plan, backend)
    rss = await _peak_rss(plan, backend)
    return {
        "benchmark": NAME,
        "backend": backend,
        "mode": plan.mode,
        "settings": {
            "connections": plan.listing,
            "page_size": plan.page_size,
            "latency_ms": plan.listing_latency_ms,
            "rounds": plan.rounds,
            "rss_small": plan.rss_small,
            "rss_large": plan.rss_large,
            "rss_rounds": plan.rss_rounds,
            **settings,
        },
        "contenders": [{"key": key, "label": label} for key, label in CONTENDERS],
        "skipped": [],
        "samples": [s.as_json() for s in walks + rss],
    }
