"""A secret that is not valid UTF-8, in the environment or on stdin: exit 2, no traceback.

The README promises exit status 2 for invalid input; a Latin-1 byte reaches Python as a
lone surrogate, which used to crash the command (exit 1, a traceback) on its way out.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest


@pytest.mark.parametrize(
    ("env", "stdin", "flag", "where"),
    [
        (
            {"PICTORY_VIMEO_CLIENT_SECRET": b"sec\xe9ret", "PICTORY_VIMEO_ACCESS_TOKEN": b"tok"},
            b"",
            [],
            "PICTORY_VIMEO_CLIENT_SECRET",
        ),
        (
            {"PICTORY_VIMEO_CLIENT_SECRET": b"secret", "PICTORY_VIMEO_ACCESS_TOKEN": b"t\xffk"},
            b"",
            [],
            "PICTORY_VIMEO_ACCESS_TOKEN",
        ),
        ({}, b"sec\xe9ret\ntoken\n", ["--secrets-stdin"], "stdin"),
    ],
    ids=["env-secret", "env-token", "stdin"],
)
def test_the_command_refuses_a_secret_that_is_not_utf8(
    subprocess_env: dict[str, str],
    env: dict[str, bytes],
    stdin: bytes,
    flag: list[str],
    where: str,
) -> None:
    """Exit 2 with a line naming where the secret came from; no traceback."""
    child_env: dict[Any, Any] = {**subprocess_env, **env}
    argv = [sys.executable, "-m", "pictory_vimeo", "connections", "create"]
    done = subprocess.run(
        [*argv, "--name", "Latin1", "--client-id", "cid", *flag],
        env=child_env,
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
    )
    err = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 2, err
    assert "Traceback" not in err
    assert where in err
    assert "UTF-8" in err
