"""Run many reviews at once on worker processes of our own: :func:`run_reviews`.

Each worker runs one job at a time through :func:`amreview.batch.execution.execute_in_worker`
(papermill, the HTML export, the atomic writes); :func:`amreview.batch.distributed.run_on_dask`
does the same on a Dask cluster, and shares this module's :class:`WorkerSettings`,
:func:`progress_bar` and :func:`gather_results`.

Design decisions
----------------
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
* **Failures are results.** One review's failure (a failing cell, a dead kernel or worker, a
  timeout) is a ``failed`` result and never stops the others; only the caller's
  ``on_result`` raising (e.g. the manifest cannot be written) or Ctrl-C stops the batch, and
  then the workers are killed with the reviews they hold.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from amreview.batch.checks import check_jobs
from amreview.batch.execution import execute_checked, execute_in_worker, remove_if_possible
from amreview.batch.jobs import ReviewJob, ReviewResult, output_paths
from amreview.errors import ArgumentError, ReviewExecutionError
from amreview.files import sharing

WORKER_DIED = "WorkerDied"  # a failed review's ``ename`` when its worker process died under it
WORKER_STOP_TIMEOUT = 10.0  # seconds for an idle worker to close its kernel template and exit


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
    own fresh kernel process (``kernel_mode``: see :func:`amreview.batch.execution.execute_review`). One failure never
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


def _run_sequential(
    jobs: Sequence[ReviewJob], settings: WorkerSettings, bar: Any, on_result: Callable[[ReviewResult], None] | None
) -> list[ReviewResult]:
    from amreview.batch.kernels import resolve_mode

    mode = resolve_mode(settings.kernel_mode)  # as execute_in_worker does: None is this process's default
    results: list[ReviewResult] = []
    for job in jobs:
        result = execute_checked(job, settings.timeout, settings.log_dir, mode)
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

        busy = [(w, w.job) for w in self.workers if w.job is not None]
        wait([w.connection for w, _ in busy] + [w.process.sentinel for w, _ in busy])
        done = []
        for worker, i in busy:
            outcome = self._outcome(worker)
            if outcome is None:
                continue
            worker.job = None
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

    from amreview.batch.kernels import die_with_parent, resolve_mode

    die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the batch's to handle: it stops us
    with contextlib.suppress(Exception):  # a missing engine fails each review, with its own error
        _import_engines(pdf, resolve_mode(settings.kernel_mode))
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
        remove_if_possible(path)

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
        result = results[i] = _collect(future, jobs[i])
        if on_result is not None:
            on_result(result)
        _advance(bar, results)
    return [r for r in results if r is not None]


def _import_engines(pdf: bool = False, kernel_mode: str = "spawn") -> None:
    """Import papermill and nbconvert (~2 s), and WeasyPrint for PDFs where it prints them
    (~0.4 s; Chromium starts at the worker's first PDF and serves every later one), once per
    worker, so ``seconds`` times reviews; in fork mode, start the kernel template now (its
    imports run meanwhile)."""
    if kernel_mode == "fork":
        from amreview.batch.kernels import template

        template().ensure_running()
    # Imported for the time they take, not for a name (F401), as the docstring says.
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401

    if pdf:
        from amreview.documents.pdf import pdf_engine

        if pdf_engine() == "weasyprint":
            import weasyprint  # noqa: F401


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
