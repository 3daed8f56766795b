"""Run one parameterised notebook per review, in parallel, and publish each as HTML.

This module is a generic batch executor: it knows jobs (a template notebook, the
parameters to inject, where to write, a title) and nothing about sales. The flow is

    check_parameters (every job, before any kernel starts)
      -> execute_review (papermill, one kernel per job)  -> <stem>.ipynb
      -> notebook_to_html (nbconvert, no code showing)   -> <stem>.html
      -> amreview.documents.pdf.html_to_pdf (WeasyPrint; optional) -> <stem>.pdf
    run_reviews runs execute_review over many jobs; write_index publishes a table of them.

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
* **Spawn, not fork, for workers.** Each review runs in a worker process started with the
  *spawn* start method. jupyter_client talks to kernels over ZMQ, whose contexts, sockets and
  background threads do not survive ``fork``; a forked worker can hang or crash at random.
  Spawn starts a clean interpreter, at the cost of importing papermill once per worker (not
  per job).
* **A dead worker fails its own review only.** The workers are ours (:class:`_WorkerPool`),
  not a ``ProcessPoolExecutor``'s, whose every pending job breaks when one worker dies: each
  worker holds one job at a time, so a worker killed (by the out-of-memory killer, say) fails
  the review it held (``WorkerDied``, "the worker process died") and a new worker takes the
  next job. The review is not rerun by itself: what killed its worker would likely kill the
  next one; ``--resume`` reruns it.
* **Nothing outlives the run.** Each worker gets the parent-death signal (``PR_SET_PDEATHSIG``,
  SIGKILL): when the batch's process dies, even by SIGKILL, its workers die, their kernel
  templates see their socket close and kill their kernels, which have the same signal set
  towards the template (:mod:`amreview.batch.kernels`). No process of a killed run goes on writing
  documents beside the ``--resume`` that follows it.
* **A fresh kernel process per review, forked.** Every review gets its own kernel, never
  reused: one person's variables must not reach the next person's review. Starting one the
  ordinary way costs an interpreter start and the pandas/matplotlib imports (~1.5 s of a
  ~2.3 s review), so by default each worker forks its kernels from a template process that
  imported all that once (:mod:`amreview.batch.kernels`; ``kernel_mode="spawn"`` or
  ``AMREVIEW_KERNEL=spawn`` for the ordinary launch, which is also used where forking is
  not available).
* **A deadline per review.** ``timeout`` covers the whole review, from kernel start to
  kernel shutdown (papermill and nbclient only time single cells, and a kernel that hangs in
  its shutdown or between cells is not a cell): a watchdog thread kills the kernel's process
  group at the deadline, and the review fails with a ``TimeoutError`` naming the cell that
  was running. A killed kernel is noticed by nbclient within seconds.
* **Quiet logs.** With ``log_dir``, each review's kernel output (its stdout/stderr, its
  warnings) and the worker's messages about it (papermill, jupyter_client) go to
  ``<log_dir>/<stem>.log`` (the name of the job's output stem: a key is never a file name),
  not to the terminal.
* **Atomic writes.** Every file is written to a temporary name in its final folder and then
  renamed with ``os.replace``, which is atomic on one file system: a reader (a person, the
  index, a resumed batch looking for finished reviews) sees the old file or the new one,
  never half of one. A failed review keeps its executed notebook (papermill marks the
  failing cell) and never has an HTML: a stale HTML of an earlier run is removed, so an old
  success cannot pass for this run's result.
* **Explicit working directory.** The kernel runs in the template notebook's folder, so
  relative paths inside notebooks mean the same thing whatever folder the batch was started
  from, and in every worker.
* **Failures are results.** ``execute_review`` turns a failing cell, a dead kernel, a
  timeout or any other exception into a ``failed`` :class:`ReviewResult` carrying a
  :class:`~amreview.errors.ReviewExecutionError`; one failure never stops the batch. Only a
  failed *kernel start* is retried (it is usually a transient port or load problem); a
  failing cell is deterministic and is not.
* **Self-contained HTML.** Images are inline (base64) and no script is fetched from another
  host: the lab template's require.js, MathJax, mermaid and widget loaders are left out.
  The price: LaTeX in markdown shows as source, and outputs that need JavaScript libraries
  (widgets, plotly) do not render; reviews use static images.
* **A document, not a notebook.** The JupyterLab stylesheet is replaced by
  ``templates/document.css``: a page that reads on a screen, on a phone (wide tables scroll
  inside their block, images shrink to fit) and on paper (A4, no table or chart cut across
  pages, headings kept with what follows, the title and page numbers on every page).
* **PDF from the same HTML**, in this process (WeasyPrint, ~0.5 s a document; no browser to
  start). A job that asks for a PDF fails when its PDF cannot be made; a job that does not
  ask for one removes a PDF left by an earlier run, so every document beside a review is this
  run's.
"""

from __future__ import annotations

import collections
import contextlib
import copy
import dataclasses
import functools
import importlib.resources
import logging
import math
import multiprocessing
import os
import re
import sys
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from amreview.batch.manifest import utc_now
from amreview.documents.pdf import css_string
from amreview.errors import ArgumentError, OutputError, ParameterError, ReviewExecutionError, shown
from amreview.files import (
    READ_ONLY,
    TEMPORARY_FILE,
    file_mode,
    is_output_failure,
    make_folder,
    open_private,
    output_error,
    sharing,
    temporary_sibling,
    write_text_atomic,
)

