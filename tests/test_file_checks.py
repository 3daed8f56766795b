"""A table file must be what it seems (issue 12, items 5 and 9): a header names each column once,
a cell holding the text ``nan`` is not an empty cell, and a file that is not UTF-8 is refused
with what it is and what to save it as — for packs and for exports read through a mapping."""

from __future__ import annotations

import codecs
import subprocess
import sys
import tempfile
from pathlib import Path
from unittest import mock

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

import amreview.data.file_checks as file_checks
from amreview.data.datapack import load_pack, write_pack
from amreview.errors import DataError
from amreview.importing.mapping import ExportError
from amreview.importing.sources import read_text_file, read_workbook
from tests.conftest import hand_tables
from tests.test_sql import empty_database, execute


def problems(exc: pytest.ExceptionInfo) -> list[dict]:
    return exc.value.problems.to_dict("records")


# --------------------------------------------------------------------------------------------
# Item 5: a header names each column once
# --------------------------------------------------------------------------------------------


def sales_with_a_second_revenue(heading: str) -> pd.DataFrame:
    """The hand pack's sales with a ×10 copy of revenue as the FIRST column, headed ``heading``."""
    sales = hand_tables()["sales"]
    sales.insert(0, "copy", sales["revenue"] * 10)
    return sales.rename(columns={"copy": heading})


@pytest.mark.parametrize(
    "heading, found",
    [
        ("revenue", "'revenue' in columns A and H"),
        (" revenue ", "' revenue ' (column A) and 'revenue' (column H)"),
        ("Revenue", "'Revenue' (column A) and 'revenue' (column H)"),
    ],
)
def test_a_csv_header_naming_a_column_twice_is_refused(hand_pack_dir, heading, found):
    sales_with_a_second_revenue(heading).to_csv(hand_pack_dir / "sales.csv", index=False)
    for am_ids in (None, ["AM1"]):  # a whole read and a slice read
        with pytest.raises(DataError) as exc:
            load_pack(hand_pack_dir, am_ids=am_ids)
        [problem] = problems(exc)
        assert (problem["table"], problem["row"], problem["column"], problem["check"]) == (
            "sales",
            1,
            heading.strip(),
            "header_unique",
        )
        assert problem["found"] == f"{found} in sales.csv"
        assert "each column named once" in problem["expected"]


def test_a_workbook_header_naming_a_column_twice_is_refused(tmp_path):
    tables = hand_tables()
    folder = write_pack(tables, tmp_path / "pack", "xlsx")
    book = Workbook()
    sheet = book.active
    frame = sales_with_a_second_revenue("revenue")
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append(list(row))
    book.save(folder / "sales.xlsx")
    with pytest.raises(
        DataError,
        match=r"table sales, row 1, column revenue: expected each column named once .*"
        r"found 'revenue' in columns A and H in sales.xlsx",
    ):
        load_pack(folder)


def test_a_parquet_schema_naming_a_column_twice_is_refused(tmp_path):
    folder = write_pack(hand_tables(), tmp_path / "pack", "parquet")
    frame = sales_with_a_second_revenue("x")
    table = pa.Table.from_pandas(frame, preserve_index=False).rename_columns(["revenue", *frame.columns[1:]])
    pq.write_table(table, folder / "sales.parquet")
    with pytest.raises(DataError) as exc:
        load_pack(folder)
    [problem] = problems(exc)
    assert (problem["table"], problem["column"], problem["check"]) == ("sales", "revenue", "header_unique")
    assert problem["found"] == "'revenue' in columns 1 and 8 in sales.parquet"


def test_a_sqlite_view_naming_a_column_twice_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'pack.db'}"
    write_pack(hand_tables(), url)
    execute(
        url,
        "ALTER TABLE sales RENAME TO sales_lines",
        "CREATE VIEW sales AS SELECT revenue * 10 AS revenue, * FROM sales_lines",
    )
    with pytest.raises(DataError) as exc:
        load_pack(url)
    [problem] = problems(exc)
    assert (problem["table"], problem["column"], problem["check"]) == ("sales", "revenue", "header_unique")
    assert problem["found"].startswith("'revenue' (column 1) and 'revenue:1' (column 8)")


def test_a_postgres_table_with_two_spellings_of_a_column_is_refused(tmp_path):
    with empty_database("postgresql", tmp_path) as url:
        write_pack(hand_tables(), url)
        execute(
            url, 'ALTER TABLE sales ADD COLUMN "Revenue" DOUBLE PRECISION', 'UPDATE sales SET "Revenue" = revenue * 10'
        )
        with pytest.raises(DataError) as exc:
            load_pack(url)
    [problem] = problems(exc)
    assert (problem["table"], problem["check"]) == ("sales", "header_unique")
    assert problem["found"] == "'revenue' (column 7) and 'Revenue' (column 9)"


