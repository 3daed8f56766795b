"""8. Development plan, 9. Competencies, 10. Manager's comments and the sign-off block."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from amreview.documents import narrative as say
from amreview.documents import plots
from amreview.documents.model import Chart, Section, SignOff, Table, Text
from amreview.documents.sections._common import (
    NOTE_SECTIONS,
    STATUS_LABELS,
    finish,
    missing_table,
    new_section,
    value_of,
)
from amreview.metrics.competencies import competency_ratings_table, ratings_in_period
from amreview.metrics.development import development_plan, plan_summary

if TYPE_CHECKING:  # the review calls the section builders: Review is only a type here
    from amreview.documents.review import Review


def development(review: Review) -> Section:
    section = new_section(review, "development")
    quarter = review.quarter
    objectives = review.mine("development_objectives")
    if objectives is None:
        missing_table(section, "Development objectives", "development_objectives")
    else:
        plan = development_plan(objectives, quarter, quarter.end)
        if plan.empty:
            section.parts.append(Text(say.nothing_in_quarter("development objectives", str(quarter)), "missing"))
        else:
            totals = plan_summary(plan).iloc[0]
            section.lines.append(
                say.plan_line(
                    totals["objectives"],
                    totals["objectives_achieved"],
                    totals["plan_completion"],
                    totals["objectives_carrying_forward"],
                    str(quarter.next()),
                )
            )
            section.figures.update(
                objectives=float(totals["objectives"]),
                objectives_achieved=float(totals["objectives_achieved"]),
                plan_completion=float(totals["plan_completion"]),
            )
            shown = pd.DataFrame(
                {
                    "Objective": plan["objective"].to_numpy(),
                    "Competency": plan["competency"].to_numpy(),
                    "Weight": plan["weight_share"].to_numpy(),
                    "Due": plan["due_date"].to_numpy(),
                    "Status": plan["status"].map(STATUS_LABELS).to_numpy(),
                    "Progress": plan["progress_used"].to_numpy(),
                    "Carried over": plan["carried_over"].to_numpy(),
                    "Carries forward": plan["carries_forward"].to_numpy(),
                    "Evidence": plan["evidence"].to_numpy(),
                }
            )
            section.parts += [
                Chart(
                    "objective_progress", plots.plot_objective_progress, plan[["objective", "progress_used", "status"]]
                ),
                Table(
                    "objectives",
                    f"Objectives for {quarter}",
                    shown,
                    formats={
                        "Weight": "pct0",
                        "Due": "date",
                        "Progress": "pct0",
                        "Carried over": "bool",
                        "Carries forward": "bool",
                    },
                ),
            ]
            forward = plan[plan["carries_forward"]]
            if len(forward):
                section.parts.append(
                    Table(
                        "carrying_forward",
                        f"Carrying into {quarter.next()}",
                        pd.DataFrame(
                            {
                                "Objective": forward["objective"].to_numpy(),
                                "Status": forward["status"].map(STATUS_LABELS).to_numpy(),
                                "Progress": forward["progress_used"].to_numpy(),
                                "Due": forward["due_date"].to_numpy(),
                            }
                        ),
                        formats={"Progress": "pct0", "Due": "date"},
                    )
                )
    section.explanation = review.explanation_for(("development_plan",))
    return finish(section, ("plan_completion", "objectives_achieved", "objectives_missed", "objectives_overdue"))


def competencies(review: Review) -> Section:
    section = new_section(review, "competencies")
    ratings = review.mine("competency_ratings")
    if ratings is None:
        missing_table(section, "Competency ratings", "competency_ratings")
    else:
        table = competency_ratings_table(ratings_in_period(ratings, review.quarter))
        if table.empty:
            section.parts.append(Text(say.nothing_in_quarter("competency ratings", str(review.quarter)), "missing"))
        else:
            values = review.values
            section.lines.append(
                say.competency_line(
                    value_of(values, "competency_self_mean"),
                    value_of(values, "competency_manager_mean"),
                    value_of(values, "competency_self_manager_gap_mean"),
                )
            )
            section.figures.update(competency_manager_mean=value_of(values, "competency_manager_mean"))
            ratings_shown = pd.DataFrame(
                {
                    "Competency": table["competency"].to_numpy(),
                    "Self": table["self"].to_numpy(),
                    "Manager": table["manager"].to_numpy(),
                    "Peers": table["peer"].to_numpy(),
                    "Peer raters": table["peer_raters"].to_numpy(),
                    "Self − manager": table["self_manager_gap"].to_numpy(),
                }
            )
            if table["peer"].isna().all():  # no peer review this quarter: no empty columns
                ratings_shown = ratings_shown.drop(columns=["Peers", "Peer raters"])
            comments = pd.DataFrame(
                {
                    "Competency": table["competency"].to_numpy(),
                    "Self": table["self_comment"].to_numpy(),
                    "Manager": table["manager_comment"].to_numpy(),
                    "Peers": table["peer_comment"].to_numpy(),
                }
            )
            comments = comments[[c for c in comments.columns if comments[c].notna().any()]]
            section.parts += [
                Chart("competencies", plots.plot_competencies, table[["competency", "self", "manager", "peer"]]),
                Table(
                    "competency_ratings",
                    "Ratings (1–5)",
                    ratings_shown,
                    formats={
                        "Self": "rating",
                        "Manager": "rating",
                        "Peers": "rating",
                        "Peer raters": "count",
                        "Self − manager": "gap",
                    },
                    missing={"Self": "not rated", "Manager": "not rated", "Peers": "—", "Self − manager": "—"},
                ),
            ]
            if comments.shape[1] > 1:
                section.parts.append(Table("competency_comments", "Comments", comments))
    if "competencies" in review.config.measures:
        section.explanation = review.explanation_for(("competencies",))
    else:
        section.parts.append(
            Text(
                "Competencies are shown, not scored, in this scorecard config: they inform the "
                "conversation, not the rating."
            )
        )
    return finish(
        section,
        ("competency_manager_mean", "competency_self_mean", "competency_peer_mean", "competency_self_manager_gap_mean"),
    )


def comments(review: Review) -> Section:
    section = new_section(review, "comments")
    header = review.header
    notes = review.mine("review_notes")
    if notes is None:
        missing_table(section, "Manager's comments", "review_notes")
    else:
        notes = notes[notes["period"] == str(review.quarter)]
        if notes.empty:
            section.parts.append(
                Text(say.nothing_in_quarter("manager's comments recorded", str(review.quarter)), "missing")
            )
        else:
            section.parts.append(
                Table(
                    "review_notes",
                    "",
                    pd.DataFrame(
                        {
                            "Section": notes["section"].map(NOTE_SECTIONS).fillna(notes["section"]).to_numpy(),
                            "Comment": notes["text"].to_numpy(),
                            "Author": notes["author"].to_numpy(),
                        }
                    ),
                    nowrap=("Author",),
                )
            )
    section.parts.append(
        SignOff(
            people=(("Account manager", header.name), ("Manager / department head", header.manager)),
            note="Signed by both after the review meeting. The account manager may add comments before signing.",
        )
    )
    return finish(section)
