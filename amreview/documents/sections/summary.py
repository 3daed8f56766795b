"""1. Summary: the overall rating, the measures with their scores, lights and trends, headline figures."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from amreview.documents import narrative as say
from amreview.documents import plots
from amreview.documents.model import Chart, Explanation, Section, Table, Text
from amreview.documents.sections._common import finish, light_of, new_section, no_sales, value_of
from amreview.metrics.registry import ALL_MEASURES
from amreview.scoring.display import HEADLINE_KPIS, no_rating_reason
from amreview.scoring.robustness import rating_flips

if TYPE_CHECKING:  # the review calls the section builders: Review is only a type here
    from amreview.documents.review import Review


ATTAINMENT_KPIS = {
    "revenue_attainment": "Revenue",
    "gross_margin_attainment": "Gross margin",
    "new_accounts_attainment": "New accounts",
    "new_business_margin_attainment": "Margin from new accounts",
    "visits_attainment": "Visits",
    "activities_attainment": "Activities",
    "gross_margin_projection_attainment": "Gross margin, full-year projection",
}


def summary(review: Review) -> Section:
    section = new_section(review, "summary")
    labels = {m: ALL_MEASURES[m] for m in review.config.measures}
    _headline(review, section, labels)
    frame = _measure_rows(review, labels)
    section.parts.append(_measures_table(review, frame))
    if frame["Score"].notna().any():  # else the overall line says nothing could be scored: no empty chart
        section.parts.append(_measure_scores_chart(review, frame))
    _headline_figures(review, section)
    section.parts.append(_attainment_chart(review))
    benchmarks = _benchmarks(review)
    if benchmarks is not None:
        section.parts.append(benchmarks)
    measures = review.measures
    section.explanation = Explanation(
        measures=tuple((labels[m], float(measures[m]), review.config.measures[m].weight) for m in labels),
        items=(),
        note="The overall score is the weighted mean of the measure scores; a measure without data "
        "is left out and its weight spread over the others. Each section explains its measure.",
    )
    return finish(
        section,
        [headline_kpi(review, m)[0] for m in labels] + list(ATTAINMENT_KPIS) + list(review.config.benchmark_kpis),
    )


def _headline(review: Review, section: Section, labels: dict[str, str]) -> None:
    """The section's lines and key figures: the overall score and rating (computed, how robust
    it is, and agreed), measures without data, strengths, and margin and new accounts against target."""
    values, overall, measures = review.values, review.overall, review.measures
    previous = review.previous_row
    before = str(review.quarter.previous())
    without = [ALL_MEASURES[m] for m in str(overall["measures_without_data"]).split("; ") if m]
    rating_line = say.overall_line(
        overall["overall_score"],
        overall["overall_rating"],
        previous["overall"]["overall_score"] if previous else np.nan,
        before,
        no_rating_reason(overall),
    )
    section.lines += [
        " ".join(line for line in (rating_line, robustness_words(review)) if line),  # how robust, beside the rating
        say.agreed_rating_line(review.outcome.agreed_rating, review.outcome.computed_rating, review.rating_change),
        say.not_scored_line(without) if not np.isnan(float(overall["overall_score"])) else "",
        say.strengths_line({labels[m]: measures[m] for m in labels}),
    ]
    if review.has_sales:
        section.lines.append(
            say.money_line(
                "Gross margin",
                values["gross_margin"],
                review.targets.get("gross_margin_attainment", np.nan),
                value_of(values, "gross_margin_qoq"),
                before,
            )
        )
        section.lines.append(
            say.new_accounts_line(
                values["new_accounts"], review.targets.get("new_accounts", np.nan), values["new_account_margin"]
            )
        )
    section.figures.update(
        overall_score=float(overall["overall_score"]),
        gross_margin=value_of(values, "gross_margin"),
        gross_margin_attainment=value_of(values, "gross_margin_attainment"),
    )


def robustness_words(review: Review) -> str:
    """How robust the person's rating is (:func:`amreview.documents.narrative.robustness_line`),
    from their row of the scorecard's robustness columns; ``""`` without them."""
    robustness = review.scorecard.robustness
    if "fragile" not in robustness.columns:
        return ""
    row, rating = robustness.loc[review.am_id], review.overall["overall_rating"]
    rating = None if pd.isna(rating) else str(rating)
    flips = [(ALL_MEASURES[f.measure], f.points, f.rating) for f in rating_flips(row, rating, review.config)]
    equal = row["equal_weights_rating"] if bool(row["equal_weights_changes"]) else None
    return say.robustness_line(rating, flips, equal)


def _measure_rows(review: Review, labels: dict[str, str]) -> pd.DataFrame:
    """One row per measure of the role: its headline KPI against target, score, rating, light and
    the change of the score since last quarter (columns starting ``_`` say how to show them)."""
    values, measures, previous = review.values, review.measures, review.previous_row
    rows = []
    for measure in review.config.measures:
        kpi_name, target_kpi = headline_kpi(review, measure)
        kpi = review.scorecard.kpis[kpi_name]
        actual = value_of(values, kpi_name)
        target = value_of(review.targets, target_kpi) if target_kpi else np.nan
        score = float(measures[measure])
        earlier = float(previous["measures"][measure]) if previous else np.nan
        rows.append(
            {
                "Measure": labels[measure],
                "Headline KPI": kpi.label,
                "Actual": actual,
                "Target": target,
                "Attainment": actual / target if target > 0 else np.nan,
                "Score": score,
                "Rating": review.config.rating(score) or "no data",
                "Trend": score - earlier,
                "_unit": kpi.display_unit,
                "_light": light_of(score, review),
                "_no_target": "no target" if target_kpi else "—",
                # a target without a figure to compare: the figure is missing, not the target
                "_no_attainment": "no data"
                if target > 0 and np.isnan(actual)
                else ("no target" if target_kpi else "—"),
            }
        )
    return pd.DataFrame(rows)


