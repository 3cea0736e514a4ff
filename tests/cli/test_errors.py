"""Every failure is one line on stderr that says what to do, with the documented exit status."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from typing import Any

import httpx
import pytest

import pictory_vimeo as pv
from pictory_vimeo import emulator
from tests.cli._support import Run

Create = Callable[..., pv.VimeoConnection]
MISSING_ID = "20251222155613307xv0nodhitf9cd0f"


def _one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in done.stderr
    return lines[0]


def test_401_says_to_check_the_key(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    """A key the API rejects: exit 1, a hint about PICTORY_API_KEY, and the key never shown."""
    monkeypatch.setenv("PICTORY_API_KEY", "not-a-pictory-key-4242")
    done = run("connections", "list")
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[-1] == "error: 401 Unauthorized — check PICTORY_API_KEY (keys start with pictai_)"
    assert "Traceback" not in done.stderr
    assert "not-a-pictory-key-4242" not in done.stderr + done.stdout


def test_404_says_the_id_is_not_in_this_account(run: Run) -> None:
    """An unknown id: exit 1, naming the id and that it is not in this account."""
    line = _one_error_line(done := run("connections", "get", MISSING_ID))
    assert done.returncode == 1
    assert MISSING_ID in line
    assert "this account" in line


def test_404_on_update_names_the_id_too(run: Run) -> None:
    """update of an unknown id fails the same way."""
    done = run("connections", "update", MISSING_ID, "--disable")
    assert done.returncode == 1
    assert MISSING_ID in _one_error_line(done)


def test_409_duplicate_says_to_choose_another_name(run: Run, create: Create) -> None:
    """A taken name: exit 1, naming it and asking for another."""
    create("Taken")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PICTORY_VIMEO_CLIENT_SECRET", "s")
        env.setenv("PICTORY_VIMEO_ACCESS_TOKEN", "t")
        done = run("connections", "create", "--name", "Taken", "--client-id", "c")
    assert done.returncode == 1
    line = _one_error_line(done)
    assert "'Taken'" in line
    assert "choose another name" in line


def test_stale_version_says_to_rerun_without_version(run: Run, create: Create) -> None:
    """--version with a stale number: exit 1, VersionConflictError explained, nothing changed."""
    made = create("Moving")
    assert run("connections", "update", made.connection_id, "--disable").returncode == 0
    done = run("connections", "update", made.connection_id, "--name", "Late", "--version", "1")
    assert done.returncode == 1
    line = _one_error_line(done)
    assert "version 1 is stale" in line
    assert "without --version" in line
    assert "Moving" in run("connections", "get", made.connection_id).stdout


def test_validation_fails_with_exit_2_before_any_request(
    run: Run, cli_served: emulator.RunningEmulator
) -> None:
    """A name too long: every bad field on its own line, exit 2, no request sent."""
    before = cli_served.emulator.stats()["requests"]
    done = run("connections", "create", "--name", "x" * 101, "--client-id", "", "--secrets-stdin")
    assert done.returncode == 2
    first, *fields = done.stderr.splitlines()
    assert first.startswith("error: invalid input")
    assert [line.split(":")[0].strip() for line in fields] == ["--name", "--client-id"]
    assert cli_served.emulator.stats()["requests"] == before


def test_an_update_with_a_bad_name_is_refused_before_any_request(
    run: Run, cli_served: emulator.RunningEmulator
) -> None:
    """The update's fields are checked before its first read, too."""
    before = cli_served.emulator.stats()["requests"]
    done = run("connections", "update", MISSING_ID, "--name", "a/b")
    assert done.returncode == 2
    assert "--name: must be" in done.stderr
    assert cli_served.emulator.stats()["requests"] == before


def test_connection_refused_says_to_check_the_base_url(run: Run, unused_url: str) -> None:
    """Nothing listening: exit 1, a line naming the URL and --base-url."""
    done = run("connections", "list", base_url=unused_url)
    assert done.returncode == 1
    line = _one_error_line(done)
    assert unused_url in line
    assert "--base-url" in line


