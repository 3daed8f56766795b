"""Narrative lines: known numbers give known sentences; missing numbers are said, never 0."""

from __future__ import annotations

import math

import pytest

from amreview.documents import narrative as say

NAN = math.nan


@pytest.mark.parametrize(
    "change, expected",
    [
        (0.08, "up 8\u00a0% on 2026Q2"),
        (-0.031, "down 3\u00a0% on 2026Q2"),
        (0.004, "level with 2026Q2"),
        (-0.0049, "level with 2026Q2"),
        (1.5, "up 150\u00a0% on 2026Q2"),
        (NAN, ""),
        (None, ""),
    ],
)
def test_change_phrase(change, expected):
    assert say.change_phrase(change, "2026Q2") == expected


@pytest.mark.parametrize(
    "points, expected",
    [
        (-0.004, "down 0.4 points on 2025Q3"),
        (0.0123, "up 1.2 points on 2025Q3"),
        (0.0004, "level with 2025Q3"),
        (NAN, ""),
    ],
)
def test_points_phrase(points, expected):
    assert say.points_phrase(points, "2025Q3") == expected


@pytest.mark.parametrize(
    "actual, target, change, expected",
    [
        (412_300, 400_000, 0.08, "Gross margin 412k, 103\u00a0% of target, up 8\u00a0% on 2026Q2."),
        (412_300, NAN, 0.08, "Gross margin 412k, no target, up 8\u00a0% on 2026Q2."),
        (412_300, 0.0, NAN, "Gross margin 412k, no target."),  # a target of 0 is no target
        (1_234_567, 1_000_000, -0.2, "Gross margin 1.23m, 123\u00a0% of target, down 20\u00a0% on 2026Q2."),
        (-5_000, 10_000, NAN, "Gross margin \u22125k, \u221250\u00a0% of target."),
    ],
)
def test_money_line(actual, target, change, expected):
    assert say.money_line("Gross margin", actual, target, change, "2026Q2") == expected


def test_overall_line_with_and_without_a_previous_score():
    assert (
        say.overall_line(3.92, "Exceeds", 3.61, "2026Q2") == "Overall score 3.92 of 5: Exceeds, up from 3.61 in 2026Q2."
    )
    assert say.overall_line(2.5, "Partially meets", 2.9, "2026Q2").endswith("down from 2.90 in 2026Q2.")
    assert say.overall_line(3.0, "Meets", 3.0, "2026Q2").endswith("the same as in 2026Q2.")
    assert say.overall_line(3.0, "Meets") == "Overall score 3.00 of 5: Meets."
    assert say.overall_line(NAN, None) == "No overall score and no rating: no measure has data for the quarter."


def test_not_scored_and_strengths():
    assert say.not_scored_line([]) == ""
    assert (
        say.not_scored_line(["CRM"])
        == "Not scored for lack of data: CRM; its weight is spread over the other measures."
    )
    assert "their weight" in say.not_scored_line(["A", "B"])
    assert (
        say.strengths_line({"Margin": 4.6, "CRM": 2.1, "Reports": NAN})
        == "Strongest: Margin (4.60); weakest: CRM (2.10)."
    )
    assert say.strengths_line({"Margin": 4.6}) == ""  # nothing to compare
    assert say.strengths_line({"A": 3.0, "B": 3.0}) == "Every measure scored 3.00."


@pytest.mark.parametrize(
    "args, expected",
    [
        (
            (5, 3, 24_400),
            "5 new accounts won against a target of 3 (167\u00a0%), earning a margin of 24k this quarter.",
        ),
        ((1, NAN, 112.0), "1 new account won, earning a margin of 112 this quarter."),
        ((0, 2, 0.0), "0 new accounts won against a target of 2 (0\u00a0%)."),
    ],
)
def test_new_accounts_line(args, expected):
    assert say.new_accounts_line(*args) == expected


def test_margin_section_lines():
    assert say.gm_pct_line(0.0791, -0.004, "2025Q3") == "GM % 7.9\u00a0%, down 0.4 points on 2025Q3."
    assert say.gm_pct_line(NAN) == "GM % not meaningful: no revenue in the quarter."
    assert say.programme_line(0.14, 0.18) == "Vendor programme: 14.0\u00a0% of revenue and 18.0\u00a0% of margin."
    assert say.programme_line(0.14, NAN) == "Vendor programme: 14.0\u00a0% of revenue."
    assert say.programme_line(NAN, NAN) == ""
    assert (
        say.deal_mix_line(["Run rate", "Bespoke"], [0.7, 0.3], [0.4, 0.6])
        == "Bespoke deals earned the most margin: 60.0\u00a0% of it on 30.0\u00a0% of revenue."
    )
    assert say.projection_line(662_253, 739_500, 0.75, 885_430, 1.197) == (
        "Year to date 662k, 90\u00a0% of the annual target with 75.0\u00a0% of the year gone; on this run rate "
        "the year ends at 885k, 120\u00a0% of target."
    )
    assert (
        say.projection_line(100_000, NAN, 0.5, 200_000, NAN)
        == "Year to date 100k; on this run rate the year ends at 200k, no target."
    )


