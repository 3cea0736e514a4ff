"""The benchmarks still run: a tiny run of every benchmark, its results files and report.

No timing is asserted (CI machines vary); what is checked is that each benchmark measured
every contender it chose without errors, wrote its JSON, and that the report (tables,
targets, README section and, with matplotlib, the plot) renders from those files.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

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

from benchmarks import __main__ as cli  # noqa: E402
from benchmarks import _report  # noqa: E402
from benchmarks._plan import TINY  # noqa: E402


@pytest.mark.integration
# Six benchmarks, the fleet one starting client processes: on a loaded machine the whole
# tiny run takes longer than the suite's default minute.
@pytest.mark.timeout(180)
def test_every_benchmark_runs_and_reports(tmp_path: Path) -> None:
    """A tiny run of all five, under asyncio (plus concurrency under trio), then the report."""
    results = cli.run(TINY, list(cli.BENCHMARKS), None, tmp_path, pin=False)

    expected = {"concurrency", "concurrency-trio", "overhead", "pagination", "contention"}
    assert expected <= set(results)
    for name, data in results.items():
        stored = json.loads((tmp_path / f"{name}.json").read_text(encoding="utf-8"))
        assert stored["benchmark"] == data["benchmark"]
        assert stored["machine"]["cores"] >= 1
        samples = data.get("samples", [])
        for sample in samples:
            assert sample["errors"] == 0, (name, sample["contender"], sample["error_example"])
        # Each round is tiny: one may end before a call does, but not all of them.
        assert not samples or sum(sample["count"] for sample in samples) > 0, name
    keys = {s["contender"] for s in results["concurrency"]["samples"]}
    assert {"sdk-auto", "sdk-httpx", "raw-aiohttp", "raw-httpx"} <= keys
    assert {s["contender"] for s in results["concurrency-trio"]["samples"]} == {
        "sdk-auto",
        "raw-httpx",
    }

    readme = tmp_path / "README.md"
    readme.write_text("# Benchmarks\n\nHand-written prose.\n", encoding="utf-8")
    generated = cli.report(_report.load(tmp_path), tmp_path, readme)
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\nHand-written prose.\n")
    assert _report.START in text
    assert _report.END in text
    assert "### Targets" in generated
    for title in ("1. Concurrency", "2. Overhead", "3. Pagination", "4. Contention"):
        assert title in generated
    if importlib.util.find_spec("matplotlib") is not None:
        assert (tmp_path / _report.PLOT).stat().st_size > 0

    cli.report(_report.load(tmp_path), tmp_path, readme)  # again: the prose stays, once
    again = readme.read_text(encoding="utf-8")
    assert again.count(_report.START) == 1
    assert again.startswith("# Benchmarks\n\nHand-written prose.\n")


def test_quick_never_saves_and_save_needs_a_full_run() -> None:
    """``--save`` with ``--quick`` is refused before anything runs."""
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--quick", "--save"])
    assert exit_info.value.code == 2


def _trio_results(rates: dict[int, list[float]]) -> dict[str, dict[str, Any]]:
    """Stored trio concurrency results whose rounds ran at these calls/s per level."""
    wall = 1.2
    samples = [
        {
            "contender": "sdk-auto",
            "point": str(level),
            "round": number,
            "count": round(rate * wall),
            "errors": 0,
            "wall_s": wall,
            "cpu_s": 0.1,
            "cpu_count": 1,
            "error_example": "",
            "extra": {},
        }
        for level, per_level in rates.items()
        for number, rate in enumerate(per_level, start=1)
    ]
    settings = {"levels": list(rates), "latency_ms": 50.0, "rounds": 3}
    return {"concurrency-trio": {"settings": settings, "samples": samples}}


def _trio_verdict(rates: dict[int, list[float]]) -> bool | None:
    """The verdict of the trio target for these rounds."""
    (found,) = [t for t in _report.targets(_trio_results(rates)) if t.text.startswith("trio")]
    return found.met


def test_trio_target_compares_every_level_with_every_lower_one() -> None:
    """Steps that each stay within the rounds' spread but add up to a fall are a fall."""
    drifting = {64: [305.0, 306.0, 307.0], 256: [300.0, 302.0, 305.0], 512: [296.0, 298.0, 300.0]}
    assert _trio_verdict(drifting) is False
    flat = {64: [301.0, 306.0, 311.0], 256: [300.0, 304.0, 306.0], 512: [299.0, 303.0, 306.0]}
    assert _trio_verdict(flat) is True
