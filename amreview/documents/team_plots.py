"""Charts of a team overview: ``plot_*(frame, ax=None) -> Axes`` in the house style.

They draw what :mod:`amreview.documents.team` computes and compute nothing but layout. Use
:func:`amreview.documents.plot_style.house_style` (a context manager) or
:func:`~amreview.documents.plot_style.use_house_style` around them. Scores run 1–5 on one colour
scale, from vermilion (1) through light grey (3) to blue (5): the Okabe–Ito pair of the house
palette, which colour-blind readers tell apart; the score is also written in each cell, so
nothing depends on colour alone.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.ticker import FuncFormatter, MaxNLocator

from amreview.documents.contrast import readable_text_colour
from amreview.documents.plot_style import ACTUAL_COLOUR, SECOND_COLOUR, TARGET_COLOUR, attainment_label, styled, wrap

LOW_COLOUR = "#D55E00"  # vermilion, score 1
MID_COLOUR = "#F2F2F2"  # score 3
HIGH_COLOUR = ACTUAL_COLOUR  # blue, score 5
NO_DATA_COLOUR = "#FFFFFF"
SCORE_RANGE = (1.0, 5.0)
SCORE_CMAP = LinearSegmentedColormap.from_list("amreview_scores", [LOW_COLOUR, MID_COLOUR, HIGH_COLOUR])
NO_DATA = "no data"
NAME_WIDTH = 24  # characters of a person's name on an axis per line (two lines at most)


def person_label(name) -> str:
    """A person's name as a chart's axis shows it: on up to two lines of :data:`NAME_WIDTH`
    characters, the rest cut with an ellipsis, so a long name cannot squeeze the chart away
    (the tables beside the charts show names in full)."""
    return wrap(str(name), NAME_WIDTH, lines=2)


def score_colour(score: float) -> str:
    """The colour of a 1–5 score on the heatmap's scale, as ``#rrggbb`` (white for no data)."""
    if score is None or pd.isna(score):
        return NO_DATA_COLOUR
    lo, hi = SCORE_RANGE
    r, g, b, _ = SCORE_CMAP((min(max(float(score), lo), hi) - lo) / (hi - lo))
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def text_colour(background: str) -> str:
    """Black or white, whichever has the higher WCAG contrast ratio on ``background``
    (:func:`amreview.documents.contrast.readable_text_colour`: at least 4.5:1 on any colour)."""
    return readable_text_colour(background)


@styled
def plot_measure_heatmap(scores: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """A grid of measure scores: one row per person, one column per measure, the score in each cell.

    ``scores``: index = people's names (top to bottom; long ones cut, see :func:`person_label`),
    columns = measure names, values 1–5 (NaN = no data: a white cell marked "no data").
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 1.6 + 0.45 * max(len(scores), 1)))
    values = scores.to_numpy(dtype="float64")
    ax.imshow(
        np.ma.masked_invalid(values),
        cmap=SCORE_CMAP,
        vmin=SCORE_RANGE[0],
        vmax=SCORE_RANGE[1],
        aspect="auto",
        interpolation="nearest",
    )
    for (i, j), value in np.ndenumerate(values):
        background = score_colour(value)
        ax.text(
            j,
            i,
            NO_DATA if np.isnan(value) else f"{value:.1f}",
            ha="center",
            va="center",
            fontsize=9 if np.isnan(value) else 10,
            color=text_colour(background) if not np.isnan(value) else "#59636e",
        )
    ax.set_xticks(np.arange(values.shape[1]), [_wrap(str(c)) for c in scores.columns], fontsize=9)
    ax.set_yticks(np.arange(values.shape[0]), [person_label(i) for i in scores.index])
    ax.tick_params(axis="x", top=True, labeltop=True, bottom=False, labelbottom=False, length=0)
    ax.tick_params(axis="y", length=0)
    ax.set_xticks(np.arange(values.shape[1] + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(values.shape[0] + 1) - 0.5, minor=True)
    ax.grid(False)
    ax.grid(which="minor", color="white", linewidth=2)
    ax.tick_params(which="minor", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title("Measure scores (1–5)", pad=12)
    return ax


@styled
def plot_rating_distribution(counts: pd.Series, ax: Axes | None = None) -> Axes:
    """Horizontal bars of how many people hold each rating; the first rating of ``counts``
    (the lowest) at the bottom.

    ``counts``: index = rating labels, values = number of people.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 0.9 + 0.45 * max(len(counts), 1)))
    y = np.arange(len(counts))
    bars = ax.barh(y, counts.to_numpy(), color=ACTUAL_COLOUR, height=0.6)
    ax.bar_label(bars, labels=[str(int(v)) for v in counts], padding=3)
    ax.set_yticks(y, [str(label) for label in counts.index])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(0, max(1, int(counts.max())) * 1.2)
    ax.set_xlabel("people")
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x")
    ax.set_title("Overall ratings")
    return ax


