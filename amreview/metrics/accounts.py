"""Active and new accounts, account growth, concentration and key accounts (contract definitions).

* An account is *active* for an AM in a period when the AM has at least one line with
  revenue > 0 to it in that period (a return alone does not make an account active).
* An account is *new* in a period when its first line in the whole pack — earliest
  ``invoice_date``, ties broken by ``line_id`` — falls in that period; it is credited to the AM
  on that first line, whatever the line's sign and whoever owns the account today.

Decisions for the account-management views below (the role's "customer account management in
its entirety"):

* Figures are credited by the ``am_id`` on each line, never by the owner in ``accounts``: an
  account covered by a teammate for a while shows in each AM's figures for their own lines.
* *Growth* compares an AM's margin with an account in two periods (the previous quarter: QoQ;
  the same quarter a year earlier: YoY). The *base* is the accounts the AM had any line with in
  the earlier period. Of these, an account is *growing* when its margin now is higher, and
  *declining* when lower — an account with no lines now has margin 0, so one that stopped
  buying (or moved to a teammate) is declining. Accounts without lines in the earlier period
  are *new* to the comparison, neither growing nor declining (new accounts are counted by
  :func:`new_accounts`). With an empty base the counts are NaN, not 0.
* An account with no lines in either period does not appear in growth tables; a key account
  the AM owns (``accounts.am_id``) shows in :func:`key_accounts` with zeros, so a silent key
  account is visible.
* Concentration and key-account shares are shares of the AM's gross margin: NaN where that
  margin is ≤ 0 (see :func:`amreview.metrics.margin.share`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from amreview.data.sales_summary import first_lines, line_count, sale_lines
from amreview.errors import ArgumentError
from amreview.metrics._frames import from_table as _from_table
from amreview.metrics._frames import group_keys as _keys
from amreview.metrics.margin import margin_summary, share
from amreview.metrics.margin_mix import segment_share
from amreview.metrics.margin_trend import margin_change
from amreview.metrics.registry import Kpi, KpiContext, Window
from amreview.periods import Quarter, require_quarter

TRENDS = ("growing", "declining", "flat", "new")
TREND_COUNT_COLUMNS = ["accounts_before", "growing", "declining", "flat", "new"]


def active_accounts(lines: pd.DataFrame) -> pd.Series:
    """Number of distinct accounts with a revenue > 0 line, per ``am_id`` of ``lines``.

    ``lines`` are the lines of one period. AMs with lines but no positive line count 0.
    """
    positive = lines.loc[sale_lines(lines) > 0, ["am_id", "account_id"]]
    counts = positive.groupby("am_id")["account_id"].nunique()
    return counts.reindex(sorted(lines["am_id"].unique()), fill_value=0).rename("active_accounts")


def new_accounts_list(sales: pd.DataFrame, quarter: Quarter) -> pd.DataFrame:
    """The accounts new in ``quarter``: their first line (see :func:`first_lines`) falls in it."""
    quarter = require_quarter(quarter)
    first = first_lines(sales)
    return first[quarter.contains(first["invoice_date"])]


def new_accounts(sales: pd.DataFrame, quarter: Quarter) -> pd.Series:
    """Number of accounts new in ``quarter``, per ``am_id`` credited with their first line.

    ``sales`` must be the whole pack's lines (newness depends on all history).
    """
    return new_accounts_list(sales, quarter).groupby("am_id").size().rename("new_accounts")


def account_growth(
    lines_now: pd.DataFrame, lines_before: pd.DataFrame, by: str | list[str] | None = "am_id"
) -> pd.DataFrame:
    """Growth of each account between an earlier period and now (QoQ or YoY, by what is passed).

    One row per (``by`` keys, ``account_id``) with lines in either period; the columns of
    :func:`amreview.metrics.margin_trend.margin_change` (revenue, gross margin and GM % now and before,
    relative changes — NaN where the earlier figure is 0), plus
    ``gross_margin_delta = gross_margin − gross_margin_before`` (money) and ``trend``:

    * ``new`` — no line in the earlier period (a new or returning account);
    * ``growing`` / ``declining`` / ``flat`` — margin now higher / lower / equal, for accounts
      with a line in the earlier period (no lines now means margin 0: a lost account declines).

    Sorted by the ``by`` keys, then ``gross_margin_delta``, largest first. ``by=None`` groups
    by account only (all AMs' lines together).
    """
    keys = _keys(by) + ["account_id"]
    table = margin_change(lines_now, lines_before, keys)
    traded_before = lines_before.groupby(keys, sort=True, observed=True).size().reindex(table.index, fill_value=0) > 0
    table["gross_margin_delta"] = table["gross_margin"] - table["gross_margin_before"]
    delta = table["gross_margin_delta"].to_numpy()
    trend = np.select([~traded_before.to_numpy(), delta > 0, delta < 0], ["new", "growing", "declining"], "flat")
    table["trend"] = pd.Categorical(trend, categories=TRENDS)
    order = table.reset_index().sort_values(
        keys[:-1] + ["gross_margin_delta"], ascending=[True] * (len(keys) - 1) + [False], kind="mergesort"
    )
    return table.iloc[order.index.to_numpy()]


def growing_accounts(
    lines_now: pd.DataFrame, lines_before: pd.DataFrame, by: str | list[str] | None = "am_id"
) -> pd.DataFrame:
    """The rows of :func:`account_growth` whose trend is ``growing`` (largest gain first)."""
    growth = account_growth(lines_now, lines_before, by)
    return growth[growth["trend"] == "growing"]


def declining_accounts(
    lines_now: pd.DataFrame, lines_before: pd.DataFrame, by: str | list[str] | None = "am_id"
) -> pd.DataFrame:
    """The rows of :func:`account_growth` whose trend is ``declining`` (largest loss first)."""
    growth = account_growth(lines_now, lines_before, by)
    declining = growth[growth["trend"] == "declining"]
    leading = _keys(by)
    order = declining.reset_index().sort_values(leading + ["gross_margin_delta"], kind="mergesort")
    return declining.iloc[order.index.to_numpy()]


def account_trend_counts(
    lines_now: pd.DataFrame, lines_before: pd.DataFrame, by: str | list[str] = "am_id"
) -> pd.DataFrame:
    """Per ``by`` group: ``accounts_before`` (the base: accounts with a line in the earlier
    period) and the number of ``growing``, ``declining``, ``flat`` and ``new`` accounts (see
    :func:`account_growth`). Where the base is empty, growing / declining / flat are NaN (nothing
    to compare), not 0. One row per group with lines in either period."""
    keys = _keys(by)
    if not keys:
        raise ArgumentError("account_trend_counts needs a grouping such as 'am_id'")
    growth = account_growth(lines_now, lines_before, keys)
    trend = growth["trend"]
    counts = pd.DataFrame({t: trend == t for t in TRENDS}).groupby(level=keys, sort=True).sum().astype("float64")
    counts.insert(0, "accounts_before", counts["growing"] + counts["declining"] + counts["flat"])
    empty = counts["accounts_before"] == 0
    counts.loc[empty, ["growing", "declining", "flat"]] = np.nan
    return counts[TREND_COUNT_COLUMNS]


def top_n_margin_share(lines: pd.DataFrame, n: int = 5, by: str | list[str] | None = "am_id"):
    """Concentration: the share of gross margin from the ``n`` accounts with the largest margin.

    ``Σ gross_margin of the top n accounts / Σ gross_margin of all accounts``, per ``by`` group
    (a Series), or one number when ``by`` is None. With ``n`` or fewer accounts the share is 1
    (or more). NaN where the total gross margin is ≤ 0. Can exceed 1 when other accounts lost
    money (their negative margin shrinks the total, not the top ``n``).
    """
    if n < 1:
        raise ArgumentError(f"n = {n}: expected a number of accounts ≥ 1")
    keys = _keys(by)
    per_account = margin_summary(lines, keys + ["account_id"])["gross_margin"]
    if not keys:
        top = per_account.nlargest(n).sum()
        return share(float(top), float(per_account.sum()))
    ranked = per_account.reset_index().sort_values(
        keys + ["gross_margin"], ascending=[True] * len(keys) + [False], kind="mergesort"
    )
    top = ranked[ranked.groupby(keys, sort=False).cumcount() < n].groupby(keys, sort=True)["gross_margin"].sum()
    total = per_account.groupby(level=keys, sort=True).sum()
    return share(top.reindex(total.index), total).rename(f"top{n}_margin_share")


def key_account_ids(accounts: pd.DataFrame) -> pd.Index:
    """The ``account_id`` of every account flagged ``key_account`` in the ``accounts`` table."""
    return pd.Index(accounts.loc[accounts["key_account"].fillna(False).astype(bool), "account_id"])


def key_account_share(lines: pd.DataFrame, accounts: pd.DataFrame, by: str | list[str] | None = "am_id"):
    """Share of revenue and of gross margin from key accounts (``accounts.key_account`` true):
    :func:`amreview.metrics.margin_mix.segment_share` of the lines to those accounts.

    An account missing from ``accounts`` is not a key account. ``margin_share`` is NaN where the
    total gross margin is ≤ 0, ``revenue_share`` where the total revenue is.
    """
    return segment_share(lines, lines["account_id"].isin(key_account_ids(accounts)), by)


def key_accounts(lines: pd.DataFrame, accounts: pd.DataFrame, am_id: str | None = None) -> pd.DataFrame:
    """One row per key account: its ``name``, ``owner`` (``accounts.am_id``), ``lines``,
    ``revenue``, ``cost``, ``gross_margin``, ``gm_pct`` and ``margin_share`` (its margin over the
    margin of all ``lines``; NaN where that total is ≤ 0), largest margin first.

    With ``am_id``, the key accounts that AM owns or sold to in ``lines`` (only their lines count);
    an owned key account without lines shows 0 money and NaN GM %.
    """
    key = accounts[accounts["key_account"].fillna(False).astype(bool)]
    if am_id is not None:
        lines = lines[lines["am_id"] == am_id]
        key = key[(key["am_id"] == am_id) | key["account_id"].isin(lines["account_id"])]
    table = key.set_index("account_id")[["name", "am_id"]].rename(columns={"am_id": "owner"})
    grouped = lines[lines["account_id"].isin(table.index)].groupby("account_id", observed=True)
    sums = grouped[["revenue", "cost"]].sum().reindex(table.index, fill_value=0.0)
    counts = line_count(lines).groupby(lines["account_id"], observed=True).sum()
    table["lines"] = counts.reindex(table.index, fill_value=0).astype("int64")
    table["revenue"] = sums["revenue"].astype("float64")
    table["cost"] = sums["cost"].astype("float64")
    table["gross_margin"] = table["revenue"] - table["cost"]
    table["gm_pct"] = table["gross_margin"] / table["revenue"].where(table["revenue"] > 0)
    total_margin = float((lines["revenue"] - lines["cost"]).sum())
    table["margin_share"] = share(table["gross_margin"], total_margin)
    return table.sort_values("gross_margin", ascending=False, kind="mergesort")


# --------------------------------------------------------------------------------------------
# KPIs per account manager (the registry rows)
# --------------------------------------------------------------------------------------------


def _year_ago_lines(ctx: KpiContext) -> pd.DataFrame:
    """The lines of the window a year before ``ctx``'s (only the columns growth needs)."""
    earlier = Window(ctx.window.kind, tuple(q.shift(-4) for q in ctx.window.quarters))
    return ctx.lines_between(earlier.start, earlier.end)[["am_id", "account_id", "revenue", "cost"]]


def _trend_count(trend: str):
    def compute(ctx: KpiContext) -> pd.Series:
        counts = ctx.memo(
            ("account_trend_counts", ctx.window),
            lambda: account_trend_counts(
                ctx.lines[["am_id", "account_id", "revenue", "cost"]], _year_ago_lines(ctx), "am_id"
            ),
        )
        return counts[trend]

    return compute


def _key_account_margin_share(ctx: KpiContext, accounts: pd.DataFrame) -> pd.Series:
    return key_account_share(ctx.lines, accounts, "am_id")["margin_share"]


GROWTH_NOTE = (
    "Base = the accounts the AM had any line with in the same window a year earlier; an account "
    "with no lines now has margin 0 (lost or moved to a teammate: declining). Accounts without "
    "lines a year ago are new to the comparison and not counted. NaN (no data) where the base is "
    "empty (e.g. a new starter, whose inherited accounts were credited to others a year ago). "
    "Year on year, not quarter on quarter, because buying is seasonal (public sector before March); "
    "account_growth gives both."
)

KPIS: list[Kpi] = [
    Kpi(
        name="active_accounts",
        label="Active accounts",
        meaning="The number of different accounts the account manager sold to in the period (a return alone does "
        "not count). Shown, not scored: it mostly reflects the size of the book assigned; growth and retention "
        "are scored instead.",
        if_empty="No data when the pack holds no invoice lines; no sales is 0.",
        measure="customer_relationships",
        unit="count",
        higher_is_better=None,
        formula="Number of distinct sales.account_id with at least one of the AM's lines with revenue > 0 "
        "invoiced in the window.",
        sources=("sales.am_id", "sales.invoice_date", "sales.account_id", "sales.revenue"),
        compute=lambda ctx: ctx.per_am(active_accounts(ctx.lines), fill=0.0),
        edge_cases="0 for an AM in role with no lines. A return alone does not make an account active. "
        "Shown, not scored: it mostly reflects the size of the book assigned; growth and retention "
        "are scored instead.",
    ),
    Kpi(
        name="growing_accounts",
        label="Growing accounts (YoY)",
        meaning="Of the accounts the account manager sold to in the same period a year earlier, how many earn "
        "more gross margin with them now. Year on year, not quarter on quarter, because buying is seasonal.",
        if_empty="No data when the account manager sold to no account in the same period a year earlier (for "
        "example a new starter, whose inherited accounts were credited to others then).",
        measure="customer_relationships",
        unit="count",
        higher_is_better=True,
        formula="Number of accounts whose gross margin (Σ revenue − Σ cost of the AM's lines to it) in the "
        "window is higher than in the same window a year earlier, among the accounts the AM had "
        "lines with a year earlier.",
        sources=("sales.am_id", "sales.invoice_date", "sales.account_id", "sales.revenue", "sales.cost"),
        compute=_trend_count("growing"),
        edge_cases=GROWTH_NOTE,
    ),
    Kpi(
        name="declining_accounts",
        label="Declining accounts (YoY)",
        meaning="Of the accounts the account manager sold to in the same period a year earlier, how many earn "
        "less gross margin with them now. An account with no sales now (lost, or moved to a colleague) counts as "
        "declining.",
        if_empty="No data when the account manager sold to no account in the same period a year earlier (for "
        "example a new starter).",
        measure="customer_relationships",
        unit="count",
        higher_is_better=False,
        formula="Number of accounts whose gross margin in the window is lower than in the same window a "
        "year earlier (0 if no lines now), among the accounts the AM had lines with a year earlier.",
        sources=("sales.am_id", "sales.invoice_date", "sales.account_id", "sales.revenue", "sales.cost"),
        compute=_trend_count("declining"),
        edge_cases=GROWTH_NOTE,
    ),
    Kpi(
        name="top5_margin_share",
        label="Margin from the top 5 accounts",
        meaning="The share of the account manager's gross margin in the period that came from their five accounts "
        "with the most margin. It is 100 % with five accounts or fewer, and above 100 % when other accounts lost "
        "money. Shown, not scored: concentration is a risk to watch, not a performance (well-developed large "
        "accounts, or a fragile book).",
        if_empty="Not meaningful when the gross margin in the period is zero or negative.",
        measure="customer_relationships",
        unit="fraction",
        higher_is_better=None,
        formula="Σ gross margin of the AM's 5 accounts with the largest gross margin in the window / the "
        "AM's gross margin in the window.",
        sources=("sales.am_id", "sales.invoice_date", "sales.account_id", "sales.revenue", "sales.cost"),
        compute=lambda ctx: top_n_margin_share(ctx.lines, 5, "am_id"),
        edge_cases="NaN (no data) where the AM's gross margin is ≤ 0. 1 with five accounts or fewer; above 1 "
        "when other accounts lost money. Shown, not scored: concentration is a risk to watch, "
        "not a performance — a high share can mean well-developed large accounts or a fragile "
        "book, and it depends on the accounts assigned.",
        windows=("quarter", "t4q"),
    ),
    Kpi(
        name="key_account_margin_share",
        label="Margin from key accounts",
        meaning="The share of the account manager's gross margin in the period from accounts marked as key "
        "accounts. Sales count for whoever made them, not for the account's owner. Shown, not scored: it depends "
        "on which key accounts were assigned.",
        if_empty="No data when the pack holds no list of accounts. Not meaningful when the gross margin in the "
        "period is zero or negative.",
        measure="customer_relationships",
        unit="fraction",
        higher_is_better=None,
        formula="Σ gross margin of the AM's lines to accounts with accounts.key_account true / the AM's gross "
        "margin in the window.",
        sources=(
            "sales.am_id",
            "sales.invoice_date",
            "sales.account_id",
            "sales.revenue",
            "sales.cost",
            "accounts.account_id",
            "accounts.key_account",
        ),
        compute=_from_table("accounts", _key_account_margin_share),
        edge_cases="NaN for everyone when the pack has no accounts table; NaN where the AM's gross margin is "
        "≤ 0. An account missing from accounts is not a key account; lines are credited by "
        "sales.am_id, not accounts.am_id. Shown, not scored: it depends on which key accounts "
        "the AM was given.",
    ),
]
