"""Prepare once, render per person: one pass over the pack writes every review's input.

:func:`prepare_reviews` takes a validated pack and the quarter's scorecard and writes, for each
account manager, a *review input*: a folder holding everything their review needs and nothing
about anyone else —

    <folder>/reviews/<am_id>/
      input.json          format version, amreview version, am_id, period, the scorecard config
                          (and its fingerprint), the KPIs scored, facts about the whole pack
                          (source, fingerprint, row counts, sales dates, tables held, CRM fields
                          exported) and the anonymised team benchmark (team GM % per quarter,
                          hidden for groups of fewer than three), and the fingerprint of the
                          pack/ files as written: opening the input checks it instead of
                          validating the slice again (datapack.load_prepared_pack)
      pack/<table>.parquet   this person's slice: an ordinary data pack (``load_pack`` opens it):
                          their rows of every table; ``account_managers`` their own row;
                          ``accounts`` the accounts they own or appear on in any of their rows,
                          with no owner shown where a colleague owns it
      scorecard.parquet   their row of the quarter's scorecard (values, scores, measures,
                          overall, targets, people, table — percentiles included), one file
                          (:func:`scorecard_frame`)
      previous.parquet    their row of the previous quarter's (absent when the pack does not
                          cover it; no row when they were not in role then)
      derived/*.parquet      their share of the computations that need the whole pack
                          (:mod:`amreview.documents.pack_views`): new accounts, principal retention, the
                          accounts of their lines that colleagues own

and, per sales manager, a *team input* (``<folder>/teams/<manager>/``: ``input.json``,
``scorecard.parquet``, the scorecard rows of their direct reports, and ``outcomes.parquet``, where
each of their reviews stands: :func:`amreview.scoring.outcomes.review_status`) for the team
overview; and, when asked, the organisation's *calibration input*
(``<folder>/calibration/organisation/``: ``input.json`` and ``ratings.parquet``, one row per account
manager in role with only their manager, review status, computed and agreed rating, whether a
change has a reason, their overall score, their manager's mean competency rating and their
self − manager gap — no id, no name, no words) for the organisation's calibration page.

Folder names are file stems (:func:`amreview.filenames.file_stems`: the am_id or the manager
where it is a plain name, else a slug and a digest of it); :class:`PreparedInputs` maps each to
its folder.

Each table is split in one pass (a groupby), never filtered once per person; sales lines held
in place by DuckDB (:mod:`amreview.data.sales_file`) are read a batch of people at a time
(:class:`PackSplit`), never whole. Each input folder
is written to a temporary sibling and renamed into place: a run killed at any moment leaves
whole inputs or none. :mod:`amreview.batch.input_reading` opens them again
(:func:`amreview.batch.inputs.open_review`, :func:`amreview.batch.inputs.open_team`); their files
are :mod:`amreview.batch.input_files`'.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

import amreview
from amreview.batch.input_files import (
    CALIBRATION,
    CALIBRATION_COLUMNS,
    FORMAT_VERSION,
    INPUT_FILE,
    ORGANISATION,
    OUTCOMES_FILE,
    PACK_FILES_KEY,
    RATINGS_FILE,
    REVIEWS,
    SCORECARD_FILE,
    TEAMS,
    RowFiles,
    scorecard_frame,
)
from amreview.data.datapack import OWNER_TABLE, DataPack, folder_fingerprint
from amreview.documents.pack_views import PackFacts, WholeViews, whole_views
from amreview.documents.review import not_in_role, previous_scorecard
from amreview.errors import ParameterError
from amreview.filenames import file_stems, path_inside
from amreview.files import make_folder, output_error, restrict_tree
from amreview.frames import row_positions
from amreview.metrics.registry import Kpi
from amreview.periods import Quarter
from amreview.scoring.config import DEFAULT_CONFIG, ScorecardConfig, config_fingerprint, review_config
from amreview.scoring.outcomes import pack_review_status
from amreview.scoring.scorecard import Scorecard, quarter_scorecard


@dataclass(frozen=True)
class PreparedInputs:
    """Where :func:`prepare_reviews` wrote each input: ``am_id`` → review input folder,
    manager → team input folder, and the calibration input (``"organisation"`` → its folder)."""

    reviews: dict[str, Path]
    teams: dict[str, Path]
    calibration: dict[str, Path] = dataclasses.field(default_factory=dict)

    def folder_of(self, kind: str, subject: str) -> Path:
        """The input of a document of ``kind`` (``review``, ``team_overview``, ``calibration``)."""
        return {"review": self.reviews, "team_overview": self.teams, "calibration": self.calibration}[kind][subject]


# --------------------------------------------------------------------------------------------
# Preparing
# --------------------------------------------------------------------------------------------


def prepare_reviews(
    pack: DataPack,
    quarter: Quarter | str,
    config: ScorecardConfig,
    folder: Path,
    am_ids: Iterable[str],
    managers: Iterable[str] = (),
    card: Scorecard | None = None,
    calibration: bool = False,
    previous: Scorecard | None | Literal["compute"] = "compute",
) -> PreparedInputs:
    """Write a review input for each of ``am_ids``, a team input for each of ``managers`` and,
    with ``calibration``, the organisation's calibration input under ``folder`` (module
    docstring), from the validated ``pack``.

    ``card`` is the quarter's scorecard when the caller already has it (computed otherwise);
    it must be of ``quarter`` under ``config``; ``previous`` likewise the previous quarter's
    (:func:`~amreview.documents.review.previous_scorecard`, ``None`` where the pack does not cover
    that quarter), computed by default. An ``am_id`` not in role in the quarter is a
    :class:`~amreview.errors.DataError`, a manager without direct reports a
    :class:`~amreview.errors.ParameterError`, both raised before anything is written.
    """
    from amreview.documents.team import direct_reports

    config = review_config(config)
    quarter = Quarter.parse(quarter, config.fiscal_year_start_month)
    folder = Path(folder)
    am_ids = list(dict.fromkeys(str(a) for a in am_ids))
    managers = list(dict.fromkeys(str(m) for m in managers))
    card = quarter_scorecard(pack, quarter, config, card)
    for am_id in am_ids:
        if am_id not in card.values.index:
            raise not_in_role(pack, am_id, quarter)
    teams = {manager: direct_reports(card, manager) for manager in managers}
    if not (am_ids or teams or calibration):
        return PreparedInputs(reviews={}, teams={})
    card_rows = _card_rows(card)
    reviews = {}
    if am_ids:
        earlier = previous_scorecard(pack, quarter, config, card.kpis) if previous == "compute" else previous
        reviews = _write_reviews(pack, quarter, config, card, card_rows, earlier, folder, am_ids)
    # where each review stands: the team overviews' and the calibration page's (nobody's without them)
    status = pack_review_status(
        pack,
        quarter,
        card.overall["overall_rating"] if teams or calibration else card.overall["overall_rating"].iloc[0:0],
    )
    written_teams = _write_teams(pack, quarter, config, card, card_rows, status, folder, teams) if teams else {}
    written_calibration = (
        _write_calibration(pack, quarter, config, calibration_ratings(status, card), folder) if calibration else {}
    )
    return PreparedInputs(reviews=reviews, teams=written_teams, calibration=written_calibration)


def _write_reviews(
    pack: DataPack,
    quarter: Quarter,
    config: ScorecardConfig,
    card: Scorecard,
    card_rows: tuple[RowFiles, pd.Series],
    previous: Scorecard | None,
    folder: Path,
    am_ids: list[str],
) -> dict[str, Path]:
    """A review input for each of ``am_ids`` under ``folder/reviews``; ``previous``: the previous
    quarter's scorecard (None where the pack does not cover it)."""
    facts = PackFacts.of(pack)
    writer = _ReviewWriter(pack, quarter, config, card, card_rows, previous, facts, whole_views(pack, quarter), am_ids)
    stems = file_stems(am_ids)
    return _in_parallel(
        writer.write, am_ids, lambda am_id: path_inside(folder / REVIEWS, stems[am_id]), writer.split.batches(am_ids)
    )


