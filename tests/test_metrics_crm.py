"""Utilisation of the CRM (amreview.metrics.crm) against figures computed by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from amreview.data.datapack import load_pack, validate_tables
from amreview.data.sample import PERSONAS
from amreview.metrics import crm
from amreview.metrics.registry import KpiContext
from amreview.periods import Quarter
from tests.conftest import same

Q3_START, Q3_END = pd.Timestamp("2026-07-01"), pd.Timestamp("2026-09-30")
Q3_WEEKS = 13.2  # 66 weekdays from Wed 1 July to Wed 30 September 2026
STARTER_WEEKS = 8.6  # 43 weekdays from Mon 3 August


def account_managers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "am_id": ["AM1", "AM2", "AM3"],
            "name": ["Ada", "Brian", "Cleo Starter"],
            "manager": ["Grace"] * 3,
            "start_date": [None, None, "2026-08-03"],
        }
    )


def activities() -> pd.DataFrame:
    rows = [
        ("A1", "AM1", "call", "2026-07-01", "2026-07-01"),  # lag 0
        ("A2", "AM1", "call", "2026-07-02", "2026-07-04"),  # lag 2
        ("A3", "AM1", "visit", "2026-08-10", "2026-08-20"),  # lag 10
        ("A4", "AM1", "visit", "2026-09-30", None),  # no logged date
        ("A5", "AM1", "email", "2026-09-15", "2026-09-14"),  # logged ahead: lag 0
        ("A6", "AM1", "meeting", "2026-06-30", "2026-06-30"),  # 2026Q2: outside
        ("A7", "AM1", "call", "2026-10-01", "2026-10-01"),  # 2026Q4: outside
        ("B1", "AM2", "other", "2026-07-15", None),
    ]
    frame = pd.DataFrame(rows, columns=["activity_id", "am_id", "type", "activity_date", "logged_date"])
    return frame.assign(
        activity_date=pd.to_datetime(frame["activity_date"]), logged_date=pd.to_datetime(frame["logged_date"])
    )


def opportunities() -> pd.DataFrame:
    rows = [
        # id, am, stage, created, close, last_updated
        ("H1", "AM1", "engaging", "2026-05-01", "2026-11-01", "2026-09-15"),  # updated 15 days ago
        ("H2", "AM1", "prospecting", "2026-04-01", "2026-09-01", "2026-06-01"),  # 121 days; 29 days overdue
        ("H3", "AM1", "engaging", "2026-08-31", "2026-12-01", None),  # created 30 days ago: fresh
        ("H4", "AM1", "engaging", "2026-08-30", None, None),  # created 31 days ago: stale; no close date
        ("H5", "AM1", "won", "2026-01-01", "2026-03-01", "2026-03-01"),  # not open
        ("H6", "AM1", "prospecting", "2026-10-03", "2026-12-01", "2026-10-03"),  # created after as_of
        ("H7", "AM2", "engaging", None, "2026-09-29", None),  # no date to judge; 1 day overdue
        ("H8", "AM2", "engaging", "2026-09-01", "2026-10-31", "2026-10-10"),  # updated after as_of: fresh
    ]
    frame = pd.DataFrame(
        rows, columns=["opportunity_id", "am_id", "stage", "created_date", "close_date", "last_updated"]
    )
    return frame.assign(
        **{c: pd.to_datetime(frame[c]) for c in ("created_date", "close_date", "last_updated")}, value=1000.0
    )


def targets() -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("AM1", "2026Q3", "visits", 4.0),
            ("AM1", "2026Q3", "activities", 10.0),
            ("AM2", "2026Q3", "visits", 0.0),  # a zero target is no target
            ("AM3", "2026Q3", "activities", 5.0),
        ],
        columns=["am_id", "period", "measure", "target"],
    )


def hand_pack(optional: bool = True):
    sales = pd.DataFrame(
        {
            "line_id": ["L1"],
            "invoice_date": ["2026-07-01"],
            "am_id": ["AM1"],
            "account_id": ["A"],
            "product": ["Laptop"],
            "quantity": [1],
            "revenue": [100.0],
            "cost": [90.0],
        }
    )
    tables = {"account_managers": account_managers(), "sales": sales, "targets": targets()}
    if optional:
        tables["activities"] = activities()
        tables["opportunities"] = opportunities()
    return validate_tables(tables, source="hand")


def q3_activities() -> pd.DataFrame:
    return crm.activities_between(activities(), Q3_START, Q3_END)


# --------------------------------------------------------------------------------------------
# Activities
# --------------------------------------------------------------------------------------------


def test_activity_counts_by_type():
    counts = crm.activity_counts(q3_activities())
    assert counts.columns.tolist() == ["call", "visit", "meeting", "email", "other", "total"]
    assert counts.loc["AM1"].tolist() == [2, 2, 0, 1, 0, 5]
    assert counts.loc["AM2"].tolist() == [0, 0, 0, 0, 1, 1]


@pytest.mark.parametrize(
    "count, weeks, expected", [(5, 13.2, 5 / 13.2), (0, 13.2, 0.0), (3, 0.0, math.nan), (3, math.nan, math.nan)]
)
def test_activities_per_week_scalar(count, weeks, expected):
    assert same(crm.activities_per_week(count, weeks), expected)


def test_activities_per_week_of_a_counts_table():
    counts = crm.activity_counts(q3_activities())
    rates = crm.activities_per_week(counts, pd.Series({"AM1": 10.0, "AM2": 0.0}))
    assert same(rates.loc["AM1", "visit"], 0.2) and same(rates.loc["AM1", "total"], 0.5)
    assert rates.loc["AM2"].isna().all()
    assert same(crm.activities_per_week(counts, 2.5).loc["AM2", "other"], 0.4)


def test_weekly_activity_counts_cover_every_week_of_the_window():
    rows = activities()
    weekly = crm.weekly_activity_counts(rows[rows["am_id"] == "AM1"], Q3_START, Q3_END)
    assert weekly.index[0] == pd.Timestamp("2026-06-29") and weekly.index[-1] == pd.Timestamp("2026-09-28")
    assert len(weekly) == 14 and weekly["total"].sum() == 5
    assert weekly.loc["2026-06-29", "call"] == 2 and weekly.loc["2026-08-10", "visit"] == 1
    assert weekly.loc["2026-09-14", "email"] == 1 and weekly.loc["2026-09-28", "visit"] == 1


# --------------------------------------------------------------------------------------------
# Logging lag
# --------------------------------------------------------------------------------------------


def test_logging_lag_days_per_activity():
    lag = crm.logging_lag_days(q3_activities())
    assert lag.iloc[:3].tolist() == [0.0, 2.0, 10.0]
    assert math.isnan(lag.iloc[3]) and lag.iloc[4] == 0.0  # no logged date; logged ahead


@pytest.mark.parametrize(
    "column, expected",
    [
        ("activities", {"AM1": 5, "AM2": 1}),
        ("with_logged_date", {"AM1": 4, "AM2": 0}),
        ("logging_lag_days_mean", {"AM1": 3.0, "AM2": math.nan}),  # (0 + 2 + 10 + 0) / 4
        ("logging_lag_days_median", {"AM1": 1.0, "AM2": math.nan}),
        ("logged_within_2_days", {"AM1": 3, "AM2": 0}),
        ("logged_within_2_days_share", {"AM1": 0.75, "AM2": math.nan}),
    ],
)
def test_logging_summary(column, expected):
    table = crm.logging_summary(q3_activities())
    for am, value in expected.items():
        assert same(float(table.loc[am, column]), value), (column, am)


def test_logging_lag_distribution_for_one_am():
    rows = q3_activities()
    table = crm.logging_lag_distribution(rows[rows["am_id"] == "AM1"])
    assert table.index.tolist() == [
        "same day",
        "1 day",
        "2 days",
        "3–7 days",
        "8–30 days",
        "over 30 days",
        "no logged date",
    ]
    assert table["activities"].tolist() == [2, 0, 1, 0, 1, 0, 1]
    assert table["share"].tolist() == pytest.approx([0.4, 0.0, 0.2, 0.0, 0.2, 0.0, 0.2], abs=1e-12)
    by_am = crm.logging_lag_distribution(rows, by="am_id")
    assert by_am.loc[("AM2", "no logged date"), "activities"] == 1
    assert same(by_am.loc[("AM2", "no logged date"), "share"], 1.0)


# --------------------------------------------------------------------------------------------
# Opportunity hygiene
# --------------------------------------------------------------------------------------------


def test_opportunity_hygiene_on_as_of():
    hygiene = crm.opportunity_hygiene(opportunities(), Q3_END).set_index("opportunity_id")
    assert hygiene.index.tolist() == ["H1", "H2", "H3", "H4", "H7", "H8"]
    assert hygiene["days_since_update"].iloc[:4].tolist() == [15.0, 121.0, 30.0, 31.0]
    assert hygiene["updated_30d"].tolist()[:4] == [True, False, True, False]
    assert pd.isna(hygiene.loc["H7", "updated_30d"]) and hygiene.loc["H8", "updated_30d"]
    assert hygiene["overdue"].tolist() == [False, True, False, False, True, False]
    assert hygiene.loc["H2", "days_overdue"] == 29 and hygiene.loc["H7", "days_overdue"] == 1


@pytest.mark.parametrize(
    "column, expected",
    [
        ("open_opportunities", {"AM1": 4, "AM2": 2}),
        ("with_known_update", {"AM1": 4, "AM2": 1}),
        ("open_opportunities_updated_30d_share", {"AM1": 0.5, "AM2": 1.0}),
        ("overdue_open_opportunities", {"AM1": 1, "AM2": 1}),
    ],
)
def test_hygiene_summary(column, expected):
    table = crm.hygiene_summary(opportunities(), Q3_END)
    for am, value in expected.items():
        assert same(float(table.loc[am, column]), value), (column, am)


def test_stale_opportunities_most_overdue_first():
    stale = crm.stale_opportunities(opportunities(), Q3_END)
    assert stale["opportunity_id"].tolist() == ["H2", "H7", "H4"]


def test_empty_inputs_give_empty_tables():
    assert crm.activity_counts(activities().iloc[0:0]).empty
    assert crm.logging_summary(activities().iloc[0:0]).empty
    assert crm.hygiene_summary(opportunities().iloc[0:0], Q3_END).empty
    assert crm.weekly_activity_counts(activities().iloc[0:0], Q3_START, Q3_END)["total"].sum() == 0


def test_table_functions_do_not_mutate_their_inputs():
    frames = {"activities": activities(), "opportunities": opportunities()}
    copies = {name: frame.copy(deep=True) for name, frame in frames.items()}
    a, o = frames["activities"], frames["opportunities"]
    crm.activities_per_week(crm.activity_counts(a), 13.2)
    crm.weekly_activity_counts(a, Q3_START, Q3_END)
    crm.logging_summary(a)
    crm.logging_lag_distribution(a, by="am_id")
    crm.opportunity_hygiene(o, Q3_END)
    crm.stale_opportunities(o, Q3_END)
    crm.hygiene_summary(o, Q3_END)
    for name, frame in frames.items():
        pd.testing.assert_frame_equal(frame, copies[name])


# --------------------------------------------------------------------------------------------
# KPIs end to end on a validated hand-made pack
# --------------------------------------------------------------------------------------------

KPI = {kpi.name: kpi for kpi in crm.KPIS}


@pytest.mark.parametrize(
    "name, expected",
    [
        ("activities_per_week", {"AM1": 5 / Q3_WEEKS, "AM2": 1 / Q3_WEEKS, "AM3": 0.0}),
        ("calls_per_week", {"AM1": 2 / Q3_WEEKS, "AM2": 0.0, "AM3": 0.0}),
        ("visits_per_week", {"AM1": 2 / Q3_WEEKS, "AM2": 0.0, "AM3": 0.0}),
        ("visits_attainment", {"AM1": 0.5, "AM2": math.nan, "AM3": math.nan}),
        ("activities_attainment", {"AM1": 0.5, "AM2": math.nan, "AM3": 0.0}),
        ("logging_lag_days_mean", {"AM1": 3.0, "AM2": math.nan, "AM3": math.nan}),
        ("logged_within_2_days_share", {"AM1": 0.75, "AM2": math.nan, "AM3": math.nan}),
        ("open_opportunities_updated_30d_share", {"AM1": 0.5, "AM2": 1.0, "AM3": math.nan}),
        ("overdue_open_opportunities", {"AM1": 1.0, "AM2": 1.0, "AM3": math.nan}),  # AM3: no open deal
    ],
)
def test_kpis_on_a_hand_made_pack(name, expected):
    ctx = KpiContext.for_period(hand_pack(), Quarter.parse("2026Q3"))
    result = KPI[name](ctx)
    assert result.index.tolist() == ["AM1", "AM2", "AM3"] and result.dtype == "float64"
    for am, value in expected.items():
        assert same(result[am], value), (name, am, result[am], value)


def test_a_new_starters_rate_is_over_their_weeks_in_role():
    tables = {
        "account_managers": account_managers(),
        "targets": targets(),
        "sales": pd.DataFrame(
            {
                "line_id": ["L1"],
                "invoice_date": ["2026-08-04"],
                "am_id": ["AM3"],
                "account_id": ["A"],
                "product": ["Laptop"],
                "quantity": [1],
                "revenue": [100.0],
                "cost": [90.0],
            }
        ),
        "activities": activities().assign(am_id="AM3"),
    }
    ctx = KpiContext.for_period(validate_tables(tables), Quarter.parse("2026Q3"))
    assert same(ctx.working_weeks()["AM3"], STARTER_WEEKS)
    assert same(KPI["activities_per_week"](ctx)["AM3"], 6 / STARTER_WEEKS)  # A1..A5 and B1
    assert same(KPI["activities_attainment"](ctx)["AM3"], 6 / 5)


# --------------------------------------------------------------------------------------------
# The sample pack
# --------------------------------------------------------------------------------------------


def test_sample_crm_neglecter_is_worst_at_crm():
    ctx = KpiContext.for_period(load_pack("sample"), Quarter.parse("2026Q3"))
    neglecter = next(am for am, persona in PERSONAS.items() if persona == "crm_neglecter")
    assert KPI["activities_per_week"](ctx).idxmin() == neglecter
    assert KPI["logging_lag_days_mean"](ctx).idxmax() == neglecter
    assert KPI["logged_within_2_days_share"](ctx).idxmin() == neglecter
    assert KPI["overdue_open_opportunities"](ctx).idxmax() == neglecter
    assert KPI["open_opportunities_updated_30d_share"](ctx).idxmin() == neglecter
