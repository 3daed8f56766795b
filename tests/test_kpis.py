"""The KPI context: windows, targets over windows, working weeks, the shared cache."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from amreview.data.datapack import validate_tables
from amreview.metrics.registry import KpiContext, Window
from amreview.periods import Quarter
from tests.conftest import hand_tables


def pack_with(targets: list[tuple], start_dates=(None, None, None)):
    tables = hand_tables()
    tables["account_managers"] = tables["account_managers"].assign(start_date=list(start_dates))
    tables["targets"] = pd.DataFrame(targets, columns=["am_id", "period", "measure", "target"])
    return validate_tables(tables)


def test_year_to_date_target_needs_every_quarter_in_role():
    pack = pack_with(
        [
            ("AM1", "2026Q1", "revenue", 100.0),
            ("AM1", "2026Q2", "revenue", 200.0),
            ("AM1", "2026Q3", "revenue", 300.0),
            ("AM2", "2026Q1", "revenue", 100.0),
            ("AM2", "2026Q3", "revenue", 300.0),  # Q2 missing
            ("AM3", "2026Q3", "revenue", 50.0),  # AM3 started in Q3
        ],
        start_dates=(None, None, "2026-07-13"),
    )
    ytd = KpiContext.for_period(pack, Quarter.parse("2026Q3")).for_window("ytd")
    target = ytd.target("revenue")
    assert target["AM1"] == 600.0
    assert math.isnan(target["AM2"])  # a missing quarter would make the year look easier
    assert target["AM3"] == 50.0  # a new starter's year to date: the quarters in role
    assert math.isnan(ytd.target("visits")["AM1"])


def test_a_new_starters_year_to_date_target_when_no_one_has_targets_before_they_started():
    # Only the new starter's target rows (as in their own slice of the pack): the quarters
    # before they started have no target rows at all, and must not count as missing.
    pack = pack_with(
        [("AM3", "2026Q3", "revenue", 50.0), ("AM1", "2026Q3", "gross_margin", 10.0)],
        start_dates=("2026-07-01", "2026-07-01", "2026-07-13"),
    )
    ytd = KpiContext.for_period(pack, Quarter.parse("2026Q3")).for_window("ytd")
    assert ytd.target("revenue")["AM3"] == 50.0
    assert ytd.target("gross_margin")["AM1"] == 10.0
    assert math.isnan(ytd.target("revenue")["AM1"])


def test_windows_and_working_weeks():
    pack = pack_with([], start_dates=(None, None, "2026-09-01"))
    ctx = KpiContext.for_period(pack, Quarter.parse("2026Q3"))
    assert ctx.window == Window("quarter", (Quarter(2026, 3),))
    assert ctx.for_window("t4q").start == pd.Timestamp("2025-10-01")
    assert ctx.for_window("ytd").start == pd.Timestamp("2026-01-01")
    weeks = ctx.working_weeks()
    assert weeks["AM1"] == 66 / 5  # Mon–Fri days 2026-07-01..2026-09-30
    assert weeks["AM3"] == 22 / 5  # from 2026-09-01
    assert ctx.days_in_role()["AM3"] == 30


def test_memo_is_shared_across_windows_and_computed_once():
    ctx = KpiContext.for_period(pack_with([]), Quarter.parse("2026Q3"))
    calls = []
    ctx.memo("x", lambda: calls.append(1) or 42)
    assert ctx.for_window("ytd").memo("x", lambda: calls.append(1) or 0) == 42
    assert calls == [1]


def test_unknown_window():
    with pytest.raises(ValueError, match="expected one of quarter, ytd, t4q"):
        Window.of(Quarter(2026, 3), "decade")
