"""A form's rows against the input already in the pack: what is new, what is there already, and
what the form would change.

Every row a form adds fills a *slot* (:data:`SLOT_KEYS`): a competency rated by one rater, the
comments of one author role on one section, one objective of one plan, one review's outcome.
For each slot of a form:

* empty in the pack → the form's rows are added;
* the same values in the pack (whoever typed them, and where) → nothing changes: collecting the
  same form twice, or a copy saved again, adds nothing;
* other values → a :class:`~amreview.cycle.collection.Conflict`: the pack's rows are kept and the
  form is not applied, unless ``replace``, when the pack's rows are removed and the form's added.

Rows collected earlier from *another* file of the same kind for the same person and quarter
(:func:`same_form_family`) that the new form does not have are a change too (the new form would
drop them), and are replaced with the rest. Rows typed into the pack by hand outside the form's
slots are always kept. A note without ``author_role`` (typed by hand) is the manager's, except
the sign-off comment and proposed objectives, which are the account manager's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from amreview.cycle.collection import Conflict
from amreview.cycle.model import FormKind, ReturnedForm
from amreview.data.datapack import DataPack
from amreview.data.schemas import columns_of
from amreview.periods import Quarter
from amreview.vocabulary import PROPOSED_OBJECTIVES_SECTION, SIGN_OFF_SECTION

SLOT_KEYS = {
    "competency_ratings": ("am_id", "period", "competency", "rater"),
    "review_notes": ("am_id", "period", "section", "author_role"),
    "development_objectives": ("am_id", "objective_id", "period"),
    "review_outcomes": ("am_id", "period"),
}
VALUE_COLUMNS = {
    "competency_ratings": ("rating", "comment"),
    "review_notes": ("text",),
    "development_objectives": ("objective", "competency", "weight", "due_date", "status", "success_measure"),
    "review_outcomes": ("agreed_rating", "change_reason", "manager_signed_by", "manager_signed_on", "am_signed_on"),
}
# The columns that find a row of the pack again in a database (its slot, who typed it, where).
MATCH_COLUMNS = {t: (*keys, "source_sha256", "source_cells") for t, keys in SLOT_KEYS.items()}
SELF_SECTIONS = (SIGN_OFF_SECTION, PROPOSED_OBJECTIVES_SECTION)

Row = Mapping[str, object]


@dataclass
class Merge:
    """What one form does to the pack: rows to add and pack rows to remove (positions), per table,
    the conflicts, and how many of its rows were in the pack already."""

    added: dict[str, list[Row]] = field(default_factory=dict)
    removed: dict[str, list[int]] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    unchanged: int = 0


def comparable(value: object) -> object:
    """A value as compared between a form and the pack: missing as None, text trimmed (empty:
    None), numbers as floats, dates as ``YYYY-MM-DD``."""
    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
        return None
    if isinstance(value, (pd.Timestamp, dt.date)):
        return f"{pd.Timestamp(value):%Y-%m-%d}"
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip()
    return text or None


def note_roles(notes: pd.DataFrame) -> pd.Series:
    """Each note's author role, filled where a note typed by hand has none (module docstring)."""
    default = notes["section"].map(lambda s: "self" if s in SELF_SECTIONS else "manager")
    return notes["author_role"].astype(object).where(notes["author_role"].notna(), default)


def person_rows(pack: DataPack, table: str, am_id: str) -> pd.DataFrame:
    """``table``'s rows of ``am_id`` (index: their positions in the pack), author roles filled."""
    if not pack.has(table):
        return pd.DataFrame(columns=columns_of(table))
    frame = pack[table]
    rows = frame[frame["am_id"] == am_id]
    if table == "review_notes":
        rows = rows.assign(author_role=note_roles(rows))
    return rows


def same_form_family(table: str, rows: pd.DataFrame, kind: FormKind, quarter: Quarter) -> pd.Series:
    """Which of a person's ``rows`` of ``table`` a form of ``kind`` for ``quarter`` holds."""
    if table == "competency_ratings":
        return (rows["period"] == str(quarter)) & (rows["rater"] == kind.rater)
    if table == "review_notes":
        own = rows["author_role"] == kind.rater
        if kind is FormKind.MANAGER_REVIEW:
            own = (own & (rows["section"] != SIGN_OFF_SECTION)) | (rows["section"] == SIGN_OFF_SECTION)
        else:
            own = own & (rows["section"] != SIGN_OFF_SECTION)
        return (rows["period"] == str(quarter)) & own
    if kind is not FormKind.MANAGER_REVIEW:
        return pd.Series(False, index=rows.index)
    if table == "development_objectives":
        return (rows["period"] == str(quarter.next())) & (rows["agreed_in"] == str(quarter))
    return rows["period"] == str(quarter)


