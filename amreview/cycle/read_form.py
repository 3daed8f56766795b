"""Reading a returned form (:func:`read_form`): a :class:`~amreview.cycle.model.ReturnedForm`,
or one :class:`~amreview.cycle.model.FormError` listing every problem found.

What is checked, and why:

* **The file**: an ``.xlsx`` workbook (:mod:`amreview.cycle.form_file`). An ``.xls``, an ``.ods``,
  a ``.csv``, a workbook protected by a password, an empty or damaged file each get one problem
  saying what was found and what to do; nothing else is read from it.
* **What it was made from** (:func:`read_identity`): the custom document properties and the hidden
  record sheet (:mod:`amreview.cycle.workbook`) must agree; the layout's version must be this one;
  the period is read on the config's fiscal year. :func:`identity_problems` compares it with what
  the collector expects (person, period, kind) and :func:`fingerprint_problems` the fingerprint
  with one computed now from the pack (figures that changed since the form was made).
* **Nothing protected was changed**: every sheet the form was made with is there (not deleted,
  not renamed); every label is where it was written (else columns or rows were moved, inserted or
  deleted: that sheet's input is not read, rather than read from the wrong cells); every computed
  value, title and instruction is as written (a protected cell edited is named); nothing is typed
  outside the input cells or on a sheet of one's own (it would not be collected); the record
  itself hashes to the form's fingerprint.
* **Every input, field by field**: ratings whole numbers 1–5; dates real dates, due dates in next
  quarter, signing dates from the quarter's start; weights numbers ≥ 0 that, where given, are given
  for every objective and add up to 100; competencies and rating labels from their lists; an agreed
  rating other than the computed one with a reason; a comment on a competency with a rating.
* **Text as typed**: a comment is kept whole (any length) and exactly as typed, also when a
  spreadsheet took it for a formula (``=1+1`` typed in a cell is read as the text ``=1+1``);
  numbers and dates typed where text was expected become their text. Nothing typed is dropped:
  what cannot be kept (an objective's weight without the objective) is a problem.
* **An empty form** (nothing typed; the agreed rating as pre-filled) is no error: its
  :attr:`~amreview.cycle.model.ReturnedForm.is_empty` is true and it carries no input.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Collection
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
    fingerprint_of,
)
from amreview.cycle.form_file import open_workbook, read_bytes
from amreview.cycle.model import (
    FORM_VERSION,
    CellSource,
    CompetencyInput,
    FormError,
    FormIdentity,
    FormKind,
    FormProblem,
    NoteInput,
    ObjectiveInput,
    OutcomeInput,
    ReturnedForm,
)
from amreview.cycle.workbook import IDENTITY_FIELDS, PROPERTY_PREFIX, RECORD_HEADER, RECORD_SHEET, WEIGHT_TOTAL
from amreview.periods import Quarter, is_quarter_label
from amreview.scoring.config import ScorecardConfig
from amreview.vocabulary import COMPETENCIES

WEIGHT_TOLERANCE = 0.01
T = TypeVar("T")


@dataclass(frozen=True)
class Expected:
    """What the collector expects of a form: one of ``am_ids``, of ``period``, of ``kind`` (None:
    any), and ``fingerprint``: the figures' fingerprint computed now for the form's identity
    (None from it: the person has no figures now)."""

    am_ids: Collection[str] | None = None
    period: Quarter | None = None
    kind: FormKind | None = None
    fingerprint: Callable[[FormIdentity], str | None] | None = None


@dataclass(frozen=True)
class Entry:
    """One row of a form's record: the key, and where the value was written (sheet, cell)."""

    key: str
    sheet: str
    cell: str
    value: object


# --------------------------------------------------------------------------------------------
# What it was made from
# --------------------------------------------------------------------------------------------


def record_of(book: Workbook, path: Path) -> tuple[dict[str, str], list[Entry]]:
    """The identity (field → text) and the entries of the form's record sheet; a
    :class:`FormError` when the workbook has none (not a form of amreview's)."""
    if RECORD_SHEET not in book.sheetnames:
        raise FormError(
            [
                FormProblem(
                    path,
                    None,
                    None,
                    "a form made by amreview forms, with its hidden sheet "
                    f"{RECORD_SHEET!r} recording what it was made from",
                    "a workbook with the sheets " + ", ".join(book.sheetnames),
                )
            ]
        )
    rows = list(book[RECORD_SHEET].iter_rows(values_only=True))
    if not rows or tuple(rows[0][:4]) != RECORD_HEADER:
        raise FormError(
            [FormProblem(path, RECORD_SHEET, "A1", "the record of the form as it was made", "a sheet that was changed")]
        )
    identity, entries = {}, []
    for key, sheet, cell, value, *_ in (tuple(r) + (None,) * 4 for r in rows[1:]):
        if not isinstance(key, str):
            continue
        if key.startswith("identity."):
            identity[key.removeprefix("identity.")] = "" if value is None else str(value)
        else:
            entries.append(Entry(key, str(sheet), str(cell), value))
    return identity, entries


