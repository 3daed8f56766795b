"""A sales manager's team: their direct reports' scorecards side by side, the team's totals
against its targets, the spread of ratings, and who needs attention.

Pure functions of a :class:`~amreview.scoring.scorecard.Scorecard`: numbers in, frames out, nothing
formatted or drawn here (see :mod:`amreview.documents.team_render` and :mod:`amreview.documents.team_plots`).

* A manager's *team* is every account manager on the scorecard — in role in the quarter —
  whose ``account_managers.manager`` equals the manager's name (exactly, as the pack spells it).
* Every frame lists the team in *team order*: overall score from the highest down, people
  without an overall score last, ties by ``am_id``.
* Team views name the team's members: they are read by the members' manager. Individual
  reviews never show them.
* Calibration (:func:`team_calibration`): each member's computed rating beside the one agreed at
  their review, the change in rating bands and its flags (:mod:`amreview.scoring.calibration`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from amreview.errors import ParameterError
from amreview.metrics.registry import ALL_MEASURES
from amreview.scoring.bands import NOTHING_TO_SCORE
from amreview.scoring.calibration import rating_changes
from amreview.scoring.outcomes import DRAFT
from amreview.scoring.scorecard import Scorecard

# The figures a manager scans first, beside the scores: scorecard columns (core or KPI values).
HEADLINE_KPIS = (
    "revenue",
    "revenue_attainment",
    "gross_margin",
    "gross_margin_attainment",
    "gm_pct",
    "new_accounts",
    "new_accounts_attainment",
)
# Measures whose team total is compared with the sum of the members' targets.
TOTAL_MEASURES = ("revenue", "gross_margin", "new_accounts")
NO_RATING = "no rating"
ATTENTION_BELOW_RATING = "Meets"  # a rating below this one needs attention (when the config has it)
ATTENTION_LOW_SCORE = 2.0  # so does any measure score at or below this


def managers(card: Scorecard) -> list[str]:
    """The managers of the people on the scorecard, sorted by name."""
    return sorted(card.people["manager"].dropna().astype(str).unique())


def direct_reports(card: Scorecard, manager: str) -> pd.Index:
    """``am_id`` of everyone on the scorecard who reports to ``manager``, in team order.

    Raises :class:`ParameterError` naming the scorecard's managers when nobody does.
    """
    mine = card.people.index[card.people["manager"].astype(str) == str(manager)]
    if len(mine) == 0:
        known = ", ".join(repr(m) for m in managers(card)) or "none"
        raise ParameterError(
            f"no account manager in role in {card.quarter} reports to manager {manager!r} (the managers are: {known})"
        )
    overall = card.overall.loc[mine, "overall_score"]
    order = pd.DataFrame({"score": overall.to_numpy(), "am_id": mine.to_numpy()})
    order = order.sort_values(["score", "am_id"], ascending=[False, True], na_position="last")
    return pd.Index(order["am_id"], name="am_id")


def team_scorecard(card: Scorecard, manager: str) -> pd.DataFrame:
    """One row per direct report (index ``am_id``, team order).

    Columns: ``name``, ``team``, one score per measure of the config (its name, 1–5; NaN = no
    data), ``overall_score``, ``overall_rating`` (NaN when there is no overall score),
    ``measures_without_data``, ``no_rating_reason`` (why there is no rating; ``""``), then the
    :data:`HEADLINE_KPIS` and the quarter's ``*_target`` of the :data:`TOTAL_MEASURES`, as the
    scorecard has them, then how robust the rating is (:func:`robustness_columns`).
    """
    ids = direct_reports(card, manager)
    table = card.table.set_index("am_id").loc[ids]
    frame = pd.DataFrame(index=ids)
    frame["name"] = card.people.loc[ids, "name"].astype(str)
    frame["team"] = card.people.loc[ids, "team"]
    for measure in card.measures.columns:
        frame[measure] = card.measures.loc[ids, measure].astype("float64")
    for column in ("overall_score", "overall_rating", "measures_without_data", "no_rating_reason"):
        frame[column] = card.overall.loc[ids, column] if column in card.overall.columns else ""
    for column in HEADLINE_KPIS + tuple(f"{m}_target" for m in TOTAL_MEASURES):
        if column in table.columns:
            frame[column] = table[column]
    return frame.join(robustness_columns(card, ids))


def robustness_columns(card: Scorecard, ids: pd.Index) -> pd.DataFrame:
    """How robust each rating of ``ids`` is, from the scorecard's robustness columns
    (:mod:`amreview.scoring.robustness`): ``fragile`` (bool), ``rating_flips`` (the weight moves
    that change it, ``", "``-separated: ``"Development plan achieved −5 points → Meets"``),
    ``equal_weights_rating`` and ``equal_weights_changes``. Not fragile, nothing changes it, where
    the scorecard has no such columns (one written before they were)."""
    robustness = card.robustness.reindex(ids)
    frame = pd.DataFrame(index=ids)
    if "fragile" not in robustness.columns:
        frame["fragile"], frame["rating_flips"] = False, ""
        frame["equal_weights_rating"], frame["equal_weights_changes"] = None, False
        return frame
    frame["fragile"] = robustness["fragile"].fillna(False).astype(bool)
    frame["rating_flips"] = robustness["fragile_because"].fillna("").astype(str).str.replace("; ", ", ")
    frame["equal_weights_rating"] = robustness["equal_weights_rating"].astype(object)
    frame["equal_weights_changes"] = robustness["equal_weights_changes"].fillna(False).astype(bool)
    return frame


def measure_score_matrix(card: Scorecard, manager: str, labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Measure scores of the team: rows = direct reports' names (team order), columns = the
    measures (the config's order) named by ``labels`` (default: their display names), values
    1–5 or NaN for no data."""
    labels = {**ALL_MEASURES, **(labels or {})}
    table = team_scorecard(card, manager)
    scores = table[list(card.measures.columns)].copy()
    scores.index = pd.Index(table["name"], name="account manager")
    scores.columns = [labels.get(m, m) for m in scores.columns]
    return scores


