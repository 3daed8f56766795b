"""The problems of a pack's tables, each a row of a :class:`~amreview.errors.DataError`'s table
(:data:`~amreview.errors.PROBLEM_COLUMNS`: table, row, column, check, expected, found).

* A problem names its row as a person finds it (:func:`row_namers`): in a file, the row as a
  spreadsheet numbers it (header = row 1; Parquet rows from 1); in a database, which has no row
  order, the row's key as a condition to paste into a ``WHERE`` clause (``line_id = 'L17'``).
* pandera's failure cases become sentences (:func:`schema_problems`: what was expected, what
  was found), and the checks the schemas cannot make are here: the text ``nan`` in a number or
  date column, infinite numbers, references between tables, targets whose months do not add up.

:func:`amreview.data.datapack.validate_tables` runs them, over every table at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.compute as pc

from amreview.data.schemas import ID_MAX_LENGTH, REFERENCES, SCHEMAS, kinds_of
from amreview.errors import PROBLEM_COLUMNS, shown
from amreview.frames import is_arrow_text
from amreview.periods import is_month_label, is_quarter_label, quarter_of_month

EXPECTED_BY_KIND = {
    "date": "a date YYYY-MM-DD",
    "number": "a number",
    "bool": "true or false",
    "text": "text",
}


# A number or date cell whose text a parser reads as "no value" — "nan", "NaN", "-nan" for a
# number, "NaT" or "nan" for a date: the schema's coercion would make it a missing value and
# report it, if at all, as "an empty cell".
NAN_TEXT = r"^\s*[+-]?[nN][aA][nNtT]\s*$"

RowNamer = Callable[[int], object]  # a frame position → the row as a person finds it


def problem_row(table: str, row: object, column: str, check: str, expected: str, found: str) -> dict:
    """One problem as a row of :data:`~amreview.errors.PROBLEM_COLUMNS` (``row``: a row number,
    a key condition, or None for a problem with a whole table or file)."""
    return dict(zip(PROBLEM_COLUMNS, (table, row, column, check, expected, found)))


def problem_table(table: str, row: object, column: str, check: str, expected: str, found: str) -> pd.DataFrame:
    """One problem as a table of :data:`~amreview.errors.PROBLEM_COLUMNS` (what a
    :class:`~amreview.errors.DataError` carries)."""
    return pd.DataFrame([problem_row(table, row, column, check, expected, found)], columns=PROBLEM_COLUMNS)


# --------------------------------------------------------------------------------------------
# How a problem names its row
# --------------------------------------------------------------------------------------------


def row_namers(
    tables: Mapping[str, pd.DataFrame],
    first_rows: Mapping[str, int],
    row_numbers: Mapping[str, Sequence[int] | np.ndarray],
    row_keys: Mapping[str, Sequence[str]],
) -> Callable[[str, pd.DataFrame], RowNamer]:
    """``rows_of(table, frame)``: how problems in ``frame`` (0-based positions) name their rows
    (the arguments are :func:`amreview.data.datapack.validate_tables`')."""
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


def _is_missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


# --------------------------------------------------------------------------------------------
# The problems of one table: pandera's failures described, and the cells the schemas let through
# --------------------------------------------------------------------------------------------


def schema_problems(table: str, failures: pd.DataFrame, row_of: RowNamer) -> pd.DataFrame:
    """pandera's failure cases as contract problems (one row per failing cell)."""
    failures = failures.copy()
    kinds = kinds_of(table)
    coerced = set(
        zip(
            failures.loc[failures["check"].astype(str).str.startswith("coerce_dtype"), "column"],
            failures.loc[failures["check"].astype(str).str.startswith("coerce_dtype"), "index"],
        )
    )
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
        rows.append(problem_row(table, row, column, check, expected, found))
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
        keys = ", ".join(SCHEMAS[table].to_schema().unique or [])  # the check of a schema's unique columns
        return f"one row per {keys}", f"a repeated {keys}"
    if check.startswith("isin("):
        allowed = check[len("isin(") : -1]
        return f"one of {allowed}", found
    if check.startswith("greater_than_or_equal_to("):
        return f"a value ≥ {check[len('greater_than_or_equal_to(') : -1]}", found
    if check.startswith("less_than_or_equal_to("):
        return f"a value ≤ {check[len('less_than_or_equal_to(') : -1]}", found
    if check.startswith("str_matches("):
        if column in ("period", "agreed_in"):
            return (
                "a quarter YYYYQn (e.g. 2026Q3) or a month YYYY-MM"
                if table == "targets"
                else "a quarter YYYYQn (e.g. 2026Q3)"
            ), found
        return f"text matching {check[len('str_matches(') : -1]}", found
    return check, found


def nan_text_problems(table: str, frame: pd.DataFrame, row_of: RowNamer) -> pd.DataFrame:
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
            # every value tested (no na_action): a column of nothing but empty cells maps to floats,
            # whose fillna(False) pandas is deprecating
            positions = np.flatnonzero(
                values.map(lambda v: isinstance(v, str) and re.match(NAN_TEXT, v) is not None).to_numpy(dtype=bool)
            )
        expected = EXPECTED_BY_KIND[kind] + ("" if _required(table, column) else ", or an empty cell for none")
        rows += [
            problem_row(table, row_of(int(i)), column, kind, expected, repr(values.iloc[int(i)])) for i in positions
        ]
    return pd.DataFrame(rows, columns=PROBLEM_COLUMNS)


def _required(table: str, column: str) -> bool:
    return not SCHEMAS[table].to_schema().columns[column].nullable


def other_cells(problems: pd.DataFrame, reported: pd.DataFrame) -> pd.DataFrame:
    """``problems`` without those about a cell ``reported`` already names."""
    if reported.empty or problems.empty:
        return problems
    seen = set(zip(reported["row"], reported["column"]))
    return problems[[cell not in seen for cell in zip(problems["row"], problems["column"])]]


def non_finite_problems(
    table: str, frame: pd.DataFrame, row_of: RowNamer, reported: pd.DataFrame | None = None
) -> pd.DataFrame:
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
                rows.append(problem_row(table, row, column, "finite", "a finite number", repr(float(values[i]))))
    return pd.DataFrame(rows, columns=PROBLEM_COLUMNS)


# --------------------------------------------------------------------------------------------
# Across tables (run once every table is valid)
# --------------------------------------------------------------------------------------------


def reference_problems(
    tables: Mapping[str, pd.DataFrame], rows_of: Callable[[str, pd.DataFrame], RowNamer]
) -> list[pd.DataFrame]:
    """Every value of a referencing column (:data:`~amreview.data.schemas.REFERENCES`) that its
    referenced table does not list, one problem each."""
    problems = []
    for table, column, ref_table, ref_column in REFERENCES:
        if table not in tables or ref_table not in tables:
            continue
        values = tables[table][column]
        known = set(tables[ref_table][ref_column])
        if all(value in known for value in values.unique() if not pd.isna(value)):
            continue  # the few distinct values looked up, not each row (3.5 million activities)
        unknown = values.notna() & ~values.isin(known)
        if unknown.any():
            row_of = rows_of(table, tables[table])
            problems.append(
                pd.DataFrame(
                    [
                        problem_row(
                            table,
                            row_of(int(i)),
                            column,
                            "reference",
                            f"a {ref_column} listed in {ref_table}",
                            repr(values[i]),
                        )
                        for i in values.index[unknown]
                    ],
                    columns=PROBLEM_COLUMNS,
                )
            )
    return problems


def per_distinct(values: pd.Series, function: Callable) -> pd.Series:
    """``values.map(function)`` of present ``values``, calling ``function`` once per distinct
    value (a pack's targets hold a few dozen periods over tens of thousands of rows)."""
    distinct = values.drop_duplicates()
    return values.map(dict(zip(distinct, map(function, distinct))))


def target_consistency_problems(targets: pd.DataFrame, row_of: RowNamer) -> pd.DataFrame:
    """A quarter target given both as a quarter row and as month rows must agree (months add up)."""
    is_month = per_distinct(targets["period"], is_month_label).astype(bool)
    months = targets[is_month].assign(quarter=lambda t: per_distinct(t["period"], quarter_of_month))
    month_sums = months.groupby(["am_id", "quarter", "measure"])["target"].sum()
    quarters = targets[per_distinct(targets["period"], is_quarter_label).astype(bool)]
    keys = pd.MultiIndex.from_frame(quarters[["am_id", "period", "measure"]])
    month_sum = pd.Series(month_sums.reindex(keys).to_numpy(), index=quarters.index)
    differs = month_sum.notna() & ((month_sum - quarters["target"]).abs() > 0.005)
    rows = [
        problem_row(
            "targets",
            row_of(int(i)),
            "target",
            "months_add_up",
            f"the quarter's target to equal the sum of its month targets ({month_sum[i]:,.2f})",
            f"{quarters.at[i, 'target']:,.2f}",
        )
        for i in quarters.index[differs]
    ]
    return pd.DataFrame(rows, columns=PROBLEM_COLUMNS)