def test_account_lines():
    assert (
        say.growth_line(42, 25, 15, 6, "2025Q3")
        == "Of the 42 accounts sold to in 2025Q3, 25 grew margin and 15 declined; 6 are new to the comparison."
    )
    assert (
        say.growth_line(0, NAN, NAN, 14, "2025Q3")
        == "No accounts sold to in 2025Q3 to compare with. 14 accounts with sales now."
    )
    assert (
        say.concentration_line(0.38, 0.35)
        == "The top 5 accounts earned 38.0\u00a0% of margin (35.0\u00a0% over the last four quarters)."
    )
    assert say.concentration_line(NAN) == ""
    assert say.key_accounts_line(3, 0.41) == "3 key accounts, 41.0\u00a0% of margin."
    assert say.key_accounts_line(0, NAN) == "No key accounts."
    assert (
        say.back_order_line(12, 45_000, 0.09, 2_000)
        == "12 back orders open worth 45k; 9.0\u00a0% of the promised value is past its date; 2k older than 60 days."
    )
    assert say.back_order_line(0, 0.0, NAN) == "No back orders open at the quarter's end."


def test_new_business_and_relationship_lines():
    assert (
        say.win_rate_line(22, 15, 22 / 37, 0.6526) == "Won 22 of 37 deals closed (59.5\u00a0%), 65.3\u00a0% by value."
    )
    assert say.win_rate_line(0, 0, NAN, NAN) == "No deals won or lost in the quarter."
    assert (
        say.coverage_line(2_100_000, 580_000, 3.62, "2026Q4")
        == "Open pipeline closing in 2026Q4: 2.10m, 3.6× its revenue target."
    )
    assert (
        say.coverage_line(50_000, NAN, NAN, "2026Q4")
        == "Open pipeline closing in 2026Q4: 50k (no revenue target for it yet)."
    )
    assert say.cycle_line(59.5, 37_250) == "Won deals averaged 37k after 60 days."
    assert say.cycle_line(NAN, NAN) == ""
    assert say.nps_line(45, 20, 11, 2) == "NPS +45 from 20 responses (11 promoters, 2 detractors)."
    assert say.nps_line(-80, 5, 0, 4) == "NPS \u221280 from 5 responses (0 promoters, 4 detractors)."
    assert say.nps_line(NAN, 0, 0, 0) == "No NPS responses in the quarter."
    assert say.csat_line(4.64, 14) == "CSAT 4.6 of 5 from 14 responses."
    assert (
        say.retention_line(38, 40, 0.95, "2026Q2")
        == "Kept 38 of the 40 accounts held in the four quarters to 2026Q2 (95.0\u00a0%)."
    )
    assert say.retention_line(0, 0, NAN, "2026Q2").startswith("No accounts held before")
    assert say.cases_line(15, 14 / 15, 1) == "15 cases resolved, 93.3\u00a0% within SLA; 1 open case past its SLA."
    assert say.cases_line(0, NAN, 0).startswith("No customer cases")


def test_crm_reporting_development_lines():
    assert (
        say.activity_line(43.7, 19.62, 3.79, 1.389)
        == "43.70 activities a working week: 19.62 calls and 3.79 visits; visits 139\u00a0% of target."
    )
    assert say.logging_line(0.8977, 0.575) == "89.8\u00a0% of activities logged within 2 days; 0.6 days on average."
    assert say.logging_line(NAN, NAN).startswith("No logging dates")
    assert (
        say.hygiene_line(75, 2, 2)
        == "75 open opportunities: 2 past the close date, 2 overdue or not updated in 30 days."
    )
    assert say.hygiene_line(1, 0, 0).startswith("1 open opportunity:")
    assert say.reports_line(17, 16, 1, 0) == "17 reports due: 16 on time, 1 late, none missing."
    assert say.reports_line(17, 6, 6, 5) == "17 reports due: 6 on time, 6 late, 5 missing."
    assert (
        say.forecast_line("Gross margin", 257_700, 238_513, 0.92, 0.0804)
        == "Gross margin forecast 258k against 239k actual: 92.0\u00a0% accurate, 8\u00a0% over."
    )
    assert say.forecast_line("Revenue", NAN, 1.0, NAN, NAN) == "No revenue forecast for the quarter."
    assert say.forecast_line("Revenue", 100.0, 0.0, NAN, NAN).endswith("(accuracy not meaningful).")
    assert (
        say.plan_line(4, 3, 0.85, 1, "2026Q4")
        == "3 of 4 objectives achieved; plan 85.0\u00a0% complete; 1 carries into 2026Q4."
    )
    assert say.plan_line(0, 0, NAN, 0, "2026Q4") == "No development objectives for the quarter."
    assert say.competency_line(4.8, 4.0, 0.8) == "Manager's rating 4.0 of 5, self rating 4.8 (0.8 above the manager's)."
    assert say.competency_line(3.0, 3.02, -0.02).endswith("(in line with the manager's).")
    assert say.competency_line(NAN, NAN, NAN) == "No competency ratings for the quarter."


def test_missing_data_lines():
    assert (
        say.not_in_pack("Customer feedback", "customer_feedback")
        == "Customer feedback: not in this pack (no customer_feedback table)."
    )
    assert say.no_sales_lines() == "Margin data is not in this pack: its sales table holds no invoice lines."
    assert (
        say.no_sales_lines("Account retention")
        == "Account retention: not in this pack, whose sales table holds no invoice lines."
    )
    assert say.nothing_in_quarter("NPS responses", "2026Q3") == "No NPS responses in 2026Q3."


def test_lines_never_print_nan():
    lines = [
        say.money_line("Revenue", NAN, NAN),
        say.count_line("Visits", 3, NAN),
        say.count_line("Visits", NAN),
        say.activity_line(NAN, NAN, NAN),
        say.completeness_line(NAN),
        say.cycle_line(12, NAN),
    ]
    assert not [line for line in lines if "nan" in line.lower()]
