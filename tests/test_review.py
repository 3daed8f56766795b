"""One account manager's review: every section's figures against an independent route.

The sample pack is written to CSV files and read back twice: by amreview (``load_pack`` →
:class:`~amreview.documents.review.Review`) and by plain pandas in these tests, which recompute each
figure from the files with the contract's definitions. Packs without optional tables, without
sales lines and with hostile names check what a review says when data is missing or unsafe.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import amreview
from amreview import formats
from amreview.data.datapack import load_pack, validate_tables, write_pack
from amreview.data.sample import PERSONAS
from amreview.documents import render
from amreview.documents.figures import monthly_margin_against_target
from amreview.documents.model import SECTIONS, Comments, Table
from amreview.documents.review import Review
from amreview.errors import DataError
from amreview.metrics.registry import MEASURES
from amreview.periods import Quarter
from amreview.scoring.config import DEFAULT_CONFIG, config_fingerprint, load_config
from amreview.scoring.scorecard import build_scorecard
from tests.conftest import SHARED, sample_tables_once

Q3 = ("2026-07-01", "2026-09-30")
STAR, NEGLECTER, STARTER = (
    next(a for a, p in PERSONAS.items() if p == persona) for persona in ("star", "crm_neglecter", "new_starter")
)
DATES = {
    "sales": ["invoice_date"],
    "account_managers": ["start_date"],
    "opportunities": ["created_date", "close_date", "last_updated"],
    "activities": ["activity_date", "logged_date"],
    "back_orders": ["order_date", "promised_date", "fulfilled_date"],
    "report_submissions": ["due_date", "submitted_date"],
    "customer_feedback": ["feedback_date"],
    "development_objectives": ["due_date"],
}
IDS = dict.fromkeys(
    ("am_id", "account_id", "line_id", "opportunity_id", "activity_id", "order_line_id", "objective_id", "case_id"), str
)


@pytest.fixture(scope="module")
def sample_tables(tmp_path_factory):
    return sample_tables_once(tmp_path_factory)


@pytest.fixture(scope="module")
def folder(tmp_path_factory, sample_tables) -> Path:
    return write_pack(sample_tables, tmp_path_factory.mktemp("review") / "pack")


@pytest.fixture(scope="module")
def raw(folder):
    """The pack's CSV files as plain pandas reads them (the independent route)."""
    return {p.stem: pd.read_csv(p, dtype=IDS, parse_dates=DATES.get(p.stem, [])) for p in folder.glob("*.csv")}


@pytest.fixture(scope="module")
def pack(folder):
    return load_pack(folder)


@pytest.fixture(scope="module")
def reviews(pack):
    """The star's, the CRM neglecter's and the new starter's reviews: :meth:`Review.build`'s, whose
    scorecards (the quarter's, and the previous quarter's for trends) are everyone's, built once."""
    star = Review.build(pack, STAR, "2026Q3")
    return {STAR: star} | {am: review_with(star, am) for am in (NEGLECTER, STARTER)}


def review_with(built: Review, am_id: str) -> Review:
    """The review :meth:`Review.build` gives ``am_id`` of ``built``'s pack and quarter, from its scorecards."""
    return Review(built.pack, am_id, built.scorecard, built.previous)


@pytest.fixture(scope="module")
def card(pack):
    """The quarter's scorecard, built apart from the reviews' (no test changes it)."""
    return build_scorecard(pack, "2026Q3")


