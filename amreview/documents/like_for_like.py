"""Like-for-like benchmarks in words and in the team overview's table: each headline KPI against
what books like the person's achieve (:mod:`amreview.scoring.expected`), from the scorecard's
``expected`` columns (``<kpi>_expected``, ``_expected_low``, ``_expected_high``,
``_vs_expected``) and nothing else, so a review shows only its own person's.

Every figure is written in the KPI's display unit, by :mod:`amreview.formats`' one rule for that
unit; a difference of percentages is in points (one decimal for a percentage, none for an
attainment), of money in money, of a count in whole numbers.

* A review says it in one sentence where the KPI appears: "GM % 1.1 points above books like
  theirs (expected 6.2 %, plausibly 5.1 % to 7.3 %)." — and, where the figure is within that
  range, says so: a difference inside the range is not a finding.
* The team overview shows, per member and KPI, whether they are above or below the range books
  like theirs achieve, and by how much.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from amreview.formats import DASH, count, kpi_value, money, signed
from amreview.scoring.expected import ABOVE, BELOW, EXPECTATION_FEATURES, standing
from amreview.scoring.scorecard import Scorecard

if TYPE_CHECKING:  # the sections call these: Review is only a type here
    from amreview.documents.review import Review

POINT_DECIMALS = {"pct": 1, "pct0": 0, "attainment": 0}  # percentages: the difference in points
BOOKS_LIKE_THEIRS = "books like theirs"
TEAM_TABLE_ID = "team-expected"
TEAM_TABLE_NOTE = (
    "Each headline figure against what books like the person's achieve: the expectation of a model of "
    "the whole organisation, from the accounts each person held at the start of the quarter and their "
    "team, made without the person's own figures. Above or below: outside the range 95 in 100 books "
    "like theirs fall in; in line: within it (the difference from the expectation in brackets). "
    "A dash: no expectation (no book at the start of the quarter, or too few people to compare)."
)


def difference_text(difference: float, unit: str) -> str:
    """The size of a difference (value − expected) in the KPI's display ``unit``, without its
    sign: ``1.1 points`` (a percentage; ``8 points`` an attainment), ``£12,345``, ``2``."""
    size = abs(difference)
    if unit in POINT_DECIMALS:
        return f"{size * 100:.{POINT_DECIMALS[unit]}f} points"
    if unit == "money":
        return money(size)
    if unit == "count":
        return count(size)
    return kpi_value(size, unit)


def is_level(difference: float, unit: str) -> bool:
    """Whether ``difference`` shows as nothing in ``unit`` (``0.0 points``, ``£0``, ``0``)."""
    return not any(ch in "123456789" for ch in difference_text(difference, unit))


def expectation_sentence(label: str, value, expected, low, high, unit: str) -> str:
    """``GM % 1.1 points above books like theirs (expected 6.2 %, plausibly 5.1 % to 7.3 %).``;
    ``, within what such books achieve`` after "theirs" where the figure is inside the range;
    ``""`` without an expectation or a figure."""
    where = standing(value, low, high)
    if not where:
        return ""
    difference = value - expected
    span = f"expected {kpi_value(expected, unit)}, plausibly {kpi_value(low, unit)} to {kpi_value(high, unit)}"
    if is_level(difference, unit):
        return f"{label} level with {BOOKS_LIKE_THEIRS} ({span})."
    direction = "above" if difference > 0 else "below"
    within = ", within what such books achieve" if where not in (ABOVE, BELOW) else ""
    return f"{label} {difference_text(difference, unit)} {direction} {BOOKS_LIKE_THEIRS}{within} ({span})."


def expectation_of(card: Scorecard, am_id: str, kpi: str) -> tuple[float, float, float, float]:
    """(value, expected, low, high) of ``kpi`` for ``am_id`` from the scorecard (NaN where none)."""
    nan = float("nan")
    value = card.values.at[am_id, kpi] if kpi in card.values.columns else nan
    if f"{kpi}_expected" not in card.expected.columns or am_id not in card.expected.index:
        return float(value), nan, nan, nan
    row = card.expected.loc[am_id]
    expected, low, high = (float(row[f"{kpi}{suffix}"]) for suffix in ("_expected", "_expected_low", "_expected_high"))
    return float(value), expected, low, high


def like_for_like_lines(review: Review, kpis: tuple[str, ...]) -> list[str]:
    """One :func:`expectation_sentence` per KPI of ``kpis`` the review's person has an
    expectation for, in the KPI's label and display unit."""
    card, lines = review.scorecard, []
    for name in kpis:
        if name in card.kpis:
            kpi = card.kpis[name]
            lines.append(expectation_sentence(kpi.label, *expectation_of(card, review.am_id, name), kpi.display_unit))
    return [line for line in lines if line]


def team_cell(value, expected, low, high, unit: str) -> str:
    """A member's standing on one KPI: ``above by 1.1 points``, ``below by £12,345``,
    ``in line (+0.4 points)``; a dash without an expectation."""
    where = standing(value, low, high)
    if not where:
        return DASH
    difference = value - expected
    if where in (ABOVE, BELOW):
        return f"{where} by {difference_text(difference, unit)}"
    if is_level(difference, unit):
        return "in line (level)"
    return f"in line ({signed(difference, difference_text(difference, unit))})"


def team_expectations(card: Scorecard, members: pd.DataFrame) -> pd.DataFrame:
    """The team table's text: one row per member of ``members`` (index ``am_id``, column
    ``name``; the team overview's order), one column per headline KPI with an expectation
    (its label), cells by :func:`team_cell`. No KPI with an expectation: no columns but the name."""
    shown = pd.DataFrame({"Account manager": members["name"].astype(str).to_numpy()})
    for name in EXPECTATION_FEATURES:
        if name not in card.kpis or f"{name}_expected" not in card.expected.columns:
            continue
        kpi = card.kpis[name]
        shown[kpi.label] = [team_cell(*expectation_of(card, am_id, name), kpi.display_unit) for am_id in members.index]
    return shown


def team_expectations_styler(card: Scorecard, members: pd.DataFrame):
    """:func:`team_expectations` as a table (a Styler with the id :data:`TEAM_TABLE_ID`, text
    escaped); None where no member has an expectation."""
    shown = team_expectations(card, members)
    if len(shown.columns) == 1 or (shown.drop(columns="Account manager") == DASH).all().all():
        return None
    return (
        shown.style.format(escape="html", na_rep="")
        .format_index(escape="html", axis="columns")
        .hide(axis="index")
        .set_uuid(TEAM_TABLE_ID)
        .set_table_attributes('class="amr-table"')
        .set_properties(subset=list(shown.columns[1:]), **{"text-align": "right"})
    )
