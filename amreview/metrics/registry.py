"""The KPI registry: every KPI of the role as one row — name, measure, unit, formula, function.

A :class:`Kpi` says what a number means and how it is computed; the scorecard is a loop over
the registry, and a new KPI is one more row in a metrics module's ``KPIS`` list. Every KPI's
``compute`` takes a :class:`KpiContext` (the validated pack, the period window, who is in role)
and returns a Series indexed by ``am_id``: NaN means "no data" (the table is absent or holds
nothing for that person), never a silent 0.

The metrics modules hold the pure functions of DataFrames that do the arithmetic; a KPI row
only wires the context's frames to them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial

import numpy as np
import pandas as pd

from amreview.data.datapack import DataPack
from amreview.data.sales_summary import months_between
from amreview.errors import ArgumentError
from amreview.formats import KPI_UNIT_FORMATS
from amreview.formats import UNITS as DISPLAY_UNITS
from amreview.metrics.targets import quarter_targets
from amreview.periods import Quarter, require_quarter

# The seven performance measures of the job description, in its order, and the competencies.
MEASURES: dict[str, str] = {
    "margin_kpi_targets": "Margin & KPI targets",
    "report_timeliness": "Timeliness of reports",
    "information_accuracy": "Accuracy of information",
    "development_plan": "Development plan achieved",
    "customer_relationships": "Enhance customer/company relationships",
    "new_business": "Productive new business",
    "crm_utilisation": "Demonstrate utilisation of CRM",
}
COMPETENCIES_MEASURE = "competencies"
ALL_MEASURES = {**MEASURES, COMPETENCIES_MEASURE: "Competencies"}

UNITS = ("money", "fraction", "count", "days", "number", "rating")
WINDOWS = {"quarter": "", "ytd": "_ytd", "t4q": "_t4q"}  # window → column suffix


def in_role(account_managers: pd.DataFrame, quarter: Quarter) -> pd.DataFrame:
    """Account managers in role during ``quarter``: no start date, or started by its last day."""
    quarter = require_quarter(quarter)
    start = account_managers["start_date"]
    return account_managers[start.isna() | (start <= quarter.end)]


@dataclass(frozen=True)
class Window:
    """The dates a KPI is computed over: a quarter, the fiscal year to date, or the trailing
    four quarters, all ending with the review quarter."""

    kind: str  # "quarter" | "ytd" | "t4q"
    quarters: tuple[Quarter, ...]

    @property
    def start(self) -> pd.Timestamp:
        return self.quarters[0].start

    @property
    def end(self) -> pd.Timestamp:
        return self.quarters[-1].end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @classmethod
    def of(cls, quarter: Quarter, kind: str = "quarter") -> Window:
        if kind == "quarter":
            return cls(kind, (quarter,))
        if kind == "ytd":
            return cls(kind, tuple(quarter.year_to_date()))
        if kind == "t4q":
            return cls(kind, tuple(quarter.last_n(4)))
        raise ArgumentError(f"window {kind!r}: expected one of {', '.join(WINDOWS)}")

    def contains(self, dates: pd.Series) -> pd.Series:
        return (dates >= self.start) & (dates <= self.end)


@dataclass
class KpiContext:
    """What a KPI is computed from: the pack, the review quarter, the window, who is in role.

    Derived frames are computed once and cached (``lines``, ``targets`` …). Tables the pack
    does not hold are ``None`` from :meth:`table`, so a KPI can return "no data".
    """

    pack: DataPack
    quarter: Quarter
    am_ids: pd.Index
    # None stands for the quarter's own window, which __post_init__ puts in its place: a default
    # that depends on another field, which a dataclass cannot declare. Never None after __init__.
    window: Window = field(default=None)  # type: ignore[assignment]  # None until __post_init__ (above)
    cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self):
        if self.window is None:
            self.window = Window.of(self.quarter)

    def memo(self, key, compute):
        """``compute()`` once per ``key`` for this pack, quarter and set of people: KPIs that
        share an intermediate table (window totals, first lines, activity counts) compute it
        once. Keys that depend on the window must include it."""
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

    @property
    def first_lines(self) -> pd.DataFrame:
        """Each account's first line in the whole pack (see :func:`amreview.data.sales_summary.first_lines`)."""
        return self.pack.first_lines

    @classmethod
    def for_period(cls, pack: DataPack, period: Quarter) -> KpiContext:
        """The quarter's context: everyone in role in ``period`` (sorted ``am_id``)."""
        quarter = require_quarter(period)
        am_ids = pd.Index(sorted(in_role(pack.account_managers, quarter)["am_id"]), name="am_id")
        return cls(pack, quarter, am_ids)

    @cached_property
    def start_dates(self) -> pd.Series:
        """Each in-role account manager's ``start_date`` (NaT where not given)."""
        people = self.pack.account_managers.set_index("am_id")["start_date"]
        return people.reindex(self.am_ids)

    def days_in_role(self) -> pd.Series:
        """Days of the window each account manager was in role: from the later of the window's
        start and their start date, to the window's end (a new starter's partial quarter)."""
        first = self.start_dates.fillna(self.start).clip(lower=self.start)
        return ((self.end - first).dt.days + 1).clip(lower=0).astype("float64")

    def working_weeks(self) -> pd.Series:
        """Working weeks each account manager was in role in the window: Monday–Friday days from
        the later of the window's start and their start date to the window's end, divided by 5.
        No holiday calendar is applied (the pack holds none), so a quarter is about 13 weeks.
        Computed once per window."""

        def compute() -> pd.Series:
            first = self.start_dates.fillna(self.start).clip(lower=self.start)
            days = np.busday_count(
                first.to_numpy().astype("datetime64[D]"), np.datetime64((self.end + pd.Timedelta(days=1)).date(), "D")
            )
            return pd.Series(np.clip(days, 0, None) / 5.0, index=self.am_ids, dtype="float64")

        return self.memo(("working_weeks", self.window), compute)

    def for_window(self, kind: str) -> KpiContext:
        """The same context over another window (``quarter``, ``ytd`` or ``t4q``)."""
        return KpiContext(self.pack, self.quarter, self.am_ids, Window.of(self.quarter, kind), self.cache)

    @property
    def as_of(self) -> pd.Timestamp:
        """The day the review is taken: the last day of the review quarter. State-in-time KPIs
        (open back orders, open cases, stale opportunities) are measured on this day."""
        return self.quarter.end

    @property
    def start(self) -> pd.Timestamp:
        return self.window.start

    @property
    def end(self) -> pd.Timestamp:
        return self.window.end

    def table(self, name: str) -> pd.DataFrame | None:
        """A pack table, or ``None`` when the pack does not hold it."""
        return self.pack[name] if self.pack.has(name) else None

    @property
    def sales(self) -> pd.DataFrame:
        """The pack's sales lines (history included) as the KPIs read them: summed per month,
        account manager, account, deal type and vendor programme, in month order, so that every
        window is a slice (:mod:`amreview.data.sales_summary`: the same figures as the lines)."""
        return self.pack.sales_summary

    def lines_between(self, start, end) -> pd.DataFrame:
        """The sales summary's rows of the months from ``start`` to ``end`` (whole months, both
        included): a window's sales lines as the KPIs read them."""
        return months_between(self.sales, start, end)

    @cached_property
    def lines(self) -> pd.DataFrame:
        """The window's sales lines as the KPIs read them (summed per month: :attr:`sales`)."""
        return self.lines_between(self.start, self.end)

    def lines_in(self, quarter: Quarter) -> pd.DataFrame:
        """Another quarter's sales lines as the KPIs read them (e.g. the previous one, or a year ago)."""
        return self.lines_between(quarter.start, quarter.end)

    @cached_property
    def targets(self) -> pd.DataFrame:
        """Targets over the window: rows ``am_id`` (everyone in role), columns measures; the sum
        of the window's quarter targets over the quarters each person was in role. NaN where
        one of those quarters has no target (a missing quarter would make the year look easier);
        a new starter's year to date is the target of the quarters since they started."""
        totals, in_role = [], []
        for quarter in self.window.quarters:
            in_role.append((self.start_dates.isna() | (self.start_dates <= quarter.end)).to_numpy()[:, None])
            totals.append(self.targets_of(quarter).reindex(self.am_ids))
        columns = sorted(set().union(*(f.columns for f in totals)))
        if not columns:
            return pd.DataFrame(index=self.am_ids)
        total = sum(f.reindex(columns=columns).fillna(0.0) for f in totals)
        # A quarter is complete for a person with a target in it, or not yet in role then (even
        # when no one has a target row in that quarter, e.g. in one person's slice of the pack).
        present = [f.reindex(columns=columns).notna().to_numpy() for f in totals]
        has_all = np.logical_and.reduce([p | ~role for p, role in zip(present, in_role)])
        any_target = np.logical_or.reduce(present)
        return total.where(has_all & any_target)

    def targets_of(self, quarter: Quarter) -> pd.DataFrame:
        """:func:`~amreview.metrics.targets.quarter_targets` of ``quarter``, once per context: the
        windows' quarters, the fiscal year's and the next one overlap."""
        return self.memo(("quarter_targets", quarter), partial(quarter_targets, self.pack.targets, quarter))

    def target(self, measure: str) -> pd.Series:
        """The window's target for ``measure`` per ``am_id``; NaN where there is none."""
        if measure in self.targets.columns:
            return self.targets[measure].reindex(self.am_ids).astype("float64")
        return pd.Series(np.nan, index=self.am_ids, dtype="float64")

    def per_am(self, values: pd.Series, fill=np.nan) -> pd.Series:
        """``values`` indexed by everyone in role (``fill`` for those without a value)."""
        return values.reindex(self.am_ids, fill_value=fill).astype("float64")


