"""Money in the config's currency and separators: the format itself against values written by
hand, the ``[number_format]`` table's validation, and every money figure of a rendered review, a
team overview, the run's index and ``scorecard.xlsx`` in it (and counts with its thousands
separator); without the table, numbers are written as before (no currency, ``1,234,568``)."""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from amreview.batch.index import index_rows
from amreview.batch.input_reading import read_review_input
from amreview.batch.inputs import open_team_overview
from amreview.batch.jobs import ReviewResult
from amreview.batch.prepare import PreparedInputs, prepare_reviews
from amreview.documents import plot_style, plots, render
from amreview.documents.review import Review
from amreview.documents.scorecard_workbook import scorecard_workbook
from amreview.errors import ConfigError
from amreview.formats import (
    EXCEL_FORMATS,
    MINUS,
    NBSP,
    NEUTRAL_FORMAT,
    NumberFormat,
    compact_money,
    count,
    excel_format,
    format_value,
    money,
    number_format,
    number_format_in_effect,
)
from amreview.scoring.config import DEFAULT_CONFIG, ScorecardConfig, config_fingerprint, load_config, parse_config
from amreview.scoring.scorecard import Scorecard
from tests.conftest import sample_pack_once

PERIOD = "2026Q3"
BUSY = "AM004"  # the sample's busiest review: every section has figures
MANAGER = "Claire Whitfield"
EURO_AFTER = NumberFormat(unit="€", before=False, thousands=".", decimal=",")
GERMAN = '\n[number_format]\nsymbol = "€"\nposition = "after"\nthousands_separator = "."\ndecimal_separator = ","\n'
COMPACT = re.compile(r"\d[km](?=\W)")  # a compact amount: 412k, 1.23m (never a word: 5km, 2026Q3)


def default_raw() -> dict:
    return tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def german_config(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("money") / "german.toml"
    path.write_text(DEFAULT_CONFIG.read_text(encoding="utf-8") + GERMAN, encoding="utf-8")
    return path


def german_amount(value: float) -> str:
    """An amount written by hand the German way: whole units, ``.`` thousands, `` €`` after."""
    digits = f"{abs(round(value)):,}".replace(",", ".")
    return ("" if round(value) >= 0 else MINUS) + digits + NBSP + "€"


# -- the format, by hand ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "fmt", "expected"),
    [
        (1234567.8, EURO_AFTER, "1.234.568\u00a0€"),
        (-1234567.8, EURO_AFTER, "\u22121.234.568\u00a0€"),
        (1234567.8, NumberFormat("$", before=True), "$1,234,568"),
        (-1234.5, NumberFormat("$", before=True), "\u2212$1,234"),
        (1234567.8, NumberFormat("EUR", before=True), "EUR\u00a01,234,568"),
        (1234567.8, NumberFormat("CHF", thousands="'"), "1'234'568\u00a0CHF"),
        (1234567.8, NEUTRAL_FORMAT, "1,234,568"),
        (float("nan"), EURO_AFTER, "n/a"),
    ],
)
def test_money_is_written_in_its_format(value, fmt, expected):
    assert money(value, fmt=fmt) == expected


def test_decimals_take_the_decimal_separator_and_counts_the_thousands_one():
    assert money(1234567.891, decimals=2, fmt=EURO_AFTER) == "1.234.567,89\u00a0€"
    assert count(53010, fmt=EURO_AFTER) == "53.010" and count(53010) == "53,010"
    with number_format_in_effect(EURO_AFTER):
        assert format_value(1204, "count") == "1.204" and format_value(0.125, "pct") == "12.5\u00a0%"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(412_345, "412k\u00a0€"), (1_234_567, "1,23m\u00a0€"), (-900, "\u2212900\u00a0€"), (0.2, "0\u00a0€")],
)
def test_compact_money_carries_the_currency_and_the_decimal_comma(value, expected):
    assert compact_money(value, fmt=EURO_AFTER) == expected


def test_the_chart_axis_is_compact_money_with_one_decimal_in_the_format_in_effect():
    assert plot_style.money_axis(1_234_567) == "1.2m" == compact_money(1_234_567, millions=1)
    with number_format_in_effect(EURO_AFTER):
        assert plot_style.money_axis(1_234_567) == "1,2m\u00a0€"
        assert format_value(-1500, "money_change") == "\u22121.500\u00a0€"
        assert format_value(1500, "money") == "1.500\u00a0€"
    assert number_format() is NEUTRAL_FORMAT and money(1500) == "1,500"  # reset on leaving


def test_excel_formats_carry_the_currency_and_leave_the_separators_to_excel():
    assert excel_format("money", EURO_AFTER) == '#,##0"\u00a0€";"−"#,##0"\u00a0€"'
    assert excel_format("money", NumberFormat("$", before=True)) == '"$"#,##0;"−$"#,##0'
    assert excel_format("money_change", NumberFormat("EUR", before=True)) == (
        '"+EUR\u00a0"#,##0;"−EUR\u00a0"#,##0;"EUR\u00a0"0'
    )
    assert excel_format("pct", EURO_AFTER) == EXCEL_FORMATS["pct"]
    assert excel_format("money") == EXCEL_FORMATS["money"] == '#,##0;"−"#,##0'