def test_an_export_header_naming_a_column_twice_is_refused(tmp_path):
    (tmp_path / "people.csv").write_text("Name,Boss, name ,BOSS,Team\nAda,Grace,Ada,Grace,North\n", encoding="utf-8")
    with pytest.raises(ExportError) as exc:
        read_text_file(tmp_path / "people.csv", "people.csv")
    assert [(p["row"], p["column"], p["found"]) for p in problems(exc)] == [
        (1, "Name", "'Name' (column A) and 'name' (column C)"),
        (1, "Boss", "'Boss' (column B) and 'BOSS' (column D)"),
    ]
    book = Workbook()
    book.active.append(["Name", "Boss", "NAME"])
    book.active.append(["Ada", "Grace", "Ada"])
    book.save(tmp_path / "people.xlsx")
    with pytest.raises(ExportError, match=r"'Name' \(column A\) and 'NAME' \(column C\)"):
        read_workbook(tmp_path / "people.xlsx", "people.xlsx")


def test_distinct_headings_and_blank_ones_are_not_duplicates():
    assert file_checks.duplicate_headings(["revenue", "revenue.1", "", "", None, "cost"]) == []
    assert [file_checks.spreadsheet_column(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]


# --------------------------------------------------------------------------------------------
# Item 9: "nan" is text, not an empty cell
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["nan", "NaN", "-nan", " NAN "])
def test_nan_in_a_number_column_is_reported_as_found(hand_pack_dir, spelling):
    sales = pd.read_csv(hand_pack_dir / "sales.csv", dtype=str)
    sales.loc[1, "revenue"] = spelling
    sales.to_csv(hand_pack_dir / "sales.csv", index=False)
    with pytest.raises(DataError) as exc:
        load_pack(hand_pack_dir)
    assert [(p["row"], p["column"], p["expected"], p["found"]) for p in problems(exc)] == [
        (3, "revenue", "a number", repr(spelling))
    ]


def test_nan_in_an_optional_number_column_is_not_a_missing_value(hand_pack_dir):
    pd.DataFrame(
        {"opportunity_id": ["O1", "O2"], "am_id": ["AM1", "AM2"], "stage": ["won", "lost"], "value": ["1200", "NaN"]}
    ).to_csv(hand_pack_dir / "opportunities.csv", index=False)
    with pytest.raises(DataError) as exc:
        load_pack(hand_pack_dir)
    assert [(p["table"], p["row"], p["column"], p["expected"], p["found"]) for p in problems(exc)] == [
        ("opportunities", 3, "value", "a number, or an empty cell for none", "'NaN'")
    ]


def test_nan_or_nat_in_a_date_column_is_not_a_missing_date(hand_pack_dir):
    people = pd.read_csv(hand_pack_dir / "account_managers.csv", dtype=str)
    people["start_date"] = ["2025-01-06", "NaT", "nan"]
    people.to_csv(hand_pack_dir / "account_managers.csv", index=False)
    with pytest.raises(DataError) as exc:
        load_pack(hand_pack_dir)
    assert [(p["row"], p["column"], p["expected"], p["found"]) for p in problems(exc)] == [
        (3, "start_date", "a date YYYY-MM-DD, or an empty cell for none", "'NaT'"),
        (4, "start_date", "a date YYYY-MM-DD, or an empty cell for none", "'nan'"),
    ]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_words_pandas_takes_for_missing_are_text(tmp_path, file_format):
    tables = hand_tables()
    tables["account_managers"]["name"] = ["nan", "NULL", "None"]
    tables["account_managers"]["team"] = ["NA", "N/A", "#N/A"]
    pack = load_pack(write_pack(tables, tmp_path / "pack", file_format))
    assert pack.account_managers["name"].tolist() == ["nan", "NULL", "None"]
    assert pack.account_managers["team"].tolist() == ["NA", "N/A", "#N/A"]


# --------------------------------------------------------------------------------------------
# Item 9: a file that is not UTF-8
# --------------------------------------------------------------------------------------------

PEOPLE_TEXT = (
    "am_id,name,manager\nAM1,Zoë Ångström,Grace Hopper\nAM2,Brian Kernighan,Grace Hopper\nAM3,Cleo,Grace Hopper\n"
)


