"""Numbers for people: one place for money, percentage, count and score formats.

Text only (no HTML but :func:`escape`): the documents (:mod:`amreview.documents.render`), the
scorecard's display (:mod:`amreview.scoring.display`) and the run's index page show figures
with these. A missing value is shown as what it means (``n/a``, ``no target``, ``no data``),
never as 0.

One rounding rule per unit, so a figure reads the same in a table, a sentence and a chart label
(a KPI's unit is its :attr:`~amreview.metrics.registry.Kpi.display_unit`):

* a share or rate (``pct``: GM %, win rates, retention, plan completion, forecast accuracy, a
  share of revenue or margin): one decimal, ``73.6 %`` (:func:`pct`);
* an attainment (``attainment``: actual / target): whole percents, ``95 %``, ``no target``
  where there is none (:func:`attainment_pct`);
* a relative change (``change``: on a quarter or a year ago, a forecast's bias): whole
  percents, signed in tables, ``up 20 %`` in words;
* a change of a percentage (``points``): one decimal, ``−1.2 pts`` or ``down 1.2 points``;
* a percentile or a weight (``pct0``): whole percents, ``30 %``; never a share;
* a count: whole, with thousands separators; a rating (1–5 mean): one decimal; a score: two.

Money and counts are written in a :class:`NumberFormat`: the currency (a code such as ``EUR`` or
a symbol such as ``€``, before or after the number) and the thousands and decimal separators,
from the scorecard config's ``[number_format]`` table (parsed once there,
:mod:`amreview.scoring.config`). The formatters take it as ``fmt=``; without, they use the one
*in effect*: a document sets its format for as long as it is built or rendered
(:func:`number_format_in_effect`, a context variable, reset on leaving: nothing leaks into the
next document, thread or task). Why not pass it explicitly everywhere: a review writes money in
some sixty places over a dozen modules (sentences, tables, chart axes and labels, alt texts);
threading an argument through each is sixty chances to forget one, and one forgotten silently
writes the neutral format. The format is set in one place per document (its build and its
render), and the document objects carry the format they were built with, so rendering one stays
a function of the object. Outside any document the format is :data:`NEUTRAL_FORMAT`: no
currency, ``1,234,568``, as before.

Which figures take which separator: money takes both, and the currency; counts (``53,010
rows``, ``1,204 activities``) take the thousands separator, since a group of three digits
after the wrong mark reads as a fraction (``53,010`` is 53.01 where a comma is the decimal
mark). Percentages, scores, ratings and days keep the decimal point: they have one or two
decimals, so they cannot be misread as thousands, and the scorecard's bands and rating
thresholds are written with it.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import pandas as pd

MINUS = "\u2212"
NO_TARGET = "no target"
NOT_MEANINGFUL = "n/a"
NO_DATA = "no data"
DASH = "\u2014"
# Between a number and its unit (``12.3\u00a0%``, ``4.5\u00a0days``): a no-break space, so a line never
# ends with the number and starts with its unit (a table cell, a sentence, a chart label).
UNIT_SPACE = "\u00a0"


def is_missing(value) -> bool:
    """Whether ``value`` is missing: None, NA, NaT or NaN."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(isinstance(value, float) and math.isnan(value)) or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def escape(value) -> str:
    """``value`` as HTML-safe text (quotes included)."""
    return html.escape(str(value), quote=True)


# --------------------------------------------------------------------------------------------
# Number formats
# --------------------------------------------------------------------------------------------

LARGEST_SPELLED_OUT = 1e15  # a figure this large is shown in powers of ten, not as 16 digits or more


def out_of_range(value, scale: float = 1.0) -> str | None:
    """The text of a number no document spells out, or ``None`` for an ordinary one: ``n/a``
    for an infinite or undefined value, and powers of ten (``1.00e+308``, a true minus sign)
    for ``value × scale`` of :data:`LARGEST_SPELLED_OUT` or more in size. Such figures come
    only from amounts the data-quality checks flag (:mod:`amreview.data.plausibility`); a document
    shows them short, never as a 309-digit number or ``−inf``."""
    shown = float(value) * scale
    if not math.isfinite(shown):
        return NOT_MEANINGFUL
    if abs(shown) >= LARGEST_SPELLED_OUT:
        return f"{shown:.2e}".replace("-", MINUS)
    return None


