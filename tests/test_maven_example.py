"""The worked example end to end: the Maven Analytics CRM export (``../shared/data/maven-crm``)
imported with ``examples/maven-crm/mapping.toml``, validated, scored and reviewed. Every figure
checked here is computed again from the raw export with plain pandas. Skipped where ``../shared``
is absent."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from amreview.batch.inputs import open_team_overview
from amreview.data.datapack import load_pack
from amreview.documents.review import Review
from amreview.metrics.registry import MEASURES
from amreview.scoring.config import load_config
from amreview.scoring.scorecard import build_scorecard
from tests.conftest import SHARED
from tests.test_cli import amreview

ROOT = Path(__file__).resolve().parents[1]
MAPPING = ROOT / "examples" / "maven-crm" / "mapping.toml"
CONFIG = ROOT / "examples" / "maven-crm" / "scorecard.toml"
README = ROOT / "examples" / "maven-crm" / "README.md"
PERIOD = "2017Q2"
QUARTERS = {
    "2017Q1": ("2017-01-01", "2017-03-31"),
    "2017Q2": ("2017-04-01", "2017-06-30"),
    "2017Q3": ("2017-07-01", "2017-09-30"),
    "2017Q4": ("2017-10-01", "2017-12-31"),
}
WIN_RATE_BANDS = (0.55, 0.60, 0.65, 0.70)  # the shipped config's, as its README states them


def agent_id(name: str) -> str:
    """The example's am_id rule, written out for these names (letters, spaces and hyphens)."""
    return name.strip().lower().replace(" ", "-")


@pytest.fixture(scope="module")
def export() -> Path:
    folder = SHARED / "data" / "maven-crm"
    if not (folder / "sales_pipeline.csv").is_file():
        pytest.skip("../shared/data/maven-crm is not present")
    return folder


@pytest.fixture(scope="module")
def raw(export) -> dict[str, pd.DataFrame]:
    return {
        name: pd.read_csv(export / f"{name}.csv") for name in ("sales_teams", "accounts", "sales_pipeline", "products")
    }


@pytest.fixture(scope="module")
def imported(export, tmp_path_factory):
    out = tmp_path_factory.mktemp("maven") / "pack"
    done = amreview("import", "--mapping", str(MAPPING), "--source", str(export), "--out", str(out))
    return out, done


def test_import_maps_every_agent_accounts_and_the_pipeline(imported, raw):
    out, done = imported
    assert done.returncode == 0, done.stderr
    assert re.search(r"account_managers +35 rows", done.stdout)
    assert re.search(r"opportunities +8,800 rows", done.stdout)
    assert re.search(r"sales +0 rows +empty: no source feeds it", done.stdout)
    pack = load_pack(out)
    teams = raw["sales_teams"]
    people = pack.account_managers.set_index("am_id")
    assert len(people) == 35 == len(teams)
    assert sorted(people.index) == sorted(agent_id(n) for n in teams["sales_agent"])
    for row in teams.itertuples(index=False):
        assert (people.at[agent_id(row.sales_agent), "manager"], people.at[agent_id(row.sales_agent), "team"]) == (
            row.manager,
            row.regional_office,
        )

    pipeline, opportunities = raw["sales_pipeline"], pack["opportunities"]
    assert len(opportunities) == len(pipeline)
    assert (
        opportunities["stage"].value_counts().to_dict() == pipeline["deal_stage"].str.lower().value_counts().to_dict()
    )
    won = pipeline["deal_stage"] == "Won"
    assert opportunities.loc[opportunities["stage"] == "won", "value"].sum() == pipeline.loc[won, "close_value"].sum()
    assert opportunities["created_date"].isna().sum() == pipeline["engage_date"].isna().sum()
    assert opportunities["account_id"].isna().sum() == pipeline["account"].isna().sum()
    assert set(opportunities["product"]) <= set(raw["products"]["product"])  # GTXPro is GTX Pro
    assert not opportunities["new_business"].any()

    accounts = pack["accounts"]
    assert len(accounts) == len(raw["accounts"])
    assert (accounts["sector"] == "technology").sum() == (raw["accounts"]["sector"] == "technolgy").sum()
    assert pack.sales.empty and pack.targets.empty


