"""Sales lines checked and summed in PostgreSQL (amreview.data.sales_table) give what a whole read
gives: the same summary, first lines and scorecard, and for a broken pack the same errors, row
for row; and the lines do not cross the wire (rows fetched, counted by amreview.data.sql).

Needs the PostgreSQL test server (tests/test_sql.py: skipped without AMREVIEW_TEST_POSTGRES_URL,
a failure in CI). Each pack lives in a schema of its own: the sample's tables once, the pack
to change once (one in ten of the sample's lines and only the tables they are checked against
and the required ones: :func:`~tests.test_sales_in_place.pack_to_change`), and per changed pack
its own ``sales`` table beside views of the latter's other tables. A changed pack's ``sales`` is
the pack to change's copied in the database with only the lines a test changed written again
(the reads order the lines by ``line_id``, so where they lie in the table does not matter), and
the sample read whole is read once for the module. The other tables are read and checked alike
on either path (the sample read in the database, with all of them and all its lines, gives the
scorecard of a whole read), and the sample's activities alone are as many rows as its lines; a
few changed lines get the same errors and sums among 5,301 lines as among 53,010, at a tenth of
the cost of reading them whole."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pytest
from sqlalchemy.engine import make_url

from amreview.data import datapack, sql
from amreview.data.datapack import load_pack, write_pack
from amreview.data.sales_file import IN_PLACE_VARIABLE
from amreview.data.sales_table import SalesTable
from amreview.data.schemas import kinds_of
from amreview.data.sql import change_rows
from amreview.errors import DataError
from amreview.scoring.scorecard import build_scorecard
from tests.conftest import sample_tables_once
from tests.test_sales_in_place import (
    BROKEN,
    CHECKED_AGAINST,
    FINE_AFTER_ALL,
    PERIOD,
    _broken,
    assert_frames_match,
    kpi_values_of,
    pack_to_change,
)
from tests.test_sql import execute, postgres_server_url

SAMPLE_LINES = 53_010


@contextmanager
def schema() -> Iterator[tuple[str, str]]:
    """A fresh schema of the test server: its name and a URL reading it, dropped afterwards."""
    server = postgres_server_url()
    name = f"amreview_i16_{uuid.uuid4().hex[:12]}"
    execute(server, f'CREATE SCHEMA "{name}"')
    try:
        yield (
            name,
            make_url(server)
            .update_query_dict({"options": f"-csearch_path={name}"})
            .render_as_string(hide_password=False),
        )
    finally:
        execute(server, f'DROP SCHEMA "{name}" CASCADE')


@pytest.fixture(scope="module")
def sample_tables(tmp_path_factory) -> dict[str, pd.DataFrame]:
    return sample_tables_once(tmp_path_factory)


@contextmanager
def pack_in_schema(tables: dict[str, pd.DataFrame]) -> Iterator[tuple[str, str]]:
    """``tables`` written to a fresh schema (:func:`schema`): its name and URL."""
    with schema() as (name, url):
        write_pack(tables, url)
        yield name, url


@pytest.fixture(scope="module")
def sample_db(sample_tables) -> Iterator[tuple[str, str]]:
    """The sample pack in PostgreSQL: (schema, URL)."""
    with pack_in_schema(sample_tables) as db:
        yield db


@pytest.fixture(scope="module")
def sample_url(sample_db) -> str:
    return sample_db[1]


@pytest.fixture(scope="module")
def lines_tables(sample_tables) -> dict[str, pd.DataFrame]:
    """The pack the tests change: one in ten of the sample's lines and the tables they are
    checked against."""
    return pack_to_change(sample_tables)


@pytest.fixture(scope="module")
def lines_db(lines_tables) -> Iterator[tuple[str, str]]:
    """:func:`lines_tables` in PostgreSQL: (schema, URL)."""
    with pack_in_schema(lines_tables) as db:
        yield db


@contextmanager
def pack_with_sales(lines_db, lines_tables, sales: pd.DataFrame | None = None) -> Iterator[str]:
    """A pack of ``sales`` (those of ``lines_tables`` when None) beside views of the tables the
    lines are checked against (:data:`CHECKED_AGAINST`) in ``lines_db``: its URL. The ``sales``
    table of ``lines_db`` is copied in the database and only the lines of ``sales`` that differ
    from it are written (as :func:`write_pack` writes them); the whole table is written where a
    column's dtype changed, since its SQL type would too."""
    base, _ = lines_db
    with schema() as (name, url):
        ours = lines_tables["sales"]
        if sales is not None and not sales.dtypes.equals(ours.dtypes):
            write_pack({"sales": sales}, url)
        else:
            execute(
                url,
                f'CREATE TABLE "{name}".sales (LIKE "{base}".sales INCLUDING ALL)',
                f'INSERT INTO "{name}".sales SELECT * FROM "{base}".sales',
            )
            if sales is not None:
                _write_changed_lines(url, ours, sales)
        execute(url, *(f'CREATE VIEW "{name}"."{t}" AS SELECT * FROM "{base}"."{t}"' for t in CHECKED_AGAINST))
        yield url


