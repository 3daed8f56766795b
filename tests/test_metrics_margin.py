"""Margin & KPI targets: the table functions and the KPI rows of amreview.metrics.margin,
margin_mix and margin_trend.

Expected figures are computed by hand in the comments next to them. ``review_tables()`` is a
small pack (three AMs, one a new starter, one who sold nothing) that the account and back-order
tests use too.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amreview.data.datapack import load_pack, validate_tables
from amreview.data.sample import PERSONAS
from amreview.metrics import margin, margin_mix, margin_trend
from amreview.metrics.margin import change, margin_by, share
from amreview.metrics.margin_mix import (
    SEGMENT_COLUMNS,
    deal_type_share,
    deal_type_summary,
    segment_share,
    vendor_programme_share,
)
from amreview.metrics.margin_trend import (
    annual_target_progress,
    fiscal_year_target,
    full_year_projection,
    margin_change,
)
from amreview.metrics.registry import KpiContext
from amreview.periods import Quarter
from amreview.vocabulary import DEAL_TYPES
from tests.conftest import same

# The rows of the measure "Margin & KPI targets", in the scorecard's order.
KPIS = [*margin.KPIS, *margin_mix.KPIS, *margin_trend.KPIS]
TOL = 1e-9
NAN = math.nan


def review_tables() -> dict[str, pd.DataFrame]:
    """A hand-made pack for review quarter 2026Q3 (calendar quarters).

    AM1 (no start date) sells in 2025Q3, 2026Q1, Q2 and Q3; AM2 starts on 2026-08-01; AM3 is in
    role and sold nothing.
    """
    account_managers = pd.DataFrame(
        {
            "am_id": ["AM1", "AM2", "AM3"],
            "name": ["Ada", "Bo", "Cy"],
            "manager": ["M", "M", "M"],
            "start_date": [None, "2026-08-01", None],
        }
    )
    sales = pd.DataFrame(
        [
            # line_id, date, am, account, vendor, deal_type, programme, quantity, revenue, cost
            ("S1", "2025-08-01", "AM1", "A", "HP", "run_rate", False, 1, 1000.0, 900.0),
            ("S2", "2025-08-15", "AM1", "B", "Cisco", "spot", False, 1, 500.0, 480.0),
            ("S3", "2026-02-10", "AM1", "A", "HP", "run_rate", False, 1, 400.0, 360.0),
            ("S4", "2026-05-05", "AM1", "A", "HP", "bespoke", True, 1, 600.0, 480.0),
            ("S5", "2026-07-10", "AM1", "A", "HP", "run_rate", True, 1, 1200.0, 1050.0),
            ("S6", "2026-08-20", "AM1", "C", "Dell", "spot", False, 2, 800.0, 780.0),
            ("S7", "2026-09-30", "AM1", "C", "Dell", "spot", False, -1, -100.0, -98.0),  # a spot return
            ("S8", "2026-09-01", "AM1", "D", None, "large_volume", None, 10, 2000.0, 1900.0),
            ("T1", "2026-08-05", "AM2", "E", "HP", None, False, 1, 300.0, 270.0),  # deal_type → run_rate
            ("T2", "2026-09-10", "AM2", "A", "HP", "run_rate", False, 1, 100.0, 90.0),  # covers AM1's A
        ],
        columns=[
            "line_id",
            "invoice_date",
            "am_id",
            "account_id",
            "vendor",
            "deal_type",
            "vendor_programme",
            "quantity",
            "revenue",
            "cost",
        ],
    ).assign(product="P")
    targets = pd.DataFrame(
        [
            ("AM1", "2026Q1", "revenue", 500.0),
            ("AM1", "2026Q2", "revenue", 0.0),
            ("AM1", "2026Q3", "revenue", 3000.0),
            ("AM1", "2026Q1", "gross_margin", 100.0),
            ("AM1", "2026Q2", "gross_margin", 100.0),
            ("AM1", "2026-07", "gross_margin", 100.0),
            ("AM1", "2026-08", "gross_margin", 100.0),
            ("AM1", "2026-09", "gross_margin", 100.0),
            ("AM1", "2026Q4", "gross_margin", 200.0),
            ("AM2", "2026Q3", "gross_margin", 50.0),
            ("AM2", "2026Q4", "gross_margin", 100.0),
        ],
        columns=["am_id", "period", "measure", "target"],
    )
    accounts = pd.DataFrame(
        {
            "account_id": ["A", "B", "C", "D", "E", "K"],
            "name": ["Acme", "Bravo", "Charlie", "Delta", "Echo", "Kilo"],
            "am_id": ["AM1", "AM1", "AM1", "AM1", "AM2", "AM1"],
            "key_account": [True, False, None, False, True, True],  # K: AM1's key account, no lines
        }
    )
    back_orders = pd.DataFrame(
        [
            # id, am, account, order, promised, fulfilled, value
            ("B1", "AM1", "A", "2026-09-28", "2026-10-05", None, 100.0),  # open, 2 days, not yet late
            ("B2", "AM1", "A", "2026-08-01", "2026-08-15", "2026-10-10", 300.0),  # open on 30 Sep, 60 days, late
            ("B3", "AM1", "C", "2026-06-01", None, None, 50.0),  # open, 121 days, no promise
            ("B4", "AM1", "A", "2026-07-01", "2026-07-10", "2026-07-21", 999.0),  # fulfilled in Q3: 20 days
            ("B5", "AM1", "D", "2026-06-20", None, "2026-07-01", 10.0),  # fulfilled in Q3: 11 days
            ("B6", "AM2", "E", "2026-09-30", "2026-09-30", None, 200.0),  # open, promised today: on time
            ("B7", "AM1", "A", "2026-10-02", None, None, 70.0),  # ordered after the review quarter
            ("B8", "AM1", "A", "2026-03-01", "2026-03-10", "2026-03-20", 40.0),  # fulfilled in Q1: 19 days
        ],
        columns=["order_line_id", "am_id", "account_id", "order_date", "promised_date", "fulfilled_date", "value"],
    )
    return {
        "account_managers": account_managers,
        "sales": sales,
        "targets": targets,
        "accounts": accounts,
        "back_orders": back_orders,
    }


@pytest.fixture(scope="module")
def pack():
    return validate_tables(review_tables(), source="review")


@pytest.fixture(scope="module")
def ctx(pack):
    return KpiContext.for_period(pack, Quarter.parse("2026Q3"))


@pytest.fixture
def lines(pack):
    return margin.lines_in_period(pack.sales, Quarter.parse("2026Q3"))


def kpi(name: str):
    return {k.name: k for k in KPIS}[name]


# --------------------------------------------------------------------------------------------
# Scalar helpers
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "current, previous, expected",
    [
        (110.0, 100.0, 0.1),
        (90.0, 100.0, -0.1),
        (0.0, 100.0, -1.0),
        (-50.0, -100.0, 0.5),
        (-150.0, -100.0, -0.5),
        (50.0, -100.0, 1.5),
        (5.0, 0.0, NAN),
        (5.0, NAN, NAN),
        (5.0, None, NAN),
    ],
)
def test_change_is_relative_to_the_size_of_the_earlier_figure(current, previous, expected):
    assert same(change(current, previous), expected)


def test_change_of_series_is_nan_where_previous_is_zero_or_missing():
    result = change(pd.Series([110.0, 5.0, 5.0, -50.0]), pd.Series([100.0, 0.0, np.nan, -100.0]))
    assert same(result.iloc[0], 0.1) and result.iloc[1:3].isna().all() and same(result.iloc[3], 0.5)


@pytest.mark.parametrize(
    "part, whole, expected",
    [
        (25.0, 100.0, 0.25),
        (0.0, 100.0, 0.0),
        (150.0, 100.0, 1.5),
        (-10.0, 100.0, -0.1),
        (5.0, 0.0, NAN),
        (5.0, -10.0, NAN),
        (5.0, NAN, NAN),
    ],
)
def test_share_needs_a_positive_whole(part, whole, expected):
    assert same(share(part, whole), expected)


@pytest.mark.parametrize(
    "ytd, elapsed, days, expected",
    [
        (100.0, 91, 365, 100.0 * 365 / 91),
        (428.0, 273, 365, 428.0 * 365 / 273),
        (40.0, 61, 153, 40.0 * 153 / 61),  # a new starter: days from their start
        (500.0, 365, 365, 500.0),  # year end: the actual
        (-30.0, 100, 200, -60.0),
        (100.0, 0, 365, NAN),
        (100.0, NAN, 365, NAN),
    ],
)
def test_full_year_projection_is_the_run_rate(ytd, elapsed, days, expected):
    assert same(full_year_projection(ytd, elapsed, days), expected)


def test_full_year_projection_of_series():
    result = full_year_projection(pd.Series([10.0, 10.0]), pd.Series([5.0, 0.0]), pd.Series([10.0, 10.0]))
    assert same(result.iloc[0], 20.0) and math.isnan(result.iloc[1])


def test_annual_target_progress_scalars():
    row = annual_target_progress(100.0, 400.0, 91, 364)
    assert same(row["ytd_of_annual_target"], 0.25)
    assert same(row["year_elapsed"], 0.25)
    assert same(row["projection"], 400.0)
    assert same(row["projection_attainment"], 1.0)
    no_target = annual_target_progress(100.0, 0.0, 91, 364)
    assert math.isnan(no_target["ytd_of_annual_target"]) and math.isnan(no_target["projection_attainment"])


# --------------------------------------------------------------------------------------------
# Breakdowns
# --------------------------------------------------------------------------------------------


def test_margin_by_vendor_keeps_lines_without_a_vendor_and_sorts_by_margin(lines):
    am1 = lines[lines["am_id"] == "AM1"]
    table = margin_by(am1, "vendor")
    # HP: S5 1200/1050 → GM 150; no vendor: S8 2000/1900 → 100; Dell: S6+S7 700/682 → 18
    assert table["gross_margin"].tolist() == pytest.approx([150.0, 100.0, 18.0], abs=TOL)
    assert table.index[0] == "HP" and pd.isna(table.index[1]) and table.index[2] == "Dell"
    assert table["lines"].tolist() == [1, 1, 2]
    assert same(table.loc["Dell", "gm_pct"], 18.0 / 700.0)
    assert same(table.loc["HP", "revenue_share"], 1200.0 / 3900.0)
    assert same(table.loc["HP", "margin_share"], 150.0 / 268.0)
    assert table["gross_margin"].sum() == pytest.approx(268.0, abs=TOL)


def test_margin_by_two_keys_gives_shares_within_the_leading_key(lines):
    table = margin_by(lines, ["am_id", "account_id"])
    assert list(table.index) == [("AM1", "A"), ("AM1", "D"), ("AM1", "C"), ("AM2", "E"), ("AM2", "A")]
    assert same(table.loc[("AM2", "E"), "margin_share"], 30.0 / 40.0)  # E 30 of AM2's 40
    assert same(table.loc[("AM1", "C"), "revenue_share"], 700.0 / 3900.0)


def test_margin_by_share_is_nan_when_the_whole_lost_money():
    lines = pd.DataFrame({"account_id": ["x", "y"], "revenue": [100.0, 100.0], "cost": [90.0, 150.0]})
    table = margin_by(lines, "account_id")
    assert table["margin_share"].isna().all()  # total margin 10 − 50 = −40
    assert table["revenue_share"].tolist() == pytest.approx([0.5, 0.5])


def test_deal_type_summary_has_every_deal_type(lines):
    table = deal_type_summary(lines[lines["am_id"] == "AM1"])
    assert list(table.index) == list(DEAL_TYPES)
    spot = table.loc["spot"]
    assert (spot["deals"], spot["returns"]) == (1, 1)  # S6 a deal, S7 a return
    assert same(spot["revenue"], 700.0) and same(spot["gross_margin"], 18.0) and same(spot["gm_pct"], 18.0 / 700.0)
    bespoke = table.loc["bespoke"]  # none this quarter: zeros, GM % NaN
    assert bespoke["deals"] == 0 and bespoke["revenue"] == 0.0 and math.isnan(bespoke["gm_pct"])
    assert same(table.loc["large_volume", "revenue_share"], 2000.0 / 3900.0)
    assert same(table.loc["run_rate", "margin_share"], 150.0 / 268.0)
    assert table["gross_margin"].sum() == pytest.approx(268.0, abs=TOL)


def test_deal_type_summary_by_am_gives_four_rows_each(lines):
    table = deal_type_summary(lines, "am_id")
    assert len(table) == 8 and table.index.names == ["am_id", "deal_type"]
    assert table.loc[("AM2", "run_rate"), "deals"] == 2  # T1's missing deal_type is run_rate
    assert table.loc[("AM2", "spot"), "deals"] == 0


def test_deal_type_summary_of_no_lines(lines):
    table = deal_type_summary(lines.iloc[0:0])
    assert list(table.index) == list(DEAL_TYPES) and (table["deals"] == 0).all() and table["gm_pct"].isna().all()
    assert deal_type_summary(lines.iloc[0:0], "am_id").empty


def test_vendor_programme_share(lines):
    row = vendor_programme_share(lines[lines["am_id"] == "AM1"])  # S5 only (S8's missing flag is false)
    assert same(row["revenue_share"], 1200.0 / 3900.0)
    assert same(row["margin_share"], 150.0 / 268.0)
    by_am = vendor_programme_share(lines, "am_id")
    assert list(by_am.columns) == SEGMENT_COLUMNS
    assert by_am.loc["AM2", "revenue_share"] == 0.0


def test_segment_share_is_nan_without_revenue_or_margin():
    lines = pd.DataFrame(
        {
            "am_id": ["a", "a", "b", "c", "c"],
            "revenue": [100.0, 50.0, 100.0, 100.0, -100.0],
            "cost": [50.0, 40.0, 120.0, 90.0, -95.0],
        }
    )
    table = segment_share(lines, pd.Series([True, False, True, True, False]), "am_id")
    assert same(table.loc["a", "revenue_share"], 100.0 / 150.0)
    assert same(table.loc["a", "margin_share"], 50.0 / 60.0)
    assert same(table.loc["b", "revenue_share"], 1.0) and math.isnan(table.loc["b", "margin_share"])  # a loss
    assert math.isnan(table.loc["c", "revenue_share"])  # net revenue 0
    assert same(table.loc["c", "margin_share"], 10.0 / 5.0)  # more than the whole: the rest lost money
    whole = segment_share(lines, pd.Series([False] * 5))
    assert whole["segment_revenue"] == 0.0 and same(whole["revenue_share"], 0.0)


def test_deal_type_share_rejects_unknown_types(lines):
    with pytest.raises(ValueError, match="expected some of run_rate, spot, bespoke, large_volume"):
        deal_type_share(lines, "special")


def test_margin_change_by_am(pack, lines):
    before = margin.lines_in_period(pack.sales, Quarter.parse("2025Q3"))
    table = margin_change(lines, before, "am_id")
    am1 = table.loc["AM1"]
    assert same(am1["revenue_change"], (3900.0 - 1500.0) / 1500.0)
    assert same(am1["gross_margin_change"], (268.0 - 120.0) / 120.0)
    assert same(am1["gm_pct_change_points"], 268.0 / 3900.0 - 120.0 / 1500.0)
    am2 = table.loc["AM2"]  # nothing a year ago: revenue before 0, change NaN
    assert am2["revenue_before"] == 0.0 and math.isnan(am2["revenue_change"]) and math.isnan(am2["gm_pct_before"])
    whole = margin_change(lines, before)
    assert same(whole["revenue_change"], (4300.0 - 1500.0) / 1500.0)


# --------------------------------------------------------------------------------------------
# Targets over the fiscal year
# --------------------------------------------------------------------------------------------


def test_fiscal_year_target_sums_the_quarters_in_role(pack):
    starts = pack.account_managers.set_index("am_id")["start_date"]
    annual = fiscal_year_target(pack.targets, Quarter.parse("2026Q3"), "gross_margin", starts)
    assert same(annual["AM1"], 100.0 + 100.0 + 300.0 + 200.0)  # Q3 from its month rows
    assert same(annual["AM2"], 50.0 + 100.0)  # from Q3, the quarter they started in
    assert math.isnan(annual["AM3"])  # no target
    revenue = fiscal_year_target(pack.targets, Quarter.parse("2026Q3"), "revenue", starts)
    assert math.isnan(revenue["AM1"])  # Q4 has no revenue target: the year is incomplete


def test_fiscal_year_target_without_start_dates_needs_all_four_quarters(pack):
    annual = fiscal_year_target(pack.targets, Quarter.parse("2026Q3"), "gross_margin")
    assert same(annual["AM1"], 700.0) and math.isnan(annual["AM2"])


def test_fiscal_year_target_with_a_fiscal_start_month(pack):
    # FY2027 starting in April: 2027Q2 is July–September 2026, whose month rows give 300.
    annual = fiscal_year_target(pack.targets, Quarter.parse("2027Q2", 4), "gross_margin")
    assert annual.isna().all()  # FY2027Q1, Q3, Q4 have no rows under fiscal labels
    table = pd.DataFrame(
        {
            "am_id": ["X"] * 4,
            "period": ["2027Q1", "2027Q2", "2027Q3", "2027Q4"],
            "measure": "gross_margin",
            "target": [1.0, 2.0, 3.0, 4.0],
        }
    )
    assert same(fiscal_year_target(table, Quarter.parse("2027Q2", 4), "gross_margin")["X"], 10.0)


# --------------------------------------------------------------------------------------------
# KPIs, end to end on the hand-made pack
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, am_id, expected",
    [
        ("revenue", "AM1", 3900.0),
        ("revenue", "AM2", 400.0),
        ("revenue", "AM3", 0.0),  # in role, sold nothing
        ("cost", "AM1", 3632.0),
        ("gross_margin", "AM1", 268.0),
        ("gm_pct", "AM1", 268.0 / 3900.0),
        ("gm_pct", "AM3", NAN),
        ("revenue_attainment", "AM1", 3900.0 / 3000.0),
        ("revenue_attainment", "AM2", NAN),  # no target
        ("gross_margin_attainment", "AM1", 268.0 / 300.0),  # month rows add up to the quarter
        ("gross_margin_attainment", "AM2", 40.0 / 50.0),
        ("gross_margin_attainment", "AM3", NAN),
        ("spot_deals", "AM1", 1.0),  # the spot return is not a deal
        ("spot_deals", "AM3", 0.0),
        ("spot_revenue", "AM1", 700.0),
        ("spot_gm_pct", "AM1", 18.0 / 700.0),
        ("spot_gm_pct", "AM2", NAN),
        ("large_volume_revenue_share", "AM1", 2000.0 / 3900.0),
        ("bespoke_revenue_share", "AM1", 0.0),
        ("bespoke_revenue_share", "AM3", NAN),
        ("vendor_programme_revenue_share", "AM1", 1200.0 / 3900.0),
        ("vendor_programme_margin_share", "AM1", 150.0 / 268.0),
        ("revenue_qoq", "AM1", (3900.0 - 600.0) / 600.0),
        ("gross_margin_qoq", "AM1", (268.0 - 120.0) / 120.0),
        ("revenue_qoq", "AM2", NAN),  # not in role last quarter
        ("revenue_yoy", "AM1", (3900.0 - 1500.0) / 1500.0),
        ("gross_margin_yoy", "AM1", (268.0 - 120.0) / 120.0),
        ("gm_pct_yoy_points", "AM1", 268.0 / 3900.0 - 0.08),
        ("revenue_yoy", "AM2", NAN),
        ("revenue_yoy", "AM3", NAN),  # nothing a year ago: growth from nothing
        ("gross_margin_ytd_of_annual_target", "AM1", 428.0 / 700.0),
        ("gross_margin_projection", "AM1", 428.0 * 365 / 273),  # 1 Jan–30 Sep = 273 days
        ("gross_margin_projection", "AM2", 40.0 * 153 / 61),  # 1 Aug–30 Sep = 61, 1 Aug–31 Dec = 153
        ("gross_margin_projection", "AM3", 0.0),
        ("gross_margin_projection_attainment", "AM1", 428.0 * 365 / 273 / 700.0),
        ("gross_margin_projection_attainment", "AM2", 40.0 * 153 / 61 / 150.0),
        ("gross_margin_projection_attainment", "AM3", NAN),
    ],
)
def test_kpi_quarter_values(ctx, name, am_id, expected):
    values = kpi(name)(ctx)
    assert list(values.index) == ["AM1", "AM2", "AM3"] and values.name == name
    assert same(values[am_id], expected)


@pytest.mark.parametrize(
    "name, am_id, expected",
    [
        ("revenue", "AM1", 4900.0),
        ("gross_margin", "AM1", 428.0),
        ("revenue_attainment", "AM1", 4900.0 / 3500.0),  # 500 + 0 + 3000: the zero target adds nothing
        ("gross_margin_attainment", "AM1", 428.0 / 500.0),
        ("gross_margin_attainment", "AM2", 40.0 / 50.0),  # a new starter's YTD: their quarters' targets
        ("revenue_yoy", "AM1", (4900.0 - 1500.0) / 1500.0),  # 2025Q1–Q3 held S1 and S2 only
    ],
)
def test_kpi_year_to_date_values(ctx, name, am_id, expected):
    assert same(kpi(name)(ctx.for_window("ytd"))[am_id], expected)


def test_kpis_on_fiscal_quarters(pack):
    # FY2027 from April: 2027Q2 = July–September 2026; the year to date starts on 1 April 2026.
    fiscal = KpiContext.for_period(pack, Quarter.parse("2027Q2", 4))
    assert same(kpi("revenue")(fiscal)["AM1"], 3900.0)
    projection = kpi("gross_margin_projection")(fiscal)
    assert same(projection["AM1"], (120.0 + 268.0) * 365 / 183)  # 1 Apr–30 Sep = 183 days of 365
    assert same(projection["AM2"], 40.0 * 243 / 61)  # 1 Aug 2026–31 Mar 2027 = 243 days
    assert kpi("gross_margin_projection_attainment")(fiscal).isna().all()  # no full fiscal-year targets
    assert same(kpi("revenue_qoq")(fiscal)["AM1"], (3900.0 - 600.0) / 600.0)


def test_a_quarter_without_targets_gives_no_target_not_zero(pack):
    ctx = KpiContext.for_period(pack, Quarter.parse("2025Q3"))
    assert kpi("revenue_attainment")(ctx).isna().all()
    assert same(kpi("revenue")(ctx)["AM1"], 1500.0)


def test_registry_rows_are_complete():
    names = [k.name for k in KPIS]
    for core in ("revenue", "cost", "gross_margin", "gm_pct", "revenue_attainment", "gross_margin_attainment"):
        assert core in names
    assert kpi("gross_margin").higher_is_better is None and kpi("gm_pct").higher_is_better is True
    assert set(kpi("gm_pct").windows) == {"quarter", "ytd", "t4q"}
    assert kpi("revenue_attainment").target_measure == "revenue"
    assert set(kpi("gross_margin_attainment").windows) == {"quarter", "ytd"}


def test_functions_do_not_mutate_their_inputs(pack):
    tables = {name: pack[name].copy(deep=True) for name in ("sales", "targets", "account_managers")}
    lines = margin.lines_in_period(pack.sales, Quarter.parse("2026Q3"))
    lines_before = lines.copy(deep=True)
    margin_by(lines, "vendor")
    margin_by(lines, ["am_id", "deal_type"])
    deal_type_summary(lines, "am_id")
    vendor_programme_share(lines, "am_id")
    deal_type_share(lines, ("bespoke", "spot"), "am_id")
    margin_change(lines, pack.sales, "am_id")
    starts = pack.account_managers.set_index("am_id")["start_date"]
    fiscal_year_target(pack.targets, Quarter.parse("2026Q3"), "gross_margin", starts)
    pd.testing.assert_frame_equal(lines, lines_before)
    for name, before in tables.items():
        pd.testing.assert_frame_equal(pack[name], before)


# --------------------------------------------------------------------------------------------
# The sample pack's personas
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_ctx():
    return KpiContext.for_period(load_pack("sample"), Quarter.parse("2026Q3"))


def _persona(name: str) -> str:
    return next(am for am, persona in PERSONAS.items() if persona == name)


def test_margin_misser_grows_revenue_but_loses_gm_pct_year_on_year(sample_ctx):
    am = _persona("margin_misser")
    assert kpi("revenue_yoy")(sample_ctx)[am] > 0
    assert kpi("gm_pct_yoy_points")(sample_ctx)[am] < 0
    assert kpi("gross_margin_attainment")(sample_ctx)[am] < 0.9 < kpi("revenue_attainment")(sample_ctx)[am]


def test_star_has_the_highest_gross_margin_attainment(sample_ctx):
    assert kpi("gross_margin_attainment")(sample_ctx).idxmax() == _persona("star")


def test_new_starter_has_no_year_on_year_change_but_a_projection(sample_ctx):
    am = _persona("new_starter")
    assert math.isnan(kpi("gross_margin_yoy")(sample_ctx)[am])
    assert kpi("gross_margin_projection")(sample_ctx)[am] > kpi("gross_margin")(sample_ctx)[am]


def test_every_kpi_runs_on_the_sample_for_every_window(sample_ctx):
    for k in KPIS:
        for window in k.windows:
            values = k(sample_ctx.for_window(window))
            assert values.index.equals(sample_ctx.am_ids) and values.dtype == "float64"
            assert values.notna().sum() >= len(values) - 1, k.name  # only the new starter may lack one


# --------------------------------------------------------------------------------------------
# Invariants (hypothesis)
# --------------------------------------------------------------------------------------------

money = st.floats(min_value=-1e5, max_value=1e5, allow_nan=False, allow_infinity=False).map(lambda x: round(x, 2))


@st.composite
def typed_lines(draw):
    n = draw(st.integers(min_value=1, max_value=30))

    def pick(values):
        return draw(st.lists(st.sampled_from(values), min_size=n, max_size=n))

    return pd.DataFrame(
        {
            "am_id": pick(["a", "b"]),
            "account_id": pick(["x", "y", "z"]),
            "vendor": pick(["HP", "Dell", None]),
            "deal_type": pick(list(DEAL_TYPES)),
            "vendor_programme": pick([True, False]),
            "revenue": draw(st.lists(money, min_size=n, max_size=n)),
            "cost": draw(st.lists(money, min_size=n, max_size=n)),
        }
    )


@settings(max_examples=25, deadline=None)
@given(typed_lines())
def test_breakdowns_add_up_to_the_total(lines):
    total = float((lines["revenue"] - lines["cost"]).sum())
    assert margin_by(lines, "vendor")["gross_margin"].sum() == pytest.approx(total, abs=1e-6)
    assert margin_by(lines, "vendor")["lines"].sum() == len(lines)
    by_type = deal_type_summary(lines, "am_id")
    assert by_type["gross_margin"].sum() == pytest.approx(total, abs=1e-6)
    assert by_type["deals"].sum() == (lines["revenue"] > 0).sum()


@settings(max_examples=25, deadline=None)
@given(typed_lines())
def test_programme_and_the_rest_make_the_whole(lines):
    inside = vendor_programme_share(lines, "am_id")
    outside = segment_share(lines, ~lines["vendor_programme"], "am_id")
    both = inside["revenue_share"] + outside["revenue_share"]
    assert np.allclose(both.dropna(), 1.0)
    assert both.isna().equals(inside["revenue"] <= 0)


def test_no_lines_give_empty_tables_not_errors(pack):
    none = pack.sales.iloc[0:0]
    assert margin_by(none, ["am_id", "vendor"]).empty and list(margin_by(none, "vendor").columns)[0] == "lines"
    assert margin_change(none, none, "am_id").empty
    assert vendor_programme_share(none, "am_id").empty
    assert math.isnan(vendor_programme_share(none)["revenue_share"])
    assert math.isnan(margin_change(none, none)["revenue_change"])
