"""Applying a mapping (:mod:`amreview.importing.mapping`) to the raw cells of one export: pure functions
from a raw frame to a contract frame and a report of what was mapped, defaulted, filtered and
rejected — with reasons, counts and the source rows.

The steps, in order: fill down, filters (``where``), unpivot, then per output column its origin
(rename, constant, derived id or template), value map, period parsing, conversion to the
contract's type, units (``scale``) and default; last, rows missing a column the contract
requires are rejected. A rejected row is reported with its reason, never dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from amreview.data.schemas import columns_of, kinds_of
from amreview.errors import PROBLEM_COLUMNS
from amreview.importing.mapping import (
    PLACEHOLDER,
    PSEUDO_COLUMNS,
    ROW,
    SHEET,
    ColumnSpec,
    ExportError,
    Mapping,
    SourceMap,
    Unpivot,
    allowed_values,
    required_columns,
)
from amreview.importing.values import (
    EXPECTED,
    convert,
    derive_id,
    fold,
    normalise_name,
    parse_period,
    text_form,
    text_form_of,
)

REPORT_COLUMNS = ["source", "table", "column", "action", "detail", "rows", "examples"]
MAX_EXAMPLES = 5

# --------------------------------------------------------------------------------------------
# The report of an import
# --------------------------------------------------------------------------------------------


@dataclass
class MappingReport:
    """What an import did, one entry per fact: ``source``, ``table``, ``column``, ``action``
    (``read``, ``filtered``, ``skipped``, ``rejected``, ``mapped``, ``unmapped``, ``derived``,
    ``constant``, ``converted``, ``defaulted``, ``finding``, ``written``, ``empty_table``),
    ``detail`` (a sentence), ``rows`` (how many) and ``examples`` (source rows, as a person
    sees them in the file)."""

    entries: list[dict] = field(default_factory=list)

    def add(self, source: str, table: str, column: str, action: str, detail: str, rows: int = 0, examples=()) -> None:
        shown = ", ".join(str(e) for e in list(examples)[:MAX_EXAMPLES])
        if len(examples) > MAX_EXAMPLES:
            shown += ", …"
        self.entries.append(dict(zip(REPORT_COLUMNS, (source, table, column, action, detail, int(rows), shown))))

    def extend(self, other: MappingReport) -> None:
        self.entries.extend(other.entries)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.entries, columns=REPORT_COLUMNS)

    def count(self, action: str, table: str | None = None) -> int:
        return sum(e["rows"] for e in self.entries if e["action"] == action and (table is None or e["table"] == table))


@dataclass
class MappedSource:
    """The contract rows made from one source, and the report of how."""

    table: str
    frame: pd.DataFrame
    report: MappingReport


# --------------------------------------------------------------------------------------------
# Applying a mapping to raw frames (pure)
# --------------------------------------------------------------------------------------------


def apply_source(
    raw: pd.DataFrame,
    source: SourceMap,
    mapping: Mapping,
    label: str | None = None,
    lookups: dict[tuple[str, str], set] | None = None,
    excel: bool | None = None,
) -> MappedSource:
    """The contract frame of ``source`` from ``raw``, its cells as read (object dtype).

    ``raw`` may carry ``@row`` (the row number a person sees in the file; default: position + 2)
    and ``@sheet``. ``lookups`` holds, per ``(file, column)`` of a ``lookup`` setting, the values
    that file lists. The caller's frame is not modified. Columns: the table's mapped contract
    columns in contract order, then the ``keep`` columns, then ``@row`` (and ``@sheet``).
    """
    label = label or source.file
    excel = source.is_excel if excel is None else excel
    report = MappingReport()
    frame = raw.copy()
    if ROW not in frame.columns:
        frame[ROW] = np.arange(len(frame)) + 2
    missing_columns_error(frame, source, label)
    report.add(label, source.table, "", "read", f"{len(frame):,} rows read", len(frame))
    frame = _fill_down(frame, source.fill_down, report, label, source.table)
    frame = _filter(frame, source.where, report, label, source.table)
    if source.unpivot is not None:
        frame = unpivot(frame, source.unpivot, report, label, source.table)

    reasons = pd.Series(None, index=frame.index, dtype=object)
    columns: dict[str, pd.Series] = {}
    kinds = kinds_of(source.table)
    for column, spec in source.specs.items():
        kind = kinds.get(column, "text") if column in source.columns else "text"
        allowed = allowed_values(source.table, column) if column in source.columns else None
        values, why = column_values(
            frame, column, spec, kind, allowed, mapping, source, report, label, lookups or {}, excel
        )
        reasons = reasons.where(reasons.notna(), why)
        columns[column] = values
    for column in required_columns(source.table):
        empty = columns[column].isna()
        origin = ", ".join(source.columns[column].origin_columns) or "a constant"
        reasons = reasons.where(
            reasons.notna() | ~empty, f"{column} is empty (the contract requires it; from {origin})"
        )
    rejected = reasons.notna()
    _report_empty_cells(frame, columns, source, rejected, report, label)
    for reason, rows in frame.loc[rejected, ROW].groupby(reasons[rejected], sort=False):
        report.add(
            label, source.table, reason.split(" ", 1)[0].rstrip(":"), "rejected", reason, len(rows), rows.tolist()
        )
    order = [c for c in columns_of(source.table) if c in columns] + list(source.keep)
    result = pd.DataFrame({c: columns[c] for c in order}, index=frame.index)
    result[ROW] = frame[ROW]
    if SHEET in frame.columns:
        result[SHEET] = frame[SHEET]
    result = result[~rejected].reset_index(drop=True)
    report.add(label, source.table, "", "written", f"{len(result):,} rows mapped to {source.table}", len(result))
    return MappedSource(source.table, result, report)


def _report_empty_cells(frame, columns, source, rejected, report, label) -> None:
    """Optional contract columns left empty in rows that are kept: counted, since a KPI that
    needs the column will not count those rows."""
    required = set(required_columns(source.table))
    for column, spec in source.columns.items():
        if column in required or spec.value is not None:
            continue
        empty = columns[column].isna() & ~rejected
        if empty.any():
            origin = ", ".join(spec.origin_columns)
            report.add(
                label,
                source.table,
                column,
                "finding",
                f"{column} is empty in {int(empty.sum()):,} of {int((~rejected).sum()):,} rows "
                f"(from {origin}): kept, with the cell empty",
                int(empty.sum()),
                frame.loc[empty, ROW].tolist(),
            )


def missing_columns_error(frame: pd.DataFrame, source: SourceMap, label: str) -> None:
    """A :class:`DataError` when the file lacks a column the mapping reads (with what it has)."""
    wanted: dict[str, str] = {}
    for column, spec in source.specs.items():
        for origin in spec.origin_columns:
            wanted.setdefault(origin, f"{column} is made from it")
    for condition in source.where:
        wanted.setdefault(condition.column, f"the filter {condition.describe()} reads it")
    for column in source.fill_down:
        wanted.setdefault(column, "fill_down names it")
    if source.unpivot is not None and source.unpivot.columns:
        for column in source.unpivot.columns:
            wanted.setdefault(column, "unpivot.columns names it")
    made = (
        set(PSEUDO_COLUMNS)
        | set(source.unpivot.group_names() if source.unpivot else [])
        | ({source.unpivot.name, source.unpivot.value} if source.unpivot else set())
    )
    present = [c for c in frame.columns if not str(c).startswith("@")]
    missing = [c for c in wanted if c not in frame.columns and c not in made]
    if source.unpivot is not None and source.unpivot.pattern and not source.unpivot.wide_columns(present):
        missing.append(f"columns matching {source.unpivot.pattern!r}")
    if missing:
        header = f"row {source.header_row}" if source.header_row else "the header row"
        rows = [
            {
                "table": label,
                "row": source.header_row,
                "column": c,
                "check": "column_in_file",
                "expected": f"a column {c!r} in the header ({wanted.get(c, 'unpivot reads them')})",
                "found": f"the columns {', '.join(map(repr, present)) or 'none'} in {header}"
                + ("" if source.header_row > 1 or not source.is_excel else "; set header_row if titles sit above it"),
            }
            for c in missing
        ]
        raise ExportError(pd.DataFrame(rows, columns=PROBLEM_COLUMNS), label)


def _fill_down(frame, columns, report, label, table):
    for column in columns:
        text = text_form(frame[column])
        filled = text.ffill()
        n = int((text.isna() & filled.notna()).sum())
        frame[column] = filled
        if n:
            report.add(
                label,
                table,
                column,
                "defaulted",
                f"{n:,} empty cells of {column!r} take the value above (fill_down)",
                n,
            )
    return frame


def _filter(frame, conditions, report, label, table):
    for condition in conditions:
        keep = condition.keeps(frame[condition.column]).fillna(False).astype(bool)
        dropped = frame.loc[~keep, ROW]
        if len(dropped):
            report.add(
                label,
                table,
                condition.column,
                "filtered",
                f"rows left out by the filter: keep {condition.describe()}",
                len(dropped),
                dropped.tolist(),
            )
        frame = frame[keep]
    return frame


def unpivot(
    frame: pd.DataFrame, spec: Unpivot, report: MappingReport | None = None, label: str = "", table: str = ""
) -> pd.DataFrame:
    """Wide to long (see :class:`Unpivot`): one row per non-empty cell of the wide columns, in
    source order, the other columns repeated; ``@row`` stays the source row."""
    wide = spec.wide_columns(frame.columns)
    ids = [c for c in frame.columns if c not in wide]
    long = frame.melt(id_vars=ids, value_vars=wide, var_name=spec.name, value_name=spec.value, ignore_index=False)
    long["_order"] = long[spec.name].map({c: i for i, c in enumerate(wide)})
    long = long.reset_index(names="_source_index").sort_values(["_source_index", "_order"], kind="mergesort")
    empty = text_form(long[spec.value]).isna()
    if SHEET in long.columns:  # a column one sheet lacks is not a sheet of empty cells
        in_sheet = (~empty).groupby([long[SHEET], long[spec.name]]).transform("any")
        counted = int((empty & in_sheet).sum())
    else:
        counted = int(empty.sum())
    if report is not None and counted:
        report.add(
            label,
            table,
            spec.value,
            "skipped",
            f"{counted:,} empty cells of the wide columns "
            f"({', '.join(map(str, wide[:3]))}{', …' if len(wide) > 3 else ''}) give no row",
            counted,
        )
    long = long[~empty]
    if spec.pattern is not None:
        groups = long[spec.name].astype(str).str.extract(spec.pattern)
        for name in spec.group_names():
            long[name] = groups[name]
    return long.drop(columns=["_source_index", "_order"]).reset_index(drop=True)


def column_values(
    frame: pd.DataFrame,
    column: str,
    spec: ColumnSpec,
    kind: str,
    allowed: list | None,
    mapping: Mapping,
    source: SourceMap,
    report: MappingReport,
    label: str,
    lookups: dict[tuple[str, str], set],
    excel: bool,
) -> tuple[pd.Series, pd.Series]:
    """One output column (see :class:`ColumnSpec`) and, per row, why it is rejected (or ``None``)."""
    table = source.table
    why = pd.Series(None, index=frame.index, dtype=object)
    origin = ", ".join(spec.origin_columns)
    values = _source_values(frame, column, spec, mapping, report, label, table)
    if spec.lookup is not None:
        _check_lookup(frame, values, spec, column, lookups, report, label, table)
    if spec.map is not None:
        values, why = _value_map(frame, values, spec, column, allowed, report, label, table, origin)
    if spec.parse is not None:
        values, why = _parsed_periods(values, spec, column, origin, why)
    converted, invalid = convert(
        values, kind, date_format=spec.date_format, decimal=source.decimal, thousands=source.thousands, excel=excel
    )
    if invalid.any():
        why = _invalid_cells(frame, values, invalid, why, column, spec, kind, origin, report, label, table)
    if spec.scale is not None:
        converted = converted * spec.scale
        report.add(
            label, table, column, "converted", f"{column} = {origin} × {spec.scale:g}", int(converted.notna().sum())
        )
    if spec.default is not None:
        converted = _with_default(frame, converted, why, invalid, column, spec, kind, source, report, label)
    return _typed(converted, kind), why


def _source_values(
    frame: pd.DataFrame, column: str, spec: ColumnSpec, mapping: Mapping, report: MappingReport, label: str, table: str
) -> pd.Series:
    """The column's values as the source gives them: a source column, a constant, ids derived
    from other columns, or a format of several."""
    if spec.from_ is not None:
        values = frame[spec.from_].astype(object)
        if spec.from_ != column:
            report.add(label, table, column, "mapped", f"{column} ← {spec.from_}", len(frame))
        return values
    if spec.value is not None:
        report.add(label, table, column, "constant", f"{column} = {spec.value!r} (not in the source)", len(frame))
        return pd.Series([spec.value] * len(frame), index=frame.index, dtype=object)
    if spec.id_from is not None:
        return _derived_ids(frame, column, spec, mapping.id_rule(column), report, label, table)
    assert spec.format is not None  # ColumnSpec._one_origin: exactly one origin is given
    values = _formatted(frame, spec.format)
    report.add(label, table, column, "mapped", f"{column} ← {spec.format!r}", len(frame))
    return values


def _parsed_periods(
    values: pd.Series, spec: ColumnSpec, column: str, origin: str, why: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """Periods written as text (``parse``: quarter, month or period) as the contract's, and why
    each cell that is not one is rejected."""
    assert spec.parse is not None  # called only for a column with ``parse``
    kind = spec.parse
    text = text_form(values)
    parsed = values.map(lambda v: parse_period(v, kind), na_action="ignore").astype(object)
    bad = text.notna() & parsed.isna()
    example = {"quarter": "2026Q3 or Q3 2026", "month": "2026-07 or Jul 2026", "period": "2026Q3 or 2026-07"}
    message = text.map(
        lambda v: f"{column}: expected a {kind} ({example[kind]}), found {v!r} (in {origin})",
        na_action="ignore",
    )
    return parsed, why.where(why.notna() | ~bad, message)


def _invalid_cells(
    frame: pd.DataFrame,
    values: pd.Series,
    invalid: pd.Series,
    why: pd.Series,
    column: str,
    spec: ColumnSpec,
    kind: str,
    origin: str,
    report: MappingReport,
    label: str,
    table: str,
) -> pd.Series:
    """Cells that are not of the column's kind: rejected (why, per row) or left empty and reported,
    as the column's ``invalid`` says."""
    shown = values[invalid].map(text_form_of)
    if spec.invalid == "reject":
        message = shown.map(
            lambda v: (
                f"{column}: expected {_expected(kind, spec)}, found {v!r}{' (in ' + origin + ')' if origin else ''}"
            )
        )
        return why.where(why.notna() | ~invalid, message.reindex(why.index))
    report.add(
        label,
        table,
        column,
        "defaulted",
        f"{int(invalid.sum()):,} cells of {origin} that are not {_expected(kind, spec)} left empty (invalid = 'empty')",
        int(invalid.sum()),
        frame.loc[invalid, ROW].tolist(),
    )
    return why


