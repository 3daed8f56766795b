"""The scorecard shown to people: the plain-text breakdown ``amreview scorecard --explain``
prints, the same as an HTML table (for JupyterLab and the review), a compact HTML scorecard, and
why a row has no rating. Everything from the data is HTML-escaped."""

from __future__ import annotations

import pandas as pd

from amreview.formats import (
    NO_DATA,
    escape,
    is_missing,
    kpi_value,
    number_format_in_effect,
    pct,
    score_text,
    weight_pct,
)
from amreview.metrics.intervals import LEVEL
from amreview.metrics.registry import ALL_MEASURES
from amreview.scoring.bands import NOTHING_TO_SCORE
from amreview.scoring.robustness import move_points, signed_points

# measure → (the KPI a review's summary and the scorecard's hand-out show for it, the KPI whose
# target it is compared with); here, not with the summary's section, so the scorecard's workbook
# is written without importing the review's sections and their charts (matplotlib)
HEADLINE_KPIS = {
    "margin_kpi_targets": ("gross_margin", "gross_margin_attainment"),
    "report_timeliness": ("reports_on_time_share", None),
    "information_accuracy": ("forecast_accuracy_gross_margin", None),
    "development_plan": ("plan_completion", None),
    "customer_relationships": ("nps", None),
    "new_business": ("new_accounts", "new_accounts"),
    "crm_utilisation": ("activities_per_week", None),
    "competencies": ("competency_manager_mean", None),
}


def explanation_text(explanation) -> str:
    """The plain-text breakdown printed by ``amreview scorecard --explain`` (money in its
    config's number format)."""
    with number_format_in_effect(explanation.config.number_format):
        return _explanation_text(explanation)


def _explanation_text(explanation) -> str:
    overall = explanation.overall
    lines = [
        f"{explanation.name} ({explanation.am_id}), {explanation.quarter}",
        f"Overall: {score_text(overall['overall_score'])} — {overall['overall_rating'] or 'no rating'}",
    ]
    if sentence := no_rating_sentence(overall):
        lines.append(sentence)
    if overall["measures_without_data"] and not is_missing(overall["overall_score"]):
        lines.append(f"Left out for lack of data (weight spread over the rest): {overall['measures_without_data']}")
    kpis_by_measure: dict[str, list] = {}
    for item in explanation.kpis:
        kpis_by_measure.setdefault(item.measure, []).append(item)
    for measure, items in kpis_by_measure.items():
        weight = explanation.config.measures[measure].weight
        lines.append("")
        score = score_text(explanation.measures[measure])
        lines.append(f"{ALL_MEASURES[measure]}: score {score} (weight {weight_pct(weight)})")
        for item in items:
            target = f" (target {kpi_value(item.target, item.target_unit)})" if item.target is not None else ""
            direction = "higher is better" if item.higher_is_better else "lower is better"
            lines.append(
                f"  - {item.label}: {kpi_value(item.value, item.display_unit)}{evidence_note(item)}{target}; "
                f"{item.band_text} "
                f"({direction}; weight {weight_pct(item.weight)}, carried {weight_pct(item.effective_weight)})"
                if not is_missing(item.value)
                else f"  - {item.label}: {item.band_text}"
            )
    return "\n".join(lines + robustness_lines(explanation))


def _rated(score, rating) -> str:
    """``"3.81 Exceeds"``; ``"3.81, no rating"`` where the score has none."""
    return f"{score_text(score)} {rating}" if not is_missing(rating) and rating else f"{score_text(score)}, {NO_RATING}"


def robustness_lines(explanation) -> list[str]:
    """How the overall score and rating move with the weights (the explanation's row of
    :attr:`Scorecard.robustness <amreview.scoring.scorecard.Scorecard.robustness>`): one line per
    measure with its weight moved down and up, equal weights, and whether the rating is
    fragile and why. None where there is no overall score, or no row (a scorecard written
    before robustness was)."""
    row, overall = explanation.robustness, explanation.overall
    if row is None or "fragile" not in row.index or is_missing(overall["overall_score"]):
        return []
    lines = ["", "How robust the rating is (one measure's weight moved, the others rescaled to add up to 1):"]
    points = move_points(explanation.config)
    for measure in explanation.config.measures:
        moves = [
            f"{signed_points(points[(measure, d)])} points "
            f"{_rated(row[f'{measure}_weight_{d}_score'], row[f'{measure}_weight_{d}_rating'])}"
            for d in ("down", "up")
        ]
        lines.append(f"  - {ALL_MEASURES[measure]}: {'; '.join(moves)}")
    equal = _rated(row["equal_weights_score"], row["equal_weights_rating"])
    other = " (another rating)" if bool(row["equal_weights_changes"]) else ""
    lines.append(f"  - Equal weights for every measure: {equal}{other}")
    return lines + [verdict] if (verdict := robustness_verdict(explanation)) else lines


def robustness_verdict(explanation) -> str:
    """``"Fragile: the rating (Exceeds) changes with …"`` or ``"Robust: Meets under every one of
    these moves."``; ``""`` where there is no rating to judge, or no robustness row."""
    row, overall = explanation.robustness, explanation.overall
    if row is None or "fragile" not in row.index or is_missing(overall["overall_score"]):
        return ""
    rating = overall["overall_rating"] if not is_missing(overall["overall_rating"]) else None
    if bool(row["fragile"]):
        return f"Fragile: the rating ({rating or NO_RATING}) changes with {row['fragile_because']}."
    return f"Robust: {rating} under every one of these moves." if rating else ""


