"""Reading the files a mapping names: CSV exports and Excel workbooks as people keep them.

Every cell is read as it is (text stays text, Excel numbers and dates keep their type), with the
row number a person sees in the file (``@row``) and, for workbooks, the sheet's name
(``@sheet``). Converting values is :mod:`amreview.importing.mapping`'s job.

Excel layouts supported through the mapping: title rows above the header (``header_row``), one
sheet per quarter (``sheet = ["2026Q1", "2026Q2"]`` or ``"*"`` for every sheet, each sheet with
the same header), merged cells (each cell of a merged range takes its value; ranges that merge
header cells are an error, since one heading then covers several columns), numbers stored as
text (converted later, like CSV text). Anything else — a header over two rows, a sheet without
the header the mapping expects — is an :class:`~amreview.importing.mapping.ExportError` naming the file, the
sheet, the row and what was expected.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from amreview.data.file_checks import (
    DUPLICATE_EXPECTED,
    SAVE_AS_UTF8,
    SNIFF_BYTES,
    describe_duplicates,
    duplicate_headings,
    guessed_codec,
    not_text_in,
    recognised_encoding,
)
from amreview.errors import PROBLEM_COLUMNS
from amreview.importing.mapping import ROW, SHEET, ExportError, SourceMap


@dataclass
class RawSource:
    """The cells of one source as read, and facts about the file worth reporting."""

    label: str
    frame: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    headers: dict[str, list[str]] = field(default_factory=dict)  # per file or sheet: its column names


def read_source(folder: Path, source: SourceMap) -> RawSource:
    """Read ``source.file`` under ``folder`` (see the module docstring)."""
    path = Path(folder) / source.file
    if not path.is_file():
        _fail(
            source.file,
            None,
            "",
            "file_present",
            f"a file {source.file!r} in {folder}",
            "no such file" + _near(folder, source.file),
        )
    if source.is_excel:
        return read_workbook(path, source.file, source.sheet, source.header_row)
    return read_text_file(path, source.file, source.header_row, source.encoding, source.delimiter)


def read_text_file(
    path: Path, label: str, header_row: int = 1, encoding: str = "utf-8", delimiter: str = ","
) -> RawSource:
    """A CSV file's cells as text (empty cells missing), ``@row`` counting the header as row
    ``header_row``. Reports a byte-order mark and Windows (CRLF) line endings. A file that is not
    text in ``encoding`` is refused saying what it is (:mod:`amreview.data.file_checks`), as is a
    header that names a column twice."""
    data = path.read_bytes()
    notes = []
    known = recognised_encoding(data[:SNIFF_BYTES])
    if known is not None and not_text_in(path, encoding) is not None:  # UTF-16 read as UTF-8 has no bad byte
        _not_text(path, label, encoding, known.codec)
    if data.startswith(codecs.BOM_UTF8):
        notes.append("starts with a UTF-8 byte-order mark (Excel's 'CSV UTF-8'): ignored")
        encoding = "utf-8-sig" if encoding.lower().replace("_", "-") == "utf-8" else encoding
    crlf = data.count(b"\r\n")
    if crlf:
        notes.append(f"Windows line endings (CRLF) on {crlf:,} lines: read as ordinary line ends")
    try:
        cells = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            encoding=encoding,
            sep=delimiter,
            skiprows=header_row - 1,
            skip_blank_lines=False,
            header=None,
        )
    except UnicodeDecodeError:
        _not_text(path, label, encoding, guessed_codec(path))
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        _fail(label, header_row, "", "readable", "a CSV file with a header row", str(exc).strip())
    if cells.empty:
        _fail(label, header_row, "", "header_row", f"the column names in row {header_row}", "no such row")
    header = ["" if pd.isna(c) else str(c).strip() for c in cells.iloc[0]]
    _unique_header(header, label, header_row)
    frame = cells.iloc[1:].reset_index(drop=True)
    frame.columns = header
    carriage = frame.apply(lambda c: c.str.contains("\r", regex=False, na=False)).to_numpy().sum()
    if carriage:
        frame = frame.apply(lambda c: c.str.replace("\r", "", regex=False))
        notes.append(f"{carriage:,} values held a carriage return (mixed line endings): removed")
    frame[ROW] = range(header_row + 1, header_row + 1 + len(frame))
    frame = frame[frame.drop(columns=[ROW]).notna().any(axis=1)].reset_index(drop=True)
    return RawSource(label, frame, notes, {label: header})


def read_workbook(path: Path, label: str, sheet=None, header_row: int = 1) -> RawSource:
    """The cells of the chosen sheets of an ``.xlsx`` workbook, one frame (``@sheet``, ``@row``).

    ``sheet``: a name, a list of names, ``"*"`` (every sheet) or ``None`` (the first sheet).
    """
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, data_only=True)
    except Exception as exc:  # noqa: BLE001 - a damaged or mislabelled file is a data problem, reported as one
        _fail(label, None, "", "readable", "an .xlsx workbook", f"{type(exc).__name__}: {exc}")
    names = book.sheetnames
    if sheet is None:
        chosen = names[:1]
    elif sheet == "*":
        chosen = names
    else:
        chosen = [sheet] if isinstance(sheet, str) else list(sheet)
        unknown = [s for s in chosen if s not in names]
        if unknown:
            _fail(
                label,
                None,
                "",
                "sheet_present",
                f"the sheet{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}",
                f"the sheets {', '.join(map(repr, names))}",
            )
    frames, notes, headers = [], [], {}
    for name in chosen:
        frame, merged = _sheet_frame(book[name], f"{label}, sheet {name!r}", header_row)
        headers[f"{label}, sheet {name!r}"] = [c for c in frame.columns if c != ROW]
        if merged:
            notes.append(
                f"sheet {name!r}: {merged} merged cell range{'s' if merged > 1 else ''} below the "
                "header: every cell of a range takes the range's value"
            )
        frames.append(frame.assign(**{SHEET: name}))
    columns = list(dict.fromkeys(c for f in frames for c in f.columns))
    frame = pd.concat([f.reindex(columns=columns) for f in frames], ignore_index=True) if frames else pd.DataFrame()
    return RawSource(label, frame, notes, headers)


def _sheet_frame(ws, label: str, header_row: int) -> tuple[pd.DataFrame, int]:
    """One sheet as a frame below ``header_row``; merged ranges filled; the number of ranges filled."""
    merged = 0
    for cell_range in list(ws.merged_cells.ranges):
        min_col, min_row, max_col, max_row = cell_range.bounds
        if min_row <= header_row <= max_row and max_col > min_col:
            _fail(
                label,
                header_row,
                str(ws.cell(min_row, min_col).value or ""),
                "header_merged",
                "one heading per column in the header row",
                f"the cells {cell_range.coord} merged into one "
                "heading (a header over two rows, or a title merged across columns: set header_row to the "
                "row with one name per column)",
            )
        if max_row <= header_row:
            continue  # titles above the header are not read
        value = ws.cell(min_row, min_col).value
        ws.unmerge_cells(str(cell_range))
        for row in ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col):
            for cell in row:
                cell.value = value
        merged += 1
    rows = list(ws.iter_rows(min_row=header_row, values_only=True))
    if not rows or all(v is None for v in rows[0]):
        _fail(
            label,
            header_row,
            "",
            "header_row",
            f"the column names in row {header_row}",
            "an empty row" if rows else f"a sheet with {ws.max_row} rows",
        )
    header = [None if v is None else str(v).strip() for v in rows[0]]
    width = max(i for i, v in enumerate(header) if v) + 1
    header = header[:width]
    if any(not h for h in header):
        gap = next(i for i, h in enumerate(header) if not h)
        _fail(
            label,
            header_row,
            "",
            "header_row",
            f"a name for every column of row {header_row}",
            f"an empty heading in column {_letter(gap)} (is header_row = {header_row} the header?)",
        )
    _unique_header(header, label, header_row)
    body = [list(r[:width]) + [None] * (width - len(r[:width])) for r in rows[1:]]
    frame = pd.DataFrame(body, columns=header, dtype=object)
    frame = frame.map(lambda v: None if isinstance(v, str) and not v.strip() else v)
    frame[ROW] = range(header_row + 1, header_row + 1 + len(frame))
    frame = frame[frame.drop(columns=[ROW]).notna().any(axis=1)].reset_index(drop=True)
    return frame, merged


def read_lookup(folder: Path, file: str, column: str, sheet=None, header_row: int = 1) -> set:
    """The values ``column`` of ``file`` lists (trimmed text), for a mapping's ``lookup``."""
    path = Path(folder) / file
    if not path.is_file():
        _fail(file, None, column, "file_present", f"a file {file!r} in {folder} (a lookup names it)", "no such file")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raw = read_workbook(path, file, sheet, header_row)
    else:
        raw = read_text_file(path, file, header_row)
    if column not in raw.frame.columns:
        _fail(
            file,
            header_row,
            column,
            "column_in_file",
            f"a column {column!r} (a lookup names it)",
            f"the columns {', '.join(c for c in raw.frame.columns if not c.startswith('@'))}",
        )
    return {str(v).strip() for v in raw.frame[column].dropna()}


