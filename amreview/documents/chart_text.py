"""What each chart shows, in words a screen reader speaks: the text of a chart's ``alt``.

A chart is a picture of numbers; a reader who cannot see it gets its title (from the drawn
chart) and the sentence :func:`describe` makes here from the *same frame* the plot function
draws, money as the narrative writes it (:func:`amreview.formats.compact_money`) and
percentages as the chart's labels: each bar's label and value, or, for a grid too large to read
out (the team's measure scores), its size and its lowest and highest cell, which the table
beside it lists in full. One describer per plot function
(:data:`DESCRIBERS`); a plot function without one is a bug that :func:`describe` refuses.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from amreview import formats
from amreview.documents import plots, team_plots
from amreview.documents.plot_style import NO_DATA, attainment_label, is_empty, is_missing, share_label
from amreview.formats import compact_money

NO_TARGET_TEXT = "no target"


def _listed(items: list[str]) -> str:
    """``items`` joined by semicolons, ending with a full stop (``"no data."`` when empty)."""
    return ("; ".join(items) if items else NO_DATA) + "."


def _score(value) -> str:
    return NO_DATA if is_missing(value) else f"{float(value):.2f}"


def _people(n) -> str:
    return f"{int(n)} {'person' if int(n) == 1 else 'people'}"


def describe_measure_scores(frame: pd.DataFrame, reference: float | None = None, reference_label: str = "") -> str:
    """Each measure's score (1–5; "no data" where missing), then the reference line."""
    if is_empty(frame, "score"):
        return NO_DATA + "."
    items = [f"{measure} {_score(score)}" for measure, score in frame["score"].items()]
    line = f" The line marks {reference_label} from {reference:g}." if reference is not None else ""
    return _listed(items) + line


def describe_attainment(frame: pd.DataFrame) -> str:
    """Each row's attainment (actual / target) as a percentage; "no target" where missing."""
    if is_empty(frame, "attainment"):
        return "no targets."
    items = [
        f"{label} {NO_TARGET_TEXT if is_missing(v) else attainment_label(v)}"
        for label, v in frame["attainment"].items()
    ]
    return _listed(items) + " The line marks 100 %."


def describe_monthly_vs_target(frame: pd.DataFrame, measure: str = "gross_margin") -> str:
    """Each month's figure and its target (the chart's bars and ticks)."""
    if is_empty(frame, measure):
        return NO_DATA + "."
    target = frame.get(f"{measure}_target", pd.Series(np.nan, index=frame.index))
    items = []
    for month, actual, goal in zip(frame.index, frame[measure], target):
        shown = pd.Period(month, "M").strftime("%b %Y")
        against = f" against a target of {compact_money(goal)}" if not is_missing(goal) else f", {NO_TARGET_TEXT}"
        items.append(f"{shown} {NO_DATA if is_missing(actual) else compact_money(actual)}{against}")
    return _listed(items)


def describe_monthly_margin(frame: pd.DataFrame) -> str:
    return describe_monthly_vs_target(frame, "gross_margin")


def describe_monthly_revenue(frame: pd.DataFrame) -> str:
    return describe_monthly_vs_target(frame, "revenue")


def describe_gm_pct_trend(frame: pd.DataFrame) -> str:
    """GM % in each quarter, and the team's where drawn."""
    if is_empty(frame, "gm_pct"):
        return NO_DATA + "."
    team = frame["team_gm_pct"] if "team_gm_pct" in frame else pd.Series(np.nan, index=frame.index)
    items = [
        f"{quarter} {NO_DATA if is_missing(own) else share_label(own)}"
        + ("" if is_missing(theirs) else f" (team {share_label(theirs)})")
        for quarter, own, theirs in zip(frame.index, frame["gm_pct"], team)
    ]
    return _listed(items)


def describe_margin_bars(frame: pd.DataFrame, label: str = "label") -> str:
    """Each row's gross margin (and GM % where given), as the bars' labels say."""
    if is_empty(frame, "gross_margin"):
        return NO_DATA + "."
    gm = frame["gm_pct"] if "gm_pct" in frame else pd.Series(np.nan, index=frame.index)
    items = [
        f"{name} {NO_DATA if is_missing(v) else compact_money(v)}" + ("" if is_missing(g) else f", GM {share_label(g)}")
        for name, v, g in zip(frame[label], frame["gross_margin"], gm)
    ]
    return _listed(items)


