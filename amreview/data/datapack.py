"""Reading and validating a data pack: the only module that reads packs.

A pack is a folder with one file per contract table (``<table>.csv``, ``.parquet`` or
``.xlsx``), a SQLAlchemy database URL (``sqlite:///pack.db``, ``postgresql+psycopg://…``: one
table or view per contract table, read through :mod:`amreview.data.sql`), or the word ``sample``
for the built-in sample pack. :func:`load_pack` reads every table the contract knows,
validates all of them at once against :mod:`amreview.data.schemas` and the cross-table references,
and returns a :class:`DataPack` of clean frames: typed columns, every contract column present
(missing optional columns filled with their documented default), and dates at midnight.
Everything downstream trusts these frames.

Problems are collected, never raised one at a time: a :class:`~amreview.errors.DataError`
carries a table of every problem with the table, the row, the column, and what was expected.
The row is where a person finds it: in a file, the row as a spreadsheet numbers it (header =
row 1; Parquet rows from 1); in a database, which has no row order, the row's key as a
condition to paste into a ``WHERE`` clause (``line_id = 'L17'``; the keys are
:data:`ROW_KEYS`), falling back to the row's position in the read when the table lacks them.

Slice reads. ``load_pack(source, am_ids=[...])`` reads only those account managers' rows (see
:func:`slice_tables` for the rule, the same for every kind of source): a database does the
filtering itself (``WHERE am_id IN (…)`` with bound parameters), a CSV file is filtered while
it is read, chunk by chunk. A slice is validated on its own; row numbers stay those of the
whole file. KPIs that need the whole pack — a *new* account is one whose first line in the
whole pack falls in the quarter, retention follows an account's principal account manager
over the whole history, team benchmarks compare everyone — must be computed from a whole-pack
read, not from a slice: a slice is for the parts of one person's review that only need their
own rows.

Fingerprints. A folder's is SHA-256 over its table files' names and bytes. A database's is
SHA-256 over the content read (:func:`content_fingerprint`: per table its name, its contract
columns and the multiset of its rows' hashes after validation), so the same content gives the
same fingerprint whichever database holds it and in whatever physical order. A slice's, from
any source, is the content fingerprint of the slice.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.compute as pc
import pandera.pandas as pa

from amreview import redaction
from amreview.errors import PROBLEM_COLUMNS, ArgumentError, DataError, UnknownNameError, shown
from amreview.frames import in_order_of, is_arrow_text
from amreview.periods import is_month_label, is_quarter_label, quarter_of_month
from amreview.data.schemas import (ID_MAX_LENGTH, REFERENCES, REQUIRED_TABLES, SCHEMAS, columns_of,
                              kinds_of)
from amreview.vocabulary import DEFAULT_DEAL_TYPE

SAMPLE = "sample"
FILE_FORMATS = (".csv", ".parquet", ".xlsx")
DATABASE_URL = redaction.DATABASE_URL  # dialect[+driver]://…
CSV_CHUNK_ROWS = 500_000  # a sliced CSV is filtered this many rows at a time
# CSV cells are text; only an empty cell is missing (after trimming, for text columns): a cell
# holding "nan", "NA", "NULL" or "None" is that text, never a missing value (pandas' default).
CSV_OPTIONS = {"dtype": str, "keep_default_na": False, "na_values": [""], "encoding": "utf-8-sig"}

# The columns that identify a row of each table: a database row is named by their values in
# errors, and database tables are read in their order. The unique id where the contract has one,
# else the columns that single a row out in practice.
ROW_KEYS: dict[str, tuple[str, ...]] = {
    "account_managers": ("am_id",),
    "sales": ("line_id",),
    "targets": ("am_id", "period", "measure"),
    "accounts": ("account_id",),
    "opportunities": ("opportunity_id",),
    "activities": ("activity_id",),
    "back_orders": ("order_line_id",),
    "cases": ("case_id",),
    "report_submissions": ("am_id", "report", "due_date"),
    "forecasts": ("am_id", "period", "measure"),
    "development_objectives": ("am_id", "objective_id", "period"),
    "competency_ratings": ("am_id", "period", "competency", "rater"),
    "customer_feedback": ("am_id", "feedback_date", "kind", "account_id"),
    "review_notes": ("am_id", "period", "section"),
    "review_outcomes": ("am_id", "period"),
}
# The table whose am_id is an owner, not a credit: a slice keeps the accounts its account
# managers own or appear on (so every account of their rows keeps its name).
OWNER_TABLE = "accounts"

# Defaults for optional columns a table may leave out or leave empty (the contract's own).
COLUMN_DEFAULTS = {
    ("sales", "deal_type"): DEFAULT_DEAL_TYPE,
    ("sales", "vendor_programme"): False,
    ("accounts", "key_account"): False,
    ("opportunities", "new_business"): False,
}

TRUE_WORDS = {"true", "t", "yes", "y", "1", "1.0"}
FALSE_WORDS = {"false", "f", "no", "n", "0", "0.0"}

EXPECTED_BY_KIND = {
    "date": "a date YYYY-MM-DD",
    "number": "a number",
    "bool": "true or false",
    "text": "text",
}


@dataclass(frozen=True)
class DataPack:
    """Validated tables of one data pack, keyed by contract table name.

    Each table's index labels are the rows' positions in the frame that was validated (file
    order); ``sales`` lines are in ``invoice_date`` order (stable: the lines of one day keep
    their file order).
    """

    tables: Mapping[str, pd.DataFrame]
    source: str = ""
    fingerprint: str = field(default="", compare=False)
    am_ids: tuple[str, ...] | None = None  # a slice read: only these account managers' rows

    def has(self, table: str) -> bool:
        """Whether the pack holds ``table`` (optional tables may be absent)."""
        return table in self.tables

    def __getitem__(self, table: str) -> pd.DataFrame:
        try:
            return self.tables[table]
        except KeyError:
            raise UnknownNameError(f"the data pack {self.source!r} has no table {table!r}") from None

    @property
    def account_managers(self) -> pd.DataFrame:
        return self.tables["account_managers"]

    @property
    def sales(self) -> pd.DataFrame:
        return self.tables["sales"]

    @property
    def targets(self) -> pd.DataFrame:
        return self.tables["targets"]

    def account_manager(self, am_id: str) -> pd.Series:
        """The ``account_managers`` row of ``am_id``; a :class:`DataError` if unknown."""
        rows = self.account_managers[self.account_managers["am_id"] == str(am_id)]
        if rows.empty:
            raise DataError(
                _problem("account_managers", None, "am_id", "known_am_id",
                         "the am_id of an account manager in the pack", repr(str(am_id))),
                self.source,
            )
        return rows.iloc[0]


def load_pack(source: str | Path, am_ids: Iterable[str] | None = None) -> DataPack:
    """Read and validate the pack at ``source`` (a folder, a database URL, or ``"sample"``).

    With ``am_ids``, read only those account managers' rows (a slice; module docstring).
    """
    ids = None if am_ids is None else tuple(dict.fromkeys(str(a) for a in am_ids))
    if is_database_url(source):
        return _load_database(str(source), ids)
    if str(source) == SAMPLE:
        from amreview.data.sample import generate_sample

        if ids is None:
            return validate_tables(generate_sample(), source=SAMPLE)
        tables, row_numbers = slice_tables(generate_sample(), ids)
        _check_slice_ids(tables, ids, SAMPLE)
        return _as_slice(validate_tables(tables, source=SAMPLE, row_numbers=row_numbers, consume=True), ids)
    folder = Path(source)
    tables, first_rows, problems = read_folder(folder, am_ids=ids)
    if problems:
        raise DataError(pd.DataFrame(problems, columns=PROBLEM_COLUMNS), str(folder))
    if ids is None:
        return validate_tables(tables, source=str(folder), first_rows=first_rows,
                               fingerprint=folder_fingerprint(folder), consume=True)
    _check_slice_ids(tables, ids, str(folder))
    row_numbers = {t: frame.index.to_numpy() + first_rows[t] for t, frame in tables.items()}
    return _as_slice(validate_tables(tables, source=str(folder), row_numbers=row_numbers, consume=True), ids)


def _as_slice(pack: DataPack, am_ids: tuple[str, ...]) -> DataPack:
    """A slice's pack: its ids, and the fingerprint of its own content (whatever the source;
    cheap, unlike hashing a large pack's whole files for every review)."""
    return replace(pack, fingerprint=content_fingerprint(pack.tables), am_ids=am_ids)


