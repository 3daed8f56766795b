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
5. **Render per person** (:mod:`amreview.batch.execution`, or a Dask cluster with
   ``executor="dask"``): one fresh kernel per document, in parallel, each failure isolated.
   As each review finishes, its key figures (``<stem>.json``) and the manifest are written.
6. **Publish.** ``index.html``: the team overviews above a table of the reviews with headline
   figures (from the key-figures files), rating, status, start and duration. The inputs of
   reviews that succeeded are removed; a failed review keeps its input and executed notebook
   for inspection.

Everything is written atomically; a run killed at any moment leaves complete documents or
none, and ``resume`` completes it. Left-over temporary files of a killed run are removed at
the start of the next. A killed run leaves no process behind either: its workers, their kernel
templates and kernels die with it (:mod:`amreview.batch.execution`).

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
import os
import shutil
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

import amreview
from amreview.batch import manifest as record
from amreview.batch.execution import (OUTPUT_FAILURE, ReviewJob, ReviewResult, check_parameters, output_paths,
                                      run_reviews, write_index)
from amreview.scoring.config import ScorecardConfig, load_config
from amreview.data.datapack import content_fingerprint, load_pack, resolve_source
from amreview.errors import ArgumentError, OutputError, ParameterError
from amreview.filenames import TEAM_PREFIX, file_stems, path_inside
from amreview.files import TEMPORARY_FILE, make_folder, open_private, writable_folder
from amreview.batch.cycle import (CALIBRATION_NOTEBOOK, CALIBRATION_STEM, ORGANISATION, calibration_item,
                                  review_cells, wants_calibration)
from amreview.batch.kernels import resolve_mode
from amreview.periods import Quarter
from amreview.redaction import shown_source
from amreview.formats import attainment_pct, money, pct, score_text
from amreview.scoring.calibration import calibration_table
from amreview.scoring.config import config_fingerprint
from amreview.scoring.scorecard import build_scorecard

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
REVIEW_NOTEBOOK = NOTEBOOKS / "am_quarterly_review.ipynb"
TEAM_NOTEBOOK = NOTEBOOKS / "team_overview.ipynb"
INPUTS_FOLDER = ".inputs"  # review inputs, under <out>/<period>/
LOCK_FILE = ".lock"  # held by the run writing to <out>/<period>/
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
            return (sum(not r.failed for r in results),
                    sum(r.status == "unchanged" for r in results))

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
            what = (f"team overview of {self.managers[result.key]}" if result.key in self.managers
                    else "organisation calibration" if result is self.calibration else result.key)
            lines.append(f"FAILED {what}: {result.error}")
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Who is reviewed
# --------------------------------------------------------------------------------------------

def select_account_managers(card: pd.DataFrame, am_ids: Iterable[str] | None = None,
                            managers: Iterable[str] | None = None,
                            teams: Iterable[str] | None = None) -> pd.DataFrame:
    """The scorecard rows (``card``: the scorecard's table) of the people selected.

    ``am_ids``, ``managers`` (``account_managers.manager``) and ``teams`` each select people;
    given together, a person is selected when any of them selects them. None of them: everyone
    in role. A name that selects no one in role is an error that lists the known names.
    """
    am_ids, managers, teams = ([str(v) for v in values or ()] for values in (am_ids, managers, teams))
    if not (am_ids or managers or teams):
        return card
    period = card["period"].iloc[0] if len(card) else "the period"
    problems = []
    for wanted, column, what in ((am_ids, "am_id", "am_id"), (managers, "manager", "manager"),
                                 (teams, "team", "team")):
        known = set(card[column].dropna().astype(str))
        unknown = [w for w in wanted if w not in known]
        if unknown:
            listed = ", ".join(sorted(known)) if column != "am_id" else ""
            problems.append(f"no account manager in role in {period} with {what} {', '.join(unknown)}"
                            + (f" (known: {listed})" if listed else ""))
    if problems:
        raise ParameterError("; ".join(problems))
    chosen = card["am_id"].isin(am_ids) | card["manager"].isin(managers) | card["team"].isin(teams)
    return card[chosen]