def rating_boundaries(card: Scorecard) -> pd.Series:
    """The config's rating labels → the lowest overall score that earns each, lowest first."""
    ratings = sorted(card.config.ratings, key=lambda r: r.min_score)
    return pd.Series({r.label: float(r.min_score) for r in ratings}, name="min_score", dtype="float64")


def rating_distribution(card: Scorecard, manager: str) -> pd.Series:
    """How many direct reports hold each rating: every label of the config, lowest first
    (zeros included, so the shape of the distribution shows), then ``"no rating"`` — only
    when someone has no overall score."""
    ratings = team_scorecard(card, manager)["overall_rating"]
    labels = list(rating_boundaries(card).index)
    counts = ratings.value_counts().reindex(labels, fill_value=0)
    missing = int(ratings.isna().sum())
    if missing:
        counts[NO_RATING] = missing
    return counts.astype("int64").rename("people")


def team_totals(card: Scorecard, manager: str) -> pd.DataFrame:
    """The team's totals of :data:`TOTAL_MEASURES` against the sum of its members' targets.

    Index: the measure. Columns:

    * ``actual`` = Σ the members' actuals (all members); NaN ("no data") when no member has
      one — a pack without sales lines has no revenue, margin or new accounts, not 0;
    * ``target`` = Σ the members' targets, over members with a target > 0 (NaN when none has one);
    * ``actual_with_target`` = Σ the actuals of the members with a target (NaN when none of
      them has an actual);
    * ``attainment`` = ``actual_with_target`` / ``target``: a member without a target neither
      inflates nor dilutes the team's attainment (NaN = no target);
    * ``members`` and ``with_target``: how many members there are and how many have a target.
    """
    table = team_scorecard(card, manager)
    rows = {}
    for measure in TOTAL_MEASURES:
        actual = table[measure].astype("float64")
        target = table[f"{measure}_target"].astype("float64")
        has_target = target > 0
        target_sum = target[has_target].sum() if has_target.any() else np.nan
        with_target = actual[has_target].sum(min_count=1)
        rows[measure] = {
            "actual": actual.sum(min_count=1),
            "target": target_sum,
            "actual_with_target": with_target,
            "attainment": with_target / target_sum if has_target.any() else np.nan,
            "members": len(table),
            "with_target": int(has_target.sum()),
        }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "measure"
    return frame.astype({"members": "int64", "with_target": "int64"})


def team_gm_pct(card: Scorecard, manager: str) -> float:
    """The team's GM %: Σ gross margin / Σ revenue over the members; NaN when Σ revenue ≤ 0 or
    no member has revenue data."""
    table = team_scorecard(card, manager)
    revenue = table["revenue"].sum()
    return float(table["gross_margin"].sum() / revenue) if revenue > 0 else float("nan")


