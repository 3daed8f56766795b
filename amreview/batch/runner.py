"""A quarter's reviews for a sales organisation: prepare once, then one notebook per document.

:func:`run_quarterly_reviews` is what ``amreview run`` does:

1. **Check and read.** The options, the kernel mode (``$AMREVIEW_KERNEL``), the period, the
   scorecard config and the notebooks' parameters are checked before anything is read or
   written; then the pack is read and validated whole (a bad config or a broken pack stops the
   run before any kernel starts: reviews rate people, so none is produced from broken data).
2. **Score once.** The quarter's scorecard is computed once for everyone in role; it says who is
   reviewed (``am_ids``, ``managers`` and ``teams`` select; unknown names are an error listing
   the known ones) and how each rates.
3. **Plan.** Each review (``<stem>``: the am_id where it is a plain name, else a slug and a
   digest of it, :mod:`amreview.filenames`) and team overview (``team-<stem>`` of the manager,
   one per manager of the selected people) gets an *input fingerprint*
   (:mod:`amreview.batch.manifest`): the pack's, the notebook's, the config's, its parameters, the
   documents asked for and the library's.
   With ``resume``, a review whose key-figures file carries the same fingerprint and whose
   documents are all there is left as it is (``unchanged``); the others run.
4. **Prepare once** (:func:`amreview.batch.prepare.prepare_reviews`): for each review to run, a
   *review input* holding that person's slice of the pack, their scorecard rows and the
   anonymised team benchmarks; for each team overview, the team's scorecard rows. A notebook
   reads only its own input: no review sees another person's rows, and no kernel reads the
   whole pack or recomputes the scorecard.
5. **Render per person** (:func:`amreview.batch.pool.run_reviews`, or a Dask cluster with
   ``executor="dask"``, :mod:`amreview.batch.distributed`): one fresh kernel per document
   (:mod:`amreview.batch.execution`), in parallel, each failure isolated. As each review
   finishes, its key figures (``<stem>.json``) and the manifest are written.
6. **Publish** (:mod:`amreview.batch.index`). ``index.html``: any failure first, the run's
   hand-outs, the team overviews, a table of the reviews with headline figures (from the
   key-figures files), rating, trend, review status and documents; the run's details (ids,
   status, start, duration) folded away below. The inputs of reviews that succeeded are
   removed; a failed review keeps its input and executed notebook for inspection.

:func:`run_quarterly_reviews` makes the checks of step 1 and locks the period's folder;
:func:`_run_locked` does the rest, in the order above.

Everything is written atomically; a run killed at any moment leaves complete documents or
none, and ``resume`` completes it. One run at a time writes to a period's folder
(:mod:`amreview.batch.lock`). Left-over temporary files of a killed run are removed at
the start of the next. A killed run leaves no process behind either: its workers, their kernel
templates and kernels die with it (:mod:`amreview.batch.pool`).

Outputs that cannot be written (:class:`~amreview.errors.OutputError`, exit code 4): the
period's folder is checked first — made, and a file created in it and removed — so a read-only
or missing output folder stops the run before the pack is read or any kernel starts. Later, a
write of the run's own (inputs, manifest, key figures, index) that fails stops the run; a
review whose own documents cannot be written (its folder became read-only, the disk is full)
is failed with a message naming the file and why, recorded in the manifest, and the run stops
there too, since the next review would meet the same folder: no new review starts and the
workers are stopped. The documents finished so far are kept; ``resume`` completes the run once
the folder is fixed. Every file and folder is owner-only unless group-readable is asked for
(:mod:`amreview.files`).
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

import amreview
from amreview.batch import manifest as record
from amreview.batch.checks import check_parameters
from amreview.batch.cycle import CALIBRATION_NOTEBOOK, calibration_item, previous_scores, wants_calibration
from amreview.batch.execution import OUTPUT_FAILURE
from amreview.batch.index import index_rows, team_overview_items, write_run_index
from amreview.batch.jobs import ReviewJob, ReviewResult
from amreview.batch.kernels import resolve_mode
from amreview.batch.lock import missing_folders, run_lock
from amreview.batch.plan import (
    Planned,
    PlanSettings,
    calibration_plan,
    manifest_entry,
    previous_entries,
    review_plans,
    team_plans,
    unchanged_result,
)
from amreview.batch.pool import run_reviews
from amreview.data.datapack import DataPack, check_source, content_fingerprint, load_pack, resolve_source
from amreview.documents.review import previous_scorecard
from amreview.errors import ArgumentError, OutputError, ParameterError
from amreview.filenames import TEAM_PREFIX, file_stems
from amreview.files import TEMPORARY_FILE, make_folder, writable_folder
from amreview.periods import Quarter
from amreview.redaction import shown_source
from amreview.scoring.calibration import calibration_table
from amreview.scoring.config import ScorecardConfig, config_fingerprint, load_config
from amreview.scoring.scorecard import Scorecard, build_scorecard, select_account_managers

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
REVIEW_NOTEBOOK = NOTEBOOKS / "am_quarterly_review.ipynb"
TEAM_NOTEBOOK = NOTEBOOKS / "team_overview.ipynb"
INPUTS_FOLDER = ".inputs"  # review inputs, under <out>/<period>/
LOGS_FOLDER = "logs"  # per-review kernel logs, under <out>/<period>/
EXECUTORS = ("local", "dask")


@dataclass
class RunSummary:
    """What a run produced: one result per review and per team overview, and the index page.

    ``unchanged`` holds the keys that ``resume`` left as they were (their results say
    ``unchanged``); ``manifest`` is the run's manifest.json.
    """

    period: str
    folder: Path
    results: list[ReviewResult]
    index: Path
    team_results: list[ReviewResult] = field(default_factory=list)
    managers: dict[str, str] = field(default_factory=dict)  # team overview's key → manager
    manifest: Path | None = None
    calibration: ReviewResult | None = None  # the organisation's calibration page, when made

    @property
    def failed(self) -> list[ReviewResult]:
        extra = [self.calibration] if self.calibration is not None else []
        return [r for r in self.results + self.team_results + extra if r.failed]

    def describe(self) -> str:
        def counted(results: list[ReviewResult]) -> tuple[int, int]:
            return (sum(not r.failed for r in results), sum(r.status == "unchanged" for r in results))

        ok, unchanged = counted(self.results)
        line = f"{self.period}: {ok} of {len(self.results)} reviews written to {self.folder}"
        lines = [line + (f" ({unchanged} unchanged, not rerun)" if unchanged else "")]
        if self.team_results:
            teams_ok, teams_unchanged = counted(self.team_results)
            line = f"{teams_ok} of {len(self.team_results)} team overviews written"
            lines.append(line + (f" ({teams_unchanged} unchanged, not rerun)" if teams_unchanged else ""))
        if self.calibration is not None and not self.calibration.failed:
            lines.append(f"organisation calibration: {self.calibration.html}")
        lines.append(f"index: {self.index}")
        if self.manifest is not None:
            lines.append(f"manifest: {self.manifest}")
        for result in self.failed:
            what = (
                f"team overview of {self.managers[result.key]}"
                if result.key in self.managers
                else "organisation calibration"
                if result is self.calibration
                else result.key
            )
            lines.append(f"FAILED {what}: {result.error}")
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Who is reviewed
# --------------------------------------------------------------------------------------------


def team_file_stems(managers: Iterable[str]) -> dict[str, str]:
    """Manager → the file stem of their team overview: ``team-`` and the manager's file stem
    (:func:`amreview.filenames.file_stems`: ``"Claire Whitfield"`` →
    ``team-claire-whitfield~<digest>``, ``"M07"`` → ``team-M07``)."""
    stems = file_stems(sorted({str(m) for m in managers}))
    return {manager: TEAM_PREFIX + stem for manager, stem in stems.items()}


def remove_temporary_files(folder: Path) -> list[Path]:
    """Remove the temporary files a killed run left in ``folder`` (never a finished document)."""
    removed = []
    if folder.is_dir():
        for path in folder.iterdir():
            if path.is_file() and TEMPORARY_FILE.match(path.name):
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Run:
    """One run's settings, checked and parsed (step 1): what each step of :func:`_run_locked` reads."""

    quarter: Quarter
    folder: Path  # <out>/<period>, resolved and writable
    config_arg: str  # the config's path as the notebooks get it ("": the packaged default)
    config: ScorecardConfig
    started: str  # UTC, ISO 8601
    clock: float  # time.perf_counter() when the run started
    notebook: Path
    team_notebook: Path
    team_overviews: bool
    pdf: bool
    resume: bool
    am_ids: tuple[str, ...]
    managers: tuple[str, ...]
    teams: tuple[str, ...]
    n_jobs: int | None
    timeout: float | None
    progress: bool
    executor: str
    scheduler: str | None

    @property
    def cluster(self) -> str | None:
        """The Dask scheduler's address when the documents run on that cluster; None: local workers."""
        return self.scheduler if self.executor == "dask" else None


