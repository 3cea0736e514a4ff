"""What the tests of this folder share besides fixtures (those are in its conftest):
constants, helpers and types, imported from here rather than from a conftest."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Callable

#: Small pages, so a handful of connections already spans several of them.
PAGE_SIZE = 3


Run = Callable[..., "subprocess.CompletedProcess[str]"]


class FakeStdin(io.StringIO):
    """Stdin with given content that says whether it is a terminal."""

    def __init__(self, text: str, tty: bool) -> None:
        super().__init__(text)
        self._tty = tty

    def isatty(self) -> bool:
        """Whether this stdin claims to be a terminal."""
        return self._tty
