"""Calibration: agreed ratings against computed ones, per person and per manager.

The rating *bands* are the scorecard config's rating labels, ranked from the lowest (0) up.
A person's **band change** = rank(agreed rating) − rank(computed rating): +1 is one band above
the figures, −2 two bands below. It is NaN where either rating is missing (not agreed yet, no
computed rating) or the agreed rating is not a label of the config.

A change is **flagged** (:func:`rating_changes`) when it moves more than
:data:`MAX_BAND_CHANGE` band, when it has no reason (a change of any size with a blank
``change_reason``), or when the agreed rating is not a label of the config.

A manager is **lenient** (or **severe**) by the one rule of :mod:`amreview.scoring.rater_effects`
for every rater effect: over at least :data:`LEANING_MIN_PEOPLE` of their direct reports with both
ratings, the interval of their mean band change (the spread pooled over the managers compared,
Bonferroni-corrected across them) lies wholly above (below) zero (:func:`manager_calibration`):
one person's change can be the figures' blind spot; a mean change that chance cannot explain is a
habit. The documents state this rule where they apply it (:func:`leaning_rule`).

Pure functions of frames; nothing is formatted here, and no input is modified.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from amreview.data.datapack import DataPack
from amreview.scoring.config import ScorecardConfig
from amreview.scoring.outcomes import pack_review_status
from amreview.scoring.rater_effects import LEVEL, MIN_PEOPLE, agreed_offsets, flag_rule
from amreview.scoring.scorecard import Scorecard

MAX_BAND_CHANGE = 1  # a change of more bands than this is flagged
LEANING_MIN_PEOPLE = MIN_PEOPLE  # a manager is compared over at least this many people with both ratings
NOT_AGREED = "not agreed yet"
NO_RATING = "no rating"

FLAG_TOO_FAR = f"changed by more than {MAX_BAND_CHANGE} rating band"
FLAG_NO_REASON = "changed without a reason"
FLAG_UNKNOWN = "not a rating of the scorecard config"
CHANGE_COLUMNS = ["computed_rating", "agreed_rating", "band_change", "reason_given", "flags"]


def band_ranks(config: ScorecardConfig) -> dict[str, int]:
    """Rating label → its rank, the lowest rating 0 (the config lists them highest first)."""
    labels = [r.label for r in config.ratings]
    return {label: len(labels) - 1 - i for i, label in enumerate(labels)}


def lowest_first(config: ScorecardConfig) -> list[str]:
    """The config's rating labels, the lowest first."""
    return [r.label for r in reversed(config.ratings)]


def band_change(computed: pd.Series, agreed: pd.Series, config: ScorecardConfig) -> pd.Series:
    """rank(agreed) − rank(computed) per row (module docstring); NaN where either is missing
    or not a label of ``config``."""
    ranks = band_ranks(config)

    def rank(values: pd.Series) -> pd.Series:
        return pd.Series(
            [ranks.get(v, np.nan) if isinstance(v, str) else np.nan for v in values],
            index=values.index,
            dtype="float64",
        )

    return (rank(agreed) - rank(computed)).rename("band_change")


def rating_changes(status: pd.DataFrame, config: ScorecardConfig) -> pd.DataFrame:
    """Per person of ``status`` (:func:`amreview.scoring.outcomes.review_status`'s columns
    ``computed_rating``, ``agreed_rating`` and ``change_reason`` — or ``reason_given``, whether
    one was given, where a frame keeps that instead of the words): :data:`CHANGE_COLUMNS` —
    ``band_change`` (:func:`band_change`), ``reason_given`` (a non-blank reason) and ``flags``
    (a tuple of the flags that apply, empty when none; module docstring). Same index."""
    frame = pd.DataFrame(index=status.index)
    frame["computed_rating"] = status["computed_rating"]
    frame["agreed_rating"] = status["agreed_rating"]
    frame["band_change"] = band_change(status["computed_rating"], status["agreed_rating"], config)
    if "change_reason" in status.columns:
        frame["reason_given"] = [isinstance(r, str) and bool(r.strip()) for r in status["change_reason"]]
    else:
        frame["reason_given"] = status["reason_given"].fillna(False).astype(bool)
    known = set(band_ranks(config))
    flags = []
    for agreed, change, reason in zip(frame["agreed_rating"], frame["band_change"], frame["reason_given"]):
        found = []
        if isinstance(agreed, str) and agreed not in known:
            found.append(FLAG_UNKNOWN)
        if pd.notna(change) and abs(change) > MAX_BAND_CHANGE:
            found.append(FLAG_TOO_FAR)
        if pd.notna(change) and change != 0 and not reason:
            found.append(FLAG_NO_REASON)
        flags.append(tuple(found))
    frame["flags"] = pd.Series(flags, index=frame.index, dtype=object)
    return frame[CHANGE_COLUMNS]


