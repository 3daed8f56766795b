"""``scorecard.xlsx``: the quarter's scorecard as a hand-out, with the full data behind it.

Three sheets, in the order a reader needs them:

* **Scorecard** — for a manager: one row per account manager, sorted by team then name; their
  name, id, team and manager, the overall score and rating, the review's status and agreed
  rating (when the pack holds the review cycle's tables), the score of each measure of the
  config (labelled as in the reviews) and each measure's headline KPI as the review's summary
  shows it (:data:`~amreview.scoring.display.HEADLINE_KPIS`, with its attainment
  where the scorecard has one; one no one has a figure of is left off). Headers in words with
  their unit; each number in the format of its unit (:func:`amreview.formats.excel_format`:
  the documents' decimals, NPS a signed whole number, money with the config's currency, the
  separators the reader's Excel uses); a frozen header row and the names beside
  it, filters, and a landscape page one page wide when printed. Cells hold the scorecard's
  values unrounded: the format rounds what is shown, a formula over them computes on the figures.
* **Data** — for analysts: the scorecard's table as the CSV export has it (every column, its
  machine name, the same values; :func:`amreview.data.export.fill_table_sheet`).
* **Columns** — what each column of *Data* means: label, unit, measure, the KPI's formula from
  the registry (:func:`amreview.scoring.table_columns.column_meanings`), and the header it has on
  *Scorecard* where it is shown there.

A missing number is an empty cell, never 0 (the reviews say "no data" or "no target"); a missing
rating is the words ``no rating``, with the reason in *Why no rating*. Text from the pack (names,
teams) is never a formula (:mod:`amreview.data.export`).
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from amreview.data.datapack import DataPack
from amreview.data.export import TABLE_SUFFIXES, cell_value, fill_table_sheet, keep_text_as_text, write_table
from amreview.errors import AmreviewError
from amreview.files import write_bytes_atomic
from amreview.formats import NEUTRAL_FORMAT, NumberFormat, excel_format
from amreview.metrics.registry import ALL_MEASURES
from amreview.scoring.display import HEADLINE_KPIS
from amreview.scoring.outcomes import STATUS_LABELS, input_tables, pack_review_status
from amreview.scoring.scorecard import MEASURE_SCORE_SUFFIX, Scorecard
from amreview.scoring.table_columns import column_meanings, unit_words

HANDOUT_SHEET, DATA_SHEET, COLUMNS_SHEET = "Scorecard", "Data", "Columns"
NO_RATING = "no rating"
# A table unit → the words a header gives it ("" for none: money's currency, when the config
# names one, is in its cells' number format, and a count or a rate per week says its unit in its label).
HEADER_UNITS = {
    "score": "score 1–5",
    "pct": "%",
    "pct0": "%",
    "attainment": "%",
    "days": "days",
    "rating": "rating 1–5",
    "signed0": "−100 to +100",
}
# Shown only when someone has one: why a figure is missing, in words.
WHY_COLUMNS = {"measures_without_data": "Not scored for lack of data", "no_rating_reason": "Why no rating"}
TEXT_WIDTH_LIMIT = 40  # characters: longer text wraps in its cell, nothing is cut
NUMBER_WIDTH = 10
LINE_HEIGHT = 15  # points per line of an 11-point header


@dataclass(frozen=True)
class HandoutColumn:
    """A column of the *Scorecard* sheet: its ``header``, the ``source`` column of the
    scorecard's table (or of the review statuses) and the table ``unit`` it is shown in."""

    header: str
    source: str
    unit: str


def header(label: str, unit: str) -> str:
    """``label, unit`` in words (:data:`HEADER_UNITS`): ``Reports on time, %``; the label alone
    where the unit has no words or the label says it already (``GM %``, ``Overall score, 1–5``)."""
    words = HEADER_UNITS.get(unit, "")
    if unit == "score" and "score" in label.lower():
        words = "1–5"
    if not words or (words == "%" and "%" in label):
        return label
    return f"{label}, {words}"


