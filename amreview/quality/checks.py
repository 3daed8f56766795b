"""Data quality of a pack: contract errors, plausibility warnings, and what missing tables switch off.

:func:`check_pack` reads a pack once and returns a :class:`QualityReport`:

* **errors** — the contract's own validation (:func:`amreview.data.datapack.validate_tables`: schema,
  types, ranges, unique ids, references to ``account_managers`` and ``accounts``, targets whose
  months do not add up). A pack with errors produces no review.
* **warnings** — the checks of :data:`CHECKS`, a registry of small pure functions of the validated
  tables, each in the module of its kind: records (:mod:`~amreview.quality.records`: empty
  required tables, duplicates, unknown accounts, one name under two ids, opportunities the
  pipeline KPIs cannot count, people without any data), dates (:mod:`~amreview.quality.dates`:
  outside the pack's history or in the wrong order) and amounts (:mod:`~amreview.quality.amounts`:
  lines whose cost exceeds revenue by an implausible factor, amounts beyond what one row can hold
  and negative costs on sales, :mod:`amreview.data.plausibility`). Warnings never block a review.
* **coverage** — per contract table: present, empty or missing, and for the latter two the
  measures and KPIs that then have no data (:mod:`~amreview.quality.table_coverage`, from the KPI
  registry's ``sources``, so it cannot drift from the code).

Errors are found lazily (:mod:`~amreview.quality.lazy_validation`): rows (or tables) with errors
are set aside and the rest validated again, so one run lists every error *and* the warnings of
the valid rows. Every finding names the table, the row as a person sees it in the file (header =
row 1), the column, what was expected and what was found.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from amreview.data.datapack import ROW_KEYS, SAMPLE, DataPack, load_pack, read_folder
from amreview.data.plausibility import AMOUNT_BOUNDS, MAX_LINE_AMOUNT, MAX_PERIOD_MONEY
from amreview.errors import DataError, describe_problem
from amreview.quality.amounts import (
    IMPLAUSIBLE_COST_FACTOR,
    implausible_amount,
    implausible_cost,
    negative_cost,
    quantity_revenue_signs,
)
from amreview.quality.dates import EARLIEST_PLAUSIBLE_DATE, dates_in_wrong_order, dates_outside_history, history
from amreview.quality.findings import FINDING_COLUMNS, Check, as_findings, findings_frame, no_findings
from amreview.quality.lazy_validation import validate_lazily
from amreview.quality.records import (
    duplicate_rows,
    empty_required_tables,
    names_under_two_ids,
    people_without_data,
    uncountable_opportunities,
    unknown_accounts,
)
from amreview.quality.table_coverage import coverage
from amreview.redaction import shown_source

SEVERITIES = ("error", "warning")

# The warning checks, in the order the report lists them (each a pure function of the validated
# pack, in the module of its kind: records, dates, amounts).
CHECKS: list[Check] = [
    Check("empty_table", "a required table with no rows: the KPIs that read it have no data", empty_required_tables),
    Check("duplicate_row", "a row repeating another row's values (under another id)", duplicate_rows),
    Check(
        "date_outside_history",
        "a date far outside the pack's history (a typo, or a placeholder such as 1900-01-01)",
        dates_outside_history,
    ),
    Check(
        "date_order",
        "a date before the date it must follow (closed before created, resolved before opened)",
        dates_in_wrong_order,
    ),
    Check(
        "cost_exceeds_revenue",
        f"a sales line whose cost exceeds its revenue more than {IMPLAUSIBLE_COST_FACTOR:g}-fold "
        "(units mixed with thousands, or swapped columns)",
        implausible_cost,
    ),
    Check(
        "sign_mismatch",
        "a sales line whose quantity and revenue have opposite signs (a return is negative in both)",
        quantity_revenue_signs,
    ),
    Check(
        "implausible_amount",
        f"an amount beyond what one row can hold (a sales line's revenue or cost above "
        f"{MAX_LINE_AMOUNT:,.0f} in size, a period's target above {MAX_PERIOD_MONEY:,.0f}, …): a unit mixed up or "
        "a placeholder; the account manager whose sales line or target it is gets no rating",
        implausible_amount,
    ),
    Check(
        "negative_cost",
        "a sales line with a negative cost and a revenue of 0 or more: its margin exceeds its revenue",
        negative_cost,
    ),
    Check(
        "unknown_account",
        "an account_id the accounts table does not list (outside sales, where it is an error)",
        unknown_accounts,
    ),
    Check("same_name_two_ids", "one name under two ids (a person or customer entered twice)", names_under_two_ids),
    Check(
        "opportunity_not_counted",
        "an opportunity the pipeline KPIs cannot count fully (closed without a close date, open without an "
        "expected close date, won or lost without a value)",
        uncountable_opportunities,
    ),
    Check(
        "person_without_data",
        "an account manager with no sales, opportunities or activities: the review shows no data for them",
        people_without_data,
    ),
]

# The checks whose findings belong to one account manager's rows: a review's data-quality notes
# list them (the others concern the pack as a whole, or need another person's rows to explain).
PERSON_CHECKS = ("implausible_amount", "negative_cost", "date_outside_history")
PERSON_WARNING_COLUMNS = ["am_id", "check", "table", "row", "column", "expected", "found"]


def person_warnings(pack: DataPack) -> pd.DataFrame:
    """The warnings of :data:`PERSON_CHECKS` on rows of a table with an ``am_id`` column, per
    account manager: :data:`PERSON_WARNING_COLUMNS`, the row named by its key as the export
    holds it (``line_id L000123``: a review input holds a slice of the pack, whose row numbers
    are not the file's), in the order found. The checks judge only the sales lines they might
    flag (:func:`lines_to_judge`), so lines held in place are never read whole."""
    span = history(pack)
    judged = lines_to_judge(pack, span)
    functions = {c.name: c.function for c in CHECKS} | {
        "date_outside_history": partial(dates_outside_history, span=span)
    }
    found = [pd.DataFrame(columns=PERSON_WARNING_COLUMNS)]
    for name in PERSON_CHECKS:
        findings = functions[name](judged)
        for table, group in findings.groupby("table", sort=False):
            frame = judged[table]
            if "am_id" not in frame.columns:
                continue
            rows = frame.iloc[group["index"].astype("int64").to_numpy()]
            keys = [k for k in ROW_KEYS.get(table, ()) if k in rows.columns]
            found.append(
                pd.DataFrame(
                    {
                        "am_id": rows["am_id"].astype(object).to_numpy(),
                        "check": name,
                        "table": table,
                        "row": [
                            " and ".join(f"{k} {_key_text(v)}" for k, v in zip(keys, values))
                            for values in rows[keys].itertuples(index=False, name=None)
                        ],
                        "column": group["column"].to_numpy(),
                        "expected": group["expected"].to_numpy(),
                        "found": group["found"].astype(str).to_numpy(),
                    },
                    columns=PERSON_WARNING_COLUMNS,
                )
            )
    return pd.concat(found, ignore_index=True).astype(object)


def lines_to_judge(pack: DataPack, span: tuple[pd.Timestamp | None, pd.Timestamp | None]) -> DataPack:
    """``pack`` with only the sales lines a person check might flag, in the pack's order: an
    amount beyond its bound (:data:`~amreview.data.plausibility.AMOUNT_BOUNDS`), a negative
    cost on a sale, or a date outside ``span``, the pack's :func:`history` (every date window
    lies around it: a date outside its window is outside the span, or before
    :data:`~amreview.quality.dates.EARLIEST_PLAUSIBLE_DATE` when there is no history). The
    checks judge these lines as they would judge every line: the lines left out are lines no
    check flags."""
    if not pack.has("sales"):
        return pack
    revenue_bound, cost_bound = (AMOUNT_BOUNDS[("sales", column)][0] for column in ("revenue", "cost"))
    start, end = span
    low = EARLIEST_PLAUSIBLE_DATE if start is None else start
    condition = (
        f"abs(revenue) > {revenue_bound!r} OR abs(cost) > {cost_bound!r} OR (cost < 0 AND revenue >= 0) "
        f"OR invoice_date < DATE '{low:%Y-%m-%d}'"
        + ("" if end is None else f" OR invoice_date > DATE '{end:%Y-%m-%d}'")
    )

    def keep(lines: pd.DataFrame) -> pd.Series:
        dates = lines["invoice_date"]
        outside = (dates < low) | ((dates > end) if end is not None else False)
        revenue, cost = lines["revenue"], lines["cost"]
        return (revenue.abs() > revenue_bound) | (cost.abs() > cost_bound) | ((cost < 0) & (revenue >= 0)) | outside

    lines = pack.lines_where(condition, keep)
    return DataPack(
        tables={t: lines if t == "sales" else pack[t] for t in pack.tables},
        source=pack.source,
        fingerprint=pack.fingerprint,
    )


def _key_text(value) -> str:
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d}"
    return "(empty)" if pd.isna(value) else str(value)


# --------------------------------------------------------------------------------------------
# Running every check
# --------------------------------------------------------------------------------------------


@dataclass
class QualityReport:
    """The outcome of :func:`check_pack`: ``findings`` (:data:`FINDING_COLUMNS`), ``coverage``
    (:func:`coverage`), rows per table, and the pack's history."""

    source: str
    findings: pd.DataFrame
    coverage: pd.DataFrame
    rows: dict[str, int] = field(default_factory=dict)
    history: tuple = (None, None)

    @property
    def errors(self) -> pd.DataFrame:
        return self.findings[self.findings["severity"] == "error"]

    @property
    def warnings(self) -> pd.DataFrame:
        return self.findings[self.findings["severity"] == "warning"]

    @property
    def ok(self) -> bool:
        """No errors (warnings allowed): reviews may be produced from the pack."""
        return self.errors.empty

    def by_check(self) -> pd.DataFrame:
        """Findings counted per severity and check, with the check's description."""
        descriptions = {c.name: c.description for c in CHECKS}
        counts = (
            self.findings.groupby(["severity", "check"], sort=False).size().rename("findings").reset_index()
            if len(self.findings)
            else pd.DataFrame(columns=["severity", "check", "findings"])
        )
        counts["description"] = counts["check"].map(descriptions).fillna("the data contract")
        counts["tables"] = [
            ", ".join(
                sorted(
                    set(self.findings.loc[(self.findings["severity"] == s) & (self.findings["check"] == c), "table"])
                )
            )
            for s, c in zip(counts["severity"], counts["check"])
        ]
        return counts

    def summary(self, report_path: Path | None = None, limit: int = 15) -> str:
        """The text ``amreview validate`` prints (a screen at most)."""
        n_err, n_warn = len(self.errors), len(self.warnings)
        verdict = "valid" if self.ok else "NOT valid: no review can be produced from it"
        lines = [
            f"{self.source}: {verdict} — {n_err:,} error{'s' if n_err != 1 else ''}, "
            f"{n_warn:,} warning{'s' if n_warn != 1 else ''}"
        ]
        present = ", ".join(f"{t} {n:,}" for t, n in self.rows.items())
        lines.append(f"  tables (rows): {present}")
        if self.history[0] is not None:
            lines.append(f"  history: {self.history[0]:%Y-%m-%d} to {self.history[1]:%Y-%m-%d}")
        for row in self.by_check().itertuples(index=False):
            lines.append(f"  {row.severity:<8}{row.check:<26}{row.findings:>7,}  {row.tables}")
        off = self.coverage[(self.coverage["status"] != "present") & (self.coverage["kpis_without_data"] != "none")]
        if len(off):
            lines.append("  without data (missing or empty tables → measures that lose KPIs):")
            for row in off.itertuples(index=False):
                lines.append(f"    {row.table} ({row.status}) → {row.measures}")
        if n_err and limit:
            lines.append("errors:")
            for problem in self.errors.head(limit).to_dict("records"):
                lines.append("  - " + describe_problem(problem))
            if n_err > limit:
                lines.append(f"  … and {n_err - limit:,} more in the report")
        if report_path is not None:
            lines.append(f"report: {report_path}")
        return "\n".join(lines)


