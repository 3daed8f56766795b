"""The command line: thin, and errors become one message and an exit code, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from amreview.cli import main


def amreview(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "amreview", *args], capture_output=True, text=True, cwd=cwd)


def test_broken_pack_prints_problems_without_traceback(hand_pack_dir, tmp_path):
    sales = pd.read_csv(hand_pack_dir / "sales.csv", dtype=str)
    sales.loc[2, "cost"] = "lots"
    sales.to_csv(hand_pack_dir / "sales.csv", index=False)
    done = amreview("scorecard", "--data", str(hand_pack_dir), "--period", "2026Q3", "--out", str(tmp_path / "c.csv"))
    assert done.returncode == 3
    assert "table sales, row 4, column cost: expected a number, found 'lots'" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "c.csv").exists()


def test_bad_period_is_a_clear_error(hand_pack_dir, tmp_path):
    done = amreview("scorecard", "--data", str(hand_pack_dir), "--period", "2026-Q3", "--out", str(tmp_path / "c.csv"))
    assert done.returncode == 2
    assert "period '2026-Q3' is not a quarter: expected YYYYQn, e.g. 2026Q3" in done.stderr
    assert "Traceback" not in done.stderr


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