def in_q3(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame[(frame[column] >= Q3[0]) & (frame[column] <= Q3[1])]


def quarter_target(targets: pd.DataFrame, am_id: str, quarter: str, months: list[str], measure: str) -> float:
    rows = targets[(targets["am_id"] == am_id) & (targets["measure"] == measure)]
    quarter_rows = rows[rows["period"] == quarter]
    if len(quarter_rows):
        return float(quarter_rows["target"].sum())
    month_rows = rows[rows["period"].isin(months)]
    return float(month_rows["target"].sum()) if len(month_rows) else math.nan


def months_of(quarter: str) -> list[str]:
    year, q = int(quarter[:4]), int(quarter[-1])
    return [f"{year}-{m:02d}" for m in range(3 * q - 2, 3 * q + 1)]


# --------------------------------------------------------------------------------------------
# 1. Summary
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("am_id", [STAR, NEGLECTER, STARTER])
def test_headline_figures_equal_plain_pandas(reviews, raw, am_id):
    sales = raw["sales"]
    mine = in_q3(sales, "invoice_date").query("am_id == @am_id")
    first = sales.sort_values(["invoice_date", "line_id"]).drop_duplicates("account_id")
    new = in_q3(first, "invoice_date").query("am_id == @am_id")
    revenue, cost = mine["revenue"].sum(), mine["cost"].sum()
    expected = [
        revenue,
        cost,
        revenue - cost,
        (revenue - cost) / revenue,
        mine.loc[mine["revenue"] > 0, "account_id"].nunique(),
        len(new),
    ]
    table = reviews[am_id].summary().frame("headline_figures")
    assert list(table["Figure"]) == [
        "Revenue",
        "Cost of goods",
        "Gross margin",
        "GM %",
        "Active accounts",
        "New accounts won",
    ]
    assert table["Value"].astype(float).tolist() == pytest.approx(expected, rel=1e-9)


def test_summary_measures_are_the_scorecards_with_trends(pack, card, reviews, raw):
    review = reviews[STAR]
    before = build_scorecard(pack, "2026Q2")
    table = review.summary().frame("measures").set_index("Measure")
    for measure, label in MEASURES.items():
        assert table.at[label, "Score"] == pytest.approx(card.measures.at[STAR, measure])
        assert table.at[label, "Trend"] == pytest.approx(
            card.measures.at[STAR, measure] - before.measures.at[STAR, measure]
        )
    mine = in_q3(raw["sales"], "invoice_date").query("am_id == @STAR")
    target = quarter_target(raw["targets"], STAR, "2026Q3", months_of("2026Q3"), "gross_margin")
    margin_row = table.loc[MEASURES["margin_kpi_targets"]]
    assert margin_row["Actual"] == pytest.approx(mine["revenue"].sum() - mine["cost"].sum())
    assert margin_row["Target"] == pytest.approx(target)
    assert margin_row["Attainment"] == pytest.approx(margin_row["Actual"] / target)
    assert review.summary().figures["overall_score"] == pytest.approx(card.overall.at[STAR, "overall_score"])
    assert review.summary().lines[0].startswith(f"Overall score {card.overall.at[STAR, 'overall_score']:.2f} of 5")


def test_a_new_starter_has_no_trend_but_says_why(reviews):
    section = reviews[STARTER].summary()
    assert section.frame("measures")["Trend"].isna().all()
    html = section._repr_html_()
    assert "new in role" in html and "up from" not in section.lines[0]


# --------------------------------------------------------------------------------------------
# 2. Margin & KPI targets
# --------------------------------------------------------------------------------------------


def test_monthly_margin_and_targets_over_two_years(reviews, raw):
    frame = reviews[STAR].margin().frame("monthly_margin")
    months = [str(p) for p in pd.period_range("2024-10", "2026-09", freq="M")]
    assert list(frame.index) == months
    sales = raw["sales"].query("am_id == @STAR")
    by_month = sales.assign(month=sales["invoice_date"].dt.strftime("%Y-%m")).groupby("month")
    margin = (by_month["revenue"].sum() - by_month["cost"].sum()).reindex(months)
    assert frame["gross_margin"].tolist() == pytest.approx(margin.tolist())
    # London has quarter targets only: a month's target is a third of its quarter's
    expected = [
        quarter_target(raw["targets"], STAR, f"{m[:4]}Q{(int(m[5:]) - 1) // 3 + 1}", [], "gross_margin") / 3
        for m in months
    ]
    assert frame["gross_margin_target"].tolist() == pytest.approx(expected)


def test_monthly_targets_from_month_rows_and_from_the_start_month(pack, raw):
    midlands = next(a for a, p in PERSONAS.items() if p == "margin_misser")
    frame = monthly_margin_against_target(pack, midlands, Quarter.parse("2026Q3"), 1)
    rows = raw["targets"].query("am_id == @midlands and measure == 'revenue'").set_index("period")["target"]
    assert frame["revenue_target"].tolist() == pytest.approx([rows[m] for m in months_of("2026Q3")])
    starter = monthly_margin_against_target(pack, STARTER, Quarter.parse("2026Q3"), 8)
    assert list(starter.index) == months_of("2026Q3")  # nothing before the start month, not zeros


def test_gm_pct_trend_against_the_team(reviews, raw):
    frame = reviews[STAR].margin().frame("gm_pct_trend")
    assert list(frame.index) == ["2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    sales = raw["sales"]
    people = raw["account_managers"]
    team = people.loc[people["am_id"] == STAR, "team"].iloc[0]
    members = people.loc[people["team"] == team, "am_id"]
    quarters = sales["invoice_date"].dt.to_period("Q").astype(str)

    def gm(lines):
        totals = lines.groupby(quarters.loc[lines.index])[["revenue", "cost"]].sum()
        return ((totals["revenue"] - totals["cost"]) / totals["revenue"]).reindex(frame.index)

    assert frame["gm_pct"].tolist() == pytest.approx(gm(sales[sales["am_id"] == STAR]).tolist())
    assert frame["team_gm_pct"].tolist() == pytest.approx(gm(sales[sales["am_id"].isin(members)]).tolist())


def test_deal_types_vendors_and_top_accounts(reviews, raw):
    section = reviews[STAR].margin()
    mine = in_q3(raw["sales"], "invoice_date").query("am_id == @STAR").assign(margin=lambda f: f["revenue"] - f["cost"])
    deal = section.frame("deal_types").set_index("Deal type")
    labels = {"run_rate": "Run rate", "spot": "Spot", "bespoke": "Bespoke", "large_volume": "Large volume"}
    for code, label in labels.items():
        lines = mine[mine["deal_type"].fillna("run_rate") == code]
        assert deal.at[label, "Deals"] == (lines["revenue"] > 0).sum()
        assert deal.at[label, "Gross margin"] == pytest.approx(lines["margin"].sum())
        assert deal.at[label, "Share of margin"] == pytest.approx(lines["margin"].sum() / mine["margin"].sum())
    vendors = section.frame("vendors").set_index("Vendor")
    by_vendor = mine.groupby("vendor")["margin"].sum().sort_values(ascending=False)
    assert list(vendors.index) == list(by_vendor.index)
    assert vendors["Gross margin"].tolist() == pytest.approx(by_vendor.tolist())
    names = raw["accounts"].set_index("account_id")["name"]
    by_account = (
        mine.groupby("account_id")["margin"]
        .sum()
        .reset_index()
        .sort_values(["margin", "account_id"], ascending=[False, True])
        .head(10)
    )
    top = section.frame("top_accounts")
    assert top["Account"].tolist() == by_account["account_id"].map(names).tolist()
    assert top["Gross margin"].tolist() == pytest.approx(by_account["margin"].tolist())


def test_year_to_date_and_projection(reviews, raw):
    table = reviews[STAR].margin().frame("year_to_date").set_index("")
    sales = raw["sales"].query("am_id == @STAR")
    ytd = sales[(sales["invoice_date"] >= "2026-01-01") & (sales["invoice_date"] <= "2026-09-30")]
    targets = raw["targets"]
    target = {
        m: sum(quarter_target(targets, STAR, f"2026Q{q}", months_of(f"2026Q{q}"), m) for q in (1, 2, 3))
        for m in ("revenue", "gross_margin")
    }
    annual = sum(
        quarter_target(targets, STAR, f"2026Q{q}", months_of(f"2026Q{q}"), "gross_margin") for q in range(1, 5)
    )
    margin = ytd["revenue"].sum() - ytd["cost"].sum()
    assert table.loc["Revenue, year to date", ["Actual", "Target"]].tolist() == pytest.approx(
        [ytd["revenue"].sum(), target["revenue"]]
    )
    assert table.loc["Gross margin, year to date", ["Actual", "Target", "Attainment"]].tolist() == pytest.approx(
        [margin, target["gross_margin"], margin / target["gross_margin"]]
    )
    projection = margin * 365 / 273  # 1 Jan to 30 Sep 2026: 273 of 365 days
    assert table.loc[
        "Gross margin, full year (projection)", ["Actual", "Target", "Attainment"]
    ].tolist() == pytest.approx([projection, annual, projection / annual])


# --------------------------------------------------------------------------------------------
# 3–4. Account management, new business
# --------------------------------------------------------------------------------------------


def test_account_growth_against_a_year_ago(reviews, raw):
    section = reviews[STAR].accounts()
    sales = raw["sales"].query("am_id == @STAR").assign(margin=lambda f: f["revenue"] - f["cost"])
    now = in_q3(sales, "invoice_date").groupby("account_id")["margin"].sum()
    before_lines = sales[(sales["invoice_date"] >= "2025-07-01") & (sales["invoice_date"] <= "2025-09-30")]
    before = before_lines.groupby("account_id")["margin"].sum()
    delta = now.reindex(before.index, fill_value=0.0) - before
    assert section.figures["accounts_before"] == len(before)
    assert section.figures["growing"] == (delta > 0).sum()
    assert section.figures["declining"] == (delta < 0).sum()
    names = raw["accounts"].set_index("account_id")["name"]
    biggest = delta[delta > 0].sort_values(ascending=False).head(5)
    growing = section.frame("growing_accounts")
    assert growing["Account"].tolist() == biggest.index.map(names).tolist()
    assert growing["Change"].tolist() == pytest.approx(biggest.tolist())


def test_back_orders_open_at_quarter_end(reviews, raw):
    section = reviews[NEGLECTER].accounts()
    orders = raw["back_orders"].query("am_id == @NEGLECTER")
    end = pd.Timestamp(Q3[1])
    open_ = orders[(orders["order_date"] <= end) & (orders["fulfilled_date"].isna() | (orders["fulfilled_date"] > end))]
    assert section.figures["open_back_order_value"] == pytest.approx(open_["value"].sum())
    ageing = section.frame("back_order_ageing")
    days = (end - open_["order_date"]).dt.days
    assert ageing.loc["8-30", "value"] == pytest.approx(open_.loc[(days >= 8) & (days <= 30), "value"].sum())
    assert ageing["orders"].sum() == len(open_)


def test_new_accounts_and_pipeline(reviews, raw):
    section = reviews[STAR].new_business()
    sales = raw["sales"]
    first = sales.sort_values(["invoice_date", "line_id"]).drop_duplicates("account_id")
    won = in_q3(first, "invoice_date").query("am_id == @STAR")
    new_table = section.frame("new_accounts")
    assert new_table["Won by this AM"].sum() == len(won) == section.figures["new_accounts"]
    opportunities = raw["opportunities"].query("am_id == @STAR")
    end = pd.Timestamp(Q3[1])
    open_ = opportunities[
        opportunities["stage"].isin(["prospecting", "engaging"]) & (opportunities["created_date"] <= end)
    ]
    closed = in_q3(opportunities[opportunities["stage"].isin(["won", "lost"])], "close_date")
    funnel = section.frame("pipeline_funnel")
    expected = {
        "prospecting": (open_["stage"] == "prospecting").sum(),
        "engaging": (open_["stage"] == "engaging").sum(),
        "won": (closed["stage"] == "won").sum(),
        "lost": (closed["stage"] == "lost").sum(),
    }
    assert funnel["opportunities"].to_dict() == expected
    assert section.figures["won"] == expected["won"] and section.figures["lost"] == expected["lost"]
    next_quarter = open_[(open_["close_date"] >= "2026-10-01") & (open_["close_date"] <= "2026-12-31")]
    assert section.figures["pipeline_next_quarter"] == pytest.approx(next_quarter["value"].sum())
    rates = section.frame("win_rates").set_index("")
    won_value = closed.loc[closed["stage"] == "won", "value"].sum()
    assert rates.at["All deals", "Win rate (value)"] == pytest.approx(won_value / closed["value"].sum())


# --------------------------------------------------------------------------------------------
# 5–10. Relationships, CRM, reporting, development, competencies, comments
# --------------------------------------------------------------------------------------------


def test_nps_and_retention(reviews, raw):
    section = reviews[STAR].relationships()
    feedback = in_q3(raw["customer_feedback"], "feedback_date").query("am_id == @STAR and kind == 'nps'")
    nps = 100 * ((feedback["score"] >= 9).sum() - (feedback["score"] <= 6).sum()) / len(feedback)
    assert section.figures["nps"] == pytest.approx(nps)
    assert section.figures["nps_responses"] == len(feedback)
    sales = raw["sales"]
    previous = sales[
        (sales["invoice_date"] >= "2025-07-01") & (sales["invoice_date"] <= "2026-06-30") & (sales["revenue"] > 0)
    ]
    totals = previous.groupby(["account_id", "am_id"])["revenue"].sum().reset_index()
    principal = totals.sort_values(["account_id", "revenue", "am_id"], ascending=[True, False, True]).drop_duplicates(
        "account_id"
    )
    held = principal.loc[principal["am_id"] == STAR, "account_id"]
    now = in_q3(sales, "invoice_date").query("am_id == @STAR and revenue > 0")["account_id"]
    assert section.figures["accounts_held"] == len(held)
    assert section.figures["accounts_kept"] == held.isin(now).sum()


def test_crm_activities_and_stale_opportunities(reviews, raw):
    section = reviews[NEGLECTER].crm()
    activities = in_q3(raw["activities"], "activity_date").query("am_id == @NEGLECTER")
    table = section.frame("activities_by_type").set_index("Type")
    for kind in ("call", "visit", "meeting", "email", "other"):
        assert table.at[kind.capitalize(), "Activities"] == (activities["type"] == kind).sum()
    assert table.at["All activities", "Activities"] == len(activities)
    end = pd.Timestamp(Q3[1])
    opportunities = raw["opportunities"].query("am_id == @NEGLECTER")
    open_ = opportunities[
        opportunities["stage"].isin(["prospecting", "engaging"]) & (opportunities["created_date"] <= end)
    ]
    touch = open_["last_updated"].fillna(open_["created_date"])
    stale = (open_["close_date"] < end) | ((end - touch).dt.days > 30)
    assert section.figures["stale_opportunities"] == stale.sum()


def test_reports_due_on_time_late_missing(reviews, raw):
    section = reviews[NEGLECTER].reporting()
    reports = in_q3(raw["report_submissions"], "due_date").query("am_id == @NEGLECTER")
    end = pd.Timestamp(Q3[1])
    submitted = reports["submitted_date"].notna() & (reports["submitted_date"] <= end)
    on_time = submitted & (reports["submitted_date"] <= reports["due_date"])
    assert section.figures["reports_due"] == len(reports)
    assert section.figures["reports_on_time"] == on_time.sum()
    late = section.frame("late_reports")
    assert (late["Status"] == "late").sum() == (submitted & ~on_time).sum()
    assert (late["Status"] == "missing").sum() == (~submitted).sum()
    forecasts = section.frame("forecasts").set_index("Measure")
    mine = in_q3(raw["sales"], "invoice_date").query("am_id == @NEGLECTER")
    assert forecasts.at["Gross margin", "Actual"] == pytest.approx(mine["revenue"].sum() - mine["cost"].sum())


def test_development_plan_and_competencies(reviews, raw):
    review = reviews[STARTER]
    objectives = raw["development_objectives"].query("am_id == @STARTER and period == '2026Q3'")
    section = review.development()
    assert section.figures["objectives"] == len(objectives)
    assert section.figures["objectives_achieved"] == (objectives["status"] == "achieved").sum()
    assert len(section.frame("carrying_forward")) == (objectives["status"] != "achieved").sum()
    ratings = raw["competency_ratings"].query("am_id == @STARTER and period == '2026Q3'")
    manager = ratings[ratings["rater"] == "manager"].groupby("competency")["rating"].mean().mean()
    assert review.competencies().figures["competency_manager_mean"] == pytest.approx(manager)
    table = review.competencies().frame("competency_ratings").set_index("Competency")
    self_ratings = ratings[ratings["rater"] == "self"].set_index("competency")["rating"]
    assert table["Self"].dropna().to_dict() == pytest.approx(self_ratings.to_dict())


def test_comments_and_sign_off(reviews, raw):
    review = reviews[STAR]
    section = review.comments()
    notes = raw["review_notes"].query("am_id == @STAR and period == '2026Q3'")
    assert len(notes) and set(notes["section"]) <= {key for key, _, _ in SECTIONS}  # each about a part of it
    for key, group in notes.groupby("section"):  # each shown once, at the end of its own section (issue 14)
        comments = [p for p in review.section(key).parts if isinstance(p, Comments)]
        assert [(c.role, c.author, c.text) for part in comments for c in part.items] == [
            ("manager", author, text) for author, text in zip(group["author"], group["text"])
        ]
    assert not [p for p in section.parts if isinstance(p, Comments)]  # so none of them again on the sign-off page
    assert "Comments on a part of the review are shown at the end of its section." in section._repr_html_()
    html = section._repr_html_()
    person = raw["account_managers"].set_index("am_id").loc[STAR]
    assert f"Name: {person['name']}" in html and f"Name: {person['manager']}" in html
    assert html.count("Signature:") == 2 and html.count("Date:") == 2


def test_appendix_links_the_kpi_reference_for_every_kpi_shown_and_names_its_sources(pack, reviews):
    review = reviews[STAR]
    appendix = review.appendix()
    shown = {k for key, _, _ in SECTIONS if key != "appendix" for k in review.section(key).kpis}
    assert shown and set(appendix.kpis) == shown
    link = next(p for p in appendix.parts if type(p).__name__ == "Link")  # the definitions: the run's reference
    assert link.href == "kpi-reference.html" and 'href="kpi-reference.html"' in appendix._repr_html_()
    kpis = review.scorecard.kpis
    assert not any(kpis[k].formula in appendix._repr_html_() for k in appendix.kpis)
    provenance = appendix.frame("provenance").set_index("Item")["Value"]
    assert provenance["Data pack fingerprint (SHA-256)"] == pack.fingerprint and len(pack.fingerprint) == 64
    assert provenance["Scorecard config fingerprint (SHA-256)"] == config_fingerprint(load_config())
    assert provenance["amreview version"] == amreview.__version__
    assert str(Path(pack.source).parent) not in appendix._repr_html_()  # no local paths in a document


# --------------------------------------------------------------------------------------------
# Missing data, hostile data, config, reprs
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def minimal_review(sample_tables):
    """Only the required tables and accounts; an account renamed to a script."""
    tables = {k: sample_tables[k].copy() for k in ("account_managers", "sales", "targets", "accounts")}
    top = (
        in_q3(tables["sales"], "invoice_date")
        .query("am_id == @STAR")
        .assign(margin=lambda f: f["revenue"] - f["cost"])
        .groupby("account_id")["margin"]
        .sum()
        .idxmax()
    )
    tables["accounts"].loc[tables["accounts"]["account_id"] == top, "name"] = "<script>alert(1)</script>"
    return Review.build(validate_tables(tables, source="minimal"), STAR, "2026Q3")


EXPECTED_MISSING = {
    "accounts": ["Back orders: not in this pack (no back_orders table)."],
    "new_business": [
        "Opportunities (pipeline, win rate, coverage, sales cycle): not in this pack (no opportunities table)."
    ],
    "relationships": [
        "Customer feedback (NPS, CSAT): not in this pack (no customer_feedback table).",
        "Customer cases: not in this pack (no cases table).",
    ],
    "crm": [
        "CRM activities: not in this pack (no activities table).",
        "Opportunity hygiene: not in this pack (no opportunities table).",
    ],
    "reporting": [
        "Report submissions: not in this pack (no report_submissions table).",
        "Forecasts: not in this pack (no forecasts table).",
    ],
    "development": ["Development objectives: not in this pack (no development_objectives table)."],
    "competencies": ["Competency ratings: not in this pack (no competency_ratings table)."],
    "comments": ["Manager's comments: not in this pack (no review_notes table)."],
}


@pytest.mark.parametrize("key", sorted(EXPECTED_MISSING))
def test_a_section_without_its_table_says_so_and_shows_no_zeros(minimal_review, key):
    section = minimal_review.section(key)
    assert section.missing == EXPECTED_MISSING[key]
    html = render.section_html(section)
    assert all(f"<p class='amr-missing'>{formats.escape(line)}</p>" in html for line in section.missing)
    frames = {
        "crm": ["activities_by_type", "weekly_activities", "stale_opportunities"],
        "new_business": ["pipeline_funnel", "win_rates"],
        "relationships": ["nps", "cases"],
        "development": ["objectives"],
        "competencies": ["competency_ratings"],
    }.get(key, [])
    for name in frames:
        with pytest.raises(KeyError):
            section.frame(name)


def test_measures_without_data_are_left_out_not_scored_zero(minimal_review):
    summary = minimal_review.summary()
    without = [MEASURES[m] for m in ("report_timeliness", "development_plan", "crm_utilisation")]
    rating = minimal_review.overall["overall_rating"]
    assert summary.lines[1] == f"No rating agreed yet: the computed rating is {rating}."  # a pack without the cycle
    assert summary.lines[2] == (
        "Not scored for lack of data: " + ", ".join(without) + "; their weight is spread over the other measures."
    )
    scores = summary.frame("measures").set_index("Measure")["Score"]
    assert scores[without].isna().all()
    assert "no data" in render.display_frame(summary.tables["measures"])["Rating"].tolist()


def test_hostile_names_are_escaped(minimal_review):
    html = minimal_review.margin()._repr_html_()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html and "<script" not in minimal_review._repr_html_()
    table = Table(
        "t", "<b>title</b>", pd.DataFrame({"<i>col</i>": ["<img src=x onerror=alert(1)>"]}), note="<u>note</u>"
    )
    cell = render.table_html(table)
    assert "<img" not in cell and "<b>" not in cell and "<i>" not in cell and "<u>" not in cell
    assert "&lt;img src=x onerror=alert(1)&gt;" in cell


def test_a_pack_without_sales_lines_says_so_and_reviews_the_rest(sample_tables):
    tables = dict(sample_tables)
    tables["sales"] = sample_tables["sales"].iloc[0:0]
    review = Review.build(validate_tables(tables, source="crm-only"), STAR, "2026Q3")
    no_margin = "Margin data is not in this pack: its sales table holds no invoice lines."
    assert review.margin().missing == [no_margin] and not review.margin().tables and not review.margin().charts
    assert no_margin in review.summary().missing
    for kpi in (
        "revenue",
        "gross_margin",
        "gross_margin_attainment",
        "new_accounts",
        "new_accounts_attainment",
        "retention_rate",
        "forecast_accuracy_gross_margin",
        "active_accounts",
    ):
        assert math.isnan(review.values[kpi]), kpi  # no data, never 0
    assert math.isnan(review.measures["margin_kpi_targets"])
    assert not math.isnan(review.measures["new_business"])  # win rate and coverage still score it
    pipeline = review.new_business()
    assert pipeline.frame("pipeline_funnel")["opportunities"].sum() > 0 and pipeline.figures["won"] > 0
    assert pipeline.missing == ["New accounts won: not in this pack, whose sales table holds no invoice lines."]
    assert review.crm().frame("activities_by_type")["Activities"].iloc[-1] > 0
    # trends follow the records the pack has: its 2026Q2 is scored from the pipeline and the rest
    before = build_scorecard(review.pack, "2026Q2").measures.loc[STAR]
    trends = review.summary().frame("measures").set_index("Measure")["Trend"]
    assert trends[MEASURES["new_business"]] == pytest.approx(review.measures["new_business"] - before["new_business"])
    scored_twice = [m for m in MEASURES if not math.isnan(review.measures[m]) and not math.isnan(before[m])]
    assert len(scored_twice) == 6 and "margin_kpi_targets" not in scored_twice  # no margin data in either
    assert trends[[MEASURES[m] for m in scored_twice]].notna().all()


def test_inputs_are_not_modified(sample_tables):
    tables = {k: v.copy() for k, v in sample_tables.items()}
    pack = validate_tables(tables, source="copy")
    before = {k: v.copy() for k, v in pack.tables.items()}
    review = Review.build(pack, NEGLECTER, "2026Q3")
    review._repr_html_()
    for name, frame in before.items():
        pd.testing.assert_frame_equal(pack[name], frame, obj=name)


def test_unknown_or_not_yet_started_account_managers_are_refused(pack):
    with pytest.raises(DataError) as unknown:
        Review.build(pack, "NOBODY", "2026Q3")
    assert "NOBODY" in str(unknown.value.problems["found"].tolist())
    with pytest.raises(DataError) as early:
        Review.build(pack, STARTER, "2026Q2")
    assert early.value.problems["check"].tolist() == ["in_role"]


def test_a_config_file_rates_the_review(pack, reviews, tmp_path):
    text = (
        DEFAULT_CONFIG.read_text()
        .replace("[measures.margin_kpi_targets]\nweight = 0.30", "[measures.margin_kpi_targets]\nweight = 0.20")
        .replace("[measures.report_timeliness]\nweight = 0.10", "[measures.report_timeliness]\nweight = 0.20")
    )
    path = tmp_path / "scorecard.toml"
    path.write_text(text)
    review = Review.build(pack, NEGLECTER, "2026Q3", str(path))
    expected = build_scorecard(pack, "2026Q3", load_config(path)).overall.at[NEGLECTER, "overall_score"]
    assert review.overall["overall_score"] == pytest.approx(expected)
    assert review.overall["overall_score"] != pytest.approx(reviews[NEGLECTER].overall["overall_score"])
    provenance = review.appendix().frame("provenance").set_index("Item")["Value"]
    assert provenance["Scorecard config"] == "scorecard.toml"


def test_reprs_render_html(reviews, monkeypatch):
    review = reviews[STAR]
    html = review._repr_html_()
    for _key, number, title in SECTIONS:
        assert formats.escape(f"{number}. {title}" if number else title) in html
    section = review.crm()
    assert repr(section).startswith("<Section crm:") and "activities" not in repr(section).split(":")[0]
    shown = []
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj.data))
    section._ipython_display_()
    assert len(shown) == 1 + len([p for p in section.parts if type(p).__name__ != "Heading"]) + 1
    assert "".join(shown) == render.section_html(section)
    assert "<table" in section.tables["activities_by_type"]._repr_html_()
    assert "data:image/png;base64" in section.charts["weekly_activities"]._repr_html_()
    for each in review.sections():  # frame(key) is never ambiguous
        assert not set(each.tables) & set(each.charts), each.key
    assert "Hannah Price" in review.header._repr_html_()


