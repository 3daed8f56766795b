"""No formula in any export (issue 12, item 3): every CSV amreview writes escapes text that a
spreadsheet would run (OWASP's rule), numbers stay numbers, a pack written and read again holds
the same values, and no workbook amreview writes holds a formula or error cell."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from amreview.cli import main
from amreview.data.datapack import load_pack, write_pack
from amreview.data.export import (
    could_be_formula,
    escape_formula,
    formula_safe,
    formula_text_restored,
    restore_formula_text,
    write_table,
)
from amreview.importing.importer import load_mapped_pack, map_sources, write_import
from tests.conftest import hand_tables
from tests.test_mapping import PEOPLE, mapping_of

PAYLOADS = ['=HYPERLINK("http://evil.example","click")', "=cmd|' /C calc'!A0", "+1+1", "-1+1", "@SUM(A1)"]
PLAIN_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def a_spreadsheet_could_run(cell: str) -> bool:
    """The OWASP rule, written out independently of amreview's: a cell a spreadsheet may take
    for a formula starts with = + - @ tab or CR (also after spaces) and is not just a number."""
    return (cell[:1] in ("\t", "\r") or cell.lstrip()[:1] in ("=", "+", "-", "@")) and not PLAIN_NUMBER.fullmatch(cell)


def csv_cells(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.reader(handle))


def booby_trapped_tables() -> dict[str, pd.DataFrame]:
    """The hand pack with a formula in every kind of text the scorecard shows: names, managers,
    teams and an id; AM3 gets a quarter of returns only, so a negative number is written too."""
    tables = hand_tables()
    people = tables["account_managers"]
    people.loc[0, "name"] = PAYLOADS[0]
    people.loc[1, "manager"] = PAYLOADS[1]
    people["team"] = [PAYLOADS[4], "\t=1+1", "-1+1"]  # a leading tab is trimmed at load: "=1+1"
    people.loc[2, "am_id"] = PAYLOADS[2]
    sales, targets = tables["sales"], tables["targets"]
    sales.loc[len(sales)] = ("L9", "2026-08-03", PAYLOADS[2], "C", "Dell P2425", -1, -300.0, -270.0)
    targets.loc[targets["am_id"] == "AM3", "am_id"] = PAYLOADS[2]
    return tables


@pytest.fixture
def trapped_pack(tmp_path) -> Path:
    folder = tmp_path / "trapped"
    folder.mkdir()
    for name, frame in booby_trapped_tables().items():
        frame.to_csv(folder / f"{name}.csv", index=False)  # pandas writes them raw, as an attacker would
    return folder


def test_scorecard_csv_escapes_every_formula_and_keeps_numbers(trapped_pack, tmp_path):
    out = tmp_path / "card.csv"
    main(["scorecard", "--data", str(trapped_pack), "--period", "2026Q3", "--out", str(out)])
    rows = csv_cells(out)
    header, body = rows[0], rows[1:]
    assert not [c for row in rows for c in row if a_spreadsheet_could_run(c)]
    cells = {c for row in body for c in row}
    for payload in [*PAYLOADS, "=1+1"]:
        assert "'" + payload in cells, payload
    revenue = {row[header.index("am_id")]: row[header.index("revenue")] for row in body}
    assert float(revenue["'+1+1"]) == -300.0 and revenue["'+1+1"].startswith("-")  # a number, unescaped


def test_scorecard_workbook_holds_no_formula_cell(trapped_pack, tmp_path):
    out = tmp_path / "card.xlsx"
    main(["scorecard", "--data", str(trapped_pack), "--period", "2026Q3", "--out", str(out)])
    book = load_workbook(out)
    assert book.sheetnames == ["Scorecard", "Data", "Columns"]
    for sheet in book:
        cells = [c for row in sheet.iter_rows() for c in row]
        assert not [c.coordinate for c in cells if c.data_type in ("f", "e")], sheet.title
        if sheet.title != "Columns":  # the hand-out and the data show the names and teams
            assert {PAYLOADS[0], PAYLOADS[1], PAYLOADS[4]} <= {c.value for c in cells}  # as text, unchanged


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_pack_with_formulas_is_written_safely_and_read_back_as_written(tmp_path, file_format):
    tables = booby_trapped_tables()
    tables["accounts"] = pd.DataFrame(
        {"account_id": ["A", "B", "C", "D", "E"], "name": ["#N/A", "'t Hooft", "'=already", "@home", "Initech"]}
    )
    folder = write_pack(tables, tmp_path / "pack", file_format)
    if file_format == "csv":
        cells = [c for name in tables for row in csv_cells(folder / f"{name}.csv") for c in row]
        assert not [c for c in cells if a_spreadsheet_could_run(c)]
        assert "-270.0" in cells  # negative numbers stay numbers
    else:
        for name in tables:
            book = load_workbook(folder / f"{name}.xlsx")
            assert not [c.coordinate for row in book.active.iter_rows() for c in row if c.data_type in ("f", "e")]
    pack = load_pack(folder)
    assert pack.account_managers["name"].tolist() == tables["account_managers"]["name"].tolist()
    assert pack.account_managers["team"].tolist() == [PAYLOADS[4], "=1+1", "-1+1"]
    assert pack["accounts"]["name"].tolist() == tables["accounts"]["name"].tolist()


def test_an_imported_pack_is_escaped_and_loads_as_mapped(tmp_path):
    pd.DataFrame({"Name": ["=1+1", "Brian Kernighan"], "Boss": ["@SUM(A1)", "-2+3"]}).to_csv(
        tmp_path / "people.csv", index=False
    )
    mapping = mapping_of(PEOPLE)
    pack, _ = write_import(map_sources(mapping, tmp_path), tmp_path / "pack")
    cells = [c for row in csv_cells(pack / "account_managers.csv") for c in row]
    assert {"'=1+1", "'@SUM(A1)", "'-2+3"} <= set(cells)
    loaded = load_pack(pack).account_managers
    assert loaded["name"].tolist() == ["=1+1", "Brian Kernighan"]
    pd.testing.assert_frame_equal(loaded, load_mapped_pack(mapping, tmp_path).account_managers, check_dtype=False)


@given(st.text(max_size=30))
@settings(max_examples=400, deadline=None)
def test_escaping_is_safe_and_undone_exactly(text):
    written = escape_formula(text)
    assert not a_spreadsheet_could_run(written)
    assert restore_formula_text(written) == text
    assert written == text or written == "'" + text


@given(
    st.lists(st.one_of(st.text(max_size=12), st.floats(allow_nan=False), st.none()), min_size=1, max_size=20),
    st.sampled_from(["str", "object"]),
)
@settings(max_examples=150, deadline=None)
def test_a_frame_is_escaped_cell_by_cell_and_the_callers_frame_is_left_alone(values, dtype):
    texts = [v for v in values if isinstance(v, str)]
    frame = pd.DataFrame({"text": pd.Series(texts or ["x"], dtype=dtype), "=name": -1.5})
    before = frame.copy()
    safe = formula_safe(frame)
    pd.testing.assert_frame_equal(frame, before)
    assert list(safe.columns) == ["text", "'=name"] and safe["'=name"].eq(-1.5).all()
    assert safe["text"].tolist() == [escape_formula(t) for t in (texts or ["x"])]
    pd.testing.assert_frame_equal(formula_text_restored(safe), before)


@pytest.mark.parametrize(
    "text, escaped",
    [
        ("=1+1", True),
        ("+1+1", True),
        ("-1+1", True),
        ("@SUM(A1)", True),
        ("\t=1+1", True),
        ("\rx", True),
        ("  =1+1", True),
        ("'=1+1", True),
        ("-200.5", False),
        ("+3", False),
        ("-1e5", False),
        ("Ada", False),
        ("a=b", False),
        ("'t Hooft", False),
        ("", False),
    ],
)
def test_what_counts_as_a_formula(text, escaped):
    assert could_be_formula(text) is escaped


def test_write_table_csv_of_a_frame(tmp_path):
    frame = pd.DataFrame(
        {"name": ["=1+1", "Ada"], "value": [-1.0, 2.0], "rating": pd.Categorical(["@Meets", "Exceeds"])}
    )
    out = write_table(frame, tmp_path / "t.csv")
    assert csv_cells(out) == [["name", "value", "rating"], ["'=1+1", "-1.0", "'@Meets"], ["Ada", "2.0", "Exceeds"]]
