"""The structure of the package: what the import contract (``make lint``, import-linter) cannot say.

import-linter checks the layers and the circles (``[tool.importlinter]`` in pyproject.toml); these
tests add that no module imports another module's private name (``from amreview.x import _y``),
and that the contract lists no exceptions.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import amreview

PACKAGE = Path(amreview.__file__).resolve().parent
PYPROJECT = PACKAGE.parent / "pyproject.toml"


def module_name(path: Path) -> str:
    """``amreview/documents/review.py`` → ``amreview.documents.review`` (a package: its name)."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(source: str, module: str, is_package: bool) -> list[tuple[str, str]]:
    """Every ``from <amreview module> import <name>`` in ``source``, at any depth (function-level
    imports too), relative imports resolved: ``(module, name)`` pairs."""
    pairs = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
            target = ".".join(base + ([node.module] if node.module else []))
        else:
            target = node.module or ""
        if target == "amreview" or target.startswith("amreview."):
            pairs += [(target, alias.name) for alias in node.names]
    return pairs


def private_imports(source: str, module: str, is_package: bool = False) -> list[str]:
    """The private names ``source`` (module ``module``) imports from another amreview module."""
    return [
        f"{module} imports {name} from {target}"
        for target, name in imported_names(source, module, is_package)
        if name.startswith("_") and not name.startswith("__") and target != module
    ]


def test_no_module_imports_another_modules_private_name():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        found += private_imports(path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py")
    assert found == []


def test_a_private_import_across_modules_is_found():
    source = "def f():\n    from amreview.batch.checks import _is_required\n"
    assert private_imports(source, "amreview.batch.distributed") == [
        "amreview.batch.distributed imports _is_required from amreview.batch.checks"
    ]
    assert private_imports("from .execution import _x\n", "amreview.batch.runner") == [
        "amreview.batch.runner imports _x from amreview.batch.execution"
    ]
    assert private_imports("from amreview.formats import is_missing as _missing\n", "amreview.documents.render") == []


def test_the_import_contract_lists_no_exceptions():
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]
    assert {contract["type"] for contract in config["contracts"]} >= {"layers", "acyclic_siblings"}
    assert all("ignore_imports" not in contract for contract in config["contracts"])


def test_the_package_exposes_its_main_names_without_importing_them_first():
    import subprocess
    import sys

    code = (
        "import sys, amreview\n"
        "assert 'pandas' not in sys.modules and 'amreview.data.datapack' not in sys.modules\n"
        "from amreview import load_pack, build_scorecard, open_review, Review\n"
        "assert load_pack.__module__ == 'amreview.data.datapack'\n"
        "assert Review.__module__ == 'amreview.documents.review'\n"
        "print(sorted(set(amreview.PUBLIC_NAMES) - set(dir(amreview))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    for name, module in amreview.PUBLIC_NAMES.items():
        assert getattr(amreview, name).__module__ == module, name


MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80  # from `def` to its last line; decorators not counted
SIZE_EXCEPTION = "size:"  # a comment on the module's first line or the `def` line that says why it is longer


def oversized(source: str, name: str) -> list[str]:
    """What in one module's ``source`` is over the size rule (ARCHITECTURE.md), unless excused by
    a ``# size: <why>`` comment on the module's first line or on the function's ``def`` line."""
    lines = source.splitlines()
    found = []
    if len(lines) > MAX_MODULE_LINES and SIZE_EXCEPTION not in (lines[0] if lines else ""):
        found.append(f"{name}: {len(lines)} lines")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = node.end_lineno - node.lineno + 1
            if length > MAX_FUNCTION_LINES and SIZE_EXCEPTION not in lines[node.lineno - 1]:
                found.append(f"{name}: {node.name} is {length} lines")
    return found


def test_no_module_over_600_lines_and_no_function_over_80():
    found = [
        problem
        for path in sorted(PACKAGE.rglob("*.py"))
        for problem in oversized(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE.parent)))
    ]
    assert found == []


def test_the_size_rule_finds_a_long_function_and_a_long_module():
    body = "\n".join(f"    x = {i}" for i in range(80))
    assert oversized(f"def f():\n{body}\n", "m.py") == ["m.py: f is 81 lines"]
    assert oversized(f"def f():  # size: one table of cases\n{body}\n", "m.py") == []
    assert oversized("x = 1\n" * 601, "m.py") == ["m.py: 601 lines"]
