"""Batch runs for a whole organisation: selection, key figures, manifest, resume, a killed run.

The unit tests need no kernel. The runs execute the light review notebook (the review notebook
cut to its header and one section: tests/light_review.py) through the runner: one small run checks
the record it leaves and what ``--resume`` reruns; one with a failing review, that it stops no
other and that ``--resume`` reruns it; one run of five is killed with SIGKILL halfway and resumed.
The first two run their reviews one after the other in this process (``n_jobs=1``), whose kernel
template serves them all: they check the run's record, not its worker processes, each of which
would cost seconds of start and imports (the worker pool: tests/test_batch.py; a run on two
workers: tests/test_outputs.py). What the real notebook's documents show is tested where it is
what the test is about (tests/test_documents.py, tests/test_accessibility.py,
tests/test_review_notebook.py).
"""

from __future__ import annotations

import html
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from amreview.batch import manifest as record
from amreview.batch.runner import (
    TEMPORARY_FILE,
    remove_temporary_files,
    run_quarterly_reviews,
    select_account_managers,
    team_file_stems,
)
from amreview.data.datapack import load_pack, write_pack
from amreview.data.sample import generate_sample
from amreview.data.scaled_sample import scaled_sample
from amreview.errors import ParameterError
from amreview.scoring.scorecard import build_scorecard
from tests.light_review import LIGHT_REVIEW, light_review
from tests.test_privacy import leaks, touched_accounts

PERIOD = "2026Q3"


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory) -> Path:
    return write_pack(generate_sample(), tmp_path_factory.mktemp("sample") / "pack")


@pytest.fixture(scope="module")
def card(sample_dir):
    return build_scorecard(load_pack(sample_dir), PERIOD)


# --------------------------------------------------------------------------------------------
# Selection
# --------------------------------------------------------------------------------------------


def test_selection_by_manager_team_and_id_is_a_union(card):
    table = card.table
    by_manager = select_account_managers(table, managers=["Priya Raman"])
    assert set(by_manager["am_id"]) == set(table.loc[table["manager"] == "Priya Raman", "am_id"])
    by_team = select_account_managers(table, teams=["Midlands & North"])
    assert set(by_team["am_id"]) == set(table.loc[table["team"] == "Midlands & North", "am_id"])
    both = select_account_managers(table, am_ids=["AM001"], teams=["Midlands & North"])
    assert set(both["am_id"]) == set(by_team["am_id"]) | {"AM001"}
    assert len(select_account_managers(table)) == len(table) == 15


def test_an_unknown_name_is_an_error_listing_the_known_ones(card):
    with pytest.raises(ParameterError) as caught:
        select_account_managers(card.table, managers=["Priya Ramen"], teams=["Nowhere"], am_ids=["AM999"])
    message = str(caught.value)
    assert "manager Priya Ramen (known, closest first: Priya Raman, Claire Whitfield, Gareth Lloyd)" in message
    assert "team Nowhere (known, closest first: London & South East, Midlands & North, Public Sector)" in message
    assert "am_id AM999 (known, closest first: AM009, AM001, AM002, AM003," in message


def test_an_unknown_am_id_lists_the_known_ids_the_closest_first(card):
    with pytest.raises(ParameterError) as caught:
        select_account_managers(card.table, am_ids=["AM01"])
    known = ", ".join(["AM001", "AM010", "AM011"] + [f"AM{i:03d}" for i in range(2, 16) if i not in (10, 11)])
    assert str(caught.value) == f"no account manager in role in 2026Q3 with am_id AM01 (known, closest first: {known})"
    with pytest.raises(ParameterError, match=r"am_id am004 \(known, closest first: AM004, "):
        card.explain("am004")  # --explain says the same, one place


# --------------------------------------------------------------------------------------------
# Fingerprints, key figures, manifest
# --------------------------------------------------------------------------------------------


def test_input_fingerprint_ignores_key_order_and_sees_every_value():
    inputs = {"pack": "p", "config": "c", "parameters": {"am_id": "AM001", "period": PERIOD}}
    same = {"parameters": {"period": PERIOD, "am_id": "AM001"}, "config": "c", "pack": "p"}
    assert record.input_fingerprint(inputs) == record.input_fingerprint(same)
    for changed in ({**inputs, "pack": "q"}, {**inputs, "parameters": {"am_id": "AM002", "period": PERIOD}}):
        assert record.input_fingerprint(changed) != record.input_fingerprint(inputs)