# -- the config ------------------------------------------------------------------------------


def test_the_config_names_the_format_and_the_default_is_neutral(german_config):
    german = load_config(german_config)
    assert german.number_format == EURO_AFTER
    assert ScorecardConfig.model_validate(german.model_dump(mode="json")) == german  # as a prepared input holds it
    assert config_fingerprint(german) != config_fingerprint(load_config(None))
    assert load_config(None).number_format == NEUTRAL_FORMAT
    raw = default_raw()
    code, symbol = ({**raw, "number_format": {key: unit}} for key, unit in (("currency", "EUR"), ("symbol", "£")))
    assert parse_config(code).number_format == NumberFormat("EUR", before=False)
    assert parse_config(symbol).number_format == NumberFormat("£", before=True)
    spaced = parse_config({**raw, "number_format": {"thousands_separator": " ", "decimal_separator": ","}})
    assert spaced.number_format == NumberFormat("", thousands=NBSP, decimal=",")


def test_the_default_configs_commented_example_and_the_maven_example_are_true():
    """Uncommented, the default config's example is the German format its comment says; the
    Maven example's config writes US dollars."""
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    example = text[text.index("# [number_format]") :]
    uncommented = "\n".join(line.removeprefix("# ") for line in example.splitlines())
    assert parse_config(tomllib.loads(text + "\n" + uncommented)).number_format == EURO_AFTER
    assert "1.234.568 € and 1,23m €" in text and money(1234567.8, fmt=EURO_AFTER) == "1.234.568\u00a0€"
    maven = load_config(Path(__file__).parents[1] / "examples" / "maven-crm" / "scorecard.toml")
    assert maven.number_format == NumberFormat("$", before=True)
    assert (money(1234567.8, fmt=maven.number_format), compact_money(1234567, fmt=maven.number_format)) == (
        "$1,234,568",
        "$1.23m",
    )


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"currency": "euro"}, "number_format.currency: expected a three-letter ISO 4217 currency code.*found 'euro'"),
        ({"symbol": "12"}, "number_format.symbol: expected a currency symbol.*found '12'"),
        ({"currency": "EUR", "symbol": "€"}, "number_format: expected either currency or symbol, found both"),
        ({"thousands_separator": "."}, "number_format: expected thousands_separator and decimal_separator that differ"),
        ({"decimal_separator": ";"}, r"number_format.decimal_separator: expected one of '\.' \(a full stop\).*';'"),
        ({"position": "left", "symbol": "€"}, "number_format.position: expected .*'before' or 'after'"),
        ({"position": "before"}, "number_format: expected position only with a currency or a symbol"),
        ({"colour": "EUR"}, "number_format.colour: an unknown setting"),
    ],
)
def test_a_bad_table_is_a_config_error_naming_file_key_and_expectation(table, message):
    with pytest.raises(ConfigError, match=r"scorecard config my\.toml is not valid:\n(?s:.*)" + message):
        parse_config({**default_raw(), "number_format": table}, source="my.toml")


# -- the documents ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    return sample_pack_once(tmp_path_factory)


@pytest.fixture(scope="module")
def german_review(pack, german_config) -> Review:
    return Review.build(pack, BUSY, PERIOD, german_config)


@pytest.fixture(scope="module")
def prepared(pack, german_review, tmp_path_factory) -> PreparedInputs:
    """The run's route: the review input of :data:`BUSY` and the team input of :data:`MANAGER`,
    prepared under the German config from the scorecards the German review holds."""
    return prepare_reviews(
        pack,
        PERIOD,
        german_review.config,
        tmp_path_factory.mktemp("prepared"),
        [BUSY],
        managers=[MANAGER],
        card=german_review.scorecard,
        previous=german_review.previous,
    )


@pytest.fixture
def charts_not_rasterised(monkeypatch) -> None:
    """Each chart drawn and described in its alt text, but not made a PNG: the tests that use
    this read a document's words (:func:`shown_text` drops the pictures), and the PNG is most of
    what a chart costs to render."""
    monkeypatch.setattr(render, "figure_png", lambda figure: b"")


def without_number_format(card: Scorecard) -> Scorecard:
    """``card`` under the default config, which differs from its config only by the
    ``[number_format]`` table: the same figures (no format changes a score), written without one."""
    default = load_config(None)
    assert card.config.model_dump(exclude={"numbers", "source"}) == default.model_dump(exclude={"numbers", "source"})
    return dataclasses.replace(card, config=default)


def shown_text(html: str) -> str:
    """A document's words as a reader (or a screen reader, alt texts included) meets them."""
    html = re.sub(r"data:image/png;base64,[^'\"]+", "", html)
    return re.sub(r"<[^>]+>", " ", re.sub(r"alt='([^']*)'", r"> \1 <", html)).replace("&#x27;", "'")