def merge_form(
    pack: DataPack, form: ReturnedForm, rows: Mapping[str, Sequence[Row]], quarter: Quarter, replace: bool
) -> Merge:
    """What ``form``'s ``rows`` (per table, :func:`~amreview.cycle.form_rows.form_rows`) do to the
    pack (module docstring)."""
    merge = Merge()
    for table in SLOT_KEYS:
        mine = person_rows(pack, table, form.identity.am_id)
        new = rows.get(table, ())
        slots = {_slot(table, r) for r in new}
        family = mine[same_form_family(table, mine, form.identity.kind, quarter).to_numpy(dtype=bool)]
        for slot in dict.fromkeys(_slot(table, r) for r in new):
            _merge_slot(
                merge,
                form,
                table,
                slot,
                [r for r in new if _slot(table, r) == slot],
                mine[_in_slot(table, mine, slot)],
                replace,
            )
        other_files = family[family["source_sha256"].notna() & (family["source_sha256"] != form.sha256)]
        for slot, old in other_files.groupby(list(SLOT_KEYS[table]), sort=False, dropna=False):
            if tuple(comparable(v) for v in slot) not in slots:
                _dropped(merge, form, table, old, replace)
    return merge


def _slot(table: str, row: Row) -> tuple:
    return tuple(comparable(row.get(k)) for k in SLOT_KEYS[table])


def _in_slot(table: str, rows: pd.DataFrame, slot: tuple) -> np.ndarray:
    found = np.ones(len(rows), dtype=bool)
    for key, value in zip(SLOT_KEYS[table], slot):
        found &= np.array([comparable(v) == value for v in rows[key]], dtype=bool)
    return found


def _values(table: str, rows) -> tuple:
    """A slot's values, order aside (a section may hold several notes)."""
    return tuple(sorted((tuple(comparable(r.get(c)) for c in VALUE_COLUMNS[table]) for r in rows), key=repr))


def _merge_slot(
    merge: Merge, form: ReturnedForm, table: str, slot: tuple, new: list[Row], old: pd.DataFrame, replace: bool
) -> None:
    if old.empty:
        merge.added.setdefault(table, []).extend(new)
        return
    old_rows = [dict(zip(old.columns, r)) for r in old.itertuples(index=False, name=None)]
    if _values(table, old_rows) == _values(table, new):
        merge.unchanged += len(new)
        return
    merge.conflicts.append(
        Conflict(
            am_id=form.identity.am_id,
            kind=form.identity.kind,
            file=form.path,
            table=table,
            what=describe_slot(table, slot),
            where=_where(old_rows),
            old=_shown_values(table, old_rows),
            new=_shown_values(table, new),
            new_where=_cells(new),
            replaced=replace,
        )
    )
    if replace:
        merge.removed.setdefault(table, []).extend(int(i) for i in old.index)
        merge.added.setdefault(table, []).extend(new)


def _dropped(merge: Merge, form: ReturnedForm, table: str, old: pd.DataFrame, replace: bool) -> None:
    """Rows of an earlier form that the new one does not have: the new form would drop them."""
    old_rows = [dict(zip(old.columns, r)) for r in old.itertuples(index=False, name=None)]
    slot = tuple(comparable(old_rows[0].get(k)) for k in SLOT_KEYS[table])
    merge.conflicts.append(
        Conflict(
            am_id=form.identity.am_id,
            kind=form.identity.kind,
            file=form.path,
            table=table,
            what=describe_slot(table, slot),
            where=_where(old_rows),
            old=_shown_values(table, old_rows),
            new="nothing (not on this form)",
            new_where=form.path.name,
            replaced=replace,
        )
    )
    if replace:
        merge.removed.setdefault(table, []).extend(int(i) for i in old.index)


def describe_slot(table: str, slot: tuple) -> str:
    """What a slot holds, in words: ``the manager's rating of 'Communications' (2026Q3)``."""
    key = dict(zip(SLOT_KEYS[table], slot))
    if table == "competency_ratings":
        return f"the {key['rater']} rating of {key['competency']!r} ({key['period']})"
    if table == "review_notes":
        whose = "the account manager's" if key["author_role"] == "self" else "the manager's"
        return f"{whose} {key['section']} comment ({key['period']})"
    if table == "development_objectives":
        return f"objective {key['objective_id']!r} of the {key['period']} plan"
    return f"the outcome of the {key['period']} review"


def _shown_values(table: str, rows: Sequence[Row]) -> str:
    def one(row: Row) -> str:
        return (
            ", ".join(
                f"{c} {comparable(row.get(c))!r}" for c in VALUE_COLUMNS[table] if comparable(row.get(c)) is not None
            )
            or "(empty)"
        )

    return " | ".join(one(r) for r in rows)


def _where(rows: Sequence[Row]) -> str:
    """Where rows of the pack came from: the form's cells, or typed into the pack."""
    places = []
    for row in rows:
        if comparable(row.get("source_file")) is None:
            places.append("typed into the pack")
        else:
            places.append(
                f"{row['source_file']}, sheet {row.get('source_sheet')!r}, {row.get('source_cells')}, "
                f"collected {row.get('collected_at')}"
            )
    return "; ".join(dict.fromkeys(places))


def _cells(rows: Sequence[Row]) -> str:
    return "; ".join(dict.fromkeys(f"sheet {r.get('source_sheet')!r}, {r.get('source_cells')}" for r in rows))


def match_condition(table: str, row: pd.Series) -> dict[str, object]:
    """The condition that finds a pack row again in a database (:data:`MATCH_COLUMNS`, the values
    as stored: a note's empty author role stays empty)."""
    return {c: (None if comparable(row[c]) is None else str(row[c])) for c in MATCH_COLUMNS[table] if c in row.index}
