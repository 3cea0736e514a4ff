"""A command line that forgives: global options anywhere, JSON usage errors, suggestions, help."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable

import pytest

import pictory_vimeo as pv
from pictory_vimeo import cli
from tests.cli._support import Run
from tests.cli.test_json import ERROR_KEYS

Create = Callable[..., pv.VimeoConnection]
MISSING = "20250101000000000aaaaaaaaaaaaaaa"
#: Stands for a value typed where it does not belong: it may be a secret, so never shown.
VALUE = "hunter2-not-for-your-eyes"


def _json_error(done: subprocess.CompletedProcess[str]) -> dict[str, object]:
    """The one JSON error object on stderr (stdout empty), with the documented keys."""
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    error = json.loads(line)["error"]
    assert isinstance(error, dict)
    assert list(error) == ERROR_KEYS
    return error


@pytest.mark.parametrize(
    "argv",
    [
        ["--json", "connections", "get", MISSING],
        ["connections", "--json", "get", MISSING],
        ["connections", "get", MISSING, "--json"],
        ["connections", "get", "--json", MISSING],
    ],
    ids=["before-command", "after-command", "after-action", "between"],
)
def test_json_works_wherever_it_is_given(run: Run, argv: list[str]) -> None:
    """--json before the command, after it, or after the action: the error is JSON."""
    done = run(*argv)
    assert done.returncode == 1
    error = _json_error(done)
    assert (error["type"], error["status"]) == ("NotFoundError", 404)


@pytest.mark.parametrize("where", ["before-command", "after-command", "after-action"])
def test_every_global_option_works_before_or_after_the_command(
    run: Run, cli_served: pv.emulator.RunningEmulator, where: str
) -> None:
    """--base-url, --timeout, --max-retries and --json are taken at each of the three places."""
    options = ["--base-url", cli_served.base_url, "--timeout", "5", "--max-retries", "0", "--json"]
    argv = {
        "before-command": [*options, "connections", "list"],
        "after-command": ["connections", *options, "list"],
        "after-action": ["connections", "list", *options],
    }[where]
    done = run(*argv, base_url="")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_an_option_after_the_action_overrides_the_one_before(run: Run, unused_url: str) -> None:
    """The later --base-url wins, as with any repeated option."""
    done = run("connections", "list", "--base-url", unused_url, "--max-retries", "0")
    assert done.returncode == 1
    assert unused_url in done.stderr


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["connections", "get", "--json"], "required: ID"),
        (["--json", "connections", "get", MISSING, "--bogus"], "--bogus"),
        (["conections", "list", "--json"], "did you mean 'connections'?"),
        (["--json"], "a command is required"),
        (["connections", "--json"], "an action is required"),
        (["connections", "update", MISSING, "--json", "--enable", "--disable"], "not allowed"),
    ],
    ids=["missing-id", "unknown-option", "typo", "bare", "no-action", "exclusive"],
)
def test_usage_errors_under_json_are_json_too(run: Run, argv: list[str], says: str) -> None:
    """argparse's own errors, under --json, are one JSON object with the usual keys; exit 2."""
    done = run(*argv)
    assert done.returncode == 2
    error = _json_error(done)
    assert (error["type"], error["status"], error["code"]) == ("UsageError", None, None)
    assert isinstance(error["message"], str)
    assert says in error["message"]


def test_without_json_a_usage_error_is_argparse_text(run: Run) -> None:
    """Plain text: the subcommand's usage line, then ``pictory-vimeo: error: ...``."""
    done = run("connections", "get")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("usage: pictory-vimeo connections get")
    assert done.stderr.splitlines()[-1] == (
        "pictory-vimeo: error: the following arguments are required: ID"
    )


@pytest.mark.parametrize("as_json", [False, True])
def test_unrecognized_arguments_are_named_without_their_values(run: Run, as_json: bool) -> None:
    """Unknown options are named (``--x=v`` as ``--x``, ``-pV`` as ``-p``); stray words counted."""
    argv = ["connections", "get", MISSING, f"--bogus={VALUE}", f"-p{VALUE}", VALUE]
    done = run(*argv, *(["--json"] if as_json else []))
    assert done.returncode == 2
    text = done.stdout + done.stderr
    assert VALUE not in text
    message = _json_error(done)["message"] if as_json else done.stderr.splitlines()[-1]
    assert isinstance(message, str)
    assert "unrecognized arguments: --bogus, -p, 1 other argument" in message
    assert "values are never shown" in message


def test_a_secret_shaped_option_says_where_secrets_go(run: Run) -> None:
    """``--client-secret X`` is refused without showing X, pointing at the documented ways."""
    done = run("connections", "create", "--name", "n", "--client-id", "c", "--client-secret", VALUE)
    assert done.returncode == 2
    assert VALUE not in done.stderr
    assert "--client-secret" in done.stderr
    assert "PICTORY_VIMEO_CLIENT_SECRET" in done.stderr


@pytest.mark.parametrize(
    ("argv", "suggestion"),
    [
        (["conections", "list"], "did you mean 'connections'?"),
        (["connections", "lst"], "did you mean 'list'?"),
        (["connections", "delet", MISSING], "did you mean 'delete'?"),
        (["connections", "list", "--jsn"], "--jsn (did you mean --json?)"),
        (["connections", "update", MISSING, "--descripton", "x"], "did you mean --description?"),
        (["connections", "list", "--base-ulr", "x"], "did you mean --base-url?"),
        (["dmeo"], "did you mean 'demo'?"),
    ],
)
def test_typos_get_a_suggestion(run: Run, argv: list[str], suggestion: str) -> None:
    """A mistyped command, action or option names the closest known one."""
    done = run(*argv)
    assert done.returncode == 2
    assert suggestion in done.stderr.splitlines()[-1]


