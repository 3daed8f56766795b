"""Active and new accounts (contract definitions).

* An account is *active* for an AM in a period when the AM has at least one line with
  revenue > 0 to it in that period (a return alone does not make an account active).
* An account is *new* in a period when its first line in the whole pack — earliest
  ``invoice_date``, ties broken by ``line_id`` — falls in that period; it is credited to the AM
  on that first line, whatever the line's sign and whoever owns the account today.
"""

from __future__ import annotations

import pandas as pd

from amreview.periods import Quarter


def active_accounts(lines: pd.DataFrame) -> pd.Series:
    """Number of distinct accounts with a revenue > 0 line, per ``am_id`` of ``lines``.

    ``lines`` are the lines of one period. AMs with lines but no positive line count 0.
    """
    positive = lines[lines["revenue"] > 0]
    counts = positive.groupby("am_id")["account_id"].nunique()
    return counts.reindex(sorted(lines["am_id"].unique()), fill_value=0).rename("active_accounts")


def first_lines(sales: pd.DataFrame) -> pd.DataFrame:
    """Each account's first line in the whole pack: ``account_id`` (index), ``invoice_date``,
    ``line_id``, ``am_id`` — ordered by ``invoice_date`` then ``line_id``."""
    ordered = sales.sort_values(["invoice_date", "line_id"], kind="mergesort")
    first = ordered.drop_duplicates("account_id", keep="first")
    return first.set_index("account_id")[["invoice_date", "line_id", "am_id"]]


def new_accounts_list(sales: pd.DataFrame, quarter: Quarter | str) -> pd.DataFrame:
    """The accounts new in ``quarter``: their first line (see :func:`first_lines`) falls in it."""
    quarter = Quarter.parse(quarter)
    first = first_lines(sales)
    return first[quarter.contains(first["invoice_date"])]


def new_accounts(sales: pd.DataFrame, quarter: Quarter | str) -> pd.Series:
    """Number of accounts new in ``quarter``, per ``am_id`` credited with their first line.

    ``sales`` must be the whole pack's lines (newness depends on all history).
    """
    return new_accounts_list(sales, quarter).groupby("am_id").size().rename("new_accounts")
