"""The sales lines as the KPIs read them: summed per month, account manager, account, deal type
and vendor programme, and each account's first line.

Every KPI that reads sales lines needs only these facts of them, over date windows that are
whole months (a quarter, calendar or fiscal; a year to date; the trailing four quarters):

* sums of ``revenue`` and ``cost`` per account manager, account, deal type or vendor programme;
* whether a pair (account manager, account) has lines at all, and how many of its lines sell
  (revenue > 0: a *sale line*; an account is *active* with one) or return (revenue < 0);
* Σ revenue of the sale lines (the principal account manager of an account, for retention);
* each account's first line in the whole pack (new accounts): :func:`first_lines`.

So the lines summed per (``month``, ``am_id``, ``account_id``, ``deal_type``,
``vendor_programme``) — :func:`monthly_summary` — give the same figures as the lines themselves:
a window's sum is the sum of its months' rows, a pair traded when it has a row (every row holds
at least one line), an account is active when a row of it counts a sale line. A summary row
is to the KPIs what a line is; a line is its own summary of one line (:func:`sale_lines`,
:func:`return_lines` and :func:`sale_revenue` read either), so the KPIs' functions stay pure
functions of one table, tested by hand on a few lines.

The summary is hundreds of thousands of rows where the lines are tens of millions (the sample:
53,010 lines, 18,202 rows), and it is all that a pack read out of core keeps of its lines: the
same table, computed where the lines are (:mod:`amreview.data.sales_engine`).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd

from amreview.errors import ArgumentError

SUMMARY_KEYS = ["month", "am_id", "account_id", "deal_type", "vendor_programme"]
SUMMARY_SUMS = ["revenue", "cost", "lines", "sale_lines", "return_lines", "sale_revenue"]
SUMMARY_COLUMNS = [*SUMMARY_KEYS, *SUMMARY_SUMS]
FIRST_LINE_COLUMNS = ["invoice_date", "line_id", "am_id"]  # index: account_id


class SalesInPlace(Protocol):
    """Sales lines kept where they are, checked and summed there: a Parquet file read by DuckDB
    (:class:`amreview.data.sales_file.SalesFile`), a PostgreSQL table
    (:class:`amreview.data.sales_table.SalesTable`). Each gives what the KPIs read of the lines,
    the same as the lines read whole give."""

    rows: int  # how many lines

    def monthly_summary(self) -> pd.DataFrame:
        """:func:`monthly_summary` of every line."""
        ...

    def first_lines(self) -> pd.DataFrame:
        """:func:`first_lines` of every line."""
        ...

    def invoice_dates(self) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        """The first and the last invoice date (None without lines)."""
        ...

    def lines_beyond(self, bound: float) -> pd.DataFrame:
        """The lines whose revenue or cost exceeds ``bound`` in size, completed, in the pack's
        order of lines, labelled by their position in a whole read."""
        ...


def month_start(dates: pd.Series) -> pd.Series:
    """The first day of each date's calendar month (midnight), as ``datetime64``."""
    return pd.Series(
        dates.to_numpy().astype("datetime64[M]").astype("datetime64[ns]"), index=dates.index, name=dates.name
    )


def monthly_summary(sales: pd.DataFrame) -> pd.DataFrame:
    """The sales lines summed per month (module docstring): one row per (``month``, ``am_id``,
    ``account_id``, ``deal_type``, ``vendor_programme``) with lines, and

    * ``revenue`` = Σ revenue, ``cost`` = Σ cost, ``lines`` = the number of lines;
    * ``sale_lines`` = #lines with revenue > 0, ``return_lines`` = #lines with revenue < 0;
    * ``sale_revenue`` = Σ revenue of the lines with revenue > 0.

    ``month`` is the first day of the lines' ``invoice_date`` month. Rows are ordered by their
    keys, so every window of whole months is a slice. ``sales`` are validated lines (no missing
    key: a missing ``deal_type`` is already ``run_rate``, a missing ``vendor_programme`` False).
    """
    if sales.empty:
        return _empty_summary(sales)
    revenue = sales["revenue"].to_numpy(dtype="float64")
    frame = pd.DataFrame(
        {
            "month": month_start(sales["invoice_date"]),
            "am_id": sales["am_id"],
            "account_id": sales["account_id"],
            "deal_type": sales["deal_type"],
            "vendor_programme": sales["vendor_programme"].astype(bool),
            "revenue": revenue,
            "cost": sales["cost"].to_numpy(dtype="float64"),
            "lines": np.ones(len(sales), dtype="int64"),
            "sale_lines": (revenue > 0).astype("int64"),
            "return_lines": (revenue < 0).astype("int64"),
            "sale_revenue": np.where(revenue > 0, revenue, 0.0),
        },
        index=sales.index,
    )
    summary = frame.groupby(SUMMARY_KEYS, sort=True, observed=True, dropna=False)[SUMMARY_SUMS].sum()
    return summary.reset_index()


