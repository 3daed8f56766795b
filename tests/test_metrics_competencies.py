"""Competency ratings side by side, gaps and means, against figures computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from amreview.data.datapack import load_pack, validate_tables
from amreview.data.sample import PERSONAS
from amreview.metrics.competencies import (
    KPIS,
    TABLE_COLUMNS,
    competency_comments,
    competency_means,
    competency_ratings_by_rater,
    competency_ratings_table,
    ratings_in_period,
)
from amreview.metrics.registry import KpiContext
from amreview.periods import Quarter
from amreview.vocabulary import COMPETENCIES
from tests.conftest import hand_tables, same

IE, WWO, COMM, PS, DMI = COMPETENCIES


def ratings_frame() -> pd.DataFrame:
    rows = [
        # am_id, period, competency, rater, rating, comment
        ("AM1", "2026Q3", IE, "manager", 4, "Trusted by customers."),
        ("AM1", "2026Q3", WWO, "manager", 3, None),
        ("AM1", "2026Q3", COMM, "manager", 2, "Reports are late."),
        ("AM1", "2026Q3", PS, "manager", 5, None),
        ("AM1", "2026Q3", DMI, "manager", 4, None),
        ("AM1", "2026Q3", IE, "self", 5, "Went well."),
        ("AM1", "2026Q3", WWO, "self", 3, None),
        ("AM1", "2026Q3", COMM, "self", 3, None),
        ("AM1", "2026Q3", PS, "self", 4, None),  # no self rating of DMI
        ("AM1", "2026Q3", IE, "peer", 4, "Helpful."),
        ("AM1", "2026Q3", IE, "peer", 5, "Quick to respond."),  # a second peer
        ("AM1", "2026Q2", IE, "manager", 1, "Last quarter."),  # another quarter: ignored
        ("AM2", "2026Q3", IE, "self", 2, None),
        ("AM2", "2026Q3", PS, "self", 5, ""),  # an empty comment is no comment
    ]
    return pd.DataFrame(rows, columns=["am_id", "period", "competency", "rater", "rating", "comment"])


def q3_table() -> pd.DataFrame:
    return competency_ratings_table(ratings_in_period(ratings_frame(), Quarter.parse("2026Q3")))


@pytest.mark.parametrize(
    "am_id, competency, column, expected",
    [
        ("AM1", IE, "self", 5.0),
        ("AM1", IE, "manager", 4.0),
        ("AM1", IE, "peer", 4.5),
        ("AM1", IE, "peer_raters", 2),
        ("AM1", IE, "self_manager_gap", 1.0),
        ("AM1", COMM, "self_manager_gap", 1.0),
        ("AM1", PS, "self_manager_gap", -1.0),
        ("AM1", WWO, "self_manager_gap", 0.0),
        ("AM1", DMI, "self", np.nan),
        ("AM1", DMI, "self_manager_gap", np.nan),
        ("AM1", DMI, "peer_raters", 0),
        ("AM2", IE, "manager", np.nan),
        ("AM2", WWO, "self", np.nan),
    ],
)
def test_competency_ratings_table_known_values(am_id, competency, column, expected):
    row = q3_table().set_index(["am_id", "competency"]).loc[(am_id, competency)]
    assert same(row[column], expected)


def test_competency_ratings_table_comments():
    table = q3_table().set_index(["am_id", "competency"])
    assert table.loc[("AM1", IE), "peer_comment"] == "Helpful.; Quick to respond."
    assert table.loc[("AM1", IE), "manager_comment"] == "Trusted by customers."
    assert pd.isna(table.loc[("AM1", WWO), "manager_comment"])
    assert pd.isna(table.loc[("AM2", PS), "self_comment"])
    assert pd.isna(table.loc[("AM2", IE), "peer_comment"])


def test_competency_ratings_table_shape():
    table = q3_table()
    assert list(table.columns) == TABLE_COLUMNS
    assert table["am_id"].tolist() == ["AM1"] * 5 + ["AM2"] * 5
    assert table["competency"].tolist() == list(COMPETENCIES) * 2  # every competency, in the role's order
    assert list(table.index) == list(range(10))
    empty = competency_ratings_table(ratings_frame().iloc[:0])
    assert empty.empty and list(empty.columns) == TABLE_COLUMNS


def test_the_ratings_without_comments_are_the_same_numbers():
    by_rater = competency_ratings_by_rater(ratings_in_period(ratings_frame(), Quarter.parse("2026Q3")))
    pd.testing.assert_frame_equal(by_rater, q3_table()[list(by_rater.columns)])
    pd.testing.assert_frame_equal(competency_means(by_rater), competency_means(q3_table()))


def test_competency_comments_only_where_someone_commented():
    comments = competency_comments(ratings_in_period(ratings_frame(), Quarter.parse("2026Q3")))
    assert comments.set_index(["am_id", "competency"]).index.tolist() == [("AM1", IE), ("AM1", COMM)]
    assert comments.loc[1, "manager_comment"] == "Reports are late." and comments.loc[1, "self_comment"] is None


@pytest.mark.parametrize(
    "am_id, column, expected",
    [
        ("AM1", "competency_manager_mean", (4 + 3 + 2 + 5 + 4) / 5),
        ("AM1", "competency_self_mean", (5 + 3 + 3 + 4) / 4),  # over the four self-rated
        ("AM1", "competency_peer_mean", 4.5),  # two peers on one competency: averaged first
        ("AM1", "competency_self_manager_gap_mean", (1 + 0 + 1 - 1) / 4),
        ("AM2", "competency_self_mean", 3.5),
        ("AM2", "competency_manager_mean", np.nan),
        ("AM2", "competency_self_manager_gap_mean", np.nan),
    ],
)
def test_competency_means(am_id, column, expected):
    assert same(competency_means(q3_table()).loc[am_id, column], expected)


# --------------------------------------------------------------------------------------------
# KPIs end to end
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hand_pack():
    tables = hand_tables()
    tables["account_managers"] = tables["account_managers"].assign(start_date=[None, None, "2026-07-13"])
    return validate_tables({**tables, "competency_ratings": ratings_frame()}, source="hand")


KPI = {kpi.name: kpi for kpi in KPIS}


@pytest.mark.parametrize(
    "kpi, quarter, expected",
    [
        ("competency_manager_mean", "2026Q3", {"AM1": 3.6, "AM2": np.nan, "AM3": np.nan}),
        ("competency_self_mean", "2026Q3", {"AM1": 3.75, "AM2": 3.5, "AM3": np.nan}),
        ("competency_peer_mean", "2026Q3", {"AM1": 4.5, "AM2": np.nan, "AM3": np.nan}),
        ("competency_self_manager_gap_mean", "2026Q3", {"AM1": 0.25, "AM2": np.nan, "AM3": np.nan}),
        ("competency_manager_mean", "2026Q2", {"AM1": 1.0, "AM2": np.nan}),  # AM3 not yet in role
    ],
)
def test_kpis_end_to_end(hand_pack, kpi, quarter, expected):
    result = KPI[kpi](KpiContext.for_period(hand_pack, Quarter.parse(quarter)))
    assert list(result.index) == sorted(expected) and result.name == kpi
    for am_id, value in expected.items():
        assert same(result[am_id], value), (am_id, result[am_id], value)


def test_kpi_rows_units_and_directions():
    for kpi in KPIS:
        assert kpi.unit == ("number" if kpi.name == "competency_self_manager_gap_mean" else "rating")
    scored = {k.name for k in KPIS if k.higher_is_better is not None}
    assert scored == {"competency_manager_mean"} and KPI["competency_manager_mean"].higher_is_better


def test_no_input_is_mutated():
    frame = ratings_frame()
    before = frame.copy(deep=True)
    table = competency_ratings_table(ratings_in_period(frame, Quarter.parse("2026Q3")))
    table_before = table.copy(deep=True)
    competency_means(table)
    competency_comments(frame)
    competency_means(competency_ratings_by_rater(frame))
    pd.testing.assert_frame_equal(frame, before)
    pd.testing.assert_frame_equal(table, table_before)


# --------------------------------------------------------------------------------------------
# The sample pack
# --------------------------------------------------------------------------------------------

# The sample's 2026Q3 reviews still in draft (one per team, the last by am_id): nothing collected yet.
SAMPLE_DRAFTS = ["AM008", "AM012", "AM015"]


def test_sample_competencies():
    ctx = KpiContext.for_period(load_pack("sample"), Quarter.parse("2026Q3"))
    manager = KPI["competency_manager_mean"](ctx)
    star = next(am for am, persona in PERSONAS.items() if persona == "star")
    rated = manager.drop(SAMPLE_DRAFTS)
    assert rated.notna().all() and rated.between(1, 5).all()
    assert manager[SAMPLE_DRAFTS].isna().all()  # a draft review: no data, not a rating
    assert manager[star] == manager.max()
    table = competency_ratings_table(ratings_in_period(ctx.table("competency_ratings"), ctx.quarter))
    assert len(table) == 5 * (len(ctx.am_ids) - len(SAMPLE_DRAFTS)) and table["manager"].notna().all()
    assert not table["am_id"].isin(SAMPLE_DRAFTS).any()
    assert table["manager_comment"].notna().all()
