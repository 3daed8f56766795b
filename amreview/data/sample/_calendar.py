"""The sample's calendar: the history's dates, quarters and business days, as day numbers.

Every date inside the generator is a day number counted from :data:`HISTORY_START` (a Monday),
so that a whole table's dates are one integer array; :mod:`._columns` turns them into dates once,
when a table is made.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HISTORY_START = "2024-07-01"
HISTORY_END = "2026-09-30"
REVIEW_PERIOD = "2026Q3"

DAY0 = np.datetime64(HISTORY_START, "D")


def day_of(date: str) -> int:
    """The day number of ``date`` (an ISO date), counted from :data:`HISTORY_START`."""
    return int((np.datetime64(date, "D") - DAY0).astype(int))


END = day_of(HISTORY_END)

_UK_BANK_HOLIDAYS = (
    "2024-08-26",
    "2024-12-25",
    "2024-12-26",
    "2025-01-01",
    "2025-04-18",
    "2025-04-21",
    "2025-05-05",
    "2025-05-26",
    "2025-08-25",
    "2025-12-25",
    "2025-12-26",
    "2026-01-01",
    "2026-04-03",
    "2026-04-06",
    "2026-05-04",
    "2026-05-25",
    "2026-08-31",
    "2026-12-25",
    "2026-12-28",
)
QUARTERS = (
    "2024Q3",
    "2024Q4",
    "2025Q1",
    "2025Q2",
    "2025Q3",
    "2025Q4",
    "2026Q1",
    "2026Q2",
    "2026Q3",
    "2026Q4",
)  # the history, and the next quarter (targets, forecasts, pipeline)
REVIEW_Q = QUARTERS.index(REVIEW_PERIOD)
NEXT_Q = REVIEW_Q + 1


@dataclass(frozen=True)
class Calendar:
    """The business days, month starts and quarter starts of the history and the next quarter."""

    bdays: np.ndarray  # business days, history and the next quarter
    month_starts: np.ndarray  # first day of each month from July 2024 to January 2027
    quarter_starts: np.ndarray  # first day of each quarter in QUARTERS, plus 2027-01-01

    def quarter_of(self, days: np.ndarray) -> np.ndarray:
        """The quarter (index into QUARTERS) of each day."""
        return np.searchsorted(self.quarter_starts, days, side="right") - 1

    def next_bday(self, days: np.ndarray) -> np.ndarray:
        """The day itself if a business day, else the next business day."""
        idx = np.minimum(np.searchsorted(self.bdays, days), len(self.bdays) - 1)
        return self.bdays[idx]

    def previous_bday(self, days: np.ndarray) -> np.ndarray:
        """The day itself if a business day, else the business day before."""
        idx = np.maximum(np.searchsorted(self.bdays, days, side="right") - 1, 0)
        return self.bdays[idx]

    def bdays_between(self, first: int, last: int) -> np.ndarray:
        """Business days from ``first`` to ``last`` inclusive."""
        return self.bdays[np.searchsorted(self.bdays, first) : np.searchsorted(self.bdays, last, side="right")]

    def random_bdays(self, rng: np.random.Generator, first: np.ndarray, last: np.ndarray) -> np.ndarray:
        """One uniformly random business day in each [first, last] window (first if empty)."""
        lo = np.searchsorted(self.bdays, first)
        hi = np.searchsorted(self.bdays, last, side="right")
        pick = lo + (rng.random(len(lo)) * np.maximum(hi - lo, 1)).astype(int)
        return self.bdays[np.minimum(pick, len(self.bdays) - 1)]


def build_calendar() -> Calendar:
    """The calendar from July 2024 to the end of 2026: its business days are weekdays but UK bank holidays."""
    months = np.arange(np.datetime64("2024-07"), np.datetime64("2027-02"), dtype="datetime64[M]")
    month_starts = (months.astype("datetime64[D]") - DAY0).astype(int)
    days = np.arange(0, day_of("2026-12-31") + 1)
    holidays = np.array([day_of(d) for d in _UK_BANK_HOLIDAYS])
    bdays = days[(days % 7 < 5) & ~np.isin(days, holidays)]
    return Calendar(bdays=bdays, month_starts=month_starts, quarter_starts=month_starts[::3])
