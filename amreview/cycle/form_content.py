"""What one form shows: one account manager's figures for one quarter, and what they and their
manager are asked to fill in (:func:`form_content`). Pure: a validated pack and the quarter's
scorecard in, a :class:`FormContent` out; no file is read or written.

Design decisions, and why:

* **Only this person's data.** Every figure comes from their row of the scorecard (the one every
  review reads: :func:`amreview.scoring.scorecard.build_scorecard`) and their rows of the pack;
  the only figures about anyone else are the anonymised team and organisation percentiles the
  review's summary already shows (groups under three people show none).
* **The values as the form shows them.** A :class:`Shown` is a value as its cell holds it:
  numbers at ten significant digits (what Excel and LibreOffice keep exactly through a save),
  a missing value as the words that say why (``no data``, ``no target``). So the values read
  back from a returned form equal the values computed now, cell for cell, when nothing changed.
* **The fingerprint is of exactly those values** (:attr:`FormContent.figures_fingerprint`):
  SHA-256 of the canonical JSON of :meth:`FormContent.figures` (key → value, keys sorted).
  ``amreview collect`` computes it again from the pack it collects into: a different
  fingerprint means the figures the form showed have changed since it was made.
* **Comments land in the review's sections.** A comment on a measure is a ``review_notes`` row of
  the section of the review that explains that measure (:data:`MEASURE_NOTE_SECTIONS`); the two
  reporting measures share the section *Reporting*. The overall comment is the ``summary``
  section's, the account manager's comment at signing ``sign_off``, and each objective proposed
  on a self-assessment one ``proposed_objectives`` note.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from amreview.cycle.model import FormIdentity, FormKind
from amreview.data.datapack import DataPack
from amreview.documents.review import not_in_role
from amreview.formats import NO_DATA, NO_TARGET, NOT_MEANINGFUL
from amreview.metrics.development import development_plan
from amreview.metrics.registry import ALL_MEASURES
from amreview.periods import Quarter
from amreview.scoring.display import no_rating_reason
from amreview.scoring.scorecard import Scorecard
from amreview.vocabulary import COMPETENCIES, CORE_TARGET_MEASURES

# The section of the review that explains each measure (documents.sections: explanation_for).
MEASURE_NOTE_SECTIONS = {
    "margin_kpi_targets": "margin",
    "report_timeliness": "reporting",
    "information_accuracy": "reporting",
    "development_plan": "development",
    "customer_relationships": "relationships",
    "new_business": "new_business",
    "crm_utilisation": "crm",
    "competencies": "competencies",
}
OVERALL_NOTE_SECTION = "summary"
SIGN_OFF_SECTION = "sign_off"
PROPOSED_OBJECTIVES_SECTION = "proposed_objectives"
NO_RATING = "no rating"
SIGNIFICANT_DIGITS = 10

# The headline figures of the review's summary: scorecard column, label, unit, missing text.
HEADLINE_FIGURES = (
    ("revenue", "Revenue", "money", NO_DATA),
    ("cost", "Cost of goods", "money", NO_DATA),
    ("gross_margin", "Gross margin", "money", NO_DATA),
    ("gm_pct", "GM %", "fraction", NOT_MEANINGFUL),
    ("active_accounts", "Active accounts", "count", NO_DATA),
    ("new_accounts", "New accounts won", "count", NO_DATA),
)

CellValue = str | float | int | None


@dataclass(frozen=True)
class Shown:
    """A value a form shows, read-only: a number in ``unit`` (``money``, ``fraction``, ``count``,
    ``days``, ``rating``, ``number``, ``score``, ``weight``, ``percentile``), a text (unit
    ``text``), or nothing (``value`` None), shown as ``missing``."""

    value: float | int | str | None
    unit: str = "text"
    missing: str = ""

    @property
    def cell(self) -> CellValue:
        """The value as its cell holds it (module docstring); None for an empty cell."""
        if self.value is None:
            return self.missing or None
        if isinstance(self.value, str):
            return self.value or None
        if isinstance(self.value, int):
            return self.value
        number = float(format(self.value, f".{SIGNIFICANT_DIGITS}g"))
        return 0.0 if number == 0 else number  # never -0.0: a spreadsheet writes it as 0


def shown(value, unit: str = "text", missing: str = "") -> Shown:
    """A :class:`Shown` of a value from a frame: NaN, NA, None and infinities are missing; numpy
    scalars become Python numbers; integral counts become ``int``."""
    if value is None or value is pd.NA or value is pd.NaT:
        return Shown(None, unit, missing)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str):
        return Shown(value, unit, missing)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value):
            return Shown(None, unit, missing)
        if unit == "count" and float(value).is_integer():
            return Shown(int(value), unit, missing)
        return Shown(float(value), unit, missing)
    return Shown(str(value), unit, missing)


def canonical(value: object) -> list | None:
    """A cell's value in the fingerprint's canonical form: ``None`` for an empty cell, ``["n",
    <number at ten significant digits>]``, ``["d", <ISO date>]``, ``["b", bool]`` or ``["s",
    <text>]``. The same for a value computed now and one read back from a saved workbook."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return ["b", value]
    if isinstance(value, (int, float)):
        number = float(value)
        return ["n", format(0.0 if number == 0 else number, f".{SIGNIFICANT_DIGITS}g")]
    if isinstance(value, dt.datetime):
        return ["d", value.date().isoformat()]
    if isinstance(value, dt.date):
        return ["d", value.isoformat()]
    return ["s", str(value)]


