"""The five competencies of the role, rated by the account manager, their manager and peers.

``competency_ratings`` holds ratings 1–5 per ``am_id``, ``period`` (quarter), ``competency`` (one
of :data:`~amreview.vocabulary.COMPETENCIES`) and ``rater`` (``self``/``manager``/``peer``).

* Where one rater kind gave several ratings of a competency in a quarter (typically several
  peers), their rating is the mean; their comments are joined with ``"; "`` in table order.
* ``self_manager_gap = self − manager`` per competency, where both rated it (> 0: the account
  manager rates themself higher than their manager does).
* The per-person means are over the competencies that rater kind rated (each competency once,
  so several peers do not weigh one competency more); gaps are averaged over the competencies
  rated by both.
"""

from __future__ import annotations

import pandas as pd

from amreview.metrics._frames import from_table as _from_table
from amreview.metrics.registry import Kpi, KpiContext
from amreview.periods import Quarter, require_quarter
from amreview.vocabulary import COMPETENCIES, RATERS

COMMENT_SEPARATOR = "; "

TABLE_COLUMNS = [
    "am_id",
    "competency",
    "self",
    "manager",
    "peer",
    "peer_raters",
    "self_manager_gap",
    "self_comment",
    "manager_comment",
    "peer_comment",
]


def ratings_in_period(ratings: pd.DataFrame, quarter: Quarter) -> pd.DataFrame:
    """The ratings of ``quarter``: ``period == str(quarter)``."""
    return ratings[ratings["period"] == str(require_quarter(quarter))]


def competency_ratings_by_rater(ratings: pd.DataFrame) -> pd.DataFrame:
    """The mean rating per rater kind, one row per ``am_id`` and competency (no comments).

    ``ratings`` are one period's rows (see :func:`ratings_in_period`), for one or many account
    managers. Every account manager in ``ratings`` gets all five competencies, in the order of
    :data:`~amreview.vocabulary.COMPETENCIES` (a competency nobody rated shows NaN ratings, so a
    gap in the review is visible). Columns ``am_id``, ``competency``, ``self``, ``manager``,
    ``peer`` (means), ``peer_raters`` (number of peer ratings) and
    ``self_manager_gap = self − manager`` (NaN unless both rated). Index 0..n−1.
    """
    means = (
        ratings.groupby(["am_id", "competency", "rater"], sort=False, observed=True)["rating"]
        .mean()
        .unstack("rater")
        .reindex(columns=list(RATERS))
    )
    peer_raters = ratings[ratings["rater"] == "peer"].groupby(["am_id", "competency"]).size()
    people = sorted(ratings["am_id"].unique())
    grid = pd.MultiIndex.from_product([people, list(COMPETENCIES)], names=["am_id", "competency"])
    table = means.reindex(grid).astype("float64")
    table.columns.name = None
    table["peer_raters"] = peer_raters.reindex(grid, fill_value=0).astype("int64")
    table["self_manager_gap"] = table["self"] - table["manager"]
    return table.reset_index()


def competency_comments(ratings: pd.DataFrame) -> pd.DataFrame:
    """Each rater kind's comments, one row per ``am_id`` and competency that has any: columns
    ``self_comment``, ``manager_comment``, ``peer_comment`` — the non-empty comments of that
    rater kind joined with :data:`COMMENT_SEPARATOR` in table order (None where there are none)."""
    text = ratings["comment"].astype("string").str.strip()
    said = ratings[text.notna() & (text != "")].assign(comment=text)
    joined = said.groupby(["am_id", "competency", "rater"], sort=False)["comment"].agg(COMMENT_SEPARATOR.join)
    wide = joined.unstack("rater").reindex(columns=list(RATERS)).astype(object)
    wide = wide.where(wide.notna(), None)
    wide.columns = [f"{rater}_comment" for rater in RATERS]
    return wide.reset_index()


def competency_ratings_table(ratings: pd.DataFrame) -> pd.DataFrame:
    """Self, manager and peer ratings side by side with their comments: the review's view.

    :func:`competency_ratings_by_rater` (every account manager in ``ratings`` × the five
    competencies, in the role's order) with :func:`competency_comments` alongside. Columns
    :data:`TABLE_COLUMNS`; index 0..n−1; the input is not modified.
    """
    table = competency_ratings_by_rater(ratings).merge(
        competency_comments(ratings), on=["am_id", "competency"], how="left"
    )
    comment_columns = [f"{rater}_comment" for rater in RATERS]
    table[comment_columns] = table[comment_columns].astype(object).where(table[comment_columns].notna(), None)
    return table[TABLE_COLUMNS]


