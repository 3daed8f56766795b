"""Scores: KPI values → band scores 1–5 → measure scores → the overall score and rating.

* A KPI's score is its band (see :mod:`amreview.scoring.config`); a KPI without a value has no score.
* A measure's score is the weighted mean of its KPIs' scores, the weights of KPIs without a
  score spread over the others (``Σ wᵢ·sᵢ / Σ wᵢ`` over the KPIs with a score).
* The overall score is the weighted mean of the measures' scores the same way: a measure
  without data is left out and its weight spread over the others, and the scorecard lists it
  in ``measures_without_data`` (never a silent 0, nor a division by the full weight).
* Percentiles place a person in their team and in the organisation without naming anyone:
  the share of the group (themselves included) whose value is no better than theirs; empty
  for groups of fewer than three people, where it would reveal a colleague's figure.

Every score carries its explanation (:func:`explain`): value, target, bands, band hit, weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from amreview.formats import UNIT_SPACE, weight_pct
from amreview.metrics.registry import Kpi
from amreview.scoring.config import ScorecardConfig
from amreview.vocabulary import TARGET_MEASURE_UNITS

MIN_PERCENTILE_GROUP = 3
# Why a row has no overall score nor rating when no measure has data: the one phrase every
# document says it with (scoring.display.no_rating_sentence; the team overview, the index)
NOTHING_TO_SCORE = "no measure has data for the quarter"


def band_score(values: pd.Series, bands: tuple[float, ...], higher_is_better: bool = True) -> pd.Series:
    """Scores 1–5 of ``values`` for four ascending ``bands``; NaN where a value is missing.

    ``score = 1 + #(boundaries ≤ value)`` where higher is better, ``5 − #(boundaries ≤ value)``
    where lower is better.
    """
    values = pd.Series(values, dtype="float64")
    steps = np.searchsorted(np.asarray(bands, dtype="float64"), values.to_numpy(), side="right")
    scores = 1.0 + steps if higher_is_better else 5.0 - steps
    return pd.Series(np.where(values.isna(), np.nan, scores), index=values.index, dtype="float64")


def weighted_score(scores: pd.DataFrame, weights: dict[str, float]) -> pd.Series:
    """Row-wise ``Σ wᵢ·sᵢ / Σ wᵢ`` over the columns with a score; NaN where none has one."""
    w = pd.Series(weights, dtype="float64").reindex(scores.columns)
    present = scores.notna()
    numerator = (scores.fillna(0.0) * w).sum(axis=1)
    denominator = (present * w).sum(axis=1)
    return (numerator / denominator.where(denominator > 0)).astype("float64")


def effective_weights(scores: pd.DataFrame, weights: dict[str, float]) -> pd.DataFrame:
    """The weight each column actually carried per row, after spreading missing ones (rows sum to 1)."""
    w = pd.Series(weights, dtype="float64").reindex(scores.columns)
    carried = scores.notna() * w
    total = carried.sum(axis=1)
    return carried.div(total.where(total > 0), axis=0).fillna(0.0)


def kpi_scores(values: pd.DataFrame, config: ScorecardConfig, kpis: dict[str, Kpi]) -> pd.DataFrame:
    """One score column per scored KPI (columns named after the KPI)."""
    scores = {}
    for measure in config.measures.values():
        for name, scoring in measure.kpis.items():
            scores[name] = band_score(values[name], scoring.bands, bool(kpis[name].higher_is_better))
    return pd.DataFrame(scores, index=values.index)


def measure_scores(scores: pd.DataFrame, config: ScorecardConfig) -> pd.DataFrame:
    """One column per measure of the config: the weighted score of its KPIs."""
    return pd.DataFrame(
        {
            measure: weighted_score(scores[list(m.kpis)], {k: s.weight for k, s in m.kpis.items()})
            for measure, m in config.measures.items()
        },
        index=scores.index,
    )


def overall_scores(measures: pd.DataFrame, config: ScorecardConfig) -> pd.DataFrame:
    """``overall_score``, ``overall_rating``, ``rated_weight``, ``measures_without_data``
    (``;``-separated) and ``no_rating_reason`` (why a row has no rating: :data:`NOTHING_TO_SCORE`
    where no measure has data; ``""`` when rated) per row.

    ``rated_weight`` is the share of the measures' weight that had data. Below the config's
    ``min_rated_weight`` the overall score is still given but no rating is: a rating from, say,
    one measure of seven would rate a person on what the pack happens to hold, not on the role.
    """
    weights = {name: m.weight for name, m in config.measures.items()}
    overall = weighted_score(measures, weights)
    rated_weight = (measures.notna() * pd.Series(weights)).sum(axis=1) / sum(weights.values())
    missing = (
        measures.isna().apply(lambda row: "; ".join(row.index[row]), axis=1)
        if len(measures)
        else pd.Series(dtype=object)
    )
    rating = overall.map(config.rating).astype(object)
    too_little = rated_weight < config.min_rated_weight - 1e-9
    rating[too_little] = None
    reason = pd.Series("", index=measures.index, dtype=object)
    reason[too_little & overall.notna()] = [
        f"the measures with data carry {weight_pct(w)} of the weight; the config asks for at least "
        f"{weight_pct(config.min_rated_weight)}"
        for w in rated_weight[too_little & overall.notna()]
    ]
    reason[overall.isna()] = NOTHING_TO_SCORE
    return pd.DataFrame(
        {
            "overall_score": overall,
            "overall_rating": rating,
            "rated_weight": rated_weight.astype("float64"),
            "measures_without_data": missing.reindex(measures.index).fillna(""),
            "no_rating_reason": reason,
        },
        index=measures.index,
    )


def withhold_ratings(overall: pd.DataFrame, reasons: pd.Series, keep_score: bool = False) -> pd.DataFrame:
    """``overall`` (of :func:`overall_scores`) with no rating — and no overall score, unless
    ``keep_score`` — where ``reasons`` gives one (see
    :func:`amreview.data.plausibility.ratings_withheld`); ``no_rating_reason`` then says why.
    The caller's frame is not modified."""
    reasons = reasons.reindex(overall.index).fillna("").astype(object)
    withheld = reasons != ""
    if not withheld.any():
        return overall
    overall = overall.copy()
    overall.loc[withheld, "overall_rating"] = None
    if not keep_score:
        overall.loc[withheld, "overall_score"] = np.nan
    overall.loc[withheld, "no_rating_reason"] = reasons[withheld]
    return overall


