"""The scorecard's evidence columns (base, successes, interval, too little data), the config's
``min_base``, and a KPI on too little data: shown with its base, not scored, its weight spread."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from amreview.data.datapack import load_pack
from amreview.errors import ConfigError
from amreview.metrics.catalogue import all_kpis
from amreview.scoring.config import DEFAULT_CONFIG, load_config, parse_config
from amreview.scoring.scorecard import build_scorecard
from amreview.scoring.table_columns import column_meanings

KPIS = all_kpis()
Z = 1.959963984540054  # the normal quantile of 0.975, for Wilson by hand


@pytest.fixture(scope="module")
def card():
    return build_scorecard(load_pack("sample"), "2026Q3")


def wilson_by_hand(k: float, n: float) -> tuple[float, float]:
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * np.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


# --------------------------------------------------------------------------------------------
# The columns: the contract the documents are written against
# --------------------------------------------------------------------------------------------


def test_every_kpi_with_evidence_has_exactly_its_columns(card):
    expected = []
    for name, kpi in KPIS.items():
        if kpi.evidence is not None:
            share = ["_successes"] if kpi.evidence.kind == "share" else []
            expected += [name + s for s in ["_base", *share, "_low", "_high", "_too_little"]]
    assert list(card.evidence.columns) == expected
    assert set(expected) <= set(card.table.columns)
    assert card.evidence["win_rate_value_too_little"].dtype == bool
    one = card.restricted_to(["AM003"])
    assert list(one.evidence.index) == ["AM003"] and list(one.evidence.columns) == expected


def test_the_columns_are_described(card):
    meanings = column_meanings(card).set_index("column")
    rows = meanings.loc[list(card.evidence.columns)]
    assert not rows["description"].str.contains("does not describe").any()
    assert meanings.at["win_rate_value_base", "label"] == "Win rate (value), base"
    assert "closed deals with a value" in meanings.at["win_rate_value_base", "description"]
    assert meanings.at["gm_pct_low", "unit"] == "pct"


def test_the_win_rate_base_and_interval_against_the_opportunities_by_hand(card):
    opps = load_pack("sample")["opportunities"]
    closed = opps[opps["stage"].isin(["won", "lost"]) & opps["close_date"].between("2026-07-01", "2026-09-30")]
    for am_id, deals in closed.groupby("am_id"):
        n, k = len(deals), int((deals["stage"] == "won").sum())
        assert card.evidence.at[am_id, "win_rate_count_base"] == n
        assert card.evidence.at[am_id, "win_rate_count_successes"] == k
        low, high = wilson_by_hand(k, n)
        assert card.evidence.at[am_id, "win_rate_count_low"] == pytest.approx(low)
        assert card.evidence.at[am_id, "win_rate_count_high"] == pytest.approx(high)
        valued = deals[deals["value"].notna()]
        assert card.evidence.at[am_id, "win_rate_value_base"] == len(valued)


def test_every_interval_holds_its_value(card):
    for name, kpi in KPIS.items():
        if kpi.evidence is None:
            continue
        value, ev = card.values[name], card.evidence
        has = ev[f"{name}_low"].notna() & value.notna()
        assert (ev.loc[has, f"{name}_low"] <= value[has] + 1e-12).all(), name
        assert (value[has] <= ev.loc[has, f"{name}_high"] + 1e-12).all(), name
        # none from one observation of a mean or ratio; none without observations
        if kpi.evidence.kind in ("mean", "ratio"):
            assert ev.loc[ev[f"{name}_base"] == 1, f"{name}_low"].isna().all(), name
        assert ev.loc[ev[f"{name}_base"].isna(), f"{name}_high"].isna().all(), name


def test_forecast_accuracy_rests_on_one_forecast_and_has_no_interval(card):
    assert (card.evidence["forecast_accuracy_revenue_base"].dropna() == 1).all()
    assert card.evidence["forecast_accuracy_revenue_low"].isna().all()


# --------------------------------------------------------------------------------------------
# Too little data
# --------------------------------------------------------------------------------------------


def test_too_little_data_is_shown_not_scored_and_its_weight_spread(card):
    # Fiona MacLeod (AM014): 2 NPS responses (minimum 3), 1 CSAT response (minimum 3), 1 open back
    # order with a promise (minimum 3): only retention (score 4, weight 0.30) and cases within SLA
    # (score 3, weight 0.20) score the measure: (0.30·4 + 0.20·3) / 0.50 = 3.6.
    ev = card.evidence
    assert ev.at["AM014", "nps_base"] == 2 and ev.at["AM014", "nps_too_little"]
    assert card.values.at["AM014", "nps"] == 50  # kept, and shown
    assert np.isnan(card.scores.at["AM014", "nps"])
    assert ev.at["AM014", "csat_too_little"] and ev.at["AM014", "back_orders_past_promised_share_too_little"]
    assert card.scores.at["AM014", "retention_rate"] == 4 and card.scores.at["AM014", "cases_within_sla_share"] == 3
    assert card.measures.at["AM014", "customer_relationships"] == pytest.approx(3.6)
    # enough data: scored as before
    assert not ev.at["AM006", "nps_too_little"] and ev.at["AM006", "nps_base"] == 7
    assert not np.isnan(card.scores.at["AM006", "nps"])
    # no observations is "no data", not too little
    assert np.isnan(ev.at["AM001", "csat_base"]) and not ev.at["AM001", "csat_too_little"]


def test_the_explanation_says_too_little_data_with_the_base(card):
    text = str(card.explain("AM014"))
    nps = next(line for line in text.splitlines() if "Net Promoter Score" in line)
    assert "NPS responses: 2" in nps
    assert "too little data (2 of at least 3 NPS responses): not scored" in nps
    assert "band" not in nps and "carried 0" in nps
    retention = next(line for line in text.splitlines() if "Account retention" in line)
    assert (
        "27 of 30 accounts of the four quarters before kept; 95\u00a0% interval 74.4\u00a0% to 96.5\u00a0%" in retention
    )
    low, high = wilson_by_hand(27, 30)
    assert (round(low * 100, 1), round(high * 100, 1)) == (74.4, 96.5)
    html = card.explain("AM014")._repr_html_()
    assert "Rests on" in html and "NPS responses: 2" in html


def test_only_thin_kpis_lose_their_scores_on_the_sample(card):
    """The default minima change the sample's scores only where the data are thin: these, and no
    rating in any quarter of its history (tests/test_sample.py: every agreed rating is the computed
    one, bar the lenient manager's designed changes)."""
    thin = {
        (am, name)
        for name in card.scores.columns
        if f"{name}_too_little" in card.evidence.columns
        for am in card.evidence.index[card.evidence[f"{name}_too_little"]]
    }
    assert thin == {
        ("AM002", "csat"),
        ("AM003", "csat"),
        ("AM004", "csat"),
        ("AM005", "csat"),
        ("AM008", "back_orders_past_promised_share"),
        ("AM009", "csat"),
        ("AM010", "csat"),
        ("AM011", "csat"),
        ("AM012", "csat"),
        ("AM014", "nps"),
        ("AM014", "csat"),
        ("AM014", "back_orders_past_promised_share"),
    }


# --------------------------------------------------------------------------------------------
# The config's min_base
# --------------------------------------------------------------------------------------------


def default_raw() -> dict:
    import tomllib

    return tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))


