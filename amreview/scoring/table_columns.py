"""What each column of the scorecard's table (:attr:`Scorecard.table`) means: its label for
people, its unit, its measure and a description, from the KPI registry and the config, so the
scorecard workbook's *Columns* sheet cannot drift from the columns written.

The columns are named by rules (see :class:`~amreview.scoring.scorecard.Scorecard`); each rule
is one branch of :func:`column_meaning`, tried in the order the table's parts could collide: a
column of the rating's robustness (:mod:`amreview.scoring.robustness`, whose names a KPI's do
not take), a KPI (with its window suffix) before a KPI's score before a measure's score. A column no rule
knows keeps its name as its label and says so, rather than failing an export.

Units are the table units of :mod:`amreview.formats` (``money``, ``pct``, ``count`` …).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from amreview.formats import KPI_UNIT_FORMATS
from amreview.metrics.intervals import INTERVAL_NAMES, LEVEL
from amreview.metrics.registry import ALL_MEASURES, WINDOWS
from amreview.scoring.evidence import EVIDENCE_SUFFIXES
from amreview.scoring.robustness import robustness_column_meaning
from amreview.scoring.scorecard import MEASURE_SCORE_SUFFIX, Scorecard
from amreview.vocabulary import CORE_TARGET_MEASURES, TARGET_MEASURE_UNITS

MEANING_COLUMNS = ["column", "label", "unit", "measure", "description"]
WINDOW_LABELS = {"": "", "_ytd": ", year to date", "_t4q": ", trailing four quarters"}
PERCENTILE_GROUPS = {"_team_percentile": "the team", "_org_percentile": "the organisation"}
UNIT_WORDS = {
    "text": "text",
    "money": "money",
    "pct": "fraction (0.12 = 12 %)",
    "pct0": "fraction (0.12 = 12 %)",
    "count": "count",
    "days": "days",
    "rating": "rating 1–5",
    "score": "score 1–5",
    "number": "number",
}

FIXED = {
    "am_id": ("Account manager ID", "text", "The account manager's id (account_managers.am_id)."),
    "name": ("Account manager", "text", "The account manager's name (account_managers.name)."),
    "manager": ("Manager", "text", "The account manager's manager (account_managers.manager)."),
    "team": ("Team", "text", "The account manager's team (account_managers.team); empty where the pack has none."),
    "period": ("Quarter", "text", "The review quarter."),
    "overall_score": (
        "Overall score",
        "score",
        "The weighted mean of the measure scores (the config's measure weights); a measure without "
        "data is left out and its weight spread over the others. Empty: no score, or withheld "
        "(see no_rating_reason).",
    ),
    "overall_rating": (
        "Rating",
        "text",
        "The config's rating label of the overall score. Empty: no rating (see no_rating_reason).",
    ),
    "rated_weight": (
        "Weight with data",
        "pct",
        "The share of the measures' weight that had data; below the config's min_rated_weight no rating is given.",
    ),
    "measures_without_data": (
        "Measures without data",
        "text",
        "The measures left out of the overall score for lack of data (their keys, separated by '; ').",
    ),
    "no_rating_reason": ("Why no rating", "text", "Why the row has no rating; empty where it has one."),
}


@dataclass(frozen=True)
class ColumnMeaning:
    """One column of the scorecard's table: its ``label`` for people, ``unit`` (a table unit
    of :mod:`amreview.formats`), ``measure`` (its label, or ``""``) and ``description``."""

    column: str
    label: str
    unit: str
    measure: str
    description: str


def column_meanings(card: Scorecard) -> pd.DataFrame:
    """One row per column of ``card.table``, in its order: :data:`MEANING_COLUMNS`."""
    rows = [column_meaning(card, str(column)) for column in card.table.columns]
    return pd.DataFrame([vars(row) for row in rows], columns=MEANING_COLUMNS)


def column_meaning(card: Scorecard, column: str) -> ColumnMeaning:
    """What ``column`` of ``card.table`` means (module docstring: the rules, in order)."""
    if column in FIXED:
        label, unit, description = FIXED[column]
        return ColumnMeaning(column, label, unit, "", description)
    robustness = robustness_column_meaning(column, card.config)
    if robustness is not None:
        return ColumnMeaning(column, *robustness[:2], "", robustness[2])
    kpi_column = _kpi_meaning(card, column)
    if kpi_column is not None:
        return kpi_column
    if column.endswith("_target") and column.removesuffix("_target") in CORE_TARGET_MEASURES:
        measure = column.removesuffix("_target")
        return ColumnMeaning(
            column,
            f"{measure.replace('_', ' ').capitalize()} target",
            TARGET_MEASURE_UNITS[measure],
            "",
            f"The quarter's target (targets.measure = '{measure}'). Empty: no target (none, or zero).",
        )
    scored = column.removesuffix("_score")
    if column.endswith("_score") and scored in card.scores.columns:
        kpi = card.kpis[scored]
        return ColumnMeaning(
            column,
            f"{kpi.label}, score",
            "score",
            ALL_MEASURES[kpi.measure],
            f"1 to 5 from the config's four band boundaries for {kpi.label} "
            f"({'higher' if kpi.higher_is_better else 'lower'} is better). Empty: no data.",
        )
    measure = column.removesuffix(MEASURE_SCORE_SUFFIX)
    if column.endswith(MEASURE_SCORE_SUFFIX) and measure in card.measures.columns:
        return ColumnMeaning(
            column,
            f"{ALL_MEASURES[measure]}, score",
            "score",
            ALL_MEASURES[measure],
            "The weighted mean of the measure's KPI scores (the config's KPI weights); a KPI "
            "without data is left out and its weight spread over the others. Empty: no data.",
        )
    return (
        _percentile_meaning(card, column)
        or _evidence_meaning(card, column)
        or _expected_meaning(card, column)
        or ColumnMeaning(column, column, "number", "", "A column amreview does not describe.")
    )


def _kpi_meaning(card: Scorecard, column: str) -> ColumnMeaning | None:
    """A KPI's column, in any window it is computed for (``revenue``, ``revenue_ytd`` …)."""
    for window, suffix in WINDOWS.items():
        name = column.removesuffix(suffix) if suffix else column
        kpi = card.kpis.get(name)
        if kpi is not None and window in kpi.windows and (not suffix or column.endswith(suffix)):
            return ColumnMeaning(
                column,
                kpi.label + WINDOW_LABELS[suffix],
                KPI_UNIT_FORMATS[kpi.unit],
                ALL_MEASURES[kpi.measure],
                kpi.formula,
            )
    return None


