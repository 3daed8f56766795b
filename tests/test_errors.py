"""One error family: every error amreview raises on purpose is an ``AmreviewError``, and the
command line turns a known mistake into one message and an exit code — never a traceback, and
before it has written anything."""

from __future__ import annotations

import ast
import builtins
import contextlib
import importlib
import json
import os
import subprocess
import sys
import typing
from pathlib import Path

import click
import pytest

import amreview
from amreview.cli import main
from amreview.errors import AmreviewError, ArgumentError, UnknownNameError

PACKAGE = Path(amreview.__file__).resolve().parent

# The raises outside the family, each with its reason, by (function, exception): by function
# rather than module, so that an entry follows its function when the module moves.
OUTSIDE_THE_FAMILY = {
    ("all_kpis", "ValueError"): "two metrics modules register one KPI name: a bug in amreview",
    ("_run_notebook", "AssertionError"): "after a loop that always returns: a bug if reached",
    ("validate_lazily", "RuntimeError"): "validation that does not settle (each round removes rows): a bug",
    ("part_html", "TypeError"): "a section part that amreview does not make: a bug",
    ("describe", "TypeError"): "a plot function without its words in chart_text.DESCRIBERS: a bug",
    ("launch", "RuntimeError"): "a kernel that did not start: retried, then that one review's failure",
    ("wait", "TimeoutExpired"): "Popen's protocol, which jupyter_client expects of a forked kernel",
    ("fetch", "ValueError"): "WeasyPrint's url_fetcher protocol; render_pages raises a DocumentError",
    ("make_folder", "NotADirectoryError"): "an OSError turned into an OutputError by the same function",
    ("__getattr__", "AttributeError"): "the module attribute protocol (amreview's lazy public names)",
}
# Validators of pydantic models must raise ValueError: pydantic collects them into one
# ValidationError, which load_config and load_mapping raise as a ConfigError.
PYDANTIC_VALIDATORS = {"field_validator", "model_validator"}