# --------------------------------------------------------------------------------------------
# Money
# --------------------------------------------------------------------------------------------

NBSP = UNIT_SPACE  # between an amount and its currency: the two never part at a line's end


@dataclass(frozen=True)
class NumberFormat:
    """How a document writes money and counts (see the module docstring).

    ``unit``: the currency, a code (``EUR``) or a symbol (``€``, ``US$``); empty for none.
    ``before``: the unit before the number (``€1,234``, ``EUR 1,234``) or after it
    (``1.234 €``). A unit ending in a letter is spaced from the number on both sides; a symbol
    before the number is not (``$1,234``); a unit after the number always is. The space is a
    no-break space. ``thousands`` and ``decimal``: the separators (``1.234.567,89`` for ``.``
    and ``,``). Validated where it is read (the scorecard config).
    """

    unit: str = ""
    before: bool = False
    thousands: str = ","
    decimal: str = "."

    def digits(self, text: str) -> str:
        """``text`` written with ``,`` thousands and a ``.`` decimal point, in this format's
        separators: ``1,234,567.89`` → ``1.234.567,89`` (both swapped at once)."""
        return text.translate({ord(","): self.thousands, ord("."): self.decimal})

    def amount(self, text: str) -> str:
        """An unsigned amount ``text`` (with ``,`` and ``.``) in this format: its separators and
        currency. ``1,234,568`` → ``1.234.568 €`` (``.``/``,``, ``€`` after), ``$1,234,568``."""
        shown = self.digits(text)
        if not self.unit:
            return shown
        if self.before:
            return f"{self.unit}{NBSP if self.unit[-1].isalpha() else ''}{shown}"
        return f"{shown}{NBSP}{self.unit}"


NEUTRAL_FORMAT = NumberFormat()  # no currency, 1,234,567.89: what documents showed before a config named one
_IN_EFFECT: ContextVar[NumberFormat] = ContextVar("amreview_number_format", default=NEUTRAL_FORMAT)


def number_format() -> NumberFormat:
    """The number format in effect (:data:`NEUTRAL_FORMAT` outside any document)."""
    return _IN_EFFECT.get()


@contextmanager
def number_format_in_effect(fmt: NumberFormat) -> Iterator[NumberFormat]:
    """Numbers are written in ``fmt`` inside the ``with`` block (and what it calls), then as before."""
    token = _IN_EFFECT.set(fmt)
    try:
        yield fmt
    finally:
        _IN_EFFECT.reset(token)


def money(value, decimals: int = 0, fmt: NumberFormat | None = None) -> str:
    """``1234567.8`` → ``1,234,568`` (neutral), ``1.234.568 €`` (``.``/``,``, ``€`` after);
    negatives with a true minus sign before it all (``−€1,234``); ``n/a`` when missing.
    ``fmt``: the number format (default: the one in effect)."""
    if is_missing(value):
        return NOT_MEANINGFUL
    if (huge := out_of_range(value)) is not None:
        return huge
    text = (fmt or number_format()).amount(f"{abs(value):,.{decimals}f}")
    return f"{MINUS}{text}" if round(value, decimals) < 0 else text


def compact_money(value, millions: int = 2, fmt: NumberFormat | None = None) -> str:
    """Money in few characters, for sentences, chart labels and axis ticks: ``412_345`` →
    ``412k``; ``1_234_567`` → ``1.23m`` (``millions`` decimals; ``1.2m`` with 1, as an axis
    shows); ``900``; a true minus sign for negatives, none for what rounds to 0. In ``fmt`` (the
    format in effect by default): ``1,23m €``."""
    if is_missing(value):
        return NOT_MEANINGFUL
    if (huge := out_of_range(value)) is not None:
        return huge
    size = abs(value)
    if size >= 999_500:  # what would round to 1000k is 1.00m
        text = f"{size / 1e6:.{millions}f}m"
    elif size >= 1e3:
        text = f"{size / 1e3:.0f}k"
    else:
        text = f"{size:.0f}"
    shown = (fmt or number_format()).amount(text)
    return f"{MINUS}{shown}" if value < 0 and text.strip("0.km") else shown