RATED_COLUMNS = ("agreed_rating", "computed_rating")  # review_outcomes' columns that hold a rating label
RATING_LABEL_CHECK = "rating_label"


def unknown_rating_labels(pack: DataPack, labels: Sequence[str]) -> pd.DataFrame:
    """The ``review_outcomes`` cells (``agreed_rating``, ``computed_rating``) that hold no rating
    label of the scorecard config (``labels``): the contract's rule, which the pack alone cannot
    check (it does not know the config). Findings as a :class:`Check`'s; errors, not warnings."""
    if not pack.has("review_outcomes") or pack["review_outcomes"].empty:
        return no_findings()
    outcomes = pack["review_outcomes"]
    expected = "a rating label of the scorecard config: " + ", ".join(labels)
    found = [no_findings()]
    for column in RATED_COLUMNS:
        unknown = outcomes[column].notna() & ~outcomes[column].isin(list(labels))
        found.append(
            findings_frame(
                "review_outcomes",
                np.flatnonzero(unknown.to_numpy()),
                column,
                expected,
                [repr(str(v)) for v in outcomes.loc[unknown, column]],
            )
        )
    return pd.concat(found, ignore_index=True)


def check_pack(source: str | Path, rating_labels: Sequence[str] | None = None) -> QualityReport:
    """Every error and warning of the pack at ``source`` (a folder, ``"sample"``, or any source
    :func:`~amreview.data.datapack.load_pack` reads), and what its missing tables switch off.
    With ``rating_labels`` (the scorecard config's), a rating in ``review_outcomes`` that is not
    one of them is an error (:func:`unknown_rating_labels`)."""
    if str(source) == SAMPLE:
        from amreview.data.sample import generate_sample

        return check_tables(generate_sample(), source=SAMPLE, rating_labels=rating_labels)
    folder = Path(source)
    if folder.is_dir():
        tables, first_rows, file_problems = read_folder(folder)
        return check_tables(tables, str(folder), first_rows, file_problems, rating_labels=rating_labels)
    try:  # another kind of source (a database URL …): errors or a clean pack, no row-level salvage
        pack = load_pack(source)
    except DataError as exc:
        return _report(str(source), as_findings(exc.problems, "error"), None)
    errors = (
        _as_rows(unknown_rating_labels(pack, rating_labels), "error", RATING_LABEL_CHECK, pack)
        if rating_labels is not None
        else pd.DataFrame(columns=FINDING_COLUMNS)
    )
    return _report(str(source), errors, pack)


