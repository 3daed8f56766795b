"""Rater effects (amreview.scoring.rater_effects): each figure against an independent computation
(numpy's least squares and scipy's t by hand, or values worked out by hand); the flag rule's error
rate and coverage by simulating many rounds of ratings cheaply; and the known truth planted in the
sample (SampleEffects.rater_leniency, agreed_above_computed) recovered from a few whole samples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from amreview.data.datapack import validate_tables
from amreview.data.sample import generate_sample
from amreview.data.sample.effects import NO_EFFECTS, SHIPPED, SampleEffects
from amreview.metrics.competencies import competency_ratings_by_rater, ratings_in_period
from amreview.scoring.calibration import calibration_table, manager_calibration, rating_changes
from amreview.scoring.config import load_config
from amreview.scoring.rater_effects import (
    LENIENT,
    SEVERE,
    agreed_offsets,
    competency_contradictions,
    competency_offsets,
    person_gaps,
    team_gaps,
)
from amreview.scoring.scorecard import build_scorecard

# --------------------------------------------------------------------------------------------
# Each figure against an independent computation
# --------------------------------------------------------------------------------------------


def offsets_by_hand(y, x, managers, level=0.95):
    """The competency-offset model by numpy: least squares on [centred x, one column per manager],
    s² = RSS / (n − p), cov = s² (XᵀX)⁻¹, offset = level_m − mean level, Bonferroni t interval."""
    names = sorted(set(managers))
    design = np.column_stack([x - x.mean()] + [(managers == m).astype(float) for m in names])
    beta, *_ = np.linalg.lstsq(design, y, rcond=None)
    n, p = design.shape
    s2 = np.sum((y - design @ beta) ** 2) / (n - p)
    cov = s2 * np.linalg.inv(design.T @ design)
    out = {}
    for i, m in enumerate(names):
        contrast = np.zeros(p)
        contrast[1:] = -1 / len(names)
        contrast[1 + i] += 1
        value = contrast @ beta
        half = stats.t.ppf(1 - (1 - level) / len(names) / 2, n - p) * np.sqrt(contrast @ cov @ contrast)
        out[m] = (value, value - half, value + half)
    return out


def test_competency_offsets_match_least_squares_by_hand():
    rng = np.random.default_rng(7)
    managers = np.array(["Ann"] * 5 + ["Bob"] * 4 + ["Cy"] * 6, dtype=object)
    x = rng.uniform(2, 4.5, len(managers))
    y = 1 + 0.7 * x + np.where(managers == "Ann", 0.6, 0.0) + rng.normal(0, 0.3, len(managers))
    index = pd.Index([f"P{i}" for i in range(len(managers))])
    table = competency_offsets(pd.Series(y, index), pd.Series(x, index), pd.Series(managers, index))
    for manager, (value, low, high) in offsets_by_hand(y, x, managers).items():
        assert table.loc[manager, ["offset", "offset_low", "offset_high"]].tolist() == pytest.approx([value, low, high])
    assert table["people"].to_dict() == {"Ann": 5, "Bob": 4, "Cy": 6}
    assert table["offset"].sum() == pytest.approx(0.0)  # relative to the average manager


def test_the_fit_gives_statsmodels_ols_with_one_column_per_manager_and_its_outlier_test():
    """The within form (production) against the dense OLS with dummies, its t_test and outlier_test."""
    rng = np.random.default_rng(11)
    managers = np.array(["Ann"] * 5 + ["Bob"] * 4 + ["Cy"] * 6 + ["Di"] * 3, dtype=object)
    x = rng.uniform(2, 4.5, len(managers))
    y = 0.7 * x + rng.normal(0, 0.25, len(managers))
    y[2] += 1.4
    index = pd.Index([f"P{i}" for i in range(len(managers))])
    names = sorted(set(managers))
    design = np.column_stack([x - x.mean()] + [(managers == m).astype(float) for m in names])
    fit = sm.OLS(y, design).fit()
    contrasts = np.hstack([np.zeros((4, 1)), np.eye(4) - 0.25])
    test = fit.t_test(contrasts)
    bounds = np.asarray(test.conf_int(alpha=0.05 / 4))
    table = competency_offsets(pd.Series(y, index), pd.Series(x, index), pd.Series(managers, index))
    assert table["offset"].to_numpy() == pytest.approx(np.asarray(test.effect))
    assert table[["offset_low", "offset_high"]].to_numpy() == pytest.approx(bounds)
    outliers = fit.outlier_test(method="bonf")
    found = competency_contradictions(pd.Series(y, index), pd.Series(x, index), pd.Series(managers, index))
    assert list(found.index) == list(index[outliers[:, 2] < 0.05]) == ["P2"]
    assert found.at["P2", "studentised_residual"] == pytest.approx(outliers[2, 0])
    assert found.at["P2", "expected_rating"] == pytest.approx(fit.fittedvalues[2])
    changes = pd.Series(np.round(rng.normal(0.3, 0.8, len(managers))), index)
    absolute = sm.OLS(changes.to_numpy(), design[:, 1:]).fit().t_test(np.eye(4))
    agreed = agreed_offsets(changes, pd.Series(managers, index))
    assert agreed[["offset_low", "offset_high"]].to_numpy() == pytest.approx(np.asarray(absolute.conf_int(0.05 / 4)))


def test_a_manager_with_too_few_people_is_not_compared_and_missing_values_are_left_out():
    index = pd.Index([f"P{i}" for i in range(9)])
    managers = pd.Series(["A"] * 4 + ["B"] * 3 + ["C"] * 2, index)
    score = pd.Series([2.0, 3.0, 4.0, 3.5, 2.5, 3.0, np.nan, 3.0, 4.0], index)
    rating = pd.Series([2.5, 3.1, 4.2, 3.4, 3.0, 3.2, 3.3, 3.0, np.nan], index)
    table = competency_offsets(rating, score, managers)
    assert table["people"].to_dict() == {"A": 4, "B": 2, "C": 1}  # rows with both figures
    assert table["offset"].isna().to_dict() == {"A": True, "B": True, "C": True}  # one manager: nothing to compare
    assert set(table["flag"]) == {""}


def test_agreed_offsets_by_hand():
    """Lena +1 +1 +1 0, Sam −1 −1 0, Kim +1 −1 0 0, Ola +1 +1 (two: not compared).
    Means 0.75, −2/3, 0; within sums of squares 0.75 + 2/3 + 2 = 41/12 over 11 − 3 = 8 df."""
    rows = {"L": [1, 1, 1, 0], "S": [-1, -1, 0], "K": [1, -1, 0, 0], "O": [1, 1]}
    changes = pd.Series([v for vs in rows.values() for v in vs], dtype="float64")
    managers = pd.Series([m for m, vs in rows.items() for _ in vs])
    table = agreed_offsets(changes, managers)
    s = np.sqrt((41 / 12) / 8)
    crit = stats.t.ppf(1 - 0.05 / 3 / 2, 8)
    for manager, mean, n in (("L", 0.75, 4), ("S", -2 / 3, 3), ("K", 0.0, 4)):
        half = crit * s / np.sqrt(n)
        assert table.loc[manager, ["offset", "offset_low", "offset_high"]].tolist() == pytest.approx(
            [mean, mean - half, mean + half]
        )
    assert np.isnan(table.at["O", "offset"]) and table.at["O", "people"] == 2
    assert table["flag"].to_dict() == {"K": "", "L": "", "O": "", "S": ""}  # half-width 0.89: nobody


def test_a_manager_who_raises_everyone_is_flagged_and_the_calibration_table_carries_the_interval():
    config = load_config()
    rows = [(f"L{i}", "Lena", "Meets", "Exceeds", "r") for i in range(5)]
    rows += [("L5", "Lena", "Exceeds", "Exceeds", None)]
    rows += [(f"F{i}", "Frank", "Meets", agreed, None) for i, agreed in enumerate(["Meets"] * 5 + [None])]
    rows += [("F9", "Frank", "Meets", "Exceeds", "r")]
    frame = pd.DataFrame(rows, columns=["am_id", "manager", "computed_rating", "agreed_rating", "change_reason"])
    frame = frame.set_index("am_id")
    table = manager_calibration(rating_changes(frame, config), frame["manager"])
    # Lena 5/6, Frank 1/6; within SS 5/36·… by hand: each group's Σ(x − mean)² = 5/6, df 12 − 2 = 10
    s = np.sqrt((5 / 6 + 5 / 6) / 10)
    half = stats.t.ppf(1 - 0.05 / 2 / 2, 10) * s / np.sqrt(6)
    assert table.loc["Lena", ["mean_band_change", "band_change_low", "band_change_high"]].tolist() == pytest.approx(
        [5 / 6, 5 / 6 - half, 5 / 6 + half]
    )
    assert table["leaning"].to_dict() == {"Frank": "", "Lena": LENIENT}


def test_person_and_team_gaps_are_t_intervals_by_hand():
    gaps = {"A": [1, 0, 1, 2, 1], "B": [0, 0, 1, np.nan, -1], "C": [np.nan] * 5}
    by_rater = pd.DataFrame(
        [(am, f"c{i}", g) for am, values in gaps.items() for i, g in enumerate(values)],
        columns=["am_id", "competency", "self_manager_gap"],
    )
    table = person_gaps(by_rater)
    a = np.array(gaps["A"], dtype=float)
    half = stats.t.ppf(0.975, 4) * a.std(ddof=1) / np.sqrt(5)
    assert table.loc["A"].tolist() == pytest.approx([1.0, 1.0 - half, 1.0 + half, 5])
    assert table.at["B", "gap"] == 0.0 and table.at["B", "gap_count"] == 4
    assert np.isnan(table.at["C", "gap"]) and table.at["C", "gap_count"] == 0
    teams = team_gaps(pd.Series([0.2, 0.4, 0.9, np.nan]), pd.Series(["T", "T", "T", "T"]))
    people = np.array([0.2, 0.4, 0.9])
    half = stats.t.ppf(0.975, 2) * people.std(ddof=1) / np.sqrt(3)
    assert teams.loc["T"].tolist() == pytest.approx([0.5, 0.5 - half, 0.5 + half, 3])


def test_a_rating_far_from_the_figures_is_listed_and_no_other():
    rng = np.random.default_rng(3)
    managers = np.array(["A"] * 6 + ["B"] * 6 + ["C"] * 6, dtype=object)
    x = rng.uniform(2, 4.5, 18)
    y = 0.8 * x + rng.normal(0, 0.1, 18)
    y[4] += 1.5  # one rating far above what anyone's figures like these get
    index = pd.Index([f"P{i}" for i in range(18)])
    found = competency_contradictions(pd.Series(y, index), pd.Series(x, index), pd.Series(managers, index))
    assert list(found.index) == ["P4"]
    assert found.at["P4", "manager"] == "A" and found.at["P4", "studentised_residual"] > 3


# --------------------------------------------------------------------------------------------
# The flag rule by simulation: many rounds of ratings, no scorecard
# --------------------------------------------------------------------------------------------

TEAMS = {"Ann": 4, "Bob": 4, "Cy": 5}


def simulated_round(rng: np.random.Generator, leniency: dict[str, float]) -> tuple[pd.Series, pd.Series, pd.Series]:
    """One quarter of competency ratings like the sample's: a person's overall score, their own
    level (not all of it in the figures), five competency ratings by their manager, each rounded
    and clipped to 1–5 after the manager's leniency is added; the mean over the five."""
    managers = np.repeat(list(TEAMS), list(TEAMS.values()))
    score = rng.normal(3.2, 0.5, len(managers))
    own = 3.4 + 0.8 * (score - 3.2) + rng.normal(0, 0.2, len(managers))
    shift = np.array([leniency.get(m, 0.0) for m in managers])
    ratings = np.clip(np.rint(own[:, None] + shift[:, None] + rng.normal(0, 0.45, (len(managers), 5))), 1, 5)
    return pd.Series(ratings.mean(axis=1)), pd.Series(score), pd.Series(managers)


