"""8. Competencies, 9. Development plan, 10. Manager's comments and the sign-off block."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from amreview.documents import narrative as say
from amreview.documents import plots
from amreview.documents.model import Chart, Comment, Comments, Section, SignOff, Table, Text
from amreview.documents.sections._common import STATUS_LABELS, finish, missing_table, new_section, value_of
from amreview.documents.sections.words import (
    MANAGER,
    PROPOSED_OBJECTIVES,
    SIGN_OFF,
    as_comments,
    comments_of,
    other_notes,
    quarter_notes,
)
from amreview.metrics.competencies import competency_ratings_table, ratings_in_period
from amreview.metrics.development import development_plan, objective_weight, plan_summary
from amreview.scoring.outcomes import SIGNED

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
            _plan_parts(section, review, plan)
        agreed = agreed_for_next_quarter(objectives, quarter)
        if len(agreed):
            section.parts.append(_agreed_table(agreed, plan, quarter))
    notes = quarter_notes(review)
    title = f"Objectives proposed for {quarter.next()} on the self-assessment"
    proposed = None if notes is None else comments_of(notes, PROPOSED_OBJECTIVES, title)
    if proposed is not None:
        section.parts.append(proposed)
    section.explanation = review.explanation_for(("development_plan",))
    return finish(section, ("plan_completion", "objectives_achieved", "objectives_missed", "objectives_overdue"))


def _plan_parts(section: Section, review: Review, plan: pd.DataFrame) -> None:
    """The quarter's plan: the line, the progress chart, the objectives and what carries forward."""
    quarter = review.quarter
    totals = plan_summary(plan).iloc[0]
    section.lines.append(
        say.plan_line(
            totals["objectives"],
            totals["objectives_achieved"],
            totals["plan_completion"],
            totals["objectives_carrying_forward"],
            str(quarter.next()),
            overdue=totals["objectives_overdue"],
        )
    )
    agreed_in = plan["agreed_in"].astype(object) if "agreed_in" in plan.columns else pd.Series(None, index=plan.index)
    for label, count in agreed_in.dropna().value_counts(sort=False).items():
        section.lines.append(say.agreed_objectives_line(int(count), len(plan), str(label)))
    section.figures.update(
        objectives=float(totals["objectives"]),
        objectives_achieved=float(totals["objectives_achieved"]),
        plan_completion=float(totals["plan_completion"]),
    )
    columns = {
        "Objective": plan["objective"].to_numpy(),
        "Competency": plan["competency"].to_numpy(),
        "Weight": plan["weight_share"].to_numpy(),
        "Due": plan["due_date"].to_numpy(),
        "Status": _status_labels(plan).to_numpy(),
        "Progress": plan["progress_used"].to_numpy(),
        "Carried over": plan["carried_over"].to_numpy(),
        "Carries forward": plan["carries_forward"].to_numpy(),
        "Evidence": plan["evidence"].to_numpy(),
    }
    if agreed_in.notna().any():
        columns["Agreed in"] = [None if pd.isna(q) else f"the {q} review" for q in agreed_in]
    if "success_measure" in plan.columns and plan["success_measure"].notna().any():
        columns["Success measure"] = plan["success_measure"].to_numpy()
    section.parts += [
        Chart("objective_progress", plots.plot_objective_progress, plan[["objective", "progress_used", "status"]]),
        Table(
            "objectives",
            f"Objectives for {quarter}",
            pd.DataFrame(columns),
            formats={
                "Weight": "pct0",
                "Due": "date",
                "Progress": "pct",
                "Carried over": "bool",
                "Carries forward": "bool",
            },
            missing={"Agreed in": "—"},
        ),
    ]
    forward = plan[plan["carries_forward"]]
    passed = forward["due_date"] <= pd.Timestamp(quarter.end)  # overdue, or deferred past its date
    if len(forward):
        section.parts.append(
            Table(
                "carrying_forward",
                f"Carrying into {quarter.next()}",
                pd.DataFrame(
                    {
                        "Objective": forward["objective"].to_numpy(),
                        "Status": _status_labels(forward).to_numpy(),
                        "Progress": forward["progress_used"].to_numpy(),
                        "Due": forward["due_date"].where(~passed).to_numpy(),
                        "Was due": forward["due_date"].where(passed).to_numpy(),
                    }
                ),
                formats={"Progress": "pct", "Due": "date", "Was due": "date"},
                missing={"Due": "a new date, to agree", "Was due": "—"},
                note=(
                    f"An objective whose due date has passed carries no due date into {quarter.next()}: "
                    "the review agrees a new one."
                    if passed.any()
                    else ""
                ),
            )
        )


