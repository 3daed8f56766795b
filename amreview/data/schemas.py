"""Declarative schemas of the data contract (``../shared/docs/data-contract.md``).

Each table is a pandera ``DataFrameModel``: the contract's columns, their types, which are
required (``required=True``, the bold columns of optional tables) and which values they may
hold. Validation coerces types (text ids stay text) and is lazy, so one run reports every
problem. Extra columns are kept and ignored (``strict = False``).

Cross-table references (every ``am_id`` must be a known account manager, ...) are declared in
:data:`REFERENCES` and checked by :mod:`amreview.data.datapack`, which is the only module that
applies these schemas.

Ids — every ``*_id`` column and ``manager`` (:data:`ID_COLUMNS`) — are text a person can read
and a file can be named after (through :mod:`amreview.filenames`, never as they are): at most
:data:`ID_MAX_LENGTH` characters, and none of :data:`CONTROL_CHARACTERS` (a tab, a newline or a
NUL inside an id is an export gone wrong, never a name). Any other character is allowed: ``/``
and ``.`` are legal in a CRM's ids.
"""

from __future__ import annotations

import re
import sys
import types
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pandera.typing
import pyarrow
import pyarrow.compute as pc
from pandera.engines import pandas_engine
from pandera.typing import Series

from amreview.frames import is_arrow_text
from amreview.periods import QUARTER_PATTERN
from amreview.vocabulary import (
    ACTIVITY_TYPES,
    AUTHOR_ROLES,
    COMPETENCIES,
    DEAL_TYPES,
    FEEDBACK_KINDS,
    FEEDBACK_SCORE_RANGES,
    OBJECTIVE_STATUSES,
    OPPORTUNITY_STAGES,
    RATERS,
)

PANDERA_DASK_TYPES = "pandera.typing.dask"


def pandas_frames_only() -> None:
    """Let pandera's table models know the frame types they validate without importing Dask.

    Building a model's schema asks pandera, once per process, which kinds of frame exist
    (``pandera.typing.get_index_types`` and its two siblings, cached); to answer, pandera imports
    Dask when it is installed, as amreview's distributed runs need it to be: about 0.7 s of
    every ``amreview scorecard``, for types amreview never validates (its tables are pandas
    frames). Asked here first, with Dask's entry standing in as not installed, the answer
    holds pandas' types (and modin's or PySpark's, if installed); the stand-in is removed at
    once, so ``import dask`` and pandera's own Dask types work as ever afterwards. Where Dask is
    imported already (a Dask worker), pandera is asked as it is."""
    if "dask.dataframe" in sys.modules or PANDERA_DASK_TYPES in sys.modules:
        return
    stand_in = types.ModuleType(PANDERA_DASK_TYPES, "Dask not imported: amreview validates pandas frames")
    stand_in.DASK_INSTALLED = False  # type: ignore[attr-defined]  # the one name pandera asks
    sys.modules[PANDERA_DASK_TYPES] = stand_in
    try:
        pandera.typing.get_index_types()
        pandera.typing.get_series_types()
        pandera.typing.get_dataframe_types()
    finally:
        del sys.modules[PANDERA_DASK_TYPES]


pandas_frames_only()  # before any table model builds its schema (see its docstring)

# ISO dates, with or without a time part (exports often write "2026-07-01 00:00:00"). A date
# column is ``Series[Date] = date_field(...)``: the field carries the parsing (pandera's
# ``dtype_kwargs``), because a parametrised instance, DateTime(to_datetime_kwargs=...), is not
# a type that ``Series[...]`` may hold for a type checker.
Date = pandas_engine.DateTime
DATE_PARSING = {"to_datetime_kwargs": {"format": "ISO8601"}}
Bool = pandas_engine.BOOL  # nullable boolean; text such as "yes"/"true"/"1" is normalised on load

PERIOD_REGEX = r"^\d{4}(Q[1-4]|-(0[1-9]|1[0-2]))$"  # a quarter 2026Q3 or a month 2026-07

ID_COLUMNS = r"^(?:.+_id|manager)$"  # the columns that hold ids (and the manager, a name or an id)
ID_MAX_LENGTH = 100  # characters
# No id holds these: C0 and C1 control characters (NUL, tab, newline, carriage return, escape,
# DEL, ...), the line and paragraph separators, and the bidirectional controls, which make text
# display other than it reads. A class of literal characters: the same for Python's re and for
# RE2 (Arrow's string kernels), which spell escapes differently.
# Where a row typed on a returned form came from (``amreview collect``; docs/review-cycle.md):
# optional columns of competency_ratings, review_notes, development_objectives and
# review_outcomes, empty on rows typed into the pack by hand.
PROVENANCE_COLUMNS = ("source_file", "source_sheet", "source_cells", "source_sha256", "collected_at")
SHA256_REGEX = r"^[0-9a-f]{64}$"
TIMESTAMP_REGEX = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"  # ISO 8601, with its zone

