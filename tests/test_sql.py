"""SQL databases as data packs: SQLite (embedded) and PostgreSQL (a real server).

The sample pack is written to SQLite, to PostgreSQL (through ``amreview sample --out``) and to a
CSV folder; scorecards and a review's figures must be identical from all three. Slice reads
must return exactly one account manager's rows and send the am_id as a bound parameter.

PostgreSQL tests need a server: ``AMREVIEW_TEST_POSTGRES_URL`` (``.ci/setup-postgres.sh``
starts one and prints it). Without it they are skipped — unless ``AMREVIEW_REQUIRE_POSTGRES=1``
(CI), where a missing server is a failure. Each test run works in a schema of its own, dropped
afterwards, so runs in parallel do not meet.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from amreview.cli import main
from amreview.data.datapack import ROW_KEYS, content_fingerprint, load_pack, resolve_source, write_pack
from amreview.data.sample import PERSONAS, REVIEW_PERIOD
from amreview.data.schemas import SCHEMAS, columns_of
from amreview.data.sql import read_tables, write_tables
from amreview.documents import figures, review
from amreview.errors import DataError
from amreview.periods import Quarter
from amreview.scoring.scorecard import build_scorecard
from tests.conftest import hand_tables, sample_tables_once
from tests.test_cli import amreview

BACKENDS = ["sqlite", "postgres"]
REVIEWED = ["AM001", "AM003", "AM004", "AM005"]  # star, margin misser, CRM neglecter, new starter
REVIEW_QUARTER = Quarter.parse(REVIEW_PERIOD)  # the inner functions take a parsed quarter


# ------------------------------------------------------------------------------------------
# Databases
# ------------------------------------------------------------------------------------------


def postgres_server_url() -> str:
    url = os.environ.get("AMREVIEW_TEST_POSTGRES_URL", "")
    if not url:
        message = "AMREVIEW_TEST_POSTGRES_URL is not set (.ci/setup-postgres.sh starts a server and prints it)"
        if os.environ.get("AMREVIEW_REQUIRE_POSTGRES") == "1":
            pytest.fail(message + ", and AMREVIEW_REQUIRE_POSTGRES=1")
        pytest.skip(message)
    return url


@contextmanager
def postgres_schema():
    """A URL of a fresh schema in the test server (its search_path), dropped afterwards."""
    server = postgres_server_url()
    schema = f"amreview_test_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(server)
    with engine.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@contextmanager
def empty_database(backend: str, folder: Path):
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'{uuid.uuid4().hex[:8]}.db'}"
    else:
        with postgres_schema() as url:
            yield url


def execute(url: str, *statements: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(sa.text(statement))
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def sample_tables(tmp_path_factory) -> dict[str, pd.DataFrame]:
    return sample_tables_once(tmp_path_factory)


@pytest.fixture(scope="module")
def csv_folder(tmp_path_factory, sample_tables) -> str:
    return str(write_pack(sample_tables, tmp_path_factory.mktemp("csv") / "pack"))


@pytest.fixture(scope="module")
def sqlite_url(tmp_path_factory) -> str:
    """The sample pack in SQLite, written by ``amreview sample --out sqlite:///pack.db`` (a URL
    relative to the working folder) over a file that holds a stale ``sales`` table and a table
    that is not the pack's (``notes``, one row: left alone)."""
    folder = tmp_path_factory.mktemp("sqlite")
    with sqlite3.connect(folder / "pack.db") as connection:
        connection.execute("CREATE TABLE sales (stale TEXT)")
        connection.execute("CREATE TABLE notes (kept TEXT)")
        connection.execute("INSERT INTO notes VALUES ('kept')")
    connection.close()
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.chdir(folder)
        main(["sample", "--out", "sqlite:///pack.db"])
    return f"sqlite:///{folder / 'pack.db'}"


@pytest.fixture(scope="module")
def postgres_url():
    """The sample pack in PostgreSQL, written by ``amreview sample --out postgresql+psycopg://…``."""
    with postgres_schema() as url:
        main(["sample", "--out", url])
        yield url


@pytest.fixture(scope="module", params=BACKENDS)
def database_url(request) -> str:
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture(scope="module")
def csv_pack(csv_folder):
    return load_pack(csv_folder)


@pytest.fixture(scope="module")
def sqlite_pack(sqlite_url):
    return load_pack(sqlite_url)


@pytest.fixture(scope="module")
def postgres_pack(postgres_url):
    return load_pack(postgres_url)


