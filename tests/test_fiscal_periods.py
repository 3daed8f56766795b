"""Text becomes a quarter once, at the boundary, on the config's fiscal year; a fiscal config moves
the window of every figure and every section.

The sample's period labels are calendar quarters. Renamed to the fiscal quarters of the same dates
(a fiscal year from April, named after the calendar year it ends in: calendar 2026Q3 is fiscal
2027Q2), the pack under a fiscal config must give, quarter for quarter, the figures the sample
gives under the calendar config; only the year-to-date figures change, since the fiscal year
starts in April. The functions inside the boundary take a :class:`Quarter` and refuse text:
parsed there, without the config, text would silently mean a calendar quarter.
"""

from __future__ import annotations

import dataclasses
import re

import pandas as pd
import pytest

from amreview.batch.inputs import open_review
from amreview.batch.prepare import prepare_reviews
from amreview.cli import main
from amreview.documents.figures import monthly_margin_against_target, top_accounts
from amreview.documents.model import Chart, Definitions, Table
from amreview.documents.review import Review, headline_figures, review_header
from amreview.errors import ParameterError, PeriodError
from amreview.metrics.accounts import new_accounts, new_accounts_list
from amreview.metrics.competencies import ratings_in_period
from amreview.metrics.development import development_plan, objectives_carrying_forward, objectives_in_period
from amreview.metrics.margin import lines_in_period
from amreview.metrics.margin_trend import fiscal_year_target
from amreview.metrics.registry import KpiContext, in_role
from amreview.metrics.reporting import latest_forecasts
from amreview.metrics.targets import monthly_targets, quarter_target, quarter_targets
from amreview.periods import Quarter, is_quarter_label
from amreview.scoring.config import DEFAULT_CONFIG, load_config
from amreview.scoring.scorecard import build_scorecard, core_scorecard
from tests.conftest import sample_pack_once

FISCAL_START = 4  # April
CALENDAR_PERIOD, FISCAL_PERIOD = "2026Q3", "2027Q2"  # the same dates: 1 July – 30 September 2026
AM = "AM001"
QUARTER_COLUMNS = ("period", "agreed_in")  # the contract's and the review cycle's quarter columns
QUARTER_LABEL = re.compile(r"\b\d{4}Q[1-4]\b")
# The figures of the whole fiscal year (its target, its projection): they differ between two calendars of
# the same quarter, as the year differs.
FULL_YEAR_KPIS = ("gross_margin_ytd_of_annual_target", "gross_margin_projection", "gross_margin_projection_attainment")


def fiscal_label(label):
    """The fiscal quarter of a calendar quarter label; a month label (a date) stays."""
    if not isinstance(label, str) or not is_quarter_label(label):
        return label
    return str(Quarter.of(Quarter.parse(label).start, FISCAL_START))


def calendar_text(text: str) -> str:
    """``text`` with each fiscal quarter label replaced by the calendar label of the same dates."""
    return QUARTER_LABEL.sub(lambda m: str(Quarter.of(Quarter.parse(m[0], FISCAL_START).start)), text)


def fiscal_year_figure(column: str) -> bool:
    """Whether a scorecard column's window is the fiscal year (to date, or projected to its end)."""
    return column.endswith("_ytd") or "_ytd_" in column or "projection" in column


@pytest.fixture(scope="module")
def calendar_pack(tmp_path_factory):
    return sample_pack_once(tmp_path_factory)


@pytest.fixture(scope="module")
def fiscal_pack(calendar_pack):
    # The validated sample with its quarter labels renamed, not a pack validated anew: the pack's
    # check that month targets add up to their quarter's reads months as calendar quarters.
    # Every column that holds a quarter label: a plan's period, and the review that agreed it.
    tables = {
        name: frame.assign(**{c: frame[c].map(fiscal_label) for c in QUARTER_COLUMNS if c in frame.columns})
        for name, frame in calendar_pack.tables.items()
    }
    return dataclasses.replace(calendar_pack, tables=tables)


@pytest.fixture(scope="module")
def calendar_config():
    return load_config()


@pytest.fixture(scope="module")
def fiscal_config_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("fiscal") / "fiscal.toml"
    path.write_text(
        DEFAULT_CONFIG.read_text().replace("fiscal_year_start_month = 1", f"fiscal_year_start_month = {FISCAL_START}")
    )
    return path


@pytest.fixture(scope="module")
def fiscal_config(fiscal_config_file):
    config = load_config(fiscal_config_file)
    assert config.fiscal_year_start_month == FISCAL_START
    return config


@pytest.fixture(scope="module")
def fiscal_card(fiscal_pack, fiscal_config):
    """The fiscal quarter's scorecard (no test changes it)."""
    return build_scorecard(fiscal_pack, FISCAL_PERIOD, fiscal_config)


