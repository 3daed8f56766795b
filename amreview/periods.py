"""Periods: calendar quarters ``YYYYQn`` and months ``YYYY-MM``, the one home of that vocabulary.

A sales line belongs to a quarter by its ``invoice_date``. Quarters are calendar quarters
unless the scorecard config sets a fiscal-year start month; a fiscal year is named after the
calendar year in which it ends (see :class:`Quarter`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from amreview.errors import PeriodError

QUARTER_PATTERN = re.compile(r"^(?P<year>\d{4})Q(?P<q>[1-4])$")  # the label files and documents carry
# What a person may type for a quarter (Quarter.parse): the label, or the year and ``Q``n either
# way round, spaced or joined by "-" or "/", in either case: 2026Q3, 2026 Q3, 2026-q3, Q3 2026,
# q3/2026. Each names one quarter only; a two-digit year, a month or a quarter number alone do not.
_SEPARATOR = r"(?:\s*[-/]\s*|\s+)"
TYPED_QUARTER_PATTERN = re.compile(
    rf"^(?:(?P<year>\d{{4}}){_SEPARATOR}?[Qq](?P<q>[1-4])|[Qq](?P<q_first>[1-4]){_SEPARATOR}(?P<year_last>\d{{4}}))$"
)
MONTH_PATTERN = re.compile(r"^(?P<year>\d{4})-(?P<month>0[1-9]|1[0-2])$")
QUARTER_FORMAT = "YYYYQn, e.g. 2026Q3"
QUARTER_SPELLINGS = "2026 Q3, 2026-Q3 and Q3 2026 are read as 2026Q3 too"
MONTH_FORMAT = "YYYY-MM, e.g. 2026-07"


@dataclass(frozen=True, order=True)
class Quarter:
    """A quarter of a (fiscal) year. ``Quarter.parse("2026Q3")`` covers 2026-07-01 to 2026-09-30.

    ``start_month`` is the first month of the fiscal year (1 = calendar quarters). A fiscal year
    is named after the calendar year in which it *ends* (as Microsoft's or the US government's
    are): with ``start_month=4``, ``2027Q1`` is April–June 2026 and ``2027Q4`` January–March 2027.
    """

    year: int
    q: int
    start_month: int = 1

    def __post_init__(self):
        if not 1 <= self.q <= 4:
            raise PeriodError(f"quarter number {self.q}: expected 1 to 4")
        if not 1 <= self.start_month <= 12:
            raise PeriodError(f"fiscal year start month {self.start_month}: expected 1 to 12")

    @classmethod
    def parse(cls, text: str | Quarter, start_month: int | None = None) -> Quarter:
        """Parse ``YYYYQn``, or another spelling of it that names one quarter only
        (:data:`TYPED_QUARTER_PATTERN`: ``2026 Q3``, ``2026-Q3``, ``Q3 2026``, ``q3/2026``…);
        raise :class:`PeriodError` otherwise, echoing the text and saying what was expected.

        A :class:`Quarter` passes through (re-based on ``start_month`` only if one is given
        and differs, which would change its dates: that is an error).
        """
        if isinstance(text, Quarter):
            if start_month is not None and start_month != text.start_month:
                raise PeriodError(
                    f"quarter {text} is on a fiscal year starting in month {text.start_month}, not {start_month}"
                )
            return text
        match = TYPED_QUARTER_PATTERN.match(str(text).strip())
        if not match:
            raise PeriodError(not_a_quarter_text(text, start_month or 1))
        year, q = match["year"] or match["year_last"], match["q"] or match["q_first"]
        return cls(int(year), int(q), start_month or 1)

    @classmethod
    def of(cls, date, start_month: int = 1) -> Quarter:
        """The quarter a date falls in."""
        ts = pd.Timestamp(date)
        months_into = ts.year * 12 + ts.month - 1 - (start_month - 1)
        return cls(months_into // 12 + (start_month != 1), (months_into % 12) // 3 + 1, start_month)

    def __str__(self) -> str:
        return f"{self.year}Q{self.q}"

    @property
    def _first_month_index(self) -> int:
        """Months since year 0 of the quarter's first month."""
        fiscal_start_year = self.year - (self.start_month != 1)
        return fiscal_start_year * 12 + (self.start_month - 1) + 3 * (self.q - 1)

    @property
    def start(self) -> pd.Timestamp:
        """First day of the quarter."""
        index = self._first_month_index
        return pd.Timestamp(index // 12, index % 12 + 1, 1)

    @property
    def end(self) -> pd.Timestamp:
        """Last day of the quarter (inclusive)."""
        index = self._first_month_index + 3
        return pd.Timestamp(index // 12, index % 12 + 1, 1) - pd.Timedelta(days=1)

    @property
    def months(self) -> list[str]:
        """The quarter's three months as ``YYYY-MM`` labels."""
        first = self._first_month_index
        return [f"{i // 12}-{i % 12 + 1:02d}" for i in range(first, first + 3)]

    @property
    def days(self) -> int:
        """Number of days in the quarter."""
        return (self.end - self.start).days + 1

    def shift(self, quarters: int) -> Quarter:
        """The quarter ``quarters`` later (negative: earlier)."""
        index = self.year * 4 + (self.q - 1) + quarters
        return Quarter(index // 4, index % 4 + 1, self.start_month)

    def previous(self) -> Quarter:
        return self.shift(-1)

    def next(self) -> Quarter:
        return self.shift(1)

    def year_ago(self) -> Quarter:
        return self.shift(-4)

    def last_n(self, n: int) -> list[Quarter]:
        """The ``n`` quarters ending with this one, oldest first."""
        return [self.shift(k) for k in range(-(n - 1), 1)]

    def year_to_date(self) -> list[Quarter]:
        """The quarters of this fiscal year up to and including this one."""
        return [Quarter(self.year, k, self.start_month) for k in range(1, self.q + 1)]

    def fiscal_year(self) -> list[Quarter]:
        """The four quarters of this fiscal year."""
        return [Quarter(self.year, k, self.start_month) for k in range(1, 5)]

    def contains(self, dates: pd.Series) -> pd.Series:
        """Boolean mask: which ``dates`` fall in this quarter."""
        return (dates >= self.start) & (dates <= self.end)

    @property
    def label(self) -> str:
        """Human label: ``Q3 2026 (1 Jul 2026 – 30 Sep 2026)``; fiscal quarters say ``FY``."""
        fy = "FY" if self.start_month != 1 else ""
        return f"Q{self.q} {fy}{self.year} ({_day(self.start)} – {_day(self.end)})"


def require_quarter(value: object) -> Quarter:
    """``value`` when it is a :class:`Quarter`; a :class:`PeriodError` otherwise.

    Text becomes a :class:`Quarter` once, at the boundary (the CLI, a notebook's parameters,
    :func:`~amreview.scoring.scorecard.build_scorecard`, :meth:`~amreview.documents.review.Review.build`, …), with
    the scorecard config's fiscal-year start month. The functions inside take that quarter and
    refuse text: parsed there, without the config, ``"2026Q3"`` would silently be a calendar
    quarter under a fiscal config.
    """
    if isinstance(value, Quarter):
        return value
    raise PeriodError(
        f"expected a Quarter, found {type(value).__name__} {value!r}: parse the period once "
        f"with Quarter.parse(text, config.fiscal_year_start_month)"
    )


def not_a_quarter_text(text: object, start_month: int = 1) -> str:
    """The message for ``text`` that is not a quarter: the text as typed, the form expected and
    the other spellings read; a month ``YYYY-MM`` is told the quarter holding it."""
    hint = ""
    if isinstance(text, str) and MONTH_PATTERN.match(text.strip()):
        hint = f"; {text.strip()} is a month: its quarter is {quarter_of_month(text.strip(), start_month)}"
    return f"period {text!r} is not a quarter: expected {QUARTER_FORMAT} ({QUARTER_SPELLINGS}){hint}"


def _day(ts: pd.Timestamp) -> str:
    return f"{ts.day} {ts.strftime('%b %Y')}"


def quarter_labels(dates: pd.Series, start_month: int = 1) -> pd.Series:
    """``YYYYQn`` label of each date (fiscal quarters when ``start_month`` ≠ 1; see :class:`Quarter`)."""
    months_into = dates.dt.year * 12 + dates.dt.month - 1 - (start_month - 1)
    year = months_into // 12 + int(start_month != 1)
    q = (months_into % 12) // 3 + 1
    return year.astype("Int64").astype(str) + "Q" + q.astype("Int64").astype(str)


def month_labels(dates: pd.Series) -> pd.Series:
    """``YYYY-MM`` label of each date."""
    return dates.dt.strftime("%Y-%m")


def is_quarter_label(text: str) -> bool:
    return bool(QUARTER_PATTERN.match(str(text)))


def is_month_label(text: str) -> bool:
    return bool(MONTH_PATTERN.match(str(text)))


def quarter_of_month(month: str, start_month: int = 1) -> str:
    """``2026-08`` → ``2026Q3`` (the fiscal quarter when ``start_month`` ≠ 1)."""
    match = MONTH_PATTERN.match(month)
    if not match:
        raise PeriodError(f"period {month!r} is not a month: expected {MONTH_FORMAT}")
    return str(Quarter.of(pd.Timestamp(int(match["year"]), int(match["month"]), 1), start_month))