def pct(value, decimals: int = 1, missing: str = NOT_MEANINGFUL) -> str:
    """A fraction as a percentage: ``0.1234`` → ``12.3 %`` (a :data:`UNIT_SPACE` before the ``%``);
    ``missing`` when there is none."""
    if is_missing(value):
        return missing
    if (huge := out_of_range(value, 100)) is not None:
        return huge if huge == NOT_MEANINGFUL else f"{huge}{UNIT_SPACE}%"
    text = f"{abs(value) * 100:,.{decimals}f}{UNIT_SPACE}%"
    return f"{MINUS}{text}" if round(value * 100, decimals) < 0 else text


def change_pct(value) -> str:
    """The size of a relative change in whole percents, without its sign (the words or
    :func:`signed` give the direction): ``−0.031`` → ``3 %``."""
    return pct(abs(value), decimals=0)


def points_size(value) -> str:
    """The size of a change of a percentage in points, one decimal, without its sign:
    ``−0.004`` → ``0.4``."""
    return f"{abs(value) * 100:.1f}"


def attainment_pct(value) -> str:
    """Attainment as a percentage, ``no target`` where there is no target."""
    return pct(value, decimals=0, missing=NO_TARGET)


def count(value, fmt: NumberFormat | None = None) -> str:
    """A whole number with the thousands separator of ``fmt`` (the format in effect by
    default): ``53010`` → ``53,010`` (neutral), ``53.010``."""
    if is_missing(value):
        return NOT_MEANINGFUL
    if (huge := out_of_range(value)) is not None:
        return huge
    return (fmt or number_format()).digits(f"{int(round(value)):,}")


def signed(value, text: str) -> str:
    """``text`` with a + or a true minus sign for ``value``'s sign (nothing for zero)."""
    return ("+" if value > 0 else MINUS if value < 0 else "") + text


def format_value(value, unit: str) -> str:
    """One value in a table's unit (see :data:`UNITS`); missing values as ``n/a`` (or ``""``
    for text and ``—`` for dates)."""
    if unit == "text":
        return "" if is_missing(value) else str(value)
    if unit == "bool":
        return "" if is_missing(value) else ("yes" if bool(value) else "no")
    if unit == "date":
        return DASH if is_missing(value) else pd.Timestamp(value).strftime("%d %b %Y")
    if is_missing(value):
        return {"attainment": NO_TARGET, "score": NO_DATA}.get(unit, NOT_MEANINGFUL)
    value = float(value)
    scale = 100 if unit in PERCENT_UNITS else 1
    if (huge := out_of_range(value, scale)) is not None:
        return huge if huge == NOT_MEANINGFUL or scale == 1 else f"{huge}{UNIT_SPACE}%"
    if unit == "money":
        return money(value)
    if unit == "pct":
        return pct(value)
    if unit == "pct0":
        return pct(value, 0)
    if unit == "attainment":
        return attainment_pct(value)
    if unit == "count":
        return count(value)
    if unit == "days":
        return f"{value:,.1f}"
    if unit == "rating":
        return f"{value:.1f}"
    if unit == "score":
        return f"{value:.2f}"
    if unit == "multiple":
        return f"{value:.1f}\u00d7"
    if unit == "change":
        return signed(round(value * 100), change_pct(value))
    if unit == "money_change":
        return signed(round(value), number_format().amount(f"{abs(value):,.0f}"))
    if unit == "points":
        return signed(round(value * 1000), f"{points_size(value)}{UNIT_SPACE}pts")
    if unit == "signed0":
        return "0" if round(value) == 0 else signed(value, f"{abs(value):,.0f}")
    if unit == "gap":
        return "0.0" if abs(value) < 0.05 else signed(value, f"{abs(value):.1f}")
    if unit == "score_change":
        if abs(value) < 0.005:
            return "= 0.00"
        return ("\u25b2 +" if value > 0 else f"\u25bc {MINUS}") + f"{abs(value):.2f}"
    return f"{value:,.2f}".replace("-", MINUS)