def _percentile_meaning(card: Scorecard, column: str) -> ColumnMeaning | None:
    """A benchmark KPI's percentile in the team or the organisation."""
    for suffix, group in PERCENTILE_GROUPS.items():
        kpi = card.kpis.get(column.removesuffix(suffix))
        if column.endswith(suffix) and kpi is not None:
            return ColumnMeaning(
                column,
                f"{kpi.label}, percentile in {group}",
                "pct0",
                ALL_MEASURES[kpi.measure],
                f"The share of {group}, this person included, whose {kpi.label} is no better. "
                "Empty: no data, or fewer than three people with a figure in the group.",
            )
    return None


def _evidence_meaning(card: Scorecard, column: str) -> ColumnMeaning | None:
    """A rate or mean KPI's base, successes, interval bounds or too-little flag
    (:mod:`amreview.scoring.evidence`)."""
    for suffix in EVIDENCE_SUFFIXES:
        kpi = card.kpis.get(column.removesuffix(suffix))
        if not column.endswith(suffix) or kpi is None or kpi.evidence is None:
            continue
        counted, unit, measure = kpi.evidence.counted, KPI_UNIT_FORMATS[kpi.unit], ALL_MEASURES[kpi.measure]
        level = f"{LEVEL * 100:.0f} %"
        interval = f"({INTERVAL_NAMES[kpi.evidence.kind]}; docs/kpis.md). Empty: no interval (no or one observation)."
        meanings = {
            "_base": ("base", "number", f"How many {counted} the quarter's {kpi.label} rests on. Empty: none."),
            "_successes": ("successes", "count", f"Of the {counted}, how many {kpi.evidence.success}."),
            "_low": (f"{level} interval, low end", unit, f"The {level} interval's low end {interval}"),
            "_high": (f"{level} interval, high end", unit, f"The {level} interval's high end {interval}"),
            "_too_little": (
                "too little data",
                "text",
                f"True where the base is below the config's min_base for {kpi.label}: its value is shown, "
                "not scored, and its weight spread over the measure's other KPIs.",
            ),
        }
        what, unit, description = meanings[suffix]
        return ColumnMeaning(column, f"{kpi.label}, {what}", unit, measure, description)
    return None


EXPECTED_WORDS = {
    "_expected": ("expected", "What books like this person's achieve: the leave-one-out expectation of the model"),
    "_expected_low": ("expected, low", "The low end of the 95 % range books like this person's fall in"),
    "_expected_high": ("expected, high", "The high end of the 95 % range books like this person's fall in"),
    "_vs_expected": (
        "against expected",
        "The figure minus the expectation, in the KPI's unit (a percentage's in points: 0.011 = 1.1 points)",
    ),
}


def _expected_meaning(card: Scorecard, column: str) -> ColumnMeaning | None:
    """A headline KPI's like-for-like benchmark (:mod:`amreview.scoring.expected`)."""
    for suffix in sorted(EXPECTED_WORDS, key=len, reverse=True):  # _expected_low before _expected
        kpi = card.kpis.get(column.removesuffix(suffix))
        if column.endswith(suffix) and kpi is not None and column in card.expected.columns:
            label, description = EXPECTED_WORDS[suffix]
            return ColumnMeaning(
                column,
                f"{kpi.label}, {label}",
                KPI_UNIT_FORMATS[kpi.unit],
                ALL_MEASURES[kpi.measure],
                f"{description} (docs/kpis.md: like-for-like benchmarks). Empty: no book at the start of the "
                "quarter, no figure, or too few people to compare.",
            )
    return None


def unit_words(unit: str) -> str:
    """A table unit in words for the reader of the data (``pct`` → ``fraction (0.12 = 12 %)``)."""
    return UNIT_WORDS.get(unit, unit)