def check_tables(
    tables: dict[str, pd.DataFrame],
    source: str = "",
    first_rows: dict[str, int] | None = None,
    file_problems: list[dict] | None = None,
    rating_labels: Sequence[str] | None = None,
) -> QualityReport:
    """:func:`check_pack` on raw frames (as read from the files; not modified)."""
    first_rows = dict(first_rows or {})
    errors, pack, positions = validate_lazily(tables, source, first_rows)
    if file_problems:
        named = {p["table"] for p in file_problems}
        errors = [e[~((e["check"] == "table_present") & e["table"].isin(named))] for e in errors]
        errors.insert(0, as_findings(pd.DataFrame(file_problems), "error"))
    if rating_labels is not None:
        errors.append(
            _as_rows(
                unknown_rating_labels(pack, rating_labels), "error", RATING_LABEL_CHECK, pack, positions, first_rows
            )
        )
    warnings = [as_findings(pd.DataFrame(columns=["table", "row", "column", "check", "expected", "found"]), "warning")]
    for item in CHECKS:
        found = item.function(pack)
        if not found.empty:
            warnings.append(_as_rows(found, "warning", item.name, pack, positions, first_rows))
    findings = pd.concat([f for f in errors + warnings if len(f)] or [warnings[0]], ignore_index=True)
    return _report(source, findings, pack)