def _write_teams(
    pack: DataPack,
    quarter: Quarter,
    config: ScorecardConfig,
    card: Scorecard,
    card_rows: tuple[RowFiles, pd.Series],
    status: pd.DataFrame,
    folder: Path,
    teams: dict[str, pd.Index],
) -> dict[str, Path]:
    """A team input for each manager of ``teams`` (manager → their direct reports) under ``folder/teams``."""
    rows, position = card_rows
    header = {"kpis": _registry(card.kpis), "pack": {"source": pack.source, "fingerprint": pack.fingerprint}}

    def write_team(tmp: Path, manager: str) -> None:
        rows.write(position[teams[manager]].to_numpy(), tmp / SCORECARD_FILE)
        status.loc[teams[manager]].to_parquet(tmp / OUTCOMES_FILE)
        data = {**_header("team", quarter, config), "manager": manager, **header}
        (tmp / INPUT_FILE).write_text(json.dumps(data, indent=1))

    team_stems = file_stems(teams)
    return _in_parallel(write_team, list(teams), lambda m: path_inside(folder / TEAMS, team_stems[m]))


def _write_calibration(
    pack: DataPack, quarter: Quarter, config: ScorecardConfig, ratings: pd.DataFrame, folder: Path
) -> dict[str, Path]:
    """The organisation's calibration input (:func:`calibration_ratings`) under ``folder/calibration``."""

    def write_calibration(tmp: Path, _: str) -> None:
        ratings.to_parquet(tmp / RATINGS_FILE, index=False)
        data = {
            **_header("calibration", quarter, config),
            "pack": {"source": pack.source, "fingerprint": pack.fingerprint},
        }
        (tmp / INPUT_FILE).write_text(json.dumps(data, indent=1))

    return _in_parallel(write_calibration, [ORGANISATION], lambda key: path_inside(folder / CALIBRATION, key))


