"""What a pack's missing or empty tables switch off: per contract table, the measures and KPIs
that read it (from the KPI registry's ``sources``, so it cannot drift from the code).
"""

from __future__ import annotations

import pandas as pd

from amreview.data.datapack import DataPack
from amreview.data.schemas import REQUIRED_TABLES, SCHEMAS


def table_uses() -> dict[str, dict[str, list[str]]]:
    """Per contract table, the KPIs (by measure) whose ``sources`` read it."""
    from amreview.metrics.catalogue import all_kpis
    from amreview.metrics.registry import ALL_MEASURES

    uses: dict[str, dict[str, list[str]]] = {t: {} for t in SCHEMAS}
    for kpi in all_kpis().values():
        for table in dict.fromkeys(s.split(".")[0] for s in kpi.sources):
            if table in uses:
                uses[table].setdefault(ALL_MEASURES[kpi.measure], []).append(kpi.name)
    return uses


COVERAGE_NOTE = (
    'A missing or empty table means "this pack does not measure that": the KPIs that read it have no '
    "data and the review says so in their sections (a KPI that combines several tables, such as CRM "
    "record completeness, uses those the pack has)."
)


def coverage(pack: DataPack) -> pd.DataFrame:
    """Per contract table: ``status`` (present, empty, missing), ``rows``, the ``measures`` it
    feeds, and — when empty or missing — ``kpis_without_data``: the KPIs that read it (see
    :data:`COVERAGE_NOTE`)."""
    uses = table_uses()
    rows = []
    for table in SCHEMAS:
        n = len(pack[table]) if pack.has(table) else 0
        status = "missing" if not pack.has(table) else ("empty" if n == 0 else "present")
        measures = uses[table]
        kpis = sorted({k for names in measures.values() for k in names})
        rows.append(
            {
                "table": table,
                "required": table in REQUIRED_TABLES,
                "status": status,
                "rows": n,
                "measures": ", ".join(measures) or "no KPI (shown as it is)",
                "kpis_without_data": "" if status == "present" else (", ".join(kpis) or "none"),
            }
        )
    return pd.DataFrame(rows)
