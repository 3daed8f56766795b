"""Shared pieces of the section builders: lookups, the missing-data lines, finishing a section."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from amreview.documents import narrative as say
from amreview.documents.certainty import certainty_lines
from amreview.documents.model import SECTIONS, Section, Text
from amreview.vocabulary import NOTE_SECTIONS as NOTE_SECTIONS  # re-exported: its home is the vocabulary

if TYPE_CHECKING:  # the review calls the section builders: Review is only a type here
    from amreview.documents.review import Review


TOP_N = 10
DEAL_TYPE_LABELS = {"run_rate": "Run rate", "spot": "Spot", "bespoke": "Bespoke", "large_volume": "Large volume"}
STATUS_LABELS = {
    "not_started": "not started",
    "in_progress": "in progress",
    "achieved": "achieved",
    "missed": "missed",
    "deferred": "deferred",
}


def new_section(review: Review, key: str) -> Section:
    """An empty section ``key`` of :data:`~amreview.documents.model.SECTIONS`, with its number and title."""
    number = next(n for k, n, _ in SECTIONS if k == key)
    title = next(t for k, _, t in SECTIONS if k == key)
    return Section(key=key, number=number, title=title)


def value_of(series: pd.Series, name: str) -> float:
    """``series[name]`` as a float; NaN where it is missing (a KPI a registry does not have)."""
    value = series.get(name, np.nan)
    return np.nan if value is None or pd.isna(value) else float(value)


def row_of(table: pd.DataFrame, key, columns, fill=np.nan) -> pd.Series:
    """Row ``key`` of a per-person table, or ``fill`` in every column where it has none."""
    if key in table.index:
        return table.loc[key]
    return pd.Series(fill, index=list(columns), dtype="float64")


def missing_table(section: Section, what: str, table: str) -> None:
    """Say in ``section`` that ``what`` is not in the pack, which has no ``table``."""
    section.parts.append(Text(say.not_in_pack(what, table), "missing"))


def no_sales(section: Section, what: str | None = None) -> None:
    """Say in ``section`` that the pack holds no invoice lines (for ``what``, or for margin data)."""
    section.parts.append(Text(say.no_sales_lines(what), "missing"))


def finish(section: Section, kpis=()) -> Section:
    """Record the KPIs the section shows: ``kpis`` and those its explanation scores; and say, after
    the section's lines, how sure each scored figure is where it matters
    (:mod:`amreview.documents.certainty`)."""
    items = section.explanation.items if section.explanation else ()
    names = list(kpis) + [i.kpi for i in items]
    section.kpis = list(dict.fromkeys(names))
    section.lines = [line for line in section.lines if line] + certainty_lines(items)
    return section


def light_of(score: float, review: Review) -> str | None:
    """A measure score's traffic light from the config's ratings: the lowest rating is red, the
    one above it amber, the others green; None for no score."""
    if pd.isna(score):
        return None
    labels = [r.label for r in review.config.ratings]
    rating = review.config.rating(score)
    if rating == labels[-1]:
        return "red"
    return "amber" if rating == labels[-2] else "green"
