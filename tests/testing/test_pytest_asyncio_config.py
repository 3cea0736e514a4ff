"""The README's two lines of pytest configuration keep pytest-asyncio quiet in a new project."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.test_readme import README
from tests.testing import samples
from tests.testing.sample_project import run_pytest

PASSING = [
    "test_async_with_a_client",
    "test_a_client_left_open_is_closed_for_the_test",
    "test_a_rate_limit_is_waited_out_at_once",
    "test_a_sync_client_in_an_async_test",
]


def _readme_configuration() -> str:
    """The ``toml`` block of the README's "Testing your code" section."""
    start = README.index("## Testing your code\n")
    section = README[start : README.index("\n## ", start + 1)]
    (block,) = re.findall(r"```toml\n(.*?)```", section, flags=re.DOTALL)
    return str(block)


def test_the_readme_shows_the_two_settings() -> None:
    """A ``[tool.pytest.ini_options]`` table with the two settings pytest-asyncio asks for."""
    lines = [line.split("#")[0].strip() for line in _readme_configuration().splitlines()]
    assert lines[0] == "[tool.pytest.ini_options]"
    assert [line.split(" = ")[0] for line in lines[1:]] == [
        "asyncio_mode",
        "asyncio_default_fixture_loop_scope",
    ]


def test_with_the_readmes_configuration_pytest_asyncio_gives_no_warning(tmp_path: Path) -> None:
    """A project with the README's pyproject.toml: every test runs, warnings being errors."""
    files = {"test_sample.py": samples.PYTEST_ASYNCIO, "pyproject.toml": _readme_configuration()}
    outcome = run_pytest(tmp_path, files, "pytest-asyncio-own-config")
    expected = {**dict.fromkeys(PASSING, "PASSED"), "test_wrong_expectation_fails": "FAILED"}
    assert outcome.tests == expected, outcome.output
    assert "PytestDeprecationWarning" not in outcome.output
    assert outcome.returncode == pytest.ExitCode.TESTS_FAILED


def test_without_it_pytest_asyncio_warns(tmp_path: Path) -> None:
    """The same project with no configuration: the deprecation warning (an error under -W)."""
    files = {"test_sample.py": samples.PYTEST_ASYNCIO}
    outcome = run_pytest(tmp_path, files, "pytest-asyncio-own-config")
    assert "PytestDeprecationWarning" in outcome.output
    assert "asyncio_default_fixture_loop_scope" in outcome.output
    assert outcome.returncode != pytest.ExitCode.TESTS_FAILED
