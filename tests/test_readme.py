"""The README's promises: its commands are CI's, its examples run as written, its tests exist."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from anyio.from_thread import start_blocking_portal

from pictory_vimeo import emulator
from tests.test_checks import load_checks

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def _section(title: str) -> str:
    """The README's text from the heading ``## title`` to the next ``## `` heading."""
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else len(README)]


def python_block_after(title: str) -> str:
    """The first Python block of the README section ``title``."""
    (first, *_) = re.findall(r"```python\n(.*?)```", _section(title), flags=re.DOTALL)
    return str(first)


def test_readme_opens_with_the_demo_and_test_commands() -> None:
    """The first two code blocks are the demo command and the test command."""
    first, second = (block.strip() for block in _blocks("bash")[:2])
    assert first.endswith("pictory-vimeo demo")
    assert "pytest" in second


def test_ci_runs_the_readme_test_command() -> None:
    """CI's tests check installs the README's extras and runs the README's pytest command."""
    command = _blocks("bash")[1].strip()
    (extras,) = re.findall(r"pip install -q '\.\[([\w,]+)\]'", command)
    pytest_command = command.rsplit("&& .venv/bin/", 1)[1]
    (tests,) = [check for check in load_checks().CHECKS if check.name == "tests"]
    assert tests.extras == tuple(extras.split(","))
    assert tests.commands == (tuple(pytest_command.split()),)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python3 scripts/checks.py" in ci
    assert "rm -rf .venv\n" not in ci  # the README's own virtualenv is left alone


def test_nox_runs_the_same_checks_as_ci() -> None:
    """noxfile.py builds its default sessions from the same list, none left out."""
    noxfile = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    assert "nox.options.sessions = [check.name for check in checks.CHECKS]" in noxfile
    names = [check.name for check in load_checks().CHECKS]
    for expected in ("tests", "gen-sync", "lint", "typecheck", "docs", "quick-bench"):
        assert expected in names
    contributing = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for name in names:
        assert f"nox -s {name}" in contributing, name


def test_readme_python_examples_compile() -> None:
    """Every Python block in the README is valid Python."""
    blocks = _blocks("python")
    assert blocks
    for block in blocks:
        compile(block, "README.md", "exec")


def test_every_command_uses_the_same_virtual_environment() -> None:
    """No bare ``pip``/``python``/``pictory-vimeo``: each runs from the clone's ``.venv``."""
    for block in _blocks("bash"):
        for line in block.splitlines():
            command = line.split("#", 1)[0]
            for word in ("pip ", "pictory-vimeo ", "python "):
                for found in re.finditer(rf"(^|[\s=]){word}", command):
                    before = command[: found.start() + len(found.group(1))]
                    assert before.endswith((".venv/bin/", "-m ")), line


def test_every_test_the_guarantees_cite_exists() -> None:
    """Each guarantee names the tests that hold the SDK to it; each of them is there."""
    cited = re.findall(r"`(tests/[\w/.]+)`", _section("Guarantees"))
    assert cited
    for path in cited:
        assert (ROOT / path).exists(), path


@pytest.fixture(scope="module")
def served() -> Iterator[emulator.RunningEmulator]:
    """An emulator on loopback, as ``pictory-vimeo serve`` would run it."""
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(emulator.running()) as running,
    ):
        yield running


def _run(code: str, served: emulator.RunningEmulator) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter with the two exports ``serve`` prints."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PICTORY_")}
    env |= {"PICTORY_BASE_URL": served.base_url, "PICTORY_API_KEY": "pictai_local"}
    return subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, env=env, timeout=60
    )


def test_the_quick_start_runs_as_written(served: emulator.RunningEmulator) -> None:
    """With the two exports ``serve`` prints, the quick start runs and leaves nothing behind."""
    done = _run(python_block_after("Quick start"), served)
    assert done.returncode == 0, done.stderr
    assert "Marketing" in done.stdout
    assert '"enabled": true' in done.stdout
    assert served.emulator.connections() == []  # it deleted what it created


def test_the_serve_lines_are_the_ones_the_quick_start_asks_for() -> None:
    """``serve`` prints the two ``export`` lines the quick start tells the reader to paste."""
    section = _section("Quick start")
    for variable in ("PICTORY_BASE_URL", "PICTORY_API_KEY=pictai_local"):
        assert variable in section


def test_the_emulator_example_runs_as_written(served: emulator.RunningEmulator) -> None:
    """The in-process and loopback example of the emulator section runs."""
    done = _run(python_block_after("The local emulator"), served)
    assert done.returncode == 0, done.stderr
    assert "Local [201, 503, 503, 200]" in done.stdout
