"""Productive new business (amreview.metrics.newbusiness) against figures computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amreview.data.datapack import load_pack, validate_tables
from amreview.data.sample import PERSONAS
from amreview.metrics import newbusiness as nb
from amreview.metrics.accounts import new_accounts
from amreview.metrics.registry import KpiContext
from amreview.periods import Quarter
from tests.conftest import same

Q3_START, Q3_END = pd.Timestamp("2026-07-01"), pd.Timestamp("2026-09-30")
Q4_START, Q4_END = pd.Timestamp("2026-10-01"), pd.Timestamp("2026-12-31")


def account_managers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "am_id": ["AM1", "AM2", "AM3", "AM4"],
            "name": ["Ada", "Brian", "Cleo Starter", "Dan Later"],
            "manager": ["Grace"] * 4,
            "start_date": [None, None, "2026-08-03", "2026-10-05"],  # AM4 is not in role in 2026Q3
        }
    )


def sales() -> pd.DataFrame:
    rows = [
        # line_id, invoice_date, am_id, account_id, revenue, cost
        ("S1", "2026-05-10", "AM1", "OLD", 1000.0, 900.0),  # OLD is new in 2026Q2
        ("S2", "2026-07-10", "AM1", "OLD", 500.0, 450.0),
        ("S3", "2026-07-15", "AM1", "N1", 2000.0, 1700.0),  # N1 new in Q3, AM1
        ("S4", "2026-08-20", "AM2", "N1", 1000.0, 900.0),  # a teammate's line on AM1's new account
        ("S5", "2026-09-01", "AM1", "N1", -200.0, -170.0),  # a return on it
        ("S6", "2026-08-05", "AM2", "N2", 800.0, 700.0),  # N2 new in Q3, AM2
        ("S7", "2026-10-02", "AM2", "N2", 100.0, 50.0),  # Q4: outside
        ("T2", "2026-09-10", "AM2", "N3", 300.0, 200.0),  # same day as T1: T1 < T2 wins
        ("T1", "2026-09-10", "AM1", "N3", 50.0, 40.0),
        ("S8", "2026-08-10", "AM3", "OLD", 100.0, 90.0),
    ]
    frame = pd.DataFrame(rows, columns=["line_id", "invoice_date", "am_id", "account_id", "revenue", "cost"])
    return frame.assign(invoice_date=pd.to_datetime(frame["invoice_date"]), product="Laptop", quantity=1.0)


def opportunities() -> pd.DataFrame:
    rows = [
        # id, am, stage, created, close, value, new_business
        ("O1", "AM1", "won", "2026-05-01", "2026-07-01", 1000.0, False),  # 61-day cycle
        ("O2", "AM1", "won", "2026-08-01", "2026-09-30", 3000.0, True),  # 60-day cycle
        ("O3", "AM1", "lost", "2026-06-01", "2026-08-15", 4000.0, True),
        ("O4", "AM1", "lost", "2026-04-01", "2026-06-30", 500.0, False),  # closed in Q2
        ("O5", "AM1", "engaging", "2026-09-01", "2026-11-15", 6000.0, False),  # next-quarter pipeline
        ("O6", "AM1", "prospecting", "2026-09-20", "2026-12-31", 2000.0, True),  # ... on its last day
        ("O7", "AM1", "prospecting", "2026-10-05", "2026-11-01", 9000.0, False),  # created after as_of
        ("O8", "AM1", "engaging", "2026-03-01", "2026-09-01", 700.0, False),  # open, closing this quarter
        ("O9", "AM2", "won", "2026-07-10", "2026-07-05", None, False),  # closed before created; no value
        ("O10", "AM2", "lost", "2026-07-01", "2026-08-01", 0.0, False),
        ("O11", "AM2", "won", "2026-07-01", None, 100.0, False),  # no close date: never closed
        ("O12", "AM2", "engaging", None, "2026-10-01", 1500.0, False),  # creation unknown: open
    ]
    frame = pd.DataFrame(
        rows, columns=["opportunity_id", "am_id", "stage", "created_date", "close_date", "value", "new_business"]
    )
    return frame.assign(
        created_date=pd.to_datetime(frame["created_date"]),
        close_date=pd.to_datetime(frame["close_date"]),
        value=frame["value"].astype("float64"),
        expected_margin=frame["value"].astype("float64") / 10,
    )


def targets() -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("AM1", "2026Q1", "new_accounts", 0.0),  # given (as 0), so the year to date has every quarter
            ("AM1", "2026Q2", "new_accounts", 1.0),
            ("AM1", "2026Q3", "new_accounts", 4.0),
            ("AM2", "2026Q3", "new_accounts", 0.0),  # a zero target is no target
            ("AM1", "2026Q3", "new_business_margin", 560.0),
            ("AM1", "2026Q4", "revenue", 10000.0),
            ("AM2", "2026Q4", "revenue", 0.0),
            ("AM3", "2026Q4", "revenue", 2000.0),
        ],
        columns=["am_id", "period", "measure", "target"],
    )


def hand_pack(with_opportunities: bool = True):
    tables = {"account_managers": account_managers(), "sales": sales(), "targets": targets()}
    if with_opportunities:
        tables["opportunities"] = opportunities()
    return validate_tables(tables, source="hand")


# --------------------------------------------------------------------------------------------
# New accounts and their margin
# --------------------------------------------------------------------------------------------


def test_new_accounts_between_matches_the_contract_definition():
    counts = nb.new_accounts_between(sales(), Q3_START, Q3_END)
    assert counts.to_dict() == {"AM1": 2, "AM2": 1}  # AM1: N1, N3 (T1 < T2); AM2: N2
    assert counts.to_dict() == new_accounts(sales(), Quarter.parse("2026Q3")).to_dict()
    assert nb.new_accounts_between(sales(), "2026-04-01", Q3_END).to_dict() == {"AM1": 3, "AM2": 1}


@st.composite
def random_lines(draw):
    n = draw(st.integers(min_value=1, max_value=30))
    day = draw(st.lists(st.integers(0, 400), min_size=n, max_size=n))
    return pd.DataFrame(
        {
            "line_id": draw(st.permutations([f"L{i:02d}" for i in range(n)])),
            "invoice_date": pd.Timestamp("2026-01-01") + pd.to_timedelta(day, unit="D"),
            "am_id": draw(st.lists(st.sampled_from(["A", "B"]), min_size=n, max_size=n)),
            "account_id": draw(st.lists(st.sampled_from(["w", "x", "y", "z"]), min_size=n, max_size=n)),
            "revenue": draw(st.lists(st.sampled_from([-10.0, 5.0, 20.0]), min_size=n, max_size=n)),
            "cost": 1.0,
        }
    )


@settings(max_examples=60, deadline=None)
@given(random_lines())
def test_new_accounts_between_agrees_with_accounts_new_accounts(lines):
    theirs = {}  # each quarter's new accounts by accounts.new_accounts, for the year's sum too
    for quarter in ("2026Q1", "2026Q2", "2026Q3", "2026Q4", "2027Q1"):
        q = pd.Period(quarter, "Q")
        ours = nb.new_accounts_between(lines, q.start_time, q.end_time.normalize())
        theirs[quarter] = new_accounts(lines, Quarter.parse(quarter))
        assert ours.to_dict() == theirs[quarter].to_dict()
    year = nb.new_accounts_between(lines, "2026-01-01", "2026-12-31")
    per_quarter = pd.concat([theirs[f"2026Q{k}"] for k in range(1, 5)])
    assert year.to_dict() == per_quarter.groupby(level=0).sum().to_dict()  # an account is new only once


def test_new_accounts_between_on_an_empty_window_is_empty():
    assert nb.new_accounts_between(sales(), "2025-01-01", "2025-03-31").empty


@pytest.mark.parametrize(
    "start, expected",
    [
        (Q3_START, {"AM1": 280.0, "AM2": 300.0}),  # AM1: N1 300 − 30 + N3 10; AM2: N1 100 + N2 100 + N3 100
        ("2026-04-01", {"AM1": 430.0, "AM2": 300.0, "AM3": 10.0}),  # + OLD: S1 100, S2 50 (AM1), S8 10 (AM3)
    ],
)
def test_new_account_margin_is_credited_by_line(start, expected):
    result = nb.new_account_margin(sales(), start, Q3_END)
    assert result.keys().tolist() == sorted(expected)
    for am, value in expected.items():
        assert same(result[am], value)


def test_new_accounts_table_lists_each_am_and_new_account():
    table = nb.new_accounts_table(sales(), Q3_START, Q3_END).set_index(["am_id", "account_id"])
    assert table.index.tolist() == [("AM1", "N1"), ("AM1", "N3"), ("AM2", "N1"), ("AM2", "N2"), ("AM2", "N3")]
    assert table["credited_new"].tolist() == [True, True, False, True, False]
    assert same(table.loc[("AM1", "N1"), "gross_margin"], 270.0)
    assert table.loc[("AM2", "N3"), "first_invoice_date"] == pd.Timestamp("2026-09-10")


# --------------------------------------------------------------------------------------------
# Opportunities
# --------------------------------------------------------------------------------------------


def test_closed_opportunities_keep_both_ends_and_need_a_close_date():
    closed = nb.closed_opportunities(opportunities(), Q3_START, Q3_END)
    assert closed["opportunity_id"].tolist() == ["O1", "O2", "O3", "O9", "O10"]


def test_open_opportunities_existed_by_as_of():
    open_ = nb.open_opportunities(opportunities(), Q3_END)
    assert open_["opportunity_id"].tolist() == ["O5", "O6", "O8", "O12"]  # not O7 (created later)


@pytest.mark.parametrize(
    "won, lost, expected",
    [(2, 1, 2 / 3), (0, 3, 0.0), (3, 0, 1.0), (0, 0, math.nan), (3000.0, 4000.0, 3 / 7), (0.0, 0.0, math.nan)],
)
def test_win_rate_scalar(won, lost, expected):
    assert same(nb.win_rate(won, lost), expected)


@pytest.mark.parametrize(
    "column, expected",
    [
        ("won", {"AM1": 2, "AM2": 1}),
        ("lost", {"AM1": 1, "AM2": 1}),
        ("won_value", {"AM1": 4000.0, "AM2": 0.0}),  # O9 has no value: adds nothing
        ("win_rate_count", {"AM1": 2 / 3, "AM2": 0.5}),
        ("win_rate_value", {"AM1": 0.5, "AM2": math.nan}),  # AM2 closed only zero value
    ],
)
def test_win_rates_by_am(column, expected):
    table = nb.win_rates(nb.closed_opportunities(opportunities(), Q3_START, Q3_END))
    assert table.index.tolist() == ["AM1", "AM2"]
    for am, value in expected.items():
        assert same(float(table.loc[am, column]), value)


def test_win_rates_by_new_and_existing_business_for_one_am():
    closed = nb.closed_opportunities(opportunities(), Q3_START, Q3_END)
    table = nb.win_rates(closed[closed["am_id"] == "AM1"], by="new_business")
    assert table.index.tolist() == [False, True]
    assert same(table.loc[True, "win_rate_count"], 0.5) and same(table.loc[True, "win_rate_value"], 3 / 7)
    assert same(table.loc[False, "win_rate_count"], 1.0)


def test_win_rates_of_nothing_is_an_empty_table_with_the_columns():
    table = nb.win_rates(opportunities().iloc[0:0])
    assert table.empty and {"win_rate_count", "win_rate_value"} <= set(table.columns)


def test_pipeline_funnel_shows_every_stage():
    rows = opportunities()
    funnel = nb.pipeline_funnel(rows[rows["am_id"] == "AM1"], Q3_START, Q3_END)
    assert funnel.index.tolist() == ["prospecting", "engaging", "won", "lost"]
    assert funnel["opportunities"].tolist() == [1, 2, 2, 1]  # O6 | O5, O8 | O1, O2 | O3
    assert funnel["value"].tolist() == [2000.0, 6700.0, 4000.0, 4000.0]
    by_am = nb.pipeline_funnel(rows, Q3_START, Q3_END, by="am_id")
    assert by_am.loc[("AM2", "prospecting"), "opportunities"] == 0
    assert by_am.loc[("AM2", "won"), "opportunities"] == 1 and by_am.loc[("AM2", "engaging"), "value"] == 1500.0


def test_pipeline_value_closing_next_quarter():
    pipeline = nb.pipeline_value(nb.open_opportunities(opportunities(), Q3_END), Q4_START, Q4_END)
    assert pipeline.to_dict() == {"AM1": 8000.0, "AM2": 1500.0}  # O5 + O6; O12


@pytest.mark.parametrize(
    "pipeline, target, expected",
    [(8000.0, 10000.0, 0.8), (0.0, 2000.0, 0.0), (1500.0, 0.0, math.nan), (1500.0, math.nan, math.nan)],
)
def test_pipeline_coverage_needs_a_target(pipeline, target, expected):
    assert same(nb.pipeline_coverage(pipeline, target), expected)


def test_sales_cycle_and_deal_size_of_won_deals():
    closed = nb.closed_opportunities(opportunities(), Q3_START, Q3_END)
    won = closed[closed["stage"] == "won"]
    cycle = nb.sales_cycle_days(won)
    assert same(cycle["AM1"], 60.5) and same(cycle["AM2"], 0.0)  # O9 closed before created: 0 days
    size = nb.average_deal_size(won)
    assert same(size["AM1"], 2000.0) and math.isnan(size["AM2"])  # O9 has no value
    assert math.isnan(nb.sales_cycle_days(won.assign(created_date=pd.NaT))["AM1"])


def test_table_functions_do_not_mutate_their_inputs():
    frames = {"sales": sales(), "opportunities": opportunities()}
    copies = {name: frame.copy(deep=True) for name, frame in frames.items()}
    s, o = frames["sales"], frames["opportunities"]
    nb.new_accounts_between(s, Q3_START, Q3_END)
    nb.new_account_margin(s, Q3_START, Q3_END)
    nb.new_accounts_table(s, Q3_START, Q3_END)
    closed = nb.closed_opportunities(o, Q3_START, Q3_END)
    nb.win_rates(closed, by=["am_id", "new_business"])
    nb.pipeline_funnel(o, Q3_START, Q3_END, by="am_id")
    nb.pipeline_value(nb.open_opportunities(o, Q3_END), Q4_START, Q4_END)
    nb.sales_cycle_days(closed)
    nb.average_deal_size(closed)
    for name, frame in frames.items():
        pd.testing.assert_frame_equal(frame, copies[name])


# --------------------------------------------------------------------------------------------
# KPIs end to end on a validated hand-made pack
# --------------------------------------------------------------------------------------------

KPI = {kpi.name: kpi for kpi in nb.KPIS}


@pytest.mark.parametrize(
    "name, expected",
    [
        ("new_accounts", {"AM1": 2.0, "AM2": 1.0, "AM3": 0.0}),
        ("new_accounts_attainment", {"AM1": 0.5, "AM2": math.nan, "AM3": math.nan}),
        ("new_account_margin", {"AM1": 280.0, "AM2": 300.0, "AM3": 0.0}),
        ("new_business_margin_attainment", {"AM1": 0.5, "AM2": math.nan, "AM3": math.nan}),
        ("win_rate_count", {"AM1": 2 / 3, "AM2": 0.5, "AM3": math.nan}),
        ("win_rate_value", {"AM1": 0.5, "AM2": math.nan, "AM3": math.nan}),
        ("new_business_win_rate_count", {"AM1": 0.5, "AM2": math.nan, "AM3": math.nan}),
        ("new_business_win_rate_value", {"AM1": 3 / 7, "AM2": math.nan, "AM3": math.nan}),
        ("pipeline_coverage", {"AM1": 0.8, "AM2": math.nan, "AM3": 0.0}),
        ("sales_cycle_days", {"AM1": 60.5, "AM2": 0.0, "AM3": math.nan}),
        ("average_deal_size", {"AM1": 2000.0, "AM2": math.nan, "AM3": math.nan}),
    ],
)
def test_kpis_on_a_hand_made_pack(name, expected):
    ctx = KpiContext.for_period(hand_pack(), Quarter.parse("2026Q3"))
    result = KPI[name](ctx)
    assert result.index.tolist() == ["AM1", "AM2", "AM3"]  # AM4 starts after the quarter
    assert result.name == name and result.dtype == "float64"
    for am, value in expected.items():
        assert same(result[am], value), (name, am, result[am], value)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("new_accounts", {"AM1": 3.0, "AM2": 1.0, "AM3": 0.0}),
        ("new_accounts_attainment", {"AM1": 3 / 5, "AM2": math.nan, "AM3": math.nan}),  # targets 1 + 4
        ("new_account_margin", {"AM1": 430.0, "AM2": 300.0, "AM3": 10.0}),
    ],
)
def test_kpis_year_to_date(name, expected):
    ctx = KpiContext.for_period(hand_pack(), Quarter.parse("2026Q3")).for_window("ytd")
    result = KPI[name](ctx)
    for am, value in expected.items():
        assert same(result[am], value), (name, am, result[am], value)


# --------------------------------------------------------------------------------------------
# The sample pack
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_ctx():
    return KpiContext.for_period(load_pack("sample"), Quarter.parse("2026Q3"))


def test_sample_star_wins_and_has_the_best_coverage(sample_ctx):
    star = next(am for am, persona in PERSONAS.items() if persona == "star")
    coverage = KPI["pipeline_coverage"](sample_ctx)
    assert coverage.idxmax() == star
    win_rate = KPI["win_rate_count"](sample_ctx)
    assert win_rate[star] > win_rate.drop(star).median()
    assert win_rate[star] >= 0.5
    assert KPI["new_accounts"](sample_ctx).idxmax() == star


def test_sample_new_starter_has_kpis_without_crashing(sample_ctx):
    starter = next(am for am, persona in PERSONAS.items() if persona == "new_starter")
    assert KPI["new_accounts"](sample_ctx)[starter] >= 1
    assert np.isfinite(KPI["new_accounts_attainment"](sample_ctx)[starter])
