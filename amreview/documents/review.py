"""One account manager's quarterly review: the sections a review notebook displays.

:meth:`Review.build` loads the scorecard of the quarter once (every KPI, score and rating, see
:mod:`amreview.scoring.scorecard`) and the previous quarter's (for trends); each section method
(:meth:`Review.summary`, :meth:`Review.margin` … :meth:`Review.appendix`, in the job
description's order) returns a :class:`Section`: narrative lines from the numbers
(:mod:`amreview.documents.narrative`), tables that keep numbers (:class:`Table`, formatted when rendered
by :mod:`amreview.documents.render`), charts (:class:`Chart`, drawn by :mod:`amreview.documents.plots`) and the
scorecard's explanation of the section's score. The section builders live in
:mod:`amreview.documents.sections`.

Prepare once, render per person: :func:`amreview.batch.inputs.open_review` (what the review notebook calls) opens a
*review input* written by :func:`amreview.batch.prepare.prepare_reviews` — this person's slice of the
pack, their rows of both scorecards and their share of the figures that need the whole pack
(:mod:`amreview.documents.pack_views`) — or builds the review from a whole pack. Sections read the whole
pack only through :attr:`Review.facts` and :attr:`Review.views`, so both give the same review.

A section whose data the pack does not hold says so in one line (:class:`Text` of kind
``missing``): it never vanishes and never shows zeros. An empty ``sales`` table means the pack
holds no margin data: the margin sections say so, the others still work.

Displayed in JupyterLab, a :class:`Review` and each :class:`Section` render as HTML.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from amreview.data.datapack import DataPack
from amreview.documents.figures import account_names, name_accounts
from amreview.documents.model import SECTION_TITLES, SECTIONS, Explanation, ReviewHeader, Section
from amreview.documents.pack_views import PackFacts, PersonViews, person_views
from amreview.errors import DataError, UnknownNameError
from amreview.formats import number_format_in_effect
from amreview.metrics.registry import ALL_MEASURES, WINDOWS, KpiContext, in_role
from amreview.periods import Quarter, require_quarter
from amreview.scoring.calibration import band_change
from amreview.scoring.config import ScorecardConfig, review_config
from amreview.scoring.outcomes import INPUT_TABLES, ReviewOutcome, review_status
from amreview.scoring.scorecard import KPI_COLUMNS, Scorecard, build_scorecard, core_scorecard, pack_covers
from amreview.vocabulary import CORE_TARGET_MEASURES, NOTE_SECTIONS

MEASURE_LABELS = {
    "revenue": "Revenue",
    "gross_margin": "Gross margin",
    "new_accounts": "New accounts",
}

# --------------------------------------------------------------------------------------------
# The header and the first issue's functions (kept: notebooks and tests use them)
# --------------------------------------------------------------------------------------------


def review_header(pack: DataPack, am_id: str, period: Quarter) -> ReviewHeader:
    """The header of ``am_id``'s review of ``period``."""
    person = pack.account_manager(am_id)
    team = person.get("team")
    start = person.get("start_date")
    return ReviewHeader(
        am_id=str(am_id),
        name=str(person["name"]),
        manager=str(person["manager"]),
        team=None if pd.isna(team) else str(team),
        start_date=None if pd.isna(start) else pd.Timestamp(start),
        quarter=require_quarter(period),
    )


def not_in_role(pack: DataPack, am_id: str, period) -> DataError:
    """The error for ``am_id`` not in role in ``period`` (an unknown ``am_id``: the error naming it)."""
    pack.account_manager(am_id)  # unknown am_id → a DataError naming it
    return DataError(
        pd.DataFrame(
            [
                {
                    "table": "account_managers",
                    "row": None,
                    "column": "start_date",
                    "check": "in_role",
                    "expected": f"{am_id} in role during {period}",
                    "found": "a start date after the quarter's end",
                }
            ]
        ),
        pack.source,
    )


def headline_figures(pack: DataPack, am_id: str, period: Quarter) -> pd.Series:
    """``am_id``'s row of the core scorecard for ``period`` (see :mod:`amreview.scoring.scorecard`)."""
    card = core_scorecard(pack, period)
    row = card[card["am_id"] == str(am_id)]
    if row.empty:
        raise not_in_role(pack, am_id, period)
    return row.iloc[0]


def headline_table(figures: pd.Series) -> pd.DataFrame:
    """The target measures as rows: ``actual``, ``target``, ``attainment`` (NaN = no target)."""
    rows = [
        {
            "measure": MEASURE_LABELS[m],
            "actual": figures[m],
            "target": figures[f"{m}_target"],
            "attainment": figures[f"{m}_attainment"],
        }
        for m in CORE_TARGET_MEASURES
    ]
    return pd.DataFrame(rows).set_index("measure")


