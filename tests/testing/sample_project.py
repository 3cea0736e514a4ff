"""Runs pytest on a user's project written to a temporary folder, as that user would.

The project is only ``test_*.py`` files (no conftest, no pytest or pyproject settings), so the
``pictory_emulator`` fixture it uses can only come from the installed package's ``pytest11``
entry point. pytest runs in a child process, rooted in that folder with an empty
configuration, so nothing of this repository's ``tests/conftest.py`` or ``pyproject.toml``
reaches it; a small guard plugin refuses any network socket there, so the run also shows
that the fixture needs none.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Final, Literal

import attrs

#: How the sample's async tests run: no async plugin at all, pytest-asyncio, or anyio's;
#: "pytest-asyncio-own-config" is pytest-asyncio configured only by the project's own files.
Runner = Literal["sync", "pytest-asyncio", "pytest-asyncio-own-config", "anyio"]

GUARD_MODULE: Final = "pictory_sample_guard"
#: Loaded with ``-p`` in the child: any connect or bind to an IP address fails at once, as does
#: resolving a name, so the run can reach no network (the in-process emulator needs none).
GUARD: Final = '''
"""Refuses network sockets in this process (Unix sockets, e.g. an event loop's, still work)."""

import socket

_connect, _connect_ex, _bind = socket.socket.connect, socket.socket.connect_ex, socket.socket.bind


def _refuse(what, sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        raise OSError(f"the sample project may open no network socket ({what} {address!r})")


def connect(self, address):
    _refuse("connect", self, address)
    return _connect(self, address)


def connect_ex(self, address):
    _refuse("connect", self, address)
    return _connect_ex(self, address)


def bind(self, address):
    _refuse("bind", self, address)
    return _bind(self, address)


def getaddrinfo(host, *args, **kwargs):
    raise OSError(f"the sample project may resolve no name ({host!r})")


socket.socket.connect, socket.socket.connect_ex, socket.socket.bind = connect, connect_ex, bind
socket.getaddrinfo = getaddrinfo
'''

#: Settings a developer may have exported that would change how the child's pytest runs.
_DROPPED_ENVIRONMENT: Final = re.compile(
    r"PICTORY_.*|PYTEST_.*|PYTHON(PATH|STARTUP|SAFEPATH)|COVERAGE_.*|(HTTPS?|ALL|NO)_PROXY",
    flags=re.IGNORECASE,
)
_OUTCOME: Final = re.compile(r"^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS) (\S+)", re.MULTILINE)
#: Plugins this repository's test extra installs that a user's project would not have; they
#: only slow each run down.
_UNRELATED_PLUGINS: Final = ("schemathesis", "hypothesispytest", "respx")
_RUNNER_ARGUMENTS: Final[Mapping[Runner, tuple[str, ...]]] = {
    # Each run has only the plugins it is about; pytest-asyncio's own setting is given, as its
    # documentation asks, so that -W error does not turn its reminder into a failure.
    "sync": ("-p", "no:asyncio", "-p", "no:anyio"),
    "pytest-asyncio": ("-p", "no:anyio", "-o", "asyncio_default_fixture_loop_scope=function"),
    "pytest-asyncio-own-config": ("-p", "no:anyio"),
    "anyio": ("-p", "no:asyncio"),
}


@attrs.frozen
class Outcome:
    """What pytest said about a sample project: its exit code, output, and each test's fate."""

    returncode: int
    output: str

    @property
    def tests(self) -> dict[str, str]:
        """Each test's ID (without its file) and ``PASSED``, ``FAILED``, ``ERROR``, ..."""
        return {
            test.split("::", 1)[1]: outcome
            for outcome, test in _OUTCOME.findall(self.output)
            if "::" in test
        }


def write_project(folder: Path, files: Mapping[str, str]) -> Path:
    """Write ``files`` (name -> source) into ``folder``/project; return that folder."""
    project = folder / "project"
    project.mkdir()
    for name, source in files.items():
        (project / name).write_text(source, encoding="utf-8")
    return project


def run_pytest(folder: Path, files: Mapping[str, str], runner: Runner, *extra: str) -> Outcome:
    """Run pytest in a child process on a project of ``files``, with ``runner``'s plugins.

    Warnings are errors there, so a client left open or an unraisable exception fails the
    run. ``extra`` goes on pytest's command line (e.g. ``-p`` of another plugin module, which
    may be placed in ``folder``/plugins). A ``pyproject.toml`` among ``files`` is the run's
    configuration; otherwise it has none.
    """
    project = write_project(folder, files)
    plugins = folder / "plugins"
    plugins.mkdir(exist_ok=True)
    (plugins / f"{GUARD_MODULE}.py").write_text(GUARD, encoding="utf-8")
    environment = {k: v for k, v in os.environ.items() if not _DROPPED_ENVIRONMENT.fullmatch(k)}
    environment["PYTHONPATH"] = str(plugins)
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-c",
        # The project's own configuration, else none, whatever lies above the folder.
        str(project / "pyproject.toml") if "pyproject.toml" in files else os.devnull,
        "--rootdir",
        str(project),
        "-p",
        "no:cacheprovider",
        "-p",
        GUARD_MODULE,
        *(argument for name in _UNRELATED_PLUGINS for argument in ("-p", f"no:{name}")),
        *_RUNNER_ARGUMENTS[runner],
        "-W",
        "error",
        "-rA",
        "--no-header",
        "-q",
        *extra,
        str(project),
    ]
    done = subprocess.run(
        command,
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return Outcome(done.returncode, done.stdout + done.stderr)