@pytest.fixture(scope="module")
def calendar_card(calendar_pack, calendar_config):
    """The calendar quarter of the same dates' scorecard (no test changes it)."""
    return build_scorecard(calendar_pack, CALENDAR_PERIOD, calendar_config)


def test_the_fiscal_scorecard_is_the_calendar_one_of_the_same_dates(fiscal_card, calendar_card):
    fiscal, calendar = fiscal_card, calendar_card
    assert (fiscal.quarter.start, fiscal.quarter.end) == (pd.Timestamp("2026-07-01"), pd.Timestamp("2026-09-30"))
    assert list(fiscal.table.columns) == list(calendar.table.columns)
    assert set(fiscal.table["period"]) == {FISCAL_PERIOD}
    year = [c for c in calendar.table.columns if fiscal_year_figure(c)]
    quarter = [c for c in calendar.table.columns if c != "period" and c not in year]
    assert "revenue_ytd" in year and {"revenue", "gross_margin_attainment", "overall_score"} <= set(quarter)
    pd.testing.assert_frame_equal(fiscal.table[quarter], calendar.table[quarter])


def test_the_fiscal_year_to_date_starts_in_april(fiscal_card, calendar_card, calendar_pack, calendar_config):
    fiscal, july = fiscal_card.values, calendar_card.values
    april = build_scorecard(calendar_pack, "2026Q2", calendar_config).values.reindex(july.index)
    for column in ("revenue", "gross_margin", "new_accounts"):
        expected = july[column] + april[column].fillna(0)  # April to September (in role from when they were)
        pd.testing.assert_series_equal(fiscal[f"{column}_ytd"], expected, check_names=False, check_dtype=False)
        assert not fiscal[f"{column}_ytd"].equals(july[f"{column}_ytd"])  # not January to September


def same_part(fiscal, calendar, where: str) -> None:
    """A part of the fiscal review equals the calendar review's, its quarter labels read as dates."""
    if isinstance(calendar, (Table, Chart)):
        frame = fiscal.frame.rename(index=lambda i: calendar_text(i) if isinstance(i, str) else i)
        for column in frame.columns:  # cells that name a quarter ("the 2027Q1 review"), their dtype kept
            if any(isinstance(v, str) and calendar_text(v) != v for v in frame[column]):
                relabelled = frame[column].map(lambda v: calendar_text(v) if isinstance(v, str) else v)
                frame[column] = relabelled.astype(frame[column].dtype)
        pd.testing.assert_frame_equal(frame, calendar.frame, check_freq=False, obj=where)  # renaming drops freq
        fiscal, calendar = dataclasses.replace(fiscal, frame=None), dataclasses.replace(calendar, frame=None)
    assert calendar_text(repr(fiscal)) == repr(calendar), where


def test_the_review_of_a_fiscal_period_shows_the_fiscal_window_in_every_section(
    fiscal_pack, calendar_pack, fiscal_config, calendar_config
):
    fiscal = Review.build(fiscal_pack, AM, FISCAL_PERIOD, fiscal_config)  # the period as text
    calendar = Review.build(calendar_pack, AM, CALENDAR_PERIOD, calendar_config)
    assert fiscal.quarter == Quarter(2027, 2, FISCAL_START)
    assert fiscal.header.period_label == "Q2 FY2027 (1 Jul 2026 – 30 Sep 2026)"
    fiscal_sections, calendar_sections = fiscal.sections(), calendar.sections()
    assert [s.key for s in fiscal_sections] == [s.key for s in calendar_sections]
    compared = 0
    for f, c in zip(fiscal_sections, calendar_sections):
        year_to_date = [i for i, line in enumerate(c.lines) if line.startswith("Year to date")]
        assert [calendar_text(x) for i, x in enumerate(f.lines) if i not in year_to_date] == [
            x for i, x in enumerate(c.lines) if i not in year_to_date
        ], f.key
        assert len(f.parts) == len(c.parts), f.key
        for fp, cp in zip(f.parts, c.parts):
            key = getattr(cp, "key", "")
            if (f.key, key) == ("margin", "year_to_date"):  # the fiscal year: April to September
                assert fiscal.section("margin").tables["year_to_date"].frame.shape == cp.frame.shape
            elif (f.key, key) == ("summary", "attainment"):  # every bar but the full-year projection
                quarter_bars = [i for i in cp.frame.index if "projection" not in i]
                same_part(
                    dataclasses.replace(fp, frame=fp.frame.loc[quarter_bars]),
                    dataclasses.replace(cp, frame=cp.frame.loc[quarter_bars]),
                    f"{f.key}.{key}",
                )
            elif f.key == "appendix" and isinstance(cp, Definitions):  # figures without a value, the year's aside
                yearly = {fiscal.scorecard.kpis[k].label for k in FULL_YEAR_KPIS}
                assert [i for i in fp.items if i[0] not in yearly] == [i for i in cp.items if i[0] not in yearly]
            elif (f.key, key) == ("appendix", "provenance"):  # names the config and the fiscal quarter
                items = dict(zip(fp.frame["Item"], fp.frame["Value"]))
                assert items["Fiscal year starts in month"] == str(FISCAL_START)
                assert "Q2 FY2027 (1 Jul 2026 – 30 Sep 2026)" in items["Review"]
            else:
                same_part(fp, cp, f"{f.key}.{key}")
            compared += 1
    assert compared >= 30  # every table and chart of every section


