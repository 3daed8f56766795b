"""Refuse a batch before any kernel starts: parameters that do not fit their notebooks, and
output stems that cannot name a file or would overwrite each other.

Design decisions
----------------
* **Validate first.** A misspelled parameter name would otherwise be injected as an unused
  variable while the notebook silently used its default (papermill only logs a warning), so
  every job is checked before the first kernel starts. Values must be plain JSON-like
  Python values: papermill writes anything else (numpy numbers, paths, timestamps, tuples)
  as a *string*, which would change its type inside the notebook.
* **Required parameters.** Every variable of a papermill ``parameters`` cell has a default,
  and papermill exposes no notion of "required". A missing parameter therefore falls back
  to the notebook's default, *unless* the notebook declares it required with a help comment
  starting with ``required``: ``am_id = ""  # required: the account manager``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from amreview.batch.jobs import ReviewJob
from amreview.errors import ArgumentError, ParameterError, shown

PARAMETER_TYPES = "str, int, float, bool, None, or a list or dict of those"


def check_parameters(notebook: Path, parameters: dict) -> None:
    """Raise :class:`ParameterError` unless ``parameters`` fit what ``notebook`` declares.

    Declared names are those of the notebook's cell tagged ``parameters`` (as papermill
    infers them). Every problem is reported at once:

    * a name the notebook does not declare (a typo would otherwise be ignored);
    * a missing name the notebook declares required (help comment starting with
      ``required``); other missing names fall back to the notebook's defaults;
    * a value that is not str, int, float, bool, None or a list/dict of those.
    """
    problems = parameter_problems(declared_parameters(Path(notebook)), parameters)
    if problems:
        raise ParameterError(f"parameters for {notebook}: " + "; ".join(problems))


def parameter_problems(declared: Mapping[str, Mapping[str, Any]], parameters: Mapping) -> list[str]:
    """The problems :func:`check_parameters` reports, given papermill's inferred parameters."""
    problems = []
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        declares = ", ".join(repr(n) for n in sorted(declared)) or "none"
        problems.append(f"unknown {_names(unknown)} (the notebook declares: {declares})")
    required = [name for name, spec in declared.items() if _is_required(spec)]
    missing = [name for name in required if name not in parameters]
    if missing:
        problems.append(f"missing required {_names(missing)}")
    for name, value in parameters.items():
        if not _is_plain_value(value):
            problems.append(f"{name!r} is a {type(value).__name__}, expected {PARAMETER_TYPES}")
    return problems


def declared_parameters(notebook: Path) -> dict[str, dict]:
    """The parameters ``notebook`` declares, as papermill infers them (name → its default,
    type and help); a :class:`ParameterError` when there is no such notebook or papermill
    cannot read it."""
    import papermill

    if not notebook.is_file():
        raise ParameterError(f"no notebook {notebook}")
    try:
        return papermill.inspect_notebook(literal_path(notebook))
    except Exception as exc:  # noqa: BLE001 - not JSON, not a notebook, no kernel named: the file is the mistake
        raise ParameterError(
            f"{notebook} is not a notebook papermill can run: {type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}"
        ) from None


def literal_path(path: Path) -> str:
    """``path`` as papermill takes it literally: papermill formats paths with the parameters
    (``"{am_id}.ipynb"``), so braces are escaped."""
    return str(path).replace("{", "{{").replace("}", "}}")


def _is_required(spec: Mapping[str, Any]) -> bool:
    return str(spec.get("help") or "").strip().lower().startswith("required")


def _is_plain_value(value: object) -> bool:
    if value is None or isinstance(value, (str, bool, int, float)):
        return True
    if isinstance(value, list):
        return all(_is_plain_value(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain_value(v) for k, v in value.items())
    return False


def _names(names: Sequence[str]) -> str:
    return ("name " if len(names) == 1 else "names ") + ", ".join(repr(n) for n in names)


def check_stems(jobs: Sequence[ReviewJob]) -> None:
    """Every output stem can name a file (a NUL cannot be in a path; the caller's ids are
    turned into stems by :mod:`amreview.filenames`)."""
    unusable = [shown(job.key) for job in jobs if "\0" in str(job.output_stem)]
    if unusable:
        raise ParameterError(
            f"the output stem of {', '.join(unusable)} holds a NUL character, which no file name can hold"
        )


def check_jobs(jobs: Sequence[ReviewJob]) -> None:
    """Refuse a batch before anything runs: output stems that would overwrite each other, and
    parameters that do not fit their notebooks (both checked for every job, locally or on Dask)."""
    check_stems(jobs)
    stems = [Path(job.output_stem).resolve() for job in jobs]
    folded = Counter(str(s).casefold() for s in stems)  # one file where case is ignored (macOS, Windows)
    shared = sorted({str(s) for s in stems if folded[str(s).casefold()] > 1})
    if shared:
        raise ArgumentError(f"jobs share output stems, they would overwrite each other: {', '.join(shared)}")
    declared: dict[Path, dict] = {}
    problems = []
    for job in jobs:
        notebook = Path(job.notebook).resolve()
        try:
            if notebook not in declared:
                declared[notebook] = declared_parameters(notebook)
        except ParameterError as exc:
            problems.append(f"{job.key}: {exc}")
            continue
        problems += [f"{job.key}: {p}" for p in parameter_problems(declared[notebook], job.parameters)]
    if problems:
        raise ParameterError("parameters do not fit the notebooks:\n  " + "\n  ".join(problems))
