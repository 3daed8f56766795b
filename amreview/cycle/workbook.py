"""A form as an ``.xlsx`` workbook (openpyxl): :func:`form_workbook` lays out a
:class:`~amreview.cycle.form_content.FormContent`, :func:`write_form` saves it atomically.

The sheets: **About** (who, which quarter, how to fill it in), **Figures** (read-only: the overall
score and computed rating, the headline figures, the measures' scores, where the figures stand in
the team and the organisation), **Competencies** (a rating 1–5 and a comment each; on a manager's
review beside the self-ratings), **Measures** (a comment per measure and an overall one),
**Objectives** (self-assessment: objectives proposed in words; manager's review: next quarter's
development objectives, the ones that carry over already there) and, on a manager's review,
**Outcome & sign-off** (the agreed rating, the computed one pre-filled; a reason for a change; the
signatures' names and dates; the account manager's comment at signing).

Design decisions, and why:

* **Every cell is protected but the input cells** (sheet protection without a password, the
  workbook's structure locked too): a person cannot change a figure by accident, and can still
  widen a column. Protection without a password keeps no one out on purpose, so reading back
  never trusts it: see the record below.
* **Dropdowns and validation** where a value comes from a list or a range: ratings 1–5, the five
  competencies and the config's rating labels (lists on a hidden sheet ``Lists``), due dates in
  next quarter, signing dates from the quarter's start, weights ≥ 0. Excel and LibreOffice Calc
  refuse other values as they are typed; :mod:`amreview.cycle.read_form` checks again, since a
  pasted value passes by.
* **The form records what it was made from**, twice: as custom document properties
  (``amreview.am_id``, ``amreview.period``, ``amreview.kind``, ``amreview.figures_fingerprint``,
  ``amreview.made_on``, ``amreview.form_version``, ``amreview.fiscal_year_start_month``), which
  Excel and LibreOffice keep through a save, and on a very hidden, protected sheet
  (:data:`RECORD_SHEET`): the identity, then one row per cell the form wrote — its key, sheet,
  cell (A1) and the value written. ``figure.*`` rows are the computed values (their fingerprint
  is the identity's), ``shown.*`` the person shown on *About*, ``label.*`` the labels that say
  where things are, ``input.*`` the cells a person fills in. The reader finds the input cells
  through the record, names a protected cell that was edited, and tells moved columns or rows
  by labels that are no longer where they were.
* **Text stays text**: a name or a comment from the pack that starts with ``=`` is a string cell
  (:func:`amreview.data.export.keep_text_as_text`), never a formula.
* **Made for A4**: each sheet prints on A4, fitted to the page's width, its header row repeated on
  every page; columns are wide enough to read and comments wrap.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils.datetime import to_excel
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from amreview.cycle.form_content import FormContent, Shown
from amreview.cycle.model import FormIdentity, FormKind
from amreview.data.export import keep_text_as_text
from amreview.files import write_bytes_atomic
from amreview.vocabulary import COMPETENCIES

ABOUT, FIGURES, COMPETENCIES_SHEET, MEASURES, OBJECTIVES, OUTCOME = (
    "About",
    "Figures",
    "Competencies",
    "Measures",
    "Objectives",
    "Outcome & sign-off",
)
LISTS, RECORD_SHEET = "Lists", "amreview"
PROPERTY_PREFIX = "amreview."
IDENTITY_FIELDS = (
    "am_id",
    "period",
    "kind",
    "figures_fingerprint",
    "made_on",
    "form_version",
    "fiscal_year_start_month",
)
RECORD_HEADER = ("key", "sheet", "cell", "value")
NEW_OBJECTIVE_ROWS = 8
PROPOSAL_ROWS = 6
WEIGHT_TOTAL = 100.0  # objective weights are percent of the plan
DATE_FORMAT = "yyyy-mm-dd"
UNIT_FORMATS = {
    "money": "#,##0",
    "fraction": "0.0%",
    "count": "#,##0",
    "days": "#,##0.0",
    "rating": "0.0",
    "number": "#,##0.00",
    "score": "0.00",
    "weight": "0%",
    "percentile": "0%",
}

COMPETENCY_HEADERS = {
    FormKind.SELF_ASSESSMENT: ("Competency", "Your rating (1–5)", "Evidence: examples from the quarter"),
    FormKind.MANAGER_REVIEW: (
        "Competency",
        "Self-rating",
        "Self-assessment evidence",
        "Your rating (1–5)",
        "Your comment",
    ),
}
MEASURE_HEADERS = {
    FormKind.SELF_ASSESSMENT: ("Measure", "Weight", "Score", "Rating", "Your comment"),
    FormKind.MANAGER_REVIEW: ("Measure", "Weight", "Score", "Rating", "Self-assessment comment", "Your comment"),
}
OBJECTIVE_HEADERS = ("Objective id", "Objective", "Competency", "Weight (%)", "Due date", "How success is measured")
OBJECTIVE_FIELDS = ("objective", "competency", "weight", "due_date", "success_measure")  # columns B–F
PROPOSAL_HEADERS = ("#", "Your proposal, in your words: what you will achieve, and how you will show it")
OUTCOME_ROWS = (  # label, the input's key (None: a figure shown), hint
    ("Computed rating", None, "From the scorecard: read-only."),
    ("Overall score", None, "From the scorecard: read-only."),
    ("Agreed rating", "agreed_rating", "Pick from the list; the computed rating is filled in."),
    ("Reason for a change", "change_reason", "Required where the agreed rating differs from the computed one."),
    ("Manager's name (signing)", "manager_signed_by", "Your name, as you sign."),
    ("Date signed by the manager", "manager_signed_on", "A date, e.g. 2026-10-12."),
    ("Date signed by the account manager", "am_signed_on", "A date, e.g. 2026-10-12."),
    ("Account manager's comment at signing", "am_comment", "The account manager may add comments before signing."),
)

BOLD, TITLE = Font(bold=True), Font(bold=True, size=14)
NOTE = Font(italic=True, color="555555")
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
READ_ONLY_FILL = PatternFill("solid", fgColor="F2F2F2")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
THIN = Side(style="thin", color="BFBFBF")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
UNLOCKED = Protection(locked=False)


@dataclass
class Record:
    """The cells a form wrote (module docstring): ``(key, sheet, cell, value)`` in writing order."""

    entries: list[tuple[str, str, str, object]] = field(default_factory=list)

    def add(self, key: str, ws: Worksheet, cell: str, value: object) -> None:
        self.entries.append((key, ws.title, cell, value))


# --------------------------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------------------------


def put_figure(ws: Worksheet, record: Record, cell: str, key: str, value: Shown) -> None:
    """A computed value, read-only, recorded as ``figure.<key>``."""
    target = ws[cell]
    target.value = value.cell
    if value.value is not None and value.unit in UNIT_FORMATS:
        target.number_format = UNIT_FORMATS[value.unit]
    target.fill, target.border, target.alignment = READ_ONLY_FILL, BOX, WRAP
    record.add(f"figure.{key}", ws, cell, value.cell)


def put_label(ws: Worksheet, record: Record, cell: str, key: str, text: str, header: bool = False) -> None:
    """A label that says where things are, recorded as ``label.<key>``."""
    target = ws[cell]
    target.value = text
    target.alignment = WRAP
    if header:
        target.font, target.fill, target.border = BOLD, HEADER_FILL, BOX
    record.add(f"label.{key}", ws, cell, text)


def put_input(
    ws: Worksheet, record: Record, cell: str, key: str, value: object = None, number_format: str | None = None
) -> None:
    """An input cell: unlocked, marked, recorded as ``input.<key>`` with its pre-filled value."""
    target = ws[cell]
    target.value = value
    target.protection, target.fill, target.border, target.alignment = UNLOCKED, INPUT_FILL, BOX, WRAP
    if number_format:
        target.number_format = number_format
    record.add(f"input.{key}", ws, cell, value)


def put_text(ws: Worksheet, record: Record, cell: str, text: str, font: Font | None = None) -> None:
    """A title, an instruction or a hint, recorded as ``text``: a cell the form wrote, so the
    reader tells it from something typed where nothing is collected."""
    ws[cell] = text
    if font is not None:
        ws[cell].font = font
    record.add("text", ws, cell, text)


def headers(ws: Worksheet, record: Record, row: int, names: tuple[str, ...], key: str) -> None:
    for column, name in enumerate(names, start=1):
        put_label(ws, record, f"{letter(column)}{row}", f"{key}.header.{column}", name, header=True)


def letter(column: int) -> str:
    return "ABCDEFGHIJ"[column - 1]


def sheet(
    book: Workbook, record: Record, title: str, widths: tuple[float, ...], heading: str, lines: tuple[str, ...]
) -> Worksheet:
    """A new protected sheet with its column widths, a title and instructions (rows 1–4)."""
    ws = book.create_sheet(title)
    for column, width in enumerate(widths, start=1):
        ws.column_dimensions[letter(column)].width = width
    put_text(ws, record, "A1", heading, TITLE)
    for row, line in enumerate(lines, start=2):
        put_text(ws, record, f"A{row}", line, NOTE)
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # people may widen a column, or a row, to read
    ws.protection.formatRows = False
    return ws


def print_setup(ws: Worksheet, header_row: int | None, landscape: bool = False) -> None:
    """A4, fitted to the page's width, the header row repeated on every page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if header_row is not None:
        ws.print_title_rows = f"{header_row}:{header_row}"
        ws.freeze_panes = f"A{header_row + 1}"


