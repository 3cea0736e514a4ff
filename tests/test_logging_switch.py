"""``PICTORY_LOG=debug|info``: the SDK's records on stderr, once, with no secret in them."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

KEY = "pictai_logging_switch_key"
#: A script making one call through an in-memory transport (no network at all).
SCRIPT = f"""
import anyio, httpx, logging
import pictory_vimeo as pv
from pictory_vimeo import _logging

_logging.configure_from_environment()  # a second time: still one handler

def answer(request):
    return httpx.Response(200, json={{"connectionId": "x", "name": "n", "clientIdentifier": "c",
                                      "enabled": True, "version": 1}})

async def main():
    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        client = pv.AsyncPictoryClient({KEY!r}, "https://api.test", http_client=http)
        await client.vimeo_connections.get("x")
    logging.getLogger("pictory_vimeo").info("an info line from the application")

anyio.run(main)
"""


def run(level: str | None) -> str:
    """Run the script with ``PICTORY_LOG`` set to ``level`` (or unset); return its stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PICTORY_")}
    if level is not None:
        env["PICTORY_LOG"] = level
    done = subprocess.run(
        [sys.executable, "-I", "-c", SCRIPT], capture_output=True, text=True, env=env, check=True
    )
    return done.stderr


def test_debug_shows_one_line_per_attempt_once() -> None:
    """``debug``: each attempt is logged on stderr, by one handler only, without the key."""
    stderr = run("debug")
    path = "GET /pictoryapis/v1/vimeo-connections/x"
    attempts = [line for line in stderr.splitlines() if path in line]
    assert len(attempts) == 1
    assert "DEBUG pictory_vimeo:" in attempts[0]
    assert "an info line from the application" in stderr
    assert KEY not in stderr


def test_info_shows_info_but_not_debug() -> None:
    """``info``: INFO records and above, no per-attempt DEBUG lines."""
    stderr = run("INFO")
    assert "an info line from the application" in stderr
    assert "GET /pictoryapis" not in stderr


@pytest.mark.parametrize("level", [None, "", "verbose"])
def test_unset_or_unknown_values_log_nothing(level: str | None) -> None:
    """No variable, an empty one or an unknown level: the SDK adds no handler."""
    assert run(level) == ""