def _write_changed_lines(url: str, base: pd.DataFrame, sales: pd.DataFrame) -> None:
    """Replace in ``url``'s copy of the lines ``base`` (whose line ids are unique) each line
    whose row of ``sales`` differs (a missing value equals only a missing value)."""
    assert sales.index.equals(base.index) and list(sales.columns) == list(base.columns)
    differs = ~((sales == base) | (sales.isna() & base.isna())).all(axis="columns")
    assert differs.any(), "a broken pack changes some line"
    change_rows(
        url,
        {"sales": sales[differs]},
        {"sales": [{"line_id": line_id} for line_id in base.loc[differs, "line_id"]]},
        {"sales": kinds_of("sales")},
    )


def in_database(url: str, monkeypatch) -> datapack.DataPack:
    monkeypatch.setenv(IN_PLACE_VARIABLE, "1")
    pack = load_pack(url)
    monkeypatch.delenv(IN_PLACE_VARIABLE)
    assert isinstance(pack.sales_file, SalesTable), "checked and summed in PostgreSQL"
    return pack


def whole(url: str) -> datapack.DataPack:
    pack = load_pack(url)
    assert pack.sales_file is None, "read whole"
    return pack


def sales_rows_fetched(read) -> tuple[object, int]:
    """``read()``'s result (or the DataError it raised) and the rows of ``sales`` it fetched."""
    before = sql.ROWS_FETCHED["sales"]
    try:
        result = read()
    except DataError as error:
        result = error
    return result, sql.ROWS_FETCHED["sales"] - before


@pytest.fixture(scope="module")
def sample_read_whole(sample_url) -> tuple[datapack.DataPack, int]:
    """The sample read whole (no test changes it) and the rows of ``sales`` that read fetched."""
    return sales_rows_fetched(lambda: whole(sample_url))


