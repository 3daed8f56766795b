"""Revenue, cost, gross margin, GM % and attainment (contract: "Definitions that must not drift").

* ``gross_margin = Σ revenue − Σ cost`` over the lines credited to an account manager (by the
  ``am_id`` on each line) whose ``invoice_date`` falls in the period. Returns and credit notes are
  negative lines and so reduce revenue, cost and margin in the period they are invoiced.
* ``gm_pct = gross_margin / Σ revenue``, a fraction (0.12 for 12 %); NaN where Σ revenue ≤ 0,
  where a percentage of nothing (or of net credits) is not meaningful.
* ``attainment = actual / target`` where a target > 0 exists; NaN ("no target") otherwise —
  never 0 % or 100 %.

Decisions shared by the breakdowns below:

* A *deal* is a line with revenue > 0. The contract has no order or invoice id, so one line is
  one deal; a return (revenue < 0) is not a deal, but its value still nets off revenue and
  margin in the quarter it is invoiced.
* A *share* is ``part / whole`` where the whole is > 0 and NaN otherwise (a share of nothing,
  or of a loss, is not meaningful). Shares are not clipped: a part can exceed the whole, or be
  negative, when other lines lost money.
* Partial periods are not pro-rated: a new starter's quarter holds what they sold while in role,
  and the ``targets`` table is expected to hold their pro-rated target. Only the full-year
  projection scales by days in role (:func:`full_year_projection`).
* Targets missing or ≤ 0 are "no target": attainment NaN.
* A pack whose ``sales`` table is empty (no margin data at all, e.g. a CRM export) gives NaN
  ("no data") for every KPI below, for everyone — not 0, which would read as a quarter without
  sales and score as one.

The module-level :data:`KPIS` registers the per-AM KPIs of the measure "Margin & KPI targets"
for the scorecard; see :mod:`amreview.metrics.registry`.
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from amreview.metrics.registry import Kpi, KpiContext, Window
from amreview.errors import ArgumentError
from amreview.metrics.targets import quarter_targets
from amreview.periods import Quarter, month_labels, require_quarter
from amreview.vocabulary import DEAL_TYPES

MARGIN_COLUMNS = ["revenue", "cost", "gross_margin", "gm_pct"]
SEGMENT_COLUMNS = ["segment_revenue", "revenue", "revenue_share", "segment_margin", "gross_margin", "margin_share"]
CHANGE_COLUMNS = ["revenue", "revenue_before", "revenue_change", "gross_margin", "gross_margin_before",
                  "gross_margin_change", "gm_pct", "gm_pct_before", "gm_pct_change_points"]


# --------------------------------------------------------------------------------------------
# Pure functions of DataFrames
# --------------------------------------------------------------------------------------------

def lines_in_period(sales: pd.DataFrame, quarter: Quarter) -> pd.DataFrame:
    """The sales lines whose ``invoice_date`` falls in ``quarter`` (inclusive of both ends)."""
    quarter = require_quarter(quarter)
    return sales[quarter.contains(sales["invoice_date"])]


def gm_pct(gross_margin, revenue):
    """GM % = gross_margin / revenue, a fraction; NaN where revenue ≤ 0.

    Works on scalars and on aligned Series alike.
    """
    if np.isscalar(revenue):
        return gross_margin / revenue if revenue > 0 else np.nan
    revenue = pd.Series(revenue, dtype="float64")
    return (pd.Series(gross_margin, dtype="float64") / revenue.where(revenue > 0)).astype("float64")


def attainment(actual, target):
    """Attainment = actual / target, a fraction (1.03 for 103 %); NaN where there is no target > 0.

    Works on scalars and on aligned Series alike.
    """
    if np.isscalar(target) or target is None:
        return actual / target if target is not None and not pd.isna(target) and target > 0 else np.nan
    target = pd.Series(target, dtype="float64")
    return (pd.Series(actual, dtype="float64") / target.where(target > 0)).astype("float64")


def share(part, whole):
    """``part / whole`` where ``whole`` > 0; NaN where the whole is 0, negative or missing.

    Not clipped to [0, 1]: a part exceeds its whole (or is negative) when the rest lost money.
    Works on scalars and on aligned Series alike.
    """
    if np.isscalar(whole) or whole is None:
        return part / whole if whole is not None and not pd.isna(whole) and whole > 0 else np.nan
    whole = pd.Series(whole, dtype="float64")
    return (part / whole.where(whole > 0)).astype("float64")


def change(current, previous):
    """Relative change = (current − previous) / |previous|, a fraction (0.1 for +10 %).

    Dividing by ``|previous|`` keeps the sign meaningful when the earlier figure was negative
    (a margin going from −100 to −50 is +0.5, an improvement). NaN where ``previous`` is 0 or
    NaN: growth from nothing has no size. Works on scalars and on aligned Series alike.
    """
    if np.isscalar(previous) or previous is None:
        if previous is None or pd.isna(previous) or previous == 0:
            return np.nan
        return (current - previous) / abs(previous)
    previous = pd.Series(previous, dtype="float64")
    return ((current - previous) / previous.abs().where(previous != 0)).astype("float64")


def margin_summary(lines: pd.DataFrame, by: str | list[str]) -> pd.DataFrame:
    """Revenue, cost, gross margin and GM % of ``lines`` grouped by ``by`` (a column or columns).

    ``revenue = Σ revenue``, ``cost = Σ cost``, ``gross_margin = revenue − cost``,
    ``gm_pct = gross_margin / revenue`` (NaN where revenue ≤ 0). One row per group present
    in ``lines``; sorted by the group keys.
    """
    keys = [by] if isinstance(by, str) else list(by)
    totals = lines.groupby(keys, sort=True, observed=True)[["revenue", "cost"]].sum()
    totals["gross_margin"] = totals["revenue"] - totals["cost"]
    totals["gm_pct"] = gm_pct(totals["gross_margin"], totals["revenue"]).to_numpy()
    return totals


def margin_totals(lines: pd.DataFrame) -> pd.Series:
    """Revenue, cost, gross margin and GM % of all of ``lines`` (zeros and NaN GM % when empty)."""
    revenue = float(lines["revenue"].sum())
    cost = float(lines["cost"].sum())
    return pd.Series({"revenue": revenue, "cost": cost, "gross_margin": revenue - cost,
                      "gm_pct": gm_pct(revenue - cost, revenue)})


def margin_by_month(lines: pd.DataFrame) -> pd.DataFrame:
    """:func:`margin_summary` per calendar month ``YYYY-MM`` of ``invoice_date``."""
    return margin_summary(lines.assign(month=month_labels(lines["invoice_date"])), "month")


def margin_by(lines: pd.DataFrame, by: str | list[str]) -> pd.DataFrame:
    """The margin breakdown of ``lines`` by ``by`` (``"account_id"``, ``"vendor"``, ``"product"``,
    ``"deal_type"``, ``["am_id", "vendor"]`` …), largest gross margin first.

    Columns: ``lines`` (count), ``revenue = Σ revenue``, ``cost = Σ cost``,
    ``gross_margin = revenue − cost``, ``gm_pct = gross_margin / revenue`` (NaN where revenue ≤ 0),
    ``revenue_share = revenue / Σ revenue`` and ``margin_share = gross_margin / Σ gross_margin``,
    where the sums run over the *parent* group: all of ``lines`` for one key, the leading keys'
    group for several (with ``["am_id", "vendor"]`` the vendor's share of that AM's figures).
    Shares are NaN where the parent's revenue or margin is ≤ 0 (see :func:`share`).

    Lines without a value for a key (e.g. no ``vendor``) form their own group with a missing key,
    so the groups always add up to the total. Sorted by the leading keys, then by gross margin
    (largest first). No lines: an empty frame with these columns.
    """
    keys = [by] if isinstance(by, str) else list(by)
    grouped = lines.groupby(keys, sort=True, observed=True, dropna=False)
    table = grouped[["revenue", "cost"]].sum()
    table.insert(0, "lines", grouped.size().astype("int64"))
    table["gross_margin"] = table["revenue"] - table["cost"]
    table["gm_pct"] = gm_pct(table["gross_margin"], table["revenue"]).to_numpy()
    parents = keys[:-1]
    if parents:
        parent = table.groupby(level=parents, dropna=False)[["revenue", "gross_margin"]].transform("sum")
        parent_revenue, parent_margin = parent["revenue"], parent["gross_margin"]
    else:
        parent_revenue = pd.Series(table["revenue"].sum(), index=table.index)
        parent_margin = pd.Series(table["gross_margin"].sum(), index=table.index)
    table["revenue_share"] = share(table["revenue"], parent_revenue)
    table["margin_share"] = share(table["gross_margin"], parent_margin)
    order = table.reset_index()
    order = order.sort_values(parents + ["gross_margin"], ascending=[True] * len(parents) + [False],
                              kind="mergesort", na_position="last")
    return table.iloc[order.index.to_numpy()]


def deal_type_summary(lines: pd.DataFrame, by: str | list[str] | None = None) -> pd.DataFrame:
    """Deals, returns, revenue, cost, gross margin and GM % per deal type — every deal type of
    the contract (``run_rate``, ``spot``, ``bespoke``, ``large_volume``) always a row.

    ``deals`` = number of lines with revenue > 0; ``returns`` = number with revenue < 0;
    ``revenue``, ``cost``, ``gross_margin`` = sums over all the type's lines (returns net off);
    ``gm_pct = gross_margin / revenue`` (NaN where revenue ≤ 0: a type with no business);
    ``revenue_share`` and ``margin_share`` = the type's revenue / margin over all types' (NaN
    where that total is ≤ 0). A type with no lines shows 0 deals and 0 money.

    With ``by`` (e.g. ``"am_id"``), one block of four rows per group present in ``lines``
    (index: the ``by`` keys, then ``deal_type``), shares within the group. ``lines`` come from a
    validated pack, where a missing ``deal_type`` is already ``run_rate`` (the contract's default).
    """
    keys = [] if by is None else ([by] if isinstance(by, str) else list(by))
    frame = lines.assign(_deal=lines["revenue"] > 0, _return=lines["revenue"] < 0)
    sums = frame.groupby(keys + ["deal_type"], sort=True, observed=True)[
        ["_deal", "_return", "revenue", "cost"]].sum()
    if keys:
        groups = frame[keys].drop_duplicates().sort_values(keys)
        index = pd.MultiIndex.from_tuples(
            [(*g, t) for g in groups.itertuples(index=False, name=None) for t in DEAL_TYPES],
            names=keys + ["deal_type"])
    else:
        index = pd.Index(DEAL_TYPES, name="deal_type")
    table = sums.reindex(index, fill_value=0)
    table = pd.DataFrame({
        "deals": table["_deal"].astype("int64"),
        "returns": table["_return"].astype("int64"),
        "revenue": table["revenue"].astype("float64"),
        "cost": table["cost"].astype("float64"),
    }, index=index)
    table["gross_margin"] = table["revenue"] - table["cost"]
    table["gm_pct"] = gm_pct(table["gross_margin"], table["revenue"]).to_numpy()
    if keys:
        whole = table.groupby(level=keys)[["revenue", "gross_margin"]].transform("sum")
    else:
        whole = pd.DataFrame({c: table[c].sum() for c in ("revenue", "gross_margin")}, index=index)
    table["revenue_share"] = share(table["revenue"], whole["revenue"])
    table["margin_share"] = share(table["gross_margin"], whole["gross_margin"])
    return table


def segment_share(lines: pd.DataFrame, selected: pd.Series, by: str | list[str] | None = None):
    """The share of revenue and of gross margin that comes from the ``selected`` lines.

    ``revenue_share = Σ revenue[selected] / Σ revenue`` (NaN where Σ revenue ≤ 0) and
    ``margin_share = gross_margin[selected] / gross_margin`` (NaN where the total gross margin
    ≤ 0). ``selected`` is a boolean Series aligned with ``lines`` (missing counts as not selected).

    Returns a Series with :data:`SEGMENT_COLUMNS` (``segment_revenue``, ``revenue``,
    ``revenue_share``, ``segment_margin``, ``gross_margin``, ``margin_share``) when ``by`` is
    None, else a frame with those columns, one row per group present in ``lines``.
    """
    selected = selected.reindex(lines.index).fillna(False).astype(bool)
    margin = lines["revenue"] - lines["cost"]
    frame = pd.DataFrame({
        "segment_revenue": lines["revenue"].where(selected, 0.0),
        "revenue": lines["revenue"],
        "segment_margin": margin.where(selected, 0.0),
        "gross_margin": margin,
    }, index=lines.index, dtype="float64")
    if by is None:
        sums = frame.sum()
        return pd.Series({
            "segment_revenue": sums["segment_revenue"], "revenue": sums["revenue"],
            "revenue_share": share(sums["segment_revenue"], sums["revenue"]),
            "segment_margin": sums["segment_margin"], "gross_margin": sums["gross_margin"],
            "margin_share": share(sums["segment_margin"], sums["gross_margin"]),
        }, dtype="float64")
    keys = [by] if isinstance(by, str) else list(by)
    sums = frame.groupby([lines[k] for k in keys], sort=True, observed=True).sum()
    sums["revenue_share"] = share(sums["segment_revenue"], sums["revenue"])
    sums["margin_share"] = share(sums["segment_margin"], sums["gross_margin"])
    return sums[SEGMENT_COLUMNS]


def vendor_programme_share(lines: pd.DataFrame, by: str | list[str] | None = None):
    """Share of revenue and of gross margin sold under the vendor programme (the "VIP" the role
    must promote): :func:`segment_share` of the lines with ``vendor_programme`` true."""
    return segment_share(lines, lines["vendor_programme"].eq(True), by)


def deal_type_share(lines: pd.DataFrame, deal_types: str | tuple[str, ...], by: str | list[str] | None = None):
    """Share of revenue and of gross margin from deals of ``deal_types`` (e.g. ``"bespoke"``):
    :func:`segment_share` of the lines whose ``deal_type`` is one of them."""
    wanted = (deal_types,) if isinstance(deal_types, str) else tuple(deal_types)
    unknown = set(wanted) - set(DEAL_TYPES)
    if unknown:
        raise ArgumentError(f"deal types {sorted(unknown)}: expected some of {', '.join(DEAL_TYPES)}")
    return segment_share(lines, lines["deal_type"].isin(wanted), by)


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
        "revenue": now["revenue"], "revenue_before": before["revenue"],
        "revenue_change": change(now["revenue"], before["revenue"]),
        "gross_margin": now["gross_margin"], "gross_margin_before": before["gross_margin"],
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
    if np.isscalar(days_elapsed) or days_elapsed is None:
        if days_elapsed is None or pd.isna(days_elapsed) or days_elapsed <= 0:
            return np.nan
        return ytd_actual * days_in_year / days_elapsed
    days_elapsed = pd.Series(days_elapsed, dtype="float64")
    return (ytd_actual * days_in_year / days_elapsed.where(days_elapsed > 0)).astype("float64")


def fiscal_year_target(targets: pd.DataFrame, quarter: Quarter, measure: str,
                       start_dates: pd.Series | None = None) -> pd.Series:
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
    year = quarter.fiscal_year()
    columns = {}
    for q in year:
        table = quarter_targets(targets, q)
        columns[str(q)] = table[measure] if measure in table.columns else pd.Series(dtype="float64")
    by_quarter = pd.DataFrame(columns, dtype="float64")
    if start_dates is None:
        in_role = pd.DataFrame(True, index=by_quarter.index, columns=by_quarter.columns)
    else:
        by_quarter = by_quarter.reindex(start_dates.index)
        in_role = pd.DataFrame({str(q): (start_dates.isna() | (start_dates <= q.end)).to_numpy()
                                for q in year}, index=start_dates.index)
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
        "ytd_actual": ytd_actual, "annual_target": annual_target,
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

def _totals_by_am(lines: pd.DataFrame) -> pd.DataFrame:
    """Σ revenue, Σ cost and gross margin per ``am_id`` (AMs with lines only)."""
    sums = lines.groupby("am_id", sort=False, observed=True)[["revenue", "cost"]].sum()
    sums["gross_margin"] = sums["revenue"] - sums["cost"]
    return sums


def _totals_in(ctx: KpiContext, window: Window) -> pd.DataFrame:
    """:func:`_totals_by_am` of the lines invoiced in ``window``, computed once per window (only
    the columns it needs are taken from the sales, which matters on ten million lines)."""
    def compute():
        if window == ctx.window:
            return _totals_by_am(ctx.lines)
        return _totals_by_am(ctx.lines_between(window.start, window.end)[["am_id", "revenue", "cost"]])
    return ctx.memo(("margin_totals", window), compute)


def _money(ctx: KpiContext, column: str) -> pd.Series:
    """A window total per AM in role; 0 for an AM in role who sold nothing."""
    return ctx.per_am(_totals_in(ctx, ctx.window)[column], fill=0.0)


def _gm_pct(ctx: KpiContext) -> pd.Series:
    totals = _totals_in(ctx, ctx.window)
    return gm_pct(totals["gross_margin"], totals["revenue"])


def _attainment_of(measure: str):
    def compute(ctx: KpiContext) -> pd.Series:
        target = ctx.target(measure)
        if target.isna().all():
            return pd.Series(dtype="float64")
        return attainment(_money(ctx, measure), target)
    return compute


def _deal_types_by_am(ctx: KpiContext, deal_type: str) -> pd.DataFrame:
    """Deals, revenue and gross margin of one deal type per AM in role (0 where none)."""
    lines = ctx.lines.loc[ctx.lines["deal_type"] == deal_type, ["am_id", "revenue", "cost"]]
    sums = lines.assign(deals=lines["revenue"] > 0).groupby("am_id", sort=False, observed=True)[
        ["deals", "revenue", "cost"]].sum()
    sums = sums.reindex(ctx.am_ids, fill_value=0).astype("float64")
    sums["gross_margin"] = sums["revenue"] - sums["cost"]
    return sums


def _spot_gm_pct(ctx: KpiContext) -> pd.Series:
    spot = _deal_types_by_am(ctx, "spot")
    return gm_pct(spot["gross_margin"], spot["revenue"])


def _deal_type_revenue_share(deal_type: str):
    def compute(ctx: KpiContext) -> pd.Series:
        return deal_type_share(ctx.lines, deal_type, "am_id")["revenue_share"]
    return compute


def _programme_share(column: str):
    def compute(ctx: KpiContext) -> pd.Series:
        return vendor_programme_share(ctx.lines, "am_id")[column]
    return compute


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
        now_totals = _totals_in(ctx, ctx.window).reindex(ctx.am_ids, fill_value=0.0)
        before_totals = _totals_in(ctx, earlier).reindex(ctx.am_ids, fill_value=0.0)
        if column == "gm_pct_change_points":
            value = (gm_pct(now_totals["gross_margin"], now_totals["revenue"])
                     - gm_pct(before_totals["gross_margin"], before_totals["revenue"]))
        else:
            value = change(now_totals[column], before_totals[column])
        return value.where(_in_role_throughout(ctx, earlier))
    return compute


def _projection_frame(ctx: KpiContext) -> pd.DataFrame:
    """:func:`annual_target_progress` of gross margin per AM in role, from the fiscal year to
    date ending with the review quarter (whatever the context's window)."""
    ytd = _totals_in(ctx, Window.of(ctx.quarter, "ytd"))["gross_margin"]
    year = ctx.quarter.fiscal_year()
    year_start, year_end = year[0].start, year[-1].end
    first_day = ctx.start_dates.fillna(year_start).clip(lower=year_start)
    days_elapsed = ((ctx.quarter.end - first_day).dt.days + 1).clip(lower=0).astype("float64")
    days_in_year = ((year_end - first_day).dt.days + 1).clip(lower=0).astype("float64")
    annual = fiscal_year_target(ctx.pack.targets, ctx.quarter, "gross_margin", ctx.start_dates)
    return annual_target_progress(ctx.per_am(ytd, fill=0.0), annual.reindex(ctx.am_ids),
                                  days_elapsed, days_in_year)


RETURNS_NOTE = "Returns (negative lines) reduce the figures of the quarter they are invoiced in."
NO_LINES_NOTE = "An AM in role with no lines in the window has 0."
RATIO_NOTE = "NaN (no data) where the window's revenue is ≤ 0 (no lines, or net credits)."
NO_TARGET_NOTE = ("NaN (\"no target\") where the targets table has no target, or a target of 0, for "
                  "the window; never 0 % or 100 %. Targets are taken as given: a new starter's "
                  "target is expected to be pro-rated in the targets table, amreview does not pro-rate it.")
WINDOW_TARGET_NOTE = ("Year to date: the actual of the fiscal year's quarters so far over the sum of "
                      "those quarters' targets that exist (KpiContext.targets).")
CHANGE_NOTE = ("NaN where the earlier figure is 0 (growth from nothing has no size), and for an AM "
               "not in role for the whole earlier window (a new starter, or one who started during "
               "it: a partial period would be compared with a full one). An AM in role with no "
               "lines now has −100 %.")
SALES = ("sales.am_id", "sales.invoice_date", "sales.revenue", "sales.cost")

KPIS: list[Kpi] = [
    Kpi(
        name="revenue", label="Revenue", measure="margin_kpi_targets", unit="money", higher_is_better=None,
        formula="Σ sales.revenue over the lines credited to the AM (sales.am_id) invoiced in the window.",
        sources=SALES[:3], compute=lambda ctx: _money(ctx, "revenue"),
        edge_cases=f"{RETURNS_NOTE} {NO_LINES_NOTE} Shown, not scored: revenue_attainment is scored.",
        windows=("quarter", "ytd", "t4q"),
    ),
    Kpi(
        name="cost", label="Cost of sales", measure="margin_kpi_targets", unit="money", higher_is_better=None,
        formula="Σ sales.cost over the AM's lines invoiced in the window.",
        sources=("sales.am_id", "sales.invoice_date", "sales.cost"), compute=lambda ctx: _money(ctx, "cost"),
        edge_cases=f"{RETURNS_NOTE} {NO_LINES_NOTE} Shown, not scored.",
        windows=("quarter", "ytd", "t4q"),
    ),
    Kpi(
        name="gross_margin", label="Gross margin", measure="margin_kpi_targets", unit="money",
        higher_is_better=None,
        formula="gross_margin = Σ revenue − Σ cost over the AM's lines invoiced in the window.",
        sources=SALES, compute=lambda ctx: _money(ctx, "gross_margin"),
        edge_cases=f"{RETURNS_NOTE} {NO_LINES_NOTE} Can be negative. Shown, not scored: "
                   "gross_margin_attainment is scored.",
        windows=("quarter", "ytd", "t4q"),
    ),
    Kpi(
        name="gm_pct", label="GM %", measure="margin_kpi_targets", unit="fraction", higher_is_better=True,
        formula="gm_pct = gross_margin / Σ revenue over the AM's lines invoiced in the window.",
        sources=SALES, compute=_gm_pct,
        edge_cases=f"{RETURNS_NOTE} {RATIO_NOTE}",
        windows=("quarter", "ytd", "t4q"),
    ),
    Kpi(
        name="revenue_attainment", label="Revenue attainment", measure="margin_kpi_targets", unit="fraction",
        higher_is_better=True,
        formula="revenue / target, targets.measure = 'revenue' (quarter row, else the sum of its month rows).",
        sources=SALES[:3] + ("targets.am_id", "targets.period", "targets.measure", "targets.target"),
        compute=_attainment_of("revenue"),
        edge_cases=f"{NO_TARGET_NOTE} {WINDOW_TARGET_NOTE}",
        windows=("quarter", "ytd"), target_measure="revenue",
    ),
    Kpi(
        name="gross_margin_attainment", label="Gross margin attainment", measure="margin_kpi_targets",
        unit="fraction", higher_is_better=True,
        formula="gross_margin / target, targets.measure = 'gross_margin' (quarter row, else the sum of "
                "its month rows).",
        sources=SALES + ("targets.am_id", "targets.period", "targets.measure", "targets.target"),
        compute=_attainment_of("gross_margin"),
        edge_cases=f"{NO_TARGET_NOTE} {WINDOW_TARGET_NOTE} A negative margin gives a negative attainment.",
        windows=("quarter", "ytd"), target_measure="gross_margin",
    ),
    Kpi(
        name="spot_deals", label="Spot deals", measure="margin_kpi_targets", unit="count", higher_is_better=None,
        formula="Number of the AM's lines with deal_type = 'spot' and revenue > 0 invoiced in the window "
                "(one line = one deal: the contract has no order id).",
        sources=SALES[:3] + ("sales.deal_type",), compute=lambda ctx: _deal_types_by_am(ctx, "spot")["deals"],
        edge_cases="0 for an AM with no spot lines. Spot returns are not deals. A missing deal_type is "
                   "run_rate (the contract's default). Shown, not scored: spot pricing is a tool, its "
                   "cost shows in GM %.",
    ),
    Kpi(
        name="spot_revenue", label="Spot revenue", measure="margin_kpi_targets", unit="money",
        higher_is_better=None,
        formula="Σ sales.revenue over the AM's deal_type = 'spot' lines invoiced in the window.",
        sources=SALES[:3] + ("sales.deal_type",), compute=lambda ctx: _deal_types_by_am(ctx, "spot")["revenue"],
        edge_cases=f"{RETURNS_NOTE} 0 for an AM with no spot lines. Shown, not scored.",
    ),
    Kpi(
        name="spot_gm_pct", label="Spot GM %", measure="margin_kpi_targets", unit="fraction",
        higher_is_better=True,
        formula="(Σ revenue − Σ cost) / Σ revenue over the AM's deal_type = 'spot' lines in the window.",
        sources=SALES + ("sales.deal_type",), compute=_spot_gm_pct,
        edge_cases="NaN (no data) where the AM's spot revenue in the window is ≤ 0 (no spot deals).",
    ),
    Kpi(
        name="large_volume_revenue_share", label="Large-volume share of revenue", measure="margin_kpi_targets",
        unit="fraction", higher_is_better=None,
        formula="Σ revenue of deal_type = 'large_volume' lines / Σ revenue of all the AM's lines in the window.",
        sources=SALES[:3] + ("sales.deal_type",), compute=_deal_type_revenue_share("large_volume"),
        edge_cases=f"{RATIO_NOTE} Shown, not scored: large-volume deals earn thin margins, so a higher "
                   "share is not better in itself; what they earn is scored through margin attainment.",
    ),
    Kpi(
        name="bespoke_revenue_share", label="Bespoke share of revenue", measure="margin_kpi_targets",
        unit="fraction", higher_is_better=True,
        formula="Σ revenue of deal_type = 'bespoke' lines / Σ revenue of all the AM's lines in the window.",
        sources=SALES[:3] + ("sales.deal_type",), compute=_deal_type_revenue_share("bespoke"),
        edge_cases=f"{RATIO_NOTE} Higher is better: bespoke (tailored) solutions are the role's high-margin "
                   "business. Can exceed 1 or be negative when returns outweigh other lines.",
    ),
    Kpi(
        name="vendor_programme_revenue_share", label="Vendor-programme share of revenue",
        measure="margin_kpi_targets", unit="fraction", higher_is_better=True,
        formula="Σ revenue of lines with sales.vendor_programme true / Σ revenue of all the AM's lines in "
                "the window.",
        sources=SALES[:3] + ("sales.vendor_programme",), compute=_programme_share("revenue_share"),
        edge_cases=f"{RATIO_NOTE} A missing vendor_programme is false (the contract's default).",
    ),
    Kpi(
        name="vendor_programme_margin_share", label="Vendor-programme share of margin",
        measure="margin_kpi_targets", unit="fraction", higher_is_better=True,
        formula="gross margin of lines with sales.vendor_programme true / gross margin of all the AM's "
                "lines in the window.",
        sources=SALES + ("sales.vendor_programme",), compute=_programme_share("margin_share"),
        edge_cases="NaN (no data) where the AM's gross margin in the window is ≤ 0 (a share of a loss is "
                   "not meaningful). Can exceed 1 when the other lines lost money.",
    ),
    Kpi(
        name="revenue_qoq", label="Revenue change on the previous quarter", measure="margin_kpi_targets",
        unit="fraction", higher_is_better=None,
        formula="(revenue − revenue of the previous quarter) / |revenue of the previous quarter|.",
        sources=SALES[:3], compute=_change_kpi("revenue", 1),
        edge_cases=f"{CHANGE_NOTE} Shown, not scored: quarter on quarter is dominated by seasonality "
                   "(public-sector buying peaks before March).",
    ),
    Kpi(
        name="gross_margin_qoq", label="Gross margin change on the previous quarter",
        measure="margin_kpi_targets", unit="fraction", higher_is_better=None,
        formula="(gross_margin − gross_margin of the previous quarter) / |gross_margin of the previous quarter|.",
        sources=SALES, compute=_change_kpi("gross_margin", 1),
        edge_cases=f"{CHANGE_NOTE} Shown, not scored (seasonality, see revenue_qoq).",
    ),
    Kpi(
        name="revenue_yoy", label="Revenue change on a year ago", measure="margin_kpi_targets",
        unit="fraction", higher_is_better=True,
        formula="(revenue − revenue of the same window a year earlier) / |that revenue|; the window's "
                "quarters each shifted back four quarters (year to date against last year's to date).",
        sources=SALES[:3], compute=_change_kpi("revenue", 4),
        edge_cases=CHANGE_NOTE, windows=("quarter", "ytd", "t4q"),
    ),
    Kpi(
        name="gross_margin_yoy", label="Gross margin change on a year ago", measure="margin_kpi_targets",
        unit="fraction", higher_is_better=True,
        formula="(gross_margin − gross_margin of the same window a year earlier) / |that gross_margin|.",
        sources=SALES, compute=_change_kpi("gross_margin", 4),
        edge_cases=CHANGE_NOTE, windows=("quarter", "ytd", "t4q"),
    ),
    Kpi(
        name="gm_pct_yoy_points", label="GM % change on a year ago (points)", measure="margin_kpi_targets",
        unit="fraction", higher_is_better=True,
        formula="gm_pct − gm_pct of the same window a year earlier: a difference, not a ratio "
                "(−0.01 = one percentage point down).",
        sources=SALES, compute=_change_kpi("gm_pct_change_points", 4),
        edge_cases="NaN where either window's revenue is ≤ 0, and for an AM not in role for the whole "
                   "earlier window.",
        windows=("quarter", "ytd", "t4q"),
    ),
    Kpi(
        name="gross_margin_ytd_of_annual_target", label="Gross margin YTD against the annual target",
        measure="margin_kpi_targets", unit="fraction", higher_is_better=None,
        formula="gross margin of the fiscal year to date / annual target, the annual target being the sum "
                "of the fiscal year's four quarter targets of measure 'gross_margin'.",
        sources=SALES + ("targets.period", "targets.measure", "targets.target", "account_managers.start_date"),
        compute=lambda ctx: _projection_frame(ctx)["ytd_of_annual_target"],
        edge_cases="NaN (\"no target\") where any quarter of the fiscal year in which the AM is in role has "
                   "no gross_margin target (a new starter's year counts from their first quarter). Shown, "
                   "not scored: it depends on how far into the year the review is.",
    ),
    Kpi(
        name="gross_margin_projection", label="Gross margin full-year projection", measure="margin_kpi_targets",
        unit="money", higher_is_better=None,
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
        name="gross_margin_projection_attainment", label="Projected gross margin attainment (full year)",
        measure="margin_kpi_targets", unit="fraction", higher_is_better=True,
        formula="gross_margin_projection / annual target (the sum of the fiscal year's quarter targets of "
                "measure 'gross_margin', over the quarters the AM is in role).",
        sources=SALES + ("targets.period", "targets.measure", "targets.target", "account_managers.start_date"),
        compute=lambda ctx: _projection_frame(ctx)["projection_attainment"],
        edge_cases="NaN (\"no target\") where any quarter of the fiscal year in which the AM is in role has no "
                   "gross_margin target (e.g. next quarter's not yet set), or the year's target is 0.",
    ),
]
