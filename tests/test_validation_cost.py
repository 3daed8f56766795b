"""Validation's shortcuts for clean columns (amreview.data.schemas.schema_for, cells.as_text): a
cheap proof spares an expensive check, and where the proof fails the full check runs, so what
validation reports is word for word the same.

* Ids proven distinct by comparing neighbours skip pandera's uniqueness check (which hashes
  every id); duplicates still get pandera's own report.
* Text whose values neither are empty nor start or end with white space is not trimmed.
"""

from __future__ import annotations

import pandas as pd
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amreview.data.cells import as_text
from amreview.data.datapack import validate_tables
from amreview.data.schemas import distinct_text, passing_checks, schema_for
from amreview.errors import DataError
from tests.conftest import sample_pack_once, sample_tables_once

# Values with white space of every kind at either end, inside, or none; empty; missing.
TEXT = st.one_of(
    st.none(),
    st.text(alphabet=st.sampled_from(["a", "b", "Z", "-", " ", "\t", "\n", "\u00a0", "\u2003", "é", "ü", "\x1f"])),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXT, max_size=12), st.booleans())
def test_distinct_text_is_true_exactly_when_every_value_is_present_and_distinct(values, in_order):
    if in_order:
        values = sorted(values, key=lambda v: (v is None, v or ""))
    series = pd.Series(values, dtype="str")
    assert distinct_text(series) == (series.notna().all() and series.is_unique)


def test_distinct_text_cannot_tell_other_dtypes():
    assert not distinct_text(pd.Series(["a", "b"], dtype=object))
    assert not distinct_text(pd.Series([1, 2]))


def test_distinct_ids_skip_the_uniqueness_check_and_duplicates_keep_it():
    ids = pd.DataFrame({"activity_id": pd.Series(["A2", "A1", "A3"], dtype="str")})
    assert not schema_for("activities", ids).columns["activity_id"].unique
    twice = pd.DataFrame({"activity_id": pd.Series(["A2", "A1", "A2"], dtype="str")})
    assert schema_for("activities", twice).columns["activity_id"].unique


@pytest.fixture(scope="module")
def sample_tables(tmp_path_factory) -> dict[str, pd.DataFrame]:
    return sample_tables_once(tmp_path_factory)


def test_validating_distinct_ids_hashes_none_of_them(sample_tables, monkeypatch):
    """pandera's uniqueness check asks ``Series.is_unique``; the sample's ids are proven
    distinct first, so it is never asked (on ten million lines it costs seconds)."""
    tables = dict(sample_tables)
    asked = []
    original = pd.Series.is_unique
    monkeypatch.setattr(pd.Series, "is_unique", property(lambda self: asked.append(self.name) or original.fget(self)))
    validate_tables(tables, source="sample")
    assert not [name for name in asked if str(name).endswith("_id")]


def test_a_duplicate_id_is_reported_as_pandera_reports_it(sample_tables):
    tables = sample_tables
    activities = tables["activities"].copy()
    activities.loc[5, "activity_id"] = activities.loc[2, "activity_id"]
    with pytest.raises(DataError) as caught:
        validate_tables({**tables, "activities": activities}, source="sample")
    problems = caught.value.problems
    twice = problems[problems["check"] == "field_uniqueness"]
    assert list(twice["table"]) == ["activities", "activities"]
    assert list(twice["row"]) == [3, 6]  # rows as a spreadsheet numbers them: from 1, no header


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXT, max_size=12))
def test_as_text_of_arrow_text_trims_and_blanks_as_the_definition_says(values):
    series = pd.Series(values, dtype="str")
    stripped = pd.Series([None if v is None or not v.strip() else v.strip() for v in values], dtype="str")
    pd.testing.assert_series_equal(as_text(series), stripped)


