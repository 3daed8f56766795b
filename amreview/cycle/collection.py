"""What ``amreview collect`` found: who returned which form, what each added, what is missing,
what conflicts with input already in the pack, and what was wrong with a form.

A :class:`Collection` is made by :func:`amreview.cycle.collect.collect_forms` and written by
:func:`amreview.cycle.collected_pack.write_collected_pack`. It is about a whole organisation (the
sales-operations analyst who collects the forms sees everyone): it is no review document, and
never goes into one. Its text (:meth:`Collection.summary`, ``str``) is for the command line; its
HTML (``_repr_html_``) for JupyterLab, every value escaped (a name may hold ``<script>``).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import pandas as pd

from amreview.cycle.model import FormKind, FormProblem
from amreview.errors import shown
from amreview.periods import Quarter

ROW_TABLES = ("competency_ratings", "review_notes", "development_objectives", "review_outcomes")


class FormStatus(StrEnum):
    """What became of one returned file."""

    COLLECTED = "collected"  # its rows were added (or replaced earlier ones, with ``replace``)
    UNCHANGED = "already collected"  # everything on it is in the pack already: nothing to add
    EMPTY = "empty"  # returned with nothing typed on it
    CONFLICT = "conflicts"  # it would change input already in the pack: reported, not applied
    ERROR = "errors"  # it cannot be collected: its problems say why; nothing of it was added


NOT_COLLECTED = (FormStatus.CONFLICT, FormStatus.ERROR)


@dataclass(frozen=True)
class Conflict:
    """Input already in the pack that a form would change: ``what`` (the value: a competency
    rating, a comment on a section, an objective, the outcome), ``where`` the value in the pack
    came from, its ``old`` and ``new`` value and where the new one was typed (``new_where``).
    ``replaced``: the new value was applied and the old one removed (``replace=True``)."""

    am_id: str
    kind: FormKind
    file: Path
    table: str
    what: str
    where: str
    old: str
    new: str
    new_where: str
    replaced: bool = False

    def __str__(self) -> str:
        verb = "replaced" if self.replaced else "kept; the form's value was not applied"
        return (
            f"{self.file.name}: {self.what} of {self.am_id}: the pack holds {shown(self.old, 80)} "
            f"({self.where}), the form {shown(self.new, 80)} ({self.new_where}): {verb}"
        )


@dataclass(frozen=True)
class ReceivedForm:
    """One file of the forms folder and what became of it. ``am_id`` and ``kind`` are the form's
    own (``None`` when it could not be read); ``rows_added`` per table; ``same_as``: the name of
    an identical file (same SHA-256) collected in its place."""

    file: Path
    status: FormStatus
    am_id: str | None = None
    kind: FormKind | None = None
    sha256: str | None = None
    rows_added: tuple[tuple[str, int], ...] = ()
    problems: tuple[FormProblem, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    same_as: str | None = None

    @property
    def added(self) -> int:
        return sum(n for _, n in self.rows_added)


@dataclass(frozen=True, eq=False)
class Collection:
    """The outcome of collecting one folder of returned forms for one quarter (module docstring).

    ``people``: (am_id, name) of everyone in role in the quarter (who should return forms);
    ``forms``: every ``.xlsx`` (or refused) file, in name order; ``ignored``: the other files,
    with why; ``in_pack``: (am_id, kind) whose input was in the pack before (typed by hand or
    collected earlier). ``added`` (new rows per table, typed as the contract's columns) and
    ``removed`` (positions of the pack's rows replaced, per table, and for a database the
    condition that finds each) are what :func:`~amreview.cycle.collected_pack.write_collected_pack`
    writes.
    """

    period: Quarter
    forms_dir: Path
    pack_source: str
    pack_fingerprint: str
    people: tuple[tuple[str, str], ...]
    forms: tuple[ReceivedForm, ...]
    ignored: tuple[tuple[str, str], ...] = ()
    in_pack: frozenset[tuple[str, FormKind]] = frozenset()
    replace: bool = False
    added: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    removed: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    removed_where: Mapping[str, tuple[Mapping[str, object], ...]] = field(default_factory=dict)

    @property
    def missing(self) -> tuple[tuple[str, FormKind], ...]:
        """(am_id, kind) of everyone in scope with no form of that kind in the folder and none
        collected before: the forms still to come."""
        returned = {(f.am_id, f.kind) for f in self.forms if f.am_id is not None}
        return tuple(
            (am_id, kind)
            for am_id, _ in self.people
            for kind in FormKind
            if (am_id, kind) not in returned and (am_id, kind) not in self.in_pack
        )

    @property
    def conflicts(self) -> tuple[Conflict, ...]:
        return tuple(c for f in self.forms for c in f.conflicts)

    @property
    def problems(self) -> tuple[FormProblem, ...]:
        return tuple(p for f in self.forms for p in f.problems)

    @property
    def all_collected(self) -> bool:
        """No form in error, none left out for conflicts (missing forms are not errors)."""
        return not any(f.status in NOT_COLLECTED for f in self.forms)

    def rows_added(self) -> dict[str, int]:
        return {t: len(self.added[t]) for t in ROW_TABLES if t in self.added and len(self.added[t])}

    def summary(self) -> str:
        """What was collected, in words (what ``amreview collect`` prints)."""
        names = dict(self.people)
        counts = {s: sum(f.status == s for f in self.forms) for s in FormStatus}
        lines = [
            f"{self.period}: {len(self.forms)} form{'s' if len(self.forms) != 1 else ''} in "
            f"{self.forms_dir}: " + ", ".join(f"{n} {s.value}" for s, n in counts.items() if n)
            if self.forms
            else f"{self.period}: no form in {self.forms_dir}"
        ]
        added = self.rows_added()
        lines.append("  rows added: " + (", ".join(f"{t} {n}" for t, n in added.items()) or "none"))
        replaced = sum(len(v) for v in self.removed.values())
        if replaced:
            lines.append(f"  rows replaced: {replaced} (--replace)")
        for form in self.forms:
            if form.status in (FormStatus.COLLECTED, FormStatus.UNCHANGED, FormStatus.EMPTY):
                same = f" (same file as {form.same_as})" if form.same_as else ""
                rows = f": {form.added} row{'s' if form.added != 1 else ''} added" if form.added else ""
                lines.append(
                    f"  {form.status.value}: {_who(form.am_id, names)}, {_kind(form.kind)} "
                    f"from {form.file.name}{same}{rows}"
                )
        lines += _missing_lines(self.missing, names)
        lines += [f"  conflict: {c}" for c in self.conflicts]
        for form in self.forms:
            if form.status is FormStatus.ERROR:
                lines.append(
                    f"  not collected: {form.file.name} ({len(form.problems)} problem"
                    f"{'s' if len(form.problems) != 1 else ''}; nothing of it was added):"
                )
                lines += [f"    - {p}" for p in form.problems]
        lines += [f"  ignored: {name}: {why}" for name, why in self.ignored]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        collected = sum(f.status is FormStatus.COLLECTED for f in self.forms)
        return (
            f"<Collection {self.period}: {len(self.forms)} forms, {collected} collected, "
            f"{len(self.missing)} missing, {len(self.conflicts)} conflicts, "
            f"{sum(f.status is FormStatus.ERROR for f in self.forms)} with errors>"
        )

    def _repr_html_(self) -> str:
        return collection_html(self)


def _who(am_id: str | None, names: Mapping[str, str]) -> str:
    return "unknown" if am_id is None else f"{names.get(am_id, am_id)} ({am_id})"


def _kind(kind: FormKind | None) -> str:
    return "unknown form" if kind is None else kind.heading.lower()


def _missing_lines(missing: tuple[tuple[str, FormKind], ...], names: Mapping[str, str]) -> list[str]:
    lines = []
    for kind in FormKind:
        who = [_who(a, names) for a, k in missing if k is kind]
        if who:
            lines.append(f"  missing {kind.heading.lower()} ({len(who)}): " + ", ".join(who))
    return lines


# --------------------------------------------------------------------------------------------
# HTML (JupyterLab)
# --------------------------------------------------------------------------------------------

CELL_CLASSES = {
    FormStatus.COLLECTED: "returned",
    FormStatus.UNCHANGED: "returned",
    FormStatus.EMPTY: "empty",
    FormStatus.CONFLICT: "conflict",
    FormStatus.ERROR: "error",
}
STYLE = (
    "<style>.amr-collection td.returned{background:#e6f4ea}.amr-collection td.missing{background:#fce8e6}"
    ".amr-collection td.error,.amr-collection td.conflict{background:#fef7e0}"
    ".amr-collection td,.amr-collection th{padding:2px 8px;text-align:left}</style>"
)


def collection_html(collection: Collection) -> str:
    """The collection as HTML: a table of people × forms (returned, in the pack already,
    missing, empty, conflicts, errors), then the conflicts, the problems and the files ignored.
    Every value from a form or the pack is escaped."""
    esc = html.escape
    names = dict(collection.people)
    parts = [
        STYLE,
        f"<div class='amr-collection'><h3>Forms collected for {esc(str(collection.period))}</h3>",
        f"<p>{esc(collection.summary().splitlines()[0])}</p>",
        _people_table(collection, names),
    ]
    if collection.conflicts:
        parts.append("<h4>Conflicts with input already in the pack</h4><ul>")
        parts += [f"<li>{esc(str(c))}</li>" for c in collection.conflicts]
        parts.append("</ul>")
    errors = [f for f in collection.forms if f.status is FormStatus.ERROR]
    if errors:
        parts.append("<h4>Forms not collected (nothing of them was added)</h4><ul>")
        for form in errors:
            items = "".join(f"<li>{esc(str(p))}</li>" for p in form.problems)
            parts.append(f"<li>{esc(form.file.name)}<ul>{items}</ul></li>")
        parts.append("</ul>")
    if collection.ignored:
        parts.append("<h4>Files ignored</h4><ul>")
        parts += [f"<li>{esc(name)}: {esc(why)}</li>" for name, why in collection.ignored]
        parts.append("</ul>")
    parts.append("</div>")
    return "".join(parts)


def _people_table(collection: Collection, names: Mapping[str, str]) -> str:
    esc = html.escape
    by_person: dict[tuple[str | None, FormKind | None], list[ReceivedForm]] = {}
    for form in collection.forms:
        by_person.setdefault((form.am_id, form.kind), []).append(form)
    rows = [
        "<table><thead><tr><th>Account manager</th>"
        + "".join(f"<th>{esc(k.heading)}</th>" for k in FormKind)
        + "</tr></thead><tbody>"
    ]
    for am_id, name in collection.people:
        cells = []
        for kind in FormKind:
            forms = by_person.get((am_id, kind), [])
            if forms:
                text = "; ".join(f"{f.status.value}: {f.file.name}" for f in forms)
                css = CELL_CLASSES[max((f.status for f in forms), key=list(FormStatus).index)]
            elif (am_id, kind) in collection.in_pack:
                text, css = "in the pack already", "returned"
            else:
                text, css = "missing", "missing"
            cells.append(f"<td class='{css}'>{esc(text)}</td>")
        rows.append(f"<tr><td>{esc(name)} ({esc(am_id)})</td>{''.join(cells)}</tr>")
    rows.append("</tbody></table>")
    return "".join(rows)