PERCENT_UNITS = ("pct", "pct0", "attainment", "change", "points")  # fractions shown × 100
UNITS = (
    "text",
    "bool",
    "date",
    "money",
    "pct",
    "pct0",
    "attainment",
    "count",
    "days",
    "rating",
    "score",
    "multiple",
    "change",
    "money_change",
    "points",
    "score_change",
    "gap",
    "signed0",
    "number",
)
# A table unit (see UNITS) → the Excel number format that shows a cell of it as format_value
# does: the same decimals, a true minus sign, fractions as percentages. Units Excel cannot
# show so (points, gaps, score changes: arithmetic or words) are not here.
EXCEL_FORMATS = {
    "money": '#,##0;"−"#,##0',
    "pct": '0.0%;"−"0.0%',
    "pct0": '0%;"−"0%',
    "attainment": '0%;"−"0%',
    "count": '#,##0;"−"#,##0',
    "days": '#,##0.0;"−"#,##0.0',
    "rating": "0.0",
    "score": "0.00",
    "multiple": '0.0"×"',
    "change": '+0%;"−"0%;0%',
    "money_change": '+#,##0;"−"#,##0;0',
    "signed0": '+#,##0;"−"#,##0;0',
    "number": '#,##0.00;"−"#,##0.00',
    "date": "dd mmm yyyy",
}


def excel_format(unit: str, fmt: NumberFormat | None = None) -> str:
    """The Excel number format of table unit ``unit`` (:data:`EXCEL_FORMATS`); money's and money
    changes' carry the currency of ``fmt`` (the one in effect by default):
    ``#,##0" €";"−"#,##0" €"``, ``"$"#,##0;"−$"#,##0``. Only the currency: a format's ``,`` and
    ``.`` are placeholders Excel writes in the reader's own separators (their locale's)."""
    fmt = fmt or number_format()
    if unit not in ("money", "money_change") or not fmt.unit:
        return EXCEL_FORMATS[unit]
    return ";".join(_excel_money_section(section, fmt) for section in EXCEL_FORMATS[unit].split(";"))


def _excel_money_section(section: str, fmt: NumberFormat) -> str:
    """One section of an Excel money format (``"−"#,##0``, ``+#,##0``, ``0``) with ``fmt``'s unit
    as a literal: its sign, then the unit before the digits or after them."""
    sign, digits = ("+", section[1:]) if section.startswith("+") else ("", section)
    if digits.startswith(f'"{MINUS}"'):
        sign, digits = MINUS, digits[3:]
    if fmt.before:
        return f'"{sign}{fmt.amount("")}"{digits}'
    return (f'"{sign}"' if sign else "") + f'{digits}"{fmt.amount("")}"'


KPI_UNIT_FORMATS = {
    "money": "money",
    "fraction": "pct",
    "count": "count",
    "days": "days",
    "rating": "rating",
    "number": "number",
}  # a registry KPI's unit → the table unit that shows it


def kpi_value(value, unit: str) -> str:
    """A KPI value in its display unit (a table unit of :data:`UNITS`, the KPI's
    ``display_unit``): as :func:`format_value` shows it, days with the word."""
    if unit == "days":
        if is_missing(value):
            return NOT_MEANINGFUL
        huge = out_of_range(value)
        return huge if huge is not None else f"{value:,.1f}{UNIT_SPACE}days"
    return format_value(value, unit)


def weight_pct(weight) -> str:
    """A weight (of a measure, a KPI, an objective) in whole percents: ``0.3`` → ``30 %``."""
    return pct(weight, decimals=0)


def score_text(value) -> str:
    return NO_DATA if is_missing(value) else f"{value:.2f}"


def bands_text(value, decimals: int = 0) -> str:
    """A change of rating bands: ``1`` → ``+1``, ``−2`` → ``−2``, ``0`` → ``0``; a mean with
    ``decimals`` (``0.67`` → ``+0.67``); ``—`` when missing (not agreed, no rating)."""
    if is_missing(value):
        return DASH
    if round(float(value), decimals) == 0:
        return f"{0:.{decimals}f}"
    return signed(value, f"{abs(float(value)):.{decimals}f}")
