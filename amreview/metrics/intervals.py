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


def _per_person(columns: dict[str, np.ndarray], codes: np.ndarray, people: int, how: str = "sum") -> np.ndarray:
    """``columns`` (one value per observation) reduced per person by one ``groupby`` (``how``:
    ``"sum"`` or ``"std"``): a people × column array in the order of ``am_ids``, whose positions
    ``codes`` gives (-1: not one of them); NaN rows for people without observations."""
    frame = pd.DataFrame(columns)
    kept = codes >= 0
    if not kept.all():
        frame, codes = frame[kept], codes[kept]
    grouped = getattr(frame.groupby(codes, sort=False), how)()
    table = np.full((people, len(columns)), np.nan)
    table[grouped.index.to_numpy()] = grouped.to_numpy(dtype="float64")
    return table


def _sums(observations: pd.DataFrame, am_ids: pd.Index) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per person of ``am_ids``: ``n`` (rows), ``y = Σ value``, ``x = Σ weight`` (NaN for people
    without observations), and each observation's person's position (-1: not one of them)."""
    codes = am_ids.get_indexer(observations["am_id"].to_numpy())
    value = observations["value"].to_numpy(dtype="float64")
    weight = observations["weight"].to_numpy(dtype="float64") if "weight" in observations.columns else 1.0
    sums = _per_person({"n": np.ones(len(value)), "y": value, "x": weight * np.ones(len(value))}, codes, len(am_ids))
    return sums[:, 0], sums[:, 1], sums[:, 2], codes


def _positive(values: np.ndarray) -> np.ndarray:
    """``values`` where > 0, else NaN."""
    return np.where(values > 0, values, np.nan)


def _filled(values: np.ndarray) -> np.ndarray:
    """``values`` with 0 for NaN."""
    return np.where(np.isnan(values), 0.0, values)


def share_intervals(observations: pd.DataFrame, am_ids: pd.Index, level: float = LEVEL) -> pd.DataFrame:
    """:data:`INTERVAL_COLUMNS` per person of 0/1 observations: base n, successes k, k/n, Wilson."""
    n, y, _, _ = _sums(observations, am_ids)
    low, high = wilson_interval(_filled(y), _filled(n), level)
    return _frame(am_ids, n, y, y / n, low, high)


def weighted_share_intervals(observations: pd.DataFrame, am_ids: pd.Index, level: float = LEVEL) -> pd.DataFrame:
    """:data:`INTERVAL_COLUMNS` per person of weighted 0/1 observations (``value`` = ``weight`` or
    0): base n, ``p = Σ value / Σ weight`` and the Wilson interval of ``p`` on Kish's effective
    ``n_eff = (Σ weight)² / Σ weight²`` observations (NaN where Σ weight ≤ 0)."""
    n, y, x, codes = _sums(observations, am_ids)
    weight = observations["weight"].to_numpy(dtype="float64")
    squares = _per_person({"squares": weight * weight}, codes, len(am_ids))[:, 0]
    total = _positive(x)
    share = y / total
    effective = _filled(total * total / _positive(squares))
    low, high = wilson_interval(_filled(share * effective), effective, level)
    return _frame(am_ids, n, np.nan, share, low, high)


def mean_intervals(observations: pd.DataFrame, am_ids: pd.Index, level: float = LEVEL) -> pd.DataFrame:
    """:data:`INTERVAL_COLUMNS` per person: base n, the mean, its t interval (sample sd, n − 1)."""
    n, y, _, codes = _sums(observations, am_ids)
    mean = y / n
    sd = _per_person({"value": observations["value"].to_numpy(dtype="float64")}, codes, len(am_ids), "std")[:, 0]
    low, high = t_interval(mean, sd, n, level)
    return _frame(am_ids, n, np.nan, mean, low, high)


def ratio_intervals(observations: pd.DataFrame, am_ids: pd.Index, level: float = LEVEL) -> pd.DataFrame:
    """:data:`INTERVAL_COLUMNS` per person of clusters (``value`` y, ``weight`` x): base n,
    ``r = Σy/Σx`` (NaN where Σx ≤ 0) and its linearised interval (module docstring)."""
    n, y, x, codes = _sums(observations, am_ids)
    x_total = _positive(x)
    ratio = y / x_total
    r_of_row = np.where(codes >= 0, ratio[codes], np.nan)
    residual = observations["value"].to_numpy(dtype="float64") - r_of_row * observations["weight"].to_numpy(
        dtype="float64"
    )
    squares = _per_person({"squares": residual * residual}, codes, len(am_ids))[:, 0]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):  # an absurd amount: inf, as pandas gave
        se = np.sqrt(n / (n - 1) * squares / (x_total * x_total))
    low, high = t_interval(ratio, se * np.sqrt(n), n, level)
    return _frame(am_ids, n, np.nan, ratio, low, high)


def rate_intervals(observations: pd.DataFrame, am_ids: pd.Index, level: float = LEVEL) -> pd.DataFrame:
    """:data:`INTERVAL_COLUMNS` per person of counts (``value``) over exposure (``weight``):
    base = exposure, ``Σ value / exposure`` (NaN where exposure ≤ 0) and its Garwood interval."""
    _, y, x, _ = _sums(observations, am_ids)
    exposure = _positive(x)
    low, high = poisson_rate_interval(y, exposure, level)
    return _frame(am_ids, x, np.nan, y / exposure, low, high)


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
    docstring), the interval clipped to ``bounds`` (the KPI's natural range). Without any
    observation, every column is empty (NaN) for everyone."""
    if observations.empty:
        return _frame(am_ids, np.nan, np.nan, np.nan, np.nan, np.nan)
    table = INTERVALS[kind](observations, am_ids, level)
    if np.isfinite(bounds).any():
        for end in ("low", "high"):
            table[end] = np.clip(table[end].to_numpy(), bounds[0], bounds[1])
    return table


def _frame(am_ids, base, successes, estimate, low, high) -> pd.DataFrame:
    columns = dict(zip(INTERVAL_COLUMNS, (base, successes, estimate, low, high)))
    return pd.DataFrame(
        {k: np.asarray(v, dtype="float64") * np.ones(len(am_ids)) for k, v in columns.items()}, index=am_ids
    )
