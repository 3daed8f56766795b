"""The sample's ``targets`` table: revenue and gross-margin targets set so that each account
manager's attainment follows their persona's plan, phased by month for the team on monthly
targets, and the count targets (new accounts, activities, visits)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from amreview.data.sample._calendar import DAY0, NEXT_Q, QUARTERS, REVIEW_Q, Calendar
from amreview.data.sample._columns import text_column
from amreview.data.sample.organisation import (
    ACTIVE_FROM,
    AM_IDS,
    MONTHLY_TARGET_TEAM,
    PUBLIC_TEAM,
    ROSTER,
    START_DAYS,
    TEAMS,
)
from amreview.data.sample.personas import Traits


def _attainment_plan(rng: np.random.Generator, traits: list[Traits], which: str) -> np.ndarray:
    """Planned attainment per AM and history quarter: a trend from the first quarter to the
    review quarter, with noise before it (the review quarter's value is the persona's)."""
    steps = np.arange(REVIEW_Q + 1) / REVIEW_Q
    plan: list[np.ndarray] = []
    for t in traits:
        first, last = getattr(t, which)
        noise = rng.normal(0, t.attainment_noise, len(steps))
        noise[-1] = 0
        plan.append(np.clip(first + (last - first) * steps + noise, 0.78, 1.35))
    return np.array(plan)


def _worked_share(cal: Calendar, q: int) -> np.ndarray:
    """Share of quarter ``q`` each AM was in post: 1.0 except for a starter inside it."""
    length = cal.quarter_starts[q + 1] - cal.quarter_starts[q]
    return np.clip((cal.quarter_starts[q + 1] - ACTIVE_FROM) / length, 0.0, 1.0)


def money_targets(
    rng: np.random.Generator, traits: list[Traits], cal: Calendar, actual: np.ndarray, which: str, decimals: int
) -> np.ndarray:
    """Targets per AM and quarter (history and next quarter) such that actual / target follows
    the persona's attainment plan; the next quarter grows on the review quarter's full rate."""
    history = np.round(actual[:, : REVIEW_Q + 1] / _attainment_plan(rng, traits, which), decimals)
    uplift = rng.uniform(1.02, 1.08, len(traits)) / _worked_share(cal, REVIEW_Q)
    return np.column_stack([history, np.round(history[:, -1] * uplift, decimals)])


def _phase(total: float, monthly_actuals: np.ndarray) -> list[tuple[str, float]]:
    """Split the review quarter's target over its months: whole units that add up exactly."""
    year, q = QUARTERS[REVIEW_Q][:4], int(QUARTERS[REVIEW_Q][-1])
    # Phased half by how the quarter's sales fell, half evenly: targets are smoother than sales.
    share = 0.5 * np.clip(monthly_actuals, 1.0, None) / np.clip(monthly_actuals, 1.0, None).sum() + 0.5 / 3
    parts = [float(round(total * s)) for s in share[:2]]
    parts.append(float(total) - sum(parts))
    return [(f"{year}-{3 * q - 2 + i:02d}", part) for i, part in enumerate(parts)]


def targets_frame(
    traits: list[Traits], cal: Calendar, money: dict[str, np.ndarray], monthly: dict[str, np.ndarray]
) -> pd.DataFrame:
    """Quarter targets for every AM from their first quarter to the next quarter; the monthly
    team's review-quarter revenue and margin targets are month rows instead of a quarter row."""
    rows: list[tuple[str, str, str, float]] = []
    for am, t in enumerate(traits):
        am_id = AM_IDS[am]
        first_q = int(cal.quarter_of(ACTIVE_FROM[am : am + 1])[0])
        public = TEAMS[am] == PUBLIC_TEAM
        for q in range(first_q, NEXT_Q + 1):
            for measure, target in money.items():
                if q == REVIEW_Q and TEAMS[am] == MONTHLY_TARGET_TEAM:
                    phased = _phase(target[am, q], monthly[measure][am])
                    rows.extend((am_id, month, measure, part) for month, part in phased)
                else:
                    rows.append((am_id, QUARTERS[q], measure, float(target[am, q])))
            ramp = _worked_share(cal, q)[am] * (0.75 if q == first_q and START_DAYS[am] > 0 else 1.0)
            counts = {
                "new_accounts": max(1, round(t.new_accounts_target * ramp)),
                "activities": round((400 if public else 450) * ramp, -1),
                "visits": round((30 if public else 36) * ramp),
            }
            rows.extend((am_id, QUARTERS[q], measure, float(value)) for measure, value in counts.items())
    frame = pd.DataFrame(rows, columns=["am_id", "period", "measure", "target"])
    return pd.DataFrame(
        {
            "am_id": text_column(frame["am_id"]),
            "period": text_column(frame["period"]),
            "measure": text_column(frame["measure"]),
            "target": frame["target"].astype(float),
        }
    )


def review_months(sales: pd.DataFrame, cal: Calendar) -> dict[str, np.ndarray]:
    """Revenue and gross margin per AM (rows) and month (columns) of the review quarter."""
    days = (sales["invoice_date"].to_numpy().astype("datetime64[D]") - DAY0).astype(int)
    month = np.searchsorted(cal.month_starts, days, side="right") - 1 - 3 * REVIEW_Q
    am = np.searchsorted(AM_IDS.astype(str), sales["am_id"].to_numpy(dtype=object).astype(str))
    inside = (month >= 0) & (month < 3)
    cell = am[inside] * 3 + month[inside]
    revenue = np.bincount(cell, sales["revenue"].to_numpy()[inside], len(ROSTER) * 3)
    cost = np.bincount(cell, sales["cost"].to_numpy()[inside], len(ROSTER) * 3)
    return {"revenue": revenue.reshape(-1, 3), "gross_margin": (revenue - cost).reshape(-1, 3)}
