"""Importing exports through a mapping: read the sources, map them, check the result against the
contract, and write a pack and a report.

:func:`map_sources` does the work and returns an :class:`ImportResult` (the contract tables, the
report of what was mapped, defaulted, filtered and rejected, and the contract problems of the
result with the source file and row of each). :func:`write_import` writes the pack (a folder of
CSV files) and the report; :func:`load_mapped_pack` gives a validated
:class:`~amreview.data.datapack.DataPack` straight from the exports, without writing anything.

A mapped result that still breaks the contract (e.g. an opportunity whose sales agent is not in
the team list) is not written as a pack: reviews rate people, so a pack is either valid or not
written. The report is written either way, with the problems.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from amreview.data.datapack import FILE_FORMATS, DataPack, validate_tables, write_pack
from amreview.data.schemas import SCHEMAS, kinds_of
from amreview.errors import PROBLEM_COLUMNS, AmreviewError, DataError, describe_problem
from amreview.importing.mapping import ROW, SHEET, ExportError, Mapping, load_mapping
from amreview.importing.mapping_apply import MappingReport, apply_source, missing_columns_error
from amreview.importing.sources import read_lookup, read_source

REPORT_NAME = "import-report.md"
ORIGIN = "@source"


@dataclass
class ImportResult:
    """What a mapping made of a folder of exports."""

    mapping: Mapping
    folder: Path
    tables: dict[str, pd.DataFrame]
    report: MappingReport
    problems: pd.DataFrame
    pack: DataPack | None

    @property
    def ok(self) -> bool:
        return self.pack is not None


def empty_table(table: str) -> pd.DataFrame:
    """The contract's columns of ``table`` with their types, and no rows."""
    dtypes = {"date": "datetime64[ns]", "number": "float64", "bool": object, "text": object}
    return pd.DataFrame({c: pd.Series(dtype=dtypes[k]) for c, k in kinds_of(table).items()})


def map_sources(mapping: Mapping | str | Path, folder: str | Path) -> ImportResult:
    """Read every source of ``mapping`` under ``folder``, map it, and check the tables."""
    mapping = mapping if isinstance(mapping, Mapping) else load_mapping(mapping)
    folder = Path(folder)
    if not folder.is_dir():
        problem = (
            "(exports)",
            None,
            "",
            "folder",
            "a folder holding the exports the mapping names",
            f"no folder {str(folder)!r}",
        )
        raise ExportError(pd.DataFrame([dict(zip(PROBLEM_COLUMNS, problem))]), str(folder))
    report = MappingReport()
    lookups = _lookups(mapping, folder)
    parts: dict[str, list[pd.DataFrame]] = {}
    for source in mapping.source:
        raw = read_source(folder, source)
        for where, header in raw.headers.items():  # each sheet must have the columns the mapping reads
            missing_columns_error(pd.DataFrame(columns=header), source, where)
        for note in raw.notes:
            report.add(raw.label, source.table, "", "finding", note)
        mapped = apply_source(raw.frame, source, mapping, raw.label, lookups)
        report.extend(mapped.report)
        frame = mapped.frame
        frame[ORIGIN] = raw.label if SHEET not in frame.columns else raw.label + ", sheet " + frame[SHEET].astype(str)
        parts.setdefault(source.table, []).append(frame)
    tables: dict[str, pd.DataFrame] = {}
    for table in mapping.tables():
        if table in parts:
            tables[table] = pd.concat(parts[table], ignore_index=True) if len(parts[table]) > 1 else parts[table][0]
        else:
            tables[table] = empty_table(table)
            report.add(
                "(none)",
                table,
                "",
                "empty_table",
                f"no source feeds {table}: written with the contract's columns and no rows",
            )
    problems, pack = _check(tables, str(folder))
    clean = {t: f.drop(columns=[c for c in (ROW, SHEET, ORIGIN) if c in f.columns]) for t, f in tables.items()}
    return ImportResult(mapping, folder, clean, report, problems, pack)


def _lookups(mapping: Mapping, folder: Path) -> dict[tuple[str, str], set]:
    lookups = {}
    for source in mapping.source:
        for spec in source.specs.values():
            if spec.lookup is not None:
                key = (spec.lookup.file, spec.lookup.column)
                if key not in lookups:
                    lookups[key] = read_lookup(
                        folder, spec.lookup.file, spec.lookup.column, spec.lookup.sheet, spec.lookup.header_row
                    )
    return lookups