@pytest.mark.parametrize(
    "value, unit, expected",
    [
        (1234567.8, "money", "1,234,568"),
        (-5.0, "money", "\u22125"),
        (0.1234, "pct", "12.3\u00a0%"),
        (1.034, "attainment", "103\u00a0%"),
        (np.nan, "attainment", "no target"),
        (np.nan, "score", "no data"),
        (np.nan, "money", "n/a"),
        (None, "date", "\u2014"),
        (pd.Timestamp("2026-09-30"), "date", "30 Sep 2026"),
        (0.4, "score_change", "\u25b2 +0.40"),
        (-0.2, "score_change", "\u25bc \u22120.20"),
        (0.001, "score_change", "= 0.00"),
        (0.08, "change", "+8\u00a0%"),
        (-1.0, "change", "\u2212100\u00a0%"),
        (19187.0, "money_change", "+19,187"),
        (3.63, "multiple", "3.6\u00d7"),
        (-80.0, "signed0", "\u221280"),
        (0.8, "gap", "+0.8"),
        (True, "bool", "yes"),
        (-1.5, "number", "\u22121.50"),
        ("<b>", "text", "<b>"),
    ],
)
def test_table_formats(value, unit, expected):
    assert formats.format_value(value, unit) == expected


def test_traffic_lights_have_a_shape_and_a_colour():
    table = Table(
        "m", "", pd.DataFrame({"Rating": ["Exceeds", "Below"], "_light": ["green", "red"]}), lights={"Rating": "_light"}
    )
    assert render.display_frame(table)["Rating"].tolist() == ["\u25cf Exceeds", "\u25bc Below"]
    html = render.table_html(table)
    assert render.LIGHT_COLOURS["green"] in html and render.LIGHT_COLOURS["red"] in html and "_light" not in html


