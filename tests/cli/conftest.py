"""Fixtures of the command-line tests: one emulator on loopback for the whole directory,
a fresh account (API key) per test, and ``run(...)``, which calls ``cli.main`` in process.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest
from anyio.from_thread import start_blocking_portal

import pictory_vimeo as pv
from pictory_vimeo import cli, emulator
from tests._support import PICTORY_ENVIRONMENT

from ._support import PAGE_SIZE, FakeStdin, Run


@pytest.fixture(scope="session")
def cli_served() -> Iterator[emulator.RunningEmulator]:
    """One emulator for every command-line test (loop in a portal thread); each uses its own key."""
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(emulator.running(page_size=PAGE_SIZE, seed=7)) as run,
    ):
        yield run


@pytest.fixture
def api_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh account of the served emulator, its key in $PICTORY_API_KEY (never in argv)."""
    key = "pictai_cli_" + secrets.token_hex(8)
    monkeypatch.setenv("PICTORY_API_KEY", key)
    return key


@pytest.fixture
def run(
    cli_served: emulator.RunningEmulator,
    api_key: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Run:
    """``run(*argv, stdin="", tty=False, base_url=<emulator>)``: ``cli.main`` in process.

    ``base_url=""`` passes no ``--base-url``. Returns a ``CompletedProcess`` whose ``args``
    are exactly the argv main received.
    """

    def invoke(
        *argv: str, stdin: str = "", tty: bool = False, base_url: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        monkeypatch.setattr(sys, "stdin", FakeStdin(stdin, tty))
        url = cli_served.base_url if base_url is None else base_url
        full = ["--base-url", url, *argv] if url else list(argv)
        code = cli.main(full)
        captured = capsys.readouterr()
        return subprocess.CompletedProcess(full, code, captured.out, captured.err)

    return invoke


@pytest.fixture
def create(run: Run) -> Callable[..., pv.VimeoConnection]:
    """``create(name, *flags)``: a connection made through the command (env secrets)."""

    def make(name: str, *flags: str) -> pv.VimeoConnection:
        with pytest.MonkeyPatch.context() as env:
            env.setenv("PICTORY_VIMEO_CLIENT_SECRET", "fixture-secret")
            env.setenv("PICTORY_VIMEO_ACCESS_TOKEN", "fixture-token")
            done = run(
                "connections", "create", "--name", name, "--client-id", "cid", "--json", *flags
            )
        assert done.returncode == 0, done.stderr
        return pv.VimeoConnection.from_dict(json.loads(done.stdout))

    return make


@pytest.fixture
def unused_url() -> str:
    """A loopback URL where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def subprocess_env(cli_served: emulator.RunningEmulator, api_key: str) -> dict[str, str]:
    """The environment of a ``python -m pictory_vimeo`` child: the test's key and emulator."""
    env = {k: v for k, v in os.environ.items() if k not in PICTORY_ENVIRONMENT}
    env.update(PICTORY_API_KEY=api_key, PICTORY_BASE_URL=cli_served.base_url, PYTHONUTF8="1")
    return env