def test_key_figures_carry_the_persons_scorecard_row(card, tmp_path):
    row = card.table.set_index("am_id").loc["AM003"].to_dict() | {"am_id": "AM003"}
    figures = record.key_figures(
        row, list(card.config.measures), list(card.config.benchmark_kpis), "f" * 64, {"html": "AM003.html"}
    )
    path = tmp_path / "AM003.json"
    record.write_json_atomic(path, figures)
    back = json.loads(path.read_text())
    values = card.values.loc["AM003"]
    assert back["am_id"] == "AM003" and back["period"] == PERIOD and back["name"] == row["name"]
    assert back["figures"]["revenue"] == pytest.approx(values["revenue"])
    assert back["figures"]["gross_margin"] == pytest.approx(values["revenue"] - values["cost"])
    assert back["overall"]["score"] == pytest.approx(card.overall.at["AM003", "overall_score"])
    assert back["overall"]["rating"] == card.overall.at["AM003", "overall_rating"]
    for measure in card.config.measures:
        expected = card.measures.at["AM003", measure]
        assert back["measure_scores"][measure] == (None if pd.isna(expected) else pytest.approx(expected))
    # one person only: no other account manager's id or name anywhere in the file
    others = card.people.drop(index="AM003")
    text = path.read_text()
    assert not [x for x in list(others.index) + list(others["name"]) if x in text]


def test_is_current_needs_the_same_fingerprint_and_every_document(tmp_path):
    (tmp_path / "AM1.html").write_text("<html></html>")
    path = tmp_path / "AM1.json"
    record.write_json_atomic(path, {"input_fingerprint": "abc", "documents": {"html": "AM1.html", "pdf": "AM1.pdf"}})
    assert not record.is_current(path, "abc")  # the PDF is missing
    (tmp_path / "AM1.pdf").write_bytes(b"%PDF")
    assert record.is_current(path, "abc")
    assert not record.is_current(path, "abd")
    path.write_text("{not json")
    assert not record.is_current(path, "abc")


def test_plain_turns_missing_values_into_null():
    assert record.plain({"a": float("nan"), "b": pd.NA, "c": [pd.NaT, 1.5], "d": pd.Timestamp("2026-07-01")}) == {
        "a": None,
        "b": None,
        "c": [None, 1.5],
        "d": "2026-07-01T00:00:00",
    }


def test_only_temporary_files_of_atomic_writes_are_swept(tmp_path):
    temporary = [".AM001.html.123-0123456789ab.tmp", ".AM001.ipynb.77-abcdefabcdef.partial.ipynb"]
    kept = ["AM001.html", ".hidden", "AM001.json", ".AM001.html.tmp"]
    for name in temporary + kept:
        (tmp_path / name).write_text("x")
    assert all(TEMPORARY_FILE.match(n) for n in temporary)
    removed = remove_temporary_files(tmp_path)
    assert sorted(p.name for p in removed) == sorted(temporary)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(kept)


# --------------------------------------------------------------------------------------------
# A real run: the record it leaves, and what --resume reruns
# --------------------------------------------------------------------------------------------