def attention_rating(card: Scorecard, below_rating: str | None = None) -> str:
    """The rating below which a member needs attention: ``below_rating`` when given (it must be
    a label of the config), else :data:`ATTENTION_BELOW_RATING` when the config has that label,
    else the config's middle rating (a company's own labels)."""
    labels = list(rating_boundaries(card).index)  # lowest first
    if below_rating is None:
        return ATTENTION_BELOW_RATING if ATTENTION_BELOW_RATING in labels else labels[len(labels) // 2]
    if below_rating not in labels:
        raise ParameterError(
            f"rating {below_rating!r} is not one of the scorecard config's ratings ({', '.join(labels)})"
        )
    return below_rating


def needs_attention(
    card: Scorecard, manager: str, below_rating: str | None = None, low_score: float = ATTENTION_LOW_SCORE
) -> pd.DataFrame:
    """The direct reports to talk to first, with the reasons (lowest overall score first).

    A member needs attention when their overall score is below the lowest score of the rating
    :func:`attention_rating` (``below_rating``, by default Meets), when any measure scores
    ``low_score`` or less, when the scorecard gives a reason for no rating (a figure resting
    on an implausible amount, an empty sales table: see :mod:`amreview.data.plausibility`), or
    when the rating is fragile (a 5-point move of one measure's weight changes it: the meeting
    should spend its time there; :func:`robustness_columns`). A
    measure without data is no reason (the scorecard shows it as "no data"). Index ``am_id``;
    columns ``name``, ``overall_score``, ``overall_rating``, ``reasons`` (one text, reasons
    separated by ``"; "``). Empty when nobody needs attention.
    """
    below_rating = attention_rating(card, below_rating)
    threshold = rating_boundaries(card)[below_rating]
    table = team_scorecard(card, manager)
    rows = []
    for am_id, row in table.iterrows():
        reasons = []
        score = row["overall_score"]
        withheld = row["no_rating_reason"]
        if isinstance(withheld, str) and withheld and withheld != NOTHING_TO_SCORE:  # no data is no reason
            reasons.append(f"no rating: {withheld}")
        elif pd.notna(score) and score < threshold:
            reasons.append(f"overall rating {row['overall_rating']} ({score:.2f}) is below {below_rating}")
        if row["fragile"]:
            reasons.append(f"rating {row['overall_rating'] or NO_RATING} is fragile: {row['rating_flips']}")
        for measure in card.measures.columns:
            value = row[measure]
            if pd.notna(value) and value <= low_score:
                reasons.append(f"{ALL_MEASURES.get(measure, measure)} scored {value:.2f} (≤ {low_score:g})")
        if reasons:
            rows.append(
                {
                    "am_id": am_id,
                    "name": row["name"],
                    "overall_score": score,
                    "overall_rating": row["overall_rating"],
                    "reasons": "; ".join(reasons),
                }
            )
    frame = pd.DataFrame(rows, columns=["am_id", "name", "overall_score", "overall_rating", "reasons"])
    frame = frame.sort_values(["overall_score", "am_id"], na_position="last", kind="stable")
    return frame.set_index("am_id")


def team_calibration(card: Scorecard, manager: str, outcomes: pd.DataFrame) -> pd.DataFrame:
    """Each direct report's computed and agreed rating (team order), from ``outcomes`` (rows of
    :func:`amreview.scoring.outcomes.review_status`, by ``am_id``; someone without a row is a
    draft). Index ``am_id``; columns ``name``, ``review_status``, ``overall_score``,
    ``computed_rating``, ``agreed_rating``, ``band_change``, ``change_reason`` and ``flags``
    (:func:`amreview.scoring.calibration.rating_changes`)."""
    ids = direct_reports(card, manager)
    status = outcomes.reindex(ids)
    status["review_status"] = status["review_status"].astype(object).where(status["review_status"].notna(), DRAFT)
    status["computed_rating"] = [None if pd.isna(r) else str(r) for r in card.overall.loc[ids, "overall_rating"]]
    changes = rating_changes(status, card.config)
    frame = pd.DataFrame(index=ids)
    frame["name"] = card.people.loc[ids, "name"].astype(str)
    frame["review_status"] = status["review_status"]
    frame["overall_score"] = card.overall.loc[ids, "overall_score"].astype("float64")
    for column in ("computed_rating", "agreed_rating", "band_change"):
        frame[column] = changes[column]
    frame["change_reason"] = status["change_reason"].astype(object).where(status["change_reason"].notna(), None)
    frame["flags"] = changes["flags"]
    return frame