@pytest.fixture(scope="module")
def sample_in_database(sample_url) -> datapack.DataPack:
    """The sample read in the database (the tests that use it read the lines only when asked)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        return in_database(sample_url, monkeypatch)


def test_the_summary_first_lines_dates_and_lines_beyond_are_those_of_a_whole_read(
    sample_in_database, sample_read_whole
):
    ours, (theirs, _) = sample_in_database, sample_read_whole
    assert ours.sales_file.suspect_count == 0  # the sample is clean: PostgreSQL vouches for every line
    assert_frames_match(ours.sales_summary, theirs.sales_summary)
    pd.testing.assert_frame_equal(ours.first_lines, theirs.first_lines)
    assert ours.invoice_dates == theirs.invoice_dates
    assert ours.line_count == theirs.line_count == SAMPLE_LINES
    pd.testing.assert_frame_equal(ours.lines_beyond(20_000.0), theirs.lines_beyond(20_000.0))
    assert len(theirs.lines_beyond(20_000.0)) > 100  # a bound that many lines pass
    assert ours.row_counts() == theirs.row_counts()


def test_the_scorecard_is_that_of_a_whole_read_and_the_lines_do_not_cross_the_wire(
    sample_url, sample_read_whole, monkeypatch
):
    read, fetched_reading = sample_read_whole
    theirs, fetched_scoring = sales_rows_fetched(lambda: build_scorecard(read, PERIOD))
    assert fetched_reading + fetched_scoring == SAMPLE_LINES  # the counter sees every line a whole read fetches

    def refuse(*_):
        raise AssertionError("the scorecard read the sales lines whole")

    monkeypatch.setattr(datapack, "_database_sales_read_whole", refuse)
    ours, pushed_down = sales_rows_fetched(lambda: build_scorecard(in_database(sample_url, monkeypatch), PERIOD))
    # the summary (18,202 rows) and each account's first line; no line
    assert pushed_down < 0.4 * SAMPLE_LINES, pushed_down
    assert_frames_match(ours.values, theirs.values)
    assert_frames_match(ours.scores, theirs.scores)
    assert_frames_match(ours.overall, theirs.overall)
    assert theirs.overall["overall_rating"].nunique() > 1  # ratings that could differ


def test_the_lines_are_read_whole_only_when_asked_and_then_as_a_whole_read_gives_them(
    sample_in_database, sample_read_whole
):
    ours, (theirs, _) = sample_in_database, sample_read_whole
    assert "sales" in ours.tables and list(ours.tables) == list(theirs.tables)
    assert "sales" not in ours.tables._tables  # not read by any of the above (nor by a test before)
    pd.testing.assert_frame_equal(ours.sales, theirs.sales)


def assert_same_errors(url: str, lines: int, monkeypatch) -> None:
    """Reading ``url`` (``lines`` sales lines) in the database fails with the DataError of a
    whole read, without fetching the lines."""
    read_whole, fetched_whole = sales_rows_fetched(lambda: load_pack(url))
    monkeypatch.setenv(IN_PLACE_VARIABLE, "1")
    read_in_place, fetched_in_place = sales_rows_fetched(lambda: load_pack(url))
    monkeypatch.delenv(IN_PLACE_VARIABLE)
    assert isinstance(read_whole, DataError) and isinstance(read_in_place, DataError)
    assert fetched_whole == lines and fetched_in_place < 10  # the suspects only: the database path
    pd.testing.assert_frame_equal(read_in_place.problems, read_whole.problems)
    assert str(read_in_place) == str(read_whole)


@pytest.mark.parametrize("case", BROKEN)
def test_a_broken_pack_gets_the_errors_of_a_whole_read_row_for_row(case, lines_db, lines_tables, monkeypatch):
    with pack_with_sales(lines_db, lines_tables, _broken(lines_tables, BROKEN[case])["sales"]) as url:
        assert_same_errors(url, len(lines_tables["sales"]), monkeypatch)


def _update(condition: str, assignment: str) -> str:
    return f"UPDATE sales SET {assignment} WHERE line_id IN (SELECT line_id FROM sales ORDER BY line_id {condition})"


# case → (column types changed, then rows changed) in SQL that only PostgreSQL can hold
BROKEN_IN_SQL = {
    "a NaN revenue": ((), _update("LIMIT 1 OFFSET 10", "revenue = 'NaN'")),
    "an infinite cost": ((), _update("LIMIT 1 OFFSET 11", "cost = '-Infinity'")),
    "a numeric beyond float8": (
        ("ALTER TABLE sales ALTER COLUMN cost TYPE numeric",),
        _update("LIMIT 2 OFFSET 12", "cost = 1e400"),
    ),
    "a date pandas cannot hold": ((), _update("LIMIT 1 OFFSET 13", "invoice_date = '2300-01-01'")),
    "a line id with a line break": ((), _update("LIMIT 1 OFFSET 14", "line_id = E'L\\n1'")),
}


@pytest.mark.parametrize("case", BROKEN_IN_SQL)
def test_values_only_a_database_holds_get_the_errors_of_a_whole_read(case, lines_db, lines_tables, monkeypatch):
    types, change = BROKEN_IN_SQL[case]
    with pack_with_sales(lines_db, lines_tables) as url:
        execute(url, *types, change)
        assert_same_errors(url, len(lines_tables["sales"]), monkeypatch)


@pytest.mark.parametrize("case", FINE_AFTER_ALL)
def test_lines_postgresql_cannot_vouch_for_but_the_loader_accepts_count_like_the_rest(
    case, lines_db, lines_tables, monkeypatch
):
    change, left_to_pandas = FINE_AFTER_ALL[case]
    with pack_with_sales(lines_db, lines_tables, _broken(lines_tables, change)["sales"]) as url:
        ours, theirs = in_database(url, monkeypatch), whole(url)
        assert (ours.sales_file.suspect_count > 0) is left_to_pandas
        assert_frames_match(ours.sales_summary, theirs.sales_summary)
        pd.testing.assert_frame_equal(ours.first_lines, theirs.first_lines)
        pd.testing.assert_frame_equal(ours.lines_beyond(20_000.0), theirs.lines_beyond(20_000.0))
        assert_frames_match(kpi_values_of(ours), kpi_values_of(theirs))


def test_a_line_id_the_loader_trims_to_another_lines_id_is_a_repeated_id(lines_db, lines_tables, monkeypatch):
    sales = lines_tables["sales"].copy()
    sales.loc[4_001, "line_id"] = f" {sales.loc[8, 'line_id']}"
    with pack_with_sales(lines_db, lines_tables, sales) as url:
        assert_same_errors(url, len(sales), monkeypatch)


def test_numeric_money_is_summed_as_a_whole_read_sums_it(lines_db, lines_tables, monkeypatch):
    """Each numeric value cast to float8 before summing, as a whole read converts each to float64."""
    with pack_with_sales(lines_db, lines_tables) as url:
        execute(
            url,
            "ALTER TABLE sales ALTER COLUMN revenue TYPE numeric(20, 6), ALTER COLUMN cost TYPE numeric",
            "ALTER TABLE sales ALTER COLUMN quantity TYPE bigint USING round(quantity)",
            "UPDATE sales SET revenue = revenue + 0.000001, cost = cost / 3",  # not floats' decimals
        )
        ours, theirs = in_database(url, monkeypatch), whole(url)
        assert ours.sales_file.suspect_count == 0
        summary = ours.sales_summary
        assert_frames_match(summary, theirs.sales_summary)
        np.testing.assert_allclose(summary["cost"].sum(), (lines_tables["sales"]["cost"] / 3).sum(), rtol=1e-9)


@pytest.mark.parametrize(
    "change",
    [
        "ALTER TABLE sales ALTER COLUMN revenue TYPE real",  # read by the driver as its shortest text
        "ALTER TABLE sales ALTER COLUMN invoice_date TYPE timestamp",
        "ALTER TABLE sales ALTER COLUMN am_id TYPE char(5)",
        'ALTER TABLE sales ADD COLUMN "Revenue" text',  # named like a contract column
    ],
)
def test_a_table_of_other_types_is_read_whole(change, lines_db, lines_tables, monkeypatch):
    with pack_with_sales(lines_db, lines_tables) as url:
        execute(url, change)
        monkeypatch.setenv(IN_PLACE_VARIABLE, "1")
        _, fetched = sales_rows_fetched(lambda: load_pack(url))
        assert fetched == len(lines_tables["sales"])


def test_small_tables_and_sqlite_are_read_whole(sample_read_whole, lines_tables, tmp_path, monkeypatch):
    assert sample_read_whole[0].line_count == SAMPLE_LINES  # 53,010 lines: below the threshold
    sqlite = f"sqlite:///{tmp_path / 'pack.db'}"
    write_pack(lines_tables, sqlite)
    monkeypatch.setenv(IN_PLACE_VARIABLE, "1")
    assert load_pack(sqlite).sales_file is None


def test_the_fingerprint_follows_the_lines(lines_db, lines_tables, monkeypatch):
    with pack_with_sales(lines_db, lines_tables) as url:
        before = in_database(url, monkeypatch).fingerprint
        assert in_database(url, monkeypatch).fingerprint == before
        execute(url, _update("LIMIT 1", "product = product || ' (refurbished)'"))
        assert in_database(url, monkeypatch).fingerprint != before
