"""The benchmarks' own tools (benchmarks/): the out-of-core pack writer gives scaled_sample's pack,
a pack rewritten as DuckDB writes it scores the same, and the reference comparison finds a changed cell."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from amreview.cli import main
from amreview.data.datapack import load_pack, write_pack
from amreview.data.scaled_sample import scaled_sample
from tests.conftest import once

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from bigpack import duckdb_written, write_scaled_pack
from scorecard_reference import cells_agree, compare_scorecards, read_scorecard

PERIOD = "2026Q3"
# Three replicas of the sample's 15 account managers, the last keeping 8; each replica's lines
# repeated twice (line ids suffixed -1, dates a day later within the quarter): 200,000 of 260,248 drawn.
N_AMS, N_LINES = 38, 200_000


@pytest.fixture(scope="module")
def packs(tmp_path_factory) -> dict[str, Path]:
    """Written once per test session (by the first xdist worker)."""

    def produce(root: Path) -> dict[str, Path]:
        root.mkdir()
        return {
            "pandas": write_pack(scaled_sample(N_AMS, N_LINES, 42), root / "pandas", "parquet"),
            "out of core": write_scaled_pack(root / "ooc", N_AMS, N_LINES, 42, chunk_rows=70_000),
        }

    return once(tmp_path_factory, "test_bench_tools-packs", produce)


def scorecard(pack: Path, out: Path) -> pd.DataFrame:
    main(["scorecard", "--data", str(pack), "--period", PERIOD, "--out", str(out)])
    return read_scorecard(out)


def test_the_out_of_core_pack_is_scaled_samples_row_for_row(packs):
    files = sorted(p.name for p in packs["pandas"].glob("*.parquet"))
    assert files == sorted(p.name for p in packs["out of core"].glob("*.parquet")) and "sales.parquet" in files
    for name in files:
        expected = pd.read_parquet(packs["pandas"] / name)
        pd.testing.assert_frame_equal(pd.read_parquet(packs["out of core"] / name), expected, obj=name)
    sales = pd.read_parquet(packs["out of core"] / "sales.parquet")
    assert len(sales) == N_LINES and sales["line_id"].str.endswith("-1").any()  # the repeats are there
    assert not sales["invoice_date"].is_monotonic_increasing  # drawn at random, not in date order


def test_the_out_of_core_pack_loads_and_scores_as_the_pandas_one(packs, tmp_path):
    pack = load_pack(packs["out of core"])
    assert len(pack.account_managers) == N_AMS and len(pack.sales) == N_LINES
    result = compare_scorecards(
        scorecard(packs["out of core"], tmp_path / "ooc.csv"), scorecard(packs["pandas"], tmp_path / "pandas.csv")
    )
    assert result.equal and result.cells > N_AMS * 100, result.describe()


def test_a_pack_written_by_duckdb_has_dates_and_scores_the_same(packs, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rewritten = duckdb_written(packs["pandas"], tmp_path / "duckdb")
    assert pq.read_schema(rewritten / "sales.parquet").field("invoice_date").type == pa.date32()
    pd.testing.assert_frame_equal(
        pd.read_parquet(rewritten / "sales.parquet").drop(columns="invoice_date"),
        pd.read_parquet(packs["pandas"] / "sales.parquet").drop(columns="invoice_date"),
        check_dtype=False,
    )
    result = compare_scorecards(
        scorecard(rewritten, tmp_path / "duckdb.csv"), scorecard(packs["pandas"], tmp_path / "pandas.csv")
    )
    assert result.equal, result.describe()


@pytest.mark.parametrize(
    ("ours", "reference", "agree"),
    [
        ("0.4123", "0.4123", True),
        ("0.41230000000001", "0.4123", True),  # within 1e-9 relative
        ("0.4124", "0.4123", False),
        ("1e-13", "0", True),  # zero by another order of summation
        ("", "", True),  # NaN where NaN
        ("0", "", False),
        ("Meets expectations", "Meets expectations", True),
        ("Exceeds expectations", "Meets expectations", False),
    ],
)
def test_two_cells_agree_when_equal_text_or_numbers_within_a_billionth(ours, reference, agree):
    assert cells_agree(ours, reference) is agree


def test_the_comparison_counts_a_changed_cell_a_missing_row_and_a_missing_column():
    reference = pd.DataFrame(
        {"name": ["Ann", "Bob", "Cy"], "gm_pct": ["0.25", "", "0.5"], "rating": ["Meets", "Meets", "Exceeds"]},
        index=pd.Index(["A1", "A2", "A3"], name="am_id"),
    )
    assert compare_scorecards(reference.copy(), reference).equal
    changed = reference.copy()
    changed.loc["A3", "gm_pct"] = "0.5000001"
    result = compare_scorecards(changed, reference)
    assert (result.cells, result.agree) == (9, 8) and result.differing == (("A3", "gm_pct", "0.5000001", "0.5"),)
    result = compare_scorecards(reference.drop(index="A2").drop(columns="rating"), reference)
    assert (result.cells, result.agree) == (9, 4)  # A2's two other cells and the three ratings
