"""A pack folder's table files: one ``<table>.csv``, ``.parquet`` or ``.xlsx`` per contract
table, read as raw frames (:func:`read_folder`), with what makes a file unusable before its cells
are read reported as problems (:func:`file_problems`; the encoding and header rules are
:mod:`amreview.data.file_checks`').

CSV cells are read as text, exactly: only an empty cell is missing, and text a writer escaped
against spreadsheet formulas is restored (:mod:`amreview.data.export`). A slice of a CSV file
is filtered while it is read, chunk by chunk, so a large file is never held whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from amreview.data.problems import problem_row
from amreview.data.schemas import REQUIRED_TABLES, SCHEMAS
from amreview.data.slicing import OWNER_TABLE, am_rows, owned_or_linked_accounts
from amreview.errors import ArgumentError

FILE_FORMATS = (".csv", ".parquet", ".xlsx")
CSV_CHUNK_ROWS = 500_000  # a sliced CSV is filtered this many rows at a time
# CSV cells are text; only an empty cell is missing (after trimming, for text columns): a cell
# holding "nan", "NA", "NULL" or "None" is that text, never a missing value (pandas' default).
CSV_OPTIONS = {"dtype": str, "keep_default_na": False, "na_values": [""], "encoding": "utf-8-sig"}


def check_pack_folder(folder: Path) -> None:
    """An :class:`~amreview.errors.ArgumentError` (a bad argument, not a pack that breaks the
    contract) unless ``folder`` is a folder: a path that does not exist is named as given and, when
    relative, with the folder it was resolved against (a notebook's kernel may run elsewhere than
    one expects); a file is said to be one, with the folder holding it, which is the pack."""
    if folder.is_dir():
        return
    if folder.is_file():
        raise ArgumentError(
            f"the data pack {str(folder)!r} is a file, not a folder: a pack is the folder holding its "
            f"table files (one per table), here {str(folder.parent)!r}"
        )
    where = "" if folder.is_absolute() else f" (a relative path, resolved against {str(Path.cwd())!r})"
    *first, last = REQUIRED_TABLES
    raise ArgumentError(
        f"the data pack {str(folder)!r}: no such folder{where}; expected a folder holding the "
        f"{', '.join(first)} and {last} files, a database URL or 'sample'"
    )


def read_folder(
    folder: Path,
    am_ids: Iterable[str] | None = None,
    skip: Iterable[str] = (),
) -> tuple[dict[str, pd.DataFrame], dict[str, int], list[dict]]:
    """Read every contract table found in ``folder``, as raw frames.

    Returns the frames, the file row number of each table's first data row, and the problems
    found with the files themselves (a missing required table, two files for one table). A
    ``folder`` that is not one is an :class:`ArgumentError` (:func:`check_pack_folder`).
    With ``am_ids``, only those account managers' rows are kept
    (:func:`~amreview.data.slicing.slice_tables`); each frame's index is then the kept rows'
    positions in the file (row number = index + first row). Tables in ``skip`` are looked for
    and their files checked, but not read.
    """
    ids = None if am_ids is None else {str(a) for a in am_ids}
    problems: list[dict] = []
    check_pack_folder(folder)
    tables, first_rows = {}, {}
    for table in SCHEMAS:
        files = [folder / f"{table}{suffix}" for suffix in FILE_FORMATS if (folder / f"{table}{suffix}").exists()]
        if len(files) > 1:
            problems.append(
                problem_row(table, None, "", "one_file", "one file per table", " and ".join(f.name for f in files))
            )
            continue
        if not files:
            if table in REQUIRED_TABLES:
                problems.append(
                    problem_row(
                        table,
                        None,
                        "",
                        "table_present",
                        f"a file {table}.csv, {table}.parquet or {table}.xlsx",
                        "no such file",
                    )
                )
            continue
        try:
            unusable = file_problems(table, files[0])
            if unusable:
                problems += unusable
                continue
            if table in skip:
                continue
            if ids is None or table == OWNER_TABLE:
                tables[table], first_rows[table] = read_table_file(files[0])
            else:
                tables[table], first_rows[table] = read_table_file(files[0], am_ids=ids)
        except UnicodeDecodeError:
            problems.append(_not_utf8_problem(table, files[0]))
        except Exception as exc:  # noqa: BLE001 - an unreadable file is a data problem, reported as one
            problems.append(
                problem_row(
                    table, None, "", "readable", f"a readable {files[0].suffix} file", f"{type(exc).__name__}: {exc}"
                )
            )
    if ids is not None and OWNER_TABLE in tables:
        tables[OWNER_TABLE] = owned_or_linked_accounts(tables[OWNER_TABLE], ids, tables)
    return tables, first_rows, problems


def read_table_file(path: Path, am_ids: Iterable[str] | None = None) -> tuple[pd.DataFrame, int]:
    """One table file as a raw frame, and the file row number of its first data row.

    With ``am_ids``, only the rows of those account managers (when the table has an ``am_id``
    column), indexed by their position in the file; a CSV file is filtered chunk by chunk, so
    a slice of a large file never holds the whole file in memory.
    """
    ids = None if am_ids is None else {str(a) for a in am_ids}
    if path.suffix == ".csv" and ids is not None:
        with pd.read_csv(path, chunksize=CSV_CHUNK_ROWS, **CSV_OPTIONS) as chunks:
            parts = [am_rows(_csv_cells(chunk), ids) for chunk in chunks]
        frame = pd.concat(parts) if parts else _csv_cells(pd.read_csv(path, **CSV_OPTIONS))
        return frame, 2
    if path.suffix == ".csv":
        frame = _csv_cells(pd.read_csv(path, **CSV_OPTIONS))
        first_row = 2
    elif path.suffix == ".xlsx":
        frame = pd.read_excel(path, sheet_name=0, dtype=object, keep_default_na=False, na_values=[""])
        first_row = 2
    else:
        frame = _read_parquet(path)
        first_row = 1
    frame = _strip_header(frame)
    return (frame if ids is None else am_rows(frame, ids)), first_row


def _read_parquet(path: Path) -> pd.DataFrame:
    """A Parquet file as a raw frame. Dates stored as Parquet ``DATE`` (as DuckDB, Spark and Arrow
    write them) arrive as ``datetime64`` in one vectorised step, not as a Python ``date`` per
    value to be turned into text and parsed back (17 s of 36 s for ten million lines); a
    ``DATE`` column the contract does not take as a date stays as Python dates, for its checks
    to report as before."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from amreview.data.schemas import SCHEMAS, kinds_of

    dates = [f.name for f in pq.read_schema(path) if pa.types.is_date(f.type)]
    if not dates:
        return pd.read_parquet(path)
    frame = pd.read_parquet(path, to_pandas_kwargs={"date_as_object": False})
    kinds = kinds_of(path.stem) if path.stem in SCHEMAS else {}
    for name in dates:
        if kinds.get(name.strip()) != "date":
            values = frame[name]
            frame[name] = pd.Series(values.dt.date.to_numpy(dtype=object), index=values.index).where(values.notna())
    return frame