def _check(tables: dict[str, pd.DataFrame], source: str) -> tuple[pd.DataFrame, DataPack | None]:
    """Validate the mapped tables; problems name the source file and row, not the pack's."""
    bare = {t: f.drop(columns=[c for c in (ROW, SHEET, ORIGIN) if c in f.columns]) for t, f in tables.items()}
    try:
        pack = validate_tables(bare, source=source, first_rows=dict.fromkeys(bare, 0))
        return pd.DataFrame(columns=PROBLEM_COLUMNS), pack
    except DataError as exc:
        problems = exc.problems.copy()
    for i, problem in problems.iterrows():
        frame = tables.get(problem["table"])
        row = problem["row"]
        if frame is None or row is None or pd.isna(row) or ORIGIN not in frame.columns:
            continue
        position = int(row)
        problems.at[i, "table"] = f"{problem['table']} (from {frame[ORIGIN].iat[position]})"
        problems.at[i, "row"] = int(frame[ROW].iat[position])
    return problems, None


def load_mapped_pack(mapping: Mapping | str | Path, folder: str | Path) -> DataPack:
    """A validated pack straight from the exports in ``folder`` (nothing written); a
    :class:`DataError` naming source files and rows when the mapped tables break the contract."""
    result = map_sources(mapping, folder)
    if result.pack is None:  # not result.ok
        raise DataError(result.problems, f"{result.folder} mapped by {result.mapping.path}")
    return result.pack


def write_import(
    result: ImportResult, out: str | Path, report_path: str | Path | None = None, overwrite: bool = False
) -> tuple[Path | None, Path]:
    """Write the pack (CSV files, only when the result is valid) and the Markdown report.

    Returns the pack folder (``None`` when not written) and the report's path (default:
    ``<out>/import-report.md``, or beside ``out`` when no pack is written). A non-empty ``out``
    is refused unless ``overwrite``; then only its table files and report are replaced.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise AmreviewError(f"cannot write the pack to {out}: it is a file, expected a folder")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise AmreviewError(
            f"the folder {out} is not empty: choose another --out, or pass --overwrite to replace its table files"
        )
    if report_path is None:
        report_path = out / REPORT_NAME if result.ok else out.with_name(out.name + "-" + REPORT_NAME)
    report_path = Path(report_path)
    written: Path | None = None
    if result.ok:
        if out.is_dir():
            for table in SCHEMAS:
                for suffix in FILE_FORMATS:
                    try:
                        (out / f"{table}{suffix}").unlink(missing_ok=True)
                    except OSError as exc:  # a read-only pack folder: said before anything changes
                        from amreview.files import output_error

                        raise output_error(exc, out / f"{table}{suffix}") from exc
        folder = write_pack({t: _for_csv(t, f) for t, f in result.tables.items()}, out, "csv")
        assert isinstance(folder, Path)  # out is a Path, never a database URL: write_pack returns the folder
        written = folder
    from amreview.files import write_text_atomic

    write_text_atomic(report_path, report_markdown(result, written))
    return written, report_path


def _for_csv(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Booleans as ``true``/``false`` (the contract's words), empty stays empty."""
    frame = frame.copy()
    for column, kind in kinds_of(table).items():
        if kind == "bool" and column in frame.columns:
            frame[column] = frame[column].map(lambda v: None if v is None or v is pd.NA else ("true" if v else "false"))
    return frame


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------


def table_summary(result: ImportResult) -> pd.DataFrame:
    """Per contract table: rows read, filtered, skipped, rejected and written, and the sources."""
    entries = result.report.frame()
    rows = []
    for table in result.tables:
        mine = entries[entries["table"] == table]
        sums = mine.groupby("action")["rows"].sum()
        sources = [s for s in dict.fromkeys(mine["source"]) if s != "(none)"]
        rows.append(
            {
                "table": table,
                "sources": ", ".join(sources) or "(none: empty)",
                "read": int(sums.get("read", 0)),
                "filtered": int(sums.get("filtered", 0)),
                "skipped": int(sums.get("skipped", 0)),
                "rejected": int(sums.get("rejected", 0)),
                "written": len(result.tables[table]),
            }
        )
    return pd.DataFrame(rows, columns=["table", "sources", "read", "filtered", "skipped", "rejected", "written"])


