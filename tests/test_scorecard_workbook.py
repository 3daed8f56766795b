"""scorecard.xlsx as a hand-out (issue 15, item 14): a first sheet a manager reads, the full data
for analysts, and what each column means. Every figure on the hand-out is checked against the
scorecard's table, looked up by am_id and column name written out here; what a person sees is
checked in LibreOffice (its CSV export of the cells as shown)."""

from __future__ import annotations

import csv
import math
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from amreview.cli import main
from amreview.data.datapack import load_pack
from amreview.metrics.registry import ALL_MEASURES
from amreview.scoring.scorecard import build_scorecard
from tests.conftest import sample_pack_once

PERIOD = "2026Q3"

# The hand-out's header → the scorecard column it shows (the sample pack, default config).
SAMPLE_HEADERS = {
    "Team": "team",
    "Account manager": "name",
    "ID": "am_id",
    "Manager": "manager",
    "Overall score, 1–5": "overall_score",
    "Rating": "overall_rating",
    "Review status": None,
    "Agreed rating": None,
    "Margin & KPI targets, score 1–5": "margin_kpi_targets_score",
    "Timeliness of reports, score 1–5": "report_timeliness_score",
    "Accuracy of information, score 1–5": "information_accuracy_score",
    "Development plan achieved, score 1–5": "development_plan_score",
    "Enhance customer/company relationships, score 1–5": "customer_relationships_score",
    "Productive new business, score 1–5": "new_business_score",
    "Demonstrate utilisation of CRM, score 1–5": "crm_utilisation_score",
    "Gross margin": "gross_margin",
    "Gross margin attainment, %": "gross_margin_attainment",
    "Reports on time, %": "reports_on_time_share",
    "Forecast accuracy (gross margin), %": "forecast_accuracy_gross_margin",
    "Development plan completion, %": "plan_completion",
    "Net Promoter Score, −100 to +100": "nps",
    "New accounts": "new_accounts",
    "New accounts vs target, %": "new_accounts_attainment",
    "Activities per working week": "activities_per_week",
}
SCORE, PCT, PCT0, MONEY, COUNT = "0.00", '0.0%;"−"0.0%', '0%;"−"0%', '#,##0;"−"#,##0', '#,##0;"−"#,##0'
SAMPLE_FORMATS = {
    "Overall score, 1–5": SCORE,
    "Margin & KPI targets, score 1–5": SCORE,
    "Demonstrate utilisation of CRM, score 1–5": SCORE,
    "Gross margin": MONEY,
    "Gross margin attainment, %": PCT0,
    "Reports on time, %": PCT,
    "Development plan completion, %": PCT,
    "Net Promoter Score, −100 to +100": '+#,##0;"−"#,##0;0',
    "New accounts": COUNT,
    "New accounts vs target, %": PCT0,
    "Activities per working week": '#,##0.00;"−"#,##0.00',
}


@pytest.fixture(scope="module")
def sample_book(tmp_path_factory):
    """The sample pack's scorecard and the workbook ``amreview scorecard --out`` writes of it."""
    folder = tmp_path_factory.mktemp("scorecard-book")
    path = folder / "scorecard.xlsx"
    main(["scorecard", "--data", "sample", "--period", PERIOD, "--out", str(path)])
    pack = sample_pack_once(tmp_path_factory)
    return path, pack, build_scorecard(pack, PERIOD)


def sheet_rows(path: Path, sheet: str) -> tuple[list[str], list[list]]:
    """A sheet's header and the cells (openpyxl) of each row under it."""
    ws = load_workbook(path)[sheet]
    rows = list(ws.iter_rows())
    return [c.value for c in rows[0]], rows[1:]


def test_the_first_sheet_is_the_hand_out_then_the_data_then_the_columns(sample_book):
    path, _, card = sample_book
    book = load_workbook(path)
    assert book.sheetnames == ["Scorecard", "Data", "Columns"]
    ws = book["Scorecard"]
    assert [c.value for c in ws[1]] == list(SAMPLE_HEADERS)
    assert ws.freeze_panes == "C2"  # the header row, and the team and name beside the figures
    assert ws.auto_filter.ref == f"A1:X{len(card.table) + 1}"
    assert all(c.font.bold for c in ws[1])
    widths = {c.value: ws.column_dimensions[c.column_letter].width for c in ws[1]}
    assert widths["Team"] >= len("London & South East") and widths["ID"] < widths["Account manager"]
    assert all(8 <= w <= 42 for w in widths.values())
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$1"


