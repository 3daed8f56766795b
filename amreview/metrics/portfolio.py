"""The portfolio each account manager was given: the book they held at the start of the review
quarter, so that what they achieved can be set beside what books like theirs achieve
(:mod:`amreview.scoring.expected`).

Design decisions, and why:

* **Which accounts were held** is read from the sales lines, not from the ``accounts`` table's
  owner: an account is in a person's book when they were its *principal* account manager in the
  four quarters before the review quarter (they sold it the most then; the rule of the retention
  KPI, :func:`amreview.metrics.relationships.principal_accounts`). The lines are dated, so this
  is the book as it stood when the quarter began; the ``accounts`` table's owner is a snapshot
  taken when the pack was exported (after the quarter, and after any hand-over), and the table is
  optional. The cost: an account handed over just before the quarter, or a leaver's pool a new
  starter took over, is not yet in the new holder's book.
* **What the book bought** is every line of those accounts in the four quarters before, whoever
  was credited (a teammate's cover line is the account's business too): revenue, gross margin,
  and the shares of that revenue by deal type, in the vendor programme, from key accounts and by
  sector. The shares say what kind of business the book is; the sums say how big it is.
* Everything is read from the monthly sales summary (``KpiContext.lines_between``), never the
  lines, so a portfolio costs the same at 100 million lines as at 50,000.
* A person who held no account (a new starter) has ``accounts_held`` 0 and every other figure
  empty: there is no book to compare, not a book of zero.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from amreview.data.sales_summary import months_between
from amreview.metrics._frames import ratio
from amreview.metrics.registry import KpiContext
from amreview.metrics.relationships import principal_accounts
from amreview.vocabulary import DEAL_TYPES

BOOK_QUARTERS = 4  # the book is what the accounts bought in the four quarters before the review quarter
DEAL_TYPE_SHARES = tuple(f"{deal}_share" for deal in DEAL_TYPES)
PORTFOLIO_COLUMNS = (
    "team",
    "accounts_held",
    "book_revenue",
    "book_margin",
    "book_gm_pct",
    *DEAL_TYPE_SHARES,
    "vendor_programme_share",
    "key_account_share",
    "main_sector",
    "main_sector_share",
    "book_margin_to_target",
)


def book_lines(ctx: KpiContext) -> pd.DataFrame:
    """The sales summary's rows of the :data:`BOOK_QUARTERS` quarters before the review quarter."""
    return months_between(ctx.sales, ctx.quarter.shift(-BOOK_QUARTERS).start, ctx.quarter.shift(-1).end)


def held_lines(before: pd.DataFrame) -> pd.DataFrame:
    """Every row of ``before`` (sales summary rows, or lines) on an account someone held, with
    ``holder``: the account's principal account manager in ``before`` (module docstring)."""
    held = principal_accounts(before).rename(columns={"am_id": "holder"})
    return before.merge(held, on="account_id", how="inner")


def book_shares(held: pd.DataFrame, flags: dict[str, pd.Series]) -> pd.DataFrame:
    """Per holder (rows) and flag (columns, the keys of ``flags``): Σ revenue of the rows where
    the flag is set / Σ revenue of all their rows (NaN where that is not above 0). Each flag is
    aligned with ``held``'s rows; the flags' revenues are summed by one groupby."""
    revenue = held["revenue"].astype("float64")
    total = revenue.groupby(held["holder"]).sum()
    parts = pd.DataFrame({name: revenue.where(flag.to_numpy(), 0.0) for name, flag in flags.items()}, index=held.index)
    return parts.groupby(held["holder"]).sum().div(total.where(total > 0), axis=0)


def sector_mix(held: pd.DataFrame, accounts: pd.DataFrame | None) -> pd.DataFrame:
    """holder × sector: the share of each holder's book revenue from each ``accounts.sector``
    (accounts without a sector: ``"unknown"``). Empty (no columns) without a sector column."""
    if accounts is None or "sector" not in accounts.columns:
        return pd.DataFrame(index=pd.Index([], name="holder"))
    sectors = accounts.set_index("account_id")["sector"].astype(object)
    sector = held["account_id"].map(sectors).fillna("unknown").astype(str)
    revenue = held["revenue"].astype("float64")
    table = revenue.groupby([held["holder"], sector.to_numpy()]).sum().unstack(fill_value=0.0)
    total = table.sum(axis=1)
    return table.div(total.where(total > 0), axis=0)