def percentiles(values: pd.Series, groups: pd.Series, higher_is_better: bool | None = True) -> pd.Series:
    """Share of each person's group (themselves included) whose value is no better than theirs.

    NaN for a missing value and in groups with fewer than three values.
    """
    signed = values.to_numpy(dtype="float64") * (1.0 if higher_is_better is not False else -1.0)
    codes, _ = pd.factorize(groups.reindex(values.index))
    shares = np.full(len(signed), np.nan)
    for code in np.unique(codes[codes >= 0]):
        members = np.flatnonzero((codes == code) & ~np.isnan(signed))
        if len(members) >= MIN_PERCENTILE_GROUP:  # #(values ≤ theirs) / #values in the group
            no_better = np.searchsorted(np.sort(signed[members]), signed[members], side="right")
            shares[members] = no_better / len(members)
    return pd.Series(shares, index=values.index, name=values.name)


@dataclass(frozen=True)
class KpiExplanation:
    """Why a KPI scored what it did: the inputs a reviewer needs to answer "why a 2 here?"."""

    kpi: str
    label: str
    measure: str
    unit: str  # the registry's (band boundaries: fractions as percentages)
    display_unit: str  # the table unit the value is shown in (Kpi.display_unit)
    target_unit: str
    value: float
    target: float | None
    bands: tuple[float, ...]
    higher_is_better: bool
    score: float
    weight: float
    effective_weight: float
    measure_has_data: bool = True  # another KPI of the measure has a score (to carry this one's weight)
    base: float = float("nan")  # the observations the value rests on (scoring.evidence); NaN: none, or no evidence
    successes: float = float("nan")  # of a share: the count of successes
    low: float = float("nan")  # its 95 % interval (NaN: none)
    high: float = float("nan")
    counted: str = ""  # what one observation is, plural ("closed deals"); "" for a KPI without evidence
    success: str = ""  # of a share: what a success is ("won")
    min_base: int = 0  # the config's minimum base (0: none)
    too_little: bool = False  # base below min_base: shown, not scored

    @property
    def too_little_text(self) -> str:
        """``"too little data (3 of at least 5 closed deals)"``, or ``""`` when there is enough."""
        if not self.too_little:
            return ""
        return f"too little data ({self.base:,.10g} of at least {self.min_base} {self.counted})"

    @property
    def band_text(self) -> str:
        """Which band the value fell in, in words; too little data (its base below the config's
        minimum); without a value, whether its weight went to the measure's other KPIs (only when
        one of them has a score)."""
        if self.too_little:
            return f"{self.too_little_text}: not scored"  # its weight carried (0 %) says the rest
        if np.isnan(self.value):
            if not self.measure_has_data:
                return "no data: not scored (no KPI of the measure has data)"
            return "no data: not scored, its weight spread over the measure's other KPIs"
        b = [_boundary(x, self.unit) for x in self.bands]
        edges = [f"< {b[0]}"] + [f"{lo} to < {hi}" for lo, hi in zip(b, b[1:])] + [f"≥ {b[-1]}"]
        index = int(np.searchsorted(np.asarray(self.bands, dtype="float64"), self.value, side="right"))
        return f"in band {edges[index]} → score {self.score:.0f}"