@pytest.mark.parametrize(
    "encoding, found",
    [
        ("utf-16", "account_managers.csv is UTF-16 LE text (the file starts with a UTF-16 byte-order mark), not UTF-8"),
        (
            "utf-16-be",
            "account_managers.csv is UTF-16 BE text without a byte-order mark (every other byte is zero), not UTF-8",
        ),
        ("utf-32", "account_managers.csv is UTF-32 LE text (the file starts with a UTF-32 byte-order mark), not UTF-8"),
        (
            "cp1252",
            "account_managers.csv is not UTF-8: the byte 0xEB at byte offset 25 (line 2) cannot be read as "
            "UTF-8; perhaps it is Windows-1252 (Western European)",
        ),
        (
            "xlsx",
            "account_managers.csv is a ZIP archive — an Excel workbook (.xlsx) or another packed file — not CSV text",
        ),
    ],
)
def test_a_pack_file_that_is_not_utf8_says_what_it_is(hand_pack_dir, encoding, found):
    data = PEOPLE_TEXT.encode(encoding) if encoding != "xlsx" else _workbook_bytes(hand_pack_dir)
    if encoding == "utf-16-be":
        assert not data.startswith(codecs.BOM_UTF16_BE)
    (hand_pack_dir / "account_managers.csv").write_bytes(data)
    for am_ids in (None, ["AM1"]):
        with pytest.raises(DataError) as exc:
            load_pack(hand_pack_dir, am_ids=am_ids)
        [problem] = problems(exc)
        assert (problem["table"], problem["check"]) == ("account_managers", "encoding")
        assert problem["found"].startswith(found)
        assert "CSV UTF-8 (Comma delimited)" in problem["expected"]
        assert "UnicodeDecodeError" not in str(exc.value)


def _workbook_bytes(folder: Path) -> bytes:
    """A workbook saved under a ``.csv`` name, as a person renaming a file would."""
    pd.read_csv(folder / "account_managers.csv").to_excel(folder / "book.xlsx", index=False)
    return (folder / "book.xlsx").read_bytes()


def test_validate_names_a_utf16_file_without_a_traceback(hand_pack_dir):
    (hand_pack_dir / "sales.csv").write_bytes((hand_pack_dir / "sales.csv").read_text().encode("utf-16"))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "amreview",
            "validate",
            str(hand_pack_dir),
            "--report",
            str(hand_pack_dir.parent / "q.html"),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 3
    assert "sales.csv is UTF-16 LE text" in done.stderr and "CSV UTF-8" in done.stderr
    assert "Traceback" not in done.stderr and "UnicodeDecodeError" not in done.stderr


@pytest.mark.parametrize(
    "encoding, codec, found",
    [
        ("utf-16", "utf-16", "people.csv is UTF-16 LE text (the file starts with a UTF-16 byte-order mark), not UTF-8"),
        ("cp1252", "cp1252", "people.csv is not UTF-8: the byte 0xEB at byte offset 25 (line 2)"),
    ],
)
def test_an_export_that_is_not_utf8_says_what_it_is_and_how_to_read_it(tmp_path, encoding, codec, found):
    path = tmp_path / "people.csv"
    path.write_bytes(PEOPLE_TEXT.encode(encoding))
    with pytest.raises(ExportError) as exc:
        read_text_file(path, "people.csv")
    [problem] = problems(exc)
    assert problem["check"] == "encoding" and problem["found"].startswith(found)
    assert f"set encoding = {codec!r}" in problem["expected"] and "CSV UTF-8" in problem["expected"]
    assert read_text_file(path, "people.csv", encoding=codec).frame["name"].tolist()[0] == "Zoë Ångström"


@given(
    st.text(min_size=0, max_size=60),
    st.integers(min_value=0),
    st.sampled_from([b"\xff", b"\xe9", b"\xc3"]),
    st.sampled_from([1, 2, 3, 7, 64]),
)
@settings(max_examples=200, deadline=None)
def test_the_first_bad_byte_is_found_across_blocks(text, where, bad, block):
    data = text.encode("utf-8")
    cut = where % (len(data) + 1)
    while cut and (data[cut] & 0xC0 == 0x80 if cut < len(data) else False):
        cut -= 1  # between characters
    data = data[:cut] + bad + data[cut:]
    expected = None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        expected = (exc.start, data[: exc.start].count(b"\n") + 1)
    with tempfile.TemporaryDirectory() as folder, mock.patch.object(file_checks, "BLOCK", block):
        path = Path(folder) / "export.csv"
        path.write_bytes(data)
        found = file_checks.first_bad_byte(path)
    assert (found.offset, found.line, found.found[:1]) == (*expected, bad)


def test_the_quality_report_shows_a_repeated_column_at_row_1(hand_pack_dir):
    from amreview.errors import describe_problem
    from amreview.quality.checks import check_pack
    from amreview.quality.report import render_quality

    sales_with_a_second_revenue("revenue").to_csv(hand_pack_dir / "sales.csv", index=False)
    report = check_pack(hand_pack_dir)
    [error] = report.errors.to_dict("records")
    assert describe_problem(error).startswith("table sales, row 1, column revenue: expected each column named once")
    page = render_quality(report)
    assert '<td>sales</td><td class="num">1</td><td>revenue</td>' in page and ">1.0<" not in page