def team_file_stems(managers: Iterable[str]) -> dict[str, str]:
    """Manager → the file stem of their team overview: ``team-`` and the manager's file stem
    (:func:`amreview.filenames.file_stems`: ``"Claire Whitfield"`` →
    ``team-claire-whitfield~<digest>``, ``"M07"`` → ``team-M07``)."""
    stems = file_stems(sorted({str(m) for m in managers}))
    return {manager: TEAM_PREFIX + stem for manager, stem in stems.items()}


# --------------------------------------------------------------------------------------------
# The plan: one entry per document, with its inputs' fingerprint
# --------------------------------------------------------------------------------------------

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
        return (entry is not None and entry.get("status") in ("ok", "unchanged")
                and entry.get("input_fingerprint") == self.fingerprint
                and all((folder / name).is_file() for name in self.documents().values()))


def _previous_entries(folder: Path) -> dict[str, dict]:
    previous = record.read_json(folder / record.MANIFEST_NAME)
    if not isinstance(previous, dict):
        return {}
    return {e.get("key"): e for e in previous.get("reviews", []) if isinstance(e, dict)}


def _plan(kind: str, subject: str, job: ReviewJob, shared_inputs: dict, parameters: dict) -> Planned:
    """``shared_inputs``: the run's fingerprints, the notebook's included."""
    inputs = {**shared_inputs, "parameters": parameters,
              "documents": ["html", "notebook"] + (["pdf"] if job.pdf else [])}
    return Planned(job=job, kind=kind, subject=subject, inputs=inputs, fingerprint=record.input_fingerprint(inputs))


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
    started, clock = record.utc_now(), time.perf_counter()
    config_arg = str(Path(config).resolve()) if config else ""
    scorecard_config = load_config(config_arg or None)
    quarter = Quarter.parse(period, scorecard_config.fiscal_year_start_month)  # before the pack is read
    check_notebooks(notebook, team_notebook if team_overviews else None, quarter, config_arg)
    folder = Path(out).resolve() / str(quarter)
    made = _missing_folders(folder)  # removed again if the run leaves them empty (a refused pack)
    folder = writable_folder(folder)  # else OutputError, before any work
    with _run_lock(folder, made):
        return _run_locked(resolve_source(data), quarter, folder, started, clock, config_arg, scorecard_config,
                           n_jobs=n_jobs, am_ids=am_ids, managers=managers, teams=teams, timeout=timeout,
                           progress=progress, notebook=notebook, pdf=pdf, team_notebook=team_notebook,
                           team_overviews=team_overviews, resume=resume, executor=executor, scheduler=scheduler)


def check_notebooks(notebook: Path, team_notebook: Path | None, quarter: Quarter, config_arg: str) -> None:
    """A :class:`ParameterError` unless the review notebook (and the team notebook, when given)
    declare the parameters the run passes them (:func:`_review_plans`, :func:`_team_plans`, and
    the ``data`` folder of the prepared input): checked before anything is read or written, since
    a notebook of one's own that does not fit would otherwise fail once the inputs are prepared."""
    common = {"period": str(quarter), "config": config_arg, "data": ""}
    check_parameters(Path(notebook), {"am_id": "", **common})
    if team_notebook is not None:
        check_parameters(Path(team_notebook), {"manager": "", **common})


@contextlib.contextmanager
def _run_lock(folder: Path, made: Sequence[Path] = ()):
    """Hold ``<folder>/.lock`` for the run: a second run on the same period's folder is refused
    (the two would overwrite each other's documents and manifest).

    The lock file lives as long as the run: when the run leaves, the file is removed (while
    still held), and so are the folders ``made`` for the run (deepest first) that it leaves
    empty, so a run refused before writing anything (a pack that breaks the contract, an
    unknown name) leaves nothing behind. A run that opened the lock file just before it was
    removed would hold a lock on a file no longer in the folder, and could run beside the next
    run: a lock counts only while the file locked is still the one at ``<folder>/.lock``
    (:func:`_take_lock`).
    """
    import fcntl

    path = folder / LOCK_FILE
    try:
        handle = _take_lock(path)
        try:
            yield
        finally:
            if _is_file_at(handle, path):  # removed before it is released: a later locker sees it gone
                path.unlink(missing_ok=True)
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()
    finally:
        for made_folder in made:
            with contextlib.suppress(OSError):  # not empty (or not ours any more): it stays
                made_folder.rmdir()