def key_accounts(held: pd.DataFrame, accounts: pd.DataFrame | None) -> pd.Series | None:
    """Whether each row of ``held`` is on a key account (``accounts.key_account``; unknown: not
    key); None without that column."""
    if accounts is None or "key_account" not in accounts.columns:
        return None
    key = accounts.set_index("account_id")["key_account"].astype("boolean").fillna(False)
    return held["account_id"].map(key).fillna(False).astype(bool)


def portfolio_of(
    before: pd.DataFrame, accounts: pd.DataFrame | None, people: pd.DataFrame, margin_target: pd.Series
) -> pd.DataFrame:
    """The portfolio of each person of ``people`` (index ``am_id``, column ``team``): columns
    :data:`PORTFOLIO_COLUMNS`, from ``before`` (the four quarters before the review quarter,
    :func:`book_lines`) and the ``accounts`` table (None: not in the pack).

    * ``accounts_held`` — accounts whose principal AM they were in ``before``;
    * ``book_revenue``, ``book_margin`` — Σ revenue and Σ revenue − Σ cost of those accounts'
      rows; ``book_gm_pct`` = book_margin / book_revenue;
    * ``<deal type>_share``, ``vendor_programme_share``, ``key_account_share`` — the share of
      book_revenue of that deal type, in the vendor programme, from key accounts;
    * ``main_sector`` and ``main_sector_share`` — the sector the book bought most from, its share;
    * ``book_margin_to_target`` = (book_margin / 4) / the review quarter's gross margin target
      (``margin_target``): how the target compares with a quarter of the book's margin.

    Nobody held an account: ``accounts_held`` 0, the rest empty (module docstring).
    """
    held = held_lines(before)
    by = held.groupby("holder")
    frame = pd.DataFrame(index=people.index)
    frame["team"] = people["team"] if "team" in people.columns else np.nan
    frame["accounts_held"] = by["account_id"].nunique().reindex(frame.index, fill_value=0).astype("int64")
    revenue = by["revenue"].sum().astype("float64")
    margin = revenue - by["cost"].sum().astype("float64")
    frame["book_revenue"] = revenue.reindex(frame.index)
    frame["book_margin"] = margin.reindex(frame.index)
    frame["book_gm_pct"] = ratio(margin, revenue.where(revenue > 0)).reindex(frame.index)
    flags = {column: held["deal_type"] == deal for deal, column in zip(DEAL_TYPES, DEAL_TYPE_SHARES)}
    flags["vendor_programme_share"] = held["vendor_programme"].astype(bool)
    key = key_accounts(held, accounts)
    if key is not None:
        flags["key_account_share"] = key
    shares = book_shares(held, flags).reindex(frame.index)
    for column in flags:
        frame[column] = shares[column]
    if key is None:
        frame["key_account_share"] = np.nan
    mix = sector_mix(held, accounts).reindex(frame.index)
    has_mix = mix.notna().any(axis=1) if len(mix.columns) else pd.Series(False, index=frame.index)
    frame["main_sector"] = mix.fillna(-1.0).idxmax(axis=1).where(has_mix) if len(mix.columns) else np.nan
    frame["main_sector_share"] = mix.max(axis=1).where(has_mix) if len(mix.columns) else np.nan
    target = margin_target.reindex(frame.index).astype("float64")
    frame["book_margin_to_target"] = ratio(frame["book_margin"] / BOOK_QUARTERS, target.where(target > 0))
    return frame[list(PORTFOLIO_COLUMNS)]


def portfolio(ctx: KpiContext) -> pd.DataFrame:
    """:func:`portfolio_of` everyone in role in ``ctx`` at the start of its quarter (computed
    once per context)."""

    def compute() -> pd.DataFrame:
        people = ctx.pack.account_managers.set_index("am_id").reindex(ctx.am_ids)
        return portfolio_of(book_lines(ctx), ctx.table("accounts"), people, ctx.target("gross_margin"))

    return ctx.memo(("portfolio", ctx.quarter), compute)
