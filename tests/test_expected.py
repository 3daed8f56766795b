"""Like-for-like benchmarks (issue 17, part B): the portfolio each person was given
(amreview.metrics.portfolio), the Huber model of what books like theirs achieve
(amreview.scoring.expected, amreview.scoring.huber), checked against hand figures, against
statsmodels' RLM and numpy refits, by simulation, and on the sample with a known territory effect
planted (SampleEffects.territory_gm_points)."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from amreview.data.datapack import validate_tables
from amreview.data.sample import SampleEffects, generate_sample
from amreview.errors import ArgumentError
from amreview.metrics.catalogue import all_kpis
from amreview.metrics.portfolio import portfolio, portfolio_of
from amreview.metrics.registry import KpiContext
from amreview.periods import Quarter
from amreview.scoring.expected import (
    ABOVE,
    BELOW,
    EXPECTATION_FEATURES,
    HUBER_T,
    IN_LINE,
    LEVEL,
    expected_columns,
    fit_expectation,
    leave_one_out,
    model_design,
    standing,
)
from amreview.scoring.huber import GroupedDesign, huber_fit, weighted_fit
from amreview.scoring.scorecard import build_scorecard
from amreview.scoring.table_columns import column_meaning

Q3 = Quarter.parse("2026Q3")
PUBLIC = "Public Sector"

# ------------------------------------------------------------------------------------------------
# The portfolio, by hand
# ------------------------------------------------------------------------------------------------


def book_lines() -> pd.DataFrame:
    rows = [
        # am_id, account_id, deal_type, vendor_programme, revenue, cost
        ("AM1", "A", "run_rate", False, 1000.0, 900.0),
        ("AM1", "B", "bespoke", True, 400.0, 300.0),
        ("AM2", "E", "spot", False, 500.0, 480.0),
        ("AM2", "A", "run_rate", False, 20.0, 19.0),  # AM2 covers A once: A stays AM1's
    ]
    return pd.DataFrame(rows, columns=["am_id", "account_id", "deal_type", "vendor_programme", "revenue", "cost"])


def hand_accounts() -> pd.DataFrame:
    return pd.DataFrame(
        {"account_id": ["A", "B", "E"], "sector": ["Finance", "Retail", "Retail"], "key_account": [True, False, False]}
    )


def hand_people() -> pd.DataFrame:
    return pd.DataFrame({"team": ["North", "North", "South"]}, index=pd.Index(["AM1", "AM2", "AM3"], name="am_id"))


def test_portfolio_by_hand():
    lines, accounts = book_lines(), hand_accounts()
    before = (lines.copy(), accounts.copy())
    book = portfolio_of(lines, accounts, hand_people(), pd.Series({"AM1": 100.0, "AM3": 50.0}))
    am1, am2, am3 = book.loc["AM1"], book.loc["AM2"], book.loc["AM3"]
    # AM1 holds A and B; A's book includes AM2's cover line: revenue 1420, cost 1219
    assert am1["accounts_held"] == 2 and am1["team"] == "North"
    assert am1["book_revenue"] == pytest.approx(1420.0)
    assert am1["book_margin"] == pytest.approx(201.0)
    assert am1["book_gm_pct"] == pytest.approx(201.0 / 1420.0)
    assert am1["run_rate_share"] == pytest.approx(1020.0 / 1420.0)
    assert am1["bespoke_share"] == pytest.approx(400.0 / 1420.0)
    assert am1["spot_share"] == 0.0 and am1["large_volume_share"] == 0.0
    assert am1["vendor_programme_share"] == pytest.approx(400.0 / 1420.0)
    assert am1["key_account_share"] == pytest.approx(1020.0 / 1420.0)
    assert am1["main_sector"] == "Finance" and am1["main_sector_share"] == pytest.approx(1020.0 / 1420.0)
    assert am1["book_margin_to_target"] == pytest.approx(201.0 / 4 / 100.0)
    # AM2 holds E only
    assert am2["accounts_held"] == 1 and am2["book_revenue"] == pytest.approx(500.0)
    assert am2["spot_share"] == 1.0 and am2["key_account_share"] == 0.0 and am2["main_sector"] == "Retail"
    assert np.isnan(am2["book_margin_to_target"])  # no target
    # AM3 held nothing: no book, not a book of zero
    assert am3["accounts_held"] == 0
    assert book.loc["AM3"].drop(["team", "accounts_held"]).isna().all()
    pd.testing.assert_frame_equal(lines, before[0])  # no input mutated
    pd.testing.assert_frame_equal(accounts, before[1])


def test_portfolio_without_the_accounts_table_has_no_key_accounts_nor_sectors():
    book = portfolio_of(book_lines(), None, hand_people(), pd.Series(dtype="float64"))
    assert book["key_account_share"].isna().all() and book["main_sector"].isna().all()
    assert book.loc["AM1", "bespoke_share"] == pytest.approx(400.0 / 1420.0)


# ------------------------------------------------------------------------------------------------
# The fit, against statsmodels and numpy
# ------------------------------------------------------------------------------------------------


def grouped_data(seed: int, n: int = 60, groups: int = 4):
    rng = np.random.default_rng(seed)
    group = rng.integers(-1, groups, n)
    feature = rng.uniform(0, 1, n)
    effects = np.r_[0.0, rng.normal(0, 1, groups)]
    y = 1.0 + effects[group + 1] + 2.0 * feature + 0.5 * rng.standard_t(3, n)
    return GroupedDesign(group, groups, np.column_stack([np.ones(n), feature])), y


def test_weighted_fit_matches_numpy_least_squares():
    design, y = grouped_data(1)
    w = np.random.default_rng(2).uniform(0.3, 1.0, len(y))
    fit = weighted_fit(design, y, w)
    x = design.to_dense()
    params = np.linalg.lstsq(x * np.sqrt(w)[:, None], y * np.sqrt(w), rcond=None)[0]
    inverse = np.linalg.inv(x.T @ (x * w[:, None]))
    np.testing.assert_allclose(fit.params, params, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(fit.resid, y - x @ params, atol=1e-9)
    np.testing.assert_allclose(fit.leverage, np.einsum("ij,jk,ik->i", x, inverse, x), rtol=1e-9)
    np.testing.assert_allclose(fit.inverse_diagonal, np.diag(inverse), rtol=1e-9)


@pytest.mark.parametrize("seed", [3, 4])
def test_huber_fit_is_statsmodels_rlm(seed):
    design, y = grouped_data(seed)
    fit = huber_fit(design, y, HUBER_T, 1e-10)
    rlm = sm.RLM(y, design.to_dense(), M=sm.robust.norms.HuberT(HUBER_T)).fit(
        scale_est=sm.robust.scale.HuberScale(), conv="coefs", tol=1e-10
    )
    np.testing.assert_allclose(fit.params, rlm.params, atol=1e-7)
    np.testing.assert_allclose(fit.bse, rlm.bse, rtol=1e-6)
    np.testing.assert_allclose(fit.weights, rlm.weights, atol=1e-6)
    assert fit.scale == pytest.approx(rlm.scale, rel=1e-6)
    assert (fit.weights < 1).any()  # the heavy tails were down-weighted: a robust fit, not least squares


def test_leave_one_out_is_the_fit_without_the_row():
    """The expectation is each row's prediction by the weighted fit of the others (numpy refits);
    without down-weighting, the interval is the exact least-squares leave-one-out interval."""
    design, y = grouped_data(5, n=25, groups=2)
    x, n, p = design.to_dense(), len(y), design.shape[1]
    w = np.random.default_rng(6).uniform(0.5, 1.0, n)
    expected, _, _ = leave_one_out(y, w, weighted_fit(design, y, w), 1.0, p)
    ones = np.ones(n)
    _, low, high = leave_one_out(y, ones, weighted_fit(design, y, ones), 1e9, p)  # nobody beyond the corner
    t = stats.t.ppf(0.5 + LEVEL / 2, n - p - 1)
    for i in range(n):
        keep = np.arange(n) != i
        sw = np.sqrt(w[keep])
        beta = np.linalg.lstsq(x[keep] * sw[:, None], y[keep] * sw, rcond=None)[0]
        assert expected[i] == pytest.approx(x[i] @ beta, abs=1e-9)
        ols = np.linalg.lstsq(x[keep], y[keep], rcond=None)[0]
        s2 = np.sum((y[keep] - x[keep] @ ols) ** 2) / (n - 1 - p)
        half = t * np.sqrt(s2 * (1 + x[i] @ np.linalg.inv(x[keep].T @ x[keep]) @ x[i]))
        assert (low[i], high[i]) == pytest.approx((x[i] @ ols - half, x[i] @ ols + half), abs=1e-9)


def simulated_book(rng: np.random.Generator, n: int = 15):
    teams = np.repeat(["London", "Midlands", "Public"], n // 3)
    share = rng.uniform(0.05, 0.25, n)
    book = pd.DataFrame(
        {"team": teams, "accounts_held": 20, "bespoke_share": share}, index=[f"AM{i:03d}" for i in range(n)]
    )
    return book, 0.05 + 0.01 * (teams == "Public") + 0.15 * share


def test_on_data_with_no_effect_about_one_in_twenty_is_outside_their_interval():
    """Simulated books of 15 people drawn from the model itself (normal spread): the share of
    people outside their 95 % interval stays near 5 % (the Huber fit makes it a little cautious),
    and the team effect's 95 % interval holds the true 1 point about 95 % of the time."""
    rng = np.random.default_rng(17)
    outside, people, covered, draws = 0, 0, 0, 300
    for _ in range(draws):
        book, truth = simulated_book(rng)
        gm = pd.Series(truth + rng.normal(0, 0.008, len(book)), index=book.index)
        fit = fit_expectation("gm_pct", gm, book)
        outside += int(((fit.y > fit.high) | (fit.y < fit.low)).sum())
        people += len(fit.y)
        low, high = fit.conf_int.loc["team[Public]"]
        covered += low <= 0.01 <= high
    assert 0.02 <= outside / people <= 0.065
    assert 0.92 <= covered / draws <= 0.98


