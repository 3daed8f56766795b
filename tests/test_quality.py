"""``amreview validate``: each kind of problem caught on a broken copy of a clean pack, named by
table, row (as in the file: header = row 1) and column; warnings never block, errors do; an
empty sales table is a pack without margin data, not an error.

The sample pack is checked whole once; the broken copies, and the packs scored without a table,
are three account managers' share of it (a fifth of its rows): the checks read every row, and
what they find does not depend on how many there are."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from amreview.data.datapack import load_pack, validate_tables, write_pack
from amreview.data.schemas import OPTIONAL_TABLES, columns_of
from amreview.data.slicing import slice_tables
from amreview.errors import PeriodError, describe_problem
from amreview.metrics.catalogue import all_kpis
from amreview.periods import Quarter
from amreview.quality.checks import CHECKS, check_pack
from amreview.quality.table_coverage import table_uses
from amreview.scoring.scorecard import build_scorecard, check_period_covered
from tests.conftest import sample_tables_once
from tests.test_cli import amreview


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory) -> Path:
    return write_pack(sample_tables_once(tmp_path_factory), tmp_path_factory.mktemp("sample") / "pack")


@pytest.fixture(scope="module")
def small_tables(tmp_path_factory) -> dict[str, pd.DataFrame]:
    """The sample's rows of its first three account managers (AM001, AM002, AM003:
    :func:`slice_tables`), numbered afresh: a clean pack whose history is the sample's (no test
    changes it; copy the dict to replace a table)."""
    tables = sample_tables_once(tmp_path_factory)
    rows, _ = slice_tables(tables, tables["account_managers"]["am_id"].iloc[:3])
    return {name: frame.reset_index(drop=True) for name, frame in rows.items()}


@pytest.fixture(scope="module")
def small_dir(tmp_path_factory, small_tables) -> Path:
    return write_pack(small_tables, tmp_path_factory.mktemp("small") / "pack")


@pytest.fixture(scope="module")
def small_pack(small_tables):
    """The small pack validated (no test changes it)."""
    return validate_tables(small_tables)


@pytest.fixture
def pack_dir(small_dir, tmp_path) -> Path:
    """A copy of the small pack to break (hard links: :func:`edit` rewrites a file, never changes it in place)."""
    folder = tmp_path / "pack"
    folder.mkdir()
    for path in small_dir.iterdir():
        os.link(path, folder / path.name)
    return folder


def edit(folder: Path, table: str, change) -> pd.DataFrame:
    """Rewrite ``table``'s CSV with ``change(frame)`` applied (cells as text, row i is file row i + 2)."""
    path = folder / f"{table}.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = change(frame)
    path.unlink()
    frame.to_csv(path, index=False)
    return frame


def setcell(table_frame: pd.DataFrame, row: int, column: str, value) -> pd.DataFrame:
    table_frame.loc[row, column] = value
    return table_frame


def found(report, check: str, severity: str | None = None) -> list[dict]:
    rows = report.findings[report.findings["check"] == check]
    if severity:
        rows = rows[rows["severity"] == severity]
    return rows.to_dict("records")


def where(finding: dict) -> tuple:
    return finding["table"], finding["row"], finding["column"]


def test_the_sample_pack_is_clean(sample_dir):
    report = check_pack(sample_dir)
    assert report.ok and report.findings.empty
    assert report.history == (pd.Timestamp("2024-07-01"), pd.Timestamp("2026-09-30"))
    assert set(report.coverage["status"]) == {"present"}


def test_the_small_pack_is_clean_and_spans_the_sample(small_dir, small_tables):
    """What the tests below find is what they broke; the history they name is the sample's."""
    report = check_pack(small_dir)
    assert report.ok and report.findings.empty
    assert report.history == (pd.Timestamp("2024-07-01"), pd.Timestamp("2026-09-30"))
    assert set(report.coverage["status"]) == {"present"}
    assert small_tables["account_managers"]["am_id"].tolist() == ["AM001", "AM002", "AM003"]


# --------------------------------------------------------------------------------------------
# Errors: the contract
# --------------------------------------------------------------------------------------------