EVIDENCE_KINDS = ("share", "weighted_share", "ratio", "mean", "rate")


@dataclass(frozen=True)
class Evidence:
    """What a rate or mean KPI rests on: its observations, one row each, so that the KPI's base
    (how many there are) and an interval can be given beside its value.

    * ``kind`` — one of :data:`EVIDENCE_KINDS`, which says how the KPI is made of its
      observations (and so which interval fits it):

      - ``share``: the KPI is the mean of 0/1 observations (``value``): reports on time out of
        reports due, cases within SLA out of cases closed;
      - ``weighted_share``: a share where each observation counts with its ``weight`` (≥ 0) and is
        a success or not: ``value`` is ``weight`` or 0, and the KPI ``Σ value / Σ weight``
        (a win rate by value: won value out of closed value, deal by deal);
      - ``ratio``: the KPI is ``Σ value / Σ weight`` over the observations (clusters, such as
        deals or accounts): GM % over accounts;
      - ``mean``: the KPI is the mean of the observations' ``value``: days late per report, CSAT;
      - ``rate``: the KPI is ``Σ value / exposure`` where ``value`` counts events and ``weight``
        is exposure (activities per working week).
    * ``observations`` — ``KpiContext -> DataFrame`` with columns ``am_id``, ``value`` and, for
      ``weighted_share``, ``ratio`` and ``rate``, ``weight``; the quarter's window, everyone in role (a person without
      observations has no rows).
    * ``counted`` — what one observation is, plural, in plain words: "closed deals", "reports due".
    * ``success`` — for a ``share``, what a 1 is, in words that follow a count: "won", "on time".
    * ``bounds`` — the KPI's natural range (low, high), which its interval is clipped to: a mean
      of 1–5 scores stays in [1, 5] (a share's Wilson interval is in [0, 1] already).
    """

    kind: str
    observations: Callable[[KpiContext], pd.DataFrame]
    counted: str
    success: str = ""
    bounds: tuple[float, float] = (-np.inf, np.inf)

    def __post_init__(self):
        if self.kind not in EVIDENCE_KINDS:
            raise ArgumentError(f"evidence kind {self.kind!r} is not one of {', '.join(EVIDENCE_KINDS)}")