STYLE_BLOCK = re.compile(r"<style\b[^>]*>.*?</style>", re.S)  # see without_repeated_styles
KERNEL_NAME = "python3"
KERNEL_START_ATTEMPTS = 3  # a failed kernel start is retried twice
KERNEL_START_TIMEOUT = 60  # seconds
RETRY_PAUSE = 0.5  # seconds, times the attempt number
WORKER_LOGGERS = ("papermill", "traitlets", "nbclient", "jupyter_client")  # to a review's log file
# The kernel's own log goes to our stderr: a warning about unencrypted TCP (on localhost)
# at every start, and a "KeyboardInterrupt caught" when jupyter_client interrupts it before
# shutting it down. A hundred kernels of that drown the progress bar; what matters about a
# kernel (it died, it timed out, a cell failed) comes back as an exception anyway.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL"]
# With a log file per review, the kernel's warnings go there (a review's own file).
LOGGED_KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=WARN"]

INJECTED_TAG = "injected-parameters"  # papermill tags the cell it adds with this
ERROR_MARKER_TAG = "papermill-error-cell-tag"  # papermill's markers around a failing cell
REMOVED_CELL_TAGS = frozenset({INJECTED_TAG, ERROR_MARKER_TAG, "remove-cell"})
HIDDEN_OUTPUT_TAGS = frozenset({"remove-output"})
STRIPPED_CELL_METADATA = ("papermill", "execution")  # paths, timings, status
OUTPUT_FAILURE = "OutputError"  # a failed review's ``ename`` when its documents could not be written

PARAMETER_TYPES = "str, int, float, bool, None, or a list or dict of those"

# nbconvert's lab template minus every script it would fetch from a CDN and minus the lab's
# stylesheet, plus the document stylesheet: see templates/document.html.j2 and document.css.
DOCUMENT_TEMPLATE = "document.html.j2"
DOCUMENT_CSS = "document.css"


@dataclass(frozen=True)
class ReviewJob:
    """One notebook run: ``notebook`` executed with ``parameters``, written next to ``output_stem``.

    ``key`` names the review in results and errors (e.g. the account manager's id, always a
    ``str``). ``parameters`` go to papermill as they are, so ids must be ``str`` ("00123"
    stays "00123"). ``output_stem`` ``reports/2026Q3/AM001`` writes ``AM001.ipynb`` and
    ``AM001.html`` in ``reports/2026Q3``. ``title`` is the HTML ``<title>`` and the running
    header of printed pages (name it after the person and the period). ``pdf`` also writes
    ``AM001.pdf``.
    """

    key: str
    notebook: Path
    parameters: dict
    output_stem: Path
    title: str
    pdf: bool = False


@dataclass
class ReviewResult:
    """What became of one job.

    ``status`` is ``"ok"`` (``html`` and ``notebook`` written) or ``"failed"`` (``html`` is
    ``None``; ``notebook`` is the executed notebook with papermill's error marker, or ``None``
    when the kernel never ran; ``error`` says why). ``error.notebook`` is the template and
    ``error.cell_index`` counts the *template's* cells from 0, so it points at the cell to
    fix (the executed notebook has papermill's injected cell and markers in addition).
    ``seconds`` is the wall time of the review, retries included; ``started`` when it began
    (UTC, ISO 8601). ``pdf`` is the PDF when the job asked for one and the review succeeded,
    else ``None``. ``log`` is the review's log file (kernel output, warnings), or ``None``
    when the batch ran without ``log_dir``.
    """

    key: str
    status: str
    html: Path | None
    notebook: Path | None
    error: ReviewExecutionError | None
    seconds: float
    pdf: Path | None = None
    started: str | None = None
    log: Path | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def failed(self) -> bool:
        """Failed, as opposed to written now (``ok``) or kept from an earlier run (``unchanged``)."""
        return self.status == "failed"


# --------------------------------------------------------------------------- parameters


def check_parameters(notebook: Path, parameters: dict) -> None:
    """Raise :class:`ParameterError` unless ``parameters`` fit what ``notebook`` declares.

    Declared names are those of the notebook's cell tagged ``parameters`` (as papermill
    infers them). Every problem is reported at once:

    * a name the notebook does not declare (a typo would otherwise be ignored);
    * a missing name the notebook declares required (help comment starting with
      ``required``); other missing names fall back to the notebook's defaults;
    * a value that is not str, int, float, bool, None or a list/dict of those.
    """
    problems = parameter_problems(_declared_parameters(Path(notebook)), parameters)
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


def _declared_parameters(notebook: Path) -> dict[str, dict]:
    import papermill

    if not notebook.is_file():
        raise ParameterError(f"no notebook {notebook}")
    try:
        return papermill.inspect_notebook(_literal_path(notebook))
    except Exception as exc:  # noqa: BLE001 - not JSON, not a notebook, no kernel named: the file is the mistake
        raise ParameterError(
            f"{notebook} is not a notebook papermill can run: {type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}"
        ) from None


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


# --------------------------------------------------------------------------- one review


