"""The plan of a run: one :class:`Planned` per document (a review, a team overview), with the
fingerprint of its inputs, whether it must run (``resume``), and its entry in the manifest.

A document kind is a function that plans its documents (copy :func:`team_plans`); the runner
(:mod:`amreview.batch.runner`) plans, prepares and runs them, and records each entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from amreview.batch import manifest as record
from amreview.batch.cycle import CALIBRATION_STEM, ORGANISATION
from amreview.batch.jobs import DEFAULT_AUTHOR, ReviewJob, ReviewResult, output_paths
from amreview.filenames import path_inside
from amreview.periods import Quarter


@dataclass
class Planned:
    """One document of the run: its job, what it is of, its inputs and whether it must run."""

    job: ReviewJob
    kind: str  # "review", "team_overview" or "calibration"
    subject: str  # the am_id, the manager, or the organisation
    inputs: dict
    fingerprint: str
    run: bool = True

    @property
    def figures_path(self) -> Path:
        stem = Path(self.job.output_stem)
        return stem.with_name(stem.name + ".json")

    def documents(self) -> dict[str, str]:
        """Kind → file name of the documents this job writes (relative to its folder)."""
        notebook, html, pdf = output_paths(self.job.output_stem)
        documents = {"html": html.name, "notebook": notebook.name}
        if self.job.pdf:
            documents["pdf"] = pdf.name
        return documents

    def is_current(self, previous: dict[str, dict]) -> bool:
        """Whether the documents of these exact inputs are all there (see ``resume``): a
        review's key-figures file says so; a team overview's entry in the ``previous`` run's
        manifest does."""
        if self.kind == "review":
            return record.is_current(self.figures_path, self.fingerprint)
        folder = Path(self.job.output_stem).parent
        entry = previous.get(self.job.key)
        return (
            entry is not None
            and entry.get("status") in ("ok", "unchanged")
            and entry.get("input_fingerprint") == self.fingerprint
            and all((folder / name).is_file() for name in self.documents().values())
        )


@dataclass(frozen=True)
class PlanSettings:
    """What every document of a run shares: the quarter, the period's folder, the config's path
    as the notebooks get it ("": the packaged default), whether PDFs are made, and the run's
    input fingerprints (``shared_inputs``: the pack's, the config's and the library's)."""

    quarter: Quarter
    folder: Path
    config_arg: str
    pdf: bool
    shared_inputs: dict


def review_plans(
    settings: PlanSettings, selected: pd.DataFrame, stems: dict[str, str], notebook: Path
) -> list[Planned]:
    """One plan per ``selected`` person (rows of the scorecard's table; ``stems``: am_id → file
    stem, :func:`amreview.filenames.file_stems`), each a run of the review ``notebook``."""
    shared_inputs = {**settings.shared_inputs, "notebook": record.file_sha256(notebook)}
    quarter = settings.quarter
    plans = []
    for row in selected.itertuples(index=False):
        parameters = {"am_id": row.am_id, "period": str(quarter), "config": settings.config_arg}
        job = ReviewJob(
            key=row.am_id,
            notebook=Path(notebook).resolve(),
            parameters=dict(parameters),
            output_stem=path_inside(settings.folder, stems[row.am_id]),
            title=f"{row.name} — quarterly review {quarter}",
            pdf=settings.pdf,
            author=_reviewer(row),
        )
        plans.append(_plan("review", row.am_id, job, shared_inputs, {"am_id": row.am_id, "period": str(quarter)}))
    return plans


def _reviewer(row) -> str:
    """Who answers for a review: the person's manager, else amreview (no manager in the pack)."""
    manager = getattr(row, "manager", None)
    return str(manager) if isinstance(manager, str) and manager.strip() else DEFAULT_AUTHOR


def team_plans(settings: PlanSettings, stems: dict[str, str], notebook: Path) -> list[Planned]:
    """One plan per manager of ``stems`` (manager → the file stem of their team overview), each a
    run of the team ``notebook``; none without a manager."""
    if not stems:
        return []
    shared_inputs = {**settings.shared_inputs, "notebook": record.file_sha256(notebook)}
    quarter = settings.quarter
    plans = []
    for manager, stem in stems.items():
        job = ReviewJob(
            key=stem,
            notebook=Path(notebook).resolve(),
            parameters={"manager": manager, "period": str(quarter), "config": settings.config_arg},
            output_stem=path_inside(settings.folder, stem),
            title=f"{manager} — team overview {quarter}",
            pdf=settings.pdf,
            author=str(manager),
        )
        plans.append(_plan("team_overview", manager, job, shared_inputs, {"manager": manager, "period": str(quarter)}))
    return plans


def calibration_plan(settings: PlanSettings, notebook: Path) -> Planned:
    """The organisation's calibration page: agreed against computed ratings per manager, for the
    people who calibrate across managers (:mod:`amreview.documents.calibration`)."""
    quarter = settings.quarter
    job = ReviewJob(
        key=CALIBRATION_STEM,
        notebook=Path(notebook).resolve(),
        parameters={"period": str(quarter), "config": settings.config_arg},
        output_stem=path_inside(settings.folder, CALIBRATION_STEM),
        title=f"Organisation calibration {quarter}",
        pdf=settings.pdf,
    )
    shared_inputs = {**settings.shared_inputs, "notebook": record.file_sha256(notebook)}
    return _plan("calibration", ORGANISATION, job, shared_inputs, {"period": str(quarter)})


# The manifest entry's key for each kind's subject
SUBJECT_KEYS = {"review": "am_id", "team_overview": "manager", "calibration": "scope"}


def _plan(kind: str, subject: str, job: ReviewJob, shared_inputs: dict, parameters: dict) -> Planned:
    """``shared_inputs``: the run's fingerprints, the notebook's included."""
    inputs = {
        **shared_inputs,
        "parameters": parameters,
        "documents": ["html", "notebook"] + (["pdf"] if job.pdf else []),
    }
    return Planned(job=job, kind=kind, subject=subject, inputs=inputs, fingerprint=record.input_fingerprint(inputs))


def previous_entries(folder: Path) -> dict[str, dict]:
    """The entries of the manifest an earlier run left in ``folder``, by key (none: empty)."""
    previous = record.read_json(folder / record.MANIFEST_NAME)
    if not isinstance(previous, dict):
        return {}
    return {e["key"]: e for e in previous.get("reviews", []) if isinstance(e, dict) and isinstance(e.get("key"), str)}


def manifest_entry(plan: Planned, previous: dict | None, result: ReviewResult | None = None) -> dict:
    """The manifest entry of a planned document: before it runs (``running``, or ``unchanged``
    with the earlier run's timings and files), or with its result."""
    entry = {
        "key": plan.job.key,
        "kind": plan.kind,
        SUBJECT_KEYS[plan.kind]: plan.subject,
        "parameters": {k: v for k, v in plan.job.parameters.items() if k != "data"},
        "input_fingerprint": plan.fingerprint,
        "inputs": plan.inputs,
    }
    if not plan.run:
        previous = previous or {}
        return {
            **entry,
            "status": "unchanged",
            "error": None,
            "started": previous.get("started"),
            "seconds": previous.get("seconds"),
            "outputs": previous.get("outputs") or _outputs(plan, None),
        }
    if result is None:
        return {**entry, "status": "running", "error": None, "started": None, "seconds": None, "outputs": {}}
    error = result.error
    return {
        **entry,
        "status": result.status,
        "error": None
        if error is None
        else {
            SUBJECT_KEYS[plan.kind]: plan.subject,
            "cell": error.cell_index,
            "error": error.ename,
            "message": error.evalue,
            "text": str(error),
        },
        "started": result.started,
        "seconds": round(result.seconds, 2),
        "outputs": _outputs(plan, result),
    }


def _outputs(plan: Planned, result: ReviewResult | None) -> dict[str, str]:
    """The files a document's run left, by kind, relative to the period's folder."""
    folder = Path(plan.job.output_stem).parent
    found = {kind: name for kind, name in plan.documents().items() if (folder / name).is_file()}
    if result is not None and not result.ok:
        found.pop("html", None), found.pop("pdf", None)
    if plan.kind == "review" and plan.figures_path.is_file() and (result is None or result.ok):
        found["key_figures"] = plan.figures_path.name
    log = None if result is None else result.log
    if log:
        found["log"] = (
            str(Path(log).resolve().relative_to(folder)) if Path(log).resolve().is_relative_to(folder) else str(log)
        )
    return found


def unchanged_result(plan: Planned, entry: dict) -> ReviewResult:
    """The result of a document ``resume`` left as it was, from its manifest ``entry``."""
    notebook, html, pdf = output_paths(plan.job.output_stem)
    return ReviewResult(
        key=plan.job.key,
        status="unchanged",
        html=html,
        notebook=notebook,
        error=None,
        seconds=float(entry.get("seconds") or 0),
        pdf=pdf if plan.job.pdf else None,
        started=entry.get("started"),
    )
