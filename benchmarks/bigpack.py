"""A large data pack for benchmarks: the sample pack scaled out.

The sample's fifteen account managers are replicated (ids prefixed ``R000-`` …) until there
are ``n_ams`` of them, with their accounts, and every optional table in proportion; the sales
lines of each replica are repeated (new line ids, each repeat invoiced a day later within the
quarter where possible) until there are ``n_lines`` lines in all. Figures scale; the shape of the
data (deal mix, returns, new accounts, targets) stays that of the sample.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from amreview.datapack import write_pack
from amreview.sample import generate_sample

ID_COLUMNS = ("am_id", "account_id", "line_id", "opportunity_id", "activity_id", "order_line_id", "case_id",
              "objective_id")


def _prefixed(frame: pd.DataFrame, prefix: str) -> pd.DataFrame:
    frame = frame.copy()
    for column in ID_COLUMNS:
        if column in frame.columns:
            values = frame[column].astype("string")
            frame[column] = (prefix + values).astype(object).where(values.notna(), None)
    return frame


def big_pack(n_ams: int = 1000, n_lines: int = 10_000_000, seed: int = 42) -> dict[str, pd.DataFrame]:
    """The scaled-out pack as frames (see the module docstring)."""
    sample = generate_sample(seed)
    per_replica = len(sample["account_managers"])
    replicas = math.ceil(n_ams / per_replica)
    tables: dict[str, list[pd.DataFrame]] = {name: [] for name in sample}
    line_repeats = max(1, math.ceil(n_lines / (len(sample["sales"]) * replicas)))
    for r in range(replicas):
        prefix = f"R{r:03d}-"
        for name, frame in sample.items():
            if name == "sales":
                continue
            tables[name].append(_prefixed(frame, prefix))
        sales = _prefixed(sample["sales"], prefix)
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
    pack["sales"] = sales.iloc[rng.permutation(len(sales))[:n_lines]].reset_index(drop=True)
    return pack


def write_big_pack(folder: Path, n_ams: int = 1000, n_lines: int = 10_000_000, file_format: str = "parquet") -> Path:
    """Write the scaled-out pack to ``folder``."""
    return write_pack(big_pack(n_ams, n_lines), folder, file_format)