def validation(ws: Worksheet, cells: str, kind: str, prompt: str, error: str, **rule) -> None:
    """Data validation of ``cells`` (a range): ``kind`` ``whole``, ``decimal``, ``date`` or
    ``list``, blanks allowed, the rule's error shown when another value is typed."""
    dv = DataValidation(
        type=kind,
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorTitle="Not accepted",
        error=error,
        promptTitle="",
        prompt=prompt,
        **rule,
    )
    ws.add_data_validation(dv)
    dv.add(cells)


def day_serial(day) -> str:
    """A date as the serial number Excel's validation formulas take."""
    return str(int(to_excel(dt.datetime(day.year, day.month, day.day))))


# --------------------------------------------------------------------------------------------
# The sheets
# --------------------------------------------------------------------------------------------


def about_sheet(book: Workbook, content: FormContent, made_on: dt.datetime, record: Record) -> None:
    heading = content.kind.heading
    who = "you" if content.kind is FormKind.SELF_ASSESSMENT else f"you, as {content.name}'s manager"
    ws = sheet(
        book,
        record,
        ABOUT,
        (34, 60),
        f"{heading}: {content.period.label}",
        (f"This form is for {who}. Fill in the yellow cells only; the grey ones are computed and protected.",),
    )
    rows = (
        ("Account manager", "person.name", content.name),
        ("Account manager id", "person.am_id", content.am_id),
        ("Manager", "person.manager", content.manager),
        ("Team", "person.team", content.team or ""),
        ("Quarter reviewed", "form.period", str(content.period)),
        ("Form", "form.kind", heading),
        ("Objectives are for", "form.next_period", str(content.next_period)),
    )
    for row, (label, key, value) in enumerate(rows, start=4):
        put_label(ws, record, f"A{row}", f"about.{key}", label)
        ws[f"A{row}"].font = BOLD
        ws[f"B{row}"] = value or None
        ws[f"B{row}"].fill, ws[f"B{row}"].border = READ_ONLY_FILL, BOX
        record.add(f"shown.{key}", ws, f"B{row}", value or None)
    put_label(ws, record, "A11", "about.made_on", "Made on")
    put_text(ws, record, "B11", made_on.strftime("%Y-%m-%d %H:%M UTC"))
    steps = [
        "How to fill it in:",
        "1. Figures: what the scorecard computed for the quarter. If a figure looks wrong, say so in a comment.",
        "2. Competencies: a rating from 1 (well below) to 5 (well above what the role expects), and examples.",
        "3. Measures: a comment on each measure of the role, and an overall one.",
        "4. Objectives: "
        + (
            "the objectives you propose for next quarter, one a row, in your words."
            if content.kind is FormKind.SELF_ASSESSMENT
            else "next quarter's development objectives; the ones that carry over are there."
        ),
        "Save the file as it is (Excel .xlsx) and send it back; do not rename or move its sheets.",
    ]
    if content.is_manager_review:
        steps.insert(5, "5. Outcome & sign-off: the rating you agree, and the signatures after the meeting.")
    for row, line in enumerate(steps, start=13):
        put_text(ws, record, f"A{row}", line, BOLD if row == 13 else None)
    print_setup(ws, None)


