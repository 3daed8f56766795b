"""One way to say each thing across the documents: a person with nothing to score, the headline
KPI of a measure, and (see the rounding tests) a figure that reads the same wherever it is shown.

The packs are small: the hand-made pack of ``conftest`` (Cleo Starter, AM3, has no row in any
table but ``account_managers``) and the sample's required tables without the optional ones.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from amreview.batch import manifest as record
from amreview.batch.index import index_rows
from amreview.batch.jobs import ReviewResult
from amreview.data.datapack import validate_tables
from amreview.data.sample import PERSONAS, generate_sample
from amreview.documents import render
from amreview.documents.review import Review
from amreview.documents.sections.summary import HEADLINE_KPIS
from amreview.documents.team_overview import TeamOverview
from amreview.formats import compact_money
from amreview.metrics.registry import MEASURES
from amreview.scoring.display import explanation_text
from amreview.scoring.scorecard import build_scorecard
from tests.conftest import hand_tables, without_minimum_bases

NOTHING = "No overall score and no rating: no measure has data for the quarter."
NOTHING_CELL = "no rating: no measure has data for the quarter"
STAR = next(a for a, p in PERSONAS.items() if p == "star")


@pytest.fixture(scope="module")
def hand_pack():
    return validate_tables(hand_tables(), source="hand")


@pytest.fixture(scope="module")
def nobody(hand_pack) -> Review:
    """Cleo Starter (AM3): in role, with no sales line, target or any other row."""
    return Review.build(hand_pack, "AM3", "2026Q3")


# --------------------------------------------------------------------------------------------
# Nothing to score: one sentence, no empty chart
# --------------------------------------------------------------------------------------------


def test_a_person_with_no_data_gets_the_one_sentence_and_no_empty_chart(nobody):
    assert nobody.measures.isna().all() and math.isnan(nobody.overall["overall_score"])
    summary = nobody.summary()
    assert summary.lines[0] == NOTHING
    text = " ".join(summary.lines + summary.missing)
    # no weight spread "over the other measures": there are none
    assert "spread over" not in text and "Not scored for lack of data" not in text
    assert summary.charts == {}  # neither the scores' nor the attainment chart, drawn empty
    assert "No figure against a target in 2026Q3." in summary.missing
    html = render.section_html(summary)
    assert NOTHING in html and "<img" not in html


def test_the_scorecard_display_says_the_same_and_spreads_no_weight(nobody):
    text = explanation_text(nobody.scorecard.explain("AM3"))
    assert NOTHING in text.splitlines()
    assert "spread" not in text and "Left out for lack of data" not in text
    assert "no data: not scored (no KPI of the measure has data)" in text
    assert nobody.overall["no_rating_reason"] == "no measure has data for the quarter"


def test_the_team_overview_and_the_index_say_the_same(hand_pack, tmp_path):
    card = build_scorecard(hand_pack, "2026Q3", without_minimum_bases())  # Ada rated: see its docstring
    overview = TeamOverview("Grace Hopper", card)
    page = overview.scorecard()._repr_html_()
    assert f">{NOTHING_CELL}<" in page
    assert "AM3" not in overview.attention.index  # no data is no reason to act: it is said in the table
    # the index, from the key figures a run writes
    row = card.table.set_index("am_id").loc["AM3"].to_dict() | {"am_id": "AM3"}
    figures = record.key_figures(row, list(card.config.measures), [], "f" * 64, {"html": "AM3.html"})
    record.write_json_atomic(tmp_path / "AM3.json", figures)
    result = ReviewResult("AM3", "ok", tmp_path / "AM3.html", None, None, 1.0)
    rows = index_rows(card.table[card.table["am_id"] == "AM3"], [result], folder=tmp_path, stems={"AM3": "AM3"})
    assert rows[0]["Rating"] == NOTHING_CELL
    rated = card.overall.at["AM1", "overall_rating"]
    assert rated and rated in overview.scorecard()._repr_html_()  # a rated person keeps the label


# --------------------------------------------------------------------------------------------
# The headline KPI of a measure has data when the measure does
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def required_only() -> Review:
    """The sample's star with only the required tables and accounts: relationships are scored
    from retention (no customer feedback, so no NPS), accuracy from the CRM's completeness."""
    tables = generate_sample()
    pack = validate_tables({k: tables[k] for k in ("account_managers", "sales", "targets", "accounts")}, "required")
    return Review.build(pack, STAR, "2026Q3")


def test_a_measure_with_a_score_never_shows_no_data_as_its_headline(required_only):
    frame = required_only.summary().frame("measures").set_index("Measure")
    kpis = required_only.scorecard.kpis
    scored = frame[frame["Score"].notna()]
    assert len(scored) >= 3
    assert scored["Actual"].notna().all(), scored[["Headline KPI", "Actual", "Score"]]
    relationships = frame.loc[MEASURES["customer_relationships"]]
    assert math.isnan(required_only.values["nps"])  # the usual headline has no data here
    assert relationships["Headline KPI"] == kpis["retention_rate"].label  # the first of the config's with a value
    assert relationships["Actual"] == required_only.values["retention_rate"]
    assert relationships["Target"] != relationships["Target"]  # no target beside a stand-in headline
    shown = render.display_frame(required_only.summary().tables["measures"]).set_index("Measure")
    assert "no data" not in shown.loc[scored.index, "Actual"].tolist()
    # a measure whose usual headline has data keeps it
    margin = frame.loc[MEASURES["margin_kpi_targets"]]
    assert margin["Headline KPI"] == kpis[HEADLINE_KPIS["margin_kpi_targets"][0]].label
    assert margin["Actual"] == pytest.approx(required_only.values["gross_margin"])


