"""SQL databases as data packs: the only module that connects to databases.

A database pack is any database SQLAlchemy reaches by URL — ``sqlite:///pack.db`` (embedded, a
file) or ``postgresql+psycopg://user@host:5432/db`` (a server; tested) — holding one table or
view per contract table name, in the connection's default schema (for PostgreSQL another
schema is chosen in the URL: ``?options=-csearch_path%3Dmy_schema``). This module reads those
tables as raw frames and writes frames as tables; :mod:`amreview.data.datapack` decides what the
contract requires of them and validates them like any other pack.

Reading
    * All tables of one read come from one transaction (``REPEATABLE READ``, read-only, on
      PostgreSQL; a ``BEGIN`` on SQLite), so a pack being rewritten meanwhile is read as it was
      before or after, never half and half.
    * A SQLite file is opened read-only and must exist (reading never creates a database).
    * Values arrive as the driver gives them, without SQLAlchemy type conversions, so a bad
      value (text in a SQLite number column, ``31/12/2026`` in a date column) reaches validation
      and is reported there, by table, row and column, instead of failing the read. Columns the
      database types as dates are turned into datetimes; ``NUMERIC`` values become floats. Ids
      the database stores as numbers are compared as text.
    * A *slice read* (``am_ids=[...]``) fetches only the rows of those account managers: the
      filter ``am_id IN (…)`` is a SQLAlchemy Core expression with bound parameters, executed
      by the database, never SQL built from strings. The owner table (the caller names it:
      ``accounts``, whose ``am_id`` is the current owner and is optional) is read for the
      accounts those account managers own *or* appear on in any sliced table, so every
      ``account_id`` of the slice keeps its name; tables without an ``am_id`` column are read
      whole.
    * Rows are read ordered by the key columns given per table (deterministic frames).
    * :func:`reading` gives the connection of one such read, for a caller that reads several
      things in one snapshot (a large PostgreSQL sales table is checked and summed in the
      database through it: :mod:`amreview.data.sales_table` builds those queries, in SQLAlchemy
      Core). Every row fetched is counted per table in :data:`ROWS_FETCHED`: what crossed the wire.

Writing
    Every table written is replaced (dropped and created; other tables are left alone), all in
    one transaction: dates as ``DATE``, booleans as ``BOOLEAN``, ids and other text as ``TEXT``,
    numbers as ``DOUBLE PRECISION`` (or ``BIGINT`` for integer columns); an index on ``am_id``
    lets slice reads use it. Rows go in by COPY on PostgreSQL, by executemany elsewhere.
    :func:`change_rows` instead adds rows to tables that stay (``amreview collect``), and deletes
    the rows it is told to, in one transaction: a table it does not find is created as above, a
    column the table lacks is added (``ALTER TABLE … ADD COLUMN``).

Errors
    A database that cannot be reached or read, or a URL that cannot be read, is a
    :class:`~amreview.errors.DataError` (like a missing folder); a failed write is an
    :class:`~amreview.errors.AmreviewError`. Neither carries a traceback to the user. Both
    name the URL as :func:`amreview.redaction.shown_source` shows it (no user, no password, no
    credential-like query parameter), and the driver's message goes through
    :func:`amreview.redaction.scrub`: a driver may quote a user, a host or a connection string.

amreview writes a URL's password nowhere, but a URL given by hand to a notebook stays in that
notebook's parameters: prefer the driver's own credential stores (for PostgreSQL ``~/.pgpass``
or ``PGPASSWORD``) and a URL without a password.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url

from amreview.errors import PROBLEM_COLUMNS, AmreviewError, DataError
from amreview.redaction import scrub, shown_source

__all__ = [
    "ROWS_FETCHED",
    "absolute_url",
    "change_rows",
    "column_types",
    "fetch",
    "read_tables",
    "read_tables_in",
    "reading",
    "write_tables",
]

CONNECT_TIMEOUT_SECONDS = 10  # a server that does not answer is reported, not waited on for minutes
READ_CHUNK_ROWS = 200_000  # rows fetched at a time (streamed from the server)
INSERT_CHUNK_ROWS = 10_000  # rows per executemany when writing
# Rows fetched from databases by this process, per table read: what crossed the wire (the
# aggregates of a sales table summed in PostgreSQL count as rows of ``sales``).
ROWS_FETCHED: Counter[str] = Counter()


def absolute_url(url: str) -> str:
    """``url`` with a relative SQLite file path made absolute (other URLs unchanged), so that
    the URL means the same database from any working directory (a notebook's, a worker's).
    A URL SQLAlchemy cannot read is returned as it is (reading it reports it)."""
    try:
        parsed = make_url(url)
    except (sa.exc.ArgumentError, ValueError):
        return url
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        return url
    return parsed.set(database=str(Path(database).resolve())).render_as_string(hide_password=False)


# ------------------------------------------------------------------------------------------
# Reading
# ------------------------------------------------------------------------------------------


def read_tables(
    url: str,
    names: Iterable[str],
    order_by: Mapping[str, Sequence[str]] | None = None,
    am_ids: Sequence[str] | None = None,
    owner_table: str | None = None,
) -> dict[str, pd.DataFrame]:
    """The tables (or views) ``names`` that the database at ``url`` holds, as raw frames.

    Names the database does not hold are simply absent from the result (the caller knows
    which are required). ``order_by`` gives per table the columns to sort by (those the table
    has). With ``am_ids``, only those account managers' rows are read, ``owner_table`` (whose
    ``am_id`` is an owner) getting the accounts they own or appear on (module docstring).
    """
    with reading(url) as connection:
        return read_tables_in(connection, names, order_by, am_ids, owner_table)


def read_tables_in(
    connection: Connection,
    names: Iterable[str],
    order_by: Mapping[str, Sequence[str]] | None = None,
    am_ids: Sequence[str] | None = None,
    owner_table: str | None = None,
) -> dict[str, pd.DataFrame]:
    """:func:`read_tables` through a connection of :func:`reading` (the same snapshot as the
    connection's other reads)."""
    names = list(dict.fromkeys(names))
    am_ids = None if am_ids is None else [str(a) for a in am_ids]
    tables = _reflect(connection, names)
    return {
        name: _read(connection, _select(name, tables, order_by or {}, am_ids, owner_table), name) for name in tables
    }


@contextlib.contextmanager
def reading(url: str) -> Iterator[Connection]:
    """A connection to the database at ``url`` inside one read-only transaction: every read
    through it sees one snapshot (``REPEATABLE READ`` on PostgreSQL; a ``BEGIN`` on SQLite). A
    database that cannot be reached or read is a :class:`DataError`, raised from the ``with``."""
    engine = _engine(url, read_only=True)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":  # one snapshot of every table, and no writes
                connection = connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with connection.begin():
                yield connection
    except sa.exc.SQLAlchemyError as exc:
        raise _unreadable(url, exc) from None
    finally:
        engine.dispose()


def fetch(connection: Connection, statement: sa.Select, counted_as: str) -> pd.DataFrame:
    """The rows of ``statement`` (a query of table ``counted_as``) as a frame, as :func:`read_tables` gives them."""
    return _read(connection, statement, counted_as)


def _reflect(connection: Connection, names: list[str]) -> dict[str, sa.TableClause]:
    """Lightweight table constructs of the ``names`` the database holds: text columns typed as
    text, the others untyped.

    Untyped columns mean no SQLAlchemy result processing: values arrive as the driver gives
    them, so bad values are reported by validation rather than failing here. Knowing which
    columns are text lets an id filter compare text with text (:func:`_as_text`).
    """
    inspector = sa.inspect(connection)
    present = set(inspector.get_table_names()) | set(inspector.get_view_names())
    if hasattr(inspector, "get_materialized_view_names"):
        with contextlib.suppress(NotImplementedError):
            present |= set(inspector.get_materialized_view_names())
    tables = {}
    for name in names:
        if name in present:
            columns = inspector.get_columns(name)
            tables[name] = sa.table(
                name, *(sa.column(c["name"], sa.Text() if isinstance(c["type"], sa.String) else None) for c in columns)
            )
    return tables


def column_types(connection: Connection, name: str) -> dict[str, sa.types.TypeEngine] | None:
    """The columns of table or view ``name`` with the types the database gives them (None
    when the database holds no such table or view)."""
    if name not in _reflect(connection, [name]):
        return None
    return {str(c["name"]): c["type"] for c in sa.inspect(connection).get_columns(name)}


def _select(
    name: str,
    tables: Mapping[str, sa.TableClause],
    order_by: Mapping[str, Sequence[str]],
    am_ids: list[str] | None,
    owner_table: str | None,
) -> sa.Select:
    table = tables[name]
    statement = sa.select(table)
    if am_ids is not None:
        condition = _slice_condition(name, tables, am_ids, owner_table)
        if condition is not None:
            statement = statement.where(condition)
    keys = [table.c[k] for k in order_by.get(name, ()) if k in table.c]
    return statement.order_by(*keys) if keys else statement


def _slice_condition(name: str, tables: Mapping[str, sa.TableClause], am_ids: list[str], owner_table: str | None):
    """``am_id IN (:ids)``; for the owner table, owned by them OR on an account of their rows."""
    table = tables[name]
    if name != owner_table:
        return _as_text(table.c.am_id).in_(am_ids) if "am_id" in table.c else None
    conditions = []
    if "am_id" in table.c:
        conditions.append(_as_text(table.c.am_id).in_(am_ids))
    if "account_id" in table.c:
        linked = [
            sa.select(_as_text(other.c.account_id)).where(_as_text(other.c.am_id).in_(am_ids))
            for other_name, other in tables.items()
            if other_name != owner_table and "am_id" in other.c and "account_id" in other.c
        ]
        if linked:
            conditions.append(_as_text(table.c.account_id).in_(linked[0] if len(linked) == 1 else sa.union(*linked)))
    return sa.or_(*conditions) if conditions else None


def _as_text(column: sa.ColumnClause):
    """The column itself when the database types it as text (an index on it stays usable),
    else cast to text: ids are text in the contract, but a database may store them as numbers."""
    return column if isinstance(column.type, sa.String) else sa.cast(column, sa.Text)


def _read(connection: Connection, statement: sa.Select, counted_as: str) -> pd.DataFrame:
    """The statement's rows as a frame, fetched in chunks (streamed from a server); their number
    is added to :data:`ROWS_FETCHED` under ``counted_as`` (the table the statement reads)."""
    result = connection.execute(statement.execution_options(yield_per=READ_CHUNK_ROWS))
    names = list(result.keys())
    # plain tuples: pandas probes non-tuple rows attribute by attribute, which costs more than the read
    chunks = [
        pd.DataFrame.from_records([tuple(row) for row in rows], columns=names, coerce_float=True)
        for rows in result.partitions()
    ]
    ROWS_FETCHED[counted_as] += sum(len(chunk) for chunk in chunks)
    if not chunks:
        return pd.DataFrame({name: pd.Series(dtype=object) for name in names})
    frame = chunks[0] if len(chunks) == 1 else pd.concat(chunks, ignore_index=True)
    for name in names:
        frame[name] = _typed(frame[name])
    return frame


def _typed(values: pd.Series) -> pd.Series:
    """A column of driver values with a pandas dtype: numbers as numbers (``NUMERIC``'s
    decimals as floats), dates and timestamps the database typed as such as datetime64, text as
    text. Only values the database itself typed are converted: text (SQLite stores dates as
    text) is left for validation, which knows which formats the contract allows.
    """
    if values.dtype != object:
        return values
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind in ("date", "datetime"):
        try:
            converted = pd.to_datetime(values)
        except (TypeError, ValueError):  # mixed time zones: left to validation
            return values
        return converted.dt.tz_localize(None) if getattr(converted.dt, "tz", None) is not None else converted
    if kind == "decimal":
        return values.astype("float64")
    return values


# ------------------------------------------------------------------------------------------
# Writing
# ------------------------------------------------------------------------------------------


def write_tables(
    tables: Mapping[str, pd.DataFrame], url: str, kinds: Mapping[str, Mapping[str, str]] | None = None
) -> str:
    """Write ``tables`` to the database at ``url``, replacing tables of the same names, in one
    transaction. ``kinds`` gives per table the contract kind (``date``, ``bool``, ``number``,
    ``text``) of its columns; other columns are typed from their pandas dtype. Returns the URL
    with its password hidden."""
    kinds = kinds or {}
    engine = _engine(url, read_only=False)
    try:
        with engine.begin() as connection:
            metadata = sa.MetaData()
            for name, frame in tables.items():
                columns = _columns(frame, kinds.get(name, {}), engine.dialect.name)
                table = _table(metadata, name, columns)
                table.drop(connection, checkfirst=True)
                table.create(connection)
                _insert(connection, table, list(columns), list(zip(*(v for _, v in columns.values()))))
    except sa.exc.SQLAlchemyError as exc:
        raise AmreviewError(f"cannot write the data pack to {shown_source(url)}: {_reason(exc, url)}") from None
    finally:
        engine.dispose()
    return shown_source(url)


def change_rows(
    url: str,
    added: Mapping[str, pd.DataFrame],
    deleted: Mapping[str, Sequence[Mapping[str, object]]] | None = None,
    kinds: Mapping[str, Mapping[str, str]] | None = None,
) -> str:
    """In one transaction: delete from each table of ``deleted`` the rows matching each of its
    conditions (column → value, all of them; ``None`` matches an empty value; a column the
    table lacks is ignored, since all its values are empty), then append ``added``'s rows to
    their tables, adding the columns a table lacks and creating a table that is missing (with
    the types of :func:`write_tables`). Returns the URL with its password hidden. Nothing is
    changed when anything fails (an :class:`~amreview.errors.AmreviewError`)."""
    kinds = kinds or {}
    deleted = deleted or {}
    engine = _engine(url, read_only=False)
    try:
        with engine.begin() as connection:
            for name in dict.fromkeys([*deleted, *added]):
                frame = added.get(name, pd.DataFrame())
                columns = _columns(frame, kinds.get(name, {}), engine.dialect.name)
                table = _table_with(connection, name, columns)
                for condition in deleted.get(name, ()):
                    connection.execute(table.delete().where(_matching(table, condition)))
                if len(frame):
                    _insert(connection, table, list(columns), list(zip(*(v for _, v in columns.values()))))
    except sa.exc.SQLAlchemyError as exc:
        raise AmreviewError(
            f"cannot add the rows to the data pack {shown_source(url)}: {_reason(exc, url)}; nothing was changed"
        ) from None
    finally:
        engine.dispose()
    return shown_source(url)


def _table_with(connection: Connection, name: str, columns: Mapping[str, tuple[sa.types.TypeEngine, list]]) -> sa.Table:
    """Table ``name`` with at least ``columns``: created when missing, the missing columns added."""
    inspector = sa.inspect(connection)
    if not inspector.has_table(name):
        table = _table(sa.MetaData(), name, columns)
        table.create(connection)
        return table
    present = {c["name"]: c["type"] for c in inspector.get_columns(name)}
    quote = connection.dialect.identifier_preparer.quote
    for column, (sql_type, _) in columns.items():
        if column not in present:
            connection.exec_driver_sql(
                f"ALTER TABLE {quote(name)} ADD COLUMN {quote(column)} {sql_type.compile(dialect=connection.dialect)}"
            )
            present[column] = sql_type
    return sa.Table(name, sa.MetaData(), *(sa.Column(c, t) for c, t in present.items()))


def _matching(table: sa.Table, condition: Mapping[str, object]):
    """``column = value`` for each item of ``condition`` (compared as text: every condition is on
    ids, codes or names), ``column IS NULL`` for ``None``; columns the table lacks are left out."""
    terms = [
        table.c[c].is_(None) if v is None else sa.cast(table.c[c], sa.Text) == str(v)
        for c, v in condition.items()
        if c in table.c
    ]
    return sa.and_(sa.true(), *terms)


def _table(metadata: sa.MetaData, name: str, columns: Mapping[str, tuple[sa.types.TypeEngine, list]]) -> sa.Table:
    table = sa.Table(name, metadata, *(sa.Column(c, sql_type) for c, (sql_type, _) in columns.items()))
    if "am_id" in columns:
        sa.Index(f"ix_{name}_am_id", table.c.am_id)
    return table


def _columns(
    frame: pd.DataFrame, kinds: Mapping[str, str], dialect: str = ""
) -> dict[str, tuple[sa.types.TypeEngine, list]]:
    """Per column its SQL type and its values as plain Python values (None for missing).

    A contract column gets its contract type (dates DATE, booleans BOOLEAN, numbers DOUBLE or
    BIGINT, text TEXT) when its values are of that type — ISO date text and number text are
    converted; values that are not (a broken pack being written, e.g. for a test) are written
    as TEXT as they are, for validation to report when the pack is read. Other columns are
    typed from their pandas dtype. For SQLite, whose driver has no date type, dates are given
    as the ISO text SQLAlchemy's SQLite ``DATE`` and ``DATETIME`` types store.
    """
    return {str(c): _column(frame[c], kinds.get(str(c)), dialect == "sqlite") for c in frame.columns}


def _column(values: pd.Series, kind: str | None, dates_as_text: bool = False) -> tuple[sa.types.TypeEngine, list]:
    present = values.notna()
    if kind == "date" or (kind is None and pd.api.types.is_datetime64_any_dtype(values)):
        dates = (
            values
            if pd.api.types.is_datetime64_any_dtype(values)
            else _parsed(values, pd.to_datetime, format="ISO8601")
        )
        if dates is not None:
            if kind == "date":
                return sa.Date(), _plain(dates.dt.strftime("%Y-%m-%d") if dates_as_text else dates.dt.date, present)
            return sa.DateTime(), _plain(
                dates.dt.strftime("%Y-%m-%d %H:%M:%S.%f")
                if dates_as_text
                else pd.Series(dates.dt.to_pydatetime(), index=values.index, dtype=object),
                present,
            )
    elif kind == "bool" or (kind is None and pd.api.types.is_bool_dtype(values)):
        if values[present].map(lambda v: isinstance(v, (bool, np.bool_))).all():
            return sa.Boolean(), _plain(values.astype(object).map(bool, na_action="ignore"), present)
    elif kind == "number" or (kind is None and pd.api.types.is_numeric_dtype(values)):
        numbers = values if pd.api.types.is_numeric_dtype(values) else _parsed(values, pd.to_numeric)
        if numbers is not None:
            sql_type: sa.types.TypeEngine = sa.BigInteger() if pd.api.types.is_integer_dtype(numbers) else sa.Double()
            return sql_type, _plain(numbers, present)
    return sa.Text(), _plain(values, present)


def _parsed(values: pd.Series, parse, **options) -> pd.Series | None:
    try:
        return parse(values, **options)
    except (TypeError, ValueError):
        return None


def _plain(values: pd.Series, present: pd.Series) -> list:
    return values.astype(object).where(present, None).tolist()


def _insert(connection: Connection, table: sa.Table, names: list[str], rows: list[tuple]) -> None:
    """Bulk insert, values always sent apart from the SQL: PostgreSQL's COPY through psycopg
    (identifiers composed by psycopg.sql); SQLite's executemany of SQLAlchemy's compiled
    ``INSERT … VALUES (?, …)`` (twice as fast as Core's per-row parameter processing); elsewhere
    Core's executemany in chunks."""
    if connection.dialect.driver == "psycopg":
        from psycopg import sql as pg

        statement = pg.SQL("COPY {} ({}) FROM STDIN").format(
            pg.Identifier(table.name), pg.SQL(", ").join(pg.Identifier(n) for n in names)
        )
        driver_connection = connection.connection.driver_connection
        assert driver_connection is not None  # None only once the connection is closed; this one is in use
        with driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
        return
    if connection.dialect.name == "sqlite" and connection.dialect.paramstyle == "qmark" and rows:
        connection.exec_driver_sql(str(table.insert().compile(dialect=connection.dialect)), rows)
        return
    for start in range(0, len(rows), INSERT_CHUNK_ROWS):
        connection.execute(table.insert(), [dict(zip(names, row)) for row in rows[start : start + INSERT_CHUNK_ROWS]])


# ------------------------------------------------------------------------------------------
# Connections and their errors
# ------------------------------------------------------------------------------------------


def _engine(url: str, read_only: bool) -> Engine:
    """An engine for ``url``: SQLite files read-only when reading and with real transactions;
    PostgreSQL with a connect timeout."""
    try:
        parsed = make_url(url)
        options: dict = {}
        backend = parsed.get_backend_name()
        if backend == "sqlite":
            database = parsed.database
            if read_only and database and database != ":memory:" and not database.startswith("file:"):
                path = Path(database)
                if not path.is_file():
                    raise DataError(_pack_problem("a SQLite database file", f"no file {database!r}"), shown_source(url))
                uri = path.resolve().as_uri() + "?mode=ro"
                options["creator"] = lambda: sqlite3.connect(uri, uri=True)
        elif backend == "postgresql" and "connect_timeout" not in parsed.query:
            options["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
        engine = sa.create_engine(parsed, **options)
    except (sa.exc.ArgumentError, ValueError) as exc:  # an unknown dialect, a port that is not a number
        raise DataError(_pack_problem("a SQLAlchemy database URL", _reason(exc, url)), shown_source(url)) from None
    except ImportError as exc:
        raise DataError(
            _pack_problem("an installed database driver", scrub(f"{type(exc).__name__}: {exc}", url)), shown_source(url)
        ) from None
    if engine.dialect.name == "sqlite":
        _sqlite_transactions(engine)
    return engine


def _sqlite_transactions(engine: Engine) -> None:
    """Real transactions on SQLite: the stdlib driver does not BEGIN before SELECT or DDL
    (SQLAlchemy's documented recipe, "Enabling Non-Legacy SQLite Transactional Modes")."""

    @sa.event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN")


def _unreadable(url: str, exc: Exception) -> DataError:
    return DataError(_pack_problem("a database amreview can connect to and read", _reason(exc, url)), shown_source(url))


def _pack_problem(expected: str, found: str) -> pd.DataFrame:
    return pd.DataFrame(
        [dict(zip(PROBLEM_COLUMNS, ("(pack)", None, "", "database", expected, found)))], columns=PROBLEM_COLUMNS
    )


def _reason(exc: Exception, url: str) -> str:
    """The driver's own message on one line, without SQLAlchemy's statement dump and link, and
    without any secret of ``url`` (a driver may quote a user, a host or a connection string)."""
    original = getattr(exc, "orig", None) or exc
    text = str(original).split("\n[SQL:")[0].split("(Background on this error")[0]
    text = scrub(" ".join(text.split()), url)
    if len(text) > 300:
        text = text[:297] + "…"
    return f"{type(original).__name__}: {text}"