def _with_default(
    frame: pd.DataFrame,
    converted: pd.Series,
    why: pd.Series,
    invalid: pd.Series,
    column: str,
    spec: ColumnSpec,
    kind: str,
    source: SourceMap,
    report: MappingReport,
    label: str,
) -> pd.Series:
    """Empty cells (not rejected, not invalid) set to the column's ``default``, and reported."""
    empty = converted.isna() & why.isna() & ~invalid
    if not empty.any():
        return converted
    fill, _ = convert(pd.Series([spec.default], dtype=object), kind, decimal=source.decimal, thousands=source.thousands)
    report.add(
        label,
        source.table,
        column,
        "defaulted",
        f"{int(empty.sum()):,} empty cells of {column} set to {spec.default!r}",
        int(empty.sum()),
        frame.loc[empty, ROW].tolist(),
    )
    return converted.astype(object).where(~empty, fill.iloc[0])


def _expected(kind: str, spec: ColumnSpec) -> str:
    if kind == "date" and spec.date_format:
        return f"a date in the format {spec.date_format!r}"
    return EXPECTED[kind]


def _typed(values: pd.Series, kind: str) -> pd.Series:
    if kind == "number":
        return pd.to_numeric(values, errors="coerce").astype("float64")
    if kind == "date":
        return pd.to_datetime(values).astype("datetime64[ns]")
    return values.astype(object).where(values.notna(), None)


