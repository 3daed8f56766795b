"""The KPI catalogue: every KPI of every metrics module, in the job description's order.

The registry's types (:class:`~amreview.metrics.registry.Kpi`, its context) sit below the
metrics modules, which each list their ``KPIS``; this module sits above them and gathers those
lists (a new metrics module is one more name in :data:`KPI_MODULES`).
"""

from __future__ import annotations

import importlib

from amreview.metrics.registry import ALL_MEASURES, Kpi

# The modules whose ``KPIS`` lists make up the registry (:func:`all_kpis`). Within a measure,
# their order here, then each list's, is the order of the scorecard's columns.
KPI_MODULES = (
    "amreview.metrics.margin",
    "amreview.metrics.margin_mix",
    "amreview.metrics.margin_trend",
    "amreview.metrics.accounts",
    "amreview.metrics.backorders",
    "amreview.metrics.newbusiness",
    "amreview.metrics.relationships",
    "amreview.metrics.crm",
    "amreview.metrics.reporting",
    "amreview.metrics.crm_records",
    "amreview.metrics.development",
    "amreview.metrics.competencies",
)


def kpi_modules():
    """The KPI modules, imported."""
    return [importlib.import_module(name) for name in KPI_MODULES]


def all_kpis() -> dict[str, Kpi]:
    """Every KPI of every metrics module, by name, in the job description's order of measures."""
    kpis: dict[str, Kpi] = {}
    for module in kpi_modules():
        for kpi in module.KPIS:
            if kpi.name in kpis:  # a bug in the metrics modules, not a caller's mistake
                raise ValueError(f"KPI {kpi.name} is registered twice")
            kpis[kpi.name] = kpi
    order = list(ALL_MEASURES)
    return dict(sorted(kpis.items(), key=lambda item: order.index(item[1].measure)))
