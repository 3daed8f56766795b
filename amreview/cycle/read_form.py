"""Reading a returned form (:func:`read_form`): a :class:`~amreview.cycle.model.ReturnedForm`,
or one :class:`~amreview.cycle.model.FormError` listing every problem found.

What is checked, and why:

* **The file**: an ``.xlsx`` workbook (:mod:`amreview.cycle.form_file`). An ``.xls``, an ``.ods``,
  a ``.csv``, a workbook protected by a password, an empty or damaged file each get one problem
  saying what was found and what to do; nothing else is read from it.
* **What it was made from** (:func:`~amreview.cycle.form_record.read_identity`): the custom
  document properties and the hidden record sheet (:mod:`amreview.cycle.workbook`) must agree; the
  layout's version must be this one; the period is read on the config's fiscal year.
  :func:`~amreview.cycle.form_record.identity_problems` compares it with what the collector
  expects (person, period, kind) and :func:`~amreview.cycle.form_record.fingerprint_problems` the
  fingerprint with one computed now from the pack (figures that changed since the form was made).
* **Nothing protected was changed**: every sheet the form was made with is there (not deleted,
  not renamed); every label is where it was written (else columns or rows were moved, inserted or
  deleted: that sheet's input is not read, rather than read from the wrong cells); every computed
  value, title and instruction is as written (a protected cell edited is named); nothing is typed
  outside the input cells or on a sheet of one's own (it would not be collected); the record
  itself hashes to the form's fingerprint.
* **Every input, field by field** (:mod:`amreview.cycle.form_inputs`): ratings whole numbers
  1–5; dates real dates, due dates in next quarter, signing dates from the quarter's start; weights
  numbers ≥ 0 that, where given, are given for every objective and add up to 100; competencies and
  rating labels from their lists; an agreed rating other than the computed one with a reason; a
  comment on a competency with a rating.
* **Text as typed**: a comment is kept whole (any length) and exactly as typed, also when a
  spreadsheet took it for a formula (``=1+1`` typed in a cell is read as the text ``=1+1``);
  numbers and dates typed where text was expected become their text. Nothing typed is dropped:
  what cannot be kept (an objective's weight without the objective) is a problem.
* **An empty form** (nothing typed; the agreed rating as pre-filled) is no error: its
  :attr:`~amreview.cycle.model.ReturnedForm.is_empty` is true and it carries no input.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from amreview.cycle.cells import typed_text
from amreview.cycle.form_file import open_workbook, read_bytes
from amreview.cycle.form_inputs import FilledForm, blank_outcome, competencies, notes, objectives, outcome
from amreview.cycle.form_record import (
    Expected,
    fingerprint_problems,
    identity_of,
    identity_problems,
    layout_problems,
    record_of,
)
from amreview.cycle.model import (
    FormError,
    FormKind,
    ReturnedForm,
)
from amreview.scoring.config import ScorecardConfig


def read_form(
    path: Path, config: ScorecardConfig, *, expected: Expected | None = None, collected_at: dt.datetime | None = None
) -> ReturnedForm:
    """Read the form at ``path`` (module docstring) under the scorecard ``config`` it was made
    with; ``expected`` says whose, which quarter's and which kind of form the collector takes,
    and how to compute the figures' fingerprint now. Every problem found is in one
    :class:`~amreview.cycle.model.FormError`; a form with none is a
    :class:`~amreview.cycle.model.ReturnedForm` whose values keep their cells
    (``collected_at``: when, UTC; now by default)."""
    path = Path(path)
    data = read_bytes(path)
    book = open_workbook(path, data)
    recorded, entries = record_of(book, path)
    identity, problems = identity_of(book, path, config, recorded)
    if identity is None:
        raise FormError(problems)
    wrong_form = identity_problems(identity, path, expected, entries)
    problems += wrong_form
    if not wrong_form and expected is not None and expected.fingerprint is not None:
        problems += fingerprint_problems(identity, path, expected.fingerprint(identity))
    unreadable, layout = layout_problems(book, path, entries, identity)
    problems += layout
    form = FilledForm(
        path, book, entries, unreadable, hashlib.sha256(data).hexdigest(), collected_at or dt.datetime.now(dt.UTC)
    )
    name = typed_text(form.recorded("shown.person.name"))
    manager_review = identity.kind is FormKind.MANAGER_REVIEW
    returned = ReturnedForm(identity=identity, path=path, sha256=form.sha256)
    if form.typed():
        author = typed_text(form.recorded("shown.person.manager")) if manager_review else name
        rated, said = competencies(form), notes(form, author)  # in the order of the sheets
        agreed = objectives(form, identity.period.next()) if manager_review else ()
        result, sign_off = outcome(form, config, identity.period, name) if manager_review else (None, None)
        returned = ReturnedForm(
            identity=identity,
            path=path,
            sha256=form.sha256,
            competencies=rated,
            notes=tuple(said + ([sign_off] if sign_off else [])),
            objectives=agreed,
            outcome=result,
        )
    elif manager_review:
        returned = ReturnedForm(identity=identity, path=path, sha256=form.sha256, outcome=blank_outcome(form))
    problems += form.problems
    if problems:
        raise FormError(problems)
    return returned