INSIDE = {  # a call of each function inside the boundary that takes a quarter
    "in_role": lambda pack, q, config: in_role(pack.account_managers, q),
    "for_period": lambda pack, q, config: KpiContext.for_period(pack, q),
    "new_accounts_list": lambda pack, q, config: new_accounts_list(pack.sales, q),
    "new_accounts": lambda pack, q, config: new_accounts(pack.sales, q),
    "objectives_in_period": lambda pack, q, config: objectives_in_period(pack["development_objectives"], q),
    "development_plan": lambda pack, q, config: development_plan(pack["development_objectives"], q),
    "objectives_carrying_forward": lambda pack, q, config: objectives_carrying_forward(
        pack["development_objectives"], q
    ),
    "quarter_targets": lambda pack, q, config: quarter_targets(pack.targets, q),
    "quarter_target": lambda pack, q, config: quarter_target(pack.targets, AM, q, "revenue"),
    "monthly_targets": lambda pack, q, config: monthly_targets(pack.targets, q, "revenue"),
    "latest_forecasts": lambda pack, q, config: latest_forecasts(pack["forecasts"], q),
    "ratings_in_period": lambda pack, q, config: ratings_in_period(pack["competency_ratings"], q),
    "lines_in_period": lambda pack, q, config: lines_in_period(pack.sales, q),
    "fiscal_year_target": lambda pack, q, config: fiscal_year_target(pack.targets, q, "gross_margin"),
    "core_scorecard": lambda pack, q, config: core_scorecard(pack, q),
    "review_header": lambda pack, q, config: review_header(pack, AM, q),
    "headline_figures": lambda pack, q, config: headline_figures(pack, AM, q),
    "monthly_margin_against_target": lambda pack, q, config: monthly_margin_against_target(pack, AM, q),
    "top_accounts": lambda pack, q, config: top_accounts(pack, AM, q),
}


@pytest.mark.parametrize("inner", INSIDE.values(), ids=INSIDE.keys())
def test_functions_inside_the_boundary_refuse_text(inner, fiscal_pack, fiscal_config):
    with pytest.raises(PeriodError, match="expected a Quarter, found str '2027Q2'"):
        inner(fiscal_pack, FISCAL_PERIOD, fiscal_config)
    inner(fiscal_pack, Quarter.parse(FISCAL_PERIOD, FISCAL_START), fiscal_config)  # the parsed quarter is taken


def test_a_prepared_input_reads_text_on_its_fiscal_year_and_refuses_a_calendar_quarter(
    fiscal_pack, fiscal_config, tmp_path
):
    folder = prepare_reviews(fiscal_pack, FISCAL_PERIOD, fiscal_config, tmp_path, [AM]).reviews[AM]
    review = open_review(str(folder), AM, FISCAL_PERIOD)  # the notebook's parameters: text
    assert review.quarter == Quarter(2027, 2, FISCAL_START)
    with pytest.raises(
        ParameterError,
        match=r"is for period Q2 FY2027 \(1 Jul 2026 – 30 Sep 2026\), "
        r"not Q2 2027 \(1 Apr 2027 – 30 Jun 2027\)",
    ):
        open_review(str(folder), AM, Quarter(2027, 2))


def test_the_cli_reads_the_period_on_the_configs_fiscal_year(fiscal_config_file, calendar_card, tmp_path):
    out = tmp_path / "card.csv"
    main(
        [
            "scorecard",
            "--data",
            "sample",
            "--period",
            FISCAL_PERIOD,
            "--config",
            str(fiscal_config_file),
            "--out",
            str(out),
        ]
    )
    written = pd.read_csv(out, dtype={"am_id": str}).set_index("am_id")
    calendar = calendar_card.values
    assert set(written["period"]) == {FISCAL_PERIOD}
    pd.testing.assert_series_equal(written["revenue"], calendar["revenue"], check_names=False, check_dtype=False)