@styled
def plot_overall_scores(scores: pd.Series, boundaries: pd.Series, ax: Axes | None = None) -> Axes:
    """Each person's overall score as a bar on the 1–5 scale, over the rating bands, so who
    sits close to a boundary shows before ratings are calibrated.

    ``scores``: index = people's names (top to bottom; long ones cut, see :func:`person_label`),
    values = overall score (NaN: no bar).
    ``boundaries``: rating label → its lowest score, lowest first.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 1.4 + 0.4 * max(len(scores), 1)))
    y = np.arange(len(scores))[::-1]
    values = scores.to_numpy(dtype="float64")
    ax.barh(
        y,
        np.nan_to_num(values - SCORE_RANGE[0], nan=0.0),
        left=SCORE_RANGE[0],
        color=[score_colour(v) for v in values],
        edgecolor="#59636e",
        linewidth=0.6,
        height=0.6,
    )
    for yi, value in zip(y, values):
        ax.text(SCORE_RANGE[1] + 0.05, yi, "no score" if np.isnan(value) else f"{value:.2f}", va="center", fontsize=9)
    ax.set_yticks(y, [person_label(name) for name in scores.index])
    lows = list(boundaries.to_numpy(dtype="float64"))
    highs = lows[1:] + [SCORE_RANGE[1]]
    top = len(scores) - 0.45
    for i, ((label, low), high) in enumerate(zip(boundaries.items(), highs)):
        if low > SCORE_RANGE[0]:
            ax.axvline(low, color=TARGET_COLOUR, linestyle=(0, (3, 3)), linewidth=0.9)
        # labels alternate between two rows: narrow bands sit side by side
        ax.text(
            (low + high) / 2,
            top + 0.45 * (i % 2),
            str(label),
            ha="center",
            va="bottom",
            fontsize=8,
            color="#333333",
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6},
        )
    ax.set_ylim(-0.6, top + 1.1)
    ax.set_xlim(SCORE_RANGE[0], SCORE_RANGE[1] + 0.45)
    ax.set_xticks(lows + [SCORE_RANGE[1]])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=False)
    ax.set_title("Overall scores and rating bands")
    return ax


@styled
def plot_team_totals(totals: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """The team's attainment of its targets: one bar per measure against a line at 100 %,
    each labelled with its text (e.g. "8.03m of 7.59m").

    ``totals``: index = measure names (top to bottom), columns ``attainment`` (a fraction;
    NaN = no target: no bar) and ``label``.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 1.2 + 0.6 * max(len(totals), 1)))
    y = np.arange(len(totals))[::-1]
    attainment = totals["attainment"].to_numpy(dtype="float64")
    shown = np.nan_to_num(attainment, nan=0.0)
    ax.barh(y, shown, color=[ACTUAL_COLOUR if v >= 1 else SECOND_COLOUR for v in shown], height=0.55)
    right = max(1.2, float(np.nanmax(shown)) * 1.1 if len(shown) else 1.2)
    for yi, value, label in zip(y, attainment, totals["label"]):  # a column of labels right of the bars
        text = f"{attainment_label(value)}  ({label})" if not np.isnan(value) else f"no target ({label})"
        ax.text(right * 1.03, yi, text, va="center", fontsize=9)
    ax.axvline(1.0, color=TARGET_COLOUR, linewidth=1.2)
    ax.text(1.0, len(totals) - 0.5, " target 100 %", ha="left", va="bottom", fontsize=8)
    ax.set_ylim(-0.6, len(totals) - 0.1)
    ax.set_xlim(0, right * 1.55)
    ax.set_xticks([t for t in ax.get_xticks() if 0 <= t <= right])
    ax.set_yticks(y, [str(m) for m in totals.index])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v * 100:.0f} %"))
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ax.set_title("Team attainment of team targets")
    return ax


