"""Back orders: order lines waiting on stock, from the optional ``back_orders`` table.

A back-order line is *open* on a day (``as_of``) when it was ordered on or before that day and
not fulfilled by then: ``order_date ≤ as_of`` and (``fulfilled_date`` empty or
``fulfilled_date > as_of``). Reading the history this way gives the state of any past day, so a
review of an earlier quarter sees the back orders open at that quarter's end.

* *Age* = ``as_of − order_date`` in days (0 on the order day), bucketed 0–7, 8–30, 31–60,
  61–90 and over 90 days (:data:`AGEING_BUCKETS`; every bucket is always a row).
* *Past promised*: an open line whose ``promised_date`` is before ``as_of`` (on the promised day
  itself it is not yet late). Lines without a ``promised_date`` carry no promise: they are left
  out of both sides of the share (and counted as ``unpromised_value``).
* *Days to fulfil* = ``fulfilled_date − order_date`` in days, for the lines fulfilled in a span
  of dates (by ``fulfilled_date``); a plain mean over lines, not weighted by value.
* Lines are credited by the ``am_id`` on each row. A table the pack does not hold gives "no
  data" (NaN) for every KPI; a table that holds nothing open for an AM gives an open value of 0.

The module-level :data:`KPIS` registers the per-AM back-order KPIs (measure "Enhance
customer/company relationships": management of back orders is part of managing the account).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from amreview.metrics._frames import from_table as _from_table
from amreview.metrics._frames import observations as _observations
from amreview.metrics._frames import observations_from_table as _observed
from amreview.metrics.margin import share
from amreview.metrics.registry import Evidence, Kpi, KpiContext

# label, first day, last day (inclusive; None = no upper bound)
AGEING_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-7", 0, 7),
    ("8-30", 8, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    (">90", 91, None),
)
BUCKET_LABELS = tuple(label for label, _, _ in AGEING_BUCKETS)
SUMMARY_COLUMNS = [
    "open_orders",
    "open_value",
    "past_promised_value",
    "unpromised_value",
    "past_promised_share",
    "fulfilled_orders",
    "mean_days_to_fulfil",
]


def _keys(by) -> list[str]:
    return [] if by is None else ([by] if isinstance(by, str) else list(by))


def open_back_orders(back_orders: pd.DataFrame, as_of) -> pd.DataFrame:
    """The lines open on ``as_of`` (module docstring), with three columns added: ``days_open``
    (``as_of − order_date`` in days), ``age_bucket`` (a label of :data:`AGEING_BUCKETS`) and
    ``past_promised`` (``promised_date < as_of``; false where there is no promised date)."""
    as_of = pd.Timestamp(as_of)
    fulfilled = back_orders["fulfilled_date"]
    is_open = (back_orders["order_date"] <= as_of) & (fulfilled.isna() | (fulfilled > as_of))
    rows = back_orders[is_open]
    days = (as_of - rows["order_date"]).dt.days.astype("int64")
    edges = [first for _, first, _ in AGEING_BUCKETS[1:]]
    bucket = pd.Categorical.from_codes(
        np.searchsorted(edges, days.to_numpy(), side="right"), categories=BUCKET_LABELS, ordered=True
    )
    return rows.assign(
        days_open=days, age_bucket=bucket, past_promised=(rows["promised_date"] < as_of).fillna(False).astype(bool)
    )


def open_back_order_value(back_orders: pd.DataFrame, as_of, by: str | list[str] | None = "am_id"):
    """Σ ``value`` of the lines open on ``as_of``, per ``by`` group with open lines (a Series),
    or one number when ``by`` is None (0 when nothing is open)."""
    rows = open_back_orders(back_orders, as_of)
    keys = _keys(by)
    if not keys:
        return float(rows["value"].sum())
    return rows.groupby(keys, sort=True, observed=True)["value"].sum().rename("open_value")


def back_order_ageing(back_orders: pd.DataFrame, as_of, by: str | list[str] | None = None) -> pd.DataFrame:
    """Open back orders on ``as_of`` by age: ``orders`` (count), ``value`` (Σ value) and
    ``value_share`` (the bucket's value / all open value; NaN where nothing is open) per bucket
    of :data:`AGEING_BUCKETS`, every bucket a row (0 where empty), youngest first.

    With ``by`` (e.g. ``"am_id"``), five rows per group with open lines (index: the ``by`` keys,
    then ``age_bucket``).
    """
    rows = open_back_orders(back_orders, as_of)
    keys = _keys(by)
    sums = rows.groupby(keys + ["age_bucket"], sort=True, observed=True)["value"].agg(["size", "sum"])
    if keys:
        groups = rows[keys].drop_duplicates().sort_values(keys)
        index = pd.MultiIndex.from_tuples(
            [(*g, b) for g in groups.itertuples(index=False, name=None) for b in BUCKET_LABELS],
            names=keys + ["age_bucket"],
        )
        sums.index = sums.index.set_levels(sums.index.levels[-1].astype(str), level=-1)
    else:
        index = pd.Index(BUCKET_LABELS, name="age_bucket")
        sums.index = sums.index.astype(str)
    sums = sums.reindex(index, fill_value=0)
    table = pd.DataFrame({"orders": sums["size"].astype("int64"), "value": sums["sum"].astype("float64")}, index=index)
    whole = table.groupby(level=keys)["value"].transform("sum") if keys else table["value"].sum()
    table["value_share"] = share(table["value"], whole)
    return table


def past_promised_share(back_orders: pd.DataFrame, as_of, by: str | list[str] | None = "am_id"):
    """Share of open back-order value past its promised date on ``as_of``:
    ``Σ value (open, promised_date < as_of) / Σ value (open, with a promised_date)``.

    Per ``by`` group with open lines (a Series), or one number when ``by`` is None. NaN where no
    open line has a promised date (nothing open, or no promises recorded): not 0, since nothing
    was measured.
    """
    rows = open_back_orders(back_orders, as_of)
    promised = rows["promised_date"].notna()
    late = rows["value"].where(rows["past_promised"], 0.0)
    with_promise = rows["value"].where(promised, 0.0)
    keys = _keys(by)
    if not keys:
        return share(float(late.sum()), float(with_promise.sum()))
    grouping = [rows[k] for k in keys]
    return share(
        late.groupby(grouping, sort=True, observed=True).sum(),
        with_promise.groupby(grouping, sort=True, observed=True).sum(),
    ).rename("past_promised_share")


def fulfilled_back_orders(back_orders: pd.DataFrame, start, end) -> pd.DataFrame:
    """The lines fulfilled from ``start`` to ``end`` (inclusive), with ``days_to_fulfil``
    (``fulfilled_date − order_date`` in days) added."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    done = back_orders["fulfilled_date"]
    rows = back_orders[(done >= start) & (done <= end)]
    return rows.assign(days_to_fulfil=(rows["fulfilled_date"] - rows["order_date"]).dt.days.astype("float64"))


def days_to_fulfil(back_orders: pd.DataFrame, start, end, by: str | list[str] | None = "am_id"):
    """Mean days to fulfil = mean of ``fulfilled_date − order_date`` (days) over the lines
    fulfilled from ``start`` to ``end``; per ``by`` group with such lines (a Series), or one
    number when ``by`` is None (NaN when none was fulfilled). Dates are taken as given: a
    fulfilled date before the order date counts negative (a data error to fix at source)."""
    rows = fulfilled_back_orders(back_orders, start, end)
    keys = _keys(by)
    if not keys:
        return float(rows["days_to_fulfil"].mean()) if len(rows) else np.nan
    return rows.groupby(keys, sort=True, observed=True)["days_to_fulfil"].mean().rename("mean_days_to_fulfil")


def back_order_summary(back_orders: pd.DataFrame, as_of, start, end, by: str | list[str] | None = None):
    """The back-order figures of one review: open on ``as_of`` (``open_orders``, ``open_value``,
    ``past_promised_value``, ``unpromised_value``, ``past_promised_share``) and fulfilled from
    ``start`` to ``end`` (``fulfilled_orders``, ``mean_days_to_fulfil``) — see the functions
    above. A Series when ``by`` is None, else a frame with a row per group with any open or
    fulfilled line (counts and values 0 where none, shares and means NaN)."""
    rows = open_back_orders(back_orders, as_of)
    done = fulfilled_back_orders(back_orders, start, end)
    frame = pd.DataFrame(
        {
            "open_orders": 1.0,
            "open_value": rows["value"],
            "past_promised_value": rows["value"].where(rows["past_promised"], 0.0),
            "unpromised_value": rows["value"].where(rows["promised_date"].isna(), 0.0),
        },
        index=rows.index,
    )
    keys = _keys(by)
    if not keys:
        sums = frame.sum()
        result = sums.copy()
        result["past_promised_share"] = share(
            sums["past_promised_value"], sums["open_value"] - sums["unpromised_value"]
        )
        result["fulfilled_orders"] = float(len(done))
        result["mean_days_to_fulfil"] = float(done["days_to_fulfil"].mean()) if len(done) else np.nan
        return result[SUMMARY_COLUMNS].astype("float64")
    sums = frame.groupby([rows[k] for k in keys], sort=True, observed=True).sum()
    fulfilled = done.groupby(keys, sort=True, observed=True)["days_to_fulfil"].agg(["size", "mean"])
    index = sums.index.union(fulfilled.index)
    table = sums.reindex(index, fill_value=0.0)
    table["past_promised_share"] = share(table["past_promised_value"], table["open_value"] - table["unpromised_value"])
    table["fulfilled_orders"] = fulfilled["size"].reindex(index, fill_value=0).astype("float64")
    table["mean_days_to_fulfil"] = fulfilled["mean"].reindex(index)
    table["open_orders"] = table["open_orders"].astype("int64")
    table["fulfilled_orders"] = table["fulfilled_orders"].astype("int64")
    return table[SUMMARY_COLUMNS]


# --------------------------------------------------------------------------------------------
# KPIs per account manager (the registry rows)
# --------------------------------------------------------------------------------------------


def _open_value(ctx: KpiContext, table: pd.DataFrame) -> pd.Series:
    return ctx.per_am(open_back_order_value(table, ctx.as_of, "am_id"), fill=0.0)


def _past_promised(ctx: KpiContext, table: pd.DataFrame) -> pd.Series:
    return past_promised_share(table, ctx.as_of, "am_id")


def _days_to_fulfil(ctx: KpiContext, table: pd.DataFrame) -> pd.Series:
    return days_to_fulfil(table, ctx.start, ctx.end, "am_id")


def _promised_orders(ctx: KpiContext, table: pd.DataFrame) -> pd.DataFrame:
    """The open back orders the past-promised share rests on (:func:`past_promised_share`'s):
    those with a promised date, their value past it (``value``) out of their value (``weight``)."""
    rows = open_back_orders(table, ctx.as_of)
    rows = rows[rows["promised_date"].notna()]
    return _observations(rows["am_id"], rows["value"].where(rows["past_promised"], 0.0), rows["value"])


def _fulfilled_orders(ctx: KpiContext, table: pd.DataFrame) -> pd.DataFrame:
    """The back orders fulfilled in the window, each its days to fulfil (:func:`days_to_fulfil`)."""
    rows = fulfilled_back_orders(table, ctx.start, ctx.end)
    return _observations(rows["am_id"], rows["days_to_fulfil"])


NO_TABLE = "NaN for everyone when the pack has no back_orders table."
OPEN_RULE = (
    "Open on the review quarter's last day (as_of): order_date ≤ as_of and fulfilled_date empty or "
    "after as_of, so a past quarter is reviewed as it stood then."
)

KPIS: list[Kpi] = [
    Kpi(
        name="open_back_order_value",
        label="Open back-order value",
        meaning="The value of the account manager's back orders still open (ordered but not yet delivered) on the "
        "review date. Shown, not scored: the size of the backlog depends on vendors' stock; how it is managed is "
        "scored.",
        if_empty="No data when the pack holds no back orders; nothing open is 0.",
        measure="customer_relationships",
        unit="money",
        higher_is_better=None,
        formula="Σ back_orders.value of the AM's lines open on the review quarter's last day.",
        sources=("back_orders.am_id", "back_orders.order_date", "back_orders.fulfilled_date", "back_orders.value"),
        compute=_from_table("back_orders", _open_value),
        edge_cases=f"{OPEN_RULE} 0 when the AM has nothing open. {NO_TABLE} Shown, not scored: the size "
        "of the back log depends on vendors' stock, not on the AM; how it is managed is scored "
        "(past promised share, days to fulfil).",
    ),
    Kpi(
        name="back_orders_past_promised_share",
        label="Back orders past the promised date",
        meaning="Of the value of the back orders open on the review date that have a promised delivery date, the "
        "share already past that date (on the promised day itself an order is not yet late).",
        if_empty="No data when the account manager has no open back order with a promised date, or the pack holds "
        "no back orders.",
        measure="customer_relationships",
        unit="fraction",
        higher_is_better=False,
        formula="Σ value of the AM's open back orders with promised_date < as_of / Σ value of the AM's open "
        "back orders with a promised_date; as_of = the review quarter's last day.",
        sources=(
            "back_orders.am_id",
            "back_orders.order_date",
            "back_orders.promised_date",
            "back_orders.fulfilled_date",
            "back_orders.value",
        ),
        compute=_from_table("back_orders", _past_promised),
        edge_cases=f"{OPEN_RULE} On the promised day itself a line is not yet late. Lines without a "
        "promised_date are left out of both sides. NaN (no data) where the AM has no open line "
        f"with a promised date. {NO_TABLE}",
        evidence=Evidence(
            "weighted_share",
            _observed("back_orders", _promised_orders),
            "open back orders with a promised date",
            bounds=(0.0, 1.0),
        ),
    ),
    Kpi(
        name="back_order_days_to_fulfil",
        label="Average days to fulfil a back order",
        meaning="The average number of days from order to delivery of the account manager's back orders delivered "
        "in the period; each order line counts once, whatever its value.",
        if_empty="No data when no back order was delivered in the period, or the pack holds no back orders.",
        measure="customer_relationships",
        unit="days",
        higher_is_better=False,
        formula="mean of (fulfilled_date − order_date) in days over the AM's back-order lines fulfilled in "
        "the window (by fulfilled_date); each line counts once, whatever its value.",
        sources=("back_orders.am_id", "back_orders.order_date", "back_orders.fulfilled_date"),
        compute=_from_table("back_orders", _days_to_fulfil),
        edge_cases=f"NaN (no data) where the AM had no line fulfilled in the window. Open lines are not "
        f"counted until fulfilled (their age shows in the ageing table). {NO_TABLE}",
        windows=("quarter", "ytd", "t4q"),
        evidence=Evidence("mean", _observed("back_orders", _fulfilled_orders), "back orders fulfilled"),
    ),
]