CONTROL_CHARACTERS = re.compile(
    "["
    + "".join(
        f"{chr(a)}-{chr(b)}"
        for a, b in (
            (0x00, 0x1F),
            (0x7F, 0x9F),
            (0x2028, 0x2029),
            (0x202A, 0x202E),
            (0x2066, 0x2069),
            (0x200E, 0x200F),
            (0x061C, 0x061C),
        )
    )
    + "]"
)


def date_field(**options: Any) -> Any:
    """A pandera ``Field`` (``options`` as ``pa.Field``'s) of a date column, ``Series[Date]``:
    its text parsed as ISO 8601 dates (:data:`DATE_PARSING`)."""
    return pa.Field(dtype_kwargs=DATE_PARSING, **options)


class _Table(pa.DataFrameModel):
    class Config:
        coerce = True
        strict = False

    @pa.check(ID_COLUMNS, regex=True, name="id_length")
    def id_length(cls, values: Series[str]) -> Series[bool]:
        """An id is at most ID_MAX_LENGTH characters."""
        return values.str.len() <= ID_MAX_LENGTH

    @pa.check(ID_COLUMNS, regex=True, name="id_characters")
    def id_characters(cls, values: Series[str]) -> Series[bool]:
        """An id holds no control character (CONTROL_CHARACTERS)."""
        if _printable_ascii(values):
            return pd.Series(True, index=values.index)
        return ~values.str.contains(CONTROL_CHARACTERS.pattern, regex=True)


def _printable_ascii(values: pd.Series) -> bool:
    """Whether every byte of an Arrow text column is printable ASCII (0x20–0x7E), which holds
    no control character: two reductions over its bytes (~10 ms for 10 million ids) spare the
    search of each value, which costs ~30 times more. False when it cannot tell."""
    if not is_arrow_text(values):
        return False
    array = pyarrow.array(values)
    for chunk in array.chunks if isinstance(array, pyarrow.ChunkedArray) else [array]:
        data = chunk.buffers()[2]  # every value's bytes (and maybe more: that only says False)
        if data is not None and data.size:
            codes = np.frombuffer(data, dtype=np.uint8)
            if codes.min() < 0x20 or codes.max() > 0x7E:
                return False
    return True


class AccountManagers(_Table):
    am_id: Series[str] = pa.Field(unique=True)
    name: Series[str]
    manager: Series[str]
    team: Series[str] | None = pa.Field(nullable=True)
    start_date: Series[Date] | None = date_field(nullable=True)
    email: Series[str] | None = pa.Field(nullable=True)


class Sales(_Table):
    line_id: Series[str] = pa.Field(unique=True)
    invoice_date: Series[Date] = date_field()
    am_id: Series[str]
    account_id: Series[str]
    product: Series[str]
    vendor: Series[str] | None = pa.Field(nullable=True)
    quantity: Series[float]
    revenue: Series[float]
    cost: Series[float]
    deal_type: Series[str] | None = pa.Field(nullable=True, isin=list(DEAL_TYPES))
    vendor_programme: Series[Bool] | None = pa.Field(nullable=True)


class Targets(_Table):
    am_id: Series[str]
    period: Series[str] = pa.Field(str_matches=PERIOD_REGEX)
    measure: Series[str]
    target: Series[float] = pa.Field(ge=0)

    class Config:
        unique = ["am_id", "period", "measure"]


class Accounts(_Table):
    account_id: Series[str] = pa.Field(unique=True)
    name: Series[str]
    am_id: Series[str] | None = pa.Field(nullable=True)
    sector: Series[str] | None = pa.Field(nullable=True)
    key_account: Series[Bool] | None = pa.Field(nullable=True)
    created_date: Series[Date] | None = date_field(nullable=True)


class Opportunities(_Table):
    opportunity_id: Series[str] = pa.Field(unique=True)
    am_id: Series[str]
    account_id: Series[str] | None = pa.Field(nullable=True)
    stage: Series[str] = pa.Field(isin=list(OPPORTUNITY_STAGES))
    created_date: Series[Date] | None = date_field(nullable=True)
    close_date: Series[Date] | None = date_field(nullable=True)
    value: Series[float] | None = pa.Field(nullable=True, ge=0)
    expected_margin: Series[float] | None = pa.Field(nullable=True)
    new_business: Series[Bool] | None = pa.Field(nullable=True)
    last_updated: Series[Date] | None = date_field(nullable=True)


