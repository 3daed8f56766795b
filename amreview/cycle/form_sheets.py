"""The sheets of a form, one function each (:mod:`amreview.cycle.workbook` says what each holds
and why it is laid out so): About, Figures, Competencies, Measures, Objectives, Outcome &
sign-off, the hidden lists and the record of what the form was made from.
"""

from __future__ import annotations

import datetime as dt

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from amreview.cycle.form_content import FormContent, Shown
from amreview.cycle.form_layout import (
    ABOUT,
    BOLD,
    BOX,
    COMPETENCIES_SHEET,
    COMPETENCY_HEADERS,
    DATE_FORMAT,
    FIGURES,
    LISTS,
    MEASURE_HEADERS,
    MEASURES,
    NEW_OBJECTIVE_ROWS,
    NOTE,
    OBJECTIVE_FIELDS,
    OBJECTIVE_HEADERS,
    OBJECTIVES,
    OUTCOME,
    OUTCOME_ROWS,
    PROPOSAL_HEADERS,
    PROPOSAL_ROWS,
    READ_ONLY_FILL,
    RECORD_HEADER,
    RECORD_SHEET,
    WEIGHT_TOTAL,
    WRAP,
    Record,
    day_serial,
    headers,
    letter,
    print_setup,
    put_figure,
    put_input,
    put_label,
    put_text,
    sheet,
    validation,
)
from amreview.cycle.model import FormIdentity, FormKind
from amreview.data.export import keep_text_as_text
from amreview.vocabulary import COMPETENCIES


def about_sheet(book: Workbook, content: FormContent, made_on: dt.datetime, record: Record) -> None:
    heading = content.kind.heading
    who = "you" if content.kind is FormKind.SELF_ASSESSMENT else f"you, as {content.name}'s manager"
    ws = sheet(
        book,
        record,
        ABOUT,
        (34, 60),
        f"{heading}: {content.period.label}",
        (f"This form is for {who}. Fill in the yellow cells only; the grey ones are computed and protected.",),
    )
    rows = (
        ("Account manager", "person.name", content.name),
        ("Account manager id", "person.am_id", content.am_id),
        ("Manager", "person.manager", content.manager),
        ("Team", "person.team", content.team or ""),
        ("Quarter reviewed", "form.period", str(content.period)),
        ("Form", "form.kind", heading),
        ("Objectives are for", "form.next_period", str(content.next_period)),
    )
    for row, (label, key, value) in enumerate(rows, start=4):
        put_label(ws, record, f"A{row}", f"about.{key}", label)
        ws[f"A{row}"].font = BOLD
        ws[f"B{row}"] = value or None
        ws[f"B{row}"].fill, ws[f"B{row}"].border = READ_ONLY_FILL, BOX
        record.add(f"shown.{key}", ws, f"B{row}", value or None)
    put_label(ws, record, "A11", "about.made_on", "Made on")
    put_text(ws, record, "B11", made_on.strftime("%Y-%m-%d %H:%M UTC"))
    steps = [
        "How to fill it in:",
        "1. Figures: what the scorecard computed for the quarter. If a figure looks wrong, say so in a comment.",
        "2. Competencies: a rating from 1 (well below) to 5 (well above what the role expects), and examples.",
        "3. Measures: a comment on each measure of the role, and an overall one.",
        "4. Objectives: "
        + (
            "the objectives you propose for next quarter, one a row, in your words."
            if content.kind is FormKind.SELF_ASSESSMENT
            else "next quarter's development objectives; the ones that carry over are there."
        ),
        "Save the file as it is (Excel .xlsx) and send it back; do not rename or move its sheets.",
    ]
    if content.is_manager_review:
        steps.insert(5, "5. Outcome & sign-off: the rating you agree, and the signatures after the meeting.")
    for row, line in enumerate(steps, start=13):
        put_text(ws, record, f"A{row}", line, BOLD if row == 13 else None)
    print_setup(ws, None)


