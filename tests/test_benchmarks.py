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
