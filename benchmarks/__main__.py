"""Run every benchmark and print (and save) the comparison tables: `python -m benchmarks`."""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

import anyio

from . import overhead
from ._harness import Row, render

RESULTS = Path(__file__).parent / "results" / "latest.md"


async def _run_all(quick: bool) -> list[Row]:
    calls, rounds = (200, 3) if quick else (2000, 5)
    rows = await overhead.run(calls, rounds)
    try:
        from . import loopback
    except ImportError as exc:  # the emulator extra is not installed
        print(f"skipping loopback benchmarks: {exc}", file=sys.stderr)
        return rows
    rows += await loopback.run(quick=quick)
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; write the table to benchmarks/results/latest.md unless --no-save."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer calls: a smoke run")
    parser.add_argument("--no-save", action="store_true", help="print only")
    parser.add_argument("--backend", choices=("asyncio", "trio"), default="asyncio")
    args = parser.parse_args(argv)
    rows = anyio.run(_run_all, args.quick, backend=args.backend)
    header = (
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{args.backend}, {'quick' if args.quick else 'full'} run"
    )
    table = render(rows, header)
    print(table)
    if not args.no_save:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(table, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
