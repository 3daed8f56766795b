"""Reading and validating a data pack: the only module that touches pack files.

A pack is a folder with one file per contract table (``<table>.csv``, ``.parquet`` or
``.xlsx``), or the word ``sample`` for the built-in sample pack. :func:`load_pack` reads every
table the contract knows, validates all of them at once against :mod:`amreview.schemas` and the
cross-table references, and returns a :class:`DataPack` of clean frames: typed columns, every
contract column present (missing optional columns filled with their documented default), and
dates at midnight. Everything downstream trusts these frames.

Problems are collected, never raised one at a time: a :class:`~amreview.errors.DataError`
carries a table of every problem with the table, the row as a person sees it in the file
(header = row 1), the column, and what was expected.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from amreview.errors import PROBLEM_COLUMNS, DataError
from amreview.periods import is_month_label, is_quarter_label, quarter_of_month
from amreview.schemas import OPTIONAL_TABLES, REFERENCES, REQUIRED_TABLES, SCHEMAS, columns_of, kinds_of
from amreview.vocabulary import DEFAULT_DEAL_TYPE

SAMPLE = "sample"
FILE_FORMATS = (".csv", ".parquet", ".xlsx")

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
    """Validated tables of one data pack, keyed by contract table name."""

    tables: Mapping[str, pd.DataFrame]
    source: str = ""
    fingerprint: str = field(default="", compare=False)

    def has(self, table: str) -> bool:
        """Whether the pack holds ``table`` (optional tables may be absent)."""
        return table in self.tables

    def __getitem__(self, table: str) -> pd.DataFrame:
        try:
            return self.tables[table]
        except KeyError:
            raise KeyError(f"the data pack {self.source!r} has no table {table!r}") from None

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


def load_pack(source: str | Path) -> DataPack:
    """Read and validate the pack at ``source`` (a folder, or ``"sample"``)."""
    if str(source) == SAMPLE:
        from amreview.sample import generate_sample

        return validate_tables(generate_sample(), source=SAMPLE)
    folder = Path(source)
    tables, first_rows, problems = read_folder(folder)
    if problems:
        raise DataError(pd.DataFrame(problems, columns=PROBLEM_COLUMNS), str(folder))
    return validate_tables(tables, source=str(folder), first_rows=first_rows,
                           fingerprint=folder_fingerprint(folder), consume=True)


def read_folder(folder: Path) -> tuple[dict[str, pd.DataFrame], dict[str, int], list[dict]]:
    """Read every contract table found in ``folder``, as raw frames.

    Returns the frames, the file row number of each table's first data row, and the problems
    found with the files themselves (a missing required table, two files for one table).
    """
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
            tables[table], first_rows[table] = read_table_file(files[0])
        except Exception as exc:  # an unreadable file is a data problem, reported as one
            problems.append(_problem_row(table, None, "", "readable",
                                         f"a readable {files[0].suffix} file", f"{type(exc).__name__}: {exc}"))
    return tables, first_rows, problems


def read_table_file(path: Path) -> tuple[pd.DataFrame, int]:
    """One table file as a raw frame, and the file row number of its first data row."""
    if path.suffix == ".csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
        first_row = 2
    elif path.suffix == ".xlsx":
        frame = pd.read_excel(path, sheet_name=0, dtype=object)
        first_row = 2
    else:
        frame = pd.read_parquet(path)
        first_row = 1
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, first_row


def validate_tables(
    tables: MutableMapping[str, pd.DataFrame],
    source: str = "",
    first_rows: Mapping[str, int] | None = None,
    fingerprint: str = "",
    consume: bool = False,
) -> DataPack:
    """Validate raw frames against the contract; return a :class:`DataPack` or raise :class:`DataError`.

    ``first_rows`` gives, per table, the row number a person sees for the frame's first row
    (2 for a file with a header row; default 1). The caller's frames are not modified;
    with ``consume=True`` each raw frame is dropped from ``tables`` once normalised, so a large
    pack is not held twice in memory.
    """
    first_rows = dict(first_rows or {})
    problems: list[pd.DataFrame] = []
    clean: dict[str, pd.DataFrame] = {}
    missing = [t for t in REQUIRED_TABLES if t not in tables]
    for table in missing:
        problems.append(_problem(table, None, "", "table_present", f"the required table {table}", "no such table"))
    for table in list(tables):
        if table not in SCHEMAS:
            continue
        first_row = first_rows.get(table, 1)
        raw = tables.pop(table) if consume else tables[table]
        frame = _normalise(table, raw.reset_index(drop=True))
        del raw
        try:
            validated = SCHEMAS[table].validate(frame, lazy=True)
        except pa.errors.SchemaErrors as exc:
            problems.append(_schema_problems(table, exc.failure_cases, first_row))
            continue
        clean[table] = _complete(table, validated)
    if not problems:
        problems += _reference_problems(clean, first_rows)
        if "targets" in clean:
            problems.append(_target_consistency_problems(clean["targets"], first_rows.get("targets", 1)))
    problems = [p for p in problems if not p.empty]
    if problems:
        raise DataError(pd.concat(problems, ignore_index=True), source)
    return DataPack(tables=clean, source=source, fingerprint=fingerprint)


def _normalise(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Bring raw values to what the schema coerces: ids as text, booleans from words.

    Vectorised: packs of ten million lines pass through here.
    """
    frame = frame.copy()
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
    stripped = values.str.strip()
    return stripped.where(stripped != "")


