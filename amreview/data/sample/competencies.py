"""The sample's ``competency_ratings`` table: self, manager and (for some) peer ratings of the
five competencies over the last four quarters, each with a comment in the rater's voice.

A known rater effect can be planted (``SampleEffects.rater_leniency``, :mod:`.effects`): the bands a
sales manager's leniency adds to every rating they give as ``manager``, before it is rounded and
clipped to 1–5. It draws no random number, so the other ratings and tables do not move.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from amreview.data.sample._calendar import QUARTERS, REVIEW_Q
from amreview.data.sample._columns import text_column
from amreview.data.sample.organisation import AM_IDS, MANAGERS, NEW_STARTER, TEAMS
from amreview.data.sample.personas import Traits
from amreview.vocabulary import COMPETENCIES

_RATING_QUARTERS = 4
_PEER_RATED = ("AM001", "AM004", "AM007", "AM010", "AM013")
_MANAGER_COMMENTS = {
    "Interpersonal Effectiveness": (
        "Customers find it hard to get hold of them.",
        "Good rapport with regular contacts; could reach more senior people.",
        "Trusted by customers at every level, from buyers to IT directors.",
    ),
    "Working with Others": (
        "Works alone; rarely involves pre-sales or purchasing early.",
        "Cooperates well with the internal teams when asked.",
        "Brings in pre-sales, purchasing and vendors early and generously.",
    ),
    "Communications": (
        "Updates, reports and CRM notes are late or missing.",
        "Clear with customers; internal updates could be more timely.",
        "Clear, timely and well-documented communication, internally and externally.",
    ),
    "Problem Solving": (
        "Escalates problems instead of owning them.",
        "Resolves most customer issues; some back orders drift.",
        "Owns customer problems end to end and fixes root causes.",
    ),
    "Decision Making & Influencing": (
        "Gives away margin too readily to close deals.",
        "Sound commercial judgement on most deals.",
        "Influences customers towards the right solution and holds price.",
    ),
}
_SELF_COMMENTS = (
    "An area I know I need to work on.",
    "A steady quarter; I want to be more consistent here.",
    "I think this went well this quarter.",
)
_PEER_COMMENTS = ("Could share more with the team.", "Reliable to work with.", "Always helpful and quick to respond.")


_RATER_BIAS = {"self": 0.35, "manager": 0.0, "peer": 0.15}


def _ratings_of(
    rng: np.random.Generator, t: Traits, am: int, leniency: float = 0.0
) -> list[tuple[str, str, str, str, int, str]]:
    """(am_id, period, competency, rater, rating, comment) of one AM's ratings; the new starter's
    only in the review quarter. ``leniency``: bands their manager adds to each rating as
    ``manager`` before rounding and clipping."""
    rows = []
    bias = {**_RATER_BIAS, "manager": _RATER_BIAS["manager"] + leniency} if leniency else _RATER_BIAS
    raters = ("self", "manager", "peer") if AM_IDS[am] in _PEER_RATED else ("self", "manager")
    for q in range(REVIEW_Q - _RATING_QUARTERS + 1, REVIEW_Q + 1):
        if am == NEW_STARTER and q < REVIEW_Q:
            continue
        for competency in COMPETENCIES:
            weak = 1.0 if competency == t.weak_competency else 0.0
            for rater in raters:
                score = t.competency_mean - weak + bias[rater] + rng.normal(0, 0.45)
                rating = int(np.clip(np.rint(score), 1, 5))
                level = 0 if rating <= 2 else (1 if rating == 3 else 2)
                by_rater = {"self": _SELF_COMMENTS, "peer": _PEER_COMMENTS}
                comment = by_rater.get(rater, _MANAGER_COMMENTS[competency])[level]
                rows.append((AM_IDS[am], QUARTERS[q], competency, rater, rating, comment))
    return rows


def competency_ratings_frame(
    rng: np.random.Generator, traits: list[Traits], leniency: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """Self, manager (and for some, peer) ratings 1–5 of the five competencies, last four quarters;
    ``leniency``: sales manager → the bands added to their ratings as ``manager`` (module docstring)."""
    shift = leniency or {}
    rows = [row for am, t in enumerate(traits) for row in _ratings_of(rng, t, am, shift.get(MANAGERS[TEAMS[am]], 0.0))]
    frame = pd.DataFrame(rows, columns=["am_id", "period", "competency", "rater", "rating", "comment"])
    return frame.assign(
        **{c: text_column(frame[c]) for c in ("am_id", "period", "competency", "rater", "comment")},
        rating=frame["rating"].astype("int64"),
    )