LOCK_ATTEMPTS = 5  # a lock file removed under us this many times in a row: another run is busy there


def _take_lock(path: Path):
    """The lock file ``path``, open and locked (exclusively, without waiting): the file at
    ``path`` once locked, tried again when the run that held it removed it meanwhile. A
    :class:`ParameterError` when another run holds it."""
    import fcntl

    refused = ParameterError(f"another amreview run is writing to {path.parent}; wait for it to finish")
    for _ in range(LOCK_ATTEMPTS):
        try:
            handle = open_private(path, "a")
        except OutputError as exc:
            if isinstance(exc.__cause__, FileNotFoundError):  # the folder went with a refused run's lock
                continue
            raise
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise refused from None
        if _is_file_at(handle, path):
            return handle
        handle.close()  # locked a removed file: its holder has finished; lock the one there now
    raise refused


def _is_file_at(handle, path: Path) -> bool:
    """Whether the open file ``handle`` is the file at ``path`` (not removed or replaced)."""
    try:
        there = path.stat()
    except FileNotFoundError:
        return False
    mine = os.fstat(handle.fileno())
    return (mine.st_dev, mine.st_ino) == (there.st_dev, there.st_ino)


def _missing_folders(folder: Path) -> list[Path]:
    """``folder`` and the folders above it that do not exist yet, the deepest first."""
    missing = []
    for path in (folder, *folder.parents):
        if path.exists():
            break
        missing.append(path)
    return missing


