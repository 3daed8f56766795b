"""Appendix: what explains this person's figures — a link to the run's KPI reference, a plain
line for each figure shown without a value, the data-quality notes — and the provenance.

The definitions of every KPI are in the run's KPI reference (``kpi-reference.html`` beside the
reviews in the period's folder: :mod:`amreview.documents.kpi_reference`), once per run rather
than in each review; the appendix keeps what is particular to this person."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

import amreview
from amreview.data.schemas import OPTIONAL_TABLES, REQUIRED_TABLES
from amreview.documents import narrative as say
from amreview.documents.kpi_reference import kpi_anchor
from amreview.documents.model import SECTIONS, Definitions, Heading, Link, Section, Table, Text
from amreview.documents.sections._common import new_section, value_of
from amreview.filenames import KPI_REFERENCE_STEM
from amreview.formats import count
from amreview.metrics.crm import activities_between
from amreview.metrics.newbusiness import open_opportunities
from amreview.metrics.registry import ALL_MEASURES
from amreview.metrics.targets import quarter_target
from amreview.redaction import shown_source
from amreview.scoring.config import DEFAULT_CONFIG, config_fingerprint
from amreview.scoring.display import no_rating_sentence

if TYPE_CHECKING:  # the review calls the section builders: Review is only a type here
    from amreview.documents.review import Review


# The run's KPI reference, beside the review in the period's folder (amreview.batch.reference).
KPI_REFERENCE_PAGE = f"{KPI_REFERENCE_STEM}.html"


def appendix(review: Review) -> Section:
    section = new_section(review, "appendix")
    shown = list(dict.fromkeys(k for key, _, _ in SECTIONS if key != "appendix" for k in review.section(key).kpis))
    kpis = review.scorecard.kpis
    section.kpis = [k for k in shown if k in kpis]
    section.parts += [
        Heading("What the figures mean"),
        Link(
            "KPI reference",
            KPI_REFERENCE_PAGE,
            before="What each figure of this review counts, over which period, and how it is scored: see the run's ",
            after=".",
        ),
    ]
    empty = figures_without_value(review, section.kpis)
    if empty:
        section.parts += [
            Text("Figures shown without a value for this person, and why a figure can have none:"),
            Definitions(
                tuple((kpis[k].label, kpis[k].if_empty, "") for k in empty),
                links=tuple(f"{KPI_REFERENCE_PAGE}#{kpi_anchor(k)}" for k in empty),
            ),
        ]
    section.parts.append(Heading("Data-quality notes"))
    section.parts += [Text(note) for note in data_quality_notes(review)]
    section.parts += [Heading("Provenance"), Table("provenance", "", provenance(review), nowrap=("Item",))]
    return section


def figures_without_value(review: Review, names: list[str]) -> list[str]:
    """The KPIs of ``names`` (those the review shows) without a quarter's value for this person:
    no data, no target or not meaningful, each of which its registry row explains (``if_empty``)."""
    return [name for name in names if np.isnan(value_of(review.values, name))]


def data_quality_notes(review: Review) -> list[str]:
    """What a reader should know about this person's data in the quarter (plain sentences)."""
    notes = []
    quarter = review.quarter
    absent = [t for t in OPTIONAL_TABLES if not review.has_table(t)]
    if absent:
        tables = ", ".join(t.replace("_", " ") for t in absent)
        notes.append(f"Not in this pack: {tables} (the sections that need them say so).")
    start = review.header.start_date
    if start is not None and start >= quarter.start:
        notes.append(f"Started in role on {start:%d %b %Y}: a partial quarter; rates per week count weeks in role.")
    if not review.has_sales:
        notes.append(say.no_sales_lines())
    else:
        lines = review.lines
        returns = int((lines["revenue"] < 0).sum())
        no_vendor = int(lines["vendor"].isna().sum())
        text = f"{count(len(lines))} invoice lines in {quarter}, {count(returns)} of them returns or credit notes"
        if no_vendor:
            text += f"; {count(no_vendor)} without a vendor"
        notes.append(text + ".")
        if review.has_table("accounts") and len(lines):
            covered = int(lines["account_id"].isin(review.views.colleague_accounts).sum())
            if covered:
                notes.append(
                    f"{count(covered)} lines are on accounts assigned to colleagues (cover or shared accounts); "
                    "they count for this person, who is credited on the line."
                )
    measures = ("revenue", "gross_margin", "new_accounts", "visits", "activities")
    targets = review.mine("targets")
    missing_targets = [m for m in measures if np.isnan(quarter_target(targets, review.am_id, quarter, m))]
    if missing_targets:
        notes.append(
            f"No {quarter} target for: {', '.join(m.replace('_', ' ') for m in missing_targets)} "
            '(attainment shows "no target").'
        )
    activities = review.mine("activities")
    if activities is not None:
        now = activities_between(activities, quarter.start, quarter.end)
        unlogged = int(now["logged_date"].isna().sum())
        if unlogged:
            notes.append(
                f"{count(unlogged)} of {count(len(now))} activities have no logged date (left out of the logging lag)."
            )
    opportunities = review.mine("opportunities")
    if opportunities is not None:
        open_now = open_opportunities(opportunities, quarter.end)
        incomplete = int((open_now["close_date"].isna() | open_now["value"].isna()).sum())
        if incomplete:
            notes.append(
                f"{count(incomplete)} open opportunities lack a close date or a value (not in the pipeline coverage)."
            )
    without = str(review.overall["measures_without_data"])
    if without:
        notes.append(f"Measures without data this quarter: {', '.join(ALL_MEASURES[m] for m in without.split('; '))}.")
    notes += plausibility_notes(review)
    return notes or ["No data-quality issues found in this person's data."]


