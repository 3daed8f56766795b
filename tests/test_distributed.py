"""Tests of amreview.batch.distributed: reviews on a Dask cluster give the documents of a local run.

One ``LocalCluster`` (two worker processes of one thread, loopback only, no dashboard) serves
the module. Kernel runs are counted: the same four jobs (two of a small notebook written
here, one whose cell raises, and one review of the sample pack by the light review notebook,
tests/light_review.py: the review notebook's cells, a few of them) on the cluster and
locally with ``run_reviews(n_jobs=1)`` — eight; then two reviews whose kernels kill their
own worker process — four attempts. Errors about the cluster itself start no kernel.

CI installs ``distributed`` (the ``cluster`` extra); only where it is not importable do the
cluster tests skip.
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from amreview.batch.jobs import ReviewJob
from amreview.batch.pool import run_reviews
from amreview.errors import ClusterError, ParameterError
from tests.light_review import LIGHT_REVIEW

distributed = pytest.importorskip("distributed", reason="the cluster extra (distributed) is not installed")
dask = pytest.importorskip("dask")

from amreview.batch.distributed import run_on_dask  # noqa: E402 - only once importorskip has found distributed

# One xdist worker runs the heavy batch tests one after another (``--dist loadgroup``): a Dask
# cluster starting while a 50-review batch holds both cores can miss distributed's 10 s start.
pytestmark = pytest.mark.xdist_group("heavy_batch")

FAILING_CELL = 2  # of the small notebook: raises when ``fail`` is true


def small_notebook(folder: Path) -> Path:
    """A parameterised notebook with markdown, a table, printed text and a cell that can fail."""
    nb = new_notebook(
        cells=[
            new_code_cell(
                'who = ""  # required: whose document\nfail = False\nweight = 1.5', metadata={"tags": ["parameters"]}
            ),
            new_markdown_cell("# A small document\n\nOne table and one line per person."),
            new_code_cell('if fail:\n    raise RuntimeError(f"{who} asked to fail")'),
            new_code_cell(
                "import pandas as pd\npd.DataFrame({'who': [who] * 3, 'value': [weight * i for i in range(3)]})"
            ),
            new_code_cell('print(f"done for {who}: {sum(ord(c) for c in who) * weight:.2f}")'),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "small.ipynb"
    nbformat.write(nb, path)
    return path


def crashing_notebook(folder: Path) -> Path:
    """A notebook whose kernel SIGKILLs the Dask worker process running it.

    The worker is the kernel's ancestor whose parent is ``nanny_pid`` (a LocalCluster's nannies
    live in the test process), however many processes amreview.batch puts between them. With
    ``always`` false it does so only while ``marker`` does not exist yet, i.e. on the first attempt.
    """
    nb = new_notebook(
        cells=[
            new_code_cell('marker = ""\nnanny_pid = 0\nalways = False', metadata={"tags": ["parameters"]}),
            new_code_cell(
                "import os, signal, time, psutil\n"
                "from pathlib import Path\n"
                "if always or not Path(marker).exists():\n"
                "    Path(marker).touch()\n"
                "    worker = next(p for p in psutil.Process().parents() if p.ppid() == nanny_pid)\n"
                "    os.kill(worker.pid, signal.SIGKILL)\n"
                "    time.sleep(60)  # the kernel goes with its worker"
            ),
            new_markdown_cell("Survived."),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "crash.ipynb"
    nbformat.write(nb, path)
    return path


def jobs_in(out: Path, small: Path) -> list[ReviewJob]:
    return [  # the long one first: on two workers it runs beside the three short ones
        ReviewJob(
            "AM001",
            LIGHT_REVIEW,
            {"am_id": "AM001", "period": "2026Q3", "data": "sample"},
            out / "AM001",
            "AM001 — quarterly review 2026Q3",
        ),
        ReviewJob("00123", small, {"who": "00123"}, out / "00123", "Document of 00123"),
        ReviewJob("B", small, {"who": "B", "weight": 2.0}, out / "B", "Document of B"),
        ReviewJob("F", small, {"who": "F", "fail": True}, out / "F", "Document of F"),
    ]


def local_cluster(n_workers: int) -> distributed.LocalCluster:
    """Worker processes of one thread, everything on 127.0.0.1, no dashboard; the scheduler's
    HTTP endpoints (health, metrics: always on) on a free port, so clusters of parallel test
    processes do not compete for 8787."""
    return distributed.LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0", "dashboard": False},
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cluster():
    # allowed-failures 1: a task is rerun once after its worker dies, then KilledWorker.
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}), local_cluster(n_workers=2) as cluster_of_two:
        yield cluster_of_two


@pytest.mark.e2e
@pytest.mark.processes  # kills processes or starts a cluster and waits on them: make process-check (CI)
def test_cluster_run_gives_the_documents_of_a_local_run(cluster, tmp_path, monkeypatch):
    small = small_notebook(tmp_path)
    monkeypatch.chdir(tmp_path)  # the workers' working directory is another (the repository)
    dask_jobs = jobs_in(Path("dask"), Path(small.name))  # relative: made absolute here, not on a worker
    local_jobs = jobs_in(tmp_path / "local", small)
    from tqdm import tqdm

    finished = []
    with tqdm(total=len(dask_jobs), file=io.StringIO()) as bar:
        on_cluster = run_on_dask(
            dask_jobs, cluster.scheduler_address, timeout=120, log_dir=Path("logs"), on_result=finished.append, bar=bar
        )
        assert bar.n == len(dask_jobs) and bar.postfix == "failed=1"
    assert sorted(r.key for r in finished) == sorted(job.key for job in dask_jobs)
    assert sorted(p.name for p in (tmp_path / "logs").iterdir()) == sorted(f"{job.key}.log" for job in dask_jobs)
    local = run_reviews(local_jobs, n_jobs=1, timeout=120, progress=False)

    assert [r.key for r in on_cluster] == [job.key for job in dask_jobs]  # the order of the jobs
    assert [r.status for r in on_cluster] == [r.status for r in local] == ["ok", "ok", "ok", "failed"]
    for remote, here in zip(on_cluster, local):
        if here.ok:  # nothing in the HTML varies between runs: compared as is
            assert Path(remote.html).parent == tmp_path / "dask"
            assert Path(remote.html).read_text(encoding="utf-8") == Path(here.html).read_text(encoding="utf-8")
    expected_line = f"done for 00123: {sum(ord(c) for c in '00123') * 1.5:.2f}"
    assert expected_line in Path(on_cluster[1].html).read_text(encoding="utf-8")

    failed = on_cluster[3]  # a cell that raises: a failed result with its cell and error
    assert failed.html is None and failed.error is not None
    assert (failed.error.am_id, failed.error.cell_index, failed.error.ename) == ("F", FAILING_CELL, "RuntimeError")
    assert failed.error.evalue == local[3].error.evalue == "F asked to fail"
    assert failed.notebook == tmp_path / "dask" / "F.ipynb" and failed.notebook.exists()  # kept to inspect
    assert not (tmp_path / "dask" / "F.html").exists()


@pytest.mark.e2e
@pytest.mark.processes  # kills processes or starts a cluster and waits on them: make process-check (CI)
def test_a_review_whose_worker_dies_is_rerun_then_failed(cluster, tmp_path):
    crash = crashing_notebook(tmp_path)
    nanny = os.getpid()  # the LocalCluster's nannies run in this process

    def job(key: str, always: bool) -> ReviewJob:
        return ReviewJob(
            key,
            crash,
            {"marker": str(tmp_path / f"{key}.attempted"), "nanny_pid": nanny, "always": always},
            tmp_path / "out" / key,
            key,
        )

    # One at a time: the scheduler may hand both tasks to one worker process, and a task
    # waiting on a worker that dies counts that death too.
    [once] = run_on_dask([job("once", False)], cluster.scheduler_address, timeout=60, progress=False)
    [always] = run_on_dask([job("always", True)], cluster.scheduler_address, timeout=60, progress=False)

    assert once.ok and "Survived." in Path(once.html).read_text(encoding="utf-8")  # rerun by Dask
    assert not always.ok and always.error.ename == "KilledWorker"  # allowed-failures (1) + 1 deaths
    assert always.error.am_id == "always" and always.html is None
    assert [p.name for p in (tmp_path / "out").iterdir() if p.suffix == ".html"] == ["once.html"]


# --------------------------------------------------------------------------- without kernels


def test_an_unreachable_scheduler_is_a_clear_error_quickly(tmp_path):
    small = small_notebook(tmp_path)
    address = f"tcp://127.0.0.1:{free_port()}"
    started = time.perf_counter()
    with pytest.raises(ClusterError, match=f"cannot reach the Dask scheduler at '{address}' within 1 s") as caught:
        run_on_dask(jobs_in(tmp_path, small)[1:2], address, timeout=60, connect_timeout=1)
    assert time.perf_counter() - started < 10
    assert caught.value.exit_code == 2 and "dask scheduler" in str(caught.value)
    with pytest.raises(ClusterError, match="cannot reach the Dask scheduler at 'no-port'"):
        run_on_dask(jobs_in(tmp_path, small)[1:2], "no-port", timeout=60, connect_timeout=1)


@contextlib.contextmanager
def scheduler_alone() -> Iterator[str]:
    """A Dask scheduler with no worker, in a process of its own, on loopback; its address. Not a
    second ``LocalCluster`` in this process: its event loop must start within distributed's fixed
    10 s, which a busy test process (the other xdist worker running whole-sample runs) missed."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", str(port)]
        + ["--no-dashboard"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while True:  # until it listens
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert process.poll() is None and time.monotonic() < deadline, "the scheduler did not start"
            time.sleep(0.2)
        yield f"tcp://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.processes  # kills processes or starts a cluster and waits on them: make process-check (CI)
def test_a_scheduler_without_workers_is_a_clear_error(tmp_path):
    small = small_notebook(tmp_path)
    with scheduler_alone() as address, pytest.raises(ClusterError, match="has no worker after 3 s"):
        run_on_dask(jobs_in(tmp_path, small)[1:2], address, timeout=60, connect_timeout=3)


def test_parameters_are_checked_before_connecting(tmp_path):
    small = small_notebook(tmp_path)
    bad = ReviewJob("X", small, {"who": "X", "wieght": 2}, tmp_path / "X", "X")
    started = time.perf_counter()
    with pytest.raises(ParameterError, match="unknown name 'wieght'"):
        run_on_dask([bad], f"tcp://127.0.0.1:{free_port()}", timeout=60, connect_timeout=30)
    assert time.perf_counter() - started < 10  # not the connect timeout: nothing was contacted
    assert run_on_dask([], f"tcp://127.0.0.1:{free_port()}", timeout=60, connect_timeout=30) == []


def test_without_distributed_the_error_says_what_to_install(tmp_path, monkeypatch):
    small = small_notebook(tmp_path)
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    with pytest.raises(ClusterError, match=r"pip install 'amreview\[cluster\]'"):
        run_on_dask(jobs_in(tmp_path, small)[1:2], "tcp://127.0.0.1:8786", timeout=60)
