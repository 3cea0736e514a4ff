"""The benchmarks still run: a tiny smoke run of each scenario, checked for sane rows."""

from __future__ import annotations

import math

import pytest

from benchmarks import loopback, overhead
from benchmarks._harness import Row, render


def assert_sane(rows: list[Row]) -> None:
    """Every row measured something on both sides and renders into the table."""
    assert rows
    for row in rows:
        assert row.baseline > 0
        assert row.sdk > 0
        assert math.isfinite(row.ratio)
    table = render(rows, "smoke")
    assert all(row.scenario in table for row in rows)


@pytest.mark.anyio
async def test_the_overhead_benchmark_runs() -> None:
    """The in-process overhead scenarios run end to end at a tiny size."""
    assert_sane(await overhead.run(calls=3, rounds=1))


@pytest.mark.anyio
@pytest.mark.integration
async def test_the_loopback_benchmark_runs() -> None:
    """The loopback scenarios (including the contention check) run against the emulator."""
    rows = await loopback.run_sized(calls=4, rounds=1, listing=12, writers=3)
    assert_sane(rows)
    assert len(rows) == 4
