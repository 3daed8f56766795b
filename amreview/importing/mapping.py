"""Mapping files: how a CRM / ERP / HR export becomes the contract's tables.

A mapping is a TOML file, validated on load (pydantic, like :mod:`amreview.scoring.config`): a mistake
is a :class:`~amreview.errors.ConfigError` naming the file, the setting and what was expected.
Each ``[[source]]`` says which file (and, for ``.xlsx``, which sheets and header row) feeds
which contract table, and how each contract column is made from the file's columns::

    [ids]
    am_id = { style = "slug" }                   # ids derived from names: slug or hash

    [[source]]
    file = "sales_pipeline.csv"
    table = "opportunities"
    where = [{ column = "deal_stage", not_in = ["Duplicate"] }]       # row filters
    [source.columns]
    opportunity_id = "opportunity_id"                                 # a rename
    am_id = { id_from = "sales_agent" }                               # an id derived from a name
    stage = { from = "deal_stage", map = { Won = "won", Lost = "lost" } }   # a value map
    created_date = { from = "engage_date", date_format = "%d/%m/%Y" }
    value = { from = "close_value_k", scale = 1000 }                  # amounts in thousands
    new_business = { value = false }                                  # a constant
    [source.keep]                                                     # extra columns, kept
    product = { from = "product", lookup = { file = "products.csv", column = "product" } }

Wide tables (monthly targets in columns ``M01 … M12``) become long rows with
``[source.unpivot]``; named groups of its ``pattern`` become columns (``{month}``), and the
pseudo-columns ``@sheet`` (the sheet's name), ``@column`` and ``@value`` (the unpivoted cell)
can feed contract columns. The full reference is ``docs/mapping.md``.

The modules of an import: this one (the mapping file: its model, loading, and its checks
against the contract); :mod:`amreview.importing.sources` (reading CSV files and workbooks);
:mod:`amreview.importing.values` (converting cells, deriving ids); :mod:`amreview.importing.mapping_apply` (pure
functions from a raw frame to a contract frame and a report of what was mapped, defaulted,
filtered and rejected — a row is rejected with its reason, never dropped silently);
:mod:`amreview.importing.importer` (a folder of exports in, a pack and a report out).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from amreview.data.schemas import REQUIRED_TABLES, SCHEMAS, columns_of, kinds_of
from amreview.errors import ConfigError, DataError, describe_problem
from amreview.importing.values import EXPECTED, convert, fold, text_form, text_form_of

Scalar = bool | int | float | str
ROW, SHEET, COLUMN, VALUE = "@row", "@sheet", "@column", "@value"
PSEUDO_COLUMNS = (SHEET, COLUMN, VALUE)
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


class ExportError(DataError):
    """Exports that cannot be read as the mapping says: a missing file, sheet or column, a header
    that is not where ``header_row`` puts it. ``problems`` as in :class:`DataError`, ``table``
    naming the file (and sheet)."""

    def render(self, limit: int = 50) -> str:
        n = len(self.problems)
        lines = [f"the exports cannot be read as the mapping says ({n} problem{'s' if n != 1 else ''}):"]
        lines += ["  - " + describe_problem(p) for p in self.problems.head(limit).to_dict("records")]
        if n > limit:
            lines.append(f"  … and {n - limit} more")
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# The mapping file's model
# --------------------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Lookup(_Strict):
    """Another file whose ``column`` lists the values this column should hold (e.g. products)."""

    file: str
    column: str
    sheet: str | None = None
    header_row: Annotated[int, Field(ge=1)] = 1


class ColumnSpec(_Strict):
    """How one output column is made. Exactly one of ``from`` (a source column), ``value`` (a
    constant), ``id_from`` (an id derived from names) or ``format`` (a template such as
    ``"{Year}-{month}"``) gives the raw value; the other settings transform it in this order:
    value map, period parsing, conversion to the contract type (``date_format``, ``scale``),
    default for empty cells."""

    from_: str | None = Field(None, alias="from")
    value: Scalar | None = None
    id_from: str | list[str] | None = None
    format: str | None = None
    map: dict[str, Scalar] | None = None
    case_sensitive: bool = False
    unmapped: Literal["reject", "keep", "empty"] | None = None
    parse: Literal["quarter", "month", "period"] | None = None
    date_format: str | None = None
    scale: Annotated[float, Field(gt=0)] | None = None
    invalid: Literal["reject", "empty"] = "reject"
    default: Scalar | None = None
    lookup: Lookup | None = None

    @model_validator(mode="before")
    @classmethod
    def _a_name_is_a_rename(cls, data):
        return {"from": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _one_origin(self):
        given = [
            k
            for k, v in (
                ("from", self.from_),
                ("value", self.value),
                ("id_from", self.id_from),
                ("format", self.format),
            )
            if v is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "exactly one of from, value, id_from or format"
                + (f", found {' and '.join(given)}" if given else ", found none")
            )
        if self.unmapped is not None and self.map is None:
            raise ValueError("unmapped only together with map")
        if self.map is not None and not self.case_sensitive:
            keys = [fold(k) for k in self.map]
            twice = sorted({k for k in keys if keys.count(k) > 1})
            if twice:
                raise ValueError(
                    f"map keys that differ by more than case (case_sensitive = false), "
                    f"found {', '.join(map(repr, twice))} more than once"
                )
        if self.date_format is not None and "%" not in self.date_format:
            raise ValueError(f"date_format as strptime directives such as '%d/%m/%Y', found {self.date_format!r}")
        if self.format is not None and not PLACEHOLDER.search(self.format):
            raise ValueError(f"format with at least one {{column}} placeholder, found {self.format!r}")
        return self

    @property
    def origin_columns(self) -> list[str]:
        """The source columns this spec reads."""
        if self.from_ is not None:
            return [self.from_]
        if self.id_from is not None:
            return [self.id_from] if isinstance(self.id_from, str) else list(self.id_from)
        if self.format is not None:
            return PLACEHOLDER.findall(self.format)
        return []


class RowFilter(_Strict):
    """Keep the rows whose ``column`` meets the one condition given (text compared after trimming)."""

    column: str
    equals: Scalar | None = None
    not_equals: Scalar | None = None
    in_: list[Scalar] | None = Field(None, alias="in")
    not_in: list[Scalar] | None = None
    empty: bool | None = None
    matches: str | None = None

    @model_validator(mode="after")
    def _one_condition(self):
        given = [
            k for k in ("equals", "not_equals", "in_", "not_in", "empty", "matches") if getattr(self, k) is not None
        ]
        if len(given) != 1:
            raise ValueError("exactly one of equals, not_equals, in, not_in, empty or matches")
        if self.matches is not None:
            try:
                re.compile(self.matches)
            except re.error as exc:
                raise ValueError(f"matches as a regular expression: {exc}") from None
        return self

    def describe(self) -> str:
        for key, word in (
            ("equals", "="),
            ("not_equals", "≠"),
            ("in_", "in"),
            ("not_in", "not in"),
            ("matches", "matches"),
        ):
            value = getattr(self, key)
            if value is not None:
                return f"{self.column} {word} {value!r}"
        return f"{self.column} {'is' if self.empty else 'is not'} empty"

    def keeps(self, values: pd.Series) -> pd.Series:
        text = text_form(values)
        if self.equals is not None:
            return text == text_form_of(self.equals)
        if self.not_equals is not None:
            return text.isna() | (text != text_form_of(self.not_equals))
        if self.in_ is not None:
            return text.isin([text_form_of(v) for v in self.in_])
        if self.not_in is not None:
            return ~text.isin([text_form_of(v) for v in self.not_in])
        if self.empty is not None:
            return text.isna() if self.empty else text.notna()
        return text.fillna("").str.contains(self.matches, regex=True)


class Unpivot(_Strict):
    """Wide to long: each of the ``columns`` (or the columns matching ``pattern``) becomes a row;
    the column's name goes to ``name``, its cell to ``value``, and the pattern's named groups to
    columns of their own. Empty cells give no row."""

    columns: list[str] | None = None
    pattern: str | None = None
    name: str = COLUMN
    value: str = VALUE

    @model_validator(mode="after")
    def _columns_or_pattern(self):
        if (self.columns is None) == (self.pattern is None):
            raise ValueError("exactly one of columns or pattern")
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"pattern as a regular expression: {exc}") from None
        return self

    def wide_columns(self, columns) -> list[str]:
        if self.columns is not None:
            return list(self.columns)
        assert self.pattern is not None  # _columns_or_pattern: exactly one of the two is given
        return [c for c in columns if re.fullmatch(self.pattern, str(c))]

    def group_names(self) -> list[str]:
        return list(re.compile(self.pattern).groupindex) if self.pattern else []


class SourceMap(_Strict):
    """One file (or the sheets of one workbook) feeding one contract table."""

    file: Annotated[str, Field(min_length=1)]
    table: str
    sheet: str | list[str] | None = None
    header_row: Annotated[int, Field(ge=1)] = 1
    fill_down: list[str] = []
    encoding: str = "utf-8"
    delimiter: Annotated[str, Field(min_length=1, max_length=1)] = ","
    decimal: Annotated[str, Field(min_length=1, max_length=1)] = "."
    thousands: Annotated[str, Field(max_length=1)] = ","
    where: list[RowFilter] = []
    unpivot: Unpivot | None = None
    columns: dict[str, ColumnSpec]
    keep: dict[str, ColumnSpec] = {}

    @model_validator(mode="after")
    def _separators_differ(self):
        if self.decimal == self.thousands:
            raise ValueError(f"decimal and thousands separators that differ, found {self.decimal!r} for both")
        return self

    @property
    def is_excel(self) -> bool:
        return Path(self.file).suffix.lower() in EXCEL_SUFFIXES

    @property
    def specs(self) -> dict[str, ColumnSpec]:
        return {**self.columns, **self.keep}

    def label(self) -> str:
        return f"{self.file} → {self.table}"


class IdRule(_Strict):
    """How ids are derived from names: ``slug`` (``"Darcel Schlecht"`` → ``darcel-schlecht``) or
    ``hash`` (the first ``length`` hex digits of the SHA-256 of the normalised name), after
    ``prefix``. Both are stable: the same name always gives the same id."""

    style: Literal["slug", "hash"] = "slug"
    prefix: str = ""
    length: Annotated[int, Field(ge=6, le=64)] = 10


class Mapping(_Strict):
    """A validated mapping file (see the module docstring)."""

    name: str = ""
    ids: dict[str, IdRule] = {}
    empty_tables: list[str] = []
    source: Annotated[list[SourceMap], Field(min_length=1)]
    path: str = ""

    def id_rule(self, column: str) -> IdRule:
        return self.ids.get(column, IdRule())

    def tables(self) -> list[str]:
        """The contract tables the mapping writes, in contract order."""
        fed = {s.table for s in self.source} | set(self.empty_tables)
        return [t for t in SCHEMAS if t in fed]


def load_mapping(path: str | Path) -> Mapping:
    """Read and validate a mapping file (TOML)."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"mapping {path}: no such file") from None
    except IsADirectoryError:
        raise ConfigError(f"mapping {path}: expected a TOML file, found a folder") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"mapping {path}: not valid TOML ({exc})") from None
    return parse_mapping(raw, source=str(path))


