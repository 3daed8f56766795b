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

Large packs. A large Parquet sales file (:mod:`~amreview.data.sales_file`) or PostgreSQL
sales table (:mod:`~amreview.data.sales_table`) is checked and summed where it lies; only the
lines that might break the contract are validated here, so the errors are a whole read's.

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

This module is the entry (:func:`load_pack`, :func:`validate_tables`, :func:`write_pack`, the
:class:`DataPack`); its siblings do the parts: :mod:`~amreview.data.pack_files` reads a folder's
files, :mod:`~amreview.data.sql` a database's tables, :mod:`~amreview.data.slicing` holds the
slice rule, :mod:`~amreview.data.cells` turns raw cells into typed ones, and
:mod:`~amreview.data.problems` finds and words the problems.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from amreview import redaction
from amreview.data.cells import as_text, complete, normalise
from amreview.data.pack import DataPack, LinesReadWhenAsked
from amreview.data.pack_files import FILE_FORMATS, check_pack_folder, file_problems, read_folder, read_table_file
from amreview.data.problems import (
    nan_text_problems,
    non_finite_problems,
    other_cells,
    problem_row,
    problem_table,
    reference_problems,
    row_namers,
    schema_problems,
    target_consistency_problems,
)
from amreview.data.sales_file import SalesFile, open_sales_file
from amreview.data.schemas import REQUIRED_TABLES, SCHEMAS, columns_of, kinds_of, schema_for
from amreview.data.slicing import OWNER_TABLE, check_slice_ids, slice_tables, without_foreign_owners
from amreview.errors import PROBLEM_COLUMNS, ArgumentError, DataError, ParameterError
from amreview.frames import in_order_of

SAMPLE = "sample"
DATABASE_URL = redaction.DATABASE_URL  # dialect[+driver]://…

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
        check_slice_ids(tables, ids, SAMPLE)
        return _as_slice(validate_tables(tables, source=SAMPLE, row_numbers=row_numbers, consume=True), ids)
    folder = Path(source)
    if ids is None:
        in_place = _sales_file_of(folder)
        if in_place is not None:
            return _load_in_place(folder, in_place)
    tables, first_rows, problems = read_folder(folder, am_ids=ids)
    if problems:
        raise DataError(pd.DataFrame(problems, columns=PROBLEM_COLUMNS), str(folder))
    if ids is None:
        return validate_tables(
            tables, source=str(folder), first_rows=first_rows, fingerprint=folder_fingerprint(folder), consume=True
        )
    check_slice_ids(tables, ids, str(folder))
    row_numbers = {t: frame.index.to_numpy() + first_rows[t] for t, frame in tables.items()}
    return _as_slice(validate_tables(tables, source=str(folder), row_numbers=row_numbers, consume=True), ids)


def _sales_file_of(folder: Path) -> SalesFile | None:
    """The folder's sales file when it is one DuckDB reads in place (:func:`open_sales_file`)."""
    check_pack_folder(folder)
    files = [folder / f"sales{suffix}" for suffix in FILE_FORMATS if (folder / f"sales{suffix}").exists()]
    if len(files) != 1 or files[0].suffix != ".parquet" or file_problems("sales", files[0]):
        return None  # the whole read names what is wrong with the files
    return open_sales_file(files[0])


def _load_in_place(folder: Path, sales: SalesFile) -> DataPack:
    """:func:`load_pack` of a folder whose sales lines DuckDB checks and sums in place
    (:mod:`amreview.data.sales_file`): the other tables read whole, the suspect lines validated
    with them, so a broken pack gets the errors a whole read gives."""
    sales.sharing_an_id_hash()  # DuckDB's largest table, before the other tables are read
    tables, first_rows, problems = read_folder(folder, skip=("sales",))
    if problems:
        raise DataError(pd.DataFrame(problems, columns=PROBLEM_COLUMNS), str(folder))
    accounts = tables.get("accounts")
    sales.find_suspects(
        _ids(tables.get("account_managers"), "am_id"), None if accounts is None else _ids(accounts, "account_id")
    )
    while True:
        raw = _with_sales(tables, sales.suspect_lines())
        pack = validate_tables(
            raw, source=str(folder), first_rows=first_rows, row_numbers={"sales": sales.suspects + 1}
        )
        clash = sales.passed_ids_among(pack.sales["line_id"])  # a trimmed id equal to another line's
        if not len(clash):
            break
        sales.suspects = np.union1d(sales.suspects, clash)
    sales.accept(pack.sales)
    others = {t: frame for t, frame in pack.tables.items() if t != "sales"}
    lines = LinesReadWhenAsked(others, lambda: _sales_read_whole(folder / "sales.parquet", others))
    return DataPack(tables=lines, source=str(folder), fingerprint=folder_fingerprint(folder), sales_file=sales)


def _ids(frame: pd.DataFrame | None, column: str) -> set[str]:
    """The ids of ``column`` as the loader reads them (missing table or column: none)."""
    if frame is None or column not in frame.columns:
        return set()
    return set(as_text(frame[column]).dropna())