def test_schema_a_required_column_missing(pack_dir):
    edit(pack_dir, "sales", lambda f: f.drop(columns=["cost"]))
    report = check_pack(pack_dir)
    (error,) = found(report, "column_in_dataframe")
    assert error["severity"] == "error"
    assert (
        describe_problem(error) == "table sales, column cost: expected the required column 'cost', found no such column"
    )


def test_types_a_word_where_a_number_belongs(pack_dir):
    edit(pack_dir, "sales", lambda f: setcell(f, 6, "cost", "lots"))
    report = check_pack(pack_dir)
    assert not report.ok
    assert "table sales, row 8, column cost: expected a number, found 'lots'" in [
        describe_problem(e) for e in report.errors.to_dict("records")
    ]


def test_ranges_a_negative_target_and_an_unknown_stage(pack_dir):
    edit(pack_dir, "targets", lambda f: setcell(f, 3, "target", "-5"))
    edit(pack_dir, "opportunities", lambda f: setcell(f, 10, "stage", "closed"))
    messages = [describe_problem(e) for e in check_pack(pack_dir).errors.to_dict("records")]
    assert "table targets, row 5, column target: expected a value ≥ 0, found -5.0" in messages
    assert (
        "table opportunities, row 12, column stage: expected one of ['prospecting', 'engaging', 'won', 'lost'], "
        "found 'closed'"
    ) in messages


def test_unique_ids(pack_dir):
    sales = edit(pack_dir, "sales", lambda f: setcell(f, 10, "line_id", f.loc[0, "line_id"]))
    errors = found(check_pack(pack_dir), "field_uniqueness")
    assert {where(e) for e in errors} == {("sales", 2, "line_id"), ("sales", 12, "line_id")}
    assert errors[0]["found"] == f"{sales.loc[0, 'line_id']!r} more than once"


def test_references_unknown_am_and_account(pack_dir):
    edit(pack_dir, "opportunities", lambda f: setcell(f, 4, "am_id", "AM999"))
    edit(pack_dir, "sales", lambda f: setcell(f, 7, "account_id", "ACC-NOPE"))
    messages = [describe_problem(e) for e in found(check_pack(pack_dir), "reference")]
    assert (
        "table opportunities, row 6, column am_id: expected a am_id listed in account_managers, found 'AM999'"
    ) in messages
    assert (
        "table sales, row 9, column account_id: expected a account_id listed in accounts, found 'ACC-NOPE'"
    ) in messages


def test_a_missing_required_table(pack_dir):
    (pack_dir / "targets.csv").unlink()
    report = check_pack(pack_dir)
    (error,) = found(report, "table_present")
    assert describe_problem(error).startswith("table targets: expected a file targets.csv")


def test_every_error_and_the_warnings_of_the_valid_rows_in_one_run(pack_dir):
    people = edit(pack_dir, "account_managers", lambda f: setcell(f, 2, "name", ""))  # AM003's row, file row 4
    sales = edit(pack_dir, "sales", lambda f: pd.concat([f, f.iloc[[6]].assign(line_id="DUP-1")], ignore_index=True))
    edit(pack_dir, "cases", lambda f: setcell(f, 0, "opened_date", "someday"))
    report = check_pack(pack_dir)
    errors = report.errors.to_dict("records")
    # AM003's own row is the error; their thousands of lines elsewhere are not reported as unknown references
    assert [where(e) for e in errors] == [("account_managers", 4, "name"), ("cases", 2, "opened_date")]
    assert people.loc[2, "am_id"] == "AM003" and sales.loc[6, "am_id"] == "AM001"  # the line of a valid row
    (duplicate,) = found(report, "duplicate_row")
    assert where(duplicate) == ("sales", len(sales) + 1, "line_id") and duplicate["found"] == "the same values as row 8"


# --------------------------------------------------------------------------------------------
# Warnings: plausibility
# --------------------------------------------------------------------------------------------


def test_unknown_account_outside_sales_is_a_warning(pack_dir):
    edit(pack_dir, "activities", lambda f: setcell(f, 3, "account_id", "ACC-GHOST"))
    report = check_pack(pack_dir)
    assert report.ok
    (warning,) = found(report, "unknown_account", "warning")
    assert describe_problem(warning) == (
        "table activities, row 5, column account_id: expected an account_id listed in accounts, found 'ACC-GHOST'"
    )