def test_a_measure_without_a_score_keeps_its_usual_headline(required_only):
    frame = required_only.summary().frame("measures").set_index("Measure")
    kpis = required_only.scorecard.kpis
    for measure in ("report_timeliness", "development_plan", "crm_utilisation"):
        row = frame.loc[MEASURES[measure]]
        assert pd.isna(row["Score"]) and row["Headline KPI"] == kpis[HEADLINE_KPIS[measure][0]].label


# --------------------------------------------------------------------------------------------
# One rounding rule per unit: a KPI reads the same wherever a rendered review shows it
# --------------------------------------------------------------------------------------------

NEGLECTER = next(a for a, p in PERSONAS.items() if p == "crm_neglecter")  # every table, a visits target
# A sentence of the review that shows a KPI: (KPI, the text around its value, {} the value)
IN_SENTENCES = [
    ("gross_margin_attainment", "Gross margin {margin}, {} of target"),
    ("gm_pct", "GM % {}, "),
    ("vendor_programme_revenue_share", "Vendor programme: {} of revenue"),
    ("forecast_accuracy_gross_margin", "actual: {} accurate"),
    ("crm_record_completeness", "CRM records {} complete."),
    ("retention_rate", "held in the four quarters to {quarter} ({})."),
    ("cases_within_sla_share", "resolved, {} within SLA"),
    ("back_orders_past_promised_share", "; {} of the promised value is past its date"),
    ("new_accounts_attainment", "won against a target of {count} ({})"),
    ("win_rate_value", ", {} by value."),
    ("nps", "NPS {} from"),
    ("activities_per_week", "{} activities a working week"),
    ("visits_attainment", "; visits {} of target."),
    ("logged_within_2_days_share", "{} of activities logged within 2 days"),
    ("plan_completion", "achieved; plan {} complete"),
]
# A section's table that shows a KPI: (KPI, table caption starts with, row's first cell, column)
IN_TABLES = [
    ("gm_pct", "Headline figures", "GM %", "Value"),
    ("forecast_accuracy_gross_margin", "Forecast against actual", "Gross margin", "Accuracy"),
    ("win_rate_value", "Pipeline and win rate", "All deals", "Win rate (value)"),
    ("visits_attainment", "Activities", "Visit", "Attainment"),
    ("activities_per_week", "Activities", "All activities", "Per working week"),
]


@pytest.fixture(scope="module")
def rendered():
    """The sample's CRM neglecter's review as HTML, parsed, and the review."""
    from bs4 import BeautifulSoup

    review = Review.build(validate_tables(generate_sample(), source="sample"), NEGLECTER, "2026Q3")
    return review, BeautifulSoup(review._repr_html_(), "html.parser")


def _tables(soup) -> list[tuple[str, list[str], list[list[str]]]]:
    """Every table of the page: (caption or heading, header cells, body rows of cell texts)."""
    found = []
    for table in soup.find_all("table"):
        caption = table.find("caption")
        heading = table.find_previous(["h4", "h3"])
        title = (caption or heading).get_text(" ", strip=True) if (caption or heading) else ""
        header = (
            [c.get_text(" ", strip=True) for c in table.find("thead").find_all(["th", "td"])] if table.thead else []
        )
        body = table.find("tbody") or table
        rows = [[c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])] for tr in body.find_all("tr")]
        found.append((title, header, [r for r in rows if r and r != header]))
    return found


def _shown_in_kpi_tables(soup, labels: dict[str, str]) -> dict[str, set[str]]:
    """KPI → every text the summary's measures table, the benchmarks and each "How the score was
    reached" table show as its value."""
    shown: dict[str, set[str]] = {}
    for _, header, rows in _tables(soup):
        for key, value in (("Headline KPI", "Actual"), ("KPI", "Value")):
            if key in header and value in header:
                for row in rows:
                    label, text = row[header.index(key)], row[header.index(value)]
                    if label in labels:
                        shown.setdefault(labels[label], set()).add(text)
    return shown