def test_with_no_rater_effect_nobody_is_flagged_at_more_than_about_the_stated_rate():
    rng = np.random.default_rng(17)
    rounds = 400
    flagged = sum(
        (competency_offsets(*simulated_round(rng, {}))["flag"] != "").any() for _ in range(rounds)
    )  # familywise: any manager flagged in a round
    assert flagged / rounds <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / rounds)


def test_with_no_agreed_change_effect_nobody_is_flagged_at_more_than_about_the_stated_rate():
    rng = np.random.default_rng(18)
    rounds = 400
    managers = pd.Series(np.repeat(list(TEAMS), list(TEAMS.values())))
    flagged = 0
    for _ in range(rounds):
        changes = pd.Series(rng.choice([-1.0, 0.0, 1.0], len(managers), p=[0.15, 0.7, 0.15]))
        flagged += (agreed_offsets(changes, managers)["flag"] != "").any()
    assert flagged / rounds <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / rounds)


def test_a_lenient_and_a_severe_rater_are_covered_by_their_intervals_and_mostly_flagged():
    rng = np.random.default_rng(19)
    planted = {"Ann": 0.5, "Bob": 0.0, "Cy": -0.5}
    truth = {m: v - np.mean(list(planted.values())) for m, v in planted.items()}
    rounds, covered, found = 300, 0, {"Ann": 0, "Cy": 0}
    for _ in range(rounds):
        table = competency_offsets(*simulated_round(rng, planted))
        covered += all(table.at[m, "offset_low"] <= t <= table.at[m, "offset_high"] for m, t in truth.items())
        found["Ann"] += table.at["Ann", "flag"] == LENIENT
        found["Cy"] += table.at["Cy", "flag"] == SEVERE
    # rounding and clipping to 1–5 shave a little off a planted half band: coverage a little under
    assert covered / rounds >= 0.9
    assert found["Ann"] / rounds >= 0.6 and found["Cy"] / rounds >= 0.6