def summary_text(result: ImportResult, pack: Path | None, report: Path, limit: int = 12) -> str:
    """The one-screen summary ``amreview import`` prints."""
    name = result.mapping.name or result.mapping.path
    lines = [f"import {name!s}: {len(result.mapping.source)} source file(s) from {result.folder}"]
    for row in table_summary(result).itertuples(index=False):
        extra = []
        if row.filtered:
            extra.append(f"{row.filtered:,} filtered")
        if row.skipped:
            extra.append(f"{row.skipped:,} empty cells skipped")
        if row.rejected:
            extra.append(f"{row.rejected:,} rejected")
        detail = f" ({', '.join(extra)})" if extra else ""
        empty = "  empty: no source feeds it" if row.sources.startswith("(none") else ""
        lines.append(f"  {row.table:<24}{row.written:>9,} rows{detail}{empty}")
    entries = result.report.frame()
    notes = entries[entries["action"].isin(["finding", "rejected"])]
    if len(notes):
        lines.append(f"data-quality findings and rejects ({len(notes)}):")
        for e in notes.head(limit).itertuples(index=False):
            count = f" [{e.rows:,} rows]" if e.rows else ""
            lines.append(f"  - {e.source}: {e.detail}{count}")
        if len(notes) > limit:
            lines.append(f"  … and {len(notes) - limit} more in the report")
    if result.ok:
        lines.append(f"pack written to {pack}")
    else:
        lines.append(f"NOT written: the mapped tables break the data contract ({len(result.problems)} problems):")
        for problem in result.problems.head(limit).to_dict("records"):
            lines.append("  - " + describe_problem(problem))
    lines.append(f"report: {report}")
    return "\n".join(lines)


def report_markdown(result: ImportResult, pack: Path | None) -> str:
    """The import report: what was read, mapped, defaulted, filtered and rejected, the findings,
    the empty tables and the review sections they switch off."""
    from amreview.quality.table_coverage import COVERAGE_NOTE, coverage

    entries = result.report.frame()
    name = result.mapping.name or Path(result.mapping.path).name
    out = [
        f"# Import report: {_md(name)}",
        "",
        f"- mapping: `{result.mapping.path}`",
        f"- exports: `{result.folder}`",
        f"- pack: `{pack}`"
        if pack
        else "- pack: **not written** — the mapped tables break the data contract (see *Contract problems*)",
        "",
        "## Tables",
        "",
        _md_table(table_summary(result)),
        "",
    ]
    if not result.ok:
        out += [
            "## Contract problems",
            "",
            "The mapped tables break the data contract; each problem names the source file and row.",
            "",
        ]
        out += [f"- {_md(describe_problem(p))}" for p in result.problems.to_dict("records")] + [""]
    sections = [
        (
            "Data-quality findings",
            ["finding"],
            "Facts about the exports worth knowing; each names the rule applied. Nothing here was dropped.",
        ),
        ("Rejected rows", ["rejected"], "Rows left out of the pack, with the reason and the source rows."),
        (
            "Filtered and skipped",
            ["filtered", "skipped"],
            "Rows the mapping's filters leave out, and empty cells of wide tables.",
        ),
        (
            "Values mapped",
            ["mapped", "unmapped"],
            "Renamed columns and value maps (with how many rows each value had).",
        ),
        ("Derived, constant, converted and defaulted", ["derived", "constant", "converted", "defaulted"], ""),
    ]
    for title, actions, intro in sections:
        rows = entries[entries["action"].isin(actions)]
        out += [f"## {title}", ""] + ([intro, ""] if intro else [])
        if rows.empty:
            out += ["None.", ""]
            continue
        out += [_md_table(rows[["source", "table", "column", "detail", "rows", "examples"]]), ""]
    if result.pack is not None:
        switched = coverage(result.pack)
        switched = switched[switched["status"] != "present"]
        out += ["## Tables without rows, and what they switch off", "", COVERAGE_NOTE, ""]
        out += [
            _md_table(switched[["table", "status", "measures", "kpis_without_data"]]) if len(switched) else "None.",
            "",
        ]
    return "\n".join(out)


def _md(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_table(frame: pd.DataFrame) -> str:
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---:" if pd.api.types.is_numeric_dtype(frame[c]) else "---" for c in frame.columns) + "|"
    body = ["| " + " | ".join(_md(_cell(v)) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def _cell(value) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"
    return "" if value is None else str(value)
