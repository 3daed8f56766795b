"""A returned form's input, sheet by sheet, field by field: the competencies' ratings and
comments, the measures' and overall notes, the objectives agreed for next quarter (weights that
add up) and the outcome and sign-off. Each reader takes a :class:`FilledForm` (the workbook, its
record, the problems found so far) and adds a problem, naming the cell, for what it cannot read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from openpyxl.workbook.workbook import Workbook

from amreview.cycle.cells import Unreadable, as_choice, as_date, as_rating, as_weight, is_blank, typed_text
from amreview.cycle.form_content import (
    MEASURE_NOTE_SECTIONS,
    NO_RATING,
    OVERALL_NOTE_SECTION,
    PROPOSED_OBJECTIVES_SECTION,
    SIGN_OFF_SECTION,
    canonical,
)
from amreview.cycle.form_layout import WEIGHT_TOTAL
from amreview.cycle.form_record import Entry
from amreview.cycle.model import (
    CellSource,
    CompetencyInput,
    FormProblem,
    NoteInput,
    ObjectiveInput,
    OutcomeInput,
)
from amreview.periods import Quarter
from amreview.scoring.config import ScorecardConfig
from amreview.vocabulary import COMPETENCIES

WEIGHT_TOLERANCE = 0.01
T = TypeVar("T")


@dataclass
class FilledForm:
    """A returned form being read: its workbook, record and the problems found so far."""

    path: Path
    book: Workbook
    entries: list[Entry]
    unreadable: set[str]
    sha256: str
    collected_at: dt.datetime
    problems: list[FormProblem] = field(default_factory=list)

    def __post_init__(self):
        self.by_key = {e.key: e for e in self.entries}

    def inputs(self, prefix: str) -> list[Entry]:
        """The input entries under ``input.<prefix>`` of the sheets that can be read."""
        return [e for e in self.entries if e.key.startswith(f"input.{prefix}") and e.sheet not in self.unreadable]

    def value(self, entry: Entry) -> object:
        return self.book[entry.sheet][entry.cell].value

    def recorded(self, key: str) -> object:
        entry = self.by_key.get(key)
        return None if entry is None else entry.value

    def parse(self, entry: Entry, parser: Callable[[object], T | None]) -> T | None:
        """``parser`` of the entry's cell value; a problem (and None) where it does not parse."""
        value = self.value(entry)
        try:
            return parser(value)
        except Unreadable as exc:
            self.problem(entry, exc.expected, typed_text(value))
            return None

    def problem(self, entry: Entry, expected: str, found: str, cells: str | None = None) -> None:
        self.problems.append(FormProblem(self.path, entry.sheet, cells or entry.cell, expected, found))

    def problems_at(self, entry: Entry) -> bool:
        """Whether a problem was found at ``entry``'s cell already."""
        return any(p.sheet == entry.sheet and p.cell == entry.cell for p in self.problems)

    def source(self, first: Entry, last: Entry | None = None) -> CellSource:
        cells = first.cell if last is None or last.cell == first.cell else f"{first.cell}:{last.cell}"
        return CellSource(self.path, first.sheet, cells, self.sha256, self.collected_at)

    def typed(self) -> bool:
        """Whether anything was typed (the agreed rating counts when changed from the pre-filled one)."""
        return any(
            not is_blank(self.value(e)) and canonical(self.value(e)) != canonical(e.value) for e in self.inputs("")
        )


def competencies(form: FilledForm) -> tuple[CompetencyInput, ...]:
    rated = []
    for entry in form.inputs("competency."):
        if not entry.key.endswith(".rating"):
            continue
        number = entry.key.split(".")[2]
        comment_entry = form.by_key[f"input.competency.{number}.comment"]
        competency = str(form.recorded(f"label.competency.{number}"))
        rating = form.parse(entry, as_rating)
        comment = typed_text(form.value(comment_entry))
        if rating is None and not is_blank(comment) and not form.problems_at(entry):
            form.problem(entry, f"a rating from 1 to 5 of {competency}, with the comment beside it", "")
        if rating is not None:
            rated.append(
                CompetencyInput(
                    competency, int(rating), "" if is_blank(comment) else comment, form.source(entry, comment_entry)
                )
            )
    return tuple(rated)


def notes(form: FilledForm, author: str) -> list[NoteInput]:
    """The comments on the measures (each in its review section; the overall one in ``summary``)
    and the objectives proposed on a self-assessment (one ``proposed_objectives`` note each)."""
    found = []
    for entry in form.inputs("measure.") + form.inputs("proposal."):
        text = typed_text(form.value(entry))
        if is_blank(text):
            continue
        if entry.key.startswith("input.proposal."):
            section = PROPOSED_OBJECTIVES_SECTION
        else:
            measure = entry.key.split(".")[2]
            section = OVERALL_NOTE_SECTION if measure == "overall" else MEASURE_NOTE_SECTIONS.get(measure, "")
            if not section:
                form.problem(entry, "a comment on a measure of the role", f"a comment on {measure!r}")
                continue
        found.append(NoteInput(section, text, author, form.source(entry)))
    return found


def objectives(form: FilledForm, following: Quarter) -> tuple[ObjectiveInput, ...]:
    """Next quarter's development objectives of a manager's review: the ones carried over, and
    every new row with anything typed; then the rule of the weights (:func:`weight_problems`)."""
    slots: dict[str, dict[str, Entry]] = {}
    for entry in form.inputs("objective."):
        _, _, slot, name = entry.key.split(".")
        slots.setdefault(slot, {})[name] = entry
    found, weights = [], []
    for slot, cells in slots.items():
        item = objective(form, slot, cells, following)
        if item is not None:
            found.append(item)
            weights.append((cells["weight"], item.weight))
    weight_problems(form, weights)
    return tuple(found)


