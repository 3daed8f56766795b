"""The warning checks of records: empty required tables, repeated rows, unknown accounts, one
name under two ids, opportunities the pipeline KPIs cannot count, and people without any data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from amreview.data.datapack import DataPack
from amreview.data.schemas import REFERENCES, REQUIRED_TABLES, SCHEMAS, columns_of
from amreview.quality.findings import findings_frame, no_findings
from amreview.vocabulary import OPEN_STAGES

# The columns that say two rows are the same record (an id column excluded: a second id for the
# same line is the duplicate). Activities are left out: two calls to one account on one day are
# common and the contract records no time of day.
ID_COLUMNS = {"sales": "line_id", "opportunities": "opportunity_id", "back_orders": "order_line_id", "cases": "case_id"}
DUPLICATE_TABLES = (
    "sales",
    "opportunities",
    "back_orders",
    "cases",
    "report_submissions",
    "forecasts",
    "competency_ratings",
    "customer_feedback",
    "review_notes",
    "development_objectives",
)
ACTIVITY_TABLES = ("sales", "opportunities", "activities")


def empty_required_tables(pack: DataPack) -> pd.DataFrame:
    return pd.concat(
        [no_findings()]
        + [
            findings_frame(table, [np.nan], "", "rows (the KPIs that read it show no data without them)", "no rows")
            for table in REQUIRED_TABLES
            if pack.has(table) and pack[table].empty and table != "account_managers"
        ],
        ignore_index=True,
    )


def duplicate_rows(pack: DataPack) -> pd.DataFrame:
    found = [no_findings()]
    for table in DUPLICATE_TABLES:
        if not pack.has(table) or pack[table].empty:
            continue
        frame = pack[table]
        keys = [c for c in columns_of(table) if c != ID_COLUMNS.get(table)]
        repeated = frame.duplicated(keys, keep="first")
        if table == "opportunities":  # open deals without account or date are too sparse to tell apart
            repeated &= frame["account_id"].notna() & frame["created_date"].notna()
        if not repeated.any():
            continue
        group = frame.groupby(keys, dropna=False, sort=False).ngroup().to_numpy()
        first_position = pd.Series(np.arange(len(frame))).groupby(group).transform("min")
        positions = np.flatnonzero(repeated.to_numpy())
        duplicates = findings_frame(
            table,
            positions,
            ID_COLUMNS.get(table, ""),
            f"one row per record (same {', '.join(keys)})",
            "the same values as row {same_as}",
        )
        duplicates["same_as"] = first_position.to_numpy()[positions]
        found.append(duplicates)
    return pd.concat(found, ignore_index=True)


def unknown_accounts(pack: DataPack) -> pd.DataFrame:
    if not pack.has("accounts"):
        return no_findings()
    known = set(pack["accounts"]["account_id"])
    checked = {t for t, c, ref, _ in REFERENCES if c == "account_id" and ref == "accounts"}
    found = [no_findings()]
    for table in SCHEMAS:
        if table in checked or table == "accounts" or not pack.has(table) or "account_id" not in pack[table]:
            continue
        ids = pack[table]["account_id"]
        unknown = ids.notna() & ~ids.isin(known)
        if unknown.any():
            found.append(
                findings_frame(
                    table,
                    np.flatnonzero(unknown.to_numpy()),
                    "account_id",
                    "an account_id listed in accounts",
                    [repr(v) for v in ids[unknown]],
                )
            )
    return pd.concat(found, ignore_index=True)


def names_under_two_ids(pack: DataPack) -> pd.DataFrame:
    found = [no_findings()]
    for table, id_column in (("account_managers", "am_id"), ("accounts", "account_id")):
        if not pack.has(table) or pack[table].empty:
            continue
        frame = pack[table]
        names = frame["name"].map(lambda n: " ".join(str(n).split()).casefold())
        ids_per_name = frame.groupby(names.to_numpy())[id_column].transform("nunique")
        twice = (ids_per_name > 1).to_numpy()
        if twice.any():
            others = frame.groupby(names.to_numpy())[id_column].agg(lambda s: ", ".join(sorted(s)))
            found.append(
                findings_frame(
                    table,
                    np.flatnonzero(twice),
                    "name",
                    f"one {id_column} per name",
                    [f"{n!r} under {others[k]}" for n, k in zip(frame.loc[twice, "name"], names[twice])],
                )
            )
    return pd.concat(found, ignore_index=True)


def uncountable_opportunities(pack: DataPack) -> pd.DataFrame:
    if not pack.has("opportunities"):
        return no_findings()
    o = pack["opportunities"]
    closed = o["stage"].isin(["won", "lost"])
    rules = [
        (
            closed & o["close_date"].isna(),
            "close_date",
            "a close_date on a won or lost opportunity (without it the deal counts in no quarter's win rate)",
        ),
        (
            o["stage"].isin(OPEN_STAGES) & o["close_date"].isna(),
            "close_date",
            "an expected close_date on an open opportunity (without it the deal is left out of pipeline coverage)",
        ),
        (
            (o["stage"] == "won") & o["value"].isna(),
            "value",
            "a value on a won opportunity (without it the deal adds nothing to win rate by value and deal size)",
        ),
        (
            (o["stage"] == "lost") & (o["value"].isna() | (o["value"] == 0)),
            "value",
            "the value of a lost opportunity (without it the loss weighs nothing and win rate by value overstates)",
        ),
    ]
    found = [no_findings()]
    for mask, column, expected in rules:
        if mask.any():
            found.append(
                findings_frame(
                    "opportunities",
                    np.flatnonzero(mask.to_numpy()),
                    column,
                    expected,
                    [
                        f"{'an empty cell' if pd.isna(v) else repr(v)} (stage {s})"
                        for s, v in zip(o.loc[mask, "stage"], o.loc[mask, column])
                    ],
                )
            )
    return pd.concat(found, ignore_index=True)


def people_without_data(pack: DataPack) -> pd.DataFrame:
    present = [t for t in ACTIVITY_TABLES if pack.has(t) and not pack[t].empty]
    if not present:
        return no_findings()
    seen = set().union(*(set(pack[t]["am_id"]) for t in present))
    people = pack.account_managers["am_id"]
    alone = ~people.isin(seen)
    return findings_frame(
        "account_managers",
        np.flatnonzero(alone.to_numpy()),
        "am_id",
        f"rows for the account manager in {' or '.join(present)}",
        [f"{a!r}: none" for a in people[alone]],
    )
