"""Timeliness of reports and accuracy of information (performance measures 6 and 7).

**Timeliness** is read from ``report_submissions``, one row per report an account manager owes:

* A report is *due in a window* when its ``due_date`` falls in it (both ends included).
* As of the review day ``as_of`` (the last day of the review quarter) a report is
  ``on_time`` when ``submitted_date ≤ due_date``, ``late`` when submitted after its due date but
  by ``as_of``, ``missing`` when it has no ``submitted_date`` — or one *after* ``as_of``, since on
  the review day it had not arrived; this keeps a review the same whenever the pack is exported —
  and ``not_due`` when unsubmitted with a due date after ``as_of`` (outside any review window).
* Days late are calendar days, ``max(0, submitted_date − due_date)``; a missing report has none.

**Accuracy of information** is forecast accuracy against the invoiced actuals, errors found in
submitted reports, and completeness of the CRM records the account manager owns:

* ``accuracy = max(0, 1 − |forecast − actual| / actual)`` and
  ``bias = (forecast − actual) / actual``; NaN where ``actual ≤ 0`` (a relative error of nothing
  or of net credits is not meaningful). Actuals come from the sales lines of the forecast's
  quarter (:func:`amreview.metrics.margin.margin_summary`).
* CRM completeness: see :mod:`amreview.metrics.crm_records`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from amreview.metrics._frames import from_table as _from_table
from amreview.metrics._frames import group_keys as _keys
from amreview.metrics._frames import is_scalar as _is_scalar
from amreview.metrics._frames import observations as _observations
from amreview.metrics._frames import observations_from_table as _observed
from amreview.metrics.margin import margin_summary
from amreview.metrics.registry import Evidence, Kpi, KpiContext
from amreview.periods import Quarter, require_quarter

REPORT_STATUSES = ("on_time", "late", "missing", "not_due")
FORECAST_MEASURES = ("revenue", "gross_margin")  # the forecast measures with an actual in sales


# --------------------------------------------------------------------------------------------
# Timeliness of reports
# --------------------------------------------------------------------------------------------


def reports_due_between(reports: pd.DataFrame, start, end) -> pd.DataFrame:
    """The reports whose ``due_date`` falls in ``[start, end]`` (both days included)."""
    due = reports["due_date"]
    return reports[(due >= pd.Timestamp(start)) & (due <= pd.Timestamp(end))]


def report_status(reports: pd.DataFrame, as_of=None) -> pd.DataFrame:
    """``reports`` with each report's standing on the day ``as_of`` (None: no cut-off).

    Adds ``submitted`` (bool: ``submitted_date`` given and ``≤ as_of``), ``status`` (one of
    :data:`REPORT_STATUSES`) and ``days_late`` (float):

    * ``on_time``: submitted and ``submitted_date ≤ due_date``;
    * ``late``: submitted and ``submitted_date > due_date``;
    * ``missing``: not submitted by ``as_of`` and ``due_date ≤ as_of`` (a submission dated after
      ``as_of`` counts as missing on the review day);
    * ``not_due``: not submitted and ``due_date > as_of``.

    ``days_late = max(0, submitted_date − due_date)`` in calendar days for submitted reports
    (0 for on-time ones), NaN for the others. One row out per row in; the input is not modified.
    """
    submitted_date, due_date = reports["submitted_date"], reports["due_date"]
    submitted = submitted_date.notna()
    past_due = pd.Series(True, index=reports.index)
    if as_of is not None:
        as_of = pd.Timestamp(as_of)
        submitted &= submitted_date <= as_of
        past_due = due_date <= as_of
    on_time = submitted & (submitted_date <= due_date)
    status = np.select([on_time, submitted, past_due], ["on_time", "late", "missing"], "not_due")
    days_late = (submitted_date - due_date).dt.days.clip(lower=0).where(submitted).astype("float64")
    return reports.assign(submitted=submitted.to_numpy(dtype=bool), status=status, days_late=days_late)


def report_timeliness(reports: pd.DataFrame, as_of=None, by: str | list[str] = "am_id") -> pd.DataFrame:
    """Timeliness and errors of ``reports`` (already cut to the window) per ``by`` group.

    With statuses from :func:`report_status` as of ``as_of``:

    * ``reports_due = on_time + late + missing`` (``not_due`` rows are left out);
    * ``reports_on_time_share = on_time / reports_due`` — a missing report is not on time;
    * ``report_days_late_mean`` = mean of ``days_late`` over the submitted reports, on-time ones
      counting 0 (so someone never late scores 0, not "no data"); missing reports are left out
      (they are counted by ``reports_missing``); NaN when nothing was submitted;
    * ``report_days_late_when_late`` = mean ``days_late`` of the late ones only (NaN if none late);
    * ``report_errors_per_report = Σ errors / reports_checked`` over submitted reports whose
      ``errors`` is given (an empty ``errors`` cell means "not checked" and is left out of both
      sums; errors on missing reports are ignored); NaN when no submitted report was checked.

    One row per group present in ``reports`` (index: the ``by`` keys, sorted); shares are NaN
    where their denominator is 0. An empty input gives an empty frame with these columns.
    """
    return timeliness_of(report_status(reports, as_of), by)


def timeliness_of(status: pd.DataFrame, by: str | list[str] = "am_id") -> pd.DataFrame:
    """:func:`report_timeliness` of reports whose standing :func:`report_status` has given."""
    kind = status["status"].to_numpy(dtype=object)
    days = status["days_late"].to_numpy(dtype="float64")
    errors = status["errors"].to_numpy(dtype="float64")
    checked = status["submitted"].to_numpy(dtype=bool) & ~np.isnan(errors)
    flags = pd.DataFrame(
        {
            "_due": kind != "not_due",
            "_on_time": kind == "on_time",
            "_late": kind == "late",
            "_missing": kind == "missing",
            "_checked": checked,
            "_days": days,
            "_late_days": np.where(kind == "late", days, np.nan),
            "_errors": np.where(checked, errors, np.nan),
        },
        index=status.index,
    )
    grouped = flags.groupby([status[k] for k in _keys(by)], sort=True, observed=True)
    counts = grouped[["_due", "_on_time", "_late", "_missing", "_checked"]].sum().astype("int64")
    means = grouped[["_days", "_late_days"]].mean()
    error_sums = grouped["_errors"].sum(min_count=1).to_numpy(dtype="float64")
    due, checked_n = counts["_due"].to_numpy(), counts["_checked"].to_numpy()
    return pd.DataFrame(
        {
            "reports_due": due,
            "reports_on_time": counts["_on_time"].to_numpy(),
            "reports_late": counts["_late"].to_numpy(),
            "reports_missing": counts["_missing"].to_numpy(),
            "reports_on_time_share": counts["_on_time"].to_numpy() / np.where(due > 0, due, np.nan),
            "report_days_late_mean": means["_days"].to_numpy(dtype="float64"),
            "report_days_late_when_late": means["_late_days"].to_numpy(dtype="float64"),
            "reports_checked": checked_n,
            "report_errors": error_sums,
            "report_errors_per_report": error_sums / np.where(checked_n > 0, checked_n, np.nan),
        },
        index=counts.index,
    )


def report_timeliness_by_type(reports: pd.DataFrame, as_of=None) -> pd.DataFrame:
    """:func:`report_timeliness` per ``am_id`` and ``report`` (weekly, monthly … reports)."""
    return report_timeliness(reports, as_of, by=["am_id", "report"])


# --------------------------------------------------------------------------------------------
# Forecast accuracy
# --------------------------------------------------------------------------------------------


def forecast_accuracy(forecast, actual):
    """Forecast accuracy = max(0, 1 − |forecast − actual| / actual); NaN where actual ≤ 0.

    1 is a perfect forecast; a forecast off by the whole actual or more scores 0. Works on
    scalars and on aligned Series alike.
    """
    if _is_scalar(actual):
        return max(0.0, 1.0 - abs(forecast - actual) / actual) if actual > 0 else np.nan
    actual = pd.Series(actual, dtype="float64")
    error = (pd.Series(forecast, dtype="float64") - actual).abs()
    return (1.0 - error / actual.where(actual > 0)).clip(lower=0.0).astype("float64")


def forecast_bias(forecast, actual):
    """Forecast bias = (forecast − actual) / actual, signed (> 0: over-forecast); NaN where actual ≤ 0.

    Works on scalars and on aligned Series alike.
    """
    if _is_scalar(actual):
        return (forecast - actual) / actual if actual > 0 else np.nan
    actual = pd.Series(actual, dtype="float64")
    return ((pd.Series(forecast, dtype="float64") - actual) / actual.where(actual > 0)).astype("float64")


def latest_forecasts(forecasts: pd.DataFrame, period: Quarter, submitted_by=None) -> pd.DataFrame:
    """The forecast that counts for ``period``: one row per ``am_id`` and ``measure``.

    Rows with ``period == str(period)``; with ``submitted_by`` given, forecasts submitted after
    it are dropped (made once the quarter was over, they are not forecasts). Of several rows for
    one ``am_id``/``measure``, the latest ``submitted_date`` wins; an undated forecast ranks
    before every dated one, and on equal dates the row further down the table wins.
    Sorted by ``am_id``, ``measure``.
    """
    rows = forecasts[forecasts["period"] == str(require_quarter(period))]
    if submitted_by is not None:
        rows = rows[rows["submitted_date"].isna() | (rows["submitted_date"] <= pd.Timestamp(submitted_by))]
    ordered = rows.sort_values("submitted_date", kind="mergesort", na_position="first")
    latest = ordered.drop_duplicates(["am_id", "measure"], keep="last")
    return latest.sort_values(["am_id", "measure"], kind="mergesort")


def forecast_actuals(lines: pd.DataFrame) -> pd.DataFrame:
    """Actual ``revenue`` and ``gross_margin`` per ``am_id`` of ``lines`` (one period's lines),
    as :func:`~amreview.metrics.margin.margin_summary` computes them."""
    return margin_summary(lines, "am_id")[list(FORECAST_MEASURES)]


def forecast_accuracy_table(forecasts: pd.DataFrame, actuals: pd.DataFrame) -> pd.DataFrame:
    """Forecast against actual, per forecast row: ``am_id``, ``period``, ``measure``,
    ``submitted_date``, ``forecast``, ``actual``, ``error = forecast − actual``, ``bias``
    (:func:`forecast_bias`) and ``accuracy`` (:func:`forecast_accuracy`).

    ``forecasts`` are the rows that count (see :func:`latest_forecasts`); ``actuals`` is wide,
    indexed by ``am_id`` with one column per measure (see :func:`forecast_actuals`). An account
    manager absent from ``actuals`` had no lines, so their actual is 0 (and accuracy NaN); a
    measure that is not a column of ``actuals`` has no actual (NaN): shown, never scored.
    """
    long = actuals.rename_axis("am_id").reset_index().melt(id_vars="am_id", var_name="measure", value_name="actual")
    table = forecasts[["am_id", "period", "measure", "submitted_date", "forecast"]].merge(
        long, on=["am_id", "measure"], how="left"
    )
    no_lines = table["measure"].isin(list(actuals.columns)) & table["actual"].isna()
    table["actual"] = table["actual"].astype("float64").mask(no_lines, 0.0)
    table["error"] = table["forecast"] - table["actual"]
    table["bias"] = forecast_bias(table["forecast"], table["actual"])
    table["accuracy"] = forecast_accuracy(table["forecast"], table["actual"])
    return table


# --------------------------------------------------------------------------------------------
# KPIs
# --------------------------------------------------------------------------------------------


def _status(ctx: KpiContext, reports: pd.DataFrame) -> pd.DataFrame:
    """:func:`report_status` of the reports due in the window, on the review day, once per window."""
    return ctx.memo(
        ("report_status", ctx.window),
        lambda: report_status(reports_due_between(reports, ctx.start, ctx.end), ctx.as_of),
    )


def _timeliness(ctx: KpiContext, reports: pd.DataFrame, column: str) -> pd.Series:
    table = ctx.memo(("report_timeliness", ctx.window), lambda: timeliness_of(_status(ctx, reports)))
    return table[column].where(table["reports_due"] > 0).astype("float64")


def _forecast(ctx: KpiContext, forecasts: pd.DataFrame, measure: str, column: str) -> pd.Series:
    def compute() -> pd.DataFrame:  # both measures at once: the rows of each are the same as alone
        measured = forecasts[forecasts["measure"].isin(FORECAST_MEASURES)]
        latest = latest_forecasts(measured, ctx.quarter, submitted_by=ctx.as_of)
        lines = ctx.lines if ctx.window.quarters == (ctx.quarter,) else ctx.lines_in(ctx.quarter)  # cached if same
        return forecast_accuracy_table(latest, forecast_actuals(lines)).set_index("am_id")

    table = ctx.memo(("forecast_accuracy", ctx.window), compute)
    return table.loc[table["measure"] == measure, column].astype("float64")


def _reports(ctx: KpiContext, reports: pd.DataFrame, column: str) -> pd.DataFrame:
    """The reports a timeliness KPI rests on (:func:`report_timeliness`'s): those due, 1 if on
    time; those submitted, their days late; those checked, their errors (events per report)."""
    status = _status(ctx, reports)
    if column == "on_time":
        due = status[status["status"] != "not_due"]
        return _observations(due["am_id"], due["status"] == "on_time")
    submitted = status[status["submitted"]]
    if column == "days_late":
        return _observations(submitted["am_id"], submitted["days_late"])
    checked = submitted[submitted["errors"].notna()]
    return _observations(checked["am_id"], checked["errors"])


def _forecasts(ctx: KpiContext, forecasts: pd.DataFrame, measure: str) -> pd.DataFrame:
    """The forecast a forecast accuracy rests on: one per person and quarter, its accuracy."""
    accuracy = _forecast(ctx, forecasts, measure, "accuracy").dropna()
    return _observations(accuracy.index, accuracy)


_REPORT_WINDOWS = ("quarter", "ytd", "t4q")
_REPORT_SOURCES = ("report_submissions.am_id", "report_submissions.due_date", "report_submissions.submitted_date")
_AS_OF = "As of the review day (the review quarter's last day): a submission dated after it counts as missing. "

KPIS: list[Kpi] = [
    Kpi(
        name="reports_on_time_share",
        label="Reports on time",
        meaning="Of the reports due in the period, the share submitted on or before their due date. A report not "
        "submitted by the review date (the quarter's last day) counts as not on time.",
        if_empty="No data when no report was due in the period, or the pack holds no report submissions.",
        measure="report_timeliness",
        unit="fraction",
        higher_is_better=True,
        formula="reports submitted on or before their due date / reports due, over the reports whose "
        "due_date falls in the window (a missing report counts as not on time)",
        sources=_REPORT_SOURCES,
        windows=_REPORT_WINDOWS,
        compute=_from_table("report_submissions", _timeliness, "reports_on_time_share"),
        edge_cases=_AS_OF + "No report due in the window, or no report_submissions table: no data (NaN).",
        evidence=Evidence("share", _observed("report_submissions", _reports, "on_time"), "reports due", "on time"),
    ),
    Kpi(
        name="report_days_late_mean",
        label="Mean days late per report",
        meaning="The average number of calendar days late of the reports due in the period that were submitted: "
        "on-time reports count 0; reports never submitted count as missing reports instead.",
        if_empty="No data when none of the reports due in the period was submitted, none was due, or the pack "
        "holds no report submissions.",
        measure="report_timeliness",
        unit="days",
        higher_is_better=False,
        formula="mean over the submitted reports due in the window of max(0, submitted_date − due_date) in "
        "calendar days; on-time reports count 0, missing reports are left out (see reports_missing)",
        sources=_REPORT_SOURCES,
        windows=_REPORT_WINDOWS,
        compute=_from_table("report_submissions", _timeliness, "report_days_late_mean"),
        edge_cases=_AS_OF + "Never late: 0. Reports due but none submitted, none due, or no "
        "report_submissions table: no data (NaN).",
        evidence=Evidence(
            "mean", _observed("report_submissions", _reports, "days_late"), "reports submitted", bounds=(0.0, np.inf)
        ),
    ),
    Kpi(
        name="reports_missing",
        label="Missing reports",
        meaning="The number of reports due in the period that were not submitted by the review date (the "
        "quarter's last day). A report submitted later counts as missing.",
        if_empty="No data when no report was due in the period, or the pack holds no report submissions; all "
        "submitted is 0.",
        measure="report_timeliness",
        unit="count",
        higher_is_better=False,
        formula="number of reports due in the window with no submitted_date on or before the review day",
        sources=_REPORT_SOURCES,
        windows=_REPORT_WINDOWS,
        compute=_from_table("report_submissions", _timeliness, "reports_missing"),
        edge_cases=_AS_OF + "Reports due, all submitted: 0. No report due in the window, or no "
        "report_submissions table: no data (NaN), not 0.",
    ),
    Kpi(
        name="forecast_accuracy_revenue",
        label="Forecast accuracy (revenue)",
        meaning="How close the quarter's revenue forecast came to the actual revenue: 100 % minus the miss as a "
        "percentage of the actual, never below 0 %. The forecast used is the latest one submitted by the "
        "quarter's last day.",
        if_empty="No data when there is no revenue forecast for the quarter, or the pack holds no forecasts. Not "
        "meaningful when the actual revenue is zero or negative.",
        measure="information_accuracy",
        unit="fraction",
        higher_is_better=True,
        formula="max(0, 1 − |forecast − actual| / actual), forecast = the review quarter's revenue forecast "
        "(forecasts.period = the quarter; of several, the latest submitted_date on or before the review "
        "day), actual = Σ revenue of the account manager's lines invoiced in the quarter",
        sources=(
            "forecasts.period",
            "forecasts.measure",
            "forecasts.forecast",
            "forecasts.submitted_date",
            "sales.invoice_date",
            "sales.am_id",
            "sales.revenue",
        ),
        compute=_from_table("forecasts", _forecast, "revenue", "accuracy"),
        edge_cases="No revenue forecast for the quarter, or no forecasts table: no data (NaN). Forecasts "
        "submitted after the quarter's last day are ignored; an undated forecast counts but loses "
        "to any dated one. Actual ≤ 0 (no lines, or net credits): NaN. A forecast off by the "
        "whole actual or more: 0.",
        evidence=Evidence("mean", _observed("forecasts", _forecasts, "revenue"), "forecasts", bounds=(0.0, 1.0)),
    ),
    Kpi(
        name="forecast_accuracy_gross_margin",
        label="Forecast accuracy (gross margin)",
        meaning="How close the quarter's gross margin forecast came to the actual margin: 100 % minus the miss as "
        "a percentage of the actual, never below 0 %. The forecast used is the latest one submitted by the "
        "quarter's last day.",
        if_empty="No data when there is no margin forecast for the quarter, or the pack holds no forecasts. Not "
        "meaningful when the actual margin is zero or negative.",
        measure="information_accuracy",
        unit="fraction",
        higher_is_better=True,
        formula="max(0, 1 − |forecast − actual| / actual), forecast = the review quarter's gross_margin "
        "forecast (the latest submitted_date on or before the review day), actual = Σ revenue − Σ cost "
        "of the account manager's lines invoiced in the quarter",
        sources=(
            "forecasts.period",
            "forecasts.measure",
            "forecasts.forecast",
            "forecasts.submitted_date",
            "sales.invoice_date",
            "sales.am_id",
            "sales.revenue",
            "sales.cost",
        ),
        compute=_from_table("forecasts", _forecast, "gross_margin", "accuracy"),
        edge_cases="As forecast_accuracy_revenue: no forecast → NaN; actual gross margin ≤ 0 → NaN; "
        "bounded below at 0.",
        evidence=Evidence("mean", _observed("forecasts", _forecasts, "gross_margin"), "forecasts", bounds=(0.0, 1.0)),
    ),
    Kpi(
        name="forecast_bias_revenue",
        label="Forecast bias (revenue)",
        meaning="Whether the quarter's revenue forecast ran high or low: the forecast minus the actual, as a "
        "percentage of the actual (above zero: the forecast was too high). Shown, not scored.",
        if_empty="No data when there is no revenue forecast for the quarter. Not meaningful when the actual "
        "revenue is zero or negative.",
        measure="information_accuracy",
        unit="fraction",
        shown_as="change",
        higher_is_better=None,
        formula="(forecast − actual) / actual for the review quarter's revenue forecast (> 0: over-forecast); "
        "same forecast and actual as forecast_accuracy_revenue",
        sources=(
            "forecasts.period",
            "forecasts.measure",
            "forecasts.forecast",
            "forecasts.submitted_date",
            "sales.invoice_date",
            "sales.am_id",
            "sales.revenue",
        ),
        compute=_from_table("forecasts", _forecast, "revenue", "bias"),
        edge_cases="No forecast: NaN. Actual ≤ 0: NaN. Unbounded.",
    ),
    Kpi(
        name="forecast_bias_gross_margin",
        label="Forecast bias (gross margin)",
        meaning="Whether the quarter's gross margin forecast ran high or low: the forecast minus the actual, as a "
        "percentage of the actual (above zero: the forecast was too high). Shown, not scored.",
        if_empty="No data when there is no margin forecast for the quarter. Not meaningful when the actual margin "
        "is zero or negative.",
        measure="information_accuracy",
        unit="fraction",
        shown_as="change",
        higher_is_better=None,
        formula="(forecast − actual) / actual for the review quarter's gross_margin forecast (> 0: "
        "over-forecast); same forecast and actual as forecast_accuracy_gross_margin",
        sources=(
            "forecasts.period",
            "forecasts.measure",
            "forecasts.forecast",
            "forecasts.submitted_date",
            "sales.invoice_date",
            "sales.am_id",
            "sales.revenue",
            "sales.cost",
        ),
        compute=_from_table("forecasts", _forecast, "gross_margin", "bias"),
        edge_cases="No forecast: NaN. Actual gross margin ≤ 0: NaN. Unbounded.",
    ),
    Kpi(
        name="report_errors_per_report",
        label="Errors per submitted report",
        meaning="The average number of errors found per report, over the reports due in the period that were "
        "submitted and checked. A report whose errors were not recorded was not checked and is left out.",
        if_empty="No data when no submitted report of the period was checked, or the pack holds no report "
        "submissions or no error counts.",
        measure="information_accuracy",
        unit="number",
        higher_is_better=False,
        formula="Σ errors / number of reports, over the reports due in the window that were submitted by the "
        "review day and have errors recorded",
        sources=_REPORT_SOURCES + ("report_submissions.errors",),
        compute=_from_table("report_submissions", _timeliness, "report_errors_per_report"),
        windows=_REPORT_WINDOWS,
        edge_cases="An empty errors cell means 'not checked': that report is left out of both sums. Errors on "
        "missing reports are ignored. No checked submitted report in the window (or no "
        "report_submissions table, or no errors column): no data (NaN).",
        evidence=Evidence("rate", _observed("report_submissions", _reports, "errors"), "reports checked"),
    ),
]