def test_dates_outside_the_history(pack_dir):
    edit(pack_dir, "activities", lambda f: setcell(f, 0, "activity_date", "2062-07-01"))
    edit(pack_dir, "account_managers", lambda f: setcell(f, 1, "start_date", "1900-01-01"))
    warnings = {where(w): w for w in found(check_pack(pack_dir), "date_outside_history")}
    assert set(warnings) == {("activities", 2, "activity_date"), ("account_managers", 3, "start_date")}
    assert describe_problem(warnings[("activities", 2, "activity_date")]) == (
        "table activities, row 2, column activity_date: expected a date between 2024-03-31 and 2026-12-31 "
        "(the pack's history runs 2024-07-01 to 2026-09-30), found 2062-07-01"
    )
    assert warnings[("account_managers", 3, "start_date")]["expected"].startswith(
        "a date between 1980-01-01 and 2026-12-31"
    )


def test_dates_in_the_wrong_order(pack_dir):
    cases = edit(pack_dir, "cases", lambda f: setcell(f, 4, "resolved_date", "2024-01-02"))
    (warning,) = found(check_pack(pack_dir), "date_order")
    assert where(warning) == ("cases", 6, "resolved_date")
    assert warning["found"] == f"2024-01-02, before opened_date {cases.loc[4, 'opened_date']}"


def test_duplicate_lines_under_another_id(pack_dir):
    sales = edit(
        pack_dir, "sales", lambda f: pd.concat([f, f.iloc[[10, 20]].assign(line_id=["D1", "D2"])], ignore_index=True)
    )
    warnings = found(check_pack(pack_dir), "duplicate_row")
    n = len(sales)
    assert [(where(w), w["found"]) for w in warnings] == [
        (("sales", n, "line_id"), "the same values as row 12"),
        (("sales", n + 1, "line_id"), "the same values as row 22"),
    ]


def test_cost_beyond_revenue_and_signs(pack_dir):
    def change(f):
        f.loc[8, ["quantity", "revenue", "cost"]] = ["2", "100", "250"]  # cost 2.5 × revenue
        f.loc[9, ["quantity", "revenue", "cost"]] = ["-1", "-100", "-201"]  # a credit, 2.01 ×
        f.loc[11, ["quantity", "revenue", "cost"]] = ["-1", "100", "90"]  # a return with positive revenue
        return f

    edit(pack_dir, "sales", change)
    report = check_pack(pack_dir)
    assert report.ok
    costs = found(report, "cost_exceeds_revenue")
    assert [(where(w), w["found"]) for w in costs] == [
        (("sales", 10, "cost"), "250.00 against revenue 100.00 (2.5 ×)"),
        (("sales", 11, "cost"), "-201.00 against revenue -100.00 (2.0 ×)"),
    ]
    (sign,) = found(report, "sign_mismatch")
    assert (where(sign), sign["found"]) == (("sales", 13, "revenue"), "revenue 100.00 with quantity -1")


def test_one_name_under_two_ids_and_a_person_without_data(pack_dir):
    people = edit(
        pack_dir,
        "account_managers",
        lambda f: pd.concat([f, f.iloc[[0]].assign(am_id="AM016", email="")], ignore_index=True),
    )
    report = check_pack(pack_dir)
    twice = found(report, "same_name_two_ids")
    added = len(people) + 1  # the file row of the last
    assert [where(w) for w in twice] == [("account_managers", 2, "name"), ("account_managers", added, "name")]
    assert twice[0]["found"] == f"{people.loc[0, 'name']!r} under AM001, AM016"
    (alone,) = found(report, "person_without_data")
    assert where(alone) == ("account_managers", added, "am_id") and alone["found"] == "'AM016': none"


def test_opportunities_the_pipeline_cannot_count(pack_dir):
    opportunities = edit(pack_dir, "opportunities", lambda f: f)
    won = opportunities.index[opportunities["stage"] == "won"][0]
    lost = opportunities.index[opportunities["stage"] == "lost"][0]
    edit(pack_dir, "opportunities", lambda f: setcell(setcell(f, won, "close_date", ""), lost, "value", "0"))
    warnings = {where(w): w for w in found(check_pack(pack_dir), "opportunity_not_counted")}
    assert set(warnings) == {("opportunities", won + 2, "close_date"), ("opportunities", lost + 2, "value")}
    assert warnings[("opportunities", lost + 2, "value")]["found"] == "0.0 (stage lost)"


