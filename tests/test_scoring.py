"""Scores, weights, ratings, percentiles and the scorecard config — on a registry made here."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amreview.data.datapack import validate_tables
from amreview.documents.review import previous_scorecard
from amreview.errors import ConfigError
from amreview.metrics.registry import Kpi
from amreview.periods import Quarter
from amreview.scoring.bands import band_score, effective_weights, percentiles, weighted_score
from amreview.scoring.config import load_config, parse_config
from amreview.scoring.scorecard import build_scorecard, pack_covers
from tests.conftest import hand_tables

FAKE_KPIS = {
    "gm_att": Kpi(
        "gm_att",
        "GM attainment",
        "margin_kpi_targets",
        "fraction",
        True,
        "gm / target",
        ("sales",),
        lambda ctx: (
            (ctx.lines.groupby("am_id")["revenue"].sum() - ctx.lines.groupby("am_id")["cost"].sum())
            / ctx.target("gross_margin")
        ),
    ),
    "returns": Kpi(
        "returns",
        "Returned lines",
        "margin_kpi_targets",
        "count",
        False,
        "count of negative lines",
        ("sales",),
        lambda ctx: ctx.lines[ctx.lines["revenue"] < 0].groupby("am_id").size(),
    ),
    "visits": Kpi(
        "visits",
        "Visits",
        "crm_utilisation",
        "count",
        True,
        "visits",
        ("activities",),
        lambda ctx: pd.Series(dtype="float64"),
    ),  # no activities table: no data
    "revenue_shown": Kpi(
        "revenue_shown",
        "Revenue",
        "margin_kpi_targets",
        "money",
        None,
        "Σ revenue",
        ("sales",),
        lambda ctx: ctx.lines.groupby("am_id")["revenue"].sum(),
    ),
}

RAW = {
    "fiscal_year_start_month": 1,
    "ratings": [
        {"label": "Outstanding", "min_score": 4.5},
        {"label": "Meets", "min_score": 2.5},
        {"label": "Below", "min_score": 1},
    ],
    "measures": {
        "margin_kpi_targets": {
            "weight": 0.6,
            "kpis": {
                "gm_att": {"weight": 0.75, "bands": [0.8, 0.9, 1.0, 1.1]},
                "returns": {"weight": 0.25, "bands": [0.5, 1.5, 2.5, 3.5]},
            },
        },
        "crm_utilisation": {"weight": 0.4, "kpis": {"visits": {"weight": 1.0, "bands": [5, 10, 15, 20]}}},
    },
    "benchmark_kpis": ["revenue_shown"],
}


def config(**changes):
    raw = {**RAW, **changes}
    return parse_config(raw, kpis=FAKE_KPIS)


@pytest.mark.parametrize(
    "value, higher, expected",
    [
        (0.79, True, 1),
        (0.8, True, 2),
        (0.95, True, 3),
        (1.0, True, 4),
        (1.1, True, 5),
        (9.0, True, 5),
        (0.79, False, 5),
        (0.8, False, 4),
        (1.05, False, 2),
        (1.1, False, 1),
        (math.nan, True, math.nan),
    ],
)
def test_band_score_boundaries_belong_to_the_band_above(value, higher, expected):
    score = band_score(pd.Series([value]), (0.8, 0.9, 1.0, 1.1), higher).iloc[0]
    assert (math.isnan(score) and math.isnan(expected)) or score == expected


def test_weighted_score_spreads_missing_weight():
    scores = pd.DataFrame({"a": [4.0, np.nan, np.nan], "b": [2.0, 3.0, np.nan]})
    result = weighted_score(scores, {"a": 0.75, "b": 0.25})
    assert result.iloc[0] == pytest.approx(0.75 * 4 + 0.25 * 2)
    assert result.iloc[1] == pytest.approx(3.0)  # a has no data: b carries all the weight
    assert math.isnan(result.iloc[2])  # no data at all: no score, not 0
    carried = effective_weights(scores, {"a": 0.75, "b": 0.25})
    assert carried.iloc[1].tolist() == [0.0, 1.0] and carried.iloc[2].tolist() == [0.0, 0.0]


def test_percentiles_within_groups_and_small_groups_hidden():
    values = pd.Series([10.0, 20.0, 30.0, 40.0, 5.0, 6.0], index=list("abcdef"))
    groups = pd.Series(["t1", "t1", "t1", "t1", "t2", "t2"], index=values.index)
    result = percentiles(values, groups)
    assert result[list("abcd")].tolist() == [0.25, 0.5, 0.75, 1.0]
    assert result[["e", "f"]].isna().all()  # a team of two would reveal the colleague's figure
    lower = percentiles(values, groups, higher_is_better=False)
    assert lower["a"] == 1.0 and lower["d"] == 0.25


def test_build_scorecard_scores_by_hand():
    pack = validate_tables(hand_tables())
    card = build_scorecard(pack, "2026Q3", config(), FAKE_KPIS)
    # AM1: gm 185 / target 200 = 0.925 → score 3; returns: 1 negative line (L3) → lower better: 1 ≥ 0.5 → 4
    assert card.values.at["AM1", "gm_att"] == pytest.approx(0.925)
    assert card.scores.at["AM1", "gm_att"] == 3 and card.scores.at["AM1", "returns"] == 4
    assert card.measures.at["AM1", "margin_kpi_targets"] == pytest.approx(0.75 * 3 + 0.25 * 4)
    # crm_utilisation has no data: the overall is the margin measure alone, and says so
    assert card.overall.at["AM1", "overall_score"] == pytest.approx(3.25)
    assert card.overall.at["AM1", "overall_rating"] == "Meets"
    assert card.overall.at["AM1", "measures_without_data"] == "crm_utilisation"
    # AM2 has no gross-margin target: only 'returns' scores (L7: 1 line → 4)
    assert math.isnan(card.scores.at["AM2", "gm_att"]) and card.measures.at["AM2", "margin_kpi_targets"] == 4
    table = card.table.set_index("am_id")
    assert table.at["AM1", "gross_margin"] == pytest.approx(185.0)  # core columns keep their names
    assert table.at["AM1", "margin_kpi_targets_score"] == pytest.approx(3.25)
    assert "revenue_shown_org_percentile" in table.columns
    explanation = card.explain("AM1")
    text = str(explanation)
    assert "Overall: 3.25 — Meets" in text
    assert "GM attainment: 92.5\u00a0%" in text and "in band 90\u00a0% to < 100\u00a0% → score 3" in text
    assert "Visits: no data" in text


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(st.just(float("nan")), st.floats(-1e6, 1e6)), min_size=1, max_size=20))
def test_scores_stay_within_the_bands(values):
    scores = band_score(pd.Series(values), (0.8, 0.9, 1.0, 1.1))
    assert scores.dropna().between(1, 5).all()
    assert scores.isna().tolist() == pd.Series(values).isna().tolist()


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.lists(st.one_of(st.just(float("nan")), st.floats(1, 5)), min_size=3, max_size=3), min_size=1, max_size=8
    ),
    st.lists(st.floats(0.01, 1), min_size=3, max_size=3),
)
def test_weights_renormalise_to_one(rows, raw_weights):
    scores = pd.DataFrame(rows, columns=list("abc"))
    weights = dict(zip("abc", raw_weights))
    carried = effective_weights(scores, weights)
    has_any = scores.notna().any(axis=1)
    np.testing.assert_allclose(carried[has_any].sum(axis=1), 1.0)
    result = weighted_score(scores, weights)
    assert result[has_any].between(1 - 1e-9, 5 + 1e-9).all() and result[~has_any].isna().all()


@pytest.mark.parametrize(
    "changes, message",
    [
        (
            {
                "measures": {
                    **RAW["measures"],
                    "crm_utilisation": {"weight": 0.3, "kpis": {"visits": {"weight": 1.0, "bands": [5, 10, 15, 20]}}},
                }
            },
            "measure weights adding up to 1, found 0.9",
        ),
        (
            {
                "measures": {
                    **RAW["measures"],
                    "crm_utilisation": {"weight": 0.4, "kpis": {"visits": {"weight": 1.0, "bands": [5, 10, 10, 20]}}},
                }
            },
            r"measures.crm_utilisation.kpis.visits.bands: expected four strictly ascending boundaries "
            r"\(bands must not overlap\), found \[5.0, 10.0, 10.0, 20.0\]",
        ),
        (
            {
                "measures": {
                    **RAW["measures"],
                    "crm_utilisation": {"weight": 0.4, "kpis": {"vists": {"weight": 1.0, "bands": [5, 10, 15, 20]}}},
                }
            },
            "measures.crm_utilisation.kpis.vists: expected a KPI of the registry",
        ),
        (
            {
                "measures": {
                    **RAW["measures"],
                    "crm_utilisation": {
                        "weight": 0.4,
                        "kpis": {"revenue_shown": {"weight": 1.0, "bands": [5, 10, 15, 20]}},
                    },
                }
            },
            "revenue_shown is shown in reviews but not scored",
        ),
        (
            {
                "measures": {
                    **RAW["measures"],
                    "margin_kpi_targets": {
                        "weight": 0.6,
                        "kpis": {"gm_att": {"weight": 0.5, "bands": [0.8, 0.9, 1.0, 1.1]}},
                    },
                }
            },
            "measures.margin_kpi_targets: expected KPI weights adding up to 1, found 0.5",
        ),
        (
            {"measures": {**RAW["measures"], "sales_wizardry": RAW["measures"]["crm_utilisation"]}},
            "expected measures among margin_kpi_targets",
        ),
        (
            {
                "ratings": [
                    {"label": "Good", "min_score": 3},
                    {"label": "Bad", "min_score": 3.5},
                    {"label": "Worse", "min_score": 1},
                ]
            },
            "rating bands from the highest min_score down, strictly descending",
        ),
        (
            {"ratings": [{"label": "Good", "min_score": 3}, {"label": "Bad", "min_score": 2}]},
            "the lowest rating to start at min_score 1",
        ),
        ({"fiscal_year_start_month": 13}, "fiscal_year_start_month: expected"),
        ({"weigths": 1}, "weigths: an unknown setting"),
    ],
)
def test_config_errors_name_the_setting_and_the_expectation(changes, message):
    with pytest.raises(ConfigError, match=message):
        config(**changes)


def test_config_file_errors(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "missing.toml", kpis=FAKE_KPIS)
    bad = tmp_path / "bad.toml"
    bad.write_text("measures = [unclosed")
    with pytest.raises(ConfigError, match=r"bad.toml: not valid TOML"):
        load_config(bad, kpis=FAKE_KPIS)


def test_no_rating_when_too_little_of_the_weight_has_data():
    pack = validate_tables(hand_tables())
    # margin (0.6 of the weight) has data; crm (0.4) has none: 60 % ≥ 50 % → rated
    rated = build_scorecard(pack, "2026Q3", config(), FAKE_KPIS)
    assert rated.overall.at["AM1", "rated_weight"] == pytest.approx(0.6)
    assert rated.overall.at["AM1", "overall_rating"] == "Meets"
    # asking for 70 %: the score stays, the rating goes, and the explanation says why
    strict = build_scorecard(pack, "2026Q3", config(min_rated_weight=0.7), FAKE_KPIS)
    assert strict.overall.at["AM1", "overall_score"] == pytest.approx(3.25)
    assert strict.overall.at["AM1", "overall_rating"] is None
    text = str(strict.explain("AM1"))
    assert "Overall: 3.25 — no rating" in text
    assert "the measures with data carry 60\u00a0% of the weight; the config asks for at least 70\u00a0%" in text


# --------------------------------------------------------------------------------------------
# Which quarters a pack covers (the previous quarter's scorecard, for trends)
# --------------------------------------------------------------------------------------------


def pipeline_only(**tables: pd.DataFrame):
    """The hand pack with its sales lines removed and ``tables`` added."""
    base = hand_tables()
    base["sales"] = base["sales"].iloc[0:0]
    return validate_tables({**base, **tables}, source="pipeline-only")


OPPORTUNITIES = pd.DataFrame(
    {
        "opportunity_id": ["O1", "O2"],
        "am_id": ["AM1", "AM2"],
        "stage": ["won", "engaging"],
        "created_date": ["2026-05-10", None],  # an undated deal dates nothing
        "close_date": ["2026-08-01", None],
    }
)


@pytest.mark.parametrize(
    ("quarter", "covered"), [("2026Q1", False), ("2026Q2", True), ("2026Q3", True), ("2026Q4", False)]
)
def test_a_pack_without_sales_covers_the_quarters_its_records_are_dated_in(quarter, covered):
    pack = pipeline_only(opportunities=OPPORTUNITIES)  # created in Q2, closed in Q3
    assert pack_covers(pack, Quarter.parse(quarter)) is covered


def test_activities_and_the_quarters_forecasts_name_cover_a_pack_without_sales():
    activities = pd.DataFrame(
        {"activity_id": ["X1"], "am_id": ["AM1"], "type": ["call"], "activity_date": ["2025-12-31"]}
    )
    forecasts = pd.DataFrame({"am_id": ["AM2"], "period": ["2026Q2"], "measure": ["revenue"], "forecast": [10.0]})
    pack = pipeline_only(activities=activities, forecasts=forecasts)
    covered = [q for q in ("2025Q4", "2026Q1", "2026Q2") if pack_covers(pack, Quarter.parse(q))]
    assert covered == ["2025Q4", "2026Q2"]


def test_sales_lines_decide_when_the_pack_has_them():
    pack = validate_tables({**hand_tables(), "opportunities": OPPORTUNITIES}, source="hand")
    # lines invoiced on 2026-06-30 (Q2), in Q3 and on 2026-10-01 (Q4); the deal dates Q2 and Q3 only
    assert [pack_covers(pack, Quarter.parse(q)) for q in ("2026Q1", "2026Q2", "2026Q3", "2026Q4")] == [
        False,
        True,
        True,
        True,
    ]
    assert not pack_covers(pipeline_only(), Quarter.parse("2026Q3"))  # nothing dated at all


def test_trends_on_a_pipeline_only_pack_follow_its_records():
    pack = pipeline_only(opportunities=OPPORTUNITIES)
    config = load_config()
    card = build_scorecard(pack, "2026Q3", config)
    previous = previous_scorecard(pack, card.quarter, config, card.kpis)
    assert previous is not None and str(previous.quarter) == "2026Q2"
    assert sorted(previous.values.index) == ["AM1", "AM2", "AM3"]
    assert previous_scorecard(pack, Quarter.parse("2026Q2"), config, card.kpis) is None  # nothing in Q1