@dataclass(frozen=True)
class Kpi:
    """One KPI: how it is named, scored and computed.

    * ``name`` — the scorecard column (snake_case, a business name: ``win_rate_count``).
    * ``label`` — for people ("Win rate (count)").
    * ``meaning`` — what it counts, in plain words for the people in the review meeting: no code
      names, no "NaN" (the run's KPI reference and a review's appendix show it).
    * ``if_empty`` — when it has no value, in the same plain words: "No data when …", "No target
      when …", "Not meaningful when …" (a review's appendix says it beside a figure left empty).
    * ``measure`` — a key of :data:`ALL_MEASURES`.
    * ``unit`` — one of :data:`UNITS`; fractions are 0.12 for 12 %.
    * ``higher_is_better`` — ``True``/``False``, or ``None`` for a figure shown but never scored
      (e.g. revenue in money: its attainment is what is scored).
    * ``formula`` — the definition in words and symbols, for developers, as docs/kpis.md shows it.
    * ``sources`` — the ``table.column`` inputs.
    * ``edge_cases`` — what a degenerate input gives (no data, zero denominators …).
    * ``compute`` — ``KpiContext -> Series`` by ``am_id`` (NaN = no data).
    * ``windows`` — the windows the scorecard computes it for (suffixes ``_ytd``, ``_t4q``).
    * ``target_measure`` — the ``targets.measure`` the KPI is compared with, if any.
    * ``target_quarters_ahead`` — which quarter's target that is, counted from the review
      quarter (pipeline coverage is measured against next quarter's revenue target: 1).
    * ``evidence`` — for a rate or mean KPI, what it rests on (:class:`Evidence`): its base and
      interval come from it; ``None`` for sums and counts, which are the whole population.
    * ``shown_as`` — the unit of :data:`amreview.formats.UNITS` every document shows it in, where
      ``unit`` alone does not say (a fraction that is an attainment, a change or points; NPS
      signed; coverage as a multiple); empty: ``unit``'s (:data:`~amreview.formats.KPI_UNIT_FORMATS`).
      :attr:`display_unit` is the one to use.
    """

    name: str
    label: str
    measure: str
    unit: str
    higher_is_better: bool | None
    formula: str
    sources: tuple[str, ...]
    compute: Callable[[KpiContext], pd.Series]
    edge_cases: str = ""
    meaning: str = ""
    if_empty: str = ""
    windows: tuple[str, ...] = ("quarter",)
    target_measure: str | None = None
    target_quarters_ahead: int = 0
    shown_as: str = ""
    evidence: Evidence | None = None

    def __post_init__(self):
        if self.measure not in ALL_MEASURES:
            raise ArgumentError(f"KPI {self.name}: measure {self.measure!r} is not one of {', '.join(ALL_MEASURES)}")
        if self.unit not in UNITS:
            raise ArgumentError(f"KPI {self.name}: unit {self.unit!r} is not one of {', '.join(UNITS)}")
        if self.shown_as and self.shown_as not in DISPLAY_UNITS:
            raise ArgumentError(f"KPI {self.name}: shown_as {self.shown_as!r} is not one of {', '.join(DISPLAY_UNITS)}")
        unknown = set(self.windows) - set(WINDOWS)
        if unknown:
            raise ArgumentError(f"KPI {self.name}: unknown windows {sorted(unknown)}")

    @property
    def display_unit(self) -> str:
        """The unit of :data:`amreview.formats.UNITS` a table, sentence or chart shows the KPI in:
        one rounding rule per unit, the same wherever the KPI appears."""
        return self.shown_as or KPI_UNIT_FORMATS[self.unit]

    @property
    def reads_sales(self) -> bool:
        return any(source.startswith("sales.") for source in self.sources)

    def __call__(self, ctx: KpiContext) -> pd.Series:
        """The KPI per ``am_id`` of ``ctx`` (everyone in role; NaN = no data), as float.

        A KPI that reads the sales table is "no data" for everyone when that table is empty: a
        pack without margin data (a CRM export) has no revenue, margin or accounts to count —
        not zeros.
        """
        if self.reads_sales and ctx.sales.empty:
            return pd.Series(np.nan, index=ctx.am_ids, dtype="float64", name=self.name)
        return ctx.per_am(self.compute(ctx)).rename(self.name)
