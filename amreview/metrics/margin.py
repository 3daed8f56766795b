"""Revenue, cost, gross margin, GM % and attainment (contract: "Definitions that must not drift").

* ``gross_margin = Σ revenue − Σ cost`` over the lines credited to an account manager (by the
  ``am_id`` on each line) whose ``invoice_date`` falls in the period. Returns and credit notes are
  negative lines and so reduce revenue, cost and margin in the period they are invoiced.
* ``gm_pct = gross_margin / Σ revenue``, a fraction (0.12 for 12 %); NaN where Σ revenue ≤ 0,
  where a percentage of nothing (or of net credits) is not meaningful.
* ``attainment = actual / target`` where a target > 0 exists; NaN ("no target") otherwise —
  never 0 % or 100 %.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from amreview.periods import Quarter, month_labels


def lines_in_period(sales: pd.DataFrame, quarter: Quarter | str) -> pd.DataFrame:
    """The sales lines whose ``invoice_date`` falls in ``quarter`` (inclusive of both ends)."""
    quarter = Quarter.parse(quarter)
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