def headline_kpi(review: Review, measure: str) -> tuple[str, str | None]:
    """The KPI the summary shows for ``measure`` and the KPI whose target it is compared with.

    :data:`HEADLINE_KPIS`'s where it has a value or the measure has no score; otherwise the first
    KPI of the measure, in the config's order, that has a value (a scored KPI with a value has a
    score), with no target beside it: a measure rated from its figures never shows "no data" as
    its headline (a pack without customer feedback rates relationships from retention; a config
    may score margin from the win rate)."""
    scored = list(review.config.measures[measure].kpis)
    preferred = HEADLINE_KPIS.get(measure, (scored[0], None))
    if not np.isnan(value_of(review.values, preferred[0])) or np.isnan(float(review.measures[measure])):
        return preferred
    with_value = [name for name in scored if not np.isnan(value_of(review.values, name))]
    return (with_value[0], None) if with_value else preferred


def _measures_table(review: Review, frame: pd.DataFrame) -> Table:
    """The measures of the role (:func:`_measure_rows`) as a table."""
    before = str(review.quarter.previous())
    trend_missing = "new in role" if review.previous_row is None and review.previous is not None else "no earlier score"
    return Table(
        "measures",
        f"The {len(frame)} measures of the role",
        frame,
        formats={
            "Actual": "row",
            "Target": "row",
            "Attainment": "attainment",
            "Score": "score",
            "Trend": "score_change",
        },
        row_unit="_unit",
        missing={
            "Target": "_no_target",
            "Attainment": "_no_attainment",
            "Actual": "no data",
            "Trend": trend_missing,
        },
        lights={"Rating": "_light"},
        note=f"Scores run from 1 to 5; the trend is the change of the score since {before}.",
    )


def _measure_scores_chart(review: Review, frame: pd.DataFrame) -> Chart:
    """The measures' scores as bars, with the rating two above the lowest as the reference line."""
    reference = review.config.ratings[-3] if len(review.config.ratings) >= 3 else None
    return Chart(
        "measure_scores",
        plots.plot_measure_scores,
        frame.set_index("Measure")[["Score", "_light"]].set_axis(["score", "light"], axis=1),
        {
            "reference": reference.min_score if reference else None,
            "reference_label": reference.label if reference else "",
        },
    )


def _headline_figures(review: Review, section: Section) -> None:
    """The quarter's revenue, cost, margin, GM % and accounts (or that there are no sales)."""
    if not review.has_sales:
        no_sales(section)
        return
    values = review.values
    figures = pd.DataFrame(
        {
            "Figure": ["Revenue", "Cost of goods", "Gross margin", "GM %", "Active accounts", "New accounts won"],
            "Value": [
                values[k] for k in ("revenue", "cost", "gross_margin", "gm_pct", "active_accounts", "new_accounts")
            ],
            "_unit": ["money", "money", "money", "pct", "count", "count"],
        }
    )
    section.parts.append(
        Table(
            "headline_figures",
            f"Headline figures, {review.quarter}",
            figures,
            formats={"Value": "row"},
            row_unit="_unit",
        )
    )


def _attainment_chart(review: Review) -> Chart | Text:
    """Attainment of every target the person has a figure against; a sentence, not an empty
    chart, where there is none."""
    values = review.values
    attainments = pd.DataFrame(
        {"attainment": [values[k] for k in ATTAINMENT_KPIS if k in values]},
        index=[label for k, label in ATTAINMENT_KPIS.items() if k in values],
    )
    attainments = attainments[attainments["attainment"].notna()]
    if attainments.empty:
        return Text(say.no_attainment(str(review.quarter)), "missing")
    return Chart("attainment", plots.plot_attainment, attainments)


def _benchmarks(review: Review) -> Table | None:
    """Team and organisation percentiles of the benchmark KPIs (no one else is named)."""
    table = review.scorecard.table.set_index("am_id")
    names = [n for n in review.config.benchmark_kpis if f"{n}_team_percentile" in table.columns]
    if not names:
        return None
    kpis = review.scorecard.kpis
    frame = pd.DataFrame(
        {
            "KPI": [kpis[n].label for n in names],
            "Value": [value_of(review.values, n) for n in names],
            "Team percentile": [table.at[review.am_id, f"{n}_team_percentile"] for n in names],
            "Organisation percentile": [table.at[review.am_id, f"{n}_org_percentile"] for n in names],
            "_unit": [kpis[n].display_unit for n in names],
        }
    )
    return Table(
        "benchmarks",
        "Where the figures stand",
        frame,
        formats={"Value": "row", "Team percentile": "pct0", "Organisation percentile": "pct0"},
        row_unit="_unit",
        missing={"Value": "no data", "Team percentile": "—", "Organisation percentile": "—"},
        note="Percentile: the share of the group, this person included, whose figure is no better. "
        "No one else is named; groups under three people show none.",
    )