def figures_sheet(book: Workbook, content: FormContent, record: Record) -> None:
    ws = sheet(
        book,
        record,
        FIGURES,
        (44, 18, 18, 18),
        f"Figures for {content.period}: read-only",
        (
            "Computed from the data pack by the scorecard, exactly as the review shows them.",
            "Percentile: the share of the group, this person included, whose figure is no better. No one else is "
            "named; groups under three people show none.",
        ),
    )
    for row, (label, key) in enumerate(
        (
            ("Overall score", "overall.score"),
            ("Computed rating", "overall.rating"),
            ("Why no rating", "overall.no_rating_reason"),
        ),
        start=5,
    ):
        put_label(ws, record, f"A{row}", f"figures.{key}", label)
        put_figure(ws, record, f"B{row}", key, content.figures()[key])
    row = 9
    headers(ws, record, row, ("Headline figure", "Value", "Target", "Attainment"), "figures.headline")
    for line in content.headline:
        row += 1
        put_label(ws, record, f"A{row}", f"figures.headline.{line.key}", line.label)
        for column, (part, value) in enumerate(
            (("value", line.value), ("target", line.target), ("attainment", line.attainment)), start=2
        ):
            put_figure(ws, record, f"{letter(column)}{row}", f"headline.{line.key}.{part}", value)
    row += 2
    headers(ws, record, row, ("Measure", "Weight", "Score", "Rating"), "figures.measures")
    for m in content.measures:
        row += 1
        put_label(ws, record, f"A{row}", f"figures.measure.{m.measure}", m.title)
        for column, (part, value) in enumerate(
            (("weight", m.weight), ("score", m.score), ("rating", m.rating)), start=2
        ):
            put_figure(ws, record, f"{letter(column)}{row}", f"measure.{m.measure}.{part}", value)
    if content.benchmarks:
        row += 2
        headers(
            ws,
            record,
            row,
            ("Where the figures stand", "Value", "Team percentile", "Organisation percentile"),
            "figures.benchmarks",
        )
        for b in content.benchmarks:
            row += 1
            put_label(ws, record, f"A{row}", f"figures.benchmark.{b.kpi}", b.label)
            for column, (part, value) in enumerate(
                (("value", b.value), ("team", b.team), ("organisation", b.organisation)), start=2
            ):
                put_figure(ws, record, f"{letter(column)}{row}", f"benchmark.{b.kpi}.{part}", value)
    print_setup(ws, None)


