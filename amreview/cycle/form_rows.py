"""A returned form as rows of the pack's tables, and what on it cannot become a row.

Pure functions of a :class:`~amreview.cycle.model.ReturnedForm`: :func:`form_rows` gives the
rows for ``competency_ratings``, ``review_notes``, ``development_objectives`` and
``review_outcomes`` (docs/review-cycle.md, the column conventions), each with the provenance
columns of the cell it was typed in; :func:`content_problems` the fields that break the
contract or the cycle's rules, each a :class:`~amreview.cycle.model.FormProblem` naming the cell.

Decisions:

* A competency with a comment but no rating is a problem, not a silently dropped comment
  (``competency_ratings.rating`` is required).
* An objective proposed on a self-assessment is a ``review_notes`` row (section
  ``proposed_objectives``, one each, in words): it is the account manager's proposal, not part of
  a plan until the manager's review agrees it.
* An objective agreed on a manager's review belongs to the next quarter's plan (``period`` =
  the next quarter, ``status`` ``not_started``, ``agreed_in`` = the review's quarter); one that
  carries over keeps its ``objective_id``, a new one gets ``OBJ-<am_id>-<next quarter>-<n>`` (n:
  its place among the form's new objectives, so collecting the same form again finds the same id).
* The outcome block becomes a ``review_outcomes`` row only when something was typed in it; an
  agreed rating left empty is the computed one. The computed rating is the scorecard's, now.
* The account manager's comment at signing (section ``sign_off``) is theirs (``author_role``
  ``self``), though typed on the manager's review.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Collection as Items
from collections.abc import Sequence

import pandas as pd

from amreview.cycle.model import CellSource, FormKind, FormProblem, ObjectiveInput, ReturnedForm
from amreview.data.schemas import ID_MAX_LENGTH
from amreview.periods import Quarter
from amreview.vocabulary import COMPETENCIES, NOTE_SECTIONS, PROPOSED_OBJECTIVES_SECTION, SIGN_OFF_SECTION

Row = dict[str, object]
NOTE_SECTION_KEYS = (*NOTE_SECTIONS, SIGN_OFF_SECTION, PROPOSED_OBJECTIVES_SECTION)
RATING_SCALE = (1, 2, 3, 4, 5)
NEW_OBJECTIVE_STATUS = "not_started"


def provenance(source: CellSource) -> Row:
    """The provenance columns of a row typed at ``source``."""
    return {
        "source_file": source.file.name,
        "source_sheet": source.sheet,
        "source_cells": source.cells,
        "source_sha256": source.sha256,
        "collected_at": utc_text(source.collected_at),
    }


def utc_text(moment: dt.datetime) -> str:
    """``2026-10-02T14:03:11Z``: an ISO 8601 timestamp in UTC (a naive time is taken as UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(value: str | None) -> str | None:
    """Typed text as the pack keeps it: without surrounding spaces, empty as missing."""
    value = (value or "").strip()
    return value or None


def _day(value: dt.date | None) -> pd.Timestamp | None:
    return None if value is None else pd.Timestamp(value)


# --------------------------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------------------------


def form_rows(form: ReturnedForm, quarter: Quarter, computed_rating: str | None) -> dict[str, list[Row]]:
    """Every row ``form`` adds, per table (module docstring); tables it adds nothing to are absent."""
    rows = {
        "competency_ratings": competency_rows(form, quarter),
        "review_notes": note_rows(form, quarter),
        "development_objectives": objective_rows(form, quarter),
        "review_outcomes": outcome_rows(form, quarter, computed_rating),
    }
    return {table: found for table, found in rows.items() if found}


def competency_rows(form: ReturnedForm, quarter: Quarter) -> list[Row]:
    """One ``competency_ratings`` row per competency rated (rater ``self`` or ``manager``)."""
    return [
        {
            "am_id": form.identity.am_id,
            "period": str(quarter),
            "competency": c.competency,
            "rater": form.identity.kind.rater,
            "rating": float(c.rating),
            "comment": _text(c.comment),
            **provenance(c.source),
        }
        for c in form.competencies
        if c.rating is not None
    ]


def note_rows(form: ReturnedForm, quarter: Quarter) -> list[Row]:
    """One ``review_notes`` row per comment typed, and, on a self-assessment, per objective proposed."""
    author = form.identity.kind.rater
    rows = [
        {
            "am_id": form.identity.am_id,
            "period": str(quarter),
            "section": n.section,
            "author": _text(n.author),
            "text": _text(n.text),
            "author_role": "self" if n.section == SIGN_OFF_SECTION else author,
            **provenance(n.source),
        }
        for n in form.notes
        if _text(n.text)
    ]
    if form.identity.kind is FormKind.SELF_ASSESSMENT:
        rows += [
            {
                "am_id": form.identity.am_id,
                "period": str(quarter),
                "section": PROPOSED_OBJECTIVES_SECTION,
                "author": None,
                "text": objective_in_words(o),
                "author_role": "self",
                **provenance(o.source),
            }
            for o in form.objectives
            if _text(o.objective)
        ]
    return rows


def objective_in_words(objective: ObjectiveInput) -> str:
    """A proposed objective as one note: the objective, then what else was typed with it."""
    details = []
    if _text(objective.competency):
        details.append(f"competency: {_text(objective.competency)}")
    if objective.weight is not None:
        details.append(f"weight: {objective.weight:g}")
    if objective.due_date is not None:
        details.append(f"due {objective.due_date:%Y-%m-%d}")
    if _text(objective.success_measure):
        details.append(f"success measure: {_text(objective.success_measure)}")
    text = _text(objective.objective) or ""
    return f"{text} ({'; '.join(details)})" if details else text


def objective_rows(form: ReturnedForm, quarter: Quarter) -> list[Row]:
    """One ``development_objectives`` row per objective agreed on a manager's review, in the
    next quarter's plan (module docstring)."""
    if form.identity.kind is not FormKind.MANAGER_REVIEW:
        return []
    rows, new = [], 0
    for objective in form.objectives:
        if not _text(objective.objective):
            continue
        objective_id = _text(objective.objective_id)
        if objective_id is None:
            new += 1
            objective_id = new_objective_id(form.identity.am_id, quarter.next(), new)
        rows.append(
            {
                "am_id": form.identity.am_id,
                "objective_id": objective_id,
                "period": str(quarter.next()),
                "objective": _text(objective.objective),
                "competency": _text(objective.competency),
                "weight": objective.weight,
                "due_date": _day(objective.due_date),
                "status": NEW_OBJECTIVE_STATUS,
                "progress": None,
                "evidence": None,
                "agreed_in": str(quarter),
                "success_measure": _text(objective.success_measure),
                **provenance(objective.source),
            }
        )
    return rows


def new_objective_id(am_id: str, plan: Quarter, number: int) -> str:
    """``OBJ-<am_id>-<plan quarter>-<nn>``; an am_id too long for that is replaced by a digest of it
    (an id holds at most ID_MAX_LENGTH characters)."""
    objective_id = f"OBJ-{am_id}-{plan}-{number:02d}"
    if len(objective_id) <= ID_MAX_LENGTH:
        return objective_id
    return f"OBJ-{hashlib.sha256(am_id.encode()).hexdigest()[:16]}-{plan}-{number:02d}"


def outcome_rows(form: ReturnedForm, quarter: Quarter, computed_rating: str | None) -> list[Row]:
    """The ``review_outcomes`` row of a manager's review, when anything was typed in its outcome block."""
    outcome = form.outcome
    if outcome is None or not outcome_typed(form):
        return []
    return [
        {
            "am_id": form.identity.am_id,
            "period": str(quarter),
            "agreed_rating": _text(outcome.agreed_rating) or computed_rating,
            "computed_rating": computed_rating,
            "change_reason": _text(outcome.change_reason),
            "manager_signed_by": _text(outcome.manager_signed_by),
            "manager_signed_on": _day(outcome.manager_signed_on),
            "am_signed_on": _day(outcome.am_signed_on),
            "source": f"form {form.path.name}",
            **provenance(outcome.source),
        }
    ]


def outcome_typed(form: ReturnedForm) -> bool:
    """Whether anything was typed in the form's outcome block (agreed rating, reason, signatures)."""
    o = form.outcome
    return o is not None and bool(
        _text(o.agreed_rating)
        or _text(o.change_reason)
        or _text(o.manager_signed_by)
        or o.manager_signed_on
        or o.am_signed_on
    )


# --------------------------------------------------------------------------------------------
# Problems
# --------------------------------------------------------------------------------------------


def content_problems(
    form: ReturnedForm, quarter: Quarter, labels: Sequence[str], computed_rating: str | None, objective_ids: Items[str]
) -> list[FormProblem]:
    """Every field of ``form`` that cannot become a row as typed: ``labels`` are the scorecard
    config's rating labels, ``computed_rating`` the person's rating as the scorecard computes it
    now, ``objective_ids`` the ids of the person's objectives in the pack."""
    return (
        competency_problems(form)
        + note_problems(form)
        + objective_problems(form, quarter, objective_ids)
        + outcome_problems(form, labels, computed_rating)
    )


def _problem(form: ReturnedForm, source: CellSource, expected: str, found: object) -> FormProblem:
    return FormProblem(form.path, source.sheet, source.cells, expected, "" if found is None else str(found))


def competency_problems(form: ReturnedForm) -> list[FormProblem]:
    problems = []
    for c in form.competencies:
        if c.competency not in COMPETENCIES:
            problems.append(
                _problem(form, c.source, "one of the competencies " + ", ".join(COMPETENCIES), c.competency)
            )
        if c.rating is not None and c.rating not in RATING_SCALE:
            problems.append(_problem(form, c.source, "a rating 1, 2, 3, 4 or 5", c.rating))
        elif c.rating is None and _text(c.comment):
            problems.append(
                _problem(
                    form,
                    c.source,
                    f"a rating 1–5 for {c.competency!r} beside its comment",
                    "a comment without a rating",
                )
            )
    return problems


def note_problems(form: ReturnedForm) -> list[FormProblem]:
    problems = [
        _problem(form, n.source, "a comment on one of the sections " + ", ".join(NOTE_SECTION_KEYS), n.section)
        for n in form.notes
        if n.section not in NOTE_SECTION_KEYS
    ]
    if form.identity.kind is FormKind.SELF_ASSESSMENT:
        problems += [
            _problem(
                form,
                n.source,
                "the account manager's comment at signing on the manager's review, not on a self-assessment",
                n.text,
            )
            for n in form.notes
            if n.section == SIGN_OFF_SECTION and _text(n.text)
        ]
    return problems


def objective_problems(form: ReturnedForm, quarter: Quarter, objective_ids: Items[str]) -> list[FormProblem]:
    plan = quarter.next()
    problems = []
    for o in form.objectives:
        if not _text(o.objective):
            if _text(o.competency) or o.weight is not None or o.due_date or _text(o.success_measure):
                problems.append(_problem(form, o.source, "the objective, in words, beside its details", "none"))
            continue
        if _text(o.competency) and o.competency not in COMPETENCIES:
            problems.append(
                _problem(form, o.source, "one of the competencies " + ", ".join(COMPETENCIES), o.competency)
            )
        if o.weight is not None and not o.weight >= 0:
            problems.append(_problem(form, o.source, "a weight of 0 or more", o.weight))
        if o.due_date is not None and not plan.start <= pd.Timestamp(o.due_date) <= plan.end:
            problems.append(
                _problem(
                    form,
                    o.source,
                    f"a due date in the next quarter, {plan} ({plan.start:%Y-%m-%d} to {plan.end:%Y-%m-%d})",
                    f"{o.due_date:%Y-%m-%d}",
                )
            )
        if _text(o.objective_id) and o.objective_id not in objective_ids:
            problems.append(
                _problem(
                    form,
                    o.source,
                    f"the id of one of {form.identity.am_id}'s objectives (it is filled in by the form, not typed)",
                    o.objective_id,
                )
            )
    return problems


def outcome_problems(form: ReturnedForm, labels: Sequence[str], computed_rating: str | None) -> list[FormProblem]:
    outcome = form.outcome
    if outcome is None:
        return []
    if form.identity.kind is not FormKind.MANAGER_REVIEW:
        return [_problem(form, outcome.source, "no outcome block on a self-assessment", "an outcome block")]
    problems = []
    if _text(outcome.computed_rating) != computed_rating:
        problems.append(
            _problem(
                form,
                outcome.source,
                f"the computed rating as the pack gives it now ({computed_rating or 'no rating'}): make the form again",
                outcome.computed_rating or "no rating",
            )
        )
    if not outcome_typed(form):
        return problems
    agreed = _text(outcome.agreed_rating)
    if agreed is not None and agreed not in labels:
        problems.append(
            _problem(form, outcome.source, "a rating label of the scorecard config: " + ", ".join(labels), agreed)
        )
    elif agreed is None and computed_rating is None:
        problems.append(
            _problem(form, outcome.source, "an agreed rating (no rating was computed for this quarter)", "none")
        )
    elif (
        agreed is not None
        and computed_rating is not None
        and agreed != computed_rating
        and not _text(outcome.change_reason)
    ):
        problems.append(
            _problem(
                form,
                outcome.source,
                f"a reason for agreeing {agreed!r} rather than the computed {computed_rating!r}",
                "no reason",
            )
        )
    return problems
