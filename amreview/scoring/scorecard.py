"""The scorecard: one row of KPIs per account manager for a quarter.

Column names follow the data contract's measures so other tools can rely on them:
``am_id, name, manager, team, period, revenue, cost, gross_margin, gm_pct, active_accounts,
new_accounts`` and, for each target measure, ``<measure>_target`` and ``<measure>_attainment``
(fractions; empty where there is no target).

Who is on the scorecard: every account manager in role during the quarter, i.e. with no
``start_date`` or a ``start_date`` on or before the quarter's last day. An account manager in
role with no lines in the quarter has revenue 0 and GM % empty (not meaningful).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from amreview.data.datapack import DataPack
from amreview.data.plausibility import ratings_withheld
from amreview.errors import ParameterError, PeriodError, known_names
from amreview.metrics.accounts import active_accounts, new_accounts
from amreview.metrics.catalogue import all_kpis
from amreview.metrics.margin import attainment, gm_pct, lines_in_period, margin_summary
from amreview.metrics.registry import WINDOWS, Kpi, KpiContext, in_role
from amreview.metrics.targets import quarter_targets
from amreview.periods import Quarter, require_quarter
from amreview.scoring.bands import explain, kpi_scores, measure_scores, overall_scores, percentiles, withhold_ratings
from amreview.scoring.config import ScorecardConfig, config_fingerprint, load_config
from amreview.scoring.evidence import kpi_evidence, without_thin_scores
from amreview.scoring.expected import expected_frame
from amreview.scoring.robustness import rating_robustness
from amreview.vocabulary import CORE_TARGET_MEASURES

IDENTITY_COLUMNS = ["am_id", "name", "manager", "team", "period"]
KPI_COLUMNS = ["revenue", "cost", "gross_margin", "gm_pct", "active_accounts", "new_accounts"]
TARGET_COLUMNS = [f"{m}_{kind}" for m in CORE_TARGET_MEASURES for kind in ("target", "attainment")]
SCORECARD_COLUMNS = IDENTITY_COLUMNS + KPI_COLUMNS + TARGET_COLUMNS


def check_period_covered(sales: pd.DataFrame, quarter: Quarter) -> None:
    """Raise :class:`PeriodError` when the pack holds sales lines but none in ``quarter`` (a
    mistyped period, or a pack exported for another one).

    An *empty* sales table is allowed: a pack without margin data (a CRM export, say) can still
    be reviewed on its pipeline, activities and the rest; its margin KPIs are "no data".
    """
    if sales.empty:
        return
    if not quarter.contains(sales["invoice_date"]).any():
        raise _not_covered(quarter, sales["invoice_date"].min(), sales["invoice_date"].max())


def check_pack_covers_period(pack: DataPack, quarter: Quarter) -> None:
    """:func:`check_period_covered` of the pack's sales lines, from its monthly summary (a
    quarter is whole months: it holds a line when it holds a month with lines)."""
    if pack.line_count == 0:
        return
    if not quarter.contains(pack.sales_summary["month"]).any():
        raise _not_covered(quarter, *pack.invoice_dates)


def _not_covered(quarter: Quarter, first, last) -> PeriodError:
    return PeriodError(
        f"the data pack has no sales in {quarter}; its sales run from {first:%Y-%m-%d} to {last:%Y-%m-%d}"
    )


# What says a quarter happened in a pack without sales lines: the dates of things done (a deal
# opened or closed, a call made, an order taken, a case opened, a report due, feedback given)
# and the quarters that forecasts, objectives and ratings name. Start dates, sign-off dates and
# account creation dates are left out: they date people and records, not the quarter's work.
RECORD_DATES: dict[str, tuple[str, ...]] = {
    "opportunities": ("created_date", "close_date"),
    "activities": ("activity_date",),
    "back_orders": ("order_date",),
    "cases": ("opened_date",),
    "report_submissions": ("due_date",),
    "customer_feedback": ("feedback_date",),
}
RECORD_PERIODS = ("forecasts", "development_objectives", "competency_ratings")


def pack_covers(pack: DataPack, quarter: Quarter) -> bool:
    """Whether ``pack`` holds data of ``quarter``, so that its scorecard means something.

    A pack with sales lines covers the quarters it has lines invoiced in (the rule of
    :func:`check_period_covered`); a pack whose ``sales`` table is empty covers a quarter when
    one of its records of :data:`RECORD_DATES` is dated in it, or one of :data:`RECORD_PERIODS`
    names it.
    """
    quarter = require_quarter(quarter)
    if pack.line_count:
        return bool(quarter.contains(pack.sales_summary["month"]).any())
    for table, columns in RECORD_DATES.items():
        if pack.has(table) and any(quarter.contains(pack[table][column]).any() for column in columns):
            return True
    return any(pack.has(table) and (pack[table]["period"] == str(quarter)).any() for table in RECORD_PERIODS)


def core_scorecard(pack: DataPack, period: Quarter) -> pd.DataFrame:
    """One row per account manager in role in ``period`` with the core KPIs (module docstring).

    Sorted by ``am_id``. Figures are numbers (formatting happens when rendered).
    """
    quarter = require_quarter(period)
    sales = pack.sales
    check_period_covered(sales, quarter)
    people = in_role(pack.account_managers, quarter).set_index("am_id").sort_index()
    lines = lines_in_period(sales, quarter)

    card = pd.DataFrame(index=people.index)
    card["name"] = people["name"]
    card["manager"] = people["manager"]
    card["team"] = people["team"]
    card["period"] = str(quarter)
    margins = margin_summary(lines, "am_id").reindex(card.index)
    card["revenue"] = margins["revenue"].fillna(0.0)
    card["cost"] = margins["cost"].fillna(0.0)
    card["gross_margin"] = card["revenue"] - card["cost"]
    card["gm_pct"] = gm_pct(card["gross_margin"], card["revenue"]).to_numpy()
    card["active_accounts"] = active_accounts(lines).reindex(card.index, fill_value=0).astype("int64")
    card["new_accounts"] = new_accounts(sales, quarter).reindex(card.index, fill_value=0).astype("int64")
    if sales.empty:  # a pack without margin data (a CRM export): no data, not zeros
        card[KPI_COLUMNS] = card[KPI_COLUMNS].astype("float64").where(False)

    targets = quarter_targets(pack.targets, quarter).reindex(card.index)
    for measure in CORE_TARGET_MEASURES:
        target = targets[measure] if measure in targets.columns else pd.Series(float("nan"), index=card.index)
        card[f"{measure}_target"] = target.astype("float64")
        card[f"{measure}_attainment"] = attainment(card[measure], card[f"{measure}_target"]).to_numpy()
    return card.reset_index()[SCORECARD_COLUMNS]


# --------------------------------------------------------------------------------------------
# The full scorecard: every KPI of the registry, scored by the config.
# --------------------------------------------------------------------------------------------

MEASURE_SCORE_SUFFIX = "_score"
OVERALL_COLUMNS = ["overall_score", "overall_rating", "rated_weight", "measures_without_data", "no_rating_reason"]


@dataclass
class Scorecard:
    """Every KPI, score and rating of every account manager in role in one quarter.

    ``values`` (am_id × KPI, the review quarter), ``scores`` (am_id × scored KPI),
    ``measures`` (am_id × measure score), ``overall`` (score, rating, measures without data),
    ``targets`` (am_id × KPI, for KPIs compared with a target) and ``table`` — the flat export:
    the core columns first (their names are stable), then every KPI and its window variants
    (``_ytd``, ``_t4q``), the KPI scores (``<kpi>_score``), measure scores
    (``<measure>_score``), the overall score and rating, and percentiles
    (``<kpi>_team_percentile``, ``<kpi>_org_percentile``).

    Three frames (am_id × column) carry the evidence beside the figures, each also in ``table``:
    ``evidence`` (each rate or mean KPI's base and interval), ``expected`` (what books like each
    person's achieve on the headline KPIs) and ``robustness`` (how the overall score and rating
    move with the weights). Empty (no columns) where not computed.
    """

    quarter: Quarter
    config: ScorecardConfig
    kpis: dict[str, Kpi]
    people: pd.DataFrame
    values: pd.DataFrame
    scores: pd.DataFrame
    measures: pd.DataFrame
    overall: pd.DataFrame
    targets: pd.DataFrame
    table: pd.DataFrame
    evidence: pd.DataFrame = field(default_factory=pd.DataFrame)
    expected: pd.DataFrame = field(default_factory=pd.DataFrame)
    robustness: pd.DataFrame = field(default_factory=pd.DataFrame)

    def explain(self, am_id: str) -> ScoreExplanation:
        """Why ``am_id`` got each score: see :class:`ScoreExplanation`."""
        if am_id not in self.values.index:
            raise ParameterError(not_in_role_text(self.quarter, "am_id", [am_id], self.values.index))
        return ScoreExplanation(
            am_id=am_id,
            name=str(self.people.at[am_id, "name"]),
            quarter=self.quarter,
            measures=self.measures.loc[am_id],
            overall=self.overall.loc[am_id],
            kpis=explain(am_id, self.values, self.scores, self.targets, self.config, self.kpis, self.evidence),
            config=self.config,
            robustness=self.robustness.loc[am_id] if len(self.robustness.columns) else None,
        )

    def restricted_to(self, am_ids) -> Scorecard:
        """The same scorecard holding only the rows of ``am_ids`` (in the scorecard's order; ids
        not on it are left out): what one review or one team view may read, nothing about the
        others. Percentiles stay as computed over everyone (they are columns of ``table``)."""
        wanted = {str(a) for a in am_ids}
        ids = self.values.index[self.values.index.isin(wanted)]
        return Scorecard(
            quarter=self.quarter,
            config=self.config,
            kpis=self.kpis,
            people=self.people.loc[ids],
            values=self.values.loc[ids],
            scores=self.scores.loc[ids],
            measures=self.measures.loc[ids],
            overall=self.overall.loc[ids],
            targets=self.targets.loc[ids],
            table=self.table[self.table["am_id"].isin(ids)].reset_index(drop=True),
            evidence=self.evidence.reindex(ids),
            expected=self.expected.reindex(ids),
            robustness=self.robustness.reindex(ids),
        )

    def _repr_html_(self) -> str:
        from amreview.scoring.display import scorecard_html

        return scorecard_html(self)


@dataclass
class ScoreExplanation:
    """One person's breakdown: each measure's score and weight, each KPI's value, target, band
    and score. ``str()`` gives the text ``amreview scorecard --explain`` prints."""

    am_id: str
    name: str
    quarter: Quarter
    measures: pd.Series
    overall: pd.Series
    kpis: list
    config: ScorecardConfig
    robustness: pd.Series | None = None  # the row of Scorecard.robustness (issue 17 D)

    def __str__(self) -> str:
        from amreview.scoring.display import explanation_text

        return explanation_text(self)

    def _repr_html_(self) -> str:
        from amreview.scoring.display import explanation_html

        return explanation_html(self)


def kpi_values(ctx: KpiContext, kpis: dict[str, Kpi]) -> pd.DataFrame:
    """Every KPI for every window it declares: columns ``name`` (quarter), ``name_ytd``, ``name_t4q``."""
    columns = {}
    contexts = {"quarter": ctx}
    for kpi in kpis.values():
        for window in kpi.windows:
            if window not in contexts:
                contexts[window] = ctx.for_window(window)
            columns[kpi.name + WINDOWS[window]] = kpi(contexts[window])
    return pd.DataFrame(columns, index=ctx.am_ids)


def kpi_targets(ctx: KpiContext, kpis: dict[str, Kpi]) -> pd.DataFrame:
    """The target each KPI is compared with (KPIs with a ``target_measure``): the review
    quarter's, or a later quarter's for KPIs measured against one (``target_quarters_ahead``)."""

    def context(ahead: int) -> KpiContext:
        return ctx if ahead == 0 else KpiContext(ctx.pack, ctx.quarter.shift(ahead), ctx.am_ids)

    return pd.DataFrame(
        {k.name: context(k.target_quarters_ahead).target(k.target_measure) for k in kpis.values() if k.target_measure},
        index=ctx.am_ids,
    )


def core_columns(people: pd.DataFrame, values: pd.DataFrame, ctx: KpiContext, quarter: Quarter) -> pd.DataFrame:
    """The core scorecard's columns (see :func:`core_scorecard`, whose figures they equal) taken
    from the registry's KPI values, so the full scorecard computes each figure once."""
    core = pd.DataFrame(index=values.index)
    core["name"] = people["name"]
    core["manager"] = people["manager"]
    core["team"] = people["team"]
    core["period"] = str(quarter)
    for column in KPI_COLUMNS:
        core[column] = values[column]
    for column in ("active_accounts", "new_accounts"):
        core[column] = core[column].astype("Int64")  # counts; empty (not 0) without sales data
    for measure in CORE_TARGET_MEASURES:
        core[f"{measure}_target"] = ctx.target(measure)
        core[f"{measure}_attainment"] = attainment(values[measure], core[f"{measure}_target"]).to_numpy()
    return core[SCORECARD_COLUMNS[1:]]


