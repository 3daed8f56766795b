"""One account manager's quarterly review: the sections a review notebook displays.

:meth:`Review.build` loads the scorecard of the quarter once (every KPI, score and rating, see
:mod:`amreview.scorecard`) and the previous quarter's (for trends); each section method
(:meth:`Review.summary`, :meth:`Review.margin` … :meth:`Review.appendix`, in the job
description's order) returns a :class:`Section`: narrative lines from the numbers
(:mod:`amreview.narrative`), tables that keep numbers (:class:`Table`, formatted when rendered
by :mod:`amreview.render`), charts (:class:`Chart`, drawn by :mod:`amreview.plots`) and the
scorecard's explanation of the section's score. The section builders live in
:mod:`amreview.sections`.

Prepare once, render per person: :func:`open_review` (what the review notebook calls) opens a
*review input* written by :func:`amreview.prepare.prepare_reviews` — this person's slice of the
pack, their rows of both scorecards and their share of the figures that need the whole pack
(:mod:`amreview.pack_views`) — or builds the review from a whole pack. Sections read the whole
pack only through :attr:`Review.facts` and :attr:`Review.views`, so both give the same review.

A section whose data the pack does not hold says so in one line (:class:`Text` of kind
``missing``): it never vanishes and never shows zeros. An empty ``sales`` table means the pack
holds no margin data: the margin sections say so, the others still work.

Displayed in JupyterLab, a :class:`Review` and each :class:`Section` render as HTML.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from amreview.config import ScorecardConfig, load_config
from amreview.datapack import DataPack
from amreview.errors import DataError, PeriodError, UnknownNameError
from amreview.kpis import ALL_MEASURES, WINDOWS, KpiContext, all_kpis, in_role
from amreview.metrics.margin import lines_in_period, margin_by_month, margin_summary
from amreview.metrics.targets import monthly_targets
from amreview.pack_views import PackFacts, PersonViews, person_views
from amreview.periods import Quarter
from amreview.scorecard import KPI_COLUMNS, Scorecard, build_scorecard, core_scorecard

from amreview.vocabulary import CORE_TARGET_MEASURES

MEASURE_LABELS = {
    "revenue": "Revenue",
    "gross_margin": "Gross margin",
    "new_accounts": "New accounts",
}

# key, number, title — in the job description's order; the notebook's headings are these.
SECTIONS: tuple[tuple[str, int | None, str], ...] = (
    ("summary", 1, "Summary"),
    ("margin", 2, "Margin & KPI targets"),
    ("accounts", 3, "Account management"),
    ("new_business", 4, "Productive new business"),
    ("relationships", 5, "Customer relationships"),
    ("crm", 6, "Utilisation of the CRM"),
    ("reporting", 7, "Reporting: timeliness and accuracy of information"),
    ("development", 8, "Development plan"),
    ("competencies", 9, "Competencies"),
    ("comments", 10, "Manager's comments and sign-off"),
    ("appendix", None, "Appendix: definitions, data quality and provenance"),
)
SECTION_TITLES = {key: title for key, _, title in SECTIONS}


def section_heading(key: str) -> str:
    """The heading a document shows for section ``key``: ``"2. Margin & KPI targets"``."""
    number = dict((k, n) for k, n, _ in SECTIONS)[key]
    return f"{number}. {SECTION_TITLES[key]}" if number else SECTION_TITLES[key]


# --------------------------------------------------------------------------------------------
# What a section is made of
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Text:
    """A line of text. ``kind`` ``missing`` says data is absent ("not in this pack", "no data
    in the quarter"); ``note`` is a remark."""

    text: str
    kind: str = "note"


@dataclass(frozen=True)
class Heading:
    """A sub-heading inside a section."""

    text: str


@dataclass(frozen=True)
class Table:
    """A table of numbers, formatted when rendered.

    ``frame``: display column names, numbers as numbers; columns starting with ``_`` are not
    shown (they carry units or lights). ``formats``: column → unit of :data:`amreview.render.UNITS`
    (``text`` by default), or ``row`` to take each row's KPI unit from the ``row_unit`` column.
    ``missing``: column → text for missing cells (or the name of a hidden column holding each
    row's text). ``lights``: column → the hidden column holding its traffic light
    (``green``/``amber``/``red``). ``nowrap``: text columns kept on one line (numbers and dates
    always are).
    """

    key: str
    title: str
    frame: pd.DataFrame
    formats: dict[str, str] = field(default_factory=dict)
    row_unit: str | None = None
    missing: dict[str, str] = field(default_factory=dict)
    lights: dict[str, str] = field(default_factory=dict)
    note: str = ""
    nowrap: tuple[str, ...] = ()

    def _repr_html_(self) -> str:
        from amreview.render import table_html

        return table_html(self)


@dataclass(frozen=True)
class Chart:
    """A chart: ``plot(frame, ax=None, **options) -> Axes`` of :mod:`amreview.plots`."""

    key: str
    plot: Callable
    frame: pd.DataFrame
    options: dict = field(default_factory=dict)

    def draw(self, ax=None):
        """Draw the chart (in the house style) and return its Axes."""
        return self.plot(self.frame, ax=ax, **self.options)

    def _repr_html_(self) -> str:
        from amreview.render import chart_html

        return chart_html(self)


@dataclass(frozen=True)
class Definitions:
    """Terms and their definitions: ``(term, definition, note)`` triples."""

    items: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class SignOff:
    """The sign-off block: ``(role, name)`` of each person who signs."""

    people: tuple[tuple[str, str], ...]
    note: str = ""


@dataclass(frozen=True)
class Explanation:
    """The scorecard's explanation of a section's score: ``measures`` as ``(label, score,
    weight)`` and the scored KPIs' :class:`~amreview.scoring.KpiExplanation` items."""

    measures: tuple[tuple[str, float, float | None], ...]
    items: tuple
    note: str = ""


@dataclass
class Section:
    """One section of a review (see the module docstring).

    ``figures`` holds the key numbers the narrative states, by name; ``kpis`` the registry
    KPIs the section shows (the appendix defines them).
    """

    key: str
    number: int | None
    title: str
    lines: list[str] = field(default_factory=list)
    parts: list = field(default_factory=list)
    explanation: Explanation | None = None
    figures: dict[str, float] = field(default_factory=dict)
    kpis: list[str] = field(default_factory=list)

    @property
    def tables(self) -> dict[str, Table]:
        """The section's tables by key."""
        return {p.key: p for p in self.parts if isinstance(p, Table)}

    @property
    def charts(self) -> dict[str, Chart]:
        """The section's charts by key."""
        return {p.key: p for p in self.parts if isinstance(p, Chart)}

    @property
    def missing(self) -> list[str]:
        """The lines that say data is absent."""
        return [p.text for p in self.parts if isinstance(p, Text) and p.kind == "missing"]

    def frame(self, key: str) -> pd.DataFrame:
        """The numbers of table or chart ``key``."""
        found = {**self.charts, **self.tables}
        if key not in found:
            raise UnknownNameError(f"section {self.key} has no table or chart {key!r}; "
                                   f"it has {', '.join(found) or 'none'}")
        return found[key].frame

    def __repr__(self) -> str:
        return (f"<Section {self.key}: {len(self.lines)} lines, {len(self.tables)} tables, "
                f"{len(self.charts)} charts>")

    def _repr_html_(self) -> str:
        from amreview.render import section_html

        return section_html(self)

    def _ipython_display_(self) -> None:
        """Displayed as several outputs (narrative, each table or chart, the explanation), so
        a document can keep each on one page without forcing the whole section onto one."""
        from IPython.display import HTML, display

        from amreview.render import section_chunks

        for chunk in section_chunks(self):
            display(HTML(chunk))


# --------------------------------------------------------------------------------------------
# The header and the first issue's functions (kept: notebooks and tests use them)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReviewHeader:
    """Who and when: the header of a review."""

    am_id: str
    name: str
    manager: str
    team: str | None
    start_date: pd.Timestamp | None
    quarter: Quarter

    @property
    def period_label(self) -> str:
        return self.quarter.label

    def _repr_html_(self) -> str:
        from amreview.render import header_html

        return header_html(self)


def review_header(pack: DataPack, am_id: str, period: Quarter | str) -> ReviewHeader:
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
        quarter=Quarter.parse(period),
    )


