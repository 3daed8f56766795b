"""Development plan achieved (performance measure 8), from ``development_objectives``.

A quarter's *plan* is an account manager's objectives whose ``period`` is that quarter. Each
objective counts with

* ``weight_used`` = its ``weight``, or 1 where empty (an unweighted objective counts as one unit);
* ``progress_used`` = 1 when ``status`` is ``achieved`` (whatever ``progress`` says); otherwise its
  ``progress`` (0–1) as recorded, and 0 where empty (``not_started`` has none to give; for the
  other statuses no recorded progress is no evidence of progress). ``deferred`` and ``missed``
  objectives count with the progress they reached: the plan agreed for the quarter is what is
  measured, and what was not done shows, and carries over.

``plan_completion = Σ weight_used · progress_used / Σ weight_used`` over the plan.

Objectives not achieved by their due date carry over to the next quarter's plan under the same
``objective_id``: :func:`development_plan` flags the items carried in from the previous quarter
and those that will carry into the next one.
"""

from __future__ import annotations

import pandas as pd

from amreview.metrics._frames import from_table as _from_table
from amreview.metrics._frames import observations as _observations
from amreview.metrics._frames import observations_from_table as _observed
from amreview.metrics.registry import Evidence, Kpi, KpiContext
from amreview.periods import Quarter, require_quarter

OPEN_OBJECTIVE_STATUSES = ("not_started", "in_progress")  # can still become overdue

PLAN_COLUMNS = [
    "am_id",
    "objective_id",
    "objective",
    "competency",
    "weight",
    "weight_used",
    "weight_share",
    "due_date",
    "status",
    "progress",
    "progress_used",
    "contribution",
    "carried_over",
    "times_carried",
    "overdue",
    "carries_forward",
    "evidence",
]
# Columns the review cycle adds to objectives agreed at a review (``amreview collect``), kept in
# the plan where the table has them: the quarter whose review agreed the objective, and how its
# success is measured.
CYCLE_COLUMNS = ["agreed_in", "success_measure"]


def objectives_in_period(objectives: pd.DataFrame, quarter: Quarter) -> pd.DataFrame:
    """The objectives of ``quarter``'s plan: ``period == str(quarter)``."""
    return objectives[objectives["period"] == str(require_quarter(quarter))]


def objective_weight(objectives: pd.DataFrame) -> pd.Series:
    """Weight each objective counts with: ``weight``, 1 where empty."""
    return objectives["weight"].fillna(1.0).astype("float64").rename("weight_used")


def objective_progress(objectives: pd.DataFrame) -> pd.Series:
    """Progress each objective counts with: 1 if ``achieved``, else ``progress``, 0 where empty."""
    achieved = objectives["status"] == "achieved"
    progress = objectives["progress"].fillna(0.0).astype("float64")
    return progress.mask(achieved, 1.0).rename("progress_used")


def objective_overdue(objectives: pd.DataFrame, as_of) -> pd.Series:
    """Whether each objective is *overdue* on ``as_of``: still open (``not_started`` or
    ``in_progress``) with ``due_date < as_of``.

    Disjoint from ``missed`` (the manager has closed it as not met) and from ``deferred``
    (moved by agreement); one due on ``as_of`` itself, or with no due date, is not overdue.
    """
    open_ = objectives["status"].isin(OPEN_OBJECTIVE_STATUSES)
    return (open_ & (objectives["due_date"] < pd.Timestamp(as_of))).rename("overdue")


def plan_completion(objectives: pd.DataFrame) -> pd.Series:
    """Plan completion per ``am_id`` = Σ weight_used · progress_used / Σ weight_used.

    ``objectives`` are one plan (one quarter's rows); see the module docstring for
    ``weight_used`` and ``progress_used``. A fraction in [0, 1]. NaN where the weights add up to 0
    (every objective weighted 0); an account manager without objectives is absent (no data).
    """
    weight = objective_weight(objectives)
    frame = pd.DataFrame({"am_id": objectives["am_id"], "w": weight, "wp": weight * objective_progress(objectives)})
    sums = frame.groupby("am_id", sort=True)[["w", "wp"]].sum()
    return (sums["wp"] / sums["w"].where(sums["w"] > 0)).astype("float64").rename("plan_completion")


