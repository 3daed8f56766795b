"""Gross margin over time: the change on the previous quarter and on a year ago, and the fiscal
year to date against the annual target with its full-year projection.

The definitions of :mod:`amreview.metrics.margin` hold here (gross margin, GM %, attainment,
shares; targets missing or ≤ 0 are "no target"). Changes compare whole windows only: an account
manager not in role for the whole earlier window has none. The projection is a straight line
through the year to date in calendar days, over a new starter's days in role
(:func:`full_year_projection`).

The module-level :data:`KPIS` registers these KPIs of the measure "Margin & KPI targets" for the
scorecard, after :mod:`amreview.metrics.margin_mix`'s; see :mod:`amreview.metrics.registry`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from amreview.metrics._frames import is_scalar
from amreview.metrics.margin import (
    SALES,
    attainment,
    change,
    gm_pct,
    margin_summary,
    margin_totals,
    margin_totals_by_am,
    share,
)
from amreview.metrics.registry import Kpi, KpiContext, Window
from amreview.metrics.targets import quarter_targets
from amreview.periods import Quarter, require_quarter

CHANGE_COLUMNS = [
    "revenue",
    "revenue_before",
    "revenue_change",
    "gross_margin",
    "gross_margin_before",
    "gross_margin_change",
    "gm_pct",
    "gm_pct_before",
    "gm_pct_change_points",
]


# --------------------------------------------------------------------------------------------
# Pure functions of DataFrames
# --------------------------------------------------------------------------------------------


def margin_change(lines_now: pd.DataFrame, lines_before: pd.DataFrame, by: str | list[str] | None = None):
    """Revenue, gross margin and GM % now and in an earlier period, and their change.

    ``revenue_change = change(revenue, revenue_before)`` and likewise ``gross_margin_change``
    (relative: (now − before) / |before|, NaN where before is 0 — see :func:`change`);
    ``gm_pct_change_points = gm_pct − gm_pct_before``, a difference of fractions (−0.01 is one
    percentage point down), NaN where either GM % is. Pass the previous quarter's lines for
    quarter on quarter (QoQ), the same quarter a year earlier for year on year (YoY).

    With ``by``, one row per group with lines in either period; a group without lines in one
    period has revenue and margin 0 there. Without ``by``, one Series for all lines.
    Columns: :data:`CHANGE_COLUMNS`.
    """
    if by is None:
        now, before = margin_totals(lines_now), margin_totals(lines_before)
    else:
        now = margin_summary(lines_now, by)[["revenue", "gross_margin"]]
        before = margin_summary(lines_before, by)[["revenue", "gross_margin"]]
        index = now.index.union(before.index)
        now, before = now.reindex(index, fill_value=0.0), before.reindex(index, fill_value=0.0)
    result = {
        "revenue": now["revenue"],
        "revenue_before": before["revenue"],
        "revenue_change": change(now["revenue"], before["revenue"]),
        "gross_margin": now["gross_margin"],
        "gross_margin_before": before["gross_margin"],
        "gross_margin_change": change(now["gross_margin"], before["gross_margin"]),
        "gm_pct": gm_pct(now["gross_margin"], now["revenue"]),
        "gm_pct_before": gm_pct(before["gross_margin"], before["revenue"]),
    }
    result["gm_pct_change_points"] = result["gm_pct"] - result["gm_pct_before"]
    if by is None:
        return pd.Series(result, dtype="float64")[CHANGE_COLUMNS]
    return pd.DataFrame(result)[CHANGE_COLUMNS]


def full_year_projection(ytd_actual, days_elapsed, days_in_year):
    """Full-year projection from the run rate: ``ytd_actual × days_in_year / days_elapsed``.

    A straight line through the year to date in calendar days: the actual so far, per day
    elapsed, times the days of the year. For a new starter who joined this fiscal year both day
    counts start on their start date (days in role so far, days in role by the year's end), so
    the projection is their own run rate, not one diluted by months before they joined. No
    seasonality is assumed. NaN where ``days_elapsed`` ≤ 0 or missing. At the year's end
    (``days_elapsed == days_in_year``) it is the actual. Works on scalars and aligned Series.
    """
    if is_scalar(days_elapsed) or days_elapsed is None:
        if days_elapsed is None or pd.isna(days_elapsed) or days_elapsed <= 0:
            return np.nan
        return ytd_actual * days_in_year / days_elapsed
    days_elapsed = pd.Series(days_elapsed, dtype="float64")
    return (ytd_actual * days_in_year / days_elapsed.where(days_elapsed > 0)).astype("float64")


def fiscal_year_target(
    targets: pd.DataFrame, quarter: Quarter, measure: str, start_dates: pd.Series | None = None
) -> pd.Series:
    """The annual target of ``measure`` per ``am_id``: the sum of the quarter targets (see
    :func:`amreview.metrics.targets.quarter_targets`) of ``quarter``'s fiscal year.

    Only the quarters in which the AM is in role count (``start_dates``: a Series of start dates
    by ``am_id``, NaT = no start date; a quarter counts when it ends on or after the start date),
    so a new starter's year is the quarters from their start. The annual target is NaN ("no
    target") when any counted quarter has no target: a year missing a quarter's target would
    look easier than it is. Without ``start_dates``, every AM with a target row in the year and
    all four quarters count.
    """
    quarter = require_quarter(quarter)
    return fiscal_year_target_from(
        {q: quarter_targets(targets, q) for q in quarter.fiscal_year()}, measure, start_dates
    )


def fiscal_year_target_from(
    quarter_tables: dict[Quarter, pd.DataFrame], measure: str, start_dates: pd.Series | None = None
) -> pd.Series:
    """:func:`fiscal_year_target` from the fiscal year's quarter targets (``quarter_tables``:
    each quarter of the year → its :func:`~amreview.metrics.targets.quarter_targets`), already
    computed: the sum of the quarters' targets of ``measure``, over the quarters in role; NaN
    where a counted quarter has none."""
    year = list(quarter_tables)
    columns = {
        str(q): table[measure] if measure in table.columns else pd.Series(dtype="float64")
        for q, table in quarter_tables.items()
    }
    by_quarter = pd.DataFrame(columns, dtype="float64")
    if start_dates is None:
        in_role = pd.DataFrame(True, index=by_quarter.index, columns=by_quarter.columns)
    else:
        by_quarter = by_quarter.reindex(start_dates.index)
        in_role = pd.DataFrame(
            {str(q): (start_dates.isna() | (start_dates <= q.end)).to_numpy() for q in year}, index=start_dates.index
        )
    incomplete = (in_role & by_quarter.isna()).any(axis=1)
    total = by_quarter.where(in_role).sum(axis=1, min_count=1)
    return total.where(~incomplete).astype("float64").rename(measure)


def annual_target_progress(ytd_actual, annual_target, days_elapsed, days_in_year):
    """Year to date against the annual sum of targets, and the full-year projection.

    * ``ytd_of_annual_target = ytd_actual / annual_target`` (NaN where no target > 0);
    * ``year_elapsed = days_elapsed / days_in_year`` (the share of the year gone, to read it by);
    * ``projection`` = :func:`full_year_projection`;
    * ``projection_attainment = projection / annual_target`` (NaN where no target > 0).

    Scalars give a Series, aligned Series (e.g. by ``am_id``) a frame with these columns.
    """
    projection = full_year_projection(ytd_actual, days_elapsed, days_in_year)
    values = {
        "ytd_actual": ytd_actual,
        "annual_target": annual_target,
        "ytd_of_annual_target": attainment(ytd_actual, annual_target),
        "year_elapsed": share(days_elapsed, days_in_year),
        "projection": projection,
        "projection_attainment": attainment(projection, annual_target),
    }
    if all(np.isscalar(v) or v is None for v in values.values()):
        return pd.Series(values, dtype="float64")
    return pd.DataFrame(values).astype("float64")


# --------------------------------------------------------------------------------------------
# KPIs per account manager (the registry rows)
# --------------------------------------------------------------------------------------------


def _earlier_window(ctx: KpiContext, quarters_back: int) -> Window:
    return Window(ctx.window.kind, tuple(q.shift(-quarters_back) for q in ctx.window.quarters))


def _in_role_throughout(ctx: KpiContext, window: Window) -> pd.Series:
    """Whether each AM in role was already in role on ``window``'s first day."""
    start = ctx.start_dates
    return start.isna() | (start <= window.start)


