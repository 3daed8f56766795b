"""Converting cells of exports to the contract's types, and deriving ids from names: pure,
vectorised where it matters (:mod:`amreview.importing.mapping` applies them).

* text: what a person sees in the cell, trimmed; integral numbers without a trailing ``.0``;
* numbers: numbers, or text such as ``"1,234.50"``, ``"(1,200)"`` (negative) or ``"1 300"``,
  with the thousands and decimal separators the mapping gives;
* dates: datetime cells, ISO text, text in a ``date_format``, and Excel serial day numbers
  (from workbooks only: a number in a CSV file is no date);
* booleans: the words a data pack accepts (:mod:`amreview.data.cells`: ``yes/no``, ``true/false``, ``1/0`` …);
* periods: a quarter ``2026Q3`` or a month ``2026-07`` from common spellings;
* ids from names: a slug or a hash of the normalised name (stable: same name, same id).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

import numpy as np
import pandas as pd

from amreview.data.cells import FALSE_WORDS, TRUE_WORDS
from amreview.errors import ArgumentError

EXPECTED = {"text": "text", "number": "a number", "date": "a date YYYY-MM-DD", "bool": "true or false"}
EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # Excel's day 0 (its 1900 leap-year bug included)


def fold(text: str) -> str:
    return text.strip().casefold()


def text_form_of(value) -> str | None:
    """The text a person sees in a cell: numbers without a trailing ``.0``, trimmed."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp | np.datetime64) or hasattr(value, "isoformat"):
        stamp = pd.Timestamp(value)
        return f"{stamp:%Y-%m-%d}" if stamp == stamp.normalize() else stamp.isoformat(sep=" ")
    text = str(value).strip()
    return text or None


def text_form(values: pd.Series) -> pd.Series:
    """:func:`_text_form_of` of every cell; empty and missing cells are ``None``."""
    if pd.api.types.is_string_dtype(values) and not pd.api.types.is_object_dtype(values):
        text = values.str.strip()
        return text.where(text.notna() & (text != ""), None).astype(object)
    return values.astype(object).map(text_form_of, na_action="ignore").astype(object).where(lambda s: s.notna(), None)


def normalise_name(value: str) -> str:
    """A name as ids are derived from it: trimmed, inner whitespace collapsed, case folded."""
    return " ".join(str(value).split()).casefold()


