"""The files of a prepared input: their names, and frames written per person that read back exactly.

:class:`RowFiles` converts a whole frame to Arrow once and writes each person's rows as their
own Parquet file; :func:`read_frame` reads one back as the rows were (``None`` in object columns
included). :func:`scorecard_frame` puts a scorecard's frames side by side so one file holds a
person's whole row; :func:`read_scorecard` splits it again. :mod:`amreview.batch.prepare` writes
the inputs, :mod:`amreview.batch.input_reading` opens them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from amreview.metrics.registry import Kpi
from amreview.periods import Quarter
from amreview.scoring.config import ScorecardConfig
from amreview.scoring.scorecard import Scorecard

FORMAT_VERSION = 1
INPUT_FILE = "input.json"
# input.json's record of the fingerprint of a review input's pack files (``pack/``) as written:
# opening the input checks it instead of validating the pack again (datapack.load_prepared_pack)
PACK_FILES_KEY = "pack_files_fingerprint"
REVIEWS, TEAMS, CALIBRATION = "reviews", "teams", "calibration"
ORGANISATION = "organisation"  # the calibration input's folder
OUTCOMES_FILE, RATINGS_FILE = "outcomes.parquet", "ratings.parquet"
CALIBRATION_COLUMNS = [
    "manager",
    "review_status",
    "computed_rating",
    "agreed_rating",
    "reason_given",
    "overall_score",
    "manager_rating",
    "self_manager_gap",
]
SCORECARD_FRAMES = (
    "values",
    "scores",
    "measures",
    "overall",
    "targets",
    "people",
    "evidence",
    "expected",
    "robustness",
    "table",
)
SCORECARD_FILE, PREVIOUS_FILE = "scorecard.parquet", "previous.parquet"
_SEP = "::"  # <frame>::<column> in a scorecard file
_META_KEY = b"amreview"


# A person's rows are few: compression, dictionaries and statistics cost more than they save.
SMALL_FILES = {"compression": "NONE", "use_dictionary": False, "write_statistics": False}


class RowFiles:
    """A whole frame converted to Arrow once; then each person's rows written as their own
    Parquet file (:func:`read_frame` reads it back as the frame's rows were, ``None`` in object
    columns included). ``keep_index``: store the index (a named index, e.g. ``am_id``), else the
    rows read back with a fresh ``RangeIndex``."""

    def __init__(self, frame: pd.DataFrame, keep_index: bool, objects: bool = True):
        self.table = pa.Table.from_pandas(frame, preserve_index=keep_index)
        self.batches = self.table.to_batches()  # zero-copy: a large table is in many chunks
        self.starts = np.cumsum([0] + [b.num_rows for b in self.batches])[:-1]
        self.nones = (
            {
                str(c): np.fromiter((v is None for v in frame[c]), bool, len(frame))
                for c in frame.columns
                if frame[c].dtype == object
            }
            if objects
            else {}
        )

    def take(self, rows: np.ndarray) -> pa.Table:
        """The rows at positions ``rows``, in their order, as one chunk: taken from each chunk
        that holds some (Arrow's take on a table of many chunks first joins them: 10 million
        lines, 1 s for every person)."""
        rows = np.asarray(rows, dtype="int64")
        which = np.searchsorted(self.starts, rows, side="right") - 1
        cuts = np.flatnonzero(np.diff(which)) + 1
        pieces = [
            self.batches[chunk[0]].take(pa.array(run - self.starts[chunk[0]], type=pa.int64()))
            for run, chunk in zip(np.split(rows, cuts), np.split(which, cuts))
            if len(run)
        ]
        return pa.Table.from_batches(pieces, schema=self.table.schema).combine_chunks()

    def write(self, rows: np.ndarray, path: Path, transform: Callable[[pa.Table], pa.Table] | None = None) -> None:
        part = self.take(rows)
        if transform is not None:
            part = transform(part)
        meta = dict(self.table.schema.metadata or {})
        meta[_META_KEY] = json.dumps(
            {"object_columns": {c: np.flatnonzero(mask[rows]).tolist() for c, mask in self.nones.items()}}
        ).encode()
        pq.write_table(part.replace_schema_metadata(meta), path, **SMALL_FILES)


# --------------------------------------------------------------------------------------------
# Frames that round-trip exactly
# --------------------------------------------------------------------------------------------


def read_frame(path: Path) -> pd.DataFrame:
    """Rows written by :meth:`RowFiles.write`, as they were in the frame."""
    table = pq.read_table(path)
    frame = table.to_pandas()
    info = json.loads((table.schema.metadata or {}).get(_META_KEY, b"{}"))
    for column, nones in info.get("object_columns", {}).items():
        values = frame[column].to_numpy(dtype=object, copy=True)
        values[pd.isna(values)] = np.nan
        values[nones] = None
        frame[column] = pd.Series(values, index=frame.index, dtype=object, name=column)
    return frame


def scorecard_frame(card: Scorecard) -> pd.DataFrame:
    """A scorecard's frames side by side, one row per person (index ``am_id``), each column named
    ``<frame>::<column>``: one file holds a person's whole row (:func:`read_scorecard` splits it)."""
    parts = [getattr(card, name) for name in SCORECARD_FRAMES[:-1]]
    parts.append(card.table.set_index(pd.Index(card.table["am_id"], name="am_id")))
    named = [
        frame.set_axis([f"{name}{_SEP}{c}" for c in frame.columns], axis=1)
        for name, frame in zip(SCORECARD_FRAMES, parts)
    ]
    return pd.concat(named, axis=1)


def read_scorecard(path: Path, quarter: Quarter, config: ScorecardConfig, kpis: dict[str, Kpi]) -> Scorecard:
    """The scorecard rows a :class:`RowFiles` of :func:`scorecard_frame` wrote."""
    combined = read_frame(path)
    frames = {}
    for name in SCORECARD_FRAMES:
        prefix = f"{name}{_SEP}"
        columns = [c for c in combined.columns if c.startswith(prefix)]
        frame = combined[columns].set_axis(pd.Index([c[len(prefix) :] for c in columns]), axis=1)
        frames[name] = frame.reset_index(drop=True) if name == "table" else frame
    return Scorecard(quarter=quarter, config=config, kpis=kpis, **frames)
