"""The README's promises: its test command is what CI runs, and its Python examples compile."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _bash_blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", README, flags=re.DOTALL)


def test_readme_opens_with_the_demo_and_test_commands() -> None:
    """The first two code blocks are the demo command and the test command."""
    first, second = (block.strip() for block in _bash_blocks()[:2])
    assert first.endswith("pictory-vimeo demo")
    assert "pytest" in second


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    """`.ci/run` runs exactly the README's test command."""
    command = _bash_blocks()[1].strip()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert command in ci


def test_readme_python_examples_compile() -> None:
    """Every Python block in the README is valid Python."""
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)
    assert blocks
    for block in blocks:
        compile(block, "README.md", "exec")