def calibration_ratings(status: pd.DataFrame, card: Scorecard) -> pd.DataFrame:
    """The calibration input's rows (:data:`CALIBRATION_COLUMNS`): per person of ``status``
    (:func:`amreview.scoring.outcomes.review_status`) their manager, status, computed and agreed
    rating, whether a change has a reason, and what the rater effects rest on
    (:mod:`amreview.scoring.rater_effects`): their overall score, their manager's mean competency
    rating and their self − manager gap (``competency_manager_mean``,
    ``competency_self_manager_gap_mean``; NaN where the scorecard has none); in a fixed order that
    says nothing of who is who (by manager, then the ratings and figures)."""
    reason = status["change_reason"].map(lambda r: isinstance(r, str) and bool(r.strip()))

    def value(column: str) -> pd.Series:
        found = card.values[column] if column in card.values.columns else pd.Series(np.nan, index=card.values.index)
        return found.reindex(status.index).astype("float64")

    frame = pd.DataFrame(
        {
            "manager": card.people["manager"].reindex(status.index).astype(object),
            "review_status": status["review_status"],
            "computed_rating": status["computed_rating"],
            "agreed_rating": status["agreed_rating"],
            "reason_given": reason.astype(bool),
            "overall_score": card.overall["overall_score"].reindex(status.index).astype("float64"),
            "manager_rating": value("competency_manager_mean"),
            "self_manager_gap": value("competency_self_manager_gap_mean"),
        }
    )
    return frame.sort_values(CALIBRATION_COLUMNS, na_position="last", kind="stable").reset_index(drop=True)


