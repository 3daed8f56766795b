"""``amreview collect``: the returned forms of a folder → the rows they add to the pack.

:func:`collect_forms` reads every ``.xlsx`` in the folder with a *reader*, ``reader(path, config)``
(by default :func:`amreview.cycle.read_form.read_form`, which checks every field and raises a
:class:`~amreview.cycle.model.FormError` listing every problem), and for each form, in turn:

1. its identity: an account manager of the pack, in role in the quarter asked; that quarter; the
   layout's version; and the fingerprint of the figures it shows, which must be the one computed
   now from the pack (a form made from figures that have since changed is refused: what it asked
   people to judge is no longer what the review shows);
2. one form of each kind per person: two *different* returned forms of one kind for one person
   are both refused, each naming the other (an identical copy is collected once);
3. its content (:func:`amreview.cycle.form_rows.content_problems`: rating scale, competencies,
   sections, due dates in the next quarter, the agreed rating a label of the config, a change of
   rating with its reason) and its rows against the contract's schemas;
4. its rows against the pack (:mod:`amreview.cycle.slots`): new ones are added, ones there
   already change nothing, ones that would change input already in the pack are conflicts —
   the form is then not applied, unless ``replace=True``.

A form with any problem contributes nothing and is listed with its problems; the others are
collected. Files of the folder that are not forms are reported: ``.xls``, ``.ods``, ``.csv``
(and ``.xlsm``/``.xlsb``) are refused as forms in error, with how to save them as ``.xlsx``;
lock files, hidden files, folders and anything else are listed as ignored.

The result is a :class:`~amreview.cycle.collection.Collection`; nothing is written here
(:func:`amreview.cycle.collected_pack.write_collected_pack` writes it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from collections.abc import Collection as Items
from pathlib import Path

import pandas as pd

from amreview.cycle.collection import ROW_TABLES, Collection, FormStatus, ReceivedForm
from amreview.cycle.form_rows import content_problems, form_rows
from amreview.cycle.model import FORM_VERSION, FormError, FormKind, FormProblem, ReturnedForm
from amreview.cycle.slots import Merge, Row, match_condition, merge_form, note_roles, same_form_family
from amreview.data.datapack import DataPack, validate_tables
from amreview.data.schemas import columns_of, kinds_of
from amreview.errors import ArgumentError, DataError
from amreview.periods import Quarter
from amreview.scoring.config import ScorecardConfig
from amreview.scoring.scorecard import Scorecard, quarter_scorecard

Reader = Callable[[Path, ScorecardConfig], ReturnedForm]
Fingerprint = Callable[[DataPack, str, Quarter, FormKind], str]

FORM_SUFFIX = ".xlsx"
SAVE_AS_XLSX = (
    "an .xlsx workbook, as the form was sent (Excel: File › Save As › Excel Workbook (*.xlsx); "
    "LibreOffice Calc: File › Save As › Excel 2007-365 (.xlsx))"
)
REFUSED_SUFFIXES = {
    ".xls": "an Excel 97-2003 workbook (.xls)",
    ".ods": "an OpenDocument spreadsheet (.ods)",
    ".csv": "a CSV file (.csv)",
    ".xlsm": "a workbook with macros (.xlsm)",
    ".xlsb": "a binary Excel workbook (.xlsb)",
}


def read_returned_form(path: Path, config: ScorecardConfig) -> ReturnedForm:
    """The default reader: :func:`amreview.cycle.read_form.read_form`, imported when first used."""
    from amreview.cycle.read_form import read_form

    return read_form(path, config)


def fingerprint_from(card: Scorecard) -> Fingerprint:
    """The default fingerprint: that of the figures a form of ``kind`` shows when made now from
    the pack and the quarter's scorecard ``card`` (:func:`amreview.cycle.form_content.form_content`,
    imported when first used)."""

    def now(pack: DataPack, am_id: str, quarter: Quarter, kind: FormKind) -> str:
        from amreview.cycle.form_content import form_content

        return form_content(pack, card, am_id, kind).figures_fingerprint

    return now


def collect_forms(
    pack: DataPack,
    period: Quarter | str,
    forms_dir: str | Path,
    config: ScorecardConfig,
    *,
    replace: bool = False,
    reader: Reader | None = None,
    fingerprint_of: Fingerprint | None = None,
    card: Scorecard | None = None,
) -> Collection:
    """Collect the returned forms in ``forms_dir`` for ``period`` into rows for ``pack`` (module
    docstring). A boundary: ``period`` as text is read on the config's fiscal year.

    ``card`` is the quarter's scorecard of ``pack`` when the caller already has it (computed
    otherwise); it must be of ``period`` under ``config``."""
    quarter = Quarter.parse(period, config.fiscal_year_start_month)
    folder = Path(forms_dir)
    if not folder.is_dir():
        raise ArgumentError(
            f"the forms folder {folder}: expected a folder holding the returned .xlsx forms, found none"
        )
    card = quarter_scorecard(pack, quarter, config, card)
    reader = reader or read_returned_form
    fingerprint_of = fingerprint_of or fingerprint_from(card)
    people = tuple((str(a), str(n)) for a, n in card.people["name"].items())
    computed = {str(a): None if pd.isna(r) else str(r) for a, r in card.overall["overall_rating"].items()}
    candidates, ignored = forms_in(folder)
    received, readable = read_forms(candidates, lambda path: reader(path, config))
    in_role = {a for a, _ in people}
    checked = []
    for form in readable:
        problems = identity_problems(form, quarter, pack, in_role, fingerprint_of)
        if problems:
            wrong_form = form.identity.am_id not in in_role or str(form.identity.period) != str(quarter)
            received.append(_refused(form, problems, anonymous=wrong_form))
        else:
            checked.append(form)
    unique, duplicates = one_per_person(checked, dict(people))
    received += duplicates
    labels = [r.label for r in config.ratings]
    typed: list[tuple[ReturnedForm, Mapping[str, Sequence[Row]]]] = []
    for form in unique:
        refusal, rows = _checked_rows(pack, form, quarter, labels, computed.get(form.identity.am_id))
        if refusal is None:
            typed.append((form, rows))
        else:
            received.append(refusal)
    schema_problems = row_problems(typed)
    merges: list[Merge] = []
    for form, rows in typed:
        if form.path in schema_problems:
            received.append(_refused(form, schema_problems[form.path]))
            continue
        outcome, merge = _merged(pack, form, rows, quarter, replace)
        received.append(outcome)
        if merge is not None:
            merges.append(merge)
    added, removed = _changes(merges)
    return Collection(
        period=quarter,
        forms_dir=folder,
        pack_source=pack.source,
        pack_fingerprint=pack.fingerprint,
        people=people,
        forms=tuple(sorted(received, key=lambda f: (f.file.name, f.same_as or ""))),
        ignored=tuple(ignored),
        in_pack=input_in_pack(pack, quarter, in_role),
        replace=replace,
        added=added,
        removed={t: tuple(p) for t, p in removed.items()},
        removed_where={t: tuple(match_condition(t, pack[t].loc[i]) for i in p) for t, p in removed.items()},
    )


def forms_in(folder: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """The files of ``folder`` that are (or are refused as) forms, in name order, and the others
    with why they are ignored."""
    forms, ignored = [], []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        suffix = path.suffix.lower()
        if path.is_dir():
            ignored.append((path.name, "a folder (only the files directly in the forms folder are read)"))
        elif path.name.startswith("~$"):
            ignored.append((path.name, "Excel's lock file of a workbook that is open: close the workbook"))
        elif path.name.startswith(".~lock."):
            ignored.append((path.name, "LibreOffice's lock file of a workbook that is open: close the workbook"))
        elif path.name.startswith("."):
            ignored.append((path.name, "a hidden file"))
        elif suffix == FORM_SUFFIX or suffix in REFUSED_SUFFIXES:
            forms.append(path)
        else:
            ignored.append((path.name, "not a form (forms are .xlsx workbooks)"))
    return forms, ignored


def read_forms(
    paths: list[Path], reader: Callable[[Path], ReturnedForm]
) -> tuple[list[ReceivedForm], list[ReturnedForm]]:
    """Each path read with ``reader``: the files refused (another format, a :class:`FormError`)
    and the forms read."""
    refused, forms = [], []
    for path in paths:
        suffix = path.suffix.lower()
        if suffix != FORM_SUFFIX:
            problem = FormProblem(path, None, None, SAVE_AS_XLSX, REFUSED_SUFFIXES[suffix])
            refused.append(ReceivedForm(path, FormStatus.ERROR, problems=(problem,)))
            continue
        try:
            forms.append(reader(path))
        except FormError as exc:
            problems = tuple(exc.problems) or (FormProblem(path, None, None, "a form amreview can read", str(exc)),)
            refused.append(ReceivedForm(path, FormStatus.ERROR, problems=problems))
    return refused, forms


def identity_problems(
    form: ReturnedForm, quarter: Quarter, pack: DataPack, in_role: Items[str], fingerprint_of: Fingerprint
) -> list[FormProblem]:
    """What is wrong with what ``form`` says it was made from (module docstring, 1)."""
    identity, path = form.identity, form.path
    problems = []
    if identity.form_version != FORM_VERSION:
        problems.append(
            FormProblem(
                path,
                None,
                None,
                f"a form of layout version {FORM_VERSION} (make it again)",
                f"version {identity.form_version}",
            )
        )
    if identity.am_id not in set(pack.account_managers["am_id"]):
        problems.append(
            FormProblem(
                path, None, None, "a form for an account manager of the pack", f"a form for am_id {identity.am_id}"
            )
        )
    elif identity.am_id not in in_role:
        problems.append(
            FormProblem(
                path,
                None,
                None,
                f"a form for an account manager in role in {quarter}",
                f"a form for {identity.am_id}, who is not",
            )
        )
    if str(identity.period) != str(quarter):  # on the config's fiscal calendar, whatever the reader parsed with
        problems.append(FormProblem(path, None, None, f"a form for {quarter}", f"a form for {identity.period}"))
    if problems:
        return problems
    now = fingerprint_of(pack, identity.am_id, quarter, identity.kind)
    if identity.figures_fingerprint != now:
        problems.append(
            FormProblem(
                path,
                None,
                None,
                f"a form made from the figures the pack gives now (fingerprint {now[:12]}…): the "
                "pack has changed since the form was made; make the form again and copy what was typed into it",
                f"fingerprint {identity.figures_fingerprint[:12]}…",
            )
        )
    return problems


def one_per_person(
    forms: list[ReturnedForm], names: Mapping[str, str]
) -> tuple[list[ReturnedForm], list[ReceivedForm]]:
    """The forms to collect, one per person and kind, and the others: identical copies (same
    SHA-256) are collected once; two different forms of one kind for one person are both refused."""
    groups: dict[tuple[str, FormKind], list[ReturnedForm]] = {}
    for form in sorted(forms, key=lambda f: f.path.name):
        groups.setdefault((form.identity.am_id, form.identity.kind), []).append(form)
    unique: list[ReturnedForm] = []
    others: list[ReceivedForm] = []
    for (am_id, kind), group in groups.items():
        first: dict[str, ReturnedForm] = {}
        for form in group:
            first.setdefault(form.sha256, form)
        if len(first) == 1:
            unique.append(group[0])
            others += [
                ReceivedForm(f.path, FormStatus.UNCHANGED, am_id, kind, f.sha256, same_as=group[0].path.name)
                for f in group[1:]
            ]
            continue
        for form in group:
            rest = ", ".join(f.path.name for f in group if f.sha256 != form.sha256)
            problem = FormProblem(
                form.path,
                None,
                None,
                f"one {kind.heading.lower()} of {names.get(am_id, am_id)} ({am_id}) in the folder",
                f"another, different one: {rest} (keep the right one, remove the other)",
            )
            others.append(_refused(form, [problem]))
    return unique, others


def _refused(form: ReturnedForm, problems: list[FormProblem], anonymous: bool = False) -> ReceivedForm:
    """A form in error; ``anonymous`` when it is not one of this collection's (another person or
    quarter), so it does not stand for that person's form."""
    identity = form.identity
    return ReceivedForm(
        form.path,
        FormStatus.ERROR,
        None if anonymous else identity.am_id,
        None if anonymous else identity.kind,
        form.sha256,
        problems=tuple(problems),
    )


