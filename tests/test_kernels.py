"""Tests of amreview.batch.kernels and the per-review kernel, deadline and log of amreview.batch.execution.

Kernel runs are counted (tiny notebooks written in tmp_path, one review at a time in this
process, so every fork-mode review forks from this process's one template): three for clean
state, one per mode for equal outputs, two for a killed kernel, three for the deadline in a
cell, three for a kernel that cannot shut down (the one under a tight deadline between two under a
generous one, each its own run) — thirteen reviews of well under a second each in
fork mode. The killed kernel and the deadlines are marked ``processes`` (``make process-check``,
which CI runs): they wait on kernels being killed, against the clock.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from amreview.batch import kernels
from amreview.batch.jobs import ReviewJob
from amreview.batch.kernels import ipykernel_arguments, resolve_mode
from amreview.batch.pool import run_reviews


def write_notebook(folder: Path, name: str, *sources: str) -> Path:
    """A notebook of a ``who`` parameters cell followed by one code cell per source."""
    nb = new_notebook(
        cells=[
            new_code_cell('who = "nobody"', metadata={"tags": ["parameters"]}),
            *(new_code_cell(source) for source in sources),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / name
    nbformat.write(nb, path)
    return path


def job(folder: Path, notebook: Path, key: str) -> ReviewJob:
    return ReviewJob(key=key, notebook=notebook, parameters={"who": key}, output_stem=folder / key, title=key)


def outputs(result) -> list:
    """Every output of the executed notebook, as (cell index, output type, its data)."""
    nb = nbformat.read(result.notebook, as_version=4)
    found = []
    for i, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            found.append((i, output.output_type, output.get("text") or dict(output.get("data", {}))))
    return found


def printed_json(result) -> dict:
    lines = [o[2] for o in outputs(result) if o[1] == "stream" and o[2].startswith("{")]
    return json.loads(lines[-1])


# --------------------------------------------------------------------------- no kernel


def test_resolve_mode_reads_the_argument_then_the_environment(monkeypatch):
    monkeypatch.setattr(kernels, "fork_supported", lambda: True)
    monkeypatch.delenv("AMREVIEW_KERNEL", raising=False)
    assert resolve_mode() == "fork"
    assert resolve_mode("spawn") == "spawn"
    monkeypatch.setenv("AMREVIEW_KERNEL", "spawn")
    assert resolve_mode() == "spawn"
    assert resolve_mode("fork") == "fork"
    with pytest.raises(ValueError, match="fork, spawn, auto; got 'thread'"):
        resolve_mode("thread")


def test_where_forking_is_unavailable_auto_spawns_and_fork_is_refused(monkeypatch):
    monkeypatch.setattr(kernels, "fork_supported", lambda: False)
    monkeypatch.delenv("AMREVIEW_KERNEL", raising=False)
    assert resolve_mode() == "spawn"
    with pytest.raises(ValueError, match="'fork' needs Linux"):
        resolve_mode("fork")


def test_only_this_interpreters_ipykernel_is_forked():
    args = ["-f", "/tmp/kernel-1.json", "--HistoryManager.hist_file=:memory:"]
    assert ipykernel_arguments([sys.executable, "-m", "ipykernel_launcher", *args]) == args
    assert ipykernel_arguments(["/no/such/python", "-m", "ipykernel_launcher", *args]) is None
    assert ipykernel_arguments([sys.executable, "-m", "other_kernel", *args]) is None
    assert ipykernel_arguments(["ir", "--kernel"]) is None


def test_the_template_imports_create_no_thread_and_no_zmq_context():
    # What the template process does before forking: preload, nothing else.
    code = (
        "import os, sys, threading\n"
        "os.environ.setdefault('MPLBACKEND', 'module://matplotlib_inline.backend_inline')\n"
        "import importlib, amreview.batch.kernels as k\n"
        "for name in k.PRELOAD:\n"
        "    try: importlib.import_module(name)\n"
        "    except ImportError: pass\n"
        "import zmq\n"
        "print(threading.active_count(), zmq.Context._instance is None,\n"
        "      'matplotlib_inline.backend_inline' in sys.modules, 'pandas' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["1", "True", "False", "True"]


# --------------------------------------------------------------------------- real kernels

STATE = (
    "import json, os, numpy, amreview.documents.render as shared\n"
    "seen = {'module_attribute': getattr(shared, 'LEFT_BY_A_REVIEW', None),\n"
    "        'builtin': getattr(__builtins__, 'LEFT_BY_A_REVIEW', None) if not isinstance(__builtins__, dict)\n"
    "                   else __builtins__.get('LEFT_BY_A_REVIEW'),\n"
    "        'environment': os.environ.get('LEFT_BY_A_REVIEW')}\n"
    "shared.LEFT_BY_A_REVIEW = who\n"
    "import builtins; builtins.LEFT_BY_A_REVIEW = who\n"
    "os.environ['LEFT_BY_A_REVIEW'] = who\n"
    "print(json.dumps({'seen': seen, 'pid': os.getpid(), 'parent': os.getppid(),\n"
    "                  'random': float(numpy.random.rand())}))"
)


def test_every_fork_mode_review_has_a_fresh_kernel_process(tmp_path):
    notebook = write_notebook(tmp_path, "state.ipynb", STATE)

    results = run_reviews(
        [job(tmp_path, notebook, key) for key in ("A", "B", "C")],
        n_jobs=1,
        timeout=60,
        progress=False,
        kernel_mode="fork",
    )

    assert [r.status for r in results] == ["ok", "ok", "ok"]
    reports = [printed_json(r) for r in results]
    assert all(
        report["seen"] == {"module_attribute": None, "builtin": None, "environment": None} for report in reports
    )  # B and C see nothing A and B left
    assert len({report["pid"] for report in reports}) == 3  # a process per review
    assert {report["parent"] for report in reports} == {kernels.template().pid}  # forked from one template
    assert len({report["random"] for report in reports}) == 3  # numpy reseeded in each


SAME_EITHER_WAY = (
    "import os, sys, matplotlib\n"
    "print(who, os.getcwd(), os.path.basename(sys.argv[0]), matplotlib.get_backend())\nprint(sys.path)",
    "import pandas as pd\npd.DataFrame({'a': [1, 2], 'b': [0.5, 0.25]})",
    "import matplotlib.pyplot as plt\nfig, ax = plt.subplots(figsize=(2, 1))\nax.plot([1, 3, 2]);",
    "import sys, warnings\nwarnings.warn('careful')\nprint('to stderr', file=sys.stderr)\nprint('done')",
)


def test_fork_and_spawn_kernels_give_the_same_outputs(tmp_path):
    notebook = write_notebook(tmp_path, "same.ipynb", *SAME_EITHER_WAY)

    [forked] = run_reviews(
        [job(tmp_path / "fork", notebook, "AM1")], n_jobs=1, timeout=60, progress=False, kernel_mode="fork"
    )
    [spawned] = run_reviews(
        [job(tmp_path / "spawn", notebook, "AM1")], n_jobs=1, timeout=60, progress=False, kernel_mode="spawn"
    )

    assert (forked.status, spawned.status) == ("ok", "ok")

    def without_pids(found):  # ipykernel names its cell files after the kernel's pid
        return [
            (i, kind, re.sub(r"ipykernel_\d+", "ipykernel_PID", data) if isinstance(data, str) else data)
            for i, kind, data in found
        ]

    assert without_pids(outputs(forked)) == without_pids(outputs(spawned))
    got = outputs(forked)
    first_line, kernel_path = got[0][2].splitlines()[:2]
    assert first_line == f"AM1 {tmp_path} ipykernel_launcher.py module://matplotlib_inline.backend_inline"
    assert "''" in kernel_path  # the notebook's folder is importable, as IPython arranges
    assert any(kind == "display_data" and "image/png" in data for _, kind, data in got)  # the figure shown
    assert any(kind == "execute_result" and "text/html" in data for _, kind, data in got)  # the frame


@pytest.mark.processes  # kills processes or starts a cluster and waits on them: make process-check (CI)
def test_a_killed_kernel_fails_its_review_and_the_next_review_works(tmp_path):
    notebook = write_notebook(
        tmp_path, "dies.ipynb", "import os\nif who == 'AM1':\n    os._exit(3)", "print('alive', who)"
    )

    first, second = run_reviews(
        [job(tmp_path, notebook, "AM1"), job(tmp_path, notebook, "AM2")],
        n_jobs=1,
        timeout=60,
        progress=False,
        log_dir=tmp_path / "logs",
        kernel_mode="fork",
    )

    assert first.status == "failed" and first.html is None
    assert (first.error.ename, first.error.cell_index) == ("DeadKernelError", 1)
    assert first.notebook.is_file()  # kept for inspection
    assert "failed: review of AM1 failed" in first.log.read_text()
    assert second.status == "ok" and (3, "stream", "alive AM2\n") in outputs(second)
    assert "IPKernelApp" in second.log.read_text()  # the kernel's own warnings, in its review's file


def run_one_against_a_deadline(folder: Path, notebook: Path, deadline: float):
    """AM0, AM1 and AM2 through ``notebook``, one after the other in this process, where only AM1
    has the tight ``deadline``: AM0 runs first with a generous one, so the template's imports
    (seconds under a loaded machine, the first fork's cost) are not timed against it, and AM2
    runs after it, so that the next review works however long the machine takes to start it."""
    generous = 120
    return [
        run_reviews([job(folder, notebook, key)], n_jobs=1, timeout=limit, progress=False, kernel_mode="fork")[0]
        for key, limit in (("AM0", generous), ("AM1", deadline), ("AM2", generous))
    ]


@pytest.mark.processes  # kills processes or starts a cluster and waits on them: make process-check (CI)
def test_the_deadline_covers_a_cell_that_sleeps_too_long(tmp_path):
    notebook = write_notebook(
        tmp_path,
        "sleeps.ipynb",
        "print('started')",
        "import time\nif who == 'AM1':\n    time.sleep(120)",
        "print('done', who)",
    )

    warm, first, second = run_one_against_a_deadline(tmp_path, notebook, 8)

    assert warm.status == "ok"
    assert first.status == "failed" and first.html is None
    assert (first.error.ename, first.error.cell_index) == ("TimeoutError", 2)
    assert "longer than 8 s (whole notebook" in first.error.evalue
    assert "while this cell was running" in first.error.evalue
    assert first.seconds < 20
    # the notebook as far as it ran is kept for inspection (papermill did not get to write it)
    kept = nbformat.read(first.notebook, as_version=4)
    assert first.notebook == tmp_path / "AM1.ipynb" and len(kept.cells) > 2
    assert second.status == "ok" and (4, "stream", "done AM2\n") in outputs(second)


@pytest.mark.processes  # kills processes or starts a cluster and waits on them: make process-check (CI)
def test_the_deadline_covers_a_kernel_that_cannot_shut_down(tmp_path):
    # (4 s: under jupyter_client's own 5 s wait for a shutdown, so only the deadline can end it.)
    # After its last cell the kernel ignores SIGTERM and waits for a thread that never ends:
    # only the deadline's SIGKILL (or jupyter_client's, 5 s after the shutdown request) ends it.
    notebook = write_notebook(
        tmp_path,
        "hangs.ipynb",
        "print('all cells ran')",
        "import signal, threading, time\nif who == 'AM1':\n"
        "    signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "    threading.Thread(target=lambda: time.sleep(3600), daemon=False).start()",
    )

    warm, first, second = run_one_against_a_deadline(tmp_path, notebook, 4)

    assert warm.status == "ok"
    assert first.status == "failed" and first.html is None
    assert (first.error.ename, first.error.cell_index) == ("TimeoutError", None)
    assert "after the last cell ran" in first.error.evalue
    assert first.seconds < 20
    assert second.status == "ok" and second.html.is_file(), second.error
