"""The sample's ``report_submissions`` (the recurring reports, each on time, late or missing,
with its errors) and ``forecasts`` (revenue and margin forecast before each quarter) tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from amreview.data.sample._calendar import END, NEXT_Q, QUARTERS, REVIEW_Q, Calendar
from amreview.data.sample._columns import date_column, text_column
from amreview.data.sample.organisation import ACTIVE_FROM, AM_IDS
from amreview.data.sample.personas import Traits


def _report_schedule(cal: Calendar) -> tuple[tuple[str, np.ndarray], ...]:
    """Due days of the recurring reports over the history."""
    fridays = np.arange(4, END + 1, 7)
    month_firsts = cal.month_starts[: REVIEW_Q * 3 + 3]
    fifth_business_day = cal.bdays[np.searchsorted(cal.bdays, month_firsts) + 4]
    quarter_ends = cal.quarter_starts[1 : REVIEW_Q + 2]
    ten_days_before_end = cal.bdays[np.searchsorted(cal.bdays, quarter_ends) - 10]
    return (
        ("Weekly pipeline report", np.unique(cal.previous_bday(fridays))),
        ("Monthly account plan", fifth_business_day),
        ("Quarterly business review pack", ten_days_before_end),
    )


def report_submissions_frame(rng: np.random.Generator, traits: list[Traits], cal: Calendar) -> pd.DataFrame:
    """Every report each AM owed since their start: when submitted (or missing), with how many errors."""
    rows: list[pd.DataFrame] = []
    for am, t in enumerate(traits):
        for report, due in _report_schedule(cal):
            due = due[due >= ACTIVE_FROM[am]]
            n = len(due)
            draw = rng.random(n)
            late = (draw >= t.report_missing) & (draw < t.report_missing + t.report_late)
            submitted = np.where(
                late,
                cal.next_bday(due + rng.integers(1, 10, n)),
                np.maximum(cal.previous_bday(due - rng.integers(0, 3, n)), ACTIVE_FROM[am]),
            )
            missing = (draw < t.report_missing) | (submitted > END)
            errors = np.where(missing, 0, rng.poisson(t.report_errors, n))
            rows.append(
                pd.DataFrame(
                    {
                        "am_id": text_column(np.full(n, AM_IDS[am], dtype=object)),
                        "report": text_column(np.full(n, report, dtype=object)),
                        "due_date": date_column(due),
                        "submitted_date": date_column(submitted, missing=missing),
                        "errors": errors.astype("int64"),
                    }
                )
            )
    return pd.concat(rows, ignore_index=True).sort_values(
        ["due_date", "am_id", "report"], kind="stable", ignore_index=True
    )


def forecasts_frame(
    rng: np.random.Generator,
    traits: list[Traits],
    cal: Calendar,
    actual: dict[str, np.ndarray],
    money: dict[str, np.ndarray],
) -> pd.DataFrame:
    """Quarter forecasts submitted a week or two before each quarter; the next quarter's is
    made against its target at the AM's current attainment."""
    rows: list[tuple[str, str, str, float, int]] = []
    for am, t in enumerate(traits):
        for q in range(1, NEXT_Q + 1):
            submitted = int(cal.previous_bday(np.array([cal.quarter_starts[q] - rng.integers(7, 15)]))[0])
            if submitted < ACTIVE_FROM[am]:
                continue
            for m, (measure, decimals) in enumerate((("revenue", -3), ("gross_margin", -2))):
                level = t.revenue_attainment[1] if measure == "revenue" else t.margin_attainment[1]
                base = actual[measure][am, q] if q <= REVIEW_Q else money[measure][am, q] * level
                error = t.forecast_bias[m] + rng.normal(0, t.forecast_sd)
                forecast = float(round(base * (1 + error), decimals))
                rows.append((AM_IDS[am], QUARTERS[q], measure, forecast, submitted))
    frame = pd.DataFrame(rows, columns=["am_id", "period", "measure", "forecast", "submitted"])
    return pd.DataFrame(
        {
            "am_id": text_column(frame["am_id"]),
            "period": text_column(frame["period"]),
            "measure": text_column(frame["measure"]),
            "forecast": frame["forecast"].astype(float),
            "submitted_date": date_column(frame["submitted"].to_numpy()),
        }
    )