def parse_mapping(raw: dict, source: str = "<mapping>") -> Mapping:
    """Validate a mapping given as a dict (the parsed TOML)."""
    try:
        mapping = Mapping.model_validate({**raw, "path": source})
    except ValidationError as exc:
        raise ConfigError(f"mapping {source} is not valid:\n" + _describe(exc, raw)) from None
    problems = contract_problems(mapping)
    if problems:
        raise ConfigError(f"mapping {source} is not valid:\n" + "\n".join(f"  - {p}" for p in problems))
    return mapping


def _describe(exc: ValidationError, raw: dict) -> str:
    """One line per setting in error: where (the source by number and file), what was expected."""
    merged: dict[str, dict] = {}
    for error in exc.errors():
        where = _where(_real_path(list(error["loc"]), raw), raw)
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "an unknown setting (check its spelling)"
        elif error["type"] == "missing":
            message = "a required setting that is missing"
        elif error["type"] == "model_type":
            message = 'a source column\'s name, or a table of settings such as { from = "column" }'
        else:
            message = message.removeprefix("Input should be ").removeprefix("expected ")
        entry = merged.setdefault(where, {"messages": [], "input": error.get("input"), "type": error["type"]})
        if message not in entry["messages"]:
            entry["messages"].append(message)
    lines = []
    for where, entry in merged.items():
        text = " or ".join(entry["messages"])
        if entry["type"] not in ("extra_forbidden", "missing"):
            text = f"expected {text}"
            if not isinstance(entry["input"], dict | list):
                text += f" (found {entry['input']!r})"
        lines.append(f"  - {where}: {text}")
    return "\n".join(lines)