# --------------------------------------------------------------------------------------------
# Figures of the whole pack a review shows, each against plain pandas
# --------------------------------------------------------------------------------------------


def test_new_accounts_table_rows(reviews, raw):
    """Each row: an account whose first line in the whole pack is in the quarter, with this
    person's revenue, gross margin and GM % on it in the quarter."""
    sales, names = raw["sales"], raw["accounts"].set_index("account_id")["name"]
    first = sales.sort_values(["invoice_date", "line_id"]).drop_duplicates("account_id")
    new_ids = in_q3(first, "invoice_date")["account_id"]
    q3 = in_q3(sales, "invoice_date")
    mine = q3[(q3["am_id"] == STAR) & q3["account_id"].isin(new_ids)]
    totals = mine.groupby("account_id")[["revenue", "cost"]].sum()
    expected = pd.DataFrame({"Revenue": totals["revenue"], "Gross margin": totals["revenue"] - totals["cost"]})
    expected["GM %"] = expected["Gross margin"] / expected["Revenue"]
    expected.index = expected.index.map(names)
    table = reviews[STAR].new_business().frame("new_accounts").set_index("Account")
    assert len(table) == len(expected) > 0
    pd.testing.assert_frame_equal(
        table[["Revenue", "Gross margin", "GM %"]].sort_index(),
        expected.sort_index(),
        check_names=False,
        check_dtype=False,
    )


