"""Development plan achieved: completion, counts and carry-over, against figures computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from amreview.data.datapack import load_pack, validate_tables
from amreview.data.sample import PERSONAS
from amreview.metrics.development import (
    KPIS,
    PLAN_COLUMNS,
    development_plan,
    objective_overdue,
    objective_progress,
    objective_weight,
    objectives_carrying_forward,
    objectives_in_period,
    plan_completion,
    plan_summary,
)
from amreview.metrics.registry import KpiContext
from amreview.periods import Quarter
from tests.conftest import hand_tables, same

T = pd.Timestamp
Q3_END = T("2026-09-30")
COLUMNS = ["am_id", "objective_id", "period", "objective", "weight", "due_date", "status", "progress"]


def objectives_frame() -> pd.DataFrame:
    rows = [
        # am_id, objective_id, period, objective, weight, due_date, status, progress
        ("AM1", "O-1", "2026Q2", "Meraki certification", 50.0, "2026-06-30", "missed", 0.5),
        ("AM1", "O-2", "2026Q2", "QBR with key accounts", 50.0, "2026-06-30", "achieved", 1.0),
        ("AM1", "O-1", "2026Q3", "Meraki certification", 40.0, "2026-08-31", "in_progress", 0.5),  # carried, overdue
        ("AM1", "O-3", "2026Q3", "Two new logos", 60.0, "2026-09-15", "achieved", np.nan),  # achieved: 1
        ("AM1", "O-4", "2026Q3", "Team briefing", np.nan, "2026-09-30", "not_started", np.nan),  # weight 1, due today
        ("AM2", "P-0", "2026Q1", "Negotiation workshop", 1.0, "2026-03-31", "missed", 0.2),
        ("AM2", "P-0", "2026Q3", "Negotiation workshop", 1.0, "2026-08-01", "missed", 0.3),  # back after a gap
        ("AM2", "P-2", "2026Q3", "Vendor course", 3.0, "2026-07-15", "deferred", 0.6),  # deferred: not overdue
        ("AM3", "S-1", "2026Q3", "Product induction", 2.0, "2026-09-01", "achieved", 1.0),  # new starter
        ("AM3", "S-2", "2026Q3", "Meet inherited accounts", 2.0, None, "in_progress", 0.25),  # no due date
    ]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.assign(due_date=pd.to_datetime(frame["due_date"]), competency=None, evidence=None)


def q3_plan() -> pd.DataFrame:
    return development_plan(objectives_frame(), Quarter.parse("2026Q3"))


# --------------------------------------------------------------------------------------------
# Objectives one by one
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status, progress, expected",
    [
        ("achieved", np.nan, 1.0),
        ("achieved", 0.4, 1.0),
        ("in_progress", 0.4, 0.4),
        ("in_progress", np.nan, 0.0),
        ("not_started", np.nan, 0.0),
        ("missed", 0.7, 0.7),
        ("deferred", 0.6, 0.6),
        ("deferred", np.nan, 0.0),
    ],
)
def test_objective_progress(status, progress, expected):
    frame = pd.DataFrame({"status": [status], "progress": [progress]})
    assert same(objective_progress(frame).iloc[0], expected)


@pytest.mark.parametrize("weight, expected", [(30.0, 30.0), (np.nan, 1.0), (0.0, 0.0)])
def test_objective_weight(weight, expected):
    assert same(objective_weight(pd.DataFrame({"weight": [weight]})).iloc[0], expected)


@pytest.mark.parametrize(
    "status, due, overdue",
    [
        ("in_progress", "2026-09-29", True),
        ("not_started", "2026-07-01", True),
        ("in_progress", "2026-09-30", False),  # due on the review day itself
        ("in_progress", None, False),
        ("missed", "2026-08-01", False),
        ("deferred", "2026-08-01", False),
        ("achieved", "2026-08-01", False),
        ("in_progress", "2026-10-15", False),
    ],
)
def test_objective_overdue(status, due, overdue):
    frame = pd.DataFrame({"status": [status], "due_date": pd.to_datetime([due])})
    assert bool(objective_overdue(frame, Q3_END).iloc[0]) is overdue


# --------------------------------------------------------------------------------------------
# Plan completion
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "am_id, expected",
    [
        ("AM1", (40 * 0.5 + 60 * 1.0 + 1 * 0.0) / (40 + 60 + 1)),
        ("AM2", (1 * 0.3 + 3 * 0.6) / (1 + 3)),
        ("AM3", (2 * 1.0 + 2 * 0.25) / 4),
    ],
)
def test_plan_completion_known_values(am_id, expected):
    completion = plan_completion(objectives_in_period(objectives_frame(), Quarter.parse("2026Q3")))
    assert same(completion[am_id], expected)
    assert same(plan_summary(q3_plan()).loc[am_id, "plan_completion"], expected)


def test_plan_completion_with_zero_total_weight_is_nan():
    frame = objectives_frame().assign(weight=0.0)
    assert plan_completion(objectives_in_period(frame, Quarter.parse("2026Q3"))).isna().all()
    assert plan_summary(development_plan(frame, Quarter.parse("2026Q3")))["plan_completion"].isna().all()


def test_plan_completion_of_nothing_is_empty():
    assert plan_completion(objectives_frame().iloc[:0]).empty
    assert plan_summary(development_plan(objectives_frame(), Quarter.parse("2027Q1"))).empty


def test_contributions_add_up_to_completion():
    plan = q3_plan()
    sums = plan.groupby("am_id")["contribution"].sum()
    pd.testing.assert_series_equal(
        sums,
        plan_completion(objectives_in_period(objectives_frame(), Quarter.parse("2026Q3"))),
        check_names=False,
        atol=1e-12,
    )
    assert np.allclose(plan.groupby("am_id")["weight_share"].sum(), 1.0)


# --------------------------------------------------------------------------------------------
# The plan table and carry-over
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "objective_id, carried_over, times_carried, overdue, carries_forward",
    [
        ("O-1", True, 1, True, True),
        ("O-3", False, 0, False, False),
        ("O-4", False, 0, False, True),
        ("P-0", False, 1, False, True),  # was in 2026Q1, not in 2026Q2: not carried from the previous quarter
        ("P-2", False, 0, False, True),  # deferred carries forward, is never overdue
        ("S-1", False, 0, False, False),
        ("S-2", False, 0, False, True),
    ],
)
def test_development_plan_flags(objective_id, carried_over, times_carried, overdue, carries_forward):
    row = q3_plan().set_index("objective_id").loc[objective_id]
    assert (
        bool(row["carried_over"]),
        int(row["times_carried"]),
        bool(row["overdue"]),
        bool(row["carries_forward"]),
    ) == (carried_over, times_carried, overdue, carries_forward)


def test_development_plan_shape():
    plan = q3_plan()
    assert list(plan.columns) == PLAN_COLUMNS
    assert list(plan.index) == list(range(len(plan)))
    assert plan["objective_id"].tolist() == ["O-1", "O-3", "O-4", "P-0", "P-2", "S-1", "S-2"]
    one = development_plan(objectives_frame()[lambda f: f["am_id"] == "AM1"], Quarter.parse("2026Q3"))
    assert one["objective_id"].tolist() == ["O-1", "O-3", "O-4"]


def test_objectives_carrying_forward():
    carrying = objectives_carrying_forward(objectives_frame(), Quarter.parse("2026Q3"))
    assert carrying["objective_id"].tolist() == ["O-1", "O-4", "P-0", "P-2", "S-2"]
    assert carrying["carries_forward"].all()


@pytest.mark.parametrize(
    "am_id, column, expected",
    [
        ("AM1", "objectives", 3),
        ("AM1", "objectives_achieved", 1),
        ("AM1", "objectives_missed", 0),
        ("AM1", "objectives_overdue", 1),
        ("AM1", "objectives_carried_over", 1),
        ("AM1", "objectives_carrying_forward", 2),
        ("AM2", "objectives_achieved", 0),
        ("AM2", "objectives_missed", 1),
        ("AM2", "objectives_deferred", 1),
        ("AM2", "objectives_overdue", 0),
        ("AM2", "objectives_carried_over", 0),
        ("AM3", "objectives_achieved", 1),
        ("AM3", "objectives_overdue", 0),
    ],
)
def test_plan_summary_counts(am_id, column, expected):
    assert plan_summary(q3_plan()).loc[am_id, column] == expected


def test_the_previous_quarter_plan_sees_nothing_carried_in():
    plan = development_plan(objectives_frame(), Quarter.parse("2026Q2"))
    assert plan["objective_id"].tolist() == ["O-1", "O-2"] and not plan["carried_over"].any()
    assert plan.set_index("objective_id").loc["O-1", "carries_forward"]


# --------------------------------------------------------------------------------------------
# KPIs end to end
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hand_pack():
    tables = hand_tables()
    tables["account_managers"] = tables["account_managers"].assign(start_date=[None, None, "2026-07-13"])
    return validate_tables({**tables, "development_objectives": objectives_frame()}, source="hand")


KPI = {kpi.name: kpi for kpi in KPIS}


@pytest.mark.parametrize(
    "kpi, expected",
    [
        ("plan_completion", {"AM1": 80 / 101, "AM2": 2.1 / 4, "AM3": 2.5 / 4}),
        ("objectives_achieved", {"AM1": 1, "AM2": 0, "AM3": 1}),
        ("objectives_missed", {"AM1": 0, "AM2": 1, "AM3": 0}),
        ("objectives_overdue", {"AM1": 1, "AM2": 0, "AM3": 0}),
    ],
)
def test_kpis_end_to_end(hand_pack, kpi, expected):
    result = KPI[kpi](KpiContext.for_period(hand_pack, Quarter.parse("2026Q3")))
    assert list(result.index) == ["AM1", "AM2", "AM3"] and result.name == kpi
    for am_id, value in expected.items():
        assert same(result[am_id], value), (am_id, result[am_id], value)


def test_a_quarter_without_a_plan_is_no_data(hand_pack):
    ctx = KpiContext.for_period(hand_pack, Quarter.parse("2026Q4"))
    for kpi in KPIS:
        assert kpi(ctx).isna().all(), kpi.name


def test_kpi_directions():
    assert KPI["plan_completion"].higher_is_better is True
    assert KPI["objectives_missed"].higher_is_better is False and KPI["objectives_overdue"].higher_is_better is False


def test_no_input_is_mutated():
    frame = objectives_frame()
    before = frame.copy(deep=True)
    plan = development_plan(frame, Quarter.parse("2026Q3"), as_of=T("2026-09-01"))
    plan_before = plan.copy(deep=True)
    plan_summary(plan)
    objectives_carrying_forward(frame, Quarter.parse("2026Q3"))
    plan_completion(objectives_in_period(frame, Quarter.parse("2026Q3")))
    objective_overdue(frame, Q3_END)
    pd.testing.assert_frame_equal(frame, before)
    pd.testing.assert_frame_equal(plan, plan_before)


# --------------------------------------------------------------------------------------------
# The sample pack
# --------------------------------------------------------------------------------------------


def test_sample_star_has_the_best_plan_completion():
    ctx = KpiContext.for_period(load_pack("sample"), Quarter.parse("2026Q3"))
    completion = KPI["plan_completion"](ctx)
    star = next(am for am, persona in PERSONAS.items() if persona == "star")
    assert completion[star] == completion.max() == 1.0
    assert completion.notna().all() and completion.between(0, 1).all()
    new_starter = next(am for am, persona in PERSONAS.items() if persona == "new_starter")
    plan = development_plan(ctx.table("development_objectives"), ctx.quarter)
    assert not plan.loc[plan["am_id"] == new_starter, "carried_over"].any()  # their first plan
