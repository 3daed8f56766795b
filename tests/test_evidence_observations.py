"""Every rate or mean KPI's value is the statistic of the observations its evidence declares, for
everyone, so the KPI and its base and interval can never drift apart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from amreview.data.datapack import load_pack
from amreview.metrics.catalogue import all_kpis
from amreview.metrics.intervals import intervals
from amreview.metrics.registry import KpiContext
from amreview.periods import Quarter

KPIS = all_kpis()
WITH_EVIDENCE = [name for name, kpi in KPIS.items() if kpi.evidence is not None]
# Every scored KPI of the default scorecard that is a share, ratio, mean or rate, and those the issue
# names: each must declare what it rests on.
MUST_HAVE_EVIDENCE = {
    "gm_pct",
    "vendor_programme_revenue_share",
    "reports_on_time_share",
    "forecast_accuracy_revenue",
    "forecast_accuracy_gross_margin",
    "report_errors_per_report",
    "crm_record_completeness",
    "plan_completion",
    "nps",
    "csat",
    "retention_rate",
    "cases_within_sla_share",
    "back_orders_past_promised_share",
    "win_rate_value",
    "win_rate_count",
    "new_business_win_rate_count",
    "new_business_win_rate_value",
    "activities_per_week",
    "calls_per_week",
    "visits_per_week",
    "logged_within_2_days_share",
    "logging_lag_days_mean",
    "open_opportunities_updated_30d_share",
    "report_days_late_mean",
    "sales_cycle_days",
    "back_order_days_to_fulfil",
}


@pytest.fixture(scope="module")
def sample_ctx():
    return KpiContext.for_period(load_pack("sample"), Quarter.parse("2026Q3"))


def statistic(kpi, ctx: KpiContext) -> pd.Series:
    """The KPI recomputed from its observations alone: mean of value (share, mean), Σ value / Σ
    weight (ratio, rate)."""
    observed = kpi.evidence.observations(ctx)
    assert list(observed.columns)[:2] == ["am_id", "value"], kpi.name
    assert observed["am_id"].isin(ctx.am_ids).all(), kpi.name
    value, weight = observed["value"], observed.get("weight", pd.Series(1.0, index=observed.index))
    if kpi.evidence.kind in ("share", "mean"):
        return value.groupby(observed["am_id"]).mean().reindex(ctx.am_ids)
    sums = pd.DataFrame({"y": value, "x": weight}).groupby(observed["am_id"]).sum().reindex(ctx.am_ids)
    return sums["y"] / sums["x"].where(sums["x"] > 0)


def test_every_rate_or_mean_kpi_declares_its_evidence():
    assert set(WITH_EVIDENCE) >= MUST_HAVE_EVIDENCE, sorted(MUST_HAVE_EVIDENCE - set(WITH_EVIDENCE))
    for name in ("revenue", "gross_margin", "new_accounts", "gross_margin_attainment", "reports_missing"):
        assert KPIS[name].evidence is None, f"{name} is the whole population, not a sample"


@pytest.mark.parametrize("name", WITH_EVIDENCE)
def test_the_kpi_is_the_statistic_of_its_observations(sample_ctx, name):
    kpi = KPIS[name]
    value = kpi(sample_ctx)
    recomputed = statistic(kpi, sample_ctx)
    assert value.notna().sum() >= 3, f"{name}: too few values on the sample to compare"
    np.testing.assert_allclose(value.to_numpy(), recomputed.to_numpy(), rtol=1e-9, atol=1e-12, err_msg=name)
    # and the interval module's estimate is that same statistic
    table = intervals(kpi.evidence.kind, kpi.evidence.observations(sample_ctx), sample_ctx.am_ids)
    np.testing.assert_allclose(table["estimate"].to_numpy(), value.to_numpy(), rtol=1e-9, atol=1e-12, err_msg=name)