def test_accounts_not_kept_with_their_last_invoice(reviews, raw):
    """Accounts the person was principal for in the four quarters before (largest revenue of
    positive lines, ties to the smaller id) with no positive line now; the date of their last
    line to it before; at most ten, by account id."""
    sales, names = raw["sales"], raw["accounts"].set_index("account_id")["name"]
    before = sales[(sales["invoice_date"] >= "2025-07-01") & (sales["invoice_date"] <= "2026-06-30")]
    totals = before[before["revenue"] > 0].groupby(["account_id", "am_id"])["revenue"].sum().reset_index()
    principal = totals.sort_values(["account_id", "revenue", "am_id"], ascending=[True, False, True]).drop_duplicates(
        "account_id"
    )
    shown = 0
    for am_id, review in reviews.items():
        held = principal.loc[principal["am_id"] == am_id, "account_id"]
        now = in_q3(sales, "invoice_date").query("am_id == @am_id and revenue > 0")["account_id"]
        lost = sorted(set(held) - set(now))[:10]
        last = before[before["am_id"] == am_id].groupby("account_id")["invoice_date"].max()
        section = review.relationships()
        if not lost:
            assert "accounts_not_kept" not in section.tables
            continue
        table = section.frame("accounts_not_kept")
        assert table["Account"].tolist() == [names[a] for a in lost]
        assert pd.to_datetime(table["Last invoice before"]).tolist() == [last[a] for a in lost]
        shown += 1
    assert shown  # the sample has someone who lost an account