def _wrap(text: str, width: int = 14) -> str:
    """Break a label into lines of about ``width`` characters at spaces."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines)


@styled
def plot_rating_distributions(counts: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Computed and agreed ratings side by side: per rating (``counts``' index, the lowest first,
    drawn at the bottom) a bar for ``computed`` and one for ``agreed`` (people)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 1.0 + 0.55 * max(len(counts), 1)))
    y = np.arange(len(counts))
    height = 0.38
    for offset, column, colour in ((height / 2, "computed", SECOND_COLOUR), (-height / 2, "agreed", ACTUAL_COLOUR)):
        bars = ax.barh(y + offset, counts[column].to_numpy(), height=height, color=colour, label=column)
        ax.bar_label(bars, labels=[str(int(v)) for v in counts[column]], padding=3, fontsize=8)
    ax.set_yticks(y, [str(label) for label in counts.index])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(0, max(1, int(counts.to_numpy().max())) * 1.2)
    ax.set_xlabel("people")
    ax.legend(loc="lower right", frameon=False)
    ax.grid(axis="y", visible=False)
    ax.set_title("Computed and agreed ratings")
    return ax


@styled
def plot_manager_offsets(offsets: pd.DataFrame, unit: str, title: str, ax: Axes | None = None) -> Axes:
    """Each manager's offset with its interval: a dot and a whisker per manager (``offsets``:
    index = managers, top to bottom; columns ``offset``, ``offset_low``, ``offset_high`` — NaN:
    not compared, "too few people" written instead — and ``flag``: ``lenient`` blue,
    ``severe`` vermilion, the others grey), a line at zero; ``unit`` names the x axis."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 1.4 + 0.45 * max(len(offsets), 1)))
    y = np.arange(len(offsets))[::-1]
    values = offsets["offset"].to_numpy(dtype="float64")
    low = offsets["offset_low"].to_numpy(dtype="float64")
    high = offsets["offset_high"].to_numpy(dtype="float64")
    colours = [{"lenient": ACTUAL_COLOUR, "severe": LOW_COLOUR}.get(flag, "#9aa4ae") for flag in offsets["flag"]]
    ends = np.concatenate([np.abs(low[np.isfinite(low)]), np.abs(high[np.isfinite(high)]), [0.5]])
    reach = float(ends.max()) * 1.3
    for yi, value, lo, hi, colour in zip(y, values, low, high, colours):
        if np.isnan(value):
            ax.text(0.02 * reach, yi, "too few people", va="center", ha="left", fontsize=8)
            continue
        if np.isfinite(lo) and np.isfinite(hi):
            ax.plot([lo, hi], [yi, yi], color=colour, linewidth=2.2, solid_capstyle="butt")
        ax.plot([value], [yi], "o", color=colour, markersize=6)
        ax.text(value, yi + 0.22, f"{value:+.2f}", va="bottom", ha="center", fontsize=8)
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_xlim(-reach, reach)
    ax.set_ylim(-0.6, len(offsets) - 0.2)
    ax.set_yticks(y, [person_label(m) for m in offsets.index])
    ax.set_xlabel(unit)
    ax.grid(axis="y", visible=False)
    ax.set_title(title)
    return ax