def build_scorecard(
    pack: DataPack, period: Quarter | str, config: ScorecardConfig | None = None, kpis: dict[str, Kpi] | None = None
) -> Scorecard:
    """Compute, score and rate every KPI for everyone in role in ``period`` (module docstring).

    A boundary: ``period`` as text is read on the config's fiscal year (see
    :func:`amreview.periods.require_quarter`); a :class:`Quarter` must be on it.
    """
    kpis = all_kpis() if kpis is None else kpis
    config = load_config(kpis=kpis) if config is None else config
    quarter = Quarter.parse(period, config.fiscal_year_start_month)
    check_pack_covers_period(pack, quarter)
    ctx = KpiContext.for_period(pack, quarter)
    people = pack.account_managers.set_index("am_id").reindex(ctx.am_ids)
    values = kpi_values(ctx, kpis)
    evidence = kpi_evidence(ctx, kpis, config)  # issue 17 (A): each rate or mean KPI's base and interval
    scores = without_thin_scores(kpi_scores(values, config, kpis), evidence)  # too little data: not scored
    measures = measure_scores(scores, config)
    withheld = ratings_withheld(pack, quarter, ctx.am_ids)  # see amreview.data.plausibility
    overall = withhold_ratings(overall_scores(measures, config), withheld, keep_score=pack.line_count == 0)
    targets = kpi_targets(ctx, kpis)
    if set(KPI_COLUMNS) <= set(values.columns):
        core = core_columns(people, values, ctx, quarter)
    else:  # a registry without the core KPIs (a company's own, or a test's)
        core = core_scorecard(pack, quarter).set_index("am_id")
    benchmarks = {}
    for name in config.benchmark_kpis:
        direction = kpis[name].higher_is_better
        benchmarks[f"{name}_team_percentile"] = percentiles(values[name], people["team"].fillna(""), direction)
        benchmarks[f"{name}_org_percentile"] = percentiles(
            values[name], pd.Series("org", index=values.index), direction
        )
    expected = expected_frame(ctx, values)  # issue 17 (B): what books like theirs achieve
    robustness = rating_robustness(measures, overall, config, withheld)  # issue 17 (D): the rating under other weights
    extra_values = values.drop(columns=[c for c in values.columns if c in core.columns])
    table = (
        pd.concat(
            [
                core,
                extra_values,
                scores.add_suffix("_score"),
                measures.add_suffix(MEASURE_SCORE_SUFFIX),
                overall,
                pd.DataFrame(benchmarks, index=values.index),
                evidence,
                expected,
                robustness,
            ],
            axis=1,
        )
        .copy()
        .reset_index()
    )
    return Scorecard(
        quarter=quarter,
        config=config,
        kpis=kpis,
        people=people,
        values=values,
        scores=scores,
        measures=measures,
        overall=overall,
        targets=targets,
        table=table,
        evidence=evidence,
        expected=expected,
        robustness=robustness,
    )


