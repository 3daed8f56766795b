"""What a returned form was made from, and whether anything protected on it changed.

:func:`record_of` reads the form's record (the hidden sheet :mod:`amreview.cycle.workbook`
writes); :func:`read_identity` / :func:`identity_of` what it was made from, checked against its
document properties; :func:`identity_problems` and :func:`fingerprint_problems` compare it with
what the collector expects (:class:`Expected`); :func:`layout_problems` finds sheets deleted or
renamed, labels moved, protected cells edited and input typed where it would not be collected.
:mod:`amreview.cycle.read_form` says why each is checked.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from openpyxl.workbook.workbook import Workbook

from amreview.cycle.cells import is_blank, typed_text
from amreview.cycle.form_content import (
    canonical,
    fingerprint_of,
)
from amreview.cycle.form_file import open_workbook, read_bytes
from amreview.cycle.form_layout import IDENTITY_FIELDS, PROPERTY_PREFIX, RECORD_HEADER, RECORD_SHEET
from amreview.cycle.model import (
    FORM_VERSION,
    FormError,
    FormIdentity,
    FormKind,
    FormProblem,
)
from amreview.periods import Quarter, is_quarter_label
from amreview.scoring.config import ScorecardConfig


@dataclass(frozen=True)
class Expected:
    """What the collector expects of a form: one of ``am_ids``, of ``period``, of ``kind`` (None:
    any), and ``fingerprint``: the figures' fingerprint computed now for the form's identity
    (None from it: the person has no figures now)."""

    am_ids: Collection[str] | None = None
    period: Quarter | None = None
    kind: FormKind | None = None
    fingerprint: Callable[[FormIdentity], str | None] | None = None


@dataclass(frozen=True)
class Entry:
    """One row of a form's record: the key, and where the value was written (sheet, cell)."""

    key: str
    sheet: str
    cell: str
    value: object


# --------------------------------------------------------------------------------------------
# What it was made from
# --------------------------------------------------------------------------------------------


def record_of(book: Workbook, path: Path) -> tuple[dict[str, str], list[Entry]]:
    """The identity (field → text) and the entries of the form's record sheet; a
    :class:`FormError` when the workbook has none (not a form of amreview's)."""
    if RECORD_SHEET not in book.sheetnames:
        raise FormError(
            [
                FormProblem(
                    path,
                    None,
                    None,
                    "a form made by amreview forms, with its hidden sheet "
                    f"{RECORD_SHEET!r} recording what it was made from",
                    "a workbook with the sheets " + ", ".join(book.sheetnames),
                )
            ]
        )
    rows = list(book[RECORD_SHEET].iter_rows(values_only=True))
    if not rows or tuple(rows[0][:4]) != RECORD_HEADER:
        raise FormError(
            [FormProblem(path, RECORD_SHEET, "A1", "the record of the form as it was made", "a sheet that was changed")]
        )
    identity, entries = {}, []
    for key, sheet, cell, value, *_ in (tuple(r) + (None,) * 4 for r in rows[1:]):
        if not isinstance(key, str):
            continue
        if key.startswith("identity."):
            identity[key.removeprefix("identity.")] = "" if value is None else str(value)
        else:
            entries.append(Entry(key, str(sheet), str(cell), value))
    return identity, entries


def identity_of(
    book: Workbook, path: Path, config: ScorecardConfig, recorded: dict[str, str]
) -> tuple[FormIdentity | None, list[FormProblem]]:
    """The form's identity from its properties and its record (both written; either may be lost
    by a tool, so each stands in for the other; if both are there they must agree)."""
    properties = {
        p.name.removeprefix(PROPERTY_PREFIX): str(p.value)
        for p in book.custom_doc_props
        if p.name.startswith(PROPERTY_PREFIX)
    }
    problems, values = [], {}
    for name in IDENTITY_FIELDS:
        value = properties.get(name) or recorded.get(name) or ""
        if name in properties and recorded.get(name) and _same(name, properties[name]) != _same(name, recorded[name]):
            problems.append(
                FormProblem(
                    path,
                    RECORD_SHEET,
                    None,
                    f"the form's {name} as its properties record it: {properties[name]!r}",
                    recorded[name],
                )
            )
        values[name] = value
    made = made_on(values["made_on"])
    wrong = incomplete(values) or ("" if made is not None else f"made on {values['made_on']!r}")
    if wrong or made is None:
        problems.append(
            FormProblem(
                path,
                None,
                None,
                f"a form of this version of amreview forms (layout "
                f"{FORM_VERSION}) with a complete record of what it was made from",
                wrong,
            )
        )
        return None, problems
    start = int(_same("fiscal_year_start_month", values["fiscal_year_start_month"]))
    if start != config.fiscal_year_start_month:
        problems.append(
            FormProblem(
                path,
                None,
                None,
                f"a form made on a fiscal year starting in month "
                f"{config.fiscal_year_start_month}, as the scorecard config's",
                f"a form made on a fiscal year starting in month {start}",
            )
        )
    return FormIdentity(
        am_id=values["am_id"],
        period=Quarter.parse(values["period"], config.fiscal_year_start_month),
        kind=FormKind(values["kind"]),
        figures_fingerprint=values["figures_fingerprint"],
        made_on=made,
    ), problems


