"""The organisation calibration page and the team overview's self − manager gap, on a sample with
known rater effects planted (a lenient and a severe manager, an agreed rating two bands above the
computed one, a competency rating far from the figures): every figure the page shows against an
independent computation from the pack's own tables (pandas for the means, numpy's least squares and
scipy's t for the intervals), through the input the batch step prepares."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from scipy import stats

from amreview.batch.input_reading import read_calibration_input
from amreview.batch.prepare import calibration_ratings, prepare_reviews
from amreview.data.datapack import validate_tables
from amreview.data.sample import generate_sample
from amreview.data.sample.effects import SampleEffects
from amreview.documents.calibration import OrganisationCalibration
from amreview.documents.team_overview import TeamOverview
from amreview.formats import bands_text
from amreview.scoring.calibration import band_ranks
from amreview.scoring.outcomes import pack_review_status
from amreview.scoring.scorecard import build_scorecard
from tests.test_cycle_documents import table_rows
from tests.test_rater_effects import offsets_by_hand

PERIOD = "2026Q3"
LENIENT_MANAGER, SEVERE_MANAGER, OTHER = "Claire Whitfield", "Priya Raman", "Gareth Lloyd"
FAR_RATED = "AM004"  # Priya Raman's CRM neglecter, rated 5 on every competency by her
TWO_BANDS = "AM009"  # Gareth Lloyd's: agreed two bands above the computed rating


@pytest.fixture(scope="module")
def planted():
    effects = SampleEffects(rater_leniency={LENIENT_MANAGER: 1.0, SEVERE_MANAGER: -1.0}, agreed_above_computed=False)
    tables = generate_sample(4, effects)
    ratings = tables["competency_ratings"]
    mine = (ratings["am_id"] == FAR_RATED) & (ratings["period"] == PERIOD) & (ratings["rater"] == "manager")
    tables["competency_ratings"] = ratings.assign(rating=ratings["rating"].mask(mine, 5))
    pack = validate_tables(tables, source="sample")
    card = build_scorecard(pack, PERIOD)
    outcomes = tables["review_outcomes"]
    at = (outcomes["am_id"] == TWO_BANDS) & (outcomes["period"] == PERIOD)
    ranks = band_ranks(card.config)
    computed = card.overall.at[TWO_BANDS, "overall_rating"]
    raised = next(label for label, rank in ranks.items() if rank == ranks[computed] + 2)
    tables["review_outcomes"] = outcomes.assign(
        agreed_rating=outcomes["agreed_rating"].mask(at, raised),
        change_reason=outcomes["change_reason"].mask(at, "A record tender win."),
    )
    pack = validate_tables(tables, source="sample")
    return tables, pack, build_scorecard(pack, PERIOD)


@pytest.fixture(scope="module")
def page(planted, tmp_path_factory):
    _, pack, card = planted
    folder = tmp_path_factory.mktemp("calibration")
    prepared = prepare_reviews(pack, PERIOD, card.config, folder, am_ids=[], card=card, calibration=True)
    found = read_calibration_input(prepared.folder_of("calibration", "organisation"), period=PERIOD)
    return OrganisationCalibration(found.quarter, found.config, found.ratings)._repr_html_()


def by_hand(planted):
    """Per person, from the pack's tables: manager, overall score, the manager's mean competency
    rating, the self − manager gap, and the agreed − computed band change."""
    tables, _, card = planted
    ratings = tables["competency_ratings"]
    ratings = ratings[ratings["period"] == PERIOD]
    wide = ratings.pivot_table(index=["am_id", "competency"], columns="rater", values="rating", aggfunc="mean")
    manager = wide["manager"].groupby("am_id").mean()
    gap = (wide["self"] - wide["manager"]).groupby("am_id").mean()
    outcomes = tables["review_outcomes"].set_index("am_id")
    outcomes = outcomes[outcomes["period"] == PERIOD]
    ranks = band_ranks(card.config)
    change = outcomes["agreed_rating"].map(ranks) - card.overall["overall_rating"].map(ranks).reindex(outcomes.index)
    return pd.DataFrame(
        {
            "manager": card.people["manager"],
            "score": card.overall["overall_score"],
            "rating": manager.reindex(card.people.index),
            "gap": gap.reindex(card.people.index),
            "change": change.reindex(card.people.index),
        }
    )


def interval(low: float, high: float) -> str:
    return f"{bands_text(low, 2)} to {bands_text(high, 2)}"


def flag(low: float, high: float) -> str:
    """The rule by hand: lenient when the interval lies above zero, severe below, else none (—)."""
    return "lenient" if low > 0 else "severe" if high < 0 else "—"


def test_the_agreed_changes_per_manager_match_a_computation_by_hand(planted, page):
    people = by_hand(planted).dropna(subset=["change"])
    groups = people.groupby("manager")["change"]
    means, sizes = groups.mean(), groups.size()
    s = np.sqrt(((people["change"] - people["manager"].map(means)) ** 2).sum() / (len(people) - len(means)))
    crit = stats.t.ppf(1 - 0.05 / len(means) / 2, len(people) - len(means))
    rows = {r["Manager"]: r for r in table_rows(page, "organisation-calibration")}
    for manager, mean in means.items():
        half = crit * s / np.sqrt(sizes[manager])
        assert rows[manager]["Mean change (bands)"] == bands_text(mean, 2)
        assert rows[manager]["95\u00a0% interval"] == interval(mean - half, mean + half)
        assert rows[manager]["With both ratings"] == str(sizes[manager])
        assert rows[manager]["Flag"] == flag(mean - half, mean + half)


def test_the_competency_offsets_match_least_squares_by_hand(planted, page):
    people = by_hand(planted).dropna(subset=["rating", "score"])
    expected = offsets_by_hand(
        people["rating"].to_numpy(), people["score"].to_numpy(), people["manager"].to_numpy(dtype=object)
    )
    rows = {r["Manager"]: r for r in table_rows(page, "organisation-raters")}
    for manager, (value, low, high) in expected.items():
        assert rows[manager]["Offset (points)"] == bands_text(value, 2)
        assert rows[manager]["95\u00a0% interval"] == interval(low, high)
        assert rows[manager]["Flag"] == flag(low, high)


def test_the_self_manager_gaps_per_team_match_t_intervals_by_hand(planted, page):
    people = by_hand(planted).dropna(subset=["gap"])
    rows = {r["Manager"]: r for r in table_rows(page, "organisation-gaps")}
    for manager, gaps in people.groupby("manager")["gap"]:
        half = stats.t.ppf(0.975, len(gaps) - 1) * gaps.std(ddof=1) / np.sqrt(len(gaps))
        assert rows[manager]["Self − manager (points)"] == bands_text(gaps.mean(), 2)
        assert rows[manager]["95\u00a0% interval"] == interval(gaps.mean() - half, gaps.mean() + half)
        assert rows[manager]["People rated by both"] == str(len(gaps))


def test_the_ratings_that_contradict_the_data_are_listed_under_their_manager_and_nobody_named(planted, page):
    tables, _, card = planted
    rows = table_rows(page, "organisation-contradictions")
    computed = card.overall.at[TWO_BANDS, "overall_rating"]
    assert {"Manager": OTHER, "Which rating": "Agreed rating"}.items() <= rows[0].items()
    assert rows[0]["What the data says"] == f"computed {computed}" and "(+2 bands)" in rows[0]["The rating"]
    far = [r for r in rows if r["Which rating"] == "Competency ratings"]
    assert [(r["Manager"], r["The rating"]) for r in far] == [(SEVERE_MANAGER, "mean 5.00 of 5")]
    text = BeautifulSoup(page, "html.parser").get_text(" ")
    people = tables["account_managers"]
    assert not [n for n in list(people["name"]) + list(people["am_id"]) if n in text]
    # the two planted contradictions widen every interval (the spread is pooled): nobody is flagged here
    # (tests/test_rater_effects.py recovers the planted effects without them)
    flags = [r["Flag"] for name in ("calibration", "raters") for r in table_rows(page, f"organisation-{name}")]
    assert set(flags) == {"—"} and "No manager is flagged as lenient or severe." in text
    assert "Ratings that contradict the data: 2." in text


def test_the_team_overview_shows_its_teams_gap_by_hand(planted):
    _, _, card = planted
    people = by_hand(planted)
    team = people.index[people["manager"] == OTHER]
    gaps = people.loc[team, "gap"].dropna()
    half = stats.t.ppf(0.975, len(gaps) - 1) * gaps.std(ddof=1) / np.sqrt(len(gaps))
    section = TeamOverview(OTHER, card.restricted_to(team)).calibration()._repr_html_()
    text = BeautifulSoup(section, "html.parser").get_text(" ")
    assert (
        f"over the {len(gaps)} people rated by both, self-ratings sit {bands_text(gaps.mean(), 2)} points from the "
        f"manager's on average (95\u00a0% interval {interval(gaps.mean() - half, gaps.mean() + half)})." in text
    )


def test_the_page_flags_the_planted_lenient_and_severe_managers():
    effects = SampleEffects(rater_leniency={LENIENT_MANAGER: 1.0, SEVERE_MANAGER: -1.0}, agreed_above_computed=False)
    pack = validate_tables(generate_sample(4, effects), source="sample")
    card = build_scorecard(pack, PERIOD)
    ratings = calibration_ratings(pack_review_status(pack, card.quarter, card.overall["overall_rating"]), card)
    page = OrganisationCalibration(card.quarter, card.config, ratings)._repr_html_()
    text = BeautifulSoup(page, "html.parser").get_text(" ")
    assert (
        f"Flagged: {LENIENT_MANAGER} (agreed ratings: lenient), {SEVERE_MANAGER} (agreed ratings: severe), "
        f"{LENIENT_MANAGER} (competency ratings: lenient), {SEVERE_MANAGER} (competency ratings: severe)." in text
    )
    assert page.count("data:image/png;base64,") == 3  # agreed changes, competency offsets, distributions
