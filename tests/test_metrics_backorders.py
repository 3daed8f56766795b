"""Back orders: open value, ageing, past the promised date, days to fulfil, and the KPI rows of
amreview.metrics.backorders. Expected figures are computed by hand in the comments."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amreview.data.datapack import validate_tables
from amreview.metrics.backorders import (
    BUCKET_LABELS,
    KPIS,
    SUMMARY_COLUMNS,
    back_order_ageing,
    back_order_summary,
    days_to_fulfil,
    fulfilled_back_orders,
    open_back_order_value,
    open_back_orders,
    past_promised_share,
)
from amreview.metrics.registry import KpiContext
from amreview.periods import Quarter
from tests.test_metrics_margin import review_tables, same

NAN = math.nan
AS_OF = pd.Timestamp("2026-09-30")
Q3 = (pd.Timestamp("2026-07-01"), pd.Timestamp("2026-09-30"))


@pytest.fixture(scope="module")
def pack():
    return validate_tables(review_tables(), source="review")


@pytest.fixture(scope="module")
def back_orders(pack):
    return pack["back_orders"]


@pytest.fixture(scope="module")
def ctx(pack):
    return KpiContext.for_period(pack, Quarter.parse("2026Q3"))


def kpi(name: str):
    return {k.name: k for k in KPIS}[name]


def test_open_on_a_day_reads_the_history(back_orders):
    rows = open_back_orders(back_orders, AS_OF)
    # B2 was fulfilled after 30 Sep, so open then; B7 ordered after it; B4, B5, B8 fulfilled by then
    assert sorted(rows["order_line_id"]) == ["B1", "B2", "B3", "B6"]
    assert rows.set_index("order_line_id")["days_open"].to_dict() == {"B1": 2, "B2": 60, "B3": 121, "B6": 0}
    assert rows.set_index("order_line_id")["past_promised"].to_dict() == {
        "B1": False,
        "B2": True,
        "B3": False,
        "B6": False,
    }  # B6 promised today: not late yet
    earlier = open_back_orders(back_orders, "2026-07-05")
    assert sorted(earlier["order_line_id"]) == ["B3", "B4"]  # B5 fulfilled 1 Jul, B2 not yet ordered


def test_open_back_order_value(back_orders):
    assert open_back_order_value(back_orders, AS_OF).to_dict() == {"AM1": 450.0, "AM2": 200.0}
    assert open_back_order_value(back_orders, AS_OF, by=None) == 650.0
    assert open_back_order_value(back_orders, "2020-01-01", by=None) == 0.0


@pytest.mark.parametrize(
    "age, bucket",
    [
        (0, "0-7"),
        (7, "0-7"),
        (8, "8-30"),
        (30, "8-30"),
        (31, "31-60"),
        (60, "31-60"),
        (61, "61-90"),
        (90, "61-90"),
        (91, ">90"),
        (400, ">90"),
    ],
)
def test_ageing_bucket_edges(age, bucket):
    one = pd.DataFrame(
        {
            "order_line_id": ["x"],
            "am_id": ["a"],
            "order_date": [AS_OF - pd.Timedelta(days=age)],
            "promised_date": [pd.NaT],
            "fulfilled_date": [pd.NaT],
            "value": [10.0],
        }
    )
    table = back_order_ageing(one, AS_OF)
    assert list(table.index) == list(BUCKET_LABELS)
    assert table.loc[bucket, "orders"] == 1 and table.loc[bucket, "value_share"] == 1.0
    assert table["orders"].sum() == 1


def test_ageing_has_every_bucket(back_orders):
    table = back_order_ageing(back_orders[back_orders["am_id"] == "AM1"], AS_OF)
    assert table["orders"].tolist() == [1, 0, 1, 0, 1]  # B1 2 days, B2 60, B3 121
    assert table["value"].tolist() == [100.0, 0.0, 300.0, 0.0, 50.0]
    assert same(table.loc["31-60", "value_share"], 300.0 / 450.0)
    by_am = back_order_ageing(back_orders, AS_OF, "am_id")
    assert len(by_am) == 10 and by_am.loc[("AM2", "0-7"), "value"] == 200.0
    nothing = back_order_ageing(back_orders, "2020-01-01")
    assert list(nothing.index) == list(BUCKET_LABELS) and nothing["value_share"].isna().all()


def test_past_promised_share_leaves_out_lines_without_a_promise(back_orders):
    shares = past_promised_share(back_orders, AS_OF)
    assert same(shares["AM1"], 300.0 / 400.0)  # B2 late of B1 + B2; B3 has no promise
    assert same(shares["AM2"], 0.0)
    assert same(past_promised_share(back_orders, AS_OF, by=None), 300.0 / 600.0)
    only_unpromised = back_orders[back_orders["order_line_id"] == "B3"]
    assert math.isnan(past_promised_share(only_unpromised, AS_OF, by=None))
    assert math.isnan(past_promised_share(back_orders, "2020-01-01", by=None))


def test_days_to_fulfil(back_orders):
    assert fulfilled_back_orders(back_orders, *Q3).set_index("order_line_id")["days_to_fulfil"].to_dict() == {
        "B4": 20.0,
        "B5": 11.0,
    }
    assert days_to_fulfil(back_orders, *Q3).to_dict() == {"AM1": 15.5}
    assert same(days_to_fulfil(back_orders, "2026-01-01", "2026-09-30", by=None), (20.0 + 11.0 + 19.0) / 3)
    assert math.isnan(days_to_fulfil(back_orders, "2020-01-01", "2020-03-31", by=None))


def test_back_order_summary(back_orders):
    one = back_order_summary(back_orders[back_orders["am_id"] == "AM1"], AS_OF, *Q3)
    assert one.tolist() == pytest.approx([3.0, 450.0, 300.0, 50.0, 0.75, 2.0, 15.5], abs=1e-9)
    table = back_order_summary(back_orders, AS_OF, *Q3, by="am_id")
    assert list(table.columns) == SUMMARY_COLUMNS
    am2 = table.loc["AM2"]
    assert am2["open_orders"] == 1 and am2["fulfilled_orders"] == 0 and math.isnan(am2["mean_days_to_fulfil"])


@pytest.mark.parametrize(
    "name, am_id, expected",
    [
        ("open_back_order_value", "AM1", 450.0),
        ("open_back_order_value", "AM2", 200.0),
        ("open_back_order_value", "AM3", 0.0),  # the table is there; nothing open
        ("back_orders_past_promised_share", "AM1", 0.75),
        ("back_orders_past_promised_share", "AM2", 0.0),
        ("back_orders_past_promised_share", "AM3", NAN),
        ("back_order_days_to_fulfil", "AM1", 15.5),
        ("back_order_days_to_fulfil", "AM2", NAN),
    ],
)
def test_kpi_values(ctx, name, am_id, expected):
    values = kpi(name)(ctx)
    assert list(values.index) == ["AM1", "AM2", "AM3"]
    assert same(values[am_id], expected)


def test_days_to_fulfil_year_to_date(ctx):
    assert same(kpi("back_order_days_to_fulfil")(ctx.for_window("ytd"))["AM1"], 50.0 / 3)


def test_a_past_quarter_sees_its_own_open_back_orders(pack):
    q2 = KpiContext.for_period(pack, Quarter.parse("2026Q2"))  # 30 June: B3 (30 days) and B5 (10) open
    assert same(kpi("open_back_order_value")(q2)["AM1"], 60.0)
    assert math.isnan(kpi("back_orders_past_promised_share")(q2)["AM1"])  # neither had a promise


def test_registry_rows_are_complete():
    assert [k.name for k in KPIS] == [
        "open_back_order_value",
        "back_orders_past_promised_share",
        "back_order_days_to_fulfil",
    ]
    assert kpi("open_back_order_value").higher_is_better is None
    assert kpi("back_orders_past_promised_share").higher_is_better is False
    assert kpi("back_order_days_to_fulfil").higher_is_better is False


def test_functions_do_not_mutate_their_inputs(back_orders):
    before = back_orders.copy(deep=True)
    open_back_orders(back_orders, AS_OF)
    back_order_ageing(back_orders, AS_OF, "am_id")
    past_promised_share(back_orders, AS_OF)
    days_to_fulfil(back_orders, *Q3)
    back_order_summary(back_orders, AS_OF, *Q3, by="am_id")
    pd.testing.assert_frame_equal(back_orders, before)


@st.composite
def back_order_rows(draw):
    n = draw(st.integers(min_value=0, max_value=25))

    def days(lo, hi):
        return draw(st.lists(st.integers(lo, hi), min_size=n, max_size=n))

    ordered = AS_OF - pd.to_timedelta(days(-10, 200), unit="D")
    fulfilled = pd.Series(ordered + pd.to_timedelta(days(0, 120), unit="D"))
    fulfilled[np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)] = pd.NaT
    return pd.DataFrame(
        {
            "order_line_id": [f"o{i}" for i in range(n)],
            "am_id": draw(st.lists(st.sampled_from(["a", "b"]), min_size=n, max_size=n)),
            "order_date": ordered,
            "promised_date": ordered + pd.Timedelta(days=10),
            "fulfilled_date": fulfilled.to_numpy(),
            "value": draw(st.lists(st.integers(1, 1000).map(float), min_size=n, max_size=n)),
        }
    )


@settings(max_examples=25, deadline=None)
@given(back_order_rows())
def test_ageing_buckets_add_up_to_the_open_value(rows):
    ageing = back_order_ageing(rows, AS_OF, "am_id")
    open_value = open_back_order_value(rows, AS_OF)
    assert ageing.groupby(level="am_id")["value"].sum().to_dict() == pytest.approx(open_value.to_dict())
    share = past_promised_share(rows, AS_OF)
    assert ((share.dropna() >= 0) & (share.dropna() <= 1)).all()


def test_nothing_open_gives_empty_tables_by_group(back_orders):
    assert back_order_ageing(back_orders, "2020-01-01", "am_id").empty
    assert back_order_summary(back_orders, "2020-01-01", "2020-01-01", "2020-03-31", "am_id").empty
    assert past_promised_share(back_orders, "2020-01-01").empty