def development_plan(objectives: pd.DataFrame, quarter: Quarter, as_of=None) -> pd.DataFrame:
    """``quarter``'s plan, one row per objective, with what the review shows about each.

    ``objectives`` is the whole ``development_objectives`` table (earlier quarters are needed to
    see what was carried over); ``as_of`` defaults to the quarter's last day. Columns
    (:data:`PLAN_COLUMNS`, then those of :data:`CYCLE_COLUMNS` the table has), besides the table's own:

    * ``weight_used``, ``progress_used`` — as in the module docstring;
    * ``weight_share = weight_used / Σ weight_used`` of the account manager's plan (NaN if that is 0),
      ``contribution = weight_share · progress_used`` — the contributions add up to
      :func:`plan_completion`;
    * ``carried_over`` — the same ``am_id`` and ``objective_id`` is in the previous quarter's plan;
    * ``times_carried`` — in how many earlier quarters' plans the objective appears;
    * ``overdue`` — see :func:`objective_overdue`;
    * ``carries_forward`` — not ``achieved`` at the review, so (by the job description's rule)
      it carries into the next quarter's plan; this includes ``deferred`` objectives and ones
      due after the quarter.

    Sorted by ``am_id`` and ``objective_id``; index 0..n−1. The input is not modified.
    """
    quarter = require_quarter(quarter)
    as_of = quarter.end if as_of is None else pd.Timestamp(as_of)
    plan = objectives_in_period(objectives, quarter)
    keys = ["am_id", "objective_id"]
    earlier = objectives.loc[objectives["period"] < str(quarter), keys + ["period"]].drop_duplicates()
    times = earlier.groupby(keys).size().rename("times_carried")
    previous = earlier.loc[earlier["period"] == str(quarter.previous()), keys].assign(carried_over=True)

    table = plan.assign(
        weight_used=objective_weight(plan),
        progress_used=objective_progress(plan),
        overdue=objective_overdue(plan, as_of),
        carries_forward=(plan["status"] != "achieved").to_numpy(dtype=bool),
    )
    table = table.merge(times.reset_index(), on=keys, how="left").merge(previous, on=keys, how="left")
    table["times_carried"] = table["times_carried"].fillna(0).astype("int64")
    table["carried_over"] = table["carried_over"].fillna(False).astype(bool)
    total = table.groupby("am_id")["weight_used"].transform("sum")
    table["weight_share"] = table["weight_used"] / total.where(total > 0)
    table["contribution"] = table["weight_share"] * table["progress_used"]
    table = table.sort_values(keys, kind="mergesort", ignore_index=True)
    return table[PLAN_COLUMNS + [c for c in CYCLE_COLUMNS if c in table.columns]]


def objectives_carrying_forward(objectives: pd.DataFrame, quarter: Quarter, as_of=None) -> pd.DataFrame:
    """The objectives of ``quarter``'s plan that will carry into the next quarter's plan (not
    achieved at the review): the ``carries_forward`` rows of :func:`development_plan`."""
    plan = development_plan(objectives, quarter, as_of)
    return plan[plan["carries_forward"]].reset_index(drop=True)


def plan_summary(plan: pd.DataFrame) -> pd.DataFrame:
    """Per ``am_id`` of a :func:`development_plan` table: ``objectives`` (count),
    ``plan_completion = Σ contribution`` (NaN where the weights add up to 0), and the counts
    ``objectives_achieved``, ``objectives_missed``, ``objectives_deferred`` (by ``status``),
    ``objectives_overdue``, ``objectives_carried_over``, ``objectives_carrying_forward``.
    One row per account manager with a plan; sorted by ``am_id``.
    """
    flags = plan[["am_id"]].assign(
        objectives=1,
        objectives_achieved=plan["status"] == "achieved",
        objectives_missed=plan["status"] == "missed",
        objectives_deferred=plan["status"] == "deferred",
        objectives_overdue=plan["overdue"],
        objectives_carried_over=plan["carried_over"],
        objectives_carrying_forward=plan["carries_forward"],
    )
    grouped = flags.groupby("am_id", sort=True)
    counts = grouped.sum().astype("int64")
    completion = plan.groupby("am_id", sort=True)["contribution"].sum(min_count=1)
    counts.insert(1, "plan_completion", completion.astype("float64"))
    return counts


# --------------------------------------------------------------------------------------------
# KPIs
# --------------------------------------------------------------------------------------------


