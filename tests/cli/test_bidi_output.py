"""Every human-readable line escapes control and bidi characters a server's text holds.

A description with a right-to-left override (U+202E) would make ``connections get`` show
text that reads other than it is; an escape sequence would drive the terminal. ``--json``
output stays valid JSON of the same value (the escapes are JSON's own).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

import pictory_vimeo as pv
from tests.cli._support import Run

Create = Callable[..., pv.VimeoConnection]
HOSTILE = "invoice\u202egpj.exe \u2066x\u2069 \u200f\x85 end"
RAW = ("\u202e", "\u2066", "\u2069", "\u200f", "\x85")


@pytest.mark.parametrize("as_json", [False, True], ids=["details", "json"])
def test_get_escapes_bidi_and_c1_characters(run: Run, create: Create, as_json: bool) -> None:
    """No raw override reaches stdout; the JSON line still parses to the stored value."""
    made = create("Bidi", "--description", HOSTILE)
    done = run("connections", "get", made.connection_id, *(["--json"] if as_json else []))
    assert done.returncode == 0, done.stderr
    assert not [char for char in RAW if char in done.stdout]
    assert "\\u202e" in done.stdout
    if as_json:
        assert json.loads(done.stdout)["description"] == HOSTILE


def test_error_lines_escape_them_too(run: Run) -> None:
    """A connection ID quoted back in an error line shows escaped."""
    done = run("connections", "get", "no\u202esuch")
    assert done.returncode != 0
    assert "\u202e" not in done.stderr
