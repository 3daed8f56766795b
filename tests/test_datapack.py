"""Loading and validating packs: every problem named by table, row, column and expectation."""

from __future__ import annotations

import pandas as pd
import pytest

from amreview.data.datapack import load_pack, validate_tables, write_pack
from amreview.errors import ArgumentError, DataError
from tests.conftest import hand_tables


def _problems(exc: DataError) -> list[tuple]:
    return [tuple(r) for r in exc.problems[["table", "row", "column", "check"]].itertuples(index=False)]


def test_load_folder_of_csv(hand_pack_dir):
    pack = load_pack(hand_pack_dir)
    assert set(pack.tables) == {"account_managers", "sales", "targets"}
    assert pack.sales["invoice_date"].dtype.kind == "M"
    assert pack.sales["deal_type"].eq("run_rate").all()  # contract default for a missing column
    assert not pack.sales["vendor_programme"].any()
    assert pack.fingerprint and len(pack.fingerprint) == 64


@pytest.mark.parametrize("file_format", ["csv", "parquet", "xlsx"])
def test_each_file_format_loads_to_the_same_pack(tmp_path, file_format):
    folder = write_pack(hand_tables(), tmp_path / file_format, file_format)
    pack = load_pack(folder)
    reference = validate_tables(hand_tables())
    for table in reference.tables:
        pd.testing.assert_frame_equal(pack[table], reference[table], check_dtype=False)


def test_missing_required_table_is_named(tmp_path, hand_pack_dir):
    (hand_pack_dir / "targets.csv").unlink()
    with pytest.raises(DataError, match="table targets: expected a file targets.csv"):
        load_pack(hand_pack_dir)


def test_a_missing_folder_is_a_bad_argument_named_as_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ArgumentError) as caught:
        load_pack("export/pack")
    assert not isinstance(caught.value, DataError) and caught.value.exit_code == 2  # not a contract breach
    assert str(caught.value) == (
        f"the data pack 'export/pack': no such folder (a relative path, resolved against {str(tmp_path)!r}); "
        "expected a folder holding the account_managers, sales and targets files, a database URL or 'sample'"
    )
    with pytest.raises(ArgumentError, match=r"^the data pack '/no/such/pack': no such folder; expected"):
        load_pack("/no/such/pack")  # an absolute path needs no folder to be resolved against


def test_a_file_given_as_the_pack_names_the_folder_holding_it(hand_pack_dir):
    with pytest.raises(ArgumentError) as caught:
        load_pack(hand_pack_dir / "sales.csv")
    assert str(caught.value) == (
        f"the data pack {str(hand_pack_dir / 'sales.csv')!r} is a file, not a folder: a pack is the folder "
        f"holding its table files (one per table), here {str(hand_pack_dir)!r}"
    )


def test_bad_cells_are_all_reported_with_file_row_numbers(hand_pack_dir):
    sales = pd.read_csv(hand_pack_dir / "sales.csv", dtype=str)
    sales.loc[0, "revenue"] = "abc"  # row 2 of the file
    sales.loc[2, "invoice_date"] = "31/12/2026"  # row 4
    sales.loc[3, "line_id"] = "L1"  # duplicate of row 2 → rows 2 and 5
    sales.loc[4, "am_id"] = None  # row 6: required
    sales.to_csv(hand_pack_dir / "sales.csv", index=False)
    with pytest.raises(DataError) as info:
        load_pack(hand_pack_dir)
    found = _problems(info.value)
    assert ("sales", 2, "revenue", "coerce_dtype('float64')") in found
    assert ("sales", 4, "invoice_date", "coerce_dtype('datetime64[ns]')") in found
    assert ("sales", 2, "line_id", "field_uniqueness") in found and ("sales", 5, "line_id", "field_uniqueness") in found
    assert ("sales", 6, "am_id", "not_nullable") in found
    message = str(info.value)
    assert "table sales, row 2, column revenue: expected a number, found 'abc'" in message
    assert "table sales, row 4, column invoice_date: expected a date YYYY-MM-DD, found '31/12/2026'" in message


def test_missing_required_column(hand_pack_dir):
    sales = pd.read_csv(hand_pack_dir / "sales.csv").drop(columns=["cost"])
    sales.to_csv(hand_pack_dir / "sales.csv", index=False)
    with pytest.raises(
        DataError, match="table sales, column cost: expected the required column 'cost', found no such column"
    ):
        load_pack(hand_pack_dir)


def test_unknown_am_id_is_a_reference_error(hand_pack_dir):
    sales = pd.read_csv(hand_pack_dir / "sales.csv")
    sales.loc[1, "am_id"] = "AM9"
    sales.to_csv(hand_pack_dir / "sales.csv", index=False)
    with pytest.raises(
        DataError, match="table sales, row 3, column am_id: expected a am_id listed in account_managers, found 'AM9'"
    ):
        load_pack(hand_pack_dir)


