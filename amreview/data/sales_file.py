"""A large Parquet file of sales lines, checked and summed where it lies: DuckDB reads it in
place, out of core, on every core; pandas never holds its lines.

What the KPIs read of the lines is the monthly summary and each account's first line
(:mod:`amreview.data.sales_summary`); this module computes both with DuckDB from the file, and
checks the lines against the contract without loading them, by one rule: **DuckDB only finds
the lines that might break the contract; pandas judges them.**

1. DuckDB tests each line by checks that are cheap on a hundred million lines and *strict*: a
   line passes only when the contract's own validation (``validate_tables``) would pass it
   unchanged. The text columns with few distinct values (account manager, account, product,
   vendor, deal type) are judged on their distinct values, by the very functions the loader
   applies to cells (:func:`~amreview.data.cells.as_text`, the schema's checks); a line id
   passes when it is printable ASCII without spaces around it and at most
   :data:`~amreview.data.schemas.ID_MAX_LENGTH` characters; numbers are present and finite;
   dates present; line ids unique (as many distinct 64-bit hashes as lines proves it; lines
   sharing a hash are sent on).
2. The lines that do not pass (*suspects*: none in a clean pack) are read into pandas with their
   row numbers and validated with the rest of the pack by ``validate_tables``: a broken pack
   gets exactly the errors it gets when read whole, naming the same rows. Suspects that are
   fine after all (an id with a space around it, which the loader trims) count like any line.
3. Sums are DuckDB's over the lines that passed plus pandas' over the suspects that are fine.

A file DuckDB cannot read this way (a column of an unexpected Parquet type: dates as text,
amounts as decimals, ids as numbers) is read whole by pandas instead (:func:`open_sales_file`
returns None), as every CSV and workbook pack is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from amreview.data.cells import as_text
from amreview.data.sales_summary import FIRST_LINE_COLUMNS, SUMMARY_COLUMNS, first_lines, monthly_summary
from amreview.data.schemas import CONTROL_CHARACTERS, ID_MAX_LENGTH, columns_of
from amreview.vocabulary import DEAL_TYPES, DEFAULT_DEAL_TYPE

# Parquet types (as DuckDB names them) each contract column may have for DuckDB to read it in
# place; anything else is read by pandas (module docstring).
TEXT_TYPES = ("VARCHAR",)
ACCEPTED_TYPES: dict[str, tuple[str, ...]] = {
    "line_id": TEXT_TYPES,
    "invoice_date": ("DATE", "TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S"),
    "am_id": TEXT_TYPES,
    "account_id": TEXT_TYPES,
    "product": TEXT_TYPES,
    "vendor": TEXT_TYPES,
    "quantity": ("DOUBLE", "FLOAT", "BIGINT", "INTEGER", "SMALLINT", "TINYINT"),
    "revenue": ("DOUBLE", "FLOAT", "BIGINT", "INTEGER", "SMALLINT", "TINYINT"),
    "cost": ("DOUBLE", "FLOAT", "BIGINT", "INTEGER", "SMALLINT", "TINYINT"),
    "deal_type": TEXT_TYPES,
    "vendor_programme": ("BOOLEAN",),
}
REQUIRED = ("line_id", "invoice_date", "am_id", "account_id", "product", "quantity", "revenue", "cost")
NUMBERS = ("quantity", "revenue", "cost")
# Judged on their distinct values (few: people, accounts, products), by the loader's own rules.
KEYS = ("am_id", "account_id", "product", "vendor", "deal_type")
ID_KEYS = ("am_id", "account_id")
# A line id DuckDB passes: printable ASCII, no space at either end (every other id is judged by pandas).
PLAIN_ID = "[!-~]([ -~]*[!-~])?"
# pandas' datetime64[ns] holds 1677-09-22 to 2262-04-11: a date beyond is the loader's to word.
DATE_RANGE = (dt.date(1678, 1, 1), dt.date(2262, 1, 1))
# Lines at or above this many are read in place; fewer are read whole (one path for small packs).
# The environment variable AMREVIEW_IN_PLACE_LINES sets another threshold (1: every Parquet pack).
OUT_OF_CORE_LINES = 1_000_000
IN_PLACE_VARIABLE = "AMREVIEW_IN_PLACE_LINES"


@dataclass
class SalesFile:
    """A Parquet file of sales lines that DuckDB reads in place (module docstring).

    ``suspects``: the file positions (0-based) of the lines left to pandas; ``fine``: those of
    them the loader accepted, validated and completed (set by :meth:`accept`)."""

    path: Path
    columns: tuple[str, ...]
    rows: int
    suspects: np.ndarray = field(default_factory=lambda: np.empty(0, dtype="int64"))
    fine: pd.DataFrame | None = None
    _connection: object = field(default=None, repr=False)
    _sharing: np.ndarray | None = field(default=None, repr=False)

    @property
    def db(self):
        if self._connection is None:
            import duckdb

            # results are ordered where order matters (ORDER BY), so DuckDB need not keep the file's
            self._connection = duckdb.connect(config={"threads": _threads(), "preserve_insertion_order": False})
            self._connection.execute("SET enable_progress_bar = false")
        return self._connection

    def _arrow(self, query: str):
        return self.db.sql(query).to_arrow_table()

    def _positions(self, query: str) -> np.ndarray:
        return np.asarray(self._arrow(query).column("file_row_number").to_numpy(), dtype="int64")

    # ---- the lines as SQL sees them -------------------------------------------------------

    def _scan(self) -> str:
        return f"read_parquet({_literal(self.path)}, file_row_number = true)"

    def _column(self, name: str) -> str:
        """A contract column as the loader completes it: defaults filled, dates as dates."""
        if name not in self.columns:
            return {"deal_type": f"'{DEFAULT_DEAL_TYPE}'", "vendor_programme": "false"}.get(name, "NULL")
        if name == "deal_type":
            return f"coalesce(deal_type, '{DEFAULT_DEAL_TYPE}')"
        if name == "vendor_programme":
            return "coalesce(vendor_programme, false)"
        if name == "invoice_date":
            return "CAST(invoice_date AS DATE)"
        if name in NUMBERS:
            return f"CAST({name} AS DOUBLE)"
        return name

    def _passed(self) -> str:
        """The lines that passed DuckDB's checks, completed (module docstring)."""
        self.db.register("suspect_rows", pd.DataFrame({"n": self.suspects.astype("int64")}))
        columns = ", ".join(f"{self._column(c)} AS {c}" for c in CONTRACT)
        return (
            f"SELECT {columns}, file_row_number FROM {self._scan()} "
            "WHERE file_row_number NOT IN (SELECT n FROM suspect_rows)"
        )

    # ---- checking -------------------------------------------------------------------------

    def find_suspects(self, known_am_ids: Iterable[str], known_account_ids: Iterable[str] | None) -> np.ndarray:
        """The positions of the lines DuckDB cannot vouch for (module docstring), in file order."""
        known = {
            "am_id": set(known_am_ids),
            "account_id": None if known_account_ids is None else set(known_account_ids),
        }
        tests = []
        for name in REQUIRED:
            tests.append(f"{name} IS NULL")
        for name in NUMBERS:
            tests.append(f"NOT isfinite(CAST({name} AS DOUBLE))")
        low, high = DATE_RANGE
        tests.append(f"CAST(invoice_date AS DATE) NOT BETWEEN DATE '{low:%Y-%m-%d}' AND DATE '{high:%Y-%m-%d}'")
        tests.append(f"NOT regexp_full_match(line_id, '{PLAIN_ID}') OR length(line_id) > {ID_MAX_LENGTH}")
        for name in KEYS:
            if name not in self.columns:
                continue
            values = [v for (v,) in self.db.execute(f"SELECT DISTINCT {name} FROM {self._scan()}").fetchall()]
            bad = bad_values(name, values, known.get(name))
            if bad:
                self.db.register(f"bad_{name}", pd.DataFrame({"v": pd.Series(bad, dtype=object)}))
                tests.append(f"{name} IN (SELECT v FROM bad_{name})")
        condition = " OR ".join(f"({t})" for t in tests)
        found = self._positions(
            f"SELECT file_row_number FROM {self._scan()} WHERE {condition} ORDER BY file_row_number"
        )
        self.suspects = np.union1d(found, self.sharing_an_id_hash())
        return self.suspects

    def sharing_an_id_hash(self) -> np.ndarray:
        """The positions of the lines whose line id's 64-bit hash another line's shares: equal ids
        have equal hashes, so as many distinct hashes as lines proves the ids distinct (the
        cheapest exact test), and only when it fails are the lines sharing one looked for.
        Computed once, and first: its hash table is DuckDB's largest (0.6 GB for ten million
        lines), so the loader runs it before it reads the other tables, and the two never add up."""
        if self._sharing is None:
            lines, hashes = self.db.execute(
                f"SELECT count(*), count(DISTINCT hash(line_id)) FROM {self._scan()}"
            ).fetchall()[0]
            self._sharing = np.empty(0, dtype="int64")
            if lines != hashes:
                self._sharing = self._positions(
                    f"SELECT file_row_number FROM {self._scan()} WHERE hash(line_id) IN "
                    f"(SELECT hash(line_id) AS h FROM {self._scan()} GROUP BY h HAVING count(*) > 1)"
                )
        return self._sharing

    def suspect_lines(self) -> pd.DataFrame:
        """The suspect lines as pandas reads the file (raw cells), in file order."""
        self.db.register("suspect_rows", pd.DataFrame({"n": self.suspects.astype("int64")}))
        table = self._arrow(
            f"SELECT * EXCLUDE (file_row_number) FROM {self._scan()} "
            "WHERE file_row_number IN (SELECT n FROM suspect_rows) ORDER BY file_row_number"
        )
        return table.to_pandas().reset_index(drop=True)

    def passed_ids_among(self, line_ids: Iterable[str]) -> np.ndarray:
        """Positions of lines that passed whose id is one of ``line_ids`` (a suspect that the
        loader trimmed to another line's id is a repeated id after all)."""
        self.db.register("asked_ids", pd.DataFrame({"v": pd.Series(list(line_ids), dtype=object)}))
        return self._positions(
            f"SELECT file_row_number FROM ({self._passed()}) WHERE line_id IN (SELECT v FROM asked_ids)"
        )

    def accept(self, fine: pd.DataFrame) -> None:
        """The suspects the loader validated and completed (sales lines as a validated pack holds
        them), ``fine``'s labels being positions among the suspects; kept labelled by their
        position in the file, as a pack read whole labels its lines."""
        self.fine = fine.set_axis(pd.Index(self.suspects[fine.index.to_numpy()]))

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_connection": None}  # a DuckDB connection does not cross processes

    # ---- what the KPIs read ---------------------------------------------------------------

    def monthly_summary(self) -> pd.DataFrame:
        """:func:`amreview.data.sales_summary.monthly_summary` of every line of the file."""
        summed = self._arrow(
            f"""
            SELECT CAST(date_trunc('month', invoice_date) AS TIMESTAMP) AS month, am_id, account_id,
                   deal_type, vendor_programme,
                   fsum(revenue) AS revenue, fsum(cost) AS cost, count(*) AS lines,
                   count(*) FILTER (WHERE revenue > 0) AS sale_lines,
                   count(*) FILTER (WHERE revenue < 0) AS return_lines,
                   coalesce(fsum(revenue) FILTER (WHERE revenue > 0), 0.0) AS sale_revenue
            FROM ({self._passed()})
            GROUP BY ALL ORDER BY ALL
            """
        )
        summary = typed_as_loaded(summed.to_pandas(), SUMMARY_COLUMNS)
        if self.fine is None or self.fine.empty:
            return summary
        both = pd.concat([summary, monthly_summary(self.fine)], ignore_index=True)
        return both.groupby(SUMMARY_COLUMNS[:5], sort=True, observed=True)[SUMMARY_COLUMNS[5:]].sum().reset_index()

    def first_lines(self) -> pd.DataFrame:
        """:func:`amreview.data.sales_summary.first_lines` of every line of the file."""
        first = self._arrow(
            f"""
            SELECT account_id, f.d AS invoice_date, f.l AS line_id, f.a AS am_id FROM (
                SELECT account_id, min_by(struct_pack(d := invoice_date, l := line_id, a := am_id),
                                          struct_pack(d := invoice_date, l := line_id)) AS f
                FROM ({self._passed()}) GROUP BY account_id)
            """
        )
        frame = typed_as_loaded(first.to_pandas(), ["account_id", *FIRST_LINE_COLUMNS])
        if self.fine is not None and not self.fine.empty:
            frame = pd.concat([frame, first_lines(self.fine).reset_index()], ignore_index=True)
        return first_lines(frame)

    def lines_beyond(self, bound: float) -> pd.DataFrame:
        """The lines whose revenue or cost exceeds ``bound`` in size, in invoice-date order (the
        pack's order of lines: by date, then file position), completed."""
        return self.lines_where(
            f"abs(revenue) > {bound!r} OR abs(cost) > {bound!r}",
            lambda lines: (lines["revenue"].abs() > bound) | (lines["cost"].abs() > bound),
        )

    def lines_where(self, condition: str, keep: Callable[[pd.DataFrame], pd.Series] | None = None) -> pd.DataFrame:
        """The lines that meet ``condition`` (SQL over the contract's columns, completed) and
        those the loader accepted (:attr:`fine`) that ``keep`` keeps (a mask of a frame of
        lines; without it, every one: the caller judges them), as the pack holds them: in its
        order of lines (by invoice date, then file position), labelled by file position."""
        passed = self._arrow(
            f"SELECT * FROM ({self._passed()}) WHERE {condition} ORDER BY invoice_date, file_row_number"
        )
        frame = typed_as_loaded(_as_pandas(passed), [*CONTRACT, "file_row_number"])
        fine = self.fine
        if fine is not None and keep is not None:
            fine = fine[keep(fine).to_numpy()]
        if fine is not None and len(fine):  # merged in their place: by date, then file position
            fine = typed_as_loaded(fine.assign(file_row_number=fine.index.to_numpy()), [*CONTRACT, "file_row_number"])
            frame = pd.concat([frame, fine], ignore_index=True)
            frame = frame.take(np.lexsort((frame["file_row_number"].to_numpy(), frame["invoice_date"].to_numpy())))
        return frame.set_axis(pd.Index(frame["file_row_number"].to_numpy())).drop(columns="file_row_number")

    def lines_of(self, am_ids: Iterable[str]) -> pd.DataFrame:
        """The lines of the account managers ``am_ids``, as :meth:`lines_where` gives lines."""
        ids = list(dict.fromkeys(str(a) for a in am_ids))
        self.db.register("asked_am_ids", pd.DataFrame({"v": pd.Series(ids, dtype=object)}))
        return self.lines_where("am_id IN (SELECT v FROM asked_am_ids)", lambda lines: lines["am_id"].isin(ids))

    def invoice_dates(
        self, low: pd.Timestamp | None = None, high: pd.Timestamp | None = None
    ) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        """The first and the last invoice date of the file's lines (None without lines), of
        those dated ``low`` to ``high`` (both included) when given."""
        tests: list[str] = ["true"]
        bounds: list[pd.Timestamp] = []
        fine = self.fine["invoice_date"] if self.fine is not None else pd.Series(dtype="datetime64[ns]")
        if low is not None:
            tests, bounds, fine = [*tests, "CAST(invoice_date AS TIMESTAMP) >= ?"], [*bounds, low], fine[fine >= low]
        if high is not None:
            tests, bounds, fine = [*tests, "CAST(invoice_date AS TIMESTAMP) <= ?"], [*bounds, high], fine[fine <= high]
        first, last = self.db.execute(
            f"SELECT min(invoice_date), max(invoice_date) FROM ({self._passed()}) WHERE {' AND '.join(tests)}",
            [b.to_pydatetime(warn=False) for b in bounds],
        ).fetchall()[0]
        dates = [pd.Timestamp(d) for d in (first, last) if d is not None]
        if len(fine):
            dates += [fine.min(), fine.max()]
        return (min(dates), max(dates)) if dates else (None, None)