@dataclass
class _ExecutionProbe:
    """nbclient hooks: was the kernel ever ready, and which cell was running."""

    kernel_ready: bool = False
    cell_index: int | None = None  # in the executed notebook
    cell_running: bool = False  # cell_index started and has not replied yet
    injected: list[int] = field(default_factory=list)  # indices of papermill's injected cells
    kernel_manager: type | None = None  # papermill's kernel_manager_class (see amreview.batch.kernels)
    logged: bool = False  # the kernel's output goes to a log file
    notebook: Any = None  # the notebook being executed (its outputs so far)

    def on_notebook_start(self, notebook: Any = None, **_: Any) -> None:
        self.kernel_ready = True
        self.notebook = notebook

    def on_cell_start(self, cell: Any, cell_index: int, **_: Any) -> None:
        self.cell_index = cell_index
        self.cell_running = True
        if INJECTED_TAG in cell.get("metadata", {}).get("tags", []):
            self.injected.append(cell_index)

    def on_cell_executed(self, **_: Any) -> None:
        self.cell_running = False

    def template_index(self, executed_index: int | None) -> int | None:
        """The index in the template of the executed notebook's cell ``executed_index``."""
        if executed_index is None:
            return None
        return executed_index - sum(1 for i in self.injected if i < executed_index)


def execute_review(
    job: ReviewJob, timeout: float | None = 600, log_dir: Path | None = None, kernel_mode: str | None = None
) -> ReviewResult:
    """Check the job's parameters, run its notebook in this process and publish it.

    ``timeout`` is the review's deadline in seconds, from kernel start to kernel shutdown
    (``None``: none); at the deadline the kernel is killed and the review fails. ``log_dir``:
    the kernel's output goes to ``<log_dir>/<stem>.log``. ``kernel_mode``: ``"fork"``,
    ``"spawn"`` or ``"auto"`` (default: ``$AMREVIEW_KERNEL``, else auto; see
    :mod:`amreview.batch.kernels`). Raises :class:`ParameterError` before starting a kernel; every
    other failure becomes a ``failed`` result (see :class:`ReviewResult`).
    """
    from amreview.batch.kernels import resolve_mode

    check_parameters(job.notebook, job.parameters)
    _check_stems([job])
    return _execute_checked(job, timeout, log_dir, resolve_mode(kernel_mode))


def _execute_checked(
    job: ReviewJob, timeout: float | None, log_dir: Path | None = None, kernel_mode: str = "spawn"
) -> ReviewResult:
    started_at = utc_now()
    started = time.perf_counter()
    ipynb, html, pdf = output_paths(job.output_stem)
    log = None if log_dir is None else Path(log_dir) / f"{Path(job.output_stem).name}.log"
    partial = temporary_sibling(ipynb, ".partial.ipynb")  # papermill wants an .ipynb name
    try:
        make_folder(ipynb.parent)
        if log is not None:
            with open_private(log, "w") as handle:  # owner-only, as every output (amreview.files)
                handle.write(f"review {job.key}: {job.notebook}, started {started_at}, {kernel_mode} kernel\n")
        with _worker_log(log):
            nb, error = _run_notebook(job, partial, timeout, kernel_mode, log)
        _settle_notebook(partial, ipynb)
        if error is None:
            page = notebook_to_html(nb, job.title, base_dir=Path(job.notebook).resolve().parent)
            if job.pdf:
                from amreview.documents.pdf import html_to_pdf

                html_to_pdf(page, pdf, header=job.title)
            write_text_atomic(html, page)
    except Exception as exc:  # noqa: BLE001 - nbconvert, WeasyPrint, a full disk, ...: still one job's failure
        error = _execution_error(job, exc, None, log)
    finally:
        _remove(partial)
    if log is not None and error is not None:
        _append_log(log, f"failed: {error}\n")
    if error is not None:
        _remove(html)  # an old success must not pass for this run's output
    if error is not None or not job.pdf:
        _remove(pdf)  # nor an old PDF for this run's document
    return ReviewResult(
        key=job.key,
        status="ok" if error is None else "failed",
        html=html if error is None else None,
        notebook=ipynb if ipynb.exists() else None,
        error=error,
        seconds=time.perf_counter() - started,
        pdf=pdf if error is None and job.pdf else None,
        started=started_at,
        log=log if log is not None and log.exists() else None,
    )


def _remove(path: Path) -> None:
    """Remove ``path`` if it is there and can be; a folder that became read-only keeps it (the
    review is failed in the manifest and the index whatever its folder holds)."""
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def _append_log(log: Path, text: str) -> None:
    try:
        with log.open("a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError:
        pass


@contextlib.contextmanager
def _worker_log(log: Path | None):
    """While a review runs, this process's papermill/jupyter_client messages go to its log file
    (not to the terminal); nothing changes without one."""
    if log is None:
        yield
        return
    handler = logging.FileHandler(log, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s: %(message)s"))
    saved = []
    for name in WORKER_LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.propagate, list(logger.handlers)))
        logger.handlers = [handler]
        logger.propagate = False
    try:
        yield
    finally:
        for logger, propagate, handlers in saved:
            logger.handlers, logger.propagate = handlers, propagate
        handler.close()


def output_paths(stem: Path) -> tuple[Path, Path, Path]:
    """The notebook, HTML and PDF a job with this ``output_stem`` writes."""
    stem = Path(stem)  # not with_suffix: a stem may contain dots ("J.Smith")
    return tuple(stem.with_name(stem.name + suffix) for suffix in (".ipynb", ".html", ".pdf"))


