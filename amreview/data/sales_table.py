"""A large table of sales lines in PostgreSQL, checked and summed where it lies: the queries go
to the data, not the lines to Python.

The sibling of :mod:`amreview.data.sales_file` (a Parquet file read in place by DuckDB), by the
same rule: **the database only finds the lines that might break the contract; pandas judges
them.** Every query is a SQLAlchemy Core expression (identifiers quoted by the dialect, values
sent as bound parameters, never built into SQL text) run by PostgreSQL:

1. *Suspects*: the lines that fail a strict, cheap check — a required column NULL; a number
   not finite (float8 holds NaN and ±Infinity; a ``numeric`` outside ±1e308 is left to pandas
   too, before it could overflow float8); a date outside what pandas' ``datetime64[ns]`` holds;
   a line id not printable ASCII, or with a space at either end, or longer than
   :data:`~amreview.data.schemas.ID_MAX_LENGTH`; a line id whose 64-bit hash
   (``hashtextextended``) another line shares (as many distinct hashes as lines proves the ids
   distinct); a value of ``am_id``, ``account_id``, ``product``, ``vendor`` or ``deal_type``
   that the loader's own functions reject, judged in Python on the column's distinct values
   (:func:`amreview.data.sales_file.bad_values`: ids the pack does not know included).
2. The suspects (none in a clean pack) are fetched as a whole read fetches them (ordered by
   ``line_id``) and validated with the rest of the pack, read in the same snapshot; rows are
   named by their key (``line_id = 'L17'``) as in a whole read, so a broken pack gets exactly
   the errors of a whole read.
3. The monthly summary (``GROUP BY`` month, account manager, account, deal type, vendor
   programme), each account's first line (earliest date, ties by the smallest ``line_id`` in
   code point order: ``COLLATE "C"``), the first and last dates and the line count are computed
   by PostgreSQL over the lines that passed, in that snapshot, when the pack is read; the
   suspects the loader accepted (an id with spaces around it, trimmed) are added by pandas.

Money: a whole read turns each value into a float64 (a ``numeric`` through Python's exact
``float(Decimal)``) and sums in pandas; here each value is cast to float8 *before* summing
(PostgreSQL's cast is correctly rounded too), so both sum the same floats, in another order.

What is read this way: a PostgreSQL table or view ``sales`` of at least
:data:`~amreview.data.sales_file.OUT_OF_CORE_LINES` lines (or ``AMREVIEW_IN_PLACE_LINES``),
whose contract columns have types read exactly as a whole read reads them (:func:`readable`):
ids and text as ``text``/``varchar``, dates as ``date``, numbers as ``double precision``,
integers or ``numeric``, the vendor programme as ``boolean``. Anything else (SQLite, ids stored
as numbers, dates as text or timestamps, ``real``, which the driver reads as its shortest
decimal text rather than its float4 value) is read whole, as before.

:meth:`SalesTable.lines_beyond` and the lines themselves (read whole, when asked) are read
later, in a snapshot of their own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from amreview.data.sales_file import (
    CONTRACT,
    DATE_RANGE,
    KEYS,
    NUMBERS,
    PLAIN_ID,
    REQUIRED,
    bad_values,
    in_place_threshold,
    typed_as_loaded,
)
from amreview.data.sales_summary import FIRST_LINE_COLUMNS, SUMMARY_COLUMNS, SUMMARY_KEYS, first_lines, monthly_summary
from amreview.data.schemas import ID_MAX_LENGTH, kinds_of
from amreview.data.sql import column_types, fetch, reading
from amreview.vocabulary import DEFAULT_DEAL_TYPE

TABLE = "sales"
# A line id PostgreSQL passes: printable ASCII, no space at either end (others are pandas' to judge).
WORK_MEM = "256MB"  # per sort or hash of these queries (PostgreSQL's default, 4MB, spills 10M line ids to disk)
NUMERIC_BOUND = "1e308"  # a numeric inside ±1e308 casts to a finite float8
FLOAT8: postgresql.DOUBLE_PRECISION = postgresql.DOUBLE_PRECISION()


def readable(name: str, sql_type: sa.types.TypeEngine) -> bool:
    """Whether contract column ``name`` of type ``sql_type`` is read here exactly as a whole read
    reads it (module docstring)."""
    kind = kinds_of(TABLE)[name]
    if kind == "text":
        return isinstance(sql_type, (sa.Text, sa.VARCHAR)) and not isinstance(sql_type, sa.Enum)
    if kind == "date":
        return isinstance(sql_type, sa.Date)
    if kind == "bool":
        return isinstance(sql_type, sa.Boolean)
    if isinstance(sql_type, sa.Float):
        return isinstance(sql_type, postgresql.DOUBLE_PRECISION)
    return isinstance(sql_type, (sa.Integer, sa.Numeric))


@dataclass
class SalesTable:
    """The ``sales`` table of a PostgreSQL pack, checked and summed in the database (module
    docstring). What marks a line a suspect is kept as data (``bad`` values per column, repeated
    hashes, ``clashes``: ids of lines that passed which a trimmed suspect repeats), so the
    condition can be rebuilt in any process; ``fine``: the suspects the loader accepted."""

    url: str = field(repr=False)
    types: dict[str, sa.types.TypeEngine] = field(repr=False)
    rows: int
    bad: dict[str, list] = field(default_factory=dict)
    repeated_hashes: list[int] = field(default_factory=list)
    clashes: list[str] = field(default_factory=list)
    suspect_count: int = 0
    fine: pd.DataFrame | None = None
    fine_ids: list[str] = field(default_factory=list)  # the fine lines' ids as stored, by their label
    summary: pd.DataFrame | None = field(default=None, repr=False)
    first: pd.DataFrame | None = field(default=None, repr=False)
    dates: tuple[pd.Timestamp | None, pd.Timestamp | None] = (None, None)
    digest: str = ""

    # ---- the lines as SQL sees them -------------------------------------------------------

    def _table(self) -> sa.TableClause:
        """The table as a whole read selects it: text columns typed as text, the others untyped
        (values arrive as the driver gives them)."""
        return sa.table(
            TABLE, *(sa.column(n, sa.Text() if isinstance(t, sa.String) else None) for n, t in self.types.items())
        )

    def _condition(self, table: sa.TableClause) -> sa.ColumnElement[bool]:
        """True for a suspect line of ``table`` (module docstring); never NULL."""
        c = table.c
        tests: list[sa.ColumnElement] = [c[name].is_(None) for name in REQUIRED]
        for name in NUMBERS:
            if isinstance(self.types[name], sa.Float):
                tests.append(sa.cast(c[name], FLOAT8).in_([float("nan"), float("inf"), float("-inf")]))
            elif not isinstance(self.types[name], sa.Integer):
                bound = sa.cast(sa.literal(NUMERIC_BOUND), sa.Numeric)
                tests.append(sa.not_(c[name].between(-bound, bound)))
        low, high = (sa.literal(d, sa.Date) for d in DATE_RANGE)
        tests.append(sa.not_(c.invoice_date.between(low, high)))
        tests.append(sa.not_(c.line_id.regexp_match(f"^{PLAIN_ID}$")))
        tests.append(sa.func.length(c.line_id) > ID_MAX_LENGTH)
        for name, values in self.bad.items():
            tests.append(c[name] == sa.any_(sa.literal(values, postgresql.ARRAY(sa.Text))))
        if self.repeated_hashes:
            hashes = sa.literal(self.repeated_hashes, postgresql.ARRAY(sa.BigInteger))
            tests.append(sa.func.hashtextextended(c.line_id, 0) == sa.any_(hashes))
        if self.clashes:
            tests.append(c.line_id == sa.any_(sa.literal(self.clashes, postgresql.ARRAY(sa.Text))))
        return sa.or_(*(test.is_(sa.true()) for test in tests))

    def _passed(self) -> sa.Subquery:
        """The lines that passed, completed as the loader completes them (defaults filled,
        numbers as float8), with their ``month``."""
        table = self._table()
        c = table.c
        deal_type: sa.ColumnElement = sa.literal(DEFAULT_DEAL_TYPE, sa.Text)
        programme: sa.ColumnElement = sa.false()
        if "deal_type" in c:
            deal_type = sa.func.coalesce(c.deal_type, deal_type)
        if "vendor_programme" in c:
            programme = sa.func.coalesce(c.vendor_programme, sa.false())
        columns = {
            **{name: c[name] for name in ("line_id", "invoice_date", "am_id", "account_id", "product")},
            "vendor": c.vendor if "vendor" in c else sa.null(),
            **{name: sa.cast(c[name], FLOAT8) for name in NUMBERS},
            "deal_type": deal_type,
            "vendor_programme": programme,
        }
        month = sa.cast(sa.func.date_trunc("month", sa.cast(c.invoice_date, sa.DateTime())), sa.Date)
        statement = sa.select(*(columns[name].label(name) for name in CONTRACT), month.label("month"))
        if self.suspect_count:
            statement = statement.where(sa.not_(self._condition(table)))
        return statement.subquery("passed")

    # ---- checking -------------------------------------------------------------------------

    def find_suspects(
        self, connection: Connection, known_am_ids: Iterable[str], known_account_ids: Iterable[str] | None
    ) -> int:
        """How many lines PostgreSQL cannot vouch for (module docstring): two scans of the table
        (the distinct values of every key column; the lines failing a check and the distinct
        hashes of the line ids), a third when two ids share a hash."""
        connection.exec_driver_sql(f"SET LOCAL work_mem = '{WORK_MEM}'")
        known = {
            "am_id": set(known_am_ids),
            "account_id": None if known_account_ids is None else set(known_account_ids),
        }
        for name, values in self._distinct_values(connection).items():
            bad = bad_values(name, values, known.get(name))
            if bad:
                self.bad[name] = [str(v) for v in bad]
        table = self._table()
        hashed = sa.func.hashtextextended(table.c.line_id, 0)
        distinct, suspects = connection.execute(
            sa.select(sa.func.count(hashed.distinct()), sa.func.count().filter(self._condition(table)))
        ).one()
        self.suspect_count = int(suspects)
        if distinct != self.rows:
            repeated = sa.select(hashed).group_by(hashed).having(sa.func.count() > 1)
            self.repeated_hashes = [int(h) for h in connection.execute(repeated).scalars() if h is not None]
            self._count_suspects(connection)
        return self.suspect_count

    def _distinct_values(self, connection: Connection) -> dict[str, list]:
        """Each key column's distinct values (:data:`~amreview.data.sales_file.KEYS`), in one
        scan (``GROUPING SETS``)."""
        table = self._table()
        names = [name for name in KEYS if name in self.types]
        grouped = [sa.func.grouping(table.c[name]).label(f"grouped_{name}") for name in names]
        statement = sa.select(*(table.c[name] for name in names), *grouped).group_by(
            sa.func.grouping_sets(*(sa.tuple_(table.c[name]) for name in names))
        )
        values: dict[str, list] = {name: [] for name in names}
        for row in connection.execute(statement):
            for i, name in enumerate(names):
                if row[len(names) + i] == 0:  # this row is a value of this column
                    values[name].append(row[i])
        return values

    def _count_suspects(self, connection: Connection) -> int:
        table = self._table()
        count = connection.execute(sa.select(sa.func.count()).where(self._condition(table)).select_from(table))
        self.suspect_count = int(count.scalar_one())
        return self.suspect_count

    def suspect_lines(self, connection: Connection) -> pd.DataFrame:
        """The suspect lines as a whole read fetches them (raw values, ordered by ``line_id``)."""
        table = self._table()
        if not self.suspect_count:  # as a whole read gives a table without rows
            return pd.DataFrame({name: pd.Series(dtype=object) for name in self.types})
        statement = sa.select(table).where(self._condition(table)).order_by(table.c.line_id)
        return fetch(connection, statement, TABLE)

    def passed_ids_among(self, connection: Connection, line_ids: Iterable[str]) -> list[str]:
        """The ids of lines that passed which are among ``line_ids`` (a suspect the loader
        trimmed to another line's id makes a repeated id after all)."""
        asked = [str(i) for i in line_ids]
        if not asked:
            return []
        passed = self._passed()
        statement = sa.select(passed.c.line_id).where(
            passed.c.line_id == sa.any_(sa.literal(asked, postgresql.ARRAY(sa.Text)))
        )
        return [str(i) for i in connection.execute(statement).scalars()]

    def add_clashes(self, connection: Connection, line_ids: list[str]) -> None:
        """Make the lines of ``line_ids`` suspects too."""
        self.clashes = sorted({*self.clashes, *line_ids})
        self._count_suspects(connection)

    def accept(self, connection: Connection, fine: pd.DataFrame, raw_ids: pd.Series) -> None:
        """The suspects the loader validated and completed (``fine``, labelled by their position
        among the suspects; ``raw_ids``: the suspects' ids as stored), and then what the KPIs
        read, computed in the database in this snapshot."""
        self.fine = fine
        self.fine_ids = [str(raw_ids.iloc[int(i)]) for i in fine.index]
        self._summarise(connection)
        self.first = self._first_lines(connection)

    # ---- what the KPIs read ---------------------------------------------------------------

    def _summarise(self, connection: Connection) -> None:
        """The monthly summary, and from the same scan the first and last dates and the digest of
        the lines' content (per summary row the exclusive or of its lines' 64-bit hashes)."""
        passed = self._passed()
        revenue = passed.c.revenue
        # grouped as bytes (COLLATE "C": the same groups, sorted faster than by the database's collation)
        keys = [passed.c[k].collate("C") if kinds_of(TABLE).get(k) == "text" else passed.c[k] for k in SUMMARY_KEYS]
        statement = sa.select(
            *(key.label(name) for key, name in zip(keys, SUMMARY_KEYS, strict=True)),
            sa.func.sum(revenue).label("revenue"),
            sa.func.sum(passed.c.cost).label("cost"),
            sa.func.count().label("lines"),
            sa.func.count().filter(revenue > 0).label("sale_lines"),
            sa.func.count().filter(revenue < 0).label("return_lines"),
            sa.func.coalesce(sa.func.sum(revenue).filter(revenue > 0), sa.literal(0.0, FLOAT8)).label("sale_revenue"),
            sa.func.min(passed.c.invoice_date).label("first_date"),
            sa.func.max(passed.c.invoice_date).label("last_date"),
            sa.func.bit_xor(_line_hash(passed)).label("line_hashes"),
        ).group_by(*keys)
        fetched = fetch(connection, statement, TABLE)
        summary = typed_as_loaded(fetched, SUMMARY_COLUMNS)
        dates = [pd.Timestamp(d) for d in (fetched["first_date"].min(), fetched["last_date"].max()) if pd.notna(d)]
        digest = hashlib.sha256(np.sort(pd.util.hash_pandas_object(summary, index=False).to_numpy()).tobytes())
        digest.update(np.sort(fetched["line_hashes"].to_numpy(dtype="int64")).tobytes())
        if self.fine is not None and not self.fine.empty:
            summary = pd.concat([summary, monthly_summary(self.fine)], ignore_index=True)
            dates += [self.fine["invoice_date"].min(), self.fine["invoice_date"].max()]
            digest.update(
                np.sort(pd.util.hash_pandas_object(self.fine[list(CONTRACT)], index=False).to_numpy()).tobytes()
            )
        # sorted in pandas, by code point, as the summary of lines read whole is
        self.summary = summary.groupby(SUMMARY_KEYS, sort=True, observed=True)[SUMMARY_COLUMNS[5:]].sum().reset_index()
        self.dates = (min(dates), max(dates)) if dates else (None, None)
        self.digest = digest.hexdigest()

    def _first_lines(self, connection: Connection) -> pd.DataFrame:
        """Per account its lines on its earliest date, the one with the smallest ``line_id`` in
        code point order (``COLLATE "C"``; two scans, no sort of every line)."""
        passed, again = self._passed(), self._passed().alias("earliest_of")
        earliest = (
            sa.select(again.c.account_id, sa.func.min(again.c.invoice_date).label("first_date"))
            .group_by(again.c.account_id)
            .subquery("earliest")
        )
        statement = (
            sa.select(passed.c.account_id, *(passed.c[k] for k in FIRST_LINE_COLUMNS))
            .join_from(
                passed,
                earliest,
                sa.and_(passed.c.account_id == earliest.c.account_id, passed.c.invoice_date == earliest.c.first_date),
            )
            .ext(postgresql.distinct_on(passed.c.account_id))
            .order_by(passed.c.account_id, passed.c.line_id.collate("C"))
        )
        frame = typed_as_loaded(fetch(connection, statement, TABLE), ["account_id", *FIRST_LINE_COLUMNS])
        if self.fine is not None and not self.fine.empty:
            frame = pd.concat([frame, first_lines(self.fine).reset_index()], ignore_index=True)
        return first_lines(frame)

    def monthly_summary(self) -> pd.DataFrame:
        """:func:`amreview.data.sales_summary.monthly_summary` of every line of the table."""
        assert self.summary is not None, "computed when the pack is read (accept)"
        return self.summary

    def first_lines(self) -> pd.DataFrame:
        """:func:`amreview.data.sales_summary.first_lines` of every line of the table."""
        assert self.first is not None, "computed when the pack is read (accept)"
        return self.first

    def invoice_dates(self) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        """The first and the last invoice date of the table's lines (None without lines)."""
        return self.dates

    def lines_beyond(self, bound: float) -> pd.DataFrame:
        """The lines whose revenue or cost exceeds ``bound`` in size, completed, in the order and
        with the labels of a whole read (by invoice date, then position in ``line_id`` order)."""
        with reading(self.url) as connection:
            passed = self._passed()
            big = sa.or_(sa.func.abs(passed.c.revenue) > bound, sa.func.abs(passed.c.cost) > bound)
            frame = typed_as_loaded(
                fetch(connection, sa.select(*(passed.c[n] for n in CONTRACT)).where(big), TABLE), list(CONTRACT)
            )
            ids = frame["line_id"].tolist()
            if self.fine is not None and not self.fine.empty:
                wrong = (self.fine["revenue"].abs() > bound) | (self.fine["cost"].abs() > bound)
                frame = pd.concat([frame, typed_as_loaded(self.fine[wrong], list(CONTRACT))], ignore_index=True)
                ids += [self.fine_ids[i] for i, w in enumerate(wrong) if w]
            positions = self._positions(connection, ids)
        frame["position"] = [positions[i] for i in ids]
        frame = frame.sort_values(["invoice_date", "position"], kind="mergesort")
        return frame.set_index("position").rename_axis(None)[list(CONTRACT)]

    def _positions(self, connection: Connection, line_ids: list[str]) -> dict[str, int]:
        """Each line's position (0-based) in a whole read, which orders the lines by ``line_id``."""
        if not line_ids:
            return {}
        table = self._table()
        ranked = sa.select(
            table.c.line_id, (sa.func.row_number().over(order_by=table.c.line_id) - 1).label("position")
        ).subquery("ranked")
        wanted = ranked.c.line_id == sa.any_(sa.literal(line_ids, postgresql.ARRAY(sa.Text)))
        return {
            str(i): int(n) for i, n in connection.execute(sa.select(ranked.c.line_id, ranked.c.position).where(wanted))
        }


def _line_hash(passed: sa.Subquery) -> sa.ColumnElement[int]:
    """A line's 64-bit hash: the exclusive or of its columns' hashes, each with a seed of its own
    (typed hashes: no value is turned into text)."""
    hashed = []
    for seed, name in enumerate(CONTRACT, start=1):
        kind, column = kinds_of(TABLE)[name], passed.c[name]
        if kind == "date":
            value = sa.func.hashint4extended(column - sa.literal(dt.date(2000, 1, 1), sa.Date), seed)
        elif kind == "number":
            value = sa.func.hashfloat8extended(column, seed)
        elif kind == "bool":
            value = sa.func.hashint4extended(sa.cast(column, sa.Integer), seed)
        else:
            value = sa.func.hashtextextended(column, seed)
        hashed.append(sa.func.coalesce(value, -seed))
    line: sa.ColumnElement[int] = hashed[0]
    for value in hashed[1:]:
        line = line.op("#")(value)
    return line


def open_sales_table(connection: Connection, url: str, min_lines: int | None = None) -> SalesTable | None:
    """The ``sales`` table of the PostgreSQL database of ``connection`` to be checked and summed
    there, or None when it should be read whole (module docstring): not PostgreSQL, no such
    table, fewer than ``min_lines`` lines (default :data:`~amreview.data.sales_file.OUT_OF_CORE_LINES`
    or ``AMREVIEW_IN_PLACE_LINES``), a required column missing or two columns named alike (the
    whole read names them), or a column of a type not read here exactly as a whole read reads it."""
    if connection.dialect.name != "postgresql" or (connection.dialect.server_version_info or (0,)) < (14,):
        return None  # bit_xor: PostgreSQL 14
    types = column_types(connection, TABLE)
    if types is None or any(name not in types for name in REQUIRED) or len(types) != len({n.lower() for n in types}):
        return None
    if not all(readable(name, types[name]) for name in CONTRACT if name in types):
        return None
    rows = int(connection.execute(sa.select(sa.func.count()).select_from(sa.table(TABLE))).scalar_one())
    if rows < (in_place_threshold() if min_lines is None else min_lines):
        return None
    return SalesTable(url, types, rows)
