"""Developer sessions: `nox` runs every check CI runs, from the one list in scripts/checks.py.

`nox -s lint`, `nox -s tests -- -k pagination`, ...; `nox -l` lists them. `nox -s bench` is
the full benchmark run (not a check: several minutes, and it rewrites the results).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import nox

_spec = importlib.util.spec_from_file_location(
    "pictory_vimeo_checks", Path(__file__).parent / "scripts" / "checks.py"
)
assert _spec is not None
assert _spec.loader is not None
checks = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = checks  # dataclasses look their class's module up while defining it
_spec.loader.exec_module(checks)

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = [check.name for check in checks.CHECKS]


def _define(check: checks.Check) -> None:
    """One nox session running ``check``: its extras installed, then its commands."""

    def session(session: nox.Session) -> None:
        if check.extras:
            session.install(f".[{','.join(check.extras)}]")
        else:
            session.install(".")
        *first, last = check.commands
        for argv in first:
            session.run(*argv)
        session.run(*last, *session.posargs)  # e.g. `nox -s tests -- -k pagination`

    session.__doc__ = check.about[0].upper() + check.about[1:] + "."
    nox.session(name=check.name)(session)


for _check in checks.CHECKS:
    _define(_check)


@nox.session
def bench(session: nox.Session) -> None:
    """Run the benchmarks; with no arguments a full run that refreshes benchmarks/README.md.

    `nox -s bench` is `python -m benchmarks --save` (several minutes; writes
    benchmarks/results/ and the README's results); `nox -s bench -- --quick` is a smoke run
    that writes nothing committed; any other arguments are passed on as they are.
    """
    session.install(".[bench]")
    session.run("python", "-m", "benchmarks", *(session.posargs or ["--save"]))