def handout_columns(card: Scorecard, outcomes: pd.DataFrame | None = None) -> list[HandoutColumn]:
    """The columns of the *Scorecard* sheet (module docstring), in order. ``outcomes``: the
    review statuses (:func:`review_statuses`), None where the pack holds no review input."""
    table = card.table
    columns = [
        HandoutColumn("Team", "team", "text"),
        HandoutColumn("Account manager", "name", "text"),
        HandoutColumn("ID", "am_id", "text"),
        HandoutColumn("Manager", "manager", "text"),
        HandoutColumn(header("Overall score", "score"), "overall_score", "score"),
        HandoutColumn("Rating", "overall_rating", "text"),
    ]
    if outcomes is not None:
        columns += [HandoutColumn("Review status", "review_status", "text")]
        columns += [HandoutColumn("Agreed rating", "agreed_rating", "text")]
    measures = list(card.measures.columns)
    columns += [HandoutColumn(header(ALL_MEASURES[m], "score"), m + MEASURE_SCORE_SUFFIX, "score") for m in measures]
    for kpi_name in dict.fromkeys(HEADLINE_KPIS[m][0] for m in measures if m in HEADLINE_KPIS):
        if kpi_name not in card.kpis or not _has_data(table, kpi_name):
            continue
        unit = card.kpis[kpi_name].display_unit
        columns.append(HandoutColumn(header(card.kpis[kpi_name].label, unit), kpi_name, unit))
        attainment = f"{kpi_name}_attainment"
        if attainment in card.kpis and _has_data(table, attainment):
            columns.append(HandoutColumn(header(card.kpis[attainment].label, "attainment"), attainment, "attainment"))
    columns += [HandoutColumn(title, name, "text") for name, title in WHY_COLUMNS.items() if _has_data(table, name)]
    return columns


def _has_data(table: pd.DataFrame, column: str) -> bool:
    """Whether anyone has a value (not blank text) in ``column`` of the scorecard's table: a
    headline figure no one has (a pack without the table it needs) is left off the hand-out."""
    if column not in table.columns:
        return False
    values = table[column].dropna()
    return bool(len(values)) and bool(values.astype(str).str.strip().ne("").any())


def handout_frame(card: Scorecard, columns: list[HandoutColumn], outcomes: pd.DataFrame | None = None) -> pd.DataFrame:
    """The *Scorecard* sheet's cells: one row per account manager, sorted by team (none last),
    name and id; one column per :class:`HandoutColumn`, named by its header. Numbers are the
    scorecard's; the rating is ``no rating`` where there is none, the status its label
    (``Signed``), the measures without data their labels."""
    table = card.table
    if outcomes is not None:
        people = table["am_id"].astype(str)
        table = table.assign(
            review_status=people.map(outcomes["review_status"]).map(STATUS_LABELS),
            agreed_rating=people.map(outcomes["agreed_rating"]),
        )
    rows = table.sort_values(["team", "name", "am_id"], key=_text_order, na_position="last")
    return pd.DataFrame({c.header: _cells(rows, c.source).to_numpy() for c in columns})


def _cells(rows: pd.DataFrame, source: str) -> pd.Series:
    """A column of the scorecard as the hand-out shows it (:func:`handout_frame`)."""
    if source == "overall_rating":
        return rows[source].where(rows[source].notna(), NO_RATING)
    if source == "measures_without_data":
        return rows[source].map(_measure_labels)
    return rows[source]


def _text_order(values: pd.Series) -> pd.Series:
    return values.astype("string").str.casefold()


def _measure_labels(keys) -> str | None:
    """``"report_timeliness; crm_utilisation"`` → ``"Timeliness of reports; Demonstrate …"``."""
    if keys is None or pd.isna(keys) or not str(keys).strip():
        return None
    return "; ".join(ALL_MEASURES.get(k, k) for k in str(keys).split("; ") if k)


def review_statuses(pack: DataPack, card: Scorecard) -> pd.DataFrame | None:
    """Each person's review status and agreed rating (:func:`amreview.scoring.outcomes.review_status`),
    or None when the pack holds none of the review cycle's input tables (the columns are left out)."""
    if not input_tables(pack):
        return None
    return pack_review_status(pack, card.quarter, card.overall["overall_rating"])


