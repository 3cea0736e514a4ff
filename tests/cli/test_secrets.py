"""Secrets reach the API but never argv, stdout, stderr or a log record, even with --debug."""

from __future__ import annotations

import logging
import subprocess
import traceback
from collections.abc import Callable
from typing import Any

import pytest

import pictory_vimeo as pv
import pictory_vimeo.cli as cli
from tests.cli._support import Run

Create = Callable[..., pv.VimeoConnection]
SECRET = "cs-7f3a9b1e-very-secret"
TOKEN = "at-52c8d0aa-very-secret"


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The keyword arguments every SDK create and update was called with."""
    calls: list[dict[str, Any]] = []
    create, update = pv.AsyncVimeoConnections.create, pv.AsyncVimeoConnections.update

    async def spy_create(self: pv.AsyncVimeoConnections, **fields: Any) -> pv.VimeoConnection:
        calls.append(fields)
        return await create(self, **fields)

    async def spy_update(
        self: pv.AsyncVimeoConnections, connection_id: str, **fields: Any
    ) -> pv.VimeoConnection:
        calls.append(fields)
        return await update(self, connection_id, **fields)

    monkeypatch.setattr(pv.AsyncVimeoConnections, "create", spy_create)
    monkeypatch.setattr(pv.AsyncVimeoConnections, "update", spy_update)
    return calls


def _assert_hidden(
    done: subprocess.CompletedProcess[str],
    caplog: pytest.LogCaptureFixture,
    *values: str,
) -> None:
    records = [
        f"{record.getMessage()} {record.args!r} {record.exc_text or ''}"
        for record in caplog.records
    ]
    assert caplog.records, "the --debug run logged nothing"
    for value in values:
        assert all(value not in arg for arg in done.args)
        assert value not in done.stdout
        assert value not in done.stderr
        assert all(value not in text for text in records)


@pytest.mark.parametrize("command", ["create", "update"])
def test_secrets_from_the_environment(
    run: Run,
    create: Create,
    sent: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
) -> None:
    """$PICTORY_VIMEO_CLIENT_SECRET / _ACCESS_TOKEN are sent and shown nowhere."""
    target = create("Env").connection_id
    caplog.set_level(logging.DEBUG, logger="pictory_vimeo")
    monkeypatch.setenv("PICTORY_VIMEO_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("PICTORY_VIMEO_ACCESS_TOKEN", TOKEN)
    argv = (
        ["connections", "create", "--name", "From env", "--client-id", "c"]
        if command == "create"
        else ["connections", "update", target, "--rotate-secrets"]
    )
    done = run("--debug", *argv)
    assert done.returncode == 0, done.stderr
    assert (sent[-1]["client_secret"], sent[-1]["access_token"]) == (SECRET, TOKEN)
    _assert_hidden(done, caplog, SECRET, TOKEN)


def test_secrets_from_stdin(
    run: Run, sent: list[dict[str, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    """--secrets-stdin reads two lines; --json output holds no secret either."""
    caplog.set_level(logging.DEBUG, logger="pictory_vimeo")
    done = run(
        "--debug",
        "connections",
        "create",
        "--name",
        "From stdin",
        "--client-id",
        "c",
        "--secrets-stdin",
        "--json",
        stdin=f"{SECRET}\n{TOKEN}\n",
    )
    assert done.returncode == 0, done.stderr
    assert (sent[-1]["client_secret"], sent[-1]["access_token"]) == (SECRET, TOKEN)
    _assert_hidden(done, caplog, SECRET, TOKEN)


def test_secrets_stdin_wins_over_the_environment(
    run: Run, sent: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An explicit --secrets-stdin is what the user asked for, whatever the environment holds."""
    monkeypatch.setenv("PICTORY_VIMEO_CLIENT_SECRET", "env-secret")
    monkeypatch.setenv("PICTORY_VIMEO_ACCESS_TOKEN", "env-token")
    done = run(
        "connections",
        "create",
        "--name",
        "Explicit",
        "--client-id",
        "c",
        "--secrets-stdin",
        stdin=f"{SECRET}\n{TOKEN}\n",
    )
    assert done.returncode == 0, done.stderr
    assert (sent[-1]["client_secret"], sent[-1]["access_token"]) == (SECRET, TOKEN)


def test_secrets_stdin_needs_two_lines(run: Run, sent: list[dict[str, Any]]) -> None:
    """One line on stdin is a usage error, and nothing is sent."""
    done = run(
        "connections", "create", "--name", "n", "--client-id", "c", "--secrets-stdin", stdin="x\n"
    )
    assert done.returncode == 2
    assert "two non-empty lines" in done.stderr
    assert sent == []


