"""Numbers for people: one place for money, percentage, count and score formats.

Text only (no HTML but :func:`escape`): the documents (:mod:`amreview.documents.render`), the
scorecard's display (:mod:`amreview.scoring.display`) and the run's index page show figures
with these. A missing value is shown as what it means (``n/a``, ``no target``, ``no data``),
never as 0.
"""

from __future__ import annotations

import html
import math

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


def money(value, decimals: int = 0) -> str:
    """``1234567.8`` → ``1,234,568``; negatives with a true minus sign; ``n/a`` when missing."""
    if is_missing(value):
        return NOT_MEANINGFUL
    if (huge := out_of_range(value)) is not None:
        return huge
    text = f"{abs(value):,.{decimals}f}"
    return f"{MINUS}{text}" if round(value, decimals) < 0 else text


def compact_money(value) -> str:
    """``412_345`` → ``412k``; ``1_234_567`` → ``1.23m`` (for narrative lines)."""
    if is_missing(value):
        return NOT_MEANINGFUL
    if (huge := out_of_range(value)) is not None:
        return huge
    size = abs(value)
    if size >= 999_500:
        text = f"{size / 1e6:.2f}m"
    elif size >= 1e3:
        text = f"{size / 1e3:.0f}k"
    else:
        text = f"{size:.0f}"
    return f"{MINUS}{text}" if value < 0 and text != "0" else text


def pct(value, decimals: int = 1, missing: str = NOT_MEANINGFUL) -> str:
    """A fraction as a percentage: ``0.1234`` → ``12.3 %`` (a :data:`UNIT_SPACE` before the ``%``);
    ``missing`` when there is none."""
    if is_missing(value):
        return missing
    if (huge := out_of_range(value, 100)) is not None:
        return huge if huge == NOT_MEANINGFUL else f"{huge}{UNIT_SPACE}%"
    text = f"{abs(value) * 100:,.{decimals}f}{UNIT_SPACE}%"
    return f"{MINUS}{text}" if round(value * 100, decimals) < 0 else text


def attainment_pct(value) -> str:
    """Attainment as a percentage, ``no target`` where there is no target."""
    return pct(value, decimals=0, missing=NO_TARGET)


def count(value) -> str:
    """A whole number with thousands separators."""
    if is_missing(value):
        return NOT_MEANINGFUL
    if (huge := out_of_range(value)) is not None:
        return huge
    return f"{int(round(value)):,}"


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
        return signed(round(value * 100), f"{abs(value) * 100:,.0f}{UNIT_SPACE}%")
    if unit == "money_change":
        return signed(round(value), f"{abs(value):,.0f}")
    if unit == "points":
        return signed(round(value * 1000), f"{abs(value) * 100:.1f}{UNIT_SPACE}pts")
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
KPI_UNIT_FORMATS = {
    "money": "money",
    "fraction": "pct",
    "count": "count",
    "days": "days",
    "rating": "rating",
    "number": "number",
}  # a registry KPI's unit → the table unit that shows it


def kpi_value(value, unit: str) -> str:
    """A KPI value in its unit's format."""
    if unit == "days":
        if is_missing(value):
            return NOT_MEANINGFUL
        huge = out_of_range(value)
        return huge if huge is not None else f"{value:,.1f}{UNIT_SPACE}days"
    if unit == "rating":
        return NOT_MEANINGFUL if is_missing(value) else f"{value:.2f}"
    return format_value(value, KPI_UNIT_FORMATS.get(unit, "number"))


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
