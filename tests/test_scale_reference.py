"""Figures unchanged at scale: the scorecard of the 10-million-line benchmark pack (1,000 account
managers, every table), its sales lines checked and summed in place by DuckDB, equals cell for
cell the one the code before issue 16 wrote (commit :data:`REFERENCE_COMMIT`, unpacked with ``git
archive`` and run on the same pack: ``benchmarks/scorecard_reference.py``).

Issue 17 changed the scoring on purpose (a KPI resting on fewer observations than its ``min_base``
is not scored) and added columns (each KPI's base and interval, what books like theirs achieve, how
robust the rating is): the scorecard is scored with the default config without its minimum bases,
and every column the reference has must agree; the added columns must all be there.

Minutes of work and gigabytes of disk, so it runs only where ``AMREVIEW_SCALE_CHECK=1``: CI's
``make scale-check`` (``.ci/run``); a test, not a timing.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

from amreview.cli import main
from amreview.data.sales_file import open_sales_file
from amreview.scoring.config import DEFAULT_CONFIG

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from bigpack import write_scaled_pack  # noqa: E402
from scorecard_reference import compare_scorecards, read_scorecard, write_reference  # noqa: E402

REFERENCE_COMMIT = "8d574eb119445ec22954550e4c8bc050449cdf90"  # main before issue 16's data step
PERIOD = "2026Q3"
N_AMS, N_LINES = 1000, 10_000_000

pytestmark = pytest.mark.skipif(
    os.environ.get("AMREVIEW_SCALE_CHECK") != "1", reason="minutes of work: AMREVIEW_SCALE_CHECK=1 (make scale-check)"
)


def test_the_10m_line_pack_scores_as_the_code_before_the_data_step_scored_it(tmp_path):
    pack = write_scaled_pack(tmp_path / "1000ams-10000000lines", N_AMS, N_LINES)
    assert open_sales_file(pack / "sales.parquet") is not None  # 10M lines: read in place, never whole
    reference = read_scorecard(write_reference(pack, PERIOD, REFERENCE_COMMIT, folder=tmp_path / "reference"))
    config = tmp_path / "without-minimum-bases.toml"
    config.write_text(re.sub(r",\s*min_base = \d+", "", DEFAULT_CONFIG.read_text(encoding="utf-8")), encoding="utf-8")
    assert "min_base =" not in config.read_text(encoding="utf-8")
    out = tmp_path / "scorecard.csv"
    main(["scorecard", "--data", str(pack), "--period", PERIOD, "--config", str(config), "--out", str(out)])
    ours = read_scorecard(out)
    added = [c for c in ours.columns if c not in reference.columns]
    for column in ("win_rate_value_base", "win_rate_value_low", "gm_pct_expected", "fragile"):  # issue 17
        assert column in added
    comparison = compare_scorecards(ours.drop(columns=added), reference)
    assert len(reference) == N_AMS and comparison.cells >= N_AMS * 200
    assert comparison.equal, comparison.describe()
