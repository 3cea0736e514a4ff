"""The plugin as a user meets it: pytest run on a sample project that only installed the package.

Each sample runs in a child pytest with one way of running tests (plain sync, pytest-asyncio,
anyio under trio); every test in it passes except the one whose expectation is wrong, which
must fail, so these checks can fail too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.testing import samples
from tests.testing.sample_project import Runner, run_pytest

INSTALL_HINT = "pip install 'pictory-vimeo[emulator]'"
NOT_INSTALLED_MODULE = "pictory_sample_no_extra"
#: Loaded with ``-p``: starlette and uvicorn cannot be imported, as without the extra.
NOT_INSTALLED = """
import sys


class _NotInstalled:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.split(".")[0] in ("starlette", "uvicorn"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


for _name in [m for m in sys.modules if m.split(".")[0] in ("starlette", "uvicorn")]:
    del sys.modules[_name]
sys.meta_path.insert(0, _NotInstalled())
"""


def _expected(passing: list[str]) -> dict[str, str]:
    return {**dict.fromkeys(passing, "PASSED"), "test_wrong_expectation_fails": "FAILED"}


@pytest.mark.parametrize(
    ("runner", "source", "passing"),
    [
        pytest.param(
            "sync",
            samples.SYNC,
            [
                "test_create_and_read_back",
                "test_a_503_is_retried_at_once",
                "test_a_dropped_answer_is_applied_once",
                "test_the_next_test_starts_afresh",
                "test_nothing_is_left_running",
            ],
            id="sync",
        ),
        pytest.param(
            "pytest-asyncio",
            samples.PYTEST_ASYNCIO,
            [
                "test_async_with_a_client",
                "test_a_client_left_open_is_closed_for_the_test",
                "test_a_rate_limit_is_waited_out_at_once",
                "test_a_sync_client_in_an_async_test",
            ],
            id="pytest-asyncio",
        ),
        pytest.param(
            "anyio",
            samples.ANYIO_TRIO,
            [
                "test_runs_under_trio",
                "test_concurrent_creates_in_a_task_group",
                "test_a_dropped_update_is_applied_once",
            ],
            id="anyio-trio",
        ),
    ],
)
def test_a_sample_project_passes_and_its_wrong_expectation_fails(
    tmp_path: Path, runner: Runner, source: str, passing: list[str]
) -> None:
    """The fixture works with no configuration at all; a wrong expectation is a failure."""
    outcome = run_pytest(tmp_path, {"test_sample.py": source}, runner)
    assert outcome.tests == _expected(passing), outcome.output
    assert outcome.returncode == pytest.ExitCode.TESTS_FAILED, outcome.output


def test_the_sample_runs_reach_no_network(tmp_path: Path) -> None:
    """The guard in the sample runs refuses any network socket, so their passing means none."""
    source = (
        "import socket\n\n"
        "import pytest\n\n\n"
        "def test_a_loopback_connection_is_refused():\n"
        "    with socket.socket() as sock, pytest.raises(OSError, match='no network socket'):\n"
        "        sock.connect(('127.0.0.1', 9))\n"
    )
    outcome = run_pytest(tmp_path, {"test_guard.py": source}, "sync")
    assert outcome.tests == {"test_a_loopback_connection_is_refused": "PASSED"}, outcome.output


def test_without_the_extra_the_plugin_loads_and_the_fixture_names_it(tmp_path: Path) -> None:
    """Loading the plugin needs no Starlette; asking for the fixture says what to install."""
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / f"{NOT_INSTALLED_MODULE}.py").write_text(NOT_INSTALLED, encoding="utf-8")
    source = (
        "import sys\n\n\n"
        "def test_the_plugin_imported_no_emulator():\n"
        "    assert 'pictory_vimeo.testing._plugin' in sys.modules\n"
        "    assert 'pictory_vimeo.emulator' not in sys.modules\n\n\n"
        "def test_asking_for_the_fixture(pictory_emulator):\n"
        "    pass\n"
    )
    outcome = run_pytest(tmp_path, {"test_no_extra.py": source}, "sync", "-p", NOT_INSTALLED_MODULE)
    assert outcome.tests == {
        "test_the_plugin_imported_no_emulator": "PASSED",
        "test_asking_for_the_fixture": "ERROR",
    }, outcome.output
    assert (
        f"the pictory_emulator fixture needs starlette, from the 'emulator' extra: {INSTALL_HINT}"
        in outcome.output
    )
    assert "exception" not in outcome.output  # the one line, not a chain of exceptions