MAX_WARNINGS_SHOWN = 10


def plausibility_notes(review: Review) -> list[str]:
    """Why there is no rating, required tables the pack holds empty, and the data-quality
    warnings on this person's own rows (:func:`amreview.quality.checks.person_warnings`), each naming
    table, row and column; at most :data:`MAX_WARNINGS_SHOWN` of them (``amreview validate``
    lists every one)."""
    notes = []
    if sentence := no_rating_sentence(review.overall):
        notes.append(sentence)
    # (an empty sales table is said above, and in the reason for no rating)
    empty = [
        t for t in REQUIRED_TABLES if t not in ("account_managers", "sales") and review.facts.tables.get(t, 0) == 0
    ]
    for table in empty:
        notes.append(
            f"The pack's {table} table is empty: a required table holding only its header. The figures "
            'that read it show "no data" (the data is absent, not zero).'
        )
    warnings = review.views.data_warnings
    for warning in warnings.head(MAX_WARNINGS_SHOWN).to_dict("records"):
        notes.append(
            f"Data-quality warning: {warning['table']} {warning['row']}, column {warning['column']}: "
            f"expected {warning['expected']}, found {warning['found']}."
        )
    if len(warnings) > MAX_WARNINGS_SHOWN:
        notes.append(
            f"… and {count(len(warnings) - MAX_WARNINGS_SHOWN)} more data-quality warnings on this person's rows "
            "(amreview validate lists every one)."
        )
    return notes


def provenance(review: Review) -> pd.DataFrame:
    """Where the review's figures come from: pack, config, library version, run date."""
    facts, config = review.facts, review.config  # the whole pack's, in a review input too
    shown = shown_source(facts.source)  # a database URL without its credentials
    folder = shown.rstrip("/").split("/")[-1] or shown  # the folder's (or database's) name, not a local path
    source = "the built-in sample pack" if facts.source == "sample" else folder
    fingerprint = facts.fingerprint or "none: the built-in sample is generated in memory, not read from files"
    default = config.source in ("", str(DEFAULT_CONFIG))
    config_name = "the packaged default (default_scorecard.toml)" if default else config.source.split("/")[-1]
    tables = ", ".join(f"{name} ({count(rows)} rows)" for name, rows in facts.tables.items())
    rows = [
        ("Review", f"{review.name} ({review.am_id}), {review.quarter.label}"),
        ("Data pack", source),
        ("Data pack fingerprint (SHA-256)", fingerprint),
        ("Tables", tables),
        ("Scorecard config", config_name),
        ("Scorecard config fingerprint (SHA-256)", config_fingerprint(config)),
        ("Fiscal year starts in month", str(config.fiscal_year_start_month)),
        ("amreview version", amreview.__version__),
        ("Run date", date.today().isoformat()),
    ]
    return pd.DataFrame(rows, columns=["Item", "Value"])
