"""take_rows: the same frame as ``iloc``, whichever way each text column is moved."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from amreview.frames import in_order_of, row_positions, stable_order, take_rows


def _frame(keys, ids, numbers):
    return pd.DataFrame(
        {
            "account_id": pd.array(keys, dtype="str"),  # few distinct values: through the dictionary
            "line_id": pd.array(ids, dtype="str"),  # one a row: taken directly
            "revenue": numbers,
            "invoice_date": pd.to_datetime("2026-07-01") + pd.to_timedelta(np.arange(len(keys)), unit="D"),
        },
        index=pd.Index(np.arange(len(keys)) * 10 + 3, name="row"),
    )


def test_take_rows_equals_iloc_with_missing_values_and_index():
    frame = _frame(
        ["A1", None, "A2", "A1", "A2", "A1"], ["L1", "L2", "L3", None, "L5", "L6"], [1.0, 2.0, np.nan, 4.0, 5.0, 6.0]
    )
    order = np.array([5, 3, 1, 0, 4, 2])
    taken = take_rows(frame, order)
    pd.testing.assert_frame_equal(taken, frame.iloc[order])
    assert taken["account_id"].dtype == frame["account_id"].dtype
    assert taken["account_id"].isna().tolist() == [False, False, True, False, False, False]
    assert frame["account_id"].notna().sum() == 5


def test_take_rows_of_chunked_columns_and_a_subset():
    frame = pd.concat(
        [_frame(["A1", "A2"] * 50, [f"L{i}" for i in range(100)], np.arange(100.0))] * 3, ignore_index=True
    )  # concatenated: several Arrow chunks per column
    order = np.random.default_rng(7).permutation(len(frame))[:120]
    pd.testing.assert_frame_equal(take_rows(frame, order), frame.iloc[order])


def test_take_rows_of_an_empty_frame_and_no_rows():
    frame = _frame([], [], [])
    pd.testing.assert_frame_equal(take_rows(frame, np.array([], dtype=int)), frame.iloc[[]])
    full = _frame(["A1"], ["L1"], [1.0])
    pd.testing.assert_frame_equal(take_rows(full, np.array([], dtype=int)), full.iloc[[]])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.sampled_from(["A", "B", "Ç", " x "])), min_size=1, max_size=40),
    st.randoms(use_true_random=False),
)
def test_take_rows_is_iloc(keys, rnd):
    frame = _frame(keys, [f"L{i}" for i in range(len(keys))], np.arange(len(keys), dtype=float))
    order = np.array([rnd.randrange(len(keys)) for _ in range(rnd.randrange(0, 2 * len(keys)))], dtype=int)
    pd.testing.assert_frame_equal(take_rows(frame, order), frame.iloc[order])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["AM1", "AM2", "AM3", "Ç"])), max_size=40))
def test_row_positions_are_the_groupby_indices(keys):
    values = pd.Series(keys, dtype="str")
    expected = values.groupby(values.to_numpy(), sort=False).indices if len(values) else {}
    found = row_positions(values)
    assert set(found) == set(expected)
    for key, positions in expected.items():
        np.testing.assert_array_equal(found[key], positions)
        assert isinstance(key, str)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(0, 5)), max_size=40), st.sampled_from(["date", "float", "text"]))
def test_stable_order_is_a_stable_sort_with_missing_values_last(days, kind):
    base = pd.Series([np.nan if d is None else float(d) for d in days], dtype=float)
    values = {
        "date": pd.Timestamp("2026-07-01") + pd.to_timedelta(base, unit="D"),
        "float": base,
        "text": pd.Series([None if d is None else f"k{d}" for d in days], dtype="str"),
    }[kind]
    expected = values.sort_values(kind="stable", na_position="last").index.to_numpy()
    np.testing.assert_array_equal(stable_order(values), expected)


def test_stable_order_with_more_distinct_values_than_sixteen_bits_hold():
    values = pd.Series(np.random.default_rng(3).permutation(70_000) // 2, dtype="int64")
    np.testing.assert_array_equal(stable_order(values), np.argsort(values.to_numpy(), kind="stable"))


def test_in_order_of_sorts_by_date_keeping_labels_and_same_day_order():
    frame = _frame(["A1", "A2", "A1", "A3"], ["L1", "L2", "L3", "L4"], [1.0, 2.0, 3.0, 4.0])
    frame["invoice_date"] = pd.to_datetime(["2026-07-03", "2026-07-01", "2026-07-03", "2026-07-01"])
    ordered = in_order_of(frame, "invoice_date")
    assert ordered["line_id"].tolist() == ["L2", "L4", "L1", "L3"]
    assert ordered.index.tolist() == [13, 33, 3, 23]
    assert in_order_of(ordered, "invoice_date") is ordered  # already in order: not copied


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["call", "visit", "fax", "Call", ""])), max_size=10))
def test_as_category_is_pandas_categorical(values):
    """Arrow text categorised through its dictionary gives pandas' own categories and codes
    (a value outside them: missing)."""
    from amreview.frames import as_category

    categories = ["call", "visit", "meeting"]
    for series in (pd.Series(values, dtype="str"), pd.Series(values, dtype="str").iloc[1:]):
        expected = pd.Categorical(series.where(series.isin(categories)), categories=categories)
        got = as_category(series, categories)
        assert list(got.categories) == categories and list(got.codes) == list(expected.codes)
