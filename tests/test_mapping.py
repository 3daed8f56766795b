"""Mapping exports onto the contract: each feature on small frames with hand-computed results,
Excel layouts built in the test, bad mapping files refused with the setting named, and the
``amreview import`` command."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from amreview.cli import main
from amreview.data.datapack import load_pack
from amreview.errors import ConfigError, DataError
from amreview.importing.importer import load_mapped_pack, map_sources, write_import
from amreview.importing.mapping import IdRule, load_mapping, parse_mapping
from amreview.importing.mapping_apply import apply_source
from amreview.importing.values import convert, derive_id, parse_period, slug

PEOPLE = {
    "file": "people.csv",
    "table": "account_managers",
    "columns": {"am_id": {"id_from": "Name"}, "name": "Name", "manager": "Boss"},
}


def mapping_of(*sources, empty=("sales", "targets"), **top) -> object:
    """A validated mapping of ``sources`` (dicts as the TOML would give them)."""
    return parse_mapping(
        {
            "empty_tables": [t for t in empty if not any(s["table"] == t for s in sources)],
            "source": list(sources),
            **top,
        }
    )


def apply(raw: pd.DataFrame, source: dict, *others, **top):
    mapping = mapping_of(source, *(others or (PEOPLE,)), **top)
    return apply_source(raw, mapping.source[0], mapping, "export.csv")


def entries(mapped, action: str) -> list[dict]:
    return [e for e in mapped.report.entries if e["action"] == action]


# --------------------------------------------------------------------------------------------
# Values: ids, numbers, dates, booleans, periods
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Darcel Schlecht", "darcel-schlecht"),
        ("  darcel   SCHLECHT ", "darcel-schlecht"),  # the same person, typed differently
        ("Zoë O'Brien-Smith", "zoe-o-brien-smith"),
        ("Mei-Mei Johns", "mei-mei-johns"),
    ],
)
def test_slug(name, expected):
    assert slug(name) == expected


def test_derived_ids_are_stable_and_prefixed():
    assert derive_id("Ada Lovelace", IdRule(style="slug", prefix="AM-")) == "AM-ada-lovelace"
    # sha256("ada lovelace") starts 177f85df (computed outside amreview)
    assert derive_id(" Ada  LOVELACE", IdRule(style="hash", prefix="AM", length=8)) == "AM177f85df"
    assert derive_id("", IdRule()) is None and derive_id(None, IdRule()) is None


@pytest.mark.parametrize(
    "text, decimal, thousands, expected",
    [
        ("1,234.50", ".", ",", 1234.5),
        ("(1,200)", ".", ",", -1200.0),
        (" 1 300 ", ".", ",", 1300.0),
        ("1.234,5", ",", ".", 1234.5),
        ("-7", ".", ",", -7.0),
        (12, ".", ",", 12.0),
        (2.5, ".", ",", 2.5),
    ],
)
def test_numbers_stored_as_text(text, decimal, thousands, expected):
    values, invalid = convert(pd.Series([text], dtype=object), "number", decimal=decimal, thousands=thousands)
    assert values.iloc[0] == pytest.approx(expected) and not invalid.any()


def test_bad_numbers_are_flagged_and_empty_cells_are_not():
    values, invalid = convert(pd.Series(["abc", "", None, "1.2.3", True], dtype=object), "number")
    assert values.isna().all()
    assert invalid.tolist() == [True, False, False, True, True]


def test_dates_from_text_formats_datetime_cells_and_excel_serials():
    raw = pd.Series(["2026-07-01", dt.datetime(2026, 8, 2, 15, 30), 45658, "2026-07-03 00:00:00"], dtype=object)
    values, invalid = convert(raw, "date", excel=True)
    assert list(values) == [
        pd.Timestamp("2026-07-01"),
        pd.Timestamp("2026-08-02"),
        pd.Timestamp("2025-01-01"),
        pd.Timestamp("2026-07-03"),
    ]
    assert not invalid.any()
    values, invalid = convert(
        pd.Series(["01/07/2026", "31/02/2026", "2026-07-01"], dtype=object), "date", date_format="%d/%m/%Y"
    )
    assert values.iloc[0] == pd.Timestamp("2026-07-01")
    assert invalid.tolist() == [False, True, True]
    _, invalid = convert(pd.Series([45658], dtype=object), "date", excel=False)  # a number in a CSV is no date
    assert invalid.all()


def test_booleans():
    values, invalid = convert(pd.Series(["Yes", "n", "1", True, "maybe", None], dtype=object), "bool")
    assert values.tolist()[:4] == [True, False, True, True]
    assert invalid.tolist() == [False, False, False, False, True, False]


@pytest.mark.parametrize(
    "value, kind, expected",
    [
        ("Q3 2026", "quarter", "2026Q3"),
        ("2026-Q3", "quarter", "2026Q3"),
        ("q3-26", "quarter", "2026Q3"),
        ("2026 Q3", "period", "2026Q3"),
        (dt.datetime(2026, 8, 15), "quarter", "2026Q3"),
        (dt.datetime(2026, 8, 15), "month", "2026-08"),
        ("Jul 2026", "month", "2026-07"),
        ("July 2026", "period", "2026-07"),
        ("07/2026", "month", "2026-07"),
        ("2026/7", "month", "2026-07"),
        ("2026-11", "quarter", "2026Q4"),
        ("2026Q5", "quarter", None),
        ("2026-13", "month", None),
        ("someday", "period", None),
    ],
)
def test_period_spellings(value, kind, expected):
    assert parse_period(value, kind) == expected


# --------------------------------------------------------------------------------------------
# Applying a source: renames, value maps, constants, ids, dates, units, defaults, filters
# --------------------------------------------------------------------------------------------

PIPELINE = {
    "file": "export.csv",
    "table": "opportunities",
    "columns": {
        "opportunity_id": "Opp ID",
        "am_id": {"id_from": "Owner"},
        "account_id": {"id_from": "Account"},
        "stage": {"from": "Stage", "map": {"Closed Won": "won", "Closed Lost": "lost", "Open": "engaging"}},
        "created_date": {"from": "Created", "date_format": "%d/%m/%Y"},
        "value": {"from": "Amount (k)", "scale": 1000},
        "new_business": {"value": True},
    },
}


def pipeline_raw() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Opp ID": ["O1", "O2", "O3", "O4", None],
            "Owner": ["Ada Lovelace", "ada lovelace", "Brian Kernighan", "Ada Lovelace", "Ada Lovelace"],
            "Account": ["Acme Ltd", None, "Initech", "Acme Ltd", "Acme Ltd"],
            "Stage": ["Closed Won", "closed lost", "Negotiation", "Open", "Open"],
            "Created": ["01/07/2026", "15/08/2026", "02/07/2026", "2026-07-05", "03/07/2026"],
            "Amount (k)": ["1,5", "12", "3", "0,25", "1"],
        },
        dtype=object,
    )


def test_a_pipeline_export_becomes_opportunities():
    raw = pipeline_raw()
    before = raw.copy()
    mapped = apply(raw, {**PIPELINE, "decimal": ",", "thousands": "."})
    pd.testing.assert_frame_equal(raw, before)  # the caller's frame is not modified
    frame = mapped.frame
    # O3: 'Negotiation' is not in the map of a coded column → rejected; O4: not a d/m/Y date → rejected;
    # row 6: no Opp ID (required) → rejected.
    assert frame["opportunity_id"].tolist() == ["O1", "O2"]
    assert frame["am_id"].tolist() == ["ada-lovelace", "ada-lovelace"]
    assert frame["account_id"].tolist() == ["acme-ltd", None]
    assert frame["stage"].tolist() == ["won", "lost"]  # map keys match whatever the case
    assert frame["created_date"].tolist() == [pd.Timestamp("2026-07-01"), pd.Timestamp("2026-08-15")]
    assert frame["value"].tolist() == [1500.0, 12000.0]  # "1,5" thousand with a decimal comma
    assert frame["new_business"].tolist() == [True, True]
    assert frame["@row"].tolist() == [2, 3]  # rows as the file shows them (header = row 1)
    rejected = {e["detail"]: (e["rows"], e["examples"]) for e in entries(mapped, "rejected")}
    assert rejected == {
        "stage: 'Negotiation' (in Stage) is not in the value map": (1, "4"),
        "created_date: expected a date in the format '%d/%m/%Y', found '2026-07-05' (in Created)": (1, "5"),
        "opportunity_id is empty (the contract requires it; from Opp ID)": (1, "6"),
    }
    mapped_values = {e["detail"]: e["rows"] for e in entries(mapped, "mapped")}
    assert mapped_values["Stage 'Closed Won' → stage 'won'"] == 1
    assert mapped_values["Stage 'closed lost' → stage 'lost'"] == 1
    findings = [e["detail"] for e in entries(mapped, "finding")]
    assert any(d.startswith("account_id is empty in 1 of 2 rows") for d in findings)


def test_unmapped_values_of_free_text_are_kept_and_corrections_are_findings():
    source = {
        "file": "accounts.csv",
        "table": "accounts",
        "columns": {
            "account_id": {"id_from": "Account"},
            "name": "Account",
            "sector": {"from": "Sector", "map": {"technolgy": "technology"}},
        },
    }
    raw = pd.DataFrame({"Account": ["A", "B", "C"], "Sector": ["technolgy", "retail", None]}, dtype=object)
    mapped = apply(raw, source)
    assert mapped.frame["sector"].tolist() == ["technology", "retail", None]
    assert [e["detail"] for e in entries(mapped, "finding") if "corrected" in e["detail"]] == [
        "Sector 'technolgy' corrected to 'technology' by the value map"
    ]
    assert "'retail' ×1" in entries(mapped, "unmapped")[0]["detail"]
    emptied = apply(
        raw,
        {
            **source,
            "columns": {
                **source["columns"],
                "sector": {"from": "Sector", "map": {"technolgy": "technology"}, "unmapped": "empty"},
            },
        },
    )
    assert emptied.frame["sector"].tolist() == ["technology", None, None]


def test_defaults_constants_and_invalid_cells_left_empty():
    source = {
        "file": "export.csv",
        "table": "activities",
        "columns": {
            "activity_id": "id",
            "am_id": {"value": "AM1"},
            "activity_date": "date",
            "type": {"from": "kind", "map": {"Phone": "call", "Onsite": "visit"}, "default": "other"},
            "logged_date": {"from": "logged", "invalid": "empty"},
        },
    }
    raw = pd.DataFrame(
        {
            "id": ["A1", "A2", "A3"],
            "date": ["2026-07-01"] * 3,
            "kind": ["Phone", None, "Onsite"],
            "logged": ["2026-07-02", "soon", None],
        },
        dtype=object,
    )
    mapped = apply(raw, source, {**PEOPLE})
    assert mapped.frame["type"].tolist() == ["call", "other", "visit"]
    assert mapped.frame["am_id"].tolist() == ["AM1"] * 3
    assert mapped.frame["logged_date"].isna().tolist() == [False, True, True]
    defaulted = {e["detail"]: e["rows"] for e in entries(mapped, "defaulted")}
    assert defaulted["1 empty cells of type set to 'other'"] == 1
    assert defaulted["1 cells of logged that are not a date YYYY-MM-DD left empty (invalid = 'empty')"] == 1
    assert entries(mapped, "constant")[0]["detail"] == "am_id = 'AM1' (not in the source)"


@pytest.mark.parametrize(
    "condition, kept",
    [
        ({"column": "Region", "equals": "UK"}, ["L1", "L3"]),
        ({"column": "Region", "not_equals": "UK"}, ["L2", "L4"]),
        ({"column": "Region", "in": ["UK", "IE"]}, ["L1", "L2", "L3"]),
        ({"column": "Region", "not_in": ["UK"]}, ["L2", "L4"]),
        ({"column": "Region", "empty": True}, ["L4"]),
        ({"column": "Region", "empty": False}, ["L1", "L2", "L3"]),
        ({"column": "Line", "matches": "^L[13]$"}, ["L1", "L3"]),
    ],
)
def test_row_filters(condition, kept):
    source = {
        "file": "export.csv",
        "table": "back_orders",
        "where": [condition],
        "columns": {
            "order_line_id": "Line",
            "am_id": {"value": "AM1"},
            "order_date": {"value": "2026-07-01"},
            "value": {"value": 1},
        },
    }
    raw = pd.DataFrame({"Line": ["L1", "L2", "L3", "L4"], "Region": ["UK", "IE", " UK ", None]}, dtype=object)
    mapped = apply(raw, source)
    assert mapped.frame["order_line_id"].tolist() == kept
    filtered = entries(mapped, "filtered")
    assert sum(e["rows"] for e in filtered) == 4 - len(kept)


def test_fill_down_and_format_templates():
    source = {
        "file": "export.csv",
        "table": "targets",
        "fill_down": ["Rep"],
        "columns": {
            "am_id": {"id_from": "Rep"},
            "period": {"format": "{Year}-{Month}"},
            "measure": "Measure",
            "target": "Target",
        },
    }
    raw = pd.DataFrame(
        {
            "Rep": ["Ada Lovelace", None, "Brian K"],
            "Year": ["2026", "2026", "2026"],
            "Month": ["07", "08", "07"],
            "Measure": ["revenue"] * 3,
            "Target": ["10", "20", "30"],
        },
        dtype=object,
    )
    mapped = apply(raw, source)
    assert mapped.frame[["am_id", "period", "target"]].values.tolist() == [
        ["ada-lovelace", "2026-07", 10.0],
        ["ada-lovelace", "2026-08", 20.0],
        ["brian-k", "2026-07", 30.0],
    ]


def test_wide_monthly_targets_become_long_rows():
    source = {
        "file": "targets.csv",
        "table": "targets",
        "unpivot": {"pattern": "^M(?P<month>0[1-9]|1[0-2])$"},
        "columns": {
            "am_id": {"id_from": "Rep"},
            "period": {"format": "{Year}-{month}"},
            "measure": {"value": "gross_margin"},
            "target": {"from": "@value", "scale": 1000},
        },
    }
    raw = pd.DataFrame(
        {
            "Rep": ["Ada Lovelace", "Brian K"],
            "Year": [2026, 2026],
            **{f"M{m:02d}": [float(m), None if m > 2 else 0.5] for m in range(1, 13)},
        }
    )
    mapped = apply(raw, source)
    frame = mapped.frame
    # Ada: 12 months, 1k … 12k; Brian: M01 and M02 only (0.5k each); 10 empty cells give no row
    assert len(frame) == 14
    ada = frame[frame["am_id"] == "ada-lovelace"]
    assert ada["period"].tolist() == [f"2026-{m:02d}" for m in range(1, 13)]
    assert ada["target"].tolist() == [1000.0 * m for m in range(1, 13)]
    assert frame.loc[frame["am_id"] == "brian-k", "target"].tolist() == [500.0, 500.0]
    assert frame["@row"].tolist() == [2] * 12 + [3] * 2
    assert entries(mapped, "skipped")[0]["rows"] == 10


def test_ids_derived_from_two_spellings_are_a_finding():
    raw = pd.DataFrame({"Name": ["Anne-Marie Duval", "Anne Marie Duval"], "Boss": ["G", "G"]}, dtype=object)
    mapped = apply(raw, PEOPLE)
    assert mapped.frame["am_id"].tolist() == ["anne-marie-duval", "anne-marie-duval"]
    (finding,) = [e for e in entries(mapped, "finding") if "different names" in e["detail"]]
    assert "'anne marie duval', 'anne-marie duval'" in finding["detail"] and finding["rows"] == 2


def test_lookup_against_another_file_is_reported():
    source = {
        "file": "export.csv",
        "table": "opportunities",
        "columns": {"opportunity_id": "id", "am_id": {"value": "AM1"}, "stage": {"value": "won"}},
        "keep": {
            "product": {
                "from": "product",
                "map": {"GTXPro": "GTX Pro"},
                "unmapped": "keep",
                "lookup": {"file": "products.csv", "column": "product"},
            }
        },
    }
    mapping = mapping_of(source, PEOPLE)
    raw = pd.DataFrame({"id": ["1", "2", "3"], "product": ["GTXPro", "GTX Pro", "Widget"]}, dtype=object)
    mapped = apply_source(
        raw, mapping.source[0], mapping, "export.csv", lookups={("products.csv", "product"): {"GTX Pro", "MG Special"}}
    )
    assert mapped.frame["product"].tolist() == ["GTX Pro", "GTX Pro", "Widget"]
    details = {
        e["detail"].split(";")[1].strip(): e["rows"]
        for e in entries(mapped, "finding")
        if "products.csv" in e["detail"]
    }
    assert details == {
        "the value map makes it 'GTX Pro', which products.csv lists": 1,
        "kept as it is: check the spelling or add it to the value map": 1,
    }


def test_a_column_the_file_lacks_is_a_clear_error():
    raw = pd.DataFrame({"Name ": ["A"], "Manager": ["G"]}, dtype=object)
    with pytest.raises(DataError) as info:
        apply(raw, {**PEOPLE, "file": "people.csv"})
    message = str(info.value)
    assert message.startswith("the exports cannot be read as the mapping says (2 problems):")
    assert "table export.csv, row 1, column Name: expected a column 'Name' in the header" in message
    assert "column Boss" in message and "found the columns 'Name ', 'Manager'" in message


# --------------------------------------------------------------------------------------------
# Mapping files: loading and clear errors
# --------------------------------------------------------------------------------------------

GOOD_TOML = """
name = "small"
empty_tables = ["sales", "targets"]
[ids]
am_id = { style = "slug", prefix = "AM-" }
[[source]]
file = "people.csv"
table = "account_managers"
[source.columns]
am_id = { id_from = "Name" }
name = "Name"
manager = "Boss"
"""


def write_mapping(tmp_path: Path, text: str, name: str = "mapping.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_mapping_file_loads(tmp_path):
    mapping = load_mapping(write_mapping(tmp_path, GOOD_TOML))
    assert mapping.name == "small" and mapping.tables() == ["account_managers", "sales", "targets"]
    assert mapping.id_rule("am_id").prefix == "AM-"


@pytest.mark.parametrize(
    "change, message",
    [
        (
            ('manager = "Boss"', 'manager = "Boss"\nteem = "Team"'),
            "source 1 (people.csv → account_managers), columns.teem: expected a column of account_managers "
            "(am_id, name, manager, team, start_date, email); put extra columns under [source.keep]",
        ),
        (
            ('manager = "Boss"', ""),
            "source 1 (people.csv → account_managers), columns: expected the columns account_managers requires "
            "(am_id, name, manager), missing manager",
        ),
        (
            ('name = "Name"', 'name = { from = "Name", value = "x" }'),
            "columns.name: expected exactly one of from, value, id_from or format, found from and value",
        ),
        (
            ('name = "Name"', 'name = { from = "Name", mapp = {} }'),
            "columns.name.mapp: an unknown setting (check its spelling)",
        ),
        (
            ('table = "account_managers"', 'table = "account_manager"'),
            "source 1 (people.csv → account_manager), table: expected one of account_managers, sales, targets",
        ),
        (
            ('empty_tables = ["sales", "targets"]', 'empty_tables = ["sales"]'),
            "targets: expected a [[source]] with table = 'targets', or 'targets' in empty_tables",
        ),
        (
            ('file = "people.csv"', 'file = "people.xls"'),
            "file: expected a .csv or .xlsx file (save it as .xlsx), found 'people.xls'",
        ),
        (
            ('file = "people.csv"', 'file = "people.csv"\nsheet = "Q1"'),
            "sheet: expected only for .xlsx files, found sheet = 'Q1'",
        ),
        (
            ('file = "people.csv"', 'file = "people.xlsx"\nheader_row = 0'),
            "header_row: expected greater than or equal to 1 (found 0)",
        ),
        (
            ('name = "Name"', 'name = { from = "Name", scale = 1000 }'),
            "columns.name: scale only for number columns, name is text",
        ),
        (('style = "slug"', 'style = "slugg"'), "ids.am_id.style: expected 'slug' or 'hash' (found 'slugg')"),
        (
            ('name = "Name"', "name = 5"),
            "columns.name: expected a source column's name, or a table of settings such as "
            '{ from = "column" } (found 5)',
        ),
    ],
)
def test_bad_mapping_files_name_the_setting(tmp_path, change, message):
    old, new = change
    assert old in GOOD_TOML
    path = write_mapping(tmp_path, GOOD_TOML.replace(old, new, 1))
    with pytest.raises(ConfigError) as info:
        load_mapping(path)
    assert str(info.value).startswith(f"mapping {path} is not valid:")
    assert message in str(info.value)


@pytest.mark.parametrize(
    "extra, message",
    [
        (
            '[[source]]\nfile = "o.csv"\ntable = "opportunities"\n[source.columns]\nopportunity_id = "id"\n'
            'am_id = { id_from = "Owner" }\nstage = { from = "S", map = { Won = "closed-won" } }\n',
            "source 2 (o.csv → opportunities), columns.stage.map: 'Won' maps to 'closed-won'; expected one of "
            "prospecting, engaging, won, lost",
        ),
        (
            '[[source]]\nfile = "o.csv"\ntable = "opportunities"\n[source.columns]\nopportunity_id = "id"\n'
            'am_id = "a"\nstage = "s"\nnew_business = { value = "maybe" }\n',
            "columns.new_business.value: expected true or false, found 'maybe'",
        ),
        (
            '[[source]]\nfile = "t.csv"\ntable = "review_notes"\nunpivot = { pattern = "M(\\\\d" }\n[source.columns]\n'
            'am_id = "a"\nperiod = "p"\nsection = "s"\ntext = "@value"\n',
            "unpivot: expected pattern as a regular expression",
        ),
        (
            '[[source]]\nfile = "t.csv"\ntable = "review_notes"\nwhere = [{ column = "x", equals = 1, in = [1] }]\n'
            '[source.columns]\nam_id = "a"\nperiod = "p"\nsection = "s"\ntext = "t"\n',
            "where.#1: expected exactly one of equals, not_equals, in, not_in, empty or matches",
        ),
        (
            '[[source]]\nfile = "t.csv"\ntable = "review_notes"\n[source.columns]\nam_id = "a"\nperiod = "p"\n'
            'section = "s"\ntext = "@value"\n',
            "columns.text: @value exists only with [source.unpivot]",
        ),
    ],
)
def test_bad_sources_name_the_setting(tmp_path, extra, message):
    path = write_mapping(tmp_path, GOOD_TOML + extra)
    with pytest.raises(ConfigError, match="is not valid") as info:
        load_mapping(path)
    assert message in str(info.value)


def test_unreadable_mapping_files(tmp_path):
    with pytest.raises(ConfigError, match=r"mapping .*nowhere.toml: no such file"):
        load_mapping(tmp_path / "nowhere.toml")
    with pytest.raises(ConfigError, match=r"not valid TOML"):
        load_mapping(write_mapping(tmp_path, "name = "))


# --------------------------------------------------------------------------------------------
# Excel layouts, built here with openpyxl
# --------------------------------------------------------------------------------------------


def people_csv(folder: Path, names=("Ada Lovelace", "Brian Kernighan")) -> None:
    pd.DataFrame({"Name": list(names), "Boss": ["Grace Hopper"] * len(names)}).to_csv(
        folder / "people.csv", index=False
    )


def quarter_sheet(book, title: str, rows, merge_rep=False):
    ws = book.create_sheet(title)
    ws.append([f"Northbridge Distribution — targets {title}"])  # row 1: a title
    ws.merge_cells("A1:C1")
    ws.append(["(in £ thousands)"])  # row 2: a note
    ws.append(["Account manager", "Measure", "Target"])  # row 3: the header
    for row in rows:
        ws.append(row)
    if merge_rep:
        ws.merge_cells("A4:A5")  # one name for two measure rows
    return ws


TARGETS_SOURCE = {
    "file": "targets.xlsx",
    "table": "targets",
    "header_row": 3,
    "columns": {
        "am_id": {"id_from": "Account manager"},
        "period": {"from": "@sheet", "parse": "quarter"},
        "measure": {"from": "Measure", "map": {"Revenue": "revenue", "GM": "gross_margin"}},
        "target": {"from": "Target", "scale": 1000},
    },
}


def targets_workbook(folder: Path) -> None:
    book = Workbook()
    book.remove(book.active)
    quarter_sheet(
        book,
        "Q3 2026",
        [["Ada Lovelace", "Revenue", "1,200"], [None, "GM", " 96.5 "], ["Brian Kernighan", "Revenue", 800]],
        merge_rep=True,
    )
    quarter_sheet(book, "Q4 2026", [["Ada Lovelace", "Revenue", 1300], ["Brian Kernighan", "Revenue", "900"]])
    book.create_sheet("Notes").append(["not a targets sheet"])
    book.save(folder / "targets.xlsx")


def test_targets_kept_one_sheet_per_quarter_under_title_rows(tmp_path):
    people_csv(tmp_path)
    targets_workbook(tmp_path)
    mapping = mapping_of(PEOPLE, {**TARGETS_SOURCE, "sheet": ["Q3 2026", "Q4 2026"]}, empty=("sales",))
    result = map_sources(mapping, tmp_path)
    assert result.ok, result.problems
    targets = result.tables["targets"]
    assert targets.values.tolist() == [
        ["ada-lovelace", "2026Q3", "revenue", 1_200_000.0],  # "1,200" stored as text
        ["ada-lovelace", "2026Q3", "gross_margin", 96_500.0],  # the merged name fills the second row
        ["brian-kernighan", "2026Q3", "revenue", 800_000.0],
        ["ada-lovelace", "2026Q4", "revenue", 1_300_000.0],
        ["brian-kernighan", "2026Q4", "revenue", 900_000.0],
    ]
    findings = [e["detail"] for e in result.report.entries if e["action"] == "finding"]
    assert (
        "sheet 'Q3 2026': 1 merged cell range below the header: every cell of a range takes the range's value"
    ) in findings
    pack = result.pack
    assert pack.targets["target"].sum() == pytest.approx(4_296_500.0)


def test_every_sheet_and_a_missing_sheet(tmp_path):
    people_csv(tmp_path)
    targets_workbook(tmp_path)
    with pytest.raises(DataError) as info:
        map_sources(mapping_of(PEOPLE, {**TARGETS_SOURCE, "sheet": "*"}, empty=("sales",)), tmp_path)
    # the Notes sheet has no header in row 3: named, with the sheet
    assert "table targets.xlsx, sheet 'Notes', row 3: expected the column names in row 3" in str(info.value)
    with pytest.raises(DataError) as info:
        map_sources(mapping_of(PEOPLE, {**TARGETS_SOURCE, "sheet": "2026Q3"}, empty=("sales",)), tmp_path)
    assert "expected the sheet '2026Q3', found the sheets 'Q3 2026', 'Q4 2026', 'Notes'" in str(info.value)
    book = Workbook()
    book.remove(book.active)
    quarter_sheet(book, "Q3 2026", [["Ada Lovelace", "Revenue", 1]])
    quarter_sheet(book, "Q4 2026", [["Ada Lovelace", "Revenue", 2]]).cell(3, 3).value = "Target (k)"
    book.save(tmp_path / "targets.xlsx")
    with pytest.raises(DataError) as info:  # each sheet must have the columns, not just one of them
        map_sources(mapping_of(PEOPLE, {**TARGETS_SOURCE, "sheet": "*"}, empty=("sales",)), tmp_path)
    assert (
        "table targets.xlsx, sheet 'Q4 2026', row 3, column Target: expected a column 'Target' in the header "
        "(target is made from it), found the columns 'Account manager', 'Measure', 'Target (k)' in row 3"
    ) in str(info.value)


def test_wrong_header_row_and_merged_header_are_clear_errors(tmp_path):
    people_csv(tmp_path)
    targets_workbook(tmp_path)
    with pytest.raises(DataError) as info:  # header_row 1 is the title, merged across three columns
        map_sources(
            mapping_of(PEOPLE, {**TARGETS_SOURCE, "sheet": "Q4 2026", "header_row": 1}, empty=("sales",)), tmp_path
        )
    assert (
        "table targets.xlsx, sheet 'Q4 2026', row 1, column Northbridge Distribution — targets Q4 2026: "
        "expected one heading per column in the header row, found the cells A1:C1 merged into one heading"
    ) in str(info.value)
    book = Workbook()
    ws = book.active
    ws.title = "T"
    ws.append(["Account manager", "Measure", "Target"])
    ws.append(["Ada Lovelace", "Revenue", 5])
    book.save(tmp_path / "targets.xlsx")
    with pytest.raises(DataError) as info:  # header_row 3 on a sheet of two rows
        map_sources(mapping_of(PEOPLE, TARGETS_SOURCE, empty=("sales",)), tmp_path)
    assert "table targets.xlsx, sheet 'T', row 3: expected the column names in row 3, found a sheet with 2 rows" in str(
        info.value
    )
    ws.append(["Brian Kernighan", "Revenue", 6])
    ws.append([])
    ws.append(["Account manager", None, "Target"])
    book.save(tmp_path / "targets.xlsx")
    with pytest.raises(DataError) as info:  # an empty heading between named ones
        map_sources(mapping_of(PEOPLE, {**TARGETS_SOURCE, "header_row": 5}, empty=("sales",)), tmp_path)
    assert "row 5: expected a name for every column of row 5, found an empty heading in column B" in str(info.value)


def test_header_row_pointing_at_data_names_what_it_found(tmp_path):
    people_csv(tmp_path)
    book = Workbook()
    ws = book.active
    ws.title = "T"
    ws.append(["Targets 2026"])
    ws.append(["Account manager", "Measure", "Target"])
    ws.append(["Ada Lovelace", "Revenue", 5])
    book.save(tmp_path / "targets.xlsx")
    source = {
        **TARGETS_SOURCE,
        "header_row": 3,
        "columns": {**TARGETS_SOURCE["columns"], "period": {"value": "2026Q3"}},
    }
    with pytest.raises(DataError) as info:
        map_sources(mapping_of(PEOPLE, source, empty=("sales",)), tmp_path)
    assert (
        "table targets.xlsx, sheet 'T', row 3, column Account manager: expected a column 'Account manager' in "
        "the header (am_id is made from it), found the columns 'Ada Lovelace', 'Revenue', '5' in row 3"
    ) in str(info.value)


def test_competency_ratings_kept_wide_with_dates_as_excel_dates(tmp_path):
    people_csv(tmp_path)
    book = Workbook()
    ws = book.active
    ws.title = "2026Q3"
    ws.append(["Competency ratings — 2026Q3"])
    ws.append(
        [
            "Name",
            "Rated on",
            "Interpersonal Effectiveness",
            "Working with Others",
            "Communications",
            "Problem Solving",
            "Decision Making & Influencing",
        ]
    )
    ws.append(["Ada Lovelace", dt.datetime(2026, 9, 20), "4", 5, 3, None, "4"])
    book.save(tmp_path / "ratings.xlsx")
    competencies = [
        "Interpersonal Effectiveness",
        "Working with Others",
        "Communications",
        "Problem Solving",
        "Decision Making & Influencing",
    ]
    source = {
        "file": "ratings.xlsx",
        "table": "competency_ratings",
        "header_row": 2,
        "unpivot": {"columns": competencies, "name": "competency", "value": "score"},
        "columns": {
            "am_id": {"id_from": "Name"},
            "period": {"from": "Rated on", "parse": "quarter"},
            "competency": "competency",
            "rater": {"value": "manager"},
            "rating": "score",
        },
    }
    result = map_sources(mapping_of(PEOPLE, source), tmp_path)
    assert result.ok, result.problems
    ratings = result.tables["competency_ratings"]
    assert ratings[["competency", "rating"]].values.tolist() == [
        ["Interpersonal Effectiveness", 4.0],
        ["Working with Others", 5.0],
        ["Communications", 3.0],
        ["Decision Making & Influencing", 4.0],
    ]
    assert set(ratings["period"]) == {"2026Q3"} and set(ratings["rater"]) == {"manager"}


# --------------------------------------------------------------------------------------------
# Import: the pack, the report, contract problems, the command
# --------------------------------------------------------------------------------------------


def small_exports(folder: Path) -> None:
    people_csv(folder)
    pd.DataFrame(
        {
            "Opp ID": ["O1", "O2", "O3"],
            "Owner": ["Ada Lovelace", "Brian Kernighan", "Ada Lovelace"],
            "Account": ["Acme", "Initech", None],
            "Stage": ["Closed Won", "Open", "Lost?"],
            "Created": ["01/07/2026", "02/07/2026", "03/07/2026"],
            "Amount (k)": ["1.5", "2", "3"],
        }
    ).to_csv(folder / "export.csv", index=False, lineterminator="\r\n")


def test_import_writes_a_valid_pack_and_a_report(tmp_path):
    small_exports(tmp_path)
    mapping = mapping_of(PEOPLE, PIPELINE)
    result = map_sources(mapping, tmp_path)
    pack, report = write_import(result, tmp_path / "pack")
    loaded = load_pack(pack)
    assert loaded["opportunities"]["opportunity_id"].tolist() == ["O1", "O2"]
    assert loaded.sales.empty and list(loaded.sales.columns)[:3] == ["line_id", "invoice_date", "am_id"]
    assert (
        (tmp_path / "pack" / "sales.csv").read_text().strip()
        == "line_id,invoice_date,am_id,account_id,product,vendor,quantity,revenue,cost,deal_type,vendor_programme"
    )
    text = report.read_text()
    assert "| opportunities | export.csv | 3 | 0 | 0 | 1 | 2 |" in text
    assert "stage: 'Lost?' (in Stage) is not in the value map" in text
    assert "Windows line endings (CRLF) on 4 lines" in text
    assert "| sales | empty |" in text
    with pytest.raises(Exception, match="is not empty: choose another --out, or pass --overwrite"):
        write_import(result, tmp_path / "pack")
    (tmp_path / "pack" / "keep-me.txt").write_text("mine")
    write_import(result, tmp_path / "pack", overwrite=True)
    assert (tmp_path / "pack" / "keep-me.txt").exists()
    pd.testing.assert_frame_equal(
        load_mapped_pack(mapping, tmp_path)["opportunities"], loaded["opportunities"], check_dtype=False
    )


def test_mapped_tables_that_break_the_contract_are_not_written(tmp_path):
    small_exports(tmp_path)
    people_csv(tmp_path, names=("Ada Lovelace",))  # Brian owns O2 but is not in the team list
    result = map_sources(mapping_of(PEOPLE, PIPELINE), tmp_path)
    assert not result.ok
    pack, report = write_import(result, tmp_path / "pack")
    assert pack is None and not (tmp_path / "pack").exists()
    problem = result.problems.iloc[0]
    assert (problem["table"], problem["row"], problem["column"]) == ("opportunities (from export.csv)", 3, "am_id")
    assert (
        "table opportunities (from export.csv), row 3, column am_id: expected a am_id listed in account_managers, "
        "found 'brian-kernighan'" in report.read_text()
    )


def test_import_command(tmp_path):
    small_exports(tmp_path)
    mapping = write_mapping(
        tmp_path,
        GOOD_TOML.replace('prefix = "AM-"', 'prefix = ""')
        + textwrap.dedent("""
        [[source]]
        file = "export.csv"
        table = "opportunities"
        decimal = "."
        [source.columns]
        opportunity_id = "Opp ID"
        am_id = { id_from = "Owner" }
        stage = { from = "Stage", map = { "Closed Won" = "won", "Open" = "engaging" } }
        value = { from = "Amount (k)", scale = 1000 }
        """),
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "amreview",
            "import",
            "--mapping",
            str(mapping),
            "--source",
            str(tmp_path),
            "--out",
            str(tmp_path / "pack"),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "opportunities                   2 rows (1 rejected)" in done.stdout
    assert "stage: 'Lost?' (in Stage) is not in the value map [1 rows]" in done.stdout
    assert f"pack written to {tmp_path / 'pack'}" in done.stdout
    assert load_pack(tmp_path / "pack")["opportunities"]["value"].tolist() == [1500.0, 2000.0]


@pytest.mark.parametrize(
    "case, code, message",
    [
        ("bad mapping", 2, "missing manager"),
        ("no exports", 3, "error: the exports cannot be read as the mapping says (1 problem):"),
    ],
)
def test_import_command_errors(tmp_path, capsys, case, code, message):
    small_exports(tmp_path)
    text = GOOD_TOML.replace('manager = "Boss"', "") if case == "bad mapping" else GOOD_TOML
    source = tmp_path / ("nowhere" if case == "no exports" else "")
    with pytest.raises(SystemExit) as info:
        main(
            [
                "import",
                "--mapping",
                str(write_mapping(tmp_path, text)),
                "--source",
                str(source),
                "--out",
                str(tmp_path / "pack"),
            ]
        )
    assert info.value.code == code
    assert message in capsys.readouterr().err
    assert not (tmp_path / "pack").exists()


def test_import_of_a_pack_that_breaks_the_contract_exits_3(tmp_path):
    small_exports(tmp_path)
    people_csv(tmp_path, names=("Ada Lovelace",))
    mapping = write_mapping(
        tmp_path,
        GOOD_TOML.replace('prefix = "AM-"', 'prefix = ""')
        + textwrap.dedent("""
        [[source]]
        file = "export.csv"
        table = "opportunities"
        [source.columns]
        opportunity_id = "Opp ID"
        am_id = { id_from = "Owner" }
        stage = { value = "won" }
        """),
    )
    with pytest.raises(SystemExit) as info:
        main(["import", "--mapping", str(mapping), "--source", str(tmp_path), "--out", str(tmp_path / "pack")])
    assert info.value.code == 3
    assert not (tmp_path / "pack").exists() and (tmp_path / "pack-import-report.md").exists()


def test_missing_export_file_names_the_folder_contents(tmp_path):
    people_csv(tmp_path)
    with pytest.raises(
        DataError,
        match=r"table export.csv: expected a file 'export.csv' in .*, found no such file "
        r"\(the folder holds people.csv\)",
    ):
        map_sources(mapping_of(PEOPLE, PIPELINE), tmp_path)


def test_numbers_in_a_text_column_from_excel_lose_no_digits():
    source = {
        "file": "people.xlsx",
        "table": "account_managers",
        "columns": {"am_id": "Employee no", "name": "Name", "manager": "Boss"},
    }
    raw = pd.DataFrame({"Employee no": [1001.0, 1002], "Name": ["A", "B"], "Boss": ["G", "G"]}, dtype=object)
    assert apply(raw, source).frame["am_id"].tolist() == ["1001", "1002"]


def test_a_period_that_cannot_be_read_rejects_its_row():
    source = {
        "file": "export.csv",
        "table": "forecasts",
        "columns": {
            "am_id": {"value": "AM1"},
            "period": {"from": "Quarter", "parse": "quarter"},
            "measure": {"value": "revenue"},
            "forecast": "Forecast",
        },
    }
    raw = pd.DataFrame({"Quarter": ["Q3 2026", "next quarter"], "Forecast": ["10", "20"]}, dtype=object)
    mapped = apply(raw, source)
    assert mapped.frame["period"].tolist() == ["2026Q3"]
    (rejected,) = entries(mapped, "rejected")
    assert rejected["detail"] == "period: expected a quarter (2026Q3 or Q3 2026), found 'next quarter' (in Quarter)"
    assert rejected["examples"] == "3"
