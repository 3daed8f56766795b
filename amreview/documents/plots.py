"""Charts of a review: ``plot_*(frame, ax=None) -> Axes``, one house style.

Plot functions draw what they are given and compute nothing but layout: the frames come from
:mod:`amreview.documents.review` (or the metric functions) with numbers in them. Every function draws in
the house style (``amreview.mplstyle``: readable fonts, the Okabe–Ito colour-blind-safe palette,
compact money and percentage axes) whatever the caller's matplotlib defaults, creates its own
figure when ``ax`` is None, and draws a "no data" message on an empty frame instead of failing.
Colour never carries meaning alone: bars carry value labels, statuses have words. The style, the
palette and the helpers every chart draws with are :mod:`amreview.documents.plot_style`'s.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, MaxNLocator

from amreview.documents.plot_style import (
    ACTUAL_COLOUR,
    LIGHT_COLOURS,
    MUTED_COLOUR,
    NO_DATA,
    PALETTE,
    RATER_COLOURS,
    SECOND_COLOUR,
    STAGE_COLOURS,
    STATUS_COLOURS,
    TARGET_COLOUR,
    attainment_label,
    fit_bar_height,
    hbars,
    is_empty,
    is_missing,
    label_lines,
    money_axis,
    new_axes,
    no_data,
    own_figure,
    percent_axis,
    share_label,
    styled,
    wrap,
)

# --------------------------------------------------------------------------------------------
# Summary
# --------------------------------------------------------------------------------------------


@styled
def plot_measure_scores(
    frame: pd.DataFrame, ax: Axes | None = None, reference: float | None = None, reference_label: str = "Meets"
) -> Axes:
    """Horizontal bars of each measure's score on the 1–5 scale, coloured by traffic light.

    ``frame``: index the measure names (in display order); columns ``score`` (NaN = no data:
    the bar is missing and says so) and optionally ``light`` (``green``/``amber``/``red``).
    ``reference``: a score drawn as a dashed line (e.g. the lowest "Meets" score).
    """
    ax = new_axes(ax)
    title = "Score per measure (1–5)"
    if is_empty(frame, "score"):
        return no_data(ax, title)
    lights = frame["light"] if "light" in frame else pd.Series("", index=frame.index)
    colours = [LIGHT_COLOURS.get(str(light), ACTUAL_COLOUR) for light in lights]
    hbars(
        ax,
        frame.index,
        frame["score"],
        colours,
        title,
        lambda v, _p=None: f"{v:g}",
        [NO_DATA if is_missing(v) else f"{v:.2f}" for v in frame["score"]],
        references=() if reference is None else (reference,),
    )
    ax.set_xlim(0, 5.6)
    ax.set_xticks([0, 1, 2, 3, 4, 5])
    if reference is not None:
        ax.axvline(reference, color=TARGET_COLOUR, linestyle="--", linewidth=1)
        ax.text(
            reference,
            1.0,
            f" {reference_label} ({reference:g})",
            transform=ax.get_xaxis_transform(),
            va="bottom",
            ha="left",
            fontsize=8.5,
        )
    fit_bar_height(ax, len(frame))
    return ax


@styled
def plot_attainment(frame: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Horizontal bars of attainment (actual / target) with the 100 % line.

    ``frame``: index the labels; column ``attainment`` (fractions; NaN = no target, labelled so).
    Bars at or over 100 % are blue, under it orange.
    """
    ax = new_axes(ax)
    title = "Against target"
    if is_empty(frame, "attainment"):
        return no_data(ax, title, "no targets")
    values = frame["attainment"].astype("float64")
    colours = [ACTUAL_COLOUR if v >= 1 else SECOND_COLOUR for v in values.fillna(0)]
    hbars(
        ax,
        frame.index,
        values,
        colours,
        title,
        percent_axis,
        ["no target" if is_missing(v) else attainment_label(v) for v in values],
        references=(1.0,),
    )
    ax.axvline(1.0, color=TARGET_COLOUR, linestyle="--", linewidth=1)
    right = max(float(np.nanmax(values.to_numpy())), 1.0)
    ax.set_xlim(min(0.0, float(np.nanmin(values.to_numpy())) * 1.2), right * 1.2)
    fit_bar_height(ax, len(frame))
    return ax


