"""Moving rows of large frames: the one place that knows how pandas' text columns are stored.

pandas keeps text (the ``str`` dtype) in Arrow string arrays. Reordering ten million of them
(``frame.iloc[order]``) copies every string through a random walk over a large buffer, about a
second a column. A key column (account, product, vendor) holds few distinct values, so
:func:`take_rows` reorders their dictionary codes instead and decodes them from the small
dictionary: the same values and dtype, several times faster (``benchmarks/bench_scorecard.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# A text column is reordered through its dictionary when the distinct values of its first
# SAMPLE_ROWS are at most this share of them; ids such as line_id, one value a row, are moved
# directly (encoding them would only build a ten-million-entry dictionary).
DICTIONARY_SHARE = 0.5
SAMPLE_ROWS = 100_000


def take_rows(frame: pd.DataFrame, positions, release: bool = False) -> pd.DataFrame:
    """``frame.iloc[positions]``, index and dtypes included, moving text columns that hold few
    distinct values through their dictionary (module docstring).

    With ``release=True`` each column is removed from ``frame`` once it is moved, so a large
    frame is never held twice (the caller's ``frame`` is left empty of columns)."""
    positions = np.asarray(positions, dtype=np.int64)
    if not frame.columns.is_unique:
        return frame.iloc[positions]
    columns = {}
    for name in list(frame.columns):
        values = frame[name]
        columns[name] = _take_text(values, positions) if is_arrow_text(values) else values.array.take(positions)
        if release:
            del values
            del frame[name]
    return pd.DataFrame(columns, index=frame.index.take(positions), copy=False)


def in_order_of(frame: pd.DataFrame, column: str, release: bool = False) -> pd.DataFrame:
    """``frame`` sorted by ``column`` (stable: rows with equal values keep their order; missing
    values last), its index labels kept; ``frame`` itself when it already is in that order."""
    values = frame[column]
    if values.is_monotonic_increasing:
        return frame
    return take_rows(frame, stable_order(values), release=release)


def stable_order(values: pd.Series) -> np.ndarray:
    """The positions that sort ``values``, stably, missing values last: ``np.argsort(values,
    kind="stable")``, computed on their dense ranks. numpy sorts integers of 16 bits or fewer
    by radix, so a column with fewer than 65,536 distinct values (invoice dates) sorts in half
    the time of sorting the values themselves (10M dates: 0.5 s instead of 1.0 s)."""
    ranks, uniques = pd.factorize(values, sort=True)  # missing → -1
    return _stable_argsort(np.where(ranks < 0, len(uniques), ranks))


def is_arrow_text(values: pd.Series) -> bool:
    """Whether ``values`` are text in pandas' Arrow-backed ``str`` dtype."""
    dtype = values.dtype
    return isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"


def as_category(values: pd.Series, categories: list[str]) -> pd.Categorical:
    """``pd.Categorical(values, categories=categories)`` (a value not among them: missing), for
    Arrow text through its dictionary: the few distinct values are looked up, not each row
    (3.5 million activity types: 0.05 s instead of 0.45 s)."""
    if not is_arrow_text(values):
        return pd.Categorical(values, categories=categories)
    encoded = pc.dictionary_encode(pa.array(values))
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks() if encoded.num_chunks else pa.array([], pa.string()).dictionary_encode()
    position = {category: code for code, category in enumerate(categories)}
    lookup = np.array([position.get(value, -1) for value in encoded.dictionary.to_pylist()] + [-1], dtype=np.int64)
    indices = encoded.indices.fill_null(len(lookup) - 1).to_numpy(zero_copy_only=False)
    return pd.Categorical.from_codes(lookup[indices], categories=categories)


def _take_text(values: pd.Series, positions: np.ndarray) -> pd.api.extensions.ExtensionArray:
    array = pa.array(values)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    sample = array.slice(0, SAMPLE_ROWS)
    if len(sample.unique()) > DICTIONARY_SHARE * max(len(sample), 1):  # an id: one value a row
        return pd.array(array.take(pa.array(positions)), dtype=values.dtype)
    encoded = array.dictionary_encode()
    codes = encoded.indices.take(pa.array(positions))
    return pd.array(pc.take(encoded.dictionary, codes), dtype=values.dtype)


def row_positions(keys: pd.Series) -> dict:
    """Each distinct non-missing value of ``keys`` → the positions of its rows, ascending: the
    ``groupby(keys).indices`` of a frame, from one factorize and one sort of integer codes (the
    text is hashed once, in Arrow, not turned into ten million Python strings)."""
    codes, uniques = pd.factorize(keys, sort=False)
    order = _stable_argsort(codes + 1)
    bounds = np.cumsum(np.bincount(codes + 1, minlength=len(uniques) + 1))  # slot 0: missing keys
    return {uniques[i]: order[bounds[i] : bounds[i + 1]] for i in range(len(uniques))}


def _stable_argsort(ranks: np.ndarray) -> np.ndarray:
    """``np.argsort(ranks, kind="stable")`` of non-negative integer ranks, by radix when they fit
    in 16 bits."""
    small = len(ranks) == 0 or ranks.max() < 2**16
    return np.argsort(ranks.astype(np.uint16 if small else np.int64), kind="stable")