def test_a_run_records_key_figures_and_a_manifest_and_resume_reruns_only_what_changed(sample_dir, card, tmp_path):
    out = tmp_path / "reports"
    am_ids = ["AM001", "AM005"]
    first = run_quarterly_reviews(
        sample_dir, PERIOD, out, n_jobs=1, am_ids=am_ids, progress=False, notebook=LIGHT_REVIEW
    )
    assert not first.failed, first.describe()
    folder = out / PERIOD
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["format"] == record.MANIFEST_FORMAT and manifest["period"] == PERIOD
    reviews = {e["key"]: e for e in manifest["reviews"]}
    teams = sorted(k for k, e in reviews.items() if e["kind"] == "team_overview")
    assert teams == [team_file_stems([m])[m] for m in ("Claire Whitfield", "Priya Raman")]  # AM001's and AM005's
    assert teams[0].startswith("team-claire-whitfield~")
    assert manifest["totals"]["reviews"] == 2 and manifest["totals"]["reviews_ok"] == 2
    assert manifest["totals"]["team_overviews_ok"] == 2 and manifest["finished"]
    for am_id in am_ids:
        entry = reviews[am_id]
        assert entry["status"] == "ok" and entry["error"] is None and entry["seconds"] > 0
        assert entry["started"] and entry["parameters"] == {"am_id": am_id, "period": PERIOD, "config": ""}
        assert entry["outputs"] == {
            "html": f"{am_id}.html",
            "notebook": f"{am_id}.ipynb",
            "key_figures": f"{am_id}.json",
            **({"log": entry["outputs"]["log"]} if "log" in entry["outputs"] else {}),
        }
        figures = json.loads((folder / f"{am_id}.json").read_text())
        assert figures["input_fingerprint"] == entry["input_fingerprint"]
        assert figures["figures"]["revenue"] == pytest.approx(card.values.at[am_id, "revenue"])
        assert figures["overall"]["rating"] == card.overall.at[am_id, "overall_rating"]
    assert not (folder / ".inputs").exists()  # inputs of finished reviews are removed
    pack = load_pack(sample_dir)  # the documents the notebooks made name no one else
    touched = touched_accounts(pack)
    for am_id in am_ids:
        text = html.unescape((folder / f"{am_id}.html").read_text())
        assert card.people.at[am_id, "name"] in text  # the scan reads the document it should
        assert leaks(text, am_id, pack, touched) == {}
    index = (folder / "index.html").read_text()
    started = pd.Timestamp(reviews["AM001"]["started"])
    assert "2 ok, 0 failed" in index and started.strftime("%d %b %H:%M:%S") in index
    for am_id in am_ids:  # each selected review: its executed notebook, and a link on the index
        assert (folder / f"{am_id}.ipynb").is_file() and f'href="{am_id}.html"' in index

    assert (folder / "kpi-reference.html").is_file() and not (folder / "kpi-reference.pdf").exists()  # no --pdf

    (folder / "kpi-reference.html").unlink()  # written by every run, a resumed one too
    (folder / "AM005.html").unlink()  # a lost document is rerun; the others stay as they are
    stamps = {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if p.is_file()}
    second = run_quarterly_reviews(
        sample_dir, PERIOD, out, n_jobs=1, am_ids=am_ids, progress=False, resume=True, notebook=LIGHT_REVIEW
    )
    assert {r.key: r.status for r in second.results + second.team_results} == {
        "AM001": "unchanged",
        "AM005": "ok",
        teams[0]: "unchanged",
        teams[1]: "unchanged",
    }
    for name in ("AM001.html", "AM001.ipynb", "AM001.json", f"{teams[0]}.html", f"{teams[1]}.html"):
        assert (folder / name).stat().st_mtime_ns == stamps[name]
    assert (folder / "AM005.html").is_file()
    assert "2 of 2 reviews written" in second.describe() and "(1 unchanged, not rerun)" in second.describe()
    assert "2 of 2 team overviews written (2 unchanged, not rerun)" in second.describe()
    assert "unchanged since an earlier run" in (folder / "index.html").read_text()
    assert 'href="kpi-reference.html"' in (folder / "index.html").read_text()
    assert "Outstanding from 4.5" in (folder / "kpi-reference.html").read_text()

    config = tmp_path / "mine.toml"  # new inputs (another config) rerun everything
    default = Path(__file__).resolve().parents[1] / "amreview" / "scoring" / "default_scorecard.toml"
    config.write_text(default.read_text().replace("Outstanding", "Exceptional"))
    third = run_quarterly_reviews(  # one person and their team is enough to show it
        sample_dir,
        PERIOD,
        out,
        n_jobs=1,
        am_ids=["AM001"],
        progress=False,
        resume=True,
        config=config,
        notebook=LIGHT_REVIEW,
    )
    assert {r.key: r.status for r in third.results + third.team_results} == {"AM001": "ok", teams[0]: "ok"}
    assert "Exceptional from 4.5" in (folder / "kpi-reference.html").read_text()  # the run's config


# --------------------------------------------------------------------------------------------
# SIGKILL halfway, then --resume
# --------------------------------------------------------------------------------------------


