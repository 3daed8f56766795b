"""Sales lines read in place by DuckDB (amreview.data.sales_file) give what a whole read gives:
the same summary, first lines and scorecard, and for a broken pack the same errors, row for row.

The sample is read whole once for the module. A changed pack holds one in ten of the sample's
lines and beside them only the tables they are checked against and the required ones
(:func:`pack_to_change`): the other tables are read and checked alike on either path (the sample
read in place, with all of them and all its lines, gives the scorecard of a whole read), and the
sample's activities alone are as many rows as its lines; a few changed lines get the same errors
and sums among 5,301 lines as among 53,010, at a tenth of the cost of reading them whole."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from amreview.data import datapack
from amreview.data.datapack import load_pack, write_pack
from amreview.data.sales_file import IN_PLACE_VARIABLE, open_sales_file
from amreview.data.schemas import REFERENCES, REQUIRED_TABLES
from amreview.errors import ArgumentError, DataError
from amreview.metrics.catalogue import all_kpis
from amreview.metrics.registry import KpiContext
from amreview.periods import Quarter
from amreview.scoring.scorecard import build_scorecard, kpi_values
from tests.conftest import sample_tables_once

PERIOD = "2026Q3"
# the tables a sales line is checked against (its references), and the other required tables
CHECKED_AGAINST = tuple(
    dict.fromkeys(
        [ref for table, _, ref, _ in REFERENCES if table == "sales"] + [t for t in REQUIRED_TABLES if t != "sales"]
    )
)


LINE_STEP = 10  # a changed pack holds every tenth of the sample's lines: every person's, every month's


def pack_to_change(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Every :data:`LINE_STEP`-th of ``tables``' sales lines, labelled from 0, and the tables
    they are checked against (:data:`CHECKED_AGAINST`)."""
    return {"sales": tables["sales"].iloc[::LINE_STEP].reset_index(drop=True)} | {
        name: tables[name] for name in CHECKED_AGAINST
    }


def kpi_values_of(pack: datapack.DataPack) -> pd.DataFrame:
    """``build_scorecard(pack, PERIOD).values`` (every KPI of every window) without the scores,
    evidence and expectations the scorecard computes from them: a test that compares only the
    values need not pay for the rest."""
    return kpi_values(KpiContext.for_period(pack, Quarter.parse(PERIOD)), all_kpis())


@pytest.fixture(scope="module")
def sample_tables(tmp_path_factory) -> dict[str, pd.DataFrame]:
    return sample_tables_once(tmp_path_factory)


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory, sample_tables):
    return write_pack(sample_tables, tmp_path_factory.mktemp("pack") / "sample", "parquet")


@pytest.fixture(scope="module")
def sample_read_whole(sample_dir) -> datapack.DataPack:
    """The sample read whole (no test changes it)."""
    return whole(sample_dir)


def in_place(folder, monkeypatch) -> datapack.DataPack:
    monkeypatch.setenv(IN_PLACE_VARIABLE, "1")
    pack = load_pack(folder)
    monkeypatch.delenv(IN_PLACE_VARIABLE)
    assert pack.sales_file is not None, "read in place"
    return pack


def whole(folder) -> datapack.DataPack:
    pack = load_pack(folder)
    assert pack.sales_file is None, "read whole"
    return pack


def assert_frames_match(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    """Equal frames, floats within 1e-12 relative (sums taken in another order)."""
    assert list(ours.columns) == list(theirs.columns)
    assert ours.dtypes.to_dict() == theirs.dtypes.to_dict()
    assert list(ours.index) == list(theirs.index)
    for column in ours.columns:
        a, b = ours[column], theirs[column]
        if a.dtype.kind == "f":
            np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-12, atol=1e-6, err_msg=column)
        else:
            assert a.tolist() == b.tolist(), column


def test_the_summary_and_first_lines_are_those_of_a_whole_read(sample_dir, sample_read_whole, monkeypatch):
    ours, theirs = in_place(sample_dir, monkeypatch), sample_read_whole
    assert len(ours.sales_file.suspects) == 0  # the sample is clean: DuckDB vouches for every line
    assert_frames_match(ours.sales_summary, theirs.sales_summary)
    pd.testing.assert_frame_equal(ours.first_lines, theirs.first_lines)
    assert ours.invoice_dates == theirs.invoice_dates
    assert ours.line_count == theirs.line_count == 53_010
    pd.testing.assert_frame_equal(ours.lines_beyond(20_000.0), theirs.lines_beyond(20_000.0))
    assert len(theirs.lines_beyond(20_000.0)) > 100  # a bound that many lines pass


def test_the_lines_are_read_whole_only_when_asked_and_then_as_a_whole_read_gives_them(
    sample_dir, sample_read_whole, monkeypatch
):
    ours, theirs = in_place(sample_dir, monkeypatch), sample_read_whole
    assert "sales" in ours.tables and list(ours.tables) == list(theirs.tables)
    assert ours.row_counts() == theirs.row_counts()
    assert "sales" not in ours.tables._tables  # not read by any of the above
    pd.testing.assert_frame_equal(ours.sales, theirs.sales)


