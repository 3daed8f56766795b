"""Opening a prepared input: a review, a team or the organisation's calibration input, checked.

Each reader checks the input is what the caller asks for (the person or manager, the period, the
scorecard config by fingerprint) and that this amreview reads its format, before opening it.
The inputs are written by :func:`amreview.batch.prepare.prepare_reviews`; their files are
:mod:`amreview.batch.input_files`'.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

import amreview
from amreview.batch.input_files import (
    FORMAT_VERSION,
    INPUT_FILE,
    OUTCOMES_FILE,
    PACK_FILES_KEY,
    PREVIOUS_FILE,
    RATINGS_FILE,
    SCORECARD_FILE,
    read_frame,
    read_scorecard,
)
from amreview.data.datapack import load_pack, load_prepared_pack
from amreview.documents.pack_views import PackFacts, PersonViews
from amreview.documents.review import Review
from amreview.errors import ParameterError
from amreview.metrics.catalogue import all_kpis
from amreview.metrics.registry import Kpi
from amreview.periods import Quarter
from amreview.scoring.config import DEFAULT_CONFIG, ScorecardConfig, config_fingerprint, review_config
from amreview.scoring.scorecard import Scorecard


@dataclass(frozen=True)
class TeamInput:
    """A team input, opened: the manager, the scorecard rows of their direct reports, the
    fingerprint of the pack they were computed from, and where each of their reviews stands
    (:func:`amreview.scoring.outcomes.review_status` rows; None: not known)."""

    manager: str
    card: Scorecard
    pack_fingerprint: str
    outcomes: pd.DataFrame | None = None


@dataclass(frozen=True)
class CalibrationInput:
    """The organisation's calibration input, opened: the quarter's scorecard config and quarter,
    one row per account manager (:data:`CALIBRATION_COLUMNS`, no id or name) and the pack's
    fingerprint."""

    quarter: Quarter
    config: ScorecardConfig
    ratings: pd.DataFrame
    pack_fingerprint: str


def is_review_input(data) -> bool:
    """Whether ``data`` names a prepared input folder (one holding ``input.json``)."""
    if not isinstance(data, (str, Path)) or str(data) in ("", "sample") or "://" in str(data):
        return False
    return (Path(data) / INPUT_FILE).is_file()


def _read_header(folder: Path, kind: str) -> dict:
    path = Path(folder) / INPUT_FILE
    if not path.is_file():
        raise ParameterError(f"{folder} is not a prepared {kind} input: it holds no {INPUT_FILE}")
    data = json.loads(path.read_text())
    if data.get("format") != FORMAT_VERSION:
        raise ParameterError(
            f"the {kind} input {folder} has format {data.get('format')!r}; this amreview "
            f"({amreview.__version__}) reads format {FORMAT_VERSION}: prepare it again"
        )
    if data.get("kind") != kind:
        raise ParameterError(f"{folder} is a {data.get('kind')} input, not a {kind} input")
    return data


def _check(data: dict, folder: Path, kind: str, key: str, given: str | None, period, config) -> None:
    """The input holds what the caller asked for: ``key`` (am_id or manager), period, config."""
    if given is not None and str(given) != data[key]:
        raise ParameterError(f"the {kind} input {folder} is for {key} {data[key]!r}, not {str(given)!r}")
    if period is not None:
        held = Quarter.parse(data["period"], data["config"].get("fiscal_year_start_month", 1))
        asked = period if isinstance(period, Quarter) else Quarter.parse(period, held.start_month)
        if asked != held:
            shown = str if str(asked) != str(held) else (lambda q: q.label)  # one label, two fiscal years: the dates
            raise ParameterError(f"the {kind} input {folder} is for period {shown(held)}, not {shown(asked)}")
    if config not in (None, ""):
        fingerprint = config_fingerprint(review_config(config))
        if fingerprint != data["config_fingerprint"]:
            raise ParameterError(
                f"the {kind} input {folder} was prepared under another scorecard config "
                f"(fingerprint {data['config_fingerprint'][:12]}…, the config given has "
                f"{fingerprint[:12]}…): prepare it again with this config"
            )


def _config(data: dict) -> ScorecardConfig:
    config = ScorecardConfig.model_validate(data["config"])
    if data.get("config_is_default"):  # the packaged default of this installation
        config = config.model_copy(update={"source": str(DEFAULT_CONFIG)})
    if config_fingerprint(config) != data["config_fingerprint"]:
        raise ParameterError("the scorecard config of the input does not match its fingerprint: prepare it again")
    return config


def _kpis(names: dict[str, list[str]]) -> dict[str, Kpi]:
    """The registry an input was scored with, from this amreview's KPIs."""
    known = all_kpis()
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ParameterError(
            f"the input was scored with KPIs this amreview ({amreview.__version__}) does not "
            f"have: {', '.join(unknown)}; prepare it again"
        )
    return {
        n: known[n] if tuple(w) == known[n].windows else dataclasses.replace(known[n], windows=tuple(w))
        for n, w in names.items()
    }