def objective(form: FilledForm, slot: str, cells: dict[str, Entry], following: Quarter) -> ObjectiveInput | None:
    """One row of the objectives (``slot`` ``c<n>``: the n-th carried over; ``n<k>``: a new one),
    None for a new row left empty."""
    if slot.startswith("c"):
        number = slot[1:]
        first = form.by_key[f"figure.objective.{number}.id"]
        objective_id: str | None = str(first.value)
        text = typed_text(form.recorded(f"figure.objective.{number}.objective"))
        recorded = form.recorded(f"figure.objective.{number}.competency")
        competency = None if is_blank(recorded) else str(recorded)
    else:
        if all(is_blank(form.value(e)) for e in cells.values()):
            return None
        first, objective_id = cells["objective"], None
        text = typed_text(form.value(first))
        if is_blank(text):
            form.problem(
                first, "the objective itself, as its row has a competency, weight, due date or measure of success", ""
            )
        competency = form.parse(cells["competency"], lambda v: as_choice(v, COMPETENCIES, "a competency"))
    weight_cell = form.book[cells["weight"].sheet][cells["weight"].cell]
    weight = form.parse(cells["weight"], lambda v: as_weight(v, weight_cell.number_format or ""))
    due = form.parse(cells["due_date"], as_date)
    if isinstance(due, dt.date) and not following.start.date() <= due <= following.end.date():
        form.problem(cells["due_date"], f"a due date in {following.label}", due.isoformat())
    success = typed_text(form.value(cells["success_measure"]))
    return ObjectiveInput(
        objective_id=objective_id,
        objective=text,
        competency=competency,
        weight=weight,
        due_date=due,
        success_measure="" if is_blank(success) else success,
        source=form.source(first, cells["success_measure"]),
    )


def weight_problems(form: FilledForm, weights: list[tuple[Entry, float | None]]) -> None:
    """The rule of the weights (said on the sheet): none, or one for every objective, adding up to
    :data:`~amreview.cycle.form_layout.WEIGHT_TOTAL` percent."""
    given = [w for _, w in weights if w is not None]
    if not given:
        return
    bad = [e for e, w in weights if w is None and form.problems_at(e)]
    for entry, weight in weights:
        if weight is None and entry not in bad:
            form.problem(
                entry, "a weight, as the other objectives have one (give every objective a weight, or none)", ""
            )
    total = sum(given)
    if not bad and abs(total - WEIGHT_TOTAL) > WEIGHT_TOLERANCE:
        first, last = weights[0][0], weights[-1][0]
        form.problem(
            first,
            f"weights adding up to {WEIGHT_TOTAL:g} (percent of the plan)",
            f"{total:g}",
            cells=f"{first.cell}:{last.cell}",
        )


def outcome(
    form: FilledForm, config: ScorecardConfig, period: Quarter, name: str
) -> tuple[OutcomeInput | None, NoteInput | None]:
    """The outcome block of a manager's review, and the account manager's comment at signing."""
    cells = {e.key.removeprefix("input.outcome."): e for e in form.inputs("outcome.")}
    if not cells:
        return None, None  # the sheet cannot be read: its problems say why
    shown_rating = form.recorded("figure.overall.rating")
    computed = None if is_blank(shown_rating) or shown_rating == NO_RATING else str(shown_rating)
    labels = [r.label for r in config.ratings]
    agreed = form.parse(cells["agreed_rating"], lambda v: as_choice(v, labels, "a rating label of the scorecard"))
    reason = typed_text(form.value(cells["change_reason"]))
    if agreed is not None and computed is not None and agreed != computed and is_blank(reason):
        form.problem(
            cells["change_reason"],
            f"a reason for agreeing the rating {agreed!r} where the scorecard computed {computed!r}",
            "",
        )
    signed_by = typed_text(form.value(cells["manager_signed_by"]))
    dates = {}
    for key in ("manager_signed_on", "am_signed_on"):
        day = form.parse(cells[key], as_date)
        if isinstance(day, dt.date) and day < period.start.date():
            form.problem(
                cells[key], f"a date of signing from {period.start:%Y-%m-%d}, the start of {period}", day.isoformat()
            )
        dates[key] = day if isinstance(day, dt.date) else None
    if dates["manager_signed_on"] is not None and is_blank(signed_by):
        form.problem(cells["manager_signed_by"], "the name of the manager who signed", "")
    result = OutcomeInput(
        agreed_rating=None if agreed == computed else str(agreed) if agreed else None,
        computed_rating=computed,
        change_reason="" if is_blank(reason) else reason,
        manager_signed_by="" if is_blank(signed_by) else signed_by,
        manager_signed_on=dates["manager_signed_on"],
        am_signed_on=dates["am_signed_on"],
        source=form.source(cells["agreed_rating"], cells["am_signed_on"]),
    )
    comment = typed_text(form.value(cells["am_comment"]))
    note = None if is_blank(comment) else NoteInput(SIGN_OFF_SECTION, comment, name, form.source(cells["am_comment"]))
    return result, note


def blank_outcome(form: FilledForm) -> OutcomeInput | None:
    """The outcome of a manager's review sent back untouched: the computed rating, nothing agreed."""
    cells = form.inputs("outcome.")
    if not cells:
        return None
    shown_rating = form.recorded("figure.overall.rating")
    return OutcomeInput(
        None,
        None if is_blank(shown_rating) or shown_rating == NO_RATING else str(shown_rating),
        "",
        "",
        None,
        None,
        form.source(cells[0], cells[-1]),
    )