def identity_of(
    book: Workbook, path: Path, config: ScorecardConfig, recorded: dict[str, str]
) -> tuple[FormIdentity | None, list[FormProblem]]:
    """The form's identity from its properties and its record (both written; either may be lost
    by a tool, so each stands in for the other; if both are there they must agree)."""
    properties = {
        p.name.removeprefix(PROPERTY_PREFIX): str(p.value)
        for p in book.custom_doc_props
        if p.name.startswith(PROPERTY_PREFIX)
    }
    problems, values = [], {}
    for name in IDENTITY_FIELDS:
        value = properties.get(name) or recorded.get(name) or ""
        if name in properties and recorded.get(name) and _same(name, properties[name]) != _same(name, recorded[name]):
            problems.append(
                FormProblem(
                    path,
                    RECORD_SHEET,
                    None,
                    f"the form's {name} as its properties record it: {properties[name]!r}",
                    recorded[name],
                )
            )
        values[name] = value
    made = made_on(values["made_on"])
    wrong = incomplete(values) or ("" if made is not None else f"made on {values['made_on']!r}")
    if wrong or made is None:
        problems.append(
            FormProblem(
                path,
                None,
                None,
                f"a form of this version of amreview forms (layout "
                f"{FORM_VERSION}) with a complete record of what it was made from",
                wrong,
            )
        )
        return None, problems
    start = int(_same("fiscal_year_start_month", values["fiscal_year_start_month"]))
    if start != config.fiscal_year_start_month:
        problems.append(
            FormProblem(
                path,
                None,
                None,
                f"a form made on a fiscal year starting in month "
                f"{config.fiscal_year_start_month}, as the scorecard config's",
                f"a form made on a fiscal year starting in month {start}",
            )
        )
    return FormIdentity(
        am_id=values["am_id"],
        period=Quarter.parse(values["period"], config.fiscal_year_start_month),
        kind=FormKind(values["kind"]),
        figures_fingerprint=values["figures_fingerprint"],
        made_on=made,
    ), problems


def incomplete(values: dict[str, str]) -> str:
    """What a form's recorded identity lacks or holds that this version cannot read; "" if nothing."""
    if values["kind"] not in {k.value for k in FormKind}:
        return f"form kind {values['kind']!r}"
    if _same("form_version", values["form_version"]) != str(FORM_VERSION):
        return f"layout version {values['form_version']!r}"
    if _same("fiscal_year_start_month", values["fiscal_year_start_month"]) not in {str(m) for m in range(1, 13)}:
        return f"fiscal year start month {values['fiscal_year_start_month']!r}"
    if not is_quarter_label(values["period"]):
        return f"period {values['period']!r}"
    if not re.fullmatch(r"[0-9a-f]{64}", values["figures_fingerprint"]) or not values["am_id"]:
        return "a record without the figures' fingerprint or the account manager's id"
    return ""


def made_on(text: str) -> dt.datetime | None:
    """When a form was made (ISO 8601), None when that is not what ``text`` holds."""
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def _same(name: str, text: str) -> str:
    """A recorded identity value in one spelling (LibreOffice may save ``1`` as ``1.0``)."""
    if name in ("form_version", "fiscal_year_start_month"):
        try:
            return str(int(float(text)))
        except ValueError:
            return text
    return text


def read_identity(path: Path, config: ScorecardConfig) -> FormIdentity:
    """What the form at ``path`` was made from (person, period, kind, fingerprint), without reading
    its input; a :class:`FormError` when that cannot be told."""
    path = Path(path)
    book = open_workbook(path, read_bytes(path))
    identity, problems = identity_of(book, path, config, record_of(book, path)[0])
    if identity is None or problems:
        raise FormError(problems)
    return identity