class _Deadline:
    """A watchdog: ``seconds`` after entering, kill the kernel process(es) it watches.

    Kernels are registered by the kernel manager as they start (``watch``); one that starts
    after the deadline is killed at once. Safe across the watchdog thread and the review's.
    """

    def __init__(self, seconds: float | None):
        self.seconds = seconds
        self.expired = False
        self._lock = threading.Lock()
        self._processes: list[Any] = []
        self._finished = False
        self._timer: threading.Timer | None = None

    def __enter__(self) -> _Deadline:
        if self.seconds is not None:
            self._timer = threading.Timer(max(0.0, self.seconds), self._expire)
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *_: Any) -> None:
        with self._lock:
            self._finished = True
        if self._timer is not None:
            self._timer.cancel()

    def watch(self, process: Any) -> None:
        from amreview.batch.kernels import kill_process_group

        with self._lock:
            self._processes.append(process)
            if self.expired:
                kill_process_group(process)

    def _expire(self) -> None:
        from amreview.batch.kernels import kill_process_group

        with self._lock:
            if self._finished:
                return
            self.expired = True
            for process in self._processes:
                kill_process_group(process)


def _run_notebook(
    job: ReviewJob, output: Path, timeout: float | None, kernel_mode: str = "spawn", log: Path | None = None
) -> tuple[Any, ReviewExecutionError | None]:
    """Execute with papermill within the review's deadline, retrying a failed kernel start;
    (notebook, None) or (None, error)."""
    from amreview.batch.kernels import review_kernel_manager

    with _Deadline(timeout) as deadline:
        for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
            probe = _ExecutionProbe(
                kernel_manager=review_kernel_manager(kernel_mode, log, deadline.watch), logged=log is not None
            )
            try:
                nb = _papermill_execute(job, output, probe)
            except Exception as exc:  # noqa: BLE001 - a kernel start or a cell: retried or made the job's error
                _keep_partial_notebook(probe, output)
                if deadline.expired:
                    return None, _timeout_error(job, probe, timeout)
                if probe.kernel_ready or attempt == KERNEL_START_ATTEMPTS or _output_failure(job, exc, log):
                    return None, _execution_error(job, exc, probe, log)
                if log is not None:
                    _append_log(log, f"kernel start failed (attempt {attempt}): {type(exc).__name__}: {exc}\n")
                time.sleep(RETRY_PAUSE * attempt)
                continue
            if deadline.expired:  # finished, but only because its kernel was killed at the deadline
                return None, _timeout_error(job, probe, timeout)
            return nb, None
    raise AssertionError("unreachable")  # the loop always returns: a bug if reached


def _keep_partial_notebook(probe: _ExecutionProbe, output: Path) -> None:
    """Write the notebook as far as it ran when the run stopped without papermill writing it
    (a dead or killed kernel; a failing cell papermill writes itself), for inspection."""
    if probe.notebook is None or output.exists():
        return
    import nbformat

    try:
        nbformat.write(probe.notebook, str(output))
    except Exception:  # noqa: BLE001 - the review failed already; its error is what matters
        output.unlink(missing_ok=True)


def _timeout_error(job: ReviewJob, probe: _ExecutionProbe, timeout: float | None) -> ReviewExecutionError:
    if not probe.kernel_ready:
        cell, where = None, "while the kernel was starting"
    elif probe.cell_running:
        cell = probe.template_index(probe.cell_index)
        where = "while this cell was running"
    else:
        cell, where = None, "after the last cell ran, while the kernel was shutting down"
    return ReviewExecutionError(
        job.key,
        str(job.notebook),
        cell,
        "TimeoutError",
        f"the review took longer than {timeout:g} s (whole notebook, kernel start to "
        f"shutdown) and its kernel was killed {where}",
    )


def _papermill_execute(job: ReviewJob, output: Path, probe: _ExecutionProbe) -> Any:
    import papermill

    return papermill.execute_notebook(
        _literal_path(job.notebook),
        _literal_path(output),
        parameters=job.parameters,
        kernel_name=KERNEL_NAME,
        progress_bar=False,
        log_output=False,
        # Written once at the end (papermill otherwise rewrites the whole notebook twice a cell:
        # ~0.6 s a review); a run that stops early keeps what ran (_keep_partial_notebook).
        request_save_on_cell_execute=False,
        cwd=Path(job.notebook).resolve().parent,
        start_timeout=KERNEL_START_TIMEOUT,
        execution_timeout=None,  # the review's deadline (_Deadline) limits every cell too
        kernel_manager_class=probe.kernel_manager,  # passed through papermill to nbclient
        on_notebook_start=probe.on_notebook_start,  # nbclient hooks, passed through papermill
        on_cell_start=probe.on_cell_start,
        on_cell_executed=probe.on_cell_executed,
        extra_arguments=LOGGED_KERNEL_ARGUMENTS if probe.logged else KERNEL_ARGUMENTS,
    )


def _literal_path(path: Path) -> str:
    # papermill formats paths with the parameters (``"{am_id}.ipynb"``): escape braces.
    return str(path).replace("{", "{{").replace("}", "}}")


def _execution_error(
    job: ReviewJob, exc: Exception, probe: _ExecutionProbe | None, log: Path | None = None
) -> ReviewExecutionError:
    from papermill.exceptions import PapermillExecutionError

    failure = _output_failure(job, exc, log)
    if failure is not None:  # not the review's fault: its folder cannot take its documents
        return ReviewExecutionError(job.key, str(job.notebook), None, OUTPUT_FAILURE, str(failure))
    if isinstance(exc, PapermillExecutionError):
        cell = probe.template_index(exc.cell_index) if probe else exc.cell_index
        return ReviewExecutionError(job.key, str(job.notebook), cell, exc.ename, exc.evalue)
    cell = probe.template_index(probe.cell_index) if probe and probe.kernel_ready else None
    return ReviewExecutionError(job.key, str(job.notebook), cell, type(exc).__name__, str(exc))