def competencies_sheet(book: Workbook, content: FormContent, record: Record) -> None:
    names = COMPETENCY_HEADERS[content.kind]
    manager = content.is_manager_review
    ws = sheet(
        book,
        record,
        COMPETENCIES_SHEET,
        (34, 16, 50, 16, 50) if manager else (34, 16, 70),
        f"The five competencies, {content.period}",
        (
            "Rate each competency from 1 (well below what the role expects) to 5 (well above), and say why.",
            "A comment needs a rating beside it.",
            *(
                ("The self-ratings are the account manager's, as collected from the self-assessment.",)
                if manager
                else ()
            ),
        ),
    )
    header = 6
    headers(ws, record, header, names, "competencies")
    rating_column = "D" if manager else "B"
    for row, line in enumerate(content.competencies, start=header + 1):
        n = row - header
        put_label(ws, record, f"A{row}", f"competency.{n}", line.competency)
        if manager:
            put_figure(ws, record, f"B{row}", f"competency.{line.competency}.self_rating", line.self_rating)
            put_figure(ws, record, f"C{row}", f"competency.{line.competency}.self_comment", line.self_comment)
        put_input(ws, record, f"{rating_column}{row}", f"competency.{n}.rating")
        put_input(ws, record, f"{'E' if manager else 'C'}{row}", f"competency.{n}.comment")
        ws.row_dimensions[row].height = 60
    last = header + len(content.competencies)
    validation(
        ws,
        f"{rating_column}{header + 1}:{rating_column}{last}",
        "whole",
        "A whole number from 1 to 5.",
        "A rating is a whole number from 1 to 5.",
        operator="between",
        formula1="1",
        formula2="5",
    )
    print_setup(ws, header, landscape=True)


