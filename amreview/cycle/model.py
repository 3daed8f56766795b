"""The review cycle's values: what a form is made from, and what a returned form says.

A *form* is one ``.xlsx`` workbook about one account manager for one quarter: the account
manager's **self-assessment**, or the sales manager's **manager's review**. ``amreview forms``
writes them (:mod:`amreview.cycle.workbook`); people fill them in Excel or LibreOffice Calc;
``amreview collect`` reads them back (:mod:`amreview.cycle.read_form`) into a
:class:`ReturnedForm` and adds its rows to the pack (:mod:`amreview.cycle.collect`).

Every value a person typed keeps where it came from (:class:`CellSource`: file, sheet, cells,
the file's SHA-256), so a row in the pack can be traced to the cell it was typed in, and
collecting the same file twice can be recognised and change nothing.

A problem with a returned form is a :class:`FormProblem` naming the file, sheet and cell (A1),
what was expected and what was found; a form with problems is a :class:`FormError`, and
collects nothing (the other forms are still collected).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from amreview.errors import AmreviewError, shown
from amreview.periods import Quarter

FORM_VERSION = 1  # the layout's version: a form of another version is refused, not misread


class FormKind(StrEnum):
    """The two forms of a review: who fills it in."""

    SELF_ASSESSMENT = "self_assessment"  # the account manager, before the meeting
    MANAGER_REVIEW = "manager_review"  # the sales manager, at and after the meeting

    @property
    def heading(self) -> str:
        return {"self_assessment": "Self-assessment", "manager_review": "Manager's review"}[self.value]

    @property
    def rater(self) -> str:
        """The ``rater`` of the competency ratings this form carries (``competency_ratings``)."""
        return {"self_assessment": "self", "manager_review": "manager"}[self.value]


@dataclass(frozen=True)
class FormIdentity:
    """What a form was made from; written into the workbook so that it survives a round trip
    through Excel or LibreOffice, and checked again on collection.

    ``figures_fingerprint`` is the SHA-256 of the computed figures the form shows (KPIs, measure
    scores, rating, carried-over objectives): a form made from figures that have since changed
    is told apart from a good one.
    """

    am_id: str
    period: Quarter
    kind: FormKind
    figures_fingerprint: str
    made_on: dt.datetime
    form_version: int = FORM_VERSION


@dataclass(frozen=True)
class CellSource:
    """Where a value was typed: ``file`` (as collected), ``sheet``, ``cells`` in A1 notation
    (``"C7"`` or ``"C7:F7"``), the file's ``sha256``, and when it was ``collected_at``."""

    file: Path
    sheet: str
    cells: str
    sha256: str
    collected_at: dt.datetime

    def __str__(self) -> str:
        return f"{self.file.name}, sheet {self.sheet!r}, {self.cells}"


@dataclass(frozen=True)
class CompetencyInput:
    """One competency rated on a form: ``rating`` 1–5 (``None``: left blank), ``comment`` (evidence
    on a self-assessment, the manager's comment on a manager's review)."""

    competency: str
    rating: int | None
    comment: str
    source: CellSource


@dataclass(frozen=True)
class NoteInput:
    """A comment typed on a form about one part of the review (``section``: a key of
    ``documents.sections._common.NOTE_SECTIONS``, e.g. ``margin``, or ``sign_off`` for the account
    manager's comment at signing); ``author`` is the person who typed it."""

    section: str
    text: str
    author: str
    source: CellSource


@dataclass(frozen=True)
class ObjectiveInput:
    """A development objective for next quarter (proposed on a self-assessment, agreed on a
    manager's review). ``objective_id`` is kept for an objective that carries over, and made by
    collection for a new one."""

    objective_id: str | None
    objective: str
    competency: str | None
    weight: float | None
    due_date: dt.date | None
    success_measure: str
    source: CellSource


@dataclass(frozen=True)
class OutcomeInput:
    """The outcome block of a manager's review: the rating agreed (a rating label of the scorecard
    config; ``None``: left as computed), the reason for a change, and the sign-off."""

    agreed_rating: str | None
    computed_rating: str | None
    change_reason: str
    manager_signed_by: str
    manager_signed_on: dt.date | None
    am_signed_on: dt.date | None
    source: CellSource


@dataclass(frozen=True)
class ReturnedForm:
    """Everything a person typed on one returned form, checked field by field."""

    identity: FormIdentity
    path: Path
    sha256: str
    competencies: tuple[CompetencyInput, ...] = ()
    notes: tuple[NoteInput, ...] = ()
    objectives: tuple[ObjectiveInput, ...] = ()
    outcome: OutcomeInput | None = None  # manager's review only

    @property
    def is_empty(self) -> bool:
        """Nothing typed at all (a form sent back untouched)."""
        return not (
            any(c.rating is not None or c.comment for c in self.competencies)
            or self.notes
            or self.objectives
            or (self.outcome is not None and self.outcome != _blank(self.outcome))
        )


def _blank(outcome: OutcomeInput) -> OutcomeInput:
    return OutcomeInput(None, outcome.computed_rating, "", "", None, None, outcome.source)


@dataclass(frozen=True)
class FormProblem:
    """One thing wrong with a returned form, where a person can find it."""

    file: Path
    sheet: str | None  # None: the file as a whole (not a workbook, corrupt, protected by password)
    cell: str | None  # A1 notation; None: the sheet as a whole
    expected: str
    found: str

    def __str__(self) -> str:
        where = self.file.name
        if self.sheet is not None:
            where += f", sheet {self.sheet!r}"
        if self.cell is not None:
            where += f", cell {self.cell}"
        return f"{where}: expected {self.expected}; found {shown(self.found) if self.found else 'nothing'}"


@dataclass
class FormError(AmreviewError):
    """A returned form that cannot be collected: every problem found in it, each with file,
    sheet and cell. Exit code 3, as for a data pack with bad rows."""

    problems: list[FormProblem] = field(default_factory=list)
    exit_code = 3

    def __post_init__(self):
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)

    def __reduce__(self):
        return (type(self), (self.problems,))