def identity_problems(
    identity: FormIdentity, path: Path, expected: Expected | None, entries: Collection[Entry] = ()
) -> list[FormProblem]:
    """Whether the form is one the collector expects (its person, period and kind): a problem
    each where not, named at the cell of *About* that shows it."""
    if expected is None:
        return []
    where = {e.key: (e.sheet, e.cell) for e in entries}
    problems = []

    def problem(key: str, wanted: str, found: str) -> None:
        sheet, cell = where.get(key, (None, None))
        problems.append(FormProblem(Path(path), sheet, cell, wanted, found))

    if expected.am_ids is not None and identity.am_id not in set(expected.am_ids):
        known = sorted(expected.am_ids)
        listed = ", ".join(known[:8]) + (f" … ({len(known)} in all)" if len(known) > 8 else "")
        problem("shown.person.am_id", f"a form for an account manager of this collection ({listed})", identity.am_id)
    if expected.period is not None and identity.period != expected.period:
        problem("shown.form.period", f"a form for {expected.period}", str(identity.period))
    if expected.kind is not None and identity.kind is not expected.kind:
        problem("shown.form.kind", f"a {expected.kind.heading.lower()} form", identity.kind.heading)
    return problems


def fingerprint_problems(identity: FormIdentity, path: Path, fresh: str | None) -> list[FormProblem]:
    """Whether the figures the form shows are those computed now (``fresh``: their fingerprint
    now; None: the person has no figures in the quarter now)."""
    if fresh is None:
        return [
            FormProblem(
                Path(path),
                None,
                None,
                f"a form for an account manager in role in {identity.period}",
                f"a form for {identity.am_id}, who is not on the scorecard now",
            )
        ]
    if fresh == identity.figures_fingerprint:
        return []
    return [
        FormProblem(
            Path(path),
            "Figures",
            None,
            "a form made from the figures as the pack holds them now",
            f"a form made on {identity.made_on:%Y-%m-%d %H:%M} from figures that have changed since: "
            "make the form again (amreview forms) and copy the input across",
        )
    ]


# --------------------------------------------------------------------------------------------
# Nothing protected changed
# --------------------------------------------------------------------------------------------


def layout_problems(
    book: Workbook, path: Path, entries: list[Entry], identity: FormIdentity
) -> tuple[set[str], list[FormProblem]]:
    """The sheets whose input cannot be read (missing, or labels moved), and every problem with
    the form's protected content (module docstring)."""
    problems = [
        FormProblem(
            path,
            sheet,
            None,
            f"the sheet {sheet!r}, as the form was made (sheets must not be renamed or deleted)",
            "the sheets " + ", ".join(book.sheetnames),
        )
        for sheet in dict.fromkeys(e.sheet for e in entries)
        if sheet not in book.sheetnames
    ]
    unreadable = {p.sheet for p in problems if p.sheet is not None}
    problems += changed_cells(
        book,
        path,
        [e for e in entries if e.key.startswith("label.")],
        unreadable,
        "the label {!r} here: columns or rows must not be moved, inserted or deleted",
    )
    unreadable |= {p.sheet for p in problems if p.sheet is not None}
    problems += changed_cells(
        book,
        path,
        [e for e in entries if e.key.startswith(("figure.", "shown.", "text"))],
        unreadable,
        "{!r} as the form was made (a protected cell: it cannot be changed here)",
    )
    problems += stray_input(book, path, entries, unreadable)
    if record_changed(entries, identity):
        problems.append(
            FormProblem(path, RECORD_SHEET, None, "the record of the form as it was made", "a record that was changed")
        )
    return unreadable, problems


def changed_cells(
    book: Workbook, path: Path, entries: list[Entry], unreadable: set[str], expected: str
) -> list[FormProblem]:
    """A problem for each of ``entries`` (on the sheets that can be read) whose cell no longer holds
    the value written; ``expected`` says what was expected, ``{!r}`` the value written."""
    problems = []
    for e in entries:
        if e.sheet not in unreadable:
            found = book[e.sheet][e.cell].value
            if canonical(found) != canonical(e.value):
                problems.append(FormProblem(path, e.sheet, e.cell, expected.format(e.value), typed_text(found)))
    return problems


def stray_input(book: Workbook, path: Path, entries: list[Entry], unreadable: set[str]) -> list[FormProblem]:
    """Text typed where nothing is collected (outside the cells the form wrote, or on a sheet
    added to it): a problem each, since it would otherwise be lost without a word."""
    written = {(e.sheet, e.cell) for e in entries}
    sheets = {e.sheet for e in entries} | {RECORD_SHEET}
    renamed = not sheets <= set(book.sheetnames)  # a sheet of another name may be one renamed: said already
    problems = []
    for ws in book.worksheets:
        if ws.title in unreadable or ws.title == RECORD_SHEET:
            continue
        typed = [
            c
            for row in ws.iter_rows()
            for c in row
            if not is_blank(c.value) and (ws.title, c.coordinate) not in written
        ]
        if ws.title not in sheets and typed and not renamed:
            problems.append(
                FormProblem(
                    path,
                    ws.title,
                    None,
                    "only the form's own sheets: what is typed on another is not collected",
                    f"a sheet of {len(typed)} filled cells",
                )
            )
        elif ws.title in sheets:
            problems += [
                FormProblem(
                    path,
                    ws.title,
                    c.coordinate,
                    "nothing here: input goes in the yellow cells, the only ones collected",
                    typed_text(c.value),
                )
                for c in typed
            ]
    return problems


