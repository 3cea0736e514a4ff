"""The plugin is registered by the package's metadata and loads light: no emulator, no Starlette."""

from __future__ import annotations

import importlib.metadata
import sys

import pytest

from tests._processes import loaded_by_importing

PLUGIN = "pictory_vimeo.testing._plugin"


def test_the_package_registers_the_plugin_for_pytest() -> None:
    """A ``pytest11`` entry point named ``pictory_vimeo`` points at the plugin module."""
    [entry] = importlib.metadata.entry_points(group="pytest11", name="pictory_vimeo")
    assert entry.value == PLUGIN


def test_this_run_loaded_it_through_the_entry_point(pytestconfig: pytest.Config) -> None:
    """The fixture this suite uses comes from the installed plugin, not from a conftest."""
    plugin = pytestconfig.pluginmanager.get_plugin("pictory_vimeo")
    assert plugin is sys.modules[PLUGIN]


def test_loading_the_plugin_imports_no_emulator_starlette_or_uvicorn() -> None:
    """Every pytest run in a project with the package loads the plugin: it must stay light."""
    heavy = ("pictory_vimeo.emulator", "pictory_vimeo.cli", "starlette", "uvicorn")
    assert loaded_by_importing(PLUGIN, heavy) == []