def figures_sheet(book: Workbook, content: FormContent, record: Record) -> None:
    ws = sheet(
        book,
        record,
        FIGURES,
        (44, 18, 18, 18),
        f"Figures for {content.period}: read-only",
        (
            "Computed from the data pack by the scorecard, exactly as the review shows them.",
            "Percentile: the share of the group, this person included, whose figure is no better. No one else is "
            "named; groups under three people show none.",
        ),
    )
    for row, (label, key) in enumerate(
        (
            ("Overall score", "overall.score"),
            ("Computed rating", "overall.rating"),
            ("Why no rating", "overall.no_rating_reason"),
        ),
        start=5,
    ):
        put_label(ws, record, f"A{row}", f"figures.{key}", label)
        put_figure(ws, record, f"B{row}", key, content.figures()[key])
    row = 9
    headers(ws, record, row, ("Headline figure", "Value", "Target", "Attainment"), "figures.headline")
    for line in content.headline:
        row += 1
        put_label(ws, record, f"A{row}", f"figures.headline.{line.key}", line.label)
        for column, (part, value) in enumerate(
            (("value", line.value), ("target", line.target), ("attainment", line.attainment)), start=2
        ):
            put_figure(ws, record, f"{letter(column)}{row}", f"headline.{line.key}.{part}", value)
    row += 2
    headers(ws, record, row, ("Measure", "Weight", "Score", "Rating"), "figures.measures")
    for m in content.measures:
        row += 1
        put_label(ws, record, f"A{row}", f"figures.measure.{m.measure}", m.title)
        for column, (part, value) in enumerate(
            (("weight", m.weight), ("score", m.score), ("rating", m.rating)), start=2
        ):
            put_figure(ws, record, f"{letter(column)}{row}", f"measure.{m.measure}.{part}", value)
    if content.benchmarks:
        row += 2
        headers(
            ws,
            record,
            row,
            ("Where the figures stand", "Value", "Team percentile", "Organisation percentile"),
            "figures.benchmarks",
        )
        for b in content.benchmarks:
            row += 1
            put_label(ws, record, f"A{row}", f"figures.benchmark.{b.kpi}", b.label)
            for column, (part, value) in enumerate(
                (("value", b.value), ("team", b.team), ("organisation", b.organisation)), start=2
            ):
                put_figure(ws, record, f"{letter(column)}{row}", f"benchmark.{b.kpi}.{part}", value)
    print_setup(ws, None)


def competencies_sheet(book: Workbook, content: FormContent, record: Record) -> None:
    names = COMPETENCY_HEADERS[content.kind]
    manager = content.is_manager_review
    ws = sheet(
        book,
        record,
        COMPETENCIES_SHEET,
        (34, 16, 50, 16, 50) if manager else (34, 16, 70),
        f"The five competencies, {content.period}",
        (
            "Rate each competency from 1 (well below what the role expects) to 5 (well above), and say why.",
            "A comment needs a rating beside it.",
            *(
                ("The self-ratings are the account manager's, as collected from the self-assessment.",)
                if manager
                else ()
            ),
        ),
    )
    header = 6
    headers(ws, record, header, names, "competencies")
    rating_column = "D" if manager else "B"
    for row, line in enumerate(content.competencies, start=header + 1):
        n = row - header
        put_label(ws, record, f"A{row}", f"competency.{n}", line.competency)
        if manager:
            put_figure(ws, record, f"B{row}", f"competency.{line.competency}.self_rating", line.self_rating)
            put_figure(ws, record, f"C{row}", f"competency.{line.competency}.self_comment", line.self_comment)
        put_input(ws, record, f"{rating_column}{row}", f"competency.{n}.rating")
        put_input(ws, record, f"{'E' if manager else 'C'}{row}", f"competency.{n}.comment")
        ws.row_dimensions[row].height = 60
    last = header + len(content.competencies)
    validation(
        ws,
        f"{rating_column}{header + 1}:{rating_column}{last}",
        "whole",
        "A whole number from 1 to 5.",
        "A rating is a whole number from 1 to 5.",
        operator="between",
        formula1="1",
        formula2="5",
    )
    print_setup(ws, header, landscape=True)


def measures_sheet(book: Workbook, content: FormContent, record: Record) -> None:
    names = MEASURE_HEADERS[content.kind]
    manager = content.is_manager_review
    ws = sheet(
        book,
        record,
        MEASURES,
        (40, 10, 10, 16, 50, 50) if manager else (40, 10, 10, 16, 70),
        f"The measures of the role, {content.period}",
        (
            "A comment on each measure: what went well, what did not, and why. Scores are read-only.",
            "The two reporting measures share one section of the review: their comments appear there.",
        ),
    )
    header = 5
    headers(ws, record, header, names, "measures")
    comment_column = "F" if manager else "E"
    row = header
    for m in content.measures:
        row += 1
        put_label(ws, record, f"A{row}", f"measure.{m.measure}", m.title)
        for column, (part, value) in enumerate(
            (("weight", m.weight), ("score", m.score), ("rating", m.rating)), start=2
        ):
            put_figure(ws, record, f"{letter(column)}{row}", f"measure.{m.measure}.{part}", value)
        if manager:
            put_figure(ws, record, f"E{row}", f"measure.{m.measure}.self_comment", m.self_comment)
        put_input(ws, record, f"{comment_column}{row}", f"measure.{m.measure}.comment")
        ws.row_dimensions[row].height = 60
    row += 1
    put_label(ws, record, f"A{row}", "measure.overall", "Overall")
    ws[f"A{row}"].font = BOLD
    put_figure(ws, record, f"C{row}", "overall.score", content.overall_score)
    put_figure(ws, record, f"D{row}", "overall.rating", content.figures()["overall.rating"])
    if manager:
        put_figure(ws, record, f"E{row}", "overall.self_comment", content.overall_self_comment)
    put_input(ws, record, f"{comment_column}{row}", "measure.overall.comment")
    ws.row_dimensions[row].height = 80
    print_setup(ws, header, landscape=True)


