"""Core KPIs against figures computed by hand on the tiny pack of conftest.hand_tables()."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from amreview.data.datapack import validate_tables
from amreview.metrics.accounts import active_accounts, first_lines, new_accounts
from amreview.metrics.margin import attainment, gm_pct, lines_in_period, margin_by_month, margin_summary
from amreview.metrics.targets import monthly_targets, quarter_target, quarter_targets
from amreview.periods import Quarter
from amreview.scoring.scorecard import SCORECARD_COLUMNS, core_scorecard
from tests.conftest import hand_tables


@pytest.fixture
def pack():
    return validate_tables(hand_tables(), source="hand")


def test_lines_in_period_keeps_both_ends_of_the_quarter(pack):
    lines = lines_in_period(pack.sales, Quarter.parse("2026Q3"))
    assert sorted(lines["line_id"]) == ["L1", "L2", "L3", "L5", "L7", "X1", "X2"]


def test_margin_summary_by_am_matches_hand_figures(pack):
    table = margin_summary(lines_in_period(pack.sales, Quarter.parse("2026Q3")), "am_id")
    # AM1: 1000 + 500 - 200 + 20 = 1320 revenue; 900 + 400 - 180 + 15 = 1135 cost
    assert table.loc["AM1", "revenue"] == pytest.approx(1320.0)
    assert table.loc["AM1", "cost"] == pytest.approx(1135.0)
    assert table.loc["AM1", "gross_margin"] == pytest.approx(185.0)
    assert table.loc["AM1", "gm_pct"] == pytest.approx(185.0 / 1320.0, abs=1e-12)
    # AM2: 300 - 50 + 10 = 260 revenue; 270 - 40 + 8 = 238 cost
    assert table.loc["AM2", "gross_margin"] == pytest.approx(22.0)
    assert table.loc["AM2", "gm_pct"] == pytest.approx(22.0 / 260.0, abs=1e-12)


@pytest.mark.parametrize(
    "margin, revenue, expected",
    [(12.0, 100.0, 0.12), (0.0, 100.0, 0.0), (-5.0, 100.0, -0.05), (5.0, 0.0, math.nan), (-5.0, -50.0, math.nan)],
)
def test_gm_pct_scalar(margin, revenue, expected):
    result = gm_pct(margin, revenue)
    assert (math.isnan(result) and math.isnan(expected)) or result == pytest.approx(expected)


@pytest.mark.parametrize(
    "actual, target, expected",
    [
        (103.0, 100.0, 1.03),
        (0.0, 100.0, 0.0),
        (50.0, 0.0, math.nan),
        (50.0, None, math.nan),
        (50.0, math.nan, math.nan),
        (50.0, -10.0, math.nan),
    ],
)
def test_attainment_scalar_no_target_is_nan_not_zero(actual, target, expected):
    result = attainment(actual, target)
    assert (math.isnan(result) and math.isnan(expected)) or result == pytest.approx(expected)


def test_attainment_series():
    result = attainment(pd.Series([10.0, 10.0, 10.0]), pd.Series([5.0, 0.0, np.nan]))
    assert result.iloc[0] == 2.0 and result.iloc[1:].isna().all()


def test_active_accounts_need_a_positive_line(pack):
    counts = active_accounts(lines_in_period(pack.sales, Quarter.parse("2026Q3")))
    assert counts.to_dict() == {"AM1": 3, "AM2": 2}  # AM1: A, B, E; AM2: C, E (D is only a return)


def test_first_line_tie_is_broken_by_line_id(pack):
    assert first_lines(pack.sales).loc["E", "am_id"] == "AM1"  # X1 < X2 on the same date


def test_new_accounts_credited_to_am_of_first_line(pack):
    # A first appeared in Q2 (L4), so is not new in Q3. B (AM1), C (AM2), D (AM2), E (AM1 by tie).
    assert new_accounts(pack.sales, Quarter.parse("2026Q3")).to_dict() == {"AM1": 2, "AM2": 2}
    assert new_accounts(pack.sales, Quarter.parse("2026Q2")).to_dict() == {"AM1": 1}


def test_quarter_targets_from_quarter_rows_and_month_sums(pack):
    table = quarter_targets(pack.targets, Quarter.parse("2026Q3"))
    assert table.loc["AM1", "revenue"] == 1000.0
    assert table.loc["AM1", "gross_margin"] == 200.0  # 50 + 50 + 100
    assert table.loc["AM2", "revenue"] == 0.0
    assert math.isnan(table.loc["AM2", "gross_margin"])
    assert math.isnan(quarter_target(pack.targets, "AM3", Quarter.parse("2026Q3"), "revenue"))


def test_monthly_targets_use_month_rows_else_a_third_of_the_quarter(pack):
    months = monthly_targets(pack.targets, Quarter.parse("2026Q3"), "gross_margin")
    assert months.loc["AM1"].tolist() == [50.0, 50.0, 100.0]
    thirds = monthly_targets(pack.targets, Quarter.parse("2026Q3"), "revenue")
    assert thirds.loc["AM1"].tolist() == pytest.approx([1000 / 3] * 3)


def test_margin_by_month(pack):
    months = margin_by_month(lines_in_period(pack.sales, Quarter.parse("2026Q3")).query("am_id == 'AM1'"))
    assert months["gross_margin"].to_dict() == pytest.approx({"2026-07": 100.0, "2026-08": 100.0, "2026-09": -15.0})


def test_core_scorecard_hand_figures(pack):
    card = core_scorecard(pack, Quarter.parse("2026Q3")).set_index("am_id")
    assert list(core_scorecard(pack, Quarter.parse("2026Q3")).columns) == SCORECARD_COLUMNS
    am1 = card.loc["AM1"]
    assert (am1["revenue"], am1["cost"], am1["gross_margin"]) == pytest.approx((1320.0, 1135.0, 185.0))
    assert am1["revenue_attainment"] == pytest.approx(1.32)
    assert am1["gross_margin_attainment"] == pytest.approx(185.0 / 200.0)
    assert am1["new_accounts_attainment"] == pytest.approx(0.5)
    assert am1["active_accounts"] == 3 and am1["new_accounts"] == 2
    am2 = card.loc["AM2"]
    assert am2["revenue_target"] == 0.0 and math.isnan(am2["revenue_attainment"])
    assert math.isnan(am2["gross_margin_target"]) and math.isnan(am2["gross_margin_attainment"])
    am3 = card.loc["AM3"]  # in role, sold nothing: zeros where a sum, empty where a ratio
    assert am3["revenue"] == 0.0 and am3["active_accounts"] == 0 and math.isnan(am3["gm_pct"])


def test_metrics_do_not_mutate_their_inputs(pack):
    sales_before = pack.sales.copy(deep=True)
    targets_before = pack.targets.copy(deep=True)
    lines = lines_in_period(pack.sales, Quarter.parse("2026Q3"))
    margin_summary(lines, ["am_id", "account_id"])
    active_accounts(lines)
    new_accounts(pack.sales, Quarter.parse("2026Q3"))
    quarter_targets(pack.targets, Quarter.parse("2026Q3"))
    monthly_targets(pack.targets, Quarter.parse("2026Q3"), "revenue")
    core_scorecard(pack, Quarter.parse("2026Q3"))
    pd.testing.assert_frame_equal(pack.sales, sales_before)
    pd.testing.assert_frame_equal(pack.targets, targets_before)