def test_lines_on_colleagues_accounts_are_counted_in_the_appendix(reviews, raw):
    from amreview.documents.sections.appendix import data_quality_notes

    owner = raw["accounts"].set_index("account_id")["am_id"]
    counted = 0
    for am_id, review in reviews.items():
        lines = in_q3(raw["sales"], "invoice_date").query("am_id == @am_id")
        owners = lines["account_id"].map(owner)
        expected = int((owners.notna() & (owners != am_id)).sum())
        notes = [n for n in data_quality_notes(review) if "assigned to colleagues" in n]
        if expected:
            assert notes == [
                f"{expected:,} lines are on accounts assigned to colleagues (cover or shared accounts); "
                "they count for this person, who is credited on the line."
            ]
            counted += 1
        else:
            assert notes == []
    assert counted


def test_someone_without_a_team_is_compared_with_the_organisation(sample_tables):
    """The benchmark group of a person without a team is everyone in role: their GM % per
    quarter over every line, and the note names the organisation."""
    tables = {name: frame.copy() for name, frame in sample_tables.items()}
    people = tables["account_managers"]
    people["team"] = people["team"].astype(object).where(people["am_id"] != STAR, None)
    review = Review.build(validate_tables(tables), STAR, "2026Q3")
    frame = review.margin().frame("gm_pct_trend")
    sales = sample_tables["sales"]
    quarters = pd.to_datetime(sales["invoice_date"]).dt.to_period("Q").astype(str)
    totals = sales.groupby(quarters)[["revenue", "cost"]].sum()
    everyone = ((totals["revenue"] - totals["cost"]) / totals["revenue"]).reindex(frame.index)
    assert frame["team_gm_pct"].tolist() == pytest.approx(everyone.tolist())
    assert review.views.team is None and review.views.team_size == len(people)
    notes = [p.text for p in review.margin().parts if type(p).__name__ == "Text" and "Team:" in p.text]
    assert notes == [
        f"Team: the GM % of all invoice lines of the {len(people)} account managers of the organisation "
        "(this person included); no one else's figure is shown."
    ]