WORKERS = 4  # threads writing inputs: Parquet encoding and file I/O release the GIL


def _in_parallel(
    write: Callable[[Path, str], None],
    keys: list[str],
    target_of: Callable[[str], Path],
    batches: Iterable[list[str]] | None = None,
) -> dict[str, Path]:
    """``write(tmp, key)`` for every key, each into its own input folder written atomically;
    ``batches`` of the keys one after the other when given (each ready only while it is written)."""
    targets = {key: target_of(key) for key in keys}
    if len(set(targets.values())) < len(targets):
        raise ParameterError(
            "two inputs would share a folder: "
            + ", ".join(repr(k) for k, t in targets.items() if list(targets.values()).count(t) > 1)
        )
    if targets:
        make_folder(next(iter(targets.values())).parent)

    def one(key: str) -> None:
        _write_atomically(targets[key], lambda tmp: write(tmp, key))

    with ThreadPoolExecutor(max_workers=min(WORKERS, max(1, len(keys)))) as pool:
        for batch in [keys] if batches is None else batches:
            for future in [pool.submit(one, key) for key in batch]:
                future.result()
    return targets


def _card_rows(card: Scorecard) -> tuple[RowFiles, pd.Series]:
    """A scorecard's rows converted once (:func:`scorecard_frame`), and each ``am_id``'s position."""
    positions = pd.Series(np.arange(len(card.values)), index=card.values.index)
    return RowFiles(scorecard_frame(card), keep_index=True), positions


class _ReviewWriter:
    """Writes review inputs: every frame converted once, each person's rows taken from it."""

    def __init__(
        self,
        pack: DataPack,
        quarter: Quarter,
        config: ScorecardConfig,
        card: Scorecard,
        card_rows: tuple[RowFiles, pd.Series],
        previous: Scorecard | None,
        facts: PackFacts,
        whole: WholeViews,
        am_ids: list[str],
    ):
        self.quarter, self.config, self.facts, self.whole = quarter, config, facts, whole
        self.split = PackSplit(pack, am_ids)
        self.split.convert()
        self.card_rows = {"scorecard": card_rows}
        if previous is not None:
            self.card_rows["previous"] = _card_rows(previous)
        self.derived = {name: RowFiles(getattr(whole, name), keep_index=False) for name in whole.FRAMES}
        self.header = {
            "kpis": _registry(card.kpis),
            "previous_kpis": None if previous is None else _registry(previous.kpis),
            "pack": facts.to_json(),
        }

    def write(self, tmp: Path, am_id: str) -> None:
        self.split.write(am_id, tmp / "pack")
        for name, (rows, position) in self.card_rows.items():
            mine = position.reindex([am_id]).dropna().astype("int64").to_numpy()
            rows.write(mine, tmp / f"{name}.parquet")
        derived = tmp / "derived"
        derived.mkdir()
        for name, rows in self.derived.items():
            rows.write(self.whole.rows_of(name, am_id), derived / f"{name}.parquet")
        views = self.whole.person(am_id)
        data = {
            **_header("review", self.quarter, self.config),
            "am_id": am_id,
            PACK_FILES_KEY: folder_fingerprint(tmp / "pack"),
            **self.header,
            "team_benchmark": {
                "team": views.team,
                "members": views.team_size,
                "shown": views.team_shown,
                "gm_pct": {q: None if pd.isna(v) else float(v) for q, v in views.team_gm_pct.items()},
            },
        }
        (tmp / INPUT_FILE).write_text(json.dumps(data, indent=1))