# --------------------------------------------------------------------------------------------
# The known truth planted in the sample, recovered
# --------------------------------------------------------------------------------------------

LENIENT_MANAGER, SEVERE_MANAGER, OTHER = "Claire Whitfield", "Priya Raman", "Gareth Lloyd"


def manager_means(tables: dict[str, pd.DataFrame], quarter) -> pd.Series:
    by_rater = competency_ratings_by_rater(ratings_in_period(tables["competency_ratings"], quarter))
    return by_rater.groupby("am_id")["manager"].mean()


@pytest.mark.parametrize(("seed", "size"), [(3, 0.5), (4, 1.0)])
def test_the_samples_lenient_and_severe_managers_are_recovered_and_flagged(seed, size):
    effects = SampleEffects(rater_leniency={LENIENT_MANAGER: size, SEVERE_MANAGER: -size}, agreed_above_computed=False)
    tables = generate_sample(seed, effects)
    plain = generate_sample(seed, NO_EFFECTS)
    pack = validate_tables(tables, source="sample")
    card = build_scorecard(pack, "2026Q3")
    managers = card.people["manager"]
    # the truth: how far each manager's ratings actually moved (the same draws, rounding and clipping
    # included), relative to the average manager's move
    moved = (manager_means(tables, card.quarter) - manager_means(plain, card.quarter)).groupby(managers).mean()
    truth = moved - moved.mean()
    table = competency_offsets(card.values["competency_manager_mean"], card.overall["overall_score"], managers)
    for manager in (LENIENT_MANAGER, SEVERE_MANAGER, OTHER):
        assert table.at[manager, "offset_low"] <= truth[manager] <= table.at[manager, "offset_high"], manager
    assert table["flag"].to_dict() == {LENIENT_MANAGER: LENIENT, OTHER: "", SEVERE_MANAGER: SEVERE}
    agreed = manager_calibration(rating_changes(calibration_table(pack, card), card.config), managers)
    for manager, planted in ((LENIENT_MANAGER, size), (SEVERE_MANAGER, -size), (OTHER, 0.0)):
        low, high = agreed.loc[manager, ["band_change_low", "band_change_high"]]
        assert low <= planted <= high or (manager == LENIENT_MANAGER and high < planted), manager  # clipped at the top
    if size == 1.0:  # a whole band on every agreed rating: four people each are enough to tell
        assert agreed["leaning"].to_dict() == {LENIENT_MANAGER: LENIENT, OTHER: "", SEVERE_MANAGER: SEVERE}