def _with_sales(tables: Mapping[str, pd.DataFrame], sales: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The other tables with ``sales`` (some of its lines) among them, in the contract's order,
    where a whole read puts it (problems are listed in that order)."""
    return {t: sales if t == "sales" else tables[t] for t in SCHEMAS if t in tables or t == "sales"}


def _references(others: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The validated tables a whole read of the sales lines is validated with: those it refers to
    (account managers, accounts) and the required targets."""
    return {t: others[t] for t in ("account_managers", "targets", "accounts") if t in others}


def _sales_read_whole(path: Path, others: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The sales lines of a pack read in place, as a whole read gives them (they passed then)."""
    raw, first_row = read_table_file(path)
    return validate_tables({**_references(others), "sales": raw}, first_rows={"sales": first_row}, consume=True).sales


def load_prepared_pack(folder: str | Path, fingerprint: str) -> DataPack:
    """The pack folder ``folder`` that amreview wrote from a validated pack (a prepared input's
    slice, :mod:`amreview.batch.prepare`), read without validating it again: the same tables
    :func:`load_pack` returns (text columns as text, ``sales`` in date order), at a small part of
    the cost (0.06 s instead of 0.3-0.9 s of CPU for one of the sample's people).

    Trusted only as written: its files' :func:`folder_fingerprint` must be ``fingerprint``,
    recorded when they were written; a file changed, added or removed since is a
    :class:`~amreview.errors.ParameterError` (prepare the input again), never read unchecked."""
    folder = Path(folder)
    if folder_fingerprint(folder) != fingerprint:
        raise ParameterError(
            f"the pack of the prepared input {folder.parent} was changed after it was prepared (its "
            "files are not the ones written then): prepare it again"
        )
    tables, _, problems = read_folder(folder)
    if problems:  # a pack folder amreview wrote has one readable file per table
        raise DataError(pd.DataFrame(problems, columns=PROBLEM_COLUMNS), str(folder))
    clean = {table: normalise(table, frame) for table, frame in tables.items() if table in SCHEMAS}
    if "sales" in clean:
        clean["sales"] = in_order_of(clean["sales"], "invoice_date")
    return DataPack(tables=clean, source=str(folder), fingerprint=fingerprint)


def _as_slice(pack: DataPack, am_ids: tuple[str, ...]) -> DataPack:
    """A slice's pack: its ids, and the fingerprint of its own content (whatever the source;
    cheap, unlike hashing a large pack's whole files for every review)."""
    return replace(pack, fingerprint=content_fingerprint(pack.tables), am_ids=am_ids)


def check_source(source: str | Path) -> None:
    """An :class:`ArgumentError` when ``source`` names a folder that is not one (missing, or a
    file: :func:`~amreview.data.pack_files.check_pack_folder`), before anything is read or
    written; a database URL or ``"sample"`` passes (their problems are the pack's, found as it is read)."""
    if not is_database_url(source) and str(source) != SAMPLE:
        check_pack_folder(Path(source))


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
    if am_ids is None:
        in_place = _load_database_in_place(url)
        if in_place is not None:
            return in_place
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
        check_slice_ids(tables, ids, redaction.shown_source(url))
        if OWNER_TABLE in tables:
            tables[OWNER_TABLE] = without_foreign_owners(tables[OWNER_TABLE], ids)
    return tables, _database_problems(tables, url)


def _database_problems(tables: Mapping[str, pd.DataFrame], url: str, kept: Iterable[str] = ()) -> list[dict]:
    """The problems with the database itself: a missing required table (but those ``kept`` in
    the database, read in place), columns named alike."""
    problems = [
        problem_row(t, None, "", "table_present", f"a table or view named {t}", "no such table or view")
        for t in REQUIRED_TABLES
        if t not in tables and t not in kept
    ]
    return problems + _database_column_problems(tables, sqlite=url.lower().startswith("sqlite"))


def _load_database_in_place(url: str) -> DataPack | None:
    """:func:`load_pack` of a database whose sales lines PostgreSQL checks and sums
    (:mod:`amreview.data.sales_table`; None: read them whole), in one snapshot. The fingerprint:
    the other tables' content fingerprint with the database's digest of the lines."""
    from amreview.data.sales_table import open_sales_table
    from amreview.data.sql import read_tables_in, reading

    shown = redaction.shown_source(url)
    with reading(url) as connection:
        sales = open_sales_table(connection, url)
        if sales is None:
            return None
        tables = read_tables_in(connection, [t for t in SCHEMAS if t != "sales"], order_by=ROW_KEYS)
        problems = _database_problems(tables, url, kept=("sales",))
        if problems:
            raise DataError(pd.DataFrame(problems, columns=PROBLEM_COLUMNS), shown)
        accounts = tables.get("accounts")
        sales.find_suspects(
            connection,
            _ids(tables.get("account_managers"), "am_id"),
            None if accounts is None else _ids(accounts, "account_id"),
        )
        while True:
            suspects = sales.suspect_lines(connection)
            raw = _with_sales(tables, suspects)
            pack = validate_tables(raw, source=shown, row_keys=ROW_KEYS)
            clash = sales.passed_ids_among(connection, pack.sales["line_id"])  # a trimmed id equal to another's
            if not clash:
                break
            sales.add_clashes(connection, clash)
        sales.accept(connection, pack.sales, suspects["line_id"])
    others = {t: frame for t, frame in pack.tables.items() if t != "sales"}
    fingerprint = hashlib.sha256(f"{content_fingerprint(others)}:{sales.digest}".encode()).hexdigest()
    lines = LinesReadWhenAsked(others, lambda: _database_sales_read_whole(url, others))
    return DataPack(tables=lines, source=shown, fingerprint=fingerprint, sales_file=sales)


def _database_sales_read_whole(url: str, others: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The sales lines of a database pack read in place, as a whole read gives them."""
    from amreview.data.sql import read_tables

    raw = read_tables(url, ["sales"], order_by=ROW_KEYS)
    return validate_tables({**_references(others), **raw}, row_keys=ROW_KEYS, consume=True).sales


def _database_column_problems(tables: Mapping[str, pd.DataFrame], sqlite: bool) -> list[dict]:
    """Columns of a table or view that name the same column (:mod:`amreview.data.file_checks`): names
    that differ only in case (PostgreSQL keeps ``"Revenue"`` beside ``revenue``), and a SQLite
    view's renamed repeat (``SELECT revenue, revenue * 10 AS revenue`` gives ``revenue:1``)."""
    from amreview.data.file_checks import (
        DUPLICATE_EXPECTED,
        describe_duplicates,
        duplicate_headings,
        sqlite_renamed_duplicates,
    )

    problems = []
    for table, frame in tables.items():
        names = [str(c) for c in frame.columns]
        for group in (sqlite_renamed_duplicates if sqlite else duplicate_headings)(names):
            renamed = (
                " (SQLite's name for a repeated column of a view's SELECT)"
                if len({names[i] for i in group}) > 1 and sqlite
                else ""
            )
            problems.append(
                problem_row(
                    table,
                    None,
                    names[group[0]],
                    "header_unique",
                    DUPLICATE_EXPECTED,
                    f"{describe_duplicates(names, group, letters=False)}{renamed}",
                )
            )
    return problems


def validate_tables(
    tables: MutableMapping[str, pd.DataFrame],
    source: str = "",
    first_rows: Mapping[str, int] | None = None,
    fingerprint: str = "",
    consume: bool = False,
    row_numbers: Mapping[str, Sequence[int] | np.ndarray] | None = None,
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
    rows_of = row_namers(tables, first_rows or {}, row_numbers or {}, row_keys or {})
    problems: list[pd.DataFrame] = []
    clean: dict[str, pd.DataFrame] = {}
    missing = [t for t in REQUIRED_TABLES if t not in tables]
    for table in missing:
        problems.append(problem_table(table, None, "", "table_present", f"the required table {table}", "no such table"))
    for table in list(tables):
        if table not in SCHEMAS:
            continue
        raw = tables.pop(table) if consume else tables[table]
        frame = normalise(table, raw.reset_index(drop=True))
        del raw
        nan_text = nan_text_problems(table, frame, rows_of(table, frame))  # before coercion reads it as NaN
        if len(nan_text):
            problems.append(nan_text)
        try:
            # in place: ``frame`` is this function's own (shallow) copy, and a copy of ten
            # million lines costs a second and a gigabyte
            validated = schema_for(table, frame).validate(frame, lazy=True, inplace=True)
        except pa.errors.SchemaErrors as exc:
            reported = other_cells(schema_problems(table, exc.failure_cases, rows_of(table, frame)), nan_text)
            problems += [
                p for p in (reported, non_finite_problems(table, frame, rows_of(table, frame), reported)) if len(p)
            ]
            continue
        infinite = non_finite_problems(table, validated, rows_of(table, frame))
        if len(infinite):
            problems.append(infinite)
        clean[table] = complete(table, validated)
    if not problems:
        problems += reference_problems(clean, rows_of)
        if "targets" in clean:
            problems.append(target_consistency_problems(clean["targets"], rows_of("targets", clean["targets"])))
    problems = [p for p in problems if not p.empty]
    if problems:
        raise DataError(pd.concat(problems, ignore_index=True), source)
    if "sales" in clean:  # once, here: every date window of the KPIs is then a slice
        clean["sales"] = in_order_of(clean["sales"], "invoice_date", release=True)
    return DataPack(tables=clean, source=source, fingerprint=fingerprint)


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
        columns = (
            [c for c in columns_of(table) if c in tables[table].columns]
            if table in SCHEMAS
            else list(tables[table].columns)
        )
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
