"""Rater effects: how far the ratings people give sit from what the figures say about the same people.

Three questions, each per sales manager (the ``account_managers.manager`` of the people they rate),
each with an interval:

* **Competency offset** (:func:`competency_offsets`): does a manager rate their people's
  competencies higher or lower than managers on average rate people whose figures are as good?
  The model, fitted by ordinary least squares over the people with both a manager rating and an
  overall score (in its within form, :func:`_manager_fit`)::

      manager_rating_i = slope × (overall_score_i − mean overall score) + level_m(i) + error_i

  where ``manager_rating`` is the mean of the manager's competency ratings (1–5) of person *i*
  in the quarter, ``overall_score`` the scorecard's overall score (from the figures alone: the
  default scorecard scores no competency), and ``level_m`` one level per manager. A manager's
  **offset** = level_m − the mean of the levels of the managers compared: how many rating points
  their ratings sit above (+) or below (−) the average manager's for people with the same overall
  score. Why this model: one row per person (the mean over the competencies) keeps people
  independent, so the ordinary OLS interval holds — rows per competency would need errors
  clustered by person, unreliable with a dozen people; the slope is pooled over everyone, so a
  manager whose team is strong is not mistaken for a lenient one; and only offsets *between*
  managers can be measured (nothing says which competency rating a given overall score deserves).
  Assumptions: the ratings rise in a straight line with the overall score, alike for every
  manager; the errors are independent with one spread for all. A person's **contradiction**
  (:func:`competency_contradictions`): their externally studentised residual in this model is
  beyond what the familywise level allows over everyone compared (Bonferroni over the people
  compared: the figures of statsmodels' ``outlier_test(method="bonf")``).
* **Agreed against computed** (:func:`agreed_offsets`): the mean band change (agreed − computed
  rating, in bands, :func:`amreview.scoring.calibration.band_change`) over a manager's people with
  both ratings, from ``band_change_i = level_m(i) + error_i`` (OLS, the spread pooled over every
  manager compared): here zero is meaningful (agreed as computed), so the offset is the level.
* **Self against manager** (:func:`person_gaps`, :func:`team_gaps`): a person's gap = the mean over
  the competencies both rated of (self − manager), with a t interval over those competencies
  (``t(k − 1)``, *k* competencies); a team's gap = the mean of its people's gaps, with a t
  interval over its people (``t(n − 1)``).

**The rule for flags, one for every question**: a manager is compared when at least
:data:`MIN_PEOPLE` of their people have the figures the question needs. Their offset's interval is
Bonferroni-corrected across the managers compared: each is a ``1 − (1 − LEVEL) / M`` interval (M
managers compared), so that, when no manager has any effect, all M intervals hold zero together at
least :data:`LEVEL` of the time. A manager is :data:`LENIENT` when their interval lies wholly above
zero and :data:`SEVERE` when wholly below; nobody is flagged otherwise. The documents state this
rule (:func:`flag_rule`) where they apply it.

Pure functions of frames, vectorised over people and managers (one fit per question, no loop per
person); nothing is formatted here, and no input is modified.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.multitest import multipletests

from amreview.formats import pct

LEVEL = 0.95  # the familywise level of the managers' intervals (and of the contradictions)
MIN_PEOPLE = 3  # a manager is compared over at least this many people
LENIENT, SEVERE = "lenient", "severe"
OFFSET_COLUMNS = ["people", "offset", "offset_low", "offset_high", "flag"]
GAP_COLUMNS = ["gap", "gap_low", "gap_high", "gap_count"]


def flag_rule(level: float = LEVEL, min_people: int = MIN_PEOPLE) -> str:
    """The flag rule (module docstring), in words, for the page that applies it."""
    return (
        f"A manager is compared when at least {min_people} of their people have the figures needed. Each "
        f"interval is widened for the number of managers compared, so that when no manager leans either way all "
        f"of them hold zero together {pct(level, 0)} of the time; a manager is flagged lenient when their interval "
        f"lies wholly above zero and severe when it lies wholly below."
    )


def leaning_flags(low: pd.Series, high: pd.Series) -> pd.Series:
    """:data:`LENIENT` where ``low`` > 0, :data:`SEVERE` where ``high`` < 0, else ``""`` (NaN: ``""``)."""
    return pd.Series(np.where(low > 0, LENIENT, np.where(high < 0, SEVERE, "")), index=low.index, dtype=object)


def _manager_fit(
    y: pd.Series, managers: pd.Series, covariate: pd.Series | None, level: float, min_people: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit ``y = level_m [+ slope × centred covariate] + error`` (OLS) over the rows of ``y`` with
    a value (and covariate) whose manager has at least ``min_people`` such rows.

    Per manager of ``managers`` (sorted): ``people`` (rows with the figures), ``offset``
    (level_m − the mean level with a covariate, else level_m), its Bonferroni-corrected interval
    and ``flag`` (module docstring). Per row used: ``expected`` (fitted value),
    ``studentised_residual`` (externally studentised) and ``p_bonferroni`` (its two-sided
    p-value × the rows used, at most 1); empty when nothing can be fitted.

    The fit is the within (fixed-effects) form of the OLS with one column per manager, the same
    figures without the n × M design (5,000 people under 500 managers, measured on a loaded machine: 20 s, and
    over two minutes for the outlier test, as a dense statsmodels OLS; here 0.06 s); ``tests/test_rater_effects.py``
    checks it against statsmodels' OLS with dummies and its ``outlier_test``. With ``n_m`` people
    of manager m, ȳ_m and x̄_m their means, x centred on everyone's mean::

        slope = Σ (x − x̄_m)(y − ȳ_m) / Σ (x − x̄_m)²      (statsmodels OLS of the within deviations)
        level_m = ȳ_m − slope × x̄_m
        s² = Σ residual² / (n − M − 1)                   (n − M without a covariate)
        var(c · level) = s² (Σ_k c_k² / n_k + (c · x̄)² / Σ (x − x̄_m)²)
        leverage_i = 1 / n_m + (x_i − x̄_m)² / Σ (x − x̄_m)²

    with ``c`` = e_m − 1/M (relative to the mean level) or e_m (absolute).
    """
    frame = pd.DataFrame({"y": y, "manager": managers.reindex(y.index)})
    if covariate is not None:
        frame["x"] = covariate.reindex(y.index)
    frame = frame.dropna()
    frame = frame.assign(manager=frame["manager"].astype(str))
    counts = frame.groupby("manager").size()
    compared = sorted(counts.index[counts >= min_people])
    names = sorted({str(m) for m in managers.dropna()})
    table = pd.DataFrame(index=pd.Index(names, name="manager"))
    table["people"] = counts.reindex(names, fill_value=0).astype("int64")
    for column in ("offset", "offset_low", "offset_high"):
        table[column] = np.nan
    table["flag"] = ""
    rows = pd.DataFrame(columns=["expected", "studentised_residual", "p_bonferroni"], dtype="float64")
    used = frame[frame["manager"].isin(compared)]
    slopes = 1 if covariate is not None else 0
    n, m = len(used), len(compared)
    if m == 0 or n - m - slopes < 2 or (covariate is not None and m < 2):
        return table, rows
    sizes = counts.reindex(compared).to_numpy(dtype="float64")
    y_mean = used.groupby("manager")["y"].mean().reindex(compared)
    within_y = used["y"] - used["manager"].map(y_mean)
    if covariate is not None:
        x = used["x"] - used["x"].mean()
        x_mean = x.groupby(used["manager"]).mean().reindex(compared)
        within_x = x - used["manager"].map(x_mean)
        sxx = float((within_x**2).sum())
        if sxx <= 0:
            return table, rows
        slope = float(sm.OLS(within_y.to_numpy(), within_x.to_numpy()).fit().params[0])
        leverage = 1 / used["manager"].map(counts).to_numpy() + within_x.to_numpy() ** 2 / sxx
    else:
        x, x_mean, within_x, sxx, slope = 0.0, y_mean * 0.0, within_y * 0.0, np.inf, 0.0
        leverage = 1 / used["manager"].map(counts).to_numpy()
    residual = (within_y - slope * within_x).to_numpy()
    df = n - m - slopes
    s2 = float((residual**2).sum()) / df
    levels = (y_mean - slope * x_mean).to_numpy()
    if covariate is not None:  # relative to the mean level: c = e_m − 1/M
        offsets = levels - levels.mean()
        spread = (1 - 2 / m) / sizes + (1 / sizes).sum() / m**2 + (x_mean - x_mean.mean()).to_numpy() ** 2 / sxx
    else:
        offsets, spread = levels, 1 / sizes
    half = stats.t.ppf(1 - (1 - level) / m / 2, df) * np.sqrt(s2 * spread)
    table.loc[compared, "offset"] = offsets
    table.loc[compared, "offset_low"] = offsets - half
    table.loc[compared, "offset_high"] = offsets + half
    table["flag"] = leaning_flags(table["offset_low"], table["offset_high"])
    expected = used["manager"].map(pd.Series(levels, index=compared)) + slope * x
    return table, _row_diagnostics(expected, residual, leverage, s2, df)