def run_quarterly_reviews(
    data: str | Path,
    period: str,
    out: str | Path = "reports",
    n_jobs: int | None = None,
    am_ids: Sequence[str] | None = None,
    timeout: float | None = 600,
    progress: bool = True,
    notebook: Path = REVIEW_NOTEBOOK,
    config: str | Path | None = None,
    pdf: bool = False,
    team_notebook: Path = TEAM_NOTEBOOK,
    team_overviews: bool = True,
    managers: Sequence[str] | None = None,
    teams: Sequence[str] | None = None,
    resume: bool = False,
    executor: str = "local",
    scheduler: str | None = None,
) -> RunSummary:
    """Produce the quarter's reviews, the team overviews of their managers, and the index
    (module docstring).

    ``am_ids``, ``managers``, ``teams`` select people (all in role when none is given); team
    overviews are made for the managers of the selected people (none when ``team_overviews`` is
    false). ``config`` is the scorecard config (TOML; the packaged default when ``None``).
    ``pdf`` also writes a PDF of each document. ``timeout`` limits each document's whole
    notebook, in seconds. ``resume`` skips documents whose inputs are unchanged and whose files
    are there. ``executor`` ``"dask"`` runs the documents on the Dask cluster at ``scheduler``.
    """
    _check_options(executor, scheduler, n_jobs)
    started, clock = record.utc_now(), time.perf_counter()
    config_arg = str(Path(config).resolve()) if config else ""
    scorecard_config = load_config(config_arg or None)
    quarter = Quarter.parse(period, scorecard_config.fiscal_year_start_month)  # before the pack is read
    check_notebooks(notebook, team_notebook if team_overviews else None, quarter, config_arg)
    check_source(data)  # a pack folder that is not one: said as typed, before a folder is made
    folder = Path(out).resolve() / str(quarter)
    made = missing_folders(folder)  # removed again if the run leaves them empty (a refused pack)
    folder = writable_folder(folder)  # else OutputError, before any work
    run = _Run(
        quarter=quarter,
        folder=folder,
        config_arg=config_arg,
        config=scorecard_config,
        started=started,
        clock=clock,
        notebook=notebook,
        team_notebook=team_notebook,
        team_overviews=team_overviews,
        pdf=pdf,
        resume=resume,
        am_ids=tuple(am_ids or ()),
        managers=tuple(managers or ()),
        teams=tuple(teams or ()),
        n_jobs=n_jobs,
        timeout=timeout,
        progress=progress,
        executor=executor,
        scheduler=scheduler,
    )
    with run_lock(folder, made):
        return _run_locked(resolve_source(data), run)