def _checked_rows(
    pack: DataPack, form: ReturnedForm, quarter: Quarter, labels: list[str], computed: str | None
) -> tuple[ReceivedForm | None, Mapping[str, Sequence[Row]]]:
    """A form whose identity is good: its rows, or why it is not collected (empty, or a field that
    cannot become a row)."""
    identity = form.identity
    if form.is_empty:
        return ReceivedForm(form.path, FormStatus.EMPTY, identity.am_id, identity.kind, form.sha256), {}
    objectives = pack["development_objectives"] if pack.has("development_objectives") else None
    ids = set() if objectives is None else set(objectives.loc[objectives["am_id"] == identity.am_id, "objective_id"])
    problems = content_problems(form, quarter, labels, computed, ids)
    if problems:
        return _refused(form, problems), {}
    return None, form_rows(form, quarter, computed)


def _merged(
    pack: DataPack, form: ReturnedForm, rows: Mapping[str, Sequence[Row]], quarter: Quarter, replace: bool
) -> tuple[ReceivedForm, Merge | None]:
    """What becomes of a form's valid rows against the pack; its merge when it is applied."""
    identity = form.identity
    merge = merge_form(pack, form, rows, quarter, replace)
    if merge.conflicts and not replace:
        return ReceivedForm(
            form.path, FormStatus.CONFLICT, identity.am_id, identity.kind, form.sha256, conflicts=tuple(merge.conflicts)
        ), None
    status = FormStatus.COLLECTED if merge.added or merge.removed else FormStatus.UNCHANGED
    counts = tuple((t, len(merge.added[t])) for t in ROW_TABLES if merge.added.get(t))
    return ReceivedForm(
        form.path,
        status,
        identity.am_id,
        identity.kind,
        form.sha256,
        rows_added=counts,
        conflicts=tuple(merge.conflicts),
    ), merge