def test_each_number_is_in_the_format_of_its_unit(sample_book):
    path, _, _ = sample_book
    header, rows = sheet_rows(path, "Scorecard")
    for title, number_format in SAMPLE_FORMATS.items():
        cells = [row[header.index(title)] for row in rows if row[header.index(title)].value is not None]
        assert cells and {c.number_format for c in cells} == {number_format}, title


def test_every_figure_on_the_hand_out_is_the_scorecards_and_rows_go_by_team_then_name(sample_book):
    path, _, card = sample_book
    table = card.table.set_index("am_id")
    header, rows = sheet_rows(path, "Scorecard")
    ids = [row[header.index("ID")].value for row in rows]
    by_hand = sorted(table.index, key=lambda a: (table.at[a, "team"].casefold(), table.at[a, "name"].casefold()))
    assert ids == by_hand and len(ids) == 15
    for am_id, row in zip(ids, rows):
        for title, column in SAMPLE_HEADERS.items():
            shown = row[header.index(title)].value
            if column is None:
                continue
            expected = table.at[am_id, column] if column != "am_id" else am_id
            if column == "overall_rating" and pd.isna(expected):
                assert shown == "no rating"
            elif isinstance(expected, str):
                assert shown == expected, (am_id, title)
            elif pd.isna(expected):
                assert shown is None, (am_id, title)  # no data is an empty cell, never 0
            else:
                assert shown == pytest.approx(float(expected), rel=1e-12, abs=1e-12), (am_id, title)


def test_the_review_status_and_agreed_rating_are_the_packs(sample_book):
    path, pack, card = sample_book
    header, rows = sheet_rows(path, "Scorecard")
    shown = {
        r[header.index("ID")].value: (r[header.index("Review status")].value, r[header.index("Agreed rating")].value)
        for r in rows
    }
    outcomes = pack["review_outcomes"]
    outcomes = outcomes[outcomes["period"] == PERIOD].set_index("am_id")
    signed = outcomes.index[outcomes["manager_signed_on"].notna() & outcomes["am_signed_on"].notna()]
    assert len(signed) >= 5
    for am_id in signed:
        assert shown[am_id] == ("Signed", outcomes.at[am_id, "agreed_rating"])
    anyone = set()
    for name in ("competency_ratings", "review_notes", "review_outcomes"):
        rows_of = pack[name]
        anyone |= set(rows_of.loc[rows_of["period"] == PERIOD, "am_id"])
    objectives = pack["development_objectives"]
    anyone |= set(objectives.loc[objectives["agreed_in"] == PERIOD, "am_id"])
    drafts = set(card.table["am_id"]) - anyone
    assert drafts and all(shown[a] == ("Draft", None) for a in drafts)
    assert {shown[a][0] for a in anyone - set(signed)} == {"In review"}
    assert (
        shown["AM010"][1] == "Meets"
        and card.table.set_index("am_id").at["AM010", "overall_rating"] == "Partially meets"
    )