@pytest.mark.parametrize("seed", [5, 6])
def test_a_sample_with_no_rater_effect_flags_nobody(seed):
    pack = validate_tables(generate_sample(seed, NO_EFFECTS), source="sample")
    card = build_scorecard(pack, "2026Q3")
    managers = card.people["manager"]
    table = competency_offsets(card.values["competency_manager_mean"], card.overall["overall_score"], managers)
    assert set(table["flag"]) == {""}
    agreed = manager_calibration(rating_changes(calibration_table(pack, card), card.config), managers)
    assert set(agreed["leaning"]) == {""}


# --------------------------------------------------------------------------------------------
# The knobs: off, the shipped sample does not move
# --------------------------------------------------------------------------------------------

# pd.util.hash_pandas_object(table, index=True).sum() of each table of generate_sample() on main
# before the knobs existed (commit 4be6fb4)
SHIPPED_HASHES = {
    "competency_ratings": 12103040411943405879,
    "review_outcomes": 9054258648761263457,
    "review_notes": 11962993923862139570,
    "customer_feedback": 3238760090267100624,
}


def test_the_shipped_sample_is_unchanged_and_the_knobs_move_only_their_tables():
    shipped = generate_sample(effects=SHIPPED)
    for name, expected in SHIPPED_HASHES.items():
        assert int(pd.util.hash_pandas_object(shipped[name], index=True).sum()) == expected, name
    planted = generate_sample(effects=SampleEffects(rater_leniency={LENIENT_MANAGER: 0.5}))
    assert [n for n in shipped if not shipped[n].equals(planted[n])] == ["competency_ratings", "review_outcomes"]
    no_effects = generate_sample(effects=NO_EFFECTS)
    assert [n for n in shipped if not shipped[n].equals(no_effects[n])] == ["review_outcomes"]
    outcomes = no_effects["review_outcomes"]
    assert outcomes["change_reason"].isna().all()  # the lenient manager's changes (with reasons) gone
    changed = shipped["review_outcomes"]["agreed_rating"] != outcomes["agreed_rating"]
    assert set(shipped["review_outcomes"].loc[changed, "am_id"]) == {"AM003", "AM010"}


def test_a_leniency_moves_only_that_managers_ratings_as_manager_and_agrees_with_a_reason():
    shipped = generate_sample()
    planted = generate_sample(effects=SampleEffects(rater_leniency={LENIENT_MANAGER: 1.0}))
    before, after = shipped["competency_ratings"], planted["competency_ratings"]
    moved = before["rating"] != after["rating"]
    claire = before["am_id"].isin(["AM001", "AM002", "AM006", "AM007", "AM008"])
    assert set(before.loc[moved, "rater"]) == {"manager"} and claire[moved].all()
    mine = claire & (before["rater"] == "manager")
    assert (after.loc[mine, "rating"] == np.minimum(before.loc[mine, "rating"] + 1, 5)).all()
    outcomes = planted["review_outcomes"]
    raised = outcomes["agreed_rating"] != shipped["review_outcomes"]["agreed_rating"]
    assert raised.any() and (outcomes.loc[raised, "manager_signed_by"] == LENIENT_MANAGER).all()
    assert outcomes.loc[raised, "change_reason"].notna().all()