def test_the_scorecard_is_that_of_a_whole_read_without_reading_the_lines(sample_dir, sample_read_whole, monkeypatch):
    ours = in_place(sample_dir, monkeypatch)

    def refuse(*_):
        raise AssertionError("the scorecard read the sales lines whole")

    monkeypatch.setattr(datapack, "_sales_read_whole", refuse)
    card = build_scorecard(ours, PERIOD)
    reference = build_scorecard(sample_read_whole, PERIOD)
    assert_frames_match(card.values, reference.values)
    assert_frames_match(card.scores, reference.scores)
    assert_frames_match(card.overall, reference.overall)
    assert card.overall["overall_rating"].nunique() > 1  # ratings that could differ


def _broken(tables: dict[str, pd.DataFrame], change) -> dict[str, pd.DataFrame]:
    tables = {name: frame.copy() for name, frame in tables.items()}
    change(tables["sales"])
    return tables


def _set(row: int, column: str, value):
    def change(sales: pd.DataFrame) -> None:
        if sales[column].dtype.kind in "biuf" and not isinstance(value, (int, float)):
            sales[column] = sales[column].astype(object)
        sales.loc[row, column] = value

    return change


def _repeat_id(row: int, of: int, padded: bool = False):
    def change(sales: pd.DataFrame) -> None:
        sales.loc[row, "line_id"] = f" {sales.loc[of, 'line_id']} " if padded else sales.loc[of, "line_id"]

    return change


BROKEN = {
    "a missing revenue": _set(10, "revenue", np.nan),
    "an infinite cost": _set(11, "cost", np.inf),
    "a missing invoice date": _set(12, "invoice_date", pd.NaT),
    "a repeated line id": _repeat_id(4_000, 7),
    "a line id that repeats another once trimmed": _repeat_id(4_001, 8, padded=True),
    "an unknown account manager": _set(13, "am_id", "AM999"),
    "an unknown account": _set(14, "account_id", "ACC-NOPE"),
    "a deal type outside the contract": _set(15, "deal_type", "Spot"),
    "an id with a tab inside": _set(16, "account_id", "ACC\t1"),
    "a missing product": _set(17, "product", None),
    "an id too long": _set(18, "line_id", "L" * 101),
}


@pytest.mark.parametrize("case", BROKEN)
def test_a_broken_pack_gets_the_errors_of_a_whole_read_row_for_row(case, sample_tables, tmp_path, monkeypatch):
    folder = write_pack(_broken(pack_to_change(sample_tables), BROKEN[case]), tmp_path / "pack", "parquet")
    with pytest.raises(DataError) as read_whole:
        load_pack(folder)
    monkeypatch.setenv(IN_PLACE_VARIABLE, "1")
    with pytest.raises(DataError) as read_in_place:
        load_pack(folder)
    assert open_sales_file(folder / "sales.parquet") is not None  # the in-place path was taken
    pd.testing.assert_frame_equal(read_in_place.value.problems, read_whole.value.problems)
    assert str(read_in_place.value) == str(read_whole.value)


def _pad_ids(sales: pd.DataFrame) -> None:
    sales.loc[[3, 3_000], "am_id"] = " " + sales.loc[[3, 3_000], "am_id"] + "  "


def _no_deal_type(sales: pd.DataFrame) -> None:
    sales.loc[[22, 23], "deal_type"] = None
    sales["vendor_programme"] = sales["vendor_programme"].astype(object)
    sales.loc[[24], "vendor_programme"] = None


# case → (change, whether DuckDB leaves some line to pandas)
FINE_AFTER_ALL = {
    "ids with spaces around them": (_pad_ids, True),
    "an empty deal type": (_set(20, "deal_type", ""), True),
    "a product name with an accent": (_set(21, "product", "Câble réseau"), False),
    "a missing deal type and vendor programme": (_no_deal_type, False),
}


@pytest.mark.parametrize("case", FINE_AFTER_ALL)
def test_lines_duckdb_cannot_vouch_for_but_the_loader_accepts_count_like_the_rest(
    case, sample_tables, tmp_path, monkeypatch
):
    change, left_to_pandas = FINE_AFTER_ALL[case]
    folder = write_pack(_broken(pack_to_change(sample_tables), change), tmp_path / "pack", "parquet")
    ours, theirs = in_place(folder, monkeypatch), whole(folder)
    assert (len(ours.sales_file.suspects) > 0) is left_to_pandas
    assert_frames_match(ours.sales_summary, theirs.sales_summary)
    pd.testing.assert_frame_equal(ours.first_lines, theirs.first_lines)
    assert_frames_match(kpi_values_of(ours), kpi_values_of(theirs))


def test_a_parquet_file_of_other_types_is_read_whole(sample_tables, tmp_path):
    tables = pack_to_change(sample_tables)
    tables["sales"] = tables["sales"].assign(invoice_date=tables["sales"]["invoice_date"].dt.strftime("%Y-%m-%d"))
    folder = write_pack(tables, tmp_path / "pack", "parquet")
    assert open_sales_file(folder / "sales.parquet", min_lines=1) is None  # dates as text: pandas reads them
    assert open_sales_file(tmp_path / "pack" / "targets.parquet", min_lines=1) is None  # no sales columns


def test_small_files_are_read_whole_and_the_threshold_is_checked(sample_dir, sample_read_whole, monkeypatch):
    assert open_sales_file(sample_dir / "sales.parquet") is None  # 53,010 lines: below the threshold
    assert sample_read_whole.sales_file is None
    monkeypatch.setenv(IN_PLACE_VARIABLE, "many")
    with pytest.raises(ArgumentError, match=f"{IN_PLACE_VARIABLE}='many': expected a whole number"):
        load_pack(sample_dir)