def _row_diagnostics(
    expected: pd.Series, residual: np.ndarray, leverage: np.ndarray, s2: float, df: int
) -> pd.DataFrame:
    """Per row of a :func:`_manager_fit`: ``expected``, the externally studentised residual
    ``e_i / √(s²_(i) (1 − h_i))`` with ``s²_(i) = (s² df − e_i² / (1 − h_i)) / (df − 1)`` (the
    spread without row i), and its two-sided t(df − 1) p-value, Bonferroni-corrected over the rows."""
    deleted = (s2 * df - residual**2 / (1 - leverage)) / (df - 1)
    with np.errstate(divide="ignore", invalid="ignore"):  # no spread without row i: ±inf, or NaN on the line
        studentised = residual / np.sqrt(deleted * (1 - leverage))
    p_value = multipletests(2 * stats.t.sf(np.abs(studentised), df - 1), method="bonferroni")[1]
    return pd.DataFrame(
        {"expected": expected.to_numpy(), "studentised_residual": studentised, "p_bonferroni": p_value},
        index=expected.index,
    )


def competency_offsets(
    manager_rating: pd.Series,
    overall_score: pd.Series,
    managers: pd.Series,
    level: float = LEVEL,
    min_people: int = MIN_PEOPLE,
) -> pd.DataFrame:
    """Per manager (sorted): :data:`OFFSET_COLUMNS` — ``people`` with both a manager rating and
    an overall score, the **competency offset** (module docstring: rating points above the average
    manager's for the same overall score) with its interval, and ``flag`` (:func:`flag_rule`).
    The three series share one index (people); NaN offsets where a manager is not compared."""
    table, _ = _manager_fit(manager_rating, managers, overall_score, level, min_people)
    return table[OFFSET_COLUMNS]


