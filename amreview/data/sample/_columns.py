"""Table columns from the generator's arrays: dates from day numbers, text, numbered ids."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from amreview.data.sample._calendar import DAY0


def date_column(days: np.ndarray, missing: np.ndarray | None = None) -> pd.Series:
    """Day numbers → datetime64 dates at midnight; NaT where ``missing``."""
    values = (DAY0 + np.asarray(days, dtype="int64").astype("timedelta64[D]")).astype("datetime64[ns]")
    if missing is not None:
        values[np.asarray(missing, dtype=bool)] = np.datetime64("NaT")
    return pd.Series(values)


def text_column(values: npt.ArrayLike, missing: np.ndarray | None = None) -> pd.Series:
    """Python strings as a text column; missing (NaN) where ``missing``."""
    strings = np.asarray(values, dtype=object).copy()
    if missing is not None:
        strings[np.asarray(missing, dtype=bool)] = None
    return pd.Series(strings, dtype="str")


def numbered(prefix: str, numbers: np.ndarray, width: int) -> pd.Series:
    """Ids ``prefix`` + number, zero-padded to ``width`` digits (``ACC-0001``)."""
    return prefix + pd.Series(np.asarray(numbers)).astype("str").str.zfill(width)