class Activities(_Table):
    activity_id: Series[str] = pa.Field(unique=True)
    am_id: Series[str]
    account_id: Series[str] | None = pa.Field(nullable=True)
    type: Series[str] = pa.Field(isin=list(ACTIVITY_TYPES))
    activity_date: Series[Date] = date_field()
    logged_date: Series[Date] | None = date_field(nullable=True)


class BackOrders(_Table):
    order_line_id: Series[str] = pa.Field(unique=True)
    am_id: Series[str]
    account_id: Series[str] | None = pa.Field(nullable=True)
    order_date: Series[Date] = date_field()
    promised_date: Series[Date] | None = date_field(nullable=True)
    fulfilled_date: Series[Date] | None = date_field(nullable=True)
    value: Series[float] = pa.Field(ge=0)


class Cases(_Table):
    case_id: Series[str] = pa.Field(unique=True)
    am_id: Series[str]
    account_id: Series[str] | None = pa.Field(nullable=True)
    opened_date: Series[Date] = date_field()
    resolved_date: Series[Date] | None = date_field(nullable=True)
    severity: Series[str] | None = pa.Field(nullable=True)
    sla_days: Series[float] | None = pa.Field(nullable=True, ge=0)


class ReportSubmissions(_Table):
    am_id: Series[str]
    report: Series[str]
    due_date: Series[Date] = date_field()
    submitted_date: Series[Date] | None = date_field(nullable=True)
    errors: Series[float] | None = pa.Field(nullable=True, ge=0)


class Forecasts(_Table):
    am_id: Series[str]
    period: Series[str] = pa.Field(str_matches=QUARTER_PATTERN.pattern)
    measure: Series[str]
    forecast: Series[float]
    submitted_date: Series[Date] | None = date_field(nullable=True)


class DevelopmentObjectives(_Table):
    am_id: Series[str]
    objective_id: Series[str]
    period: Series[str] = pa.Field(str_matches=QUARTER_PATTERN.pattern)
    objective: Series[str]
    competency: Series[str] | None = pa.Field(nullable=True, isin=list(COMPETENCIES))
    weight: Series[float] | None = pa.Field(nullable=True, ge=0)
    due_date: Series[Date] | None = date_field(nullable=True)
    status: Series[str] = pa.Field(isin=list(OBJECTIVE_STATUSES))
    progress: Series[float] | None = pa.Field(nullable=True, ge=0, le=1)
    evidence: Series[str] | None = pa.Field(nullable=True)
    # The review cycle (issue 14): the quarter of the review that agreed the objective (the one
    # before the plan's; empty: agreed outside a review), and how its success is measured.
    agreed_in: Series[str] | None = pa.Field(nullable=True, str_matches=QUARTER_PATTERN.pattern)
    success_measure: Series[str] | None = pa.Field(nullable=True)
    source_file: Series[str] | None = pa.Field(nullable=True)
    source_sheet: Series[str] | None = pa.Field(nullable=True)
    source_cells: Series[str] | None = pa.Field(nullable=True)
    source_sha256: Series[str] | None = pa.Field(nullable=True, str_matches=SHA256_REGEX)
    collected_at: Series[str] | None = pa.Field(nullable=True, str_matches=TIMESTAMP_REGEX)


class CompetencyRatings(_Table):
    am_id: Series[str]
    period: Series[str] = pa.Field(str_matches=QUARTER_PATTERN.pattern)
    competency: Series[str] = pa.Field(isin=list(COMPETENCIES))
    rater: Series[str] = pa.Field(isin=list(RATERS))
    rating: Series[float] = pa.Field(isin=[1, 2, 3, 4, 5])
    comment: Series[str] | None = pa.Field(nullable=True)
    source_file: Series[str] | None = pa.Field(nullable=True)
    source_sheet: Series[str] | None = pa.Field(nullable=True)
    source_cells: Series[str] | None = pa.Field(nullable=True)
    source_sha256: Series[str] | None = pa.Field(nullable=True, str_matches=SHA256_REGEX)
    collected_at: Series[str] | None = pa.Field(nullable=True, str_matches=TIMESTAMP_REGEX)