def incomplete(values: dict[str, str]) -> str:
    """What a form's recorded identity lacks or holds that this version cannot read; "" if nothing."""
    if values["kind"] not in {k.value for k in FormKind}:
        return f"form kind {values['kind']!r}"
    if _same("form_version", values["form_version"]) != str(FORM_VERSION):
        return f"layout version {values['form_version']!r}"
    if _same("fiscal_year_start_month", values["fiscal_year_start_month"]) not in {str(m) for m in range(1, 13)}:
        return f"fiscal year start month {values['fiscal_year_start_month']!r}"
    if not is_quarter_label(values["period"]):
        return f"period {values['period']!r}"
    if not re.fullmatch(r"[0-9a-f]{64}", values["figures_fingerprint"]) or not values["am_id"]:
        return "a record without the figures' fingerprint or the account manager's id"
    return ""


def made_on(text: str) -> dt.datetime | None:
    """When a form was made (ISO 8601), None when that is not what ``text`` holds."""
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def _same(name: str, text: str) -> str:
    """A recorded identity value in one spelling (LibreOffice may save ``1`` as ``1.0``)."""
    if name in ("form_version", "fiscal_year_start_month"):
        try:
            return str(int(float(text)))
        except ValueError:
            return text
    return text


def read_identity(path: Path, config: ScorecardConfig) -> FormIdentity:
    """What the form at ``path`` was made from (person, period, kind, fingerprint), without reading
    its input; a :class:`FormError` when that cannot be told."""
    path = Path(path)
    book = open_workbook(path, read_bytes(path))
    identity, problems = identity_of(book, path, config, record_of(book, path)[0])
    if identity is None or problems:
        raise FormError(problems)
    return identity


def identity_problems(
    identity: FormIdentity, path: Path, expected: Expected | None, entries: Collection[Entry] = ()
) -> list[FormProblem]:
    """Whether the form is one the collector expects (its person, period and kind): a problem
    each where not, named at the cell of *About* that shows it."""
    if expected is None:
        return []
    where = {e.key: (e.sheet, e.cell) for e in entries}
    problems = []

    def problem(key: str, wanted: str, found: str) -> None:
        sheet, cell = where.get(key, (None, None))
        problems.append(FormProblem(Path(path), sheet, cell, wanted, found))

    if expected.am_ids is not None and identity.am_id not in set(expected.am_ids):
        known = sorted(expected.am_ids)
        listed = ", ".join(known[:8]) + (f" … ({len(known)} in all)" if len(known) > 8 else "")
        problem("shown.person.am_id", f"a form for an account manager of this collection ({listed})", identity.am_id)
    if expected.period is not None and identity.period != expected.period:
        problem("shown.form.period", f"a form for {expected.period}", str(identity.period))
    if expected.kind is not None and identity.kind is not expected.kind:
        problem("shown.form.kind", f"a {expected.kind.heading.lower()} form", identity.kind.heading)
    return problems


def fingerprint_problems(identity: FormIdentity, path: Path, fresh: str | None) -> list[FormProblem]:
    """Whether the figures the form shows are those computed now (``fresh``: their fingerprint
    now; None: the person has no figures in the quarter now)."""
    if fresh is None:
        return [
            FormProblem(
                Path(path),
                None,
                None,
                f"a form for an account manager in role in {identity.period}",
                f"a form for {identity.am_id}, who is not on the scorecard now",
            )
        ]
    if fresh == identity.figures_fingerprint:
        return []
    return [
        FormProblem(
            Path(path),
            "Figures",
            None,
            "a form made from the figures as the pack holds them now",
            f"a form made on {identity.made_on:%Y-%m-%d %H:%M} from figures that have changed since: "
            "make the form again (amreview forms) and copy the input across",
        )
    ]