def objectives_sheet(book: Workbook, content: FormContent, record: Record) -> None:
    """Self-assessment: proposals in words; manager's review: next quarter's objectives."""
    following = content.next_period
    if content.kind is FormKind.SELF_ASSESSMENT:
        ws = sheet(
            book,
            record,
            OBJECTIVES,
            (14, 90, 32),
            f"Objectives you propose for {following}",
            (
                f"One objective a row, in your words. Your manager agrees next quarter's ({following}) objectives "
                "with you at the review.",
            ),
        )
        row = 4
        if content.carried_objectives:
            row = carried_block(ws, content, record, row, ("Objective id", "Objective", "Competency"))
        put_text(ws, record, f"A{row}", f"Your proposals for {following}", BOLD)
        headers(ws, record, row + 1, PROPOSAL_HEADERS, "proposals")
        for n in range(1, PROPOSAL_ROWS + 1):
            put_label(ws, record, f"A{row + 1 + n}", f"proposal.{n}", str(n))
            put_input(ws, record, f"B{row + 1 + n}", f"proposal.{n}")
            ws.row_dimensions[row + 1 + n].height = 45
        print_setup(ws, row + 1, landscape=True)
        return
    ws = sheet(
        book,
        record,
        OBJECTIVES,
        (22, 50, 30, 12, 14, 44),
        f"Development objectives for {following}",
        (
            f"Next quarter's plan. Due dates fall in {following.label}. Weight: percent of the plan. "
            "Leave every weight empty (the objectives count the same), or give each objective one, "
            f"adding up to {WEIGHT_TOTAL:g}.",
            "The objectives that carry over (not achieved this quarter) keep their id: give them a weight, a due date "
            "and a measure of success.",
        ),
    )
    row = 5
    if content.proposed_objectives:
        put_text(ws, record, f"A{row}", f"Proposed by {content.name} in the self-assessment", BOLD)
        for n, proposal in enumerate(content.proposed_objectives, start=1):
            put_label(ws, record, f"A{row + n}", f"proposed.{n}", str(n))
            put_figure(ws, record, f"B{row + n}", f"proposed.{n}", proposal)
        row += len(content.proposed_objectives) + 2
    header = row
    headers(ws, record, header, OBJECTIVE_HEADERS, "objectives")
    for n, objective in enumerate(content.carried_objectives, start=1):
        row += 1
        put_figure(ws, record, f"A{row}", f"objective.{n}.id", Shown(objective.objective_id))
        put_figure(ws, record, f"B{row}", f"objective.{n}.objective", objective.objective)
        put_figure(ws, record, f"C{row}", f"objective.{n}.competency", objective.competency)
        objective_inputs(ws, record, row, f"c{n}", ("weight", "due_date", "success_measure"))
    for n in range(1, NEW_OBJECTIVE_ROWS + 1):
        row += 1
        ws[f"A{row}"].fill, ws[f"A{row}"].border = READ_ONLY_FILL, BOX
        objective_inputs(ws, record, row, f"n{n}", OBJECTIVE_FIELDS)
    objective_validation(ws, content, header + 1, row)
    print_setup(ws, header, landscape=True)


def carried_block(ws: Worksheet, content: FormContent, record: Record, row: int, names: tuple[str, ...]) -> int:
    """The objectives carrying over, read-only (self-assessment); the next free row."""
    put_text(ws, record, f"A{row}", f"Carrying over into {content.next_period}: not achieved this quarter", BOLD)
    headers(ws, record, row + 1, names, "carried")
    for n, objective in enumerate(content.carried_objectives, start=1):
        put_figure(ws, record, f"A{row + 1 + n}", f"objective.{n}.id", Shown(objective.objective_id))
        put_figure(ws, record, f"B{row + 1 + n}", f"objective.{n}.objective", objective.objective)
        put_figure(ws, record, f"C{row + 1 + n}", f"objective.{n}.competency", objective.competency)
    return row + len(content.carried_objectives) + 3