def _as_bool(values: pd.Series) -> pd.Series:
    """Booleans from ``true/false``, ``yes/no``, ``y/n``, ``1/0`` (any case); other words are left
    for the schema to report."""
    if pd.api.types.is_bool_dtype(values):
        return values.astype(object)
    if pd.api.types.is_string_dtype(values) and not pd.api.types.is_object_dtype(values):
        words = values.str.strip().str.lower().astype(object)
    else:
        words = values.astype(object).map(lambda v: str(v).strip().lower(), na_action="ignore")
    known = {**{w: True for w in TRUE_WORDS}, **{w: False for w in FALSE_WORDS}}
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


def _schema_problems(table: str, failures: pd.DataFrame, first_row: int) -> pd.DataFrame:
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
        row = None if pd.isna(failure.index) else int(failure.index) + first_row
        expected, found = _describe_failure(table, check, column, failure.failure_case, kinds)
        rows.append(_problem_row(table, row, column, check, expected, found))
    return pd.DataFrame(rows, columns=PROBLEM_COLUMNS).drop_duplicates()


def _describe_failure(table: str, check: str, column: str, case, kinds: dict) -> tuple[str, str]:
    found = "an empty cell" if _is_missing(case) else repr(case if not hasattr(case, "item") else case.item())
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
        if column == "period":
            return ("a quarter YYYYQn (e.g. 2026Q3) or a month YYYY-MM" if table == "targets"
                    else "a quarter YYYYQn (e.g. 2026Q3)"), found
        return f"text matching {check[len('str_matches('):-1]}", found
    return check, found


def _is_missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _reference_problems(tables: Mapping[str, pd.DataFrame], first_rows: Mapping[str, int]) -> list[pd.DataFrame]:
    problems = []
    for table, column, ref_table, ref_column in REFERENCES:
        if table not in tables or ref_table not in tables:
            continue
        values = tables[table][column]
        unknown = values.notna() & ~values.isin(set(tables[ref_table][ref_column]))
        if unknown.any():
            first_row = first_rows.get(table, 1)
            problems.append(pd.DataFrame(
                [_problem_row(table, int(i) + first_row, column, "reference",
                              f"a {ref_column} listed in {ref_table}", repr(values[i]))
                 for i in values.index[unknown]],
                columns=PROBLEM_COLUMNS,
            ))
    return problems


def _target_consistency_problems(targets: pd.DataFrame, first_row: int) -> pd.DataFrame:
    """A quarter target given both as a quarter row and as month rows must agree (months add up)."""
    is_month = targets["period"].map(is_month_label).astype(bool)
    months = targets[is_month].assign(
        quarter=lambda t: t["period"].map(quarter_of_month))
    month_sums = months.groupby(["am_id", "quarter", "measure"])["target"].sum()
    quarters = targets[targets["period"].map(is_quarter_label).astype(bool)]
    rows = []
    for i, q in quarters.iterrows():
        key = (q["am_id"], q["period"], q["measure"])
        if key in month_sums.index and abs(month_sums[key] - q["target"]) > 0.005:
            rows.append(_problem_row(
                "targets", int(i) + first_row, "target", "months_add_up",
                f"the quarter's target to equal the sum of its month targets ({month_sums[key]:,.2f})",
                f"{q['target']:,.2f}"))
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


def write_pack(tables: Mapping[str, pd.DataFrame], out: str | Path, file_format: str = "csv") -> Path:
    """Write ``tables`` as a pack folder, one ``<table>.<format>`` file each; dates as ISO text."""
    if file_format not in {"csv", "parquet", "xlsx"}:
        raise ValueError(f"file format {file_format!r}: expected csv, parquet or xlsx")
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    for table, frame in tables.items():
        path = folder / f"{table}.{file_format}"
        tmp = path.with_name(path.name + ".tmp")
        if file_format == "csv":
            frame.to_csv(tmp, index=False, date_format="%Y-%m-%d")
        elif file_format == "parquet":
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_excel(tmp, index=False, engine="openpyxl")
        tmp.replace(path)
    return folder