def test_no_expectation_for_too_few_people_a_new_starter_or_a_team_of_two():
    book, truth = simulated_book(np.random.default_rng(3))
    gm = pd.Series(truth, index=book.index) + np.random.default_rng(4).normal(0, 0.01, len(book))
    assert fit_expectation("gm_pct", gm.iloc[:4], book.iloc[:4]) is None  # 4 of one team: 2 numbers + 3 spare needed
    assert fit_expectation("gm_pct", gm.iloc[:5], book.iloc[:5]) is not None
    book.loc["AM000", "accounts_held"] = 0  # a new starter: no book
    book.loc[["AM005", "AM006"], "team"] = "Two"  # a team of two: compared with the first team
    design = model_design(gm, book, EXPECTATION_FEATURES["gm_pct"])
    assert "AM000" not in design.index
    assert design.columns == ("const", "team[Midlands]", "team[Public]", "bespoke_share")
    columns = expected_columns("gm_pct", gm, fit_expectation("gm_pct", gm, book))
    assert np.isnan(columns.loc["AM000", "gm_pct_expected"]) and columns.drop("AM000").notna().all().all()
    flat = pd.Series(0.1, index=book.index)
    assert fit_expectation("gm_pct", flat, book) is None  # a figure that does not vary


def test_standing():
    assert standing(0.09, 0.05, 0.08) == ABOVE
    assert standing(0.04, 0.05, 0.08) == BELOW
    assert standing(0.08, 0.05, 0.08) == IN_LINE
    assert standing(np.nan, 0.05, 0.08) == "" and standing(0.05, np.nan, np.nan) == ""