def describe_back_order_ageing(frame: pd.DataFrame) -> str:
    """Each age bucket's open value and number of orders."""
    if is_empty(frame, "value") or float(frame["value"].sum()) == 0 and int(frame["orders"].sum()) == 0:
        return "no open back orders."
    items = [
        f"{age} days {compact_money(v)} in {int(n)} order{'s' if n != 1 else ''}"
        for age, v, n in zip(frame.index, frame["value"], frame["orders"])
    ]
    return _listed(items)


def describe_pipeline_funnel(frame: pd.DataFrame) -> str:
    """Each stage's value and number of deals."""
    if is_empty(frame, "value") or int(frame["opportunities"].sum()) == 0:
        return "no opportunities."
    items = [
        f"{str(stage).capitalize()} {compact_money(v)} in {int(n)} deal{'s' if n != 1 else ''}"
        for stage, v, n in zip(frame.index, frame["value"].fillna(0.0), frame["opportunities"])
    ]
    return _listed(items)


def describe_nps_breakdown(frame: pd.DataFrame) -> str:
    """The responses by group (count and share) and the NPS."""
    groups = ("promoters", "passives", "detractors")
    if frame is None or len(frame) == 0 or int(frame[list(groups)].iloc[0].sum()) == 0:
        return "no NPS responses."
    row = frame.iloc[0]
    total = int(sum(int(row[g]) for g in groups))
    items = [f"{int(row[g])} {g} ({share_label(int(row[g]) / total)})" for g in groups]
    nps = row.get("nps", np.nan)
    score = "" if is_missing(nps) else f" NPS {formats.format_value(float(nps), 'signed0')}."
    return f"{total} responses: " + _listed(items) + score


def describe_weekly_activities(frame: pd.DataFrame) -> str:
    """The activities over the weeks by type, and the busiest week."""
    types = [c for c in frame.columns if c != "total"] if frame is not None else []
    if frame is None or len(frame) == 0 or float(frame[types].to_numpy().sum()) == 0:
        return "no activities logged."
    per_week = frame[types].sum(axis=1)
    busiest = per_week.idxmax()
    by_type = [f"{int(frame[t].sum())} {t}" for t in types]
    return (
        f"{int(per_week.sum())} activities in {len(frame)} weeks: "
        + _listed(by_type)
        + f" Busiest week: {pd.Timestamp(busiest):%d %b} with {int(per_week[busiest])}."
    )


def describe_logging_lag(frame: pd.DataFrame) -> str:
    """The share of activities in each lag bucket."""
    if frame is None or len(frame) == 0 or int(frame["activities"].sum()) == 0:
        return "no activities logged."
    items = [f"{bucket} {share_label(share)}" for bucket, share in frame["share"].items()]
    return f"{int(frame['activities'].sum())} activities: " + _listed(items)


def describe_objective_progress(frame: pd.DataFrame) -> str:
    """Each objective's progress and status."""
    if is_empty(frame, "progress_used"):
        return "no objectives."
    items = [
        f"{objective} {share_label(v)}, {str(s).replace('_', ' ')}"
        for objective, v, s in zip(frame["objective"], frame["progress_used"], frame["status"])
    ]
    return _listed(items)


def describe_competencies(frame: pd.DataFrame) -> str:
    """Each competency's ratings by each rater who rated."""
    raters = (
        [r for r in ("self", "manager", "peer") if r in frame and frame[r].notna().any()] if frame is not None else []
    )
    if not raters:
        return "no ratings."
    items = []
    for _, row in frame.iterrows():
        given = [f"{r} {float(row[r]):g}" for r in raters if not is_missing(row[r])]
        items.append(f"{row['competency']}: {', '.join(given) or 'not rated'}")
    return _listed(items)


def describe_measure_heatmap(scores: pd.DataFrame) -> str:
    """The grid's size, and its lowest and highest score with whose and which measure they are."""
    values = scores.to_numpy(dtype="float64")
    if not np.isfinite(values).any():
        return f"{_people(len(scores))}, no scores."
    low = np.unravel_index(np.nanargmin(values), values.shape)
    high = np.unravel_index(np.nanargmax(values), values.shape)

    def cell(at) -> str:
        return f"{values[at]:.1f} ({scores.index[at[0]]}, {scores.columns[at[1]]})"

    missing = int(np.isnan(values).sum())
    return (
        f"{_people(len(scores))} by {len(scores.columns)} measures; lowest score {cell(low)}, highest {cell(high)}"
        + (f"; {missing} without data" if missing else "")
        + ". The team scorecard table lists every score."
    )


def describe_rating_distribution(counts: pd.Series) -> str:
    """How many people hold each rating, the highest rating first."""
    return _listed([f"{label} {_people(n)}" for label, n in counts[::-1].items()])