class CustomerFeedback(_Table):
    account_id: Series[str] | None = pa.Field(nullable=True)
    am_id: Series[str]
    feedback_date: Series[Date] = date_field()
    kind: Series[str] = pa.Field(isin=list(FEEDBACK_KINDS))
    score: Series[float]
    comment: Series[str] | None = pa.Field(nullable=True)

    @pa.dataframe_check(
        error=f"score within its kind's scale: nps {FEEDBACK_SCORE_RANGES['nps']}, csat {FEEDBACK_SCORE_RANGES['csat']}"
    )
    def score_on_scale(cls, df):
        low = df["kind"].map({k: r[0] for k, r in FEEDBACK_SCORE_RANGES.items()}).astype("float64")
        high = df["kind"].map({k: r[1] for k, r in FEEDBACK_SCORE_RANGES.items()}).astype("float64")
        return (df["score"] >= low) & (df["score"] <= high) | low.isna()


class ReviewNotes(_Table):
    am_id: Series[str]
    period: Series[str] = pa.Field(str_matches=QUARTER_PATTERN.pattern)
    section: Series[str]
    author: Series[str] | None = pa.Field(nullable=True)
    text: Series[str]
    author_role: Series[str] | None = pa.Field(nullable=True, isin=list(AUTHOR_ROLES))
    source_file: Series[str] | None = pa.Field(nullable=True)
    source_sheet: Series[str] | None = pa.Field(nullable=True)
    source_cells: Series[str] | None = pa.Field(nullable=True)
    source_sha256: Series[str] | None = pa.Field(nullable=True, str_matches=SHA256_REGEX)
    collected_at: Series[str] | None = pa.Field(nullable=True, str_matches=TIMESTAMP_REGEX)


class ReviewOutcomes(_Table):
    """The outcome of the review meeting (one row per account manager and quarter): the rating
    agreed, the reason for a change, who signed and when. That ``agreed_rating`` is a rating label
    of the scorecard config is checked against the config where one is at hand (the pack does not
    know it)."""

    am_id: Series[str]
    period: Series[str] = pa.Field(str_matches=QUARTER_PATTERN.pattern)
    agreed_rating: Series[str]
    computed_rating: Series[str] | None = pa.Field(nullable=True)
    change_reason: Series[str] | None = pa.Field(nullable=True)
    manager_signed_by: Series[str] | None = pa.Field(nullable=True)
    manager_signed_on: Series[Date] | None = date_field(nullable=True)
    am_signed_on: Series[Date] | None = date_field(nullable=True)
    source: Series[str] | None = pa.Field(nullable=True)
    source_file: Series[str] | None = pa.Field(nullable=True)
    source_sheet: Series[str] | None = pa.Field(nullable=True)
    source_cells: Series[str] | None = pa.Field(nullable=True)
    source_sha256: Series[str] | None = pa.Field(nullable=True, str_matches=SHA256_REGEX)
    collected_at: Series[str] | None = pa.Field(nullable=True, str_matches=TIMESTAMP_REGEX)

    class Config:
        unique = ["am_id", "period"]

    @pa.dataframe_check(error="a change_reason where agreed_rating differs from computed_rating")
    def change_has_reason(cls, df):
        if "computed_rating" not in df or "change_reason" not in df:
            return (
                pd.Series(True, index=df.index)
                if "computed_rating" not in df
                else (df["computed_rating"].isna() | (df["agreed_rating"] == df["computed_rating"]))
            )
        changed = df["computed_rating"].notna() & (df["agreed_rating"] != df["computed_rating"])
        return ~changed | (df["change_reason"].fillna("").astype(str).str.strip() != "")


REQUIRED_TABLES: dict[str, type[_Table]] = {
    "account_managers": AccountManagers,
    "sales": Sales,
    "targets": Targets,
}

OPTIONAL_TABLES: dict[str, type[_Table]] = {
    "accounts": Accounts,
    "opportunities": Opportunities,
    "activities": Activities,
    "back_orders": BackOrders,
    "cases": Cases,
    "report_submissions": ReportSubmissions,
    "forecasts": Forecasts,
    "development_objectives": DevelopmentObjectives,
    "competency_ratings": CompetencyRatings,
    "customer_feedback": CustomerFeedback,
    "review_notes": ReviewNotes,
    "review_outcomes": ReviewOutcomes,
}

SCHEMAS: dict[str, type[_Table]] = {**REQUIRED_TABLES, **OPTIONAL_TABLES}


