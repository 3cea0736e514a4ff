"""The README's "Testing your code" example passes as written, in a project of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_readme import python_block_after
from tests.testing.sample_project import run_pytest

#: The example, exactly as the README shows it.
README_EXAMPLE = """\
import pytest


@pytest.mark.anyio
async def test_a_create_is_retried_after_a_503(pictory_emulator):
    pictory_emulator.fail_next(503, method="POST")  # the next POST fails, once
    conns = pictory_emulator.client().vimeo_connections  # closed when the test ends
    await conns.create(name="Ads", client_identifier="id", client_secret="s", access_token="t")
    assert [r.status for r in pictory_emulator.requests] == [503, 201]  # retried at once
    assert [c["name"] for c in pictory_emulator.connections()] == ["Ads"]  # stored once
"""


def test_the_example_is_the_readmes() -> None:
    """The example run here is the README's "Testing your code" block, byte for byte."""
    assert python_block_after("Testing your code") == README_EXAMPLE


def test_the_example_is_ten_short_lines() -> None:
    """Ten lines, none wider than the project's line length."""
    lines = README_EXAMPLE.splitlines()
    assert len(lines) == 10
    assert max(len(line) for line in lines) <= 100


def test_the_example_passes_as_written_and_a_wrong_expectation_fails(tmp_path: Path) -> None:
    """Run in a project with nothing but the example; the same test with a wrong status fails.

    anyio's plugin runs it under asyncio, and recent versions of it once per event loop
    installed (trio too, here).
    """
    wrong = README_EXAMPLE.replace("[503, 201]", "[201]").replace("def test_", "def test_wrong_")
    assert wrong != README_EXAMPLE
    outcome = run_pytest(
        tmp_path, {"test_example.py": README_EXAMPLE, "test_wrong.py": wrong}, "anyio"
    )
    by_test: dict[str, set[str]] = {}
    for test, result in outcome.tests.items():
        by_test.setdefault(test.partition("[")[0], set()).add(result)
    assert by_test == {
        "test_a_create_is_retried_after_a_503": {"PASSED"},
        "test_wrong_a_create_is_retried_after_a_503": {"FAILED"},
    }, outcome.output
    assert outcome.returncode == pytest.ExitCode.TESTS_FAILED
