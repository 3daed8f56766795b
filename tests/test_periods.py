"""Periods: calendar and fiscal quarters, parsing errors, labels."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from amreview.errors import PeriodError
from amreview.periods import Quarter, quarter_labels, quarter_of_month


@pytest.mark.parametrize("text", ["2026Q5", "26Q3", "Q32026", "Q3", "2026", "Q3 FY2026", "third quarter 2026", ""])
def test_bad_quarter_labels_say_what_was_expected_with_the_text_as_typed(text):
    with pytest.raises(PeriodError) as caught:
        Quarter.parse(text)
    assert str(caught.value) == (
        f"period {text!r} is not a quarter: expected YYYYQn, e.g. 2026Q3 "
        "(2026 Q3, 2026-Q3 and Q3 2026 are read as 2026Q3 too)"
    )


@pytest.mark.parametrize(
    "text", ["2026Q3", "2026 Q3", "2026-Q3", "2026/Q3", "2026q3", "Q3 2026", "q3 2026", "Q3-2026", " Q3/2026 "]
)
@pytest.mark.parametrize("start_month", [1, 4])
def test_other_spellings_of_a_quarter_name_the_same_quarter(text, start_month):
    assert Quarter.parse(text, start_month) == Quarter(2026, 3, start_month)
    assert str(Quarter.parse(text, start_month)) == "2026Q3"  # files, folders and documents keep the label


@pytest.mark.parametrize("start_month, quarter", [(1, "2026Q3"), (4, "2027Q2")])
def test_a_month_given_for_a_quarter_is_told_the_quarter_holding_it(start_month, quarter):
    with pytest.raises(PeriodError, match=f"; 2026-07 is a month: its quarter is {quarter}$"):
        Quarter.parse("2026-07", start_month)


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