def test_the_data_sheet_is_the_scorecards_table_as_it_was(sample_book):
    path, _, card = sample_book
    data = pd.read_excel(path, sheet_name="Data")
    assert list(data.columns) == list(card.table.columns) and len(data.columns) > 200
    table = card.table
    for column in table.columns:
        expected = table[column].astype(object).where(table[column].notna() & (table[column] != ""), None)
        got = data[column].astype(object).where(data[column].notna(), None)
        for a, b in zip(got, expected):
            assert (a is None and b is None) or a == b or a == pytest.approx(float(b), rel=1e-12), column
    ws = load_workbook(path)["Data"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == ws.dimensions


def test_the_columns_sheet_explains_every_column_from_the_registry(sample_book):
    path, _, card = sample_book
    sheet = pd.read_excel(path, sheet_name="Columns", dtype=str, keep_default_na=False).set_index("Column")
    assert list(sheet.index) == list(card.table.columns)
    for column in ("Label", "Unit", "What it is"):
        assert (sheet[column].str.strip() != "").all(), column
    assert "A column amreview does not describe." not in set(sheet["What it is"])
    nps = card.kpis["nps"]
    assert sheet.loc["nps"].to_dict() == {
        "Label": "Net Promoter Score",
        "Unit": "number",
        "Measure": "Enhance customer/company relationships",
        "On the Scorecard sheet as": "Net Promoter Score, −100 to +100",
        "What it is": nps.formula,
    }
    assert sheet.at["gm_pct_ytd", "Label"] == "GM %, year to date"
    assert sheet.at["gm_pct_ytd", "Unit"] == "fraction (0.12 = 12 %)"
    assert sheet.at["win_rate_count_t4q", "Label"] == "Win rate (count), trailing four quarters"
    assert sheet.at["nps_score", "Label"] == "Net Promoter Score, score"
    assert sheet.at["crm_utilisation_score", "On the Scorecard sheet as"] == "Demonstrate utilisation of CRM, score 1–5"
    assert sheet.at["nps_team_percentile", "Label"] == "Net Promoter Score, percentile in the team"
    assert sheet.at["revenue_target", "Label"] == "Revenue target" and sheet.at["revenue_target", "Unit"] == "money"
    assert sheet.at["overall_rating", "On the Scorecard sheet as"] == "Rating"


def as_shown(value: float, decimals: int, percent: bool = False, sign: bool = False, thousands: bool = False) -> str:
    """A number as a spreadsheet shows it in a fixed format: decimal half-up rounding of the
    value written (15 significant digits), ``%`` after ×100, a true minus, ``+`` if ``sign``."""
    shown = Decimal(f"{value * (100 if percent else 1):.15g}").quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    text = f"{abs(shown):,.{decimals}f}" if thousands else f"{abs(shown):.{decimals}f}"
    text += "%" if percent else ""
    if shown < 0:
        return "−" + text
    return ("+" + text) if sign and shown > 0 else text


def test_libreoffice_shows_each_figure_in_its_format(sample_book, libreoffice, tmp_path):
    path, _, card = sample_book
    shown = libreoffice(path, tmp_path, to="csv", options="44,34,76,1,,0,false,true,true")
    header, *rows = list(csv.reader(shown.read_text(encoding="utf-8").splitlines()))
    assert header == list(SAMPLE_HEADERS)
    seen = {row[header.index("ID")]: dict(zip(header, row)) for row in rows}
    assert seen["AM001"]["Net Promoter Score, −100 to +100"] == "+60"  # a whole number, signed as in the review
    assert seen["AM004"]["Net Promoter Score, −100 to +100"] == "−80"
    assert seen["AM004"]["Development plan completion, %"] == "73.6%"
    assert seen["AM001"]["Gross margin"] == "238,513"
    assert seen["AM001"]["Overall score, 1–5"] == "4.65" and seen["AM001"]["Rating"] == "Outstanding"
    table = card.table.set_index("am_id")
    styles = {
        SCORE: {"decimals": 2},
        PCT: {"decimals": 1, "percent": True},
        PCT0: {"decimals": 0, "percent": True},
        MONEY: {"decimals": 0, "thousands": True},
        '+#,##0;"−"#,##0;0': {"decimals": 0, "sign": True, "thousands": True},
        '#,##0.00;"−"#,##0.00': {"decimals": 2, "thousands": True},
    }
    for am_id, row in seen.items():
        for title, number_format in SAMPLE_FORMATS.items():
            value = table.at[am_id, SAMPLE_HEADERS[title]]
            expected = "" if pd.isna(value) else as_shown(float(value), **styles[number_format])
            assert row[title] == expected, (am_id, title)


def test_a_pack_without_review_input_or_teams_shows_why_not_rated_in_words(hand_pack_dir, tmp_path):
    people = pd.read_csv(hand_pack_dir / "account_managers.csv")
    people["team"] = ["Beta", None, "alpha"]
    people.to_csv(hand_pack_dir / "account_managers.csv", index=False)
    out = tmp_path / "card.xlsx"
    main(["scorecard", "--data", str(hand_pack_dir), "--period", PERIOD, "--out", str(out)])
    header, rows = sheet_rows(out, "Scorecard")
    assert "Review status" not in header and "Agreed rating" not in header  # the pack has no review cycle
    assert [r[header.index("ID")].value for r in rows] == ["AM3", "AM1", "AM2"]  # alpha, Beta, no team last
    figures = header[
        header.index("Demonstrate utilisation of CRM, score 1–5") + 1 : header.index("Not scored for lack of data")
    ]
    # the headline figures someone has; reports, forecasts, plans, NPS and activities are not in this pack
    assert figures == ["Gross margin", "Gross margin attainment, %", "New accounts", "New accounts vs target, %"]
    card = build_scorecard(load_pack(hand_pack_dir), PERIOD).table.set_index("am_id")
    for row in rows:
        am_id = row[header.index("ID")].value
        keys = card.at[am_id, "measures_without_data"]
        words = "; ".join(ALL_MEASURES[k] for k in keys.split("; ")) if keys else None
        assert row[header.index("Not scored for lack of data")].value == words
        reason = card.at[am_id, "no_rating_reason"]
        assert row[header.index("Why no rating")].value == (reason or None)
        if pd.isna(card.at[am_id, "overall_rating"]):
            assert row[header.index("Rating")].value == "no rating"
    assert any(r[header.index("Why no rating")].value for r in rows)
    assert math.isclose(load_workbook(out)["Data"]["H2"].value, card.at["AM1", "gross_margin"])  # H: gross_margin
