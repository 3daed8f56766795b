"""Small shared pieces of the metric modules: grouping keys, date windows, safe ratios."""

from __future__ import annotations

import pandas as pd


def group_keys(by) -> list[str]:
    """``by`` as a list of column names (``None`` → no grouping)."""
    return [] if by is None else ([by] if isinstance(by, str) else list(by))


def between(dates: pd.Series, start, end) -> pd.Series:
    """Which ``dates`` fall in [start, end], both ends included (NaT never does)."""
    return (dates >= pd.Timestamp(start)) & (dates <= pd.Timestamp(end))


def ratio(numerator, denominator) -> pd.Series:
    """numerator / denominator, NaN where the denominator is 0 (or missing)."""
    denominator = pd.Series(denominator, dtype="float64")
    return (pd.Series(numerator, dtype="float64") / denominator.where(denominator != 0)).astype("float64")


def no_data() -> pd.Series:
    """A KPI result meaning "no data for anyone" (the pack lacks the table)."""
    return pd.Series(dtype="float64", index=pd.Index([], name="am_id"))