def test_missing_key_is_a_usage_error(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    """No key anywhere: exit 2 naming $PICTORY_API_KEY."""
    monkeypatch.delenv("PICTORY_API_KEY")
    done = run("connections", "list")
    assert done.returncode == 2
    assert "PICTORY_API_KEY" in _one_error_line(done)


@pytest.mark.parametrize(
    ("options", "flag"),
    [(["--timeout", "0"], "--timeout"), (["--max-retries", "-1"], "--max-retries")],
)
def test_bad_global_options_are_usage_errors(run: Run, options: list[str], flag: str) -> None:
    """Client settings the SDK rejects: exit 2, naming the option."""
    done = run(*options, "connections", "list")
    assert done.returncode == 2
    assert f"  {flag}: " in done.stderr


def test_a_bad_base_url_is_a_usage_error(run: Run) -> None:
    """A base URL that is not http(s): exit 2."""
    done = run("connections", "list", base_url="ftp://example.com")
    assert done.returncode == 2
    assert "--base-url" in done.stderr


def test_debug_adds_the_traceback_and_attempt_logs(run: Run) -> None:
    """--debug shows the traceback and the SDK's per-attempt records, then the error line."""
    done = run("--debug", "connections", "get", MISSING_ID)
    assert done.returncode == 1
    assert "Traceback" in done.stderr
    assert "DEBUG pictory_vimeo: GET /pictoryapis/v1/vimeo-connections/" in done.stderr
    assert done.stderr.splitlines()[-1].startswith("error: 404")


def test_ctrl_c_exits_130_without_a_traceback(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C while a call is in flight: exit 130, one line, no traceback."""

    async def interrupted(
        self: pv.AsyncVimeoConnections, *, next_page_key: str | None = None, **options: Any
    ) -> pv.Page[pv.VimeoConnection]:
        raise KeyboardInterrupt

    monkeypatch.setattr(pv.AsyncVimeoConnections, "list_page", interrupted)
    done = run("connections", "list")
    assert done.returncode == 130
    assert done.stderr == "interrupted\n"


def test_ctrl_c_at_a_secret_prompt_exits_130(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C at the getpass prompt: exit 130, no traceback."""

    def interrupted(prompt: str = "") -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr("getpass.getpass", interrupted)
    done = run("connections", "create", "--name", "n", "--client-id", "c", tty=True)
    assert done.returncode == 130
    assert "Traceback" not in done.stderr


def test_end_of_input_at_a_secret_prompt_is_a_usage_error(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-D at the getpass prompt: one line saying nothing was entered, exit 2."""

    def ended(prompt: str = "") -> str:
        raise EOFError

    monkeypatch.setattr("getpass.getpass", ended)
    done = run("connections", "create", "--name", "n", "--client-id", "c", tty=True)
    assert done.returncode == 2
    assert "no vimeo client secret entered" in done.stderr
    assert "unexpected" not in done.stderr


def test_usage_errors_from_argparse_exit_2(run: Run) -> None:
    """A missing subcommand or required option is argparse's exit 2."""
    assert run("connections").returncode == 2
    assert run("connections", "create", "--name", "x").returncode == 2


def test_serve_without_the_extra_says_how_to_install_it() -> None:
    """Without starlette and uvicorn, serve exits 2 with the pip command."""
    code = (
        "import sys; sys.modules['starlette'] = None; sys.modules['uvicorn'] = None\n"
        "from pictory_vimeo.cli import main\n"
        "raise SystemExit(main(['serve', '--port', '0']))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 2
    assert "pip install 'pictory-vimeo[emulator]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_5xx_line_says_the_status_once_and_counts_the_attempts() -> None:
    """A bare 502 page gives one line without repeating the status, with the attempt count."""
    from pictory_vimeo._error_bodies import status_error
    from pictory_vimeo._redact import Scrubber
    from pictory_vimeo.cli._output import ErrorContext, describe_error

    request = httpx.Request("GET", "https://api.test/pictoryapis/v1/vimeo-connections")
    response = httpx.Response(502, text="Bad Gateway", request=request)
    error = status_error(response, scrub=Scrubber(), attempts=3)
    lines, status = describe_error(error, ErrorContext())
    assert status == 1
    assert lines == ["502 Bad Gateway — the server failed (after 3 attempts); try again later"]