def test_clean_text_is_not_trimmed(monkeypatch):
    """A column whose values end in printable ASCII at both ends has nothing to trim: it is
    returned as it is, without the trim that compares every value."""

    def trim(*args, **kwargs):
        raise AssertionError("a clean column was trimmed")

    monkeypatch.setattr(pc, "utf8_trim_whitespace", trim)
    clean = pd.Series(["AM-1", "Ada Lovelace", None, "x"], dtype="str")
    assert as_text(clean) is clean


def _failures(schema, frame: pd.DataFrame) -> pd.DataFrame | None:
    """What ``schema`` finds in ``frame``: its failure cases in a fixed order, or None."""
    import pandera.pandas as pa

    try:
        schema.validate(frame.copy(), lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases[["column", "check", "index", "failure_case"]].astype(str)
        return cases.sort_values(list(cases.columns), ignore_index=True)
    return None


ID = st.one_of(
    st.none(),
    st.sampled_from(["A1", "A2", "A3", " A4", "A\t5", "A\u202e6", "é7", "X" * 101, "é" * 60]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(ID, ID, st.sampled_from(["call", "visit", "fax", "Call", None])), min_size=1, max_size=8))
def test_a_pack_validated_with_its_proofs_fails_exactly_as_without_them(rows):
    """Whatever the ids and types (duplicates, missing, too long, control characters, words
    outside the vocabulary), the schema with the proven checks left out finds what the full
    schema finds."""
    from amreview.data.schemas import SCHEMAS

    frame = pd.DataFrame(
        {
            "activity_id": pd.Series([r[0] for r in rows], dtype="str"),
            "am_id": "AM1",
            "account_id": pd.Series([r[1] for r in rows], dtype="str"),
            "type": pd.Series([r[2] for r in rows], dtype="str"),
            "activity_date": "2026-07-01",
        }
    )
    full = _failures(SCHEMAS["activities"].to_schema(), frame)
    spared = _failures(schema_for("activities", frame), frame)
    if full is None:
        assert spared is None
    else:
        pd.testing.assert_frame_equal(spared, full)


def test_checks_proven_to_pass_are_left_out():
    from amreview.data.schemas import SCHEMAS

    column = SCHEMAS["activities"].to_schema().columns
    clean = pd.Series(["A1", "A2", None], dtype="str")
    assert passing_checks(column["account_id"], clean) == ("id_length", "id_characters")
    assert passing_checks(column["account_id"], pd.Series(["A\t1"], dtype="str")) == ("id_length",)
    assert passing_checks(column["account_id"], pd.Series(["X" * 101], dtype="str")) == ("id_characters",)
    assert passing_checks(column["type"], pd.Series(["call", None, "visit"], dtype="str")) == ("isin",)
    assert passing_checks(column["type"], pd.Series(["call", "fax"], dtype="str")) == ()
    assert passing_checks(column["activity_id"], pd.Series(["A2", "A1"], dtype="str")) == (
        "unique",
        "id_length",
        "id_characters",
    )


def test_target_periods_are_read_once_per_distinct_period(tmp_path_factory, monkeypatch):
    """Whether a target's period is a month, and its quarter, are asked once per distinct period,
    not once per row; the problems found are the same (a quarter row whose months do not add up)."""
    from amreview.data import problems

    targets = sample_pack_once(tmp_path_factory).targets  # validate_tables(generate_sample())
    quarter_row = targets.index[targets["period"] == "2026Q3"][0]
    months = pd.DataFrame(
        {"am_id": targets.at[quarter_row, "am_id"], "period": ["2026-07", "2026-08", "2026-09"]}
        | {"measure": targets.at[quarter_row, "measure"], "target": 1.0}
    )
    targets = pd.concat([targets, months], ignore_index=True)
    asked = []
    original = problems.is_month_label
    monkeypatch.setattr(problems, "is_month_label", lambda text: asked.append(text) or original(text))
    found = problems.target_consistency_problems(targets, lambda i: i + 2)
    assert len(asked) == targets["period"].nunique() < len(targets)
    assert list(found["row"]) == [quarter_row + 2] and list(found["check"]) == ["months_add_up"]
