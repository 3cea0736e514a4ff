"""scripts/checks.py: the one list of checks that CI (.ci/run) and nox both run."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_checks() -> ModuleType:
    """scripts/checks.py as a module (it is a script, not part of the package)."""
    name = "pictory_vimeo_checks"
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / "checks.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their class's module up while defining it
    spec.loader.exec_module(module)
    return module


def test_the_list_holds_every_check_ci_needs() -> None:
    """Tests first (with the test extra alone), then the generated code, lint, types, docs."""
    checks = load_checks().CHECKS
    assert checks[0].name == "tests"
    assert checks[0].extras == ("test",)
    commands = {" ".join(argv) for check in checks for argv in check.commands}
    for expected in (
        "python -I -m pytest -n 6",
        "python scripts/gen_sync.py --check",
        "ruff check .",
        "ruff format --check .",
        "mypy --strict pictory_vimeo tests benchmarks scripts",
        "lint-imports",
        "mkdocs build --strict --site-dir build/docs",
        "python -m benchmarks --quick",
    ):
        assert expected in commands


def test_every_extra_a_check_installs_is_declared() -> None:
    """Each check's extras exist in pyproject.toml (a typo would fail only in CI)."""
    import tomllib

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = set(pyproject["project"]["optional-dependencies"])
    for check in load_checks().CHECKS:
        assert set(check.extras) <= declared, check.name


def test_an_unknown_check_is_refused_by_name() -> None:
    """A mistyped check name stops before anything runs, listing the known ones."""
    with pytest.raises(SystemExit, match="unknown check lnit: choose from tests, "):
        load_checks().by_name(["lnit"])


def test_a_check_runs_in_the_given_virtualenv() -> None:
    """gen-sync, run by the script in this interpreter's virtualenv as it is, passes."""
    argv = ["scripts/checks.py", "--venv", sys.prefix, "--no-install", "gen-sync"]
    done = subprocess.run(
        [sys.executable, *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "checks passed: gen-sync" in done.stdout


def test_ci_uses_a_virtualenv_of_its_own() -> None:
    """.ci/run runs the list in .venv-ci, never removing the README's .venv."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python3 scripts/checks.py --fresh --venv .venv-ci" in ci
    assert "rm -rf .venv" not in ci
