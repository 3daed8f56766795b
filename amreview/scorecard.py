"""The scorecard: one row of KPIs per account manager for a quarter.

Column names follow the data contract's measures so other tools can rely on them:
``am_id, name, manager, team, period, revenue, cost, gross_margin, gm_pct, active_accounts,
new_accounts`` and, for each target measure, ``<measure>_target`` and ``<measure>_attainment``
(fractions; empty where there is no target).

Who is on the scorecard: every account manager in role during the quarter, i.e. with no
``start_date`` or a ``start_date`` on or before the quarter's last day. An account manager in
role with no lines in the quarter has revenue 0 and GM % empty (not meaningful).
"""

from __future__ import annotations

import pandas as pd

from amreview.datapack import DataPack
from amreview.errors import PeriodError
from amreview.kpis import in_role
from amreview.metrics.accounts import active_accounts, new_accounts
from amreview.metrics.margin import attainment, gm_pct, lines_in_period, margin_summary
from amreview.metrics.targets import quarter_targets
from amreview.periods import Quarter
from amreview.vocabulary import CORE_TARGET_MEASURES

IDENTITY_COLUMNS = ["am_id", "name", "manager", "team", "period"]
KPI_COLUMNS = ["revenue", "cost", "gross_margin", "gm_pct", "active_accounts", "new_accounts"]
TARGET_COLUMNS = [f"{m}_{kind}" for m in CORE_TARGET_MEASURES for kind in ("target", "attainment")]
SCORECARD_COLUMNS = IDENTITY_COLUMNS + KPI_COLUMNS + TARGET_COLUMNS


def check_period_covered(sales: pd.DataFrame, quarter: Quarter) -> None:
    """Raise :class:`PeriodError` when the pack holds no sales at all in ``quarter``."""
    if not quarter.contains(sales["invoice_date"]).any():
        if sales.empty:
            raise PeriodError(f"the data pack has no sales lines, so {quarter} cannot be reviewed")
        first, last = sales["invoice_date"].min(), sales["invoice_date"].max()
        raise PeriodError(
            f"the data pack has no sales in {quarter}; its sales run from "
            f"{first:%Y-%m-%d} to {last:%Y-%m-%d}"
        )


def core_scorecard(pack: DataPack, period: Quarter | str) -> pd.DataFrame:
    """One row per account manager in role in ``period`` with the core KPIs (module docstring).

    Sorted by ``am_id``. Figures are numbers (formatting happens when rendered).
    """
    quarter = Quarter.parse(period)
    sales = pack.sales
    check_period_covered(sales, quarter)
    people = in_role(pack.account_managers, quarter).set_index("am_id").sort_index()
    lines = lines_in_period(sales, quarter)

    card = pd.DataFrame(index=people.index)
    card["name"] = people["name"]
    card["manager"] = people["manager"]
    card["team"] = people["team"]
    card["period"] = str(quarter)
    margins = margin_summary(lines, "am_id").reindex(card.index)
    card["revenue"] = margins["revenue"].fillna(0.0)
    card["cost"] = margins["cost"].fillna(0.0)
    card["gross_margin"] = card["revenue"] - card["cost"]
    card["gm_pct"] = gm_pct(card["gross_margin"], card["revenue"]).to_numpy()
    card["active_accounts"] = active_accounts(lines).reindex(card.index, fill_value=0).astype("int64")
    card["new_accounts"] = new_accounts(sales, quarter).reindex(card.index, fill_value=0).astype("int64")

    targets = quarter_targets(pack.targets, quarter).reindex(card.index)
    for measure in CORE_TARGET_MEASURES:
        target = targets[measure] if measure in targets.columns else pd.Series(float("nan"), index=card.index)
        card[f"{measure}_target"] = target.astype("float64")
        card[f"{measure}_attainment"] = attainment(card[measure], card[f"{measure}_target"]).to_numpy()
    return card.reset_index()[SCORECARD_COLUMNS]
