"""Developer sessions: `nox -s tests lint typecheck` runs what CI runs."""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests", "lint", "typecheck"]


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite against the built package (not the source tree)."""
    session.install(".[test]")
    session.run("python", "-I", "-m", "pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Check style and formatting with ruff."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """Type-check the package, its tests and benchmarks with mypy --strict."""
    session.install(".[test,lint]")
    session.run("mypy", "--strict", "pictory_vimeo", "tests", "benchmarks")


@nox.session
def bench(session: nox.Session) -> None:
    """Run the benchmarks; with no arguments a full run that refreshes benchmarks/README.md.

    `nox -s bench` is `python -m benchmarks --save` (several minutes; writes
    benchmarks/results/ and the README's results); `nox -s bench -- --quick` is a smoke run
    that writes nothing committed; any other arguments are passed on as they are.
    """
    session.install(".[bench]")
    session.run("python", "-m", "benchmarks", *(session.posargs or ["--save"]))
