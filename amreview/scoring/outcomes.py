"""Where each review stands in its cycle, and the rating agreed at it.

A quarter's review of an account manager is, for one quarter (:func:`review_status`):

* **draft** — figures only: nothing collected for that person and quarter in
  ``competency_ratings``, ``review_notes`` or ``review_outcomes`` (``period`` = the quarter), and
  no ``development_objectives`` row agreed in that quarter's review (``agreed_in`` = the quarter);
* **in review** — some of that input is there, but the review is not signed by both;
* **signed** — a ``review_outcomes`` row of that person and quarter carries both
  ``manager_signed_on`` and ``am_signed_on``.

Decided edge cases (each tested in ``tests/test_outcomes.py``):

* Any row is input, whoever wrote it: a peer's competency rating, a note typed by hand into the
  pack's CSV, an outcome row without signatures. Text left blank in a row still makes the row.
* One signature is not a signature: an outcome row signed by the manager only (or by the account
  manager only) is *in review*.
* A signed outcome is *signed* even with nothing else collected (the outcome row is input).
* Objectives of the quarter's own plan (``period`` = the quarter) were agreed at an earlier
  review: they are not this review's input. Only rows with ``agreed_in`` = the quarter are; a
  pack without an ``agreed_in`` column has none. Rows of other quarters never count.
* A table the pack does not hold is no input (not an error).
* The **agreed rating** is ``review_outcomes.agreed_rating`` (missing: not agreed yet); the
  **computed rating** is the scorecard's overall rating now (``computed``), which the documents
  show beside it. ``review_outcomes.computed_rating`` — the rating the manager's form showed —
  is kept as ``rating_on_form``: the two differ when the figures changed after the form was made.
* The people are those of ``computed``'s index (the scorecard: everyone in role); input of
  anyone else is ignored.

Pure functions: frames in, a frame out; no input is modified.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from amreview.data.datapack import DataPack
from amreview.periods import Quarter, require_quarter

DRAFT, IN_REVIEW, SIGNED = "draft", "in_review", "signed"
REVIEW_STATUSES = (DRAFT, IN_REVIEW, SIGNED)
STATUS_LABELS = {DRAFT: "Draft", IN_REVIEW: "In review", SIGNED: "Signed"}
STATUS_MEANINGS = {
    DRAFT: "figures only: no one's input has been collected for this review yet",
    IN_REVIEW: "input collected; not yet signed by both the manager and the account manager",
    SIGNED: "signed by the manager and the account manager",
}

# The tables whose rows are people's input to a review (the review cycle's forms add to them).
INPUT_TABLES = ("competency_ratings", "review_notes", "review_outcomes", "development_objectives")

STATUS_COLUMNS = [
    "review_status",
    "agreed_rating",
    "computed_rating",
    "rating_on_form",
    "change_reason",
    "manager_signed_by",
    "manager_signed_on",
    "am_signed_on",
    "outcome_source",
]
_OUTCOME_COLUMNS = {
    "agreed_rating": "agreed_rating",
    "computed_rating": "rating_on_form",
    "change_reason": "change_reason",
    "manager_signed_by": "manager_signed_by",
    "manager_signed_on": "manager_signed_on",
    "am_signed_on": "am_signed_on",
    "source": "outcome_source",
}


def people_with_input(
    quarter: Quarter,
    competency_ratings: pd.DataFrame | None = None,
    review_notes: pd.DataFrame | None = None,
    review_outcomes: pd.DataFrame | None = None,
    development_objectives: pd.DataFrame | None = None,
) -> set[str]:
    """The ``am_id`` of everyone with any input to their review of ``quarter`` (module docstring)."""
    label = str(require_quarter(quarter))
    found: set[str] = set()
    for table in (competency_ratings, review_notes, review_outcomes):
        if table is not None and len(table):
            found |= set(table.loc[table["period"] == label, "am_id"].astype(str))
    objectives = development_objectives
    if objectives is not None and "agreed_in" in objectives.columns and len(objectives):
        found |= set(objectives.loc[objectives["agreed_in"].astype(object) == label, "am_id"].astype(str))
    return found


def review_status(
    quarter: Quarter,
    computed: pd.Series,
    competency_ratings: pd.DataFrame | None = None,
    review_notes: pd.DataFrame | None = None,
    review_outcomes: pd.DataFrame | None = None,
    development_objectives: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Each person's review status of ``quarter`` and the rating agreed (module docstring).

    ``computed``: ``am_id`` → the scorecard's overall rating (NaN: none), one entry per person
    wanted. The tables are the pack's (None: not in the pack). Index ``am_id`` (``computed``'s
    order); columns :data:`STATUS_COLUMNS`: ``review_status`` (one of :data:`REVIEW_STATUSES`),
    ``agreed_rating`` (None: not agreed), ``computed_rating``, ``rating_on_form``,
    ``change_reason``, ``manager_signed_by`` (None where empty), ``manager_signed_on``,
    ``am_signed_on`` (Timestamps; NaT where not signed), ``outcome_source``.
    """
    label = str(require_quarter(quarter))
    people = pd.Index(computed.index.astype(str), name="am_id")
    frame = pd.DataFrame(index=people)
    frame["computed_rating"] = [None if pd.isna(v) else str(v) for v in computed.to_numpy(dtype=object)]
    outcomes = _outcomes_of(review_outcomes, label)
    for column, name in _OUTCOME_COLUMNS.items():
        values = outcomes[column].reindex(people) if column in outcomes.columns else pd.Series(None, index=people)
        frame[name] = values.to_numpy() if name.endswith("_on") else _texts(values)
    for name in ("manager_signed_on", "am_signed_on"):
        frame[name] = pd.to_datetime(frame[name])
    signed = frame["manager_signed_on"].notna() & frame["am_signed_on"].notna()
    some = people.isin(
        people_with_input(quarter, competency_ratings, review_notes, review_outcomes, development_objectives)
    )
    frame["review_status"] = [SIGNED if s else IN_REVIEW if i else DRAFT for s, i in zip(signed, some)]
    return frame[STATUS_COLUMNS]