def _derived_ids(frame, column, spec, rule, report, label, table) -> pd.Series:
    parts = [text_form(frame[c]) for c in spec.origin_columns]
    names = (
        parts[0]
        if len(parts) == 1
        else pd.concat(parts, axis=1).apply(lambda row: " ".join(v for v in row if v is not None) or None, axis=1)
    )
    ids = names.map(lambda n: derive_id(n, rule), na_action="ignore").astype(object)
    distinct = names.dropna().map(normalise_name).groupby(ids.dropna()).unique()
    report.add(
        label,
        table,
        column,
        "derived",
        f"{column} derived ({rule.style}{', prefix ' + repr(rule.prefix) if rule.prefix else ''}) from "
        f"{', '.join(spec.origin_columns)}: {len(distinct):,} distinct ids",
        int(ids.notna().sum()),
    )
    for derived, spellings in distinct.items():
        if len(spellings) > 1:
            report.add(
                label,
                table,
                column,
                "finding",
                f"{column} {derived!r} is derived from {len(spellings)} different names "
                f"({', '.join(map(repr, sorted(spellings)))}): one id for all of them, check they are one",
                int((ids == derived).sum()),
            )
    return ids


def _formatted(frame: pd.DataFrame, template: str) -> pd.Series:
    names = PLACEHOLDER.findall(template)
    parts = {name: text_form(frame[name]) for name in names}

    def fill(i):
        texts = {name: parts[name].at[i] for name in names}
        if any(t is None for t in texts.values()):
            return None
        return PLACEHOLDER.sub(lambda m: texts[m.group(1)], template)

    return pd.Series([fill(i) for i in frame.index], index=frame.index, dtype=object)


