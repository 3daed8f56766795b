"""How each account manager of the sample behaves: the traits of each persona (the star, the
margin misser, the CRM neglecter, ...) that every table's figures are drawn from."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from amreview.data.sample.organisation import ROSTER

DealMix = tuple[float, float, float, float]  # a share per deal type, in DEAL_TYPES order


@dataclass(frozen=True)
class Traits:
    """How one account manager behaves; the persona presets below override the defaults."""

    line_rate: float = 1.0  # trading volume multiplier of the AM's accounts
    growth: float = 0.03  # yearly growth of trading volume
    mix_start: DealMix = (0.80, 0.09, 0.06, 0.05)  # deal-type shares in July 2024
    mix_end: DealMix = (0.80, 0.09, 0.06, 0.05)  # ... and September 2026
    margin_skill: float = 0.5  # 0..1: where in each deal type's margin band the AM prices
    vip_share: float = 0.2  # share of programme vendors' lines sold under the programme
    revenue_attainment: tuple[float, float] = (1.0, 1.0)  # first quarter, review quarter
    margin_attainment: tuple[float, float] = (1.0, 1.0)
    attainment_noise: float = 0.05
    existing_accounts: int = 14
    churn: float = 1.0  # how readily the AM's customers stop buying (1 = the market's rate)
    new_accounts_rate: float = 1.4  # new accounts a quarter before the review quarter
    new_accounts_review: int = 2  # new accounts in the review quarter
    new_accounts_target: int = 2
    prospects: int = 2
    activities_per_week: float = 36.0
    visit_share: float = 0.075
    logging_batch_days: int = 0  # 0: logs the same or next day; else catches up every N business days
    opportunities_per_month: float = 9.0
    win_rate: float = 0.36
    stale_share: float = 0.05  # open opportunities left past their close date
    pipeline_update_days: int = 21  # open opportunities were last touched up to this long ago
    record_gaps: float = 0.0  # share of required CRM fields the AM leaves empty (see leave_record_gaps)
    pipeline_coverage: float = 2.0  # open next-quarter pipeline / next quarter revenue target
    report_late: float = 0.08
    report_missing: float = 0.02
    report_errors: float = 0.25
    forecast_bias: tuple[float, float] = (0.0, 0.0)  # revenue, gross margin
    forecast_sd: float = 0.07
    objective_success: float = 0.6
    competency_mean: float = 3.4
    weak_competency: str = ""
    nps_mean: float = 7.8
    csat_mean: float = 4.1
    sla_share: float = 0.88
    back_order_late: float = 0.22


_PERSONA_TRAITS = {
    "average": Traits(),
    "star": Traits(
        line_rate=1.05,
        growth=0.10,
        mix_start=(0.74, 0.07, 0.12, 0.07),
        mix_end=(0.72, 0.06, 0.14, 0.08),
        margin_skill=0.7,
        vip_share=0.3,
        churn=0.5,
        revenue_attainment=(1.12, 1.24),
        margin_attainment=(1.10, 1.27),
        existing_accounts=17,
        new_accounts_rate=1.8,
        new_accounts_review=5,
        new_accounts_target=3,
        prospects=4,
        activities_per_week=46,
        visit_share=0.1,
        opportunities_per_month=11,
        win_rate=0.46,
        stale_share=0.01,
        pipeline_coverage=3.0,
        report_late=0.02,
        report_missing=0.0,
        report_errors=0.05,
        forecast_sd=0.035,
        objective_success=0.9,
        competency_mean=4.3,
        nps_mean=9.1,
        csat_mean=4.7,
        sla_share=0.96,
        back_order_late=0.1,
    ),
    "steady": Traits(
        revenue_attainment=(1.0, 1.01),
        margin_attainment=(1.0, 0.99),
        attainment_noise=0.02,
        activities_per_week=38,
        win_rate=0.38,
        stale_share=0.03,
        report_late=0.04,
        report_missing=0.0,
        forecast_sd=0.03,
        objective_success=0.7,
        competency_mean=3.7,
        nps_mean=8.2,
        csat_mean=4.3,
        sla_share=0.92,
    ),
    "margin_misser": Traits(
        line_rate=1.0,
        growth=0.12,
        mix_start=(0.76, 0.08, 0.10, 0.06),
        mix_end=(0.52, 0.34, 0.02, 0.12),
        margin_skill=0.3,
        vip_share=0.16,
        churn=0.0,
        revenue_attainment=(1.02, 1.11),
        margin_attainment=(0.99, 0.84),
        new_accounts_rate=1.4,
        activities_per_week=34,
        win_rate=0.42,
        pipeline_coverage=2.2,
        forecast_bias=(0.02, 0.12),
        competency_mean=3.3,
        weak_competency="Decision Making & Influencing",
        nps_mean=7.6,
    ),
    "crm_neglecter": Traits(
        line_rate=0.95,
        growth=0.02,
        revenue_attainment=(0.97, 0.97),
        margin_attainment=(0.96, 0.95),
        new_accounts_rate=0.8,
        new_accounts_review=1,
        prospects=1,
        activities_per_week=7,
        visit_share=0.15,
        logging_batch_days=25,
        opportunities_per_month=6,
        win_rate=0.3,
        stale_share=0.45,
        pipeline_update_days=120,
        record_gaps=0.25,
        pipeline_coverage=0.5,
        report_late=0.35,
        report_missing=0.2,
        report_errors=1.0,
        forecast_bias=(-0.05, -0.04),
        forecast_sd=0.18,
        objective_success=0.3,
        competency_mean=2.9,
        weak_competency="Communications",
        nps_mean=7.0,
        csat_mean=3.8,
        sla_share=0.7,
        back_order_late=0.45,
    ),
    "new_starter": Traits(
        growth=0.0,
        revenue_attainment=(0.96, 0.96),
        margin_attainment=(0.93, 0.93),
        existing_accounts=0,
        new_accounts_rate=0.0,
        new_accounts_target=1,
        prospects=3,
        activities_per_week=30,
        opportunities_per_month=12,
        win_rate=0.3,
        pipeline_coverage=1.5,
        report_late=0.1,
        report_missing=0.05,
        report_errors=0.4,
        forecast_sd=0.1,
        objective_success=0.5,
        competency_mean=3.0,
    ),
    "below_par": Traits(
        line_rate=0.9,
        growth=-0.04,
        revenue_attainment=(0.93, 0.88),
        margin_attainment=(0.92, 0.86),
        new_accounts_rate=0.7,
        new_accounts_review=0,
        activities_per_week=26,
        win_rate=0.28,
        stale_share=0.08,
        pipeline_coverage=1.3,
        report_late=0.15,
        report_missing=0.05,
        record_gaps=0.06,
        report_errors=0.5,
        forecast_bias=(0.08, 0.08),
        forecast_sd=0.1,
        objective_success=0.4,
        competency_mean=3.0,
        nps_mean=7.2,
        csat_mean=3.9,
        sla_share=0.82,
        back_order_late=0.3,
    ),
}


def am_traits(rng: np.random.Generator) -> list[Traits]:
    """Each AM's traits: the persona preset; average and below-par AMs vary individually."""
    return [
        _individual(rng, persona) if persona in ("average", "below_par") else _PERSONA_TRAITS[persona]
        for _, _, _, _, persona in ROSTER
    ]