def _check_options(executor: str, scheduler: str | None, n_jobs: int | None) -> None:
    """Refuse an unknown executor, a scheduler without Dask (or Dask without one), ``n_jobs`` < 1 and
    a bad ``$AMREVIEW_KERNEL`` (a local run), before anything is read or written."""
    if executor not in EXECUTORS:
        raise ParameterError(f"unknown executor {executor!r}: expected one of {', '.join(EXECUTORS)}")
    if executor == "dask" and not scheduler:
        raise ParameterError("the dask executor needs a scheduler address, e.g. tcp://scheduler:8786")
    if executor != "dask" and scheduler:
        raise ParameterError("a scheduler address is only used with the dask executor")
    if n_jobs is not None and n_jobs < 1:
        raise ArgumentError(f"n_jobs must be at least 1, got {n_jobs}")
    if executor == "local":
        resolve_mode()  # a bad $AMREVIEW_KERNEL is refused here, not once the inputs are prepared


def check_notebooks(notebook: Path, team_notebook: Path | None, quarter: Quarter, config_arg: str) -> None:
    """A :class:`ParameterError` unless the review notebook (and the team notebook, when given)
    declare the parameters the run passes them (:mod:`amreview.batch.plan`'s ``review_plans`` and
    ``team_plans``, and the ``data`` folder of the prepared input): checked before anything is read
    or written, since a notebook of one's own that does not fit would otherwise fail once the inputs
    are prepared."""
    common = {"period": str(quarter), "config": config_arg, "data": ""}
    check_parameters(Path(notebook), {"am_id": "", **common})
    if team_notebook is not None:
        check_parameters(Path(team_notebook), {"manager": "", **common})