@pytest.fixture(scope="module")
def database_pack(request, database_url):
    backend = "sqlite" if database_url.startswith("sqlite") else "postgres"
    return request.getfixturevalue(f"{backend}_pack")


def by_key(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Rows in key order (a database has no row order of its own)."""
    keys = list(ROW_KEYS[table])
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


@contextmanager
def captured_statements():
    """Every statement sent to any database, with its parameters (SQLAlchemy's event)."""
    seen: list[tuple[str, object]] = []

    def record(connection, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    sa.event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(Engine, "before_cursor_execute", record)


def parameter_values(parameters) -> list:
    return list(parameters.values()) if isinstance(parameters, dict) else list(parameters or ())


# ------------------------------------------------------------------------------------------
# The same pack from every source
# ------------------------------------------------------------------------------------------


def test_database_pack_holds_the_sample_exactly(database_pack, csv_pack):
    assert set(database_pack.tables) == set(csv_pack.tables) == set(SCHEMAS)
    for table in csv_pack.tables:
        pd.testing.assert_frame_equal(by_key(database_pack[table], table), by_key(csv_pack[table], table), obj=table)


def test_database_types_are_the_contract_types(database_url):
    engine = sa.create_engine(database_url)
    try:
        columns = {c["name"]: c["type"] for c in sa.inspect(engine).get_columns("sales")}
        indexes = [i["column_names"] for i in sa.inspect(engine).get_indexes("sales")]
    finally:
        engine.dispose()
    assert isinstance(columns["invoice_date"], sa.Date)
    assert isinstance(columns["vendor_programme"], sa.Boolean)
    assert isinstance(columns["line_id"], sa.Text) and isinstance(columns["am_id"], sa.Text)
    assert isinstance(columns["revenue"], sa.Float)
    assert ["am_id"] in indexes  # slice reads can use it


@pytest.fixture(scope="module")
def csv_scorecard(csv_pack) -> pd.DataFrame:
    return build_scorecard(csv_pack, REVIEW_PERIOD).table


def test_scorecards_are_identical_from_every_source(database_pack, csv_scorecard):
    from_folder = csv_scorecard
    from_database = build_scorecard(database_pack, REVIEW_PERIOD).table
    assert len(from_folder) == len(PERSONAS) and from_folder["revenue"].gt(0).any()
    pd.testing.assert_frame_equal(from_database, from_folder)


@pytest.mark.parametrize("am_id", REVIEWED)
def test_review_figures_are_identical_from_every_source(database_pack, csv_pack, am_id):
    # what the review notebook shows: header, headline figures, monthly margin, top accounts
    assert review.review_header(database_pack, am_id, REVIEW_QUARTER) == review.review_header(
        csv_pack, am_id, REVIEW_QUARTER
    )
    pd.testing.assert_series_equal(
        review.headline_figures(database_pack, am_id, REVIEW_QUARTER),
        review.headline_figures(csv_pack, am_id, REVIEW_QUARTER),
    )
    pd.testing.assert_frame_equal(
        figures.monthly_margin_against_target(database_pack, am_id, REVIEW_QUARTER),
        figures.monthly_margin_against_target(csv_pack, am_id, REVIEW_QUARTER),
    )
    pd.testing.assert_frame_equal(
        figures.top_accounts(database_pack, am_id, REVIEW_QUARTER),
        figures.top_accounts(csv_pack, am_id, REVIEW_QUARTER),
    )


def test_fingerprint_is_the_content_whatever_the_database(database_pack, csv_pack, tmp_path):
    assert database_pack.fingerprint == content_fingerprint(csv_pack.tables)
    assert len(database_pack.fingerprint) == 64
    tables = hand_tables()
    url = f"sqlite:///{tmp_path / 'hand.db'}"
    write_pack(tables, url)
    first = load_pack(url).fingerprint
    write_pack({name: frame.iloc[::-1] for name, frame in tables.items()}, url)  # same rows, reversed
    assert load_pack(url).fingerprint == first
    tables["sales"].loc[0, "cost"] = 901.0
    write_pack(tables, url)
    assert load_pack(url).fingerprint != first


def test_user_and_password_are_not_in_the_source(postgres_url):
    from amreview.redaction import shown_source

    assert make_url(postgres_url).password
    pack = load_pack(postgres_url, am_ids=["AM002"])
    assert "@" not in pack.source and pack.source == shown_source(postgres_url)
    assert pack.source.startswith(f"postgresql+psycopg://{make_url(postgres_url).host}")


# ------------------------------------------------------------------------------------------
# Slice reads
# ------------------------------------------------------------------------------------------


def expected_slice(whole, am_id: str) -> dict[str, pd.DataFrame]:
    """The slice computed independently from the whole pack: the AM's rows; accounts they own or
    appear on, with any other owner blanked."""
    expected = {t: frame[frame["am_id"] == am_id] for t, frame in whole.tables.items() if t != "accounts"}
    linked = set().union(*(set(f["account_id"].dropna()) for t, f in expected.items() if "account_id" in f))
    accounts = whole["accounts"]
    accounts = accounts[(accounts["am_id"] == am_id) | accounts["account_id"].isin(linked)].copy()
    accounts["am_id"] = accounts["am_id"].where(accounts["am_id"] == am_id)
    expected["accounts"] = accounts
    return expected


def assert_same_rows(actual: pd.DataFrame, expected: pd.DataFrame, table: str) -> None:
    actual, expected = by_key(actual, table), by_key(expected, table)
    assert list(actual[list(ROW_KEYS[table])].astype(str).itertuples(index=False)) == list(
        expected[list(ROW_KEYS[table])].astype(str).itertuples(index=False)
    ), table
    pd.testing.assert_frame_equal(actual, expected, check_dtype=False, obj=table)


def test_slice_read_returns_exactly_that_account_managers_rows(database_url, database_pack):
    am_id = "AM003"
    with captured_statements() as statements:
        part = load_pack(database_url, am_ids=[am_id])
    assert part.am_ids == (am_id,)
    expected = expected_slice(database_pack, am_id)
    assert set(part.tables) == set(expected)
    for table, frame in expected.items():
        assert_same_rows(part[table], frame, table)
    assert len(part.sales) < len(database_pack.sales) / 5  # a slice, not the pack
    assert part["accounts"]["am_id"].dropna().eq(am_id).all()  # names no other account manager

    # the filter is in SQL, with the id as a bound parameter, never in the statement's text
    selects = [
        (sql, params)
        for sql, params in statements
        if sql.lstrip().upper().startswith("SELECT") and "am_id IN" in sql.replace('"', "")
    ]
    assert len(selects) == len(SCHEMAS)
    for sql, _params in statements:
        assert am_id not in sql
    for _sql, params in selects:
        assert am_id in parameter_values(params)


def test_slice_ids_are_never_sql(database_url):
    hostile = "AM003' OR '1'='1"
    frames = read_tables(database_url, SCHEMAS, am_ids=[hostile], owner_table="accounts")  # as SQL: every row
    assert set(frames) == set(SCHEMAS)
    assert all(len(frame) == 0 for frame in frames.values())
    with pytest.raises(DataError) as info:
        load_pack(database_url, am_ids=["AM003", hostile])
    assert list(info.value.problems[["table", "column", "check", "found"]].itertuples(index=False, name=None)) == [
        ("account_managers", "am_id", "known_am_id", repr(hostile))
    ]


@pytest.mark.parametrize("source", ["folder", "sample"])
def test_slice_of_an_unknown_account_manager_is_refused(source, csv_folder):
    with pytest.raises(
        DataError,
        match="table account_managers, column am_id: expected the am_id of an "
        "account manager in the pack, found 'AM999'",
    ):
        load_pack(csv_folder if source == "folder" else "sample", am_ids=["AM999"])


def test_slice_serves_what_only_needs_ones_own_rows(database_url, database_pack):
    am_id = "AM001"
    part = load_pack(database_url, am_ids=[am_id])
    assert review.review_header(part, am_id, REVIEW_QUARTER) == review.review_header(
        database_pack, am_id, REVIEW_QUARTER
    )
    pd.testing.assert_frame_equal(
        figures.top_accounts(part, am_id, REVIEW_QUARTER), figures.top_accounts(database_pack, am_id, REVIEW_QUARTER)
    )
    pd.testing.assert_frame_equal(
        figures.monthly_margin_against_target(part, am_id, REVIEW_QUARTER),
        figures.monthly_margin_against_target(database_pack, am_id, REVIEW_QUARTER),
    )


def test_several_account_managers_in_one_slice(sqlite_url, database_pack):
    ids = ["AM002", "AM013"]
    part = load_pack(sqlite_url, am_ids=ids)
    assert sorted(part.account_managers["am_id"]) == ids
    assert set(part.sales["am_id"]) == set(ids)
    assert len(part.sales) == database_pack.sales["am_id"].isin(ids).sum()


@pytest.mark.parametrize("source", ["folder", "sample"])
def test_folder_and_sample_slices_match_the_database_slice(source, csv_folder, sqlite_url):
    am_id = "AM005"
    from_database = load_pack(sqlite_url, am_ids=[am_id])
    part = load_pack(csv_folder if source == "folder" else "sample", am_ids=[am_id])
    assert part.am_ids == (am_id,)
    for table in from_database.tables:
        assert_same_rows(part[table], from_database[table], table)


def test_folder_slice_keeps_file_row_numbers(hand_pack_dir, monkeypatch):
    import amreview.data.pack_files as pack_files

    monkeypatch.setattr(pack_files, "CSV_CHUNK_ROWS", 2)  # several chunks even for a small file
    sales = pd.read_csv(hand_pack_dir / "sales.csv", dtype=str)
    sales.loc[6, "revenue"] = "lots"  # L7, AM2's, file row 8
    sales.loc[0, "cost"] = "abc"  # L1, AM1's, file row 2: outside AM2's slice
    sales.to_csv(hand_pack_dir / "sales.csv", index=False)
    with pytest.raises(DataError) as info:
        load_pack(hand_pack_dir, am_ids=["AM2"])
    problems = info.value.problems
    assert list(problems[["table", "row", "column"]].itertuples(index=False, name=None)) == [("sales", 8, "revenue")]
    assert "table sales, row 8, column revenue: expected a number, found 'lots'" in str(info.value)
    with pytest.raises(DataError, match="row 2, column cost"):
        load_pack(hand_pack_dir)


# ------------------------------------------------------------------------------------------
# Missing tables and bad rows
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_missing_required_table_and_a_view_in_its_place(backend, tmp_path):
    tables = hand_tables()
    with empty_database(backend, tmp_path) as url:
        write_pack(
            {
                "account_managers": tables["account_managers"],
                "sales": tables["sales"],
                "targets_2026": tables["targets"],
            },
            url,
        )
        with pytest.raises(DataError) as info:
            load_pack(url)
        assert list(info.value.problems[["table", "row", "check"]].itertuples(index=False, name=None)) == [
            ("targets", None, "table_present")
        ]
        assert "table targets: expected a table or view named targets, found no such table or view" in str(info.value)
        execute(url, "CREATE VIEW targets AS SELECT * FROM targets_2026")
        pack = load_pack(url)
        assert len(pack.targets) == len(tables["targets"])
        assert not pack.has("accounts") and not pack.has("opportunities")  # optional: not measured


@pytest.mark.parametrize("backend", BACKENDS)
def test_bad_rows_are_named_by_table_key_and_column(backend, tmp_path):
    tables = hand_tables()
    sales = tables["sales"].astype(str)  # a text table: the database accepts anything
    sales.loc[sales["line_id"] == "L3", "revenue"] = "abc"
    sales.loc[sales["line_id"] == "L5", "invoice_date"] = "31/12/2026"
    targets = tables["targets"].copy()
    targets.loc[0, "target"] = -5.0  # AM1 2026Q3 revenue
    with empty_database(backend, tmp_path) as url:
        write_pack(tables, url)
        write_tables({"sales": sales, "targets": targets}, url)
        with pytest.raises(DataError) as info:
            load_pack(url)
    found = set(info.value.problems[["table", "row", "column"]].itertuples(index=False, name=None))
    assert found == {
        ("sales", "line_id = 'L3'", "revenue"),
        ("sales", "line_id = 'L5'", "invoice_date"),
        ("targets", "am_id = 'AM1' and period = '2026Q3' and measure = 'revenue'", "target"),
    }
    message = str(info.value)
    assert "table sales, row line_id = 'L3', column revenue: expected a number, found 'abc'" in message
    assert (
        "table sales, row line_id = 'L5', column invoice_date: expected a date YYYY-MM-DD, found '31/12/2026'"
    ) in message


@pytest.mark.parametrize("backend", BACKENDS)
def test_unknown_am_id_in_a_database_is_a_reference_error(backend, tmp_path):
    tables = hand_tables()
    tables["sales"].loc[tables["sales"]["line_id"] == "L6", "am_id"] = "AM9"
    with empty_database(backend, tmp_path) as url:
        write_pack(tables, url)
        with pytest.raises(
            DataError,
            match="table sales, row line_id = 'L6', column am_id: "
            "expected a am_id listed in account_managers, found 'AM9'",
        ):
            load_pack(url)


@pytest.mark.parametrize("backend", BACKENDS)
def test_numeric_ids_in_a_database_are_read_and_sliced_as_text(backend, tmp_path):
    tables = hand_tables()
    number = {"AM1": 1, "AM2": 2, "AM3": 3}
    for frame in tables.values():
        frame["am_id"] = frame["am_id"].map(number)  # an integer column in the database
    with empty_database(backend, tmp_path) as url:
        write_tables(tables, url)  # typed from pandas: am_id BIGINT
        whole = load_pack(url)
        part = load_pack(url, am_ids=["1"])
    assert sorted(whole.account_managers["am_id"]) == ["1", "2", "3"]
    assert list(part.account_managers["am_id"]) == ["1"]
    assert sorted(part.sales["line_id"]) == ["L1", "L2", "L3", "L4", "X1"]


def test_every_row_key_is_a_contract_column():
    assert set(ROW_KEYS) == set(SCHEMAS)
    for table, keys in ROW_KEYS.items():
        assert set(keys) <= set(columns_of(table)), table


# ------------------------------------------------------------------------------------------
# Sources that cannot be read, and writing
# ------------------------------------------------------------------------------------------


def test_unreachable_database_is_one_clear_message(tmp_path):
    out = tmp_path / "card.csv"
    # in this process (the message is the test's, not the process): an error that escaped the
    # command would fail the test here, where a process would print its traceback
    done = amreview(
        "scorecard",
        "--data",
        "postgresql+psycopg://nobody:s3cret@127.0.0.1:1/none",
        "--period",
        "2026Q3",
        "--out",
        str(out),
    )
    assert done.returncode == 3
    assert done.stderr.startswith("error: the data pack 'postgresql+psycopg://127.0.0.1:1/none'")
    assert "expected a database amreview can connect to and read, found OperationalError" in done.stderr
    assert "Traceback" not in done.stderr and "s3cret" not in done.stderr and "nobody" not in done.stderr
    assert not out.exists()


def test_missing_sqlite_file_is_not_created(tmp_path):
    path = tmp_path / "typo.db"
    with pytest.raises(DataError, match="expected a SQLite database file, found no file"):
        load_pack(f"sqlite:///{path}")
    assert not path.exists()


def test_reading_a_sqlite_pack_never_writes_to_it(sqlite_url):
    path = Path(make_url(sqlite_url).database)
    before = (path.stat().st_mtime_ns, path.stat().st_size)
    load_pack(sqlite_url, am_ids=["AM001"])
    assert (path.stat().st_mtime_ns, path.stat().st_size) == before


def test_sample_command_writes_to_sqlite_replacing_its_tables(sqlite_url, sqlite_pack, csv_pack):
    """``sqlite_url`` was written by the sample command over a stale ``sales`` table."""
    assert sqlite_pack.fingerprint == content_fingerprint(csv_pack.tables)
    with sqlite3.connect(make_url(sqlite_url).database) as connection:
        assert connection.execute("SELECT * FROM notes").fetchall() == [("kept",)]
    connection.close()


def test_sample_command_refuses_a_file_format_for_a_database(tmp_path):
    with pytest.raises(SystemExit) as info:
        main(["sample", "--out", f"sqlite:///{tmp_path / 'x.db'}", "--format", "parquet"])
    assert info.value.code == 2
    assert not (tmp_path / "x.db").exists()


def test_resolve_source_means_the_same_pack_from_anywhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert resolve_source("sqlite:///pack.db") == f"sqlite:///{tmp_path / 'pack.db'}"
    assert resolve_source("pack") == str(tmp_path / "pack")
    assert resolve_source("sample") == "sample"
    url = "postgresql+psycopg://me:pw@db.example:5432/sales"
    assert resolve_source(url) == url


def test_write_failure_is_a_clear_error(tmp_path):
    from amreview.errors import AmreviewError

    with pytest.raises(AmreviewError, match=r"cannot write the data pack to sqlite:///.*: OperationalError"):
        write_pack(hand_tables(), f"sqlite:///{tmp_path / 'no-such-folder' / 'x.db'}")


def test_dates_and_booleans_survive_with_missing_values(tmp_path, database_url):
    # a date column with empty cells, a nullable boolean: NULL in, missing out
    pack = load_pack(database_url, am_ids=["AM004"])
    objectives = pack["development_objectives"]
    assert objectives["due_date"].dtype.kind == "M"
    assert pack["back_orders"]["fulfilled_date"].isna().any()  # open back orders
    assert pack["sales"]["vendor_programme"].dtype == bool
    assert np.isin(pack["accounts"]["key_account"].unique(), [True, False]).all()
