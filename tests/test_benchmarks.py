# ruff: noqa: RUF001, RUF002 - the report is typeset: en dashes, multiplication signs
"""The benchmarks still run: a tiny run of each benchmark, its results files and report.

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
from benchmarks import _format, _report, _targets  # noqa: E402
from benchmarks._harness import Spread  # noqa: E402
from benchmarks._plan import TINY  # noqa: E402

#: Each benchmark and event loop, run as a test of its own: they run in parallel under
#: xdist (all of them in one test took minutes on a busy 2-core machine).
RUNS = [
    pytest.param(name, backend, id=cli.result_name(name, backend))
    for name, (_, backends) in cli.BENCHMARKS.items()
    for backend in backends
]
#: The report's section title each result brings.
TITLES = {
    "concurrency": "1. Concurrency",
    "concurrency-trio": "1. Concurrency",
    "concurrency-bare": "(asyncio, bare server)",
    "concurrency-bare-trio": "### 1. Concurrency (trio, bare server)",
    "overhead": "2. Overhead",
    "pagination": "3. Pagination",
    "contention": "4. Contention",
}


def _trio_contenders() -> set[str]:
    """What the concurrency benchmarks measure under trio."""
    keys = {"sdk-auto", "sdk-httpx", "raw-httpx"}
    if importlib.util.find_spec("httpx2") is not None:
        keys.add("raw-httpx2")
    return keys


@pytest.mark.integration
# Each run starts its own server process (the fleet one client processes too): a guard
# against hangs above the suite's default of 60 s, not a timing.
@pytest.mark.timeout(180)
@pytest.mark.parametrize(("name", "backend"), RUNS)
def test_every_benchmark_runs_and_reports(name: str, backend: str, tmp_path: Path) -> None:
    """A tiny run of one benchmark under one event loop (against the emulator or the bare
    server), then the report and the short summary from its results.
    """
    results = cli.run(TINY, [name], backend, tmp_path, pin=False)

    result = cli.result_name(name, backend)
    assert result in results
    for each, data in results.items():
        stored = json.loads((tmp_path / f"{each}.json").read_text(encoding="utf-8"))
        assert stored["benchmark"] == data["benchmark"]
        assert stored["machine"]["cores"] >= 1
        samples = data.get("samples", [])
        for sample in samples:
            assert sample["errors"] == 0, (each, sample["contender"], sample["error_example"])
        # Each round is tiny: one may end before a call does, but not all of them.
        assert not samples or sum(sample["count"] for sample in samples) > 0, each
    contenders = {s["contender"] for s in results[result].get("samples", [])}
    if result == "concurrency":
        assert {"sdk-auto", "sdk-httpx", "raw-aiohttp", "raw-httpx"} <= contenders
    if result in ("concurrency-trio", "concurrency-bare-trio"):
        assert contenders == _trio_contenders()
    if result == "concurrency-bare":
        assert results[result]["settings"]["server"] == "bare"
    if result == "overhead-bare":
        assert contenders >= {"sdk-auto", "raw-aiohttp"}

    readme = tmp_path / "README.md"
    readme.write_text("# Benchmarks\n\nHand-written prose.\n", encoding="utf-8")
    generated = cli.report(_report.load(tmp_path), tmp_path, readme)
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\nHand-written prose.\n")
    assert _report.START in text
    assert _report.END in text
    assert "### Targets" in generated
    if result in TITLES:
        assert TITLES[result] in generated
    summary = _report.summary(_report.load(tmp_path), tmp_path / "results.md")
    assert len(summary.splitlines()) < 40
    assert "compare the ratios" in summary
    if result == "overhead-bare":
        assert "bare server, overhead" in summary
    if result == "concurrency" and importlib.util.find_spec("matplotlib") is not None:
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
    (found,) = [t for t in _targets.targets(_trio_results(rates)) if t.text.startswith("trio")]
    return found.met


def test_trio_target_compares_every_level_with_every_lower_one() -> None:
    """Steps that each stay within the rounds' spread but add up to a fall are a fall."""
    drifting = {64: [305.0, 306.0, 307.0], 256: [300.0, 302.0, 305.0], 512: [296.0, 298.0, 300.0]}
    assert _trio_verdict(drifting) is False
    flat = {64: [301.0, 306.0, 311.0], 256: [300.0, 304.0, 306.0], 512: [299.0, 303.0, 306.0]}
    assert _trio_verdict(flat) is True