def fingerprint_of(values: dict[str, object]) -> str:
    """SHA-256 (hex) of the canonical JSON of ``values`` (key → cell value, keys sorted)."""
    text = json.dumps(
        {key: canonical(value) for key, value in values.items()},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class HeadlineLine:
    key: str
    label: str
    value: Shown
    target: Shown
    attainment: Shown


@dataclass(frozen=True)
class MeasureLine:
    """A measure of the role: title as the review gives it, weight in the rating, score, rating of
    that score, the review section its comment goes to, and (manager's review) what the account
    manager wrote about it on their self-assessment."""

    measure: str
    title: str
    note_section: str
    weight: Shown
    score: Shown
    rating: Shown
    self_comment: Shown


@dataclass(frozen=True)
class BenchmarkLine:
    kpi: str
    label: str
    value: Shown
    team: Shown
    organisation: Shown


@dataclass(frozen=True)
class CompetencyLine:
    competency: str
    self_rating: Shown
    self_comment: Shown


@dataclass(frozen=True)
class CarriedObjective:
    """An objective of this quarter's plan not achieved at the review: it carries into next
    quarter's plan under the same ``objective_id``."""

    objective_id: str
    objective: Shown
    competency: Shown


@dataclass(frozen=True)
class FormContent:
    """Everything one form shows about one person and quarter (module docstring)."""

    kind: FormKind
    am_id: str
    name: str
    manager: str
    team: str | None
    period: Quarter
    overall_score: Shown
    computed_rating: str | None
    no_rating_reason: str
    headline: tuple[HeadlineLine, ...]
    measures: tuple[MeasureLine, ...]
    benchmarks: tuple[BenchmarkLine, ...]
    competencies: tuple[CompetencyLine, ...]
    carried_objectives: tuple[CarriedObjective, ...]
    proposed_objectives: tuple[Shown, ...]  # manager's review: proposed on the self-assessment
    overall_self_comment: Shown
    rating_labels: tuple[str, ...]

    @property
    def next_period(self) -> Quarter:
        """The quarter the objectives agreed on this form belong to."""
        return self.period.next()

    @property
    def is_manager_review(self) -> bool:
        return self.kind is FormKind.MANAGER_REVIEW

    def figures(self) -> dict[str, Shown]:
        """Every computed value the form shows, by a stable key: what the fingerprint covers."""
        values: dict[str, Shown] = {
            "overall.score": self.overall_score,
            "overall.rating": Shown(self.computed_rating, missing=NO_RATING),
            "overall.no_rating_reason": Shown(self.no_rating_reason),
        }
        for line in self.headline:
            values.update(
                {
                    f"headline.{line.key}.value": line.value,
                    f"headline.{line.key}.target": line.target,
                    f"headline.{line.key}.attainment": line.attainment,
                }
            )
        for m in self.measures:
            values.update(
                {
                    f"measure.{m.measure}.weight": m.weight,
                    f"measure.{m.measure}.score": m.score,
                    f"measure.{m.measure}.rating": m.rating,
                }
            )
            if self.is_manager_review:
                values[f"measure.{m.measure}.self_comment"] = m.self_comment
        for b in self.benchmarks:
            values.update(
                {
                    f"benchmark.{b.kpi}.value": b.value,
                    f"benchmark.{b.kpi}.team": b.team,
                    f"benchmark.{b.kpi}.organisation": b.organisation,
                }
            )
        for n, objective in enumerate(self.carried_objectives, start=1):
            values.update(
                {
                    f"objective.{n}.id": Shown(objective.objective_id),
                    f"objective.{n}.objective": objective.objective,
                    f"objective.{n}.competency": objective.competency,
                }
            )
        for n, label in enumerate(self.rating_labels, start=1):
            values[f"rating_label.{n}"] = Shown(label)
        if self.is_manager_review:
            for c in self.competencies:
                values.update(
                    {
                        f"competency.{c.competency}.self_rating": c.self_rating,
                        f"competency.{c.competency}.self_comment": c.self_comment,
                    }
                )
            for n, proposal in enumerate(self.proposed_objectives, start=1):
                values[f"proposed.{n}"] = proposal
            values["overall.self_comment"] = self.overall_self_comment
        return values

    @property
    def figures_fingerprint(self) -> str:
        """SHA-256 of the canonical serialisation of :meth:`figures` (module docstring)."""
        return fingerprint_of({key: value.cell for key, value in self.figures().items()})


# --------------------------------------------------------------------------------------------
# Building it
# --------------------------------------------------------------------------------------------


def form_content(pack: DataPack, card: Scorecard, am_id: str, kind: FormKind | str) -> FormContent:
    """What the ``kind`` form of ``am_id`` (in role in the scorecard's quarter) shows, from the
    validated ``pack`` and the quarter's scorecard ``card`` (module docstring). An ``am_id`` not
    on the scorecard is a :class:`~amreview.errors.DataError` naming it."""
    kind = FormKind(kind)
    am_id = str(am_id)
    if am_id not in card.values.index:
        raise not_in_role(pack, am_id, card.quarter)
    quarter, config = card.quarter, card.config
    person = card.people.loc[am_id]
    overall = card.overall.loc[am_id]
    manager_review = kind is FormKind.MANAGER_REVIEW
    notes = self_notes(pack, am_id, quarter) if manager_review else pd.DataFrame(columns=["section", "text"])
    rating = overall["overall_rating"]
    return FormContent(
        kind=kind,
        am_id=am_id,
        name=str(person["name"]),
        manager=str(person["manager"]),
        team=None if pd.isna(person["team"]) else str(person["team"]),
        period=quarter,
        overall_score=shown(overall["overall_score"], "score", NO_DATA),
        computed_rating=None if rating is None or pd.isna(rating) else str(rating),
        no_rating_reason=no_rating_reason(overall),
        headline=headline_lines(card, am_id),
        measures=measure_lines(card, am_id, notes),
        benchmarks=benchmark_lines(card, am_id),
        competencies=competency_lines(pack, am_id, quarter, manager_review),
        carried_objectives=carried_objectives(pack, am_id, quarter),
        proposed_objectives=tuple(Shown(t) for t in notes_of(notes, PROPOSED_OBJECTIVES_SECTION)),
        overall_self_comment=Shown(joined(notes_of(notes, OVERALL_NOTE_SECTION))),
        rating_labels=tuple(r.label for r in config.ratings),
    )


def fingerprint_now(pack: DataPack, card: Scorecard) -> Callable[[FormIdentity], str | None]:
    """For the collector (:class:`amreview.cycle.form_record.Expected`): the fingerprint of the
    figures a form of that identity shows when made now from ``pack`` and ``card``; None when the
    person is not on the scorecard or the form is of another quarter."""

    def now(identity: FormIdentity) -> str | None:
        if identity.period != card.quarter or identity.am_id not in card.values.index:
            return None
        return form_content(pack, card, identity.am_id, identity.kind).figures_fingerprint

    return now


def headline_lines(card: Scorecard, am_id: str) -> tuple[HeadlineLine, ...]:
    """The summary's headline figures, with target and attainment for the target measures."""
    row = card.table.set_index("am_id").loc[am_id]
    lines = []
    for key, label, unit, missing in HEADLINE_FIGURES:
        targeted = key in CORE_TARGET_MEASURES
        lines.append(
            HeadlineLine(
                key,
                label,
                shown(row[key], unit, missing),
                shown(row[f"{key}_target"], unit, NO_TARGET) if targeted else Shown(None),
                shown(row[f"{key}_attainment"], "fraction", NO_TARGET) if targeted else Shown(None),
            )
        )
    return tuple(lines)


def measure_lines(card: Scorecard, am_id: str, notes: pd.DataFrame) -> tuple[MeasureLine, ...]:
    """The config's measures, titled as in the review, with weight, score and its rating; the
    account manager's comment on the measure's section (once per section: the second reporting
    measure points to the first)."""
    lines, said = [], set()
    for measure, scoring in card.config.measures.items():
        score = card.measures.at[am_id, measure]
        section = MEASURE_NOTE_SECTIONS[measure]
        comment = joined(notes_of(notes, section)) if section not in said else "(with the row above)"
        said.add(section)
        lines.append(
            MeasureLine(
                measure=measure,
                title=ALL_MEASURES[measure],
                note_section=section,
                weight=shown(scoring.weight, "weight"),
                score=shown(score, "score", NO_DATA),
                rating=Shown(card.config.rating(float(score)), missing=NO_DATA),
                self_comment=Shown(comment),
            )
        )
    return tuple(lines)


def benchmark_lines(card: Scorecard, am_id: str) -> tuple[BenchmarkLine, ...]:
    """The benchmark KPIs' values and this person's team and organisation percentiles, as the
    review's summary shows them (no one else named; none for groups under three people)."""
    table = card.table.set_index("am_id")
    lines = []
    for name in card.config.benchmark_kpis:
        if f"{name}_team_percentile" not in table.columns:
            continue
        kpi = card.kpis[name]
        lines.append(
            BenchmarkLine(
                name,
                kpi.label,
                shown(card.values.at[am_id, name] if name in card.values.columns else None, kpi.unit, NO_DATA),
                shown(table.at[am_id, f"{name}_team_percentile"], "percentile", "—"),
                shown(table.at[am_id, f"{name}_org_percentile"], "percentile", "—"),
            )
        )
    return tuple(lines)


def competency_lines(pack: DataPack, am_id: str, quarter: Quarter, with_self: bool) -> tuple[CompetencyLine, ...]:
    """The five competencies; on a manager's review with the self-ratings and evidence collected
    for the quarter (several ratings of one competency: their mean, comments joined, as the
    review shows them)."""
    ratings = {}
    if with_self and pack.has("competency_ratings"):
        rows = pack["competency_ratings"]
        mine = rows[(rows["am_id"] == am_id) & (rows["period"] == str(quarter)) & (rows["rater"] == "self")]
        for competency, group in mine.groupby("competency", sort=False):
            comments = [str(c) for c in group["comment"] if isinstance(c, str) and c.strip()]
            ratings[competency] = (float(group["rating"].mean()), "; ".join(comments))
    lines = []
    for competency in COMPETENCIES:
        rating, comment = ratings.get(competency, (None, ""))
        lines.append(
            CompetencyLine(competency, shown(rating, "rating", "not rated" if with_self else ""), Shown(comment))
        )
    return tuple(lines)


def carried_objectives(pack: DataPack, am_id: str, quarter: Quarter) -> tuple[CarriedObjective, ...]:
    """The objectives of ``quarter``'s plan that carry into the next quarter's
    (:func:`~amreview.metrics.development.development_plan`'s ``carries_forward``)."""
    if not pack.has("development_objectives"):
        return ()
    objectives = pack["development_objectives"]
    plan = development_plan(objectives[objectives["am_id"] == am_id], quarter)
    forward = plan[plan["carries_forward"]]
    return tuple(
        CarriedObjective(str(row.objective_id), shown(row.objective), shown(row.competency))
        for row in forward.itertuples(index=False)
    )


def self_notes(pack: DataPack, am_id: str, quarter: Quarter) -> pd.DataFrame:
    """The account manager's own notes of the quarter (``review_notes`` with ``author_role``
    ``self``): columns ``section`` and ``text``, in table order; none without that column."""
    if not pack.has("review_notes") or "author_role" not in pack["review_notes"].columns:
        return pd.DataFrame(columns=["section", "text"])
    notes = pack["review_notes"]
    mine = notes[(notes["am_id"] == am_id) & (notes["period"] == str(quarter)) & (notes["author_role"] == "self")]
    return mine[["section", "text"]].reset_index(drop=True)


def notes_of(notes: pd.DataFrame, section: str) -> list[str]:
    """The texts of ``notes`` in ``section``, in order, blanks left out."""
    texts = notes.loc[notes["section"] == section, "text"]
    return [str(t) for t in texts if isinstance(t, str) and t.strip()]


def joined(texts: list[str]) -> str:
    """Several notes of one section as one cell: separated by a blank line."""
    return "\n\n".join(texts)
