"""Bases and intervals: how many observations a rate or mean KPI rests on, and the range of values
its person's underlying propensity plausibly has, at :data:`LEVEL` (95 %).

Every function here is pure and vectorised over people: the observations of everyone (one frame,
``am_id``, ``value`` and, for ratios and rates, ``weight``: see
:class:`amreview.metrics.registry.Evidence`) are summed per person by one ``groupby``, and the
interval of each person comes from the same array arithmetic, so 5,000 people cost no more than a
few array operations.

One interval per kind of evidence, each the textbook one, computed with scipy/statsmodels:

* ``share`` (the mean of 0/1 observations): **Wilson** score interval
  (statsmodels ``proportion_confint(k, n, method="wilson")``), good down to a handful of
  observations and never outside [0, 1];
* ``weighted_share`` (a share whose observations weigh what they are worth, e.g. won value over
  closed value, deal by deal): **Wilson** on Kish's effective number of observations
  ``n_eff = (Σ x)² / Σ x²`` — a few big deals among small ones count as fewer observations;
* ``ratio`` (``Σ y / Σ x`` over clusters, e.g. margin over revenue, account by account): **linearised**
  (delta-method) interval ``r ± t(n−1) · √(n/(n−1) · Σ (yᵢ − r·xᵢ)² / (Σ x)²)``;
* ``mean``: **t** interval ``x̄ ± t(n−1) · s/√n``; none from one observation;
* ``rate`` (``Σ events / exposure``): **exact Poisson** (Garwood) interval
  ``[χ²(α/2; 2k)/2, χ²(1−α/2; 2k+2)/2] / exposure`` (scipy ``chi2``), 0 as its low end when k = 0.

The *base* is the number of observations (deals, reports, accounts …); for a rate it is the
exposure (``Σ weight``, e.g. working weeks), since someone in role for a whole quarter who logged
nothing was observed, not missing. Intervals are clipped to the KPI's natural range
(``Evidence.bounds``). NaN where there is no interval: no observations, one observation of a mean
or ratio, a ratio whose ``Σ x ≤ 0``.

What is estimated is *this person's* propensity (the rate their deals, reports, customers … would
show over many quarters like this one), not the population's; the observations are taken as
independent, which deals of one customer or weeks of one person may not be (docs/kpis.md says so).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

LEVEL = 0.95  # the level of every interval amreview gives
INTERVAL_COLUMNS = ["base", "successes", "estimate", "low", "high"]


def wilson_interval(successes, trials, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of ``successes`` out of ``trials`` (arrays); NaN where trials = 0.

    With ``p = k/n`` and ``z`` the normal quantile of ``1 − α/2``:
    ``(p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n)``.
    """
    k = np.asarray(successes, dtype="float64")
    n = np.asarray(trials, dtype="float64")
    some = n > 0
    low, high = np.full(n.shape, np.nan), np.full(n.shape, np.nan)
    if some.any():
        low[some], high[some] = proportion_confint(k[some], n[some], alpha=1 - level, method="wilson")
    low[some & (k <= 0)], high[some & (k >= n)] = 0.0, 1.0  # exact where the formula rounds (5e-17)
    return low, high


