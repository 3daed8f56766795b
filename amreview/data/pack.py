"""A validated data pack: its tables, keyed by contract table name, and what is known of its
sales lines — read whole into pandas, or kept where they are and checked and summed there
(:class:`~amreview.data.sales_summary.SalesInPlace`). :mod:`amreview.data.datapack` makes them.

A pack whose lines are kept in a Parquet file (:class:`~amreview.data.sales_file.SalesFile`)
answers a person's lines, or the lines meeting a condition, from the file; one whose lines are
kept in a database table reads them whole the first time they are asked for (its summary, first
lines and dates come from the database all the same).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from amreview.data.problems import problem_table
from amreview.data.sales_file import SalesFile
from amreview.data.sales_summary import SalesInPlace, first_lines, monthly_summary
from amreview.data.schemas import SCHEMAS
from amreview.errors import DataError, UnknownNameError


@dataclass(frozen=True)
class DataPack:
    """Validated tables of one data pack, keyed by contract table name.

    Each table's index labels are the rows' positions in the frame that was validated (file
    order); ``sales`` lines are in ``invoice_date`` order (stable: the lines of one day keep
    their file order).
    """

    tables: Mapping[str, pd.DataFrame]
    source: str = ""
    fingerprint: str = field(default="", compare=False)
    am_ids: tuple[str, ...] | None = None  # a slice read: only these account managers' rows
    # Sales lines kept where they are (a large Parquet file read by DuckDB, amreview.data.sales_file;
    # a large PostgreSQL table, amreview.data.sales_table): the summary, first lines and counts come
    # from there; ``tables["sales"]`` reads the lines whole only when asked.
    sales_file: SalesInPlace | None = field(default=None, compare=False, repr=False)

    def has(self, table: str) -> bool:
        """Whether the pack holds ``table`` (optional tables may be absent)."""
        return table in self.tables

    def __getitem__(self, table: str) -> pd.DataFrame:
        try:
            return self.tables[table]
        except KeyError:
            raise UnknownNameError(f"the data pack {self.source!r} has no table {table!r}") from None

    @property
    def account_managers(self) -> pd.DataFrame:
        return self.tables["account_managers"]

    @property
    def sales(self) -> pd.DataFrame:
        return self.tables["sales"]

    @property
    def targets(self) -> pd.DataFrame:
        return self.tables["targets"]

    @cached_property
    def sales_summary(self) -> pd.DataFrame:
        """The sales lines summed per month, account manager, account, deal type and vendor
        programme: what the KPIs read (:func:`amreview.data.sales_summary.monthly_summary`)."""
        if self.sales_file is not None:
            return self.sales_file.monthly_summary()
        return monthly_summary(self.sales)

    @cached_property
    def first_lines(self) -> pd.DataFrame:
        """Each account's first line in the pack (:func:`amreview.data.sales_summary.first_lines`)."""
        if self.sales_file is not None:
            return self.sales_file.first_lines()
        return first_lines(self.sales)

    @property
    def line_count(self) -> int:
        """How many sales lines the pack holds."""
        return self.sales_file.rows if self.sales_file is not None else len(self.sales)

    @cached_property
    def invoice_dates(self) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        """The pack's first and last invoice date (None, None without sales lines)."""
        if self.sales_file is not None:
            return self.sales_file.invoice_dates()
        if self.sales.empty:
            return None, None
        return pd.Timestamp(self.sales["invoice_date"].min()), pd.Timestamp(self.sales["invoice_date"].max())

    def lines_beyond(self, bound: float) -> pd.DataFrame:
        """The sales lines whose revenue or cost exceeds ``bound`` in size, in the pack's order
        of lines (by invoice date, then file position), labelled by their file position."""
        if self.sales_file is not None:
            return self.sales_file.lines_beyond(bound)
        sales = self.sales
        return sales[(sales["revenue"].abs() > bound) | (sales["cost"].abs() > bound)]

    def lines_of(self, am_ids: Iterable[str]) -> pd.DataFrame:
        """The sales lines of the account managers ``am_ids``, in the pack's order of lines,
        with their labels (file positions in a folder's pack); lines held in place stay there."""
        if isinstance(self.sales_file, SalesFile):
            return self.sales_file.lines_of(am_ids)
        sales = self.sales
        return sales[sales["am_id"].isin(list(dict.fromkeys(str(a) for a in am_ids))).to_numpy()]

    def lines_where(self, condition: str, keep: Callable[[pd.DataFrame], pd.Series]) -> pd.DataFrame:
        """The sales lines that meet a condition written twice: ``condition`` in SQL over the
        contract's columns (lines held in place), ``keep`` as a mask of a frame of lines (lines
        in pandas); in the pack's order of lines, with their labels."""
        if isinstance(self.sales_file, SalesFile):
            return self.sales_file.lines_where(condition, keep)
        return self.sales[keep(self.sales).to_numpy()]

    def invoice_dates_within(
        self, low: pd.Timestamp, high: pd.Timestamp
    ) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        """The first and last invoice date of the sales lines dated ``low`` to ``high`` (both
        included); None, None without such lines."""
        if isinstance(self.sales_file, SalesFile):
            return self.sales_file.invoice_dates(low, high)
        dates = self.sales["invoice_date"]
        dates = dates[(dates >= low) & (dates <= high)]
        return (dates.min(), dates.max()) if len(dates) else (None, None)

    def row_counts(self) -> dict[str, int]:
        """Every table the pack holds → its number of rows (without reading lines held in place)."""
        return {name: self.line_count if name == "sales" else len(self.tables[name]) for name in self.tables}

    def account_manager(self, am_id: str) -> pd.Series:
        """The ``account_managers`` row of ``am_id``; a :class:`DataError` if unknown."""
        rows = self.account_managers[self.account_managers["am_id"] == str(am_id)]
        if rows.empty:
            raise DataError(
                problem_table(
                    "account_managers",
                    None,
                    "am_id",
                    "known_am_id",
                    "the am_id of an account manager in the pack",
                    repr(str(am_id)),
                ),
                self.source,
            )
        return rows.iloc[0]


class LinesReadWhenAsked(Mapping):
    """A pack's tables whose ``sales`` lines, kept where they are (a file:
    :mod:`amreview.data.sales_file`; a database table: :mod:`amreview.data.sales_table`), are read
    whole only when someone asks for them: every whole-pack figure comes from the
    summary, and a view that needs lines still gets them, the same as a whole read gives."""

    def __init__(self, tables: Mapping[str, pd.DataFrame], read_sales):
        self._tables = dict(tables)
        self._read_sales = read_sales

    def __getitem__(self, table: str) -> pd.DataFrame:
        if table == "sales" and "sales" not in self._tables:
            self._tables["sales"] = self._read_sales()
        return self._tables[table]

    def __contains__(self, table: object) -> bool:
        return table == "sales" or table in self._tables

    def __iter__(self):
        return iter([t for t in SCHEMAS if t in self])

    def __len__(self) -> int:
        return len(list(iter(self)))