def evidence_text(item) -> str:
    """What a KPI's value rests on, in words (``""`` for a KPI without evidence, or without
    observations): ``"3 of 4 closed deals won; 95 % interval 30 % to 95 %"`` for a share,
    ``"accounts invoiced: 12; 95 % interval 5.1 % to 7 %"`` otherwise, ``"…; no interval"`` where
    there is none (one observation of a mean)."""
    if not item.counted or is_missing(item.base):
        return ""
    if not is_missing(item.successes):
        base = f"{item.successes:,.10g} of {item.base:,.10g} {item.counted} {item.success}"
    else:
        base = f"{item.counted}: {item.base:,.10g}"
    if is_missing(item.low) or is_missing(item.high):
        return f"{base}; no interval"
    low, high = kpi_value(item.low, item.display_unit), kpi_value(item.high, item.display_unit)
    return f"{base}; {pct(LEVEL, 0)} interval {low} to {high}"


def evidence_note(item) -> str:
    """:func:`evidence_text` in brackets after a value (``""`` when there is none)."""
    text = evidence_text(item)
    return f" ({text})" if text else ""


def kpi_explanation_row(item) -> dict[str, str]:
    """One scored KPI of an explanation as the text a table shows: its label, value, target,
    band, score and the weight it carried."""
    return {
        "KPI": item.label,
        "Value": NO_DATA if is_missing(item.value) else kpi_value(item.value, item.display_unit),
        "Target": "" if item.target is None else kpi_value(item.target, item.target_unit),
        "Band": item.band_text,
        "Score": score_text(item.score),
        "Weight carried": weight_pct(item.effective_weight),
    }


def explanation_html(explanation) -> str:
    """The breakdown as an HTML table (escaped), for JupyterLab and the review (money in its
    config's number format)."""
    with number_format_in_effect(explanation.config.number_format):
        return _explanation_html(explanation)


def _explanation_html(explanation) -> str:
    rows = [
        {"Measure": ALL_MEASURES[item.measure], **kpi_explanation_row(item), "Rests on": evidence_text(item)}
        for item in explanation.kpis
    ]
    table = pd.DataFrame(rows).style.format(escape="html").hide(axis="index").to_html()
    overall = explanation.overall
    head = (
        f"<p><b>{escape(explanation.name)}</b> ({escape(explanation.am_id)}), {explanation.quarter}: "
        f"overall {score_text(overall['overall_score'])} — "
        f"{escape(str(overall['overall_rating'] or 'no rating'))}</p>"
    )
    if sentence := no_rating_sentence(overall):
        head += f"<p>{escape(sentence)}</p>"
    if verdict := robustness_verdict(explanation):
        head += f"<p>{escape(verdict)}</p>"
    return head + table


def no_rating_reason(overall) -> str:
    """Why a scorecard row (its ``overall`` part) has no rating, ``""`` when it has one or no
    reason is recorded (a scorecard written before the reason was)."""
    reason = overall.get("no_rating_reason", "")
    return "" if is_missing(reason) else str(reason)


def no_rating_sentence(overall) -> str:
    """The one sentence every document says a row's missing rating with (``""`` when it has
    one): ``"No overall score and no rating: no measure has data for the quarter."`` where
    nothing could be scored (:data:`~amreview.scoring.bands.NOTHING_TO_SCORE`), else
    ``"No rating: <the reason>."`` (a score kept, a rating withheld)."""
    if not is_missing(overall.get("overall_rating")) and overall.get("overall_rating"):
        return ""
    reason = no_rating_reason(overall)
    if is_missing(overall.get("overall_score")):
        return f"No overall score and no rating: {reason or NOTHING_TO_SCORE}."
    return f"No rating: {reason}." if reason else ""


NO_RATING = "no rating"


def rating_cell(rating, reason="") -> str:
    """A rating as a table cell shows it (the team overview, the index, the compact scorecard):
    its label; ``"no rating: no measure has data for the quarter"`` where nothing could be scored
    (``reason`` is :data:`~amreview.scoring.bands.NOTHING_TO_SCORE`), the phrase of
    :func:`no_rating_sentence`; ``"no rating"`` otherwise (the reason is said beside it)."""
    if not is_missing(rating) and rating:
        return str(rating)
    return f"{NO_RATING}: {NOTHING_TO_SCORE}" if reason == NOTHING_TO_SCORE else NO_RATING


def scorecard_html(scorecard) -> str:
    """A compact scorecard: one row per account manager, measure scores and the rating."""
    frame = pd.DataFrame(index=scorecard.values.index)
    frame["Name"] = scorecard.people["name"]
    for measure in scorecard.measures.columns:
        frame[ALL_MEASURES[measure]] = scorecard.measures[measure].map(score_text)
    frame["Overall"] = scorecard.overall["overall_score"].map(score_text)
    overall = scorecard.overall
    reasons = overall["no_rating_reason"] if "no_rating_reason" in overall.columns else pd.Series("", overall.index)
    frame["Rating"] = [rating_cell(r, why) for r, why in zip(overall["overall_rating"], reasons)]
    if "no_rating_reason" in scorecard.overall.columns:
        frame["Why no rating"] = scorecard.overall["no_rating_reason"].fillna("")
    return (
        f"<p>Scorecard {scorecard.quarter}: {len(frame)} account managers</p>"
        + frame.style.format(escape="html").format_index(escape="html").format_index(escape="html", axis=1).to_html()
    )