def count_data():
    rng = np.random.default_rng(8)
    book, _ = simulated_book(rng)
    book["accounts_held"] = rng.integers(5, 30, len(book))
    return pd.Series(rng.poisson(1.0, len(book)).astype(float), index=book.index), book


def test_an_interval_below_zero_new_accounts_is_cut_at_zero():
    values, book = count_data()
    fit = fit_expectation("new_accounts", values, book)
    assert (fit.low < 0).any()  # the model's own interval goes below zero for someone
    columns = expected_columns("new_accounts", values, fit)
    assert (columns["new_accounts_expected_low"] >= 0).all()
    assert columns["new_accounts_vs_expected"].equals(values - columns["new_accounts_expected"])


# ------------------------------------------------------------------------------------------------
# The sample: the known territory effect
# ------------------------------------------------------------------------------------------------

# sha256 of every table of generate_sample() as shipped (before the territory effect existed)
SHIPPED_SAMPLE_SHA256 = "e1ac338065f46b62a5f1670771cf875c7454a0deca3f5d3b593cc5a80ccd3345"


def tables_sha256(tables: dict[str, pd.DataFrame]) -> str:
    digest = hashlib.sha256()
    for name in sorted(tables):
        digest.update(name.encode())
        digest.update(pd.util.hash_pandas_object(tables[name], index=True).to_numpy().tobytes())
        digest.update(str(list(tables[name].dtypes)).encode())
    return digest.hexdigest()


def test_the_territory_effect_off_leaves_the_sample_as_shipped():
    assert tables_sha256(generate_sample()) == SHIPPED_SAMPLE_SHA256
    assert tables_sha256(generate_sample(effects=SampleEffects(territory_gm_points={}))) == SHIPPED_SAMPLE_SHA256