def _change_kpi(column: str, quarters_back: int):
    """``column`` of :func:`margin_change` between the window and the window ``quarters_back``
    quarters earlier; NaN for an AM not in role for the whole earlier window."""

    def compute(ctx: KpiContext) -> pd.Series:
        earlier = _earlier_window(ctx, quarters_back)
        now_totals = margin_totals_by_am(ctx, ctx.window).reindex(ctx.am_ids, fill_value=0.0)
        before_totals = margin_totals_by_am(ctx, earlier).reindex(ctx.am_ids, fill_value=0.0)
        if column == "gm_pct_change_points":
            value = gm_pct(now_totals["gross_margin"], now_totals["revenue"]) - gm_pct(
                before_totals["gross_margin"], before_totals["revenue"]
            )
        else:
            value = change(now_totals[column], before_totals[column])
        return value.where(_in_role_throughout(ctx, earlier))

    return compute


def _projection_frame(ctx: KpiContext) -> pd.DataFrame:
    """:func:`annual_target_progress` of gross margin per AM in role, from the fiscal year to
    date ending with the review quarter (whatever the context's window), once per context."""
    return ctx.memo(("gross_margin_projection", ctx.quarter), lambda: _projection(ctx))


def _projection(ctx: KpiContext) -> pd.DataFrame:
    ytd = margin_totals_by_am(ctx, Window.of(ctx.quarter, "ytd"))["gross_margin"]
    year = ctx.quarter.fiscal_year()
    year_start, year_end = year[0].start, year[-1].end
    first_day = ctx.start_dates.fillna(year_start).clip(lower=year_start)
    days_elapsed = ((ctx.quarter.end - first_day).dt.days + 1).clip(lower=0).astype("float64")
    days_in_year = ((year_end - first_day).dt.days + 1).clip(lower=0).astype("float64")
    annual = fiscal_year_target_from({q: ctx.targets_of(q) for q in year}, "gross_margin", ctx.start_dates)
    return annual_target_progress(ctx.per_am(ytd, fill=0.0), annual.reindex(ctx.am_ids), days_elapsed, days_in_year)