def resolve_source(source: str | Path) -> str:
    """``source`` as a string that means the same pack from any working directory: a folder
    made absolute, a SQLite URL's file made absolute, other URLs and ``"sample"`` unchanged."""
    if is_database_url(source):
        from amreview.data.sql import absolute_url

        return absolute_url(str(source))
    return SAMPLE if str(source) == SAMPLE else str(Path(source).resolve())


def is_database_url(source: object) -> bool:
    """Whether ``source`` names a database (a SQLAlchemy URL ``dialect[+driver]://…``) rather
    than a folder. (Decided here, without importing SQLAlchemy: folder packs never load it.)"""
    return isinstance(source, str) and bool(DATABASE_URL.match(source))


def _load_database(url: str, am_ids: tuple[str, ...] | None) -> DataPack:
    shown = redaction.shown_source(url)
    tables, problems = read_database(url, am_ids)
    if problems:
        raise DataError(pd.DataFrame(problems, columns=PROBLEM_COLUMNS), shown)
    pack = validate_tables(tables, source=shown, row_keys=ROW_KEYS, consume=True)
    return replace(pack, fingerprint=content_fingerprint(pack.tables), am_ids=am_ids)


def read_database(url: str, am_ids: Iterable[str] | None = None) -> tuple[dict[str, pd.DataFrame], list[dict]]:
    """Every contract table (or view) the database at ``url`` holds, as raw frames, and the
    problems with the database itself (a missing required table). With ``am_ids``, a slice
    (:func:`slice_tables`' rule, applied by the database). Validate the frames with
    ``validate_tables(tables, row_keys=ROW_KEYS)`` so problems name rows by their keys.
    A database that cannot be reached or read raises :class:`DataError`.
    """
    from amreview.data.sql import read_tables

    ids = None if am_ids is None else tuple(dict.fromkeys(str(a) for a in am_ids))
    tables = read_tables(url, SCHEMAS, order_by=ROW_KEYS, am_ids=ids, owner_table=OWNER_TABLE)
    if ids is not None:
        _check_slice_ids(tables, ids, redaction.shown_source(url))
        if OWNER_TABLE in tables:
            tables[OWNER_TABLE] = _without_foreign_owners(tables[OWNER_TABLE], ids)
    problems = [_problem_row(t, None, "", "table_present", f"a table or view named {t}", "no such table or view")
                for t in REQUIRED_TABLES if t not in tables]
    problems += _database_column_problems(tables, sqlite=url.lower().startswith("sqlite"))
    return tables, problems


