"""Numbers within reason: amounts no export of an IT distributor can hold, and who is then not rated.

The contract (:mod:`amreview.data.datapack`) makes an infinite number an *error*: nothing can be
computed from it. A finite number can still be absurd; these are *warnings* (they name table,
row and column in ``amreview validate`` and in the review's data-quality notes, see
:mod:`amreview.quality.checks`), and one of them withholds a rating:

* **an amount beyond what one row can hold** (:data:`AMOUNT_BOUNDS`): ``|revenue|`` or
  ``|cost|`` of one sales line, ``value`` of one back-order line or opportunity above
  :data:`MAX_LINE_AMOUNT` (10⁹ in the pack's currency). The largest single orders an IT
  distributor invoices — a data centre, a national roll-out — run to tens of millions; a
  billion on one line is a slip: a unit mixed up (cents for units, thousands for units), a
  misread separator, a placeholder such as ``9.99e9`` or ``1e308``. A money target or forecast
  of one person for one period (a quarter or a month) above :data:`MAX_PERIOD_MONEY` (10¹⁰,
  ten of the largest lines), and a count target (accounts, visits, activities) above
  :data:`MAX_PERIOD_COUNT` (10⁵: over a thousand a working day) are slips of the same kind.
* **a negative cost on a line whose revenue is not negative** (:func:`negative_costs`): the
  line's margin then exceeds its revenue. A credit note is negative in both and is not
  flagged. (A vendor rebate booked as a negative cost would be flagged too: rebates belong on
  their own lines, which the contract has no column for; the warning says what it found.)

**Who is not rated** (:func:`ratings_withheld`). A rating that rests on an absurd figure is
worse than none, so a person gets no overall score and no rating (the scorecard's
``no_rating_reason`` says why; the review and the team overview show it) when

* one of their sales lines dated up to the review quarter's end — every window the KPIs and
  the review's trend charts read — carries an amount beyond :data:`MAX_LINE_AMOUNT`; or
* one of their targets for a quarter from a year before the review quarter to the one after
  it (the quarters the KPIs compare with: the quarter, the year to date, the year ago, next
  quarter's for pipeline coverage) is beyond its bound;

and nobody gets a rating (the overall score, from the measures with data, is still shown)
when the pack's ``sales`` table is **empty**: it is a *required* table, and a file holding only
its header means the margin data is absent — not that everyone sold nothing — so the role's
first measure cannot be rated and a rating from the rest would rest on what the export
happened to hold. (A person without lines in a pack that has lines did sell nothing: revenue
0, attainment 0 % of a real target, rated.) A negative cost is a warning only: the line is
a real sale whose cost is in doubt, and the review's notes name it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from amreview.data.datapack import DataPack
from amreview.periods import Quarter
from amreview.vocabulary import TARGET_MEASURE_UNITS

MAX_LINE_AMOUNT = 1e9  # one sales line, back-order line or opportunity
MAX_PERIOD_MONEY = 1e10  # one person's money target or forecast for one quarter or month
MAX_PERIOD_COUNT = 1e5  # one person's count target for one quarter or month

# (table, column): the bound of one row's value, and what it is, for messages. Targets and
# forecasts depend on their measure (:func:`period_bound`).
AMOUNT_BOUNDS: dict[tuple[str, str], tuple[float | None, str]] = {
    ("sales", "revenue"): (MAX_LINE_AMOUNT, "one invoice line"),
    ("sales", "cost"): (MAX_LINE_AMOUNT, "one invoice line"),
    ("back_orders", "value"): (MAX_LINE_AMOUNT, "one order line"),
    ("opportunities", "value"): (MAX_LINE_AMOUNT, "one opportunity"),
    ("targets", "target"): (None, "one person's target for one period"),
    ("forecasts", "forecast"): (None, "one person's forecast for one quarter"),
}
SALES_AMOUNTS = ("revenue", "cost")

WARNING_COLUMNS = ["table", "index", "column", "expected", "found"]


def period_bound(measures: pd.Series) -> pd.Series:
    """The bound of a target or forecast of each ``measure``: :data:`MAX_PERIOD_COUNT` for
    count measures, :data:`MAX_PERIOD_MONEY` for money and any measure the contract does not
    name (the looser bound: an unknown measure is not flagged for being large)."""
    units = measures.astype(object).map(TARGET_MEASURE_UNITS)
    return pd.Series(np.where(units == "count", MAX_PERIOD_COUNT, MAX_PERIOD_MONEY), index=measures.index)


def _bounds(table: str, column: str, frame: pd.DataFrame) -> pd.Series | float:
    bound, _ = AMOUNT_BOUNDS[(table, column)]
    return period_bound(frame["measure"]).to_numpy() if bound is None else bound


def beyond_bound(table: str, column: str, frame: pd.DataFrame) -> pd.Series:
    """Whether each row's ``column`` lies beyond its bound (:data:`AMOUNT_BOUNDS`) in size
    (vectorised, no copy of the column: sales tables run to ten million lines)."""
    values = frame[column].to_numpy(dtype="float64", na_value=np.nan)
    return pd.Series(np.abs(values) > _bounds(table, column, frame), index=frame.index)


def amount_text(value: float) -> str:
    """An amount as a warning shows it: with separators up to 10¹⁵, in powers of ten beyond
    (a 309-digit number helps nobody)."""
    return f"{value:,.2f}" if abs(value) < 1e15 else f"{value:.3g}"


def implausible_amounts(pack: DataPack) -> pd.DataFrame:
    """Rows of every table of :data:`AMOUNT_BOUNDS` whose amount is beyond its bound:
    :data:`WARNING_COLUMNS` (``index`` = the row's position in the pack's table)."""
    found = [pd.DataFrame(columns=WARNING_COLUMNS)]
    for (table, column), (_, what) in AMOUNT_BOUNDS.items():
        if not pack.has(table) or pack[table].empty:
            continue
        frame = pack[table]
        bad = beyond_bound(table, column, frame)
        if not bad.any():
            continue
        bounds = np.broadcast_to(_bounds(table, column, frame[bad]), int(bad.sum()))
        found.append(
            pd.DataFrame(
                {
                    "table": table,
                    "index": np.flatnonzero(bad.to_numpy()),
                    "column": column,
                    "expected": [f"at most {b:,.0f} in size ({what})" for b in bounds],
                    "found": [amount_text(v) for v in frame.loc[bad, column]],
                },
                columns=WARNING_COLUMNS,
            )
        )
    return pd.concat(found, ignore_index=True)


def negative_costs(pack: DataPack) -> pd.DataFrame:
    """Sales lines with a negative cost and a revenue of 0 or more (:data:`WARNING_COLUMNS`)."""
    if not pack.has("sales") or pack.sales.empty:
        return pd.DataFrame(columns=WARNING_COLUMNS)
    sales = pack.sales
    bad = (sales["cost"] < 0) & (sales["revenue"] >= 0)
    return pd.DataFrame(
        {
            "table": "sales",
            "index": np.flatnonzero(bad.to_numpy()),
            "column": "cost",
            "expected": "a cost of 0 or more on a sale (a credit note is negative in revenue and cost)",
            "found": [
                f"{amount_text(c)} against revenue {amount_text(r)}"
                for c, r in zip(sales.loc[bad, "cost"], sales.loc[bad, "revenue"])
            ],
        },
        columns=WARNING_COLUMNS,
    )


# --------------------------------------------------------------------------------------------
# Who is not rated
# --------------------------------------------------------------------------------------------

EMPTY_SALES_REASON = (
    "the pack's sales table is empty (a required table: margin data absent, not zero), "
    "so the margin measure cannot be rated"
)


def rated_quarters(quarter: Quarter) -> set[str]:
    """The period labels (quarters and their months) whose targets a review quarter's figures
    are compared with: from the quarter a year before to the quarter after."""
    quarters = [quarter.shift(k) for k in range(-4, 2)]
    return {str(q) for q in quarters} | {m for q in quarters for m in q.months}


def ratings_withheld(pack: DataPack, quarter: Quarter, am_ids: pd.Index) -> pd.Series:
    """Why each of ``am_ids`` gets no rating (module docstring); ``""`` where nothing stands in
    the way. Index ``am_ids``."""
    if pack.line_count == 0:
        return pd.Series(EMPTY_SALES_REASON, index=am_ids, dtype=object)
    reasons = pd.Series("", index=am_ids, dtype=object)
    bad = pack.lines_beyond(MAX_LINE_AMOUNT)  # few or none
    bad = bad[(bad["invoice_date"] <= quarter.end) & bad["am_id"].isin(am_ids)]
    for am_id, lines in bad.groupby("am_id", sort=False):
        first = lines.iloc[0]
        column = "revenue" if abs(first["revenue"]) > MAX_LINE_AMOUNT else "cost"
        reasons[am_id] = (
            f"{_lines(len(lines))} with an amount beyond {MAX_LINE_AMOUNT:,.0f} "
            f"(sales line {first['line_id']}: {column} {amount_text(first[column])})"
        )
    targets = pack.targets
    mine = targets[targets["am_id"].isin(am_ids) & targets["period"].isin(rated_quarters(quarter))]
    wrong = mine[beyond_bound("targets", "target", mine)]
    for am_id, rows in wrong.groupby("am_id", sort=False):
        first = rows.iloc[0]
        text = (
            f"a target beyond what one period can hold ({first['period']} {first['measure']}: "
            f"{amount_text(first['target'])})"
        )
        reasons[am_id] = f"{reasons[am_id]}; {text}" if reasons[am_id] else text
    return reasons


def _lines(n: int) -> str:
    return "a sales line" if n == 1 else f"{n:,} sales lines"
