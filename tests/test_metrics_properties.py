"""Invariants of the core KPIs on generated frames (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from amreview.metrics.accounts import active_accounts, new_accounts
from amreview.metrics.margin import attainment, gm_pct, margin_summary, margin_totals
from amreview.periods import Quarter

money = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False).map(lambda x: round(x, 2))


@st.composite
def sales_lines(draw, min_size=1):
    n = draw(st.integers(min_value=min_size, max_value=40))
    revenue = draw(st.lists(money, min_size=n, max_size=n))
    cost = draw(st.lists(money, min_size=n, max_size=n))
    am = draw(st.lists(st.sampled_from(["A", "B", "C"]), min_size=n, max_size=n))
    account = draw(st.lists(st.sampled_from(["x", "y", "z", "w"]), min_size=n, max_size=n))
    day = draw(st.lists(st.integers(0, 180), min_size=n, max_size=n))
    return pd.DataFrame(
        {
            "line_id": [f"L{i:03d}" for i in range(n)],
            "invoice_date": pd.Timestamp("2026-07-01") + pd.to_timedelta(day, unit="D"),
            "am_id": am,
            "account_id": account,
            "revenue": revenue,
            "cost": cost,
        }
    )


@settings(max_examples=60, deadline=None)
@given(sales_lines())
def test_per_account_margins_add_up_to_the_am_total(lines):
    by_am = margin_summary(lines, "am_id")
    by_account = margin_summary(lines, ["am_id", "account_id"]).groupby(level="am_id")["gross_margin"].sum()
    np.testing.assert_allclose(by_account.reindex(by_am.index), by_am["gross_margin"], atol=1e-6)
    assert abs(by_am["gross_margin"].sum() - margin_totals(lines)["gross_margin"]) < 1e-6


@settings(max_examples=60, deadline=None)
@given(sales_lines(), st.floats(min_value=0.01, max_value=1000))
def test_scaling_revenue_and_cost_leaves_gm_pct_unchanged(lines, k):
    scaled = lines.assign(revenue=lines["revenue"] * k, cost=lines["cost"] * k)
    before = margin_summary(lines, "am_id")["gm_pct"]
    after = margin_summary(scaled, "am_id")["gm_pct"]
    pd.testing.assert_series_equal(before.isna(), after.isna())
    np.testing.assert_allclose(before.dropna(), after.dropna(), rtol=1e-9)


@given(money, st.one_of(st.just(float("nan")), money))
def test_attainment_is_empty_exactly_when_there_is_no_positive_target(actual, target):
    result = attainment(actual, target)
    assert np.isnan(result) == (np.isnan(target) or target <= 0)


@given(money, money)
def test_gm_pct_is_empty_exactly_when_revenue_is_not_positive(margin, revenue):
    assert np.isnan(gm_pct(margin, revenue)) == (revenue <= 0)


@settings(max_examples=60, deadline=None)
@given(sales_lines())
def test_new_accounts_over_all_quarters_count_each_account_once(lines):
    quarters = [Quarter(2026, 3), Quarter(2026, 4), Quarter(2027, 1)]
    total = sum(new_accounts(lines, q).sum() for q in quarters)
    assert total == lines["account_id"].nunique()


@settings(max_examples=60, deadline=None)
@given(sales_lines())
def test_active_accounts_never_exceed_accounts_with_lines(lines):
    active = active_accounts(lines)
    assert (active <= lines.groupby("am_id")["account_id"].nunique().reindex(active.index)).all()