def slug(value: str) -> str:
    """``"Zoë  O'Brien-Smith"`` → ``zoe-o-brien-smith``: ASCII letters and digits joined by ``-``."""
    ascii_text = unicodedata.normalize("NFKD", normalise_name(value)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def derive_id(name: str, rule) -> str | None:
    """The id of ``name`` under ``rule`` (see :class:`IdRule`); ``None`` for an empty name."""
    if name is None or not normalise_name(name):
        return None
    if rule.style == "hash":
        body = hashlib.sha256(normalise_name(name).encode("utf-8")).hexdigest()[: rule.length]
    else:
        body = slug(name) or hashlib.sha256(normalise_name(name).encode("utf-8")).hexdigest()[: rule.length]
    return rule.prefix + body


def convert(
    values: pd.Series,
    kind: str,
    *,
    date_format: str | None = None,
    decimal: str = ".",
    thousands: str = ",",
    excel: bool = False,
) -> tuple[pd.Series, pd.Series]:
    """Values as the contract's ``kind`` (``text``, ``number``, ``date``, ``bool``).

    Returns the converted values (missing where empty) and a boolean Series marking the
    non-empty cells that could not be converted. Numbers accept text such as ``"1,234.50"``
    (``thousands`` and ``decimal`` as given), ``"(1,200)"`` (negative) and spaces; dates accept
    datetime cells, ISO text, text in ``date_format``, and — from Excel only — serial day numbers.
    """
    values = values.astype(object)
    empty = values.map(text_form_of, na_action="ignore").isna() | values.isna()
    if kind == "text":
        text = text_form(values)
        return text, pd.Series(False, index=values.index)
    if kind == "number":
        result = _numbers(values, decimal, thousands)
    elif kind == "date":
        result = _dates(values, date_format, excel)
    elif kind == "bool":
        result = _bools(values)
    else:
        raise ArgumentError(f"unknown kind {kind!r}: expected one of text, number, date, bool")
    invalid = result.isna() & ~empty
    return result, invalid


def _numbers(values: pd.Series, decimal: str, thousands: str) -> pd.Series:
    is_number = values.map(lambda v: isinstance(v, int | float | np.number) and not isinstance(v, bool))
    numbers = pd.Series(np.nan, index=values.index, dtype="float64")
    numbers[is_number] = values[is_number].astype("float64")
    text = values[~is_number & values.notna()].map(lambda v: None if isinstance(v, bool) else str(v))
    text = text.dropna().str.strip().str.replace(r"[\s\u00a0\u202f]", "", regex=True)
    negative = text.str.fullmatch(r"\(.*\)")
    text = text.str.replace(r"^\((.*)\)$", r"\1", regex=True)
    if thousands:
        text = text.str.replace(thousands, "", regex=False)
    if decimal != ".":
        text = text.str.replace(decimal, ".", regex=False)
    parsed = pd.to_numeric(text.where(text.str.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")), errors="coerce")
    numbers[parsed.index] = parsed.where(~negative, -parsed).astype("float64")
    return numbers


def _dates(values: pd.Series, date_format: str | None, excel: bool) -> pd.Series:
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    is_stamp = values.map(lambda v: hasattr(v, "year") and hasattr(v, "month") and not isinstance(v, str))
    if is_stamp.any():
        result[is_stamp] = pd.to_datetime(values[is_stamp].map(pd.Timestamp)).astype("datetime64[ns]")
    is_number = (
        values.map(lambda v: isinstance(v, int | float | np.number) and not isinstance(v, bool)) & values.notna()
    )
    if excel and is_number.any():
        days = values[is_number].astype("float64")
        plausible = (days > 0) & (days < 2_958_466)
        result[days[plausible].index] = (EXCEL_EPOCH + pd.to_timedelta(days[plausible], unit="D")).astype(
            "datetime64[ns]"
        )
    is_text = values.map(lambda v: isinstance(v, str))
    if is_text.any():
        text = values[is_text].str.strip()
        text = text[text != ""]
        parsed = pd.to_datetime(text, format=date_format or "ISO8601", errors="coerce")
        result[parsed.index] = parsed.astype("datetime64[ns]")
    return result.dt.normalize()


def _bools(values: pd.Series) -> pd.Series:
    def one(v):
        if isinstance(v, bool | np.bool_):
            return bool(v)
        word = text_form_of(v)
        if word is None:
            return None
        word = word.casefold()
        return True if word in TRUE_WORDS else False if word in FALSE_WORDS else None

    return values.map(one).astype(object)


QUARTER_SPELLINGS = (
    re.compile(r"^(?P<year>\d{4})\s*[-/ ]?\s*Q(?P<q>[1-4])$", re.I),  # 2026Q3, 2026-Q3, 2026 Q3
    re.compile(r"^Q(?P<q>[1-4])\s*[-/ ]?\s*(?P<year>\d{4}|\d{2})$", re.I),  # Q3 2026, Q3-26
)
MONTH_SPELLINGS = (
    re.compile(r"^(?P<year>\d{4})[-/.](?P<month>\d{1,2})$"),  # 2026-07, 2026/7
    re.compile(r"^(?P<month>\d{1,2})[-/.](?P<year>\d{4})$"),  # 07/2026
)


def parse_period(value, kind: str) -> str | None:
    """A period label from common spellings: a quarter ``2026Q3`` (from ``Q3 2026``, ``2026-Q3``,
    ``Q3-26`` or a date) or a month ``2026-07`` (from ``2026/7``, ``07/2026``, ``Jul 2026`` or a
    date). ``kind`` is ``"quarter"``, ``"month"`` or ``"period"`` (either, as written)."""
    if value is None:
        return None
    if hasattr(value, "year") and hasattr(value, "month") and not isinstance(value, str):
        stamp = pd.Timestamp(value)
        return f"{stamp.year}Q{(stamp.month - 1) // 3 + 1}" if kind == "quarter" else f"{stamp:%Y-%m}"
    text = text_form_of(value)
    if text is None:
        return None
    if kind in ("quarter", "period"):
        for pattern in QUARTER_SPELLINGS:
            match = pattern.match(text)
            if match:
                year = match["year"] if len(match["year"]) == 4 else f"20{match['year']}"
                return f"{year}Q{match['q']}"
    month = _month_of(text)
    if month is None:
        return None
    if kind == "quarter":
        year, number = month.split("-")
        return f"{year}Q{(int(number) - 1) // 3 + 1}"
    return month


def _month_of(text: str) -> str | None:
    for pattern in MONTH_SPELLINGS:
        match = pattern.match(text)
        if match and 1 <= int(match["month"]) <= 12:
            return f"{match['year']}-{int(match['month']):02d}"
    for fmt in ("%b %Y", "%B %Y", "%b-%Y", "%B-%Y", "%b %y", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S"):
        try:
            return f"{pd.to_datetime(text, format=fmt):%Y-%m}"
        except ValueError:
            continue
    return None
