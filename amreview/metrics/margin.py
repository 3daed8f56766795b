"""Revenue, cost, gross margin, GM % and attainment (contract: "Definitions that must not drift").

* ``gross_margin = Σ revenue − Σ cost`` over the lines credited to an account manager (by the
  ``am_id`` on each line) whose ``invoice_date`` falls in the period. Returns and credit notes are
  negative lines and so reduce revenue, cost and margin in the period they are invoiced.
* ``gm_pct = gross_margin / Σ revenue``, a fraction (0.12 for 12 %); NaN where Σ revenue ≤ 0,
  where a percentage of nothing (or of net credits) is not meaningful.
* ``attainment = actual / target`` where a target > 0 exists; NaN ("no target") otherwise —
  never 0 % or 100 %.

Decisions shared by the breakdowns here and in :mod:`amreview.metrics.margin_mix` and
:mod:`amreview.metrics.margin_trend`:

* A *deal* is a line with revenue > 0. The contract has no order or invoice id, so one line is
  one deal; a return (revenue < 0) is not a deal, but its value still nets off revenue and
  margin in the quarter it is invoiced.
* A *share* is ``part / whole`` where the whole is > 0 and NaN otherwise (a share of nothing,
  or of a loss, is not meaningful). Shares are not clipped: a part can exceed the whole, or be
  negative, when other lines lost money.
* Partial periods are not pro-rated: a new starter's quarter holds what they sold while in role,
  and the ``targets`` table is expected to hold their pro-rated target. Only the full-year
  projection scales by days in role (:func:`amreview.metrics.margin_trend.full_year_projection`).
* Targets missing or ≤ 0 are "no target": attainment NaN.
* A pack whose ``sales`` table is empty (no margin data at all, e.g. a CRM export) gives NaN
  ("no data") for every KPI of the three modules, for everyone — not 0, which would read as a
  quarter without sales and score as one.

The measure "Margin & KPI targets" is registered in three parts, in the scorecard's order (see
:mod:`amreview.metrics.catalogue`): this module's :data:`KPIS` (revenue, cost, gross margin,
GM %, attainment), then :mod:`~amreview.metrics.margin_mix`'s (deal types, the vendor
programme), then :mod:`~amreview.metrics.margin_trend`'s (change on a quarter and a year ago,
the fiscal year against its target and the full-year projection); see
:mod:`amreview.metrics.registry`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from amreview.data.sales_summary import line_count
from amreview.metrics._frames import is_scalar, observations
from amreview.metrics.registry import Evidence, Kpi, KpiContext, Window
from amreview.periods import Quarter, month_labels, require_quarter

MARGIN_COLUMNS = ["revenue", "cost", "gross_margin", "gm_pct"]


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
    if is_scalar(revenue):
        return gross_margin / revenue if revenue > 0 else np.nan
    revenue = pd.Series(revenue, dtype="float64")
    return (pd.Series(gross_margin, dtype="float64") / revenue.where(revenue > 0)).astype("float64")


def attainment(actual, target):
    """Attainment = actual / target, a fraction (1.03 for 103 %); NaN where there is no target > 0.

    Works on scalars and on aligned Series alike.
    """
    if is_scalar(target) or target is None:
        return actual / target if target is not None and not pd.isna(target) and target > 0 else np.nan
    target = pd.Series(target, dtype="float64")
    return (pd.Series(actual, dtype="float64") / target.where(target > 0)).astype("float64")


def share(part, whole):
    """``part / whole`` where ``whole`` > 0; NaN where the whole is 0, negative or missing.

    Not clipped to [0, 1]: a part exceeds its whole (or is negative) when the rest lost money.
    Works on scalars and on aligned Series alike.
    """
    if is_scalar(whole) or whole is None:
        return part / whole if whole is not None and not pd.isna(whole) and whole > 0 else np.nan
    whole = pd.Series(whole, dtype="float64")
    return (part / whole.where(whole > 0)).astype("float64")


def change(current, previous):
    """Relative change = (current − previous) / |previous|, a fraction (0.1 for +10 %).

    Dividing by ``|previous|`` keeps the sign meaningful when the earlier figure was negative
    (a margin going from −100 to −50 is +0.5, an improvement). NaN where ``previous`` is 0 or
    NaN: growth from nothing has no size. Works on scalars and on aligned Series alike.
    """
    if is_scalar(previous) or previous is None:
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
    return pd.Series(
        {"revenue": revenue, "cost": cost, "gross_margin": revenue - cost, "gm_pct": gm_pct(revenue - cost, revenue)}
    )


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
    table.insert(
        0,
        "lines",
        line_count(lines)
        .groupby([lines[k] for k in keys], sort=True, observed=True, dropna=False)
        .sum()
        .astype("int64"),
    )
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
    order = order.sort_values(
        parents + ["gross_margin"], ascending=[True] * len(parents) + [False], kind="mergesort", na_position="last"
    )
    return table.iloc[order.index.to_numpy()]


# --------------------------------------------------------------------------------------------
# KPIs per account manager (the registry rows)
# --------------------------------------------------------------------------------------------


def _totals_by_am(lines: pd.DataFrame) -> pd.DataFrame:
    """Σ revenue, Σ cost and gross margin per ``am_id`` (AMs with lines only)."""
    sums = lines.groupby("am_id", sort=False, observed=True)[["revenue", "cost"]].sum()
    sums["gross_margin"] = sums["revenue"] - sums["cost"]
    return sums


def margin_totals_by_am(ctx: KpiContext, window: Window) -> pd.DataFrame:
    """Σ revenue, Σ cost and gross margin per ``am_id`` (AMs with lines only) of the lines
    invoiced in ``window``, computed once per window and context (only the columns it needs are
    taken from the sales, which matters on ten million lines)."""

    def compute():
        if window == ctx.window:
            return _totals_by_am(ctx.lines)
        return _totals_by_am(ctx.lines_between(window.start, window.end)[["am_id", "revenue", "cost"]])

    return ctx.memo(("margin_totals", window), compute)


def _money(ctx: KpiContext, column: str) -> pd.Series:
    """A window total per AM in role; 0 for an AM in role who sold nothing."""
    return ctx.per_am(margin_totals_by_am(ctx, ctx.window)[column], fill=0.0)


def _gm_pct(ctx: KpiContext) -> pd.Series:
    totals = margin_totals_by_am(ctx, ctx.window)
    return gm_pct(totals["gross_margin"], totals["revenue"])


def account_margins(lines: pd.DataFrame) -> pd.DataFrame:
    """Σ revenue and gross margin per ``am_id`` and ``account_id`` (lines without an account
    together): the accounts a GM % rests on, ``Σ gross_margin / Σ revenue`` over them."""
    sums = lines.groupby(["am_id", "account_id"], sort=False, observed=True, dropna=False)[["revenue", "cost"]].sum()
    sums["gross_margin"] = sums["revenue"] - sums["cost"]
    return sums.reset_index()


def _accounts_invoiced(ctx: KpiContext) -> pd.DataFrame:
    accounts = account_margins(ctx.lines)
    return observations(accounts["am_id"], accounts["gross_margin"], accounts["revenue"])


def _attainment_of(measure: str):
    def compute(ctx: KpiContext) -> pd.Series:
        target = ctx.target(measure)
        if target.isna().all():
            return pd.Series(dtype="float64")
        return attainment(_money(ctx, measure), target)

    return compute


RETURNS_NOTE = "Returns (negative lines) reduce the figures of the quarter they are invoiced in."
NO_LINES_NOTE = "An AM in role with no lines in the window has 0."
RATIO_NOTE = "NaN (no data) where the window's revenue is ≤ 0 (no lines, or net credits)."
NO_TARGET_NOTE = (
    'NaN ("no target") where the targets table has no target, or a target of 0, for '
    "the window; never 0 % or 100 %. Targets are taken as given: a new starter's "
    "target is expected to be pro-rated in the targets table, amreview does not pro-rate it."
)
WINDOW_TARGET_NOTE = (
    "Year to date: the actual of the fiscal year's quarters so far over the sum of "
    "those quarters' targets that exist (KpiContext.targets)."
)
SALES = ("sales.am_id", "sales.invoice_date", "sales.revenue", "sales.cost")

KPIS: list[Kpi] = [
    Kpi(
        name="revenue",
        label="Revenue",
        meaning="Invoiced sales credited to the account manager in the period. Returns and credit notes reduce "
        "the period they are invoiced in.",
        if_empty="No data when the pack holds no invoice lines; someone in role with no sales in the period has 0.",
        measure="margin_kpi_targets",
        unit="money",
        higher_is_better=None,
        formula="Σ sales.revenue over the lines credited to the AM (sales.am_id) invoiced in the window.",
        sources=SALES[:3],
        compute=lambda ctx: _money(ctx, "revenue"),
        edge_cases=f"{RETURNS_NOTE} {NO_LINES_NOTE} Shown, not scored: revenue_attainment is scored.",
        windows=("quarter", "ytd", "t4q"),
    ),
    Kpi(
        name="cost",
        label="Cost of sales",
        meaning="The cost of the goods and services on the account manager's invoices in the period, after returns.",
        if_empty="No data when the pack holds no invoice lines; someone in role with no sales in the period has 0.",
        measure="margin_kpi_targets",
        unit="money",
        higher_is_better=None,
        formula="Σ sales.cost over the AM's lines invoiced in the window.",
        sources=("sales.am_id", "sales.invoice_date", "sales.cost"),
        compute=lambda ctx: _money(ctx, "cost"),
        edge_cases=f"{RETURNS_NOTE} {NO_LINES_NOTE} Shown, not scored.",
        windows=("quarter", "ytd", "t4q"),
    ),
    Kpi(
        name="gross_margin",
        label="Gross margin",
        meaning="Revenue minus cost of sales on the account manager's invoices in the period. It can be negative "
        "when returns or loss-making deals outweigh the rest.",
        if_empty="No data when the pack holds no invoice lines; someone in role with no sales in the period has 0.",
        measure="margin_kpi_targets",
        unit="money",
        higher_is_better=None,
        formula="gross_margin = Σ revenue − Σ cost over the AM's lines invoiced in the window.",
        sources=SALES,
        compute=lambda ctx: _money(ctx, "gross_margin"),
        edge_cases=f"{RETURNS_NOTE} {NO_LINES_NOTE} Can be negative. Shown, not scored: "
        "gross_margin_attainment is scored.",
        windows=("quarter", "ytd", "t4q"),
    ),
    Kpi(
        name="gm_pct",
        label="GM %",
        meaning="Gross margin as a percentage of revenue in the period: how much of each sale is kept as margin.",
        if_empty="Not meaningful when there is no revenue in the period, or credits outweigh sales. No data when "
        "the pack holds no invoice lines.",
        measure="margin_kpi_targets",
        unit="fraction",
        higher_is_better=True,
        formula="gm_pct = gross_margin / Σ revenue over the AM's lines invoiced in the window.",
        sources=SALES,
        compute=_gm_pct,
        edge_cases=f"{RETURNS_NOTE} {RATIO_NOTE}",
        windows=("quarter", "ytd", "t4q"),
        evidence=Evidence("ratio", _accounts_invoiced, "accounts invoiced"),
    ),
    Kpi(
        name="revenue_attainment",
        label="Revenue attainment",
        meaning="Revenue in the period as a percentage of the revenue target for the same period (100 % means the "
        "target was met). For the year to date: the revenue so far against the targets of the quarters so far, "
        "added up. Targets are used as set: a new starter's target for a part quarter is expected to be reduced "
        "already.",
        if_empty="No target when no revenue target was set for the period, or it was zero (never shown as 0 % or "
        "100 %). No data when the pack holds no invoice lines.",
        measure="margin_kpi_targets",
        unit="fraction",
        shown_as="attainment",
        higher_is_better=True,
        formula="revenue / target, targets.measure = 'revenue' (quarter row, else the sum of its month rows).",
        sources=SALES[:3] + ("targets.am_id", "targets.period", "targets.measure", "targets.target"),
        compute=_attainment_of("revenue"),
        edge_cases=f"{NO_TARGET_NOTE} {WINDOW_TARGET_NOTE}",
        windows=("quarter", "ytd"),
        target_measure="revenue",
    ),
    Kpi(
        name="gross_margin_attainment",
        label="Gross margin attainment",
        meaning="Gross margin in the period as a percentage of the margin target for the same period (100 % means "
        "the target was met). For the year to date: the margin so far against the targets of the quarters so far, "
        "added up. A negative margin gives a negative attainment.",
        if_empty="No target when no margin target was set for the period, or it was zero (never shown as 0 % or "
        "100 %). No data when the pack holds no invoice lines.",
        measure="margin_kpi_targets",
        unit="fraction",
        shown_as="attainment",
        higher_is_better=True,
        formula="gross_margin / target, targets.measure = 'gross_margin' (quarter row, else the sum of "
        "its month rows).",
        sources=SALES + ("targets.am_id", "targets.period", "targets.measure", "targets.target"),
        compute=_attainment_of("gross_margin"),
        edge_cases=f"{NO_TARGET_NOTE} {WINDOW_TARGET_NOTE} A negative margin gives a negative attainment.",
        windows=("quarter", "ytd"),
        target_measure="gross_margin",
    ),
]
