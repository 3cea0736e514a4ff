"""The README's command-line examples run as pasted: they create the connection they use."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

from pictory_vimeo import emulator

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def _command_line_block() -> str:
    """The first bash block of the README's "The command line" section."""
    start = README.index("## The command line\n")
    section = README[start : README.index("\n## ", start + 1)]
    (block, *_) = re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL)
    return str(block)


def test_the_command_line_examples_run_as_pasted(
    cli_served: emulator.RunningEmulator, subprocess_env: dict[str, str]
) -> None:
    """Every line of the block, in one shell, exits 0 and leaves the account empty again."""
    python = shlex.quote(sys.executable)
    commands = {"pictory-vimeo": f"{python} -m pictory_vimeo", "python": python}
    script = re.sub(
        r"\.venv/bin/(pictory-vimeo|python)\b",
        lambda m: commands[m.group(1)],
        _command_line_block(),
    )
    env = subprocess_env | {"NEW_SECRET": "rotated-secret", "NEW_TOKEN": "rotated-token"}
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Marketing" in done.stdout
    assert "secrets rotated" in done.stderr
    assert "deleted connection 'Marketing'" in done.stdout
    assert cli_served.emulator.connections(api_key=env["PICTORY_API_KEY"]) == []
