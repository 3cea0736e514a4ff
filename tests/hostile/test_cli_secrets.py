"""The command never prints a secret, whatever a hostile server sends back, --debug or not.

Each of the echoing servers in ``_echo_server`` answers ``connections create``,
``update --rotate-secrets``, ``get`` and ``list --all``; the key comes from
``$PICTORY_API_KEY``, the client secret and access token from the environment or
``--secrets-stdin``, as documented. No form of any of them may show in stdout or stderr.
In process for every server, command and ``--debug`` setting; as a real process (the
interpreter's own last words included) for a covering subset, or for all of them with
``PICTORY_TEST_THOROUGH=1``.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from pictory_vimeo import cli
from tests._processes import run_command

from . import _echo_server
from ._servers import RawServer
from ._support import AWKWARD_SECRETS, forms_of

KEY = "pictai_cli_hostile_key_7d3e"
SECRET, TOKEN = AWKWARD_SECRETS[1]
#: --secrets-stdin reads a line each, trimmed: no secret with a line break of its own here.
STDIN_SECRET, STDIN_TOKEN = AWKWARD_SECRETS[3]
THOROUGH = os.environ.get("PICTORY_TEST_THOROUGH") == "1"

#: (command, how the secrets are given): argv after the global options, and stdin.
COMMANDS: dict[str, tuple[list[str], str | None]] = {
    "create": (["connections", "create", "--name", "n", "--client-id", "c"], None),
    "rotate": (
        [
            "connections",
            "update",
            _echo_server.CONNECTION_ID,
            "--rotate-secrets",
            "--secrets-stdin",
        ],
        f"{STDIN_SECRET}\n{STDIN_TOKEN}\n",
    ),
    "get": (["connections", "get", _echo_server.CONNECTION_ID], None),
    "list": (["connections", "list", "--all", "--json"], None),
}


def _forms() -> set[str]:
    secrets = (KEY, SECRET, TOKEN, STDIN_SECRET.strip(), STDIN_TOKEN.strip())
    return set().union(*(forms_of(secret) for secret in secrets))


FORMS = _forms()


def assert_nothing_secret(done: subprocess.CompletedProcess[str]) -> None:
    """No form of any secret in the command's output."""
    for name, text in (("stdout", done.stdout), ("stderr", done.stderr)):
        for form in FORMS:
            assert form not in text, f"{form!r} in {name}:\n{text}"


def _matrix(everything: bool) -> Iterator[object]:
    """Every (mode, command, --debug); or a subset with each mode once, which still pairs
    every command with --debug and without it.
    """
    commands = list(COMMANDS)
    for m, mode in enumerate(_echo_server.MODES):
        for c, command in enumerate(commands):
            for debug in (False, True):
                chosen = c == m % len(commands) and debug == bool(m // len(commands) % 2)
                if everything or chosen:
                    shown = "debug" if debug else "plain"
                    yield pytest.param(mode, command, debug, id=f"{mode}-{command}-{shown}")


@pytest.fixture
def hostile(raw_server: RawServer, request: pytest.FixtureRequest) -> RawServer:
    """The raw server in the mode and for the command the test is parametrised with."""
    mode, command = request.node.callspec.params["mode"], request.node.callspec.params["command"]
    raw_server.responder = _echo_server.responder(mode, hostile_reads=command == "get")
    return raw_server


@pytest.fixture
def environment(hostile: RawServer) -> dict[str, str]:
    """The command's environment: the key, the base URL, the secrets (for create)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PICTORY_")}
    env.update(
        PICTORY_API_KEY=KEY,
        PICTORY_BASE_URL=hostile.base_url,
        PICTORY_VIMEO_CLIENT_SECRET=SECRET,
        PICTORY_VIMEO_ACCESS_TOKEN=TOKEN,
        PYTHONUTF8="1",
    )
    return env


def _argv(command: str, debug: bool, retries: int = 1) -> tuple[list[str], str | None]:
    argv, stdin = COMMANDS[command]
    return ["--max-retries", str(retries), *(["--debug"] if debug else []), *argv], stdin


@pytest.mark.parametrize(("mode", "command", "debug"), list(_matrix(everything=True)))
def test_in_process(
    environment: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    mode: str,
    command: str,
    debug: bool,
) -> None:
    """cli.main against every hostile server: no secret on stdout or stderr."""
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    argv, stdin = _argv(command, debug)
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(argv)
    out, err = capsys.readouterr()
    done = subprocess.CompletedProcess(argv, code, out, err)
    assert code in (0, 1), done
    assert_nothing_secret(done)


@pytest.mark.parametrize(("mode", "command", "debug"), list(_matrix(everything=THOROUGH)))
def test_as_a_process(environment: dict[str, str], mode: str, command: str, debug: bool) -> None:
    """python -m pictory_vimeo against hostile servers: no secret in what the process prints.

    No retries: outside the test process the waits before them would be real.
    """
    argv, stdin = _argv(command, debug, retries=0)
    done = run_command(*argv, env=environment, stdin=stdin)
    assert done.returncode in (0, 1), done
    assert_nothing_secret(done)
