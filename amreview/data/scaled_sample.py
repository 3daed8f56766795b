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

:func:`scaled_lines` says where each sales line comes from (replica, repeat, the sample's line)
without building them, so a pack far larger than memory can be written a chunk at a time with
the same lines in the same order (``benchmarks/bigpack.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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


def replica(frame: pd.DataFrame, table: str, r: int) -> pd.DataFrame:
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


def replica_count(n_ams: int, per_replica: int) -> int:
    """Replicas of the sample needed for ``n_ams`` account managers: ⌈n_ams / per_replica⌉."""
    return math.ceil(n_ams / per_replica)


def repeat_count(n_lines: int, sample_lines: int, replicas: int) -> int:
    """Repeats of each replica's sales lines: max(1, ⌈n_lines / (sample_lines × replicas)⌉), so
    there are at least ``n_lines`` to draw from (fewer where the last replica keeps only some of
    its account managers; the draw then takes them all)."""
    return max(1, math.ceil(n_lines / (sample_lines * replicas)))


def scaled_sample(n_ams: int = 1000, n_lines: int = 10_000_000, seed: int = SAMPLE_SEED) -> dict[str, pd.DataFrame]:
    """The sample pack with ``n_ams`` account managers and ``n_lines`` sales lines (module docstring)."""
    if n_ams < 1 or n_lines < 1:
        raise ArgumentError(f"expected at least one account manager and one line, got {n_ams} and {n_lines}")
    sample = generate_sample(seed)
    replicas = replica_count(n_ams, len(sample["account_managers"]))
    tables: dict[str, list[pd.DataFrame]] = {name: [] for name in sample}
    line_repeats = repeat_count(n_lines, len(sample["sales"]), replicas)
    for r in range(replicas):
        for name, frame in sample.items():
            if name != "sales":
                tables[name].append(replica(frame, name, r))
        sales = replica(sample["sales"], "sales", r)
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


@dataclass(frozen=True)
class ScaledLines:
    """The sales lines of :func:`scaled_sample` before the draw, by origin rather than by value.

    In that order — replica by replica, each replica's repeats in turn, each repeat the sample's
    lines in the sample's order — a whole replica holds the sample's lines at ``full_rows`` (those
    of a known account manager), and the last of ``replicas``, which keeps only the first
    ``n_ams`` − 15 × (``replicas`` − 1) account managers, the lines at ``last_rows``.
    """

    replicas: int
    repeats: int
    full_rows: np.ndarray
    last_rows: np.ndarray

    @property
    def count(self) -> int:
        """Lines before the draw: repeats × (|full_rows| × (replicas − 1) + |last_rows|)."""
        return self.repeats * (len(self.full_rows) * (self.replicas - 1) + len(self.last_rows))

    def origins(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Replica r, repeat k and the sample's line of each line at ``positions`` (0-based, in
        the order above): within a block of |rows| lines per repeat, k = offset // |rows| and the
        sample's line is rows[offset mod |rows|]."""
        positions = np.asarray(positions, dtype=np.int64)
        full_block = self.repeats * len(self.full_rows)
        in_full = positions < full_block * (self.replicas - 1)
        replica = np.full(len(positions), self.replicas - 1, dtype=np.int64)
        offset = positions - full_block * (self.replicas - 1)
        if full_block:
            replica[in_full] = positions[in_full] // full_block
            offset[in_full] = positions[in_full] % full_block
        width = np.where(in_full, len(self.full_rows), max(len(self.last_rows), 1))
        repeat, at = np.divmod(offset, width)
        row = np.empty(len(positions), dtype=np.int64)
        row[in_full] = self.full_rows[at[in_full]]
        row[~in_full] = self.last_rows[at[~in_full]]
        return replica, repeat, row


def scaled_lines(sample: dict[str, pd.DataFrame], n_ams: int, n_lines: int) -> ScaledLines:
    """Where :func:`scaled_sample`'s sales lines come from, for the sample pack ``sample``."""
    if n_ams < 1 or n_lines < 1:
        raise ArgumentError(f"expected at least one account manager and one line, got {n_ams} and {n_lines}")
    am_ids = list(sample["account_managers"]["am_id"])
    replicas = replica_count(n_ams, len(am_ids))
    owners = sample["sales"]["am_id"]
    return ScaledLines(
        replicas=replicas,
        repeats=repeat_count(n_lines, len(owners), replicas),
        full_rows=np.flatnonzero(owners.isin(am_ids).to_numpy()),
        last_rows=np.flatnonzero(owners.isin(am_ids[: n_ams - len(am_ids) * (replicas - 1)]).to_numpy()),
    )


def drawn_lines(lines: ScaledLines, n_lines: int, seed: int = SAMPLE_SEED) -> np.ndarray:
    """The positions (in :class:`ScaledLines`' order) of the ``n_lines`` lines :func:`scaled_sample`
    draws with ``seed``, in the order it writes them: the first ``n_lines`` of a random permutation."""
    return np.random.default_rng(seed).permutation(lines.count)[:n_lines]