def _output_failure(job: ReviewJob, exc: BaseException, log: Path | None) -> OutputError | None:
    """The :class:`~amreview.errors.OutputError` of ``exc`` when it says that the job's own
    outputs cannot be written: its folder or its log's folder is read-only, or a disk is full
    (:func:`amreview.files.is_output_failure`); else ``None`` (a failure of the review itself)."""
    if isinstance(exc, OutputError):
        return exc
    if not is_output_failure(exc):
        return None
    folders = [Path(job.output_stem).parent.absolute()] + ([Path(log).parent.absolute()] if log else [])
    named = Path(exc.filename).absolute() if getattr(exc, "filename", None) else None
    if exc.errno in READ_ONLY and not (named and any(named.is_relative_to(f) for f in folders)):
        return None  # permission refused elsewhere (a kernel's runtime folder, say): the review's own failure
    target = named if named is not None and not TEMPORARY_FILE.match(named.name) else output_paths(job.output_stem)[0]
    return output_error(exc, target)


def _settle_notebook(partial: Path, ipynb: Path) -> None:
    """Publish this run's executed notebook, failed or not; never leave an older one. It gets
    the mode of every output (papermill writes it with the umask's)."""
    try:
        if partial.exists():
            os.chmod(partial, file_mode())
            os.replace(partial, ipynb)
        else:
            ipynb.unlink(missing_ok=True)
    except OSError as exc:
        raise output_error(exc, ipynb) from exc


# --------------------------------------------------------------------------- many reviews


def run_reviews(
    jobs: list[ReviewJob],
    n_jobs: int | None = None,
    timeout: float | None = 600,
    progress: bool = True,
    log_dir: Path | None = None,
    on_result: Callable[[ReviewResult], None] | None = None,
    kernel_mode: str | None = None,
) -> list[ReviewResult]:
    """Run every job; return their results in the order of ``jobs``.

    Every job's parameters are checked first (:class:`ParameterError` lists every problem
    of every job, and no kernel starts). ``n_jobs`` reviews run at once (default: the number
    of CPUs); ``n_jobs=1`` runs them one after the other in this process. Each review has its
    own fresh kernel process (``kernel_mode``: see :func:`execute_review`). One failure never
    stops the others. ``timeout`` is each review's deadline in seconds, kernel start to
    shutdown. ``log_dir`` gets one ``<stem>.log`` per review (kernel output, warnings).
    ``on_result(result)`` is called in this process as each review finishes (in the order
    they finish). ``progress`` shows one progress bar on stderr: reviews done, failed, rate
    and time left.
    """
    from amreview.batch.kernels import resolve_mode

    jobs = list(jobs)
    workers = (os.cpu_count() or 1) if n_jobs is None else n_jobs
    if workers < 1:
        raise ArgumentError(f"n_jobs must be at least 1, got {n_jobs}")
    mode = resolve_mode(kernel_mode)
    check_jobs(jobs)
    if not jobs:
        return []
    settings = WorkerSettings(timeout, None if log_dir is None else Path(log_dir).absolute(), mode)
    with progress_bar(len(jobs), progress) as bar:
        if workers == 1:
            return _run_sequential(jobs, settings, bar, on_result)
        return _run_parallel(jobs, min(workers, len(jobs)), settings, bar, on_result)


@dataclass(frozen=True)
class WorkerSettings:
    """How every review of a batch runs (picklable, for the workers). ``kernel_mode`` None: the
    worker's own default (:func:`amreview.batch.kernels.resolve_mode`)."""

    timeout: float | None
    log_dir: Path | None
    kernel_mode: str | None
    sharing: str = field(default_factory=sharing)  # the outputs' modes (amreview.files), as this process has them


def progress_bar(total: int, progress: bool) -> Any:
    """The batch's progress bar (on stderr, counting failures; silent unless ``progress``)."""
    from tqdm import tqdm

    bar = tqdm(total=total, desc="reviews", unit="review", file=sys.stderr, disable=not progress)
    bar.set_postfix(failed=0)
    return bar


def _check_stems(jobs: Sequence[ReviewJob]) -> None:
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
    _check_stems(jobs)
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
                declared[notebook] = _declared_parameters(notebook)
        except ParameterError as exc:
            problems.append(f"{job.key}: {exc}")
            continue
        problems += [f"{job.key}: {p}" for p in parameter_problems(declared[notebook], job.parameters)]
    if problems:
        raise ParameterError("parameters do not fit the notebooks:\n  " + "\n  ".join(problems))


def _run_sequential(
    jobs: Sequence[ReviewJob], settings: WorkerSettings, bar: Any, on_result: Callable[[ReviewResult], None] | None
) -> list[ReviewResult]:
    results = []
    for job in jobs:
        result = _execute_checked(job, settings.timeout, settings.log_dir, settings.kernel_mode)
        results.append(result)
        if on_result is not None:
            on_result(result)
        _advance(bar, results)
    return results


