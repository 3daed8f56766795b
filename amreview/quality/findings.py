"""What a warning check is and what it finds: the shared shapes of :mod:`amreview.quality.checks`.

A check is a pure function of a validated :class:`~amreview.data.datapack.DataPack` that
returns its findings as a frame (:func:`findings_frame`); :mod:`~amreview.quality.checks` turns
them, and the contract's errors, into rows of :data:`FINDING_COLUMNS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

from amreview.data.datapack import DataPack
from amreview.errors import PROBLEM_COLUMNS

FINDING_COLUMNS = ["table", "row", "column", "severity", "check", "expected", "found"]
CHECK_FINDING_COLUMNS = ["table", "index", "column", "expected", "found"]


@dataclass(frozen=True)
class Check:
    """A warning check: ``function(pack) -> findings`` (a frame with ``table``, ``index`` — the
    row's position in the validated table, or NaN for a table-wide finding — ``column``,
    ``expected``, ``found``; optionally ``same_as``, the position of a row ``found`` names as
    ``{same_as}``, which becomes its row number in the file)."""

    name: str
    description: str
    function: Callable[[DataPack], pd.DataFrame]


def findings_frame(table: str, index: Iterable, column: str, expected: str, found: str | Iterable[str]) -> pd.DataFrame:
    """A check's findings in ``table``: one row per position of ``index`` (NaN: the whole table),
    ``found`` one text for all of them or one per position."""
    index = list(index)
    found = list(found) if not isinstance(found, str) else [found] * len(index)
    return pd.DataFrame(
        {"table": table, "index": index, "column": column, "expected": expected, "found": found},
        columns=CHECK_FINDING_COLUMNS,
    )


def no_findings() -> pd.DataFrame:
    """A check's findings when it finds nothing (the columns of :func:`findings_frame`)."""
    return pd.DataFrame(columns=CHECK_FINDING_COLUMNS)


def as_findings(problems: pd.DataFrame, severity: str) -> pd.DataFrame:
    """Problems (:data:`~amreview.errors.PROBLEM_COLUMNS`) as findings of ``severity``."""
    frame = problems.reindex(columns=PROBLEM_COLUMNS).copy()
    frame["severity"] = severity
    return frame[FINDING_COLUMNS]
