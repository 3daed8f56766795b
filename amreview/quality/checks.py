"""Data quality of a pack: contract errors, plausibility warnings, and what missing tables switch off.

:func:`check_pack` reads a pack once and returns a :class:`QualityReport`:

* **errors** — the contract's own validation (:func:`amreview.data.datapack.validate_tables`: schema,
  types, ranges, unique ids, references to ``account_managers`` and ``accounts``, targets whose
  months do not add up). A pack with errors produces no review.
* **warnings** — the checks of :data:`CHECKS`, a registry of small pure functions of the validated
  tables: duplicates, dates outside the pack's history or in the wrong order, lines whose cost
  exceeds revenue by an implausible factor, amounts beyond what one row can hold and negative
  costs on sales (:mod:`amreview.data.plausibility`), opportunities the pipeline KPIs cannot count, unknown
  accounts, one name under two ids, people without any data. Warnings never block a review.
* **coverage** — per contract table: present, empty or missing, and for the latter two the
  measures and KPIs that then have no data (from the KPI registry's ``sources``, so it cannot
  drift from the code).

Errors are found lazily: rows (or tables) with errors are set aside and the rest validated again,
so one run lists every error *and* the warnings of the valid rows. Every finding names the table,
the row as a person sees it in the file (header = row 1), the column, what was expected and
what was found.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from amreview.data.datapack import ROW_KEYS, SAMPLE, DataPack, load_pack, read_folder, validate_tables
from amreview.errors import DataError, describe_problem
from amreview.data.plausibility import MAX_LINE_AMOUNT, MAX_PERIOD_MONEY, implausible_amounts, negative_costs
from amreview.redaction import shown_source
from amreview.data.schemas import REFERENCES, REQUIRED_TABLES, SCHEMAS, columns_of
from amreview.vocabulary import OPEN_STAGES

FINDING_COLUMNS = ["table", "row", "column", "severity", "check", "expected", "found"]
SEVERITIES = ("error", "warning")

IMPLAUSIBLE_COST_FACTOR = 2.0   # cost > 2 × revenue: a loss of over 100 % of the sale
EARLIEST_PLAUSIBLE_DATE = pd.Timestamp("1980-01-01")

# Which dates must lie near the pack's history (days allowed before its start, after its end;
# None: no bound but the plausible floor). Events happen within the history; plans (promised,
# due, expected close) may run ahead of it; "since" dates (joined, account opened) may be old.
EVENT, PLAN, SINCE = (92, 92), (366, 731), (None, 92)
DATE_WINDOWS: dict[tuple[str, str], tuple[int | None, int | None]] = {
    ("sales", "invoice_date"): EVENT,
    ("account_managers", "start_date"): SINCE,
    ("accounts", "created_date"): SINCE,
    ("opportunities", "created_date"): EVENT,
    ("opportunities", "last_updated"): EVENT,
    ("opportunities", "close_date"): PLAN,
    ("activities", "activity_date"): EVENT,
    ("activities", "logged_date"): EVENT,
    ("back_orders", "order_date"): EVENT,
    ("back_orders", "fulfilled_date"): EVENT,
    ("back_orders", "promised_date"): PLAN,
    ("cases", "opened_date"): EVENT,
    ("cases", "resolved_date"): EVENT,
    ("report_submissions", "due_date"): EVENT,
    ("report_submissions", "submitted_date"): EVENT,
    ("forecasts", "submitted_date"): EVENT,
    ("development_objectives", "due_date"): PLAN,
    ("customer_feedback", "feedback_date"): EVENT,
}

# (table, earlier column, later column): the later date may not come before the earlier one.
DATE_ORDER = [
    ("opportunities", "created_date", "close_date"),
    ("opportunities", "created_date", "last_updated"),
    ("back_orders", "order_date", "fulfilled_date"),
    ("back_orders", "order_date", "promised_date"),
    ("cases", "opened_date", "resolved_date"),
]

# The columns that say two rows are the same record (an id column excluded: a second id for the
# same line is the duplicate). Activities are left out: two calls to one account on one day are
# common and the contract records no time of day.
ID_COLUMNS = {"sales": "line_id", "opportunities": "opportunity_id", "back_orders": "order_line_id",
              "cases": "case_id"}
DUPLICATE_TABLES = ("sales", "opportunities", "back_orders", "cases", "report_submissions", "forecasts",
                    "competency_ratings", "customer_feedback", "review_notes", "development_objectives")


# --------------------------------------------------------------------------------------------
# The registry of warning checks
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Check:
    """A warning check: ``function(pack) -> findings`` (a frame with ``table``, ``index`` — the
    row's position in the validated table, or NaN for a table-wide finding — ``column``,
    ``expected``, ``found``; optionally ``same_as``, the position of a row ``found`` names as
    ``{same_as}``, which becomes its row number in the file)."""

    name: str
    description: str
    function: Callable[[DataPack], pd.DataFrame]


CHECKS: list[Check] = []


def check(name: str, description: str):
    """Register a warning check (see :class:`Check`)."""
    def register(function):
        CHECKS.append(Check(name, description, function))
        return function
    return register


def _findings(table: str, index, column: str, expected: str, found) -> pd.DataFrame:
    index = list(index)
    found = list(found) if not isinstance(found, str) else [found] * len(index)
    return pd.DataFrame({"table": table, "index": index, "column": column, "expected": expected, "found": found},
                        columns=["table", "index", "column", "expected", "found"])


def _none() -> pd.DataFrame:
    return pd.DataFrame(columns=["table", "index", "column", "expected", "found"])


@check("empty_table", "a required table with no rows: the KPIs that read it have no data")
def empty_required_tables(pack: DataPack) -> pd.DataFrame:
    return pd.concat([_none()] + [
        _findings(table, [np.nan], "", "rows (the KPIs that read it show no data without them)", "no rows")
        for table in REQUIRED_TABLES if pack.has(table) and pack[table].empty and table != "account_managers"
    ], ignore_index=True)


@check("duplicate_row", "a row repeating another row's values (under another id)")
def duplicate_rows(pack: DataPack) -> pd.DataFrame:
    found = [_none()]
    for table in DUPLICATE_TABLES:
        if not pack.has(table) or pack[table].empty:
            continue
        frame = pack[table]
        keys = [c for c in columns_of(table) if c != ID_COLUMNS.get(table)]
        repeated = frame.duplicated(keys, keep="first")
        if table == "opportunities":  # open deals without account or date are too sparse to tell apart
            repeated &= frame["account_id"].notna() & frame["created_date"].notna()
        if not repeated.any():
            continue
        group = frame.groupby(keys, dropna=False, sort=False).ngroup().to_numpy()
        first_position = pd.Series(np.arange(len(frame))).groupby(group).transform("min")
        positions = np.flatnonzero(repeated.to_numpy())
        duplicates = _findings(table, positions, ID_COLUMNS.get(table, ""),
                               f"one row per record (same {', '.join(keys)})", "the same values as row {same_as}")
        duplicates["same_as"] = first_position.to_numpy()[positions]
        found.append(duplicates)
    return pd.concat(found, ignore_index=True)


@check("date_outside_history", "a date far outside the pack's history (a typo, or a placeholder such as 1900-01-01)")
def dates_outside_history(pack: DataPack) -> pd.DataFrame:
    start, end = history(pack)
    found = [_none()]
    for (table, column), (before, after) in DATE_WINDOWS.items():
        if not pack.has(table) or column not in pack[table].columns:
            continue
        dates = pack[table][column]
        low = max(EARLIEST_PLAUSIBLE_DATE, start - pd.Timedelta(days=before)) \
            if before is not None and start is not None else EARLIEST_PLAUSIBLE_DATE
        high = end + pd.Timedelta(days=after) if end is not None and after is not None else None
        outside = dates.notna() & ((dates < low) | ((dates > high) if high is not None else False))
        if not outside.any():
            continue
        span = f"between {low:%Y-%m-%d} and {high:%Y-%m-%d}" if high is not None else f"on or after {low:%Y-%m-%d}"
        where = (f" (the pack's history runs {start:%Y-%m-%d} to {end:%Y-%m-%d})" if start is not None else "")
        found.append(_findings(table, np.flatnonzero(outside.to_numpy()), column, f"a date {span}{where}",
                               [f"{d:%Y-%m-%d}" for d in dates[outside]]))
    return pd.concat(found, ignore_index=True)


@check("date_order", "a date before the date it must follow (closed before created, resolved before opened)")
def dates_in_wrong_order(pack: DataPack) -> pd.DataFrame:
    found = [_none()]
    for table, earlier, later in DATE_ORDER:
        if not pack.has(table):
            continue
        frame = pack[table]
        wrong = frame[earlier].notna() & frame[later].notna() & (frame[later] < frame[earlier])
        if wrong.any():
            found.append(_findings(table, np.flatnonzero(wrong.to_numpy()), later, f"{later} on or after {earlier}",
                                   [f"{b:%Y-%m-%d}, before {earlier} {a:%Y-%m-%d}"
                                    for a, b in zip(frame.loc[wrong, earlier], frame.loc[wrong, later])]))
    return pd.concat(found, ignore_index=True)


@check("cost_exceeds_revenue",
       f"a sales line whose cost exceeds its revenue more than {IMPLAUSIBLE_COST_FACTOR:g}-fold "
       "(units mixed with thousands, or swapped columns)")
def implausible_cost(pack: DataPack) -> pd.DataFrame:
    if not pack.has("sales") or pack.sales.empty:
        return _none()
    sales = pack.sales
    revenue, cost = sales["revenue"], sales["cost"]
    bad = ((revenue > 0) & (cost > IMPLAUSIBLE_COST_FACTOR * revenue)) | \
          ((revenue < 0) & (cost < IMPLAUSIBLE_COST_FACTOR * revenue))
    return _findings("sales", np.flatnonzero(bad.to_numpy()), "cost",
                     f"a cost at most {IMPLAUSIBLE_COST_FACTOR:g} × the revenue",
                     [f"{c:,.2f} against revenue {r:,.2f} ({c / r:,.1f} ×)" for r, c in zip(revenue[bad], cost[bad])])


@check("sign_mismatch", "a sales line whose quantity and revenue have opposite signs (a return is negative in both)")
def quantity_revenue_signs(pack: DataPack) -> pd.DataFrame:
    if not pack.has("sales") or pack.sales.empty:
        return _none()
    sales = pack.sales
    bad = ((sales["quantity"] < 0) & (sales["revenue"] > 0)) | ((sales["quantity"] > 0) & (sales["revenue"] < 0))
    return _findings("sales", np.flatnonzero(bad.to_numpy()), "revenue",
                     "the sign of the quantity (negative on returns)",
                     [f"revenue {r:,.2f} with quantity {q:g}"
                      for q, r in zip(sales.loc[bad, "quantity"], sales.loc[bad, "revenue"])])


@check("implausible_amount", f"an amount beyond what one row can hold (a sales line's revenue or cost above "
       f"{MAX_LINE_AMOUNT:,.0f} in size, a period's target above {MAX_PERIOD_MONEY:,.0f}, …): a unit mixed up or a "
       "placeholder; the account manager whose sales line or target it is gets no rating")
def implausible_amount(pack: DataPack) -> pd.DataFrame:
    return implausible_amounts(pack)


@check("negative_cost", "a sales line with a negative cost and a revenue of 0 or more: its margin exceeds its revenue")
def negative_cost(pack: DataPack) -> pd.DataFrame:
    return negative_costs(pack)


@check("unknown_account", "an account_id the accounts table does not list (outside sales, where it is an error)")
def unknown_accounts(pack: DataPack) -> pd.DataFrame:
    if not pack.has("accounts"):
        return _none()
    known = set(pack["accounts"]["account_id"])
    checked = {t for t, c, ref, _ in REFERENCES if c == "account_id" and ref == "accounts"}
    found = [_none()]
    for table in SCHEMAS:
        if table in checked or table == "accounts" or not pack.has(table) or "account_id" not in pack[table]:
            continue
        ids = pack[table]["account_id"]
        unknown = ids.notna() & ~ids.isin(known)
        if unknown.any():
            found.append(_findings(table, np.flatnonzero(unknown.to_numpy()), "account_id",
                                   "an account_id listed in accounts", [repr(v) for v in ids[unknown]]))
    return pd.concat(found, ignore_index=True)


@check("same_name_two_ids", "one name under two ids (a person or customer entered twice)")
def names_under_two_ids(pack: DataPack) -> pd.DataFrame:
    found = [_none()]
    for table, id_column in (("account_managers", "am_id"), ("accounts", "account_id")):
        if not pack.has(table) or pack[table].empty:
            continue
        frame = pack[table]
        names = frame["name"].map(lambda n: " ".join(str(n).split()).casefold())
        ids_per_name = frame.groupby(names.to_numpy())[id_column].transform("nunique")
        twice = (ids_per_name > 1).to_numpy()
        if twice.any():
            others = frame.groupby(names.to_numpy())[id_column].agg(lambda s: ", ".join(sorted(s)))
            found.append(_findings(table, np.flatnonzero(twice), "name", f"one {id_column} per name",
                                   [f"{n!r} under {others[k]}"
                                    for n, k in zip(frame.loc[twice, "name"], names[twice])]))
    return pd.concat(found, ignore_index=True)


@check("opportunity_not_counted", "an opportunity the pipeline KPIs cannot count fully (closed without a close "
       "date, open without an expected close date, won or lost without a value)")
def uncountable_opportunities(pack: DataPack) -> pd.DataFrame:
    if not pack.has("opportunities"):
        return _none()
    o = pack["opportunities"]
    closed = o["stage"].isin(["won", "lost"])
    rules = [
        (closed & o["close_date"].isna(), "close_date", "a close_date on a won or lost opportunity "
         "(without it the deal counts in no quarter's win rate)"),
        (o["stage"].isin(OPEN_STAGES) & o["close_date"].isna(), "close_date", "an expected close_date on an open "
         "opportunity (without it the deal is left out of pipeline coverage)"),
        ((o["stage"] == "won") & o["value"].isna(), "value", "a value on a won opportunity (without it the deal "
         "adds nothing to win rate by value and deal size)"),
        ((o["stage"] == "lost") & (o["value"].isna() | (o["value"] == 0)), "value", "the value of a lost "
         "opportunity (without it the loss weighs nothing and win rate by value overstates)"),
    ]
    found = [_none()]
    for mask, column, expected in rules:
        if mask.any():
            found.append(_findings("opportunities", np.flatnonzero(mask.to_numpy()), column, expected,
                                   [f"{'an empty cell' if pd.isna(v) else repr(v)} (stage {s})"
                                    for s, v in zip(o.loc[mask, "stage"], o.loc[mask, column])]))
    return pd.concat(found, ignore_index=True)


ACTIVITY_TABLES = ("sales", "opportunities", "activities")


@check("person_without_data", "an account manager with no sales, opportunities or activities: the review "
       "shows no data for them")
def people_without_data(pack: DataPack) -> pd.DataFrame:
    present = [t for t in ACTIVITY_TABLES if pack.has(t) and not pack[t].empty]
    if not present:
        return _none()
    seen = set().union(*(set(pack[t]["am_id"]) for t in present))
    people = pack.account_managers["am_id"]
    alone = ~people.isin(seen)
    return _findings("account_managers", np.flatnonzero(alone.to_numpy()), "am_id",
                     f"rows for the account manager in {' or '.join(present)}",
                     [f"{a!r}: none" for a in people[alone]])


RATED_COLUMNS = ("agreed_rating", "computed_rating")  # review_outcomes' columns that hold a rating label


def unknown_rating_labels(pack: DataPack, labels: Sequence[str]) -> pd.DataFrame:
    """The ``review_outcomes`` cells (``agreed_rating``, ``computed_rating``) that hold no rating
    label of the scorecard config (``labels``): the contract's rule, which the pack alone cannot
    check (it does not know the config). Findings as a :class:`Check`'s; errors, not warnings."""
    if not pack.has("review_outcomes") or pack["review_outcomes"].empty:
        return _none()
    outcomes = pack["review_outcomes"]
    expected = "a rating label of the scorecard config: " + ", ".join(labels)
    found = [_none()]
    for column in RATED_COLUMNS:
        unknown = outcomes[column].notna() & ~outcomes[column].isin(list(labels))
        found.append(_findings("review_outcomes", np.flatnonzero(unknown.to_numpy()), column, expected,
                               [repr(str(v)) for v in outcomes.loc[unknown, column]]))
    return pd.concat(found, ignore_index=True)


