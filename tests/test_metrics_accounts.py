"""Account management: growth, growing/declining accounts, concentration, key accounts, and the
KPI rows of amreview.metrics.accounts. Expected figures are computed by hand in the comments."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amreview.data.datapack import validate_tables
from amreview.metrics import accounts
from amreview.metrics.accounts import (
    KPIS,
    account_growth,
    account_trend_counts,
    declining_accounts,
    growing_accounts,
    key_account_ids,
    key_account_share,
    key_accounts,
    top_n_margin_share,
)
from amreview.metrics.margin import lines_in_period
from amreview.metrics.registry import KpiContext
from amreview.periods import Quarter
from tests.test_metrics_margin import review_tables, same

NAN = math.nan


def frame(rows) -> pd.DataFrame:
    """Lines (am_id, account_id, revenue, cost)."""
    return pd.DataFrame(rows, columns=["am_id", "account_id", "revenue", "cost"])


# Before: a: x 100, y 50, z 30, w −10;  b: v 20.   Now: a: x 150, y 20, z 30, u 40;  c: t 5.
BEFORE = frame(
    [
        ("a", "x", 1000.0, 900.0),
        ("a", "y", 500.0, 450.0),
        ("a", "z", 300.0, 270.0),
        ("a", "w", 100.0, 110.0),
        ("b", "v", 200.0, 180.0),
    ]
)
NOW = frame(
    [
        ("a", "x", 1000.0, 850.0),
        ("a", "y", 500.0, 480.0),
        ("a", "z", 300.0, 270.0),
        ("a", "u", 400.0, 360.0),
        ("c", "t", 50.0, 45.0),
    ]
)


@pytest.fixture(scope="module")
def pack():
    return validate_tables(review_tables(), source="review")


@pytest.fixture(scope="module")
def ctx(pack):
    return KpiContext.for_period(pack, Quarter.parse("2026Q3"))


def kpi(name: str):
    return {k.name: k for k in KPIS}[name]


def test_account_growth_trends_and_changes():
    table = account_growth(NOW, BEFORE)
    trend = table["trend"].astype(str).to_dict()
    assert trend == {
        ("a", "x"): "growing",
        ("a", "u"): "new",
        ("a", "z"): "flat",
        ("a", "w"): "growing",
        ("a", "y"): "declining",
        ("b", "v"): "declining",
        ("c", "t"): "new",
    }
    # w went from −10 to nothing (0): a rise; v stopped buying (20 → 0): a decline.
    assert same(table.loc[("a", "x"), "gross_margin_change"], (150.0 - 100.0) / 100.0)
    assert same(table.loc[("a", "w"), "gross_margin_change"], (0.0 + 10.0) / 10.0)
    assert same(table.loc[("a", "y"), "gross_margin_delta"], -30.0)
    assert math.isnan(table.loc[("a", "u"), "revenue_change"])  # new: growth from nothing
    assert same(table.loc[("b", "v"), "revenue_change"], -1.0)
    # sorted by am_id, then the margin gained, largest first
    assert list(table.index) == [("a", "x"), ("a", "u"), ("a", "w"), ("a", "z"), ("a", "y"), ("b", "v"), ("c", "t")]


def test_account_growth_by_account_only():
    table = account_growth(NOW, BEFORE, by=None)
    assert table.index.name == "account_id" and len(table) == 7


def test_growing_and_declining_accounts():
    assert list(growing_accounts(NOW, BEFORE).index) == [("a", "x"), ("a", "w")]
    assert list(declining_accounts(NOW, BEFORE).index) == [("a", "y"), ("b", "v")]  # largest loss first


def test_account_trend_counts_are_nan_without_a_base():
    counts = account_trend_counts(NOW, BEFORE)
    assert counts.loc["a"].tolist() == [4.0, 2.0, 1.0, 1.0, 1.0]  # base x y z w; u new
    assert counts.loc["b"].tolist() == [1.0, 0.0, 1.0, 0.0, 0.0]
    c = counts.loc["c"]  # nothing a year ago: nothing to compare
    assert c["accounts_before"] == 0 and c[["growing", "declining", "flat"]].isna().all() and c["new"] == 1
    with pytest.raises(ValueError, match="needs a grouping"):
        account_trend_counts(NOW, BEFORE, by=None)


@pytest.mark.parametrize(
    "n, expected",
    [
        (1, 150.0 / 240.0),
        (2, 190.0 / 240.0),
        (3, 220.0 / 240.0),
        (4, 1.0),
        (5, 1.0),
        (10, 1.0),
    ],
)
def test_top_n_margin_share(n, expected):
    # a now: x 150, y 20, z 30, u 40 → total 240
    assert same(top_n_margin_share(NOW, n)["a"], expected)


def test_top_n_margin_share_edge_cases():
    lines = frame(
        [("a", f"k{i}", 100.0, 100.0 - m) for i, m in enumerate([50, 40, 30, 20, 10, 5, -60])]
        + [("b", "x", 100.0, 150.0), ("b", "y", 100.0, 90.0)]
    )
    shares = top_n_margin_share(lines, 5)
    assert same(shares["a"], 150.0 / 95.0)  # above 1: the seventh account lost 60
    assert math.isnan(shares["b"])  # total margin −40
    assert same(top_n_margin_share(NOW, 2, by=None), (150.0 + 40.0) / 245.0)
    with pytest.raises(ValueError, match="expected a number of accounts"):
        top_n_margin_share(NOW, 0)


def test_key_accounts(pack):
    lines = lines_in_period(pack.sales, Quarter.parse("2026Q3"))
    assert sorted(key_account_ids(pack["accounts"])) == ["A", "E", "K"]  # C's missing flag is false
    shares = key_account_share(lines, pack["accounts"])
    assert same(shares.loc["AM1", "margin_share"], 150.0 / 268.0)  # A only
    assert same(shares.loc["AM2", "margin_share"], 1.0)  # E 30 and A 10 (credited by the line)
    table = key_accounts(lines, pack["accounts"], "AM1")
    assert list(table.index) == ["A", "K"]  # owned K has no lines: shown with zeros
    assert table.loc["K", "lines"] == 0 and table.loc["K", "revenue"] == 0.0 and math.isnan(table.loc["K", "gm_pct"])
    assert same(table.loc["A", "margin_share"], 150.0 / 268.0) and table.loc["A", "owner"] == "AM1"
    am2 = key_accounts(lines, pack["accounts"], "AM2")
    assert list(am2.index) == ["E", "A"] and same(am2.loc["A", "gross_margin"], 10.0)  # AM2's line to A


@pytest.mark.parametrize(
    "name, am_id, expected",
    [
        ("active_accounts", "AM1", 3.0),  # A, C, D
        ("active_accounts", "AM2", 2.0),
        ("active_accounts", "AM3", 0.0),
        ("growing_accounts", "AM1", 1.0),  # base A, B (2025Q3): A 100 → 150
        ("declining_accounts", "AM1", 1.0),  # B 20 → nothing
        ("growing_accounts", "AM2", NAN),  # no base a year ago
        ("declining_accounts", "AM3", NAN),
        ("top5_margin_share", "AM1", 1.0),  # three accounts
        ("top5_margin_share", "AM3", NAN),
        ("key_account_margin_share", "AM1", 150.0 / 268.0),
        ("key_account_margin_share", "AM3", NAN),
    ],
)
def test_kpi_values(ctx, name, am_id, expected):
    values = kpi(name)(ctx)
    assert list(values.index) == ["AM1", "AM2", "AM3"]
    assert same(values[am_id], expected)


def test_registry_rows_are_complete():
    names = [k.name for k in KPIS]
    assert {
        "active_accounts",
        "growing_accounts",
        "declining_accounts",
        "top5_margin_share",
        "key_account_margin_share",
    } <= set(names)
    assert kpi("top5_margin_share").higher_is_better is None
    assert kpi("declining_accounts").higher_is_better is False


def test_functions_do_not_mutate_their_inputs(pack):
    sales, accounts_table = pack.sales.copy(deep=True), pack["accounts"].copy(deep=True)
    now, before = NOW.copy(), BEFORE.copy()
    account_growth(NOW, BEFORE)
    account_trend_counts(NOW, BEFORE)
    declining_accounts(NOW, BEFORE)
    top_n_margin_share(NOW, 2)
    lines = lines_in_period(pack.sales, Quarter.parse("2026Q3"))
    key_accounts(lines, pack["accounts"], "AM1")
    key_account_share(lines, pack["accounts"])
    accounts.active_accounts(lines)
    pd.testing.assert_frame_equal(NOW, now)
    pd.testing.assert_frame_equal(BEFORE, before)
    pd.testing.assert_frame_equal(pack.sales, sales)
    pd.testing.assert_frame_equal(pack["accounts"], accounts_table)


@st.composite
def two_periods(draw):
    def lines():
        n = draw(st.integers(min_value=0, max_value=20))

        def pick(values):
            return draw(st.lists(st.sampled_from(values), min_size=n, max_size=n))

        amounts = st.lists(st.integers(-500, 1000).map(float), min_size=n, max_size=n)
        return pd.DataFrame(
            {
                "am_id": pick(["a", "b"]),
                "account_id": pick(list("stuvwxyz")),
                "revenue": draw(amounts),
                "cost": draw(amounts),
            }
        )

    return lines(), lines()


@settings(max_examples=25, deadline=None)
@given(two_periods())
def test_every_account_of_the_base_is_growing_declining_or_flat(periods):
    now, before = periods
    counts = account_trend_counts(now, before)
    with_base = counts[counts["accounts_before"] > 0]
    assert (with_base[["growing", "declining", "flat"]].sum(axis=1) == with_base["accounts_before"]).all()
    assert counts.loc[counts["accounts_before"] == 0, "growing"].isna().all()
    base = before.groupby("am_id")["account_id"].nunique()
    assert with_base["accounts_before"].to_dict() == {k: float(v) for k, v in base.items()}


@settings(max_examples=25, deadline=None)
@given(two_periods(), st.integers(1, 6))
def test_top_n_share_of_profitable_accounts_never_falls_as_n_grows(periods, n):
    lines = periods[0].assign(cost=0.0, revenue=lambda f: f["revenue"].abs())  # no account loses money
    smaller, larger = top_n_margin_share(lines, n), top_n_margin_share(lines, n + 1)
    assert smaller.isna().equals(larger.isna())
    assert (larger.dropna() >= smaller.dropna() - 1e-12).all()
    everyone = top_n_margin_share(periods[0], 8)  # eight names: every account is in the top 8
    assert np.allclose(everyone.dropna(), 1.0)


def test_no_lines_give_empty_tables_not_errors(pack):
    none = pack.sales.iloc[0:0]
    assert account_growth(none, none).empty and account_trend_counts(none, none).empty
    assert top_n_margin_share(none).empty and math.isnan(top_n_margin_share(none, by=None))
    owned = key_accounts(none, pack["accounts"], "AM1")  # AM1's key accounts, all without lines
    assert list(owned.index) == ["A", "K"] and (owned["revenue"] == 0).all() and owned["gm_pct"].isna().all()