def _real_path(loc: list, raw) -> list:
    """``loc`` without pydantic's union tags (``str``, ``list[str]``…): only the keys and indexes
    that exist in the file as written, plus the last part (a missing or unknown setting)."""
    path, node = [], raw
    for i, part in enumerate(loc):
        if (
            isinstance(node, dict)
            and part in node
            or isinstance(node, list)
            and isinstance(part, int)
            and 0 <= part < len(node)
        ):
            node = node[part]
        elif (
            i == len(loc) - 1
            and isinstance(node, dict)
            and isinstance(part, str)
            and "[" not in part
            and part not in {"str", "int", "float", "bool"}
        ):
            pass  # a missing setting: name it
        else:
            continue
        path.append(part)
    return path


def _where(loc: list, raw: dict) -> str:
    """``source 2 (sales_pipeline.csv → opportunities), columns.stage`` from a location."""

    def dotted(parts):
        return ".".join(f"#{p + 1}" if isinstance(p, int) else str(p) for p in parts)

    if len(loc) >= 2 and loc[0] == "source" and isinstance(loc[1], int):
        entry = raw.get("source", [])[loc[1]]
        name = f"{entry.get('file', '?')} → {entry.get('table', '?')}" if isinstance(entry, dict) else "?"
        rest = dotted(loc[2:])
        return f"source {loc[1] + 1} ({name})" + (f", {rest}" if rest else "")
    return dotted(loc) or "(top level)"