def _outcomes_of(review_outcomes: pd.DataFrame | None, label: str) -> pd.DataFrame:
    """The quarter's outcome rows by ``am_id`` (the contract allows one per person and quarter)."""
    if review_outcomes is None:
        return pd.DataFrame(index=pd.Index([], name="am_id"))
    rows = review_outcomes[review_outcomes["period"] == label]
    return rows.assign(am_id=rows["am_id"].astype(str)).drop_duplicates("am_id").set_index("am_id")


def _texts(values: pd.Series) -> list[str | None]:
    """Text as typed; None where missing or blank."""
    return [None if pd.isna(v) or not str(v).strip() else str(v) for v in values.to_numpy(dtype=object)]


def pack_review_status(pack: DataPack, quarter: Quarter, computed: pd.Series) -> pd.DataFrame:
    """:func:`review_status` of the people in ``computed`` from the pack's input tables."""
    return review_status(quarter, computed, **input_tables(pack))


def input_tables(pack: DataPack) -> Mapping[str, pd.DataFrame]:
    """The input tables (:data:`INPUT_TABLES`) the pack holds, by name."""
    return {name: pack[name] for name in INPUT_TABLES if pack.has(name)}


@dataclass(frozen=True)
class ReviewOutcome:
    """One person's row of :func:`review_status`, as a value a document reads."""

    status: str
    agreed_rating: str | None = None
    computed_rating: str | None = None
    rating_on_form: str | None = None
    change_reason: str | None = None
    manager_signed_by: str | None = None
    manager_signed_on: pd.Timestamp | None = None
    am_signed_on: pd.Timestamp | None = None
    source: str | None = None

    @classmethod
    def from_row(cls, row: pd.Series) -> ReviewOutcome:
        """From a row of :func:`review_status` (NaT and NaN become None)."""

        def value(name: str):
            item = row.get(name)
            return None if item is None or pd.isna(item) else item

        return cls(
            status=str(row["review_status"]),
            agreed_rating=value("agreed_rating"),
            computed_rating=value("computed_rating"),
            rating_on_form=value("rating_on_form"),
            change_reason=value("change_reason"),
            manager_signed_by=value("manager_signed_by"),
            manager_signed_on=value("manager_signed_on"),
            am_signed_on=value("am_signed_on"),
            source=value("outcome_source"),
        )

    @property
    def label(self) -> str:
        """``Draft``, ``In review`` or ``Signed``."""
        return STATUS_LABELS[self.status]

    @property
    def is_draft(self) -> bool:
        return self.status == DRAFT

    @property
    def changed(self) -> bool:
        """Whether a rating was agreed that is not the computed one."""
        return self.agreed_rating is not None and self.agreed_rating != self.computed_rating