def competency_means(table: pd.DataFrame) -> pd.DataFrame:
    """Per ``am_id`` of a :func:`competency_ratings_by_rater` (or :func:`competency_ratings_table`):
    ``competency_self_mean``, ``competency_manager_mean``, ``competency_peer_mean`` (mean over the competencies that
    rater kind rated; NaN if it rated none) and ``competency_self_manager_gap_mean`` (mean of
    ``self_manager_gap`` over the competencies both rated; NaN if none). Sorted by ``am_id``."""
    means = table.groupby("am_id", sort=True)[["self", "manager", "peer", "self_manager_gap"]].mean()
    return means.rename(
        columns={
            "self": "competency_self_mean",
            "manager": "competency_manager_mean",
            "peer": "competency_peer_mean",
            "self_manager_gap": "competency_self_manager_gap_mean",
        }
    ).astype("float64")


# --------------------------------------------------------------------------------------------
# KPIs
# --------------------------------------------------------------------------------------------


def _means(ctx: KpiContext, ratings: pd.DataFrame, column: str) -> pd.Series:
    means = ctx.memo(
        ("competency_means", ctx.window),
        lambda: competency_means(competency_ratings_by_rater(ratings_in_period(ratings, ctx.quarter))),
    )
    return means[column]


_SOURCES = (
    "competency_ratings.am_id",
    "competency_ratings.period",
    "competency_ratings.competency",
    "competency_ratings.rater",
    "competency_ratings.rating",
)
_NO_RATINGS = (
    "No such rating for the review quarter (competency_ratings.period = the quarter), or no "
    "competency_ratings table: no data (NaN)."
)
_ONE_PER_COMPETENCY = "Several ratings of one competency by the same rater kind are averaged first. "

KPIS: list[Kpi] = [
    Kpi(
        name="competency_manager_mean",
        label="Competencies: manager's rating",
        meaning="The average of the manager's ratings (1 to 5) of the five competencies for the quarter; "
        "competencies not rated are left out, and several ratings of one competency are averaged first.",
        if_empty="No data when the manager rated no competency for the quarter, or the pack holds no competency "
        "ratings.",
        measure="competencies",
        unit="rating",
        higher_is_better=True,
        formula="mean over the five competencies of the manager's rating (1–5) for the review quarter",
        sources=_SOURCES,
        compute=_from_table("competency_ratings", _means, "competency_manager_mean"),
        edge_cases=_ONE_PER_COMPETENCY
        + "Competencies the manager did not rate are left out of the mean. "
        + _NO_RATINGS,
    ),
    Kpi(
        name="competency_self_mean",
        label="Competencies: self rating",
        meaning="The average of the account manager's own ratings (1 to 5) of the five competencies for the "
        "quarter; competencies not rated are left out. Shown, not scored.",
        if_empty="No data when the account manager rated no competency for the quarter, or the pack holds no "
        "competency ratings.",
        measure="competencies",
        unit="rating",
        higher_is_better=None,
        formula="mean over the five competencies of the account manager's own rating (1–5) for the review quarter",
        sources=_SOURCES,
        compute=_from_table("competency_ratings", _means, "competency_self_mean"),
        edge_cases=_ONE_PER_COMPETENCY + "Unrated competencies are left out of the mean. " + _NO_RATINGS,
    ),
    Kpi(
        name="competency_peer_mean",
        label="Competencies: peer rating",
        meaning="The average of the peers' ratings (1 to 5) of the five competencies for the quarter, several "
        "peers averaged per competency. Peer ratings are optional. Shown, not scored.",
        if_empty="No data when no peer rated a competency for the quarter, or the pack holds no competency ratings.",
        measure="competencies",
        unit="rating",
        higher_is_better=None,
        formula="mean over the five competencies of the peers' rating (1–5; several peers averaged per "
        "competency) for the review quarter",
        sources=_SOURCES,
        compute=_from_table("competency_ratings", _means, "competency_peer_mean"),
        edge_cases="Peers are optional: no peer rating is no data (NaN). Unrated competencies are left out "
        "of the mean. " + _NO_RATINGS,
    ),
    Kpi(
        name="competency_self_manager_gap_mean",
        label="Competencies: self − manager gap",
        meaning="How much higher the account manager rates themself than the manager does, on average over the "
        "competencies both rated for the quarter (above zero: they rate themself higher). Shown, not scored.",
        if_empty="No data when no competency was rated by both for the quarter, or the pack holds no competency "
        "ratings.",
        measure="competencies",
        unit="number",
        higher_is_better=None,
        formula="mean over the competencies rated by both of (self rating − manager rating) for the review "
        "quarter (> 0: rates themself higher than the manager does)",
        sources=_SOURCES,
        compute=_from_table("competency_ratings", _means, "competency_self_manager_gap_mean"),
        edge_cases=_ONE_PER_COMPETENCY + "No competency rated by both self and manager: no data (NaN). " + _NO_RATINGS,
    ),
]
