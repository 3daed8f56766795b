"""What a quarter's run says about the review cycle (issue 14): where each review stands on the
index page, and the organisation's calibration page.

Each review's status (draft, in review, signed) and agreed rating come from
:func:`amreview.scoring.calibration.calibration_table`, computed once for everyone by the runner
and joined to the selected people's scorecard rows; the key figures and the manifest carry them
(:func:`amreview.batch.manifest.review_cycle`), the index shows them (:func:`review_cells`).

The **organisation's calibration page** (``<period>/calibration.html``, from
``notebooks/calibration.ipynb``: :class:`amreview.documents.calibration.OrganisationCalibration`)
shows, per manager, the rater effects (:mod:`amreview.scoring.rater_effects`): how their agreed
ratings sit against the computed ones and their competency ratings against the figures, their
team's self-versus-manager gap, and the ratings that contradict the data. It is for the people
who calibrate ratings across managers (the head of sales, HR), not for a team: it names managers
and no account manager. A run makes it when it covers the whole organisation (no ``--am``,
``--manager`` or ``--team``), makes team overviews, and some rating of the quarter has been
agreed: before that there is nothing to calibrate (:func:`wants_calibration`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from amreview.batch.jobs import ReviewResult
    from amreview.scoring.scorecard import Scorecard

CALIBRATION_NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "calibration.ipynb"
CALIBRATION_STEM = "calibration"  # reserved: no review is named so (amreview.filenames.RESERVED_STEMS)
ORGANISATION = "organisation"  # the calibration page's scope (its manifest entry's subject)
# Why a review has no trend, in the words of its summary (amreview.documents.sections.summary)
NO_EARLIER_SCORE = "no earlier score"  # the pack does not cover the previous quarter
NEW_IN_ROLE = "new in role"  # it does, but this person was not scored in it


def wants_calibration(whole_organisation: bool, team_overviews: bool, selected: pd.DataFrame) -> bool:
    """Whether a run makes the organisation's calibration page (module docstring): ``selected``
    are the people's scorecard rows joined with their status (an ``agreed_rating`` column)."""
    return whole_organisation and team_overviews and bool(selected["agreed_rating"].notna().any())


def review_cells(row: dict) -> dict[str, str]:
    """The index's cells of where a review stands: ``Review status`` (draft, in review, signed)
    and ``Agreed rating`` (with the calibration flags, if any); empty where the row has none."""
    status = row.get("review_status")
    if not isinstance(status, str):
        return {"Review status": "", "Agreed rating": ""}
    agreed = row.get("agreed_rating")
    flags = row.get("flags") or ()
    text = agreed if isinstance(agreed, str) else "not agreed yet"
    return {
        "Review status": status.replace("_", " "),
        "Agreed rating": text + (f" ({'; '.join(flags)})" if flags else ""),
    }


def calibration_item(result: ReviewResult) -> dict:
    """The index entry of the organisation's calibration page."""
    return {
        "text": "Organisation calibration",
        "status": result.status,
        "detail": "agreed against computed ratings per manager, for those who calibrate across managers",
        "error": "" if result.error is None else str(result.error),
        "link": result.html,
        "pdf": result.pdf,
    }


def previous_scores(previous: Scorecard | None, am_ids) -> pd.DataFrame:
    """Per ``am_id`` (the index) the overall score of the previous quarter, from ``previous``, its
    scorecard (None when the pack does not cover it: :func:`amreview.documents.review.previous_scorecard`):
    ``previous_score`` (NaN without one) and ``previous_missing``, why there is none
    (:data:`NO_EARLIER_SCORE`, :data:`NEW_IN_ROLE`; None when there is one). A review's trend on
    the index is its overall score − ``previous_score``, as its summary says it."""
    ids = pd.Index([str(a) for a in am_ids], name="am_id")
    if previous is None:
        return pd.DataFrame({"previous_score": float("nan"), "previous_missing": NO_EARLIER_SCORE}, index=ids)
    scores = previous.overall["overall_score"].reindex(ids).astype(float)
    scored = ids.isin(previous.overall.index)
    return pd.DataFrame(
        {"previous_score": scores, "previous_missing": pd.Series(NEW_IN_ROLE, index=ids).where(~scored, None)},
        index=ids,
    )