def test_coded_values_and_periods_are_checked(hand_pack_dir):
    sales = pd.read_csv(hand_pack_dir / "sales.csv")
    sales["deal_type"] = "run_rate"
    sales.loc[0, "deal_type"] = "fire_sale"
    sales.to_csv(hand_pack_dir / "sales.csv", index=False)
    targets = pd.read_csv(hand_pack_dir / "targets.csv")
    targets.loc[0, "period"] = "2026-Q3"
    targets.to_csv(hand_pack_dir / "targets.csv", index=False)
    with pytest.raises(DataError) as info:
        load_pack(hand_pack_dir)
    message = str(info.value)
    assert (
        "table sales, row 2, column deal_type: "
        "expected one of ['run_rate', 'spot', 'bespoke', 'large_volume'], found 'fire_sale'"
    ) in message
    assert (
        "table targets, row 2, column period: "
        "expected a quarter YYYYQn (e.g. 2026Q3) or a month YYYY-MM, found '2026-Q3'"
    ) in message


def test_quarter_target_must_equal_its_months(hand_pack_dir):
    targets = pd.read_csv(hand_pack_dir / "targets.csv")
    targets.loc[len(targets)] = ["AM1", "2026Q3", "gross_margin", 999.0]
    targets.to_csv(hand_pack_dir / "targets.csv", index=False)
    with pytest.raises(
        DataError,
        match=r"row 8, column target: expected the quarter's target to equal "
        r"the sum of its month targets \(200.00\), found 999.00",
    ):
        load_pack(hand_pack_dir)


def test_duplicate_target_rows(hand_pack_dir):
    targets = pd.read_csv(hand_pack_dir / "targets.csv")
    targets = pd.concat([targets, targets.iloc[[0]]], ignore_index=True)
    targets.to_csv(hand_pack_dir / "targets.csv", index=False)
    with pytest.raises(DataError, match="expected one row per am_id, period, measure"):
        load_pack(hand_pack_dir)


def test_boolean_words_and_extra_columns_and_tables(hand_pack_dir):
    sales = pd.read_csv(hand_pack_dir / "sales.csv")
    sales["vendor_programme"] = ["yes", "no", "TRUE", "0", "", "1", "false", "y", "n"]
    sales["warehouse"] = "Leeds"  # extra column: kept, ignored
    sales.to_csv(hand_pack_dir / "sales.csv", index=False)
    pd.DataFrame({"x": [1]}).to_csv(hand_pack_dir / "something_else.csv", index=False)
    pack = load_pack(hand_pack_dir)
    expected = [True, False, True, False, False, True, False, True, False]
    assert pack.sales.sort_index()["vendor_programme"].tolist() == expected
    assert "warehouse" in pack.sales.columns


def test_bad_boolean_word_is_reported(hand_pack_dir):
    sales = pd.read_csv(hand_pack_dir / "sales.csv")
    sales["vendor_programme"] = "maybe"
    sales.to_csv(hand_pack_dir / "sales.csv", index=False)
    with pytest.raises(DataError, match="column vendor_programme: expected true or false, found 'maybe'"):
        load_pack(hand_pack_dir)


def test_two_files_for_one_table(hand_pack_dir):
    pd.read_csv(hand_pack_dir / "targets.csv").to_parquet(hand_pack_dir / "targets.parquet")
    with pytest.raises(DataError, match="expected one file per table, found targets.csv and targets.parquet"):
        load_pack(hand_pack_dir)


def test_optional_table_bad_rows_are_reported(hand_pack_dir):
    pd.DataFrame(
        {
            "am_id": ["AM1", "AM1"],
            "period": ["2026Q3", "2026Q3"],
            "competency": ["Communications", "Juggling"],
            "rater": ["self", "boss"],
            "rating": [3, 7],
        }
    ).to_csv(hand_pack_dir / "competency_ratings.csv", index=False)
    with pytest.raises(DataError) as info:
        load_pack(hand_pack_dir)
    found = _problems(info.value)
    assert (
        "competency_ratings",
        3,
        "competency",
        "isin(['Interpersonal Effectiveness', 'Working with Others', 'Communications', 'Problem Solving', "
        "'Decision Making & Influencing'])",
    ) in found
    assert any(p[:3] == ("competency_ratings", 3, "rater") for p in found)
    assert any(p[:3] == ("competency_ratings", 3, "rating") for p in found)


def test_ids_read_from_excel_stay_text(tmp_path):
    tables = hand_tables()
    tables["account_managers"] = tables["account_managers"].assign(am_id=["00123", "AM2", "AM3"])
    tables["sales"] = tables["sales"].assign(am_id=tables["sales"]["am_id"].replace({"AM1": "00123"}))
    tables["targets"] = tables["targets"].assign(am_id=tables["targets"]["am_id"].replace({"AM1": "00123"}))
    pack = load_pack(write_pack(tables, tmp_path / "p", "csv"))
    assert "00123" in set(pack.account_managers["am_id"])
    assert pack.sales["am_id"].map(type).eq(str).all()


def test_validation_does_not_mutate_callers_frames():
    tables = hand_tables()
    before = {k: v.copy(deep=True) for k, v in tables.items()}
    validate_tables(tables)
    for name in tables:
        pd.testing.assert_frame_equal(tables[name], before[name])