def _run_parallel(
    jobs: Sequence[ReviewJob],
    workers: int,
    settings: WorkerSettings,
    bar: Any,
    on_result: Callable[[ReviewResult], None] | None,
) -> list[ReviewResult]:
    """Run ``jobs`` on ``workers`` worker processes, one job at a time each (see the module
    docstring: a worker that dies fails the one review it held; the others go on, and a new
    worker takes its place). When the batch stops early (Ctrl-C, or ``on_result`` raises, e.g.
    because the manifest cannot be written) the workers are killed with the reviews they hold:
    nothing more is written."""
    pool = _WorkerPool(workers, any(job.pdf for job in jobs), settings)
    results: list[ReviewResult | None] = [None] * len(jobs)
    waiting = collections.deque(range(len(jobs)))
    try:
        while waiting or pool.busy():
            while waiting and pool.can_take():
                pool.give(waiting.popleft(), jobs)
            for i, result in pool.finished(jobs):
                results[i] = result
                if on_result is not None:
                    on_result(result)
                _advance(bar, results)
    finally:
        pool.close()
    return [r for r in results if r is not None]


WORKER_DIED = "WorkerDied"  # a failed review's ``ename`` when its worker process died under it
WORKER_STOP_TIMEOUT = 10.0  # seconds for an idle worker to close its kernel template and exit


@dataclass
class _Worker:
    process: Any  # multiprocessing's Process (spawn)
    connection: Any  # our end of a duplex pipe to it
    job: int | None = None  # the position of the job it holds


class _WorkerPool:
    """Spawned worker processes that each run one job at a time, for :func:`_run_parallel`.

    Unlike ``ProcessPoolExecutor``, whose every pending future breaks when one worker dies,
    this pool knows which job each worker holds: a dead worker fails that job only
    (:data:`WORKER_DIED`), and is replaced while jobs wait. Each worker dies with this process
    (``PR_SET_PDEATHSIG``), and its kernel template and kernels with it
    (:mod:`amreview.batch.kernels`): a run killed outright leaves no process writing behind it.
    """

    def __init__(self, size: int, pdf: bool, settings: WorkerSettings):
        self.size, self.pdf, self.settings = size, pdf, settings
        self.context = multiprocessing.get_context("spawn")  # ZMQ is not fork-safe
        self.workers: list[_Worker] = []

    def busy(self) -> bool:
        return any(w.job is not None for w in self.workers)

    def can_take(self) -> bool:
        return len(self.workers) < self.size or any(w.job is None for w in self.workers)

    def give(self, i: int, jobs: Sequence[ReviewJob]) -> None:
        worker = next((w for w in self.workers if w.job is None), None) or self._start()
        worker.job = i
        with contextlib.suppress(OSError):  # it died before taking the job: finished() reports the job failed
            worker.connection.send(jobs[i])

    def finished(self, jobs: Sequence[ReviewJob]) -> list[tuple[int, ReviewResult]]:
        """Wait until at least one busy worker finished its job or died; their results."""
        from multiprocessing.connection import wait

        busy = [w for w in self.workers if w.job is not None]
        wait([w.connection for w in busy] + [w.process.sentinel for w in busy])
        done = []
        for worker in busy:
            outcome = self._outcome(worker)
            if outcome is None:
                continue
            i, worker.job = worker.job, None
            if outcome == "died":
                self._forget(worker)
                done.append((i, _died(jobs[i], worker.process.exitcode)))
            else:
                done.append((i, _from_worker(outcome, jobs[i])))
        return done

    def close(self) -> None:
        """Stop every worker: an idle one is asked to exit (it closes its kernel template), a
        busy one is killed (its template and kernels go with it)."""
        for worker in self.workers:
            if worker.job is None:
                with contextlib.suppress(OSError):
                    worker.connection.send(None)
            else:
                worker.process.kill()
        deadline = time.monotonic() + WORKER_STOP_TIMEOUT
        for worker in self.workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.exitcode is None:
                worker.process.kill()
                worker.process.join()
            worker.connection.close()
        self.workers = []

    def _start(self) -> _Worker:
        ours, theirs = self.context.Pipe(duplex=True)
        process = self.context.Process(
            target=_worker_main, name="amreview-worker", args=(theirs, os.getpid(), self.pdf, self.settings)
        )
        process.start()  # from this thread, which outlives it (the parent-death signal is per thread)
        theirs.close()
        worker = _Worker(process, ours)
        self.workers.append(worker)
        return worker

    def _outcome(self, worker: _Worker) -> Any:
        """The worker's answer, ``"died"``, or ``None`` while it is still working."""
        try:
            if worker.connection.poll():
                return worker.connection.recv()
        except (EOFError, OSError):
            return "died"
        if worker.process.exitcode is not None:
            return "died"
        return None

    def _forget(self, worker: _Worker) -> None:
        worker.process.join()
        worker.connection.close()
        self.workers.remove(worker)


def _worker_main(connection: Any, parent_pid: int, pdf: bool, settings: WorkerSettings) -> None:
    """A worker process: die with the batch's process, import the engines, then run each job
    received and send back what :func:`execute_in_worker` returns (``None``: exit)."""
    import signal

    from amreview.batch.kernels import die_with_parent

    die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the batch's to handle: it stops us
    with contextlib.suppress(Exception):  # a missing engine fails each review, with its own error
        _import_engines(pdf, settings.kernel_mode)
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            outcome = execute_in_worker(job, settings.timeout, settings.log_dir, settings.kernel_mode)
            connection.send(outcome)
        except Exception as exc:  # noqa: BLE001 - sent back as the job's failure
            connection.send((type(exc).__name__, str(exc)))