def _value_map(frame, values, spec, column, allowed, report, label, table, origin):
    text = text_form(values)
    keys = text if spec.case_sensitive else text.map(fold, na_action="ignore")
    table_map = {(k.strip() if spec.case_sensitive else fold(k)): v for k, v in spec.map.items()}
    mapped = keys.map(table_map)
    known = keys.isin(list(table_map))
    unmapped = text.notna() & ~known
    why = pd.Series(None, index=frame.index, dtype=object)
    policy = spec.unmapped or ("reject" if allowed is not None else "keep")
    changed = known & (text.astype(str) != mapped.astype(str))
    for (before, after), rows in frame.loc[changed, ROW].groupby([text[changed], mapped[changed]], sort=True):
        if allowed is None and spec.lookup is None:  # free text corrected (a misspelling): a data-quality fact
            report.add(
                label,
                table,
                column,
                "finding",
                f"{origin} {before!r} corrected to {after!r} by the value map",
                len(rows),
                rows.tolist(),
            )
        else:  # a code translated to the contract's vocabulary
            report.add(
                label, table, column, "mapped", f"{origin} {before!r} → {column} {after!r}", len(rows), rows.tolist()
            )
    if unmapped.any():
        if policy == "reject":
            for value, rows in frame.loc[unmapped, ROW].groupby(text[unmapped], sort=True):
                why[rows.index] = f"{column}: {value!r} (in {origin}) is not in the value map"
        else:
            counts = text[unmapped].value_counts().sort_index()
            shown = ", ".join(f"{v!r} ×{n:,}" for v, n in counts.head(12).items()) + (", …" if len(counts) > 12 else "")
            report.add(
                label,
                table,
                column,
                "unmapped",
                f"{len(counts)} values of {origin} not in the value map "
                + ("kept as they are" if policy == "keep" else "left empty")
                + f": {shown}",
                int(unmapped.sum()),
            )
    result = values.astype(object).where(~known, mapped)
    if policy == "empty":
        result = result.where(~unmapped, None)
    return result, why


def _check_lookup(frame, values, spec, column, lookups, report, label, table):
    lookup = spec.lookup
    listed = lookups.get((lookup.file, lookup.column))
    if listed is None:
        return
    text = text_form(values)
    outside = text.notna() & ~text.isin(listed)
    if not outside.any():
        return
    fixed = {}
    if spec.map is not None:
        table_map = {(k.strip() if spec.case_sensitive else fold(k)): v for k, v in spec.map.items()}
        fixed = {v: table_map.get(v if spec.case_sensitive else fold(v)) for v in text[outside].unique()}
    for value, rows in frame.loc[outside, ROW].groupby(text[outside], sort=True):
        target = fixed.get(value)
        remedy = (
            f"the value map makes it {target!r}, which {lookup.file} lists"
            if target in listed
            else "kept as it is: check the spelling or add it to the value map"
        )
        report.add(
            label,
            table,
            column,
            "finding",
            f"{', '.join(spec.origin_columns)} {value!r} is not in {lookup.file} column {lookup.column!r} "
            f"({', '.join(map(repr, sorted(listed)[:8]))}{', …' if len(listed) > 8 else ''}); {remedy}",
            len(rows),
            rows.tolist(),
        )
