"""The sample data pack: the contract's shape, referential integrity, realism and personas.

Expectations are computed here with plain pandas from the contract
(``../shared/docs/data-contract.md``), never by calling other amreview modules; the one
exception is the agreed ratings, whose design is stated against the computed rating: that test
computes the scorecard (``build_scorecard``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from amreview.data.sample import (
    HISTORY_END,
    HISTORY_START,
    PERSONAS,
    REVIEW_PERIOD,
    SAMPLE_SEED,
    generate_sample,
)

# The contract's columns, in contract order (copied from the data contract by hand).
CONTRACT_COLUMNS = {
    "account_managers": ["am_id", "name", "manager", "team", "start_date", "email"],
    "sales": [
        "line_id",
        "invoice_date",
        "am_id",
        "account_id",
        "product",
        "vendor",
        "quantity",
        "revenue",
        "cost",
        "deal_type",
        "vendor_programme",
    ],
    "targets": ["am_id", "period", "measure", "target"],
    "accounts": ["account_id", "name", "am_id", "sector", "key_account", "created_date"],
    "opportunities": [
        "opportunity_id",
        "am_id",
        "account_id",
        "stage",
        "created_date",
        "close_date",
        "value",
        "expected_margin",
        "new_business",
        "last_updated",
    ],
    "activities": ["activity_id", "am_id", "account_id", "type", "activity_date", "logged_date"],
    "back_orders": ["order_line_id", "am_id", "account_id", "order_date", "promised_date", "fulfilled_date", "value"],
    "cases": ["case_id", "am_id", "account_id", "opened_date", "resolved_date", "severity", "sla_days"],
    "report_submissions": ["am_id", "report", "due_date", "submitted_date", "errors"],
    "forecasts": ["am_id", "period", "measure", "forecast", "submitted_date"],
    "development_objectives": [
        "am_id",
        "objective_id",
        "period",
        "objective",
        "competency",
        "weight",
        "due_date",
        "status",
        "progress",
        "evidence",
    ],
    "competency_ratings": ["am_id", "period", "competency", "rater", "rating", "comment"],
    "customer_feedback": ["account_id", "am_id", "feedback_date", "kind", "score", "comment"],
    "review_notes": ["am_id", "period", "section", "author", "text"],
    "review_outcomes": [
        "am_id",
        "period",
        "agreed_rating",
        "computed_rating",
        "change_reason",
        "manager_signed_by",
        "manager_signed_on",
        "am_signed_on",
        "source",
    ],
}
# The review cycle's columns (issue 14), after the contract's: the plan's review and how success
# is measured; who wrote a note. The provenance columns of collected rows (source_file, ...) are
# absent: no row of the sample was collected from a form.
CYCLE_COLUMNS = {
    "development_objectives": ["agreed_in", "success_measure"],
    "review_notes": ["author_role"],
}
DATE_COLUMNS = {
    "account_managers": ["start_date"],
    "sales": ["invoice_date"],
    "accounts": ["created_date"],
    "opportunities": ["created_date", "close_date", "last_updated"],
    "activities": ["activity_date", "logged_date"],
    "back_orders": ["order_date", "promised_date", "fulfilled_date"],
    "cases": ["opened_date", "resolved_date"],
    "report_submissions": ["due_date", "submitted_date"],
    "forecasts": ["submitted_date"],
    "development_objectives": ["due_date"],
    "customer_feedback": ["feedback_date"],
    "review_outcomes": ["manager_signed_on", "am_signed_on"],
}
BOOL_COLUMNS = {"sales": ["vendor_programme"], "accounts": ["key_account"], "opportunities": ["new_business"]}
NUMBER_COLUMNS = {
    "sales": ["quantity", "revenue", "cost"],
    "targets": ["target"],
    "opportunities": ["value", "expected_margin"],
    "back_orders": ["value"],
    "cases": ["sla_days"],
    "report_submissions": ["errors"],
    "forecasts": ["forecast"],
    "development_objectives": ["weight", "progress"],
    "competency_ratings": ["rating"],
    "customer_feedback": ["score"],
}
UNIQUE_IDS = [
    ("sales", "line_id"),
    ("accounts", "account_id"),
    ("opportunities", "opportunity_id"),
    ("activities", "activity_id"),
    ("back_orders", "order_line_id"),
    ("cases", "case_id"),
    ("account_managers", "am_id"),
]
CODED_VALUES = [
    ("sales", "deal_type", {"run_rate", "spot", "bespoke", "large_volume"}),
    ("opportunities", "stage", {"prospecting", "engaging", "won", "lost"}),
    ("activities", "type", {"call", "visit", "meeting", "email", "other"}),
    ("customer_feedback", "kind", {"nps", "csat"}),
    ("development_objectives", "status", {"not_started", "in_progress", "achieved", "missed", "deferred"}),
    ("competency_ratings", "rater", {"self", "manager", "peer"}),
]
COMPETENCIES = {
    "Interpersonal Effectiveness",
    "Working with Others",
    "Communications",
    "Problem Solving",
    "Decision Making & Influencing",
}
START, END = pd.Timestamp(HISTORY_START), pd.Timestamp(HISTORY_END)
REVIEW_START, REVIEW_END = pd.Timestamp("2026-07-01"), pd.Timestamp("2026-09-30")
OPEN_STAGES = ["prospecting", "engaging"]
QUARTERS = ["2024Q3", "2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3"]
MANAGERS = {"Claire Whitfield", "Gareth Lloyd", "Priya Raman"}
# The default scorecard config's rating labels, lowest first.
RATING_LABELS = ["Below", "Partially meets", "Meets", "Exceeds", "Outstanding"]
# The 2026Q3 review round, as designed: in each team (by am_id) three signed, one in review, one draft.
SIGNED_IN_REVIEW_PERIOD = {"AM001", "AM002", "AM006", "AM003", "AM009", "AM010", "AM004", "AM005", "AM013"}
IN_REVIEW_IN_REVIEW_PERIOD = {"AM007", "AM011", "AM014"}
DRAFT_IN_REVIEW_PERIOD = {"AM008", "AM012", "AM015"}
# The lenient manager's changes: one band above the computed rating, in the last four quarters.
LENIENT_MANAGER = "Gareth Lloyd"
LENIENT = {(am, quarter) for am in ("AM003", "AM010") for quarter in QUARTERS[-4:]}


def persona(label: str) -> str:
    return next(am for am, p in PERSONAS.items() if p == label)


@pytest.fixture(scope="module")
def pack() -> dict[str, pd.DataFrame]:
    return generate_sample()


# ---------------------------------------------------------------------------------------------
# Figures computed with plain pandas, as the contract defines them
# ---------------------------------------------------------------------------------------------


def quarter_labels(dates: pd.Series) -> pd.Series:
    return dates.dt.year.astype(str) + "Q" + dates.dt.quarter.astype(str)


def actuals(sales: pd.DataFrame) -> pd.DataFrame:
    """Revenue, gross margin and GM % per AM and quarter."""
    frame = sales.assign(quarter=quarter_labels(sales["invoice_date"]))
    totals = frame.groupby(["am_id", "quarter"])[["revenue", "cost"]].sum()
    totals["gross_margin"] = totals["revenue"] - totals["cost"]
    totals["gm_pct"] = totals["gross_margin"] / totals["revenue"]
    return totals


def quarter_targets(targets: pd.DataFrame, quarter: str) -> pd.DataFrame:
    """Quarter target per AM and measure: the quarter row, or the sum of its month rows."""
    year, q = int(quarter[:4]), int(quarter[-1])
    months = [f"{year}-{m:02d}" for m in range(3 * q - 2, 3 * q + 1)]
    mine = targets[targets["period"].isin([quarter, *months])]
    return mine.groupby(["am_id", "measure"])["target"].sum().unstack()


def attainment(pack: dict[str, pd.DataFrame], quarter: str = REVIEW_PERIOD) -> pd.DataFrame:
    actual = actuals(pack["sales"]).xs(quarter, level="quarter")
    target = quarter_targets(pack["targets"], quarter)
    return pd.DataFrame({m: actual[m] / target[m] for m in ("revenue", "gross_margin")})


def review_activities(pack: dict[str, pd.DataFrame]) -> pd.DataFrame:
    activities = pack["activities"]
    return activities[activities["activity_date"].between(REVIEW_START, REVIEW_END)]


def activities_per_week(pack: dict[str, pd.DataFrame]) -> pd.Series:
    """Activities per week in post during the review quarter."""
    start = pack["account_managers"].set_index("am_id")["start_date"].clip(lower=REVIEW_START)
    weeks = ((REVIEW_END - start).dt.days + 1) / 7
    counts = review_activities(pack).groupby("am_id").size().reindex(weeks.index, fill_value=0)
    return counts / weeks


def median_logging_lag(pack: dict[str, pd.DataFrame]) -> pd.Series:
    activities = review_activities(pack)
    lag = (activities["logged_date"] - activities["activity_date"]).dt.days
    return lag.groupby(activities["am_id"]).median()


# ---------------------------------------------------------------------------------------------
# Determinism and purity
# ---------------------------------------------------------------------------------------------


def test_public_constants():
    assert (SAMPLE_SEED, HISTORY_START, HISTORY_END) == (42, "2024-07-01", "2026-09-30")
    assert REVIEW_PERIOD == "2026Q3"
    assert set(PERSONAS) == {f"AM{i:03d}" for i in range(1, 16)}
    assert set(PERSONAS.values()) >= {"star", "steady", "margin_misser", "crm_neglecter", "new_starter", "average"}


def test_same_seed_gives_identical_tables(pack):
    again = generate_sample(SAMPLE_SEED)
    assert list(again) == list(pack)
    for table in pack:
        assert_frame_equal(again[table], pack[table], obj=table)


def test_default_seed_is_the_sample_seed(pack):
    assert_frame_equal(generate_sample()["sales"], pack["sales"])


def test_different_seed_gives_different_sales(pack):
    other = generate_sample(SAMPLE_SEED + 1)["sales"]
    assert not (len(other) == len(pack["sales"]) and other.equals(pack["sales"]))


def test_writes_no_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    generate_sample(3)
    assert list(tmp_path.iterdir()) == []


_DIGEST = """
import json, sys
import pandas as pd
from amreview.data.sample import generate_sample
pack = generate_sample(int(sys.argv[1]))
print(json.dumps({name: int(pd.util.hash_pandas_object(frame).sum()) for name, frame in pack.items()}))
"""


def test_tables_do_not_depend_on_hash_randomisation():
    """Set and dict-of-str iteration order changes with PYTHONHASHSEED; the pack must not."""
    root = Path(__file__).resolve().parents[1]
    digests = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        run = subprocess.run(
            [sys.executable, "-c", _DIGEST, "5"], cwd=root, env=env, capture_output=True, text=True, check=True
        )
        digests.append(json.loads(run.stdout))
    assert digests[0] == digests[1]


# ---------------------------------------------------------------------------------------------
# The contract's shape
# ---------------------------------------------------------------------------------------------


def test_every_contract_table_is_present(pack):
    assert list(pack) == list(CONTRACT_COLUMNS)


@pytest.mark.parametrize("table", list(CONTRACT_COLUMNS))
def test_table_has_exactly_the_contract_columns_in_order(pack, table):
    assert list(pack[table].columns) == CONTRACT_COLUMNS[table] + CYCLE_COLUMNS.get(table, [])
    assert len(pack[table]) > 0
    assert pack[table].index.equals(pd.RangeIndex(len(pack[table])))


# Optional numbers that a person who neglects the CRM leaves empty (a required CRM field).
LEFT_EMPTY_BY_SOME = {("opportunities", "expected_margin")}


@pytest.mark.parametrize("table", list(CONTRACT_COLUMNS))
def test_column_types(pack, table):
    frame = pack[table]
    dates = DATE_COLUMNS.get(table, [])
    bools = BOOL_COLUMNS.get(table, [])
    numbers = NUMBER_COLUMNS.get(table, [])
    for column in dates:
        assert pd.api.types.is_datetime64_dtype(frame[column]), column
        present = frame[column].dropna()
        assert (present == present.dt.normalize()).all(), column
    for column in bools:
        assert frame[column].dtype == bool, column
    for column in numbers:
        assert pd.api.types.is_numeric_dtype(frame[column]) and frame[column].dtype != bool, column
        if (table, column) not in LEFT_EMPTY_BY_SOME:
            assert frame[column].notna().all(), column
    for column in set(frame.columns) - set(dates) - set(bools) - set(numbers):
        assert pd.api.types.is_string_dtype(frame[column]), column
        assert all(isinstance(value, str) for value in frame[column].dropna()), column  # also where all empty


def test_integer_counts_and_ratings(pack):
    assert pack["competency_ratings"]["rating"].dtype == "int64"
    assert pack["report_submissions"]["errors"].dtype == "int64"
    assert (pack["sales"]["quantity"] == pack["sales"]["quantity"].round()).all()


@pytest.mark.parametrize("table, column", UNIQUE_IDS)
def test_ids_are_unique(pack, table, column):
    ids = pack[table][column]
    assert ids.notna().all()
    assert ids.is_unique


def test_every_referenced_am_exists(pack):
    known = set(pack["account_managers"]["am_id"])
    for table, frame in pack.items():
        if "am_id" in frame:
            assert set(frame["am_id"].dropna()) <= known, table


def test_every_referenced_account_exists(pack):
    known = set(pack["accounts"]["account_id"])
    for table, frame in pack.items():
        if "account_id" in frame and table != "accounts":
            assert set(frame["account_id"].dropna()) <= known, table
    assert pack["sales"]["account_id"].notna().all()


def test_event_dates_fall_within_the_history(pack):
    # Start and creation dates may be years old; expected close and promised dates may lie ahead;
    # a quarter's review is signed after it ends (test_every_reviewed_quarter_before_the_review_period_is_signed).
    excepted = {
        ("account_managers", "start_date"),
        ("accounts", "created_date"),
        ("opportunities", "close_date"),
        ("back_orders", "promised_date"),
        ("review_outcomes", "manager_signed_on"),
        ("review_outcomes", "am_signed_on"),
    }
    for table, columns in DATE_COLUMNS.items():
        for column in columns:
            if (table, column) in excepted:
                continue
            present = pack[table][column].dropna()
            assert present.between(START, END).all(), f"{table}.{column}"


def test_closed_opportunities_close_within_the_history_and_open_ones_mostly_later(pack):
    opportunities = pack["opportunities"]
    closed = opportunities[opportunities["stage"].isin(["won", "lost"])]
    assert closed["close_date"].between(START, END).all()
    open_ = opportunities[opportunities["stage"].isin(OPEN_STAGES)]
    assert (open_["close_date"] > END).mean() > 0.5
    assert (open_["close_date"] <= END).any()  # stale deals: a CRM hygiene problem to find


def test_dates_are_in_a_sensible_order(pack):
    opportunities, activities = pack["opportunities"], pack["activities"]
    assert (opportunities["close_date"] >= opportunities["created_date"]).all()
    assert (opportunities["last_updated"] >= opportunities["created_date"]).all()
    assert (opportunities["last_updated"] <= END).all()
    assert (activities["logged_date"] >= activities["activity_date"]).all()
    orders, cases = pack["back_orders"], pack["cases"]
    assert (orders["promised_date"] >= orders["order_date"]).all()
    fulfilled = orders.dropna(subset=["fulfilled_date"])
    assert (fulfilled["fulfilled_date"] >= fulfilled["order_date"]).all()
    assert (cases["resolved_date"].dropna() >= cases.loc[cases["resolved_date"].notna(), "opened_date"]).all()


@pytest.mark.parametrize("table, column, allowed", CODED_VALUES)
def test_coded_values_come_from_the_contract(pack, table, column, allowed):
    assert set(pack[table][column].dropna()) <= allowed


@pytest.mark.parametrize("table", ["competency_ratings", "development_objectives"])
def test_competencies_are_the_five_of_the_role(pack, table):
    assert set(pack[table]["competency"].dropna()) == COMPETENCIES


def test_scores_are_on_their_scales(pack):
    ratings = pack["competency_ratings"]["rating"]
    assert ratings.between(1, 5).all()
    feedback = pack["customer_feedback"]
    assert feedback.loc[feedback["kind"] == "nps", "score"].between(0, 10).all()
    assert feedback.loc[feedback["kind"] == "csat", "score"].between(1, 5).all()
    assert (feedback["score"] == feedback["score"].round()).all()
    objectives = pack["development_objectives"]
    assert objectives["progress"].between(0, 1).all()
    assert (objectives.loc[objectives["status"] == "achieved", "progress"] == 1.0).all()
    assert (objectives["weight"] > 0).all()


def test_money_is_rounded_to_pence(pack):
    for table, columns in (
        ("sales", ["revenue", "cost"]),
        ("opportunities", ["value", "expected_margin"]),
        ("back_orders", ["value"]),
        ("targets", ["target"]),
    ):
        for column in columns:
            values = pack[table][column].dropna()
            assert np.allclose(values, values.round(2), atol=1e-9), f"{table}.{column}"


def test_targets_are_one_row_per_am_period_and_measure(pack):
    targets = pack["targets"]
    assert not targets.duplicated(["am_id", "period", "measure"]).any()
    assert targets["period"].str.fullmatch(r"\d{4}(Q[1-4]|-(0[1-9]|1[0-2]))").all()
    assert (targets["target"] > 0).all()


# ---------------------------------------------------------------------------------------------
# A believable distributor
# ---------------------------------------------------------------------------------------------


def test_organisation(pack):
    ams = pack["account_managers"]
    assert len(ams) >= 12
    assert ams["manager"].nunique() >= 3
    assert 2 <= ams["team"].nunique() <= 3
    assert ams["start_date"].notna().all()
    assert (ams["start_date"] < START).sum() >= len(ams) - 1
    assert ams["email"].str.fullmatch(r"[a-z.]+@[a-z.-]+").all()


def test_accounts_and_sectors(pack):
    accounts, sales = pack["accounts"], pack["sales"]
    assert 300 <= len(accounts) <= 500
    assert accounts["name"].is_unique
    assert sales["account_id"].nunique() >= 300
    assert accounts["sector"].nunique() >= 8
    assert 0.05 <= accounts["key_account"].mean() <= 0.15
    names = accounts["name"]
    assert names.str.contains("&").any() and names.str.contains("<").any() and names.str.contains("'").any()


def test_sales_volume_and_history(pack):
    sales = pack["sales"]
    assert 40_000 <= len(sales) <= 70_000
    assert quarter_labels(sales["invoice_date"]).nunique() >= 8
    assert set(sales["deal_type"]) == {"run_rate", "spot", "bespoke", "large_volume"}
    assert sales["deal_type"].value_counts(normalize=True)["run_rate"] > 0.6
    assert sales["vendor"].nunique() >= 10


def test_margins_are_thin_like_distribution(pack):
    sales = pack["sales"]
    by_deal = sales.groupby("deal_type")[["revenue", "cost"]].sum()
    gm_pct = (by_deal["revenue"] - by_deal["cost"]) / by_deal["revenue"]
    bands = {"run_rate": (0.06, 0.10), "spot": (0.02, 0.05), "large_volume": (0.03, 0.06), "bespoke": (0.12, 0.20)}
    for deal, (low, high) in bands.items():
        assert low <= gm_pct[deal] <= high, deal
    overall = 1 - sales["cost"].sum() / sales["revenue"].sum()
    assert 0.05 <= overall <= 0.10


def test_vendor_programme_lines(pack):
    sales = pack["sales"]
    programme = sales[sales["vendor_programme"]]
    assert len(programme) > 0
    programme_vendors = set(programme["vendor"])
    share = sales.loc[sales["vendor"].isin(programme_vendors), "vendor_programme"].mean()
    assert 0.15 <= share <= 0.30


def test_returns_are_credit_notes_of_earlier_sales(pack):
    sales = pack["sales"]
    returns = sales[sales["quantity"] < 0]
    assert 0.02 <= len(returns) / len(sales) <= 0.03
    assert (returns["revenue"] < 0).all() and (returns["cost"] < 0).all()
    assert (sales.loc[sales["quantity"] > 0, "revenue"] > 0).all()
    earlier = sales[sales["quantity"] > 0].groupby(["account_id", "product"])["invoice_date"].min()
    first_sale = earlier.reindex(pd.MultiIndex.from_frame(returns[["account_id", "product"]]))
    assert first_sale.notna().all()
    assert (first_sale.to_numpy() < returns["invoice_date"].to_numpy()).all()


def test_a_few_lines_are_credited_to_a_covering_teammate(pack):
    sales, accounts = pack["sales"], pack["accounts"]
    owner = sales["account_id"].map(accounts.set_index("account_id")["am_id"])
    review = sales["invoice_date"] >= REVIEW_START  # after the new starter took the leaver's pool
    share = (sales.loc[review, "am_id"] != owner[review]).mean()
    assert 0.005 <= share <= 0.04


def test_new_accounts_keep_arriving(pack):
    sales = pack["sales"].sort_values(["invoice_date", "line_id"])
    first = sales.groupby("account_id").head(1)
    by_quarter = quarter_labels(first["invoice_date"]).value_counts()
    share_at_start = by_quarter["2024Q3"] / by_quarter.sum()
    assert 0.5 <= share_at_start <= 0.75
    later = by_quarter.drop("2024Q3")
    assert len(later) == 8 and (later >= 5).all()
    per_am = (
        first[first["invoice_date"] >= pd.Timestamp("2024-10-01")]
        .assign(quarter=quarter_labels(first["invoice_date"]))
        .groupby(["am_id", "quarter"])
        .size()
    )
    assert per_am.max() <= 6


def test_targets_cover_every_am_quarter_and_measure(pack):
    targets = pack["targets"]
    starts = pack["account_managers"].set_index("am_id")["start_date"]
    quarters = pd.period_range("2024Q3", "2026Q4", freq="Q").astype(str)
    for am, start in starts.items():
        for quarter in quarters:
            if pd.Period(quarter, freq="Q").end_time < start:
                continue
            have = quarter_targets(targets, quarter).loc[am].dropna()
            measures = {"revenue", "gross_margin", "new_accounts", "visits", "activities"}
            assert set(have.index) >= measures, (am, quarter)


def test_month_targets_add_up_and_no_quarter_row_duplicates_them(pack):
    targets = pack["targets"]
    months = targets[targets["period"].str.contains("-")]
    assert set(months["measure"]) == {"revenue", "gross_margin"}
    assert set(months["period"]) == {"2026-07", "2026-08", "2026-09"}
    teams = pack["account_managers"].set_index("am_id")["team"]
    assert teams[months["am_id"].unique()].nunique() == 1
    per_quarter = months.groupby(["am_id", "measure"]).size()
    assert (per_quarter == 3).all()
    quarter_rows = targets[(targets["period"] == "2026Q3")].set_index(["am_id", "measure"]).index
    assert not per_quarter.index.isin(quarter_rows).any()
    monthly_sums = months.groupby(["am_id", "measure"])["target"].sum()
    assert (monthly_sums == monthly_sums.round()).all() and (monthly_sums > 0).all()
    share = months["target"] / months.groupby(["am_id", "measure"])["target"].transform("sum")
    assert share.between(0.15, 0.5).all()


def test_attainment_is_mostly_near_target(pack):
    history = []
    for quarter in pd.period_range("2024Q3", "2026Q3", freq="Q").astype(str):
        history.append(attainment(pack, quarter).stack().dropna())
    values = pd.concat(history)
    assert values.between(0.85, 1.15).mean() >= 0.75


def test_every_am_uses_the_crm_and_the_reports(pack):
    for table in (
        "opportunities",
        "activities",
        "back_orders",
        "cases",
        "report_submissions",
        "forecasts",
        "development_objectives",
        "competency_ratings",
        "customer_feedback",
        "review_notes",
    ):
        assert set(pack[table]["am_id"]) == set(PERSONAS), table


def test_activity_types_and_logging(pack):
    activities = pack["activities"]
    assert set(activities["type"]) == {"call", "visit", "meeting", "email", "other"}
    assert activities["account_id"].notna().mean() > 0.8
    lag = (activities["logged_date"] - activities["activity_date"]).dt.days
    assert (lag <= 1).mean() > 0.8
    busy = activities_per_week(pack).drop(persona("crm_neglecter"))
    assert (busy >= 15).all()


def test_back_orders_and_cases(pack):
    orders, cases = pack["back_orders"], pack["cases"]
    still_open = orders["fulfilled_date"].isna()
    assert still_open.any()
    assert (still_open & (orders["promised_date"] < END)).any()
    assert set(cases["severity"]) == {"low", "medium", "high", "critical"}
    assert cases.groupby("severity")["sla_days"].nunique().eq(1).all()
    resolved = cases.dropna(subset=["resolved_date"])
    within = (resolved["resolved_date"] - resolved["opened_date"]).dt.days <= resolved["sla_days"]
    assert 0.7 <= within.mean() < 1.0
    assert cases["resolved_date"].isna().any()


def test_reports_and_forecasts(pack):
    reports = pack["report_submissions"]
    assert reports["report"].nunique() >= 3
    assert reports["submitted_date"].isna().any()
    assert (reports["errors"] >= 0).all()
    forecasts = pack["forecasts"]
    assert set(forecasts["measure"]) == {"revenue", "gross_margin"}
    quarter_start = pd.PeriodIndex(forecasts["period"], freq="Q").start_time
    lead = (quarter_start - forecasts["submitted_date"]).dt.days
    assert lead.between(1, 21).all()


def test_development_plans_and_carry_over(pack):
    objectives = pack["development_objectives"]
    plan_sizes = objectives.groupby(["am_id", "period"]).size()
    assert plan_sizes.between(3, 5).all()
    assert not objectives.duplicated(["am_id", "objective_id", "period"]).any()
    quarters = sorted(objectives["period"].unique())
    nxt = dict(zip(quarters, quarters[1:]))
    seen = objectives.set_index(["objective_id", "period"]).index
    appearances = objectives.groupby("objective_id").cumcount()
    carried = 0
    for row, count in zip(objectives.itertuples(), appearances):
        if row.period not in nxt:
            continue
        again = (row.objective_id, nxt[row.period]) in seen
        if row.status == "achieved":
            assert not again, row.objective_id
        elif count < 2:
            assert again, row.objective_id  # not achieved by its due date: back in next quarter's plan
            carried += 1
    assert carried > 10


def test_competency_ratings_cover_the_last_four_quarters(pack):
    """Everyone is rated in the last four quarters (the new starter only in the review quarter),
    but for the review quarter of those whose review is still draft."""
    ratings = pack["competency_ratings"]
    starter = persona("new_starter")
    for am in PERSONAS:
        mine = ratings[ratings["am_id"] == am]
        expected = {REVIEW_PERIOD} if am == starter else {"2025Q4", "2026Q1", "2026Q2", "2026Q3"}
        expected -= {REVIEW_PERIOD} if am in DRAFT_IN_REVIEW_PERIOD else set()
        assert set(mine["period"]) == expected, am
        core = mine[mine["rater"].isin(["self", "manager"])]
        grid = core.groupby(["period", "rater"])["competency"].nunique()
        assert (grid == 5).all() and len(grid) == 2 * len(expected), am
    assert (ratings["rater"] == "peer").any()


def test_review_notes_are_written_by_the_manager(pack):
    notes = pack["review_notes"]
    managers = pack["account_managers"].set_index("am_id")["manager"]
    assert (notes["author"] == notes["am_id"].map(managers)).all()
    assert (notes["author_role"] == "manager").all()
    assert set(notes.loc[notes["period"] == REVIEW_PERIOD, "am_id"]) == set(PERSONAS) - DRAFT_IN_REVIEW_PERIOD
    assert {"summary", "margin", "new_business", "development"} <= set(notes["section"])
    assert notes["text"].str.len().between(20, 400).all()


def test_customer_feedback_has_both_kinds_and_some_silent_responses(pack):
    feedback = pack["customer_feedback"]
    assert set(feedback["kind"]) == {"nps", "csat"}
    assert feedback["comment"].isna().any() and feedback["comment"].notna().any()


# ---------------------------------------------------------------------------------------------
# The personas, visible in the review quarter
# ---------------------------------------------------------------------------------------------


def test_star_has_the_highest_attainment_well_over_target(pack):
    star = persona("star")
    result = attainment(pack)
    for measure in ("revenue", "gross_margin"):
        assert result.loc[star, measure] > 1.1, measure
        assert result[measure].idxmax() == star, measure


def test_star_wins_the_most_new_accounts_and_has_the_best_coverage(pack):
    star = persona("star")
    sales = pack["sales"].sort_values(["invoice_date", "line_id"])
    first = sales.groupby("account_id").head(1)
    new = first[first["invoice_date"] >= REVIEW_START].groupby("am_id").size()
    assert new[star] >= 3 and new[star] == new.max()
    opportunities = pack["opportunities"]
    next_quarter = opportunities[
        opportunities["stage"].isin(OPEN_STAGES) & opportunities["close_date"].between("2026-10-01", "2026-12-31")
    ]
    next_target = quarter_targets(pack["targets"], "2026Q4")["revenue"]
    coverage = next_quarter.groupby("am_id")["value"].sum() / next_target
    assert coverage.idxmax() == star and coverage[star] > 2


def test_steady_performer_is_on_target(pack):
    result = attainment(pack).loc[persona("steady")]
    assert result.between(0.95, 1.05).all()


def test_margin_misser_grows_revenue_but_misses_margin(pack):
    misser = persona("margin_misser")
    result = attainment(pack).loc[misser]
    assert result["revenue"] > 1.05
    assert result["gross_margin"] < 0.9
    figures = actuals(pack["sales"]).loc[misser]
    assert figures.loc["2026Q3", "revenue"] > figures.loc["2025Q3", "revenue"]
    assert figures.loc["2026Q3", "gm_pct"] < figures.loc["2025Q3", "gm_pct"]
    sales = pack["sales"]
    recent = sales[(sales["am_id"] == misser) & (sales["invoice_date"] >= REVIEW_START)]
    others = sales[(sales["am_id"] != misser) & (sales["invoice_date"] >= REVIEW_START)]
    low_margin = ["spot", "large_volume"]
    assert recent["deal_type"].isin(low_margin).mean() > 2 * others["deal_type"].isin(low_margin).mean()


def test_crm_neglecter_logs_least_and_latest(pack):
    neglecter = persona("crm_neglecter")
    per_week = activities_per_week(pack)
    assert per_week.idxmin() == neglecter
    lag = median_logging_lag(pack)
    assert lag.idxmax() == neglecter and lag[neglecter] >= 7


def test_crm_neglecter_has_stale_pipeline_and_late_reports(pack):
    neglecter = persona("crm_neglecter")
    opportunities = pack["opportunities"]
    open_ = opportunities[opportunities["stage"].isin(OPEN_STAGES)]
    stale = open_[open_["close_date"] < END].groupby("am_id").size()
    assert stale.idxmax() == neglecter
    reports = pack["report_submissions"]
    late_or_missing = reports["submitted_date"].isna() | (reports["submitted_date"] > reports["due_date"])
    assert late_or_missing.groupby(reports["am_id"]).mean().idxmax() == neglecter


def test_new_starter_has_nothing_before_their_start(pack):
    starter = persona("new_starter")
    ams = pack["account_managers"].set_index("am_id")
    start = ams.loc[starter, "start_date"]
    assert start == pd.Timestamp("2026-07-13")
    # accounts.created_date is when the customer opened its account, not something the AM did.
    for table, columns in DATE_COLUMNS.items():
        if table in ("account_managers", "accounts"):
            continue
        mine = pack[table][pack[table]["am_id"] == starter]
        assert len(mine) > 0, table
        for column in columns:
            assert (mine[column].dropna() >= start).all(), f"{table}.{column}"
    for table in (
        "targets",
        "forecasts",
        "development_objectives",
        "competency_ratings",
        "review_notes",
        "review_outcomes",
    ):
        periods = pack[table].loc[pack[table]["am_id"] == starter, "period"].str[:4]
        assert (periods == "2026").all(), table


def test_new_starter_took_over_accounts_and_won_new_ones(pack):
    starter = persona("new_starter")
    sales = pack["sales"].sort_values(["invoice_date", "line_id"])
    mine = sales[sales["am_id"] == starter]
    first = sales.groupby("account_id").head(1).set_index("account_id")["invoice_date"]
    accounts_first = first[mine["account_id"].unique()]
    assert (accounts_first < START + pd.Timedelta(days=30)).sum() >= 5  # inherited
    assert (accounts_first >= pd.Timestamp("2026-07-13")).sum() >= 1  # won


def test_new_starter_targets_are_pro_rated(pack):
    starter = persona("new_starter")
    review = quarter_targets(pack["targets"], REVIEW_PERIOD)
    following = quarter_targets(pack["targets"], "2026Q4")
    for measure in ("revenue", "gross_margin", "activities", "visits"):
        assert review.loc[starter, measure] < following.loc[starter, measure], measure
    assert review.loc[starter, "activities"] < review.drop(starter)["activities"].min()


def test_some_customer_problems_are_left_open_past_their_sla(pack):
    """A few cases stay open for weeks, more for people who often miss the SLA, so the review's
    "open cases past SLA" tells people apart (counted here by hand: open on the review's last
    day, and open longer than the case's sla_days)."""
    cases = pack["cases"]
    as_of = REVIEW_END
    opened, resolved = pd.to_datetime(cases["opened_date"]), pd.to_datetime(cases["resolved_date"])
    open_then = (opened <= as_of) & (resolved.isna() | (resolved > as_of))
    past_sla = open_then & ((as_of - opened).dt.days > cases["sla_days"])
    per_am = past_sla.groupby(cases["am_id"]).sum()
    assert per_am.sum() >= 5 and per_am.nunique() >= 2 and per_am.max() <= 4
    long_open = (resolved - opened).dt.days > 40  # resolved, weeks after the SLA
    assert 0.01 <= long_open.mean() <= 0.06


def test_the_crm_neglecter_leaves_required_crm_fields_empty(pack):
    """Counted by hand: opportunities without an expected margin, and account-bound activities
    (every type but 'other') without an account, per AM."""
    opportunities, activities = pack["opportunities"], pack["activities"]
    no_margin = opportunities["expected_margin"].isna().groupby(opportunities["am_id"]).mean()
    bound = activities[activities["type"] != "other"]
    no_account = bound["account_id"].isna().groupby(bound["am_id"]).mean()
    neglecter, others = persona("crm_neglecter"), [am for am, p in PERSONAS.items() if p in ("star", "steady")]
    assert no_margin[neglecter] >= 0.15 and no_margin[others].max() == 0
    assert no_account[neglecter] >= no_account[others].max() + 0.15


# ---------------------------------------------------------------------------------------------
# The review cycle: outcomes, signatures, the 2026Q3 round half-way, the plans' reviews
# ---------------------------------------------------------------------------------------------


def review_status(pack: dict[str, pd.DataFrame], am: str, quarter: str) -> str:
    """The review's status by the cycle's rule: signed (an outcome signed by both), in review
    (some input for the person and quarter), draft (none)."""

    def rows(table: str, column: str = "period") -> pd.DataFrame:
        frame = pack[table]
        return frame[(frame["am_id"] == am) & (frame[column] == quarter)]

    outcome = rows("review_outcomes")
    if (outcome["manager_signed_on"].notna() & outcome["am_signed_on"].notna()).any():
        return "signed"
    inputs = [rows("competency_ratings"), rows("review_notes"), outcome, rows("development_objectives", "agreed_in")]
    return "in_review" if any(len(frame) for frame in inputs) else "draft"


def in_post_at_end_of(pack: dict[str, pd.DataFrame], quarter: str) -> list[str]:
    ams = pack["account_managers"]
    end = pd.Period(quarter, freq="Q").end_time.normalize()
    return sorted(ams.loc[ams["start_date"] <= end, "am_id"])


def test_every_reviewed_quarter_before_the_review_period_is_signed(pack):
    """One outcome per person in post and quarter, signed by their manager 1–7 business days
    after the quarter's end and by the account manager the same day or up to three business
    days later (in calendar days: seven business days span up to two weeks over Christmas; three
    business days and a weekend, a week)."""
    outcomes = pack["review_outcomes"]
    assert not outcomes.duplicated(["am_id", "period"]).any()
    managers = pack["account_managers"].set_index("am_id")["manager"]
    for quarter in QUARTERS[:-1]:
        mine = outcomes[outcomes["period"] == quarter].set_index("am_id").sort_index()
        assert list(mine.index) == in_post_at_end_of(pack, quarter), quarter
        assert (mine["manager_signed_by"] == mine.index.map(managers)).all(), quarter
        quarter_end = pd.Period(quarter, freq="Q").end_time.normalize()
        after_end = (mine["manager_signed_on"] - quarter_end).dt.days
        assert after_end.between(1, 14).all(), quarter
        assert (mine["manager_signed_on"].dt.day_of_week < 5).all() and (mine["am_signed_on"].dt.day_of_week < 5).all()
        assert (mine["am_signed_on"] - mine["manager_signed_on"]).dt.days.between(0, 7).all(), quarter
        assert {review_status(pack, am, quarter) for am in mine.index} == {"signed"}, quarter
    assert outcomes["computed_rating"].isna().all()  # amreview shows the live computed rating
    assert outcomes["source"].isna().all()  # entered by hand, not collected from a form


def test_the_review_period_is_part_signed_part_in_review_part_draft(pack):
    status = {am: review_status(pack, am, REVIEW_PERIOD) for am in PERSONAS}
    assert {am for am, s in status.items() if s == "signed"} == SIGNED_IN_REVIEW_PERIOD
    assert {am for am, s in status.items() if s == "in_review"} == IN_REVIEW_IN_REVIEW_PERIOD
    assert {am for am, s in status.items() if s == "draft"} == DRAFT_IN_REVIEW_PERIOD
    ams = pack["account_managers"]
    for manager, team in ams.groupby("manager"):
        assert {status[am] for am in team["am_id"]} == {"signed", "in_review", "draft"}, manager
    # In review: ratings and notes collected; an outcome signed by the manager only, or none yet.
    outcomes = pack["review_outcomes"].set_index(["am_id", "period"])
    with_outcome = set()
    for am in IN_REVIEW_IN_REVIEW_PERIOD:
        for table in ("competency_ratings", "review_notes"):
            frame = pack[table]
            assert ((frame["am_id"] == am) & (frame["period"] == REVIEW_PERIOD)).any(), (am, table)
        if (am, REVIEW_PERIOD) in outcomes.index:
            outcome = outcomes.loc[(am, REVIEW_PERIOD)]
            assert pd.notna(outcome["manager_signed_on"]) and pd.isna(outcome["am_signed_on"]), am
            with_outcome.add(am)
    assert 0 < len(with_outcome) < len(IN_REVIEW_IN_REVIEW_PERIOD)
    # Signed in October, after the quarter; the round's dates are in order.
    signed = pack["review_outcomes"][pack["review_outcomes"]["period"] == REVIEW_PERIOD]
    assert signed["manager_signed_on"].between("2026-10-01", "2026-10-12").all()
    assert (signed["am_signed_on"].dropna() >= signed.loc[signed["am_signed_on"].notna(), "manager_signed_on"]).all()


def test_a_draft_review_has_only_its_inputs_taken_out(pack):
    """The draft people's review-quarter ratings and notes are gone; their earlier ones, and
    everybody else's, are all there (the persona's notes: four sections in the review quarter)."""
    ratings, notes = pack["competency_ratings"], pack["review_notes"]
    for am in DRAFT_IN_REVIEW_PERIOD:
        assert set(ratings.loc[ratings["am_id"] == am, "period"]) == {"2025Q4", "2026Q1", "2026Q2"}, am
        assert set(notes.loc[notes["am_id"] == am, "period"]) == {"2026Q2"}, am
    review_notes = notes[notes["period"] == REVIEW_PERIOD]
    assert (review_notes.groupby("am_id").size() == 4).all()
    assert len(review_notes) == 4 * (len(PERSONAS) - len(DRAFT_IN_REVIEW_PERIOD))


def test_each_plan_was_agreed_in_the_previous_review_and_says_how_success_is_measured(pack):
    objectives = pack["development_objectives"]
    previous = {"2024Q3": "2024Q2", **dict(zip(QUARTERS[1:], QUARTERS))}
    starter = persona("new_starter")
    induction = objectives["am_id"] == starter  # joined in 2026Q3: the first plan agreed at induction
    assert (objectives.loc[~induction, "agreed_in"] == objectives.loc[~induction, "period"].map(previous)).all()
    assert objectives.loc[induction, "agreed_in"].isna().all() and induction.any()
    measures = objectives["success_measure"]
    assert measures.notna().all() and measures.str.len().between(30, 120).all()
    assert measures.str.endswith(".").all()
    assert (objectives.groupby("objective")["success_measure"].nunique() == 1).all()
    assert measures.nunique() == objectives["objective"].nunique()


@pytest.fixture(scope="module")
def computed_ratings(pack) -> pd.DataFrame:
    """The overall rating amreview computes, per am_id (rows) and quarter (columns): the review
    period's from the whole scorecard, the quarters before from the KPIs the config scores (as a
    review's previous quarter is scored: the same ratings, at half the cost)."""
    from amreview.data.datapack import validate_tables
    from amreview.documents.review import scored_kpis
    from amreview.metrics.catalogue import all_kpis
    from amreview.scoring.config import load_config
    from amreview.scoring.scorecard import build_scorecard

    validated = validate_tables({name: frame.copy() for name, frame in pack.items()}, source="sample")
    config = load_config()
    scored = scored_kpis(config, all_kpis())
    return pd.DataFrame(
        {
            quarter: build_scorecard(validated, quarter, config, None if quarter == REVIEW_PERIOD else scored).overall[
                "overall_rating"
            ]
            for quarter in QUARTERS
        }
    )


def test_agreed_ratings_are_the_computed_ones_but_the_lenient_managers_changes(pack, computed_ratings):
    """Every agreed rating equals the rating amreview computes for that person and quarter,
    except the lenient manager's designed changes: exactly one band above, each with a reason."""
    from amreview.scoring.config import load_config

    assert [band.label for band in load_config().ratings] == RATING_LABELS[::-1]
    outcomes = pack["review_outcomes"]
    assert set(outcomes["agreed_rating"]) <= set(RATING_LABELS)
    changed = set()
    for row in outcomes.itertuples():
        computed = computed_ratings.at[row.am_id, row.period]
        assert computed in RATING_LABELS, (row.am_id, row.period)
        if (row.am_id, row.period) in LENIENT:
            assert row.manager_signed_by == LENIENT_MANAGER
            assert RATING_LABELS.index(row.agreed_rating) == RATING_LABELS.index(computed) + 1, (row.am_id, row.period)
            assert isinstance(row.change_reason, str) and len(row.change_reason) > 40
            changed.add((row.am_id, row.period))
        else:
            assert row.agreed_rating == computed, (row.am_id, row.period)
            assert pd.isna(row.change_reason), (row.am_id, row.period)
    assert changed == LENIENT  # every designed change is in the pack, the review period's too


def test_the_personas_agreed_ratings_tell_them_apart(pack):
    """The review period's agreed ratings, by hand from the personas' design: the star
    outstanding, the CRM neglecter partially meets, the margin misser raised by the lenient
    manager."""
    outcomes = pack["review_outcomes"]
    agreed = outcomes[outcomes["period"] == REVIEW_PERIOD].set_index("am_id")["agreed_rating"]
    assert agreed[persona("star")] == "Outstanding"
    assert agreed[persona("crm_neglecter")] == "Partially meets"
    assert agreed[persona("margin_misser")] == "Exceeds"
    assert agreed[persona("new_starter")] == "Meets"