def _run_locked(data_arg: str, run: _Run) -> RunSummary:
    """The run in its locked folder: the steps of the module docstring, in order."""
    # 1-2. Read the pack, score once
    pack = load_pack(data_arg)  # validated whole: a broken pack stops the run here
    card = build_scorecard(pack, run.quarter, run.config)
    selected = select_account_managers(card.table, run.am_ids, run.managers, run.teams)
    selected = selected.join(calibration_table(pack, card), on="am_id")  # review status, agreed rating
    earlier_card = previous_scorecard(pack, run.quarter, run.config, card.kpis)
    selected = selected.join(previous_scores(earlier_card, selected["am_id"]), on="am_id")  # the index's trends
    _remove_leftovers(run.folder)

    # 3. Plan
    review_stems = file_stems(card.table["am_id"])  # from every id of the period: never depends on the selection
    team_stems = _team_stems(card.table, selected) if run.team_overviews else {}
    settings = PlanSettings(run.quarter, run.folder, run.config_arg, run.pdf, _shared_inputs(pack, run.config))
    plans = review_plans(settings, selected, review_stems, run.notebook) + team_plans(
        settings, team_stems, run.team_notebook
    )
    if wants_calibration(not (run.am_ids or run.managers or run.teams), bool(team_stems), selected):
        plans.append(calibration_plan(settings, CALIBRATION_NOTEBOOK))
    previous = previous_entries(run.folder)
    if run.resume:
        for plan in plans:
            plan.run = not plan.is_current(previous)
    to_run = [p for p in plans if p.run]

    # 4. Prepare once
    cluster = run.cluster
    if cluster is not None and to_run:  # an unreachable cluster is said before the inputs are prepared
        from amreview.batch.distributed import check_scheduler

        check_scheduler(cluster)
    _prepare_inputs(pack, card, earlier_card, run, to_run)
    del pack  # the kernels read their inputs; the whole pack is not needed any more

    # 5. Render per person, each document recorded as it finishes
    manifest = _RunManifest(run, _run_info(run, data_arg, settings.shared_inputs), plans, previous, selected)
    results = _run_documents(run, plans, manifest)

    # 6. Publish
    reviews = [results[p.job.key] for p in plans if p.kind == "review"]
    team_results = [results[p.job.key] for p in plans if p.kind == "team_overview"]
    calibration = next((results[p.job.key] for p in plans if p.kind == "calibration"), None)
    index = write_run_index(
        run.folder,
        run.quarter,
        index_rows(selected, reviews, manifest.entries, run.folder, review_stems, run.config.number_format),
        team_overview_items(card.table, team_stems, team_results, [r.label for r in run.config.ratings])
        + ([calibration_item(calibration)] if calibration is not None else []),
    )
    return RunSummary(
        period=str(run.quarter),
        folder=run.folder,
        results=reviews,
        index=index,
        team_results=team_results,
        managers={stem: manager for manager, stem in team_stems.items()},
        manifest=manifest.path,
        calibration=calibration,
    )