def test_the_territory_effect_lowers_only_that_teams_cost():
    shipped = generate_sample()
    planted = generate_sample(effects=SampleEffects(territory_gm_points={PUBLIC: 2.0}))
    before, after = shipped["sales"], planted["sales"]
    pd.testing.assert_frame_equal(before.drop(columns="cost"), after.drop(columns="cost"))  # no extra draw
    team = before["am_id"].map(shipped["account_managers"].set_index("am_id")["team"])
    mine = (team == PUBLIC).to_numpy()
    credit = before["line_id"].str.startswith("CRN").to_numpy()
    lowered = before["cost"] - 0.02 * before["revenue"]
    np.testing.assert_allclose(after["cost"][mine & ~credit], lowered[mine & ~credit], atol=0.0051)  # to the penny
    np.testing.assert_allclose(after["cost"][mine & credit], lowered[mine & credit], atol=0.016)  # a share of a line
    assert after["cost"][~mine].equals(before["cost"][~mine])
    for table in ("accounts", "opportunities", "activities", "competency_ratings"):
        pd.testing.assert_frame_equal(shipped[table], planted[table])


def test_an_unknown_team_is_refused():
    with pytest.raises(ArgumentError, match="territory_gm_points: no team Atlantis"):
        generate_sample(effects=SampleEffects(territory_gm_points={"Atlantis": 2.0}))


def gm_pct_fit(seed: int, points: float):
    effects = SampleEffects(territory_gm_points={PUBLIC: points} if points else {}, agreed_above_computed=False)
    pack = validate_tables(generate_sample(seed, effects), source="sample")
    ctx = KpiContext.for_period(pack, Q3)
    return fit_expectation("gm_pct", all_kpis()["gm_pct"](ctx), portfolio(ctx))


# The personas whose margin skill the sample plants: the star prices high, the margin misser low.
MARGIN_PERSONAS = {"AM001", "AM003"}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_territory_effect_is_recovered_and_nobody_else_is_flagged(seed):
    """A Public Sector GM % 2 points higher, planted: the team's effect's interval holds it; with no
    effect planted, it holds 0. Either way nobody is outside their interval but the two people whose
    margin skill the sample plants."""
    for points in (2.0, 0.0):
        fit = gm_pct_fit(seed, points)
        low, high = fit.conf_int.loc[f"team[{PUBLIC}]"]
        assert low <= points / 100 <= high
        flagged = set(fit.y.index[(fit.y > fit.high) | (fit.y < fit.low)])
        assert flagged <= MARGIN_PERSONAS


# ------------------------------------------------------------------------------------------------
# The scorecard
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def card():
    return build_scorecard(validate_tables(generate_sample(), source="sample"), "2026Q3")


def test_the_scorecard_carries_each_headline_kpis_expectation(card):
    columns = [f"{k}{s}" for k in EXPECTATION_FEATURES for s in ("_expected", "_expected_low", "_expected_high")]
    assert set(columns) <= set(card.expected.columns) and set(card.expected.columns) <= set(card.table.columns)
    ctx = KpiContext.for_period(validate_tables(generate_sample(), source="sample"), card.quarter)
    fit = fit_expectation("gm_pct", card.values["gm_pct"], portfolio(ctx))
    expected = fit.expected.reindex(card.values.index)
    pd.testing.assert_series_equal(card.expected["gm_pct_expected"], expected, check_names=False)
    vs = card.values["gross_margin"] - card.expected["gross_margin_expected"]
    pd.testing.assert_series_equal(card.expected["gross_margin_vs_expected"], vs, check_names=False)
    assert card.expected.loc["AM005"].isna().all()  # the new starter held no book at the start
    assert card.expected.drop("AM005")["gm_pct_expected"].notna().all()
    # the margin misser prices low for books like his: below expectation
    row = card.expected.loc["AM003"]
    assert standing(card.values.at["AM003", "gm_pct"], row["gm_pct_expected_low"], row["gm_pct_expected_high"]) == BELOW
    assert card.restricted_to(["AM003"]).expected.index.tolist() == ["AM003"]


def test_the_scorecards_columns_say_what_the_expectations_are(card):
    low = column_meaning(card, "gm_pct_expected_low")
    assert (low.label, low.unit, low.measure) == ("GM %, expected, low", "pct", "Margin & KPI targets")
    assert column_meaning(card, "gross_margin_vs_expected").label == "Gross margin, against expected"
    assert column_meaning(card, "new_accounts_expected").unit == "count"