def _run_locked(data_arg: str, quarter: Quarter, folder: Path, started: str, clock: float, config_arg: str,
                scorecard_config: ScorecardConfig, *, n_jobs, am_ids, managers, teams, timeout, progress, notebook,
                pdf, team_notebook, team_overviews, resume, executor, scheduler) -> RunSummary:
    pack = load_pack(data_arg)  # validated whole: a broken pack stops the run here
    card = build_scorecard(pack, quarter, scorecard_config)
    selected = select_account_managers(card.table, am_ids, managers, teams)
    selected = selected.join(calibration_table(pack, card), on="am_id")  # status, agreed rating (issue 14)
    remove_temporary_files(folder)
    inputs_folder = folder / INPUTS_FOLDER
    shutil.rmtree(inputs_folder, ignore_errors=True)  # a killed or failed run's inputs: made anew below

    shared_inputs = {
        "pack": pack.fingerprint or content_fingerprint(pack.tables),
        "config": config_fingerprint(scorecard_config),
        "amreview": {"version": amreview.__version__, "source": record.library_fingerprint()},
    }
    # file names from every id of the period, so that a person's never depends on the selection
    review_stems = file_stems(card.table["am_id"])
    plans = _review_plans(selected, review_stems, quarter, notebook, folder, config_arg, pdf,
                          {**shared_inputs, "notebook": record.file_sha256(notebook)})
    chosen_managers = set(selected["manager"].dropna())
    stems = {manager: stem for manager, stem in team_file_stems(card.table["manager"].dropna()).items()
             if manager in chosen_managers} if team_overviews else {}
    if stems:
        plans += _team_plans(stems, quarter, team_notebook, folder, config_arg, pdf,
                             {**shared_inputs, "notebook": record.file_sha256(team_notebook)})
    if wants_calibration(not (am_ids or managers or teams), bool(stems), selected):
        plans.append(_calibration_plan(quarter, folder, config_arg, pdf,
                                       {**shared_inputs, "notebook": record.file_sha256(CALIBRATION_NOTEBOOK)}))
    previous = _previous_entries(folder)
    if resume:
        for plan in plans:
            plan.run = not plan.is_current(previous)
    to_run = [p for p in plans if p.run]

    if executor == "dask" and to_run:  # an unreachable cluster is said before the inputs are prepared
        from amreview.batch.distributed import check_scheduler

        check_scheduler(scheduler)
    from amreview.batch.prepare import prepare_reviews

    prepared = prepare_reviews(pack, quarter, scorecard_config, inputs_folder,
                               am_ids=[p.subject for p in to_run if p.kind == "review"],
                               managers=[p.subject for p in to_run if p.kind == "team_overview"], card=card,
                               calibration=any(p.kind == "calibration" for p in to_run))
    del pack  # the kernels read their inputs; the whole pack is not needed any more
    for plan in to_run:
        where = prepared.folder_of(plan.kind, plan.subject)
        plan.job = replace(plan.job, parameters={**plan.job.parameters, "data": str(where)})

    run_info = {
        "period": str(quarter),
        "started": started,
        "source": {"data": shown_source(data_arg), "config": config_arg or "packaged default",
                   "review_notebook": str(Path(notebook).resolve()),
                   "team_notebook": str(Path(team_notebook).resolve())},
        "inputs": shared_inputs,
        "options": {"jobs": n_jobs, "executor": executor, "scheduler": scheduler and shown_source(scheduler),
                    "pdf": pdf, "resume": resume,
                    "timeout": timeout, "am_ids": list(am_ids or ()), "managers": list(managers or ()),
                    "teams": list(teams or ())},
    }
    entries = {p.job.key: _entry(p, previous.get(p.job.key)) for p in plans}
    manifest_path = folder / record.MANIFEST_NAME

    def write_manifest(finished: bool = False) -> None:
        info = dict(run_info)
        if finished:
            info.update(finished=record.utc_now(), seconds=round(time.perf_counter() - clock, 1))
        record.write_json_atomic(manifest_path, record.manifest(info, list(entries.values()), cycles))

    by_key = {p.job.key: p for p in plans}
    table = selected.set_index("am_id")
    cycles = {am_id: record.review_cycle(row) for am_id, row in table.to_dict("index").items()}

    def on_result(result: ReviewResult) -> None:
        plan = by_key[result.key]
        if plan.kind == "review":
            if result.ok:
                documents = plan.documents()
                record.write_json_atomic(plan.figures_path, record.key_figures(
                    table.loc[plan.subject].to_dict() | {"am_id": plan.subject}, list(scorecard_config.measures),
                    list(scorecard_config.benchmark_kpis), plan.fingerprint, documents))
            else:  # an earlier run's figures must not pass for this run's
                with contextlib.suppress(OSError):  # a folder that became read-only: the manifest says
                    plan.figures_path.unlink(missing_ok=True)
        entries[result.key] = _entry(plan, None, result)
        write_manifest()
        if result.failed and result.error.ename == OUTPUT_FAILURE:
            raise OutputError(f"{result.error.evalue}; the run stopped there (the documents finished so far "
                              "are kept: run again with --resume once it is fixed)")

    write_manifest()
    make_folder(folder / LOGS_FOLDER)
    results = {}
    jobs = [p.job for p in to_run]
    for result in _execute(jobs, executor, scheduler, n_jobs, timeout, progress, folder / LOGS_FOLDER, on_result):
        results[result.key] = result
    for plan in plans:
        if not plan.run:
            results[plan.job.key] = _unchanged_result(plan, entries[plan.job.key])
        elif results[plan.job.key].ok:
            _remove_input(plan)
    _remove_if_empty(inputs_folder)
    write_manifest(finished=True)

    reviews = [results[p.job.key] for p in plans if p.kind == "review"]
    team_results = [results[p.job.key] for p in plans if p.kind == "team_overview"]
    calibration = next((results[p.job.key] for p in plans if p.kind == "calibration"), None)
    index = folder / "index.html"
    write_index(index, title=f"Quarterly reviews {quarter}", columns=INDEX_COLUMNS,
                rows=index_rows(selected, reviews, entries, folder, review_stems), numeric_columns=NUMERIC_COLUMNS,
                overviews=team_overview_items(card.table, stems, team_results,
                                              [r.label for r in scorecard_config.ratings])
                + ([calibration_item(calibration)] if calibration is not None else []),
                overviews_title="Team overviews")
    return RunSummary(period=str(quarter), folder=folder, results=reviews, index=index, team_results=team_results,
                      managers={stem: manager for manager, stem in stems.items()}, manifest=manifest_path,
                      calibration=calibration)


