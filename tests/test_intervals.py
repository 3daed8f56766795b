"""The intervals of :mod:`amreview.metrics.intervals`: known values by hand, and honesty by
simulation — over 1,000 draws at stated, realistic sizes, each kind's 95 % interval covers the true
value between 93 % and 97 %; where it does not (small or very unequal samples), the coverage
docs/kpis.md states is the one measured here (:data:`amreview.scoring.kpi_docs.COVERAGE`)."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from amreview.metrics.intervals import (
    LEVEL,
    intervals,
    mean_intervals,
    poisson_rate_interval,
    rate_intervals,
    ratio_intervals,
    share_intervals,
    wilson_interval,
)
from amreview.scoring.kpi_docs import COVERAGE

DRAWS = 1000


def frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["am_id", "value", "weight"])


# --------------------------------------------------------------------------------------------
# Known values
# --------------------------------------------------------------------------------------------


def test_wilson_by_hand():
    # 3 won of 4: p = 0.75, z = 1.959964; centre (p + z²/2n)/(1 + z²/n), half-width z·√(p(1−p)/n + z²/4n²)/(1 + z²/n)
    z = stats.norm.ppf(0.975)
    n, p = 4, 0.75
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low, high = wilson_interval([3], [4])
    assert low[0] == pytest.approx(centre - half) and high[0] == pytest.approx(centre + half)
    assert (round(low[0], 2), round(high[0], 2)) == (0.30, 0.95)  # the "30 % to 95 %"


def test_share_intervals_per_person_and_none_without_observations():
    obs = frame([("A", 1, 1), ("A", 1, 1), ("A", 0, 1), ("A", 1, 1), ("B", 0, 1)])
    table = share_intervals(obs, pd.Index(["A", "B", "C"]))
    assert table.loc["A", ["base", "successes", "estimate"]].tolist() == [4, 3, 0.75]
    assert table.loc["B", ["base", "successes", "estimate", "low"]].tolist() == [1, 0, 0, 0]
    assert table.loc["C"].isna().all()


def test_mean_interval_by_hand_and_none_from_one_observation():
    obs = frame([("A", 2, 1), ("A", 4, 1), ("A", 9, 1), ("B", 7, 1)])
    table = mean_intervals(obs, pd.Index(["A", "B"]))
    mean, sd = 5.0, np.std([2, 4, 9], ddof=1)
    half = stats.t.ppf(0.975, 2) * sd / np.sqrt(3)
    assert table.loc["A", "estimate"] == mean
    assert table.loc["A", "low"] == pytest.approx(mean - half) and table.loc["A", "high"] == pytest.approx(mean + half)
    assert table.loc["B", "base"] == 1 and table.loc["B", "estimate"] == 7
    assert np.isnan(table.loc["B", "low"]) and np.isnan(table.loc["B", "high"])


def test_ratio_interval_by_hand():
    # won value over closed value: deals (y, x) = (10, 10), (0, 30), (20, 20), (0, 40); r = 30 / 100
    obs = frame([("A", 10, 10), ("A", 0, 30), ("A", 20, 20), ("A", 0, 40)])
    table = ratio_intervals(obs, pd.Index(["A"]))
    r = 0.3
    residuals = np.array([10 - r * 10, 0 - r * 30, 20 - r * 20, 0 - r * 40])
    se = np.sqrt(4 / 3 * (residuals**2).sum() / 100**2)
    half = stats.t.ppf(0.975, 3) * se
    assert table.loc["A", "estimate"] == pytest.approx(r)
    assert table.loc["A", "low"] == pytest.approx(r - half) and table.loc["A", "high"] == pytest.approx(r + half)


def test_weighted_share_interval_by_hand():
    # deals of 10, 30, 20, 40 (value), the first and third won: p = 30 / 100; Kish's effective
    # number of deals (Σx)² / Σx² = 100² / 3000 = 3.33; Wilson of p on that many
    obs = frame([("A", 10, 10), ("A", 0, 30), ("A", 20, 20), ("A", 0, 40)])
    table = intervals("weighted_share", obs, pd.Index(["A"]))
    n = 100**2 / (10**2 + 30**2 + 20**2 + 40**2)
    z, p = stats.norm.ppf(0.975), 0.3
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert table.loc["A", ["base", "estimate"]].tolist() == [4, pytest.approx(0.3)]
    assert table.loc["A", "low"] == pytest.approx(centre - half) and table.loc["A", "high"] == pytest.approx(
        centre + half
    )
    # all lost: a real interval above 0, not the zero width a linearised ratio would give
    lost = intervals("weighted_share", frame([("B", 0, 10), ("B", 0, 30)]), pd.Index(["B"]))
    assert lost.loc["B", "low"] == 0 and lost.loc["B", "high"] > 0.3


def test_poisson_interval_by_hand():
    # 26 activities over 2 weeks: Garwood [χ²(0.025; 52)/2, χ²(0.975; 54)/2] / 2
    low, high = poisson_rate_interval([26.0, 0.0], [2.0, 13.0])
    assert low[0] == pytest.approx(stats.chi2.ppf(0.025, 52) / 4)
    assert high[0] == pytest.approx(stats.chi2.ppf(0.975, 54) / 4)
    assert low[1] == 0 and high[1] == pytest.approx(-np.log(0.025) / 13)  # k = 0: upper = −ln(α/2)
    table = rate_intervals(frame([("A", 26, 2.0)]), pd.Index(["A"]))
    assert table.loc["A", ["base", "estimate"]].tolist() == [2.0, 13.0]


def test_intervals_are_clipped_to_the_kpis_range():
    obs = frame([("A", 5, 1), ("A", 5, 1), ("A", 4, 1)])
    table = intervals("mean", obs, pd.Index(["A"]), bounds=(1.0, 5.0))
    assert table.loc["A", "high"] == 5.0 and table.loc["A", "low"] >= 1.0


def test_five_thousand_people_by_twenty_kpis_take_well_under_two_seconds():
    rng = np.random.default_rng(0)
    people = np.repeat(np.array([f"AM{i:05d}" for i in range(5000)], dtype=object), 30)
    obs = frame({"am_id": people, "value": rng.random(len(people)) < 0.4, "weight": rng.lognormal(0, 1, len(people))})
    am_ids = pd.Index(np.unique(people))
    start = time.process_time()
    for kind in ("share", "ratio", "mean", "rate") * 5:
        intervals(kind, obs, am_ids)
    assert time.process_time() - start < 2.0


# --------------------------------------------------------------------------------------------
# Honest intervals: coverage by simulation (each draw is one person; the functions are vectorised)
# --------------------------------------------------------------------------------------------


def coverage(kind: str, n: int, draw, truth: float, seed: int = 17) -> float:
    """Share of :data:`DRAWS` people, each with ``n`` observations drawn by ``draw(rng, size)``
    (→ value, weight), whose 95 % interval holds ``truth``."""
    rng = np.random.default_rng(seed)
    value, weight = draw(rng, DRAWS * n)
    people = np.repeat(np.arange(DRAWS), n)
    table = intervals(kind, pd.DataFrame({"am_id": people, "value": value, "weight": weight}), pd.Index(range(DRAWS)))
    return float(((table["low"] <= truth) & (truth <= table["high"])).mean())


def zero_one(p):
    return lambda rng, size: ((rng.random(size) < p).astype(float), np.ones(size))


def won_value(p, spread):
    """Closed deals of lognormal value (log-sd ``spread``; the sample's deals: 0.95), each won with ``p``."""

    def draw(rng, size):
        value = rng.lognormal(10, spread, size)
        return value * (rng.random(size) < p), value

    return draw


def account_margins(rng, size):
    """Accounts of lognormal revenue (log-sd 1) whose GM % scatters around 7 % (sd 3 points)."""
    revenue = rng.lognormal(9, 1, size)
    return revenue * rng.normal(0.07, 0.03, size), revenue


CSAT_SCORES, CSAT_P = np.array([1, 2, 3, 4, 5.0]), np.array([0.05, 0.1, 0.2, 0.35, 0.3])
NPS_VALUES, NPS_P = np.array([100.0, 0.0, -100.0]), np.array([0.45, 0.35, 0.2])
CASES = {
    # kind, n, draw, truth: the sizes docs/kpis.md states, realistic for a quarter
    "win rate (count), 25 closed deals, 35 % won": ("share", 25, zero_one(0.35), 0.35),
    "retention, 24 accounts, 85 % kept": ("share", 24, zero_one(0.85), 0.85),
    "win rate (value), 25 closed deals as unequal as the sample's": ("weighted_share", 25, won_value(0.35, 0.95), 0.35),
    "win rate (value), 5 closed deals as unequal as the sample's": ("weighted_share", 5, won_value(0.35, 0.95), 0.35),
    "ratio over 80 deals of moderately unequal value": ("ratio", 80, won_value(0.35, 0.5), 0.35),
    "CSAT, 20 responses": (
        "mean",
        20,
        lambda rng, size: (rng.choice(CSAT_SCORES, size, p=CSAT_P), np.ones(size)),
        float(CSAT_SCORES @ CSAT_P),
    ),
    "NPS, 30 responses": (
        "mean",
        30,
        lambda rng, size: (rng.choice(NPS_VALUES, size, p=NPS_P), np.ones(size)),
        float(NPS_VALUES @ NPS_P),
    ),
    "activities per week, 13 weeks at 15 a week": (
        "rate",
        1,
        lambda rng, size: (rng.poisson(15 * 13, size).astype(float), np.full(size, 13.0)),
        15.0,
    ),
}
LIMITS = {
    # where the interval is not honest at 95 %: the coverage measured, which docs/kpis.md states
    "win rate (count), 10 closed deals, 30 % won": ("share", 10, zero_one(0.30), 0.30),
    "reports on time, 17 reports due, 90 % on time": ("share", 17, zero_one(0.90), 0.90),
    "a ratio over 25 deals as unequal as the sample's": ("ratio", 25, won_value(0.35, 0.95), 0.35),
    "GM %, 30 accounts of unequal size": ("ratio", 30, account_margins, 0.07),
    "days late, 10 reports, skewed (exponential) delays": (
        "mean",
        10,
        lambda rng, size: (rng.exponential(3.0, size), np.ones(size)),
        3.0,
    ),
    "errors per report, 17 reports at 0.2 errors each": (
        "rate",
        17,
        lambda rng, size: (rng.poisson(0.2, size).astype(float), np.ones(size)),
        0.2,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_interval_covers_the_truth_at_its_stated_level(case):
    kind, n, draw, truth = CASES[case]
    assert LEVEL == 0.95
    assert 0.93 <= coverage(kind, n, draw, truth) <= 0.97, case


@pytest.mark.parametrize("case", list(LIMITS))
def test_the_documented_limits_are_what_simulation_measures(case):
    kind, n, draw, truth = LIMITS[case]
    measured = coverage(kind, n, draw, truth)
    assert case in COVERAGE, f"docs/kpis.md must state the coverage of: {case}"
    assert not 0.93 <= measured <= 0.97, f"{case}: {measured:.3f} is honest; no limit to document"
    assert measured == pytest.approx(COVERAGE[case], abs=0.015), (case, measured)
    # and the docs say it, across seeds: the stated figure is no lucky draw
    assert np.mean([coverage(kind, n, draw, truth, seed) for seed in (1, 2, 3)]) == pytest.approx(
        COVERAGE[case], abs=0.02
    )
