"""``pictory-vimeo demo``: the whole story on its own emulator, and the read-only part."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest

import pictory_vimeo as pv
from pictory_vimeo import emulator
from pictory_vimeo.cli._demo_report import Progress
from tests.cli._support import Run

Create = Callable[..., pv.VimeoConnection]


def _summary(stdout: str) -> dict[str, tuple[int, int]]:
    """Step -> (calls, retries), from the rows of the summary table."""
    lines = stdout.split("\nSummary\n", 1)[1].splitlines()
    assert lines[0].split() == ["step", "calls", "retries", "elapsed"]
    rows = {}
    for line in lines[1:]:
        if line.strip().startswith("checks:"):
            break
        *step, calls, retries, _, _ = line.split()
        rows[" ".join(step)] = (int(calls), int(retries))
    return rows


def _summary_total(stdout: str) -> tuple[int, int]:
    """(calls, retries) from the summary's total row."""
    return _summary(stdout)["total"]


def test_the_full_demo_passes_every_check(run: Run) -> None:
    """On its own emulator every step's checks pass; exit 0 and a summary table."""
    done = run("demo", "--connections", "12", "--seed", "3", base_url="")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "✗" not in done.stdout
    assert done.stdout.count("✓") >= 10
    rows = _summary(done.stdout)
    assert list(rows) == ["create", "list", "contend", "stale version", "faults", "delete", "total"]
    assert rows["create"] == (12, 0)
    assert rows["total"][0] == sum(calls for step, (calls, _) in rows.items() if step != "total")
    # Seed 3 makes the first request under faults fail, so retries are certain.
    assert rows["faults"][1] > 0
    assert "all passed" in done.stdout


def test_read_only_demo_lists_and_gets_and_counts_its_calls(
    run: Run, create: Create, cli_served: emulator.RunningEmulator
) -> None:
    """--base-url runs list and get only: nothing changes, and every call is counted."""
    for i in range(4):
        create(f"Existing {i}")
    before = cli_served.emulator.stats()["requests"]
    done = run("demo", "--base-url", cli_served.base_url, base_url="")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 listed across 2 pages, no duplicates" in done.stdout
    assert "Existing 0" in done.stdout
    # Two list pages and one get: the summary counts exactly the requests the server saw.
    assert _summary_total(done.stdout) == (3, 0)
    assert cli_served.emulator.stats()["requests"] - before == 3


def test_read_only_demo_counts_retries_as_the_server_failed(
    run: Run, create: Create, cli_served: emulator.RunningEmulator
) -> None:
    """Under injected errors the summary's retries are the errors the server injected."""
    for i in range(4):
        create(f"Flaky {i}")
    before = cli_served.emulator.stats()
    cli_served.emulator.set_faults(error_rate=0.5)
    try:
        done = run("--max-retries", "20", "demo")
    finally:
        cli_served.emulator.set_faults(error_rate=0.0)
    assert done.returncode == 0, done.stdout + done.stderr
    injected = cli_served.emulator.stats()["errors"] - before["errors"]
    assert _summary_total(done.stdout) == (3, injected)


def test_read_only_demo_of_an_empty_account_passes(run: Run) -> None:
    """No connections: the get step has nothing to do and says so."""
    done = run("demo")
    assert done.returncode == 0
    assert "nothing to get" in done.stdout


def test_a_failing_demo_exits_1_with_a_failed_check(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A step that cannot finish is a ✗ line, and the exit status is 1."""
    monkeypatch.setenv("PICTORY_API_KEY", "not-a-pictory-key")
    done = run("demo")
    assert done.returncode == 1
    assert "✗ stopped: 401" in done.stdout
    assert "Summary" in done.stdout


def test_demo_rejects_a_bad_connection_count(run: Run) -> None:
    """--connections 0 is a usage error."""
    done = run("demo", "--connections", "0", base_url="")
    assert done.returncode == 2
    assert "--connections" in done.stderr


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        """Claim to be a terminal."""
        return True


def test_progress_rewrites_one_line_on_a_terminal() -> None:
    """On a terminal the progress line is redrawn in place and ended once."""
    screen = _Terminal()
    progress = Progress("created", 3, screen)
    for _ in range(3):
        progress.advance()
    assert screen.getvalue() == "\r   created 1/3\r   created 2/3\r   created 3/3\n"


def test_progress_prints_a_few_plain_lines_otherwise() -> None:
    """Without a terminal it prints a line per quarter, the last one at the total."""
    log = io.StringIO()
    progress = Progress("deleted", 8, log)
    for _ in range(8):
        progress.advance()
    assert log.getvalue().split("\n")[:-1] == [
        "   deleted 2/8",
        "   deleted 4/8",
        "   deleted 6/8",
        "   deleted 8/8",
    ]