def test_empty_targets_table_is_valid(hand_pack_dir):
    pd.DataFrame(columns=["am_id", "period", "measure", "target"]).to_csv(hand_pack_dir / "targets.csv", index=False)
    pack = load_pack(hand_pack_dir)
    assert pack.targets.empty


def test_empty_optional_table_with_a_dataframe_check_is_valid(hand_pack_dir):
    pd.DataFrame(columns=["account_id", "am_id", "feedback_date", "kind", "score"]).to_csv(
        hand_pack_dir / "customer_feedback.csv", index=False
    )
    assert load_pack(hand_pack_dir)["customer_feedback"].empty


@pytest.mark.parametrize("dtype", ["str", object])
def test_text_is_stripped_and_blank_text_is_missing(dtype):
    from amreview.data.cells import as_text

    values = pd.Series([" A1", "A2 ", "", "   ", None, "A 3"], dtype=dtype, name="account_id")
    text = as_text(values)
    assert text.tolist()[:2] == ["A1", "A2"] and text.tolist()[5] == "A 3"
    assert text.isna().tolist() == [False, False, True, True, True, False]
    assert text.dtype == "str" and text.name == "account_id"


def test_clean_text_is_not_copied():
    from amreview.data.cells import as_text

    values = pd.Series(["A1", "A2", None], dtype="str")
    assert as_text(values) is values


def test_padded_ids_in_a_parquet_pack_match_their_references(tmp_path):
    tables = hand_tables()
    tables["sales"]["am_id"] = " " + tables["sales"]["am_id"].astype(str) + "  "
    folder = write_pack(tables, tmp_path / "pack", "parquet")
    pack = load_pack(folder)
    assert set(pack.sales["am_id"]) <= set(pack.account_managers["am_id"])


def test_sales_lines_are_kept_in_date_order_with_their_file_positions(tmp_path):
    tables = hand_tables()
    sales = tables["sales"].iloc[::-1].reset_index(drop=True)  # the file lists the newest line first
    tables["sales"] = sales
    pack = load_pack(write_pack(tables, tmp_path / "pack", "csv"))
    assert pack.sales["invoice_date"].is_monotonic_increasing
    for position, line_id in enumerate(sales["line_id"].astype(str)):
        assert pack.sales.loc[position, "line_id"] == line_id
    same_day = pack.sales[pack.sales["invoice_date"].duplicated(keep=False)]
    for _, day in same_day.groupby("invoice_date"):
        assert day.index.is_monotonic_increasing  # stable: lines of one day keep the file's order


def test_dates_with_and_without_a_time_part_are_read():
    """Exports write "2026-07-05 00:00:00" beside "2026-07-05": both are ISO 8601 dates."""
    tables = hand_tables()
    dates = tables["sales"]["invoice_date"].astype(str)
    tables["sales"]["invoice_date"] = [d + " 00:00:00" if i % 2 else d for i, d in enumerate(dates)]
    pack = validate_tables(tables)
    assert sorted(pack.sales["invoice_date"]) == sorted(pd.to_datetime(dates))


def test_every_date_column_of_the_contract_is_read_as_iso_8601():
    """Each date column is declared with schemas.date_field; one without it would guess its
    format from its first value (and refuse the dates with a time part after one without)."""
    from pandera.engines import pandas_engine

    from amreview.data.schemas import SCHEMAS

    parsing = {
        (table, column.name): column.dtype.to_datetime_kwargs
        for table, model in SCHEMAS.items()
        for column in model.to_schema().columns.values()
        if isinstance(column.dtype, pandas_engine.DateTime)
    }
    assert ("sales", "invoice_date") in parsing
    assert {key: kwargs for key, kwargs in parsing.items() if kwargs != {"format": "ISO8601"}} == {}


def test_a_parquet_pack_with_dates_stored_as_dates_loads_as_one_with_dates_as_timestamps(tmp_path):
    """DuckDB, Spark and Arrow write dates as Parquet DATE: the same pack, read in one
    vectorised step; a DATE column the contract takes as text keeps its old reading."""
    from amreview.data.sample import generate_sample
    from amreview.data.schemas import kinds_of

    tables = generate_sample()
    as_timestamps = write_pack(tables, tmp_path / "timestamps", "parquet")
    as_dates = tmp_path / "dates"
    as_dates.mkdir()
    for table, frame in tables.items():
        frame = frame.copy()
        for column, kind in kinds_of(table).items():
            if kind == "date" and column in frame.columns:
                frame[column] = pd.Series(pd.to_datetime(frame[column]).dt.date.to_numpy(dtype=object)).where(
                    frame[column].notna()
                )
        frame.to_parquet(as_dates / f"{table}.parquet", index=False)
    import pyarrow.parquet as pq

    assert str(pq.read_schema(as_dates / "sales.parquet").field("invoice_date").type) == "date32[day]"
    expected, found = load_pack(as_timestamps), load_pack(as_dates)
    for table in expected.tables:
        pd.testing.assert_frame_equal(found[table], expected[table])