def _review_plans(selected: pd.DataFrame, stems: dict[str, str], quarter: Quarter, notebook: Path, folder: Path,
                  config_arg: str, pdf: bool, shared_inputs: dict) -> list[Planned]:
    """``stems``: am_id → file stem (:func:`amreview.filenames.file_stems`)."""
    plans = []
    for row in selected.itertuples(index=False):
        parameters = {"am_id": row.am_id, "period": str(quarter), "config": config_arg}
        job = ReviewJob(key=row.am_id, notebook=Path(notebook).resolve(), parameters=dict(parameters),
                        output_stem=path_inside(folder, stems[row.am_id]),
                        title=f"{row.name} — quarterly review {quarter}", pdf=pdf)
        plans.append(_plan("review", row.am_id, job, shared_inputs, {"am_id": row.am_id, "period": str(quarter)}))
    return plans


def _team_plans(stems: dict[str, str], quarter: Quarter, notebook: Path, folder: Path, config_arg: str, pdf: bool,
                shared_inputs: dict) -> list[Planned]:
    plans = []
    for manager, stem in stems.items():
        job = ReviewJob(key=stem, notebook=Path(notebook).resolve(),
                        parameters={"manager": manager, "period": str(quarter), "config": config_arg},
                        output_stem=path_inside(folder, stem), title=f"{manager} — team overview {quarter}",
                        pdf=pdf)
        plans.append(_plan("team_overview", manager, job, shared_inputs,
                           {"manager": manager, "period": str(quarter)}))
    return plans


def _calibration_plan(quarter: Quarter, folder: Path, config_arg: str, pdf: bool, shared_inputs: dict) -> Planned:
    """The organisation's calibration page: agreed against computed ratings per manager, for the
    people who calibrate across managers (:mod:`amreview.documents.calibration`)."""
    job = ReviewJob(key=CALIBRATION_STEM, notebook=CALIBRATION_NOTEBOOK.resolve(),
                    parameters={"period": str(quarter), "config": config_arg},
                    output_stem=path_inside(folder, CALIBRATION_STEM),
                    title=f"Organisation calibration {quarter}", pdf=pdf)
    return _plan("calibration", ORGANISATION, job, shared_inputs, {"period": str(quarter)})


def _execute(jobs: list[ReviewJob], executor: str, scheduler: str | None, n_jobs: int | None,
             timeout: float | None, progress: bool, log_dir: Path, on_result) -> list[ReviewResult]:
    if executor == "dask":
        from amreview.batch.distributed import run_on_dask

        return run_on_dask(jobs, scheduler, timeout=timeout, progress=progress, log_dir=log_dir, on_result=on_result)
    return run_reviews(jobs, n_jobs=n_jobs, timeout=timeout, progress=progress, log_dir=log_dir, on_result=on_result)


SUBJECT_KEYS = {"review": "am_id", "team_overview": "manager", "calibration": "scope"}


def _entry(plan: Planned, previous: dict | None, result: ReviewResult | None = None) -> dict:
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
        return {**entry, "status": "unchanged", "error": None, "started": previous.get("started"),
                "seconds": previous.get("seconds"), "outputs": previous.get("outputs") or _outputs(plan, None)}
    if result is None:
        return {**entry, "status": "running", "error": None, "started": None, "seconds": None, "outputs": {}}
    error = result.error
    return {**entry, "status": result.status,
            "error": None if error is None else {SUBJECT_KEYS[plan.kind]: plan.subject,
                                                 "cell": error.cell_index, "error": error.ename,
                                                 "message": error.evalue, "text": str(error)},
            "started": result.started, "seconds": round(result.seconds, 2),
            "outputs": _outputs(plan, result)}


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
        found["log"] = str(Path(log).resolve().relative_to(folder)) if Path(log).resolve().is_relative_to(folder) \
            else str(log)
    return found


