"""Writing a :class:`~amreview.cycle.collection.Collection`: the pack with people's input added.

* **A folder pack** becomes a new folder ``out``: every file of the input copied as it was, byte
  for byte, except the tables the collection changes (``competency_ratings``, ``review_notes``,
  ``development_objectives``, ``review_outcomes``), which are rewritten in their own format with
  the new rows appended (and, with ``replace``, the replaced rows left out); a table the pack did
  not have is written in the format of its ``account_managers`` file. Text that looks like a
  formula stays text (:mod:`amreview.data.export`: an apostrophe in CSV, a string cell in Excel).
  The folder is written beside ``out`` under a hidden temporary name, the rewritten tables are
  read back and validated, and only then is it renamed to ``out``: a reader sees no pack or the
  whole one. ``out`` must not exist, or be an empty folder — or be the input folder itself, to
  update the pack in place (asked for by naming it): the input is then renamed aside, the new
  folder renamed to its name, and the old one removed.
* **The built-in sample** (``sample``) is written as a CSV folder in the same way.
* **A database pack** (:mod:`amreview.data.sql`) is changed in place, in one transaction: the
  replaced rows deleted, the new rows inserted, ``review_outcomes`` created when absent and the
  new columns added to tables that lack them (``out`` is not used).

A folder pack whose files changed since the forms were collected is refused (its fingerprint
is checked): the collection was made from other data.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from amreview.cycle.collection import ROW_TABLES, Collection
from amreview.data.datapack import (
    FILE_FORMATS,
    SAMPLE,
    folder_fingerprint,
    is_database_url,
    validate_tables,
)
from amreview.data.export import write_csv, write_data_workbook
from amreview.data.pack_files import read_table_file
from amreview.data.schemas import SCHEMAS, kinds_of
from amreview.errors import AmreviewError, ArgumentError, DataError
from amreview.files import atomic_file, atomic_path, make_folder, output_error, temporary_sibling
from amreview.redaction import shown_source


def check_destination(pack_source: str | Path, out: str | Path | None) -> Path | None:
    """Where :func:`write_collected_pack` will write for ``pack_source``, checked before any work:
    ``None`` for a database (changed in place); for a folder or the sample, ``out``, which must
    be given, and be a new or empty folder or the pack folder itself (module docstring)."""
    if is_database_url(pack_source):
        if out is not None and str(out) != str(pack_source):
            raise ArgumentError(
                f"--out {out}: a database pack ({shown_source(str(pack_source))}) gets the rows in "
                "its own tables; give no --out"
            )
        return None
    if out is None or is_database_url(str(out)):
        raise ArgumentError(
            "--out: expected the folder to write the pack with the collected rows to (a new "
            "folder, or the pack folder itself to update it in place)"
        )
    target = Path(out)
    if str(pack_source) != SAMPLE and target.resolve() == Path(pack_source).resolve():
        return target
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ArgumentError(
            f"--out {target}: expected a new or empty folder, found "
            f"{'a folder with files in it' if target.is_dir() else 'a file'} (give a new folder, or "
            "the pack folder itself to update it in place)"
        )
    return target


def write_collected_pack(pack_source: str | Path, collection: Collection, out: str | Path | None = None) -> str | Path:
    """Write ``collection``'s rows into the pack at ``pack_source`` (module docstring); returns
    where: the folder written, or the database URL (password hidden)."""
    target = check_destination(pack_source, out)
    kinds = {t: kinds_of(t) for t in ROW_TABLES}
    if target is None:
        from amreview.data.sql import change_rows

        deleted = {t: list(where) for t, where in collection.removed_where.items()}
        return change_rows(str(pack_source), collection.added, deleted, kinds)
    if str(pack_source) == SAMPLE:
        return _write_folder(None, collection, target)
    source = Path(pack_source)
    if collection.pack_fingerprint and folder_fingerprint(source) != collection.pack_fingerprint:
        raise AmreviewError(
            f"the data pack {source} has changed since the forms were collected from it: collect them again"
        )
    return _write_folder(source, collection, target)


def _changed(collection: Collection) -> set[str]:
    return {t for t in ROW_TABLES if len(collection.added.get(t, ())) or collection.removed.get(t)}


def _write_folder(source: Path | None, collection: Collection, target: Path) -> Path:
    in_place = source is not None and target.resolve() == source.resolve()
    make_folder(target.resolve().parent)
    tmp = temporary_sibling(target.resolve())
    try:
        make_folder(tmp)
        written = _sample_files(tmp, collection) if source is None else _pack_files(source, tmp, collection)
        _check_written(written)
        _publish(tmp, target.resolve(), in_place)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise output_error(exc, target, folder=True) from exc
        raise
    return target


def _pack_files(source: Path, tmp: Path, collection: Collection) -> dict[str, tuple[Path, int]]:
    """Every entry of the pack folder into ``tmp``: the changed tables rewritten, the rest copied."""
    changed = _changed(collection)
    written = {}
    for entry in sorted(source.iterdir()):
        table, suffix = entry.stem, entry.suffix
        if entry.is_dir():
            shutil.copytree(entry, tmp / entry.name, symlinks=True)
        elif table in changed and suffix in FILE_FORMATS:
            written[table] = _rewrite(
                entry, tmp / entry.name, collection.added.get(table), collection.removed.get(table, ())
            )
        else:
            _copy(entry, tmp / entry.name)
    suffix = next((s for s in FILE_FORMATS if (source / f"account_managers{s}").exists()), ".csv")
    for table in sorted(changed - set(written)):
        written[table] = _rewrite(None, tmp / f"{table}{suffix}", collection.added.get(table), ())
    return written


def _sample_files(tmp: Path, collection: Collection) -> dict[str, tuple[Path, int]]:
    """The built-in sample as CSV files in ``tmp``, with the collected rows."""
    from amreview.data.sample import generate_sample

    tables = generate_sample()
    changed = _changed(collection)
    written = {}
    for table in sorted(set(tables) | changed):
        frame = tables.get(table, pd.DataFrame())
        if table in changed:
            frame = frame.reset_index(drop=True).drop(index=list(collection.removed.get(table, ())))
            if table in collection.added:
                frame = (
                    pd.concat([frame, collection.added[table]], ignore_index=True)
                    if len(frame.columns)
                    else collection.added[table]
                )
        with atomic_path(tmp / f"{table}.csv") as path:
            write_csv(frame, path, date_format="%Y-%m-%d")
        if table in changed:
            written[table] = (tmp / f"{table}.csv", len(frame))
    return written


def _copy(path: Path, destination: Path) -> None:
    with path.open("rb") as source, atomic_file(destination, "xb") as copy:
        shutil.copyfileobj(source, copy)


def _rewrite(
    path: Path | None, destination: Path, added: pd.DataFrame | None, removed: Sequence[int]
) -> tuple[Path, int]:
    """A table file with ``removed`` (positions of its rows) left out and ``added`` appended, in
    the format of ``destination``; and its number of rows."""
    suffix = destination.suffix
    if path is None:
        raw = pd.DataFrame()
    else:
        raw, _ = read_table_file(path)
        raw = raw.reset_index(drop=True).drop(index=list(removed))
    table = destination.stem
    new = pd.DataFrame() if added is None else _in_file_terms(added, raw, suffix, kinds_of(table))
    frame = pd.concat([raw, new], ignore_index=True) if len(raw.columns) else new
    with atomic_path(destination) as tmp:
        if suffix == ".csv":  # text that could start a formula escaped; read back as written
            write_csv(frame, tmp, date_format="%Y-%m-%d")
        elif suffix == ".xlsx":  # every text cell a string cell: no formula
            write_data_workbook(frame, tmp)
        else:
            frame.to_parquet(tmp, index=False)
    return destination, len(frame)


def _in_file_terms(added: pd.DataFrame, raw: pd.DataFrame, suffix: str, kinds: Mapping[str, str]) -> pd.DataFrame:
    """The new rows as the file holds its values: all text in a CSV file (read as text); typed in
    a workbook; in a Parquet file typed as the file's column is (text where it holds text)."""
    columns = {}
    for column in added.columns:
        values = added[column]
        as_text = suffix == ".csv" or (
            suffix == ".parquet"
            and column in raw.columns
            and not (pd.api.types.is_numeric_dtype(raw[column]) or pd.api.types.is_datetime64_any_dtype(raw[column]))
        )
        columns[column] = _as_text(values, kinds.get(column, "text")) if as_text else values
    return pd.DataFrame(columns, index=added.index)