CONTRACT = tuple(columns_of("sales"))  # the contract's columns of the sales lines, in its order


def open_sales_file(path: Path, min_lines: int | None = None) -> SalesFile | None:
    """The Parquet file of sales lines at ``path`` to be read in place, or None when it should be
    read whole: fewer than ``min_lines`` lines (default :data:`OUT_OF_CORE_LINES`), or a column
    of a type DuckDB does not read here the way the loader does (:data:`ACCEPTED_TYPES`), or a
    required column missing (the loader names it)."""
    import pyarrow.parquet as pq

    if path.suffix != ".parquet":
        return None
    metadata = pq.read_metadata(path)
    if metadata.num_rows < (in_place_threshold() if min_lines is None else min_lines):
        return None
    sales = SalesFile(path, (), metadata.num_rows)
    described = sales.db.execute(f"DESCRIBE SELECT * FROM read_parquet({_literal(path)})").fetchall()
    types = {str(name): str(kind) for name, kind, *_ in described}
    if any(name not in types for name in REQUIRED) or len(types) != len({n.lower() for n in types}):
        return None
    if any(name in types and types[name] not in accepted for name, accepted in ACCEPTED_TYPES.items()):
        return None
    sales.columns = tuple(name for name in CONTRACT if name in types)
    return sales