class PackSplit:
    """Every account manager's slice of a pack, from one groupby per table, written as a data
    pack of Parquet files (what :func:`amreview.data.datapack.write_pack` writes: one
    ``<table>.parquet`` per table, no index; each table converted to Arrow once).

    The rule is :func:`amreview.data.slicing.slice_tables`' (rows with the person's ``am_id``;
    ``accounts``: the accounts they own or appear on in any of their rows, with no owner shown
    where someone else owns it), computed for everyone at once.

    Sales lines held in place (:mod:`amreview.data.sales_file`) are never read whole: they are
    read for a batch of people at a time (:meth:`batches`, at most :data:`LINES_PER_BATCH`
    lines but for one person's own), in the pack's order of lines, and split as the whole
    table would be, so each slice is the same.
    """

    def __init__(self, pack: DataPack, am_ids: Iterable[str]):
        self.pack = pack
        self.lines_in_place = pack.sales_file is not None
        self.tables = {name: pack[name] for name in pack.tables if not (self.lines_in_place and name == "sales")}
        self.positions = {
            name: row_positions(frame["am_id"])
            for name, frame in self.tables.items()
            if name != OWNER_TABLE and "am_id" in frame.columns
        }
        if pack.has(OWNER_TABLE):
            self.accounts = self._account_positions(pack[OWNER_TABLE])
        self._arrow: dict[str, RowFiles] | None = None
        self._lines: tuple[set[str], RowFiles, dict] | None = None  # sales of a batch of people

    def convert(self) -> dict[str, RowFiles]:
        """Every table converted to Arrow, once (before :meth:`write` is called from threads)."""
        if self._arrow is None:
            self._arrow = {
                name: RowFiles(frame, keep_index=False, objects=False) for name, frame in self.tables.items()
            }
        return self._arrow

    def batches(self, am_ids: list[str]) -> Iterator[list[str]]:
        """``am_ids`` in batches, each held ready for :meth:`write` while it is written: one
        batch of everyone, or, for lines held in place, batches of consecutive people of at
        most :data:`LINES_PER_BATCH` lines (:func:`line_batches`) whose lines are read then."""
        if not self.lines_in_place:
            yield am_ids
            return
        summary = self.pack.sales_summary
        for people in line_batches(am_ids, summary.groupby("am_id", observed=True)["lines"].sum(), LINES_PER_BATCH):
            self._hold_lines(people)
            yield people
        self._lines = None

    def _hold_lines(self, people: list[str]) -> None:
        lines = self.pack.lines_of(people)
        self._lines = (set(people), RowFiles(lines, keep_index=False, objects=False), row_positions(lines["am_id"]))

    def _account_positions(self, accounts: pd.DataFrame) -> dict[str, np.ndarray]:
        """``am_id`` → positions in ``accounts`` of the accounts they own or appear on."""
        row_of = pd.Series(np.arange(len(accounts)), index=accounts["account_id"].to_numpy())
        pairs = [
            frame[["am_id", "account_id"]].drop_duplicates()
            for name, frame in self.tables.items()
            if name != OWNER_TABLE and {"am_id", "account_id"} <= set(frame.columns)
        ]  # slice_tables' rule
        if self.lines_in_place:  # the summary's pairs are the lines'
            pairs.append(self.pack.sales_summary[["am_id", "account_id"]].drop_duplicates())
        pairs.append(accounts.loc[accounts["am_id"].notna(), ["am_id", "account_id"]])
        linked = pd.concat(pairs, ignore_index=True).dropna().drop_duplicates()
        linked = linked.assign(row=linked["account_id"].map(row_of)).dropna(subset=["row"])
        return {
            am: np.sort(rows.astype("int64").to_numpy())
            for am, rows in linked.groupby("am_id", sort=False, observed=True)["row"]
        }

    def rows_of(self, name: str, am_id: str) -> np.ndarray | None:
        """Positions of ``am_id``'s rows of table ``name`` (None: a table kept whole)."""
        if name == OWNER_TABLE:
            return self.accounts.get(am_id, np.empty(0, dtype="int64"))
        if name in self.positions:
            return self.positions[name].get(am_id, np.empty(0, dtype="int64"))
        return None

    def write(self, am_id: str, folder: Path) -> None:
        """``am_id``'s slice as a pack folder of Parquet files."""
        arrow = self.convert()
        folder.mkdir(parents=True)
        for name in self.pack.tables:
            if name == "sales" and self.lines_in_place:
                if self._lines is None or am_id not in self._lines[0]:
                    self._hold_lines([am_id])  # outside a batch (one person's slice)
                assert self._lines is not None
                _, lines, positions = self._lines
                lines.write(positions.get(am_id, np.empty(0, dtype="int64")), folder / "sales.parquet")
                continue
            rows = self.rows_of(name, am_id)
            rows = np.arange(len(self.tables[name])) if rows is None else rows
            transform = _without_foreign_owner(am_id) if name == OWNER_TABLE else None
            arrow[name].write(rows, folder / f"{name}.parquet", transform)