def _as_text(values: pd.Series, kind: str) -> pd.Series:
    def one(value):
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return None
        if kind == "date":
            return f"{pd.Timestamp(value):%Y-%m-%d}"
        if kind == "number":
            number = float(value)
            return str(int(number)) if number.is_integer() else repr(number)
        return value

    return values.astype(object).map(one).astype(object)


def _check_written(written: Mapping[str, tuple[Path, int]]) -> None:
    """The rewritten tables, read back, hold valid rows, as many as written: nothing half-written."""
    tables = {table: read_table_file(path)[0] for table, (path, _) in written.items() if table in SCHEMAS}
    for table, frame in tables.items():
        if len(frame) != written[table][1]:
            raise AmreviewError(
                f"{written[table][0].name} read back {len(frame)} rows, not the {written[table][1]} "
                "written: nothing was published"
            )
    try:
        validate_tables(dict(tables), first_rows=dict.fromkeys(tables, 2))
    except DataError as exc:
        problems = exc.problems[exc.problems["check"] != "table_present"]
        if len(problems):
            raise DataError(problems, "the pack written with the collected rows") from None


def _publish(tmp: Path, target: Path, in_place: bool) -> None:
    """Rename the finished folder ``tmp`` to ``target`` (module docstring)."""
    if not in_place:
        os.replace(tmp, target)  # onto nothing, or an empty folder
        return
    aside = temporary_sibling(target, ".replaced")
    os.rename(target, aside)
    try:
        os.rename(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.rename(aside, target)
        raise
    shutil.rmtree(aside, ignore_errors=True)
