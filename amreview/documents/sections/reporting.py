"""3. Reporting: timeliness of reports, forecast accuracy and bias, completeness of CRM records."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from amreview.documents import narrative as say
from amreview.documents.model import Heading, Section, Table, Text
from amreview.documents.sections._common import finish, missing_table, new_section, no_sales, row_of, value_of
from amreview.metrics.crm_records import CRM_REQUIRED_FIELDS, crm_completeness_by_field, crm_records_in_scope
from amreview.metrics.reporting import (
    forecast_accuracy_table,
    forecast_actuals,
    latest_forecasts,
    report_status,
    report_timeliness,
    report_timeliness_by_type,
    reports_due_between,
)

if TYPE_CHECKING:  # the review calls the section builders: Review is only a type here
    from amreview.documents.review import Review


def reporting(review: Review) -> Section:
    section = new_section(review, "reporting")
    _report_timeliness(review, section)
    _forecasts(review, section)
    _completeness(review, section)
    section.explanation = review.explanation_for(("report_timeliness", "information_accuracy"))
    return finish(
        section,
        (
            "reports_on_time_share",
            "report_days_late_mean",
            "reports_missing",
            "forecast_accuracy_revenue",
            "forecast_accuracy_gross_margin",
            "forecast_bias_revenue",
            "forecast_bias_gross_margin",
            "report_errors_per_report",
            "crm_record_completeness",
        ),
    )


def _report_timeliness(review: Review, section: Section) -> None:
    """Reports due in the quarter: on time, late and missing, by report, and the late ones."""
    quarter = review.quarter
    reports = review.mine("report_submissions")
    if reports is None:
        missing_table(section, "Report submissions", "report_submissions")
        return
    due = reports_due_between(reports, quarter.start, quarter.end)
    totals = row_of(
        report_timeliness(due, quarter.end),
        review.am_id,
        ["reports_due", "reports_on_time", "reports_late", "reports_missing"],
        0.0,
    )
    section.lines.append(
        say.reports_line(
            totals["reports_due"], totals["reports_on_time"], totals["reports_late"], totals["reports_missing"]
        )
    )
    section.figures.update(reports_due=float(totals["reports_due"]), reports_on_time=float(totals["reports_on_time"]))
    by_type = report_timeliness_by_type(due, quarter.end).reset_index()
    if len(by_type):
        section.parts += [
            Heading("Reports due in the quarter"),
            Table(
                "reports",
                "",
                by_type.rename(
                    columns={
                        "report": "Report",
                        "reports_due": "Due",
                        "reports_on_time": "On time",
                        "reports_late": "Late",
                        "reports_missing": "Missing",
                        "report_days_late_mean": "Mean days late",
                        "report_errors_per_report": "Errors per report",
                    }
                )[["Report", "Due", "On time", "Late", "Missing", "Mean days late", "Errors per report"]],
                formats={
                    "Due": "count",
                    "On time": "count",
                    "Late": "count",
                    "Missing": "count",
                    "Mean days late": "days",
                    "Errors per report": "number",
                },
            ),
        ]
    status = report_status(due, quarter.end)
    late = status[status["status"].isin(["late", "missing"])].sort_values("due_date")
    if len(late):
        section.parts.append(
            Table(
                "late_reports",
                "Late and missing reports",
                pd.DataFrame(
                    {
                        "Report": late["report"].to_numpy(),
                        "Due": late["due_date"].to_numpy(),
                        "Submitted": late["submitted_date"].where(late["submitted"]).to_numpy(),
                        "Days late": late["days_late"].to_numpy(),
                        "Status": late["status"].to_numpy(),
                    }
                ),
                formats={"Due": "date", "Submitted": "date", "Days late": "count"},
                missing={"Days late": "—"},
            )
        )


def _forecasts(review: Review, section: Section) -> None:
    quarter = review.quarter
    forecasts = review.mine("forecasts")
    if forecasts is None:
        missing_table(section, "Forecasts", "forecasts")
        return
    latest = latest_forecasts(forecasts, quarter, submitted_by=quarter.end)
    if latest.empty:
        section.parts.append(Text(f"No forecast for {quarter} submitted by its last day.", "missing"))
        return
    if not review.has_sales:
        no_sales(section, "Forecast accuracy (it compares forecasts with invoiced actuals)")
        return
    table = forecast_accuracy_table(latest, forecast_actuals(review.lines))
    for measure, label in (("gross_margin", "Gross margin"), ("revenue", "Revenue")):
        row = table[table["measure"] == measure]
        if len(row):
            r = row.iloc[0]
            section.lines.append(say.forecast_line(label, r["forecast"], r["actual"], r["accuracy"], r["bias"]))
    section.parts += [
        Heading("Forecast against actual"),
        Table(
            "forecasts",
            "",
            pd.DataFrame(
                {
                    "Measure": table["measure"].str.replace("_", " ").str.capitalize().to_numpy(),
                    "Forecast": table["forecast"].to_numpy(),
                    "Actual": table["actual"].to_numpy(),
                    "Error": table["error"].to_numpy(),
                    "Bias": table["bias"].to_numpy(),
                    "Accuracy": table["accuracy"].to_numpy(),
                    "Submitted": table["submitted_date"].to_numpy(),
                }
            ),
            formats={
                "Forecast": "money",
                "Actual": "money",
                "Error": "money_change",
                "Bias": "change",
                "Accuracy": "pct",
                "Submitted": "date",
            },
            note="Accuracy = max(0, 1 − |forecast − actual| / actual); bias > 0 is an over-forecast.",
        ),
    ]


def _completeness(review: Review, section: Section) -> None:
    quarter = review.quarter
    if not any(review.has_table(name) for name in CRM_REQUIRED_FIELDS):
        missing_table(
            section, "CRM records (accounts, opportunities, activities)", "accounts, opportunities or activities"
        )
        return
    mine = {name: review.mine(name) for name in CRM_REQUIRED_FIELDS}
    records = crm_records_in_scope(**mine, start=quarter.start, end=quarter.end, as_of=quarter.end)
    by_field = crm_completeness_by_field(records, review.facts.crm_fields)  # fields the whole pack exports
    section.lines.append(say.completeness_line(value_of(review.values, "crm_record_completeness")))
    if len(by_field):
        section.parts += [
            Heading("Completeness of CRM records"),
            Table(
                "crm_completeness",
                "",
                pd.DataFrame(
                    {
                        "Records": by_field["table"].to_numpy(),
                        "Field": [field_words(f) for f in by_field["field"]],
                        "Records checked": by_field["records"].to_numpy(),
                        "Filled": by_field["filled"].to_numpy(),
                        "Share filled": by_field["share"].to_numpy(),
                    }
                ),
                formats={"Records checked": "count", "Filled": "count", "Share filled": "pct"},
            ),
        ]


FIELD_WORDS = {"account_id": "account"}  # a field whose plain name is not its name with spaces


def field_words(field: str) -> str:
    """A CRM field as a reader names it: ``close_date`` → ``close date``, ``account_id`` → ``account``."""
    return FIELD_WORDS.get(field, field.replace("_", " "))
