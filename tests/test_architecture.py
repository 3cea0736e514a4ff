"""The project's shape where import-linter cannot see it: size, private names, weight.

The layers and which module may import which are contracts in pyproject.toml, checked by
``lint-imports`` (scripts/checks.py runs it in CI and nox); what is checked here is what
those contracts cannot say, including that a contract listing modules lists them all.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

from tests._processes import loaded_by_importing

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "pictory_vimeo"
MODULES = sorted(PACKAGE.rglob("*.py"))
#: Held to the package's size and naming rules too: the code beside it.
ALL_CODE = sorted(
    path
    for folder in ("pictory_vimeo", "benchmarks", "scripts")
    for path in (ROOT / folder).rglob("*.py")
)


def _imports(path: Path) -> list[ast.ImportFrom]:
    return [
        n for n in ast.walk(ast.parse(path.read_text("utf-8"))) if isinstance(n, ast.ImportFrom)
    ]


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _docstring_lines(tree: ast.Module) -> set[int]:
    """The line numbers of every module, class and function docstring in ``tree``."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                lines.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return lines


@pytest.mark.parametrize("path", ALL_CODE, ids=_name)
def test_every_module_is_under_400_lines(path: Path) -> None:
    """One concern per module keeps each one short enough to read in one sitting.

    Docstrings are not counted: the public API's are long on purpose (arguments, rules,
    errors), and they should not push a module's code to be split.
    """
    text = path.read_text("utf-8")
    docs = _docstring_lines(ast.parse(text))
    code = [n for n, _ in enumerate(text.splitlines(), start=1) if n not in docs]
    assert len(code) <= 400


def test_docstrings_are_what_the_line_count_leaves_out() -> None:
    """The count skips a function's docstring, and nothing else of it."""
    source = 'def f() -> int:\n    """One.\n\n    Two.\n    """\n    return 1\n'
    assert _docstring_lines(ast.parse(source)) == {2, 3, 4, 5}


@pytest.mark.parametrize("path", ALL_CODE, ids=_name)
def test_no_module_imports_another_modules_private_name(path: Path) -> None:
    """What a module shares, it shares under a public name (private modules are fine)."""
    private = [
        f"line {node.lineno}: {alias.name} from {'.' * node.level}{node.module or ''}"
        for node in _imports(path)
        if node.module is not None
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__")
    ]
    assert private == []


def test_importing_the_sdk_loads_no_command_emulator_or_optional_pool() -> None:
    """``import pictory_vimeo`` stays light: no CLI, emulator, Starlette, uvicorn or aiohttp."""
    heavy = (
        "pictory_vimeo.cli",
        "pictory_vimeo.emulator",
        "pictory_vimeo.testing",
        "starlette",
        "uvicorn",
        "aiohttp",
        "httpx_aiohttp",
    )
    assert loaded_by_importing("pictory_vimeo", heavy) == []


def _listed(contract: str, key: str) -> set[str]:
    """The modules one import contract of pyproject.toml lists under ``key``."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (found,) = (c for c in pyproject["tool"]["importlinter"]["contracts"] if c["id"] == contract)
    return {str(module) for module in found[key]}


def _core_modules() -> set[str]:
    """The package's own top-level modules (not its cli/, emulator/ or testing/)."""
    return {
        f"pictory_vimeo.{path.stem}"
        for path in PACKAGE.glob("_*.py")
        if not path.stem.startswith("__")
    }


def _leaves() -> set[str]:
    """The top-level modules that import nothing else of the package."""
    return {
        module
        for module in _core_modules()
        if not any(node.level for node in _imports(PACKAGE / f"{module.split('.')[1]}.py"))
    }


def test_the_core_contract_names_every_core_module() -> None:
    """A new module is held to "no command, emulator, Starlette or uvicorn" too."""
    assert _core_modules() <= _listed("core", "source_modules")


def test_the_emulator_may_import_only_leaf_modules_of_the_sdk() -> None:
    """Every module of the SDK that imports another is forbidden to the emulator."""
    assert _core_modules() - _leaves() <= _listed("emulator", "forbidden_modules")