# --------------------------------------------------------------------------------------------
# The order of the review (issue 15, item 1)
# --------------------------------------------------------------------------------------------


def job_description_measures() -> list[str]:
    """The performance measures the job description lists, in its order: the bullets after its
    "Performance Measures" heading up to the line "Direct reports", whitespace collapsed."""
    path = SHARED / "docs" / "account-manager-job-description.txt"
    if not path.is_file():
        pytest.skip("../shared/docs/account-manager-job-description.txt is not present")
    text = path.read_text(encoding="utf-8", errors="replace")
    block = text[text.index("Performance Measures") : text.index("Direct reports")]
    return [" ".join(line.split()[1:]) for line in block.splitlines() if line.strip().startswith("·")]


def test_the_measures_are_the_job_descriptions_in_its_order():
    listed = job_description_measures()
    assert len(listed) == len(MEASURES) == 7
    for (key, label), words in zip(MEASURES.items(), listed, strict=True):
        first = words.split()[0].lower().rstrip("s")  # "Timelines of Reports" (sic) for timeliness
        assert label.lower().startswith(first[:6]), (key, label, words)


def test_the_sections_follow_the_job_description_then_duties_competencies_plan_and_sign_off():
    """The measures' sections in the job description's order (the development plan is the one
    measure shown later, beside next quarter's plan), then account management, the competencies,
    the development plan and the sign-off; the appendix last (README, "The review's order")."""
    from amreview.cycle.form_content import MEASURE_NOTE_SECTIONS

    order = [key for key, _, _ in SECTIONS]
    measured = [MEASURE_NOTE_SECTIONS[m] for m in MEASURES if m != "development_plan"]
    in_order = list(dict.fromkeys(measured))  # timeliness and accuracy share one section
    assert order[0] == "summary"
    assert order[1 : 1 + len(in_order)] == in_order
    assert order[1 + len(in_order) :] == ["accounts", "competencies", "development", "comments", "appendix"]
    numbers = [number for _, number, _ in SECTIONS]
    assert numbers == [*range(1, len(SECTIONS)), None]