def _as_rows(
    found: pd.DataFrame,
    severity: str,
    name: str,
    pack: DataPack,
    positions: dict[str, np.ndarray] | None = None,
    first_rows: dict[str, int] | None = None,
) -> pd.DataFrame:
    """A check's findings (:class:`Check`) as report rows: each position in the pack's table
    becomes the row number in its file (``positions``: the file position of each row the pack
    kept; without them, as for a database, the row is named by its key)."""

    def file_row(table, index):
        # ``index`` is a position in the pack's table; its label is the row's position in
        # the frame validated (the pack re-orders sales lines by date)
        if pd.isna(index):
            return None
        if positions is None:
            frame = pack[table]
            keys = [k for k in ROW_KEYS.get(table, ()) if k in frame.columns]
            return " and ".join(f"{k} = {_key_text(frame[k].iloc[int(index)])}" for k in keys) or int(index) + 1
        return int(positions[table][pack[table].index[int(index)]]) + (first_rows or {}).get(table, 1)

    rows = [file_row(t, i) for t, i in zip(found["table"], found["index"])]
    if "same_as" in found.columns:
        found = found.assign(
            found=[
                text.replace("{same_as}", str(file_row(t, other)))
                for t, text, other in zip(found["table"], found["found"], found["same_as"])
            ]
        )
    return pd.DataFrame(
        {
            "table": found["table"].to_numpy(),
            "row": rows,
            "column": found["column"].to_numpy(),
            "severity": severity,
            "check": name,
            "expected": found["expected"].to_numpy(),
            "found": found["found"].to_numpy(),
        },
        columns=FINDING_COLUMNS,
    )


def _report(source: str, findings: pd.DataFrame, pack: DataPack | None) -> QualityReport:
    source = shown_source(source)  # a database URL without its credentials, in the summary and the page
    findings = findings.reindex(columns=FINDING_COLUMNS).astype({"row": "object"})
    findings["row"] = findings["row"].map(_row_label)
    if pack is None:
        cover = pd.DataFrame(columns=["table", "required", "status", "rows", "measures", "kpis_without_data"])
        return QualityReport(source, findings, cover)
    return QualityReport(source, findings, coverage(pack), pack.row_counts(), history(pack))


def _row_label(row):
    """A file row number as an int; a database row named by its key (``line_id = 'L1'``) as is."""
    if row is None or (not isinstance(row, str) and pd.isna(row)):
        return None
    return row if isinstance(row, str) else int(row)
