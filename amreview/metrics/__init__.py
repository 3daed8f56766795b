"""Metrics: pure functions of validated DataFrames, each named after the business quantity.

No file I/O, no plotting, no globals; inputs are never modified. Degenerate cases are decided
and documented in each docstring (NaN means "not meaningful / no target", never a silent 0).
"""

import importlib

# The modules whose ``KPIS`` lists make up the registry (amreview.metrics.registry.all_kpis).
KPI_MODULES = (
    "amreview.metrics.margin",
    "amreview.metrics.accounts",
    "amreview.metrics.backorders",
    "amreview.metrics.newbusiness",
    "amreview.metrics.relationships",
    "amreview.metrics.crm",
    "amreview.metrics.reporting",
    "amreview.metrics.development",
    "amreview.metrics.competencies",
)


def kpi_modules():
    """The KPI modules, imported."""
    return [importlib.import_module(name) for name in KPI_MODULES]