def _individual(rng: np.random.Generator, persona: str) -> Traits:
    """One AM of a common persona: book size, growth, attainment and effort vary a little."""
    preset = _PERSONA_TRAITS[persona]
    level = 1.0 if persona == "average" else 0.92
    first_revenue, first_margin = rng.normal(level, 0.04, 2)
    if persona == "average":  # below the star, above the below-par AMs, in the review quarter
        last_revenue, last_margin = np.clip(rng.normal(1.0, 0.04, 2), 0.93, 1.08)
        new_in_review = min(int(rng.poisson(1.3)), 3)
    else:
        last_revenue, last_margin = preset.revenue_attainment[1], preset.margin_attainment[1]
        new_in_review = int(rng.integers(0, 2))
    return replace(
        preset,
        line_rate=preset.line_rate * rng.uniform(0.85, 1.15),
        growth=preset.growth + rng.normal(0, 0.03),
        revenue_attainment=(float(first_revenue), float(last_revenue)),
        margin_attainment=(float(first_margin), float(last_margin)),
        existing_accounts=int(rng.integers(13, 19)),
        new_accounts_review=new_in_review,
        activities_per_week=preset.activities_per_week * rng.uniform(0.85, 1.15),
        competency_mean=preset.competency_mean + rng.normal(0, 0.2),
        nps_mean=preset.nps_mean + rng.normal(0, 0.3),
    )
