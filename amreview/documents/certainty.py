"""What a review says about how sure a scored figure is, where it matters.

A scored KPI that rests on observations (:class:`~amreview.metrics.registry.Evidence`: deals,
reports, accounts, responses, weeks) carries its base and a 95 % interval
(:mod:`amreview.scoring.evidence`). A review says them in one sentence beside the section's
narrative when they change how the score should be read:

* **too little data** — the base is below the config's ``min_base``: the figure is shown, not
  scored, and its weight spread over the measure's other KPIs;
* **the interval spans scoring bands** — the scores at the interval's two ends are
  :data:`UNSETTLED_SCORES` or more apart (:func:`scores_in_interval`): the score is not settled by
  the data, however precise the figure looks. (An interval that only crosses into the next band
  is the ordinary case of a figure near a boundary; it is not worth a sentence.)

Anywhere else the review says nothing more (the scorecard's
columns and ``amreview scorecard --explain`` carry every base and interval). The sentence reads
"Reports on time: 85.7 % (12 of 14 reports due on time), plausibly anywhere from 60.1 % to 96.0 %,
a range that spans scores 2 to 4." Money and percentages follow the number format in effect.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from amreview.formats import is_missing, kpi_value
from amreview.scoring.bands import KpiExplanation, band_score

UNSETTLED_SCORES = 2  # the interval's ends this many scores apart or more: the score is unsettled


def scores_in_interval(item: KpiExplanation) -> tuple[float, float]:
    """The lowest and highest score a value anywhere in ``[low, high]`` would get: the scores of
    the interval's two ends (a band score is monotone in the value); NaN, NaN without an interval."""
    if is_missing(item.low) or is_missing(item.high):
        return np.nan, np.nan
    ends = band_score(pd.Series([item.low, item.high]), item.bands, item.higher_is_better)
    return float(ends.min()), float(ends.max())


def spans_bands(item: KpiExplanation) -> bool:
    """Whether the scores at ``item``'s interval's ends are :data:`UNSETTLED_SCORES` or more apart
    (:func:`scores_in_interval`)."""
    lowest, highest = scores_in_interval(item)
    return bool(highest - lowest >= UNSETTLED_SCORES)


def base_text(item: KpiExplanation) -> str:
    """``"12 of 14 reports due on time"`` for a share; ``"accounts invoiced: 14"`` otherwise."""
    if not is_missing(item.successes):
        return f"{item.successes:,.10g} of {item.base:,.10g} {item.counted} {item.success}".rstrip()
    return f"{item.counted}: {item.base:,.10g}"


def certainty_sentence(item: KpiExplanation) -> str:
    """The sentence of the module docstring for one scored KPI; ``""`` where it has no base, or
    where neither too little data nor an interval spanning bands calls for one."""
    if not item.counted or is_missing(item.base) or is_missing(item.value):
        return ""
    if not (item.too_little or spans_bands(item)):
        return ""
    sentence = f"{item.label}: {kpi_value(item.value, item.display_unit)} ({base_text(item)})"
    if not (is_missing(item.low) or is_missing(item.high)):
        low, high = kpi_value(item.low, item.display_unit), kpi_value(item.high, item.display_unit)
        sentence += f", plausibly anywhere from {low} to {high}"
    if item.too_little:
        return f"{sentence}: too little data to score it (at least {item.min_base} {item.counted} needed)."
    lowest, highest = scores_in_interval(item)
    return f"{sentence}, a range that spans scores {lowest:.0f} to {highest:.0f}."


def certainty_lines(items: Iterable[KpiExplanation]) -> list[str]:
    """:func:`certainty_sentence` of each item that has one, in the explanation's order."""
    return [sentence for item in items if (sentence := certainty_sentence(item))]
