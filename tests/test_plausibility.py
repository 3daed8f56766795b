"""Numbers within reason (issue 12, item 4): an infinite number is an error naming table, row and
column; an amount beyond what a row can hold, a negative cost on a sale, a date far outside the
pack's history and an empty required table are warnings — in ``amreview validate`` and in the
review's data-quality notes — and a person whose figures rest on an absurd amount is not rated.
No document spells out a 309-digit number or "−inf", and no chart gets a non-finite limit."""

from __future__ import annotations

import math
import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amreview import formats
from amreview.batch.input_reading import read_review_input
from amreview.batch.prepare import prepare_reviews
from amreview.data.datapack import load_pack, validate_tables
from amreview.data.plausibility import EMPTY_SALES_REASON, MAX_LINE_AMOUNT, MAX_PERIOD_COUNT, MAX_PERIOD_MONEY
from amreview.data.sample import generate_sample
from amreview.data.schemas import columns_of
from amreview.documents import plots, render, team, team_plots, team_render
from amreview.documents.review import Review
from amreview.documents.sections.appendix import data_quality_notes
from amreview.errors import DataError, describe_problem
from amreview.quality.checks import check_pack
from amreview.scoring.scorecard import build_scorecard
from tests.conftest import hand_tables, without_minimum_bases

PERIOD = "2026Q3"
LONG_DIGITS = re.compile(r"\d[\d,]{24,}")  # a figure of 20-odd digits or more
INFINITE = re.compile(r"inf\b|infinity", re.I)