# --------------------------------------------------------------------------------------------
# Checks of a mapping against the contract
# --------------------------------------------------------------------------------------------


def allowed_values(table: str, column: str) -> list | None:
    """The coded values the contract allows in ``table.column`` (``None``: any value)."""
    schema_column = SCHEMAS[table].to_schema().columns.get(column)
    if schema_column is None:
        return None
    for check in schema_column.checks:
        if "allowed_values" in (check.statistics or {}):
            return list(check.statistics["allowed_values"])
    return None


def required_columns(table: str) -> list[str]:
    """The columns a present table must have (the contract's bold columns)."""
    return [c for c, col in SCHEMAS[table].to_schema().columns.items() if col.required]


def contract_problems(mapping: Mapping) -> list[str]:
    """Everything in ``mapping`` that cannot give a valid contract table, one message each."""
    problems: list[str] = []
    tables = list(SCHEMAS)
    for i, source in enumerate(mapping.source, start=1):
        where = f"source {i} ({source.label()})"
        if source.table not in SCHEMAS:
            problems.append(f"{where}, table: expected one of {', '.join(tables)}, found {source.table!r}")
            continue
        suffix = Path(source.file).suffix.lower()
        if suffix not in EXCEL_SUFFIXES + TEXT_SUFFIXES:
            hint = " (save it as .xlsx)" if suffix == ".xls" else ""
            problems.append(f"{where}, file: expected a .csv or .xlsx file{hint}, found {source.file!r}")
        if not source.is_excel and source.sheet is not None:
            problems.append(f"{where}, sheet: expected only for .xlsx files, found sheet = {source.sheet!r}")
        problems += _column_problems(where, source)
    for table in mapping.empty_tables:
        if table not in SCHEMAS:
            problems.append(f"empty_tables: expected contract tables ({', '.join(tables)}), found {table!r}")
        elif any(s.table == table for s in mapping.source):
            problems.append(f"empty_tables: {table} is fed by a source; list only tables that no source feeds")
    if "account_managers" in mapping.empty_tables:
        problems.append("empty_tables: account_managers cannot be empty (nobody would be reviewed)")
    for table in REQUIRED_TABLES:
        if table not in mapping.empty_tables and not any(s.table == table for s in mapping.source):
            problems.append(
                f"{table}: expected a [[source]] with table = {table!r}, or {table!r} in empty_tables "
                "(the contract requires it; an empty table has its columns and no rows)"
            )
    for column in mapping.ids:
        if not any(column in s.specs for s in mapping.source):
            problems.append(f"ids.{column}: expected a column that some source derives with id_from, found none")
    return problems