# The checks whose findings belong to one account manager's rows: a review's data-quality notes
# list them (the others concern the pack as a whole, or need another person's rows to explain).
PERSON_CHECKS = ("implausible_amount", "negative_cost", "date_outside_history")
PERSON_WARNING_COLUMNS = ["am_id", "check", "table", "row", "column", "expected", "found"]


def person_warnings(pack: DataPack) -> pd.DataFrame:
    """The warnings of :data:`PERSON_CHECKS` on rows of a table with an ``am_id`` column, per
    account manager: :data:`PERSON_WARNING_COLUMNS`, the row named by its key as the export
    holds it (``line_id L000123``: a review input holds a slice of the pack, whose row numbers
    are not the file's), in the order found."""
    found = [pd.DataFrame(columns=PERSON_WARNING_COLUMNS)]
    checks = {c.name: c for c in CHECKS}
    for name in PERSON_CHECKS:
        findings = checks[name].function(pack)
        for table, group in findings.groupby("table", sort=False):
            frame = pack[table]
            if "am_id" not in frame.columns:
                continue
            rows = frame.iloc[group["index"].astype("int64").to_numpy()]
            keys = [k for k in ROW_KEYS.get(table, ()) if k in rows.columns]
            found.append(pd.DataFrame({
                "am_id": rows["am_id"].astype(object).to_numpy(), "check": name, "table": table,
                "row": [" and ".join(f"{k} {_key_text(v)}" for k, v in zip(keys, values))
                        for values in rows[keys].itertuples(index=False, name=None)],
                "column": group["column"].to_numpy(), "expected": group["expected"].to_numpy(),
                "found": group["found"].astype(str).to_numpy()}, columns=PERSON_WARNING_COLUMNS))
    return pd.concat(found, ignore_index=True).astype(object)