# --------------------------------------------------------------------------------------------
# The scorecard a review reads
# --------------------------------------------------------------------------------------------


def scored_kpis(config: ScorecardConfig, kpis: dict) -> dict:
    """The KPIs a config scores or benchmarks, and the core scorecard's, for the review quarter
    only (no year-to-date or trailing windows): enough for last quarter's scores and trends, at
    a quarter of the cost of every KPI."""
    names = set(config.kpi_measure()) | set(config.benchmark_kpis) | set(KPI_COLUMNS)
    return {name: dataclasses.replace(kpi, windows=("quarter",)) for name, kpi in kpis.items() if name in names}


def previous_scorecard(pack: DataPack, quarter: Quarter, config: ScorecardConfig, kpis: dict) -> Scorecard | None:
    """The previous quarter's scorecard for trends (:func:`scored_kpis` of ``kpis`` only), or
    None when the pack holds no data of that quarter (:func:`~amreview.scoring.scorecard.pack_covers`:
    its sales lines decide, or in a pack without sales lines, its other records)."""
    previous = quarter.previous()
    if not pack_covers(pack, previous):
        return None
    return build_scorecard(pack, previous, config, kpis=scored_kpis(config, kpis))


# --------------------------------------------------------------------------------------------
# The review
# --------------------------------------------------------------------------------------------


