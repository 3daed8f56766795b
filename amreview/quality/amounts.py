"""The warning checks of amounts on sales lines and targets: a cost far above the revenue, a
quantity and a revenue of opposite signs, amounts beyond what one row can hold and negative
costs (those two are :mod:`amreview.data.plausibility`'s, which also decides who is not rated).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from amreview.data.datapack import DataPack
from amreview.data.plausibility import implausible_amounts, negative_costs
from amreview.quality.findings import findings_frame, no_findings

IMPLAUSIBLE_COST_FACTOR = 2.0  # cost > 2 × revenue: a loss of over 100 % of the sale


def implausible_cost(pack: DataPack) -> pd.DataFrame:
    if not pack.has("sales") or pack.sales.empty:
        return no_findings()
    sales = pack.sales
    revenue, cost = sales["revenue"], sales["cost"]
    bad = ((revenue > 0) & (cost > IMPLAUSIBLE_COST_FACTOR * revenue)) | (
        (revenue < 0) & (cost < IMPLAUSIBLE_COST_FACTOR * revenue)
    )
    return findings_frame(
        "sales",
        np.flatnonzero(bad.to_numpy()),
        "cost",
        f"a cost at most {IMPLAUSIBLE_COST_FACTOR:g} × the revenue",
        [f"{c:,.2f} against revenue {r:,.2f} ({c / r:,.1f} ×)" for r, c in zip(revenue[bad], cost[bad])],
    )


def quantity_revenue_signs(pack: DataPack) -> pd.DataFrame:
    if not pack.has("sales") or pack.sales.empty:
        return no_findings()
    sales = pack.sales
    bad = ((sales["quantity"] < 0) & (sales["revenue"] > 0)) | ((sales["quantity"] > 0) & (sales["revenue"] < 0))
    return findings_frame(
        "sales",
        np.flatnonzero(bad.to_numpy()),
        "revenue",
        "the sign of the quantity (negative on returns)",
        [
            f"revenue {r:,.2f} with quantity {q:g}"
            for q, r in zip(sales.loc[bad, "quantity"], sales.loc[bad, "revenue"])
        ],
    )


def implausible_amount(pack: DataPack) -> pd.DataFrame:
    return implausible_amounts(pack)


def negative_cost(pack: DataPack) -> pd.DataFrame:
    return negative_costs(pack)