def _from_worker(outcome: tuple, job: ReviewJob) -> ReviewResult:
    """The result a worker sent: ``(result, error fields)``, or ``(error name, message)`` when
    the job raised in the worker or its result could not be sent."""
    first, second = outcome
    if isinstance(first, ReviewResult):
        return dataclasses.replace(first, error=None if second is None else ReviewExecutionError(*second))
    error = ReviewExecutionError(job.key, str(job.notebook), None, first, second)
    return ReviewResult(job.key, "failed", None, None, error, 0.0)


def _died(job: ReviewJob, exitcode: int | None) -> ReviewResult:
    """The failed result of a job whose worker process died under it; its documents of an
    earlier run are removed, as a failed review's are (they must not pass for this run's)."""
    import signal

    for path in output_paths(job.output_stem):
        _remove(path)

    how = (
        f"killed by {signal.Signals(-exitcode).name}"
        if exitcode is not None and exitcode < 0 and -exitcode in signal.valid_signals()
        else f"exit code {exitcode}"
    )
    error = ReviewExecutionError(
        job.key,
        str(job.notebook),
        None,
        WORKER_DIED,
        f"the worker process died ({how}) while it ran this review; the other "
        "reviews went on. Run it again (--resume); if it dies again, look at "
        "its log and at the machine's memory",
    )
    return ReviewResult(job.key, "failed", None, None, error, 0.0)


def gather_results(
    completed: Iterable[Any],
    index_of: Callable[[Any], int],
    jobs: Sequence[ReviewJob],
    bar: Any,
    on_result: Callable[[ReviewResult], None] | None,
) -> list[ReviewResult]:
    """The results of a Dask cluster's futures as they complete (``index_of``: a future's job
    position), in job order: each collected (a lost task is a failed review), passed to
    ``on_result`` and counted on ``bar`` (local workers: :func:`_run_parallel`)."""
    results: list[ReviewResult | None] = [None] * len(jobs)
    for future in completed:
        i = index_of(future)
        results[i] = _collect(future, jobs[i])
        if on_result is not None:
            on_result(results[i])
        _advance(bar, results)
    return [r for r in results if r is not None]


def _import_engines(pdf: bool = False, kernel_mode: str = "spawn") -> None:
    """Import papermill and nbconvert (~2 s), and WeasyPrint for PDFs (~0.4 s), once per
    worker, so ``seconds`` times reviews; in fork mode, start the kernel template now (its
    imports run meanwhile)."""
    if kernel_mode == "fork":
        from amreview.batch.kernels import template

        template().ensure_running()
    # Imported for the time they take, not for a name (F401), as the docstring says.
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401

    if pdf:
        import weasyprint  # noqa: F401


def execute_in_worker(
    job: ReviewJob, timeout: float | None, log_dir: Path | None = None, kernel_mode: str | None = None
) -> tuple[ReviewResult, tuple | None]:
    """Runs in a worker (a local one or a Dask one). The error's fields travel apart from the
    result, which then unpickles whatever the error class."""
    from amreview.batch.kernels import resolve_mode

    result = _execute_checked(job, timeout, log_dir, resolve_mode(kernel_mode))
    error = result.error
    fields = None if error is None else tuple(getattr(error, f.name) for f in dataclasses.fields(error))
    return dataclasses.replace(result, error=None), fields


def _collect(future: Future, job: ReviewJob) -> ReviewResult:
    try:
        result, fields = future.result()
    except Exception as exc:  # noqa: BLE001 - a Dask task lost (KilledWorker), cancelled, or its result lost
        error = ReviewExecutionError(job.key, str(job.notebook), None, type(exc).__name__, str(exc))
        return ReviewResult(job.key, "failed", None, None, error, 0.0)
    return dataclasses.replace(result, error=None if fields is None else ReviewExecutionError(*fields))


def _advance(bar: Any, results: Sequence[ReviewResult | None]) -> None:
    bar.set_postfix(failed=sum(r is not None and r.failed for r in results), refresh=False)
    bar.update(1)


# --------------------------------------------------------------------------- HTML