def _not_in_role(pack: DataPack, am_id: str, period) -> DataError:
    pack.account_manager(am_id)  # unknown am_id → a DataError naming it
    return DataError(pd.DataFrame([{
        "table": "account_managers", "row": None, "column": "start_date", "check": "in_role",
        "expected": f"{am_id} in role during {period}",
        "found": "a start date after the quarter's end",
    }]), pack.source)


def headline_figures(pack: DataPack, am_id: str, period: Quarter | str) -> pd.Series:
    """``am_id``'s row of the core scorecard for ``period`` (see :mod:`amreview.scorecard`)."""
    card = core_scorecard(pack, period)
    row = card[card["am_id"] == str(am_id)]
    if row.empty:
        raise _not_in_role(pack, am_id, period)
    return row.iloc[0]


def headline_table(figures: pd.Series) -> pd.DataFrame:
    """The target measures as rows: ``actual``, ``target``, ``attainment`` (NaN = no target)."""
    rows = [
        {"measure": MEASURE_LABELS[m], "actual": figures[m], "target": figures[f"{m}_target"],
         "attainment": figures[f"{m}_attainment"]}
        for m in CORE_TARGET_MEASURES
    ]
    return pd.DataFrame(rows).set_index("measure")


def monthly_margin_against_target(pack: DataPack, am_id: str, period: Quarter | str, quarters: int = 4,
                                  sales_start: pd.Timestamp | None = None) -> pd.DataFrame:
    """Revenue and gross margin per month over the ``quarters`` quarters ending with ``period``,
    beside the month targets (month rows, else a third of the quarter's; NaN = no target).

    One row per month (``YYYY-MM`` index), months without lines included as zeros — but only
    from the account manager's start month and from the pack's first sales month on (months
    the pack does not cover are left out, not shown as zeros). ``sales_start``: the whole pack's
    first invoice date, when ``pack`` is a slice of it (default: the earliest in ``pack.sales``).
    """
    quarter = Quarter.parse(period)
    span = quarter.last_n(quarters)
    months = [m for q in span for m in q.months]
    header_start = pack.account_manager(am_id).get("start_date")
    if header_start is not None and not pd.isna(header_start):
        months = [m for m in months if m >= f"{header_start:%Y-%m}"]
    sales = pack.sales
    if sales_start is None and len(sales):
        sales_start = sales["invoice_date"].min()
    if sales_start is not None:
        first_month = f"{sales_start:%Y-%m}"
        months = [m for m in months if m >= first_month]
    mine = sales[(sales["am_id"] == str(am_id)) & (sales["invoice_date"] >= span[0].start)
                 & (sales["invoice_date"] <= quarter.end)]
    actual = margin_by_month(mine).reindex(months)
    frame = pd.DataFrame(index=pd.Index(months, name="month"))
    frame["revenue"] = actual["revenue"].fillna(0.0)
    frame["gross_margin"] = actual["gross_margin"].fillna(0.0)
    own_targets = pack.targets[pack.targets["am_id"] == str(am_id)]
    for measure in ("revenue", "gross_margin"):
        targets = pd.concat([monthly_targets(own_targets, q, measure) for q in span], axis=1)
        series = targets.loc[str(am_id)] if str(am_id) in targets.index else pd.Series(dtype="float64")
        frame[f"{measure}_target"] = series.reindex(months).astype("float64").to_numpy()
    return frame


