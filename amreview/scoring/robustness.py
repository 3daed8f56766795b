"""How robust each rating is: the overall score and rating when the measures' weights move.

The weights of a scorecard are a judgement; a rating that a small change of that judgement
would flip is a close decision, and the review meeting should know it. For each measure ``m``
of the config and each move ``δ`` of :data:`WEIGHT_MOVE` (5 points of the overall weight) down
and up, one measure at a time:

* ``w'ₘ = min(max(wₘ + δ, 0), 1)`` (a weight cannot go below 0: a measure weighing 3 points
  loses 3), and every other measure's weight is rescaled so the weights again add up to 1:
  ``w'ᵢ = wᵢ · (1 − w'ₘ) / (1 − wₘ)``;
* the overall score under ``w'`` follows exactly the rules of the real one
  (:func:`amreview.scoring.bands.overall_scores`): ``Σ w'ᵢ·sᵢ / Σ w'ᵢ`` over the measures with
  data, no rating where the measures with data carry less than ``min_rated_weight`` of ``Σ w'``,
  and a rating withheld for a reason the data gives (:mod:`amreview.data.plausibility`) stays
  withheld under every weighting;
* *equal weights*: every measure of the config weighs ``1 / M``, the same rules.

A rating is *fragile* when it changes band anywhere within the ±5-point range of any one
measure. The two ends are enough to know: with one weight ``v`` moving, the score is
``(a·(1 − v) + b·v) / (c·(1 − v) + d·v)`` — a ratio of two linear functions of ``v``, with a
positive denominator, so it moves the same way over the whole range and its lowest and highest
values are at the ends (the weight with data moves linearly too). Each column of
:func:`rating_robustness` is a number or short text, so it travels in the scorecard's table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from amreview.metrics.registry import ALL_MEASURES
from amreview.scoring.config import ScorecardConfig

WEIGHT_MOVE = 0.05  # 5 points of the overall weight, each way
MOVES = {"down": -1.0, "up": 1.0}  # each direction's sign
SAME_SCORE = 1e-9  # a score this close to the real one is the real one (rounding, not weighting)
NO_RATING = "no rating"
MINUS = "\u2212"
RANGE = "with any one measure's weight moved 5 points down or up (the others rescaled)"
# column → (label, table unit, description): the scorecard's table says what each means
SUMMARY_COLUMNS = {
    "score_low": ("Lowest score, weights ±5 points", "score", f"The lowest overall score {RANGE}."),
    "score_high": ("Highest score, weights ±5 points", "score", f"The highest overall score {RANGE}."),
    "rating_low": ("Lowest rating, weights ±5 points", "text", f"The lowest rating {RANGE}; empty: none rated."),
    "rating_high": ("Highest rating, weights ±5 points", "text", f"The highest rating {RANGE}; empty: none rated."),
    "equal_weights_score": ("Score, equal weights", "score", "The overall score with every measure weighing the same."),
    "equal_weights_rating": ("Rating, equal weights", "text", "The rating with every measure weighing the same."),
    "equal_weights_changes": (
        "Equal weights change the rating",
        "text",
        "True where equal weights give another rating than the config's weights.",
    ),
    "fragile": ("Fragile rating", "text", f"True where the rating changes {RANGE}."),
    "fragile_because": (
        "Why fragile",
        "text",
        "The weight moves that change the rating, e.g. 'Productive new business +5 points → Exceeds'.",
    ),
}


def robustness_column_meaning(column: str, config: ScorecardConfig) -> tuple[str, str, str] | None:
    """``(label, unit, description)`` of a column of :func:`rating_robustness`; None for another."""
    if column in SUMMARY_COLUMNS:
        return SUMMARY_COLUMNS[column]
    for measure in config.measures:
        for direction, sign in MOVES.items():
            for what, unit in (("score", "score"), ("rating", "text")):
                if column == f"{measure}_weight_{direction}_{what}":
                    label = f"{what.capitalize()}, {ALL_MEASURES[measure]} {signed_points(sign * 5)} points"
                    return (
                        label,
                        unit,
                        f"The overall {what} with {ALL_MEASURES[measure]}'s weight moved 5 points "
                        f"{direction} (not below 0) and the other measures' rescaled so the weights add up to 1.",
                    )
    return None


def moved_weights(config: ScorecardConfig, move: float = WEIGHT_MOVE) -> pd.DataFrame:
    """The measures' weights of every one-measure move: one row per ``(measure, "down"|"up")``,
    one column per measure (the config's order); each row adds up to 1 (module docstring)."""
    names = list(config.measures)
    weights = np.array([m.weight for m in config.measures.values()], dtype="float64")
    rows = {}
    for i, (measure, w) in enumerate(zip(names, weights)):
        for direction, sign in MOVES.items():
            new = min(max(w + sign * move, 0.0), 1.0)
            row = weights * ((1.0 - new) / (1.0 - w)) if w < 1.0 else weights * 0.0
            row[i] = new
            rows[(measure, direction)] = row
    return pd.DataFrame(list(rows.values()), index=pd.MultiIndex.from_tuples(list(rows)), columns=pd.Index(names))


def equal_weights(config: ScorecardConfig) -> pd.Series:
    """Every measure of the config weighing ``1 / M``."""
    return pd.Series(1.0 / len(config.measures), index=list(config.measures), dtype="float64")


def scores_under(measures: pd.DataFrame, weights: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Overall scores and the weight with data of every person (rows of ``measures``) under every
    weighting (rows of ``weights``, columns the measures), at once:
    ``score = Σ w'ᵢ·sᵢ / Σ w'ᵢ`` over the measures with data (NaN where none has data),
    ``rated weight = Σ w'ᵢ over the measures with data / Σ w'ᵢ``."""
    s = measures[weights.columns].to_numpy(dtype="float64")
    present = ~np.isnan(s)
    w = weights.to_numpy(dtype="float64").T
    numerator = np.nan_to_num(s) @ w
    carried = present.astype("float64") @ w
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(carried > 0, numerator / carried, np.nan)
    rated = carried / w.sum(axis=0)
    return (
        pd.DataFrame(score, index=measures.index, columns=weights.index),
        pd.DataFrame(rated, index=measures.index, columns=weights.index),
    )


def ratings_of(scores: np.ndarray, config: ScorecardConfig) -> np.ndarray:
    """The config's rating label of each score (``None`` where there is none): vectorised
    :meth:`ScorecardConfig.rating` (the highest rating whose ``min_score`` ≤ the score)."""
    ascending = sorted(config.ratings, key=lambda r: r.min_score)
    bounds = np.array([r.min_score for r in ascending], dtype="float64")
    labels = np.array([r.label for r in ascending] + [None], dtype=object)
    scores = np.asarray(scores, dtype="float64")
    index = np.searchsorted(bounds, scores, side="right") - 1
    index = np.where(np.isnan(scores) | (index < 0), len(bounds), index)
    return labels[index]


def _ratings(
    scores: pd.DataFrame, rated: pd.DataFrame, real: pd.Series, withheld: pd.Series, config: ScorecardConfig
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scores snapped to the real one where only rounding parts them (:data:`SAME_SCORE`), and
    their ratings under the real rules: none below ``min_rated_weight`` nor where withheld."""
    values = scores.to_numpy()
    base = real.to_numpy(dtype="float64")[:, None]
    values = np.where(np.abs(values - base) < SAME_SCORE, base, values)
    labels = ratings_of(values, config)
    labels[rated.to_numpy() < config.min_rated_weight - 1e-9] = None
    labels[withheld.to_numpy()] = None
    return (
        pd.DataFrame(values, index=scores.index, columns=scores.columns),
        pd.DataFrame(labels, index=scores.index, columns=scores.columns, dtype=object),
    )


@dataclass(frozen=True)
class RatingFlip:
    """A one-measure move of the weights that changes the rating: ``points`` of the overall
    weight more (> 0) or less (< 0) on ``measure`` (its key) give ``rating`` (None: no rating)."""

    measure: str
    points: float
    rating: str | None

    @property
    def text(self) -> str:
        """``"Productive new business +5 points → Exceeds"``."""
        return flip_text(self.measure, self.points, self.rating)


def flip_text(measure: str, points: float, rating: str | None) -> str:
    """``"Productive new business +5 points → Exceeds"``, ``"… −5 points → …"``: the words of one
    :class:`RatingFlip`."""
    return f"{ALL_MEASURES.get(measure, measure)} {signed_points(points)} points → {rating or NO_RATING}"


def signed_points(points: float) -> str:
    """``5`` → ``"+5"``, ``-3`` → ``"−3"`` (a minus sign, not a hyphen)."""
    return f"{'+' if points > 0 else MINUS}{abs(points):g}"


def move_points(config: ScorecardConfig) -> dict[tuple[str, str], float]:
    """How many points of the overall weight each move of :func:`moved_weights` really moves
    its measure by (``-3`` for a measure weighing 3 points, which cannot go below 0)."""
    moves = moved_weights(config)
    return {
        (measure, direction): round((moves.at[(measure, direction), measure] - m.weight) * 100, 6)
        for measure, m in config.measures.items()
        for direction in MOVES
    }


def rating_flips(row: pd.Series, rating: str | None, config: ScorecardConfig) -> list[RatingFlip]:
    """The moves of :func:`moved_weights` that change ``rating`` (the person's real rating; None
    for none) in one person's robustness row (a row of :func:`rating_robustness`), in the config's
    order, down before up. Empty for a robust rating, and for a row without the columns (a
    scorecard written before they were)."""
    if not bool(row.get("fragile", False)):
        return []
    real = None if pd.isna(rating) else str(rating)
    flips = []
    for (measure, direction), points in move_points(config).items():
        column = f"{measure}_weight_{direction}_rating"
        moved = None if pd.isna(row.get(column)) else str(row[column])
        if moved != real:
            flips.append(RatingFlip(measure, points, moved))
    return flips


def _flip_texts(labels: pd.DataFrame, changed: np.ndarray, config: ScorecardConfig) -> np.ndarray:
    """Each row's :func:`flip_text` of every changed move, ``"; "``-separated (a loop over the
    moves, not the people)."""
    texts = np.full(len(labels), "", dtype=object)
    for k, ((measure, _), points) in enumerate(move_points(config).items()):
        words = np.array([flip_text(measure, points, r) for r in labels.iloc[:, k]], dtype=object)
        words = np.where(changed[:, k], words, "")
        texts = texts + np.where((texts != "") & (words != ""), "; ", "") + words
    return texts


def _rating_range(labels: pd.DataFrame, real: pd.Series, config: ScorecardConfig) -> tuple[pd.Series, pd.Series]:
    """The lowest and highest rating among ``labels`` (person × weighting) and the real one,
    by the config's order of ratings; None where none of them is a rating."""
    ascending = [r.label for r in sorted(config.ratings, key=lambda r: r.min_score)]
    rank = {label: float(i) for i, label in enumerate(ascending)}
    every = np.column_stack([labels.to_numpy(dtype=object), real.to_numpy(dtype=object)])
    ranks = np.array([rank.get(label, np.nan) for label in every.ravel()], dtype="float64").reshape(every.shape)
    names = np.array([*ascending, None], dtype=object)  # a missing rank → the last: None

    def named(position: np.ndarray) -> pd.Series:
        return pd.Series(
            names[np.where(np.isnan(position), len(ascending), position).astype(int)], index=labels.index, dtype=object
        )

    return named(np.fmin.reduce(ranks, axis=1)), named(np.fmax.reduce(ranks, axis=1))


def rating_robustness(
    measures: pd.DataFrame, overall: pd.DataFrame, config: ScorecardConfig, withheld: pd.Series | None = None
) -> pd.DataFrame:
    """How each person's overall score and rating move with the weights (module docstring).

    ``measures``: the measure scores (person × measure); ``overall``: the real overall frame
    (:func:`~amreview.scoring.bands.overall_scores`, after
    :func:`~amreview.scoring.bands.withhold_ratings`); ``withheld``: the reasons ratings were
    withheld for (by ``am_id``; ``""`` or missing: none), as given to ``withhold_ratings``.

    Columns, per measure of the config, ``<measure>_weight_down_score``/``_rating`` and
    ``<measure>_weight_up_score``/``_rating``; then ``score_low`` and ``score_high`` (the lowest
    and highest score over the moves and the real weights), ``rating_low`` and ``rating_high``
    (the lowest and highest rating among them; None where none is rated),
    ``equal_weights_score``, ``equal_weights_rating``, ``equal_weights_changes`` (the equal
    weights' rating differs from the real one), ``fragile`` (some move changes the rating) and
    ``fragile_because`` (the moves that do, ``"; "``-separated: ``"Productive new business
    +5 points → Exceeds"``). A person without an overall score has none under any weights; one
    whose rating is withheld, no rating.
    """
    reasons = pd.Series(dtype=object) if withheld is None else withheld
    held = reasons.reindex(measures.index).fillna("").astype(str).ne("")
    real_score = overall["overall_score"].astype("float64")
    real_rating = pd.Series(
        [None if pd.isna(r) else str(r) for r in overall["overall_rating"]], index=overall.index, dtype=object
    )
    moves = moved_weights(config)
    weightings = pd.concat([moves, equal_weights(config).to_frame(("equal", "")).T])
    scores, rated = scores_under(measures, weightings)
    scores = scores.where(real_score.notna(), np.nan)  # none withheld, none where nothing has data
    scores, labels = _ratings(scores, rated, real_score, held, config)
    columns = {}
    for measure, direction in moves.index:
        columns[f"{measure}_weight_{direction}_score"] = scores[(measure, direction)]
        columns[f"{measure}_weight_{direction}_rating"] = labels[(measure, direction)].astype(object)
    moved_scores, moved_labels = scores[list(moves.index)], labels[list(moves.index)]
    columns["score_low"] = np.fmin(moved_scores.min(axis=1), real_score)
    columns["score_high"] = np.fmax(moved_scores.max(axis=1), real_score)
    columns["rating_low"], columns["rating_high"] = _rating_range(moved_labels, real_rating, config)
    columns["equal_weights_score"] = scores[("equal", "")]
    columns["equal_weights_rating"] = labels[("equal", "")].astype(object)
    scored = (real_score.notna() & ~held).to_numpy()
    columns["equal_weights_changes"] = ~_same(labels[[("equal", "")]], real_rating)[:, 0] & scored
    changed = ~_same(moved_labels, real_rating) & scored[:, None]
    columns["fragile"] = changed.any(axis=1)
    columns["fragile_because"] = pd.Series(
        _flip_texts(moved_labels, changed, config), index=measures.index, dtype=object
    )
    return pd.DataFrame(columns, index=measures.index)


def _same(labels: pd.DataFrame, real: pd.Series) -> np.ndarray:
    """Whether each rating of ``labels`` (person × weighting) is the person's real one (None = None)."""
    values = labels.to_numpy(dtype=object)
    base = real.to_numpy(dtype=object)[:, None]
    return (values == base) | (pd.isna(values) & pd.isna(base))