def test_the_quirks_are_in_the_report(imported, raw):
    out, done = imported
    pipeline = raw["sales_pipeline"]
    report = (out / "import-report.md").read_text()
    open_deals = pipeline["deal_stage"].isin(["Prospecting", "Engaging"])
    expected = [
        "Windows line endings (CRLF) on 8,801 lines",
        "product 'GTXPro' is not in products.csv column 'product'",
        f"sector 'technolgy' corrected to 'technology' by the value map | "
        f"{(raw['accounts']['sector'] == 'technolgy').sum()} |",
        f"account_id is empty in {pipeline['account'].isna().sum():,} of 8,800 rows",
        f"created_date is empty in {pipeline['engage_date'].isna().sum():,} of 8,800 rows",
        f"close_date is empty in {(open_deals & pipeline['close_date'].isna()).sum():,} of 8,800 rows",
    ]
    for text in expected:
        assert text in report, text
    gtxpro = (pipeline["product"] == "GTXPro").sum()
    assert f"the value map makes it 'GTX Pro', which products.csv lists [{gtxpro:,} rows]" in done.stdout
    assert "| sales | empty |" in report


def test_validate_lists_the_warnings_and_passes(imported, raw):
    out, _ = imported
    done = amreview("validate", str(out))
    assert done.returncode == 0, done.stderr
    pipeline = raw["sales_pipeline"]
    open_without_close = (
        pipeline["deal_stage"].isin(["Prospecting", "Engaging"]) & pipeline["close_date"].isna()
    ).sum()
    lost_without_value = ((pipeline["deal_stage"] == "Lost") & (pipeline["close_value"].fillna(0) == 0)).sum()
    assert re.search(
        rf"warning +opportunity_not_counted +{open_without_close + lost_without_value:,} +opportunities", done.stdout
    )
    idle = set(raw["sales_teams"]["sales_agent"]) - set(pipeline["sales_agent"])
    assert re.search(rf"warning +person_without_data +{len(idle)} +account_managers", done.stdout)
    html = (out.parent / "pack-quality.html").read_text()
    for name in idle:
        assert f"&#39;{agent_id(name)}&#39;: none" in html


def test_scorecard_for_a_quarter_with_pipeline_activity(imported, raw, tmp_path):
    out, _ = imported
    card_path = tmp_path / "card.csv"
    done = amreview("scorecard", "--data", str(out), "--period", PERIOD, "--out", str(card_path))
    assert done.returncode == 0, done.stderr
    card = pd.read_csv(card_path).set_index("am_id")
    assert len(card) == 35
    # no sales lines: margin is "no data", never 0
    assert card["revenue"].isna().all() and card["gross_margin_attainment"].isna().all()
    # win rate by count, from the raw export: won / (won + lost) closed in the quarter
    pipeline = raw["sales_pipeline"]
    closed = pipeline[
        pipeline["deal_stage"].isin(["Won", "Lost"])
        & pd.to_datetime(pipeline["close_date"]).between("2017-04-01", "2017-06-30")
    ]
    counts = closed.groupby("sales_agent")["deal_stage"].value_counts().unstack(fill_value=0)
    expected = (counts["Won"] / (counts["Won"] + counts["Lost"])).rename(index=agent_id)
    assert len(expected) == 30
    pd.testing.assert_series_equal(card.loc[expected.index, "win_rate_count"], expected, check_names=False)
    assert (
        card.loc[
            [agent_id(n) for n in set(raw["sales_teams"]["sales_agent"]) - set(pipeline["sales_agent"])],
            "win_rate_count",
        ]
        .isna()
        .all()
    )


def test_a_review_runs_from_the_pipeline_alone(imported, tmp_path):
    out, _ = imported
    reports = tmp_path / "reports"
    done = amreview(
        "run",
        "--data",
        str(out),
        "--period",
        PERIOD,
        "--config",
        str(CONFIG),
        "--out",
        str(reports),
        "--quiet",
        "--am",
        "darcel-schlecht",
        "--no-team-overviews",  # the review is checked here; the team overview by open_team_overview below
    )
    assert done.returncode == 0, done.stdout + done.stderr  # validation warnings do not block a run
    assert "1 of 1 reviews written" in done.stdout
    html = (reports / PERIOD / "darcel-schlecht.html").read_text()
    assert "Darcel Schlecht" in html and "Traceback" not in html
    assert re.search(r"margin data is not in (this|the) pack", html, re.IGNORECASE)