def competency_contradictions(
    manager_rating: pd.Series,
    overall_score: pd.Series,
    managers: pd.Series,
    level: float = LEVEL,
    min_people: int = MIN_PEOPLE,
) -> pd.DataFrame:
    """The people whose manager rating sits far from the figures' view (module docstring): the
    rows (index of the inputs) whose externally studentised residual in the competency-offset
    model has a Bonferroni p-value over everyone compared below ``1 − level``. Columns
    ``manager``, ``manager_rating``, ``overall_score``, ``expected_rating`` (the model's fitted
    value: the rating the line gives for their overall score, plus their manager's own level)
    and ``studentised_residual``."""
    _, rows = _manager_fit(manager_rating, managers, overall_score, level, min_people)
    far = rows.index[(rows["p_bonferroni"] < 1 - level).to_numpy()]
    return pd.DataFrame(
        {
            "manager": managers.reindex(far).astype(str),
            "manager_rating": manager_rating.reindex(far).astype("float64"),
            "overall_score": overall_score.reindex(far).astype("float64"),
            "expected_rating": rows.loc[far, "expected"].astype("float64"),
            "studentised_residual": rows.loc[far, "studentised_residual"].astype("float64"),
        },
        index=far,
    )


def agreed_offsets(
    band_changes: pd.Series, managers: pd.Series, level: float = LEVEL, min_people: int = MIN_PEOPLE
) -> pd.DataFrame:
    """Per manager (sorted): :data:`OFFSET_COLUMNS` — ``people`` with both an agreed and a
    computed rating, ``offset`` their mean band change (agreed − computed, in bands) with its
    interval (module docstring: the spread pooled over the managers compared) and ``flag``."""
    table, _ = _manager_fit(band_changes, managers, None, level, min_people)
    return table[OFFSET_COLUMNS]


def t_intervals(mean: pd.Series, sd: pd.Series, count: pd.Series, level: float = LEVEL) -> pd.DataFrame:
    """``mean ± t(level, count − 1) × sd / √count`` row by row: columns ``low``, ``high`` (NaN where
    ``count`` < 2)."""
    n = count.astype("float64").where(count >= 2)
    half = stats.t.ppf(0.5 + level / 2, n - 1) * sd / np.sqrt(n)
    return pd.DataFrame({"low": mean - half, "high": mean + half}, index=mean.index)