def measures_sheet(book: Workbook, content: FormContent, record: Record) -> None:
    names = MEASURE_HEADERS[content.kind]
    manager = content.is_manager_review
    ws = sheet(
        book,
        record,
        MEASURES,
        (40, 10, 10, 16, 50, 50) if manager else (40, 10, 10, 16, 70),
        f"The measures of the role, {content.period}",
        (
            "A comment on each measure: what went well, what did not, and why. Scores are read-only.",
            "The two reporting measures share one section of the review: their comments appear there.",
        ),
    )
    header = 5
    headers(ws, record, header, names, "measures")
    comment_column = "F" if manager else "E"
    row = header
    for m in content.measures:
        row += 1
        put_label(ws, record, f"A{row}", f"measure.{m.measure}", m.title)
        for column, (part, value) in enumerate(
            (("weight", m.weight), ("score", m.score), ("rating", m.rating)), start=2
        ):
            put_figure(ws, record, f"{letter(column)}{row}", f"measure.{m.measure}.{part}", value)
        if manager:
            put_figure(ws, record, f"E{row}", f"measure.{m.measure}.self_comment", m.self_comment)
        put_input(ws, record, f"{comment_column}{row}", f"measure.{m.measure}.comment")
        ws.row_dimensions[row].height = 60
    row += 1
    put_label(ws, record, f"A{row}", "measure.overall", "Overall")
    ws[f"A{row}"].font = BOLD
    put_figure(ws, record, f"C{row}", "overall.score", content.overall_score)
    put_figure(ws, record, f"D{row}", "overall.rating", content.figures()["overall.rating"])
    if manager:
        put_figure(ws, record, f"E{row}", "overall.self_comment", content.overall_self_comment)
    put_input(ws, record, f"{comment_column}{row}", "measure.overall.comment")
    ws.row_dimensions[row].height = 80
    print_setup(ws, header, landscape=True)


def objectives_sheet(book: Workbook, content: FormContent, record: Record) -> None:
    """Self-assessment: proposals in words; manager's review: next quarter's objectives."""
    following = content.next_period
    if content.kind is FormKind.SELF_ASSESSMENT:
        ws = sheet(
            book,
            record,
            OBJECTIVES,
            (14, 90, 32),
            f"Objectives you propose for {following}",
            (
                f"One objective a row, in your words. Your manager agrees next quarter's ({following}) objectives "
                "with you at the review.",
            ),
        )
        row = 4
        if content.carried_objectives:
            row = carried_block(ws, content, record, row, ("Objective id", "Objective", "Competency"))
        put_text(ws, record, f"A{row}", f"Your proposals for {following}", BOLD)
        headers(ws, record, row + 1, PROPOSAL_HEADERS, "proposals")
        for n in range(1, PROPOSAL_ROWS + 1):
            put_label(ws, record, f"A{row + 1 + n}", f"proposal.{n}", str(n))
            put_input(ws, record, f"B{row + 1 + n}", f"proposal.{n}")
            ws.row_dimensions[row + 1 + n].height = 45
        print_setup(ws, row + 1, landscape=True)
        return
    ws = sheet(
        book,
        record,
        OBJECTIVES,
        (22, 50, 30, 12, 14, 44),
        f"Development objectives for {following}",
        (
            f"Next quarter's plan. Due dates fall in {following.label}. Weight: percent of the plan. "
            "Leave every weight empty (the objectives count the same), or give each objective one, "
            f"adding up to {WEIGHT_TOTAL:g}.",
            "The objectives that carry over (not achieved this quarter) keep their id: give them a weight, a due date "
            "and a measure of success.",
        ),
    )
    row = 5
    if content.proposed_objectives:
        put_text(ws, record, f"A{row}", f"Proposed by {content.name} in the self-assessment", BOLD)
        for n, proposal in enumerate(content.proposed_objectives, start=1):
            put_label(ws, record, f"A{row + n}", f"proposed.{n}", str(n))
            put_figure(ws, record, f"B{row + n}", f"proposed.{n}", proposal)
        row += len(content.proposed_objectives) + 2
    header = row
    headers(ws, record, header, OBJECTIVE_HEADERS, "objectives")
    for n, objective in enumerate(content.carried_objectives, start=1):
        row += 1
        put_figure(ws, record, f"A{row}", f"objective.{n}.id", Shown(objective.objective_id))
        put_figure(ws, record, f"B{row}", f"objective.{n}.objective", objective.objective)
        put_figure(ws, record, f"C{row}", f"objective.{n}.competency", objective.competency)
        objective_inputs(ws, record, row, f"c{n}", ("weight", "due_date", "success_measure"))
    for n in range(1, NEW_OBJECTIVE_ROWS + 1):
        row += 1
        ws[f"A{row}"].fill, ws[f"A{row}"].border = READ_ONLY_FILL, BOX
        objective_inputs(ws, record, row, f"n{n}", OBJECTIVE_FIELDS)
    objective_validation(ws, content, header + 1, row)
    print_setup(ws, header, landscape=True)


