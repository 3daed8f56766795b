"""Run one review: a job's notebook executed by papermill in a fresh kernel, published as HTML.

This module knows jobs (:mod:`amreview.batch.jobs`: a template notebook, the parameters to
inject, where to write, a title) and nothing about sales. The flow of one review is

    check_parameters (amreview.batch.checks: every job, before any kernel starts)
      -> execute_review (papermill, one kernel per job)                  -> <stem>.ipynb
      -> notebook_to_html (amreview.batch.export: no code showing)       -> <stem>.html
      -> amreview.documents.pdf.html_to_pdf (Chromium or WeasyPrint; optional) -> <stem>.pdf

:func:`amreview.batch.pool.run_reviews` runs many of them on worker processes,
:func:`amreview.batch.distributed.run_on_dask` on a Dask cluster (both through
:func:`execute_in_worker`); :func:`amreview.batch.index.write_index` publishes a table of them.

Design decisions
----------------
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
* **PDF from the same HTML**, printed by this process's Chromium, started at its first PDF and
  kept open for every later one (~0.7 s of CPU a review; WeasyPrint, ~10 s, where no Chromium
  is installed: :mod:`amreview.documents.pdf`). A job that asks for a PDF fails when its PDF
  cannot be made; a job that does not
  ask for one removes a PDF left by an earlier run, so every document beside a review is this
  run's.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from amreview.batch.checks import check_parameters, check_stems, literal_path
from amreview.batch.export import INJECTED_TAG, notebook_to_html
from amreview.batch.jobs import ReviewJob, ReviewResult, output_paths
from amreview.batch.manifest import utc_now
from amreview.errors import OutputError, ReviewExecutionError
from amreview.files import (
    READ_ONLY,
    TEMPORARY_FILE,
    file_mode,
    is_output_failure,
    make_folder,
    open_private,
    output_error,
    temporary_sibling,
    write_text_atomic,
)

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
OUTPUT_FAILURE = "OutputError"  # a failed review's ``ename`` when its documents could not be written


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
    check_stems([job])
    return execute_checked(job, timeout, log_dir, resolve_mode(kernel_mode))


def execute_checked(
    job: ReviewJob, timeout: float | None, log_dir: Path | None = None, kernel_mode: str = "spawn"
) -> ReviewResult:
    """:func:`execute_review` of a job checked already (:func:`amreview.batch.checks.check_jobs`),
    in a resolved ``kernel_mode`` (``"fork"`` or ``"spawn"``)."""
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
            page = notebook_to_html(nb, job.title, base_dir=Path(job.notebook).resolve().parent, author=job.author)
            if job.pdf:
                from amreview.documents.pdf import html_to_pdf

                html_to_pdf(page, pdf, header=job.title)
            write_text_atomic(html, page)
    except Exception as exc:  # noqa: BLE001 - nbconvert, WeasyPrint, a full disk, ...: still one job's failure
        error = _execution_error(job, exc, None, log)
    finally:
        remove_if_possible(partial)
    if log is not None and error is not None:
        _append_log(log, f"failed: {error}\n")
    if error is not None:
        remove_if_possible(html)  # an old success must not pass for this run's output
    if error is not None or not job.pdf:
        remove_if_possible(pdf)  # nor an old PDF for this run's document
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


def remove_if_possible(path: Path) -> None:
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
def _worker_log(log: Path | None) -> Iterator[None]:
    """While a review runs, this process's papermill/jupyter_client messages go to its log file
    (not to the terminal); nothing changes without one."""
    if log is None:
        yield
        return
    handler = logging.FileHandler(log, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s: %(message)s"))
    saved: list[tuple[logging.Logger, bool, list[logging.Handler]]] = []
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
        literal_path(job.notebook),
        literal_path(output),
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
    if not isinstance(exc, OSError) or not is_output_failure(exc):
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


def execute_in_worker(
    job: ReviewJob, timeout: float | None, log_dir: Path | None = None, kernel_mode: str | None = None
) -> tuple[ReviewResult, tuple | None]:
    """Runs in a worker (a local one or a Dask one). The error's fields travel apart from the
    result, which then unpickles whatever the error class."""
    from amreview.batch.kernels import resolve_mode

    result = execute_checked(job, timeout, log_dir, resolve_mode(kernel_mode))
    error = result.error
    fields = None if error is None else tuple(getattr(error, f.name) for f in dataclasses.fields(error))
    return dataclasses.replace(result, error=None), fields
