"""The KPI reference and the review's appendix in plain words (issue 15, item 2).

* Every KPI has a meaning and an "if empty" text for people, and no people-facing text holds a
  code identifier or "NaN" (:func:`code_words`, checked first on the developers' texts it must catch).
* The run's KPI reference: every KPI once, under its measure in the review's order, with an
  anchor; weights and score bands equal to the config's, a custom config's included.
* A review's appendix links to the reference instead of defining every KPI, says a plain line
  for each figure shown without a value, and no text of a rendered sample review holds a code
  identifier (the provenance table aside: it names the pack's tables and files as they are).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from bs4 import BeautifulSoup

from amreview.data.datapack import load_pack
from amreview.documents.kpi_reference import (
    band_ranges,
    boundary_text,
    kpi_reference_html,
    measures_in_review_order,
)
from amreview.documents.model import Definitions, Link
from amreview.documents.render import review_html
from amreview.documents.review import Review
from amreview.metrics.catalogue import all_kpis
from amreview.metrics.registry import ALL_MEASURES
from amreview.scoring.bands import band_score
from amreview.scoring.config import DEFAULT_CONFIG, load_config

PERIOD = "2026Q3"
# What a reader in the review meeting should never meet: snake_case names (``am_id``), dotted
# names (``sales.revenue``, ``KpiContext.targets``), CamelCase class names (``KpiContext``), code
# in backticks, and "NaN". Business abbreviations (GM %, YoY, CSAT, CRM) are not code.
CODE_WORD = re.compile(
    r"\b[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+\b"  # snake_case
    r"|\b[A-Za-z_]{2,}\.[A-Za-z_]{2,}\b"  # table.column, module.name (not "e.g.")
    r"|\b[A-Z][a-z]+(?:[A-Z][a-z]+)+\b"  # CamelCase
    r"|\b[a-z]+(?:[A-Z][a-z]+)+\b"  # camelCase
    r"|`"
    r"|\bNaN\b"
)


# In a review, text people typed is quoted as typed, and product names are often CamelCase
# ("Lenovo ThinkSystem"): there, code is snake_case, dotted names, backticks and NaN.
REVIEW_CODE_WORD = re.compile(r"\b[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+\b|\b[A-Za-z_]{2,}\.[A-Za-z_]{2,}\b|`|\bNaN\b")


def code_words(text: str, pattern: re.Pattern = CODE_WORD) -> list[str]:
    """The code identifiers (and NaNs) in ``text``."""
    return pattern.findall(text)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Σ sales.revenue over the lines credited to the AM (sales.am_id)", ["sales.revenue", "sales.am_id"]),
        ("the sum of those quarters' targets that exist (KpiContext.targets).", ["KpiContext.targets"]),
        ("No nps response in the window: NaN.", ["NaN"]),
        ("the `amreview kpis` command", ["`", "`"]),
        ("a DataPack read once", ["DataPack"]),
        ("a dataFrame", ["dataFrame"]),
        ("Growing accounts (YoY), GM %, e.g. CSAT 4.5, 12.5 % of the CRM", []),
    ],
)
def test_the_detector_finds_code_words_and_leaves_business_words(text, found):
    assert code_words(text) == found


def test_the_detector_fires_on_the_developers_texts_it_replaces():
    kpis = all_kpis()
    developers = [k.formula + " " + k.edge_cases for k in kpis.values()]
    assert sum(bool(code_words(text)) for text in developers) >= len(kpis) // 2
    assert sum(" ".join(developers).count(w) for w in ["NaN"]) >= 40


def test_every_kpi_says_what_it_counts_and_when_it_is_empty_in_plain_words():
    for name, kpi in all_kpis().items():
        assert len(kpi.meaning) > 40 and kpi.if_empty, name
        for text in (kpi.label, kpi.meaning, kpi.if_empty):
            assert code_words(text) == [], (name, text)
        assert re.match(r"(No data|No target|Not meaningful) when", kpi.if_empty), (name, kpi.if_empty)
        assert kpi.if_empty.endswith(".") and kpi.meaning.endswith("."), name


@pytest.mark.parametrize(
    ("bands", "higher", "unit", "expected"),
    [
        (
            (0.85, 0.95, 1.05, 1.15),
            True,
            "fraction",
            ["under 85 %", "85 % to under 95 %", "95 % to under 105 %", "105 % to under 115 %", "115 % or more"],
        ),
        ((1, 2, 4, 6), False, "count", ["6 or more", "4 to under 6", "2 to under 4", "1 to under 2", "under 1"]),
        (
            (-0.1, -0.02, 0.05, 0.12),
            True,
            "fraction",
            [
                "under \u221210 %",
                "\u221210 % to under \u22122 %",
                "\u22122 % to under 5 %",
                "5 % to under 12 %",
                "12 % or more",
            ],
        ),
    ],
)
def test_band_ranges_say_which_values_earn_each_score(bands, higher, unit, expected):
    assert [text for _, text in band_ranges(bands, higher, unit)] == expected
    assert [score for score, _ in band_ranges(bands, higher, unit)] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("higher", [True, False])
def test_band_ranges_agree_with_the_scoring_on_and_between_boundaries(higher):
    """The words against the scorecard's own route (band_score), value by value."""
    bands = (0.05, 0.065, 0.08, 0.095)
    words = dict(band_ranges(bands, higher, "fraction"))
    values = [0.0, 0.05, 0.06, 0.065, 0.079, 0.08, 0.095, 0.2]
    for value, score in zip(values, band_score(np.array(values), bands, higher)):
        text = words[int(score)]
        low = re.search(r"^([\d.]+) %", text)
        high = re.search(r"under ([\d.]+) %", text)
        assert (low is None or value * 100 >= float(low[1]) - 1e-9) and (high is None or value * 100 < float(high[1]))