# --------------------------------------------------------------------------------------------
# Nothing protected changed
# --------------------------------------------------------------------------------------------


def layout_problems(
    book: Workbook, path: Path, entries: list[Entry], identity: FormIdentity
) -> tuple[set[str], list[FormProblem]]:
    """The sheets whose input cannot be read (missing, or labels moved), and every problem with
    the form's protected content (module docstring)."""
    problems = [
        FormProblem(
            path,
            sheet,
            None,
            f"the sheet {sheet!r}, as the form was made (sheets must not be renamed or deleted)",
            "the sheets " + ", ".join(book.sheetnames),
        )
        for sheet in dict.fromkeys(e.sheet for e in entries)
        if sheet not in book.sheetnames
    ]
    unreadable = {p.sheet for p in problems if p.sheet is not None}
    problems += changed_cells(
        book,
        path,
        [e for e in entries if e.key.startswith("label.")],
        unreadable,
        "the label {!r} here: columns or rows must not be moved, inserted or deleted",
    )
    unreadable |= {p.sheet for p in problems if p.sheet is not None}
    problems += changed_cells(
        book,
        path,
        [e for e in entries if e.key.startswith(("figure.", "shown.", "text"))],
        unreadable,
        "{!r} as the form was made (a protected cell: it cannot be changed here)",
    )
    problems += stray_input(book, path, entries, unreadable)
    if record_changed(entries, identity):
        problems.append(
            FormProblem(path, RECORD_SHEET, None, "the record of the form as it was made", "a record that was changed")
        )
    return unreadable, problems


def changed_cells(
    book: Workbook, path: Path, entries: list[Entry], unreadable: set[str], expected: str
) -> list[FormProblem]:
    """A problem for each of ``entries`` (on the sheets that can be read) whose cell no longer holds
    the value written; ``expected`` says what was expected, ``{!r}`` the value written."""
    problems = []
    for e in entries:
        if e.sheet not in unreadable:
            found = book[e.sheet][e.cell].value
            if canonical(found) != canonical(e.value):
                problems.append(FormProblem(path, e.sheet, e.cell, expected.format(e.value), typed_text(found)))
    return problems


def stray_input(book: Workbook, path: Path, entries: list[Entry], unreadable: set[str]) -> list[FormProblem]:
    """Text typed where nothing is collected (outside the cells the form wrote, or on a sheet
    added to it): a problem each, since it would otherwise be lost without a word."""
    written = {(e.sheet, e.cell) for e in entries}
    sheets = {e.sheet for e in entries} | {RECORD_SHEET}
    renamed = not sheets <= set(book.sheetnames)  # a sheet of another name may be one renamed: said already
    problems = []
    for ws in book.worksheets:
        if ws.title in unreadable or ws.title == RECORD_SHEET:
            continue
        typed = [
            c
            for row in ws.iter_rows()
            for c in row
            if not is_blank(c.value) and (ws.title, c.coordinate) not in written
        ]
        if ws.title not in sheets and typed and not renamed:
            problems.append(
                FormProblem(
                    path,
                    ws.title,
                    None,
                    "only the form's own sheets: what is typed on another is not collected",
                    f"a sheet of {len(typed)} filled cells",
                )
            )
        elif ws.title in sheets:
            problems += [
                FormProblem(
                    path,
                    ws.title,
                    c.coordinate,
                    "nothing here: input goes in the yellow cells, the only ones collected",
                    typed_text(c.value),
                )
                for c in typed
            ]
    return problems


def record_changed(entries: list[Entry], identity: FormIdentity) -> bool:
    """Whether the record's computed values hash to anything but the form's fingerprint (or one
    value the form shows in several places is recorded differently in one)."""
    figures: dict[str, object] = {}
    for e in entries:
        if e.key.startswith("figure."):
            key = e.key.removeprefix("figure.")
            if key in figures and canonical(figures[key]) != canonical(e.value):
                return True
            figures.setdefault(key, e.value)
    return fingerprint_of(figures) != identity.figures_fingerprint