def test_a_word_far_from_any_command_gets_no_suggestion(run: Run) -> None:
    """No guess when nothing is close; the known commands are listed instead."""
    done = run("zzzz")
    assert done.returncode == 2
    assert "did you mean" not in done.stderr
    assert "choose from connections, serve, demo" in done.stderr


def test_a_bare_command_prints_the_help_and_exits_2(run: Run) -> None:
    """``pictory-vimeo`` alone: the whole help on stdout, a one-line reason on stderr, exit 2."""
    done = run(base_url="")
    assert done.returncode == 2
    assert done.stdout.startswith("usage: pictory-vimeo")
    assert "connections" in done.stdout
    assert "examples:" in done.stdout
    assert done.stderr == (
        "pictory-vimeo: error: a command is required: connections, serve, demo\n"
    )


def test_connections_without_an_action_prints_its_help(run: Run) -> None:
    """``pictory-vimeo connections``: its help (the actions listed), exit 2."""
    done = run("connections")
    assert done.returncode == 2
    for action in ("list", "get", "create", "update", "delete"):
        assert f"    {action} " in done.stdout


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["connections"],
        ["connections", "list"],
        ["connections", "get"],
        ["connections", "create"],
        ["connections", "update"],
        ["connections", "delete"],
        ["serve"],
        ["demo"],
    ],
    ids=lambda c: " ".join(c) or "top",
)
def test_every_help_has_a_description_and_examples(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """``--help`` at every level: exit 0, a description paragraph and runnable examples."""
    assert cli.main([*command, "--help"]) == 0
    text = capsys.readouterr().out
    usage, description = text.split("\n\n")[:2]
    assert usage.startswith(" ".join(["usage: pictory-vimeo", *command]))
    assert len(description.split()) >= 8, description
    examples = text.split("\nexamples")[1]
    assert f"  pictory-vimeo {' '.join(command)}".rstrip() in examples


def test_clear_description_removes_it(run: Run, create: Create) -> None:
    """--clear-description sends description=None: the description is gone, not ``""``."""
    made = create("Clear Me", "--description", "to be removed")
    done = run("connections", "update", made.connection_id, "--clear-description", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["description"] is None
    got = run("connections", "get", made.connection_id, "--json")
    assert json.loads(got.stdout)["description"] is None


def test_an_empty_description_is_stored_as_given(run: Run, create: Create) -> None:
    """--description '' is not the same as clearing: it stores an empty description."""
    made = create("Empty Desc", "--description", "something")
    done = run("connections", "update", made.connection_id, "--description", "", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["description"] == ""


def test_clearing_an_absent_description_changes_nothing(run: Run, create: Create) -> None:
    """Nothing to clear: no write, and the command says so."""
    made = create("No Desc")
    done = run("connections", "update", made.connection_id, "--clear-description", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["version"] == 1
    assert "nothing was changed" in done.stderr


@pytest.mark.parametrize("pinned", [False, True], ids=["latest", "with-version"])
def test_rotating_secrets_confirms_without_showing_them(
    run: Run, create: Create, monkeypatch: pytest.MonkeyPatch, pinned: bool
) -> None:
    """A successful --rotate-secrets says so on stderr (stdout stays the JSON), no secret shown."""
    made = create("Rotate Confirm")
    monkeypatch.setenv("PICTORY_VIMEO_CLIENT_SECRET", "rotated-secret-value")
    monkeypatch.setenv("PICTORY_VIMEO_ACCESS_TOKEN", "rotated-token-value")
    version = ["--version", "1"] if pinned else []
    done = run("connections", "update", made.connection_id, "--rotate-secrets", *version, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["version"] == 2
    assert done.stderr == (
        f"secrets rotated: connection {made.connection_id} now has the new client secret "
        "and access token (version 2)\n"
    )
    for secret in ("rotated-secret-value", "rotated-token-value"):
        assert secret not in done.stdout + done.stderr


def test_a_failed_rotation_does_not_confirm(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    """No confirmation line when the update failed."""
    monkeypatch.setenv("PICTORY_VIMEO_CLIENT_SECRET", "s")
    monkeypatch.setenv("PICTORY_VIMEO_ACCESS_TOKEN", "t")
    done = run("connections", "update", MISSING, "--rotate-secrets")
    assert done.returncode == 1
    assert "rotated" not in done.stderr


def test_delete_under_json_leaves_stdout_empty(run: Run, create: Create) -> None:
    """A delete has no result: under --json its confirmation goes to stderr, stdout stays empty."""
    made = create("Delete Quietly")
    done = run("connections", "delete", made.connection_id, "--yes", "--json")
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert f"deleted connection 'Delete Quietly' ({made.connection_id})" in done.stderr


def test_demo_takes_the_global_options_after_it(run: Run) -> None:
    """``demo ... --json``: a demo's usage error is JSON too, like any other command's."""
    done = run("demo", "--connections", "0", "--json", "--timeout", "5", base_url="")
    assert done.returncode == 2
    error = _json_error(done)
    assert error["type"] == "UsageError"
    assert "--connections must be from 1" in str(error["message"])