def carried_block(ws: Worksheet, content: FormContent, record: Record, row: int, names: tuple[str, ...]) -> int:
    """The objectives carrying over, read-only (self-assessment); the next free row."""
    put_text(ws, record, f"A{row}", f"Carrying over into {content.next_period}: not achieved this quarter", BOLD)
    headers(ws, record, row + 1, names, "carried")
    for n, objective in enumerate(content.carried_objectives, start=1):
        put_figure(ws, record, f"A{row + 1 + n}", f"objective.{n}.id", Shown(objective.objective_id))
        put_figure(ws, record, f"B{row + 1 + n}", f"objective.{n}.objective", objective.objective)
        put_figure(ws, record, f"C{row + 1 + n}", f"objective.{n}.competency", objective.competency)
    return row + len(content.carried_objectives) + 3


def objective_inputs(ws: Worksheet, record: Record, row: int, slot: str, fields: tuple[str, ...]) -> None:
    for name in fields:
        column = letter(OBJECTIVE_FIELDS.index(name) + 2)
        put_input(
            ws,
            record,
            f"{column}{row}",
            f"objective.{slot}.{name}",
            number_format={"due_date": DATE_FORMAT, "weight": "0.##"}.get(name),
        )
    ws.row_dimensions[row].height = 45


def objective_validation(ws: Worksheet, content: FormContent, first: int, last: int) -> None:
    following = content.next_period
    validation(
        ws,
        f"C{first}:C{last}",
        "list",
        "Pick a competency (or leave it empty).",
        "Pick one of the five competencies.",
        formula1=f"{LISTS}!$A$1:$A${len(COMPETENCIES)}",
    )
    validation(
        ws,
        f"D{first}:D{last}",
        "decimal",
        "Percent of the plan, 0 or more.",
        "A weight is a number, 0 or more.",
        operator="greaterThanOrEqual",
        formula1="0",
    )
    validation(
        ws,
        f"E{first}:E{last}",
        "date",
        f"A date in {following}.",
        f"The due date falls in {following.label}.",
        operator="between",
        formula1=day_serial(following.start),
        formula2=day_serial(following.end),
    )


def outcome_sheet(book: Workbook, content: FormContent, record: Record) -> None:
    ws = sheet(
        book,
        record,
        OUTCOME,
        (40, 44, 56),
        f"Outcome of the review and sign-off, {content.period}",
        (
            "Agree the rating at the meeting: the computed one stands unless you change it, with a reason.",
            "Both sign after the meeting; the account manager may add comments before signing.",
        ),
    )
    for row, (label, key, hint) in enumerate(OUTCOME_ROWS, start=5):
        put_label(ws, record, f"A{row}", f"outcome.{key or label}", label)
        ws[f"A{row}"].font = BOLD
        put_text(ws, record, f"C{row}", hint, NOTE)
        ws[f"C{row}"].alignment = WRAP
        if key is None:
            figure = "overall.rating" if label == "Computed rating" else "overall.score"
            put_figure(ws, record, f"B{row}", figure, content.figures()[figure])
        else:
            put_input(
                ws,
                record,
                f"B{row}",
                f"outcome.{key}",
                content.computed_rating if key == "agreed_rating" else None,
                DATE_FORMAT if key.endswith("_on") else None,
            )
        ws.row_dimensions[row].height = 60 if key in ("change_reason", "am_comment") else 20
    validation(
        ws,
        "B7",
        "list",
        "Pick a rating.",
        "Pick one of the rating labels.",
        formula1=f"{LISTS}!$B$1:$B${len(content.rating_labels)}",
    )
    validation(
        ws,
        "B10:B11",
        "date",
        f"A date from {content.period.start:%Y-%m-%d}.",
        f"The date of signing, from the start of {content.period}.",
        operator="greaterThanOrEqual",
        formula1=day_serial(content.period.start),
    )
    print_setup(ws, None)


