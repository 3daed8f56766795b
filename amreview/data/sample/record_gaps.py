"""The required CRM fields some people leave empty, blanked in the finished ``opportunities``
and ``activities`` tables with draws from a generator of their own."""

from __future__ import annotations

import numpy as np
import pandas as pd

from amreview.data.sample._columns import text_column
from amreview.data.sample.organisation import AM_IDS
from amreview.data.sample.personas import Traits

RECORD_GAPS_STREAM = 1  # the second generator's key: its draws leave the main stream untouched


def leave_record_gaps(tables: dict[str, pd.DataFrame], traits: list[Traits], rng: np.random.Generator) -> None:
    """Required CRM fields (:data:`amreview.metrics.reporting.CRM_REQUIRED_FIELDS`) some people
    leave empty: an opportunity's expected margin, and the account of an activity that should
    name one (every type but ``other``), each with the AM's ``record_gaps`` probability."""
    gaps = dict(zip(AM_IDS, (t.record_gaps for t in traits)))
    opportunities, activities = tables["opportunities"], tables["activities"]
    share = opportunities["am_id"].map(gaps).to_numpy(dtype=float)
    blank = rng.random(len(opportunities)) < share
    opportunities["expected_margin"] = opportunities["expected_margin"].where(~blank)
    share = activities["am_id"].map(gaps).to_numpy(dtype=float)
    blank = (rng.random(len(activities)) < share) & (activities["type"] != "other").to_numpy()
    activities["account_id"] = text_column(
        activities["account_id"].to_numpy(dtype=object), missing=blank | activities["account_id"].isna().to_numpy()
    )
