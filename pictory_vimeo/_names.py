"""Names the SDK, its command and its emulator agree on: the key prefix, the logger, the extra.

This module imports nothing else of the package, so the emulator may use it (the
import contracts in pyproject.toml let the emulator import only such leaf modules).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Final

__all__ = [
    "EMULATOR_MODULES",
    "INSTALL_EMULATOR",
    "KEY_PREFIX",
    "LOGGER_NAME",
    "emulator_extra_message",
    "needs_emulator_extra",
]

#: What every Pictory API key starts with.
KEY_PREFIX: Final = "pictai_"
#: The logger the SDK writes to; the emulator writes to its child ``pictory_vimeo.emulator``.
LOGGER_NAME: Final = "pictory_vimeo"
#: What installs what the emulator needs; every message about a missing part says it.
INSTALL_EMULATOR: Final = "pip install 'pictory-vimeo[emulator]'"
#: The third-party modules the ``emulator`` extra brings.
EMULATOR_MODULES: Final = ("starlette", "uvicorn")


def emulator_extra_message(who: str, module: str | None = None) -> str:
    """What to say when ``who`` cannot run without the ``emulator`` extra (``module``: missing)."""
    what = f"{module}, from the 'emulator' extra" if module else "the 'emulator' extra"
    return f"{who} needs {what}: {INSTALL_EMULATOR}"


def _explained(who: str, missing: ModuleNotFoundError) -> ModuleNotFoundError | None:
    """The error to raise when ``missing`` is a module of the ``emulator`` extra, else ``None``.

    Its message says that ``who`` needs the module, from the extra, and how to install it.
    A module of the package itself missing is a bug, not an absent extra: ``None`` then.
    """
    module = (missing.name or "").partition(".")[0]
    if module not in EMULATOR_MODULES:
        return None
    return ModuleNotFoundError(emulator_extra_message(who, module), name=module)


@contextlib.contextmanager
def needs_emulator_extra(who: str) -> Iterator[None]:
    """Imports in this block that miss a module of the extra raise one saying what installs it."""
    try:
        yield
    except ModuleNotFoundError as missing:
        explained = _explained(who, missing)
        if explained is None:
            raise
        raise explained from missing