def write(folder, tables):
    folder.mkdir(exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


def with_cell(table: str, row: int, column: str, value) -> dict[str, pd.DataFrame]:
    """The hand pack with one cell changed (``row`` 0 = file row 2)."""
    tables = hand_tables()
    frame = tables[table].astype({column: object})
    frame.loc[row, column] = value
    tables[table] = frame
    return tables


def found(report, check: str) -> list[dict]:
    return report.findings[report.findings["check"] == check].to_dict("records")


# --------------------------------------------------------------------------------------------
# Infinite numbers: errors
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, shown", [("inf", "inf"), ("-inf", "-inf"), ("Infinity", "inf"), ("1e400", "inf")])
def test_an_infinite_number_in_a_csv_is_an_error_naming_table_row_and_column(tmp_path, text, shown):
    folder = write(tmp_path / "pack", with_cell("sales", 4, "revenue", text))
    with pytest.raises(DataError) as caught:
        load_pack(folder)
    assert f"table sales, row 6, column revenue: expected a finite number, found {shown}" in [
        describe_problem(p) for p in caught.value.problems.to_dict("records")
    ]
    report = check_pack(folder)  # validate: the same error, and the other lines still checked
    (error,) = found(report, "finite")
    assert (error["severity"], error["table"], error["row"], error["column"]) == ("error", "sales", 6, "revenue")


@pytest.mark.parametrize(
    "table, column, row", [("sales", "cost", 1), ("sales", "quantity", 0), ("targets", "target", 2)]
)
def test_every_number_column_is_checked_in_parquet_too(tmp_path, table, column, row):
    tables = hand_tables()
    tables[table] = tables[table].astype({column: "float64"})
    tables[table].loc[row, column] = np.inf
    folder = tmp_path / "pack"
    folder.mkdir()
    for name, frame in tables.items():
        frame.to_parquet(folder / f"{name}.parquet", index=False)
    with pytest.raises(DataError, match=rf"table {table}, row {row + 1}, column {column}: expected a finite number"):
        load_pack(folder)


def test_an_infinite_number_in_a_database_names_the_row_by_its_key(tmp_path):
    from amreview.data.datapack import write_pack

    tables = hand_tables()
    tables["sales"] = tables["sales"].astype({"revenue": "float64"})
    tables["sales"].loc[1, "revenue"] = -np.inf
    url = write_pack(tables, f"sqlite:///{tmp_path / 'pack.db'}")
    with pytest.raises(
        DataError,
        match=r"table sales, row line_id = 'L2', column revenue: expected a finite number, "
        r"found -inf",
    ):
        load_pack(url)


def test_a_negative_infinite_target_is_reported_once():
    tables = with_cell("targets", 0, "target", -np.inf)
    with pytest.raises(DataError) as caught:
        validate_tables(tables)
    problems = caught.value.problems
    assert len(problems[(problems["table"] == "targets") & (problems["column"] == "target")]) == 1


# --------------------------------------------------------------------------------------------
# Implausible figures: warnings naming table, row and column
# --------------------------------------------------------------------------------------------


def test_amounts_beyond_a_row_negative_costs_and_far_dates_are_warnings(tmp_path):
    tables = with_cell("sales", 1, "revenue", 1e308)  # L2, file row 3
    tables["sales"].loc[4, "cost"] = -270.0  # L5: a sale with a negative cost
    tables["sales"].loc[5, "invoice_date"] = "2200-01-01"  # L6
    tables["targets"].loc[0, "target"] = MAX_PERIOD_MONEY * 10  # AM1 2026Q3 revenue
    tables["targets"].loc[5, "target"] = MAX_PERIOD_COUNT * 10  # AM1 2026Q3 new_accounts
    report = check_pack(write(tmp_path / "pack", tables))
    assert report.ok  # warnings never block
    amounts = {(w["table"], w["row"], w["column"]): w for w in found(report, "implausible_amount")}
    assert set(amounts) == {("sales", 3, "revenue"), ("targets", 2, "target"), ("targets", 7, "target")}
    assert describe_problem(amounts[("sales", 3, "revenue")]) == (
        f"table sales, row 3, column revenue: expected at most {MAX_LINE_AMOUNT:,.0f} in size (one invoice line), "
        "found 1e+308"
    )
    (cost,) = found(report, "negative_cost")
    assert (cost["table"], cost["row"], cost["column"]) == ("sales", 6, "cost")
    assert cost["found"] == "-270.00 against revenue 300.00"
    (date,) = found(report, "date_outside_history")
    assert (date["table"], date["row"], date["column"], date["found"]) == ("sales", 7, "invoice_date", "2200-01-01")
    assert report.history == (pd.Timestamp("2026-06-30"), pd.Timestamp("2026-09-30"))  # not stretched to 2200


def test_ordinary_figures_raise_no_warning(tmp_path):
    """A credit note (negative revenue and cost), a large but possible line, a zero cost."""
    tables = hand_tables()
    tables["sales"].loc[0, ["revenue", "cost"]] = [MAX_LINE_AMOUNT, MAX_LINE_AMOUNT * 0.9]
    tables["sales"].loc[1, "cost"] = 0.0
    report = check_pack(write(tmp_path / "pack", tables))
    assert (
        not report.findings["check"]
        .isin(["finite", "implausible_amount", "negative_cost", "date_outside_history"])
        .any()
    )


# --------------------------------------------------------------------------------------------
# Who is rated
# --------------------------------------------------------------------------------------------


def test_a_person_with_an_absurd_line_is_not_rated_and_the_others_are_unchanged():
    config = without_minimum_bases()  # Ada rated before: see its docstring
    before = build_scorecard(validate_tables(hand_tables()), PERIOD, config)
    assert before.overall.at["AM1", "overall_rating"] is not None
    card = build_scorecard(validate_tables(with_cell("sales", 1, "revenue", 1e308)), PERIOD, config)
    overall = card.overall.loc["AM1"]
    assert overall["overall_rating"] is None and math.isnan(overall["overall_score"])
    assert overall["no_rating_reason"] == (
        f"a sales line with an amount beyond {MAX_LINE_AMOUNT:,.0f} (sales line L2: revenue 1e+308)"
    )
    assert card.table.set_index("am_id").at["AM1", "no_rating_reason"] == overall["no_rating_reason"]
    pd.testing.assert_series_equal(card.overall.loc["AM2"], before.overall.loc["AM2"])
    assert "No overall score and no rating: a sales line with an amount beyond" in str(card.explain("AM1"))


def test_a_line_after_the_quarter_or_a_target_of_another_year_withholds_nothing():
    tables = with_cell("sales", 5, "revenue", 5e9)  # L6, AM2, 2026-10-01: after 2026Q3
    tables["targets"].loc[len(tables["targets"])] = ["AM1", "2024Q1", "revenue", 1e13]
    config = without_minimum_bases()  # Ada rated: see its docstring
    card = build_scorecard(validate_tables(tables), PERIOD, config)
    pd.testing.assert_frame_equal(card.overall, build_scorecard(validate_tables(hand_tables()), PERIOD, config).overall)
    assert card.overall.at["AM1", "overall_rating"] is not None


def test_an_absurd_target_withholds_the_rating():
    card = build_scorecard(validate_tables(with_cell("targets", 0, "target", 1e13)), PERIOD)
    assert card.overall.at["AM1", "overall_rating"] is None
    assert card.overall.at["AM1", "no_rating_reason"].startswith(
        "a target beyond what one period can hold (2026Q3 revenue:"
    )


def empty_sales_tables() -> dict[str, pd.DataFrame]:
    tables = generate_sample()
    tables["sales"] = pd.DataFrame({c: pd.Series(dtype=object) for c in columns_of("sales")})
    return tables


@pytest.fixture(scope="module")
def empty_sales_review():
    pack = validate_tables(empty_sales_tables())
    star = "AM001"
    return Review.build(pack, star, PERIOD)


def test_an_empty_sales_table_rates_no_one_and_the_review_says_why(empty_sales_review):
    card = empty_sales_review.scorecard
    assert card.overall["overall_rating"].isna().all()  # the old code rated, e.g. "Outstanding"
    assert (card.overall["no_rating_reason"] == EMPTY_SALES_REASON).all()
    assert card.overall["overall_score"].notna().all()  # from the measures with data, as before
    summary = empty_sales_review.summary()
    assert summary.lines[0].endswith(f"no rating, as {EMPTY_SALES_REASON}.")
    measures = summary.tables["measures"]
    margin = measures.frame.set_index("Measure").loc["Margin & KPI targets"]
    assert margin["Target"] > 0 and math.isnan(margin["Attainment"])
    html = measures._repr_html_()
    row = re.search(r"Margin &amp; KPI targets.*?</tr>", html, re.S).group(0)
    assert "no data" in row and "no target" not in row  # attainment: the figure is missing, not the target
    assert f"No rating: {EMPTY_SALES_REASON}." in data_quality_notes(empty_sales_review)


def test_an_empty_targets_table_is_a_note_in_the_review():
    tables = hand_tables()
    tables["targets"] = tables["targets"].iloc[0:0]
    review = Review.build(validate_tables(tables), "AM1", PERIOD)
    assert any(n.startswith("The pack's targets table is empty") for n in data_quality_notes(review))


# --------------------------------------------------------------------------------------------
# The review and the team overview with an absurd line
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def absurd_pack():
    tables = with_cell("sales", 1, "revenue", 1e308)  # L2 of AM1, in 2026Q3
    tables["sales"].loc[0, "cost"] = -50.0  # L1 of AM1: a negative cost on a sale
    return validate_tables(tables, source="absurd")


def test_the_review_names_the_lines_and_prints_no_absurd_figure(absurd_pack):
    review = Review.build(absurd_pack, "AM1", PERIOD)
    notes = data_quality_notes(review)
    assert f"No overall score and no rating: {review.overall['no_rating_reason']}." in notes
    assert (
        f"Data-quality warning: sales line_id L2, column revenue: expected at most {MAX_LINE_AMOUNT:,.0f} in size "
        "(one invoice line), found 1e+308."
    ) in notes
    assert any(
        n.startswith("Data-quality warning: sales line_id L1, column cost: expected a cost of 0 or more") for n in notes
    )
    document = render.review_html(review)  # the old code failed here: "Axis limits cannot be NaN or Inf"
    assert not LONG_DIGITS.search(document) and not INFINITE.search(document)
    assert "No overall score and no rating: a sales line with an amount beyond" in document


def test_the_notes_come_through_a_prepared_review_input(absurd_pack, tmp_path):
    whole = Review.build(absurd_pack, "AM1", PERIOD)
    inputs = prepare_reviews(absurd_pack, PERIOD, whole.config, tmp_path, ["AM1"], card=whole.scorecard)
    prepared = read_review_input(inputs.reviews["AM1"])
    assert data_quality_notes(prepared) == data_quality_notes(whole)
    assert prepared.overall["no_rating_reason"] == whole.overall["no_rating_reason"]


def test_the_team_overview_says_why_and_prints_no_absurd_figure(absurd_pack):
    card = build_scorecard(absurd_pack, PERIOD)
    manager = str(card.people.at["AM1", "manager"])
    members = team.team_scorecard(card, manager)
    attention = team.needs_attention(card, manager)
    assert attention.at["AM1", "reasons"].startswith("no rating: a sales line with an amount beyond")
    pages = [
        team_render.team_kpis_styler(members).to_html(),
        team_render.team_scorecard_styler(members, list(card.measures.columns)).to_html(),
        team_render.team_totals_styler(team.team_totals(card, manager), team.team_gm_pct(card, manager)).to_html(),
        team_render.attention_html(attention, "Meets", team.ATTENTION_LOW_SCORE),
    ]
    for page in pages:
        assert not LONG_DIGITS.search(page) and not INFINITE.search(page)
    ax = team_plots.plot_team_totals(team_render.totals_chart_frame(team.team_totals(card, manager)))
    assert np.isfinite(ax.get_xlim()).all()
    plt.close("all")


# --------------------------------------------------------------------------------------------
# Formats and charts
# --------------------------------------------------------------------------------------------

UNITS = [u for u in formats.UNITS if u not in ("text", "bool", "date")]
ANY_FLOAT = st.floats(allow_nan=True, allow_infinity=True)


@settings(max_examples=300, deadline=None)
@given(value=ANY_FLOAT, unit=st.sampled_from(UNITS))
def test_no_format_spells_out_an_absurd_figure(value, unit):
    for text in (
        formats.format_value(value, unit),
        formats.money(value),
        formats.compact_money(value),
        formats.pct(value),
        formats.count(value),
        formats.kpi_value(value, "days"),
    ):
        assert sum(ch.isdigit() for ch in text) <= 17 and len(text) <= 32, text  # 10¹⁵ and more: powers of ten
        assert not INFINITE.search(text) and "nan" not in text.lower(), text


def test_absurd_figures_are_short_and_ordinary_ones_unchanged():
    assert formats.money(1e308) == "1.00e+308"
    assert formats.money(-1e20) == "\u22121.00e+20"
    assert formats.money(float("-inf")) == formats.pct(float("inf")) == formats.count(float("nan")) == "n/a"
    assert formats.money(1234567.8) == "1,234,568" and formats.pct(0.1234) == "12.3\u00a0%"
    assert formats.attainment_pct(4.7e301) == "4.70e+303\u00a0%"


@pytest.mark.parametrize("values", [[1e308, 0.5], [np.inf, 1.2], [-np.inf, np.nan], [4.7e301, -4.7e301]])
def test_charts_never_get_a_non_finite_limit(values):
    frame = pd.DataFrame({"attainment": values}, index=["Revenue", "Gross margin"])
    ax = plots.plot_attainment(frame)
    ax.figure.canvas.draw()
    assert np.isfinite(ax.get_xlim()).all()
    plt.close("all")
