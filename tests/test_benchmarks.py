"""The benchmarks still run: a tiny smoke run of each scenario, checked for sane rows."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest


def _load_benchmarks() -> None:
    """Import the repository's ``benchmarks`` package by path.

    The suite runs with ``python -I`` against the installed package, so the source tree,
    where ``benchmarks`` lives (it is not shipped), is not on ``sys.path``.
    """
    if "benchmarks" in sys.modules:
        return
    folder = Path(__file__).resolve().parent.parent / "benchmarks"
    spec = importlib.util.spec_from_file_location(
        "benchmarks", folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    assert spec is not None
    assert spec.loader is not None
    package = importlib.util.module_from_spec(spec)
    sys.modules["benchmarks"] = package
    spec.loader.exec_module(package)


_load_benchmarks()

from benchmarks import loopback, overhead  # noqa: E402
from benchmarks._harness import Row, render  # noqa: E402


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
