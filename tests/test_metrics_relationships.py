"""Customer relationships (amreview.metrics.relationships) against figures computed by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from amreview.data.datapack import load_pack, validate_tables
from amreview.data.sample import PERSONAS
from amreview.metrics import relationships as rel
from amreview.metrics.registry import KpiContext
from amreview.periods import Quarter
from tests.conftest import same

Q3_START, Q3_END = pd.Timestamp("2026-07-01"), pd.Timestamp("2026-09-30")


def account_managers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "am_id": ["AM1", "AM2", "AM3"],
            "name": ["Ada", "Brian", "Cleo Starter"],
            "manager": ["Grace"] * 3,
            "start_date": [None, None, "2026-08-03"],
        }
    )


def sales() -> pd.DataFrame:
    rows = [
        # the four quarters before 2026Q3: 2025Q3 .. 2026Q2
        ("P1", "2025-09-01", "AM1", "A", 1000.0),
        ("P2", "2026-02-01", "AM1", "B", 400.0),
        ("P3", "2026-03-01", "AM1", "C", -50.0),  # only a return: C is not active
        ("P4", "2025-06-30", "AM1", "D", 300.0),  # before the four quarters
        ("P5", "2025-12-01", "AM2", "E", 500.0),
        ("P6", "2026-01-15", "AM2", "A", 20.0),  # AM2 covers A once
        # the review quarter 2026Q3
        ("C1", "2026-07-10", "AM1", "A", 800.0),
        ("C2", "2026-08-10", "AM1", "B", -10.0),  # a return does not keep B
        ("C3", "2026-09-01", "AM1", "D", 200.0),
        ("C4", "2026-09-02", "AM1", "E", 300.0),  # E handed over from AM2 to AM1
        ("C5", "2026-08-04", "AM3", "F", 100.0),
        ("C6", "2026-08-15", "AM2", "A", 30.0),  # AM2 covers A again
    ]
    frame = pd.DataFrame(rows, columns=["line_id", "invoice_date", "am_id", "account_id", "revenue"])
    return frame.assign(
        invoice_date=pd.to_datetime(frame["invoice_date"]), cost=frame["revenue"] * 0.9, product="Laptop", quantity=1.0
    )


def feedback() -> pd.DataFrame:
    rows = [
        ("AM1", "2026-07-02", "nps", 10.0),
        ("AM1", "2026-07-03", "nps", 9.0),
        ("AM1", "2026-09-30", "nps", 9.0),
        ("AM1", "2026-08-01", "nps", 8.0),
        ("AM1", "2026-08-02", "nps", 3.0),
        ("AM1", "2026-06-30", "nps", 0.0),  # 2026Q2: outside
        ("AM1", "2026-07-05", "csat", 5.0),
        ("AM1", "2026-07-06", "csat", 4.0),
        ("AM1", "2026-07-07", "csat", 2.0),
        ("AM2", "2026-08-08", "nps", 6.0),
    ]
    frame = pd.DataFrame(rows, columns=["am_id", "feedback_date", "kind", "score"])
    return frame.assign(feedback_date=pd.to_datetime(frame["feedback_date"]), account_id="A")


def cases() -> pd.DataFrame:
    rows = [
        # id, am, opened, resolved, severity, sla_days
        ("K1", "AM1", "2026-07-01", "2026-07-04", "high", 5.0),  # 3 days: within
        ("K2", "AM1", "2026-07-01", "2026-07-11", "medium", 5.0),  # 10 days: past
        ("K3", "AM1", "2026-08-01", "2026-08-03", None, None),  # 2 days, no SLA
        ("K4", "AM1", "2026-09-01", None, "low", 10.0),  # open 29 days: past
        ("K5", "AM1", "2026-09-25", None, "low", 10.0),  # open 5 days: within
        ("K6", "AM1", "2026-09-10", "2026-10-05", "critical", 2.0),  # resolved after as_of: open, past
        ("K7", "AM1", "2026-10-02", None, "critical", 1.0),  # opened after as_of: not yet a case
        ("K8", "AM1", "2026-06-01", "2026-06-03", "low", 5.0),  # resolved in Q2
        ("K9", "AM1", "2026-09-20", None, None, None),  # open, no SLA
        ("K10", "AM2", "2026-06-20", "2026-07-02", "low", 10.0),  # 12 days: past
        ("K11", "AM2", "2026-09-30", "2026-09-30", "low", 0.0),  # 0 days ≤ 0: within
    ]
    frame = pd.DataFrame(rows, columns=["case_id", "am_id", "opened_date", "resolved_date", "severity", "sla_days"])
    return frame.assign(
        opened_date=pd.to_datetime(frame["opened_date"]),
        resolved_date=pd.to_datetime(frame["resolved_date"]),
        sla_days=frame["sla_days"].astype("float64"),
    )


def hand_pack(optional: bool = True):
    tables = {
        "account_managers": account_managers(),
        "sales": sales(),
        "targets": pd.DataFrame({"am_id": ["AM1"], "period": ["2026Q3"], "measure": ["revenue"], "target": [1000.0]}),
    }
    if optional:
        tables["customer_feedback"] = feedback()
        tables["cases"] = cases()
    return validate_tables(tables, source="hand")


def previous_and_current() -> tuple[pd.DataFrame, pd.DataFrame]:
    lines = sales()
    previous = lines[(lines["invoice_date"] >= "2025-07-01") & (lines["invoice_date"] <= "2026-06-30")]
    return previous, lines[lines["invoice_date"] >= Q3_START]


# --------------------------------------------------------------------------------------------
# NPS and CSAT
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("score, expected", [(0, -100.0), (6, -100.0), (7, 0.0), (8, 0.0), (9, 100.0), (10, 100.0)])
def test_nps_of_a_single_response_by_band(score, expected):
    frame = pd.DataFrame({"am_id": ["X"], "kind": ["nps"], "score": [float(score)]})
    assert same(rel.nps_breakdown(frame).loc["X", "nps"], expected)


@pytest.mark.parametrize(
    "promoters, detractors, responses, expected",
    [(3, 1, 5, 40.0), (0, 0, 4, 0.0), (0, 2, 2, -100.0), (0, 0, 0, math.nan)],
)
def test_nps_score(promoters, detractors, responses, expected):
    assert same(rel.nps_score(promoters, detractors, responses), expected)


def test_nps_breakdown_by_am():
    table = rel.nps_breakdown(rel.feedback_between(feedback(), Q3_START, Q3_END))
    assert table.index.tolist() == ["AM1", "AM2"]
    assert table.loc["AM1", ["responses", "promoters", "passives", "detractors"]].tolist() == [5, 3, 1, 1]
    assert same(table.loc["AM1", "promoter_share"], 0.6) and same(table.loc["AM1", "passive_share"], 0.2)
    assert same(table.loc["AM1", "nps"], 40.0) and same(table.loc["AM2", "nps"], -100.0)


def test_csat_summary_ignores_nps_rows():
    table = rel.csat_summary(rel.feedback_between(feedback(), Q3_START, Q3_END))
    assert table.index.tolist() == ["AM1"]
    assert table.loc["AM1", "responses"] == 3
    assert same(table.loc["AM1", "csat"], 11 / 3) and same(table.loc["AM1", "satisfied_share"], 2 / 3)


# --------------------------------------------------------------------------------------------
# Retention
# --------------------------------------------------------------------------------------------


def test_retention_by_account_pairs_accounts_with_the_am_on_the_lines():
    table = rel.retention_by_account(*previous_and_current())
    assert list(table.itertuples(index=False, name=None)) == [
        ("AM1", "A", True),
        ("AM1", "B", False),
        ("AM2", "A", True),
        ("AM2", "E", False),
    ]


@pytest.mark.parametrize(
    "principal_only, expected",
    [
        (False, {"AM1": (2, 1, 0.5), "AM2": (2, 1, 0.5)}),
        (True, {"AM1": (2, 1, 0.5), "AM2": (1, 0, 0.0)}),  # A's principal is AM1 (1000 vs 20)
    ],
)
def test_retention(principal_only, expected):
    table = rel.retention(*previous_and_current(), principal_only=principal_only)
    assert table.index.tolist() == sorted(expected)  # AM3 had nothing before: no row, NaN once reindexed
    for am, (before, retained, rate) in expected.items():
        assert table.loc[am, "accounts_before"] == before and table.loc[am, "accounts_retained"] == retained
        assert same(table.loc[am, "retention_rate"], rate)


def test_retention_of_an_am_who_lost_everything_is_zero():
    previous, current = previous_and_current()
    table = rel.retention(previous, current[current["am_id"] != "AM1"])
    assert same(table.loc["AM1", "retention_rate"], 0.0)


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------


def test_case_outcomes_on_as_of():
    outcomes = rel.case_outcomes(cases(), Q3_END).set_index("case_id")
    assert "K7" not in outcomes.index  # opened after as_of
    assert outcomes["sla_status"].to_dict() == {
        "K1": "resolved_within_sla",
        "K2": "resolved_past_sla",
        "K3": "resolved_no_sla",
        "K4": "open_past_sla",
        "K5": "open_within_sla",
        "K6": "open_past_sla",
        "K8": "resolved_within_sla",
        "K9": "open_no_sla",
        "K10": "resolved_past_sla",
        "K11": "resolved_within_sla",
    }
    assert same(outcomes.loc["K6", "age_days"], 20.0) and math.isnan(outcomes.loc["K6", "resolution_days"])
    assert same(outcomes.loc["K10", "resolution_days"], 12.0)


def test_a_resolution_dated_before_opening_counts_as_zero_days():
    frame = cases().iloc[[0]].assign(resolved_date=pd.Timestamp("2026-06-25"))
    assert rel.case_outcomes(frame, Q3_END)["resolution_days"].tolist() == [0.0]


@pytest.mark.parametrize(
    "column, expected",
    [
        ("resolved", {"AM1": 3, "AM2": 2}),
        ("resolved_with_sla", {"AM1": 2, "AM2": 2}),
        ("cases_within_sla_share", {"AM1": 0.5, "AM2": 0.5}),
        ("case_resolution_days_median", {"AM1": 3.0, "AM2": 6.0}),  # [3, 10, 2]; [12, 0]
        ("open_cases", {"AM1": 4, "AM2": 0}),
        ("open_cases_past_sla", {"AM1": 2, "AM2": 0}),
    ],
)
def test_case_sla_summary(column, expected):
    table = rel.case_sla_summary(cases(), Q3_START, Q3_END, Q3_END)
    assert table.index.tolist() == ["AM1", "AM2"]
    for am, value in expected.items():
        assert same(float(table.loc[am, column]), value), (column, am)


def test_cases_by_severity_for_one_am():
    frame = cases()
    outcomes = rel.case_outcomes(frame[frame["am_id"] == "AM1"], Q3_END, start=Q3_START)
    assert "K8" not in set(outcomes["case_id"])  # resolved before the window
    table = rel.cases_by_severity(outcomes)
    assert table.columns.tolist() == list(rel.SLA_STATUSES) + ["cases"]
    assert table.index.tolist() == ["critical", "high", "low", "medium", "unspecified"]
    assert table.loc["low", "open_past_sla"] == 1 and table.loc["low", "open_within_sla"] == 1
    assert table.loc["unspecified", "resolved_no_sla"] == 1 and table.loc["unspecified", "open_no_sla"] == 1
    assert table["cases"].sum() == 7
    assert rel.cases_by_severity(outcomes, by="am_id").loc[("AM1", "high"), "resolved_within_sla"] == 1


def test_empty_inputs_give_empty_tables():
    assert rel.case_sla_summary(cases().iloc[0:0], Q3_START, Q3_END, Q3_END).empty
    assert rel.cases_by_severity(rel.case_outcomes(cases().iloc[0:0], Q3_END)).empty
    assert rel.nps_breakdown(feedback().iloc[0:0]).empty
    assert rel.retention(sales().iloc[0:0], sales()).empty


def test_table_functions_do_not_mutate_their_inputs():
    frames = {"sales": sales(), "feedback": feedback(), "cases": cases()}
    copies = {name: frame.copy(deep=True) for name, frame in frames.items()}
    previous = frames["sales"][frames["sales"]["invoice_date"] < Q3_START]
    current = frames["sales"][frames["sales"]["invoice_date"] >= Q3_START]
    rel.nps_breakdown(frames["feedback"])
    rel.csat_summary(frames["feedback"], by=["am_id", "account_id"])
    rel.retention(previous, current, principal_only=True)
    rel.retention_by_account(previous, current)
    rel.cases_by_severity(rel.case_outcomes(frames["cases"], Q3_END, start=Q3_START), by="am_id")
    rel.case_sla_summary(frames["cases"], Q3_START, Q3_END, Q3_END)
    for name, frame in frames.items():
        pd.testing.assert_frame_equal(frame, copies[name])


# --------------------------------------------------------------------------------------------
# KPIs end to end on a validated hand-made pack
# --------------------------------------------------------------------------------------------

KPI = {kpi.name: kpi for kpi in rel.KPIS}


@pytest.mark.parametrize(
    "name, expected",
    [
        ("nps", {"AM1": 40.0, "AM2": -100.0, "AM3": math.nan}),
        ("csat", {"AM1": 11 / 3, "AM2": math.nan, "AM3": math.nan}),
        # principal accounts only: AM2 was principal for E alone (A is AM1's), and E went to AM1
        ("retention_rate", {"AM1": 0.5, "AM2": 0.0, "AM3": math.nan}),  # AM3 is a new starter
        ("cases_within_sla_share", {"AM1": 0.5, "AM2": 0.5, "AM3": math.nan}),
        ("case_resolution_days_median", {"AM1": 3.0, "AM2": 6.0, "AM3": math.nan}),
        ("open_cases_past_sla", {"AM1": 2.0, "AM2": 0.0, "AM3": 0.0}),
    ],
)
def test_kpis_on_a_hand_made_pack(name, expected):
    ctx = KpiContext.for_period(hand_pack(), Quarter.parse("2026Q3"))
    result = KPI[name](ctx)
    assert result.index.tolist() == ["AM1", "AM2", "AM3"] and result.dtype == "float64"
    for am, value in expected.items():
        assert same(result[am], value), (name, am, result[am], value)


def test_sample_pack_star_is_liked_more_than_the_crm_neglecter():
    ctx = KpiContext.for_period(load_pack("sample"), Quarter.parse("2026Q3"))
    star = next(am for am, persona in PERSONAS.items() if persona == "star")
    neglecter = next(am for am, persona in PERSONAS.items() if persona == "crm_neglecter")
    starter = next(am for am, persona in PERSONAS.items() if persona == "new_starter")
    nps = KPI["nps"](ctx)
    assert nps[star] > nps[neglecter] and nps.between(-100, 100).all()
    assert math.isnan(KPI["retention_rate"](ctx)[starter])
    assert KPI["retention_rate"](ctx).drop(starter).between(0, 1).all()