# --------------------------------------------------------------------------------------------
# Nothing the scorecard counts against someone is hidden (issue 15, item 3)
# --------------------------------------------------------------------------------------------


def test_an_overdue_objective_is_called_overdue_and_carries_no_past_due_date(card, reviews, raw):
    """By hand from development_objectives.csv: an objective of the 2026Q3 plan still open
    (not started, in progress) after its due date, which is before the quarter's last day."""
    objectives = raw["development_objectives"]
    objectives = objectives[objectives["period"] == "2026Q3"].copy()
    objectives["due_date"] = pd.to_datetime(objectives["due_date"])
    open_late = objectives["status"].isin(["not_started", "in_progress"]) & (
        objectives["due_date"] < pd.Timestamp("2026-09-30")
    )
    overdue = objectives[open_late].groupby("am_id")["objective"].agg(list).to_dict()
    assert overdue, "the sample has an overdue objective (AM004's)"
    for am_id, late in overdue.items():
        assert card.values.at[am_id, "objectives_overdue"] == len(late)
        section = review_with(reviews[STAR], am_id).section("development")
        assert f"; {len(late)} overdue (past" in section.lines[0], section.lines
        tables = {part.key: part.frame for part in section.parts if isinstance(part, Table)}
        plan = tables["objectives"].set_index("Objective")
        for objective in late:
            assert plan.at[objective, "Status"].startswith("overdue ("), plan.at[objective, "Status"]
        forward = tables["carrying_forward"].set_index("Objective")
        for objective in late:  # its old due date is shown as past, not as the date it is due by
            assert pd.isna(forward.at[objective, "Due"])
            mine = objectives[(objectives["am_id"] == am_id) & (objectives["objective"] == objective)]
            assert forward.at[objective, "Was due"] == mine["due_date"].item()
        assert (forward["Due"].dropna() > pd.Timestamp("2026-09-30")).all()  # none shown as due in the past
