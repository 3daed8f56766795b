"""Timeliness of reports and accuracy of information, against figures computed by hand."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from amreview.data.datapack import load_pack, validate_tables
from amreview.data.sample import PERSONAS
from amreview.metrics import crm_records
from amreview.metrics.crm_records import (
    CRM_REQUIRED_FIELDS,
    crm_completeness_by_field,
    crm_exported_fields,
    crm_record_completeness,
    crm_records_in_scope,
)
from amreview.metrics.registry import KpiContext
from amreview.metrics.reporting import (
    KPIS,
    forecast_accuracy,
    forecast_accuracy_table,
    forecast_actuals,
    forecast_bias,
    latest_forecasts,
    report_status,
    report_timeliness,
    report_timeliness_by_type,
    reports_due_between,
)
from amreview.periods import Quarter
from amreview.scoring.scorecard import build_scorecard
from tests.conftest import hand_tables, same, without_minimum_bases

T = pd.Timestamp
NaT = pd.NaT
Q3_START, Q3_END = T("2026-07-01"), T("2026-09-30")


def reports_frame() -> pd.DataFrame:
    """Validated-style report_submissions of AM1, AM2 (and AM3, a new starter)."""
    rows = [
        # am_id, report, due_date, submitted_date, errors
        ("AM1", "weekly", "2026-06-26", None, np.nan),  # Q2: outside the quarter, missing
        ("AM1", "weekly", "2026-07-03", "2026-07-03", 0.0),  # on time (the due day itself)
        ("AM1", "weekly", "2026-07-10", "2026-07-13", 2.0),  # 3 days late
        ("AM1", "monthly", "2026-08-07", "2026-08-12", np.nan),  # 5 days late, errors not checked
        ("AM1", "weekly", "2026-09-25", "2026-10-02", 1.0),  # submitted after the review day: missing
        ("AM2", "weekly", "2026-07-03", "2026-07-01", 1.0),  # early
        ("AM2", "monthly", "2026-08-07", "2026-08-07", 0.0),
        ("AM3", "weekly", "2026-07-17", "2026-07-17", 0.0),
        ("AM3", "weekly", "2026-07-24", None, np.nan),
    ]
    frame = pd.DataFrame(rows, columns=["am_id", "report", "due_date", "submitted_date", "errors"])
    return frame.assign(
        due_date=pd.to_datetime(frame["due_date"]), submitted_date=pd.to_datetime(frame["submitted_date"])
    )


# --------------------------------------------------------------------------------------------
# Timeliness
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "due, submitted, as_of, status, days_late",
    [
        ("2026-07-10", "2026-07-10", None, "on_time", 0.0),
        ("2026-07-10", "2026-07-08", None, "on_time", 0.0),
        ("2026-07-10", "2026-07-13", None, "late", 3.0),
        ("2026-07-10", None, None, "missing", np.nan),
        ("2026-09-28", "2026-09-30", "2026-09-30", "late", 2.0),
        ("2026-09-28", "2026-10-02", "2026-09-30", "missing", np.nan),  # arrived after the review day
        ("2026-09-30", None, "2026-09-30", "missing", np.nan),  # due on the review day, not in
        ("2026-10-05", None, "2026-09-30", "not_due", np.nan),
        ("2026-10-05", "2026-09-29", "2026-09-30", "on_time", 0.0),
    ],
)
def test_report_status(due, submitted, as_of, status, days_late):
    reports = pd.DataFrame(
        {
            "am_id": ["AM1"],
            "report": ["weekly"],
            "due_date": [T(due)],
            "submitted_date": pd.to_datetime([submitted]),
            "errors": [np.nan],
        }
    )
    result = report_status(reports, as_of)
    assert result["status"].iloc[0] == status
    assert same(result["days_late"].iloc[0], days_late)
    assert bool(result["submitted"].iloc[0]) == (status in ("on_time", "late"))


def test_reports_due_between_keeps_both_ends():
    reports = reports_frame()
    due = reports_due_between(reports, T("2026-07-03"), T("2026-09-25"))
    assert len(due) == 8  # all but the June report
    assert due["due_date"].min() == T("2026-07-03") and due["due_date"].max() == T("2026-09-25")


def quarter_timeliness() -> pd.DataFrame:
    return report_timeliness(reports_due_between(reports_frame(), Q3_START, Q3_END), as_of=Q3_END)


@pytest.mark.parametrize(
    "am_id, column, expected",
    [
        ("AM1", "reports_due", 4),
        ("AM1", "reports_on_time", 1),
        ("AM1", "reports_late", 2),
        ("AM1", "reports_missing", 1),
        ("AM1", "reports_on_time_share", 1 / 4),
        ("AM1", "report_days_late_mean", (0 + 3 + 5) / 3),  # on time counts 0; missing left out
        ("AM1", "report_days_late_when_late", (3 + 5) / 2),
        ("AM1", "reports_checked", 2),  # the 5-days-late one has no errors recorded
        ("AM1", "report_errors", 2.0),  # the missing report's error is ignored
        ("AM1", "report_errors_per_report", 2 / 2),
        ("AM2", "reports_on_time_share", 1.0),
        ("AM2", "report_days_late_mean", 0.0),
        ("AM2", "report_days_late_when_late", np.nan),
        ("AM2", "reports_missing", 0),
        ("AM2", "report_errors_per_report", 1 / 2),
        ("AM3", "reports_on_time_share", 1 / 2),
        ("AM3", "reports_missing", 1),
        ("AM3", "report_errors_per_report", 0.0),
    ],
)
def test_report_timeliness_known_values(am_id, column, expected):
    assert same(quarter_timeliness().loc[am_id, column], expected)


def test_report_timeliness_by_type():
    table = report_timeliness_by_type(reports_due_between(reports_frame(), Q3_START, Q3_END), as_of=Q3_END)
    assert table.index.names == ["am_id", "report"]
    assert table.loc[("AM1", "weekly"), "reports_due"] == 3
    assert same(table.loc[("AM1", "weekly"), "reports_on_time_share"], 1 / 3)
    assert same(table.loc[("AM1", "monthly"), "report_days_late_mean"], 5.0)
    assert same(table.loc[("AM1", "monthly"), "report_errors_per_report"], np.nan)


def test_report_timeliness_zero_denominators():
    reports = reports_frame()
    all_missing = reports[reports["am_id"] == "AM1"].assign(submitted_date=NaT, errors=np.nan)
    table = report_timeliness(reports_due_between(all_missing, Q3_START, Q3_END), as_of=Q3_END)
    assert table.loc["AM1", "reports_on_time_share"] == 0.0  # due but missing: not on time
    assert table.loc["AM1", "reports_missing"] == 4
    assert pd.isna(table.loc["AM1", "report_days_late_mean"])
    assert pd.isna(table.loc["AM1", "report_errors_per_report"])
    not_yet_due = report_timeliness(reports[reports["am_id"] == "AM3"], as_of=T("2026-07-01"))
    assert not_yet_due.loc["AM3", "reports_due"] == 0
    assert pd.isna(not_yet_due.loc["AM3", "reports_on_time_share"])


def test_report_timeliness_of_nothing_is_an_empty_frame():
    table = report_timeliness(reports_frame().iloc[:0], as_of=Q3_END)
    assert table.empty and "reports_on_time_share" in table.columns


# --------------------------------------------------------------------------------------------
# Forecast accuracy
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "forecast, actual, accuracy, bias",
    [
        (110.0, 100.0, 0.9, 0.1),
        (90.0, 100.0, 0.9, -0.1),
        (100.0, 100.0, 1.0, 0.0),
        (250.0, 100.0, 0.0, 1.5),  # bounded at 0
        (0.0, 100.0, 0.0, -1.0),
        (148.0, 185.0, 0.8, -0.2),
        (50.0, 0.0, np.nan, np.nan),  # no actual: not meaningful
        (50.0, -10.0, np.nan, np.nan),  # net credits
    ],
)
def test_forecast_accuracy_and_bias(forecast, actual, accuracy, bias):
    assert same(forecast_accuracy(forecast, actual), accuracy)
    assert same(forecast_bias(forecast, actual), bias)
    series_accuracy = forecast_accuracy(pd.Series([forecast]), pd.Series([actual]))
    series_bias = forecast_bias(pd.Series([forecast]), pd.Series([actual]))
    assert same(series_accuracy.iloc[0], accuracy) and same(series_bias.iloc[0], bias)


def forecasts_frame() -> pd.DataFrame:
    rows = [
        # am_id, period, measure, forecast, submitted_date
        ("AM1", "2026Q3", "revenue", 1200.0, "2026-06-20"),
        ("AM1", "2026Q3", "revenue", 1452.0, "2026-07-15"),  # a re-forecast: the latest counts
        ("AM1", "2026Q3", "revenue", 1320.0, "2026-10-05"),  # after the quarter: ignored
        ("AM1", "2026Q3", "gross_margin", 148.0, "2026-06-20"),
        ("AM1", "2026Q2", "revenue", 5.0, "2026-03-20"),  # another quarter
        ("AM2", "2026Q3", "revenue", 390.0, None),
        ("AM2", "2026Q3", "gross_margin", 66.0, "2026-06-22"),
        ("AM2", "2026Q3", "new_accounts", 2.0, "2026-06-22"),  # no actual computed for it
        ("AM3", "2026Q3", "revenue", 100.0, "2026-07-20"),  # no lines at all
    ]
    frame = pd.DataFrame(rows, columns=["am_id", "period", "measure", "forecast", "submitted_date"])
    return frame.assign(submitted_date=pd.to_datetime(frame["submitted_date"]))


def test_latest_forecasts_picks_the_latest_submitted_by_the_review_day():
    latest = latest_forecasts(forecasts_frame(), Quarter.parse("2026Q3"), submitted_by=Q3_END)
    assert latest.set_index(["am_id", "measure"])["forecast"].to_dict() == {
        ("AM1", "gross_margin"): 148.0,
        ("AM1", "revenue"): 1452.0,
        ("AM2", "gross_margin"): 66.0,
        ("AM2", "new_accounts"): 2.0,
        ("AM2", "revenue"): 390.0,
        ("AM3", "revenue"): 100.0,
    }
    unbounded = latest_forecasts(forecasts_frame(), Quarter.parse("2026Q3"))
    assert unbounded.set_index(["am_id", "measure"]).loc[("AM1", "revenue"), "forecast"] == 1320.0


def test_latest_forecasts_undated_loses_to_dated_and_ties_go_to_the_later_row():
    frame = pd.DataFrame(
        {
            "am_id": ["AM1"] * 3,
            "period": ["2026Q3"] * 3,
            "measure": ["revenue"] * 3,
            "forecast": [1.0, 2.0, 3.0],
            "submitted_date": pd.to_datetime(["2026-06-01", "2026-06-01", None]),
        }
    )
    assert latest_forecasts(frame, Quarter.parse("2026Q3"))["forecast"].tolist() == [2.0]


@pytest.mark.parametrize(
    "am_id, measure, actual, accuracy, bias",
    [
        ("AM1", "revenue", 1320.0, 1 - 132 / 1320, 132 / 1320),  # hand pack: AM1 Q3 revenue 1320
        ("AM1", "gross_margin", 185.0, 0.8, -0.2),  # GM 185; forecast 148
        ("AM2", "revenue", 260.0, 0.5, 0.5),  # 390 vs 260
        ("AM2", "gross_margin", 22.0, 0.0, 2.0),  # 66 vs 22: off by twice the actual
        ("AM2", "new_accounts", np.nan, np.nan, np.nan),
        ("AM3", "revenue", 0.0, np.nan, np.nan),  # no lines: actual 0
    ],
)
def test_forecast_accuracy_table_known_values(hand_pack, am_id, measure, actual, accuracy, bias):
    actuals = forecast_actuals(hand_pack.sales[hand_pack.sales["invoice_date"].between(Q3_START, Q3_END)])
    latest = latest_forecasts(forecasts_frame(), Quarter.parse("2026Q3"), submitted_by=Q3_END)
    row = forecast_accuracy_table(latest, actuals).set_index(["am_id", "measure"]).loc[(am_id, measure)]
    assert same(row["actual"], actual) and same(row["accuracy"], accuracy) and same(row["bias"], bias)


# --------------------------------------------------------------------------------------------
# CRM completeness
# --------------------------------------------------------------------------------------------


def crm_tables() -> dict[str, pd.DataFrame]:
    accounts = pd.DataFrame(
        [
            ("A", "Acme", "AM1", "Retail", "2020-01-01"),
            ("B", "Beta", "AM1", None, None),
            ("C", "Cobalt", "AM2", "Education", "2021-01-01"),
            ("D", "Delta", "AM2", "Health", "2021-01-01"),
            ("E", "Echo", "AM1", None, "2026-10-15"),
        ],  # created after the review day: out of scope
        columns=["account_id", "name", "am_id", "sector", "created_date"],
    )
    opportunities = pd.DataFrame(
        [
            ("O1", "AM1", "A", "engaging", "2026-07-01", "2026-10-31", 1000.0, 100.0),
            ("O2", "AM1", None, "prospecting", "2026-08-01", None, 500.0, None),
            ("O3", "AM1", None, "won", "2026-07-01", None, None, None),  # closed: out of scope
            ("O4", "AM2", None, "engaging", "2026-10-02", None, None, None),
        ],  # created after the review day
        columns=[
            "opportunity_id",
            "am_id",
            "account_id",
            "stage",
            "created_date",
            "close_date",
            "value",
            "expected_margin",
        ],
    )
    activities = pd.DataFrame(
        [
            ("AC1", "AM1", "A", "call", "2026-07-01", "2026-07-01"),
            ("AC2", "AM1", None, "other", "2026-08-01", "2026-08-03"),  # internal: no account needed
            ("AC3", "AM1", None, "visit", "2026-09-01", None),  # no logged_date: not the AM's to fill
            ("AC4", "AM1", None, "call", "2026-06-30", None),  # before the window: out of scope
            ("AC5", "AM2", "C", "email", "2026-07-05", "2026-07-06"),
        ],
        columns=["activity_id", "am_id", "account_id", "type", "activity_date", "logged_date"],
    )
    return {"accounts": accounts, "opportunities": opportunities, "activities": activities}


@functools.cache
def _validated_crm_pack():
    return validate_tables({**hand_tables(), **crm_tables()})


def validated_crm_tables() -> dict[str, pd.DataFrame]:
    """The CRM tables as the data pack gives them (validated once; fresh copies each call)."""
    pack = _validated_crm_pack()
    return {name: pack[name].copy(deep=True) for name in CRM_REQUIRED_FIELDS}


def crm_by_field(tables=None, fields=None) -> pd.DataFrame:
    tables = validated_crm_tables() if tables is None else tables
    records = crm_records_in_scope(**tables, start=Q3_START, end=Q3_END, as_of=Q3_END)
    return crm_completeness_by_field(records, fields)


@pytest.mark.parametrize(
    "am_id, table, field, records, filled",
    [
        ("AM1", "accounts", "sector", 2, 1),  # A, B (E created after the review day)
        ("AM1", "opportunities", "close_date", 2, 1),  # O1, O2 (O3 closed)
        ("AM1", "opportunities", "value", 2, 2),
        ("AM1", "opportunities", "expected_margin", 2, 1),
        ("AM1", "activities", "account_id", 2, 1),  # AC1, AC3 (AC2 is 'other', AC4 before the window)
        ("AM2", "accounts", "sector", 2, 2),
        ("AM2", "activities", "account_id", 1, 1),
    ],
)
def test_crm_completeness_by_field(am_id, table, field, records, filled):
    row = crm_by_field().set_index(["am_id", "table", "field"]).loc[(am_id, table, field)]
    assert (row["records"], row["filled"]) == (records, filled)
    assert same(row["share"], filled / records)


def test_crm_record_completeness_is_the_mean_over_record_types():
    completeness = crm_record_completeness(crm_by_field())
    # AM1: accounts 1/2, opportunities 4/6 (O2's missing account is allowed), activities 1/2;
    # AM2: accounts 1, activities 1 (no open opps)
    assert same(completeness["AM1"], (1 / 2 + 4 / 6 + 1 / 2) / 3)
    assert same(completeness["AM2"], 1.0)
    assert "AM3" not in completeness.index


def test_a_field_nobody_filled_was_not_exported():
    tables = validated_crm_tables()
    tables["accounts"] = tables["accounts"].assign(sector=None)
    fields = crm_exported_fields(tables)
    assert fields["accounts"] == () and fields["opportunities"] == CRM_REQUIRED_FIELDS["opportunities"]
    completeness = crm_record_completeness(crm_by_field(tables, fields))
    assert same(completeness["AM1"], (4 / 6 + 1 / 2) / 2)


def test_an_open_deal_without_an_account_costs_nothing():
    """The contract allows a deal not yet tied to a customer: O2 (and O4) without an account
    score as they would with one."""
    tables = validated_crm_tables()
    with_accounts = {**tables, "opportunities": tables["opportunities"].assign(account_id="A")}
    by_field = crm_by_field(tables)
    assert "account_id" not in set(by_field.loc[by_field["table"] == "opportunities", "field"])
    assert same(crm_record_completeness(by_field)["AM1"], (1 / 2 + 4 / 6 + 1 / 2) / 3)
    assert same(crm_record_completeness(crm_by_field(with_accounts))["AM1"], (1 / 2 + 4 / 6 + 1 / 2) / 3)


def test_expected_dates_and_values_an_export_leaves_off_open_deals_are_not_checked():
    """The Maven export: close date and value on closed deals only. An open deal's are the
    expected ones, which the export does not hold: not held against anyone."""
    tables = validated_crm_tables()
    opportunities = tables["opportunities"].copy()
    is_open = opportunities["stage"].isin(["prospecting", "engaging"])
    opportunities.loc[is_open, ["close_date", "value"]] = [pd.NaT, np.nan]
    opportunities.loc[opportunities["opportunity_id"] == "O3", ["close_date", "value"]] = [
        pd.Timestamp("2026-09-01"),
        700.0,
    ]  # the won deal has both: the whole table holds them, its open deals do not
    tables["opportunities"] = opportunities
    fields = crm_exported_fields(tables)
    assert fields["opportunities"] == ("expected_margin",)
    # AM1: accounts 1/2; open deals O1 (margin 100), O2 (none): 1/2; activities 1/2
    assert same(crm_record_completeness(crm_by_field(tables, fields))["AM1"], 1 / 2)
    # nothing left to judge on open deals: the record type drops out of the mean, never 0
    tables["opportunities"] = opportunities.assign(expected_margin=np.nan)
    fields = crm_exported_fields(tables)
    assert fields["opportunities"] == ()
    assert same(crm_record_completeness(crm_by_field(tables, fields))["AM1"], (1 / 2 + 1 / 2) / 2)


def test_crm_completeness_without_records_is_no_data():
    assert crm_completeness_by_field({}).empty
    assert crm_record_completeness(crm_completeness_by_field({})).empty


# --------------------------------------------------------------------------------------------
# KPIs end to end on a hand-made pack
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hand_pack():
    tables = hand_tables()
    tables["account_managers"] = tables["account_managers"].assign(start_date=[None, None, "2026-07-13"])
    reports = reports_frame()
    forecasts = forecasts_frame()
    return validate_tables(
        {**tables, **crm_tables(), "report_submissions": reports, "forecasts": forecasts}, source="hand"
    )


KPI = {kpi.name: kpi for kpi in (*KPIS, *crm_records.KPIS)}


@pytest.mark.parametrize(
    "kpi, window, expected",
    [
        ("reports_on_time_share", "quarter", {"AM1": 1 / 4, "AM2": 1.0, "AM3": 1 / 2}),
        ("reports_on_time_share", "ytd", {"AM1": 1 / 5, "AM2": 1.0, "AM3": 1 / 2}),  # + the June report
        ("report_days_late_mean", "quarter", {"AM1": 8 / 3, "AM2": 0.0, "AM3": 0.0}),
        ("reports_missing", "quarter", {"AM1": 1, "AM2": 0, "AM3": 1}),
        ("reports_missing", "ytd", {"AM1": 2, "AM2": 0, "AM3": 1}),
        ("report_errors_per_report", "quarter", {"AM1": 1.0, "AM2": 0.5, "AM3": 0.0}),
        ("forecast_accuracy_revenue", "quarter", {"AM1": 0.9, "AM2": 0.5, "AM3": np.nan}),
        ("forecast_accuracy_gross_margin", "quarter", {"AM1": 0.8, "AM2": 0.0, "AM3": np.nan}),
        ("forecast_bias_revenue", "quarter", {"AM1": 0.1, "AM2": 0.5, "AM3": np.nan}),
        ("forecast_bias_gross_margin", "quarter", {"AM1": -0.2, "AM2": 2.0, "AM3": np.nan}),
        ("crm_record_completeness", "quarter", {"AM1": (1 / 2 + 4 / 6 + 1 / 2) / 3, "AM2": 1.0, "AM3": np.nan}),
    ],
)
def test_kpis_end_to_end(hand_pack, kpi, window, expected):
    ctx = KpiContext.for_period(hand_pack, Quarter.parse("2026Q3")).for_window(window)
    result = KPI[kpi](ctx)
    assert list(result.index) == ["AM1", "AM2", "AM3"] and result.name == kpi
    for am_id, value in expected.items():
        assert same(result[am_id], value), (am_id, result[am_id], value)


def test_only_the_forecast_biases_are_not_scored():
    assert {k.name for k in KPIS if k.higher_is_better is None} == {
        "forecast_bias_revenue",
        "forecast_bias_gross_margin",
    }


# --------------------------------------------------------------------------------------------
# Inputs are never modified
# --------------------------------------------------------------------------------------------


def test_no_input_is_mutated(hand_pack):
    reports, forecasts = reports_frame(), forecasts_frame()
    crm = validated_crm_tables()
    lines = hand_pack.sales
    copies = [f.copy(deep=True) for f in (reports, forecasts, lines, *crm.values())]

    report_timeliness(reports_due_between(reports, Q3_START, Q3_END), as_of=Q3_END)
    report_timeliness_by_type(reports, as_of=Q3_END)
    report_status(reports, Q3_END)
    latest = latest_forecasts(forecasts, Quarter.parse("2026Q3"), submitted_by=Q3_END)
    forecast_accuracy_table(latest, forecast_actuals(lines))
    records = crm_records_in_scope(**crm, start=Q3_START, end=Q3_END, as_of=Q3_END)
    crm_record_completeness(crm_completeness_by_field(records, crm_exported_fields(crm)))

    for before, after in zip(copies, (reports, forecasts, lines, *crm.values())):
        pd.testing.assert_frame_equal(before, after)


# --------------------------------------------------------------------------------------------
# The sample pack
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_ctx():
    return KpiContext.for_period(load_pack("sample"), Quarter.parse("2026Q3"))


def test_sample_crm_neglecter_has_the_worst_on_time_share(sample_ctx):
    share = KPI["reports_on_time_share"](sample_ctx)
    neglecter = next(am for am, persona in PERSONAS.items() if persona == "crm_neglecter")
    assert share.idxmin() == neglecter
    assert share.drop(neglecter).min() > share[neglecter]


def test_sample_kpis_are_in_range(sample_ctx):
    for name in (
        "reports_on_time_share",
        "forecast_accuracy_revenue",
        "forecast_accuracy_gross_margin",
        "crm_record_completeness",
    ):
        values = KPI[name](sample_ctx).dropna()
        assert not values.empty and values.between(0, 1).all(), name
    new_starter = next(am for am, persona in PERSONAS.items() if persona == "new_starter")
    assert pd.isna(KPI["forecast_accuracy_revenue"](sample_ctx)[new_starter])  # joined after forecasts were due
    assert KPI["reports_on_time_share"](sample_ctx).notna().all()


def test_a_pipeline_like_mavens_is_not_marked_down_for_the_gaps_the_contract_allows():
    """No sales lines; open deals without an account and without an expected close date or
    value (the Maven export). Accuracy of information has nothing to judge: no data, its weight
    spread over the measures with data, never 1.00 Below."""
    tables = hand_tables()
    tables["sales"] = tables["sales"].iloc[0:0]
    tables["opportunities"] = pd.DataFrame(
        [
            ("O1", "AM1", "A", "won", "2026-07-01", "2026-08-01", 100.0),
            ("O2", "AM1", "A", "lost", "2026-07-02", "2026-08-02", 0.0),
            ("O3", "AM1", None, "engaging", "2026-07-03", None, None),
            ("O4", "AM2", "B", "prospecting", None, None, None),
        ],
        columns=["opportunity_id", "am_id", "account_id", "stage", "created_date", "close_date", "value"],
    )
    # two closed deals and one open one are below the default minimum bases, which this test is not about
    card = build_scorecard(validate_tables(tables, source="pipeline"), "2026Q3", without_minimum_bases())
    assert card.values["crm_record_completeness"].isna().all()
    assert card.measures["information_accuracy"].isna().all()
    # AM1: new business = win rate by value 100 / (100 + 0) ≥ 0.50 → 5; CRM use = O3 not updated
    # in 30 days (share 0 → 1) weighted 0.20 and no overdue deal (0 → 5) weighted 0.15
    crm_use = (0.20 * 1 + 0.15 * 5) / 0.35
    assert card.measures.at["AM1", "crm_utilisation"] == pytest.approx(crm_use)
    assert card.overall.at["AM1", "overall_score"] == pytest.approx((0.15 * 5 + 0.10 * crm_use) / 0.25)
    assert "information_accuracy" in card.overall.at["AM1", "measures_without_data"]