def scorecard_workbook(card: Scorecard, outcomes: pd.DataFrame | None = None) -> Workbook:
    """The workbook of the module docstring (not saved)."""
    book = Workbook()
    handout = book.active
    handout.title = HANDOUT_SHEET
    columns = handout_columns(card, outcomes)
    _fill_sheet(handout, handout_frame(card, columns, outcomes), [c.unit for c in columns], card.config.number_format)
    handout.freeze_panes = "C2"  # the header row, and the team and name beside every figure
    _print_setup(handout, f"Scorecard {card.quarter}")
    fill_table_sheet(book.create_sheet(DATA_SHEET), card.table)
    meanings = column_meanings(card)
    shown = {c.source: c.header for c in columns}
    sheet = pd.DataFrame(
        {
            "Column": meanings["column"],
            "Label": meanings["label"],
            "Unit": meanings["unit"].map(unit_words),
            "Measure": meanings["measure"],
            f"On the {HANDOUT_SHEET} sheet as": meanings["column"].map(shown).fillna(""),
            "What it is": meanings["description"],
        }
    )
    columns_sheet = book.create_sheet(COLUMNS_SHEET)
    _fill_sheet(columns_sheet, sheet, ["text"] * sheet.shape[1], wide=("What it is",))
    columns_sheet.freeze_panes = "B2"
    book.properties.title = f"Scorecard {card.quarter}"
    return book


def write_scorecard_workbook(card: Scorecard, path: str | Path, outcomes: pd.DataFrame | None = None) -> Path:
    """Write :func:`scorecard_workbook` to ``path`` atomically, owner-only (see
    :mod:`amreview.files`); return the path. Made in memory first: openpyxl's zip file, failing
    on a full disk, would complain again when collected."""
    buffer = io.BytesIO()
    scorecard_workbook(card, outcomes).save(buffer)
    write_bytes_atomic(Path(path), buffer.getvalue())
    return Path(path)


def write_scorecard(card: Scorecard, path: str | Path, pack: DataPack) -> Path:
    """``amreview scorecard --out``: a ``.csv`` file is the table (:func:`write_table`), an
    ``.xlsx`` file this module's workbook, with the review statuses from ``pack``."""
    path = Path(path)
    if path.suffix.lower() not in TABLE_SUFFIXES:
        raise AmreviewError(f"cannot write {path.name}: expected a file name ending in .csv or .xlsx")
    if path.suffix.lower() == ".csv":
        return write_table(card.table, path)
    return write_scorecard_workbook(card, path, review_statuses(pack, card))


def _fill_sheet(
    ws, frame: pd.DataFrame, units: list[str], number_format: NumberFormat = NEUTRAL_FORMAT, wide: tuple[str, ...] = ()
) -> None:
    """``frame`` into the empty sheet ``ws``: bold wrapped headers, each column in the number
    format of its unit (money with the currency of ``number_format``), widths that fit (text up
    to :data:`TEXT_WIDTH_LIMIT` characters, or twice that for the ``wide`` columns, then
    wrapped), filters, text never a formula."""
    ws.append([str(c) for c in frame.columns])
    for values in frame.itertuples(index=False):
        ws.append([cell_value(v) for v in values])
    lines = 1
    for j, (column, unit) in enumerate(zip(frame.columns, units), start=1):
        limit = TEXT_WIDTH_LIMIT * (2 if column in wide else 1)
        width = _width(frame[column], str(column), unit, limit)
        for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
            if unit == "text":
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            elif cell.value is not None:
                cell.number_format = excel_format(unit, number_format)
                cell.alignment = Alignment(vertical="top")
        ws.column_dimensions[get_column_letter(j)].width = width + 2
        lines = max(lines, len(textwrap.wrap(str(column), max(width - 1, 1))))
    for cell, unit in zip(ws[1], units):  # a number's header over its right-aligned figures
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="bottom", horizontal="left" if unit == "text" else "right")
    ws.row_dimensions[1].height = LINE_HEIGHT * lines
    ws.auto_filter.ref = ws.dimensions
    keep_text_as_text(ws)


def _width(values: pd.Series, column: str, unit: str, limit: int) -> int:
    """A column's width in characters: its longest word of the header at least; a text column
    as wide as its longest value up to ``limit``; a number column :data:`NUMBER_WIDTH`."""
    longest_word = max((len(word) for word in column.split()), default=0) + 1  # bold
    if unit != "text":
        return max(NUMBER_WIDTH, longest_word)
    longest = values.dropna().astype(str).str.len().max() if values.notna().any() else 0
    return max(longest_word, min(max(int(longest), len(column), 6), limit))


def _print_setup(ws, title: str) -> None:
    """Landscape, one page wide, the header row on every page, the title in the page header."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.oddHeader.center.text = title.replace("&", "&&")