def test_every_check_has_a_test_here():
    tested = {
        "empty_table",
        "duplicate_row",
        "date_outside_history",
        "date_order",
        "cost_exceeds_revenue",
        "sign_mismatch",
        "unknown_account",
        "same_name_two_ids",
        "opportunity_not_counted",
        "person_without_data",
        "implausible_amount",
        "negative_cost",
    }  # these two: tests/test_plausibility.py
    assert {c.name for c in CHECKS} == tested


# --------------------------------------------------------------------------------------------
# Coverage: what missing or empty tables switch off
# --------------------------------------------------------------------------------------------


def test_a_missing_optional_table_switches_off_the_kpis_that_read_it(pack_dir):
    (pack_dir / "activities.csv").unlink()
    report = check_pack(pack_dir)
    assert report.ok
    row = report.coverage.set_index("table").loc["activities"]
    assert row["status"] == "missing" and "Demonstrate utilisation of CRM" in row["measures"]
    listed = row["kpis_without_data"].split(", ")
    assert "activities_per_week" in listed and "visits_per_week" in listed
    # the claim holds: those KPIs have no data for anyone, except one that combines several tables
    values = build_scorecard(load_pack(pack_dir), "2026Q3").values
    kpis = all_kpis()
    combined = {k for k in listed if len({s.split(".")[0] for s in kpis[k].sources} & set(OPTIONAL_TABLES)) > 1}
    assert combined == {"crm_record_completeness"}
    for name in set(listed) - combined:
        assert values[name].isna().all(), name


def test_coverage_claims_for_other_optional_tables(small_tables):
    missing = [
        "back_orders",
        "cases",
        "forecasts",
        "competency_ratings",
        "development_objectives",
        "customer_feedback",
        "report_submissions",
    ]
    tables = {t: f for t, f in small_tables.items() if t not in missing}
    values = build_scorecard(validate_tables(tables), "2026Q3").values
    claimed = [k for table in missing for names in table_uses()[table].values() for k in names]
    assert len(claimed) > 20
    for name in claimed:
        assert values[name].isna().all(), name


def test_an_empty_sales_table_is_a_warning_and_reviews_go_on(pack_dir):
    edit(pack_dir, "sales", lambda f: f.iloc[0:0])
    report = check_pack(pack_dir)
    assert report.ok
    (empty,) = found(report, "empty_table")
    assert describe_problem(empty) == (
        "table sales: expected rows (the KPIs that read it show no data without them), found no rows"
    )
    sales = report.coverage.set_index("table").loc["sales"]
    assert sales["status"] == "empty" and "gross_margin_attainment" in sales["kpis_without_data"]
    assert not found(report, "cost_exceeds_revenue")
    # the history now comes from the other tables' event dates
    assert report.history[0] == pd.Timestamp("2024-07-01")


# --------------------------------------------------------------------------------------------
# An empty sales table in the scorecard (check_period_covered, margin KPIs)
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def empty_sales_pack(small_tables):
    """The small pack with a sales table of no lines (no test changes it)."""
    no_lines = pd.DataFrame({c: pd.Series(dtype=object) for c in columns_of("sales")})
    return validate_tables({**small_tables, "sales": no_lines})


def test_period_check_allows_an_empty_sales_table_but_not_a_quarter_without_lines(empty_sales_pack, small_pack):
    check_period_covered(empty_sales_pack.sales, Quarter.parse("2026Q3"))  # no error
    sales = small_pack.sales
    with pytest.raises(PeriodError, match="no sales in 2027Q1; its sales run from 2024-07-01 to 2026-09-30"):
        check_period_covered(sales, Quarter.parse("2027Q1"))