def describe_overall_scores(scores: pd.Series, boundaries: pd.Series) -> str:
    """Each person's overall score, then where the rating bands start."""
    items = [f"{name} {'no score' if is_missing(v) else f'{float(v):.2f}'}" for name, v in scores.items()]
    bands = ", ".join(f"{label} from {float(low):g}" for label, low in boundaries.items())
    return _listed(items) + f" Bands: {bands}."


def describe_team_totals(totals: pd.DataFrame) -> str:
    """Each measure's attainment of the team target, with its label (actual of target)."""
    items = [
        f"{measure} {NO_TARGET_TEXT if is_missing(v) else attainment_label(float(v))} ({label})"
        for measure, v, label in zip(totals.index, totals["attainment"], totals["label"])
    ]
    return _listed(items) + " The line marks 100 %."


def describe_rating_distributions(counts: pd.DataFrame) -> str:
    """Per rating, the highest first: how many computed and how many agreed."""
    rows = counts[::-1].iterrows()
    items = [f"{label} {int(row['computed'])} computed, {int(row['agreed'])} agreed" for label, row in rows]
    return _listed(items)


def describe_manager_offsets(offsets: pd.DataFrame, unit: str, title: str) -> str:
    """Each manager's offset, its interval and flag ("too few people" where not compared)."""
    items = []
    for manager, row in offsets.iterrows():
        if is_missing(row["offset"]):
            items.append(f"{manager} too few people")
            continue
        span = (
            ""
            if is_missing(row["offset_low"])
            else f" (interval {float(row['offset_low']):+.2f} to {float(row['offset_high']):+.2f})"
        )
        items.append(f"{manager} {float(row['offset']):+.2f}{span}" + (f", {row['flag']}" if row["flag"] else ""))
    return _listed(items) + f" In {unit}; the line marks zero."


DESCRIBERS: dict[Callable, Callable[..., str]] = {
    plots.plot_measure_scores: describe_measure_scores,
    plots.plot_attainment: describe_attainment,
    plots.plot_monthly_vs_target: describe_monthly_vs_target,
    plots.plot_monthly_margin: describe_monthly_margin,
    plots.plot_monthly_revenue: describe_monthly_revenue,
    plots.plot_gm_pct_trend: describe_gm_pct_trend,
    plots.plot_margin_bars: describe_margin_bars,
    plots.plot_margin_by_vendor: lambda frame: describe_margin_bars(frame, "vendor"),
    plots.plot_margin_by_deal_type: lambda frame: describe_margin_bars(frame, "deal_type"),
    plots.plot_top_accounts: lambda frame: describe_margin_bars(frame, "account"),
    plots.plot_back_order_ageing: describe_back_order_ageing,
    plots.plot_pipeline_funnel: describe_pipeline_funnel,
    plots.plot_nps_breakdown: describe_nps_breakdown,
    plots.plot_weekly_activities: describe_weekly_activities,
    plots.plot_logging_lag: describe_logging_lag,
    plots.plot_objective_progress: describe_objective_progress,
    plots.plot_competencies: describe_competencies,
    team_plots.plot_measure_heatmap: describe_measure_heatmap,
    team_plots.plot_rating_distribution: describe_rating_distribution,
    team_plots.plot_overall_scores: describe_overall_scores,
    team_plots.plot_team_totals: describe_team_totals,
    team_plots.plot_rating_distributions: describe_rating_distributions,
    team_plots.plot_manager_offsets: describe_manager_offsets,
}


def describe(plot: Callable, *data, **options) -> str:
    """The sentence for ``plot`` drawn from ``data`` with ``options`` (its describer's)."""
    describer = DESCRIBERS.get(plot)
    if describer is None:  # a plot function added without its words: a bug, not a data problem
        raise TypeError(f"no description for {getattr(plot, '__name__', plot)}: add one to chart_text.DESCRIBERS")
    return describer(*data, **options)


def chart_titles(figure) -> list[str]:
    """The titles drawn on ``figure``'s charts, wherever each sits (the house style puts them left)."""
    return [" ".join(t for t in (ax.get_title(loc) for loc in ("left", "center", "right")) if t) for ax in figure.axes]


def alt_text(titles: list[str], sentence: str) -> str:
    """A chart's ``alt``: its titles as drawn (a figure may hold two charts), then ``sentence``."""
    shown = " and ".join(t for t in titles if t) or "untitled"
    return f"Chart: {shown}. {sentence}"