CHANGE_NOTE = (
    "NaN where the earlier figure is 0 (growth from nothing has no size), and for an AM "
    "not in role for the whole earlier window (a new starter, or one who started during "
    "it: a partial period would be compared with a full one). An AM in role with no "
    "lines now has −100 %."
)

KPIS: list[Kpi] = [
    Kpi(
        name="revenue_qoq",
        label="Revenue change on the previous quarter",
        meaning="The change in revenue from the previous quarter, as a percentage of that quarter's revenue. "
        "Shown, not scored: buying is seasonal (public-sector buying peaks before March), so this mostly shows "
        "the season.",
        if_empty="Not meaningful when the previous quarter's revenue was zero, or the account manager was not in "
        "role for all of it (a part quarter would be compared with a full one). Someone with no sales now shows a "
        "fall of 100 %.",
        measure="margin_kpi_targets",
        unit="fraction",
        shown_as="change",
        higher_is_better=None,
        formula="(revenue − revenue of the previous quarter) / |revenue of the previous quarter|.",
        sources=SALES[:3],
        compute=_change_kpi("revenue", 1),
        edge_cases=f"{CHANGE_NOTE} Shown, not scored: quarter on quarter is dominated by seasonality "
        "(public-sector buying peaks before March).",
    ),
    Kpi(
        name="gross_margin_qoq",
        label="Gross margin change on the previous quarter",
        meaning="The change in gross margin from the previous quarter, as a percentage of that quarter's margin. "
        "Shown, not scored: buying is seasonal, so this mostly shows the season.",
        if_empty="Not meaningful when the previous quarter's margin was zero, or the account manager was not in "
        "role for all of it. Someone with no sales now shows a fall of 100 %.",
        measure="margin_kpi_targets",
        unit="fraction",
        shown_as="change",
        higher_is_better=None,
        formula="(gross_margin − gross_margin of the previous quarter) / |gross_margin of the previous quarter|.",
        sources=SALES,
        compute=_change_kpi("gross_margin", 1),
        edge_cases=f"{CHANGE_NOTE} Shown, not scored (seasonality, see revenue_qoq).",
    ),
    Kpi(
        name="revenue_yoy",
        label="Revenue change on a year ago",
        meaning="The change in revenue from the same period a year earlier, as a percentage of that earlier "
        "revenue (the year to date is compared with last year's to the same point).",
        if_empty="Not meaningful when the revenue a year earlier was zero, or the account manager was not in role "
        "for all of that earlier period. Someone with no sales now shows a fall of 100 %.",
        measure="margin_kpi_targets",
        unit="fraction",
        shown_as="change",
        higher_is_better=True,
        formula="(revenue − revenue of the same window a year earlier) / |that revenue|; the window's "
        "quarters each shifted back four quarters (year to date against last year's to date).",
        sources=SALES[:3],
        compute=_change_kpi("revenue", 4),
        edge_cases=CHANGE_NOTE,
        windows=("quarter", "ytd", "t4q"),
    ),
    Kpi(
        name="gross_margin_yoy",
        label="Gross margin change on a year ago",
        meaning="The change in gross margin from the same period a year earlier, as a percentage of that earlier "
        "margin.",
        if_empty="Not meaningful when the margin a year earlier was zero, or the account manager was not in role "
        "for all of that earlier period. Someone with no sales now shows a fall of 100 %.",
        measure="margin_kpi_targets",
        unit="fraction",
        shown_as="change",
        higher_is_better=True,
        formula="(gross_margin − gross_margin of the same window a year earlier) / |that gross_margin|.",
        sources=SALES,
        compute=_change_kpi("gross_margin", 4),
        edge_cases=CHANGE_NOTE,
        windows=("quarter", "ytd", "t4q"),
    ),
    Kpi(
        name="gm_pct_yoy_points",
        label="GM % change on a year ago (points)",
        meaning="The change in GM % from the same period a year earlier, in percentage points: a difference, not "
        "a ratio (7 % down to 6 % is one point down).",
        if_empty="Not meaningful when either period has no revenue, or the account manager was not in role for "
        "all of the earlier one.",
        measure="margin_kpi_targets",
        unit="fraction",
        shown_as="points",
        higher_is_better=True,
        formula="gm_pct − gm_pct of the same window a year earlier: a difference, not a ratio "
        "(−0.01 = one percentage point down).",
        sources=SALES,
        compute=_change_kpi("gm_pct_change_points", 4),
        edge_cases="NaN where either window's revenue is ≤ 0, and for an AM not in role for the whole earlier window.",
        windows=("quarter", "ytd", "t4q"),
    ),
    Kpi(
        name="gross_margin_ytd_of_annual_target",
        label="Gross margin YTD against the annual target",
        meaning="Gross margin of the fiscal year so far as a percentage of the full year's margin target (the "
        "year's four quarter targets added up). Shown, not scored: it depends on how far into the year the review "
        "is.",
        if_empty="No target when a quarter of the year in which the account manager is in role has no margin "
        "target (a new starter's year counts from their first quarter).",
        measure="margin_kpi_targets",
        unit="fraction",
        shown_as="attainment",
        higher_is_better=None,
        formula="gross margin of the fiscal year to date / annual target, the annual target being the sum "
        "of the fiscal year's four quarter targets of measure 'gross_margin'.",
        sources=SALES + ("targets.period", "targets.measure", "targets.target", "account_managers.start_date"),
        compute=lambda ctx: _projection_frame(ctx)["ytd_of_annual_target"],
        edge_cases='NaN ("no target") where any quarter of the fiscal year in which the AM is in role has '
        "no gross_margin target (a new starter's year counts from their first quarter). Shown, "
        "not scored: it depends on how far into the year the review is.",
    ),
    Kpi(
        name="gross_margin_projection",
        label="Gross margin full-year projection",
        meaning="The gross margin the fiscal year would reach at the pace so far: the margin of the year to date "
        "spread over the calendar days elapsed and carried on to the year's end, in a straight line (no season). "
        "A new starter's pace counts their days in role only. In the year's last quarter it is the year's actual "
        "margin. Shown, not scored: its attainment is scored.",
        if_empty="No data when the pack holds no invoice lines.",
        measure="margin_kpi_targets",
        unit="money",
        higher_is_better=None,
        formula="run rate: gross margin of the fiscal year to date × days_in_year / days_elapsed, days "
        "counted from the later of the fiscal year's start and the AM's start date, to the review "
        "quarter's end (elapsed) and to the fiscal year's end (in year).",
        sources=SALES + ("account_managers.start_date",),
        compute=lambda ctx: _projection_frame(ctx)["projection"],
        edge_cases="Straight line in calendar days, no seasonality. A new starter's run rate is over their "
        "days in role only. At the fiscal year's last quarter it equals the year's actual. "
        "Shown, not scored: gross_margin_projection_attainment is scored.",
    ),
    Kpi(
        name="gross_margin_projection_attainment",
        label="Projected gross margin attainment (full year)",
        meaning="The full-year margin projection as a percentage of the year's margin target (the targets of the "
        "quarters in role, added up).",
        if_empty="No target when a quarter of the year in which the account manager is in role has no margin "
        "target yet (often next quarter's), or the year's target is zero.",
        measure="margin_kpi_targets",
        unit="fraction",
        shown_as="attainment",
        higher_is_better=True,
        formula="gross_margin_projection / annual target (the sum of the fiscal year's quarter targets of "
        "measure 'gross_margin', over the quarters the AM is in role).",
        sources=SALES + ("targets.period", "targets.measure", "targets.target", "account_managers.start_date"),
        compute=lambda ctx: _projection_frame(ctx)["projection_attainment"],
        edge_cases='NaN ("no target") where any quarter of the fiscal year in which the AM is in role has no '
        "gross_margin target (e.g. next quarter's not yet set), or the year's target is 0.",
    ),
]