def objective_inputs(ws: Worksheet, record: Record, row: int, slot: str, fields: tuple[str, ...]) -> None:
    for name in fields:
        column = letter(OBJECTIVE_FIELDS.index(name) + 2)
        put_input(
            ws,
            record,
            f"{column}{row}",
            f"objective.{slot}.{name}",
            number_format={"due_date": DATE_FORMAT, "weight": "0.##"}.get(name),
        )
    ws.row_dimensions[row].height = 45


def objective_validation(ws: Worksheet, content: FormContent, first: int, last: int) -> None:
    following = content.next_period
    validation(
        ws,
        f"C{first}:C{last}",
        "list",
        "Pick a competency (or leave it empty).",
        "Pick one of the five competencies.",
        formula1=f"{LISTS}!$A$1:$A${len(COMPETENCIES)}",
    )
    validation(
        ws,
        f"D{first}:D{last}",
        "decimal",
        "Percent of the plan, 0 or more.",
        "A weight is a number, 0 or more.",
        operator="greaterThanOrEqual",
        formula1="0",
    )
    validation(
        ws,
        f"E{first}:E{last}",
        "date",
        f"A date in {following}.",
        f"The due date falls in {following.label}.",
        operator="between",
        formula1=day_serial(following.start),
        formula2=day_serial(following.end),
    )


def outcome_sheet(book: Workbook, content: FormContent, record: Record) -> None:
    ws = sheet(
        book,
        record,
        OUTCOME,
        (40, 44, 56),
        f"Outcome of the review and sign-off, {content.period}",
        (
            "Agree the rating at the meeting: the computed one stands unless you change it, with a reason.",
            "Both sign after the meeting; the account manager may add comments before signing.",
        ),
    )
    for row, (label, key, hint) in enumerate(OUTCOME_ROWS, start=5):
        put_label(ws, record, f"A{row}", f"outcome.{key or label}", label)
        ws[f"A{row}"].font = BOLD
        put_text(ws, record, f"C{row}", hint, NOTE)
        ws[f"C{row}"].alignment = WRAP
        if key is None:
            figure = "overall.rating" if label == "Computed rating" else "overall.score"
            put_figure(ws, record, f"B{row}", figure, content.figures()[figure])
        else:
            put_input(
                ws,
                record,
                f"B{row}",
                f"outcome.{key}",
                content.computed_rating if key == "agreed_rating" else None,
                DATE_FORMAT if key.endswith("_on") else None,
            )
        ws.row_dimensions[row].height = 60 if key in ("change_reason", "am_comment") else 20
    validation(
        ws,
        "B7",
        "list",
        "Pick a rating.",
        "Pick one of the rating labels.",
        formula1=f"{LISTS}!$B$1:$B${len(content.rating_labels)}",
    )
    validation(
        ws,
        "B10:B11",
        "date",
        f"A date from {content.period.start:%Y-%m-%d}.",
        f"The date of signing, from the start of {content.period}.",
        operator="greaterThanOrEqual",
        formula1=day_serial(content.period.start),
    )
    print_setup(ws, None)


def lists_sheet(book: Workbook, content: FormContent, record: Record) -> None:
    """The dropdowns' values (hidden): the competencies, the config's rating labels."""
    ws = book.create_sheet(LISTS)
    for row, competency in enumerate(COMPETENCIES, start=1):
        put_label(ws, record, f"A{row}", f"list.competency.{row}", competency)
    for row, label in enumerate(content.rating_labels, start=1):
        put_figure(ws, record, f"B{row}", f"rating_label.{row}", Shown(label))
    ws.sheet_state = "hidden"
    ws.protection.sheet = True


def record_sheet(book: Workbook, identity: FormIdentity, record: Record) -> None:
    """The record (module docstring) on a very hidden, protected sheet."""
    ws = book.create_sheet(RECORD_SHEET)
    ws.append(RECORD_HEADER)
    for name, text in identity_values(identity).items():
        ws.append((f"identity.{name}", None, None, text))
    for entry in record.entries:
        ws.append(entry)
    keep_text_as_text(ws)
    ws.sheet_state = "veryHidden"
    ws.protection.sheet = True


def identity_values(identity: FormIdentity) -> dict[str, str]:
    """The identity as text, by field (:data:`IDENTITY_FIELDS`)."""
    return {
        "am_id": identity.am_id,
        "period": str(identity.period),
        "kind": identity.kind.value,
        "figures_fingerprint": identity.figures_fingerprint,
        "made_on": identity.made_on.isoformat(),
        "form_version": str(identity.form_version),
        "fiscal_year_start_month": str(identity.period.start_month),
    }