def _number(text: str) -> float:
    """``−12.5 %`` → -0.125; ``1,500`` → 1500."""
    text = text.replace("\u2212", "-").replace(",", "").strip()
    return float(text[:-1].strip()) / 100 if text.endswith("%") else float(text)


def reference_figures(html: str) -> tuple[dict, dict, dict]:
    """From the reference page: measure → weight, KPI → its weight within its measure, KPI → bands."""
    soup = BeautifulSoup(html, "html.parser")
    measures = {}
    for row in soup.find("table", class_="amr-measures").find("tbody").find_all("tr"):
        weight = row.find("td").get_text()
        if weight.endswith("%"):
            measures[row.find("th").get_text()] = _number(weight)
    weights, bands = {}, {}
    for heading in soup.find_all("h3"):
        name = heading["id"].removeprefix("kpi-")
        entry = heading.find_parent("section")
        scoring = re.search(r"Scores ([\d.]+ %) of", entry.get_text())
        if scoring:
            weights[name] = _number(scoring[1])
            cells = [td.get_text() for td in entry.find("table", class_="amr-bands").find_all("td")]
            lows = [re.match(r"([−\d.,]+ ?%?) (to|or)", c) for c in cells]
            highs = [re.search(r"under ([−\d.,]+ ?%?)$", c) for c in cells]
            boundaries = {_number(m[1]) for m in lows if m} | {_number(m[1]) for m in highs if m}
            bands[name] = tuple(sorted(boundaries))
    return measures, weights, bands


def test_the_reference_holds_every_kpi_once_in_the_reviews_order_of_measures_in_plain_words():
    config = load_config(None)
    html = kpi_reference_html(config, PERIOD)
    soup = BeautifulSoup(html, "html.parser")
    kpis = all_kpis()
    anchors = [h["id"] for h in soup.find_all("h3")]
    assert sorted(anchors) == sorted(f"kpi-{name}" for name in kpis) and len(set(anchors)) == len(kpis) == 72
    measures = [h.get_text() for h in soup.find_all("h2")][1:]
    assert measures == [ALL_MEASURES[m] for m in measures_in_review_order()]
    assert measures[:3] == ["Margin & KPI targets", "Timeliness of reports", "Accuracy of information"]
    assert measures[-1] == "Development plan achieved"  # the review shows the plan after the competencies
    text = soup.find("main").get_text(" ")
    assert code_words(text) == []
    for kpi in kpis.values():  # each under its measure, with its people's texts
        entry = soup.find(id=f"kpi-{kpi.name}").find_parent("section")
        assert entry.find_parent("section").find("h2").get_text() == ALL_MEASURES[kpi.measure]
        assert kpi.meaning in entry.get_text() and kpi.if_empty in entry.get_text()


def test_the_references_weights_and_bands_are_the_configs():
    config = load_config(None)
    measures, weights, bands = reference_figures(kpi_reference_html(config, PERIOD))
    assert measures == {ALL_MEASURES[m]: pytest.approx(s.weight) for m, s in config.measures.items()}
    scored = {name: s for m in config.measures.values() for name, s in m.kpis.items()}
    assert weights == {name: pytest.approx(s.weight) for name, s in scored.items()}
    assert bands == {name: pytest.approx(s.bands) for name, s in scored.items()}


