"""The sample's ``review_outcomes`` table, and the 2026Q3 review round caught half-way.

A review's *status* follows from the pack: *draft* (nothing collected for the person and
quarter: no ``competency_ratings``, ``review_notes`` or ``review_outcomes`` row, no
``development_objectives`` agreed in it), *in review* (some of it), *signed* (an outcome signed
by both the manager and the account manager). The sample shows all three:

* **Every quarter before** :data:`REVIEW_PERIOD` was reviewed and signed by both, for everyone
  in post at its end: the manager signs 1–7 business days after the quarter's end
  (``manager_signed_by`` is the manager's name), the account manager the same day or up to three
  business days later.
* **2026Q3, the review period, is mid-round.** Each manager holds their team's reviews in
  ``am_id`` order, and the sample was taken when every manager had signed the first three, was
  in the middle of the fourth and had not started the fifth (:data:`ROUND_STAGES`): 9 signed,
  3 in review, 3 draft, and every manager sees their own team part signed, part in review,
  part draft. Of those in review, the London & South East and Public Sector managers have held
  the meeting and signed the outcome (the account manager has not signed yet); the Midlands &
  North one has ratings and notes but no outcome yet. The draft people's 2026Q3 competency
  ratings and review notes, drawn with everybody else's, are taken out of those tables here
  (:func:`without_draft_input`), so nothing has been collected for them; the earlier draws
  are unchanged.

``agreed_rating`` is a rating label of the default scorecard config
(``amreview/scoring/default_scorecard.toml``). The data layer cannot compute ratings (scoring
sits above it), so ``computed_rating`` is left empty (amreview shows the live computed rating
beside the agreed one) and the agreed rating is the one each persona was designed to earn
(:data:`PERSONA_RATINGS`), except in the quarters listed in :data:`OFF_PERSONA_RATINGS`, where
that quarter's figures put the person in the next band (read off ``amreview scorecard``):
managers agree the computed rating. One manager, Gareth Lloyd, is lenient: for two of his people
he agreed one band above the computed rating in each of the last four quarters, each time with
a reason (:data:`LENIENT_CHANGES`), so calibration has something true to show.
``tests/test_sample.py`` computes the scorecard of every quarter and checks all of this, so the
sample cannot drift from its design unnoticed. (The design is that of the figures of
:data:`~amreview.data.sample.SAMPLE_SEED`; another seed's agreed ratings follow the personas
but may differ from its computed ones in a quarter near a band's boundary.)

Known rater effects can be planted (:mod:`.effects`): ``agreed_above_computed=False`` takes the
lenient manager's changes out (every agreed rating is then the computed one), and
``rater_leniency`` adds a manager's bands to the rank of every rating they agree (the lowest
rating 0), rounded at random in proportion (+0.3 raises a rating one band with probability 0.3,
so the expected change is the leniency itself) and clipped to the config's ratings, with
:data:`LENIENCY_REASON` given for a rating so moved. Those draws come after the signing dates', from
the same generator, and only when a leniency is set.

The signing dates are drawn from a generator of their own (:data:`REVIEW_OUTCOMES_STREAM`), so
no other table's draws moved. The rows were entered by hand, not collected from forms: ``source``
is empty.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from amreview.data.sample._calendar import QUARTERS, REVIEW_PERIOD, REVIEW_Q, Calendar
from amreview.data.sample._columns import date_column, text_column
from amreview.data.sample.organisation import MANAGERS, MIDLANDS_TEAM, ROSTER, START_DAYS

REVIEW_OUTCOMES_STREAM = 2  # the third generator's key (record_gaps has 1): the main stream is untouched

# The default scorecard config's rating labels, lowest first.
RATING_LABELS = ("Below", "Partially meets", "Meets", "Exceeds", "Outstanding")

# The band each persona was designed to land in, quarter after quarter.
PERSONA_RATINGS = {
    "star": "Exceeds",
    "steady": "Meets",
    "margin_misser": "Meets",
    "crm_neglecter": "Partially meets",
    "new_starter": "Meets",
    "below_par": "Partially meets",
    "average": "Meets",
}
# The quarters whose figures put someone outside their persona's band: the star's review quarter
# at about 125 % of target (as designed); the rest a good or bad quarter's noise near a boundary.
OFF_PERSONA_RATINGS = {
    ("AM001", "2024Q4"): "Meets",
    ("AM001", "2026Q3"): "Outstanding",
    ("AM002", "2024Q3"): "Exceeds",
    ("AM002", "2026Q3"): "Exceeds",
    ("AM008", "2024Q4"): "Meets",
    ("AM008", "2025Q3"): "Meets",
    ("AM010", "2024Q4"): "Meets",
    ("AM010", "2025Q1"): "Meets",
    ("AM015", "2024Q4"): "Exceeds",
}

LENIENT_MANAGER = MANAGERS[MIDLANDS_TEAM]
LENIENT_QUARTERS = QUARTERS[REVIEW_Q - 3 : REVIEW_Q + 1]
# am_id → the reason the lenient manager gave for agreeing one band above the computed rating.
LENIENT_CHANGES = {
    "AM003": "Revenue is well over target and still growing; the margin shortfall is being fixed with "
    "purchasing, so I rated the overall contribution one band higher.",
    "AM010": "Two key accounts cut their IT budgets this year, which cost volume outside Charlotte's "
    "control; her effort on the rest of the book deserves one band more.",
}

LENIENCY_REASON = "My view of the quarter as a whole is not the figures' view."

SIGNED, IN_REVIEW, DRAFT = "signed", "in_review", "draft"
_SIGNED_PER_TEAM = 3  # then one in review, the rest draft
_MET_BUT_UNSIGNED_TEAMS = tuple(team for team in MANAGERS if team != MIDLANDS_TEAM)


def _round_stages() -> dict[str, str]:
    """am_id → the stage of their 2026Q3 review (module docstring)."""
    stages = {}
    for team in MANAGERS:
        members = sorted(am_id for am_id, _, member_team, _, _ in ROSTER if member_team == team)
        for position, am_id in enumerate(members):
            stages[am_id] = (
                SIGNED if position < _SIGNED_PER_TEAM else IN_REVIEW if position == _SIGNED_PER_TEAM else DRAFT
            )
    return stages


ROUND_STAGES = _round_stages()
DRAFT_IN_REVIEW_PERIOD = tuple(sorted(am_id for am_id, stage in ROUND_STAGES.items() if stage == DRAFT))


def agreed_rating(am_id: str, persona: str, quarter: str, lenient_changes: bool = True) -> tuple[str, str | None]:
    """The rating the manager agreed for ``am_id`` in ``quarter``, and the reason for a change
    (``None``: the computed rating, agreed as it is); without ``lenient_changes``, the computed
    rating for everyone."""
    computed = OFF_PERSONA_RATINGS.get((am_id, quarter), PERSONA_RATINGS[persona])
    if lenient_changes and am_id in LENIENT_CHANGES and quarter in LENIENT_QUARTERS:
        return RATING_LABELS[RATING_LABELS.index(computed) + 1], LENIENT_CHANGES[am_id]
    return computed, None


def _reviews(cal: Calendar) -> list[tuple[str, int, str, str, str]]:
    """(am_id, quarter index, manager, persona, stage) of every review with an outcome row, in
    ``ROSTER`` order and then quarter order."""
    reviews = []
    for am, (am_id, _, team, _, persona) in enumerate(ROSTER):
        for q in range(REVIEW_Q + 1):
            in_post = START_DAYS[am] < cal.quarter_starts[q + 1]
            stage = SIGNED if q < REVIEW_Q else ROUND_STAGES[am_id]
            met = stage == SIGNED or (stage == IN_REVIEW and team in _MET_BUT_UNSIGNED_TEAMS)
            if in_post and met:
                reviews.append((am_id, q, MANAGERS[team], persona, stage))
    return reviews


def with_leniency(
    rng: np.random.Generator, agreed: list[tuple[str, str | None]], shift: np.ndarray
) -> list[tuple[str, str | None]]:
    """``agreed`` (rating, reason) with ``shift`` bands added to each rating's rank, rounded at
    random in proportion and clipped to :data:`RATING_LABELS` (module docstring): one uniform draw
    per rating, none when no shift is set; a rating moved without a reason gets
    :data:`LENIENCY_REASON`."""
    if not shift.any():
        return agreed
    ranks = np.array([RATING_LABELS.index(rating) for rating, _ in agreed], dtype="float64") + shift
    up = rng.random(len(agreed)) < ranks - np.floor(ranks)
    moved = np.clip(np.floor(ranks) + up, 0, len(RATING_LABELS) - 1).astype(int)
    return [
        (RATING_LABELS[m], reason if reason is not None or RATING_LABELS[m] == rating else LENIENCY_REASON)
        for (rating, reason), m in zip(agreed, moved)
    ]


def review_outcomes_frame(
    rng: np.random.Generator,
    cal: Calendar,
    lenient_changes: bool = True,
    leniency: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """One outcome per review held: the rating agreed (and the reason for a change), who signed
    and when; an outcome still in review lacks the account manager's signature. Without
    ``lenient_changes`` the lenient manager agrees the computed ratings; ``leniency``: sales
    manager → bands added to the ratings they agree (module docstring)."""
    reviews = _reviews(cal)
    n = len(reviews)
    first_bday = np.searchsorted(cal.bdays, cal.quarter_starts[[q + 1 for _, q, _, _, _ in reviews]])
    manager_day = cal.bdays[first_bday + rng.integers(0, 7, n)]
    am_day = cal.bdays[np.searchsorted(cal.bdays, manager_day) + rng.integers(0, 4, n)]
    agreed = [agreed_rating(am_id, persona, QUARTERS[q], lenient_changes) for am_id, q, _, persona, _ in reviews]
    shift = np.array([(leniency or {}).get(manager, 0.0) for _, _, manager, _, _ in reviews], dtype="float64")
    agreed = with_leniency(rng, agreed, shift)
    unsigned = np.array([stage != SIGNED for *_, stage in reviews])
    reasons = np.array([reason for _, reason in agreed], dtype=object)
    return pd.DataFrame(
        {
            "am_id": text_column([am_id for am_id, *_ in reviews]),
            "period": text_column([QUARTERS[q] for _, q, *_ in reviews]),
            "agreed_rating": text_column([rating for rating, _ in agreed]),
            "computed_rating": text_column(np.full(n, None, dtype=object)),
            "change_reason": text_column(reasons, missing=pd.isna(reasons)),
            "manager_signed_by": text_column([manager for _, _, manager, _, _ in reviews]),
            "manager_signed_on": date_column(manager_day),
            "am_signed_on": date_column(am_day, missing=unsigned),
            "source": text_column(np.full(n, None, dtype=object)),
        }
    )


def without_draft_input(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (competency ratings, review notes) without the review period's rows of the
    people whose review is still draft (:data:`DRAFT_IN_REVIEW_PERIOD`); index 0..n−1."""
    draft = (frame["period"] == REVIEW_PERIOD) & frame["am_id"].isin(DRAFT_IN_REVIEW_PERIOD)
    return frame[~draft.to_numpy()].reset_index(drop=True)
