"""``python -m pictory_vimeo`` as a real process: exit codes, the demo, and ``serve``."""

from __future__ import annotations

import signal
import subprocess
import sys
from typing import Final

import httpx
import pytest

from tests._processes import run_command

MISSING_ID: Final = "20251222155613307xv0nodhitf9cd0f"
TIMEOUT: Final = 45


def test_list_in_a_process_prints_the_table(subprocess_env: dict[str, str]) -> None:
    """The module runs the command: an empty account lists with exit 0."""
    done = run_command("connections", "list", env=subprocess_env)
    assert (done.returncode, done.stdout) == (0, "")
    assert "no connections" in done.stderr


def test_a_create_list_delete_round_trip_in_processes(subprocess_env: dict[str, str]) -> None:
    """create (secrets on stdin), list --json, delete --yes: each exits 0."""
    created = run_command(
        "connections",
        "create",
        "--name",
        "Proc",
        "--client-id",
        "c",
        "--secrets-stdin",
        "--json",
        env=subprocess_env,
        stdin="process-secret\nprocess-token\n",
    )
    assert created.returncode == 0, created.stderr
    assert "process-secret" not in created.stdout + created.stderr
    listed = run_command("connections", "list", "--json", env=subprocess_env)
    assert '"name": "Proc"' in listed.stdout
    connection_id = listed.stdout.split('"connectionId": "')[1].split('"')[0]
    deleted = run_command("connections", "delete", connection_id, "--yes", env=subprocess_env)
    assert deleted.returncode == 0, deleted.stderr


@pytest.mark.parametrize(
    ("argv", "status"),
    [
        (["connections", "get", MISSING_ID], 1),
        (["connections", "delete", MISSING_ID], 2),
        (["connections", "create", "--name", "x" * 101, "--client-id", "c"], 2),
        (["connections", "list", "--client-secret", "s"], 2),
        (["nonsense"], 2),
        (["--version"], 0),
    ],
)
def test_exit_codes(subprocess_env: dict[str, str], argv: list[str], status: int) -> None:
    """API errors exit 1, usage and input errors 2; never a traceback."""
    done = run_command(*argv, env=subprocess_env)
    assert done.returncode == status, done.stderr
    assert "Traceback" not in done.stderr


def test_missing_key_exits_2(subprocess_env: dict[str, str]) -> None:
    """No $PICTORY_API_KEY and no --api-key: exit 2."""
    env = {k: v for k, v in subprocess_env.items() if k != "PICTORY_API_KEY"}
    done = run_command("connections", "list", env=env)
    assert done.returncode == 2
    assert "PICTORY_API_KEY" in done.stderr


def test_connection_refused_exits_1(subprocess_env: dict[str, str], unused_url: str) -> None:
    """Nothing listening at --base-url: exit 1, one line, no traceback."""
    done = run_command(
        "--base-url", unused_url, "--max-retries", "0", "connections", "list", env=subprocess_env
    )
    assert done.returncode == 1
    assert done.stderr.startswith("error: cannot reach")
    assert "Traceback" not in done.stderr


def test_the_demo_passes_and_prints_its_summary(subprocess_env: dict[str, str]) -> None:
    """The real demo, real backoff and all: exit 0 and the summary table."""
    env = {k: v for k, v in subprocess_env.items() if not k.startswith("PICTORY_")}
    done = run_command("demo", "--connections", "30", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    summary = done.stdout.split("\nSummary\n", 1)[1]
    assert summary.splitlines()[0].split() == ["step", "calls", "retries", "elapsed"]
    assert "all passed" in summary
    assert "pictai_" not in done.stdout + done.stderr


def test_serve_runs_the_emulator_until_interrupted(subprocess_env: dict[str, str]) -> None:
    """serve --port 0 prints its URL, answers /_emulator/health, and stops on SIGINT."""
    with subprocess.Popen(
        [sys.executable, "-m", "pictory_vimeo", "serve", "--port", "0", "--page-size", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=subprocess_env,
    ) as server:
        try:
            assert server.stdout is not None
            line = server.stdout.readline()
            assert "listening on http://127.0.0.1:" in line
            url = line.rsplit(" ", 1)[1].strip()
            assert httpx.get(f"{url}/_emulator/health", timeout=10).json() == {"status": "ok"}
            answer = httpx.get(
                f"{url}/pictoryapis/v1/vimeo-connections",
                headers={"Authorization": "pictai_serve_test"},
                timeout=10,
            )
            assert answer.json() == {"Items": []}
        finally:
            server.send_signal(signal.SIGINT)
            try:
                _, errors = server.communicate(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                server.kill()
                raise
    assert server.returncode == 0
    assert "Traceback" not in errors


def test_serve_takes_the_emulator_flags() -> None:
    """The serve parser has the emulator's own options."""
    done = run_command("serve", "--help")
    assert done.returncode == 0
    for flag in ("--port", "--page-size", "--error-rate", "--drop-after-commit-rate", "--seed"):
        assert flag in done.stdout