def row_problems(forms: Sequence[tuple[ReturnedForm, Mapping[str, Sequence[Row]]]]) -> dict[Path, list[FormProblem]]:
    """Every form's rows against the contract's schemas, all in one validation (a guard behind
    the checks of their fields): the problems per form, each naming the cell its row was typed in
    (a problem with a whole table: every form with rows in it)."""
    rows: dict[str, list[tuple[Path, Row]]] = {}
    for form, tables in forms:
        for table, typed in tables.items():
            rows.setdefault(table, []).extend((form.path, r) for r in typed)
    frames = {t: typed_frame(t, [r for _, r in located]) for t, located in rows.items()}
    try:
        validate_tables(dict(frames), first_rows=dict.fromkeys(frames, 0))
    except DataError as exc:
        problems: dict[Path, list[FormProblem]] = {}
        for p in exc.problems[exc.problems["check"] != "table_present"].to_dict("records"):
            whole_table = pd.isna(p["row"])
            for path, row in rows[p["table"]] if whole_table else [rows[p["table"]][int(p["row"])]]:
                problem = FormProblem(
                    path,
                    None if whole_table else _text_or_none(row.get("source_sheet")),
                    None if whole_table else _text_or_none(row.get("source_cells")),
                    f"{p['table']}.{p['column']}: {p['expected']}",
                    str(p["found"]),
                )
                if problem not in problems.setdefault(path, []):
                    problems[path].append(problem)
        return problems
    return {}


