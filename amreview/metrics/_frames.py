"""Small shared pieces of the metric modules: grouping keys, date windows, safe ratios, one
value or many, and what a KPI gives when the pack lacks its table."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeGuard

import numpy as np
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


def is_scalar(value: object) -> TypeGuard[float]:
    """Whether an argument of a function that takes scalars or Series is one value (numpy's
    ``isscalar``). Such functions are handed numbers, so a type checker may take the value for a
    float (numpy's own annotation admits text and bytes too, which no arithmetic accepts)."""
    return np.isscalar(value)


def no_data() -> pd.Series:
    """A KPI result meaning "no data for anyone" (the pack lacks the table)."""
    return pd.Series(dtype="float64", index=pd.Index([], name="am_id"))


def from_table(name: str, compute: Callable[..., pd.Series], *args) -> Callable[..., pd.Series]:
    """A KPI's ``compute`` that reads the pack's optional table ``name``: ``compute(ctx, table,
    *args)``, or "no data" for everyone (NaN, never 0) when the pack does not hold the table.

    The one place where a missing table becomes "no data", so a KPI module writes only the
    arithmetic: ``compute=from_table("cases", _case_column, "cases_within_sla_share")``.
    """

    def kpi(ctx) -> pd.Series:
        table = ctx.table(name)
        return no_data() if table is None else compute(ctx, table, *args)

    return kpi


OBSERVATION_COLUMNS = ["am_id", "value", "weight"]


def observations(am_id, value, weight=1.0) -> pd.DataFrame:
    """The observations a KPI rests on (:class:`amreview.metrics.registry.Evidence`): one row
    each, ``am_id``, ``value`` and ``weight`` (1 where the kind has none), as float."""
    am_id = np.asarray(am_id, dtype=object)
    return pd.DataFrame(
        {
            "am_id": am_id,
            "value": np.asarray(value, dtype="float64"),
            "weight": np.asarray(weight, dtype="float64") * np.ones(len(am_id)),
        }
    )


def observations_from_table(name: str, compute: Callable[..., pd.DataFrame], *args) -> Callable[..., pd.DataFrame]:
    """An ``Evidence.observations`` that reads the pack's optional table ``name``, as
    :func:`from_table` does for a KPI: ``compute(ctx, table, *args)``, or no observations when
    the pack does not hold the table."""

    def observed(ctx) -> pd.DataFrame:
        table = ctx.table(name)
        return observations([], []) if table is None else compute(ctx, table, *args)

    return observed