def person_gaps(by_rater: pd.DataFrame, level: float = LEVEL) -> pd.DataFrame:
    """Per ``am_id`` of a :func:`amreview.metrics.competencies.competency_ratings_by_rater` table
    (sorted): :data:`GAP_COLUMNS` — ``gap`` = mean over the competencies both rated of (self −
    manager), its t interval over those competencies (module docstring) and ``gap_count`` (how
    many; NaN gap where none, NaN bounds where fewer than two)."""
    gaps = by_rater.groupby("am_id", sort=True)["self_manager_gap"]
    return _gap_table(gaps.mean(), gaps.std(), gaps.count(), level)


def team_gaps(gap: pd.Series, teams: pd.Series, level: float = LEVEL) -> pd.DataFrame:
    """Per team (``teams``: the team — or manager — of each person of ``gap``, same index; sorted):
    :data:`GAP_COLUMNS` — the mean of the people's gaps, its t interval over people (module
    docstring) and ``gap_count`` (people with a gap)."""
    frame = pd.DataFrame({"gap": gap, "team": teams.reindex(gap.index)}).dropna(subset=["team"])
    grouped = frame.groupby(frame["team"].astype(str), sort=True)["gap"]
    table = _gap_table(grouped.mean(), grouped.std(), grouped.count(), level)
    table.index.name = "team"
    return table


def _gap_table(mean: pd.Series, sd: pd.Series, count: pd.Series, level: float) -> pd.DataFrame:
    bounds = t_intervals(mean, sd, count, level)
    return pd.DataFrame(
        {"gap": mean, "gap_low": bounds["low"], "gap_high": bounds["high"], "gap_count": count.astype("int64")}
    )


RATER_EFFECTS_DOC = f"""## Rater effects (the organisation calibration page)

Ratings given by people — each manager's competency ratings of their direct reports, and the rating
agreed at each review — are compared with what the figures say about the same people, per manager
(the `account_managers.manager` of the people they rate). The organisation calibration page shows
these; each manager's team overview shows their own team's self-versus-manager gap.

- **Agreed against computed.** A person's band change = agreed rating − computed rating, counted in
  rating bands (one band up is +1). Per manager: the mean band change over their people with both
  ratings, with an interval. The interval pools the spread of the changes over all the managers
  compared (a manager with four people says little about the spread by themself).
- **Competency ratings against the figures.** A person's competency rating is the mean of their
  manager's ratings (1 to 5) of the five competencies in the quarter; their overall score comes from
  the figures alone. A straight line through everyone (ordinary least squares, one level per
  manager, one slope for all) gives the rating the average manager gives for each overall score. A
  manager's **offset** is how far their ratings sit above (+) or below (−) that line, in rating
  points, for people with the same overall score, with an interval. Only managers can be compared
  with one another: nothing in the data says which competency rating a given score deserves, so
  the offsets add up to zero across the managers compared.
- **Self against manager.** A person's gap = the mean, over the competencies both rated, of their
  own rating minus their manager's (above zero: they rate themselves higher), with a t interval
  over those competencies; a team's gap = the mean of its people's gaps, with a t interval over
  its people.
- **Flags: one rule.** A manager is compared when at least {MIN_PEOPLE} of their people have the figures
  the comparison needs. Each manager's interval is widened for the number of managers compared
  (Bonferroni: each is a 1 − {1 - LEVEL:g}/M interval for M managers), so that when no manager leans
  either way, all the intervals hold zero together at least {LEVEL * 100:.0f} % of the time. A manager is
  flagged **lenient** when their interval lies wholly above zero and **severe** when it lies wholly
  below. By simulation (tests/test_rater_effects.py), rounds with no effect flag somebody in about
  4 % of them; a planted half-band leniency is flagged about three times in four with four people
  per manager.
- **Ratings that contradict the data**, listed under their manager without naming the person: an
  agreed rating more than one band from the computed one, and a person whose manager's competency
  rating sits further from the line than the spread of everyone else's allows, even after
  allowing for having looked at everyone (the studentised residual's Bonferroni p-value below
  {1 - LEVEL:g}).

Assumptions and limits: with a handful of people per manager the intervals are wide, and a real
but modest leniency often goes unflagged: no flag is not proof of fairness. The competency model
assumes ratings rise in a straight line with the overall score, alike for every manager, with
independent errors of one spread; if a company's scorecard scores the manager's competency rating
itself, the overall score is no longer the figures alone and the comparison is partly circular.
Territory, team mix and anything else the overall score does not capture can look like a rater
effect. Agreed ratings exist only once reviews are held: early in a round few people are compared.
The gap interval treats the five competencies' gaps as independent, which they are not quite.
"""
