"""Like-for-like benchmarks in the documents (amreview.documents.like_for_like): the review's
sentences and the team overview's table, each figure checked against the scorecard's columns
formatted here by hand."""

from __future__ import annotations

import math

import pytest

from amreview.data.datapack import validate_tables
from amreview.data.sample import generate_sample
from amreview.documents.like_for_like import (
    TEAM_TABLE_ID,
    difference_text,
    expectation_sentence,
    team_cell,
    team_expectations,
)
from amreview.documents.review import Review
from amreview.documents.team_overview import TeamOverview
from amreview.scoring.scorecard import build_scorecard

NBSP = "\u00a0"
MARGIN_MISSER = "AM003"  # prices low for books like his: GM % below expectation


def pct(value: float) -> str:
    return f"{value * 100:.1f}{NBSP}%"


@pytest.mark.parametrize(
    ("difference", "unit", "text"),
    [
        (0.0113, "pct", "1.1 points"),
        (-0.0113, "pct", "1.1 points"),
        (0.104, "attainment", "10 points"),
        (12345.4, "money", "12,345"),
        (1.6, "count", "2"),
    ],
)
def test_difference_text(difference, unit, text):
    assert difference_text(difference, unit) == text


def test_expectation_sentence_above_within_level_and_without():
    span = f"(expected {pct(0.069)}, plausibly {pct(0.05)} to {pct(0.078)})"
    assert (
        expectation_sentence("GM %", 0.08, 0.069, 0.05, 0.078, "pct")
        == f"GM % 1.1 points above books like theirs {span}."
    )
    assert (
        expectation_sentence("GM %", 0.058, 0.069, 0.05, 0.078, "pct")
        == f"GM % 1.1 points below books like theirs, within what such books achieve {span}."
    )
    assert (
        expectation_sentence("GM %", 0.06902, 0.069, 0.05, 0.078, "pct") == f"GM % level with books like theirs {span}."
    )
    assert expectation_sentence("GM %", 0.08, math.nan, math.nan, math.nan, "pct") == ""


def test_team_cell():
    assert team_cell(0.08, 0.069, 0.05, 0.078, "pct") == "above by 1.1 points"
    assert team_cell(0.04, 0.069, 0.05, 0.078, "pct") == "below by 2.9 points"
    assert team_cell(0.073, 0.069, 0.05, 0.078, "pct") == "in line (+0.4 points)"
    assert team_cell(5.0, math.nan, math.nan, math.nan, "count") == "\u2014"


@pytest.fixture(scope="module")
def pack():
    return validate_tables(generate_sample(), source="sample")


@pytest.fixture(scope="module")
def card(pack):
    return build_scorecard(pack, "2026Q3")


def test_the_review_says_gm_pct_against_books_like_theirs(pack, card):
    row, value = card.expected.loc[MARGIN_MISSER], card.values.at[MARGIN_MISSER, "gm_pct"]
    difference = value - row["gm_pct_expected"]
    assert value < row["gm_pct_expected_low"] and difference < 0
    wanted = (
        f"GM % {abs(difference) * 100:.1f} points below books like theirs (expected {pct(row['gm_pct_expected'])}, "
        f"plausibly {pct(row['gm_pct_expected_low'])} to {pct(row['gm_pct_expected_high'])})."
    )
    review = Review.build(pack, MARGIN_MISSER, "2026Q3")
    assert wanted in review.section("margin").lines
    retention = [line for line in review.section("relationships").lines if line.startswith("Account retention ")]
    assert len(retention) == 1 and "books like theirs" in retention[0]


def test_the_team_overview_shows_who_is_above_or_below_and_by_how_much(card):
    overview = TeamOverview("Gareth Lloyd", card)
    table = team_expectations(card, overview.members)
    assert list(table["Account manager"]) == list(overview.members["name"])  # his team only, in team order
    assert set(card.people.loc[overview.members.index, "manager"]) == {"Gareth Lloyd"}
    names = card.people["name"]
    row = table.set_index("Account manager").loc[names[MARGIN_MISSER]]
    difference = card.values.at[MARGIN_MISSER, "gm_pct"] - card.expected.at[MARGIN_MISSER, "gm_pct_expected"]
    assert row["GM %"] == f"below by {abs(difference) * 100:.1f} points"
    html = overview.headline_figures()._repr_html_()
    assert "Against books like theirs" in html and TEAM_TABLE_ID in html
    others = card.people.index[card.people["manager"] != "Gareth Lloyd"]
    assert not any(str(names[a]) in html for a in others)


def test_the_new_starter_has_no_expectation_in_the_team_table(card):
    overview = TeamOverview("Priya Raman", card)
    table = team_expectations(card, overview.members).set_index("Account manager")
    assert (table.loc["Megan Doyle"] == "\u2014").all()
