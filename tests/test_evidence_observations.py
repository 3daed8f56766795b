"""Every rate or mean KPI's value is the statistic of the observations its evidence declares, for
everyone, so the KPI and its base and interval can never drift apart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from amreview.data.datapack import load_pack, validate_tables
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


# --------------------------------------------------------------------------------------------
# Hand-made packs: the same identity where every figure is small enough to check by hand
# --------------------------------------------------------------------------------------------


def hand_contexts() -> dict[str, KpiContext]:
    from tests import test_metrics_newbusiness as newbusiness
    from tests import test_metrics_reporting as reporting
    from tests.conftest import hand_tables

    tables = hand_tables()
    reports = validate_tables(
        {
            **tables,
            **reporting.crm_tables(),
            "report_submissions": reporting.reports_frame(),
            "forecasts": reporting.forecasts_frame(),
        },
        source="hand",
    )
    q3 = Quarter.parse("2026Q3")
    return {
        "reporting": KpiContext.for_period(reports, q3),
        "newbusiness": KpiContext.for_period(newbusiness.hand_pack(), q3),
    }


HAND = {
    "reporting": [
        "reports_on_time_share",
        "report_days_late_mean",
        "report_errors_per_report",
        "forecast_accuracy_revenue",
        "crm_record_completeness",
        "gm_pct",
    ],
    "newbusiness": ["win_rate_count", "win_rate_value", "sales_cycle_days", "average_deal_size"],
}


@pytest.fixture(scope="module")
def hand():
    return hand_contexts()


@pytest.mark.parametrize("pack, name", [(pack, name) for pack, names in HAND.items() for name in names])
def test_on_hand_made_packs_the_kpi_is_the_statistic_of_its_observations(hand, pack, name):
    ctx, kpi = hand[pack], KPIS[name]
    value = kpi(ctx)
    assert value.notna().any(), name
    np.testing.assert_allclose(value.to_numpy(), statistic(kpi, ctx).to_numpy(), rtol=1e-12, err_msg=name)


def test_the_hand_made_bases_by_hand(hand):
    ctx = hand["reporting"]
    # AM1: four reports due in Q3 (one missing), three submitted (one on time), as
    # test_metrics_reporting's hand figures say: on time 1/4, days late 8/3
    on_time = KPIS["reports_on_time_share"].evidence.observations(ctx)
    assert (on_time["am_id"] == "AM1").sum() == 4 and on_time.loc[on_time["am_id"] == "AM1", "value"].sum() == 1
    late = KPIS["report_days_late_mean"].evidence.observations(ctx)
    assert (late["am_id"] == "AM1").sum() == 3
    # CRM completeness AM1: (1/2 + 4/6 + 1/2) / 3 over three record types, whose weights add up to 3
    crm = KPIS["crm_record_completeness"].evidence.observations(ctx)
    assert crm.loc[crm["am_id"] == "AM1", "weight"].sum() == pytest.approx(3.0)
    assert crm.loc[crm["am_id"] == "AM1", "value"].sum() == pytest.approx(1 / 2 + 4 / 6 + 1 / 2)