@pytest.mark.usefixtures("charts_not_rasterised")
def test_every_compact_amount_of_a_review_names_the_currency(german_review, pack):
    """Sentences and alt texts: each compact amount (``412k``, ``1,23m``) is followed by `` €``;
    the same review without a ``[number_format]`` table has as many amounts, none with a currency."""
    german = shown_text(render.review_html(german_review))
    scorecards = (german_review.scorecard, german_review.previous)
    neutral = shown_text(render.review_html(Review(pack, BUSY, *map(without_number_format, scorecards))))
    amounts = COMPACT.findall(neutral)
    assert len(amounts) > 50 and "€" not in neutral
    named = NBSP + "€"
    unnamed = [german[m.start() - 20 : m.end() + 5] for m in COMPACT.finditer(german) if german[m.end() :][:2] != named]
    assert unnamed == [] and len(COMPACT.findall(german)) == len(amounts)
    margin = german_review.values["gross_margin"]
    assert f"Gross margin {round(margin / 1e3)}k\u00a0€" in german  # the summary's sentence, by hand


def test_a_prepared_review_input_keeps_the_format(german_review, prepared):
    """The run's route: the notebook opens a prepared input, whose config carries the format."""
    review = read_review_input(prepared.reviews[BUSY])
    assert review.summary().number_format == EURO_AFTER
    assert review.summary().lines == german_review.summary().lines
    assert any(NBSP + "€" in line for line in review.summary().lines)


def test_the_scorecards_explanation_writes_money_in_the_configs_format(german_review):
    """``amreview scorecard --explain``: the money targets of the margin measure, by hand."""
    explanation = german_review.scorecard.explain(BUSY)
    text = str(explanation)
    targets = [i.target for i in explanation.kpis if i.target is not None and i.target_unit == "money"]
    assert targets and all(f"(target {german_amount(t)})" in text for t in targets)
    assert not re.search(r"\d,\d{3}(?!\d)", text)
    assert all(german_amount(t) in explanation._repr_html_() for t in targets)


@pytest.mark.usefixtures("charts_not_rasterised")
def test_every_money_cell_of_a_reviews_tables_is_in_the_format(german_review):
    """Each money figure of each table, written by hand (:func:`german_amount`), is in the
    rendered section; and no figure is written the neutral way (``118,666``)."""
    checked = 0
    for section in german_review.sections():
        html = render.section_html(section)
        for table in section.tables.values():
            for column, unit in table.formats.items():
                if unit != "money":
                    continue
                for value in table.frame[column].dropna():
                    assert german_amount(value) in html, (section.key, column, value)
                    checked += 1
        assert not re.search(r"\d,\d{3}(?!\d)", shown_text(html)), section.key
    assert checked >= 10


def test_a_money_axis_in_a_review_chart_names_the_currency(german_review):
    chart = next(c for s in german_review.sections() for c in s.charts.values() if c.plot is plots.plot_monthly_margin)
    with number_format_in_effect(german_review.margin().number_format):
        ax = chart.draw()
        try:
            ax.figure.canvas.draw()
            ticks = [t.get_text() for t in ax.get_yticklabels() if t.get_text() not in ("", "0")]
        finally:
            plt.close(ax.figure)  # no figure left open for the next test (test_team_overview counts them)
    assert ticks and all(t.endswith("\u00a0€") for t in ticks), ticks


def test_the_team_overview_writes_money_in_the_configs_format(prepared, german_config):
    """The team overview a run's notebook opens: its prepared input, checked to be under the German config."""
    overview = open_team_overview(str(prepared.teams[MANAGER]), MANAGER, PERIOD, str(german_config))
    text = shown_text(overview._repr_html_())
    assert COMPACT.search(text) and all(text[m.end() :][:2] == NBSP + "€" for m in COMPACT.finditer(text))
    assert german_amount(overview.totals.loc["gross_margin", "actual"]) in text  # the totals table, by hand
    assert german_amount(overview.members["gross_margin"].iloc[0]) in text  # the headline figures


def test_the_index_writes_the_gross_margin_in_the_format(tmp_path):
    card = pd.DataFrame({"am_id": ["AM001"], "name": ["Ann"], "manager": ["Bo"], "team": ["North"]})
    (tmp_path / "AM001.json").write_text(json.dumps({"figures": {"gross_margin": 1234567.8}, "overall": {}}))
    result = ReviewResult("AM001", "ok", tmp_path / "AM001.html", None, None, 1.0, tmp_path / "AM001.pdf")
    rows = index_rows(card, [result], folder=tmp_path, stems={"AM001": "AM001"}, number_format=EURO_AFTER)
    assert rows[0]["Gross margin"] == "1.234.568\u00a0€"
    assert index_rows(card, [result], folder=tmp_path, stems={"AM001": "AM001"})[0]["Gross margin"] == "1,234,568"


def test_the_scorecard_workbooks_money_carries_the_currency(german_review):
    book = scorecard_workbook(german_review.scorecard)  # the German config's scorecard of the quarter
    ws = book["Scorecard"]
    header = [c.value for c in ws[1]]
    cells = [row[header.index("Gross margin")] for row in ws.iter_rows(min_row=2)]
    assert cells and {c.number_format for c in cells if c.value is not None} == {'#,##0"\u00a0€";"−"#,##0"\u00a0€"'}