def _modules() -> list[tuple[str, Path]]:
    return [
        (".".join(("amreview", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__"), path)
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "__main__.py"
    ]  # it runs the CLI


def _namespace(module_name: str, tree: ast.Module) -> dict:
    """The module's names, and those its functions import locally (``from x import y``)."""
    module = importlib.import_module(module_name)
    names = {**vars(builtins), **vars(module)}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                with contextlib.suppress(ImportError, AttributeError):  # an optional dependency (distributed, ...)
                    names.setdefault(
                        alias.asname or alias.name, getattr(importlib.import_module(node.module), alias.name)
                    )
    return names


def _resolve(expression: ast.expr, names: dict):
    """The object a dotted name refers to, or None."""
    parts = ast.unparse(expression).split(".")
    value = names.get(parts[0])
    for part in parts[1:]:
        value = getattr(value, part, None)
    return value


def _raised_class(expression: ast.expr, names: dict):
    """The class an expression raises: a class called, or the class a function returns."""
    value = _resolve(expression, names)
    if isinstance(value, type):
        return value
    if callable(value):
        return typing.get_type_hints(value).get("return")
    return None


def _raises(tree: ast.Module):
    """(raise node, enclosing function, its decorators' names, names bound by enclosing handlers)."""

    def visit(node, function, decorators, handled):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names = {
                    ast.unparse(d.func if isinstance(d, ast.Call) else d).split(".")[-1] for d in child.decorator_list
                }
                yield from visit(child, child, names, set())
                continue
            if isinstance(child, ast.ExceptHandler) and child.name:
                yield from visit(child, function, decorators, handled | {child.name})
                continue
            if isinstance(child, ast.Raise):
                yield child, function, decorators, handled
            yield from visit(child, function, decorators, handled)

    yield from visit(tree, None, set(), set())


def _assigned_call(function, name: str):
    """What ``name = <call>`` assigns in ``function`` (``refused = ParameterError(...)``)."""
    for node in ast.walk(function) if function is not None else ():
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
        ):
            return node.value.func
    return None


def raises_outside_the_family() -> list[str]:
    """Every ``raise`` of amreview that raises neither an AmreviewError nor a re-raise, a
    pydantic validator's ValueError, a click usage error of the CLI or a listed exception."""
    found = []
    for module_name, path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = _namespace(module_name, tree)
        for node, function, decorators, handled in _raises(tree):
            if node.exc is None or (isinstance(node.exc, ast.Name) and node.exc.id in handled):
                continue  # raised again, as it came
            expression = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(node.exc, ast.Name):
                expression = _assigned_call(function, node.exc.id) or expression
            raised = _raised_class(expression, names)
            where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
            if raised is None:
                found.append(f"{where}: cannot tell what {ast.unparse(node.exc)!r} raises")
                continue
            if issubclass(raised, (AmreviewError, click.ClickException)):
                continue
            if decorators & PYDANTIC_VALIDATORS and issubclass(raised, ValueError):
                continue
            if (getattr(function, "name", None), raised.__name__) not in OUTSIDE_THE_FAMILY:
                found.append(f"{where}: {raised.__name__} in {getattr(function, 'name', '(module)')}")
    return found


def test_every_raise_is_of_the_family_or_listed_with_its_reason():
    assert raises_outside_the_family() == []


def test_the_list_of_exceptions_holds_only_raises_that_exist():
    seen = set()
    for module_name, path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = _namespace(module_name, tree)
        for node, function, _, _ in _raises(tree):
            if node.exc is not None and function is not None:
                expression = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                raised = _raised_class(expression, names)
                if raised is not None:
                    seen.add((function.name, raised.__name__))
    assert set(OUTSIDE_THE_FAMILY) <= seen


def test_the_check_finds_a_plain_error(monkeypatch, tmp_path):
    module = tmp_path / "amreview_probe.py"
    module.write_text("def pick(kind):\n    raise ValueError(f'unknown {kind}')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    tree = ast.parse(module.read_text())
    ((node, function, _, _),) = _raises(tree)
    assert _raised_class(node.exc.func, _namespace("amreview_probe", tree)) is ValueError
    assert (function.name, "ValueError") not in OUTSIDE_THE_FAMILY


# --------------------------------------------------------------------------------------------
# The errors of the family keep the types callers caught before
# --------------------------------------------------------------------------------------------


def test_a_bad_kernel_mode_names_the_variable(monkeypatch):
    from amreview.batch.kernels import resolve_mode

    monkeypatch.setenv("AMREVIEW_KERNEL", "forkk")
    with pytest.raises(
        ArgumentError, match="AMREVIEW_KERNEL: kernel mode must be one of fork, spawn, auto; got 'forkk'"
    ):
        resolve_mode()
    with pytest.raises(ValueError, match="^kernel mode must be one of"):  # given, not from the variable
        resolve_mode("thread")


def test_an_unknown_name_is_a_key_error_whose_message_is_not_quoted():
    error = UnknownNameError("no section 'x': expected one of summary")
    assert isinstance(error, KeyError) and error.exit_code == 2
    assert str(error) == "no section 'x': expected one of summary"


def test_a_missing_table_of_a_pack_is_an_unknown_name(hand_pack_dir):
    from amreview.data.datapack import load_pack

    with pytest.raises(UnknownNameError, match="has no table 'opportunities'"):
        load_pack(str(hand_pack_dir))["opportunities"]


def test_jobs_that_share_a_stem_are_an_argument_error(tmp_path):
    from amreview.batch.jobs import ReviewJob
    from amreview.batch.pool import run_reviews

    jobs = [
        ReviewJob(key=k, notebook=tmp_path / "n.ipynb", parameters={}, output_stem=tmp_path / "same", title=k)
        for k in ("a", "b")
    ]
    with pytest.raises(ArgumentError, match="would overwrite each other"):
        run_reviews(jobs, n_jobs=1, progress=False)


# --------------------------------------------------------------------------------------------
# The command line: one message, an exit code, nothing written
# --------------------------------------------------------------------------------------------


def _notebook(path: Path, source: str, kernel: bool = True) -> Path:
    metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}} if kernel else {}
    path.write_text(
        json.dumps(
            {
                "cells": [
                    {
                        "cell_type": "code",
                        "id": "p",
                        "metadata": {"tags": ["parameters"]},
                        "source": source,
                        "outputs": [],
                        "execution_count": None,
                    }
                ],
                "metadata": metadata,
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )
    return path


def _config_with_unknown_kpi(path: Path) -> Path:
    from amreview.scoring.config import DEFAULT_CONFIG

    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    assert "kpis.gross_margin_attainment " in text
    path.write_text(text.replace("kpis.gross_margin_attainment ", "kpis.gross_margin_attainmnet ", 1))
    return path


RUN = ("run", "--period", "2026Q3", "--quiet", "--no-team-overviews")
MISTAKES = {
    # id: (arguments after the pack, environment, exit code, what the message says)
    "bad AMREVIEW_KERNEL": (
        RUN,
        {"AMREVIEW_KERNEL": "forkk"},
        2,
        "AMREVIEW_KERNEL: kernel mode must be one of fork, spawn, auto; got 'forkk'",
    ),
    "bad AMREVIEW_FILE_MODE": (RUN, {"AMREVIEW_FILE_MODE": "wide"}, 2, "AMREVIEW_FILE_MODE='wide'"),
    "unknown am_id": (RUN + ("--am", "AM9"), {}, 2, "no account manager in role in 2026Q3 with am_id AM9"),
    "unknown manager": (
        RUN + ("--manager", "Nobody"),
        {},
        2,
        "with manager Nobody (known, closest first: Grace Hopper)",
    ),
    "bad period": (("run", "--period", "2026Q5"), {}, 2, "period '2026Q5' is not a quarter"),
    "unknown KPI in the config": (
        RUN + ("--config", "{unknown_kpi}"),
        {},
        2,
        "found unknown 'gross_margin_attainmnet'",
    ),
    "notebook of other parameters": (
        RUN + ("--notebook", "{other_parameters}"),
        {},
        2,
        "unknown names 'am_id', 'config', 'data', 'period'",
    ),
    "notebook without a kernel": (RUN + ("--notebook", "{no_kernel}"), {}, 2, "is not a notebook papermill can run"),
    "dask without a scheduler": (RUN + ("--executor", "dask"), {}, 2, "--executor dask needs --scheduler"),
    "no jobs": (RUN + ("--jobs", "0"), {}, 2, "0 is not in the range x>=1"),
    "explain an unknown am_id": (
        ("scorecard", "--period", "2026Q3", "--explain", "AM9", "--out", "{out}/c.csv"),
        {},
        2,
        "no account manager in role in 2026Q3 with am_id AM9",
    ),
    "scorecard to a .txt": (
        ("scorecard", "--period", "2026Q3", "--out", "{out}/c.txt"),
        {},
        2,
        "expected a file name ending in .csv or .xlsx",
    ),
    "scorecard with an unknown KPI": (
        ("scorecard", "--period", "2026Q3", "--out", "{out}/c.csv", "--config", "{unknown_kpi}"),
        {},
        2,
        "found unknown 'gross_margin_attainmnet'",
    ),
}


def _arguments(arguments: tuple[str, ...], pack: Path, out: Path, files: dict[str, Path]) -> list[str]:
    filled = [a.format(out=out, **files) for a in arguments]
    command, rest = filled[0], filled[1:]
    if "--out" not in rest:
        rest += ["--out", str(out)]
    return [command, "--data", str(pack), *rest]


def _message_lines(stderr: str) -> list[str]:
    """The lines of stderr that are not click's usage hint, nor a problem listed under the message."""
    return [line for line in stderr.splitlines() if line.strip() and not line.startswith(("Usage:", "Try ", " "))]


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_a_known_mistake_is_one_message_and_an_exit_code(mistake, hand_pack_dir, tmp_path, monkeypatch, capsys):
    arguments, environment, exit_code, message = MISTAKES[mistake]
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    files = {
        "unknown_kpi": _config_with_unknown_kpi(tmp_path / "unknown_kpi.toml"),
        "other_parameters": _notebook(tmp_path / "other.ipynb", "x = 1"),
        "no_kernel": _notebook(tmp_path / "no_kernel.ipynb", "am_id = ''", kernel=False),
    }
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exited:
        main(_arguments(arguments, hand_pack_dir, out, files))
    stderr = capsys.readouterr().err
    assert exited.value.code == exit_code, stderr
    assert "Traceback" not in stderr
    (line,) = _message_lines(stderr)
    assert line.startswith(("error: ", "Error: ")) and message in stderr, stderr
    assert not out.exists() or not any(out.rglob("*")), sorted(out.rglob("*"))


def test_a_bad_kernel_variable_prints_no_traceback_and_writes_nothing(hand_pack_dir, tmp_path):
    out = tmp_path / "out"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "amreview",
            "run",
            "--data",
            str(hand_pack_dir),
            "--period",
            "2026Q3",
            "--out",
            str(out),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "AMREVIEW_KERNEL": "forkk"},
    )
    assert done.returncode == 2
    assert done.stderr == "error: AMREVIEW_KERNEL: kernel mode must be one of fork, spawn, auto; got 'forkk'\n"
    assert not out.exists()