def quarter_scorecard(
    pack: DataPack, quarter: Quarter, config: ScorecardConfig, card: Scorecard | None = None
) -> Scorecard:
    """``card`` when it is the scorecard of ``quarter`` under ``config`` (the caller already holds
    it); computed from ``pack`` when None. A card of another quarter or config is a
    :class:`~amreview.errors.ParameterError`."""
    if card is None:
        return build_scorecard(pack, quarter, config)
    if card.quarter != quarter or config_fingerprint(card.config) != config_fingerprint(config):
        raise ParameterError(
            f"the scorecard given is of {card.quarter} under another config; "
            f"expected the scorecard of {quarter} under the config given"
        )
    return card


# --------------------------------------------------------------------------------------------
# Who is reviewed
# --------------------------------------------------------------------------------------------


def select_account_managers(
    card: pd.DataFrame,
    am_ids: Iterable[str] | None = None,
    managers: Iterable[str] | None = None,
    teams: Iterable[str] | None = None,
) -> pd.DataFrame:
    """The scorecard rows (``card``: the scorecard's table) of the people selected.

    ``am_ids``, ``managers`` (``account_managers.manager``) and ``teams`` each select people;
    given together, a person is selected when any of them selects them. None of them: everyone
    in role. A name that selects no one in role is an error that lists the known names, the
    closest first (:func:`not_in_role_text`).
    """
    am_ids, managers, teams = ([str(v) for v in values or ()] for values in (am_ids, managers, teams))
    if not (am_ids or managers or teams):
        return card
    period = card["period"].iloc[0] if len(card) else "the period"
    problems = []
    for wanted, column, what in ((am_ids, "am_id", "am_id"), (managers, "manager", "manager"), (teams, "team", "team")):
        known = set(card[column].dropna().astype(str))
        unknown = [w for w in wanted if w not in known]
        if unknown:
            problems.append(not_in_role_text(period, what, unknown, known))
    if problems:
        raise ParameterError("; ".join(problems))
    chosen = card["am_id"].isin(am_ids) | card["manager"].isin(managers) | card["team"].isin(teams)
    return card[chosen]


def not_in_role_text(period: object, what: str, unknown: Iterable[str], known: Iterable[str]) -> str:
    """``no account manager in role in 2026Q3 with am_id AM01 (known, closest first: AM001, …)``:
    the names asked for whole, the known ones as :func:`amreview.errors.known_names` lists them."""
    unknown = [str(name) for name in unknown]
    return (
        f"no account manager in role in {period} with {what} {', '.join(unknown)} "
        f"(known, closest first: {known_names(unknown, known)})"
    )