def test_a_kpi_reads_the_same_in_every_table_sentence_and_plan_line(rendered):
    review, soup = rendered
    kpis = review.scorecard.kpis
    labels = {k.label: name for name, k in kpis.items()}
    shown = _shown_in_kpi_tables(soup, labels)
    assert len(shown) >= 25
    inconsistent = {name: texts for name, texts in shown.items() if len(texts) != 1}
    assert not inconsistent, inconsistent
    one = {name: next(iter(texts)) for name, texts in shown.items()}
    # the one text is the unit's one rule, from the value (not from another table)
    for name, text in one.items():
        expected = "no data" if pd.isna(review.values[name]) else kpi_text(review.values[name], kpis[name])
        assert text == expected, (name, text, expected)
    page = soup.get_text(" ")
    quarter, target = str(review.quarter.previous()), review.targets.get("new_accounts")
    for name, around in IN_SENTENCES:
        value = review.values[name]
        assert not pd.isna(value), name
        sentence = around.replace("{quarter}", quarter).replace("{count}", f"{target:,.0f}")
        sentence = sentence.replace("{margin}", compact_money(review.values["gross_margin"]))
        assert sentence.format(kpi_text(value, kpis[name])) in page, (name, kpi_text(value, kpis[name]))
    for name, caption, first, column in IN_TABLES:
        cells = [
            row[header.index(column)]
            for title, header, rows in _tables(soup)
            if title.startswith(caption) and column in header
            for row in rows
            if row[0] == first
        ]
        assert cells == [kpi_text(review.values[name], kpis[name])], (name, cells)
    # the summary's attainment of gross margin is the KPI's, as the margin section says it
    summary = next(rows for title, header, rows in _tables(soup) if "Headline KPI" in header)
    header = next(header for title, header, rows in _tables(soup) if "Headline KPI" in header)
    margin = next(row for row in summary if row[0] == MEASURES["margin_kpi_targets"])
    assert margin[header.index("Attainment")] == kpi_text(
        review.values["gross_margin_attainment"], kpis["gross_margin_attainment"]
    )


# the KPIs a fraction or a number does not describe, written out here (the registry's
# Kpi.shown_as says the same; this is the independent route)
SHOWN_AS = {
    **dict.fromkeys(
        (
            "revenue_attainment",
            "gross_margin_attainment",
            "gross_margin_projection_attainment",
            "gross_margin_ytd_of_annual_target",
            "new_accounts_attainment",
            "new_business_margin_attainment",
            "visits_attainment",
            "activities_attainment",
        ),
        "attainment",
    ),
    **dict.fromkeys(
        (
            "revenue_qoq",
            "gross_margin_qoq",
            "revenue_yoy",
            "gross_margin_yoy",
            "forecast_bias_revenue",
            "forecast_bias_gross_margin",
        ),
        "change",
    ),
    "gm_pct_yoy_points": "points",
    "nps": "signed0",
    "pipeline_coverage": "multiple",
}


def kpi_text(value, kpi) -> str:
    """A KPI's value by the rule of its unit, written out here (not by amreview.formats): a
    share or rate one decimal, an attainment whole percents, NPS signed and whole, a rating one
    decimal, a multiple one decimal, other numbers two decimals."""
    minus = "\u2212"
    unit = SHOWN_AS.get(kpi.name, {"fraction": "pct"}.get(kpi.unit, kpi.unit))
    if unit in ("pct", "attainment"):
        decimals = 1 if unit == "pct" else 0
        text = f"{abs(value) * 100:,.{decimals}f}\u00a0%"
        return (minus if round(value * 100, decimals) < 0 else "") + text
    if unit == "signed0":
        return "0" if round(value) == 0 else ("+" if value > 0 else minus) + f"{abs(value):,.0f}"
    if unit == "count":
        return f"{round(value):,}"
    if unit == "money":
        return (minus if round(value) < 0 else "") + f"{abs(value):,.0f}"
    if unit == "days":
        return f"{value:,.1f}\u00a0days"
    if unit == "rating":
        return f"{value:.1f}"
    if unit == "multiple":
        return f"{value:.1f}\u00d7"
    if unit == "change":
        return (
            "+" if round(value * 100) > 0 else minus if round(value * 100) < 0 else ""
        ) + f"{abs(value) * 100:,.0f}\u00a0%"
    if unit == "points":
        return ("+" if value > 0 else minus if value < 0 else "") + f"{abs(value) * 100:.1f}\u00a0pts"
    return f"{value:,.2f}".replace("-", minus)


def test_a_pipeline_only_pack_shows_the_win_rate_beside_new_business():
    """As the Maven CRM example: no invoice lines, so no new accounts; new business is scored
    from the pipeline, and its headline is the first KPI of the config with a value."""
    tables = generate_sample()
    tables["sales"] = tables["sales"].iloc[0:0]
    review = Review.build(validate_tables(tables, source="pipeline only"), STAR, "2026Q3")
    assert math.isnan(review.values["new_accounts"]) and not math.isnan(review.measures["new_business"])
    first = next(k for k in review.config.measures["new_business"].kpis if not math.isnan(review.values[k]))
    assert first == "win_rate_value"  # new_accounts_attainment, first in the config, has no value
    row = review.summary().frame("measures").set_index("Measure").loc[MEASURES["new_business"]]
    assert row["Headline KPI"] == review.scorecard.kpis["win_rate_value"].label
    assert row["Actual"] == review.values["win_rate_value"]
    shown = render.display_frame(review.summary().tables["measures"]).set_index("Measure")
    assert shown.at[MEASURES["new_business"], "Actual"] == kpi_text(
        review.values["win_rate_value"], review.scorecard.kpis["win_rate_value"]
    )