def _remove_leftovers(folder: Path) -> None:
    """A killed or failed run's temporary files and inputs (the inputs are made anew)."""
    remove_temporary_files(folder)
    shutil.rmtree(folder / INPUTS_FOLDER, ignore_errors=True)


def _shared_inputs(pack: DataPack, config: ScorecardConfig) -> dict:
    """The fingerprints every document's inputs share: the pack's, the config's and the library's."""
    return {
        "pack": pack.fingerprint or content_fingerprint(pack.tables),
        "config": config_fingerprint(config),
        "amreview": {"version": amreview.__version__, "source": record.library_fingerprint()},
    }


def _team_stems(card: pd.DataFrame, selected: pd.DataFrame) -> dict[str, str]:
    """Manager → the file stem of their team overview, for the managers of the ``selected`` people
    (the stems made from every manager of the period's scorecard table ``card``)."""
    chosen_managers = set(selected["manager"].dropna())
    return {
        manager: stem
        for manager, stem in team_file_stems(card["manager"].dropna()).items()
        if manager in chosen_managers
    }


def _prepare_inputs(
    pack: DataPack, card: Scorecard, earlier_card: Scorecard | None, run: _Run, to_run: list[Planned]
) -> None:
    """Write the input of each document ``to_run`` under ``.inputs/`` and pass its folder to its notebook."""
    from amreview.batch.prepare import prepare_reviews

    prepared = prepare_reviews(
        pack,
        run.quarter,
        run.config,
        run.folder / INPUTS_FOLDER,
        am_ids=[p.subject for p in to_run if p.kind == "review"],
        managers=[p.subject for p in to_run if p.kind == "team_overview"],
        card=card,
        calibration=any(p.kind == "calibration" for p in to_run),
        previous=earlier_card,  # scored once, for the index's trends and the reviews
    )
    for plan in to_run:
        where = prepared.folder_of(plan.kind, plan.subject)
        plan.job = replace(plan.job, parameters={**plan.job.parameters, "data": str(where)})


def _run_info(run: _Run, data_arg: str, shared_inputs: dict) -> dict[str, object]:
    """The run's part of the manifest: the period, when it started, its sources, inputs and options."""
    return {
        "period": str(run.quarter),
        "started": run.started,
        "source": {
            "data": shown_source(data_arg),
            "config": run.config_arg or "packaged default",
            "review_notebook": str(Path(run.notebook).resolve()),
            "team_notebook": str(Path(run.team_notebook).resolve()),
        },
        "inputs": shared_inputs,
        "options": {
            "jobs": run.n_jobs,
            "executor": run.executor,
            "scheduler": run.scheduler and shown_source(run.scheduler),
            "pdf": run.pdf,
            "resume": run.resume,
            "timeout": run.timeout,
            "am_ids": list(run.am_ids),
            "managers": list(run.managers),
            "teams": list(run.teams),
        },
    }


