"""Sales lines as several metrics read them: each account's first line in the whole pack.

Below the KPI registry (its context caches the first lines) and the metrics modules that count
new accounts.
"""

from __future__ import annotations

import pandas as pd


def first_lines(sales: pd.DataFrame) -> pd.DataFrame:
    """Each account's first line in the whole pack: ``account_id`` (index), ``invoice_date``,
    ``line_id``, ``am_id`` — ordered by ``invoice_date`` then ``line_id``."""
    # Only the lines on each account's earliest date can be first: pick those (a group-by, fast
    # on ten million lines), then break ties by line_id among the few left.
    dates = sales["invoice_date"]
    earliest = dates.groupby(sales["account_id"], sort=False).transform("min")
    candidates = sales.loc[dates == earliest, ["account_id", "invoice_date", "line_id", "am_id"]]
    first = candidates.sort_values(["account_id", "line_id"], kind="mergesort").drop_duplicates("account_id")
    first = first.sort_values(["invoice_date", "line_id"], kind="mergesort")
    return first.set_index("account_id")[["invoice_date", "line_id", "am_id"]]
