"""Run review jobs on an existing Dask distributed cluster (``--executor dask``).

:func:`run_on_dask` is the cluster counterpart of :func:`amreview.batch.pool.run_reviews`: the same
jobs, checked the same way, each executed by the same worker function
(:func:`amreview.batch.execution.execute_in_worker`: papermill, nbconvert, the atomic writes), but on the
workers of a Dask scheduler instead of local processes. Only the per-review jobs run there;
preparing the run (validating the pack, the scorecard, the index) stays on the submitting machine.

What the cluster must share with the submitting machine
-------------------------------------------------------
* **The same paths.** A job names files by path, and the worker opens them as named: the
  notebooks, the output folder and the log folder must be on a shared filesystem mounted at
  the same path on every machine. Relative paths of a job (``notebook``, ``output_stem``) and
  the log folder are made absolute here, against this process's working directory (a worker
  has its own); paths inside ``parameters`` are passed as they are, so give them absolute
  (the runner does).
* **The pack.** With ``amreview run``, each notebook reads its *prepared input* (written by
  the submitting machine under the output folder), not the pack: the pack itself is read on the
  submitting machine only. Jobs of your own that name a pack in their parameters need it where
  every worker can read it (a shared folder, or a SQL database; a password in ``PGPASSWORD`` or
  ``~/.pgpass`` on the workers).
* **The software.** Workers unpickle the job function by reference: they need amreview (the
  same version), papermill, nbconvert and a ``python3`` Jupyter kernel — e.g. the same virtual
  environment on the shared filesystem.

Design decisions
----------------
* **One review at a time per worker process.** papermill changes the *process's* working
  directory while a notebook runs, so two reviews in two threads of one worker would race.
  A process-wide lock serialises reviews within a worker; start workers with
  ``--nthreads 1`` and scale with ``--nworkers`` (more threads only wait on the lock).
* **Every job is its own task** (``pure=False``): two equal jobs are two reviews, never
  deduplicated by Dask.
* **Retries.** A failing review (a cell error, a timeout, a dead kernel) comes back as a
  ``failed`` result, not as a task error, so it is never retried: a failing cell is
  deterministic. A task error therefore means the worker could not run the job at all
  (e.g. amreview missing there) and is not retried either (``retries=0``). A *worker* lost
  mid-review (killed, out of memory, its machine gone) is another matter: the scheduler reruns
  the task on another worker, up to ``distributed.scheduler.allowed-failures`` times (Dask's
  default: 3, i.e. at most 4 attempts; it is the scheduler's setting, e.g.
  ``DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES=1 dask scheduler``), then gives up with
  ``KilledWorker``. A rerun is safe: every document is written atomically. (Dask counts the
  death against every task the worker held, waiting ones included: one more reason for
  one-thread workers.)
* **Failures are results.** A task that ends in an error (``KilledWorker``, a cancelled task,
  a result that cannot travel back) becomes a ``failed`` :class:`ReviewResult` for its job;
  the batch always runs to the end.
* **A clear error** (:class:`~amreview.errors.ClusterError`) when ``distributed`` is not
  installed, the scheduler cannot be reached within ``connect_timeout`` or has no worker.
"""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from amreview.batch.checks import check_jobs
from amreview.batch.execution import execute_in_worker
from amreview.batch.jobs import ReviewJob, ReviewResult
from amreview.batch.pool import WorkerSettings, gather_results, progress_bar
from amreview.errors import ClusterError

CONNECT_TIMEOUT = 10.0  # seconds to reach the scheduler, and then to see at least one worker
INSTALL_HINT = "pip install 'amreview[cluster]'"

_ONE_REVIEW_AT_A_TIME = threading.Lock()  # per worker process: papermill's chdir is process-wide