def _database_column_problems(tables: Mapping[str, pd.DataFrame], sqlite: bool) -> list[dict]:
    """Columns of a table or view that name the same column (:mod:`amreview.data.file_checks`): names
    that differ only in case (PostgreSQL keeps ``"Revenue"`` beside ``revenue``), and a SQLite
    view's renamed repeat (``SELECT revenue, revenue * 10 AS revenue`` gives ``revenue:1``)."""
    from amreview.data.file_checks import (DUPLICATE_EXPECTED, describe_duplicates, duplicate_headings,
                                      sqlite_renamed_duplicates)

    problems = []
    for table, frame in tables.items():
        names = [str(c) for c in frame.columns]
        for group in (sqlite_renamed_duplicates if sqlite else duplicate_headings)(names):
            renamed = " (SQLite's name for a repeated column of a view's SELECT)" if len(
                {names[i] for i in group}) > 1 and sqlite else ""
            problems.append(_problem_row(table, None, names[group[0]], "header_unique", DUPLICATE_EXPECTED,
                                         f"{describe_duplicates(names, group, letters=False)}{renamed}"))
    return problems


def _check_slice_ids(tables: Mapping[str, pd.DataFrame], am_ids: Iterable[str], source: str) -> None:
    """A slice asked for an account manager the pack does not list is a :class:`DataError`."""
    if "account_managers" not in tables or "am_id" not in tables["account_managers"].columns:
        return  # validation reports the missing table or column
    known = set(_as_text(tables["account_managers"]["am_id"]).dropna())
    unknown = [a for a in am_ids if a not in known]
    if unknown:
        raise DataError(pd.DataFrame(
            [_problem_row("account_managers", None, "am_id", "known_am_id",
                          "the am_id of an account manager in the pack", repr(a)) for a in unknown],
            columns=PROBLEM_COLUMNS), source)


def slice_tables(
    tables: Mapping[str, pd.DataFrame], am_ids: Iterable[str],
) -> tuple[dict[str, pd.DataFrame], dict[str, np.ndarray]]:
    """Only the rows of ``am_ids``, and the row number (1-based position) of each kept row.

    The rule, for every kind of source: a table with an ``am_id`` column keeps the rows whose
    ``am_id`` is one of ``am_ids``; the owner table (``accounts``) keeps the accounts those
    account managers own *or* that appear in any kept row of another table, and shows no owner
    (an empty ``am_id``) on an account owned by someone outside the slice — a slice knows only its
    own account managers, so it names no one else; a table without an ``am_id`` column is kept
    whole. Frames are raw: ids are compared as text, stripped.
    """
    ids = {str(a) for a in am_ids}
    kept: dict[str, pd.DataFrame] = {}
    for name, frame in tables.items():
        if name != OWNER_TABLE:
            kept[name] = _rows_of(frame, ids)
    if OWNER_TABLE in tables:
        kept[OWNER_TABLE] = _owned_or_linked(tables[OWNER_TABLE], ids, kept)
    ordered = {name: kept[name] for name in tables}
    numbers = {name: frame.index.to_numpy() + 1 for name, frame in ordered.items()}
    return ordered, numbers


def _rows_of(frame: pd.DataFrame, ids: set[str]) -> pd.DataFrame:
    return frame[_as_text(frame["am_id"]).isin(ids)] if "am_id" in frame.columns else frame