def bad_values(column: str, values: list, known: set[str] | None) -> list:
    """Of a column's distinct values, those a line may not pass with (module docstring): not
    text the loader keeps as it is, and for ids too long, holding a control character or not
    one the pack knows; a deal type outside the contract's."""
    raw = pd.Series(values, dtype=object)
    present = raw[raw.notna()]
    text = as_text(present.astype("str"))
    bad = text.isna() | (text.astype(object) != present)
    if column in ID_KEYS:
        bad |= text.str.len().fillna(0).gt(ID_MAX_LENGTH)
        bad |= text.fillna("").str.contains(CONTROL_CHARACTERS.pattern, regex=True)
        if known is not None:
            bad |= ~present.isin(known)
    if column == "deal_type":
        bad |= ~present.isin(DEAL_TYPES)
    return list(present[bad.to_numpy()])


def _as_pandas(table) -> pd.DataFrame:
    """An Arrow table of DuckDB's as pandas, dates as datetime64 (not one Python object each)."""
    return table.to_pandas(date_as_object=False)


def typed_as_loaded(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """DuckDB's result with the dtypes the loader's frames have: text as pandas' ``str``,
    dates as ``datetime64[ns]`` at midnight, money as float64, counts as int64."""
    out = {}
    for name in columns:
        values = frame[name]
        if name in ("month", "invoice_date"):
            values = pd.to_datetime(values).astype("datetime64[ns]")
        elif name in ("revenue", "cost", "sale_revenue", "quantity"):
            values = values.astype("float64")
        elif name in ("lines", "sale_lines", "return_lines", "file_row_number"):
            values = values.astype("int64")
        elif name == "vendor_programme":
            values = values.astype(bool)
        else:
            values = values.astype("str")
        out[name] = values.reset_index(drop=True)
    return pd.DataFrame(out)


def in_place_threshold() -> int:
    """:data:`OUT_OF_CORE_LINES`, or the environment's :data:`IN_PLACE_VARIABLE` (a whole number)."""
    import os

    from amreview.errors import ArgumentError

    text = os.environ.get(IN_PLACE_VARIABLE, "").strip()
    if not text:
        return OUT_OF_CORE_LINES
    if not text.isdigit():
        raise ArgumentError(
            f"{IN_PLACE_VARIABLE}={text!r}: expected a whole number of sales lines (1: every Parquet pack)"
        )
    return int(text)


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _threads() -> int:
    import os

    return max(1, len(os.sched_getaffinity(0)))
