"""How sure a scored figure is, in a review's words (amreview.documents.certainty): the sentence
where the data are too few to score or the interval leaves the score unsettled, nothing elsewhere;
on the sample, the sentences against the scorecard's evidence columns, scored again by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from amreview.data.datapack import load_pack
from amreview.documents.certainty import certainty_lines, certainty_sentence, scores_in_interval
from amreview.documents.review import Review
from amreview.scoring.bands import KpiExplanation

NBSP = "\u00a0"


def item(**changes) -> KpiExplanation:
    """A scored share: 3 of 4 closed deals won (75 %), bands 20/30/40/50 %, interval 30 % to 95 %."""
    fields = {
        "kpi": "win_rate_count",
        "label": "Win rate (count)",
        "measure": "new_business",
        "unit": "fraction",
        "display_unit": "pct",
        "target_unit": "number",
        "value": 0.75,
        "target": None,
        "bands": (0.2, 0.3, 0.4, 0.5),
        "higher_is_better": True,
        "score": 5.0,
        "weight": 0.3,
        "effective_weight": 0.3,
        "base": 4.0,
        "successes": 3.0,
        "low": 0.30,
        "high": 0.95,
        "counted": "closed deals",
        "success": "won",
        "min_base": 0,
        "too_little": False,
    }
    return KpiExplanation(**{**fields, **changes})


def test_an_interval_that_leaves_the_score_unsettled_is_said_with_its_base_and_scores():
    # 30 % is on a boundary: score 3 (a boundary takes the band above); 95 %: score 5 → 3 to 5
    assert scores_in_interval(item()) == (3.0, 5.0)
    assert certainty_sentence(item()) == (
        f"Win rate (count): 75.0{NBSP}% (3 of 4 closed deals won), plausibly anywhere from 30.0{NBSP}% to "
        f"95.0{NBSP}%, a range that spans scores 3 to 5."
    )


def test_an_interval_within_one_band_or_the_next_says_nothing():
    assert certainty_sentence(item(low=0.52, high=0.9)) == ""  # scores 5 to 5
    assert certainty_sentence(item(low=0.45, high=0.9)) == ""  # scores 4 to 5: near a boundary, ordinary
    assert certainty_sentence(item(low=0.399, high=0.9)) != ""  # scores 3 to 5


def test_lower_is_better_scores_the_interval_the_other_way():
    days = item(higher_is_better=False, bands=(1, 2, 4, 6), value=3.0, low=0.5, high=2.5, successes=math.nan)
    # 0.5 → 5 − 0 = 5; 2.5 → 5 − 2 = 3
    assert scores_in_interval(days) == (3.0, 5.0)
    assert "a range that spans scores 3 to 5" in certainty_sentence(days)


def test_too_little_data_is_said_with_the_minimum_even_with_a_narrow_interval():
    thin = item(too_little=True, min_base=5, low=0.7, high=0.8, score=math.nan)
    assert certainty_sentence(thin) == (
        f"Win rate (count): 75.0{NBSP}% (3 of 4 closed deals won), plausibly anywhere from 70.0{NBSP}% to "
        f"80.0{NBSP}%: too little data to score it (at least 5 closed deals needed)."
    )
    one = item(too_little=True, min_base=3, low=math.nan, high=math.nan, successes=math.nan, counted="CSAT responses")
    assert certainty_sentence(one) == (
        f"Win rate (count): 75.0{NBSP}% (CSAT responses: 4): too little data to score it (at least 3 CSAT "
        "responses needed)."
    )


def test_nothing_is_said_without_a_base_or_a_value():
    assert certainty_sentence(item(counted="", success="")) == ""  # a KPI without evidence
    assert certainty_sentence(item(base=math.nan)) == ""  # no observations
    assert certainty_sentence(item(value=math.nan)) == ""  # no data
    assert certainty_lines([item(), item(low=0.52), item(base=math.nan)]) == [certainty_sentence(item())]


@pytest.fixture(scope="module")
def sample_reviews():
    pack = load_pack("sample")
    return {am: Review.build(pack, am, "2026Q3") for am in ("AM005", "AM014")}


def hand_scores(value: float, bands, higher_is_better: bool) -> float:
    steps = sum(1 for b in bands if b <= value)
    return 1 + steps if higher_is_better else 5 - steps


@pytest.mark.parametrize("am_id", ["AM005", "AM014"])
def test_the_sample_reviews_say_it_exactly_where_the_evidence_columns_call_for_it(sample_reviews, am_id):
    review = sample_reviews[am_id]
    card, config = review.scorecard, review.config
    evidence = card.evidence.loc[am_id]
    said = {}
    for section in review.sections():
        for line in section.lines:
            for label in (card.kpis[k].label for m in config.measures.values() for k in m.kpis):
                if line.startswith(f"{label}: ") and ("plausibly" in line or "too little data" in line):
                    said[label] = line
    expected = {}
    for measure in config.measures.values():
        for name, scoring in measure.kpis.items():
            if f"{name}_base" not in evidence.index or np.isnan(evidence[f"{name}_base"]):
                continue
            kpi, low, high = card.kpis[name], evidence[f"{name}_low"], evidence[f"{name}_high"]
            too_little = evidence[f"{name}_base"] < scoring.min_base
            assert bool(evidence[f"{name}_too_little"]) == too_little
            unsettled = not np.isnan(low) and (
                abs(
                    hand_scores(high, scoring.bands, kpi.higher_is_better)
                    - hand_scores(low, scoring.bands, kpi.higher_is_better)
                )
                >= 2
            )
            if not np.isnan(card.values.at[am_id, name]) and (too_little or unsettled):
                expected[kpi.label] = (low, high, too_little, kpi.unit)
    assert set(said) == set(expected)
    assert said, "the sample's small bases show in these two reviews"
    for label, (low, high, too_little, unit) in expected.items():
        line = said[label]
        assert ("too little data to score it" in line) == too_little
        if unit == "fraction" and not np.isnan(low):
            assert f"from {low * 100:.1f}{NBSP}% to {high * 100:.1f}{NBSP}%" in line, line
