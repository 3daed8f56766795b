"""The data-quality report as an HTML page (the document of :mod:`amreview.quality.checks`).

Text from the data is escaped (the template autoescapes); the page is written atomically.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from amreview.files import write_text_atomic
from amreview.quality.checks import CHECKS, QualityReport
from amreview.quality.table_coverage import COVERAGE_NOTE

MAX_ROWS_PER_CHECK = 500


def render_quality(report: QualityReport, max_rows: int = MAX_ROWS_PER_CHECK) -> str:
    """The HTML page of ``report``: verdict, tables and what missing ones switch off, findings
    counted by check, then each check's findings (the first ``max_rows`` of each)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("amreview.quality", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    start, end = report.history
    summary = {
        "source": report.source,
        "ok": report.ok,
        "verdict": "valid" if report.ok else "not valid: no review can be produced from it",
        "n_errors": f"{len(report.errors):,}",
        "n_warnings": f"{len(report.warnings):,}",
        "history": f"{start:%Y-%m-%d} to {end:%Y-%m-%d}" if start is not None else "",
    }
    coverage = [
        {
            "table": r.table,
            "required": bool(r.required),
            "status": r.status,
            "rows": f"{r.rows:,}",
            "measures": r.measures,
            "kpis": r.kpis_without_data,
        }
        for r in report.coverage.itertuples(index=False)
    ]
    checks = [
        {**row, "anchor": _anchor(row["severity"], row["check"]), "findings": f"{row['findings']:,}"}
        for row in report.by_check().to_dict("records")
    ]
    descriptions = {c.name: c.description for c in CHECKS}
    groups = []
    for (severity, name), found in report.findings.groupby(["severity", "check"], sort=False):
        groups.append(
            {
                "severity": severity,
                "check": name,
                "anchor": _anchor(severity, name),
                "description": descriptions.get(name, "the data contract"),
                "total": len(found),
                "shown": [
                    {
                        "table": f["table"],
                        "row": _row_text(f["row"]),
                        "column": f["column"] or "",
                        "expected": f["expected"],
                        "found": "" if pd.isna(f["found"]) else f["found"],
                    }
                    for f in found.head(max_rows).to_dict("records")
                ],
            }
        )
    return env.get_template("quality.html.j2").render(
        summary=summary, coverage=coverage, checks=checks, groups=groups, coverage_note=COVERAGE_NOTE
    )


def write_quality_html(report: QualityReport, path: str | Path) -> Path:
    """Write :func:`render_quality` to ``path`` (atomically); return the path."""
    path = Path(path)
    write_text_atomic(path, render_quality(report))  # owner-only; OutputError when it cannot be written
    return path


def _row_text(row) -> str:
    """A finding's row as a person reads it: ``7`` (never ``7.0``), a key condition as it is,
    nothing for a finding about no one row."""
    if row is None or (isinstance(row, float) and pd.isna(row)):
        return ""
    return str(int(row)) if isinstance(row, float) and row.is_integer() else str(row)


def _anchor(severity: str, check: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", f"{severity}-{check}".lower()).strip("-")