def _empty_summary(sales: pd.DataFrame) -> pd.DataFrame:
    columns: dict[str, pd.Series] = {"month": pd.Series([], dtype="datetime64[ns]")}
    for key in SUMMARY_KEYS[1:]:
        columns[key] = sales[key].iloc[:0].reset_index(drop=True)
    for name in SUMMARY_SUMS:
        columns[name] = pd.Series([], dtype="float64" if name in ("revenue", "cost", "sale_revenue") else "int64")
    return pd.DataFrame(columns)


def months_between(summary: pd.DataFrame, start, end) -> pd.DataFrame:
    """The rows of ``summary`` (in ``month`` order) whose month lies from ``start`` to ``end``.

    Both must bound whole months (``start`` a month's first day, ``end`` its last day): a
    summary cannot split a month, and an :class:`ArgumentError` says so rather than giving a
    window's figures a part of a month they did not ask for."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    if start != start.normalize().replace(day=1) or (end + pd.Timedelta(days=1)).day != 1:
        raise ArgumentError(
            f"a window of the sales summary must be whole months, not {start:%Y-%m-%d} to {end:%Y-%m-%d}"
        )
    months = summary["month"].to_numpy()
    first = months.searchsorted(np.datetime64(start, "ns"), side="left")
    last = months.searchsorted(np.datetime64(end.replace(day=1), "ns"), side="right")
    return summary.iloc[first:last]


def sale_lines(lines: pd.DataFrame) -> pd.Series:
    """How many lines with revenue > 0 each row holds: a summary row's ``sale_lines``, a line's
    1 or 0."""
    if "sale_lines" in lines.columns:
        return lines["sale_lines"]
    return (lines["revenue"] > 0).astype("int64")


def return_lines(lines: pd.DataFrame) -> pd.Series:
    """How many lines with revenue < 0 each row holds: a summary row's ``return_lines``, a
    line's 1 or 0."""
    if "return_lines" in lines.columns:
        return lines["return_lines"]
    return (lines["revenue"] < 0).astype("int64")


def sale_revenue(lines: pd.DataFrame) -> pd.Series:
    """Σ revenue of the lines with revenue > 0 each row holds: a summary row's
    ``sale_revenue``; a line's revenue where it is > 0, else 0."""
    if "sale_revenue" in lines.columns:
        return lines["sale_revenue"]
    return lines["revenue"].where(lines["revenue"] > 0, 0.0)


def first_lines(sales: pd.DataFrame) -> pd.DataFrame:
    """Each account's first line in the whole pack: ``account_id`` (index), ``invoice_date``,
    ``line_id``, ``am_id`` — the line with the earliest ``invoice_date``, ties by the smallest
    ``line_id`` (compared as text, character by character); ordered by ``invoice_date`` then
    ``line_id``."""
    # Only the lines on each account's earliest date can be first: pick those (a group-by, fast
    # on ten million lines), then break ties by line_id among the few left.
    dates = sales["invoice_date"]
    earliest = dates.groupby(sales["account_id"], sort=False).transform("min")
    candidates = sales.loc[dates == earliest, ["account_id", *FIRST_LINE_COLUMNS]]
    first = candidates.sort_values(["account_id", "line_id"], kind="mergesort").drop_duplicates("account_id")
    first = first.sort_values(["invoice_date", "line_id"], kind="mergesort")
    return first.set_index("account_id")[FIRST_LINE_COLUMNS]


def line_count(lines: pd.DataFrame) -> pd.Series:
    """How many lines each row holds: a summary row's ``lines``, a line's 1."""
    if "lines" in lines.columns:
        return lines["lines"]
    return pd.Series(1, index=lines.index, dtype="int64")