def _status_labels(plan: pd.DataFrame) -> pd.Series:
    """Each objective's status as shown: ``"overdue (in progress)"`` where it is past its due date
    and still open (``plan["overdue"]``, :func:`amreview.metrics.development.objective_overdue`),
    else its status's label."""
    labels = plan["status"].map(STATUS_LABELS)
    return labels.where(~plan["overdue"], "overdue (" + labels + ")")


def agreed_for_next_quarter(objectives: pd.DataFrame, quarter) -> pd.DataFrame:
    """The objectives agreed at this quarter's review (``agreed_in`` = the quarter): next
    quarter's plan. Empty where the table has no ``agreed_in``."""
    if "agreed_in" not in objectives.columns:
        return objectives.iloc[0:0]
    return objectives[objectives["agreed_in"].astype(object) == str(quarter)]


def _weight_share(objectives: pd.DataFrame) -> pd.Series:
    """Each objective's share of its plan, as the plan table shows it next quarter
    (:func:`amreview.metrics.development.objective_weight`: an empty weight counts as 1), by plan
    period; NaN where a plan's weights add up to 0."""
    weight = objective_weight(objectives)
    total = weight.groupby(objectives["period"].astype(str)).transform("sum")
    return weight / total.where(total > 0)


def _agreed_table(agreed: pd.DataFrame, plan: pd.DataFrame | None, quarter) -> Table:
    carried = set() if plan is None else set(plan["objective_id"])
    measure = agreed["success_measure"] if "success_measure" in agreed.columns else pd.Series(None, index=agreed.index)
    periods = sorted(agreed["period"].astype(str).unique())
    return Table(
        "agreed_objectives",
        f"Agreed in this review: the plan for {', '.join(periods)}",
        pd.DataFrame(
            {
                "Objective": agreed["objective"].to_numpy(),
                "Competency": agreed["competency"].to_numpy(),
                "Weight": _weight_share(agreed).to_numpy(),
                "Due": agreed["due_date"].to_numpy(),
                "Success measure": measure.to_numpy(),
                "Carried over": agreed["objective_id"].isin(carried).to_numpy(),
            }
        ),
        formats={"Weight": "pct0", "Due": "date", "Carried over": "bool"},
        missing={"Weight": "—", "Due": "—", "Competency": "—", "Success measure": "—"},
        note=f"Agreed at the {quarter} review; the {quarter.next()} review shows their progress.",
    )


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
    header, outcome = review.header, review.outcome
    notes = quarter_notes(review)
    if notes is None:
        missing_table(section, "Manager's comments", "review_notes")
    elif notes.empty:
        section.parts.append(
            Text(say.nothing_in_quarter("manager's comments recorded", str(review.quarter)), "missing")
        )
    else:
        others = as_comments(other_notes(notes), "comments", "Comments on the review as a whole", about=True)
        if others is not None:
            section.parts.append(others)
        if len(other_notes(notes)) < len(notes):
            section.parts.append(Text("Comments on a part of the review are shown at the end of its section."))
    section.parts.append(_rating_table(review))
    if outcome.change_reason:
        section.parts.append(
            Comments(
                "change_reason",
                "Reason for the change of rating",
                (Comment(MANAGER, outcome.manager_signed_by or header.manager, outcome.change_reason),),
            )
        )
    at_signing = None if notes is None else comments_of(notes, SIGN_OFF, "The account manager's comment at signing")
    if at_signing is not None:
        section.parts.append(at_signing)
    section.parts.append(
        SignOff(
            people=(
                ("Account manager", header.name),
                ("Manager / department head", outcome.manager_signed_by or header.manager),
            ),
            signed_on=(outcome.am_signed_on, outcome.manager_signed_on),
            note=_signoff_note(outcome),
        )
    )
    return finish(section)


def _rating_table(review: Review) -> Table:
    """The computed rating beside the agreed one."""
    outcome = review.outcome
    change = review.rating_change
    return Table(
        "rating",
        "Rating",
        pd.DataFrame(
            {
                "Computed from the figures": [outcome.computed_rating or "no rating"],
                "Agreed at the review": [outcome.agreed_rating or "not agreed yet"],
                "Change": [say.band_phrase(change).replace("the same as", "none") or "—"],
            }
        ),
    )


def _signoff_note(outcome) -> str:
    if outcome.status == SIGNED:
        source = f" ({outcome.source})" if outcome.source else ""
        return f"Signed by both after the review meeting; the signatures were recorded from the returned form{source}."
    return "Signed by both after the review meeting. The account manager may add comments before signing."