def _unchanged_result(plan: Planned, entry: dict) -> ReviewResult:
    notebook, html, pdf = output_paths(plan.job.output_stem)
    return ReviewResult(key=plan.job.key, status="unchanged", html=html, notebook=notebook, error=None,
                        seconds=float(entry.get("seconds") or 0), pdf=pdf if plan.job.pdf else None,
                        started=entry.get("started"))


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


# --------------------------------------------------------------------------------------------
# The index
# --------------------------------------------------------------------------------------------

INDEX_COLUMNS = ["Account manager", "am_id", "Manager", "Team", "Revenue", "Gross margin", "GM %",
                 "GM attainment", "Overall score", "Rating", "Review status", "Agreed rating", "status",
                 "Started (UTC)", "Seconds"]
NUMERIC_COLUMNS = ["Revenue", "Gross margin", "GM %", "GM attainment", "Overall score", "Seconds"]


def index_rows(card: pd.DataFrame, results: list[ReviewResult], entries: dict[str, dict] | None = None,
               folder: Path | None = None, stems: dict[str, str] | None = None) -> list[dict]:
    """One index row per review: who, the headline figures and rating from the review's
    key-figures file (empty for a failed review), the status, start and duration (from the
    manifest ``entries``) and the links (``card``: rows of the scorecard's table; ``stems``:
    am_id → file stem, by default :func:`amreview.filenames.file_stems` of ``card``'s ids)."""
    by_key = {r.key: r for r in results}
    entries = entries or {}
    stems = stems if stems is not None else file_stems(card["am_id"])
    rows = []
    for row in card.itertuples(index=False):
        result = by_key[row.am_id]
        figures = {}
        if not result.failed and folder is not None:
            figures = record.read_json(path_inside(Path(folder), f"{stems[row.am_id]}.json")) or {}
        headline, overall = figures.get("figures", {}), figures.get("overall", {})
        entry = entries.get(row.am_id, {})
        rows.append({
            "Account manager": row.name,
            "am_id": row.am_id,
            "Manager": row.manager,
            "Team": "" if pd.isna(row.team) else row.team,
            "Revenue": money(headline.get("revenue")) if headline else "",
            "Gross margin": money(headline.get("gross_margin")) if headline else "",
            "GM %": pct(headline.get("gm_pct")) if headline else "",
            "GM attainment": attainment_pct(headline.get("gross_margin_attainment")) if headline else "",
            "Overall score": score_text(overall.get("score")) if overall else "",
            "Rating": (overall.get("rating") or "no rating") if overall else "",
            **review_cells(row._asdict()),
            "status": result.status,
            "Started (UTC)": _short_time(entry.get("started")),
            "Seconds": "" if entry.get("seconds") is None else f"{entry['seconds']:.1f}",
            "error": "" if result.error is None else str(result.error),
            "link": result.html,
            "pdf": result.pdf,
        })
    return rows


def _short_time(stamp: str | None) -> str:
    """``2026-11-27T08:10:43+00:00`` → ``27 Nov 08:10:43`` (UTC, as the manifest records it)."""
    if not stamp:
        return ""
    return pd.Timestamp(stamp).strftime("%d %b %H:%M:%S")


def team_overview_items(card: pd.DataFrame, stems: dict[str, str], results: list[ReviewResult],
                        rating_labels: list[str]) -> list[dict]:
    """One index entry per team overview: the manager, the team's size and ratings (in the
    order of ``rating_labels``), the links (``card``: the scorecard's table)."""
    by_key = {r.key: r for r in results}
    items = []
    for manager, stem in stems.items():
        result = by_key[stem]
        members = card[card["manager"] == manager]
        ratings = members["overall_rating"].value_counts()
        spread = ", ".join(f"{ratings[label]} {label}" for label in rating_labels if label in ratings.index)
        teams = ", ".join(sorted({str(t) for t in members["team"].dropna()}))
        detail = f"{len(members)} direct report{'s' if len(members) != 1 else ''}"
        detail += f" · {teams}" if teams else ""
        detail += f" · {spread}" if spread else ""
        items.append({
            "text": manager,
            "detail": detail,
            "status": result.status,
            "error": "" if result.error is None else str(result.error),
            "link": result.html,
            "pdf": result.pdf,
        })
    return items
