"""Periods: calendar and fiscal quarters, parsing errors, labels."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from amreview.errors import PeriodError
from amreview.periods import Quarter, quarter_labels, quarter_of_month


@pytest.mark.parametrize("text", ["2026-Q3", "2026q3", "2026Q5", "Q3 2026", "26Q3", ""])
def test_bad_quarter_labels_say_what_was_expected(text):
    with pytest.raises(PeriodError, match="expected YYYYQn, e.g. 2026Q3"):
        Quarter.parse(text)


@pytest.mark.parametrize(
    "label, start_month, first, last, months",
    [
        ("2026Q3", 1, "2026-07-01", "2026-09-30", ["2026-07", "2026-08", "2026-09"]),
        ("2026Q1", 1, "2026-01-01", "2026-03-31", ["2026-01", "2026-02", "2026-03"]),
        ("2027Q1", 4, "2026-04-01", "2026-06-30", ["2026-04", "2026-05", "2026-06"]),  # FY2027 = Apr 26–Mar 27
        ("2027Q4", 4, "2027-01-01", "2027-03-31", ["2027-01", "2027-02", "2027-03"]),
        ("2026Q1", 7, "2025-07-01", "2025-09-30", ["2025-07", "2025-08", "2025-09"]),  # Microsoft's FY
        ("2026Q2", 11, "2026-02-01", "2026-04-30", ["2026-02", "2026-03", "2026-04"]),
    ],
)
def test_quarter_dates(label, start_month, first, last, months):
    quarter = Quarter.parse(label, start_month)
    assert quarter.start == pd.Timestamp(first) and quarter.end == pd.Timestamp(last)
    assert quarter.months == months


def test_shift_previous_year_ago_and_windows():
    q = Quarter.parse("2026Q1")
    assert str(q.previous()) == "2025Q4" and str(q.next()) == "2026Q2" and str(q.year_ago()) == "2025Q1"
    assert [str(x) for x in q.last_n(3)] == ["2025Q3", "2025Q4", "2026Q1"]
    assert [str(x) for x in Quarter.parse("2026Q3").year_to_date()] == ["2026Q1", "2026Q2", "2026Q3"]
    assert Quarter.parse("2026Q3").days == 92


@given(
    st.dates(min_value=pd.Timestamp("1990-01-01").date(), max_value=pd.Timestamp("2060-12-31").date()),
    st.integers(1, 12),
)
def test_every_date_falls_in_the_quarter_that_of_returns(date, start_month):
    quarter = Quarter.of(date, start_month)
    assert quarter.start <= pd.Timestamp(date) <= quarter.end
    assert quarter_labels(pd.Series([pd.Timestamp(date)]), start_month).iloc[0] == str(quarter)
    assert quarter.next().start == quarter.end + pd.Timedelta(days=1)


def test_quarter_of_month():
    assert quarter_of_month("2026-08") == "2026Q3"
    assert quarter_of_month("2026-03", start_month=4) == "2026Q4"
    with pytest.raises(PeriodError, match="expected YYYY-MM"):
        quarter_of_month("2026-13")
