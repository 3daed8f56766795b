"""Charts of a review: ``plot_*(frame, ax=None) -> Axes``, one house style.

Plot functions draw what they are given and compute nothing but layout: the frames come from
:mod:`amreview.documents.review` (or the metric functions) with numbers in them. Every function draws in
the house style (``amreview.mplstyle``: readable fonts, the Okabe–Ito colour-blind-safe palette,
compact money and percentage axes) whatever the caller's matplotlib defaults, creates its own
figure when ``ax`` is None, and draws a "no data" message on an empty frame instead of failing.
Colour never carries meaning alone: bars carry value labels, statuses have words.
"""

from __future__ import annotations

import contextlib
import functools
import math
import textwrap
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

STYLE = Path(__file__).with_name("amreview.mplstyle")
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
ACTUAL_COLOUR = PALETTE[0]  # blue: the person's figures
SECOND_COLOUR = PALETTE[1]  # orange: a second series, or a loss
TARGET_COLOUR = "#000000"
MUTED_COLOUR = "#999999"
LIGHT_COLOURS = {"green": PALETTE[2], "amber": PALETTE[1], "red": PALETTE[5]}
STAGE_COLOURS = {"prospecting": PALETTE[4], "engaging": PALETTE[0], "won": PALETTE[2], "lost": PALETTE[5]}
STATUS_COLOURS = {
    "achieved": PALETTE[2],
    "in_progress": PALETTE[0],
    "not_started": MUTED_COLOUR,
    "missed": PALETTE[5],
    "deferred": PALETTE[3],
}
RATER_COLOURS = {"self": PALETTE[1], "manager": PALETTE[0], "peer": PALETTE[2]}
NO_DATA = "no data"
LABEL_WIDTH = 34  # characters of a bar label before it is shortened


def use_house_style() -> None:
    """Make the house style the default for this process (for notebooks drawing their own charts)."""
    plt.style.use(STYLE)


@contextlib.contextmanager
def house_style():
    """The house style for the duration of a ``with`` block."""
    with plt.style.context(STYLE):
        yield


def styled(plot):
    """Draw ``plot`` in the house style (the style is in force while its artists are created),
    whatever the caller's matplotlib defaults.

    The style is an ``rc_context``, which restores every setting on exit, ``interactive``
    included. When the first figure of a Jupyter kernel is drawn inside it, the inline backend
    is loaded there and switches interactive mode on; restoring it to off would stop every
    later figure of the notebook from showing. Interactive mode switched on inside is kept.
    The data (the first argument) is drawn as :func:`plottable` gives it.
    """

    @functools.wraps(plot)
    def wrapper(*args, **kwargs):
        if args:  # the data: no chart is handed a number it cannot place (see plottable)
            args = (plottable(args[0]), *args[1:])
        with house_style():
            result = plot(*args, **kwargs)
            interactive = matplotlib.is_interactive()
        if interactive and not matplotlib.is_interactive():
            matplotlib.interactive(True)
        return result

    return wrapper


LARGEST_PLOTTED = 1e15  # formats.LARGEST_SPELLED_OUT: beyond it a figure is a slip the data-quality notes name


def plottable(data):
    """``data`` (a frame or a Series; anything else as it is) with every number a chart cannot
    place as NaN — no bar, no point: an infinite value, or one of :data:`LARGEST_PLOTTED` or
    more in size (only amounts the data-quality checks flag give such figures; the tables show
    them and the notes say why). Axis limits then stay finite. Not modified in place."""
    if isinstance(data, pd.Series):
        if not pd.api.types.is_float_dtype(data):
            return data
        values = data.to_numpy(dtype="float64")
        placeable = np.isfinite(values) & (np.abs(values) < LARGEST_PLOTTED) | np.isnan(values)
        return data if placeable.all() else data.where(placeable)
    if isinstance(data, pd.DataFrame):
        columns = {c: plottable(data[c]) for c in data.columns[[pd.api.types.is_float_dtype(t) for t in data.dtypes]]}
        changed = {c: v for c, v in columns.items() if v is not data[c]}
        if not changed:
            return data
        data = data.copy()
        for column, values in changed.items():
            data[column] = values
        return data
    return data


# --------------------------------------------------------------------------------------------
# Formats and small helpers
# --------------------------------------------------------------------------------------------