def _strip_header(frame: pd.DataFrame) -> pd.DataFrame:
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _csv_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """A CSV file's cells as they were meant: text that a writer escaped against spreadsheet
    formulas (``'=1+1``, :mod:`amreview.data.export`) restored, and the header trimmed."""
    from amreview.data.export import formula_text_restored

    return _strip_header(formula_text_restored(frame))


def read_header(path: Path) -> list[str]:
    """The column names of a table file as written (first row of a CSV file or of a workbook's
    first sheet, a Parquet file's schema): pandas would rename a repeated name."""
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        try:
            first = next(book.worksheets[0].iter_rows(max_row=1, values_only=True), ())
        finally:
            book.close()
        return ["" if v is None else str(v) for v in first]
    from amreview.data.export import restore_formula_text

    header = pd.read_csv(path, header=None, nrows=1, **CSV_OPTIONS)
    return [] if header.empty else ["" if pd.isna(v) else restore_formula_text(str(v)) for v in header.iloc[0]]


def file_problems(table: str, path: Path) -> list[dict]:
    """What makes a table file unusable before its cells are read (:mod:`amreview.data.file_checks`):
    a CSV file that is plainly not UTF-8 (a UTF-16 or UTF-32 byte-order mark, UTF-16 without
    one, a workbook named ``.csv``), and a header that names a column twice (ignoring case and
    surrounding spaces: the loader trims names, and pandas would silently rename the second
    ``revenue`` to ``revenue.1`` and use the first)."""
    from amreview.data.file_checks import SNIFF_BYTES, recognised_encoding

    if path.suffix == ".csv":
        with path.open("rb") as handle:
            if recognised_encoding(handle.read(SNIFF_BYTES)) is not None:
                return [_not_utf8_problem(table, path)]
    return _duplicate_column_problems(table, path, read_header(path))


def _duplicate_column_problems(table: str, path: Path, header: Sequence[str]) -> list[dict]:
    from amreview.data.file_checks import DUPLICATE_EXPECTED, describe_duplicates, duplicate_headings

    spreadsheet = path.suffix != ".parquet"
    return [
        problem_row(
            table,
            1 if spreadsheet else None,
            str(header[group[0]]).strip(),
            "header_unique",
            DUPLICATE_EXPECTED,
            f"{describe_duplicates(header, group, letters=spreadsheet)} in {path.name}",
        )
        for group in duplicate_headings(header)
    ]


def _not_utf8_problem(table: str, path: Path) -> dict:
    from amreview.data.file_checks import SAVE_AS_UTF8, not_text_in

    found = not_text_in(path, "utf-8-sig") or f"{path.name} cannot be read as UTF-8"
    return problem_row(
        table, None, "", "encoding", f"a CSV file in UTF-8 (save it as CSV UTF-8, {SAVE_AS_UTF8})", found
    )
