"""What a person typed in a cell, as the value its field takes: :func:`typed_text` (any cell,
as text), :func:`as_rating`, :func:`as_date`, :func:`as_weight`, :func:`as_choice`. Each parser
returns None for an empty cell and raises :class:`Unreadable` (saying what the cell takes) for a
value it cannot take; :mod:`amreview.cycle.read_form` turns that into a problem naming the cell.

Lenient where a spreadsheet is: a rating typed as text ``"4"``, a date typed as text
``2026-11-30``, a weight typed as ``25 %`` or in a cell formatted as a percentage, a choice in
another case. Never lenient about meaning: ``"good"`` is no rating, ``3.5`` neither.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Collection

from openpyxl.worksheet.formula import ArrayFormula

from amreview.errors import AmreviewError

ISO_DATE = re.compile(r"\s*(\d{4}-\d{2}-\d{2})(?:[ T][\d:.]*)?\s*")


def typed_text(value: object) -> str:
    """What was typed in a cell, as text: a formula as its text, a number without a trailing
    ``.0``, a date as ``YYYY-MM-DD``; ``""`` for an empty cell."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, ArrayFormula):
        return str(value.text)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class Unreadable(AmreviewError):
    """A typed value that is not what its cell takes (``expected`` says what is): raised by the
    parsers here, turned into a problem naming the cell by :mod:`amreview.cycle.read_form`."""

    def __init__(self, expected: str):
        super().__init__(expected)
        self.expected = expected


def as_rating(value: object) -> int | None:
    """A rating 1–5: a whole number (typed as a number or as text)."""
    if is_blank(value):
        return None
    number = value.strip() if isinstance(value, str) else value
    if isinstance(number, str) and re.fullmatch(r"[1-5](\.0+)?", number):
        return int(float(number))
    if isinstance(number, (int, float)) and not isinstance(number, bool) and number in (1, 2, 3, 4, 5):
        return int(number)
    raise Unreadable("a whole number from 1 to 5")


def as_date(value: object) -> dt.date | None:
    """A date: a date cell, or text ``YYYY-MM-DD``."""
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and (match := ISO_DATE.fullmatch(value)):
        try:
            return dt.date.fromisoformat(match[1])
        except ValueError:
            pass
    raise Unreadable("a date, e.g. 2026-10-12")


def as_weight(value: object, number_format: str) -> float | None:
    """A weight in percent, 0 or more: a number (a cell formatted as a percentage: × 100) or
    text such as ``25`` or ``25 %``."""
    if is_blank(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        weight = float(value) * (100 if "%" in number_format else 1)
    elif isinstance(value, str) and re.fullmatch(r"\s*\d+(\.\d+)?\s*%?\s*", value):
        weight = float(value.strip().rstrip("%"))
    else:
        raise Unreadable("a weight: a number of percent, 0 or more")
    if not math.isfinite(weight) or weight < 0:
        raise Unreadable("a weight: a number of percent, 0 or more")
    return weight


def as_choice(value: object, choices: Collection[str], what: str) -> str | None:
    """One of ``choices`` (spelt as in the list; case and spaces around it do not matter)."""
    if is_blank(value):
        return None
    text = typed_text(value).strip()
    match = next((c for c in choices if c.casefold() == text.casefold()), None)
    if match is None:
        raise Unreadable(f"{what}: one of {', '.join(choices)}")
    return match