def top_accounts(pack: DataPack, am_id: str, period: Quarter | str, n: int = 10) -> pd.DataFrame:
    """The ``n`` accounts with the most gross margin for ``am_id`` in ``period``.

    Columns ``account`` (the account's name where the pack has ``accounts``, else its id),
    ``revenue``, ``cost``, ``gross_margin``, ``gm_pct``, ``share_of_margin`` (of the AM's
    total gross margin; NaN when that total ≤ 0). Ties are ordered by account id.
    """
    lines = lines_in_period(pack.sales, period)
    mine = lines[lines["am_id"] == str(am_id)]
    table = margin_summary(mine, "account_id")
    total = table["gross_margin"].sum()
    table["share_of_margin"] = table["gross_margin"] / total if total > 0 else np.nan
    table = table.reset_index().sort_values(["gross_margin", "account_id"], ascending=[False, True]).head(n)
    table.insert(1, "account", name_accounts(table["account_id"], account_names(pack)))
    return table.reset_index(drop=True)


def name_accounts(account_ids: pd.Series, names: pd.Series) -> pd.Series:
    """Each account's name from ``names`` (``account_id`` → name), its id where it has none."""
    ids = account_ids.astype(object)
    return ids.map(names.astype(object)).where(lambda found: found.notna(), ids).astype(object)


