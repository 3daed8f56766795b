"""4. Customer relationships: NPS and CSAT, account retention, customer cases within SLA."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from amreview.documents import narrative as say
from amreview.documents import plots
from amreview.documents.like_for_like import like_for_like_lines
from amreview.documents.model import Chart, Heading, Section, Table
from amreview.documents.sections._common import TOP_N, finish, missing_table, new_section, no_sales, row_of, value_of
from amreview.metrics.relationships import (
    case_outcomes,
    case_sla_summary,
    cases_by_severity,
    csat_summary,
    feedback_between,
    nps_breakdown,
)

if TYPE_CHECKING:  # the review calls the section builders: Review is only a type here
    from amreview.documents.review import Review


def relationships(review: Review) -> Section:
    section = new_section(review, "relationships")
    _feedback(review, section)
    if review.has_sales:
        _retention(review, section)
    else:
        no_sales(section, "Account retention")
    _cases(review, section)
    section.explanation = review.explanation_for(("customer_relationships",))
    return finish(
        section,
        (
            "nps",
            "csat",
            "retention_rate",
            "cases_within_sla_share",
            "case_resolution_days_median",
            "open_cases_past_sla",
        ),
    )


def _feedback(review: Review, section: Section) -> None:
    """NPS and CSAT in the quarter, the NPS chart and what customers said."""
    quarter = review.quarter
    feedback = review.mine("customer_feedback")
    if feedback is None:
        missing_table(section, "Customer feedback (NPS, CSAT)", "customer_feedback")
        return
    responses = feedback_between(feedback, quarter.start, quarter.end)
    nps = row_of(
        nps_breakdown(responses), review.am_id, ["responses", "promoters", "passives", "detractors", "nps"], 0.0
    )
    csat = row_of(csat_summary(responses), review.am_id, ["responses", "csat", "satisfied_share"], 0.0)
    section.lines += [
        say.nps_line(nps["nps"], nps["responses"], nps["promoters"], nps["detractors"]),
        say.csat_line(csat["csat"], csat["responses"]),
    ]
    section.figures.update(nps=float(nps["nps"]) if nps["responses"] else np.nan, nps_responses=float(nps["responses"]))
    section.parts += [
        Heading("Customer feedback"),
        Chart(
            "nps",
            plots.plot_nps_breakdown,
            nps.to_frame().T
            if nps["responses"]
            else pd.DataFrame(columns=["promoters", "passives", "detractors", "nps"]),
        ),
    ]
    said = responses[responses["comment"].notna()].sort_values("feedback_date", ascending=False).head(8)
    if len(said):
        section.parts.append(
            Table(
                "feedback_comments",
                "What customers said",
                pd.DataFrame(
                    {
                        "Date": said["feedback_date"].to_numpy(),
                        "Kind": said["kind"].str.upper().to_numpy(),
                        "Score": said["score"].to_numpy(),
                        "Account": review.account_name(said["account_id"]).to_numpy(),
                        "Comment": said["comment"].to_numpy(),
                    }
                ),
                formats={"Date": "date", "Score": "count"},
            )
        )


def _cases(review: Review, section: Section) -> None:
    """Customer cases: resolved within SLA, open past it, by severity."""
    quarter = review.quarter
    cases = review.mine("cases")
    if cases is None:
        missing_table(section, "Customer cases", "cases")
        return
    columns = [
        "resolved",
        "resolved_with_sla",
        "resolved_within_sla",
        "cases_within_sla_share",
        "case_resolution_days_median",
        "open_cases",
        "open_cases_past_sla",
    ]
    sla = row_of(case_sla_summary(cases, quarter.start, quarter.end, quarter.end), review.am_id, columns, 0.0)
    section.lines.append(
        say.cases_line(
            sla["resolved"],
            sla["cases_within_sla_share"] if sla["resolved_with_sla"] else np.nan,
            sla["open_cases_past_sla"],
        )
    )
    section.figures.update(cases_resolved=float(sla["resolved"]))
    severity = cases_by_severity(case_outcomes(cases, quarter.end, quarter.start)).reset_index()
    if len(severity):
        severity.columns = [
            "Severity",
            "Resolved within SLA",
            "Resolved past SLA",
            "Resolved, no SLA",
            "Open within SLA",
            "Open past SLA",
            "Open, no SLA",
            "Cases",
        ]
        section.parts += [
            Heading("Customer cases handled in the quarter"),
            Table("cases", "", severity, formats=dict.fromkeys(severity.columns[1:], "count")),
        ]


def _retention(review: Review, section: Section) -> None:
    quarter = review.quarter
    kept = review.views.retention  # principal account managers are decided over the whole pack
    before, retained = len(kept), int(kept["retained"].sum())
    section.lines.append(
        say.retention_line(retained, before, value_of(review.values, "retention_rate"), str(quarter.previous()))
    )
    section.lines += like_for_like_lines(review, ("retention_rate",))
    section.figures.update(accounts_held=float(before), accounts_kept=float(retained))
    lost = kept[~kept["retained"]]
    if len(lost):
        sales = review.mine("sales")
        assert sales is not None  # a required table: every pack holds it
        mine_before = sales[
            (sales["invoice_date"] >= quarter.shift(-4).start) & (sales["invoice_date"] <= quarter.shift(-1).end)
        ]
        last_sale = mine_before.groupby("account_id")["invoice_date"].max()
        section.parts.append(
            Table(
                "accounts_not_kept",
                "Accounts not kept this quarter",
                pd.DataFrame(
                    {
                        "Account": review.account_name(lost["account_id"]).to_numpy(),
                        "Last invoice before": lost["account_id"].map(last_sale).to_numpy(),
                    }
                ).head(TOP_N),
                formats={"Last invoice before": "date"},
                note="Accounts this person was principal for in the four quarters before, with no sale to them now.",
            )
        )
