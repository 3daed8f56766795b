"""The evidence beside each rate or mean KPI: its base, its interval, and whether it rests on too
little data to be scored (issue 17, "small-sample honesty").

For every KPI of the registry with :class:`~amreview.metrics.registry.Evidence`, over the review
quarter, :func:`kpi_evidence` gives the columns the scorecard carries in
:attr:`~amreview.scoring.scorecard.Scorecard.evidence` (and in its table):

* ``<kpi>_base`` — how many observations it rests on (deals, reports, accounts …; for a rate
  per week, the working weeks); empty where there are none;
* ``<kpi>_successes`` — for a share only: how many of them were a success (won, on time …);
* ``<kpi>_low``, ``<kpi>_high`` — its 95 % interval in the KPI's own unit
  (:mod:`amreview.metrics.intervals`); empty where there is none;
* ``<kpi>_too_little`` — the base is below the config's ``min_base`` for the KPI: *too little
  data*. The value is kept and shown with its base, but it gets no score and its weight is
  spread over the measure's other KPIs, as for "no data" (:func:`without_thin_scores`).
"""

from __future__ import annotations

import pandas as pd

from amreview.metrics.intervals import intervals
from amreview.metrics.registry import Kpi, KpiContext
from amreview.scoring.config import ScorecardConfig

EVIDENCE_SUFFIXES = ("_base", "_successes", "_low", "_high", "_too_little")


def min_bases(config: ScorecardConfig) -> dict[str, int]:
    """Each scored KPI's ``min_base`` in ``config`` (0: no minimum)."""
    return {name: s.min_base for m in config.measures.values() for name, s in m.kpis.items()}


def kpi_evidence(ctx: KpiContext, kpis: dict[str, Kpi], config: ScorecardConfig) -> pd.DataFrame:
    """The evidence columns (module docstring) of every KPI of ``kpis`` with evidence, in the
    registry's order, for everyone in role (rows ``ctx.am_ids``)."""
    minimum = min_bases(config)
    columns: dict[str, pd.Series] = {}
    for name, kpi in kpis.items():
        if kpi.evidence is None:
            continue
        table = intervals(kpi.evidence.kind, kpi.evidence.observations(ctx), ctx.am_ids, kpi.evidence.bounds)
        columns[f"{name}_base"] = table["base"]
        if kpi.evidence.kind == "share":
            columns[f"{name}_successes"] = table["successes"]
        columns[f"{name}_low"] = table["low"]
        columns[f"{name}_high"] = table["high"]
        columns[f"{name}_too_little"] = (table["base"] < minimum.get(name, 0)).astype(bool)
    return pd.DataFrame(columns, index=ctx.am_ids)


def too_little_data(evidence: pd.DataFrame, names) -> pd.DataFrame:
    """Per KPI of ``names`` (columns), whether it rests on too little data (False for a KPI
    without evidence)."""
    return pd.DataFrame(
        {
            name: evidence[f"{name}_too_little"]
            if f"{name}_too_little" in evidence.columns
            else pd.Series(False, index=evidence.index)
            for name in names
        },
        index=evidence.index,
        dtype=bool,
    )


def without_thin_scores(scores: pd.DataFrame, evidence: pd.DataFrame) -> pd.DataFrame:
    """``scores`` (KPI scores) with no score where the KPI rests on too little data: its weight is
    then spread over the measure's other KPIs, as for a KPI without data."""
    return scores.mask(too_little_data(evidence, scores.columns).reindex(scores.index, fill_value=False))