def _open_input(
    folder: Path, kind: str, key: str, given: str | None, period, config
) -> tuple[dict, ScorecardConfig, Quarter, Scorecard]:
    """An input's header (checked against what the caller expects), its config, quarter and
    scorecard rows: what review and team inputs have in common."""
    data = _read_header(folder, kind)
    _check(data, folder, kind, key, given, period, config)
    settings = _config(data)
    quarter = Quarter.parse(data["period"], settings.fiscal_year_start_month)
    return data, settings, quarter, read_scorecard(folder / SCORECARD_FILE, quarter, settings, _kpis(data["kpis"]))


def read_review_input(
    folder: str | Path,
    am_id: str | None = None,
    period: Quarter | str | None = None,
    config: ScorecardConfig | str | Path | None = None,
) -> Review:
    """The :class:`~amreview.documents.review.Review` held by the review input ``folder``; with ``am_id``,
    ``period`` or ``config`` given, a :class:`~amreview.errors.ParameterError` unless the input
    is that review (the config compared by fingerprint; ``period`` as text read on the input's
    fiscal year, a :class:`Quarter` compared with its fiscal-year start month)."""
    folder = Path(folder)
    data, settings, quarter, card = _open_input(folder, "review", "am_id", am_id, period, config)
    previous = None
    if data["previous_kpis"] is not None:
        previous = read_scorecard(folder / PREVIOUS_FILE, quarter.previous(), settings, _kpis(data["previous_kpis"]))
    benchmark = data["team_benchmark"]
    gm = benchmark["gm_pct"]
    derived = folder / "derived"
    views = PersonViews(
        new_accounts=read_frame(derived / "new_accounts.parquet"),
        retention=read_frame(derived / "retention.parquet"),
        team_gm_pct=pd.Series(
            [np.nan if v is None else v for v in gm.values()],
            index=pd.Index(list(gm), name="quarter"),
            dtype="float64",
            name="team_gm_pct",
        ),
        team=benchmark["team"],
        team_size=int(benchmark["members"]),
        colleague_accounts=pd.Index(
            read_frame(derived / "colleague_accounts.parquet")["account_id"].astype(object),
            dtype=object,
            name="account_id",
        ),
        data_warnings=read_frame(derived / "data_warnings.parquet"),
    )
    recorded = data.get(PACK_FILES_KEY)  # absent from inputs prepared before it was recorded
    pack = load_pack(folder / "pack") if recorded is None else load_prepared_pack(folder / "pack", recorded)
    return Review(pack, data["am_id"], card, previous, facts=PackFacts.from_json(data["pack"]), views=views)


def read_team_input(
    folder: str | Path,
    manager: str | None = None,
    period: Quarter | str | None = None,
    config: ScorecardConfig | str | Path | None = None,
) -> TeamInput:
    """The :class:`TeamInput` held by the team input ``folder`` (checked like
    :func:`read_review_input`)."""
    data, _, _, card = _open_input(Path(folder), "team", "manager", manager, period, config)
    outcomes = pd.read_parquet(Path(folder) / OUTCOMES_FILE)
    return TeamInput(
        manager=data["manager"], card=card, pack_fingerprint=data["pack"]["fingerprint"], outcomes=outcomes
    )


def read_calibration_input(
    folder: str | Path, period: Quarter | str | None = None, config: ScorecardConfig | str | Path | None = None
) -> CalibrationInput:
    """The :class:`CalibrationInput` held by ``folder`` (checked like :func:`read_review_input`)."""
    folder = Path(folder)
    data = _read_header(folder, "calibration")
    _check(data, folder, "calibration", "kind", None, period, config)
    settings = _config(data)
    quarter = Quarter.parse(data["period"], settings.fiscal_year_start_month)
    ratings = pd.read_parquet(folder / RATINGS_FILE)
    return CalibrationInput(
        quarter=quarter, config=settings, ratings=ratings, pack_fingerprint=data["pack"]["fingerprint"]
    )