def test_min_base_defaults_to_no_minimum_and_the_default_config_sets_one_per_kpi_with_evidence():
    config = load_config()
    for measure in config.measures.values():
        for name, scoring in measure.kpis.items():
            assert (scoring.min_base > 0) == (KPIS[name].evidence is not None), name
    assert config.measures["new_business"].kpis["win_rate_value"].min_base == 4
    raw = default_raw()
    del raw["measures"]["new_business"]["kpis"]["win_rate_value"]["min_base"]
    assert parse_config(raw).measures["new_business"].kpis["win_rate_value"].min_base == 0


@pytest.mark.parametrize(
    "kpi, measure, value, message",
    [
        ("win_rate_value", "new_business", -1, "measures.new_business.kpis.win_rate_value.min_base: expected"),
        ("win_rate_value", "new_business", 2.5, "measures.new_business.kpis.win_rate_value.min_base: expected"),
        ("win_rate_value", "new_business", "5", "measures.new_business.kpis.win_rate_value.min_base: expected"),
        (
            "reports_missing",
            "report_timeliness",
            3,
            "measures.report_timeliness.kpis.reports_missing.min_base: reports_missing is a sum, count or attainment",
        ),
    ],
)
def test_a_bad_min_base_is_a_config_error_naming_it(kpi, measure, value, message):
    raw = default_raw()
    raw["measures"][measure]["kpis"][kpi]["min_base"] = value
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        parse_config(raw, source="ours.toml")


def test_a_higher_minimum_takes_the_kpi_out_for_everyone_below_it():
    raw = default_raw()
    raw["measures"]["new_business"]["kpis"]["win_rate_value"]["min_base"] = 1000
    card = build_scorecard(load_pack("sample"), "2026Q3", parse_config(raw))
    assert card.evidence["win_rate_value_too_little"].all()
    assert card.scores["win_rate_value"].isna().all() and card.values["win_rate_value"].notna().all()
    weights = pd.Series({"new_accounts_attainment": 0.4, "pipeline_coverage": 0.3})
    both = card.scores[list(weights.index)]
    expected = (both * weights).sum(axis=1) / (both.notna() * weights).sum(axis=1)
    pd.testing.assert_series_equal(card.measures["new_business"], expected, check_names=False)


def test_on_the_hand_pack_one_account_is_too_little_for_a_retention_rate():
    # Ada Lovelace (AM1) had one account the year before (A) and kept it: 1 of 1, base 1 of at
    # least 5. Without it customer relationships has no data, and the measures with data carry
    # 45 % of the weight (margin 30 %, new business 15 %): below the 50 % a rating needs.
    from amreview.data.datapack import validate_tables
    from tests.conftest import hand_tables, without_minimum_bases

    pack = validate_tables(hand_tables())
    card = build_scorecard(pack, "2026Q3")
    assert card.evidence.at["AM1", "retention_rate_base"] == 1 and card.evidence.at["AM1", "retention_rate_too_little"]
    assert card.values.at["AM1", "retention_rate"] == 1.0
    assert np.isnan(card.measures.at["AM1", "customer_relationships"])
    assert card.overall.at["AM1", "rated_weight"] == pytest.approx(0.45)
    assert card.overall.at["AM1", "overall_rating"] is None
    assert build_scorecard(pack, "2026Q3", without_minimum_bases()).overall.at["AM1", "overall_rating"] is not None
