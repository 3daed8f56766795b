"""A slice of a pack: only some account managers' rows, by one rule for every kind of source
(:func:`slice_tables`; a database applies it itself, :mod:`amreview.data.sql`).

A slice is for the parts of one person's review that only need their own rows; KPIs that need
the whole pack (new accounts, retention, team benchmarks) are computed from a whole-pack read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from amreview.data.cells import as_text
from amreview.data.problems import problem_row
from amreview.errors import PROBLEM_COLUMNS, DataError

# The table whose am_id is an owner, not a credit: a slice keeps the accounts its account
# managers own or appear on (so every account of their rows keeps its name).
OWNER_TABLE = "accounts"


def check_slice_ids(tables: Mapping[str, pd.DataFrame], am_ids: Iterable[str], source: str) -> None:
    """A slice asked for an account manager the pack does not list is a :class:`DataError`."""
    if "account_managers" not in tables or "am_id" not in tables["account_managers"].columns:
        return  # validation reports the missing table or column
    known = set(as_text(tables["account_managers"]["am_id"]).dropna())
    unknown = [a for a in am_ids if a not in known]
    if unknown:
        raise DataError(
            pd.DataFrame(
                [
                    problem_row(
                        "account_managers",
                        None,
                        "am_id",
                        "known_am_id",
                        "the am_id of an account manager in the pack",
                        repr(a),
                    )
                    for a in unknown
                ],
                columns=PROBLEM_COLUMNS,
            ),
            source,
        )


def slice_tables(
    tables: Mapping[str, pd.DataFrame],
    am_ids: Iterable[str],
) -> tuple[dict[str, pd.DataFrame], dict[str, np.ndarray]]:
    """Only the rows of ``am_ids``, and the row number (1-based position) of each kept row.

    The rule, for every kind of source: a table with an ``am_id`` column keeps the rows whose
    ``am_id`` is one of ``am_ids``; the owner table (``accounts``) keeps the accounts those
    account managers own *or* that appear in any kept row of another table, and shows no owner
    (an empty ``am_id``) on an account owned by someone outside the slice — a slice knows only its
    own account managers, so it names no one else; a table without an ``am_id`` column is kept
    whole. Frames are raw: ids are compared as text, stripped.
    """
    ids = {str(a) for a in am_ids}
    kept: dict[str, pd.DataFrame] = {}
    for name, frame in tables.items():
        if name != OWNER_TABLE:
            kept[name] = am_rows(frame, ids)
    if OWNER_TABLE in tables:
        kept[OWNER_TABLE] = owned_or_linked_accounts(tables[OWNER_TABLE], ids, kept)
    ordered = {name: kept[name] for name in tables}
    numbers = {name: frame.index.to_numpy() + 1 for name, frame in ordered.items()}
    return ordered, numbers


def am_rows(frame: pd.DataFrame, ids: set[str]) -> pd.DataFrame:
    """The rows of ``frame`` whose ``am_id`` is one of ``ids`` (all of them without an ``am_id``
    column)."""
    return frame[as_text(frame["am_id"]).isin(ids)] if "am_id" in frame.columns else frame


def owned_or_linked_accounts(accounts: pd.DataFrame, ids: set[str], kept: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The owner table's rows a slice keeps: the accounts ``ids`` own or that appear in a row
    ``kept`` of another table, owners outside the slice emptied (:func:`slice_tables`' rule)."""
    linked: set[str] = set()
    for name, frame in kept.items():
        if name != OWNER_TABLE and "am_id" in frame.columns and "account_id" in frame.columns:
            linked |= set(as_text(frame["account_id"]).dropna())
    keep = pd.Series(False, index=accounts.index)
    if "am_id" in accounts.columns:
        keep |= as_text(accounts["am_id"]).isin(ids)
    if "account_id" in accounts.columns:
        keep |= as_text(accounts["account_id"]).isin(linked)
    return without_foreign_owners(accounts[keep], ids)


def without_foreign_owners(accounts: pd.DataFrame, ids: Iterable[str]) -> pd.DataFrame:
    """Accounts of a slice with the owner emptied where it is not one of ``ids``."""
    if "am_id" not in accounts.columns:
        return accounts
    foreign = accounts["am_id"].notna() & ~as_text(accounts["am_id"]).isin(set(ids))
    if not foreign.any():
        return accounts
    accounts = accounts.copy()
    accounts["am_id"] = accounts["am_id"].astype(object).where(~foreign, None)
    return accounts