LINES_PER_BATCH = 2_000_000  # sales lines held at once when they are read in place (~0.5 GB)


def line_batches(am_ids: list[str], lines: pd.Series, limit: int) -> Iterator[list[str]]:
    """``am_ids`` cut, in their order, into batches of consecutive people whose lines
    (``lines``: ``am_id`` → their number of lines; missing: none) add up to at most ``limit``;
    one person with more lines than ``limit`` is a batch of their own."""
    batch: list[str] = []
    held = 0
    for am_id in am_ids:
        count = int(lines.get(am_id, 0))
        if batch and held + count > limit:
            yield batch
            batch, held = [], 0
        batch.append(am_id)
        held += count
    if batch:
        yield batch


def _without_foreign_owner(am_id: str) -> Callable[[pa.Table], pa.Table]:
    def transform(accounts: pa.Table) -> pa.Table:
        owner = accounts.column("am_id")
        if pa.types.is_null(owner.type):  # no account has an owner: nothing to hide
            return accounts
        own = pc.fill_null(pc.equal(owner, pa.scalar(am_id, owner.type)), False)
        shown = pc.if_else(own, owner, pa.nulls(len(owner), owner.type))
        return accounts.set_column(accounts.schema.get_field_index("am_id"), accounts.schema.field("am_id"), shown)

    return transform


def _write_atomically(target: Path, write: Callable[[Path], None]) -> None:
    """``write(tmp)`` into a temporary sibling of ``target``, then rename it into place
    (replacing an existing ``target`` whole). Leftovers of a killed earlier run are removed.
    Files and folders get the modes of :mod:`amreview.files` (owner-only by default); an
    ``OSError`` (a read-only folder, a full disk) is an :class:`~amreview.errors.OutputError`."""
    parent = make_folder(target.parent)
    # "~": no file stem has it after its own name, so one input's sweep never takes another's
    # folder in the making ("J" and "J.Smith", with "." the old separator, did)
    for stale in [*parent.glob(f".{target.name}~tmp-*"), *parent.glob(f".{target.name}~old-*")]:
        shutil.rmtree(stale, ignore_errors=True)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}~tmp-", dir=parent))
    except OSError as exc:
        raise output_error(exc, target, folder=True) from exc
    try:
        write(tmp)
        restrict_tree(tmp)
        if target.exists():
            old = parent / f".{target.name}~old-{uuid.uuid4().hex[:8]}"
            os.rename(target, old)
            os.rename(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, target)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise output_error(exc, target, folder=True) from exc
        raise


def _header(kind: str, period: Quarter, config: ScorecardConfig) -> dict:
    return {
        "format": FORMAT_VERSION,
        "kind": kind,
        "amreview_version": amreview.__version__,
        "period": str(period),
        "config_fingerprint": config_fingerprint(config),
        "config_is_default": config.source in ("", str(DEFAULT_CONFIG)),
        "config": config.model_dump(mode="json"),
    }


def _registry(kpis: dict[str, Kpi]) -> dict[str, list[str]]:
    return {name: list(kpi.windows) for name, kpi in kpis.items()}