class Review:
    """One account manager's review of one quarter (see the module docstring).

    Build it from a whole pack with :meth:`build`, or open a prepared review input (this
    person's slice of the pack and their share of the whole-pack figures, see
    :mod:`amreview.batch.prepare`) with :func:`amreview.batch.input_reading.read_review_input`;
    :func:`amreview.batch.inputs.open_review` does either. Both give
    the same sections.

    ``pack`` is the whole pack, or in a review input this person's slice of it (an ordinary
    data pack holding their rows and the accounts they touch). ``scorecard`` is the quarter's
    (a review input holds only this person's row), ``previous`` the previous quarter's (None when
    the pack does not cover it). ``values``, ``targets``, ``scores``, ``measures`` and ``overall``
    are this person's rows of it. What needs the whole pack is read through :attr:`facts` (the
    pack's own facts) and :attr:`views` (this person's share of whole-pack computations), never
    from other people's rows.
    """

    def __init__(
        self,
        pack: DataPack,
        am_id: str,
        scorecard: Scorecard,
        previous: Scorecard | None = None,
        facts: PackFacts | None = None,
        views: PersonViews | None = None,
    ):
        if am_id not in scorecard.values.index:
            raise not_in_role(pack, am_id, scorecard.quarter)
        self.pack = pack
        self.am_id = am_id
        self.scorecard = scorecard
        self.previous = previous
        self._facts = facts
        self._views = views
        self._sections: dict[str, Section] = {}
        self._cache: dict = {}

    @classmethod
    def build(
        cls, pack: DataPack, am_id: str, period: Quarter | str, config: ScorecardConfig | str | Path | None = None
    ) -> Review:
        """The review of ``am_id`` (an ``account_managers.am_id`` in role in ``period``) under
        ``config`` (a :class:`ScorecardConfig`, a TOML path, or None/"" for the default).
        ``period`` as text is read on the config's fiscal year."""
        config = review_config(config)
        am_id = str(am_id)
        quarter = Quarter.parse(period, config.fiscal_year_start_month)
        if am_id not in set(in_role(pack.account_managers, quarter)["am_id"]):
            raise not_in_role(pack, am_id, quarter)  # an unknown am_id: a DataError naming it
        card = build_scorecard(pack, quarter, config)
        return cls(pack, am_id, card, previous_scorecard(pack, quarter, config, card.kpis))

    # -- this person's figures ---------------------------------------------------------------

    @property
    def quarter(self) -> Quarter:
        return self.scorecard.quarter

    @property
    def config(self) -> ScorecardConfig:
        return self.scorecard.config

    @property
    def header(self) -> ReviewHeader:
        return dataclasses.replace(review_header(self.pack, self.am_id, self.quarter), outcome=self.outcome)

    @property
    def outcome(self) -> ReviewOutcome:
        """Where this review stands in its cycle (draft, in review, signed) and the rating agreed
        beside the computed one: :func:`amreview.scoring.outcomes.review_status` of this
        person's rows."""
        if "outcome" not in self._cache:
            tables = {name: self.mine(name) for name in INPUT_TABLES}
            status = review_status(
                self.quarter,
                pd.Series({self.am_id: self.overall["overall_rating"]}),
                **{name: frame for name, frame in tables.items() if frame is not None},
            )
            self._cache["outcome"] = ReviewOutcome.from_row(status.iloc[0])
        return self._cache["outcome"]

    @property
    def rating_change(self) -> float:
        """Rating bands from the computed rating to the agreed one (> 0: agreed higher; NaN: not
        agreed, no computed rating, or a label the config does not have)."""
        outcome = self.outcome
        return float(
            band_change(pd.Series([outcome.computed_rating]), pd.Series([outcome.agreed_rating]), self.config).iloc[0]
        )

    @property
    def name(self) -> str:
        return str(self.scorecard.people.at[self.am_id, "name"])

    @property
    def values(self) -> pd.Series:
        """Every KPI of this person (quarter, ``_ytd``, ``_t4q``); NaN = no data."""
        return self.scorecard.values.loc[self.am_id]

    @property
    def targets(self) -> pd.Series:
        """The quarter's target per KPI compared with one (NaN = no target)."""
        return self.scorecard.targets.loc[self.am_id]

    @property
    def scores(self) -> pd.Series:
        return self.scorecard.scores.loc[self.am_id]

    @property
    def measures(self) -> pd.Series:
        return self.scorecard.measures.loc[self.am_id]

    @property
    def overall(self) -> pd.Series:
        return self.scorecard.overall.loc[self.am_id]

    @property
    def previous_row(self) -> dict | None:
        """Last quarter's measure scores and overall score, if this person was scored then."""
        if self.previous is None or self.am_id not in self.previous.values.index:
            return None
        return {"measures": self.previous.measures.loc[self.am_id], "overall": self.previous.overall.loc[self.am_id]}

    def context(self) -> KpiContext:
        """The quarter's KPI context (everyone in role; working weeks, window targets)."""
        if "context" not in self._cache:
            self._cache["context"] = KpiContext.for_period(self.pack, self.quarter)
        return self._cache["context"]

    def explain(self):
        """The scorecard's explanation of every score (:class:`~amreview.scoring.scorecard.ScoreExplanation`)."""
        if "explain" not in self._cache:
            self._cache["explain"] = self.scorecard.explain(self.am_id)
        return self._cache["explain"]

    def explanation_for(self, measures=(), kpis=(), note: str = "") -> Explanation:
        """The explanation of ``measures`` (each with its score and weight) and of the scored
        ``kpis`` (or of every scored KPI of those measures when ``kpis`` is empty)."""
        items = self.explain().kpis
        chosen = [i for i in items if i.kpi in kpis] if kpis else [i for i in items if i.measure in measures]
        rows = tuple(
            (
                ALL_MEASURES[m],
                float(self.measures.get(m, np.nan)),
                self.config.measures[m].weight if m in self.config.measures else None,
            )
            for m in measures
        )
        return Explanation(measures=rows, items=tuple(chosen), note=note)

    def kpi_table(self) -> pd.DataFrame:
        """Every KPI of this person: ``label``, ``measure``, ``unit``, ``value`` and its window
        variants, ``target``, ``score`` (NaN = no data / no target / not scored)."""
        rows = []
        for name, kpi in self.scorecard.kpis.items():
            rows.append(
                {
                    "kpi": name,
                    "label": kpi.label,
                    "measure": ALL_MEASURES[kpi.measure],
                    "unit": kpi.unit,
                    "value": self.values.get(name, np.nan),
                    "ytd": self.values.get(name + WINDOWS["ytd"], np.nan),
                    "t4q": self.values.get(name + WINDOWS["t4q"], np.nan),
                    "target": self.targets.get(name, np.nan),
                    "score": self.scores.get(name, np.nan),
                }
            )
        return pd.DataFrame(rows).set_index("kpi")

    # -- the pack, for this person -------------------------------------------------------------

    @property
    def facts(self) -> PackFacts:
        """Facts about the whole pack: source, fingerprint, tables and row counts, sales dates."""
        if self._facts is None:
            self._facts = PackFacts.of(self.pack)
        return self._facts

    @property
    def views(self) -> PersonViews:
        """This person's share of the computations that need the whole pack (new accounts,
        principal retention, the team benchmark, accounts of colleagues)."""
        if self._views is None:
            self._views = person_views(self.pack, self.quarter, [self.am_id])[self.am_id]
        return self._views

    @property
    def has_sales(self) -> bool:
        """Whether the pack holds margin data (a non-empty ``sales`` table; an account manager
        without lines in a pack that has them still has margin data: zero)."""
        return self.facts.has_sales

    def has_table(self, name: str) -> bool:
        """Whether the pack holds table ``name`` (this person's share may be empty)."""
        return self.facts.has(name)

    def table(self, name: str) -> pd.DataFrame | None:
        """A table of :attr:`pack` (in a review input, this person's slice), or None when the
        pack does not hold it."""
        return self.pack[name] if self.pack.has(name) else None

    def mine(self, name: str) -> pd.DataFrame | None:
        """This person's rows of a pack table (by ``am_id``), or None when the pack lacks it
        (sales lines: :meth:`~amreview.data.datapack.DataPack.lines_of`, never read whole)."""
        key = ("mine", name)
        if key not in self._cache:
            if name == "sales":
                self._cache[key] = self.pack.lines_of([self.am_id])
            else:
                frame = self.table(name)
                self._cache[key] = None if frame is None else frame[frame["am_id"] == self.am_id]
        return self._cache[key]

    def lines_in(self, quarter: Quarter) -> pd.DataFrame:
        """This person's sales lines invoiced in ``quarter``."""
        key = ("lines", str(quarter))
        if key not in self._cache:
            sales = self.mine("sales")
            assert sales is not None  # a required table: every pack holds it
            self._cache[key] = sales[quarter.contains(sales["invoice_date"])]
        return self._cache[key]

    @property
    def lines(self) -> pd.DataFrame:
        """This person's sales lines of the review quarter."""
        return self.lines_in(self.quarter)

    def account_name(self, account_ids: pd.Series) -> pd.Series:
        """Account names for ``account_ids`` (the id itself where the pack has no name)."""
        if "account_names" not in self._cache:
            self._cache["account_names"] = account_names(self.pack)
        return name_accounts(account_ids, self._cache["account_names"])

    # -- sections ------------------------------------------------------------------------------

    def section(self, key: str) -> Section:
        """Section ``key`` of :data:`SECTIONS` (built once, money in the config's format)."""
        from amreview.documents import sections

        if key not in SECTION_TITLES:
            raise UnknownNameError(f"no section {key!r}: expected one of {', '.join(SECTION_TITLES)}")
        if key not in self._sections:
            with number_format_in_effect(self.config.number_format) as fmt:
                built = sections.add_section_comments(self, sections.BUILDERS[key](self))
            built.number_format = fmt
            self._sections[key] = built
        return self._sections[key]

    def sections(self) -> list[Section]:
        """Every section, in the job description's order."""
        return [self.section(key) for key, _, _ in SECTIONS]

    def summary(self) -> Section:
        return self.section("summary")

    def margin(self) -> Section:
        return self.section("margin")

    def accounts(self) -> Section:
        return self.section("accounts")

    def new_business(self) -> Section:
        return self.section("new_business")

    def relationships(self) -> Section:
        return self.section("relationships")

    def crm(self) -> Section:
        return self.section("crm")

    def reporting(self) -> Section:
        return self.section("reporting")

    def development(self) -> Section:
        return self.section("development")

    def competencies(self) -> Section:
        return self.section("competencies")

    def comments(self) -> Section:
        return self.section("comments")

    def appendix(self) -> Section:
        return self.section("appendix")

    def input_beside_figures(self) -> pd.DataFrame:
        """People's input for the quarter beside the figures it is about: one row per part of the
        review a comment may be on (``vocabulary.NOTE_SECTIONS``, in the review's order), with the
        measure scores the section explains (``label score``, ``; ``-joined; empty: none scored
        there), and the account manager's (``Self-assessment``) and the manager's (``Manager``)
        comments on it, each author's texts joined by a blank line (empty: none). Then the
        competencies' ratings are in :meth:`competencies`, the agreed rating in :attr:`outcome`."""
        from amreview.documents.sections.words import MANAGER, SELF, quarter_notes

        notes = quarter_notes(self)
        rows = []
        for key, _, title in SECTIONS:
            if key not in NOTE_SECTIONS:
                continue
            explanation = self.section(key).explanation
            scored = [] if explanation is None else [m for m in explanation.measures if pd.notna(m[1])]
            mine = notes[notes["section"] == key] if notes is not None else None

            def texts(role: str, mine: pd.DataFrame | None = mine) -> str:
                if mine is None:
                    return ""
                return "\n\n".join(str(t) for t in mine.loc[mine["author_role"] == role, "text"])

            rows.append(
                {
                    "Part of the review": title,
                    "Measure scores": "; ".join(f"{label} {score:.2f}" for label, score, _ in scored),
                    "Self-assessment": texts(SELF),
                    "Manager": texts(MANAGER),
                }
            )
        return pd.DataFrame(rows, columns=["Part of the review", "Measure scores", "Self-assessment", "Manager"])

    def __repr__(self) -> str:
        return f"<Review of {self.name} ({self.am_id}), {self.quarter}>"

    def _repr_html_(self) -> str:
        from amreview.documents.render import review_html

        return review_html(self)