def lists_sheet(book: Workbook, content: FormContent, record: Record) -> None:
    """The dropdowns' values (hidden): the competencies, the config's rating labels."""
    ws = book.create_sheet(LISTS)
    for row, competency in enumerate(COMPETENCIES, start=1):
        put_label(ws, record, f"A{row}", f"list.competency.{row}", competency)
    for row, label in enumerate(content.rating_labels, start=1):
        put_figure(ws, record, f"B{row}", f"rating_label.{row}", Shown(label))
    ws.sheet_state = "hidden"
    ws.protection.sheet = True


def record_sheet(book: Workbook, identity: FormIdentity, record: Record) -> None:
    """The record (module docstring) on a very hidden, protected sheet."""
    ws = book.create_sheet(RECORD_SHEET)
    ws.append(RECORD_HEADER)
    for name, text in identity_values(identity).items():
        ws.append((f"identity.{name}", None, None, text))
    for entry in record.entries:
        ws.append(entry)
    keep_text_as_text(ws)
    ws.sheet_state = "veryHidden"
    ws.protection.sheet = True


def identity_values(identity: FormIdentity) -> dict[str, str]:
    """The identity as text, by field (:data:`IDENTITY_FIELDS`)."""
    return {
        "am_id": identity.am_id,
        "period": str(identity.period),
        "kind": identity.kind.value,
        "figures_fingerprint": identity.figures_fingerprint,
        "made_on": identity.made_on.isoformat(),
        "form_version": str(identity.form_version),
        "fiscal_year_start_month": str(identity.period.start_month),
    }


# --------------------------------------------------------------------------------------------
# The workbook
# --------------------------------------------------------------------------------------------


def form_identity(content: FormContent, made_on: dt.datetime) -> FormIdentity:
    """What ``content``'s form records it was made from."""
    return FormIdentity(
        am_id=content.am_id,
        period=content.period,
        kind=content.kind,
        figures_fingerprint=content.figures_fingerprint,
        made_on=made_on,
    )


def form_workbook(content: FormContent, made_on: dt.datetime) -> Workbook:
    """The form of ``content`` (module docstring), made at ``made_on`` (UTC)."""
    book = Workbook()
    book.remove(book.active)
    record = Record()
    about_sheet(book, content, made_on, record)
    figures_sheet(book, content, record)
    competencies_sheet(book, content, record)
    measures_sheet(book, content, record)
    objectives_sheet(book, content, record)
    if content.is_manager_review:
        outcome_sheet(book, content, record)
    lists_sheet(book, content, record)
    identity = form_identity(content, made_on)
    record_sheet(book, identity, record)
    for name, value in identity_values(identity).items():
        book.custom_doc_props.append(StringProperty(name=PROPERTY_PREFIX + name, value=value))
    book.properties.title = f"{content.kind.heading}, {content.period}"
    book.properties.creator = "amreview"
    book.security = WorkbookProtection(lockStructure=True)
    for ws in book.worksheets:
        keep_text_as_text(ws)
    book.active = 0
    return book


def form_bytes(content: FormContent, made_on: dt.datetime) -> bytes:
    """The ``.xlsx`` file of :func:`form_workbook`, in memory."""
    buffer = io.BytesIO()
    form_workbook(content, made_on).save(buffer)
    return buffer.getvalue()


def write_form(content: FormContent, path: Path, made_on: dt.datetime) -> Path:
    """Write ``content``'s form to ``path`` atomically, with the modes of every amreview output
    (:mod:`amreview.files`); made in memory first, so a full disk leaves nothing half-written."""
    write_bytes_atomic(Path(path), form_bytes(content, made_on))
    return Path(path)
