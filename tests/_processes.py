"""The package run in a fresh interpreter, as the tests of several folders run it."""

from __future__ import annotations

import json
import subprocess
import sys


def run_command(
    *argv: str, env: dict[str, str] | None = None, stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``python -m pictory_vimeo *argv`` as a real process, whatever its exit code.

    ``stdin`` is the text piped in; without it stdin is ``/dev/null``, as for a command
    run with nothing piped to it. ``env`` is the whole environment (None: this process's).
    """
    return subprocess.run(
        [sys.executable, "-m", "pictory_vimeo", *argv],
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


def loaded_by_importing(module: str, among: tuple[str, ...]) -> list[str]:
    """The modules of the packages ``among`` that a fresh, isolated interpreter holds once
    it has imported ``module``: what importing it costs every program that does."""
    probe = (
        f"import json, sys, {module}\n"
        f"heavy = {among!r}\n"
        "loaded = [m for m in sys.modules if any(m == h or m.startswith(h + '.') for h in heavy)]\n"
        "print(json.dumps(sorted(loaded)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", probe], capture_output=True, text=True, check=True
    )
    loaded: list[str] = json.loads(done.stdout)
    return loaded
