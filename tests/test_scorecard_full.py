"""The full scorecard on the sample pack: the default config, personas, explanations, the KPI
reference kept in step with the code, and the CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from amreview.cli import main
from amreview.data.datapack import load_pack
from amreview.data.sample import PERSONAS
from amreview.metrics.registry import MEASURES
from amreview.periods import Quarter
from amreview.scoring.config import load_config
from amreview.scoring.kpi_docs import kpi_reference
from amreview.scoring.scorecard import SCORECARD_COLUMNS, build_scorecard

ROOT = Path(__file__).resolve().parents[1]


def persona(name: str) -> str:
    return next(a for a, p in PERSONAS.items() if p == name)


@pytest.fixture(scope="module")
def card():
    return build_scorecard(load_pack("sample"), "2026Q3")


def test_default_config_scores_all_seven_measures():
    config = load_config()
    assert set(config.measures) == set(MEASURES)
    assert sum(m.weight for m in config.measures.values()) == pytest.approx(1.0)


def test_docs_kpis_md_is_generated_from_the_code():
    committed = (ROOT / "docs" / "kpis.md").read_text(encoding="utf-8")
    assert committed == kpi_reference(), "docs/kpis.md is stale: run `amreview kpis --out docs/kpis.md`"


def test_core_columns_come_first_with_their_names(card):
    assert list(card.table.columns[: len(SCORECARD_COLUMNS)]) == SCORECARD_COLUMNS
    for column in (
        "overall_score",
        "overall_rating",
        "measures_without_data",
        "gross_margin_ytd",
        "gross_margin_attainment_score",
        "margin_kpi_targets_score",
        "nps_team_percentile",
    ):
        assert column in card.table.columns


def test_scores_within_bands_and_ratings_from_the_config(card):
    scores = card.scores.stack().dropna()
    assert scores.between(1, 5).all() and (scores == scores.round()).all()
    assert card.measures.stack().dropna().between(1, 5).all()
    config = load_config()
    for score, rating in zip(card.overall["overall_score"], card.overall["overall_rating"]):
        assert rating == config.rating(score)


def test_overall_score_is_the_weighted_mean_of_measure_scores(card):
    config = load_config()
    weights = pd.Series({m: s.weight for m, s in config.measures.items()})
    for am_id, row in card.measures.iterrows():
        present = row.dropna()
        expected = (present * weights[present.index]).sum() / weights[present.index].sum()
        assert card.overall.at[am_id, "overall_score"] == pytest.approx(expected)


def test_personas_show_in_the_scores(card):
    overall = card.overall["overall_score"]
    assert overall.idxmax() == persona("star")
    crm = card.measures["crm_utilisation"]
    assert crm.idxmin() == persona("crm_neglecter")
    margin = card.measures["margin_kpi_targets"]
    assert margin[persona("margin_misser")] < margin[persona("steady")]
    assert card.values.at[persona("margin_misser"), "revenue_attainment"] > 1.05
    assert card.values.at[persona("margin_misser"), "gross_margin_attainment"] < 0.9


def test_new_starter_has_no_retention_and_says_so(card):
    starter = persona("new_starter")
    assert np.isnan(card.values.at[starter, "retention_rate"])
    assert not np.isnan(card.overall.at[starter, "overall_score"])


def test_percentiles_are_fractions_of_the_team(card):
    team = card.table.set_index("am_id")["gross_margin_team_percentile"].dropna()
    assert team.between(0, 1).all() and (team == 1.0).any()


def test_explain_names_inputs_bands_and_scores(card):
    text = str(card.explain(persona("crm_neglecter")))
    assert "Demonstrate utilisation of CRM: score 1.00" in text
    assert "Activities per working week" in text and "→ score 1" in text
    html = card.explain(persona("star"))._repr_html_()
    assert "<table" in html and "Gross margin attainment" in html
    assert "<table" in card._repr_html_()


def test_cli_writes_every_kpi_and_explains(tmp_path, capsys):
    out = tmp_path / "card.csv"
    main(["scorecard", "--data", "sample", "--period", "2026Q3", "--out", str(out), "--explain", "AM001"])
    printed = capsys.readouterr().out
    assert "Hannah Price (AM001), 2026Q3" in printed and "Overall:" in printed
    table = pd.read_csv(out, dtype={"am_id": str})
    assert len(table) == 15 and {"overall_rating", "win_rate_value", "plan_completion"} <= set(table.columns)


def test_cli_bad_config_is_a_clear_error(tmp_path):
    import subprocess
    import sys

    config = tmp_path / "scorecard.toml"
    config.write_text(
        (ROOT / "amreview" / "scoring" / "default_scorecard.toml")
        .read_text()
        .replace("weight = 0.30", "weight = 0.35", 1)
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "amreview",
            "scorecard",
            "--data",
            "sample",
            "--period",
            "2026Q3",
            "--explain",
            "AM001",
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "measure weights adding up to 1, found 1.05" in done.stderr and "Traceback" not in done.stderr


def test_full_scorecard_core_columns_equal_the_core_scorecard(card):
    from amreview.scoring.scorecard import core_scorecard

    core = core_scorecard(load_pack("sample"), Quarter.parse("2026Q3"))
    pd.testing.assert_frame_equal(card.table[SCORECARD_COLUMNS], core, check_dtype=False)