def test_a_single_round_shows_no_range_and_several_do() -> None:
    """``320`` for one round, not ``320 (320–320)``; a range only over several rounds."""
    assert _format.cell(Spread.of([320.0])) == "320"
    assert _format.cell(Spread.of([310.0, 320.0, 330.0])) == "320 (310–330)"


def test_an_unsaved_run_writes_inside_the_project_where_git_ignores_it() -> None:
    """Without ``--save`` results go to ``benchmarks/out/<mode>``, which ``.gitignore`` names."""
    assert Path(cli.__file__).resolve().parent / "out" == cli.OUT
    ignored = (cli.HERE.parent / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "benchmarks/out/" in ignored


def _bare_results(sdk: float, raw: float) -> dict[str, dict[str, Any]]:
    """Stored bare-server concurrency results with these calls/s at 64, 256 and 512."""

    def sample(key: str, level: int, rate: float) -> dict[str, Any]:
        return {
            "contender": key,
            "point": str(level),
            "round": 1,
            "count": round(rate),
            "errors": 0,
            "wall_s": 1.0,
            "cpu_s": rate * 200e-6,
            "cpu_count": round(rate),
            "error_example": "",
            "extra": {},
        }

    samples = [
        sample(key, level, rate)
        for level in (64, 256, 512)
        for key, rate in (("sdk-auto", sdk), ("raw-aiohttp", raw))
    ]
    settings = {"levels": [64, 256, 512], "latency_ms": 50.0, "rounds": 1, "server": "bare"}
    contenders = [{"key": "sdk-auto", "label": "SDK"}, {"key": "raw-aiohttp", "label": "raw"}]
    return {
        "concurrency-bare": {"settings": settings, "samples": samples, "contenders": contenders}
    }


def test_bare_server_targets_are_ratios_to_raw_aiohttp_in_the_same_run() -> None:
    """0.90× raw aiohttp's calls/s meets the 256 and 512 targets but not the 64 one."""
    found = {t.text: t.met for t in _targets.targets(_bare_results(900.0, 1000.0))}
    assert found["bare server, asyncio, 64 in flight: calls/s ≥ 0.95× raw aiohttp"] is False
    assert found["bare server, asyncio, 256 in flight: calls/s ≥ 0.80× raw aiohttp"] is True
    assert found["bare server, asyncio, 512 in flight: calls/s ≥ 0.70× raw aiohttp"] is True


def test_a_round_slower_than_the_plots_floor_still_plots(tmp_path: Path) -> None:
    """A starved round (2 calls/s, under the plot's floor) draws, not a ValueError (without
    matplotlib, which the bench extra brings, nothing is drawn and nothing raised).
    """
    from benchmarks import _plot

    sample = {
        "contender": "sdk-auto",
        "point": "1",
        "round": 1,
        "count": 1,
        "errors": 0,
        "wall_s": 0.5,
        "cpu_s": 0.1,
        "cpu_count": 1,
        "error_example": "",
        "extra": {},
    }
    data = {
        "backend": "asyncio",
        "settings": {"levels": [1], "latency_ms": 1.0, "server": "bare"},
        "contenders": [{"key": "sdk-auto", "label": "SDK"}],
        "samples": [sample],
    }
    drawn = _plot.plot({"concurrency-bare": data}, tmp_path / "plot.png")
    assert drawn == (importlib.util.find_spec("matplotlib") is not None)