def _column_problems(where: str, source: SourceMap) -> list[str]:
    table = source.table
    kinds = kinds_of(table)
    problems = []
    contract = columns_of(table)
    for column in source.columns:
        if column not in contract:
            problems.append(
                f"{where}, columns.{column}: expected a column of {table} ({', '.join(contract)}); "
                "put extra columns under [source.keep]"
            )
    for column in source.keep:
        if column in contract:
            problems.append(
                f"{where}, keep.{column}: {column} is a contract column of {table}; map it under [source.columns]"
            )
    missing = [c for c in required_columns(table) if c not in source.columns]
    if missing:
        problems.append(
            f"{where}, columns: expected the columns {table} requires "
            f"({', '.join(required_columns(table))}), "
            f"missing {', '.join(missing)} (a constant is {{ value = ... }})"
        )
    for column, spec in source.specs.items():
        kind = kinds.get(column, "text")
        at = f"{where}, {'columns' if column in source.columns else 'keep'}.{column}"
        if spec.date_format is not None and kind != "date":
            problems.append(f"{at}: date_format only for date columns, {column} is {kind}")
        if spec.scale is not None and kind != "number":
            problems.append(f"{at}: scale only for number columns, {column} is {kind}")
        if spec.id_from is not None and kind != "text":
            problems.append(f"{at}: id_from only for text columns, {column} is {kind}")
        if spec.parse is not None and kind != "text":
            problems.append(f"{at}: parse only for text (period) columns, {column} is {kind}")
        allowed = allowed_values(table, column) if column in source.columns else None
        if allowed is not None:
            for key, target in (spec.map or {}).items():
                if target not in allowed:
                    problems.append(
                        f"{at}.map: {key!r} maps to {target!r}; expected one of {', '.join(map(str, allowed))}"
                    )
            for name in ("value", "default"):
                constant = getattr(spec, name)
                if constant is not None and constant not in allowed:
                    problems.append(f"{at}.{name}: expected one of {', '.join(map(str, allowed))}, found {constant!r}")
        for name in ("value", "default"):
            constant = getattr(spec, name)
            if constant is not None and _convert_constant(constant, kind) is None:
                problems.append(f"{at}.{name}: expected {EXPECTED[kind]}, found {constant!r}")
        for origin in spec.origin_columns:
            if origin == VALUE and source.unpivot is None or origin == COLUMN and source.unpivot is None:
                problems.append(f"{at}: {origin} exists only with [source.unpivot]")
            if origin == SHEET and not source.is_excel:
                problems.append(f"{at}: {SHEET} (the sheet's name) exists only for .xlsx files")
    return problems


def _convert_constant(value, kind: str):
    series = pd.Series([value], dtype=object)
    converted, invalid = convert(series, kind)
    return None if invalid.any() else converted.iloc[0]
