"""Outputs that cannot be written, workers that die, a run killed outright, and file modes.

* A read-only output folder or a full disk is exit code 4 with one message naming the path and
  what to do — never a traceback, never exit 1 (failed reviews) — for ``run``, ``scorecard``
  and ``validate --report``; nothing half-written is left.
* A worker process killed under a review fails that review only ("the worker process died").
* A run killed with SIGKILL leaves no process behind: no worker, kernel template or kernel goes
  on writing beside the ``--resume`` that follows.
* Everything a run, the scorecard, validate and sample write is owner-only whatever the umask
  (files 0600, folders 0700), or group-readable with ``--group-readable`` (0640, 0750).

The runs use small notebooks that declare the review notebook's parameters (not the review
notebook itself), so each review costs a kernel start and little more; they, the scorecard and
the quality report read the hand pack (three people), the tests that kill processes the sample.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pandas as pd
import psutil
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from amreview import files
from amreview.batch.pool import WORKER_DIED
from amreview.cli import main
from amreview.data.datapack import write_pack
from amreview.data.sample import generate_sample
from amreview.errors import ConfigError
from amreview.files import TEMPORARY_FILE
from tests.conftest import hand_tables

PERIOD = "2026Q3"
PARAMETERS = 'am_id = ""\nperiod = ""\nconfig = ""\ndata = ""\nmanager = ""'


@pytest.fixture(scope="module")
def pack(tmp_path_factory) -> Path:
    """The hand pack (tests/conftest.py: three people, nine sales lines). What these tests check
    is where and how a run, the scorecard and the quality report write, which a pack of three
    shows as well as the sample's fifteen, scored, validated and read in a fraction of the time."""
    return write_pack(hand_tables(), tmp_path_factory.mktemp("hand") / "pack")


@pytest.fixture(scope="module")
def sample_pack(tmp_path_factory) -> Path:
    """The sample pack, for the tests that kill a run's processes (make process-check)."""
    return write_pack(generate_sample(), tmp_path_factory.mktemp("sample") / "pack")


def review_notebook(folder: Path, body: str = "", name: str = "review.ipynb") -> Path:
    """A notebook with the review notebook's parameters; ``body`` runs after them."""
    nb = new_notebook(
        cells=[
            new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]}),
            new_code_cell(body or "pass"),
            new_markdown_cell("A review."),
            new_code_cell('print(f"review of {am_id} for {period}")'),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / name
    nbformat.write(nb, path)
    return path


def killing_notebook(folder: Path, victim: str, runner_pid: int) -> Path:
    """A review notebook whose kernel SIGKILLs the worker process running it, for ``victim``
    only. The worker is the kernel's ancestor whose parent is ``runner_pid`` (the process that
    runs the batch), however many processes lie between them."""
    return review_notebook(
        folder,
        (
            "import os, signal, time, psutil\n"
            f"if am_id == {victim!r}:\n"
            f"    worker = next(p for p in psutil.Process().parents() if p.ppid() == {runner_pid})\n"
            "    os.kill(worker.pid, signal.SIGKILL)\n"
            "    time.sleep(60)  # the kernel goes with its worker"
        ),
        name="killing.ipynb",
    )


def leftovers(folder: Path) -> list[str]:
    return [str(p) for p in Path(folder).rglob("*") if TEMPORARY_FILE.match(p.name) or p.name.endswith(".tmp")]


