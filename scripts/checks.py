"""The project's checks, listed once: CI (``.ci/run``) and ``nox`` both run this list.

Run from a clone with nothing but Python 3.11+::

    python3 scripts/checks.py                 # every check, in .venv-ci (what CI does)
    python3 scripts/checks.py lint typecheck  # some of them
    python3 scripts/checks.py --list          # what each one runs

Each check names the package extras it needs; they are installed into the virtualenv
(the package itself, built, not the source tree) before the check runs, one check after
another, so the tests run with the ``test`` extra alone, as the README's test command does.
This file uses the standard library only: it runs before anything is installed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: CI's own virtualenv: not the README's ``.venv``, which a developer may be using.
CI_VENV = ".venv-ci"
#: Where the API reference is built (ignored by git).
DOCS_SITE = "build/docs"
#: pytest's exit status when it collected no test: a failure here, not a pass.
_NO_TESTS = 5


@dataclass(frozen=True)
class Check:
    """One check: the extras it needs and the commands it runs, in the virtualenv.

    Attributes:
        name: What ``nox -s NAME`` and ``scripts/checks.py NAME`` call it.
        about: One line saying what it checks.
        extras: The package's optional extras to install first.
        commands: Each an argv; a first word found in the virtualenv's ``bin`` runs from it.
    """

    name: str
    about: str
    extras: tuple[str, ...]
    commands: tuple[tuple[str, ...], ...]


CHECKS: tuple[Check, ...] = (
    Check(
        "tests",
        "the test suite, as the README's test command runs it",
        ("test",),
        (("python", "-I", "-m", "pytest", "-n", "6"),),
    ),
    Check(
        "gen-sync",
        "the generated sync surface is what scripts/gen_sync.py writes (it runs ruff)",
        ("lint",),
        (("python", "scripts/gen_sync.py", "--check"),),
    ),
    Check(
        "lint",
        "ruff's lint rules and formatting",
        ("lint",),
        (("ruff", "check", "."), ("ruff", "format", "--check", ".")),
    ),
    Check(
        "typecheck",
        "mypy --strict on the package, tests, benchmarks and scripts",
        ("test", "lint", "bench"),
        (("mypy", "--strict", "pictory_vimeo", "tests", "benchmarks", "scripts"),),
    ),
    Check(
        "imports",
        "the import-linter contracts between the layers",
        ("lint",),
        (("lint-imports",),),
    ),
    Check(
        "docs",
        "the API reference builds from the docstrings with no warning (mkdocs --strict)",
        ("docs",),
        (("mkdocs", "build", "--strict", "--site-dir", DOCS_SITE),),
    ),
    Check(
        "quick-bench",
        "every benchmark runs, briefly (timings are not asserted: they vary by machine)",
        ("bench",),
        (("python", "-m", "benchmarks", "--quick"),),
    ),
)


def by_name(names: Sequence[str]) -> list[Check]:
    """The checks named (all of them when none is), in the list's order."""
    known = {check.name: check for check in CHECKS}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise SystemExit(f"unknown check {', '.join(unknown)}: choose from {', '.join(known)}")
    return [check for check in CHECKS if not names or check.name in names]


def _bin(venv: Path) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin")


def _run(argv: Sequence[str]) -> int:
    print("+ " + " ".join(argv), flush=True)
    return subprocess.run(argv, cwd=ROOT, check=False).returncode  # noqa: S603 (our own list)


def _resolve(venv: Path, argv: tuple[str, ...]) -> list[str]:
    """``argv`` with its first word taken from the virtualenv when it is there."""
    local = _bin(venv) / argv[0]
    return [str(local) if local.exists() else argv[0], *argv[1:]]


def run_checks(checks: Sequence[Check], venv: Path, *, fresh: bool, install: bool = True) -> int:
    """Make the virtualenv, then install and run each check in turn; the first failure stops.

    Returns:
        0 when every check passed, else the failing command's exit status (1 for a test
        run that collected nothing).
    """
    if fresh and venv.exists():
        shutil.rmtree(venv)
    if not venv.exists() and _run([sys.executable, "-m", "venv", str(venv)]) != 0:
        return 1
    python = str(_bin(venv) / "python")
    installed: set[str] = set()
    passed: list[str] = []
    for check in checks:
        print(f"== {check.name}: {check.about}", flush=True)
        missing = set(check.extras) - installed
        if missing and install:
            wanted = ",".join(sorted(installed | missing))
            if _run([python, "-m", "pip", "install", "-q", f".[{wanted}]"]) != 0:
                return 1
            installed |= missing
        for argv in check.commands:
            status = _run(_resolve(venv, argv))
            if status == _NO_TESTS and check.name == "tests":
                print("error: pytest collected no tests", file=sys.stderr)
                return 1
            if status != 0:
                print(f"== {check.name}: failed (exit status {status})", file=sys.stderr)
                return status
        passed.append(check.name)
    print(f"checks passed: {', '.join(passed)}", flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the checks named on the command line (all by default); return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", metavar="CHECK", help="checks to run (default: all)")
    parser.add_argument(
        "--venv", default=CI_VENV, help=f"the virtualenv to use (default: {CI_VENV})"
    )
    parser.add_argument("--fresh", action="store_true", help="recreate the virtualenv first")
    parser.add_argument(
        "--no-install",
        action="store_true",
        help="install nothing: use the virtualenv as it is (e.g. your own, editable, .venv)",
    )
    parser.add_argument("--list", action="store_true", help="print the checks and exit")
    args = parser.parse_args(argv)
    checks = by_name(args.names)
    if args.list:
        for check in checks:
            print(f"{check.name:<12} {check.about}")
            for command in check.commands:
                extras = f"  (extras: {','.join(check.extras)})" if check.extras else ""
                print(f"{'':<12}   {' '.join(command)}{extras}")
        return 0
    return run_checks(checks, ROOT / args.venv, fresh=args.fresh, install=not args.no_install)


if __name__ == "__main__":
    sys.exit(main())