def test_margin_kpis_are_no_data_not_zero_without_sales(empty_sales_pack, small_pack):
    card = build_scorecard(empty_sales_pack, "2026Q3")
    margin = [k for k in all_kpis().values() if k.measure == "margin_kpi_targets"]
    assert len(margin) > 15
    for kpi in margin:
        for column in [kpi.name] + [kpi.name + s for s in ("_ytd", "_t4q") if kpi.name + s in card.values]:
            assert card.values[column].isna().all(), column
    assert card.measures["margin_kpi_targets"].isna().all()
    assert card.table["measures_without_data"].str.contains("margin_kpi_targets").all()
    # with the sales table, the same AMs have margin figures: the NaN above comes from the empty table
    full = build_scorecard(small_pack, "2026Q3")
    assert full.values["gross_margin"].notna().all() and (full.values["gross_margin"] != 0).all()
    assert not np.allclose(full.values["revenue"], 0)


# --------------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------------


def test_validate_command_with_errors(pack_dir, tmp_path):
    edit(pack_dir, "sales", lambda f: setcell(f, 2, "cost", "<b>lots</b>"))
    report = tmp_path / "q" / "quality.html"
    done = amreview("validate", str(pack_dir), "--report", str(report))
    assert done.returncode == 3
    assert "table sales, row 4, column cost: expected a number, found '<b>lots</b>'" in done.stderr
    assert "Traceback" not in done.stderr
    assert f"{pack_dir}: NOT valid: no review can be produced from it — 1 error, 0 warnings" in done.stdout
    html = report.read_text()
    assert "&#39;&lt;b&gt;lots&lt;/b&gt;&#39;" in html and "<b>lots</b>" not in html  # text from the data escaped
    assert "not valid: no review can be produced from it" in html


def test_validate_command_with_warnings_only(pack_dir):
    edit(pack_dir, "activities", lambda f: setcell(f, 0, "activity_date", "2062-07-01"))
    done = amreview("validate", str(pack_dir))
    assert done.returncode == 0, done.stderr
    assert f"{pack_dir}: valid — 0 errors, 1 warning" in done.stdout
    assert re.search(r"warning +date_outside_history +1 +activities", done.stdout)
    default = pack_dir.parent / "pack-quality.html"  # beside the pack
    assert f"report: {default}" in done.stdout
    assert "2062-07-01" in default.read_text()


def test_run_refuses_a_pack_with_errors(pack_dir, tmp_path):
    edit(pack_dir, "account_managers", lambda f: setcell(f, 0, "am_id", f.loc[1, "am_id"]))
    done = amreview(
        "run",
        "--data",
        str(pack_dir),
        "--period",
        "2026Q3",
        "--out",
        str(tmp_path / "reports"),
        "--quiet",
        "--am",
        "AM002",
    )
    assert done.returncode == 3
    assert "table account_managers, row 2, column am_id: expected unique values" in done.stderr
    assert not list(tmp_path.rglob("*.html")) and not list(tmp_path.rglob("*.ipynb"))


def test_checking_raw_tables_leaves_them_as_they_were(small_tables):
    from amreview.quality.checks import check_tables

    tables = dict(small_tables)
    tables["sales"] = tables["sales"].astype({"cost": object})
    tables["sales"].loc[3, "cost"] = "lots"
    before = {t: f.copy() for t, f in tables.items()}
    report = check_tables(tables, source="in memory", first_rows=dict.fromkeys(tables, 2))
    assert [(e["table"], e["row"], e["column"]) for e in report.errors.to_dict("records")] == [("sales", 5, "cost")]
    for table, frame in tables.items():
        pd.testing.assert_frame_equal(frame, before[table])


def test_rows_are_named_as_in_the_file_when_sales_lines_are_not_in_date_order(pack_dir):
    """The pack keeps sales lines in invoice-date order; warnings still name the file's rows."""

    def change(f):
        f = f.iloc[::-1].reset_index(drop=True)  # newest line first
        f.loc[3, ["quantity", "revenue", "cost"]] = ["2", "100", "250"]
        return f

    sales = edit(pack_dir, "sales", change)
    report = check_pack(pack_dir)
    (cost,) = found(report, "cost_exceeds_revenue")
    assert where(cost) == ("sales", 5, "cost")
    pack = load_pack(pack_dir)
    assert pack.sales["invoice_date"].is_monotonic_increasing
    assert pack.sales.loc[3, "line_id"] == sales.loc[3, "line_id"]  # index label = file position