def schema_for(table: str, frame: pd.DataFrame) -> pa.DataFrameSchema:
    """The pandera schema that validates ``frame`` as ``table``: the table's own, less the
    checks of its Arrow text columns that :func:`passing_checks` proves pass. pandera runs a
    check on every value, after copying the column without its missing values (a nullable id);
    the proofs read each column once, or its few distinct values: 3.5 million activities'
    uniqueness costs pandera 2.5 s, its proof 0.05 s when the ids come in order, as exports write
    them. Where a proof fails the check runs, so a problem is reported word for word as always."""
    schema = SCHEMAS[table].to_schema()
    spared = tuple(
        (name, passing)
        for name, column in schema.columns.items()
        if name in frame.columns and (passing := passing_checks(column, frame[name]))
    )
    return _sparing(table, spared) if spared else schema


def passing_checks(column: Any, values: pd.Series) -> tuple[str, ...]:
    """The checks of schema column ``column`` (``"unique"`` for its uniqueness, else a check's
    name) that Arrow text ``values`` pass, proven without running them: distinct values
    (:func:`distinct_text`), values of a vocabulary (``isin``: its few distinct values looked
    up), ids short enough (``id_length``: the longest) and of printable ASCII
    (``id_characters``). Missing values are not checked, as pandera leaves them out."""
    if not is_arrow_text(values):
        return ()
    passing = ["unique"] if column.unique and distinct_text(values) else []
    for check in column.checks:
        if check.name == "isin":
            allowed = set(check.statistics["allowed_values"])
            proven = all(value in allowed for value in values.unique() if not pd.isna(value))
        elif check.name == "id_length":
            proven = values.isna().all() or bool(pc.max(pc.utf8_length(pyarrow.array(values))).as_py() <= ID_MAX_LENGTH)
        elif check.name == "id_characters":
            proven = _printable_ascii(values)
        else:
            continue
        if proven:
            passing.append(check.name)
    return tuple(passing)


@cache
def _sparing(table: str, spared: tuple[tuple[str, tuple[str, ...]], ...]) -> pa.DataFrameSchema:
    """``table``'s schema without the checks ``spared``: (column, check names) pairs."""
    columns = SCHEMAS[table].to_schema().columns
    updates: dict[str, dict[str, Any]] = {}
    for name, passing in spared:
        updates[name] = {"checks": [check for check in columns[name].checks if check.name not in passing]}
        if "unique" in passing:
            updates[name]["unique"] = False
    return SCHEMAS[table].to_schema().update_columns(updates)


def distinct_text(values: pd.Series) -> bool:
    """Whether an Arrow text column holds no missing value and no value twice, proven by
    comparing neighbours: in the column's order (strictly increasing: distinct), else once
    sorted (no two neighbours equal). False when it cannot tell (other dtypes)."""
    if not is_arrow_text(values) or values.hasnans:
        return False
    array = pyarrow.array(values)
    if isinstance(array, pyarrow.ChunkedArray):
        array = array.combine_chunks()
    if len(array) < 2:
        return True
    if pc.all(pc.less(array.slice(0, len(array) - 1), array.slice(1))).as_py():
        return True
    ordered = array.take(pc.sort_indices(array))
    return not pc.any(pc.equal(ordered.slice(0, len(ordered) - 1), ordered.slice(1))).as_py()


def build_schemas() -> None:
    """Build every table's pandera schema now. pandera builds a model's schema on first use
    (Dask no longer imported then: :func:`pandas_frames_only`): the kernel template calls this
    once, so a review's kernel does not pay it."""
    for model in SCHEMAS.values():
        model.to_schema()


# (table, column, referenced table, referenced column): every non-empty value of the column
# must exist in the referenced column, when both tables are in the pack.
REFERENCES: list[tuple[str, str, str, str]] = [
    (table, "am_id", "account_managers", "am_id") for table in SCHEMAS if table != "account_managers"
] + [("sales", "account_id", "accounts", "account_id")]


def columns_of(table: str) -> list[str]:
    """The contract's columns of ``table``, in contract order."""
    return list(SCHEMAS[table].to_schema().columns)


def kinds_of(table: str) -> dict[str, str]:
    """Column → ``"date"``, ``"bool"``, ``"number"`` or ``"text"`` for ``table``."""
    kinds = {}
    for name, column in SCHEMAS[table].to_schema().columns.items():
        dtype = str(column.dtype)
        if dtype.startswith("datetime64"):
            kinds[name] = "date"
        elif dtype == "boolean" or dtype == "bool":
            kinds[name] = "bool"
        elif dtype.startswith(("float", "int")):
            kinds[name] = "number"
        else:
            kinds[name] = "text"
    return kinds