def _boundary(value: float, unit: str) -> str:
    """A band boundary in the KPI's unit: fractions as percentages, the rest as plain numbers."""
    return f"{value * 100:g}{UNIT_SPACE}%" if unit == "fraction" else f"{value:,g}"


def _evidence_of(evidence: pd.DataFrame, am_id: str, kpi: Kpi) -> dict:
    """The :class:`KpiExplanation` fields of ``kpi``'s evidence for ``am_id`` (none: {})."""
    if kpi.evidence is None or f"{kpi.name}_base" not in evidence.columns or am_id not in evidence.index:
        return {}
    row = evidence.loc[am_id]

    def number(suffix: str) -> float:
        column = f"{kpi.name}{suffix}"
        return float(row[column]) if column in row.index and not pd.isna(row[column]) else float("nan")

    too_little = row.get(f"{kpi.name}_too_little", False)
    return {
        "base": number("_base"),
        "successes": number("_successes"),
        "low": number("_low"),
        "high": number("_high"),
        "counted": kpi.evidence.counted,
        "success": kpi.evidence.success,
        "too_little": bool(too_little) if not pd.isna(too_little) else False,
    }


def explain(
    am_id: str,
    values: pd.DataFrame,
    scores: pd.DataFrame,
    targets: pd.DataFrame,
    config: ScorecardConfig,
    kpis: dict[str, Kpi],
    evidence: pd.DataFrame | None = None,
) -> list[KpiExplanation]:
    """The explanation of every scored KPI of ``am_id``, in the config's order, with each KPI's
    base and interval where ``evidence`` (the scorecard's evidence frame) holds them."""
    evidence = pd.DataFrame() if evidence is None else evidence
    out = []
    for measure, m in config.measures.items():
        kpi_names = list(m.kpis)
        carried = effective_weights(scores.loc[[am_id], kpi_names], {k: s.weight for k, s in m.kpis.items()})
        for name, scoring in m.kpis.items():
            kpi = kpis[name]
            target = targets.at[am_id, name] if name in targets.columns else None
            out.append(
                KpiExplanation(
                    kpi=name,
                    label=kpi.label,
                    measure=measure,
                    unit=kpi.unit,
                    display_unit=kpi.display_unit,
                    target_unit=TARGET_MEASURE_UNITS.get(kpi.target_measure or "", "number"),
                    value=float(values.at[am_id, name]),
                    target=None if target is None or pd.isna(target) else float(target),
                    bands=scoring.bands,
                    higher_is_better=bool(kpi.higher_is_better),
                    score=float(scores.at[am_id, name]),
                    weight=scoring.weight,
                    effective_weight=float(carried.at[am_id, name]),
                    measure_has_data=bool(scores.loc[am_id, kpi_names].notna().any()),
                    min_base=scoring.min_base,
                    **_evidence_of(evidence, am_id, kpi),
                )
            )
    return out
