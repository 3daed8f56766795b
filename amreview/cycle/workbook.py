"""A form as an ``.xlsx`` workbook (openpyxl): :func:`form_workbook` lays out a
:class:`~amreview.cycle.form_content.FormContent`, :func:`write_form` saves it atomically.

The sheets: **About** (who, which quarter, how to fill it in), **Figures** (read-only: the overall
score and computed rating, the headline figures, the measures' scores, where the figures stand in
the team and the organisation), **Competencies** (a rating 1–5 and a comment each; on a manager's
review beside the self-ratings), **Measures** (a comment per measure and an overall one),
**Objectives** (self-assessment: objectives proposed in words; manager's review: next quarter's
development objectives, the ones that carry over already there) and, on a manager's review,
**Outcome & sign-off** (the agreed rating, the computed one pre-filled; a reason for a change; the
signatures' names and dates; the account manager's comment at signing).

Design decisions, and why:

* **Every cell is protected but the input cells** (sheet protection without a password, the
  workbook's structure locked too): a person cannot change a figure by accident, and can still
  widen a column. Protection without a password keeps no one out on purpose, so reading back
  never trusts it: see the record below.
* **Dropdowns and validation** where a value comes from a list or a range: ratings 1–5, the five
  competencies and the config's rating labels (lists on a hidden sheet ``Lists``), due dates in
  next quarter, signing dates from the quarter's start, weights ≥ 0. Excel and LibreOffice Calc
  refuse other values as they are typed; :mod:`amreview.cycle.read_form` checks again, since a
  pasted value passes by.
* **The form records what it was made from**, twice: as custom document properties
  (``amreview.am_id``, ``amreview.period``, ``amreview.kind``, ``amreview.figures_fingerprint``,
  ``amreview.made_on``, ``amreview.form_version``, ``amreview.fiscal_year_start_month``), which
  Excel and LibreOffice keep through a save, and on a very hidden, protected sheet
  (:data:`RECORD_SHEET`): the identity, then one row per cell the form wrote — its key, sheet,
  cell (A1) and the value written. ``figure.*`` rows are the computed values (their fingerprint
  is the identity's), ``shown.*`` the person shown on *About*, ``label.*`` the labels that say
  where things are, ``input.*`` the cells a person fills in. The reader finds the input cells
  through the record, names a protected cell that was edited, and tells moved columns or rows
  by labels that are no longer where they were.
* **Text stays text**: a name or a comment from the pack that starts with ``=`` is a string cell
  (:func:`amreview.data.export.keep_text_as_text`), never a formula.
* **Made for A4**: each sheet prints on A4, fitted to the page's width, its header row repeated on
  every page; columns are wide enough to read and comments wrap.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.workbook.protection import WorkbookProtection

from amreview.cycle.form_content import FormContent
from amreview.cycle.form_layout import PROPERTY_PREFIX, Record
from amreview.cycle.form_sheets import (
    about_sheet,
    competencies_sheet,
    figures_sheet,
    identity_values,
    lists_sheet,
    measures_sheet,
    objectives_sheet,
    outcome_sheet,
    record_sheet,
)
from amreview.cycle.model import FormIdentity
from amreview.data.export import keep_text_as_text
from amreview.files import write_bytes_atomic


def form_identity(content: FormContent, made_on: dt.datetime) -> FormIdentity:
    """What ``content``'s form records it was made from."""
    return FormIdentity(
        am_id=content.am_id,
        period=content.period,
        kind=content.kind,
        figures_fingerprint=content.figures_fingerprint,
        made_on=made_on,
    )


def form_workbook(content: FormContent, made_on: dt.datetime) -> Workbook:
    """The form of ``content`` (module docstring), made at ``made_on`` (UTC)."""
    book = Workbook()
    book.remove(book.active)
    record = Record()
    about_sheet(book, content, made_on, record)
    figures_sheet(book, content, record)
    competencies_sheet(book, content, record)
    measures_sheet(book, content, record)
    objectives_sheet(book, content, record)
    if content.is_manager_review:
        outcome_sheet(book, content, record)
    lists_sheet(book, content, record)
    identity = form_identity(content, made_on)
    record_sheet(book, identity, record)
    for name, value in identity_values(identity).items():
        book.custom_doc_props.append(StringProperty(name=PROPERTY_PREFIX + name, value=value))
    book.properties.title = f"{content.kind.heading}, {content.period}"
    book.properties.creator = "amreview"
    book.security = WorkbookProtection(lockStructure=True)
    for ws in book.worksheets:
        keep_text_as_text(ws)
    book.active = 0
    return book


def form_bytes(content: FormContent, made_on: dt.datetime) -> bytes:
    """The ``.xlsx`` file of :func:`form_workbook`, in memory."""
    buffer = io.BytesIO()
    form_workbook(content, made_on).save(buffer)
    return buffer.getvalue()


def write_form(content: FormContent, path: Path, made_on: dt.datetime) -> Path:
    """Write ``content``'s form to ``path`` atomically, with the modes of every amreview output
    (:mod:`amreview.files`); made in memory first, so a full disk leaves nothing half-written."""
    write_bytes_atomic(Path(path), form_bytes(content, made_on))
    return Path(path)
