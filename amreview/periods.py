"""Periods: calendar quarters ``YYYYQn`` and months ``YYYY-MM``, the one home of that vocabulary.

A sales line belongs to a quarter by its ``invoice_date``. Quarters are calendar quarters
(fiscal years are a scorecard setting added on top of this module, not a different label).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from amreview.errors import PeriodError

QUARTER_PATTERN = re.compile(r"^(?P<year>\d{4})Q(?P<q>[1-4])$")
MONTH_PATTERN = re.compile(r"^(?P<year>\d{4})-(?P<month>0[1-9]|1[0-2])$")
QUARTER_FORMAT = "YYYYQn, e.g. 2026Q3"
MONTH_FORMAT = "YYYY-MM, e.g. 2026-07"


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter. ``Quarter.parse("2026Q3")`` covers 2026-07-01 to 2026-09-30."""

    year: int
    q: int

    @classmethod
    def parse(cls, text: "str | Quarter") -> "Quarter":
        """Parse ``YYYYQn``; raise :class:`PeriodError` saying what was expected otherwise."""
        if isinstance(text, Quarter):
            return text
        match = QUARTER_PATTERN.match(str(text).strip())
        if not match:
            raise PeriodError(f"period {text!r} is not a quarter: expected {QUARTER_FORMAT}")
        return cls(int(match["year"]), int(match["q"]))

    @classmethod
    def of(cls, date) -> "Quarter":
        """The quarter a date falls in."""
        ts = pd.Timestamp(date)
        return cls(ts.year, (ts.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.q}"

    @property
    def start(self) -> pd.Timestamp:
        """First day of the quarter."""
        return pd.Timestamp(self.year, 3 * self.q - 2, 1)

    @property
    def end(self) -> pd.Timestamp:
        """Last day of the quarter (inclusive)."""
        return (self.start + pd.offsets.QuarterEnd(0)).normalize()

    @property
    def months(self) -> list[str]:
        """The quarter's three months as ``YYYY-MM`` labels."""
        return [f"{self.year}-{m:02d}" for m in range(3 * self.q - 2, 3 * self.q + 1)]

    def shift(self, quarters: int) -> "Quarter":
        """The quarter ``quarters`` later (negative: earlier)."""
        index = self.year * 4 + (self.q - 1) + quarters
        return Quarter(index // 4, index % 4 + 1)

    def previous(self) -> "Quarter":
        return self.shift(-1)

    def last_n(self, n: int) -> list["Quarter"]:
        """The ``n`` quarters ending with this one, oldest first."""
        return [self.shift(k) for k in range(-(n - 1), 1)]

    def contains(self, dates: pd.Series) -> pd.Series:
        """Boolean mask: which ``dates`` fall in this quarter."""
        return (dates >= self.start) & (dates <= self.end)

    @property
    def label(self) -> str:
        """Human label: ``Q3 2026 (1 Jul 2026 – 30 Sep 2026)``."""
        return f"Q{self.q} {self.year} ({_day(self.start)} – {_day(self.end)})"


def _day(ts: pd.Timestamp) -> str:
    return f"{ts.day} {ts.strftime('%b %Y')}"


def quarter_labels(dates: pd.Series) -> pd.Series:
    """``YYYYQn`` label of each date (calendar quarters)."""
    return dates.dt.year.astype("Int64").astype(str) + "Q" + dates.dt.quarter.astype("Int64").astype(str)


def month_labels(dates: pd.Series) -> pd.Series:
    """``YYYY-MM`` label of each date."""
    return dates.dt.strftime("%Y-%m")


def is_quarter_label(text: str) -> bool:
    return bool(QUARTER_PATTERN.match(str(text)))


def is_month_label(text: str) -> bool:
    return bool(MONTH_PATTERN.match(str(text)))


def quarter_of_month(month: str) -> str:
    """``2026-08`` → ``2026Q3``."""
    match = MONTH_PATTERN.match(month)
    if not match:
        raise PeriodError(f"period {month!r} is not a month: expected {MONTH_FORMAT}")
    return f"{match['year']}Q{(int(match['month']) - 1) // 3 + 1}"
