"""The known small-sample person (``SampleEffects.small_sample_am``): their win rate rests on a
handful of closed deals, is too little data (shown with its base, not banded, its weight spread),
and its interval holds the generator's true win probability; off, the sample is unchanged."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from amreview.data.datapack import validate_tables
from amreview.data.sample import generate_sample
from amreview.data.sample.effects import SampleEffects
from amreview.data.sample.opportunities import HANDFUL
from amreview.data.sample.organisation import AM_IDS
from amreview.data.sample.personas import am_traits
from amreview.metrics.catalogue import all_kpis
from amreview.metrics.intervals import intervals
from amreview.metrics.registry import KpiContext
from amreview.periods import Quarter
from amreview.scoring.scorecard import build_scorecard

PERSON = "AM007"  # an average account manager, whose win rate the generator draws individually
# generate_sample() of main before the knob existed (tables, their columns and every value)
SHIPPED_HASH = "4cd34f0d8bcda465ecf1087ed37af2c12d103f4494e62b5bede589fcbf000649"
Q3 = Quarter.parse("2026Q3")


def tables_hash(tables: dict[str, pd.DataFrame]) -> str:
    digest = hashlib.sha256()
    for name in sorted(tables):
        digest.update(name.encode())
        digest.update(pd.util.hash_pandas_object(tables[name], index=True).to_numpy().tobytes())
        digest.update(",".join(map(str, tables[name].columns)).encode())
    return digest.hexdigest()


def true_win_rate(seed: int, am_id: str) -> float:
    """The generator's win probability of ``am_id``'s deals with customers: their traits are the
    first draws of the seed's stream (:func:`generate_sample`)."""
    return am_traits(np.random.default_rng(seed))[list(AM_IDS).index(am_id)].win_rate


def test_off_the_sample_is_unchanged():
    assert tables_hash(generate_sample()) == SHIPPED_HASH


@pytest.fixture(scope="module")
def small():
    return build_scorecard(validate_tables(generate_sample(effects=SampleEffects(small_sample_am=PERSON))), Q3)


def test_the_small_sample_persons_win_rate_is_too_little_data(small):
    ev = small.evidence
    assert ev.at[PERSON, "win_rate_value_base"] == HANDFUL == 3
    assert ev.at[PERSON, "win_rate_value_too_little"]  # 3 of at least 4
    assert not np.isnan(small.values.at[PERSON, "win_rate_value"])  # the value is kept …
    assert np.isnan(small.scores.at[PERSON, "win_rate_value"])  # … but not banded
    # its weight (0.30) spread over new accounts (0.40) and pipeline coverage (0.30)
    scores = small.scores.loc[PERSON, ["new_accounts_attainment", "pipeline_coverage"]]
    assert small.measures.at[PERSON, "new_business"] == pytest.approx(
        (0.4 * scores.iloc[0] + 0.3 * scores.iloc[1]) / 0.7
    )
    text = str(small.explain(PERSON))
    assert "too little data (3 of at least 4 closed deals with a value): not scored" in text
    # nobody else is: everyone else's win rate rests on at least 11 closed deals
    others = ev.drop(index=PERSON)
    assert not others["win_rate_value_too_little"].any() and (others["win_rate_value_base"] >= 11).all()


@pytest.mark.parametrize("seed", [42, 7, 2026])
def test_the_interval_holds_the_generators_true_win_probability(seed):
    pack = validate_tables(generate_sample(seed, SampleEffects(small_sample_am=PERSON)))
    ctx = KpiContext.for_period(pack, Q3)
    truth = true_win_rate(seed, PERSON)
    for name in ("win_rate_count", "win_rate_value"):
        evidence = all_kpis()[name].evidence
        table = intervals(evidence.kind, evidence.observations(ctx), ctx.am_ids, evidence.bounds)
        assert table.at[PERSON, "base"] == HANDFUL
        assert table.at[PERSON, "low"] <= truth <= table.at[PERSON, "high"], (seed, name, truth, table.loc[PERSON])
