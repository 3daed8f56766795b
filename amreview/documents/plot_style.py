"""The house style of amreview's charts, and what every plot function draws with.

The style (``amreview.mplstyle``: readable fonts, the Okabe–Ito colour-blind-safe palette,
compact money and percentage axes) is applied by :func:`styled` whatever the caller's matplotlib
defaults; the palette, the tick formats and the helpers below (an axes of its own, a "no data"
chart, labelled horizontal bars) are shared by :mod:`amreview.documents.plots` (a review's
charts) and :mod:`amreview.documents.team_plots` (the team overview's).
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
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter
from matplotlib.transforms import Affine2D

from amreview import formats

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
LABEL_WIDTH = 34  # characters of a line of a bar label (a longer label wraps onto more lines)


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
    """Axis ticks and bar labels in compact money (:func:`amreview.formats.compact_money`, one
    decimal for millions, in the number format in effect): 1.2m, 450k, 900."""
    return formats.compact_money(value, millions=1)


def percent_axis(value, _pos=None) -> str:
    """A fraction as a percentage tick: 0.25 → 25 %."""
    return f"{value * 100:.0f} %".replace("-", "\u2212")


def attainment_label(value: float) -> str:
    """An attainment as a chart label, as every table and sentence shows it
    (:func:`amreview.formats.attainment_pct`: ``0.97`` → ``97 %``; an absurd value reads
    ``1.00e+310 %``, never 309 digits); empty for none."""
    return "" if is_missing(value) else formats.attainment_pct(value)


def share_label(value: float) -> str:
    """A share or rate as a chart label, as every table and sentence shows it
    (:func:`amreview.formats.pct`: ``0.064`` → ``6.4 %``); empty for none."""
    return "" if is_missing(value) else formats.pct(float(value))


def is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters with an ellipsis (only for a name beyond reason on
    a chart whose table beside it shows it in full: :func:`wrap`'s ``lines``)."""
    text = str(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def wrap(text: str, width: int = LABEL_WIDTH, lines: int | None = None) -> str:
    """``text`` on lines of at most ``width`` characters, broken at spaces, a word longer than
    that on a line of its own: whole, every word kept (``" ".join`` of the lines is the text
    with its runs of spaces as one). ``lines`` caps the number of lines, the last one then
    shortened with an ellipsis: only for people's names on the team charts (see
    :func:`amreview.documents.team_plots.person_label`), never for a label a reader needs whole."""
    parts = textwrap.wrap(str(text), width, break_long_words=False, break_on_hyphens=False) or [""]
    if lines is not None and len(parts) > lines:
        parts = parts[: lines - 1] + [shorten(" ".join(parts[lines - 1 :]), width)]
    return "\n".join(parts)


def label_lines(ax: Axes, axis: str = "y") -> int:
    """The most lines any tick label of ``ax``'s ``axis`` runs to (1 with none)."""
    labels = ax.get_yticklabels() if axis == "y" else ax.get_xticklabels()
    return max((label.get_text().count("\n") + 1 for label in labels), default=1)


OWN_FIGURE = "_amreview_own_figure"  # set on figures a plot function created (it may resize them)


def new_axes(ax: Axes | None, size: tuple[float, float] | None = None) -> Axes:
    if ax is None:
        fig, ax = plt.subplots(figsize=size)
        setattr(fig, OWN_FIGURE, True)
    return ax


def own_figure(ax: Axes) -> Figure | None:
    """The figure of ``ax`` when a plot function created it (:data:`OWN_FIGURE`), else None."""
    fig = ax.figure
    return fig if isinstance(fig, Figure) and getattr(fig, OWN_FIGURE, False) else None


def no_data(ax: Axes, title: str, message: str = NO_DATA) -> Axes:
    """An empty chart that says so: the title, and ``message`` in the middle."""
    ax.set_title(title)
    ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center", color=MUTED_COLOUR, fontsize=12)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return ax


def is_empty(frame, *columns: str) -> bool:
    """No rows, or no value at all in any of ``columns``."""
    if frame is None or len(frame) == 0:
        return True
    return all(pd.to_numeric(frame[c], errors="coerce").isna().all() for c in columns if c in frame)


def hbars(ax: Axes, labels, values, colours, title: str, formatter, texts, references=()) -> Axes:
    """Horizontal bars, first row at the top, each labelled with its entry of ``texts`` beside
    its end (:func:`bar_end_label`: past any of the ``references`` lines it would cross); the
    bars' labels whole, wrapped (:func:`wrap`)."""
    values = pd.Series(values, dtype="float64").to_numpy()
    y = np.arange(len(values))[::-1]
    ax.barh(y, np.nan_to_num(values), color=list(colours), height=0.65)
    ax.set_yticks(y, [wrap(label) for label in labels])
    ax.xaxis.set_major_formatter(FuncFormatter(formatter))
    ax.grid(axis="x", visible=True)
    ax.grid(axis="y", visible=False)
    ax.axvline(0, color="#888888", linewidth=0.8)
    span = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 0.0
    span = span or 1.0  # all zeros: an axis of 0 to 1
    for yi, value, text in zip(y, values, texts):
        if text:
            bar_end_label(ax, 0.0 if is_missing(value) else value, yi, text, references)
    lo, hi = np.nanmin(np.append(values, 0.0)), np.nanmax(np.append(values, 0.0))
    ax.set_xlim(lo - 0.18 * span * (lo < 0), hi + 0.18 * span)
    ax.set_title(title)
    return ax


LABEL_PAD = 3.0  # points between a bar's end (or a line it clears) and its label


def bar_end_label(ax: Axes, value: float, y: float, text: str, references=(), fontsize: float = 9) -> Text:
    """Label the horizontal bar that ends at ``value`` on row ``y`` with ``text``, :data:`LABEL_PAD`
    points beyond its end, outwards (right of a positive bar, left of a negative one). Where the
    label would cross a vertical reference line (a target, a band's boundary: the x values in
    ``references``), it sits the same distance past the line instead, so neither hides the other
    ("97 %" beside a bar just short of the 100 % line is drawn right of the line).

    The place is chosen when the chart is drawn, in its final layout (the house style's
    constrained layout moves the axes after this call): a label's width and the line's position
    are only known in pixels then."""
    sign = -1.0 if value < 0 else 1.0
    lines = sorted((float(r) for r in references if float(r) * sign > value * sign), key=lambda r: r * sign)

    def anchor(renderer) -> Affine2D:
        to_pixels = ax.transData.transform
        x, y_pixels = to_pixels((value, y))
        pad = renderer.points_to_pixels(LABEL_PAD)
        width = renderer.get_text_width_height_descent(text, label.get_fontproperties(), ismath=False)[0]
        for line in lines:
            line_x = to_pixels((line, y))[0]
            if (line_x - x) * sign <= pad + width + pad:  # the label would reach the line: go past it
                x = line_x
        return Affine2D().translate(x, y_pixels)

    label = ax.annotate(
        text,
        xy=(0, 0),
        xycoords=anchor,
        xytext=(sign * LABEL_PAD, 0),
        textcoords="offset points",
        va="center",
        ha="left" if sign > 0 else "right",
        fontsize=fontsize,
        color="#333333",
        annotation_clip=False,
    )
    return label


def fit_bar_height(ax: Axes, rows: int) -> None:
    """Make a figure a plot function created tall enough for ``rows`` horizontal bars whose
    labels run to :func:`label_lines` lines."""
    fig = own_figure(ax)
    if fig is not None:
        lines = label_lines(ax)
        width = fig.get_size_inches()[0]
        fig.set_size_inches(width, max(1.8, 0.9 + 0.36 * rows * (1 + 0.6 * (lines - 1))))
