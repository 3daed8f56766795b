"""Targets of the long ``targets`` table, for a quarter and for its months.

* A quarter's target for a measure is its quarter row (``2026Q3``); where there is none, the sum
  of its month rows (``2026-07`` …) that are given. The data pack rejects a quarter row that
  disagrees with its month rows, so the two routes never compete.
* A month's target is its month row; where only a quarter row exists, a third of it (pro rata,
  since the contract gives no monthly phasing).
* No row means "no target": NaN, never 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from amreview.periods import Quarter, is_month_label, quarter_of_month, require_quarter


def quarter_targets(targets: pd.DataFrame, quarter: Quarter) -> pd.DataFrame:
    """Targets for ``quarter``: one row per ``am_id``, one column per measure; NaN = no target."""
    quarter = require_quarter(quarter)
    period = targets["period"]
    combined = _summed(targets[period == str(quarter)])
    month_rows = targets[period.isin(quarter.months)]
    if len(month_rows):  # no month rows: nothing to fill in
        combined = combined.combine_first(_summed(month_rows))
    combined.columns.name = None
    return combined


def _summed(rows: pd.DataFrame) -> pd.DataFrame:
    """Σ target of ``rows`` per ``am_id`` (rows, sorted) and ``measure`` (columns, sorted); NaN
    where a person has no row of a measure (a pivot table of sums, without its overhead)."""
    return rows.groupby(["am_id", "measure"])["target"].sum().unstack()


def quarter_target(targets: pd.DataFrame, am_id: str, quarter: Quarter, measure: str) -> float:
    """One account manager's quarter target for ``measure``; NaN when there is none."""
    table = quarter_targets(targets[targets["am_id"] == am_id], quarter)
    if am_id in table.index and measure in table.columns:
        return float(table.at[am_id, measure])
    return np.nan


def monthly_targets(targets: pd.DataFrame, quarter: Quarter, measure: str) -> pd.DataFrame:
    """Month targets of ``measure`` in ``quarter``: rows ``am_id``, columns the three months.

    A month row where given; otherwise a third of the quarter row; NaN where neither exists.
    """
    quarter = require_quarter(quarter)
    rows = targets[targets["measure"] == measure]
    months = rows[rows["period"].isin(quarter.months)].pivot_table(
        index="am_id", columns="period", values="target", aggfunc="sum"
    )
    thirds = rows[rows["period"] == str(quarter)].set_index("am_id")["target"] / 3
    result = pd.DataFrame(index=sorted(set(months.index) | set(thirds.index)), columns=quarter.months, dtype="float64")
    for month in quarter.months:
        from_month = months[month] if month in months.columns else pd.Series(dtype="float64")
        result[month] = from_month.reindex(result.index).combine_first(thirds.reindex(result.index))
    result.index.name = "am_id"
    return result


def targets_by_quarter(targets: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Every quarter's target of ``measure``: rows ``am_id``, columns quarter labels (quarter rows,
    else the sum of month rows)."""
    rows = targets[targets["measure"] == measure]
    quarter_label = rows["period"].map(lambda p: quarter_of_month(p) if is_month_label(p) else p)
    from_quarters = rows[~rows["period"].map(is_month_label)].pivot_table(
        index="am_id", columns="period", values="target", aggfunc="sum"
    )
    from_months = (
        rows[rows["period"].map(is_month_label)]
        .assign(period=quarter_label)
        .pivot_table(index="am_id", columns="period", values="target", aggfunc="sum")
    )
    combined = from_quarters.combine_first(from_months)
    combined.columns.name = None
    return combined