def cli(argv: list[str]) -> int:
    """``amreview`` in this process: its exit code (0 when it returns). Any exception other than
    an exit — a traceback, for a person — fails the test."""
    try:
        main(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


@contextlib.contextmanager
def read_only(folder: Path):
    """``folder`` (made here) cannot be written while the block runs: its mode is 0555, or, for
    root (whom modes do not stop), it is bind-mounted read-only; skipped where neither works."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield folder
        finally:
            folder.chmod(0o755)
        return
    mounted = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot make a read-only folder as root here: {mounted.stderr.decode().strip()}")
    try:
        remount = subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], capture_output=True)
        if remount.returncode != 0:
            pytest.skip(f"cannot remount read-only: {remount.stderr.decode().strip()}")
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True)


@pytest.fixture
def private(monkeypatch):
    """Owner-only outputs (the default), whatever this test process's environment says; a
    ``--group-readable`` given in the test is undone afterwards."""
    monkeypatch.setenv(files.MODE_VARIABLE, "private")


# --------------------------------------------------------------------------------------------
# A read-only output folder: exit 4, a message naming it, no traceback, nothing left
# --------------------------------------------------------------------------------------------


def test_a_run_into_a_read_only_folder_stops_before_any_work_with_exit_4(pack, tmp_path, capsys, monkeypatch):
    import amreview.batch.runner

    def must_not_read(*_, **__):
        raise AssertionError("the pack was read although the output folder cannot be written")

    monkeypatch.setattr(amreview.batch.runner, "load_pack", must_not_read)
    with read_only(tmp_path / "out") as out:
        code = cli(["run", "--data", str(pack), "--period", PERIOD, "--out", str(out), "--quiet"])
        assert code == 4
        err = capsys.readouterr().err
        assert f"cannot write in {out / PERIOD}" in err or f"cannot create the folder {out / PERIOD}" in err
        assert "read-only" in err and "choose another output folder" in err
        assert "Traceback" not in err
        assert list(out.iterdir()) == []

    (tmp_path / "out2" / PERIOD).mkdir(parents=True)  # the period's folder itself read-only
    with read_only(tmp_path / "out2" / PERIOD) as folder:
        code = cli(["run", "--data", str(pack), "--period", PERIOD, "--out", str(tmp_path / "out2"), "--quiet"])
        assert code == 4 and f"cannot write in {folder}" in capsys.readouterr().err


def test_a_review_whose_documents_cannot_be_written_stops_the_run_with_exit_4(pack, tmp_path, capsys):
    """The log folder is read-only: the first review fails naming it, and no other starts."""
    notebook = review_notebook(tmp_path)
    out = tmp_path / "out"
    with read_only(out / PERIOD / "logs") as logs:
        code = cli(
            [
                "run",
                "--data",
                str(pack),
                "--period",
                PERIOD,
                "--out",
                str(out),
                "--quiet",
                "--jobs",
                "1",
                "--am",
                "AM1",
                "--am",
                "AM2",
                "--no-team-overviews",
                "--notebook",
                str(notebook),
            ]
        )
    err = capsys.readouterr().err
    assert code == 4, err
    assert f"cannot write {logs}" in err and "read-only" in err and "--resume" in err
    assert "Traceback" not in err
    manifest = json.loads((out / PERIOD / "manifest.json").read_text())
    status = {e["key"]: (e["status"], (e["error"] or {}).get("error")) for e in manifest["reviews"]}
    assert status["AM1"] == ("failed", "OutputError")
    assert status["AM2"][0] == "running"  # never started: the run stopped writing
    assert not (out / PERIOD / "AM2.ipynb").exists() and not (out / PERIOD / "AM1.html").exists()
    assert leftovers(out) == []


def test_a_scorecard_or_sample_into_a_read_only_folder_is_exit_4_naming_it(pack, tmp_path, capsys):
    with read_only(tmp_path / "cards") as cards:
        for name in ("q3.csv", "q3.xlsx"):
            code = cli(["scorecard", "--data", str(pack), "--period", PERIOD, "--out", str(cards / name)])
            err = capsys.readouterr().err
            assert code == 4, err
            assert f"cannot write {cards / name}" in err and "read-only" in err and "Traceback" not in err
        code = cli(["sample", "--out", str(cards / "pack")])
        err = capsys.readouterr().err
        assert code == 4 and f"cannot create the folder {cards / 'pack'}" in err and "Traceback" not in err
        assert list(cards.iterdir()) == []


def test_a_quality_report_into_a_read_only_folder_is_exit_4_naming_it(pack, tmp_path, capsys):
    with read_only(tmp_path / "reports") as reports:
        code = cli(["validate", str(pack), "--report", str(reports / "quality.html")])
        err = capsys.readouterr().err
        assert code == 4, err
        assert f"cannot write {reports / 'quality.html'}" in err and "read-only" in err and "Traceback" not in err
        assert list(reports.iterdir()) == []


# --------------------------------------------------------------------------------------------
# A full disk
# --------------------------------------------------------------------------------------------


def full_disk_for(monkeypatch, suffix: str) -> None:
    """Writing a file whose name ends in ``suffix`` fails as on a full disk (ENOSPC), after part
    of it was written: the file handles amreview.files opens, and pandas' CSV writer."""
    created = files._open_new
    to_csv = pd.DataFrame.to_csv

    class Full:
        def __init__(self, handle):
            self.handle = handle

        def write(self, data):
            self.handle.write(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def __getattr__(self, name):
            return getattr(self.handle, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return self.handle.__exit__(*exc)

    def open_new(path, mode, encoding):
        handle = created(path, mode, encoding)
        return Full(handle) if path.name.startswith(".") and f"{suffix}." in path.name else handle

    def half_a_csv(frame, path, **options):
        text = to_csv(frame, None, **options)
        Path(path).write_text(text[: len(text) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(files, "_open_new", open_new)
    if suffix == ".csv":
        monkeypatch.setattr(pd.DataFrame, "to_csv", half_a_csv)


def test_a_full_disk_mid_run_fails_that_review_stops_the_run_and_leaves_nothing_half_written(
    pack, tmp_path, capsys, monkeypatch
):
    notebook = review_notebook(tmp_path)
    out = tmp_path / "out"
    full_disk_for(monkeypatch, ".html")  # the reviews' HTML (in this process: --jobs 1)
    code = cli(
        [
            "run",
            "--data",
            str(pack),
            "--period",
            PERIOD,
            "--out",
            str(out),
            "--quiet",
            "--jobs",
            "1",
            "--am",
            "AM1",
            "--am",
            "AM2",
            "--no-team-overviews",
            "--notebook",
            str(notebook),
        ]
    )
    err = capsys.readouterr().err
    assert code == 4, err
    assert f"cannot write {out / PERIOD / 'AM1.html'}" in err and "is full" in err and "Traceback" not in err
    folder = out / PERIOD
    assert not (folder / "AM1.html").exists() and not (folder / "AM1.json").exists()
    assert not (folder / "AM2.ipynb").exists()  # the run stopped writing
    assert leftovers(out) == []


def test_a_full_disk_under_the_scorecard_and_the_quality_report_is_exit_4(pack, tmp_path, capsys, monkeypatch):
    full_disk_for(monkeypatch, ".csv")
    assert cli(["scorecard", "--data", str(pack), "--period", PERIOD, "--out", str(tmp_path / "q3.csv")]) == 4
    full_disk_for(monkeypatch, ".html")
    assert cli(["validate", str(pack), "--report", str(tmp_path / "quality.html")]) == 4
    err = capsys.readouterr().err
    assert err.count("is full: free some space") == 2 and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_real_full_disk_is_exit_4_and_leaves_nothing(pack, tmp_path, capsys):
    """A 64 KiB tmpfs, filled: skipped where it cannot be mounted (not root, no tmpfs)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        with contextlib.suppress(OSError), (disk / "filler").open("wb") as filler:
            while True:
                filler.write(b"\0" * 4096)
        for argv in (
            ["scorecard", "--data", str(pack), "--period", PERIOD, "--out", str(disk / "q3.xlsx")],
            ["validate", str(pack), "--report", str(disk / "quality.html")],
        ):
            assert cli(argv) == 4
        err = capsys.readouterr().err
        assert err.count("is full") == 2 and "Traceback" not in err
        assert [p.name for p in disk.iterdir()] == ["filler"]
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)


# --------------------------------------------------------------------------------------------
# A killed worker
# --------------------------------------------------------------------------------------------


@pytest.mark.processes  # kills processes or starts a cluster and waits on them: make process-check (CI)
def test_a_worker_killed_under_a_review_fails_that_review_only_and_the_run_exits_1(sample_pack, tmp_path, capsys):
    """AM001 kills its worker while AM002 runs on the other one and AM003 waits: only AM001
    fails (a ProcessPoolExecutor would fail all three), and the run says so with exit code 1."""
    notebook = killing_notebook(tmp_path, "AM001", os.getpid())
    folder = tmp_path / "out" / PERIOD
    folder.mkdir(parents=True)
    (folder / "AM001.html").write_text("an earlier run's")

    code = cli(
        [
            "run",
            "--data",
            str(sample_pack),
            "--period",
            PERIOD,
            "--out",
            str(tmp_path / "out"),
            "--quiet",
            "--jobs",
            "2",
            "--am",
            "AM001",
            "--am",
            "AM002",
            "--am",
            "AM003",
            "--no-team-overviews",
            "--notebook",
            str(notebook),
        ]
    )

    captured = capsys.readouterr()
    assert code == 1, captured.out + captured.err
    assert "2 of 3 reviews written" in captured.out
    assert "FAILED AM001" in captured.out and "the worker process died (killed by SIGKILL)" in captured.out
    assert "Traceback" not in captured.err
    entries = {e["key"]: e for e in json.loads((folder / "manifest.json").read_text())["reviews"]}
    assert {k: e["status"] for k, e in entries.items()} == {"AM001": "failed", "AM002": "ok", "AM003": "ok"}
    assert entries["AM001"]["error"]["error"] == WORKER_DIED
    assert not (folder / "AM001.html").exists()  # an earlier success does not pass for this run's
    assert (folder / "AM002.html").is_file() and (folder / "AM003.html").is_file()


# --------------------------------------------------------------------------------------------
# A run killed outright leaves no process behind
# --------------------------------------------------------------------------------------------


@pytest.mark.xdist_group("heavy_batch")  # many processes, and a deadline for them to go
@pytest.mark.processes  # kills processes or starts a cluster and waits on them: make process-check (CI)
def test_a_killed_run_leaves_no_process_and_resume_runs_alone(sample_pack, tmp_path):
    notebook = review_notebook(tmp_path, "import time\ntime.sleep(30)")
    out = tmp_path / "out"
    folder = out / PERIOD
    command = [
        sys.executable,
        "-m",
        "amreview",
        "run",
        "--data",
        str(sample_pack),
        "--period",
        PERIOD,
        "--out",
        str(out),
        "--jobs",
        "2",
        "--quiet",
        "--no-team-overviews",
        "--notebook",
        str(notebook),
        "--timeout",
        "120",
    ]
    command += ["--am", "AM001", "--am", "AM002"]
    with (tmp_path / "run.out").open("wb") as output:  # not a pipe: survivors would hold it open
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    runner = psutil.Process(process.pid)
    descendants: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and process.poll() is None:  # until two kernels run
            descendants = runner.children(recursive=True)
            kernels = [p for p in descendants if _is_kernel(p)]
            if len(kernels) >= 2 and len(list((folder / "logs").glob("*.log"))) >= 2:
                break
            time.sleep(0.2)
        else:
            pytest.fail("the run ended, or no kernel started, before it could be killed")
        descendants = runner.children(recursive=True)
        process.kill()  # the runner alone: its children must go by themselves
        process.wait(timeout=10)
        killed_at = time.time()
        gone, alive = psutil.wait_procs(descendants, timeout=10)
        assert not alive, f"left running after the run was killed: {[(p.pid, _name(p)) for p in alive]}"
        time.sleep(1)  # a survivor would write in the meantime
        late = [p.name for p in folder.rglob("*") if p.is_file() and p.stat().st_mtime > killed_at + 0.5]
        assert late == [], "written after the run was killed"

        fast = review_notebook(tmp_path, "", name="fast.ipynb")
        resumed = subprocess.run(
            [
                *command[: command.index("--notebook")],
                "--notebook",
                str(fast),
                *command[command.index("--notebook") + 2 :],
                "--resume",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
        assert "2 of 2 reviews written" in resumed.stdout
    finally:
        for survivor in [runner, *descendants]:
            with contextlib.suppress(psutil.Error):
                survivor.kill()
        if process.poll() is None:
            process.kill()
            process.wait()


def _is_kernel(process: psutil.Process) -> bool:
    """A kernel forked from a kernel template (it keeps the template's command line)."""
    with contextlib.suppress(psutil.Error):
        parent = process.parent()
        return parent is not None and all("_template_main" in " ".join(p.cmdline()) for p in (process, parent))
    return False


def _name(process: psutil.Process) -> str:
    with contextlib.suppress(psutil.Error):
        return " ".join(process.cmdline())[:120]
    return "?"


# --------------------------------------------------------------------------------------------
# File modes
# --------------------------------------------------------------------------------------------


def modes(root: Path) -> dict[str, str]:
    """Path (relative to ``root``) → its permission bits in octal, for ``root`` and everything
    under it."""
    return {str(p.relative_to(root)) or ".": oct(stat.S_IMODE(p.lstat().st_mode)) for p in [root, *root.rglob("*")]}


@contextlib.contextmanager
def umask(value: int):
    saved = os.umask(value)
    try:
        yield
    finally:
        os.umask(saved)


def test_every_output_is_owner_only_whatever_the_umask(pack, tmp_path, private):
    notebook = review_notebook(tmp_path, 'if am_id == "AM2":\n    raise RuntimeError("this one fails")')
    out = tmp_path / "written"
    with umask(0):
        assert (
            cli(
                [
                    "run",
                    "--data",
                    str(pack),
                    "--period",
                    PERIOD,
                    "--out",
                    str(out / "reports"),
                    "--quiet",
                    "--jobs",
                    "2",
                    "--am",
                    "AM1",
                    "--am",
                    "AM2",
                    "--no-team-overviews",
                    "--pdf",
                    "--notebook",
                    str(notebook),
                ]
            )
            == 1
        )  # AM2 failed: its notebook, log and input are kept
        assert cli(["scorecard", "--data", str(pack), "--period", PERIOD, "--out", str(out / "cards" / "q3.csv")]) == 0
        assert cli(["scorecard", "--data", str(pack), "--period", PERIOD, "--out", str(out / "cards" / "q3.xlsx")]) == 0
        assert cli(["validate", str(pack), "--report", str(out / "quality" / "pack.html")]) == 0
        assert cli(["sample", "--out", str(out / "sample"), "--format", "parquet"]) == 0
    written = modes(out)
    folder = out / "reports" / PERIOD
    for expected in (
        "reports/2026Q3/AM1.html",
        "reports/2026Q3/AM1.pdf",
        "reports/2026Q3/AM1.ipynb",
        "reports/2026Q3/AM1.json",
        "reports/2026Q3/AM2.ipynb",
        "reports/2026Q3/manifest.json",
        "reports/2026Q3/index.html",
        "reports/2026Q3/logs/AM2.log",
        "cards/q3.csv",
        "cards/q3.xlsx",
        "quality/pack.html",
        "sample/sales.parquet",
    ):
        assert expected in written, expected
    assert any(path.startswith("reports/2026Q3/.inputs/reviews/") and path.endswith(".parquet") for path in written)
    assert (folder / ".inputs").is_dir()
    wrong = {
        path: mode
        for path, mode in written.items()
        if path != "." and mode != (oct(0o700) if (out / path).is_dir() else oct(0o600))
    }
    assert wrong == {}


def test_group_readable_outputs_with_the_option(pack, tmp_path, private):
    out = tmp_path / "written"
    with umask(0o077):
        assert (
            cli(
                [
                    "scorecard",
                    "--data",
                    str(pack),
                    "--period",
                    PERIOD,
                    "--group-readable",
                    "--out",
                    str(out / "cards" / "q3.xlsx"),
                ]
            )
            == 0
        )
        assert cli(["validate", str(pack), "--group-readable", "--report", str(out / "quality" / "pack.html")]) == 0
    written = modes(out)
    assert set(written) == {".", "cards", "cards/q3.xlsx", "quality", "quality/pack.html"}
    assert {p: m for p, m in written.items() if p != "."} == {
        "cards": oct(0o750),
        "cards/q3.xlsx": oct(0o640),
        "quality": oct(0o750),
        "quality/pack.html": oct(0o640),
    }


def test_an_unknown_file_mode_is_an_error_not_a_silent_default(monkeypatch):
    monkeypatch.setenv(files.MODE_VARIABLE, "world")
    with pytest.raises(ConfigError, match="AMREVIEW_FILE_MODE='world': expected one of private, group"):
        files.file_mode()