def money_axis(value, _pos=None) -> str:
    """Axis ticks in compact money: 1.2m, 450k, 900 (a true minus sign for negatives)."""
    size = abs(value)
    if size >= 1e6:
        text = f"{size / 1e6:.1f}m"
    elif size >= 1e3:
        text = f"{size / 1e3:.0f}k"
    else:
        text = f"{size:.0f}"
    return f"\u2212{text}" if value < 0 and text.strip("0.km") else text


def percent_axis(value, _pos=None) -> str:
    """A fraction as a percentage tick: 0.25 → 25 %."""
    return f"{value * 100:.0f} %".replace("-", "\u2212")


def _percent_label(value: float) -> str:
    return "" if _missing(value) else f"{value * 100:.0f} %".replace("-", "\u2212")


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def shorten(text: str, width: int = LABEL_WIDTH) -> str:
    """``text`` cut to ``width`` characters with an ellipsis (long account names on bar labels)."""
    text = str(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def wrap(text: str, width: int = LABEL_WIDTH, lines: int = 2) -> str:
    """``text`` on up to ``lines`` lines of ``width`` characters, the last one shortened."""
    parts = textwrap.wrap(str(text), width) or [""]
    if len(parts) > lines:
        parts = parts[: lines - 1] + [shorten(" ".join(parts[lines - 1 :]), width)]
    return "\n".join(parts)


OWN_FIGURE = "_amreview_own_figure"  # set on figures a plot function created (it may resize them)


def _axes(ax: Axes | None, size: tuple[float, float] | None = None) -> Axes:
    if ax is None:
        fig, ax = plt.subplots(figsize=size)
        setattr(fig, OWN_FIGURE, True)
    return ax


def _own_figure(ax: Axes) -> Figure | None:
    """The figure of ``ax`` when a plot function created it (:data:`OWN_FIGURE`), else None."""
    fig = ax.figure
    return fig if isinstance(fig, Figure) and getattr(fig, OWN_FIGURE, False) else None


def _no_data(ax: Axes, title: str, message: str = NO_DATA) -> Axes:
    """An empty chart that says so: the title, and ``message`` in the middle."""
    ax.set_title(title)
    ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center", color=MUTED_COLOUR, fontsize=12)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return ax


def _empty(frame, *columns: str) -> bool:
    """No rows, or no value at all in any of ``columns``."""
    if frame is None or len(frame) == 0:
        return True
    return all(pd.to_numeric(frame[c], errors="coerce").isna().all() for c in columns if c in frame)


def _hbars(ax: Axes, labels, values, colours, title: str, formatter, texts, label_lines: int = 1) -> Axes:
    """Horizontal bars, first row at the top, each labelled with its entry of ``texts``; bar
    labels on up to ``label_lines`` lines."""
    values = pd.Series(values, dtype="float64").to_numpy()
    y = np.arange(len(values))[::-1]
    ax.barh(y, np.nan_to_num(values), color=list(colours), height=0.65)
    ax.set_yticks(y, [wrap(label, LABEL_WIDTH, label_lines) for label in labels])
    ax.xaxis.set_major_formatter(FuncFormatter(formatter))
    ax.grid(axis="x", visible=True)
    ax.grid(axis="y", visible=False)
    ax.axvline(0, color="#888888", linewidth=0.8)
    span = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 0.0
    span = span or 1.0  # all zeros: an axis of 0 to 1
    for yi, value, text in zip(y, values, texts):
        if text:
            value = 0.0 if _missing(value) else value
            pad = 0.01 * span
            ax.text(
                value + pad if value >= 0 else value - pad,
                yi,
                text,
                va="center",
                ha="left" if value >= 0 else "right",
                fontsize=9,
                color="#333333",
            )
    lo, hi = np.nanmin(np.append(values, 0.0)), np.nanmax(np.append(values, 0.0))
    ax.set_xlim(lo - 0.18 * span * (lo < 0), hi + 0.18 * span)
    ax.set_title(title)
    return ax


def _bar_height(ax: Axes, rows: int, lines: int = 1) -> None:
    """Make a figure this function created tall enough for ``rows`` horizontal bars (labels of
    ``lines`` lines)."""
    fig = _own_figure(ax)
    if fig is not None:
        width = fig.get_size_inches()[0]
        fig.set_size_inches(width, max(1.8, 0.9 + 0.36 * rows * (1 + 0.6 * (lines - 1))))


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
    ax = _axes(ax)
    title = "Score per measure (1–5)"
    if _empty(frame, "score"):
        return _no_data(ax, title)
    lights = frame["light"] if "light" in frame else pd.Series("", index=frame.index)
    colours = [LIGHT_COLOURS.get(str(light), ACTUAL_COLOUR) for light in lights]
    _hbars(
        ax,
        frame.index,
        frame["score"],
        colours,
        title,
        lambda v, _p=None: f"{v:g}",
        [NO_DATA if _missing(v) else f"{v:.2f}" for v in frame["score"]],
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
    _bar_height(ax, len(frame))
    return ax


@styled
def plot_attainment(frame: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Horizontal bars of attainment (actual / target) with the 100 % line.

    ``frame``: index the labels; column ``attainment`` (fractions; NaN = no target, labelled so).
    Bars at or over 100 % are blue, under it orange.
    """
    ax = _axes(ax)
    title = "Against target"
    if _empty(frame, "attainment"):
        return _no_data(ax, title, "no targets")
    values = frame["attainment"].astype("float64")
    colours = [ACTUAL_COLOUR if v >= 1 else SECOND_COLOUR for v in values.fillna(0)]
    _hbars(
        ax,
        frame.index,
        values,
        colours,
        title,
        percent_axis,
        ["no target" if _missing(v) else _percent_label(v) for v in values],
    )
    ax.axvline(1.0, color=TARGET_COLOUR, linestyle="--", linewidth=1)
    right = max(float(np.nanmax(values.to_numpy())), 1.0)
    ax.set_xlim(min(0.0, float(np.nanmin(values.to_numpy())) * 1.2), right * 1.2)
    _bar_height(ax, len(frame))
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
    ax = _axes(ax)
    name = measure.replace("_", " ").capitalize()
    title = title or f"{name} by month against target"
    if _empty(frame, measure):
        return _no_data(ax, title)
    x = np.arange(len(frame))
    actual = frame[measure].astype("float64")
    target = frame.get(f"{measure}_target", pd.Series(np.nan, index=frame.index)).astype("float64")
    colours = [SECOND_COLOUR if (not _missing(t) and a < t) else ACTUAL_COLOUR for a, t in zip(actual, target)]
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
    ax = _axes(ax)
    title = "GM % by quarter"
    if _empty(frame, "gm_pct"):
        return _no_data(ax, title)
    x = np.arange(len(frame))
    if "team_gm_pct" in frame and frame["team_gm_pct"].notna().any():
        ax.plot(x, frame["team_gm_pct"], color=MUTED_COLOUR, linestyle="--", marker="s", markersize=4, label="Team")
    ax.plot(x, frame["gm_pct"], color=ACTUAL_COLOUR, marker="o", label="GM %")
    last = frame["gm_pct"].last_valid_index()
    if last is not None:
        i = list(frame.index).index(last)
        ax.annotate(
            _percent_label_1(frame["gm_pct"].iloc[i]),
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


def _percent_label_1(value: float) -> str:
    return f"{value * 100:.1f} %".replace("-", "\u2212")


@styled
def plot_margin_bars(
    frame: pd.DataFrame, ax: Axes | None = None, label: str = "label", title: str = "Gross margin"
) -> Axes:
    """Horizontal bars of ``gross_margin`` per row, labelled with money and (if given) GM %.

    ``frame``: column ``label`` (or the one named) and ``gross_margin``, optionally ``gm_pct``;
    rows in display order (first at the top). Losses are orange bars to the left.
    """
    ax = _axes(ax)
    if _empty(frame, "gross_margin"):
        return _no_data(ax, title)
    values = frame["gross_margin"].astype("float64")
    colours = [ACTUAL_COLOUR if v >= 0 else SECOND_COLOUR for v in values.fillna(0)]
    gm = frame["gm_pct"] if "gm_pct" in frame else pd.Series(np.nan, index=frame.index)
    texts = [
        "" if _missing(v) else money_axis(v) + ("" if _missing(g) else f" · {_percent_label_1(g)}")
        for v, g in zip(values, gm)
    ]
    _hbars(ax, frame[label], values, colours, title, money_axis, texts)
    _bar_height(ax, len(frame))
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
    ax = _axes(ax, (8, 2.8))
    title = "Open back orders by age (days)"
    if _empty(frame, "value") or float(frame["value"].sum()) == 0 and int(frame["orders"].sum()) == 0:
        return _no_data(ax, title, "no open back orders")
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
    ax = _axes(ax, (8, 2.6))
    title = "Pipeline: open at quarter end, won and lost in the quarter"
    if _empty(frame, "value") or int(frame["opportunities"].sum()) == 0:
        return _no_data(ax, title, "no opportunities")
    stages = [str(s) for s in frame.index]
    colours = [STAGE_COLOURS.get(s, ACTUAL_COLOUR) for s in stages]
    texts = [
        f"{money_axis(v)} · {int(n)} deal{'s' if n != 1 else ''}"
        for v, n in zip(frame["value"].fillna(0.0), frame["opportunities"])
    ]
    _hbars(ax, [s.capitalize() for s in stages], frame["value"], colours, title, money_axis, texts)
    return ax


@styled
def plot_nps_breakdown(frame: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """One stacked bar of the NPS responses: detractors, passives, promoters (shares, labelled).

    ``frame``: one row with ``promoters``, ``passives``, ``detractors`` (counts) and ``nps``.
    """
    ax = _axes(ax, (8, 1.7))
    title = "NPS responses"
    if frame is None or len(frame) == 0 or int(frame[["promoters", "passives", "detractors"]].iloc[0].sum()) == 0:
        return _no_data(ax, title, "no NPS responses")
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
                f"{share * 100:.0f} % ({int(row[key])})",
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
    ax.set_title(title if _missing(nps) else f"{title}: NPS {nps:+.0f}".replace("-", "\u2212"))
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
    ax = _axes(ax, (8, 3.2))
    title = "Activities per week by type"
    types = [c for c in frame.columns if c != "total"] if frame is not None else []
    if frame is None or len(frame) == 0 or float(frame[types].to_numpy().sum()) == 0:
        return _no_data(ax, title, "no activities logged")
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
    ax = _axes(ax, (8, 2.6))
    title = "Time from activity to CRM entry"
    if frame is None or len(frame) == 0 or int(frame["activities"].sum()) == 0:
        return _no_data(ax, title, "no activities logged")
    x = np.arange(len(frame))
    late = [i >= 3 for i in range(len(frame))]  # beyond "2 days"
    colours = [SECOND_COLOUR if is_late else ACTUAL_COLOUR for is_late in late]
    ax.bar(x, frame["share"], color=colours, width=0.65)
    for xi, share in enumerate(frame["share"]):
        ax.text(xi, share, f"{share * 100:.0f} %", ha="center", va="bottom", fontsize=8.5)
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
    ax = _axes(ax)
    title = "Development objectives: progress"
    if _empty(frame, "progress_used"):
        return _no_data(ax, title, "no objectives")
    statuses = list(frame["status"].astype(str))
    colours = [STATUS_COLOURS.get(s, ACTUAL_COLOUR) for s in statuses]
    texts = [f"{_percent_label(v)} · {s.replace('_', ' ')}" for v, s in zip(frame["progress_used"], statuses)]
    _hbars(ax, frame["objective"], frame["progress_used"], colours, title, percent_axis, texts, label_lines=2)
    ax.set_xlim(0, 1.45)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    _bar_height(ax, len(frame), 2)
    return ax


@styled
def plot_competencies(frame: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Self, manager and (if any) peer ratings per competency side by side, on the 1–5 scale.

    ``frame``: column ``competency`` and rating columns ``self``, ``manager``, ``peer``
    (NaN = not rated: no bar).
    """
    ax = _axes(ax)
    title = "Competencies: self and manager ratings"
    raters = (
        [r for r in ("self", "manager", "peer") if r in frame and frame[r].notna().any()] if frame is not None else []
    )
    if not raters:
        return _no_data(ax, title, "no ratings")
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
            if not _missing(v):
                ax.text(v + 0.05, yi, f"{v:.1f}".rstrip("0").rstrip("."), va="center", fontsize=8)
    ax.set_yticks(y, [shorten(c, 30) for c in frame["competency"]])
    ax.set_xlim(0, 5.5)
    ax.set_xticks([1, 2, 3, 4, 5])
    ax.grid(axis="x", visible=True)
    ax.grid(axis="y", visible=False)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title(title)
    fig = _own_figure(ax)
    if fig is not None:
        fig.set_size_inches(fig.get_size_inches()[0], 1.0 + 0.28 * n * len(raters))
    return ax
