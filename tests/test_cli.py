"""The command line: thin, and errors become one message and an exit code, never a traceback."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from amreview.cli import main


def amreview(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``amreview ARGS`` by its entry point (:func:`amreview.cli.main`) in this process, from
    ``cwd``: the command's own code, its exit code and what it printed, without a new interpreter
    importing it all again (``python -m amreview`` itself: :func:`amreview_process`). An error
    that escaped the command would be raised here, failing the test, where the process would
    print its traceback."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(cwd or Path.cwd()), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 1
    return subprocess.CompletedProcess(["amreview", *args], code, out.getvalue(), err.getvalue())


def amreview_process(*args: str) -> subprocess.CompletedProcess:
    """``python -m amreview ARGS`` in a process of its own, as a person runs it."""
    return subprocess.run([sys.executable, "-m", "amreview", *args], capture_output=True, text=True)


def test_broken_pack_prints_problems_without_traceback(hand_pack_dir, tmp_path):
    sales = pd.read_csv(hand_pack_dir / "sales.csv", dtype=str)
    sales.loc[2, "cost"] = "lots"
    sales.to_csv(hand_pack_dir / "sales.csv", index=False)
    done = amreview_process(
        "scorecard", "--data", str(hand_pack_dir), "--period", "2026Q3", "--out", str(tmp_path / "c.csv")
    )
    assert done.returncode == 3
    assert "table sales, row 4, column cost: expected a number, found 'lots'" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "c.csv").exists()


def test_bad_period_is_a_clear_error(hand_pack_dir, tmp_path):
    done = amreview("scorecard", "--data", str(hand_pack_dir), "--period", "Q3/26", "--out", str(tmp_path / "c.csv"))
    assert done.returncode == 2
    assert "period 'Q3/26' is not a quarter: expected YYYYQn, e.g. 2026Q3 (2026 Q3, 2026-Q3 and Q3 2026" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "c.csv").exists()


def test_a_quarter_spelled_another_way_is_the_quarter_it_names(hand_pack_dir, tmp_path):
    main(["scorecard", "--data", str(hand_pack_dir), "--period", "Q3 2026", "--out", str(tmp_path / "c.csv")])
    card = pd.read_csv(tmp_path / "c.csv")
    assert set(card["period"]) == {"2026Q3"} and card.loc[card["am_id"] == "AM1", "gross_margin"].item() == 185.0


def test_period_outside_the_pack(hand_pack_dir, tmp_path):
    done = amreview("scorecard", "--data", str(hand_pack_dir), "--period", "2027Q1", "--out", str(tmp_path / "c.csv"))
    assert done.returncode == 2
    assert "no sales in 2027Q1; its sales run from 2026-06-30 to 2026-10-01" in done.stderr


def test_validate_command(hand_pack_dir):
    done = amreview("validate", str(hand_pack_dir))
    assert done.returncode == 0 and "valid" in done.stdout
    (hand_pack_dir / "sales.csv").unlink()
    done = amreview("validate", str(hand_pack_dir))
    assert done.returncode == 3 and "table sales: expected a file sales.csv" in done.stderr


def test_scorecard_xlsx_is_formatted_and_holds_the_figures(hand_pack_dir, tmp_path):
    out = tmp_path / "card.xlsx"
    main(["scorecard", "--data", str(hand_pack_dir), "--period", "2026Q3", "--out", str(out)])
    sheet = load_workbook(out)["Data"]  # for analysts, after the hand-out (tests/test_scorecard_workbook.py)
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, sheet[2]))
    assert row["am_id"].value == "AM1"
    assert row["gross_margin"].value == pytest.approx(185.0)
    assert row["gm_pct"].number_format == "0.0%"
    assert row["revenue_attainment"].value == pytest.approx(1.32)
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    am2 = dict(zip(header, sheet[3]))
    assert am2["revenue_attainment"].value is None  # a zero target is "no target", not 0 %


def test_text_from_the_data_never_becomes_a_formula(hand_pack_dir, tmp_path):
    people = pd.read_csv(hand_pack_dir / "account_managers.csv")
    people.loc[0, "name"] = '=HYPERLINK("http://evil.example","x")'
    people.to_csv(hand_pack_dir / "account_managers.csv", index=False)
    out = tmp_path / "card.xlsx"
    main(["scorecard", "--data", str(hand_pack_dir), "--period", "2026Q3", "--out", str(out)])
    book = load_workbook(out)
    for cell in (book["Data"]["B2"], book["Scorecard"]["B2"]):  # the name, on both sheets
        assert cell.data_type == "s" and cell.value == people.loc[0, "name"]


def test_scorecard_rejects_unknown_suffix(hand_pack_dir, tmp_path):
    done = amreview("scorecard", "--data", str(hand_pack_dir), "--period", "2026Q3", "--out", str(tmp_path / "c.json"))
    assert done.returncode == 2 and "expected a file name ending in .csv or .xlsx" in done.stderr


def test_sample_command_is_deterministic(tmp_path):
    main(["sample", "--out", str(tmp_path / "a"), "--seed", "3"])
    main(["sample", "--out", str(tmp_path / "b"), "--seed", "3"])
    for name in ("account_managers", "sales", "targets", "opportunities"):
        assert (tmp_path / "a" / f"{name}.csv").read_bytes() == (tmp_path / "b" / f"{name}.csv").read_bytes()


def test_run_with_an_unknown_am_lists_the_known_ids_closest_first(hand_pack_dir, tmp_path):
    out = tmp_path / "reports"
    done = amreview("run", "--data", str(hand_pack_dir), "--period", "2026Q3", "--out", str(out), "--am", "AM01")
    assert done.returncode == 2, done.stderr
    assert "with am_id AM01 (known, closest first: AM1, AM2, AM3)" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (out / "2026Q3" / "index.html").exists()


@pytest.mark.parametrize("command", ["scorecard", "run", "forms", "validate"])
def test_a_missing_pack_folder_is_a_usage_error_and_writes_nothing(command, tmp_path):
    here = tmp_path / "here"
    here.mkdir()
    data = ["no/such/pack"] if command == "validate" else ["--data", "no/such/pack", "--period", "2026Q3"]
    done = amreview(command, *data, *(["--explain", "AM1"] if command == "scorecard" else []), cwd=here)
    assert done.returncode == 2, done.stderr  # a bad argument, not a pack breaking the contract (3)
    assert f"the data pack 'no/such/pack': no such folder (a relative path, resolved against {str(here)!r})" in (
        done.stderr
    )
    assert "Traceback" not in done.stderr
    assert list(here.iterdir()) == []  # no pack-quality.html, no reports folder


def test_a_file_given_as_the_pack_says_the_pack_is_the_folder_holding_it(hand_pack_dir):
    done = amreview("scorecard", "--data", str(hand_pack_dir / "sales.csv"), "--period", "2026Q3", "--explain", "AM1")
    assert done.returncode == 2
    holding = f"a pack is the folder holding its table files (one per table), here {str(hand_pack_dir)!r}"
    assert f"is a file, not a folder: {holding}" in done.stderr


def test_scorecard_without_out_writes_beside_the_runs_documents(hand_pack_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the README shows --out as optional: the default is reports/<period>/
    main(["scorecard", "--data", str(hand_pack_dir), "--period", "Q3 2026"])
    main(["scorecard", "--data", str(hand_pack_dir), "--period", "2026Q3", "--out", "given.xlsx"])

    def cells(path: Path) -> list:
        return [[c.value for c in row] for sheet in load_workbook(path) for row in sheet.iter_rows()]

    assert cells(tmp_path / "reports" / "2026Q3" / "scorecard.xlsx") == cells(tmp_path / "given.xlsx")
    main(["scorecard", "--data", str(hand_pack_dir), "--period", "2026Q3", "--explain", "AM1"])
    assert [p.name for p in (tmp_path / "reports" / "2026Q3").iterdir()] == ["scorecard.xlsx"]  # no other file
