"""One account manager's quarterly review: the tables a review notebook displays.

Each function takes the validated pack, the account manager and the quarter, and returns
numbers (a frame or a record); formatting and drawing happen in :mod:`amreview.render` and
:mod:`amreview.plots`. Every figure comes from the metric functions, so a review shows exactly
what the scorecard computes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from amreview.datapack import DataPack
from amreview.errors import DataError
from amreview.metrics.margin import lines_in_period, margin_by_month, margin_summary
from amreview.metrics.targets import monthly_targets
from amreview.periods import Quarter
from amreview.scorecard import core_scorecard
from amreview.vocabulary import CORE_TARGET_MEASURES

MEASURE_LABELS = {
    "revenue": "Revenue",
    "gross_margin": "Gross margin",
    "new_accounts": "New accounts",
}


@dataclass(frozen=True)
class ReviewHeader:
    """Who and when: the header of a review."""

    am_id: str
    name: str
    manager: str
    team: str | None
    start_date: pd.Timestamp | None
    quarter: Quarter

    @property
    def period_label(self) -> str:
        return self.quarter.label


def review_header(pack: DataPack, am_id: str, period: Quarter | str) -> ReviewHeader:
    """The header of ``am_id``'s review of ``period``."""
    person = pack.account_manager(am_id)
    team = person.get("team")
    start = person.get("start_date")
    return ReviewHeader(
        am_id=str(am_id),
        name=str(person["name"]),
        manager=str(person["manager"]),
        team=None if pd.isna(team) else str(team),
        start_date=None if pd.isna(start) else pd.Timestamp(start),
        quarter=Quarter.parse(period),
    )


def headline_figures(pack: DataPack, am_id: str, period: Quarter | str) -> pd.Series:
    """``am_id``'s row of the core scorecard for ``period`` (see :mod:`amreview.scorecard`)."""
    card = core_scorecard(pack, period)
    row = card[card["am_id"] == str(am_id)]
    if row.empty:
        pack.account_manager(am_id)  # unknown am_id → a DataError naming it
        raise DataError(pd.DataFrame([{
            "table": "account_managers", "row": None, "column": "start_date", "check": "in_role",
            "expected": f"{am_id} in role during {period}",
            "found": "a start date after the quarter's end",
        }]), pack.source)
    return row.iloc[0]


def headline_table(figures: pd.Series) -> pd.DataFrame:
    """The target measures as rows: ``actual``, ``target``, ``attainment`` (NaN = no target)."""
    rows = [
        {"measure": MEASURE_LABELS[m], "actual": figures[m], "target": figures[f"{m}_target"],
         "attainment": figures[f"{m}_attainment"]}
        for m in CORE_TARGET_MEASURES
    ]
    return pd.DataFrame(rows).set_index("measure")


def monthly_margin_against_target(pack: DataPack, am_id: str, period: Quarter | str, quarters: int = 4) -> pd.DataFrame:
    """Revenue and gross margin per month over the ``quarters`` quarters ending with ``period``,
    beside the month targets (month rows, else a third of the quarter's; NaN = no target).

    One row per month (``YYYY-MM`` index), months without lines included as zeros — but only
    from the account manager's start month on.
    """
    quarter = Quarter.parse(period)
    span = quarter.last_n(quarters)
    months = [m for q in span for m in q.months]
    header_start = pack.account_manager(am_id).get("start_date")
    if header_start is not None and not pd.isna(header_start):
        months = [m for m in months if m >= f"{header_start:%Y-%m}"]
    sales = pack.sales
    mine = sales[(sales["am_id"] == str(am_id)) & (sales["invoice_date"] >= span[0].start)
                 & (sales["invoice_date"] <= quarter.end)]
    actual = margin_by_month(mine).reindex(months)
    frame = pd.DataFrame(index=pd.Index(months, name="month"))
    frame["revenue"] = actual["revenue"].fillna(0.0)
    frame["gross_margin"] = actual["gross_margin"].fillna(0.0)
    for measure in ("revenue", "gross_margin"):
        targets = pd.concat([monthly_targets(pack.targets, q, measure) for q in span], axis=1)
        series = targets.loc[str(am_id)] if str(am_id) in targets.index else pd.Series(dtype="float64")
        frame[f"{measure}_target"] = series.reindex(months).astype("float64").to_numpy()
    return frame


def top_accounts(pack: DataPack, am_id: str, period: Quarter | str, n: int = 10) -> pd.DataFrame:
    """The ``n`` accounts with the most gross margin for ``am_id`` in ``period``.

    Columns ``account`` (the account's name where the pack has ``accounts``, else its id),
    ``revenue``, ``cost``, ``gross_margin``, ``gm_pct``, ``share_of_margin`` (of the AM's
    total gross margin; NaN when that total ≤ 0). Ties are ordered by account id.
    """
    lines = lines_in_period(pack.sales, period)
    mine = lines[lines["am_id"] == str(am_id)]
    table = margin_summary(mine, "account_id")
    total = table["gross_margin"].sum()
    table["share_of_margin"] = table["gross_margin"] / total if total > 0 else np.nan
    table = table.reset_index().sort_values(["gross_margin", "account_id"], ascending=[False, True]).head(n)
    names = account_names(pack)
    table.insert(1, "account", table["account_id"].map(names).fillna(table["account_id"]))
    return table.reset_index(drop=True)


def account_names(pack: DataPack) -> pd.Series:
    """``account_id`` → display name (empty when the pack has no ``accounts`` table)."""
    if not pack.has("accounts"):
        return pd.Series(dtype=object)
    return pack["accounts"].set_index("account_id")["name"]