def _text_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def typed_frame(table: str, rows: Sequence[Row]) -> pd.DataFrame:
    """``rows`` as a frame of ``table``'s contract columns, typed as the contract's kinds."""
    frame = pd.DataFrame(rows, columns=columns_of(table))
    for column, kind in kinds_of(table).items():
        if kind == "date":
            frame[column] = pd.to_datetime(frame[column])
        elif kind == "number":
            frame[column] = frame[column].astype("float64")
        else:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def _changes(merges: list[Merge]) -> tuple[dict[str, pd.DataFrame], dict[str, list[int]]]:
    """Every form's rows to add (typed frames) and pack rows to remove, per table."""
    added = {t: typed_frame(t, [r for m in merges for r in m.added.get(t, ())]) for t in ROW_TABLES}
    removed = {t: sorted({i for m in merges for i in m.removed.get(t, ())}) for t in ROW_TABLES}
    return {t: f for t, f in added.items() if len(f)}, {t: p for t, p in removed.items() if p}


def input_in_pack(pack: DataPack, quarter: Quarter, am_ids: Items[str]) -> frozenset[tuple[str, FormKind]]:
    """(am_id, kind) of the people of ``am_ids`` whose input of that kind for ``quarter`` the pack
    holds already (typed by hand or collected earlier)."""
    found: set[tuple[str, FormKind]] = set()
    for table in ROW_TABLES:
        if not pack.has(table):
            continue
        rows = pack[table]
        rows = rows[rows["am_id"].isin(list(am_ids))]
        if table == "review_notes":
            rows = rows.assign(author_role=note_roles(rows))
        for kind in FormKind:
            mine = rows[same_form_family(table, rows, kind, quarter).to_numpy(dtype=bool)]
            found |= {(str(a), kind) for a in mine["am_id"]}
    return frozenset(found)
