"""The sample pack scaled out to a large sales organisation (benchmarks, batch trials).

The sample's fifteen account managers (:mod:`amreview.data.sample`) are replicated until there are
``n_ams`` of them: replica ``r`` prefixes every id with ``R<r:03d>-`` and, from the second
replica on, suffixes the names of people, managers, teams and accounts with `` #<r>``, so each
replica is a sales organisation of its own (its own three managers and teams, its own accounts)
and no two account managers share a name. Every optional table comes along in proportion. The
sales lines of each replica are repeated (new line ids, each repeat invoiced a day later within
its quarter where possible) until there are at least ``n_lines``, then ``n_lines`` of them are
drawn at random. Figures scale; the shape of the data (deal mix, returns, new accounts, targets,
personas) stays that of the sample.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from amreview.data.sample import SAMPLE_SEED, generate_sample
from amreview.errors import ArgumentError

ID_COLUMNS = (
    "am_id",
    "account_id",
    "line_id",
    "opportunity_id",
    "activity_id",
    "order_line_id",
    "case_id",
    "objective_id",
)
# A manager's name is also the author of their review notes and the signature on their reviews.
NAME_COLUMNS = {
    "account_managers": ("name", "manager", "team"),
    "accounts": ("name",),
    "review_notes": ("author",),
    "review_outcomes": ("manager_signed_by",),
}


def _replica(frame: pd.DataFrame, table: str, r: int) -> pd.DataFrame:
    """Replica ``r`` of one table: ids prefixed, names suffixed (from the second replica on)."""
    frame = frame.copy()
    prefix = f"R{r:03d}-"
    for column in ID_COLUMNS:
        if column in frame.columns:
            values = frame[column].astype("string")
            frame[column] = (prefix + values).astype(object).where(values.notna(), None)
    if r:
        for column in NAME_COLUMNS.get(table, ()):
            values = frame[column].astype("string")
            frame[column] = (values + f" #{r}").astype(object).where(values.notna(), None)
        if table == "account_managers" and "email" in frame.columns:
            emails = frame["email"].astype("string")
            frame["email"] = (
                emails.str.replace("@", f"+{r}@", n=1, regex=False).astype(object).where(emails.notna(), None)
            )
    return frame


def scaled_sample(n_ams: int = 1000, n_lines: int = 10_000_000, seed: int = SAMPLE_SEED) -> dict[str, pd.DataFrame]:
    """The sample pack with ``n_ams`` account managers and ``n_lines`` sales lines (module docstring)."""
    if n_ams < 1 or n_lines < 1:
        raise ArgumentError(f"expected at least one account manager and one line, got {n_ams} and {n_lines}")
    sample = generate_sample(seed)
    per_replica = len(sample["account_managers"])
    replicas = math.ceil(n_ams / per_replica)
    tables: dict[str, list[pd.DataFrame]] = {name: [] for name in sample}
    line_repeats = max(1, math.ceil(n_lines / (len(sample["sales"]) * replicas)))
    for r in range(replicas):
        for name, frame in sample.items():
            if name != "sales":
                tables[name].append(_replica(frame, name, r))
        sales = _replica(sample["sales"], "sales", r)
        for k in range(line_repeats):
            repeat = sales.copy()
            if k:
                repeat["line_id"] = repeat["line_id"] + f"-{k}"
                shifted = repeat["invoice_date"] + pd.Timedelta(days=k)
                same_quarter = shifted.dt.quarter.eq(repeat["invoice_date"].dt.quarter)
                repeat["invoice_date"] = shifted.where(same_quarter, repeat["invoice_date"])
            tables["sales"].append(repeat)
    pack = {name: pd.concat(frames, ignore_index=True) for name, frames in tables.items()}
    keep = set(pack["account_managers"]["am_id"].iloc[:n_ams])
    for name, frame in pack.items():
        if name == "accounts":  # an account stays (lines may still reference it); its dropped owner goes
            pack[name] = frame.assign(am_id=frame["am_id"].where(frame["am_id"].isin(keep)))
        elif "am_id" in frame.columns:
            pack[name] = frame[frame["am_id"].isin(keep)].reset_index(drop=True)
    rng = np.random.default_rng(seed)
    sales = pack["sales"]
    chosen = rng.permutation(len(sales))[:n_lines]
    pack["sales"] = sales.iloc[chosen].reset_index(drop=True)
    return pack