def _not_text(path: Path, label: str, encoding: str, codec: str | None):
    """Fail on a file that is not text in ``encoding``: what it is (:mod:`amreview.data.file_checks`)
    and what to do — save it as CSV UTF-8, or name its encoding in the mapping."""
    advice = f"save it as CSV UTF-8 ({SAVE_AS_UTF8})"
    if codec is not None:
        advice += f", or set encoding = {codec!r} for this source in the mapping"
    _fail(
        label,
        None,
        "",
        "encoding",
        f"text in the encoding {encoding!r}: {advice}",
        not_text_in(path, encoding) or f"{path.name} cannot be read as {encoding!r}",
    )


def _unique_header(header, label: str, header_row: int) -> None:
    """Each column named once, names compared ignoring case and surrounding spaces
    (:func:`amreview.data.file_checks.duplicate_headings`); every repeated name is reported."""
    groups = duplicate_headings(header)
    if groups:
        problems = [
            dict(
                zip(
                    PROBLEM_COLUMNS,
                    (
                        label,
                        header_row,
                        str(header[g[0]]).strip(),
                        "header_unique",
                        DUPLICATE_EXPECTED,
                        describe_duplicates(header, g),
                    ),
                )
            )
            for g in groups
        ]
        raise ExportError(pd.DataFrame(problems, columns=PROBLEM_COLUMNS), label)


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _near(folder: Path, name: str) -> str:
    if not Path(folder).is_dir():
        return f" (no folder {str(folder)!r})"
    files = sorted(p.name for p in Path(folder).iterdir() if p.is_file())
    if not files:
        return " (the folder is empty)"
    return f" (the folder holds {', '.join(files[:12])}{', …' if len(files) > 12 else ''})"


def _fail(table: str, row, column: str, check: str, expected: str, found: str):
    problem = dict(zip(PROBLEM_COLUMNS, (table, row, column, check, expected, found)))
    raise ExportError(pd.DataFrame([problem], columns=PROBLEM_COLUMNS), table)
