"""Contract errors found lazily: rows (or tables) with errors are set aside and the rest
validated again, so one run lists every error *and* the warnings of the valid rows.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from amreview.data.datapack import DataPack, validate_tables
from amreview.data.schemas import REFERENCES, REQUIRED_TABLES, SCHEMAS, columns_of
from amreview.errors import DataError
from amreview.quality.findings import as_findings

# The check a reference problem gets when it only follows from a row set aside earlier.
CASCADE = "(cascade)"


def validate_lazily(
    tables: Mapping[str, pd.DataFrame],
    source: str,
    first_rows: Mapping[str, int],
    rounds: int = 6,
) -> tuple[list[pd.DataFrame], DataPack, dict[str, np.ndarray]]:
    """Contract errors of ``tables``, and a pack of the rows without errors.

    Rows with errors are set aside and the rest validated again, until it passes. A reference
    to a row set aside (an account manager whose own row is broken) is not reported again as an
    unknown reference. Returns the errors (row numbers as in the files), the pack, and per table
    the original position of each row the pack keeps.
    """
    current = {t: f.reset_index(drop=True) for t, f in tables.items() if t in SCHEMAS}
    positions = {t: np.arange(len(f)) for t, f in current.items()}
    set_aside: dict[str, set] = {}
    errors: list[pd.DataFrame] = []
    for _ in range(rounds):
        try:
            pack = validate_tables(dict(current), source=source, first_rows=dict.fromkeys(current, 0))
            return errors, pack, positions
        except DataError as exc:
            problems = exc.problems.copy()
        problems = _drop_cascades(problems, set_aside)
        whole = set(problems.loc[problems["row"].isna(), "table"])
        file_rows = []
        for table, row in zip(problems["table"], problems["row"]):
            file_rows.append(
                None
                if row is None or pd.isna(row) or table in whole
                else int(positions[table][int(row)]) + first_rows.get(table, 1)
            )
        shown = problems.assign(row=file_rows)
        errors.append(as_findings(shown[shown["check"] != CASCADE], "error"))
        for table in whole:
            if table in current:
                set_aside.setdefault(table, set()).update(_keys(table, current[table]))
            if table in REQUIRED_TABLES:
                current[table], positions[table] = _empty(table), np.arange(0)
            else:
                current.pop(table, None)
        for table, group in problems[~problems["table"].isin(whole) & problems["row"].notna()].groupby("table"):
            bad = sorted({int(r) for r in group["row"]})
            set_aside.setdefault(table, set()).update(_keys(table, current[table].iloc[bad]))
            keep = np.setdiff1d(np.arange(len(current[table])), bad)
            current[table] = current[table].iloc[keep].reset_index(drop=True)
            positions[table] = positions[table][keep]
    raise RuntimeError("validation did not settle")  # pragma: no cover - each round removes rows: a bug if reached


def _keys(table: str, frame: pd.DataFrame) -> set:
    """The ids other tables reference, of ``frame``'s rows (as validation shows them)."""
    keys = set()
    for _, _, ref_table, ref_column in REFERENCES:
        if ref_table == table and ref_column in frame.columns:
            keys |= {repr(str(v).strip()) for v in frame[ref_column].dropna()}
    return keys


def _drop_cascades(problems: pd.DataFrame, set_aside: dict[str, set]) -> pd.DataFrame:
    """Reference problems caused only by a referenced row set aside earlier are not new errors;
    they are kept out of the report but their rows still leave the pack."""
    refs = {(t, c): r for t, c, r, _ in REFERENCES}

    def set_aside_from_referenced(problem: dict) -> set:
        referenced = refs.get((problem["table"], problem["column"]))
        return set() if referenced is None else set_aside.get(referenced, set())

    cascade = [
        p["check"] == "reference" and p["found"] in set_aside_from_referenced(p) for p in problems.to_dict("records")
    ]
    silent = problems[cascade]
    if silent.empty:
        return problems
    shown = problems[[not c for c in cascade]]
    return pd.concat([shown, silent.assign(check=CASCADE)], ignore_index=True)


def _empty(table: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns_of(table)})