def account_names(pack: DataPack) -> pd.Series:
    """``account_id`` → display name (empty when the pack has no ``accounts`` table)."""
    if not pack.has("accounts"):
        return pd.Series(dtype=object)
    return pack["accounts"].set_index("account_id")["name"]


# --------------------------------------------------------------------------------------------
# The scorecard a review reads
# --------------------------------------------------------------------------------------------

def review_config(config: ScorecardConfig | str | Path | None) -> ScorecardConfig:
    """A scorecard config from what a notebook passes: a config, a TOML path, or ``None``/``""``
    for the packaged default."""
    if isinstance(config, ScorecardConfig):
        return config
    return load_config(config if config not in (None, "") else None)


def review_scorecard(pack: DataPack, period: Quarter | str, config: ScorecardConfig) -> Scorecard:
    """The quarter's scorecard (:func:`~amreview.scorecard.build_scorecard`). A pack whose
    ``sales`` table is empty holds no margin data: every KPI computed from sales is "no data"
    there (see :class:`amreview.kpis.Kpi`), left out of the scores with its weight spread."""
    return build_scorecard(pack, period, config)


def scored_kpis(config: ScorecardConfig, kpis: dict) -> dict:
    """The KPIs a config scores or benchmarks, and the core scorecard's, for the review quarter
    only (no year-to-date or trailing windows): enough for last quarter's scores and trends, at
    a quarter of the cost of every KPI."""
    names = set(config.kpi_measure()) | set(config.benchmark_kpis) | set(KPI_COLUMNS)
    return {name: dataclasses.replace(kpi, windows=("quarter",)) for name, kpi in kpis.items() if name in names}


def previous_scorecard(pack: DataPack, quarter: Quarter, config: ScorecardConfig, kpis: dict) -> Scorecard | None:
    """The previous quarter's scorecard for trends (:func:`scored_kpis` of ``kpis`` only), or
    None when the pack holds no sales or does not cover that quarter."""
    if not len(pack.sales):
        return None
    try:
        return build_scorecard(pack, quarter.previous(), config, kpis=scored_kpis(config, kpis))
    except PeriodError:  # the pack does not cover the previous quarter: no trends
        return None


def config_fingerprint(config: ScorecardConfig) -> str:
    """SHA-256 of the config's settings (not its file name): same settings, same fingerprint."""
    return hashlib.sha256(config.model_dump_json(exclude={"source"}).encode()).hexdigest()


# --------------------------------------------------------------------------------------------
# The review
# --------------------------------------------------------------------------------------------

