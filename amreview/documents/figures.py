"""One person's figures that a review and its margin section show: revenue and gross margin per
month against the month targets, the top accounts by gross margin, accounts' display names."""

from __future__ import annotations

import numpy as np
import pandas as pd

from amreview.data.datapack import DataPack
from amreview.metrics.margin import lines_in_period, margin_by_month, margin_summary
from amreview.metrics.targets import monthly_targets
from amreview.periods import Quarter, require_quarter


def monthly_margin_against_target(
    pack: DataPack, am_id: str, period: Quarter, quarters: int = 4, sales_start: pd.Timestamp | None = None
) -> pd.DataFrame:
    """Revenue and gross margin per month over the ``quarters`` quarters ending with ``period``,
    beside the month targets (month rows, else a third of the quarter's; NaN = no target).

    One row per month (``YYYY-MM`` index), months without lines included as zeros — but only
    from the account manager's start month and from the pack's first sales month on (months
    the pack does not cover are left out, not shown as zeros). ``sales_start``: the whole pack's
    first invoice date, when ``pack`` is a slice of it (default: the pack's first, ``pack.invoice_dates``).
    """
    quarter = require_quarter(period)
    span = quarter.last_n(quarters)
    months = [m for q in span for m in q.months]
    header_start = pack.account_manager(am_id).get("start_date")
    if header_start is not None and not pd.isna(header_start):
        months = [m for m in months if m >= f"{header_start:%Y-%m}"]
    if sales_start is None:
        sales_start = pack.invoice_dates[0]
    if sales_start is not None:
        first_month = f"{sales_start:%Y-%m}"
        months = [m for m in months if m >= first_month]
    lines = pack.lines_of([am_id])
    mine = lines[(lines["invoice_date"] >= span[0].start) & (lines["invoice_date"] <= quarter.end)]
    actual = margin_by_month(mine).reindex(months)
    frame = pd.DataFrame(index=pd.Index(months, name="month"))
    frame["revenue"] = actual["revenue"].fillna(0.0)
    frame["gross_margin"] = actual["gross_margin"].fillna(0.0)
    own_targets = pack.targets[pack.targets["am_id"] == str(am_id)]
    for measure in ("revenue", "gross_margin"):
        targets = pd.concat([monthly_targets(own_targets, q, measure) for q in span], axis=1)
        series = targets.loc[str(am_id)] if str(am_id) in targets.index else pd.Series(dtype="float64")
        frame[f"{measure}_target"] = series.reindex(months).astype("float64").to_numpy()
    return frame


def top_accounts(pack: DataPack, am_id: str, period: Quarter, n: int = 10) -> pd.DataFrame:
    """The ``n`` accounts with the most gross margin for ``am_id`` in ``period``.

    Columns ``account`` (the account's name where the pack has ``accounts``, else its id),
    ``revenue``, ``cost``, ``gross_margin``, ``gm_pct``, ``share_of_margin`` (of the AM's
    total gross margin; NaN when that total ≤ 0). Ties are ordered by account id.
    """
    mine = lines_in_period(pack.lines_of([am_id]), period)
    table = margin_summary(mine, "account_id")
    total = table["gross_margin"].sum()
    table["share_of_margin"] = table["gross_margin"] / total if total > 0 else np.nan
    table = table.reset_index().sort_values(["gross_margin", "account_id"], ascending=[False, True]).head(n)
    table.insert(1, "account", name_accounts(table["account_id"], account_names(pack)))
    return table.reset_index(drop=True)


def name_accounts(account_ids: pd.Series, names: pd.Series) -> pd.Series:
    """Each account's name from ``names`` (``account_id`` → name), its id where it has none."""
    ids = account_ids.astype(object)
    return ids.map(names.astype(object)).where(lambda found: found.notna(), ids).astype(object)


def account_names(pack: DataPack) -> pd.Series:
    """``account_id`` → display name (empty when the pack has no ``accounts`` table)."""
    if not pack.has("accounts"):
        return pd.Series(dtype=object)
    return pack["accounts"].set_index("account_id")["name"]
