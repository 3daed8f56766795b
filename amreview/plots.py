"""Charts of a review: ``plot_*(frame, ax=None) -> Axes``, one house style.

Plot functions draw what they are given; they compute nothing but layout. Use
:func:`house_style` (a context manager) or :func:`use_house_style` around them.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

STYLE = Path(__file__).with_name("amreview.mplstyle")
ACTUAL_COLOUR = "#0072B2"
SECOND_COLOUR = "#E69F00"
TARGET_COLOUR = "#000000"


def use_house_style() -> None:
    """Make the house style the default for this process (for notebooks)."""
    plt.style.use(STYLE)


@contextlib.contextmanager
def house_style():
    with plt.style.context(STYLE):
        yield


def money_axis(value, _pos=None) -> str:
    """Axis ticks in compact money: 1.2m, 450k, 900."""
    size = abs(value)
    if size >= 1e6:
        text = f"{size / 1e6:.1f}m"
    elif size >= 1e3:
        text = f"{size / 1e3:.0f}k"
    else:
        text = f"{size:.0f}"
    return f"\u2212{text}" if value < 0 else text


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        _, ax = plt.subplots()
    return ax


def plot_monthly_margin(frame: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Bars of monthly gross margin against a line of the month targets.

    ``frame``: index ``YYYY-MM``, columns ``gross_margin`` and ``gross_margin_target`` (NaN =
    no target: the target line has a gap there).
    """
    ax = _axes(ax)
    x = np.arange(len(frame))
    ax.bar(x, frame["gross_margin"], color=ACTUAL_COLOUR, label="Gross margin", width=0.7)
    if frame["gross_margin_target"].notna().any():
        ax.plot(x, frame["gross_margin_target"], color=TARGET_COLOUR, marker="_", markersize=18,
                linestyle="none", markeredgewidth=2.5, label="Target")
    ax.set_xticks(x, [pd.Period(m, "M").strftime("%b\n%Y") if m.endswith("-01") or i == 0
                      else pd.Period(m, "M").strftime("%b") for i, m in enumerate(frame.index)])
    ax.yaxis.set_major_formatter(FuncFormatter(money_axis))
    ax.set_title("Gross margin by month against target")
    ax.legend(loc="upper left")
    ax.axhline(0, color="#888888", linewidth=0.8)
    return ax


def plot_top_accounts(frame: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Horizontal bars of gross margin for the top accounts (largest at the top).

    ``frame``: columns ``account`` and ``gross_margin``, in display order.
    """
    ax = _axes(ax)
    y = np.arange(len(frame))[::-1]
    colours = [ACTUAL_COLOUR if v >= 0 else SECOND_COLOUR for v in frame["gross_margin"]]
    ax.barh(y, frame["gross_margin"], color=colours)
    ax.set_yticks(y, [_shorten(str(a)) for a in frame["account"]])
    ax.xaxis.set_major_formatter(FuncFormatter(money_axis))
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ax.set_title("Top accounts by gross margin")
    return ax


def _shorten(text: str, width: int = 34) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