def notebook_to_html(nb: Any, title: str, base_dir: Path | None = None) -> str:
    """A self-contained HTML document of an executed notebook, with no code showing.

    Shows outputs and markdown only: code, prompts, papermill's injected-parameters cell and
    error markers, cells tagged ``remove-cell`` and outputs of cells tagged ``remove-output``
    are left out, and papermill's metadata (paths, parameters, timings) is stripped. Output
    images are inline already; images that markdown cells link to are inlined when found in
    ``base_dir`` (the template's folder; never the process's current directory). ``nb`` is
    not modified. The page is styled by ``templates/document.css`` (screen, phone, print)
    and ``title`` is both its ``<title>`` and the running header of its printed pages.
    """
    nb = _strip_run_metadata(copy.deepcopy(nb))
    nb.metadata["title"] = title  # the lab template prefers it to resources' name
    exporter = _html_exporter(embed_images=base_dir is not None)
    resources = {
        "metadata": {"name": title, "path": str(base_dir) if base_dir else ""},
        "amreview": {"css": _template_text(DOCUMENT_CSS), "running_header": css_string(title)},
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return without_repeated_styles(body)


@functools.cache
def _html_exporter(embed_images: bool) -> Any:
    """The document exporter, made once per process: building it compiles the Jinja templates
    (~0.1 s), and it keeps no state between notebooks."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = set(REMOVED_CELL_TAGS)
    config.TagRemovePreprocessor.remove_all_outputs_tags = set(HIDDEN_OUTPUT_TAGS)
    return HTMLExporter(
        config=config,
        template_name="lab",
        raw_template=_template_text(DOCUMENT_TEMPLATE),
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=embed_images,
    )


def without_repeated_styles(html: str) -> str:
    """``html`` with every ``<style>`` block that repeats an earlier one removed.

    A library object displayed in a notebook carries its stylesheet so that it looks right on
    its own; a document of a dozen such outputs would carry it a dozen times, and each copy
    costs the PDF renderer a full restyle of the document.
    """
    seen: set[str] = set()

    def keep_first(match: re.Match) -> str:
        block = match.group(0)
        if block in seen:
            return ""
        seen.add(block)
        return block

    return STYLE_BLOCK.sub(keep_first, html)


@functools.cache
def _template_text(name: str) -> str:
    return (importlib.resources.files("amreview.batch") / "templates" / name).read_text(encoding="utf-8")


def _strip_run_metadata(nb: Any) -> Any:
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        for key in STRIPPED_CELL_METADATA:
            cell.metadata.pop(key, None)
    return nb


# --------------------------------------------------------------------------- index


def result_row(result: ReviewResult) -> dict[str, object]:
    """The index row of a result: ``key``, ``status``, ``seconds``, and the reserved
    ``link``/``pdf``/``error``.

    Merge it with the business columns of the review: ``{**result_row(r), "name": ...}``.
    """
    return {
        "key": result.key,
        "status": result.status,
        "seconds": round(result.seconds, 1),
        "link": None if result.html is None else Path(result.html).absolute(),
        "pdf": None if result.pdf is None else Path(result.pdf).absolute(),
        "error": "" if result.error is None else str(result.error),
    }


def write_index(
    path: Path,
    title: str,
    columns: Sequence[str],
    rows: Iterable[Mapping[str, object]],
    link_column: str | None = None,
    numeric_columns: Sequence[str] = (),
    overviews: Iterable[Mapping[str, object]] = (),
    overviews_title: str = "Overviews",
) -> None:
    """Write an HTML index page of reviews to ``path`` (atomically).

    A table with one column per name in ``columns`` and one row per mapping in ``rows``
    (a missing value, None or NaN shows as an empty cell; numbers, and the values of
    ``numeric_columns``, are right-aligned). Three row keys are reserved and are not columns:

    * ``link`` — the review's HTML: an absolute path, or a path relative to the index's
      folder (never to the current directory). The row's ``link_column`` cell (default:
      the first column) links to it by a relative href. No link when missing or None.
    * ``pdf`` — the review's PDF, the same way; when any row has one, a last column "PDF"
      links to each.
    * ``error`` — the error text, shown under the status of a failed row.

    A ``status`` column shows ``ok``/``failed`` as a coloured label; failed rows are
    highlighted. ``overviews`` (e.g. one team overview per manager) are listed above the
    table under ``overviews_title``: mappings with ``text``, ``detail`` (a line under it),
    ``status``, and the reserved ``link``, ``pdf`` and ``error``. Every value is
    HTML-escaped. The page loads nothing from elsewhere.
    """
    import jinja2

    path = Path(path)
    link_column = link_column or (columns[0] if columns else None)
    if link_column is not None and link_column not in columns:
        raise ArgumentError(f"link_column {link_column!r} is not one of the columns {list(columns)}")
    rows = list(rows)
    table = [_index_row(row, columns, link_column, set(numeric_columns), path.parent) for row in rows]
    listed = [_overview(item, path.parent) for item in overviews]
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("amreview.batch", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    html = env.get_template("index.html.j2").render(
        title=title,
        columns=list(columns),
        rows=table,
        pdf_column=any(r["pdf"] for r in table),
        n_ok=sum(r["status"] == "ok" for r in table),
        n_failed=sum(r["status"] == "failed" for r in table),
        n_unchanged=sum(r["status"] == "unchanged" for r in table),
        overviews=listed,
        overviews_title=overviews_title,
    )
    write_text_atomic(path, html)


def _index_row(
    row: Mapping[str, object],
    columns: Sequence[str],
    link_column: str | None,
    numeric_columns: set[str],
    index_dir: Path,
) -> dict:
    href = _href(row.get("link"), index_dir)
    cells = [
        {
            "text": _display(row.get(column)),
            "href": href if column == link_column else None,
            "numeric": column in numeric_columns
            or (isinstance(row.get(column), (int, float)) and not isinstance(row.get(column), bool)),
            "is_status": column == "status",
        }
        for column in columns
    ]
    return {
        "cells": cells,
        "status": str(row.get("status", "")),
        "error": str(row.get("error") or ""),
        "pdf": _href(row.get("pdf"), index_dir),
    }


def _overview(item: Mapping[str, object], index_dir: Path) -> dict:
    return {
        "text": _display(item.get("text")),
        "detail": _display(item.get("detail")),
        "status": _display(item.get("status")),
        "error": str(item.get("error") or ""),
        "href": _href(item.get("link"), index_dir),
        "pdf": _href(item.get("pdf"), index_dir),
    }


def _href(link: object, index_dir: Path) -> str | None:
    return _relative_href(Path(link), index_dir) if link else None


def _display(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _relative_href(target: Path, index_dir: Path) -> str:
    if target.is_absolute():
        target = Path(os.path.relpath(target.resolve(), Path(index_dir).resolve()))
    return urllib.parse.quote(target.as_posix())