def _plan(ctx: KpiContext, objectives: pd.DataFrame, column: str) -> pd.Series:
    summary = ctx.memo(
        ("plan_summary", ctx.window), lambda: plan_summary(development_plan(objectives, ctx.quarter, ctx.as_of))
    )
    return summary[column].astype("float64")


def _objectives(ctx: KpiContext, objectives: pd.DataFrame) -> pd.DataFrame:
    """The objectives a plan completion rests on: each ``weight_used · progress_used`` out of
    ``weight_used`` (:func:`plan_completion`)."""
    plan = objectives_in_period(objectives, ctx.quarter)
    weight = objective_weight(plan)
    return _observations(plan["am_id"], weight * objective_progress(plan), weight)


_SOURCES = ("development_objectives.am_id", "development_objectives.period", "development_objectives.status")
_NO_PLAN = "No objective with period = the review quarter, or no development_objectives table: no data (NaN), not 0."

KPIS: list[Kpi] = [
    Kpi(
        name="plan_completion",
        label="Development plan completion",
        meaning="How much of the quarter's development plan was done: each objective's progress, weighted by the "
        "objective's weight (1 where none is given). An achieved objective counts as complete; missed and "
        "deferred ones count with the progress they reached; no recorded progress counts as none.",
        if_empty="No data when there is no development objective for the quarter, or the pack holds no "
        "development plans. Not meaningful when every objective has a weight of zero.",
        measure="development_plan",
        unit="fraction",
        higher_is_better=True,
        formula="Σ weight · progress / Σ weight over the objectives of the review quarter's plan "
        "(development_objectives.period = the quarter), where progress = 1 for an achieved objective "
        "and the recorded progress otherwise (missed and deferred objectives count with the progress "
        "they reached)",
        sources=_SOURCES + ("development_objectives.weight", "development_objectives.progress"),
        compute=_from_table("development_objectives", _plan, "plan_completion"),
        edge_cases="Empty weight: 1. Empty progress: 0 (not_started, or no evidence of progress), except "
        "achieved: 1. All weights 0: NaN. " + _NO_PLAN,
        evidence=Evidence("ratio", _observed("development_objectives", _objectives), "objectives", bounds=(0.0, 1.0)),
    ),
    Kpi(
        name="objectives_achieved",
        label="Objectives achieved",
        meaning="The number of the quarter's development objectives marked achieved.",
        if_empty="No data when there is no development objective for the quarter, or the pack holds no "
        "development plans; none achieved is 0.",
        measure="development_plan",
        unit="count",
        higher_is_better=True,
        formula="number of the review quarter's objectives with status achieved",
        sources=_SOURCES,
        compute=_from_table("development_objectives", _plan, "objectives_achieved"),
        edge_cases="A plan with none achieved: 0. " + _NO_PLAN,
    ),
    Kpi(
        name="objectives_missed",
        label="Objectives missed",
        meaning="The number of the quarter's development objectives closed as missed (not met).",
        if_empty="No data when there is no development objective for the quarter, or the pack holds no "
        "development plans; none missed is 0.",
        measure="development_plan",
        unit="count",
        higher_is_better=False,
        formula="number of the review quarter's objectives with status missed (closed as not met)",
        sources=_SOURCES,
        compute=_from_table("development_objectives", _plan, "objectives_missed"),
        edge_cases="A plan with none missed: 0. " + _NO_PLAN,
    ),
    Kpi(
        name="objectives_overdue",
        label="Objectives overdue",
        meaning="The number of the quarter's development objectives still open (not started or in progress) whose "
        "due date had passed by the review date (the quarter's last day). Deferred objectives, objectives due on "
        "the review date and those without a due date are not overdue; missed ones are counted separately.",
        if_empty="No data when there is no development objective for the quarter, or the pack holds no "
        "development plans; none overdue is 0.",
        measure="development_plan",
        unit="count",
        higher_is_better=False,
        formula="number of the review quarter's objectives still open (not_started or in_progress) whose "
        "due_date is before the review day (the quarter's last day)",
        sources=_SOURCES + ("development_objectives.due_date",),
        compute=_from_table("development_objectives", _plan, "objectives_overdue"),
        edge_cases="Disjoint from objectives_missed; deferred objectives are never overdue; one due on the "
        "review day itself or with no due date is not overdue. " + _NO_PLAN,
    ),
]
