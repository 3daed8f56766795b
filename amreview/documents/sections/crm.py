"""6. Utilisation of the CRM: activities per week by type, logging lag, stale opportunities."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from amreview.documents import narrative as say
from amreview.documents import plots
from amreview.documents.model import Chart, Heading, Section, Table
from amreview.documents.sections._common import TOP_N, finish, missing_table, new_section, row_of, value_of
from amreview.metrics.crm import (
    activities_between,
    activity_counts,
    hygiene_summary,
    logging_lag_distribution,
    stale_opportunities,
    weekly_activity_counts,
)

if TYPE_CHECKING:  # the review calls the section builders: Review is only a type here
    from amreview.documents.review import Review


def crm(review: Review) -> Section:
    section = new_section(review, "crm")
    _activities(review, section)
    _opportunity_hygiene(review, section)
    section.explanation = review.explanation_for(("crm_utilisation",))
    return finish(
        section,
        (
            "activities_per_week",
            "calls_per_week",
            "visits_per_week",
            "visits_attainment",
            "activities_attainment",
            "logging_lag_days_mean",
            "logged_within_2_days_share",
            "open_opportunities_updated_30d_share",
            "overdue_open_opportunities",
        ),
    )


def _activities(review: Review, section: Section) -> None:
    """Activities in the quarter: per week and by type against target, and how late they were logged."""
    quarter, values = review.quarter, review.values
    activities = review.mine("activities")
    if activities is None:
        missing_table(section, "CRM activities", "activities")
        return
    in_quarter = activities_between(activities, quarter.start, quarter.end)
    counts = activity_counts(in_quarter, "am_id")
    row = row_of(counts, review.am_id, list(counts.columns), 0.0)
    weeks = float(review.context().working_weeks()[review.am_id])
    section.lines += [
        say.activity_line(
            value_of(values, "activities_per_week"),
            value_of(values, "calls_per_week"),
            value_of(values, "visits_per_week"),
            value_of(values, "visits_attainment"),
        ),
        say.logging_line(value_of(values, "logged_within_2_days_share"), value_of(values, "logging_lag_days_mean")),
    ]
    section.figures.update(activities=float(row["total"]), activities_per_week=value_of(values, "activities_per_week"))
    section.parts += [
        Heading("Activities"),
        Chart(
            "weekly_activities",
            plots.plot_weekly_activities,
            weekly_activity_counts(activities, quarter.start, quarter.end),
        ),
        Table(
            "activities_by_type",
            "",
            _activities_by_type(review, row, list(counts.columns), weeks),
            formats={
                "Activities": "count",
                "Per working week": "number",
                "Target": "count",
                "Attainment": "attainment",
            },
            missing={"Target": "—", "Attainment": "—"},
            note=f"{weeks:.1f} working weeks in role in the quarter (Monday to Friday, no holiday calendar).",
        ),
        Chart("logging_lag", plots.plot_logging_lag, logging_lag_distribution(in_quarter)),
    ]


def _activities_by_type(review: Review, row: pd.Series, kinds: list[str], weeks: float) -> pd.DataFrame:
    """The activities table: per kind (and all together) the count, per working week, the
    target and the attainment."""
    targets = {
        "visit": review.targets.get("visits_attainment", np.nan),
        "total": review.targets.get("activities_attainment", np.nan),
    }
    return pd.DataFrame(
        {
            "Type": [k.capitalize() if k != "total" else "All activities" for k in kinds],
            "Activities": [row[k] for k in kinds],
            "Per working week": [row[k] / weeks if weeks > 0 else np.nan for k in kinds],
            "Target": [targets.get(k, np.nan) for k in kinds],
            "Attainment": [
                row[k] / targets[k] if not pd.isna(targets.get(k, np.nan)) and targets[k] > 0 else np.nan for k in kinds
            ],
        }
    )


def _opportunity_hygiene(review: Review, section: Section) -> None:
    """Open opportunities, and those past their close date or not updated in 30 days."""
    quarter = review.quarter
    opportunities = review.mine("opportunities")
    if opportunities is None:
        missing_table(section, "Opportunity hygiene", "opportunities")
        return
    hygiene = row_of(
        hygiene_summary(opportunities, quarter.end),
        review.am_id,
        ["open_opportunities", "overdue_open_opportunities"],
        0.0,
    )
    stale = stale_opportunities(opportunities, quarter.end)
    section.lines.append(
        say.hygiene_line(hygiene["open_opportunities"], len(stale), hygiene["overdue_open_opportunities"])
    )
    section.figures.update(stale_opportunities=float(len(stale)))
    if len(stale):
        section.parts += [Heading("Opportunities needing attention"), _stale_table(review, stale)]


def _stale_table(review: Review, stale: pd.DataFrame) -> Table:
    """The most overdue of the opportunities needing attention."""
    shown = stale.head(TOP_N)
    return Table(
        "stale_opportunities",
        "",
        pd.DataFrame(
            {
                "Opportunity": shown["opportunity_id"].to_numpy(),
                "Account": review.account_name(shown["account_id"]).to_numpy(),
                "Stage": shown["stage"].to_numpy(),
                "Value": shown["value"].to_numpy(),
                "Close date": shown["close_date"].to_numpy(),
                "Last update": shown["last_touch"].to_numpy(),
                "Days since update": shown["days_since_update"].to_numpy(),
                "Days overdue": shown["days_overdue"].to_numpy(),
            }
        ),
        formats={
            "Value": "money",
            "Close date": "date",
            "Last update": "date",
            "Days since update": "count",
            "Days overdue": "count",
        },
        nowrap=("Opportunity",),
        note=f"Open at the quarter's end and past the close date or not updated in 30 days "
        f"({len(stale)} in all; the {min(len(stale), TOP_N)} most overdue shown).",
    )
