"""Writing tables for other tools: CSV (plain numbers) or a formatted Excel workbook, by suffix.

Excel output is for people: fractions shown as %, money with thousands separators, a frozen
header row and filters. Text taken from the data is always written as text, so a value such as
``=HYPERLINK(...)`` can never become a formula in the reader's spreadsheet.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from amreview.errors import AmreviewError

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
    """Write ``frame`` to ``path`` (``.csv`` or ``.xlsx``) atomically; return the path."""
    path = Path(path)
    if path.suffix.lower() not in TABLE_SUFFIXES:
        raise AmreviewError(f"cannot write {path.name}: expected a file name ending in .csv or .xlsx")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        if path.suffix.lower() == ".csv":
            frame.to_csv(tmp_name, index=False)
        else:
            _write_xlsx(frame, Path(tmp_name), sheet)
        os.replace(tmp_name, path)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return path


def _write_xlsx(frame: pd.DataFrame, path: Path, sheet: str) -> None:
    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append([str(c) for c in frame.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    numeric = {c: pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns}
    for values in frame.itertuples(index=False):
        ws.append([_cell_value(v) for v in values])
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
    book.save(path)


def _cell_value(value):
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
