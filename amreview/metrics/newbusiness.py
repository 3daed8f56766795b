"""Productive new business: new accounts and their margin, win rates, pipeline coverage, sales
cycle and deal size (issue 3, measure ``new_business``).

* *New accounts* keep the contract's definition (:mod:`amreview.metrics.accounts`): an account is
  new in a window when its first line in the whole pack falls in it, credited to the AM on that
  line. Their margin is credited line by line, by the ``am_id`` on each line.
* An opportunity is *closed* in a window when its ``stage`` is ``won`` or ``lost`` and its
  ``close_date`` falls in the window; *open* on a day when its stage is ``prospecting`` or
  ``engaging`` and it had been created by that day.
* The ``opportunities`` table is a **snapshot**: ``stage``, ``value`` and ``close_date`` are as
  recorded when the pack was exported, not as they stood on the review date. Reviewing a past
  quarter therefore sees today's stages (a deal won since then is not in that quarter's open
  pipeline); reviewing the quarter just ended from a fresh export is exact.
* Money sums skip missing ``value`` cells (a missing value adds nothing); every rate whose
  denominator is zero is NaN ("not meaningful"), never 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from amreview.metrics._frames import between as _between
from amreview.metrics._frames import from_table as _from_table
from amreview.metrics._frames import group_keys as _keys
from amreview.metrics._frames import is_scalar as _is_scalar
from amreview.metrics._frames import no_data as _no_data
from amreview.metrics._frames import observations as _observations
from amreview.metrics._frames import observations_from_table as _observed
from amreview.metrics._frames import ratio as _ratio
from amreview.metrics.accounts import first_lines
from amreview.metrics.margin import attainment, margin_summary
from amreview.metrics.registry import WINDOWS, Evidence, Kpi, KpiContext
from amreview.vocabulary import OPEN_STAGES, OPPORTUNITY_STAGES

WON, LOST = "won", "lost"
MEASURE = "new_business"


# --------------------------------------------------------------------------------------------
# New accounts and their margin
# --------------------------------------------------------------------------------------------


def new_account_first_lines(sales: pd.DataFrame, start, end) -> pd.DataFrame:
    """The first line (:func:`~amreview.metrics.accounts.first_lines`) of every account new in
    [start, end]: accounts with a line in the window and none dated before ``start``.

    ``sales`` must be the whole pack's lines. Same result as ``first_lines(sales)`` filtered to
    the window (a new account's first line is in the window), but only the window's lines of the
    new accounts are sorted, which keeps it fast on 10 million lines.
    """
    dates = sales["invoice_date"]
    seen_before = pd.unique(sales.loc[dates < pd.Timestamp(start), "account_id"])
    window = sales[_between(dates, start, end)]
    return first_lines(window[~window["account_id"].isin(seen_before)])


def new_accounts_between(sales: pd.DataFrame, start, end) -> pd.Series:
    """Number of accounts new in [start, end] per ``am_id`` credited with their first line.

    ``new accounts = #{account : first line's invoice_date ∈ [start, end]}``, by the first line's
    ``am_id``. For a quarter this equals :func:`amreview.metrics.accounts.new_accounts`. Only AMs
    with at least one new account appear.
    """
    first = new_account_first_lines(sales, start, end)
    return first.groupby("am_id").size().astype("int64").rename("new_accounts")


def new_account_lines(sales: pd.DataFrame, start, end) -> pd.DataFrame:
    """The lines invoiced in [start, end] of the accounts new in [start, end] (by any AM)."""
    first = new_account_first_lines(sales, start, end)
    window = sales[_between(sales["invoice_date"], start, end)]
    return window[window["account_id"].isin(first.index)]


def new_account_margin(sales: pd.DataFrame, start, end, by="am_id") -> pd.Series:
    """Gross margin in [start, end] from the accounts new in [start, end], per ``by``.

    ``new_account_margin = Σ revenue − Σ cost`` over :func:`new_account_lines`, credited by the
    ``am_id`` on each line (a teammate's line on someone else's new account counts for the
    teammate). Returns and credit notes reduce it. Only groups with such lines appear.
    """
    return margin_summary(new_account_lines(sales, start, end), by)["gross_margin"].rename("new_account_margin")


def new_accounts_table(sales: pd.DataFrame, start, end) -> pd.DataFrame:
    """The new accounts of [start, end] with their margin in the window, one row per
    (``am_id``, ``account_id``) with lines on them: ``first_invoice_date``, ``credited_new`` (this
    AM holds the account's first line, so it counts in their ``new_accounts``), ``revenue``,
    ``cost``, ``gross_margin``, ``gm_pct``. Sorted by ``am_id`` and ``account_id``."""
    window = sales[_between(sales["invoice_date"], start, end)]
    return new_accounts_of(new_account_first_lines(sales, start, end), window)


def new_accounts_of(first: pd.DataFrame, window_lines: pd.DataFrame) -> pd.DataFrame:
    """:func:`new_accounts_table` from the first lines of the window's new accounts (``first``:
    :func:`~amreview.data.sales_summary.first_lines` rows, index ``account_id``) and the window's
    lines, or its sales summary rows (:mod:`amreview.data.sales_summary`): the same table."""
    table = margin_summary(window_lines[window_lines["account_id"].isin(first.index)], ["am_id", "account_id"])
    table = table.reset_index()
    table.insert(2, "first_invoice_date", table["account_id"].map(first["invoice_date"]))
    table.insert(3, "credited_new", table["am_id"].to_numpy() == table["account_id"].map(first["am_id"]).to_numpy())
    return table


# --------------------------------------------------------------------------------------------
# Opportunities: closed, open, win rates, pipeline
# --------------------------------------------------------------------------------------------


def closed_opportunities(opportunities: pd.DataFrame, start, end) -> pd.DataFrame:
    """Opportunities won or lost (stage as recorded) with ``close_date`` in [start, end].

    Opportunities without a ``close_date`` are never closed in any window.
    """
    closed = opportunities["stage"].isin([WON, LOST]) & _between(opportunities["close_date"], start, end)
    return opportunities[closed]


def open_opportunities(opportunities: pd.DataFrame, as_of) -> pd.DataFrame:
    """Opportunities open on ``as_of``: stage ``prospecting`` or ``engaging`` (as recorded) and
    ``created_date ≤ as_of`` (a missing ``created_date`` counts as created by then)."""
    created = opportunities["created_date"]
    is_open = opportunities["stage"].isin(OPEN_STAGES) & (created.isna() | (created <= pd.Timestamp(as_of)))
    return opportunities[is_open]


def win_rate(won, lost):
    """Win rate = won / (won + lost), a fraction; NaN where won + lost = 0.

    ``won`` and ``lost`` are counts or values, scalars or aligned Series.
    """
    if _is_scalar(won) and _is_scalar(lost):
        return won / (won + lost) if won + lost != 0 else np.nan
    return _ratio(won, pd.Series(won, dtype="float64") + pd.Series(lost, dtype="float64"))


def win_rates(closed: pd.DataFrame, by="am_id") -> pd.DataFrame:
    """Won and lost deals and the win rates of ``closed`` (see :func:`closed_opportunities`),
    grouped by ``by`` (e.g. ``"am_id"``, ``"new_business"``, or both).

    Columns ``won``, ``lost`` (counts), ``won_value``, ``lost_value`` (Σ value, missing values
    adding nothing), ``win_rate_count = won / (won + lost)`` and
    ``win_rate_value = won_value / (won_value + lost_value)``; NaN where the denominator is 0
    (e.g. only zero-value deals). One row per group with a closed deal, sorted by the keys.
    """
    is_won = closed["stage"] == WON
    is_lost = closed["stage"] == LOST
    value = closed["value"].astype("float64")
    frame = pd.DataFrame(
        {
            "won": is_won.astype("int64"),
            "lost": is_lost.astype("int64"),
            "won_value": value.where(is_won, 0.0),
            "lost_value": value.where(is_lost, 0.0),
        },
        index=closed.index,
    )
    keys = _keys(by)
    table = frame.groupby([closed[k] for k in keys], sort=True).sum(min_count=0)
    table["win_rate_count"] = win_rate(table["won"], table["lost"]).to_numpy()
    table["win_rate_value"] = win_rate(table["won_value"], table["lost_value"]).to_numpy()
    return table


def pipeline_funnel(opportunities: pd.DataFrame, start, end, as_of=None, by=None) -> pd.DataFrame:
    """The pipeline funnel: open deals on ``as_of`` (default ``end``) by stage, and the deals won
    and lost in [start, end].

    Rows: the four stages in the contract's order (``prospecting``, ``engaging``, ``won``,
    ``lost``), every stage present (zeros where empty), under each group of ``by`` when given.
    Columns ``opportunities`` (count), ``value`` and ``expected_margin`` (Σ, missing cells
    adding nothing).
    """
    as_of = pd.Timestamp(end if as_of is None else as_of)
    rows = pd.concat([open_opportunities(opportunities, as_of), closed_opportunities(opportunities, start, end)])
    stage = pd.Categorical(rows["stage"], categories=list(OPPORTUNITY_STAGES))
    frame = pd.DataFrame(
        {
            "opportunities": np.ones(len(rows), dtype="int64"),
            "value": rows["value"].astype("float64").to_numpy(),
            "expected_margin": rows["expected_margin"].astype("float64").to_numpy(),
        }
    )
    groupers = [rows[k].to_numpy() for k in ([] if by is None else _keys(by))] + [stage]
    names = ([] if by is None else _keys(by)) + ["stage"]
    table = frame.groupby(groupers, observed=False, sort=True).sum(min_count=0)
    table.index.names = names
    if by is None:
        table.index = pd.CategoricalIndex(table.index, categories=list(OPPORTUNITY_STAGES), name="stage")
    return table


def pipeline_value(open_opps: pd.DataFrame, start, end, by="am_id") -> pd.Series:
    """Σ ``value`` of the open opportunities ``open_opps`` whose ``close_date`` falls in
    [start, end], per ``by``; groups without such deals do not appear (a caller reindexing to
    everyone should fill 0: no pipeline is a real zero)."""
    closing = open_opps[_between(open_opps["close_date"], start, end)]
    return closing.groupby(_keys(by))["value"].sum().astype("float64").rename("pipeline_value")


def pipeline_coverage(pipeline, target):
    """Pipeline coverage = open pipeline value closing in the next quarter / next quarter's
    revenue target, a multiple (2.0 = twice the target); NaN where there is no target > 0."""
    return attainment(pipeline, target)


def sales_cycle_days(won: pd.DataFrame, by="am_id") -> pd.Series:
    """Mean sales cycle of the won deals ``won``: mean(close_date − created_date) in calendar days,
    per ``by``. Deals without either date are left out; a close dated before creation (a deal
    entered after it was closed) counts as 0 days. A group whose deals all lack a date: NaN."""
    days = (won["close_date"] - won["created_date"]).dt.days.clip(lower=0)
    return days.groupby([won[k] for k in _keys(by)]).mean().astype("float64").rename("sales_cycle_days")


def average_deal_size(won: pd.DataFrame, by="am_id") -> pd.Series:
    """Average deal size = mean ``value`` of the won deals ``won``, per ``by``; deals without a
    value are left out (groups without any: NaN)."""
    return won.groupby(_keys(by))["value"].mean().astype("float64").rename("average_deal_size")


# --------------------------------------------------------------------------------------------
# KPIs
# --------------------------------------------------------------------------------------------


def _new_firsts(ctx: KpiContext) -> pd.DataFrame:
    """First lines of the accounts new in the window (the pack's first lines, computed once)."""

    def compute():
        first = ctx.first_lines
        return first[_between(first["invoice_date"], ctx.start, ctx.end)]

    return ctx.memo(("new_account_first_lines", ctx.window), compute)


def _new_accounts(ctx: KpiContext) -> pd.Series:
    return ctx.per_am(_new_firsts(ctx).groupby("am_id").size(), fill=0)


def _new_accounts_attainment(ctx: KpiContext) -> pd.Series:
    return attainment(_new_accounts(ctx), ctx.target("new_accounts"))


def _new_account_margin(ctx: KpiContext) -> pd.Series:
    """Gross margin of the window's lines on accounts new in the window (once per window: the
    margin KPI and its attainment both read it)."""

    def compute():
        lines = ctx.lines.loc[ctx.lines["account_id"].isin(_new_firsts(ctx).index), ["am_id", "revenue", "cost"]]
        return ctx.per_am(margin_summary(lines, "am_id")["gross_margin"], fill=0.0)

    return ctx.memo(("new_account_margin", ctx.window), compute)


def _new_business_margin_attainment(ctx: KpiContext) -> pd.Series:
    return attainment(_new_account_margin(ctx), ctx.target("new_business_margin"))


def _closed(ctx: KpiContext, opportunities: pd.DataFrame, new_business_only: bool = False) -> pd.DataFrame:
    closed = ctx.memo(
        ("closed_opportunities", ctx.window), lambda: closed_opportunities(opportunities, ctx.start, ctx.end)
    )
    return closed[closed["new_business"].fillna(False).astype(bool)] if new_business_only else closed


def _win_rate(ctx: KpiContext, opportunities: pd.DataFrame, column: str, new_business_only: bool = False) -> pd.Series:
    rates = ctx.memo(
        ("win_rates", new_business_only, ctx.window),
        lambda: win_rates(_closed(ctx, opportunities, new_business_only), "am_id"),
    )
    return rates[column]


def _pipeline_coverage(ctx: KpiContext, opportunities: pd.DataFrame) -> pd.Series:
    following = ctx.quarter.next()
    pipeline = pipeline_value(open_opportunities(opportunities, ctx.as_of), following.start, following.end)
    targets = ctx.targets_of(following)
    target = targets["revenue"] if "revenue" in targets.columns else _no_data()
    return pipeline_coverage(ctx.per_am(pipeline, fill=0.0), ctx.per_am(target))


def _won(ctx: KpiContext, opportunities: pd.DataFrame) -> pd.DataFrame:
    closed = _closed(ctx, opportunities)
    return closed[closed["stage"] == WON]


def _sales_cycle_days(ctx: KpiContext, opportunities: pd.DataFrame) -> pd.Series:
    return sales_cycle_days(_won(ctx, opportunities))


def _average_deal_size(ctx: KpiContext, opportunities: pd.DataFrame) -> pd.Series:
    return average_deal_size(_won(ctx, opportunities))


def _closed_deals(ctx: KpiContext, opportunities: pd.DataFrame, by_value: bool, new_business_only: bool = False):
    """The closed deals a win rate rests on: won 1 / lost 0 each (by count); by value, those
    with a value, ``value`` won out of ``weight`` closed (Σ value / Σ weight is the win rate)."""
    closed = _closed(ctx, opportunities, new_business_only)
    won = (closed["stage"] == WON).to_numpy(dtype="float64")
    if not by_value:
        return _observations(closed["am_id"], won)
    valued = closed["value"].notna().to_numpy()
    value = closed["value"].to_numpy(dtype="float64")[valued]
    return _observations(closed["am_id"].to_numpy()[valued], value * won[valued], value)


def _won_deals(ctx: KpiContext, opportunities: pd.DataFrame, column: str) -> pd.DataFrame:
    """The won deals a mean rests on: their cycle in days (:func:`sales_cycle_days`'s) or value."""
    won = _won(ctx, opportunities)
    if column == "days":
        value = (won["close_date"] - won["created_date"]).dt.days.clip(lower=0).astype("float64")
    else:
        value = won["value"].astype("float64")
    known = value.notna().to_numpy()
    return _observations(won["am_id"].to_numpy()[known], value.to_numpy()[known])


def _win_evidence(by_value: bool, new_business_only: bool = False) -> Evidence:
    deals = "closed new-business deals" if new_business_only else "closed deals"
    observed = _observed("opportunities", _closed_deals, by_value, new_business_only)
    if by_value:
        return Evidence("weighted_share", observed, f"{deals} with a value", "won")
    return Evidence("share", observed, deals, "won")


ALL_WINDOWS = tuple(WINDOWS)  # quarter, year to date, trailing four quarters
_SNAPSHOT = "Stage is the stage recorded when the pack was exported (a snapshot), not on the review date."
_NO_TABLE = "No opportunities table: no data for everyone."
_WIN_RATE_EDGES = f"{_NO_TABLE} No deal won or lost in the window: NaN (not 0). {_SNAPSHOT}"

KPIS: list[Kpi] = [
    Kpi(
        name="new_accounts",
        label="New accounts",
        meaning="The number of accounts that bought for the first time ever in the period, credited to the "
        "account manager who made that first sale. Shown, not scored: the attainment against the target is "
        "scored.",
        if_empty="No data when the pack holds no invoice lines; none is 0.",
        measure=MEASURE,
        unit="count",
        higher_is_better=None,
        formula="Number of accounts whose first line in the whole pack (earliest invoice_date, ties by "
        "line_id) falls in the window, credited to the am_id on that first line.",
        sources=("sales.account_id", "sales.invoice_date", "sales.line_id", "sales.am_id"),
        compute=_new_accounts,
        windows=ALL_WINDOWS,
        target_measure="new_accounts",
        edge_cases="No new account: 0 (a real zero). A first line that is a return still makes the account "
        "new. Shown, not scored: new_accounts_attainment is scored.",
    ),
    Kpi(
        name="new_accounts_attainment",
        label="New accounts vs target",
        meaning="New accounts in the period as a percentage of the new-accounts target for the period.",
        if_empty="No target when no new-accounts target was set for the period, or it was zero (never shown as 0 "
        "% or 100 %).",
        measure=MEASURE,
        unit="fraction",
        shown_as="attainment",
        higher_is_better=True,
        formula="new_accounts / target(new_accounts); the window's target is the sum of its quarters' targets.",
        sources=("sales.account_id", "sales.invoice_date", "sales.am_id", "targets.target"),
        compute=_new_accounts_attainment,
        windows=ALL_WINDOWS,
        target_measure="new_accounts",
        edge_cases="No target, or a target of 0: NaN (no target), never 0 % or 100 %.",
    ),
    Kpi(
        name="new_account_margin",
        label="Margin from new accounts",
        meaning="Gross margin in the period from accounts that are new in the period, credited to whoever made "
        "each sale. Returns reduce it, so it can be negative. Shown, not scored.",
        if_empty="No data when the pack holds no invoice lines; no sale to a new account is 0.",
        measure=MEASURE,
        unit="money",
        higher_is_better=None,
        formula="Σ revenue − Σ cost of the lines invoiced in the window on accounts new in the window, "
        "credited by the am_id on each line.",
        sources=("sales.account_id", "sales.invoice_date", "sales.am_id", "sales.revenue", "sales.cost"),
        compute=_new_account_margin,
        windows=ALL_WINDOWS,
        target_measure="new_business_margin",
        edge_cases="No lines on new accounts: 0. Returns reduce it (it can be negative). A teammate's line on "
        "another AM's new account counts for the teammate. Shown, not scored.",
    ),
    Kpi(
        name="new_business_margin_attainment",
        label="Margin from new accounts vs target",
        meaning="Margin from new accounts in the period as a percentage of the new-business margin target for the "
        "period.",
        if_empty="No target when no new-business margin target above zero was set for the period.",
        measure=MEASURE,
        unit="fraction",
        shown_as="attainment",
        higher_is_better=True,
        formula="new_account_margin / target(new_business_margin).",
        sources=(
            "sales.account_id",
            "sales.invoice_date",
            "sales.am_id",
            "sales.revenue",
            "sales.cost",
            "targets.target",
        ),
        compute=_new_business_margin_attainment,
        windows=ALL_WINDOWS,
        target_measure="new_business_margin",
        edge_cases="No new_business_margin target > 0: NaN (no target).",
    ),
    Kpi(
        name="win_rate_count",
        label="Win rate (count)",
        meaning="Of the opportunities closed as won or lost in the period, the share won, each deal counting "
        "once. The stage is the one the CRM export recorded.",
        if_empty="No data when no deal was won or lost in the period, or the pack holds no opportunities.",
        measure=MEASURE,
        unit="fraction",
        higher_is_better=True,
        formula="won / (won + lost) among opportunities with stage won or lost and close_date in the window.",
        sources=("opportunities.stage", "opportunities.close_date", "opportunities.am_id"),
        compute=_from_table("opportunities", _win_rate, "win_rate_count"),
        windows=ALL_WINDOWS,
        edge_cases=_WIN_RATE_EDGES,
        evidence=_win_evidence(False),
    ),
    Kpi(
        name="win_rate_value",
        label="Win rate (value)",
        meaning="Of the value of the opportunities closed as won or lost in the period, the share won. Deals "
        "without a value add nothing.",
        if_empty="No data when no deal was won or lost in the period, or the pack holds no opportunities. Not "
        "meaningful when the closed deals have no value.",
        measure=MEASURE,
        unit="fraction",
        higher_is_better=True,
        formula="Σ value won / (Σ value won + Σ value lost) among opportunities closed (close_date) in the window.",
        sources=("opportunities.stage", "opportunities.close_date", "opportunities.value", "opportunities.am_id"),
        compute=_from_table("opportunities", _win_rate, "win_rate_value"),
        windows=ALL_WINDOWS,
        edge_cases=_WIN_RATE_EDGES + " Missing values add nothing; closed value of 0: NaN.",
        evidence=_win_evidence(True),
    ),
    Kpi(
        name="new_business_win_rate_count",
        label="New-business win rate (count)",
        meaning="Of the new-business opportunities closed as won or lost in the period, the share won, each deal "
        "counting once (deals not marked as new business count as existing business).",
        if_empty="No data when no new-business deal was won or lost in the period, or the pack holds no opportunities.",
        measure=MEASURE,
        unit="fraction",
        higher_is_better=True,
        formula="won / (won + lost) among new_business opportunities closed (close_date) in the window.",
        sources=(
            "opportunities.stage",
            "opportunities.close_date",
            "opportunities.new_business",
            "opportunities.am_id",
        ),
        compute=_from_table("opportunities", _win_rate, "win_rate_count", True),
        windows=ALL_WINDOWS,
        edge_cases=_WIN_RATE_EDGES + " A missing new_business flag means existing business (contract default).",
        evidence=_win_evidence(False, True),
    ),
    Kpi(
        name="new_business_win_rate_value",
        label="New-business win rate (value)",
        meaning="Of the value of the new-business opportunities closed as won or lost in the period, the share won.",
        if_empty="No data when no new-business deal was won or lost in the period, or the pack holds no "
        "opportunities. Not meaningful when the closed deals have no value.",
        measure=MEASURE,
        unit="fraction",
        higher_is_better=True,
        formula="Σ value won / (Σ value won + Σ value lost) among new_business opportunities closed "
        "(close_date) in the window.",
        sources=(
            "opportunities.stage",
            "opportunities.close_date",
            "opportunities.value",
            "opportunities.new_business",
            "opportunities.am_id",
        ),
        compute=_from_table("opportunities", _win_rate, "win_rate_value", True),
        windows=ALL_WINDOWS,
        edge_cases=_WIN_RATE_EDGES + " Missing values add nothing; closed value of 0: NaN.",
        evidence=_win_evidence(True, True),
    ),
    Kpi(
        name="pipeline_coverage",
        label="Pipeline coverage of next quarter",
        meaning="The value of the open opportunities (prospecting or engaging) expected to close next quarter, "
        "divided by next quarter's revenue target: 2.0 means twice the target. Deals without a close date or a "
        "value are not counted.",
        if_empty="No target when next quarter's revenue target is not set, or is zero. No data when the pack "
        "holds no opportunities. No open deal closing next quarter is 0.",
        measure=MEASURE,
        unit="number",
        shown_as="multiple",
        higher_is_better=True,
        formula="Σ value of opportunities open as of the review date (stage prospecting or engaging, "
        "created_date ≤ as_of) with close_date in the next quarter / next quarter's revenue target "
        "(a multiple: 2.0 = twice the target).",
        sources=(
            "opportunities.stage",
            "opportunities.created_date",
            "opportunities.close_date",
            "opportunities.value",
            "opportunities.am_id",
            "targets.target",
        ),
        compute=_from_table("opportunities", _pipeline_coverage),
        target_measure="revenue",
        target_quarters_ahead=1,
        edge_cases=f"{_NO_TABLE} No next-quarter revenue target > 0: NaN (no target). No open pipeline "
        f"closing next quarter: 0. Missing values add nothing; open deals without a close_date "
        f"are not counted. {_SNAPSHOT}",
    ),
    Kpi(
        name="sales_cycle_days",
        label="Average sales cycle",
        meaning="The average number of calendar days from an opportunity's creation to its close, over the deals "
        "won in the period. Shown, not scored: bespoke solutions take longer, so a longer cycle is not worse in "
        "itself.",
        if_empty="No data when no deal was won in the period, or the pack holds no opportunities.",
        measure=MEASURE,
        unit="days",
        higher_is_better=None,
        formula="mean(close_date − created_date) in calendar days of the opportunities won in the window.",
        sources=(
            "opportunities.stage",
            "opportunities.created_date",
            "opportunities.close_date",
            "opportunities.am_id",
        ),
        compute=_from_table("opportunities", _sales_cycle_days),
        windows=ALL_WINDOWS,
        edge_cases=f"{_NO_TABLE} No deal won in the window (or none with both dates): NaN. A close dated before "
        "creation counts as 0 days. Shown, not scored: a longer cycle is not worse in itself "
        "(bespoke solutions take longer).",
        evidence=Evidence("mean", _observed("opportunities", _won_deals, "days"), "won deals", bounds=(0.0, np.inf)),
    ),
    Kpi(
        name="average_deal_size",
        label="Average deal size",
        meaning="The average value of the deals won in the period. Shown, not scored: larger is not better in "
        "itself (large-volume deals earn thin margins).",
        if_empty="No data when no deal with a value was won in the period, or the pack holds no opportunities.",
        measure=MEASURE,
        unit="money",
        higher_is_better=None,
        formula="mean(value) of the opportunities won in the window.",
        sources=("opportunities.stage", "opportunities.close_date", "opportunities.value", "opportunities.am_id"),
        compute=_from_table("opportunities", _average_deal_size),
        windows=ALL_WINDOWS,
        edge_cases=f"{_NO_TABLE} No deal won in the window (or none with a value): NaN. Shown, not scored: "
        "larger is not better in itself (large-volume deals earn thin margins).",
        evidence=Evidence("mean", _observed("opportunities", _won_deals, "value"), "won deals with a value"),
    ),
]