def win_rates_by_count(raw, quarter: str) -> pd.Series:
    """won / (won + lost) per agent over the deals closed in ``quarter``, from the raw export."""
    pipeline = raw["sales_pipeline"]
    closed = pipeline[
        pipeline["deal_stage"].isin(["Won", "Lost"])
        & pd.to_datetime(pipeline["close_date"]).between(*QUARTERS[quarter])
    ]
    won = (closed["deal_stage"] == "Won").groupby(closed["sales_agent"]).mean()
    return won.rename(index=agent_id)


def band(rate: float) -> float:
    """The shipped config's score of a win rate: 1 + the number of boundaries at or below it."""
    return 1.0 + sum(boundary <= rate for boundary in WIN_RATE_BANDS)


def readme_row(quarter: str) -> str:
    """The README's spread row "now" of ``quarter`` (the row after the quarter's first)."""
    lines = README.read_text().splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith(f"| {quarter} |"))
    return next(line for line in lines[first : first + 3] if "**now**" in line)


@pytest.fixture(scope="module")
def shipped_cards(imported):
    out, _ = imported
    pack, config = load_pack(out), load_config(CONFIG)
    return pack, config, {quarter: build_scorecard(pack, quarter, config) for quarter in QUARTERS}


@pytest.mark.parametrize("quarter", list(QUARTERS))
def test_the_shipped_config_scores_each_agent_on_the_win_rate_by_count(shipped_cards, raw, quarter):
    _, _, cards = shipped_cards
    card = cards[quarter]
    rates = win_rates_by_count(raw, quarter)
    assert len(rates) == 30
    expected = rates.map(band)
    overall = card.overall["overall_score"]
    pd.testing.assert_series_equal(overall[expected.index], expected, check_names=False)
    assert overall.drop(expected.index).isna().all()  # the 5 agents without a deal
    # the allowed gaps (open deals without an account, expected close date or value) cost nothing
    assert card.values["crm_record_completeness"].isna().all()
    assert card.measures["information_accuracy"].isna().all()
    assert card.overall.loc[expected.index, "measures_without_data"].str.contains("information_accuracy").all()


@pytest.mark.parametrize("quarter", list(QUARTERS))
def test_the_readme_shows_the_spread_of_the_overall_scores(shipped_cards, raw, quarter):
    scores = win_rates_by_count(raw, quarter).map(band)  # the overall scores, recomputed from the raw export
    q1, q3 = scores.quantile([0.25, 0.75])
    counts = scores.value_counts().sort_index(ascending=False)
    row = (
        f"| | **now** | {scores.nunique()} | {scores.min():.2f} – {scores.max():.2f} | {q3 - q1:.2f} | "
        f"{scores.std(ddof=1):.2f} | {', '.join(f'{v:.0f}×{n}' for v, n in counts.items())} |"
    )
    assert readme_row(quarter) == row


def test_trends_follow_the_pipeline(shipped_cards, raw):
    pack, config, cards = shipped_cards
    review = Review.build(pack, "darcel-schlecht", PERIOD, config)
    assert review.previous is not None and str(review.previous.quarter) == "2017Q1"
    trends = review.summary().frame("measures").set_index("Measure")["Trend"]
    now, before = win_rates_by_count(raw, "2017Q2"), win_rates_by_count(raw, "2017Q1")
    expected = band(now["darcel-schlecht"]) - band(before["darcel-schlecht"])
    assert trends[MEASURES["new_business"]] == pytest.approx(expected)


def test_the_team_overview_says_no_data_for_margin(imported):
    out, _ = imported
    overview = open_team_overview(out, "Celia Rouche", PERIOD, str(CONFIG))
    summary = overview.header.parts[1]
    assert "Team gross margin: no data. Team revenue: no data. GM % no data. New accounts won: no data." in summary
    assert re.search(r"\b0 new accounts|margin 0\b|revenue 0\b", summary) is None