class _RunManifest:
    """The run's record as its documents finish: the manifest (one entry per planned document),
    rewritten after each, and each review's key figures (``<stem>.json``)."""

    def __init__(
        self,
        run: _Run,
        info: dict[str, object],
        plans: list[Planned],
        previous: dict[str, dict],
        selected: pd.DataFrame,
    ):
        self.run, self.info = run, info
        self.path = run.folder / record.MANIFEST_NAME
        self.plans = {p.job.key: p for p in plans}
        self.entries = {p.job.key: manifest_entry(p, previous.get(p.job.key)) for p in plans}
        self.table = selected.set_index("am_id")
        self.cycles = {am_id: record.review_cycle(row) for am_id, row in self.table.to_dict("index").items()}

    def write(self, finished: bool = False) -> None:
        info = dict(self.info)
        if finished:
            info.update(finished=record.utc_now(), seconds=round(time.perf_counter() - self.run.clock, 1))
        record.write_json_atomic(self.path, record.manifest(info, list(self.entries.values()), self.cycles))

    def on_result(self, result: ReviewResult) -> None:
        """Record a document that finished. A review whose documents its folder could not take
        stops the run (an :class:`OutputError`: the next would meet the same folder)."""
        plan = self.plans[result.key]
        if plan.kind == "review":
            self._write_key_figures(plan, result)
        self.entries[result.key] = manifest_entry(plan, None, result)
        self.write()
        error = result.error
        if result.failed and error is not None and error.ename == OUTPUT_FAILURE:
            raise OutputError(
                f"{error.evalue}; the run stopped there (the documents finished so far "
                "are kept: run again with --resume once it is fixed)"
            )

    def _write_key_figures(self, plan: Planned, result: ReviewResult) -> None:
        if result.ok:
            record.write_json_atomic(
                plan.figures_path,
                record.key_figures(
                    self.table.loc[plan.subject].to_dict() | {"am_id": plan.subject},
                    list(self.run.config.measures),
                    list(self.run.config.benchmark_kpis),
                    plan.fingerprint,
                    plan.documents(),
                ),
            )
        else:  # an earlier run's figures must not pass for this run's
            with contextlib.suppress(OSError):  # a folder that became read-only: the manifest says
                plan.figures_path.unlink(missing_ok=True)


def _run_documents(run: _Run, plans: list[Planned], manifest: _RunManifest) -> dict[str, ReviewResult]:
    """Run the documents to run, each recorded as it finishes; the results of every planned
    document by key (``unchanged`` for those ``resume`` left). A finished document's input is removed."""
    manifest.write()
    make_folder(run.folder / LOGS_FOLDER)
    jobs = [p.job for p in plans if p.run]
    results = {r.key: r for r in _execute(jobs, run, run.folder / LOGS_FOLDER, manifest.on_result)}
    for plan in plans:
        if not plan.run:
            results[plan.job.key] = unchanged_result(plan, manifest.entries[plan.job.key])
        elif results[plan.job.key].ok:
            _remove_input(plan)
    _remove_if_empty(run.folder / INPUTS_FOLDER)
    manifest.write(finished=True)
    return results


def _execute(
    jobs: list[ReviewJob], run: _Run, log_dir: Path, on_result: Callable[[ReviewResult], None]
) -> list[ReviewResult]:
    cluster = run.cluster
    if cluster is not None:
        from amreview.batch.distributed import run_on_dask

        return run_on_dask(
            jobs, cluster, timeout=run.timeout, progress=run.progress, log_dir=log_dir, on_result=on_result
        )
    return run_reviews(
        jobs, n_jobs=run.n_jobs, timeout=run.timeout, progress=run.progress, log_dir=log_dir, on_result=on_result
    )


def _remove_input(plan: Planned) -> None:
    where = plan.job.parameters.get("data")
    if where and INPUTS_FOLDER in Path(where).parts:
        shutil.rmtree(where, ignore_errors=True)


def _remove_if_empty(folder: Path) -> None:
    """Remove ``folder`` and its sub-folders when no file is left in them (a failed review's
    input stays, and so do the folders above it)."""
    if not folder.is_dir():
        return
    for sub in sorted((p for p in folder.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):
            sub.rmdir()
    with contextlib.suppress(OSError):
        folder.rmdir()