class Review:
    """One account manager's review of one quarter (see the module docstring).

    Build it from a whole pack with :meth:`build`, or open a prepared review input (this
    person's slice of the pack and their share of the whole-pack figures, see
    :mod:`amreview.prepare`) with :meth:`from_input`; :func:`open_review` does either. Both give
    the same sections.

    ``pack`` is the whole pack, or in a review input this person's slice of it (an ordinary
    data pack holding their rows and the accounts they touch). ``scorecard`` is the quarter's
    (a review input holds only this person's row), ``previous`` the previous quarter's (None when
    the pack does not cover it). ``values``, ``targets``, ``scores``, ``measures`` and ``overall``
    are this person's rows of it. What needs the whole pack is read through :attr:`facts` (the
    pack's own facts) and :attr:`views` (this person's share of whole-pack computations), never
    from other people's rows.
    """

    def __init__(self, pack: DataPack, am_id: str, scorecard: Scorecard, previous: Scorecard | None = None,
                 facts: PackFacts | None = None, views: PersonViews | None = None):
        if am_id not in scorecard.values.index:
            raise _not_in_role(pack, am_id, scorecard.quarter)
        self.pack = pack
        self.am_id = am_id
        self.scorecard = scorecard
        self.previous = previous
        self._facts = facts
        self._views = views
        self._sections: dict[str, Section] = {}
        self._cache: dict = {}

    @classmethod
    def build(cls, pack: DataPack, am_id: str, period: Quarter | str,
              config: ScorecardConfig | str | Path | None = None) -> "Review":
        """The review of ``am_id`` (an ``account_managers.am_id`` in role in ``period``) under
        ``config`` (a :class:`ScorecardConfig`, a TOML path, or None/"" for the default)."""
        config = review_config(config)
        am_id = str(am_id)
        quarter = Quarter.parse(period, config.fiscal_year_start_month)
        if am_id not in set(in_role(pack.account_managers, quarter)["am_id"]):
            raise _not_in_role(pack, am_id, quarter)  # an unknown am_id: a DataError naming it
        card = review_scorecard(pack, quarter, config)
        return cls(pack, am_id, card, previous_scorecard(pack, quarter, config, card.kpis))

    @classmethod
    def from_input(cls, folder: str | Path) -> "Review":
        """The review held by the review input ``folder`` (written by
        :func:`amreview.prepare.prepare_reviews`)."""
        from amreview.prepare import read_review_input

        return read_review_input(folder)

    # -- this person's figures ---------------------------------------------------------------

    @property
    def quarter(self) -> Quarter:
        return self.scorecard.quarter

    @property
    def config(self) -> ScorecardConfig:
        return self.scorecard.config

    @property
    def header(self) -> ReviewHeader:
        return review_header(self.pack, self.am_id, self.quarter)

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
        """The scorecard's explanation of every score (:class:`~amreview.scorecard.ScoreExplanation`)."""
        if "explain" not in self._cache:
            self._cache["explain"] = self.scorecard.explain(self.am_id)
        return self._cache["explain"]

    def explanation_for(self, measures=(), kpis=(), note: str = "") -> Explanation:
        """The explanation of ``measures`` (each with its score and weight) and of the scored
        ``kpis`` (or of every scored KPI of those measures when ``kpis`` is empty)."""
        items = self.explain().kpis
        chosen = [i for i in items if i.kpi in kpis] if kpis else [i for i in items if i.measure in measures]
        rows = tuple((ALL_MEASURES[m], float(self.measures.get(m, np.nan)),
                      self.config.measures[m].weight if m in self.config.measures else None) for m in measures)
        return Explanation(measures=rows, items=tuple(chosen), note=note)

    def kpi_table(self) -> pd.DataFrame:
        """Every KPI of this person: ``label``, ``measure``, ``unit``, ``value`` and its window
        variants, ``target``, ``score`` (NaN = no data / no target / not scored)."""
        rows = []
        for name, kpi in self.scorecard.kpis.items():
            rows.append({
                "kpi": name, "label": kpi.label, "measure": ALL_MEASURES[kpi.measure], "unit": kpi.unit,
                "value": self.values.get(name, np.nan),
                "ytd": self.values.get(name + WINDOWS["ytd"], np.nan),
                "t4q": self.values.get(name + WINDOWS["t4q"], np.nan),
                "target": self.targets.get(name, np.nan),
                "score": self.scores.get(name, np.nan),
            })
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
        """This person's rows of a pack table (by ``am_id``), or None when the pack lacks it."""
        key = ("mine", name)
        if key not in self._cache:
            frame = self.table(name)
            self._cache[key] = None if frame is None else frame[frame["am_id"] == self.am_id]
        return self._cache[key]

    def lines_in(self, quarter: Quarter) -> pd.DataFrame:
        """This person's sales lines invoiced in ``quarter``."""
        key = ("lines", str(quarter))
        if key not in self._cache:
            sales = self.mine("sales")
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
        """Section ``key`` of :data:`SECTIONS` (built once)."""
        from amreview import sections

        if key not in SECTION_TITLES:
            raise UnknownNameError(f"no section {key!r}: expected one of {', '.join(SECTION_TITLES)}")
        if key not in self._sections:
            self._sections[key] = sections.BUILDERS[key](self)
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

    def __repr__(self) -> str:
        return f"<Review of {self.name} ({self.am_id}), {self.quarter}>"

    def _repr_html_(self) -> str:
        from amreview.render import review_html

        return review_html(self)


def open_review(data: str | Path, am_id: str, period: Quarter | str,
                config: ScorecardConfig | str | Path | None = "") -> Review:
    """The review a notebook shows. ``data`` is a review input (a folder holding
    ``input.json``, written by :func:`amreview.prepare.prepare_reviews`: opened after checking
    that it holds ``am_id``'s review of ``period`` under ``config`` when one is given), or else
    a data pack (a folder, a database URL or ``"sample"``: :meth:`Review.build` on the whole
    pack)."""
    from amreview.datapack import load_pack
    from amreview.prepare import is_review_input, read_review_input

    if is_review_input(data):
        return read_review_input(data, am_id=am_id, period=period, config=config)
    return Review.build(load_pack(data), am_id, period, config)