def _owned_or_linked(accounts: pd.DataFrame, ids: set[str], kept: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    linked: set[str] = set()
    for name, frame in kept.items():
        if name != OWNER_TABLE and "am_id" in frame.columns and "account_id" in frame.columns:
            linked |= set(_as_text(frame["account_id"]).dropna())
    keep = pd.Series(False, index=accounts.index)
    if "am_id" in accounts.columns:
        keep |= _as_text(accounts["am_id"]).isin(ids)
    if "account_id" in accounts.columns:
        keep |= _as_text(accounts["account_id"]).isin(linked)
    return _without_foreign_owners(accounts[keep], ids)


def _without_foreign_owners(accounts: pd.DataFrame, ids: Iterable[str]) -> pd.DataFrame:
    """Accounts of a slice with the owner emptied where it is not one of ``ids``."""
    if "am_id" not in accounts.columns:
        return accounts
    foreign = accounts["am_id"].notna() & ~_as_text(accounts["am_id"]).isin(set(ids))
    if not foreign.any():
        return accounts
    accounts = accounts.copy()
    accounts["am_id"] = accounts["am_id"].astype(object).where(~foreign, None)
    return accounts


def read_folder(
    folder: Path, am_ids: Iterable[str] | None = None,
) -> tuple[dict[str, pd.DataFrame], dict[str, int], list[dict]]:
    """Read every contract table found in ``folder``, as raw frames.

    Returns the frames, the file row number of each table's first data row, and the problems
    found with the files themselves (a missing required table, two files for one table).
    With ``am_ids``, only those account managers' rows are kept (:func:`slice_tables`); each
    frame's index is then the kept rows' positions in the file (row number = index + first row).
    """
    ids = None if am_ids is None else {str(a) for a in am_ids}
    problems: list[dict] = []
    if not folder.is_dir():
        return {}, {}, [_problem_row("(pack)", None, "", "folder",
                                     "a folder holding account_managers, sales and targets files",
                                     f"no folder {str(folder)!r}")]
    tables, first_rows = {}, {}
    for table in SCHEMAS:
        files = [folder / f"{table}{suffix}" for suffix in FILE_FORMATS if (folder / f"{table}{suffix}").exists()]
        if len(files) > 1:
            problems.append(_problem_row(table, None, "", "one_file",
                                         "one file per table", " and ".join(f.name for f in files)))
            continue
        if not files:
            if table in REQUIRED_TABLES:
                problems.append(_problem_row(table, None, "", "table_present",
                                             f"a file {table}.csv, {table}.parquet or {table}.xlsx",
                                             "no such file"))
            continue
        try:
            unusable = file_problems(table, files[0])
            if unusable:
                problems += unusable
                continue
            if ids is None or table == OWNER_TABLE:
                tables[table], first_rows[table] = read_table_file(files[0])
            else:
                tables[table], first_rows[table] = read_table_file(files[0], am_ids=ids)
        except UnicodeDecodeError:
            problems.append(_not_utf8_problem(table, files[0]))
        except Exception as exc:  # noqa: BLE001 - an unreadable file is a data problem, reported as one
            problems.append(_problem_row(table, None, "", "readable",
                                         f"a readable {files[0].suffix} file", f"{type(exc).__name__}: {exc}"))
    if ids is not None and OWNER_TABLE in tables:
        tables[OWNER_TABLE] = _owned_or_linked(tables[OWNER_TABLE], ids, tables)
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
            parts = [_rows_of(_csv_cells(chunk), ids) for chunk in chunks]
        frame = pd.concat(parts) if parts else _csv_cells(pd.read_csv(path, **CSV_OPTIONS))
        return frame, 2
    if path.suffix == ".csv":
        frame = _csv_cells(pd.read_csv(path, **CSV_OPTIONS))
        first_row = 2
    elif path.suffix == ".xlsx":
        frame = pd.read_excel(path, sheet_name=0, dtype=object, keep_default_na=False, na_values=[""])
        first_row = 2
    else:
        frame = pd.read_parquet(path)
        first_row = 1
    frame = _strip_header(frame)
    return (frame if ids is None else _rows_of(frame, ids)), first_row


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
    return [_problem_row(table, 1 if spreadsheet else None, str(header[group[0]]).strip(), "header_unique",
                         DUPLICATE_EXPECTED,
                         f"{describe_duplicates(header, group, letters=spreadsheet)} in {path.name}")
            for group in duplicate_headings(header)]


def _not_utf8_problem(table: str, path: Path) -> dict:
    from amreview.data.file_checks import SAVE_AS_UTF8, not_text_in

    found = not_text_in(path, "utf-8-sig") or f"{path.name} cannot be read as UTF-8"
    return _problem_row(table, None, "", "encoding", f"a CSV file in UTF-8 (save it as CSV UTF-8, {SAVE_AS_UTF8})",
                        found)


def validate_tables(
    tables: MutableMapping[str, pd.DataFrame],
    source: str = "",
    first_rows: Mapping[str, int] | None = None,
    fingerprint: str = "",
    consume: bool = False,
    row_numbers: Mapping[str, Sequence[int]] | None = None,
    row_keys: Mapping[str, Sequence[str]] | None = None,
) -> DataPack:
    """Validate raw frames against the contract; return a :class:`DataPack` or raise :class:`DataError`.

    How problems name rows, per table: ``first_rows`` gives the row number a person sees for
    the frame's first row (2 for a file with a header row; default 1), and the frame's rows
    follow on; ``row_numbers`` gives instead the row number of each of the frame's rows (a
    filtered file); ``row_keys`` names instead each row by the values of these columns, as a
    condition (``line_id = 'L17'``), for a database, whose rows have no number. The caller's
    frames are not modified; with ``consume=True`` each raw frame is dropped from ``tables``
    once normalised, so a large pack is not held twice in memory.
    """
    rows_of = _row_namers(tables, first_rows or {}, row_numbers or {}, row_keys or {})
    problems: list[pd.DataFrame] = []
    clean: dict[str, pd.DataFrame] = {}
    missing = [t for t in REQUIRED_TABLES if t not in tables]
    for table in missing:
        problems.append(_problem(table, None, "", "table_present", f"the required table {table}", "no such table"))
    for table in list(tables):
        if table not in SCHEMAS:
            continue
        raw = tables.pop(table) if consume else tables[table]
        frame = _normalise(table, raw.reset_index(drop=True))
        del raw
        nan_text = _nan_text_problems(table, frame, rows_of(table, frame))  # before coercion reads it as NaN
        if len(nan_text):
            problems.append(nan_text)
        try:
            # in place: ``frame`` is this function's own (shallow) copy, and a copy of ten
            # million lines costs a second and a gigabyte
            validated = SCHEMAS[table].validate(frame, lazy=True, inplace=True)
        except pa.errors.SchemaErrors as exc:
            reported = _other_cells(_schema_problems(table, exc.failure_cases, rows_of(table, frame)), nan_text)
            problems += [p for p in (reported, _non_finite_problems(table, frame, rows_of(table, frame), reported))
                         if len(p)]
            continue
        infinite = _non_finite_problems(table, validated, rows_of(table, frame))
        if len(infinite):
            problems.append(infinite)
        clean[table] = _complete(table, validated)
    if not problems:
        problems += _reference_problems(clean, rows_of)
        if "targets" in clean:
            problems.append(_target_consistency_problems(clean["targets"], rows_of("targets", clean["targets"])))
    problems = [p for p in problems if not p.empty]
    if problems:
        raise DataError(pd.concat(problems, ignore_index=True), source)
    if "sales" in clean:  # once, here: every date window of the KPIs is then a slice
        clean["sales"] = in_order_of(clean["sales"], "invoice_date", release=True)
    return DataPack(tables=clean, source=source, fingerprint=fingerprint)


def _normalise(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Bring raw values to what the schema coerces: ids as text, booleans from words.

    Vectorised: packs of ten million lines pass through here.
    """
    frame = frame.copy(deep=False)  # columns are replaced, never changed in place (copy-on-write)
    for column, kind in kinds_of(table).items():
        if column not in frame.columns:
            continue
        if kind == "text":
            frame[column] = _as_text(frame[column])
        elif kind == "bool":
            frame[column] = _as_bool(frame[column])
        elif kind == "date" and not pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = _as_text(frame[column])
    return frame


def _as_text(values: pd.Series) -> pd.Series:
    """Text (pandas' string dtype), stripped, empty as missing; integral numbers without a
    trailing ``.0`` (ids read from Excel or Parquet as numbers)."""
    if pd.api.types.is_float_dtype(values):
        integral = values.notna() & (values == values.round())
        as_int = values.where(integral).astype("Int64").astype("str")
        return as_int.where(integral, values.astype("str")).where(values.notna()).astype("str")
    if pd.api.types.is_integer_dtype(values) or pd.api.types.is_bool_dtype(values):
        return values.astype("str")
    if not pd.api.types.is_string_dtype(values) or pd.api.types.is_object_dtype(values):
        # object: mixed values (Excel); non-text values become their text
        values = values.map(lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else str(v),
                            na_action="ignore").astype("str")
    if is_arrow_text(values):
        return _stripped_arrow_text(values)
    stripped = values.str.strip()
    return stripped.where(stripped != "")


def _stripped_arrow_text(values: pd.Series) -> pd.Series:
    """:func:`_as_text` of a column already in pandas' Arrow-backed ``str`` dtype, in Arrow's
    compute kernels. A clean column (the usual case: nothing to strip, no empty strings) is
    returned as it is, so a ten-million-line table is not copied to find that out."""
    array = pyarrow.array(values)
    stripped = pc.utf8_trim_whitespace(array)
    blank = pc.equal(stripped, "")
    if stripped.equals(array) and not pc.any(blank).as_py():
        return values
    cleaned = pc.if_else(blank, pyarrow.scalar(None, type=stripped.type), stripped)
    return pd.Series(pd.array(cleaned, dtype=values.dtype), index=values.index, name=values.name)


def _as_bool(values: pd.Series) -> pd.Series:
    """Booleans from ``true/false``, ``yes/no``, ``y/n``, ``1/0`` (any case); other words are left
    for the schema to report."""
    if pd.api.types.is_bool_dtype(values):
        return values
    if pd.api.types.is_string_dtype(values) and not pd.api.types.is_object_dtype(values):
        words = values.str.strip().str.lower().astype(object)
    else:
        words = values.astype(object).map(lambda v: str(v).strip().lower(), na_action="ignore")
    known = {**dict.fromkeys(TRUE_WORDS, True), **dict.fromkeys(FALSE_WORDS, False)}
    mapped = words.map(known)
    return mapped.where(words.isna() | mapped.notna(), values.astype(object)).astype(object)


def _complete(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Every contract column present, defaults filled, dates at midnight."""
    kinds = kinds_of(table)
    for column in columns_of(table):
        default = COLUMN_DEFAULTS.get((table, column))
        if column not in frame.columns:
            frame[column] = default if default is not None else _empty(kinds[column], len(frame))
        elif default is not None:
            frame[column] = frame[column].fillna(default)
        if kinds[column] == "date":
            frame[column] = pd.to_datetime(frame[column]).dt.normalize()
        elif kinds[column] == "bool" and default is not None:
            frame[column] = frame[column].astype(bool)
    return frame


def _empty(kind: str, n: int) -> pd.Series:
    dtype = {"date": "datetime64[ns]", "number": "float64", "bool": "boolean"}.get(kind, object)
    return pd.Series([None] * n, dtype=dtype)


RowNamer = Callable[[int], object]  # a frame position → the row as a person finds it


def _row_namers(tables, first_rows, row_numbers, row_keys) -> Callable[[str, pd.DataFrame], RowNamer]:
    """``rows_of(table, frame)``: how problems in ``frame`` (0-based positions) name their rows."""
    numbers = {t: np.asarray(row_numbers[t]) for t in row_numbers if t in tables}

    def rows_of(table: str, frame: pd.DataFrame) -> RowNamer:
        if table in numbers:
            return lambda i: int(numbers[table][i])
        if table in row_keys:
            return _key_namer(frame, row_keys[table])
        first_row = first_rows.get(table, 1)
        return lambda i: int(i) + first_row

    return rows_of


def _key_namer(frame: pd.DataFrame, keys: Sequence[str]) -> RowNamer:
    """Rows named by their key values as a condition, ``am_id = 'AM1' and period = '2026Q3'``;
    by their 1-based position when the frame has none of the key columns."""
    present = [k for k in keys if k in frame.columns]
    if not present:
        return lambda i: int(i) + 1

    def name(i: int) -> str:
        return " and ".join(_condition(k, frame[k].iloc[int(i)]) for k in present)

    return name


def _condition(column: str, value) -> str:
    if _is_missing(value):
        return f"{column} IS NULL"
    if isinstance(value, pd.Timestamp):
        value = value.strftime("%Y-%m-%d") if value == value.normalize() else value.isoformat(sep=" ")
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return f"{column} = {value}"
    text = str(value)
    if not text.isprintable() or len(text) > ID_MAX_LENGTH:  # a key that breaks the contract itself
        return f"{column} = {shown(text)}"  # shown escaped and cut, never raw
    return f"{column} = '{text.replace(chr(39), chr(39) * 2)}'"


def _schema_problems(table: str, failures: pd.DataFrame, row_of: RowNamer) -> pd.DataFrame:
    """pandera's failure cases as contract problems (one row per failing cell)."""
    failures = failures.copy()
    kinds = kinds_of(table)
    coerced = set(zip(failures.loc[failures["check"].astype(str).str.startswith("coerce_dtype"), "column"],
                      failures.loc[failures["check"].astype(str).str.startswith("coerce_dtype"), "index"]))
    rows = []
    for failure in failures.itertuples(index=False):
        check = str(failure.check)
        column = failure.column if isinstance(failure.column, str) else ""
        if check == "column_in_dataframe":
            column = str(failure.failure_case)  # pandera names the schema here, not the column
        if check.startswith("dtype(") and (column, failure.index) in coerced:
            continue  # the coercion failure already says it
        row = None if pd.isna(failure.index) else row_of(int(failure.index))
        expected, found = _describe_failure(table, check, column, failure.failure_case, kinds)
        rows.append(_problem_row(table, row, column, check, expected, found))
    return pd.DataFrame(rows, columns=PROBLEM_COLUMNS).drop_duplicates()


def _describe_failure(table: str, check: str, column: str, case, kinds: dict) -> tuple[str, str]:
    found = "an empty cell" if _is_missing(case) else shown(case if not hasattr(case, "item") else case.item())
    if check == "id_length":
        return f"an id of at most {ID_MAX_LENGTH} characters", found
    if check == "id_characters":
        return "an id without control characters (tab, newline, NUL, …)", found
    if check == "column_in_dataframe":
        return f"the required column {case!r}", "no such column"
    if check.startswith(("coerce_dtype", "dtype(")):
        return EXPECTED_BY_KIND.get(kinds.get(column, "text"), "a value of the column's type"), found
    if check == "not_nullable":
        return "a value (the column is required)", "an empty cell"
    if check == "field_uniqueness":
        return "unique values", f"{found} more than once"
    if check == "multiple_fields_uniqueness":
        keys = ", ".join(SCHEMAS[table].Config.unique)
        return f"one row per {keys}", f"a repeated {keys}"
    if check.startswith("isin("):
        allowed = check[len("isin("):-1]
        return f"one of {allowed}", found
    if check.startswith("greater_than_or_equal_to("):
        return f"a value ≥ {check[len('greater_than_or_equal_to('):-1]}", found
    if check.startswith("less_than_or_equal_to("):
        return f"a value ≤ {check[len('less_than_or_equal_to('):-1]}", found
    if check.startswith("str_matches("):
        if column in ("period", "agreed_in"):
            return ("a quarter YYYYQn (e.g. 2026Q3) or a month YYYY-MM" if table == "targets"
                    else "a quarter YYYYQn (e.g. 2026Q3)"), found
        return f"text matching {check[len('str_matches('):-1]}", found
    return check, found


# A number or date cell whose text a parser reads as "no value" — "nan", "NaN", "-nan" for a
# number, "NaT" or "nan" for a date: the schema's coercion would make it a missing value and
# report it, if at all, as "an empty cell".
NAN_TEXT = r"^\s*[+-]?[nN][aA][nNtT]\s*$"


def _nan_text_problems(table: str, frame: pd.DataFrame, row_of: RowNamer) -> pd.DataFrame:
    """Every cell of a number or date column of ``table`` that holds the text ``nan`` or ``nat``
    (any case, a sign, spaces): not a value, and not an empty cell either (only an empty cell is
    missing; the contract has no word for "no value"). Columns already typed (Parquet, a
    database) are not looked at: a NaN there is the file's missing value."""
    rows = []
    for column, kind in kinds_of(table).items():
        if kind not in ("number", "date") or column not in frame.columns:
            continue
        values = frame[column]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
            continue
        if is_arrow_text(values):
            spelled = pc.match_substring_regex(pyarrow.array(values), NAN_TEXT)
            if not pc.any(spelled).as_py():
                continue
            # `== True` (E712) on purpose: element-wise on an object array holding nulls, true only where matched
            positions = np.flatnonzero(spelled.to_numpy(zero_copy_only=False) == True)  # noqa: E712
        else:
            positions = np.flatnonzero(values.map(
                lambda v: isinstance(v, str) and re.match(NAN_TEXT, v) is not None, na_action="ignore")
                .fillna(False).to_numpy(dtype=bool))
        expected = EXPECTED_BY_KIND[kind] + ("" if _required(table, column) else ", or an empty cell for none")
        rows += [_problem_row(table, row_of(int(i)), column, kind, expected, repr(values.iloc[int(i)]))
                 for i in positions]
    return pd.DataFrame(rows, columns=PROBLEM_COLUMNS)


def _required(table: str, column: str) -> bool:
    return not SCHEMAS[table].to_schema().columns[column].nullable


def _other_cells(problems: pd.DataFrame, reported: pd.DataFrame) -> pd.DataFrame:
    """``problems`` without those about a cell ``reported`` already names."""
    if reported.empty or problems.empty:
        return problems
    seen = set(zip(reported["row"], reported["column"]))
    return problems[[cell not in seen for cell in zip(problems["row"], problems["column"])]]


def _is_missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _non_finite_problems(table: str, frame: pd.DataFrame, row_of: RowNamer,
                         reported: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every cell of a number column of ``table`` holding an infinite value (``inf``,
    ``-inf``: a CSV's ``inf`` or ``Infinity`` text, a float overflow in a spreadsheet, an
    ``'Infinity'`` of a database), one problem each: no figure can be computed from it, so it
    is an error, not a warning. Cells ``reported`` already (by the schema) are left out."""
    seen = set() if reported is None else set(zip(reported["row"], reported["column"]))
    rows = []
    for column, kind in kinds_of(table).items():
        if kind != "number" or column not in frame.columns:
            continue
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        for i in np.flatnonzero(np.isinf(values)):
            row = row_of(int(i))
            if (row, column) not in seen:
                rows.append(_problem_row(table, row, column, "finite", "a finite number", repr(float(values[i]))))
    return pd.DataFrame(rows, columns=PROBLEM_COLUMNS)


def _reference_problems(tables: Mapping[str, pd.DataFrame],
                        rows_of: Callable[[str, pd.DataFrame], RowNamer]) -> list[pd.DataFrame]:
    problems = []
    for table, column, ref_table, ref_column in REFERENCES:
        if table not in tables or ref_table not in tables:
            continue
        values = tables[table][column]
        unknown = values.notna() & ~values.isin(set(tables[ref_table][ref_column]))
        if unknown.any():
            row_of = rows_of(table, tables[table])
            problems.append(pd.DataFrame(
                [_problem_row(table, row_of(int(i)), column, "reference",
                              f"a {ref_column} listed in {ref_table}", repr(values[i]))
                 for i in values.index[unknown]],
                columns=PROBLEM_COLUMNS,
            ))
    return problems


def _target_consistency_problems(targets: pd.DataFrame, row_of: RowNamer) -> pd.DataFrame:
    """A quarter target given both as a quarter row and as month rows must agree (months add up)."""
    is_month = targets["period"].map(is_month_label).astype(bool)
    months = targets[is_month].assign(
        quarter=lambda t: t["period"].map(quarter_of_month))
    month_sums = months.groupby(["am_id", "quarter", "measure"])["target"].sum()
    quarters = targets[targets["period"].map(is_quarter_label).astype(bool)]
    keys = pd.MultiIndex.from_frame(quarters[["am_id", "period", "measure"]])
    month_sum = pd.Series(month_sums.reindex(keys).to_numpy(), index=quarters.index)
    differs = month_sum.notna() & ((month_sum - quarters["target"]).abs() > 0.005)
    rows = [_problem_row(
                "targets", row_of(int(i)), "target", "months_add_up",
                f"the quarter's target to equal the sum of its month targets ({month_sum[i]:,.2f})",
                f"{quarters.at[i, 'target']:,.2f}")
            for i in quarters.index[differs]]
    return pd.DataFrame(rows, columns=PROBLEM_COLUMNS)


def _problem_row(table, row, column, check, expected, found) -> dict:
    return dict(zip(PROBLEM_COLUMNS, (table, row, column, check, expected, found)))


def _problem(table, row, column, check, expected, found) -> pd.DataFrame:
    return pd.DataFrame([_problem_row(table, row, column, check, expected, found)], columns=PROBLEM_COLUMNS)


def folder_fingerprint(folder: Path) -> str:
    """SHA-256 over the names and bytes of the pack's table files: same files, same fingerprint."""
    digest = hashlib.sha256()
    for table in sorted(SCHEMAS):
        for suffix in FILE_FORMATS:
            path = folder / f"{table}{suffix}"
            if path.exists():
                digest.update(path.name.encode())
                with path.open("rb") as handle:
                    for chunk in iter(lambda: handle.read(1 << 20), b""):
                        digest.update(chunk)
    return digest.hexdigest()


def content_fingerprint(tables: Mapping[str, pd.DataFrame]) -> str:
    """SHA-256 over validated tables' content: per table (in name order) its name, its contract
    columns and the sorted hashes of its rows, so row order does not matter and the same
    content gives the same fingerprint from any database."""
    digest = hashlib.sha256()
    for table in sorted(tables):
        columns = [c for c in columns_of(table) if c in tables[table].columns] if table in SCHEMAS \
            else list(tables[table].columns)
        digest.update("\x1f".join([table, *columns]).encode() + b"\x1e")
        row_hashes = pd.util.hash_pandas_object(tables[table][columns], index=False).to_numpy()
        digest.update(np.sort(row_hashes).tobytes())
    return digest.hexdigest()


def write_pack(tables: Mapping[str, pd.DataFrame], out: str | Path, file_format: str = "csv") -> Path | str:
    """Write ``tables`` as a pack: to a folder, one ``<table>.<format>`` file each, dates as ISO
    text (returns the folder); or, when ``out`` is a database URL, as tables of that database,
    replacing tables of the same names (returns the URL, password hidden; ``file_format`` is
    not used)."""
    if is_database_url(out):
        from amreview.data.sql import write_tables

        return write_tables(tables, str(out), {t: kinds_of(t) for t in tables if t in SCHEMAS})
    if file_format not in {"csv", "parquet", "xlsx"}:
        raise ArgumentError(f"file format {file_format!r}: expected csv, parquet or xlsx")
    from amreview.data.export import write_csv, write_data_workbook
    from amreview.files import atomic_path, make_folder

    folder = make_folder(Path(out))  # owner-only files and folders (amreview.files); OutputError
    for table, frame in tables.items():
        with atomic_path(folder / f"{table}.{file_format}") as tmp:
            if file_format == "csv":  # text that could start a formula escaped; read back as written
                write_csv(frame, tmp, date_format="%Y-%m-%d")
            elif file_format == "parquet":
                frame.to_parquet(tmp, index=False)
            else:
                write_data_workbook(frame, tmp)
    return folder
