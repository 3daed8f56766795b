"""Writing tables for other tools: CSV (plain numbers) or a formatted Excel workbook, by suffix.

Excel output is for people: fractions shown as %, money with thousands separators, a frozen
header row and filters.

**No formula in any export.** Text comes from exports many people can write into (a CRM user
names their own accounts), and a spreadsheet runs a cell that starts like a formula
(``=HYPERLINK(...)``, ``=cmd|' /C calc'!A0``, ``+1+1``, ``@SUM(A1)``). Every table amreview
writes goes through this module's rules, for CSV and for Excel alike, and anything new that
writes a table for a spreadsheet (forms, collected data) must too:

* CSV — :func:`write_csv` (or :func:`formula_safe` on the frame, for a writer of its own):
  a text cell that could start a formula (:func:`could_be_formula`, the OWASP rule: it starts
  with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, also after leading spaces) gets a
  leading apostrophe ``'``, which spreadsheets show as text. Numbers stay numbers: a negative
  number, or text that is only a number (``-200.5``), is left alone. Leading apostrophes are
  ignored when deciding, and the escaped form gets one more, so :func:`restore_formula_text`
  gives back exactly the value written: the pack loader applies it to CSV packs, so a pack
  written and read again holds the same values.
* Excel — :func:`keep_text_as_text` on every sheet before it is saved: openpyxl stores a string
  that starts with ``=`` as a formula, and ``#N/A``-like strings as error values; they become
  string cells again (no apostrophe is needed in a string cell).
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from amreview.errors import AmreviewError
from amreview.files import atomic_path, write_bytes_atomic

TABLE_SUFFIXES = (".csv", ".xlsx")
PERCENT_SUFFIXES = ("_pct", "_attainment", "_rate", "_share")
COUNT_COLUMNS = {"active_accounts", "new_accounts"}


def column_format(column: str) -> str:
    """The Excel number format of a column, from its name (the contract's naming rules)."""
    if column.endswith(PERCENT_SUFFIXES):
        return "0.0%"
    if column in COUNT_COLUMNS or column.endswith(("_count", "new_accounts_target")):
        return "#,##0"
    return "#,##0.00"


def write_table(frame: pd.DataFrame, path: str | Path, sheet: str = "scorecard") -> Path:
    """Write ``frame`` to ``path`` (``.csv`` or ``.xlsx``) atomically, owner-only (see
    :mod:`amreview.files`); return the path. A path that cannot be written is an
    :class:`~amreview.errors.OutputError`."""
    path = Path(path)
    if path.suffix.lower() not in TABLE_SUFFIXES:
        raise AmreviewError(f"cannot write {path.name}: expected a file name ending in .csv or .xlsx")
    if path.suffix.lower() == ".csv":
        with atomic_path(path) as tmp:
            write_csv(frame, tmp)
    else:  # made in memory: openpyxl's zip file, failing on a full disk, would complain again when collected
        buffer = io.BytesIO()
        _write_xlsx(frame, buffer, sheet)
        write_bytes_atomic(path, buffer.getvalue())
    return path


def _write_xlsx(frame: pd.DataFrame, path: Path | IO[bytes], sheet: str) -> None:
    book = Workbook()
    ws = book.active
    ws.title = sheet
    fill_table_sheet(ws, frame)
    book.save(path)


def fill_table_sheet(ws, frame: pd.DataFrame) -> None:
    """Write ``frame`` into the empty openpyxl sheet ``ws`` for analysts: its column names as
    they are (bold) in row 1, one row per record, numbers in the format of their column's name
    (:func:`column_format`), text never a formula (module docstring), a frozen header row and
    filters over every column."""
    ws.append([str(c) for c in frame.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    numeric = {c: pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns}
    for values in frame.itertuples(index=False):
        ws.append([cell_value(v) for v in values])
    for j, column in enumerate(frame.columns, start=1):
        letter = get_column_letter(j)
        width = max(len(str(column)), 10)
        for row in range(2, ws.max_row + 1):
            cell = ws.cell(row=row, column=j)
            if numeric[column] and cell.value is not None:
                cell.number_format = column_format(str(column))
            elif isinstance(cell.value, str):
                cell.data_type = "s"  # text from the data is never a formula
                width = max(width, min(len(cell.value), 40))
        ws.column_dimensions[letter].width = width + 2
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    keep_text_as_text(ws)


def cell_value(value):
    """``value`` as openpyxl writes it: a plain Python number, text or datetime; None where missing."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


# --------------------------------------------------------------------------------------------
# No formula in any export (module docstring)
# --------------------------------------------------------------------------------------------

ESCAPE = "'"
# After any leading apostrophes: a tab or CR, or (after optional whitespace) = + - @
_FORMULA_START = re.compile(r"[\t\r]|\s*[=+\-@]")
_PLAIN_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def could_be_formula(text: str) -> bool:
    """Whether a spreadsheet could take the text cell ``text`` for a formula (OWASP's rule for
    CSV injection): after any leading apostrophes it starts with a tab or a carriage return,
    or, after optional whitespace, with ``=``, ``+``, ``-`` or ``@`` — unless it is only a
    number (``-200.5``, ``+3``), which a spreadsheet reads as that number."""
    bare = text.lstrip(ESCAPE)
    return bool(_FORMULA_START.match(bare)) and not _PLAIN_NUMBER.fullmatch(bare)


def escape_formula(value):
    """``value`` as a CSV cell that no spreadsheet runs: text that :func:`could_be_formula`
    gets one more leading apostrophe; anything else (numbers, dates, missing) is returned as it
    is. For one value; :func:`formula_safe` does a whole frame."""
    return ESCAPE + value if isinstance(value, str) and could_be_formula(value) else value


def restore_formula_text(value):
    """The inverse of :func:`escape_formula`: ``"'=1+1"`` → ``"=1+1"``, and anything
    :func:`escape_formula` would not have written is returned as it is (``"'t Hooft"``)."""
    if isinstance(value, str) and value.startswith(ESCAPE) and could_be_formula(value):
        return value[1:]
    return value


def formula_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with :func:`escape_formula` applied to every text cell and column name (a
    shallow copy; the caller's frame is not changed). Only text columns are looked at."""
    return _each_text_cell(frame, escape_formula, restore=False)


def formula_text_restored(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (as read from a CSV file) with :func:`restore_formula_text` applied to every
    text cell and column name: the values that were written."""
    return _each_text_cell(frame, restore_formula_text, restore=True)


def write_csv(frame: pd.DataFrame, path: str | Path, **options) -> None:
    """``frame.to_csv(path, index=False, **options)`` of :func:`formula_safe` ``(frame)``: the
    one way amreview writes a CSV file (atomic writing is the caller's, see :mod:`amreview.files`)."""
    formula_safe(frame).to_csv(path, index=False, **options)


def write_data_workbook(frame: pd.DataFrame, path: str | Path, sheet: str = "Sheet1") -> None:
    """``frame`` as a plain workbook (pandas' layout: a header row, one row per record) whose
    text cells all stay text (:func:`keep_text_as_text`): a data pack's ``.xlsx`` table."""
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name=sheet, index=False)
        keep_text_as_text(writer.sheets[sheet])


def _each_text_cell(frame: pd.DataFrame, rule, restore: bool) -> pd.DataFrame:
    columns = [rule(c) if isinstance(c, str) else c for c in frame.columns]
    changed = {}
    for position in range(frame.shape[1]):
        values = frame.iloc[:, position]
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype(object)  # its cells, not its categories, are written
        positions = np.flatnonzero(_may_change(values, restore).to_numpy(dtype=bool))
        if not positions.size:
            continue
        old = values.iloc[positions].tolist()
        new = [rule(v) if isinstance(v, str) else v for v in old]
        touched = [i for i, (a, b) in enumerate(zip(old, new)) if isinstance(a, str) and a != b]
        if touched:
            values = values.copy()
            values.iloc[positions[touched]] = [new[i] for i in touched]
            changed[position] = values
    if not changed and columns == list(frame.columns):
        return frame
    result = frame.copy(deep=False)
    for position, values in changed.items():
        result.isetitem(position, values)
    result.columns = columns
    return result


def _may_change(values: pd.Series, restore: bool) -> pd.Series:
    """A cheap superset of the cells of a text column the rule may change: those whose first
    character after any apostrophes is not an ASCII letter, digit or ``_`` (with an apostrophe
    first, to restore). In pandas' (Arrow's) string kernels, so a ten-million-line column is
    not walked in Python; an object column (mixed values) is tested cell by cell."""
    if not pd.api.types.is_string_dtype(values) or pd.api.types.is_object_dtype(values):
        text = values.map(lambda v: isinstance(v, str), na_action="ignore").fillna(False).astype(bool)
        values = values.where(text, "x").astype(str)
    if restore:
        return values.str.startswith(ESCAPE, na=False).astype(bool)
    return values.str.match(r"'*[^0-9A-Za-z_]", na=False).astype(bool)


def keep_text_as_text(sheet) -> None:
    """Make every cell of an openpyxl ``sheet`` that holds a string a string cell: openpyxl
    takes a string starting with ``=`` for a formula and ``#N/A``-like strings for error values.
    Call it on every sheet amreview writes, just before saving (module docstring)."""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type in ("f", "e") and isinstance(cell.value, str):
                cell.data_type = "s"
