"""``amreview forms``: the quarter's forms, one workbook per person and kind (:func:`write_forms`).

Files: ``<out>/<period>/forms/<stem>-<name>-<kind>.xlsx`` — ``<stem>`` the person's file stem
(:func:`amreview.filenames.file_stems` over every id in role in the quarter, as the reviews' own,
so a person's file name does not depend on who else is selected), ``<name>`` their name made
safe (:func:`amreview.filenames.slug`: ASCII letters, digits and ``-``), ``<kind>``
``self_assessment`` or ``manager_review``. Every form is computed before the first is written,
each is written atomically and owner-only (:mod:`amreview.files`); a form written again replaces
the old one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from amreview.cycle.form_content import FormContent, form_content
from amreview.cycle.model import FormKind
from amreview.cycle.workbook import write_form
from amreview.data.datapack import load_pack
from amreview.errors import OutputError
from amreview.filenames import file_stems, path_inside, slug
from amreview.files import writable_folder
from amreview.periods import Quarter
from amreview.scoring.config import load_config
from amreview.scoring.scorecard import Scorecard, build_scorecard, select_account_managers

FORMS_FOLDER = "forms"
FORM_SUFFIX = ".xlsx"
BOTH_KINDS = (FormKind.SELF_ASSESSMENT, FormKind.MANAGER_REVIEW)


@dataclass(frozen=True)
class WrittenForm:
    am_id: str
    name: str
    kind: FormKind
    path: Path


@dataclass(frozen=True)
class FormsWritten:
    """What :func:`write_forms` wrote: the quarter, the folder and each form."""

    period: Quarter
    folder: Path
    forms: tuple[WrittenForm, ...]

    def describe(self) -> str:
        """One line per form written, then a count."""
        lines = [f"{form.path}  ({form.kind.heading}, {form.am_id})" for form in self.forms]
        people = len({form.am_id for form in self.forms})
        lines.append(
            f"forms for {self.period}: {len(self.forms)} written for {people} account manager"
            f"{'s' if people != 1 else ''} to {self.folder}"
        )
        return "\n".join(lines)


def form_file_name(stem: str, name: str, kind: FormKind) -> str:
    """``<stem>-<name made safe>-<kind>.xlsx`` (module docstring); without the name when nothing
    of it is left once made safe."""
    person = slug(name)
    return f"{stem}-{person}-{kind.value}{FORM_SUFFIX}" if person else f"{stem}-{kind.value}{FORM_SUFFIX}"


def form_paths(
    card: Scorecard, folder: Path, am_ids: Iterable[str], kinds: Sequence[FormKind]
) -> dict[tuple[str, FormKind], Path]:
    """(am_id, kind) → the form's path in ``folder``; an :class:`~amreview.errors.OutputError`
    when two forms would share a file (names that differ only in case count as one)."""
    stems = file_stems(card.table["am_id"])
    names = card.people["name"]
    paths = {
        (am_id, kind): path_inside(folder, form_file_name(stems[am_id], str(names[am_id]), kind))
        for am_id in am_ids
        for kind in kinds
    }
    folded = Counter(p.name.lower() for p in paths.values())
    clashing = sorted({p.name for p in paths.values() if folded[p.name.lower()] > 1})
    if clashing:
        raise OutputError(
            f"two forms would be written to one file: {', '.join(clashing)}; nothing was written", str(folder)
        )
    return paths


def write_forms(
    data: str | Path,
    period: str | Quarter,
    out: str | Path = "reports",
    am_ids: Sequence[str] | None = None,
    managers: Sequence[str] | None = None,
    teams: Sequence[str] | None = None,
    config: str | Path | None = None,
    kinds: Sequence[FormKind | str] = BOTH_KINDS,
    made_on: dt.datetime | None = None,
) -> FormsWritten:
    """Write the ``kinds`` of form for the people selected (``am_ids``, ``managers``, ``teams``:
    as ``amreview run``; everyone in role when none is given) in ``period`` under
    ``<out>/<period>/forms/`` (module docstring). ``config`` is the scorecard config (TOML; the
    packaged default when None). A boundary: ``period`` as text is read on the config's fiscal
    year. A folder that cannot be written is refused before the pack is read; a refused pack or
    selection leaves no folder behind."""
    scorecard_config = load_config(config)
    quarter = Quarter.parse(period, scorecard_config.fiscal_year_start_month)
    chosen = tuple(dict.fromkeys(FormKind(k) for k in kinds))
    folder = Path(out) / str(quarter) / FORMS_FOLDER
    made = [f for f in (folder, *folder.parents) if not f.exists()]
    writable_folder(folder)
    try:
        pack = load_pack(data)
        card = build_scorecard(pack, quarter, scorecard_config)
        selected = list(select_account_managers(card.table, am_ids, managers, teams)["am_id"])
        paths = form_paths(card, folder, selected, chosen)
        contents: dict[tuple[str, FormKind], FormContent] = {
            key: form_content(pack, card, key[0], key[1]) for key in paths
        }
    except BaseException:
        for empty in made:  # folders this call made, left empty by a refusal
            with contextlib.suppress(OSError):
                empty.rmdir()
        raise
    made_on = made_on or dt.datetime.now(dt.UTC)
    written = tuple(
        WrittenForm(am_id, contents[(am_id, kind)].name, kind, write_form(contents[(am_id, kind)], path, made_on))
        for (am_id, kind), path in paths.items()
    )
    return FormsWritten(period=quarter, folder=folder, forms=written)