def test_the_reference_shows_a_custom_configs_own_bands_weights_and_ratings(tmp_path):
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    text = text.replace(
        "kpis.gm_pct                         = { weight = 0.15, bands = [0.05, 0.065, 0.08, 0.095], min_base = 3 }",
        "kpis.gm_pct                         = { weight = 0.125, bands = [0.04, 0.0625, 0.07, 0.11], min_base = 3 }",
    ).replace(
        "kpis.gross_margin_yoy               = { weight = 0.10, bands = [-0.10, -0.02, 0.05, 0.12] }",
        "kpis.gross_margin_yoy               = { weight = 0.125, bands = [-0.10, -0.02, 0.05, 0.12] }",
    )
    text = text.replace('label = "Meets",           min_score = 2.75', 'label = "Meets",           min_score = 2.5')
    path = tmp_path / "our_scorecard.toml"
    path.write_text(text, encoding="utf-8")
    config = load_config(path)
    assert config.measures["margin_kpi_targets"].kpis["gm_pct"].bands == (0.04, 0.0625, 0.07, 0.11)
    html = kpi_reference_html(config, PERIOD)
    measures, weights, bands = reference_figures(html)
    assert bands["gm_pct"] == pytest.approx((0.04, 0.0625, 0.07, 0.11)) and weights["gm_pct"] == pytest.approx(0.125)
    entry = BeautifulSoup(html, "html.parser").find(id="kpi-gm_pct").find_parent("section").get_text(" ")
    assert "6.25 % to under 7 %" in entry and "11 % or more" in entry
    assert "Meets from 2.5" in html and "our_scorecard.toml" in html


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [(0.065, "fraction", "6.5 %"), (-0.1, "fraction", "\u221210 %"), (1500, "count", "1,500"), (3.5, "rating", "3.5")],
)
def test_a_boundary_is_shown_exactly_in_its_unit(value, unit, text):
    assert boundary_text(value, unit) == text


@pytest.fixture(scope="module")
def sample_reviews():
    pack = load_pack("sample")
    return {am_id: Review.build(pack, am_id, PERIOD) for am_id in ("AM001", "AM004", "AM011")}


def test_the_appendix_links_the_reference_and_explains_only_this_persons_empty_figures(sample_reviews):
    kpis = all_kpis()
    for am_id, review in sample_reviews.items():
        appendix = review.appendix()
        assert not any(
            isinstance(p, Definitions) and any(k.formula in str(p) for k in kpis.values()) for p in appendix.parts
        )
        links = [p for p in appendix.parts if isinstance(p, Link)]
        assert [link.href for link in links] == ["kpi-reference.html"], am_id
        empty = [k for k in appendix.kpis if np.isnan(review.values[k])]  # the shown figures without a value
        lines = [p for p in appendix.parts if isinstance(p, Definitions)]
        if not empty:
            assert lines == [], am_id
            continue
        (line,) = lines
        assert [term for term, _, _ in line.items] == [kpis[k].label for k in empty]
        assert [text for _, text, _ in line.items] == [kpis[k].if_empty for k in empty]
        assert line.links == tuple(f"kpi-reference.html#kpi-{k}" for k in empty)


def test_a_rendered_sample_review_holds_no_code_identifier_nor_nan(sample_reviews):
    for am_id, review in sample_reviews.items():
        soup = BeautifulSoup(review_html(review), "html.parser")
        appendix_html = str(soup)
        assert 'href="kpi-reference.html"' in appendix_html, am_id
        for table in soup.find_all("table"):
            if "Data pack fingerprint (SHA-256)" in table.get_text():  # provenance: the pack's own names
                table.decompose()
        for style in soup.find_all("style"):
            style.decompose()
        assert code_words(soup.get_text(" "), REVIEW_CODE_WORD) == [], am_id


def test_money_and_counts_take_the_configs_number_format_and_percentages_keep_the_point(tmp_path):
    """As every document writes them (amreview.formats): money with its currency and separators,
    counts with the thousands separator, percentages and scores with the decimal point."""
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    path = tmp_path / "decimal_comma.toml"
    extra = '\n[number_format]\nsymbol = "€"\nthousands_separator = "."\ndecimal_separator = ","\n'
    path.write_text(text + extra, encoding="utf-8")
    numbers = load_config(path).number_format
    assert boundary_text(1500.5, "money", numbers) == "€1.500,5"
    assert boundary_text(1500, "count", numbers) == "1.500"
    assert boundary_text(0.065, "fraction", numbers) == "6.5 %" and boundary_text(3.5, "rating", numbers) == "3.5"
    html = kpi_reference_html(load_config(path), PERIOD)
    assert "6.5 % to under 8 %" in html and "Meets from 2.75" in html
