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
from amreview.metrics.registry import MEASURES
from amreview.scoring.display import explanation_text
from amreview.scoring.scorecard import build_scorecard
from tests.conftest import hand_tables

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
    card = build_scorecard(hand_pack, "2026Q3")
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
