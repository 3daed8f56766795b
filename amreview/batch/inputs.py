"""What the notebooks open: a review or a team overview from a prepared input or a whole pack.

A *review input* (or *team input*) is a folder holding ``input.json``, written by
:func:`amreview.batch.prepare.prepare_reviews`: one person's slice of the pack and their rows of
the scorecards (one manager's team). :func:`open_review` and :func:`open_team` open one after
checking it is what the notebook asks for, or compute the same from a whole data pack (a
folder, a database URL or ``"sample"``); :func:`open_team_overview` makes the team's a
:class:`~amreview.documents.team_overview.TeamOverview`, and :func:`open_calibration` the
organisation's :class:`~amreview.documents.calibration.OrganisationCalibration`.
The format itself is :mod:`amreview.batch.input_files`'.
"""

from __future__ import annotations

from pathlib import Path

from amreview.batch.input_reading import (
    CalibrationInput,
    TeamInput,
    is_review_input,
    read_calibration_input,
    read_review_input,
    read_team_input,
)
from amreview.batch.prepare import calibration_ratings
from amreview.data.datapack import load_pack
from amreview.documents.calibration import OrganisationCalibration
from amreview.documents.review import Review
from amreview.documents.team import direct_reports
from amreview.documents.team_overview import TeamOverview
from amreview.periods import Quarter
from amreview.scoring.config import ScorecardConfig, review_config
from amreview.scoring.outcomes import pack_review_status
from amreview.scoring.scorecard import build_scorecard


def open_review(
    data: str | Path, am_id: str, period: Quarter | str, config: ScorecardConfig | str | Path | None = ""
) -> Review:
    """The review a notebook shows. ``data`` is a review input (a folder holding
    ``input.json``, written by :func:`amreview.batch.prepare.prepare_reviews`: opened after checking
    that it holds ``am_id``'s review of ``period`` under ``config`` when one is given), or else
    a data pack (a folder, a database URL or ``"sample"``: :meth:`Review.build` on the whole
    pack)."""
    if is_review_input(data):
        return read_review_input(data, am_id=am_id, period=period, config=config)
    return Review.build(load_pack(data), am_id, period, config)


def open_team(data, manager: str, period, config="") -> TeamInput:
    """The team overview's inputs. ``data`` is a team input (a folder holding ``input.json``,
    written by :func:`amreview.batch.prepare.prepare_reviews`: opened after checking it is
    ``manager``'s team of ``period`` under ``config`` when one is given), or else a data pack (a
    folder, a database URL or ``"sample"``: the quarter's scorecard computed from it)."""
    if is_review_input(data):
        return read_team_input(data, manager=manager, period=period, config=config)
    pack = load_pack(data)
    card = build_scorecard(pack, period, review_config(config))
    team = direct_reports(card, manager)
    outcomes = pack_review_status(pack, card.quarter, card.overall.loc[team, "overall_rating"])
    return TeamInput(str(manager), card.restricted_to(team), pack.fingerprint, outcomes)


def open_team_overview(data, manager: str, period, config="") -> TeamOverview:
    """The team overview a notebook shows: :func:`open_team`'s inputs as a :class:`TeamOverview`."""
    team = open_team(data, manager, period, config)
    return TeamOverview(team.manager, team.card, team.pack_fingerprint, team.outcomes)


def open_calibration_input(data, period, config="") -> CalibrationInput:
    """The organisation calibration's inputs. ``data`` is a calibration input (written by
    :func:`amreview.batch.prepare.prepare_reviews`, checked to be of ``period`` under ``config``
    when one is given), or else a data pack (the quarter's scorecard and review outcomes computed
    from it)."""
    if is_review_input(data):
        return read_calibration_input(data, period=period, config=config)
    pack = load_pack(data)
    card = build_scorecard(pack, period, review_config(config))
    status = pack_review_status(pack, card.quarter, card.overall["overall_rating"])
    return CalibrationInput(card.quarter, card.config, calibration_ratings(status, card), pack.fingerprint)


def open_calibration(data, period, config="") -> OrganisationCalibration:
    """The organisation's calibration page a notebook shows (:func:`open_calibration_input`)."""
    found = open_calibration_input(data, period, config)
    return OrganisationCalibration(found.quarter, found.config, found.ratings, found.pack_fingerprint)
