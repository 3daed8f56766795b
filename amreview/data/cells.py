"""Raw cells brought to what the contract's schemas coerce, and validated frames completed.

Files, spreadsheets and databases give the same contract column in many forms: ids as numbers
(``1001.0`` from Excel or Parquet), text with spaces around it, booleans as words. Before
validation, :func:`normalise` makes ids text and booleans booleans; after it, :func:`complete`
adds the optional columns a table left out (with the contract's defaults) and sets dates to
midnight. Vectorised: packs of ten million lines pass through here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.compute as pc

from amreview.data.schemas import columns_of, kinds_of
from amreview.frames import is_arrow_text
from amreview.vocabulary import DEFAULT_DEAL_TYPE

# Defaults for optional columns a table may leave out or leave empty (the contract's own).
COLUMN_DEFAULTS = {
    ("sales", "deal_type"): DEFAULT_DEAL_TYPE,
    ("sales", "vendor_programme"): False,
    ("accounts", "key_account"): False,
    ("opportunities", "new_business"): False,
}

# The words a boolean cell may hold (any case, spaces around them trimmed).
TRUE_WORDS = {"true", "t", "yes", "y", "1", "1.0"}
FALSE_WORDS = {"false", "f", "no", "n", "0", "0.0"}


def normalise(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Bring raw values to what the schema coerces: ids as text, booleans from words.

    Vectorised: packs of ten million lines pass through here.
    """
    frame = frame.copy(deep=False)  # columns are replaced, never changed in place (copy-on-write)
    for column, kind in kinds_of(table).items():
        if column not in frame.columns:
            continue
        if kind == "text":
            frame[column] = as_text(frame[column])
        elif kind == "bool":
            frame[column] = as_bool(frame[column])
        elif kind == "date" and not pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = as_text(frame[column])
    return frame


def as_text(values: pd.Series) -> pd.Series:
    """Text (pandas' string dtype), stripped, empty as missing; integral numbers without a
    trailing ``.0`` (ids read from Excel or Parquet as numbers)."""
    if pd.api.types.is_float_dtype(values):
        integral = values.notna() & (values == values.round())
        as_int = values.where(integral).astype("Int64").astype("str")
        return as_int.where(integral, values.astype("str")).where(values.notna()).astype("str")
    if pd.api.types.is_integer_dtype(values) or pd.api.types.is_bool_dtype(values):
        return values.astype("str")
    if not pd.api.types.is_string_dtype(values) or pd.api.types.is_object_dtype(values):
        # object: mixed values (Excel); non-text values become their text
        values = values.map(
            lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else str(v), na_action="ignore"
        ).astype("str")
    if is_arrow_text(values):
        return _stripped_arrow_text(values)
    stripped = values.str.strip()
    return stripped.where(stripped != "")


def _stripped_arrow_text(values: pd.Series) -> pd.Series:
    """:func:`as_text` of a column already in pandas' Arrow-backed ``str`` dtype, in Arrow's
    compute kernels. A clean column (the usual case: nothing to strip, no empty strings) is
    returned as it is, so a ten-million-line table is not copied to find that out."""
    array = pyarrow.array(values)
    if _clean_edges(array):
        return values
    stripped = pc.utf8_trim_whitespace(array)
    blank = pc.equal(stripped, "")
    if stripped.equals(array) and not pc.any(blank).as_py():
        return values
    cleaned = pc.if_else(blank, pyarrow.scalar(None, type=stripped.type), stripped)
    return pd.Series(pd.array(cleaned, dtype=values.dtype), index=values.index, name=values.name)


def _clean_edges(array: pyarrow.Array | pyarrow.ChunkedArray) -> bool:
    """Whether no value of Arrow text ``array`` is empty or starts or ends with white space,
    read from the first and last byte of each value: printable ASCII other than a space
    (0x21–0x7E) at both ends cannot be white space, which is ASCII below 0x21 or a character
    beyond ASCII. ~20 times cheaper than trimming every value to compare; False when it cannot
    tell (a non-ASCII byte at an end, another Arrow type)."""
    for chunk in array.chunks if isinstance(array, pyarrow.ChunkedArray) else [array]:
        if len(chunk) == chunk.null_count:
            continue
        offset_type = {pyarrow.string(): np.int32, pyarrow.large_string(): np.int64}.get(chunk.type)
        if offset_type is None:
            return False
        validity, offsets_buffer, data = chunk.buffers()
        offsets = np.frombuffer(offsets_buffer, dtype=offset_type)[chunk.offset : chunk.offset + len(chunk) + 1]
        starts, ends = offsets[:-1], offsets[1:]
        if chunk.null_count:
            present = np.asarray(chunk.is_valid())
            starts, ends = starts[present], ends[present]
        if data is None or (ends <= starts).any():
            return False
        codes = np.frombuffer(data, dtype=np.uint8)
        edges = np.concatenate([codes[starts], codes[ends - 1]])
        if edges.min() < 0x21 or edges.max() > 0x7E:
            return False
    return True


def as_bool(values: pd.Series) -> pd.Series:
    """Booleans from ``true/false``, ``yes/no``, ``y/n``, ``1/0`` (any case); other words are left
    for the schema to report."""
    if pd.api.types.is_bool_dtype(values):
        return values
    if pd.api.types.is_string_dtype(values) and not pd.api.types.is_object_dtype(values):
        words = values.str.strip().str.lower().astype(object)
    else:
        words = values.astype(object).map(lambda v: str(v).strip().lower(), na_action="ignore")
    known = {**dict.fromkeys(TRUE_WORDS, True), **dict.fromkeys(FALSE_WORDS, False)}
    mapped = words.map(known)
    return mapped.where(words.isna() | mapped.notna(), values.astype(object)).astype(object)


def complete(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Every contract column present, defaults filled, dates at midnight: ``frame`` (a validated
    frame, validation's own copy) is changed in place and returned."""
    kinds = kinds_of(table)
    for column in columns_of(table):
        default = COLUMN_DEFAULTS.get((table, column))
        if column not in frame.columns:
            frame[column] = default if default is not None else _empty(kinds[column], len(frame))
        elif default is not None:
            frame[column] = frame[column].fillna(default)
        if kinds[column] == "date":
            frame[column] = pd.to_datetime(frame[column]).dt.normalize()
        elif kinds[column] == "bool" and default is not None:
            frame[column] = frame[column].astype(bool)
    return frame


def _empty(kind: str, n: int) -> pd.Series:
    dtype = {"date": "datetime64[ns]", "number": "float64", "bool": "boolean"}.get(kind, object)
    return pd.Series([None] * n, dtype=dtype)
