"""What every sheet of a form is made of: the sheets' names and headers, the record of cells
written, the styles, and helpers that put a figure, a label or an input cell and record it.

:mod:`amreview.cycle.form_sheets` lays out the sheets with them; :mod:`amreview.cycle.read_form`
reads a returned form by the same names (the record sheet's header, the identity's fields).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from amreview.cycle.form_content import Shown
from amreview.cycle.model import FormKind

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