def run_on_dask(
    jobs: list[ReviewJob],
    scheduler: str,
    timeout: float | None = 600,
    progress: bool = True,
    log_dir: Path | None = None,
    on_result: Callable[[ReviewResult], None] | None = None,
    *,
    bar: Any = None,
    kernel_mode: str | None = None,
    connect_timeout: float = CONNECT_TIMEOUT,
) -> list[ReviewResult]:
    """Run every job on the Dask cluster of ``scheduler``; return results in the order of ``jobs``.

    The cluster counterpart of :func:`amreview.batch.pool.run_reviews`, with the same arguments
    where they apply. ``scheduler`` is the scheduler's address (``tcp://HOST:8786``). The
    notebooks, the output folder and ``log_dir`` must be on a filesystem every worker sees at
    the same paths, and the pack on it or in a SQL database the workers reach (see the
    module's docstring); relative job paths and ``log_dir`` are made absolute against this
    process's working directory first. Parameters are checked here, before anything is
    submitted (:class:`~amreview.errors.ParameterError`). ``timeout`` is each review's deadline
    as in a local run; ``kernel_mode`` (default: each worker's ``AMREVIEW_KERNEL`` or auto) how
    its kernels start. ``on_result(result)`` is called in this process as each review finishes.
    ``progress`` shows one progress bar on stderr (reviews done, failed, rate, time left); or
    pass ``bar``, a tqdm bar of your own, advanced once per review. One job's failure,
    including its worker dying, is a ``failed`` result; it never stops the others. Raises
    :class:`~amreview.errors.ClusterError` when ``distributed`` is not installed, or the
    scheduler cannot be reached or shows no worker within ``connect_timeout`` seconds.
    """
    jobs = [_absolute(job) for job in jobs]
    check_jobs(jobs)
    if not jobs:
        return []
    distributed = _import_distributed()
    settings = WorkerSettings(timeout, None if log_dir is None else Path(log_dir).absolute(), kernel_mode)
    client = _connect(distributed, scheduler, connect_timeout)
    try:
        if bar is not None:
            return _run(client, distributed, jobs, settings, bar, on_result)
        with progress_bar(len(jobs), progress) as own_bar:
            return _run(client, distributed, jobs, settings, own_bar, on_result)
    finally:
        client.close()


def check_scheduler(scheduler: str, connect_timeout: float = CONNECT_TIMEOUT) -> None:
    """Raise :class:`~amreview.errors.ClusterError` unless the scheduler answers and has a
    worker: the runner asks before it prepares a large run, not after."""
    _connect(_import_distributed(), scheduler, connect_timeout).close()


def _absolute(job: ReviewJob) -> ReviewJob:
    return dataclasses.replace(
        job, notebook=Path(job.notebook).absolute(), output_stem=Path(job.output_stem).absolute()
    )


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise ClusterError(
            f"running on a Dask cluster needs the 'distributed' package ({exc}); install it with: {INSTALL_HINT}"
        ) from None
    return distributed


def _connect(distributed: Any, scheduler: str, connect_timeout: float) -> Any:
    try:
        client = distributed.Client(scheduler, timeout=connect_timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise ClusterError(
            f"cannot reach the Dask scheduler at {scheduler!r} within {connect_timeout:g} s: "
            f"{exc} (start one with `dask scheduler`, and workers with "
            f"`dask worker {scheduler} --nthreads 1`)"
        ) from None
    try:
        client.wait_for_workers(1, timeout=connect_timeout)
    except (OSError, TimeoutError) as exc:
        client.close()
        raise ClusterError(
            f"the Dask scheduler at {scheduler!r} has no worker after {connect_timeout:g} s "
            f"({exc}); start some with `dask worker {scheduler} --nthreads 1`"
        ) from None
    return client


def _run(
    client: Any,
    distributed: Any,
    jobs: list[ReviewJob],
    settings: WorkerSettings,
    bar: Any,
    on_result: Callable[[ReviewResult], None] | None,
) -> list[ReviewResult]:
    futures = client.map(
        _review_on_worker,
        jobs,
        settings=settings,
        pure=False,
        retries=0,
        key=[f"review-{job.key}-{uuid.uuid4().hex}" for job in jobs],
    )
    position = {future.key: i for i, future in enumerate(futures)}
    try:
        return gather_results(
            distributed.as_completed(futures, loop=client.loop),
            lambda future: position[future.key],
            jobs,
            bar,
            on_result,
        )
    except BaseException:  # Ctrl-C: take back what has not started
        client.cancel(futures)
        raise


def _review_on_worker(job: ReviewJob, settings: WorkerSettings) -> tuple:
    """Runs on a Dask worker: batch's worker function, one review at a time per process."""
    from amreview.files import sharing_as

    with _ONE_REVIEW_AT_A_TIME, sharing_as(settings.sharing):  # the run's file modes, not the worker's
        return execute_in_worker(job, settings.timeout, settings.log_dir, settings.kernel_mode)