def record_changed(entries: list[Entry], identity: FormIdentity) -> bool:
    """Whether the record's computed values hash to anything but the form's fingerprint (or one
    value the form shows in several places is recorded differently in one)."""
    figures: dict[str, object] = {}
    for e in entries:
        if e.key.startswith("figure."):
            key = e.key.removeprefix("figure.")
            if key in figures and canonical(figures[key]) != canonical(e.value):
                return True
            figures.setdefault(key, e.value)
    return fingerprint_of(figures) != identity.figures_fingerprint


# --------------------------------------------------------------------------------------------
# The input
# --------------------------------------------------------------------------------------------


@dataclass
class _Form:
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


def competencies(form: _Form) -> tuple[CompetencyInput, ...]:
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


def notes(form: _Form, author: str) -> list[NoteInput]:
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


def objectives(form: _Form, following: Quarter) -> tuple[ObjectiveInput, ...]:
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


def objective(form: _Form, slot: str, cells: dict[str, Entry], following: Quarter) -> ObjectiveInput | None:
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


def weight_problems(form: _Form, weights: list[tuple[Entry, float | None]]) -> None:
    """The rule of the weights (said on the sheet): none, or one for every objective, adding up to
    :data:`~amreview.cycle.workbook.WEIGHT_TOTAL` percent."""
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
    form: _Form, config: ScorecardConfig, period: Quarter, name: str
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


# --------------------------------------------------------------------------------------------
# A returned form
# --------------------------------------------------------------------------------------------


def read_form(
    path: Path, config: ScorecardConfig, *, expected: Expected | None = None, collected_at: dt.datetime | None = None
) -> ReturnedForm:
    """Read the form at ``path`` (module docstring) under the scorecard ``config`` it was made
    with; ``expected`` says whose, which quarter's and which kind of form the collector takes,
    and how to compute the figures' fingerprint now. Every problem found is in one
    :class:`~amreview.cycle.model.FormError`; a form with none is a
    :class:`~amreview.cycle.model.ReturnedForm` whose values keep their cells
    (``collected_at``: when, UTC; now by default)."""
    path = Path(path)
    data = read_bytes(path)
    book = open_workbook(path, data)
    recorded, entries = record_of(book, path)
    identity, problems = identity_of(book, path, config, recorded)
    if identity is None:
        raise FormError(problems)
    wrong_form = identity_problems(identity, path, expected, entries)
    problems += wrong_form
    if not wrong_form and expected is not None and expected.fingerprint is not None:
        problems += fingerprint_problems(identity, path, expected.fingerprint(identity))
    unreadable, layout = layout_problems(book, path, entries, identity)
    problems += layout
    form = _Form(
        path, book, entries, unreadable, hashlib.sha256(data).hexdigest(), collected_at or dt.datetime.now(dt.UTC)
    )
    name = typed_text(form.recorded("shown.person.name"))
    manager_review = identity.kind is FormKind.MANAGER_REVIEW
    returned = ReturnedForm(identity=identity, path=path, sha256=form.sha256)
    if form.typed():
        author = typed_text(form.recorded("shown.person.manager")) if manager_review else name
        rated, said = competencies(form), notes(form, author)  # in the order of the sheets
        agreed = objectives(form, identity.period.next()) if manager_review else ()
        result, sign_off = outcome(form, config, identity.period, name) if manager_review else (None, None)
        returned = ReturnedForm(
            identity=identity,
            path=path,
            sha256=form.sha256,
            competencies=rated,
            notes=tuple(said + ([sign_off] if sign_off else [])),
            objectives=agreed,
            outcome=result,
        )
    elif manager_review:
        returned = ReturnedForm(identity=identity, path=path, sha256=form.sha256, outcome=blank_outcome(form))
    problems += form.problems
    if problems:
        raise FormError(problems)
    return returned


def blank_outcome(form: _Form) -> OutcomeInput | None:
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