def t_interval(mean, sd, n, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """``mean ± t(n−1; 1−α/2) · sd/√n`` (arrays); NaN where n < 2."""
    mean, sd, n = (np.asarray(a, dtype="float64") for a in (mean, sd, n))
    with np.errstate(invalid="ignore", divide="ignore"):
        half = stats.t.ppf(0.5 + level / 2, np.where(n >= 2, n - 1, np.nan)) * sd / np.sqrt(n)
    return mean - half, mean + half


def poisson_rate_interval(events, exposure, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) interval of ``events / exposure`` (arrays): ``[χ²(α/2; 2k)/2,
    χ²(1−α/2; 2k+2)/2] / exposure``; the low end is 0 when k = 0; NaN where exposure ≤ 0."""
    k = np.asarray(events, dtype="float64")
    exposure = np.asarray(exposure, dtype="float64")
    alpha = 1 - level
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(k > 0, stats.chi2.ppf(alpha / 2, 2 * k) / 2, 0.0)
        high = stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
        per = np.where(exposure > 0, exposure, np.nan)
    return low / per, high / per


def _sums(observations: pd.DataFrame, am_ids: pd.Index) -> pd.DataFrame:
    """Per person: ``n`` (rows), ``y = Σ value``, ``x = Σ weight``; NaN rows for people without
    observations."""
    frame = pd.DataFrame({"n": 1.0, "y": observations["value"].astype("float64")}, index=observations.index)
    frame["x"] = observations["weight"].astype("float64") if "weight" in observations.columns else 1.0
    return frame.groupby(observations["am_id"].to_numpy(), sort=False).sum().reindex(am_ids)


def share_intervals(observations: pd.DataFrame, am_ids: pd.Index, level: float = LEVEL) -> pd.DataFrame:
    """:data:`INTERVAL_COLUMNS` per person of 0/1 observations: base n, successes k, k/n, Wilson."""
    sums = _sums(observations, am_ids)
    low, high = wilson_interval(sums["y"].fillna(0), sums["n"].fillna(0), level)
    return _frame(am_ids, sums["n"], sums["y"], sums["y"] / sums["n"], low, high)


def weighted_share_intervals(observations: pd.DataFrame, am_ids: pd.Index, level: float = LEVEL) -> pd.DataFrame:
    """:data:`INTERVAL_COLUMNS` per person of weighted 0/1 observations (``value`` = ``weight`` or
    0): base n, ``p = Σ value / Σ weight`` and the Wilson interval of ``p`` on Kish's effective
    ``n_eff = (Σ weight)² / Σ weight²`` observations (NaN where Σ weight ≤ 0)."""
    sums = _sums(observations, am_ids)
    weight = observations["weight"].astype("float64")
    squares = (weight * weight).groupby(observations["am_id"].to_numpy(), sort=False).sum().reindex(am_ids)
    total = sums["x"].where(sums["x"] > 0)
    share = sums["y"] / total
    effective = (total * total / squares.where(squares > 0)).fillna(0)
    low, high = wilson_interval((share * effective).fillna(0), effective, level)
    return _frame(am_ids, sums["n"], np.nan, share, low, high)


def mean_intervals(observations: pd.DataFrame, am_ids: pd.Index, level: float = LEVEL) -> pd.DataFrame:
    """:data:`INTERVAL_COLUMNS` per person: base n, the mean, its t interval (sample sd, n − 1)."""
    sums = _sums(observations, am_ids)
    n, mean = sums["n"], sums["y"] / sums["n"]
    sd = observations["value"].astype("float64").groupby(observations["am_id"].to_numpy(), sort=False).std()
    low, high = t_interval(mean, sd.reindex(am_ids), n, level)
    return _frame(am_ids, n, np.nan, mean, low, high)


def ratio_intervals(observations: pd.DataFrame, am_ids: pd.Index, level: float = LEVEL) -> pd.DataFrame:
    """:data:`INTERVAL_COLUMNS` per person of clusters (``value`` y, ``weight`` x): base n,
    ``r = Σy/Σx`` (NaN where Σx ≤ 0) and its linearised interval (module docstring)."""
    sums = _sums(observations, am_ids)
    x_total = sums["x"].where(sums["x"] > 0)
    ratio = sums["y"] / x_total
    r_of_row = ratio.reindex(observations["am_id"].to_numpy()).to_numpy()
    residual = observations["value"].to_numpy(dtype="float64") - r_of_row * observations["weight"].to_numpy(
        dtype="float64"
    )
    squares = pd.Series(residual * residual).groupby(observations["am_id"].to_numpy(), sort=False).sum()
    n = sums["n"]
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(n / (n - 1) * squares.reindex(am_ids).to_numpy() / (x_total * x_total))
    low, high = t_interval(ratio, se * np.sqrt(n), n, level)
    return _frame(am_ids, n, np.nan, ratio, low, high)


def rate_intervals(observations: pd.DataFrame, am_ids: pd.Index, level: float = LEVEL) -> pd.DataFrame:
    """:data:`INTERVAL_COLUMNS` per person of counts (``value``) over exposure (``weight``):
    base = exposure, ``Σ value / exposure`` (NaN where exposure ≤ 0) and its Garwood interval."""
    sums = _sums(observations, am_ids)
    exposure = sums["x"].where(sums["x"] > 0)
    low, high = poisson_rate_interval(sums["y"], exposure, level)
    return _frame(am_ids, sums["x"], np.nan, sums["y"] / exposure, low, high)


# Each kind's interval, named for people (the scorecard's columns, docs/kpis.md).
INTERVAL_NAMES = {
    "share": "Wilson interval of a share",
    "weighted_share": "Wilson interval on the effective number of observations",
    "ratio": "linearised interval of a ratio over its clusters",
    "mean": "t interval of a mean",
    "rate": "exact Poisson interval of a rate",
}
INTERVALS = {
    "share": share_intervals,
    "weighted_share": weighted_share_intervals,
    "ratio": ratio_intervals,
    "mean": mean_intervals,
    "rate": rate_intervals,
}


def intervals(
    kind: str, observations: pd.DataFrame, am_ids: pd.Index, bounds=(-np.inf, np.inf), level: float = LEVEL
) -> pd.DataFrame:
    """:data:`INTERVAL_COLUMNS` per person of ``am_ids`` for evidence of ``kind`` (module
    docstring), the interval clipped to ``bounds`` (the KPI's natural range)."""
    table = INTERVALS[kind](observations, am_ids, level)
    table[["low", "high"]] = table[["low", "high"]].clip(lower=bounds[0], upper=bounds[1])
    return table


def _frame(am_ids, base, successes, estimate, low, high) -> pd.DataFrame:
    columns = dict(zip(INTERVAL_COLUMNS, (base, successes, estimate, low, high)))
    frame = pd.DataFrame({k: np.asarray(v, dtype="float64") * np.ones(len(am_ids)) for k, v in columns.items()})
    return frame.set_axis(am_ids, axis=0)