def _key_text(value) -> str:
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d}"
    return "(empty)" if pd.isna(value) else str(value)


# --------------------------------------------------------------------------------------------
# The pack's history and the coverage of the review
# --------------------------------------------------------------------------------------------

def history(pack: DataPack) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The span of dates the pack covers: its sales lines' invoice dates; without sales lines,
    the span of its event dates (activities, opportunities created, …). Only plausible dates
    count (:func:`plausible_dates`): a line dated 2200 or 1900 is a typo to report against the
    history, not a history stretched to hold it."""
    if pack.has("sales") and not pack.sales.empty:
        dates = plausible_dates(pack.sales["invoice_date"])
        if len(dates):
            return dates.min(), dates.max()
    dates = [pack[t][c] for (t, c), window in DATE_WINDOWS.items() if window == EVENT and pack.has(t)]
    dates = plausible_dates(pd.concat(dates) if dates else pd.Series(dtype="datetime64[ns]"))
    return (dates.min(), dates.max()) if len(dates) else (None, None)


def plausible_dates(dates: pd.Series) -> pd.Series:
    """``dates`` on or after :data:`EARLIEST_PLAUSIBLE_DATE` and no later than a year after
    today (no export holds events further ahead; plans are not read here)."""
    return dates[(dates >= EARLIEST_PLAUSIBLE_DATE) & (dates <= pd.Timestamp.today() + pd.Timedelta(days=366))]


def table_uses() -> dict[str, dict[str, list[str]]]:
    """Per contract table, the KPIs (by measure) whose ``sources`` read it."""
    from amreview.metrics.registry import ALL_MEASURES
    from amreview.metrics.catalogue import all_kpis

    uses: dict[str, dict[str, list[str]]] = {t: {} for t in SCHEMAS}
    for kpi in all_kpis().values():
        for table in dict.fromkeys(s.split(".")[0] for s in kpi.sources):
            if table in uses:
                uses[table].setdefault(ALL_MEASURES[kpi.measure], []).append(kpi.name)
    return uses


COVERAGE_NOTE = ("A missing or empty table means \"this pack does not measure that\": the KPIs that read it have no "
                 "data and the review says so in their sections (a KPI that combines several tables, such as CRM "
                 "record completeness, uses those the pack has).")


def coverage(pack: DataPack) -> pd.DataFrame:
    """Per contract table: ``status`` (present, empty, missing), ``rows``, the ``measures`` it
    feeds, and — when empty or missing — ``kpis_without_data``: the KPIs that read it (see
    :data:`COVERAGE_NOTE`)."""
    uses = table_uses()
    rows = []
    for table in SCHEMAS:
        n = len(pack[table]) if pack.has(table) else 0
        status = "missing" if not pack.has(table) else ("empty" if n == 0 else "present")
        measures = uses[table]
        kpis = sorted({k for names in measures.values() for k in names})
        rows.append({"table": table, "required": table in REQUIRED_TABLES, "status": status, "rows": n,
                     "measures": ", ".join(measures) or "no KPI (shown as it is)",
                     "kpis_without_data": "" if status == "present" else (", ".join(kpis) or "none")})
    return pd.DataFrame(rows)


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
        counts = (self.findings.groupby(["severity", "check"], sort=False).size().rename("findings").reset_index()
                  if len(self.findings) else pd.DataFrame(columns=["severity", "check", "findings"]))
        counts["description"] = counts["check"].map(descriptions).fillna("the data contract")
        counts["tables"] = [", ".join(sorted(set(self.findings.loc[(self.findings["severity"] == s)
                                                                   & (self.findings["check"] == c), "table"])))
                            for s, c in zip(counts["severity"], counts["check"])]
        return counts

    def summary(self, report_path: Path | None = None, limit: int = 15) -> str:
        """The text ``amreview validate`` prints (a screen at most)."""
        n_err, n_warn = len(self.errors), len(self.warnings)
        verdict = "valid" if self.ok else "NOT valid: no review can be produced from it"
        lines = [f"{self.source}: {verdict} — {n_err:,} error{'s' if n_err != 1 else ''}, "
                 f"{n_warn:,} warning{'s' if n_warn != 1 else ''}"]
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
        return _report(str(source), _as_findings(exc.problems, "error"), None)
    errors = (_as_rows(unknown_rating_labels(pack, rating_labels), "error", RATING_LABEL_CHECK, pack)
              if rating_labels is not None else pd.DataFrame(columns=FINDING_COLUMNS))
    return _report(str(source), errors, pack)


RATING_LABEL_CHECK = "rating_label"


def check_tables(tables: dict[str, pd.DataFrame], source: str = "", first_rows: dict[str, int] | None = None,
                 file_problems: list[dict] | None = None,
                 rating_labels: Sequence[str] | None = None) -> QualityReport:
    """:func:`check_pack` on raw frames (as read from the files; not modified)."""
    first_rows = dict(first_rows or {})
    errors, pack, positions = _validate_lazily(tables, source, first_rows)
    if file_problems:
        named = {p["table"] for p in file_problems}
        errors = [e[~((e["check"] == "table_present") & e["table"].isin(named))] for e in errors]
        errors.insert(0, _as_findings(pd.DataFrame(file_problems), "error"))
    if rating_labels is not None:
        errors.append(_as_rows(unknown_rating_labels(pack, rating_labels), "error", RATING_LABEL_CHECK, pack,
                               positions, first_rows))
    warnings = [_as_findings(pd.DataFrame(columns=["table", "row", "column", "check", "expected", "found"]), "warning")]
    for item in CHECKS:
        found = item.function(pack)
        if not found.empty:
            warnings.append(_as_rows(found, "warning", item.name, pack, positions, first_rows))
    findings = pd.concat([f for f in errors + warnings if len(f)] or [warnings[0]], ignore_index=True)
    return _report(source, findings, pack)


def _as_rows(found: pd.DataFrame, severity: str, name: str, pack: DataPack,
             positions: dict[str, np.ndarray] | None = None, first_rows: dict[str, int] | None = None) -> pd.DataFrame:
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
        found = found.assign(found=[text.replace("{same_as}", str(file_row(t, other)))
                                    for t, text, other in zip(found["table"], found["found"], found["same_as"])])
    return pd.DataFrame({"table": found["table"].to_numpy(), "row": rows, "column": found["column"].to_numpy(),
                         "severity": severity, "check": name,
                         "expected": found["expected"].to_numpy(), "found": found["found"].to_numpy()},
                        columns=FINDING_COLUMNS)


def _report(source: str, findings: pd.DataFrame, pack: DataPack | None) -> QualityReport:
    source = shown_source(source)  # a database URL without its credentials, in the summary and the page
    findings = findings.reindex(columns=FINDING_COLUMNS).astype({"row": "object"})
    findings["row"] = findings["row"].map(_row_label)
    if pack is None:
        cover = pd.DataFrame(columns=["table", "required", "status", "rows", "measures", "kpis_without_data"])
        return QualityReport(source, findings, cover)
    return QualityReport(source, findings, coverage(pack), {t: len(f) for t, f in pack.tables.items()}, history(pack))


def _row_label(row):
    """A file row number as an int; a database row named by its key (``line_id = 'L1'``) as is."""
    if row is None or (not isinstance(row, str) and pd.isna(row)):
        return None
    return row if isinstance(row, str) else int(row)


def _as_findings(problems: pd.DataFrame, severity: str) -> pd.DataFrame:
    frame = problems.reindex(columns=["table", "row", "column", "check", "expected", "found"]).copy()
    frame["severity"] = severity
    return frame[FINDING_COLUMNS]


def _validate_lazily(tables, source, first_rows, rounds: int = 6):
    """Contract errors of ``tables``, and a pack of the rows without errors.

    Rows with errors are set aside and the rest validated again, until it passes. A reference
    to a row set aside (an account manager whose own row is broken) is not reported again as an
    unknown reference. Returns the errors (row numbers as in the files), the pack, and per table
    the original position of each row the pack keeps.
    """
    current = {t: f.reset_index(drop=True) for t, f in tables.items() if t in SCHEMAS}
    positions = {t: np.arange(len(f)) for t, f in current.items()}
    set_aside: dict[str, set] = {}
    errors: list[pd.DataFrame] = []
    for _ in range(rounds):
        try:
            pack = validate_tables(dict(current), source=source, first_rows=dict.fromkeys(current, 0))
            return errors, pack, positions
        except DataError as exc:
            problems = exc.problems.copy()
        problems = _drop_cascades(problems, set_aside)
        whole = set(problems.loc[problems["row"].isna(), "table"])
        file_rows = []
        for table, row in zip(problems["table"], problems["row"]):
            file_rows.append(None if row is None or pd.isna(row) or table in whole
                             else int(positions[table][int(row)]) + first_rows.get(table, 1))
        shown = problems.assign(row=file_rows)
        errors.append(_as_findings(shown[shown["check"] != CASCADE], "error"))
        for table in whole:
            if table in current:
                set_aside.setdefault(table, set()).update(_keys(table, current[table]))
            if table in REQUIRED_TABLES:
                current[table], positions[table] = _empty(table), np.arange(0)
            else:
                current.pop(table, None)
        for table, group in problems[~problems["table"].isin(whole) & problems["row"].notna()].groupby("table"):
            bad = sorted({int(r) for r in group["row"]})
            set_aside.setdefault(table, set()).update(_keys(table, current[table].iloc[bad]))
            keep = np.setdiff1d(np.arange(len(current[table])), bad)
            current[table] = current[table].iloc[keep].reset_index(drop=True)
            positions[table] = positions[table][keep]
    raise RuntimeError("validation did not settle")  # pragma: no cover - each round removes rows: a bug if reached


def _keys(table: str, frame: pd.DataFrame) -> set:
    """The ids other tables reference, of ``frame``'s rows (as validation shows them)."""
    keys = set()
    for _, _, ref_table, ref_column in REFERENCES:
        if ref_table == table and ref_column in frame.columns:
            keys |= {repr(str(v).strip()) for v in frame[ref_column].dropna()}
    return keys


CASCADE = "(cascade)"


def _drop_cascades(problems: pd.DataFrame, set_aside: dict[str, set]) -> pd.DataFrame:
    """Reference problems caused only by a referenced row set aside earlier are not new errors;
    they are kept out of the report but their rows still leave the pack."""
    refs = {(t, c): r for t, c, r, _ in REFERENCES}
    cascade = [p["check"] == "reference" and p["found"] in set_aside.get(refs.get((p["table"], p["column"])), set())
               for p in problems.to_dict("records")]
    silent = problems[cascade]
    if silent.empty:
        return problems
    shown = problems[[not c for c in cascade]]
    return pd.concat([shown, silent.assign(check=CASCADE)], ignore_index=True)


def _empty(table: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns_of(table)})

