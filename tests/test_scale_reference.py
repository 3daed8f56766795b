"""Figures unchanged at scale: the scorecard of the 10-million-line benchmark pack (1,000 account
managers, every table), its sales lines checked and summed in place by DuckDB, equals cell for
cell the one the code before issue 16 wrote (commit :data:`REFERENCE_COMMIT`, unpacked with ``git
archive`` and run on the same pack: ``benchmarks/scorecard_reference.py``).

Minutes of work and gigabytes of disk, so it runs only where ``AMREVIEW_SCALE_CHECK=1``: CI's
``make scale-check`` (``.ci/run``); a test, not a timing.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from amreview.cli import main
from amreview.data.sales_file import open_sales_file

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
    main(["scorecard", "--data", str(pack), "--period", PERIOD, "--out", str(tmp_path / "scorecard.csv")])
    ours = read_scorecard(tmp_path / "scorecard.csv")
    comparison = compare_scorecards(ours, reference)
    assert len(reference) == N_AMS and comparison.cells >= N_AMS * 200
    assert comparison.equal, comparison.describe()
