"""Run the benchmarks: ``python -m benchmarks [--quick] [--save] [--only NAME ...] [--backend B]``.

Without ``--backend``: every benchmark under asyncio, plus the concurrency benchmarks under
trio (for the trio targets; not with ``--quick``). Progress goes to stderr, a short
summary to stdout. The JSON files, the full tables (``results.md``) and the plot go to
``benchmarks/out/<mode>/`` (ignored by git; ``--out`` picks another folder) unless
``--save``, which needs a full run and writes ``benchmarks/results/<name>.json``, the plot
``benchmarks/results/concurrency.png`` and the results section of ``benchmarks/README.md``;
``--quick`` never touches them. A benchmark is one entry in :data:`BENCHMARKS`.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import anyio

from . import _report, concurrency, contention, fleet, overhead, pagination, profiling
from ._harness import optional, pin_client, raise_file_limit
from ._plan import FULL, PLANS, QUICK, Plan

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
#: Where an unsaved run writes (``.gitignore`` leaves it out), a folder per mode.
OUT = HERE / "out"
README = HERE / "README.md"
#: name -> (runner, the backends it runs under when none is chosen). ``-bare``: against a
#: bare server with fixed answers (where the targets are judged), not the emulator.
BENCHMARKS: dict[str, tuple[Callable[[Plan, str], Awaitable[dict[str, Any]]], tuple[str, ...]]] = {
    "concurrency-bare": (concurrency.run_bare, ("asyncio", "trio")),
    "overhead-bare": (overhead.run_bare, ("asyncio",)),
    "concurrency": (concurrency.run, ("asyncio", "trio")),
    "overhead": (overhead.run, ("asyncio",)),
    "pagination": (pagination.run, ("asyncio",)),
    "contention": (contention.run, ("asyncio",)),
    "profile": (profiling.run, ("asyncio",)),
    "fleet": (fleet.run, ("asyncio",)),
}


def result_name(name: str, backend: str) -> str:
    """``concurrency`` under asyncio, ``concurrency-trio`` under trio."""
    return name if backend == "asyncio" else f"{name}-{backend}"


def plan_runs(plan: Plan, names: Sequence[str], backend: str | None) -> list[tuple[str, str]]:
    """(benchmark, backend) pairs in the order they run (``--quick``: asyncio only)."""
    runs = []
    for name in names:
        backends = BENCHMARKS[name][1] if plan.mode != "quick" else ("asyncio",)
        for each in backends if backend is None else (backend,):
            runs.append((name, each))
    return runs


async def _run_one(name: str, plan: Plan, backend: str) -> dict[str, Any]:
    return await BENCHMARKS[name][0](plan, backend)


def run(
    plan: Plan,
    names: Sequence[str],
    backend: str | None,
    out: Path,
    *,
    pin: bool = True,
) -> dict[str, dict[str, Any]]:
    """Run the benchmarks, write ``<name>.json`` into ``out``; the results by name."""
    out.mkdir(parents=True, exist_ok=True)
    raise_file_limit()
    info = _report.machine()
    results: dict[str, dict[str, Any]] = {}
    started = time.perf_counter()
    pinned = pin_client() if pin else contextlib.nullcontext("client not pinned")
    with pinned as pinning:
        for name, each in plan_runs(plan, names, backend):
            if each == "trio" and optional("trio") is None:
                print(f"skipping {name} under trio: trio is not installed", file=sys.stderr)
                continue
            data = anyio.run(_run_one, name, plan, each, backend=each)
            server_pinned = data.get("settings", {}).get("server_pinned", False)
            data["machine"] = info
            data["pinning"] = (
                f"Server on core 0 (`taskset -c 0`), {pinning}."
                if server_pinned
                else f"Server not pinned; {pinning}."
            )
            data["date"] = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
            key = result_name(name, each)
            (out / f"{key}.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
            results[key] = data
    minutes = (time.perf_counter() - started) / 60
    print(f"\nall done in {minutes:.1f} min", file=sys.stderr, flush=True)
    return results


def report(results: dict[str, dict[str, Any]], out: Path, readme: Path | None) -> str:
    """Draw the plot into ``out``, render the section; write it into ``readme`` if given,
    else into ``out/results.md``.
    """
    drawn = _report.plot(results, out / _report.PLOT)
    plot_name = None
    if drawn:
        plot_name = f"results/{_report.PLOT}" if readme is not None else _report.PLOT
    generated = _report.section(results, plot_name=plot_name)
    if "fleet" in results:  # its own section and plot (fleet.py)
        drawn_fleet = fleet.plot(results["fleet"], out / fleet.PLOT)
        fleet_plot = (f"results/{fleet.PLOT}" if readme is not None else fleet.PLOT) * drawn_fleet
        generated += "\n" + fleet.section(results["fleet"], plot_name=fleet_plot or None)
    if readme is not None:
        _report.write_readme(readme, generated)
    else:
        (out / "results.md").write_text(generated, encoding="utf-8")
    if not drawn:
        print("no plot: matplotlib is not installed (the bench extra has it)", file=sys.stderr)
    return generated


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run, report."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one short round each: a smoke run")
    parser.add_argument(
        "--save",
        action="store_true",
        help="write benchmarks/results/ and the README's results (full runs only)",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=list(BENCHMARKS),
        metavar="NAME",
        help=f"run only these ({', '.join(BENCHMARKS)})",
    )
    parser.add_argument(
        "--backend",
        choices=("asyncio", "trio"),
        help="run under this backend only (default: asyncio, plus trio for "
        "the concurrency benchmark)",
    )
    parser.add_argument("--out", type=Path, help="folder for an unsaved run's results")
    parser.add_argument("--size", choices=list(PLANS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.save and args.quick:
        parser.error("--save needs a full run: --quick never writes the committed results")
    plan = PLANS[args.size] if args.size else QUICK if args.quick else FULL
    if args.save and plan is not FULL:
        parser.error("--save needs a full run")
    names = args.only or list(BENCHMARKS)
    out = RESULTS if args.save else args.out or OUT / plan.mode
    results = run(plan, names, args.backend, out)
    if args.save:
        everything = _report.load(RESULTS)  # other benchmarks' committed results stay in
        report(everything, RESULTS, README)
        print(_report.summary(results, README))
        print(f"saved: {RESULTS}/ and {README}", file=sys.stderr)
    else:
        report(results, out, None)
        print(_report.summary(results, out / "results.md"))
        print(f"results (not committed): {out}/", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