# --------------------------------------------------------------------------------------------
# Margin
# --------------------------------------------------------------------------------------------


def _month_ticks(months) -> tuple[np.ndarray, list[str]]:
    """Tick positions and labels for ``YYYY-MM`` months: every month up to a year, else the
    first month of each quarter (and a year under January and the first tick)."""
    months = list(months)
    step = 1 if len(months) <= 12 else 3
    ticks: list[int] = []
    labels: list[str] = []
    for i, month in enumerate(months):
        period = pd.Period(month, "M")
        if step == 3 and (period.month - 1) % 3 and i:
            continue
        ticks.append(i)
        labels.append(period.strftime("%b\n%Y") if period.month == 1 or not labels else period.strftime("%b"))
    return np.asarray(ticks), labels


@styled
def plot_monthly_vs_target(
    frame: pd.DataFrame, ax: Axes | None = None, measure: str = "gross_margin", title: str | None = None
) -> Axes:
    """Bars of a monthly figure against black ticks of the month targets.

    ``frame``: index ``YYYY-MM``; columns ``<measure>`` and ``<measure>_target`` (NaN = no target:
    no tick that month). Bars under their target are orange, at or over it blue.
    """
    ax = new_axes(ax)
    name = measure.replace("_", " ").capitalize()
    title = title or f"{name} by month against target"
    if is_empty(frame, measure):
        return no_data(ax, title)
    x = np.arange(len(frame))
    actual = frame[measure].astype("float64")
    target = frame.get(f"{measure}_target", pd.Series(np.nan, index=frame.index)).astype("float64")
    colours = [SECOND_COLOUR if (not is_missing(t) and a < t) else ACTUAL_COLOUR for a, t in zip(actual, target)]
    ax.bar(x, actual.fillna(0), color=colours, width=0.72, label=name)
    if target.notna().any():
        ax.plot(
            x,
            target,
            color=TARGET_COLOUR,
            marker="_",
            markersize=max(6, 200 / max(len(x), 1)),
            linestyle="none",
            markeredgewidth=2.2,
            label="Target",
        )
    ticks, labels = _month_ticks(frame.index)
    ax.set_xticks(ticks, labels)
    ax.set_xlim(-0.6, len(x) - 0.4)
    ax.yaxis.set_major_formatter(FuncFormatter(money_axis))
    ax.axhline(0, color="#888888", linewidth=0.8)
    ax.set_title(title)
    handles: list[Artist] = [
        plt.Rectangle((0, 0), 1, 1, color=ACTUAL_COLOUR),
        plt.Rectangle((0, 0), 1, 1, color=SECOND_COLOUR),
    ]
    legend_labels = ["at or over target", "under target"]
    if target.notna().any():
        handles.append(ax.lines[-1])
        legend_labels.append("target")
    ax.legend(handles, legend_labels, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    top = max(np.nanmax(actual.to_numpy()), np.nanmax(np.append(target.to_numpy(), 0)))
    if top > 0:
        ax.set_ylim(top=top * 1.08)
    return ax


def plot_monthly_margin(frame: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Monthly gross margin against target (:func:`plot_monthly_vs_target` of ``gross_margin``)."""
    return plot_monthly_vs_target(frame, ax, "gross_margin", "Gross margin by month against target")


def plot_monthly_revenue(frame: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Monthly revenue against target (:func:`plot_monthly_vs_target` of ``revenue``)."""
    return plot_monthly_vs_target(frame, ax, "revenue", "Revenue by month against target")


@styled
def plot_gm_pct_trend(frame: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """GM % per quarter: the person's line, and the team's (dashed, grey) for comparison.

    ``frame``: index quarter labels (oldest first); columns ``gm_pct`` and optionally
    ``team_gm_pct`` (fractions; NaN = no revenue that quarter: a gap in the line).
    """
    ax = new_axes(ax)
    title = "GM % by quarter"
    if is_empty(frame, "gm_pct"):
        return no_data(ax, title)
    x = np.arange(len(frame))
    if "team_gm_pct" in frame and frame["team_gm_pct"].notna().any():
        ax.plot(x, frame["team_gm_pct"], color=MUTED_COLOUR, linestyle="--", marker="s", markersize=4, label="Team")
    ax.plot(x, frame["gm_pct"], color=ACTUAL_COLOUR, marker="o", label="GM %")
    last = frame["gm_pct"].last_valid_index()
    if last is not None:
        i = list(frame.index).index(last)
        ax.annotate(
            share_label(frame["gm_pct"].iloc[i]),
            (x[i], frame["gm_pct"].iloc[i]),
            textcoords="offset points",
            xytext=(0, 8),
            ha="center",
            fontsize=9,
            color=ACTUAL_COLOUR,
        )
    ax.set_xticks(x, [str(q) for q in frame.index])
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p=None: f"{v * 100:.1f} %"))
    ax.yaxis.set_major_locator(MaxNLocator(5))
    low = np.nanmin(frame[[c for c in ("gm_pct", "team_gm_pct") if c in frame]].to_numpy(dtype="float64"))
    high = np.nanmax(frame[[c for c in ("gm_pct", "team_gm_pct") if c in frame]].to_numpy(dtype="float64"))
    pad = max(0.005, (high - low) * 0.25)
    ax.set_ylim(low - pad, high + pad)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title(title)
    return ax


@styled
def plot_margin_bars(
    frame: pd.DataFrame, ax: Axes | None = None, label: str = "label", title: str = "Gross margin"
) -> Axes:
    """Horizontal bars of ``gross_margin`` per row, labelled with money and (if given) GM %.

    ``frame``: column ``label`` (or the one named) and ``gross_margin``, optionally ``gm_pct``;
    rows in display order (first at the top). Losses are orange bars to the left.
    """
    ax = new_axes(ax)
    if is_empty(frame, "gross_margin"):
        return no_data(ax, title)
    values = frame["gross_margin"].astype("float64")
    colours = [ACTUAL_COLOUR if v >= 0 else SECOND_COLOUR for v in values.fillna(0)]
    gm = frame["gm_pct"] if "gm_pct" in frame else pd.Series(np.nan, index=frame.index)
    texts = [
        "" if is_missing(v) else money_axis(v) + ("" if is_missing(g) else f" · {share_label(g)}")
        for v, g in zip(values, gm)
    ]
    hbars(ax, frame[label], values, colours, title, money_axis, texts)
    fit_bar_height(ax, len(frame))
    return ax


def plot_margin_by_vendor(frame: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Gross margin per vendor (:func:`plot_margin_bars`; ``frame`` has ``vendor``)."""
    return plot_margin_bars(frame, ax, label="vendor", title="Gross margin by vendor")


def plot_margin_by_deal_type(frame: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Gross margin per deal type (:func:`plot_margin_bars`; ``frame`` has ``deal_type``)."""
    return plot_margin_bars(frame, ax, label="deal_type", title="Gross margin by deal type")


def plot_top_accounts(frame: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Gross margin of the top accounts, largest at the top (``frame`` has ``account``)."""
    return plot_margin_bars(frame, ax, label="account", title="Top accounts by gross margin")


# --------------------------------------------------------------------------------------------
# Account management, new business, relationships
# --------------------------------------------------------------------------------------------


@styled
def plot_back_order_ageing(frame: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Open back-order value per age bucket, each bar labelled with its number of orders.

    ``frame``: index the age buckets (youngest first); columns ``value`` and ``orders``.
    """
    ax = new_axes(ax, (8, 2.8))
    title = "Open back orders by age (days)"
    if is_empty(frame, "value") or float(frame["value"].sum()) == 0 and int(frame["orders"].sum()) == 0:
        return no_data(ax, title, "no open back orders")
    x = np.arange(len(frame))
    ages = [str(a) for a in frame.index]
    colours = [SECOND_COLOUR if a in (">90", "61-90") else ACTUAL_COLOUR for a in ages]
    ax.bar(x, frame["value"], color=colours, width=0.65)
    for xi, (value, orders) in enumerate(zip(frame["value"], frame["orders"])):
        ax.text(
            xi,
            value,
            f"{money_axis(value)}\n{int(orders)} order{'s' if orders != 1 else ''}",
            ha="center",
            va="bottom",
            fontsize=8.5,
        )
    ax.set_xticks(x, ages)
    ax.yaxis.set_major_formatter(FuncFormatter(money_axis))
    ax.set_ylim(0, float(frame["value"].max()) * 1.35 or 1)
    ax.set_title(title)
    return ax


@styled
def plot_pipeline_funnel(frame: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Value per opportunity stage: open (prospecting, engaging) on the review day, won and lost
    in the quarter; each bar labelled with its value and number of deals.

    ``frame``: index the stages in order; columns ``value`` and ``opportunities``.
    """
    ax = new_axes(ax, (8, 2.6))
    title = "Pipeline: open at quarter end, won and lost in the quarter"
    if is_empty(frame, "value") or int(frame["opportunities"].sum()) == 0:
        return no_data(ax, title, "no opportunities")
    stages = [str(s) for s in frame.index]
    colours = [STAGE_COLOURS.get(s, ACTUAL_COLOUR) for s in stages]
    texts = [
        f"{money_axis(v)} · {int(n)} deal{'s' if n != 1 else ''}"
        for v, n in zip(frame["value"].fillna(0.0), frame["opportunities"])
    ]
    hbars(ax, [s.capitalize() for s in stages], frame["value"], colours, title, money_axis, texts)
    return ax


@styled
def plot_nps_breakdown(frame: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """One stacked bar of the NPS responses: detractors, passives, promoters (shares, labelled).

    ``frame``: one row with ``promoters``, ``passives``, ``detractors`` (counts) and ``nps``.
    """
    ax = new_axes(ax, (8, 1.7))
    title = "NPS responses"
    if frame is None or len(frame) == 0 or int(frame[["promoters", "passives", "detractors"]].iloc[0].sum()) == 0:
        return no_data(ax, title, "no NPS responses")
    row = frame.iloc[0]
    total = float(row["promoters"] + row["passives"] + row["detractors"])
    left = 0.0
    for key, colour, name in (
        ("detractors", PALETTE[5], "Detractors 0–6"),
        ("passives", MUTED_COLOUR, "Passives 7–8"),
        ("promoters", PALETTE[2], "Promoters 9–10"),
    ):
        share = float(row[key]) / total
        ax.barh(0, share, left=left, color=colour, height=0.6, label=name)
        if share >= 0.08:
            ax.text(
                left + share / 2,
                0,
                f"{share_label(share)} ({int(row[key])})",
                ha="center",
                va="center",
                color="white" if key != "passives" else "black",
                fontsize=9,
                fontweight="bold",
            )
        left += share
    ax.set_xlim(0, 1)
    ax.set_yticks([])
    ax.xaxis.set_major_formatter(FuncFormatter(percent_axis))
    ax.grid(False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.35), ncols=3)
    nps = row.get("nps", np.nan)
    ax.set_title(title if is_missing(nps) else f"{title}: NPS {nps:+.0f}".replace("-", "\u2212"))
    return ax


# --------------------------------------------------------------------------------------------
# CRM, development, competencies
# --------------------------------------------------------------------------------------------


@styled
def plot_weekly_activities(frame: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Stacked bars of activities per calendar week by type.

    ``frame``: index the weeks' Mondays (timestamps); one column per activity type (a ``total``
    column is ignored).
    """
    ax = new_axes(ax, (8, 3.2))
    title = "Activities per week by type"
    types = [c for c in frame.columns if c != "total"] if frame is not None else []
    if frame is None or len(frame) == 0 or float(frame[types].to_numpy().sum()) == 0:
        return no_data(ax, title, "no activities logged")
    x = np.arange(len(frame))
    bottom = np.zeros(len(frame))
    for i, kind in enumerate(types):
        values = frame[kind].to_numpy(dtype="float64")
        ax.bar(x, values, bottom=bottom, color=PALETTE[i % len(PALETTE)], width=0.75, label=kind.capitalize())
        bottom += values
    step = 1 if len(x) <= 8 else 2
    ax.set_xticks(x[::step], [pd.Timestamp(w).strftime("%d %b") for w in frame.index[::step]])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, max(bottom.max() * 1.08, 1))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title(title)
    return ax


@styled
def plot_logging_lag(frame: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """How quickly activities were logged: the share of activities per lag bucket.

    ``frame``: index the lag buckets in order; columns ``activities`` and ``share``.
    """
    ax = new_axes(ax, (8, 2.6))
    title = "Time from activity to CRM entry"
    if frame is None or len(frame) == 0 or int(frame["activities"].sum()) == 0:
        return no_data(ax, title, "no activities logged")
    x = np.arange(len(frame))
    late = [i >= 3 for i in range(len(frame))]  # beyond "2 days"
    colours = [SECOND_COLOUR if is_late else ACTUAL_COLOUR for is_late in late]
    ax.bar(x, frame["share"], color=colours, width=0.65)
    for xi, share in enumerate(frame["share"]):
        ax.text(xi, share, share_label(share), ha="center", va="bottom", fontsize=8.5)
    ax.set_xticks(x, [str(b) for b in frame.index])
    ax.yaxis.set_major_formatter(FuncFormatter(percent_axis))
    ax.set_ylim(0, min(1.15, float(frame["share"].max()) * 1.25 + 0.02))
    ax.set_title(title)
    return ax


@styled
def plot_objective_progress(frame: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Progress of each development objective (0–100 %), coloured and labelled by status.

    ``frame``: columns ``objective``, ``progress_used`` (0–1) and ``status``.
    """
    ax = new_axes(ax)
    title = "Development objectives: progress"
    if is_empty(frame, "progress_used"):
        return no_data(ax, title, "no objectives")
    statuses = list(frame["status"].astype(str))
    colours = [STATUS_COLOURS.get(s, ACTUAL_COLOUR) for s in statuses]
    texts = [f"{share_label(v)} · {s.replace('_', ' ')}" for v, s in zip(frame["progress_used"], statuses)]
    hbars(ax, frame["objective"], frame["progress_used"], colours, title, percent_axis, texts)
    ax.set_xlim(0, 1.45)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    fit_bar_height(ax, len(frame))
    return ax


@styled
def plot_competencies(frame: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Self, manager and (if any) peer ratings per competency side by side, on the 1–5 scale.

    ``frame``: column ``competency`` and rating columns ``self``, ``manager``, ``peer``
    (NaN = not rated: no bar).
    """
    ax = new_axes(ax)
    title = "Competencies: self and manager ratings"
    raters = (
        [r for r in ("self", "manager", "peer") if r in frame and frame[r].notna().any()] if frame is not None else []
    )
    if not raters:
        return no_data(ax, title, "no ratings")
    n = len(frame)
    height = 0.8 / len(raters)
    y = np.arange(n)[::-1].astype(float)
    for i, rater in enumerate(raters):
        offset = (len(raters) - 1) / 2 * height - i * height
        values = frame[rater].astype("float64")
        ax.barh(
            y + offset, values.fillna(0), height=height * 0.92, color=RATER_COLOURS[rater], label=rater.capitalize()
        )
        for yi, v in zip(y + offset, values):
            if not is_missing(v):
                ax.text(v + 0.05, yi, f"{v:.1f}".rstrip("0").rstrip("."), va="center", fontsize=8)
    ax.set_yticks(y, [wrap(c, 30) for c in frame["competency"]])
    ax.set_xlim(0, 5.5)
    ax.set_xticks([1, 2, 3, 4, 5])
    ax.grid(axis="x", visible=True)
    ax.grid(axis="y", visible=False)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title(title)
    fig = own_figure(ax)
    if fig is not None:
        lines = label_lines(ax)
        fig.set_size_inches(fig.get_size_inches()[0], 1.0 + 0.28 * n * max(len(raters), 1 + 0.6 * (lines - 1)))
    return ax