def rating_distributions(changes: pd.DataFrame, config: ScorecardConfig) -> pd.DataFrame:
    """How many people hold each rating, computed and agreed: index the config's labels (the
    lowest first), then :data:`NO_RATING` (no computed rating) and :data:`NOT_AGREED` (no agreed
    rating yet) — each only when someone is in it — and, for agreed ratings outside the config,
    their labels as typed; columns ``computed`` and ``agreed`` (counts)."""
    labels = lowest_first(config)
    computed = changes["computed_rating"].fillna(NO_RATING).value_counts()
    agreed = changes["agreed_rating"].fillna(NOT_AGREED).value_counts()
    extra = [v for v in agreed.index if v not in labels and v != NOT_AGREED]
    rows = labels + sorted(extra) + [NO_RATING, NOT_AGREED]
    frame = pd.DataFrame(
        {"computed": computed.reindex(rows, fill_value=0), "agreed": agreed.reindex(rows, fill_value=0)}
    ).astype("int64")
    keep = [r for r in rows if r in labels or frame.loc[r].sum() > 0]
    frame = frame.loc[keep]
    frame.index.name = "rating"
    return frame


def manager_calibration(
    changes: pd.DataFrame, managers: pd.Series, min_people: int = LEANING_MIN_PEOPLE, level: float = LEVEL
) -> pd.DataFrame:
    """Per manager (``managers``: ``am_id`` → their manager, same index as ``changes``), sorted by
    name: ``people`` (direct reports), ``compared`` (with both ratings), ``mean_band_change``
    (over those compared; NaN if none), ``band_change_low`` and ``band_change_high`` (its interval,
    :func:`amreview.scoring.rater_effects.agreed_offsets`; NaN unless at least ``min_people`` are
    compared), ``raised``, ``lowered``, ``unchanged`` (counts), ``flagged`` (people with a flag of
    :func:`rating_changes`) and ``leaning`` — ``lenient``, ``severe`` or ``""`` (module
    docstring)."""
    frame = changes.assign(manager=managers.reindex(changes.index).astype(object))
    frame = frame[frame["manager"].notna()]
    change = frame["band_change"]
    grouped = pd.DataFrame(
        {
            "manager": frame["manager"].astype(str),
            "people": 1,
            "compared": change.notna().astype("int64"),
            "change": change,
            "raised": (change > 0).astype("int64"),
            "lowered": (change < 0).astype("int64"),
            "unchanged": (change == 0).astype("int64"),
            "flagged": (frame["flags"].map(len) > 0).astype("int64"),
        }
    ).groupby("manager", sort=True)
    table = grouped[["people", "compared", "raised", "lowered", "unchanged", "flagged"]].sum()
    table.insert(2, "mean_band_change", grouped["change"].mean().astype("float64"))
    offsets = agreed_offsets(change, frame["manager"].astype(str), level, min_people).reindex(table.index)
    table.insert(3, "band_change_low", offsets["offset_low"].astype("float64"))
    table.insert(4, "band_change_high", offsets["offset_high"].astype("float64"))
    table["leaning"] = offsets["flag"].fillna("").astype(object)
    return table


def leaning_rule(min_people: int = LEANING_MIN_PEOPLE, level: float = LEVEL) -> str:
    """The rule that flags a manager lenient or severe, in words, for the page that applies it
    (:func:`amreview.scoring.rater_effects.flag_rule`)."""
    return flag_rule(level, min_people)


def flags_text(flags: Sequence[str]) -> str:
    """The flags of a person, in words (``""`` for none)."""
    return "; ".join(flags)


def calibration_table(pack: DataPack, card: Scorecard) -> pd.DataFrame:
    """Everyone on the scorecard: their review status and ratings
    (:func:`amreview.scoring.outcomes.review_status`, the computed rating the scorecard's) with
    ``band_change``, ``reason_given`` and ``flags`` (:func:`rating_changes`). Index ``am_id``."""
    status = pack_review_status(pack, card.quarter, card.overall["overall_rating"])
    return status.join(rating_changes(status, card.config)[["band_change", "reason_given", "flags"]])
