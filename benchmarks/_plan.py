"""How big each benchmark runs: the full run (committed results), ``--quick``, and the tiny
size the test suite's smoke test uses. The workloads are the issue's; only the number of
rounds and the time per round shrink.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    """Sizes for one run of the benchmarks."""

    mode: str
    rounds: int
    # 1. concurrency: get at each level against a server with this latency
    levels: tuple[int, ...]
    seconds_per_round: float
    warmup_seconds: float
    latency_ms: float
    #: Above this level, contenders on httpx's own pool are left out (``None``: never).
    #: Only ``--quick`` sets it: that pool takes seconds per round there just to cancel.
    httpx_pool_max_level: int | None
    #: 2. overhead: calls per round at this concurrency, no latency. It has rounds of its
    #: own: on httpx's pool a call's CPU varies by ±15% from round to round (how many
    #: connections httpcore happens to open), so its medians need more rounds than the rest.
    overhead_rounds: int
    overhead_calls: int
    overhead_concurrency: int
    # 3. pagination: a listing of this many at this latency; RSS for small vs large
    listing: int
    page_size: int
    listing_latency_ms: float
    rss_small: int
    rss_large: int
    rss_rounds: int
    # 4. contention: writers on one connection
    writers: tuple[int, ...]
    contention_latency_ms: float
    # profile: SDK get calls under the profiler
    profile_calls: int


FULL = Plan(
    mode="full",
    rounds=3,
    levels=(1, 16, 64, 256, 512),
    seconds_per_round=1.2,
    warmup_seconds=0.5,
    latency_ms=50.0,
    httpx_pool_max_level=None,
    overhead_rounds=7,
    overhead_calls=2000,
    overhead_concurrency=8,
    listing=10_000,
    page_size=25,
    listing_latency_ms=20.0,
    rss_small=1_000,
    rss_large=100_000,
    rss_rounds=2,
    writers=(4, 16, 64),
    contention_latency_ms=5.0,
    profile_calls=6000,
)

QUICK = Plan(
    mode="quick",
    rounds=1,
    levels=(1, 16, 64, 256, 512),
    seconds_per_round=0.3,
    warmup_seconds=0.15,
    latency_ms=50.0,
    httpx_pool_max_level=64,
    overhead_rounds=1,
    overhead_calls=200,
    overhead_concurrency=8,
    listing=500,
    page_size=25,
    listing_latency_ms=20.0,
    rss_small=500,
    rss_large=5_000,
    rss_rounds=1,
    writers=(4, 16),
    contention_latency_ms=5.0,
    profile_calls=500,
)

#: The test suite's smoke run: every code path, no meaningful timing.
TINY = Plan(
    mode="tiny",
    rounds=1,
    levels=(1,),
    seconds_per_round=0.05,
    warmup_seconds=0.1,
    latency_ms=1.0,
    httpx_pool_max_level=None,
    overhead_rounds=1,
    overhead_calls=8,
    overhead_concurrency=2,
    listing=60,
    page_size=25,
    listing_latency_ms=1.0,
    rss_small=10,
    rss_large=60,
    rss_rounds=1,
    writers=(2, 3),
    contention_latency_ms=0.0,
    profile_calls=20,
)

PLANS = {plan.mode: plan for plan in (FULL, QUICK, TINY)}