def _complete(path: Path) -> bool:
    if path.suffix == ".html":
        return path.read_text(encoding="utf-8").rstrip().endswith("</html>")
    if path.suffix == ".json":
        return record.read_json(path) is not None
    if path.suffix == ".ipynb":
        nbformat.read(path, as_version=4)
        return True
    return True


# Five people (1,250 sales lines each, as 50 had before), killed once two are written: two
# workers then hold at most two more in flight and at least one waits for --resume (50 people, 12
# and 8 showed the same, slower). Each review of the killed run sleeps (no CPU) so that the run is
# still going when two are written; the resumed run, the same notebook, does not.
PEOPLE_KILLED, KILL_AFTER, SLEEP_SECONDS = 5, 2, 3


@pytest.mark.xdist_group("heavy_batch")  # not beside the Dask tests: see tests/test_distributed.py
@pytest.mark.processes  # kills processes or starts a cluster and waits on them: make process-check (CI)
def test_a_run_killed_halfway_is_completed_by_resume_without_partial_documents(tmp_path):
    pack = write_pack(scaled_sample(PEOPLE_KILLED, 1_250 * PEOPLE_KILLED), tmp_path / "pack", "parquet")
    out = tmp_path / "reports"
    folder = out / PERIOD
    slow = tmp_path / "slow"  # while it exists, every review sleeps
    slow.touch()
    notebook = light_review(
        tmp_path, f"import os, time\nif os.path.exists({str(slow)!r}):\n    time.sleep({SLEEP_SECONDS})"
    )
    command = [
        sys.executable,
        "-m",
        "amreview",
        "run",
        "--data",
        str(pack),
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
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline and process.poll() is None:
            done = [p for p in folder.glob("*.json") if p.name != "manifest.json"] if folder.is_dir() else []
            if len(done) >= KILL_AFTER:
                break
            time.sleep(0.2)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the runner, its workers and their kernels, at once
        process.communicate()
    assert process.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    before = {p.stem for p in folder.glob("AM*.json")} | {p.stem for p in folder.glob("R*.json")}
    assert KILL_AFTER <= len(before) < PEOPLE_KILLED
    for path in folder.iterdir():  # every visible document is whole
        if path.is_file() and not path.name.startswith("."):
            assert _complete(path), path
    stamps = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.html")}

    slow.unlink()
    resumed = subprocess.run(command + ["--resume"], capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    manifest = json.loads((folder / "manifest.json").read_text())
    statuses = {e["key"]: e["status"] for e in manifest["reviews"] if e["kind"] == "review"}
    assert len(statuses) == PEOPLE_KILLED
    assert {k for k, s in statuses.items() if s == "unchanged"} == before  # finished ones are not rerun
    assert {k for k, s in statuses.items() if s == "ok"} == set(statuses) - before
    for key in before:
        assert (folder / f"{key}.html").stat().st_mtime_ns == stamps[f"{key}.html"]
    for key in statuses:
        assert _complete(folder / f"{key}.html") and _complete(folder / f"{key}.json")
    leftovers = [p.name for p in folder.rglob("*") if TEMPORARY_FILE.match(p.name)]
    assert not leftovers and not (folder / ".inputs").exists()


def test_resume_reruns_the_failed_review_and_keeps_the_finished_one(sample_dir, tmp_path, capsys):
    """One failing review does not stop the others (``amreview run`` says so, exit code 1), and
    ``--resume`` reruns it once it is fixed, keeping the finished one. The reviews run one after
    the other in the order selected, the failing one first: the other still runs after it."""
    from amreview.cli import main

    marker = tmp_path / "export-is-corrupt"
    marker.write_text("x")
    broken = light_review(
        tmp_path,
        f'import os\nif am_id == "AM001" and os.path.exists({str(marker)!r}):\n'
        '    raise RuntimeError("the CRM export for this person is corrupt")',
    )
    out = tmp_path / "reports"
    folder = out / PERIOD
    with pytest.raises(SystemExit) as exited:
        main(
            ["run", "--data", str(sample_dir), "--period", PERIOD, "--out", str(out), "--am", "AM001", "--am", "AM002"]
            + ["--jobs", "1", "--quiet", "--no-team-overviews", "--notebook", str(broken)]
        )
    printed = capsys.readouterr()
    assert exited.value.code == 1, printed.out + printed.err
    assert "1 of 2 reviews written" in printed.out and "FAILED AM001" in printed.out
    assert "the CRM export for this person is corrupt" in printed.out and "Traceback" not in printed.err
    entries = {e["key"]: e for e in json.loads((folder / "manifest.json").read_text())["reviews"]}
    assert {k: e["status"] for k, e in entries.items() if e["kind"] == "review"} == {"AM001": "failed", "AM002": "ok"}
    entry = entries["AM001"]
    assert entry["error"]["am_id"] == "AM001" and entry["error"]["cell"] == 2
    assert entry["error"]["error"] == "RuntimeError" and "corrupt" in entry["error"]["message"]
    assert (folder / "AM002.html").is_file() and not (folder / "AM001.html").exists()
    assert not (folder / "AM001.json").exists() and (folder / "AM001.ipynb").is_file()  # kept for inspection
    assert (folder / ".inputs" / "reviews" / "AM001").is_dir()  # and so is its input
    index = (folder / "index.html").read_text()
    assert (
        "1 ok, 1 failed" in index and "RuntimeError" in index and "the CRM export for this person is corrupt" in index
    )

    marker.unlink()  # the export is fixed: resume reruns the failed review only
    stamp = (folder / "AM002.html").stat().st_mtime_ns
    second = run_quarterly_reviews(
        sample_dir,
        PERIOD,
        out,
        n_jobs=1,
        am_ids=["AM001", "AM002"],
        progress=False,
        notebook=broken,
        team_overviews=False,
        resume=True,
    )
    assert {r.key: r.status for r in second.results} == {"AM001": "ok", "AM002": "unchanged"}
    assert (folder / "AM002.html").stat().st_mtime_ns == stamp
    assert (folder / "AM001.html").is_file() and (folder / "AM001.json").is_file()
    assert not (folder / ".inputs").exists()


def test_a_second_run_on_the_same_folder_is_refused_while_one_is_writing(tmp_path):
    from amreview.batch.lock import run_lock

    folder = tmp_path / "reports" / PERIOD
    folder.mkdir(parents=True)
    with run_lock(folder), pytest.raises(ParameterError, match="another amreview run is writing to"):
        run_quarterly_reviews("sample", PERIOD, tmp_path / "reports", progress=False)
    with run_lock(folder):  # released: the next run may take it
        pass


def test_a_refused_run_leaves_no_lock_file_and_no_folder(hand_pack_dir, tmp_path):
    from amreview.errors import DataError

    sales = pd.read_csv(hand_pack_dir / "sales.csv", dtype=str)
    sales.loc[0, "revenue"] = "abc"  # breaks the contract
    sales.to_csv(hand_pack_dir / "sales.csv", index=False)
    with pytest.raises(DataError):
        run_quarterly_reviews(hand_pack_dir, PERIOD, tmp_path / "new" / "reports", progress=False)
    assert not (tmp_path / "new").exists()  # neither the period's folder nor the ones above it

    folder = tmp_path / "reports" / PERIOD  # an earlier run's folder: kept, with its documents
    folder.mkdir(parents=True)
    (folder / "AM1.html").write_text("an earlier review")
    with pytest.raises(DataError):
        run_quarterly_reviews(hand_pack_dir, PERIOD, tmp_path / "reports", progress=False)
    assert sorted(p.name for p in folder.iterdir()) == ["AM1.html"]


def test_a_run_refused_for_an_unknown_name_leaves_nothing(hand_pack_dir, tmp_path):
    with pytest.raises(ParameterError, match="NOPE"):
        run_quarterly_reviews(hand_pack_dir, PERIOD, tmp_path / "reports", am_ids=["NOPE"], progress=False)
    assert list(tmp_path.iterdir()) == [hand_pack_dir]


def test_a_run_in_another_process_still_refuses_the_second(hand_pack_dir, tmp_path):
    folder = tmp_path / "reports" / PERIOD
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from amreview.batch.lock import run_lock\n"
            f"with run_lock(Path({str(folder)!r}), [Path({str(folder)!r})]):\n"
            "    print('held', flush=True); sys.stdin.readline()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(ParameterError, match="another amreview run is writing to"):
            run_quarterly_reviews(hand_pack_dir, PERIOD, tmp_path / "reports", progress=False)
        assert (folder / ".lock").is_file()  # the refused run left the holder's lock alone
    finally:
        holder.communicate("\n", timeout=60)
    assert holder.returncode == 0
    assert not (folder / ".lock").exists()  # the holder removed it on leaving


def test_a_lock_file_removed_by_its_holder_locks_nothing(tmp_path, monkeypatch):
    """A run that opened the lock file just before its holder left (and removed it) must not
    count the lock it then takes on the removed file: a third run may hold the new one."""
    import amreview.batch.lock as lock

    folder = tmp_path / "reports" / PERIOD
    folder.mkdir(parents=True)
    with lock.run_lock(folder):
        stale = (folder / lock.LOCK_FILE).open("a")  # the second run's open, before the first leaves
    assert not (folder / lock.LOCK_FILE).exists()
    with lock.run_lock(folder):  # the third run
        handles = iter([stale])
        opened = lock.open_private
        monkeypatch.setattr(lock, "open_private", lambda path, mode: next(handles, None) or opened(path, mode))
        with pytest.raises(ParameterError, match="another amreview run is writing to"):
            lock.take_lock(folder / lock.LOCK_FILE)  # locks the stale file, sees it gone, then is refused
    assert stale.closed


def test_the_run_command_passes_selection_resume_and_executor(runner_calls, tmp_path):
    from amreview.cli import main

    main(
        [
            "run",
            "--data",
            "sample",
            "--period",
            PERIOD,
            "--out",
            str(tmp_path),
            "--manager",
            "Priya Raman",
            "--team",
            "Public Sector",
            "--team",
            "Midlands & North",
            "--resume",
            "--no-team-overviews",
            "--executor",
            "dask",
            "--scheduler",
            "tcp://127.0.0.1:8786",
            "--timeout",
            "90",
            "--quiet",
        ]
    )
    [(_, kwargs)] = runner_calls
    assert kwargs["managers"] == ["Priya Raman"] and kwargs["teams"] == ["Public Sector", "Midlands & North"]
    assert kwargs["resume"] is True and kwargs["team_overviews"] is False and kwargs["timeout"] == 90
    assert kwargs["executor"] == "dask" and kwargs["scheduler"] == "tcp://127.0.0.1:8786"
    assert kwargs["progress"] is False and kwargs["am_ids"] is None


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--executor", "dask"], "--executor dask needs --scheduler"),
        (["--scheduler", "tcp://127.0.0.1:8786"], "--scheduler is only used with --executor dask"),
    ],
)
def test_the_run_command_refuses_a_half_given_cluster(arguments, message, tmp_path, capsys):
    from amreview.cli import main

    with pytest.raises(SystemExit) as caught:
        main(["run", "--data", "sample", "--period", PERIOD, "--out", str(tmp_path), *arguments])
    assert caught.value.code == 2 and message in capsys.readouterr().err


def test_the_scaled_sample_is_a_valid_pack_of_distinct_people(tmp_path):
    from amreview.cli import main

    main(
        [
            "sample",
            "--out",
            str(tmp_path / "pack"),
            "--account-managers",
            "20",
            "--lines",
            "5000",
            "--format",
            "parquet",
        ]
    )
    pack = load_pack(tmp_path / "pack")  # validated: ids and references hold
    people = pack.account_managers
    assert len(people) == 20 and len(pack.sales) == 5000
    assert people["am_id"].is_unique and people["name"].is_unique and people["email"].is_unique
    assert pack["accounts"]["name"].is_unique
    second = people[people["am_id"].str.startswith("R001-")]
    assert len(second) == 5 and second["manager"].str.endswith(" #1").all()
    assert set(pack.sales["am_id"]) <= set(people["am_id"])
    # a replica's notes and signed reviews are its own managers': the name each person's manager has
    managers = people.set_index("am_id")["manager"]
    for table, column in (("review_notes", "author"), ("review_outcomes", "manager_signed_by")):
        frame = pack[table]
        assert frame["am_id"].str.startswith("R001-").any(), table
        assert (frame[column] == frame["am_id"].map(managers)).all(), table