def test_secrets_prompted_without_echo_on_a_terminal(
    run: Run,
    sent: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a terminal, getpass asks for each secret; the answers are sent and shown nowhere."""
    caplog.set_level(logging.DEBUG, logger="pictory_vimeo")
    prompts: list[str] = []
    answers = iter([SECRET, TOKEN])

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return next(answers)

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    done = run("--debug", "connections", "create", "--name", "Asked", "--client-id", "c", tty=True)
    assert done.returncode == 0, done.stderr
    assert prompts == ["Vimeo client secret: ", "Vimeo access token: "]
    assert (sent[-1]["client_secret"], sent[-1]["access_token"]) == (SECRET, TOKEN)
    _assert_hidden(done, caplog, SECRET, TOKEN)


def test_only_the_missing_secret_is_prompted(
    run: Run, sent: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A secret set in the environment is not asked for again."""
    monkeypatch.setenv("PICTORY_VIMEO_CLIENT_SECRET", SECRET)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": TOKEN)
    done = run("connections", "create", "--name", "Half", "--client-id", "c", tty=True)
    assert done.returncode == 0, done.stderr
    assert (sent[-1]["client_secret"], sent[-1]["access_token"]) == (SECRET, TOKEN)


def test_no_way_to_get_secrets_is_a_usage_error(run: Run, sent: list[dict[str, Any]]) -> None:
    """No environment, no --secrets-stdin, no terminal: exit 2 naming all three ways."""
    done = run("connections", "create", "--name", "n", "--client-id", "c")
    assert done.returncode == 2
    for way in ("$PICTORY_VIMEO_CLIENT_SECRET", "--secrets-stdin", "terminal"):
        assert way in done.stderr
    assert sent == []


@pytest.mark.parametrize(
    "flag", ["--client-secret", "--access-token", "--client-secret=inline-value"]
)
def test_secret_flags_do_not_exist_and_values_are_not_echoed(run: Run, flag: str) -> None:
    """Passing a secret as an argument is an argparse error that does not repeat the value."""
    done = run("connections", "create", "--name", "n", "--client-id", "c", flag, "argv-secret-99")
    assert done.returncode == 2
    assert "argv-secret-99" not in done.stderr + done.stdout
    assert "inline-value" not in done.stderr
    assert "never taken as arguments" in done.stderr


def test_the_api_key_is_redacted_from_debug_output(
    run: Run, api_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Even --debug output and records never carry the API key."""
    caplog.set_level(logging.DEBUG, logger="pictory_vimeo")
    done = run("--debug", "connections", "list")
    assert done.returncode == 0
    _assert_hidden(done, caplog, api_key)


@pytest.fixture
def reported_locals(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each error the command reports, formatted with every frame's locals (as trackers do)."""
    reported = cli._report
    frames: list[str] = []

    def with_locals(raised: Exception, *rest: Any) -> int:
        caught = traceback.TracebackException.from_exception(raised, capture_locals=True)
        frames.append("".join(caught.format()))
        return reported(raised, *rest)

    monkeypatch.setattr(cli, "_report", with_locals)
    return frames


def test_an_api_key_argument_is_masked_in_every_frame_an_error_passes(
    run: Run, api_key: str, monkeypatch: pytest.MonkeyPatch, reported_locals: list[str]
) -> None:
    """--api-key is a Secret once parsed: no frame a failure passes through holds it raw."""
    monkeypatch.delenv("PICTORY_API_KEY")
    done = run("--api-key", api_key, "connections", "get", "no-such-connection")
    assert done.returncode != 0
    assert "Secret('**********')" in reported_locals[0]
    assert api_key not in reported_locals[0]
    assert api_key not in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("environment", "stdin", "flags"),
    [
        pytest.param({"PICTORY_VIMEO_CLIENT_SECRET": SECRET}, "", [], id="token-missing"),
        pytest.param(
            {"PICTORY_VIMEO_CLIENT_SECRET": SECRET, "PICTORY_VIMEO_ACCESS_TOKEN": TOKEN + "\udcff"},
            "",
            [],
            id="token-in-environment-not-utf8",
        ),
        pytest.param(
            {}, f"{SECRET}\n{TOKEN}\udcff\n", ["--secrets-stdin"], id="token-on-stdin-not-utf8"
        ),
        pytest.param({}, f"{SECRET}\n\n", ["--secrets-stdin"], id="token-on-stdin-empty"),
    ],
)
def test_secrets_read_before_a_usage_error_stay_masked_in_its_frames(
    run: Run,
    monkeypatch: pytest.MonkeyPatch,
    reported_locals: list[str],
    environment: dict[str, str],
    stdin: str,
    flags: list[str],
) -> None:
    """A secret read before the other one is refused shows in no frame's locals."""
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    done = run("connections", "create", "--name", "n", "--client-id", "c", *flags, stdin=stdin)
    assert done.returncode == 2, done.stderr
    assert reported_locals, "the usage error was not reported"
    for value in (SECRET, TOKEN):
        assert value not in reported_locals[0]
        assert value not in done.stdout + done.stderr
