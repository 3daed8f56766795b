"""Utilisation of the CRM: activity rates, visits and calls against targets, logging lag and
opportunity hygiene (issue 3, measure ``crm_utilisation``).

* An activity belongs to a window by its ``activity_date``. Rates are per *working week* in
  role (:meth:`~amreview.metrics.registry.KpiContext.working_weeks`: Monday–Friday days from the later of the
  window's start and the AM's start date, / 5; no holiday calendar).
* *Face-to-face visits* are activities of type ``visit``; *outbound calls* of type ``call``
  (the contract's activity types carry no direction, so every logged call counts).
* Logging lag = ``logged_date − activity_date`` in calendar days. A lag below 0 (a meeting logged
  ahead of the day) counts as 0: it was in the CRM on time. An activity without a
  ``logged_date`` has no known lag and is left out of the lag figures (the field is written by
  the CRM, not by the AM, and a pack may not export it at all).
* Opportunity hygiene is measured on ``as_of`` (the last day of the review quarter) over the
  opportunities open then (:func:`~amreview.metrics.newbusiness.open_opportunities`; stage as
  recorded in the snapshot). An opportunity's last touch is ``last_updated``, else its
  ``created_date`` (a CRM stamps a new record as updated); a last touch after ``as_of`` counts as
  fresh.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from amreview.frames import as_category
from amreview.metrics._frames import between as _between
from amreview.metrics._frames import from_table as _from_table
from amreview.metrics._frames import group_keys as _keys
from amreview.metrics._frames import is_scalar as _is_scalar
from amreview.metrics._frames import observations as _observations
from amreview.metrics._frames import observations_from_table as _observed
from amreview.metrics._frames import ratio as _ratio
from amreview.metrics.margin import attainment
from amreview.metrics.newbusiness import open_opportunities
from amreview.metrics.registry import WINDOWS, Evidence, Kpi, KpiContext
from amreview.vocabulary import ACTIVITY_TYPES

MEASURE = "crm_utilisation"
LOGGED_WITHIN_DAYS = 2  # "logged within 2 days": lag ≤ 2
UPDATED_WITHIN_DAYS = 30  # an open opportunity touched in the last 30 days is kept up to date
NOT_LOGGED = "no logged date"
# Logging-lag buckets: (label, lowest lag, highest lag), in days, both ends included.
LAG_BUCKETS = (
    ("same day", 0, 0),
    ("1 day", 1, 1),
    ("2 days", 2, 2),
    ("3–7 days", 3, 7),
    ("8–30 days", 8, 30),
    ("over 30 days", 31, np.inf),
)


# --------------------------------------------------------------------------------------------
# Activities
# --------------------------------------------------------------------------------------------


def activities_between(activities: pd.DataFrame, start, end) -> pd.DataFrame:
    """The activities dated (``activity_date``) in [start, end]."""
    return activities[_between(activities["activity_date"], start, end)]


def activity_counts(activities: pd.DataFrame, by="am_id") -> pd.DataFrame:
    """Number of ``activities`` per ``by`` and type: one column per activity type of the contract
    (``call``, ``visit``, ``meeting``, ``email``, ``other``; zeros included) and ``total``.
    One row per group with an activity, sorted."""
    kind = pd.Categorical(activities["type"], categories=list(ACTIVITY_TYPES))
    groupers = [activities[k] for k in _keys(by)] + [kind]
    table = (
        pd.Series(1, index=activities.index, dtype="int64")
        .groupby(groupers, observed=False, sort=True)
        .sum()
        .unstack(-1, fill_value=0)
    )
    table = table.reindex(columns=list(ACTIVITY_TYPES), fill_value=0).astype("int64")
    table.columns = pd.Index(list(ACTIVITY_TYPES))
    table.index.names = _keys(by)
    table = table[table.sum(axis=1) > 0] if len(table) else table
    table["total"] = table.sum(axis=1)
    return table


def activities_per_week(counts, weeks):
    """Activities per working week = count / working weeks, for a scalar or the frame of
    :func:`activity_counts` (``weeks`` a scalar or a Series aligned on its index). NaN where the
    working weeks are 0 or missing (nobody in role: no rate, not 0)."""
    if _is_scalar(weeks):
        weeks = float(weeks)
        if _is_scalar(counts):
            return counts / weeks if weeks > 0 else np.nan
        return counts.astype("float64") / (weeks if weeks > 0 else np.nan)
    weeks = pd.Series(weeks, dtype="float64")
    weeks = weeks.where(weeks > 0)
    if isinstance(counts, pd.DataFrame):
        return counts.astype("float64").div(weeks.reindex(counts.index), axis=0)
    return pd.Series(counts, dtype="float64") / weeks


def weekly_activity_counts(activities: pd.DataFrame, start, end) -> pd.DataFrame:
    """Activities dated in [start, end] per calendar week and type: index ``week`` (the Monday
    starting it; every week touching the window, zeros included), one column per activity type
    and ``total``. Pass one AM's rows for their weekly chart."""
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    rows = activities_between(activities, start, end)
    week = rows["activity_date"] - pd.to_timedelta(rows["activity_date"].dt.day_of_week, unit="D")
    weeks = pd.date_range(start - pd.Timedelta(days=start.weekday()), end, freq="7D", name="week")
    table = activity_counts(rows.assign(week=week), by="week").drop(columns="total")
    table = table.reindex(weeks, fill_value=0).astype("int64")
    table["total"] = table.sum(axis=1)
    return table


# --------------------------------------------------------------------------------------------
# Logging lag
# --------------------------------------------------------------------------------------------


def logging_lag_days(activities: pd.DataFrame) -> pd.Series:
    """Logging lag of each activity: ``logged_date − activity_date`` in calendar days, at least 0;
    NaN where ``logged_date`` is empty. Indexed like ``activities``."""
    lag = (activities["logged_date"] - activities["activity_date"]).dt.days
    return lag.clip(lower=0).astype("float64").rename("logging_lag_days")


def logging_summary(activities: pd.DataFrame, by="am_id") -> pd.DataFrame:
    """Logging lag of ``activities`` per ``by``: ``activities``, ``with_logged_date``,
    ``logging_lag_days_mean``, ``logging_lag_days_median``, ``logged_within_2_days`` (lag ≤ 2)
    and ``logged_within_2_days_share = logged_within_2_days / with_logged_date`` — all over the
    activities with a ``logged_date`` (NaN where there are none). One row per group with an
    activity."""
    lag = logging_lag_days(activities)
    frame = pd.DataFrame(
        {"lag": lag, "known": lag.notna().astype("int64"), "within": (lag <= LOGGED_WITHIN_DAYS).astype("int64")}
    )
    grouped = frame.groupby([activities[k] for k in _keys(by)], sort=True)
    table = pd.DataFrame(
        {
            "activities": grouped.size().astype("int64"),
            "with_logged_date": grouped["known"].sum().astype("int64"),
            "logging_lag_days_mean": grouped["lag"].mean(),
            "logging_lag_days_median": grouped["lag"].median(),
            "logged_within_2_days": grouped["within"].sum().astype("int64"),
        }
    )
    table["logged_within_2_days_share"] = _ratio(table["logged_within_2_days"], table["with_logged_date"]).to_numpy()
    return table


def logging_lag_distribution(activities: pd.DataFrame, by=None) -> pd.DataFrame:
    """How quickly ``activities`` were logged: the number and share of activities per lag bucket
    (:data:`LAG_BUCKETS`, then ``no logged date``), every bucket present. Index ``lag`` (under each
    group of ``by`` when given); ``share`` is of the group's activities, with or without a date."""
    lag = logging_lag_days(activities)
    labels = [label for label, _, _ in LAG_BUCKETS] + [NOT_LOGGED]
    edges = [low for _, low, _ in LAG_BUCKETS] + [np.inf]
    bucket = pd.cut(lag, bins=[-0.5] + [e - 0.5 for e in edges[1:-1]] + [np.inf], labels=labels[:-1])
    bucket = bucket.cat.add_categories([NOT_LOGGED]).fillna(NOT_LOGGED)
    bucket = pd.Categorical(bucket, categories=labels)
    groupers = [activities[k].to_numpy() for k in ([] if by is None else _keys(by))] + [bucket]
    counts = pd.Series(1, index=activities.index, dtype="int64").groupby(groupers, observed=False, sort=True).sum()
    table = counts.rename("activities").to_frame()
    table.index.names = ([] if by is None else _keys(by)) + ["lag"]
    if by is None:
        total = table["activities"].sum()
        table["share"] = table["activities"] / total if total else np.nan
    else:
        totals = table["activities"].groupby(level=list(range(len(_keys(by))))).transform("sum")
        table["share"] = _ratio(table["activities"], totals).to_numpy()
    return table


# --------------------------------------------------------------------------------------------
# Opportunity hygiene
# --------------------------------------------------------------------------------------------


def opportunity_hygiene(opportunities: pd.DataFrame, as_of) -> pd.DataFrame:
    """The opportunities open on ``as_of`` with their hygiene on that day:

    * ``last_touch`` — ``last_updated``, else ``created_date``;
    * ``days_since_update`` — as_of − last_touch in days, at least 0; NaN when neither date is known;
    * ``updated_30d`` — days_since_update ≤ 30 (missing when unknown: a nullable boolean);
    * ``overdue`` — ``close_date < as_of`` (an empty close_date is not overdue);
    * ``days_overdue`` — as_of − close_date in days for overdue ones, else 0.
    """
    as_of = pd.Timestamp(as_of)
    open_opps = open_opportunities(opportunities, as_of)
    touch = open_opps["last_updated"].fillna(open_opps["created_date"])
    since = (as_of - touch).dt.days.clip(lower=0).astype("float64")
    overdue = (open_opps["close_date"] < as_of).fillna(False).astype(bool)
    days_overdue = (as_of - open_opps["close_date"]).dt.days.where(overdue, 0).fillna(0).astype("int64")
    updated = (since <= UPDATED_WITHIN_DAYS).astype("boolean").where(since.notna(), pd.NA)
    return open_opps.assign(
        last_touch=touch, days_since_update=since, updated_30d=updated, overdue=overdue, days_overdue=days_overdue
    )


def stale_opportunities(opportunities: pd.DataFrame, as_of) -> pd.DataFrame:
    """The open opportunities on ``as_of`` that need attention: past their close date, or not
    updated in the last 30 days (or never dated), from :func:`opportunity_hygiene`; most overdue
    first, then longest untouched."""
    hygiene = opportunity_hygiene(opportunities, as_of)
    stale = hygiene[hygiene["overdue"] | ~hygiene["updated_30d"].fillna(False).astype(bool)]
    return stale.sort_values(
        ["days_overdue", "days_since_update"], ascending=False, kind="mergesort", na_position="first"
    )


def hygiene_summary(opportunities: pd.DataFrame, as_of, by="am_id") -> pd.DataFrame:
    """Opportunity hygiene on ``as_of`` per ``by``: ``open_opportunities``,
    ``with_known_update`` (a last_updated or created_date), ``updated_30d``,
    ``open_opportunities_updated_30d_share = updated_30d / with_known_update`` (NaN where 0) and
    ``overdue_open_opportunities`` (close_date < as_of). One row per group with an open deal."""
    hygiene = opportunity_hygiene(opportunities, as_of)
    frame = pd.DataFrame(
        {
            "known": hygiene["updated_30d"].notna().astype("int64"),
            "updated": hygiene["updated_30d"].fillna(False).astype("int64"),
            "overdue": hygiene["overdue"].astype("int64"),
        },
        index=hygiene.index,
    )
    grouped = frame.groupby([hygiene[k] for k in _keys(by)], sort=True)
    table = pd.DataFrame(
        {
            "open_opportunities": grouped.size().astype("int64"),
            "with_known_update": grouped["known"].sum().astype("int64"),
            "updated_30d": grouped["updated"].sum().astype("int64"),
            "overdue_open_opportunities": grouped["overdue"].sum().astype("int64"),
        }
    )
    table.insert(
        3, "open_opportunities_updated_30d_share", _ratio(table["updated_30d"], table["with_known_update"]).to_numpy()
    )
    return table


# --------------------------------------------------------------------------------------------
# KPIs
# --------------------------------------------------------------------------------------------


def coded_by_am(activities: pd.DataFrame) -> tuple[pd.DataFrame, pd.Index]:
    """``activities`` with each ``am_id`` replaced by its position among the sorted distinct ids
    (returned beside it: ``ids[code]`` is the id) and ``type`` as a category of the contract's
    types: counting and grouping millions of activities then compares integers, not text, in
    the same order (the ids' sorted order), so every figure is the one the text gives."""
    codes, ids = pd.factorize(activities["am_id"], sort=True)
    kind = as_category(activities["type"], list(ACTIVITY_TYPES))
    return activities.assign(am_id=codes, type=kind), pd.Index(ids, name="am_id")


def _labelled(table: pd.DataFrame, ids: pd.Index) -> pd.DataFrame:
    """``table``, indexed by the codes of :func:`coded_by_am`, indexed by the ids instead."""
    return table.set_axis(ids.take(table.index.to_numpy()), axis=0)


def _counts(ctx: KpiContext, activities: pd.DataFrame) -> pd.DataFrame:
    """Activity counts in the window for everyone in role (zeros for those with none)."""

    def compute() -> pd.DataFrame:
        rows, ids = _window_activities(ctx, activities)
        return _labelled(activity_counts(rows), ids).reindex(ctx.am_ids, fill_value=0)

    return ctx.memo(("activity_counts", ctx.window), compute)


def _window_activities(ctx: KpiContext, activities: pd.DataFrame) -> tuple[pd.DataFrame, pd.Index]:
    """The activities of the context's window, filtered once per window, with the columns the
    activity and logging KPIs read, coded once per context (:func:`coded_by_am`), and the ids."""
    columns = ["am_id", "type", "activity_date", "logged_date"]
    coded, ids = ctx.memo(("activities_coded_by_am",), lambda: coded_by_am(activities[columns]))
    return ctx.memo(("activities", ctx.window), lambda: activities_between(coded, ctx.start, ctx.end)), ids


def _rate(ctx: KpiContext, activities: pd.DataFrame, column: str) -> pd.Series:
    return activities_per_week(_counts(ctx, activities)[column], ctx.working_weeks())


def _attainment(ctx: KpiContext, activities: pd.DataFrame, column: str, measure: str) -> pd.Series:
    return attainment(_counts(ctx, activities)[column], ctx.target(measure))


def _logging(ctx: KpiContext, activities: pd.DataFrame, column: str) -> pd.Series:
    def compute() -> pd.DataFrame:
        rows, ids = _window_activities(ctx, activities)
        return _labelled(logging_summary(rows), ids)

    return ctx.memo(("logging_summary", ctx.window), compute)[column]


def _hygiene(ctx: KpiContext, opportunities: pd.DataFrame, column: str, fill=np.nan) -> pd.Series:
    summary = ctx.memo(("hygiene_summary", ctx.window), lambda: hygiene_summary(opportunities, ctx.as_of))
    return ctx.per_am(summary[column], fill=fill)


def _weeks_observed(ctx: KpiContext, activities: pd.DataFrame, column: str) -> pd.DataFrame:
    """What a rate per week rests on: per person in role, the activities counted (``value``)
    over their working weeks in role (``weight``, the exposure)."""
    weeks = ctx.working_weeks()
    in_role = (weeks > 0).to_numpy()
    counts = _counts(ctx, activities)[column].to_numpy(dtype="float64")
    return _observations(ctx.am_ids[in_role], counts[in_role], weeks.to_numpy()[in_role])


def _logged_activities(ctx: KpiContext, activities: pd.DataFrame, column: str) -> pd.DataFrame:
    """The activities with a logged date (:func:`logging_summary`'s): each its lag in days, or
    1 if logged within 2 days."""
    rows, ids = _window_activities(ctx, activities)
    lag = logging_lag_days(rows)
    known = lag.notna().to_numpy()
    value = lag if column == "lag" else (lag <= LOGGED_WITHIN_DAYS).astype("float64")
    return _observations(ids.take(rows["am_id"].to_numpy()[known]), value.to_numpy()[known])


def _open_deals(ctx: KpiContext, opportunities: pd.DataFrame) -> pd.DataFrame:
    """The open opportunities whose last touch is known (:func:`hygiene_summary`'s): 1 if
    updated in the last 30 days."""
    hygiene = opportunity_hygiene(opportunities, ctx.as_of)
    known = hygiene["updated_30d"].notna()
    return _observations(hygiene.loc[known, "am_id"], hygiene.loc[known, "updated_30d"].astype(bool))


def _per_week(column: str) -> Evidence:
    return Evidence("rate", _observed("activities", _weeks_observed, column), "working weeks", bounds=(0.0, np.inf))


ALL_WINDOWS = tuple(WINDOWS)  # quarter, year to date, trailing four quarters
_NO_ACTIVITIES = "No activities table: no data for everyone."
_NO_OPPORTUNITIES = "No opportunities table: no data for everyone."
_WEEKS = (
    "Working weeks = Monday–Friday days in role in the window / 5 (from the later of the window's start "
    "and start_date; no holiday calendar)."
)
_RATE_EDGES = (
    f"{_NO_ACTIVITIES} No activity in the window: 0 (a real zero). No working week in role: NaN. "
    "A new starter's rate is over the weeks since their start."
)
_LAG_EDGES = (
    f"{_NO_ACTIVITIES} Activities without logged_date are left out (no known lag); none with one in "
    "the window: NaN. A lag below 0 (logged ahead) counts as 0."
)
_SNAPSHOT = "Stage is as recorded when the pack was exported (a snapshot)."

KPIS: list[Kpi] = [
    Kpi(
        name="activities_per_week",
        label="Activities per working week",
        meaning="Activities logged in the CRM (calls, visits, meetings and others) dated in the period, per "
        "working week in role: weekdays divided by 5, with no holidays taken off, so a quarter is about 13 weeks. "
        "A new starter's rate counts the weeks since they started.",
        if_empty="No data when the pack holds no activities; none in the period is 0.",
        measure=MEASURE,
        unit="number",
        higher_is_better=True,
        formula=f"Activities dated (activity_date) in the window / working weeks. {_WEEKS}",
        sources=("activities.activity_date", "activities.am_id", "account_managers.start_date"),
        compute=_from_table("activities", _rate, "total"),
        windows=ALL_WINDOWS,
        edge_cases=_RATE_EDGES,
        evidence=_per_week("total"),
    ),
    Kpi(
        name="calls_per_week",
        label="Calls per working week",
        meaning="Calls logged in the CRM and dated in the period, per working week in role (weekdays divided by "
        "5; a new starter's weeks count from their start).",
        if_empty="No data when the pack holds no activities; none in the period is 0.",
        measure=MEASURE,
        unit="number",
        higher_is_better=True,
        formula=f"Activities of type call dated in the window / working weeks. {_WEEKS}",
        sources=("activities.type", "activities.activity_date", "activities.am_id", "account_managers.start_date"),
        compute=_from_table("activities", _rate, "call"),
        windows=ALL_WINDOWS,
        edge_cases=_RATE_EDGES,
        evidence=_per_week("call"),
    ),
    Kpi(
        name="visits_per_week",
        label="Face-to-face visits per working week",
        meaning="Face-to-face visits logged in the CRM and dated in the period, per working week in role "
        "(weekdays divided by 5; a new starter's weeks count from their start).",
        if_empty="No data when the pack holds no activities; none in the period is 0.",
        measure=MEASURE,
        unit="number",
        higher_is_better=True,
        formula=f"Activities of type visit dated in the window / working weeks. {_WEEKS}",
        sources=("activities.type", "activities.activity_date", "activities.am_id", "account_managers.start_date"),
        compute=_from_table("activities", _rate, "visit"),
        windows=ALL_WINDOWS,
        edge_cases=_RATE_EDGES,
        evidence=_per_week("visit"),
    ),
    Kpi(
        name="visits_attainment",
        label="Visits vs target",
        meaning="Visits logged in the period as a percentage of the visits target for the period. Meetings are "
        "not visits.",
        if_empty="No target when no visits target above zero was set for the period. No data when the pack holds "
        "no activities.",
        measure=MEASURE,
        unit="fraction",
        shown_as="attainment",
        higher_is_better=True,
        formula="Activities of type visit dated in the window / target(visits) (sum of the window's quarter targets).",
        sources=("activities.type", "activities.activity_date", "activities.am_id", "targets.target"),
        compute=_from_table("activities", _attainment, "visit", "visits"),
        windows=ALL_WINDOWS,
        target_measure="visits",
        edge_cases=f"{_NO_ACTIVITIES} No visits target > 0: NaN (no target). Meetings are not visits.",
    ),
    Kpi(
        name="activities_attainment",
        label="Activities vs target",
        meaning="Activities of every kind logged in the period as a percentage of the activities target for the "
        "period.",
        if_empty="No target when no activities target above zero was set for the period. No data when the pack "
        "holds no activities.",
        measure=MEASURE,
        unit="fraction",
        shown_as="attainment",
        higher_is_better=True,
        formula="Activities of any type dated in the window / target(activities) (sum of the window's quarter "
        "targets).",
        sources=("activities.activity_date", "activities.am_id", "targets.target"),
        compute=_from_table("activities", _attainment, "total", "activities"),
        windows=ALL_WINDOWS,
        target_measure="activities",
        edge_cases=f"{_NO_ACTIVITIES} No activities target > 0: NaN (no target).",
    ),
    Kpi(
        name="logging_lag_days_mean",
        label="Mean logging lag",
        meaning="The average number of calendar days between an activity and the day it was logged in the CRM, "
        "over the period's activities with a logged date (logged ahead counts as 0). The average rather than the "
        "middle value, so that logging weeks late in a batch shows.",
        if_empty="No data when no activity of the period has a logged date, or the pack holds no activities.",
        measure=MEASURE,
        unit="days",
        higher_is_better=False,
        formula="mean(logged_date − activity_date) in calendar days over the activities dated in the window "
        "that have a logged_date.",
        sources=("activities.activity_date", "activities.logged_date", "activities.am_id"),
        compute=_from_table("activities", _logging, "logging_lag_days_mean"),
        windows=ALL_WINDOWS,
        edge_cases=_LAG_EDGES + " The mean (not the median) so that batch-logging weeks late shows even when "
        "most activities are logged at once.",
        evidence=Evidence(
            "mean", _observed("activities", _logged_activities, "lag"), "activities logged", bounds=(0.0, np.inf)
        ),
    ),
    Kpi(
        name="logged_within_2_days_share",
        label="Activities logged within 2 days",
        meaning="The share of the period's activities (those with a logged date) logged in the CRM within two "
        "calendar days.",
        if_empty="No data when no activity of the period has a logged date, or the pack holds no activities.",
        measure=MEASURE,
        unit="fraction",
        higher_is_better=True,
        formula="Share of the activities dated in the window (with a logged_date) whose "
        "logged_date − activity_date ≤ 2 calendar days.",
        sources=("activities.activity_date", "activities.logged_date", "activities.am_id"),
        compute=_from_table("activities", _logging, "logged_within_2_days_share"),
        windows=ALL_WINDOWS,
        edge_cases=_LAG_EDGES,
        evidence=Evidence(
            "share", _observed("activities", _logged_activities, "share"), "activities logged", "within 2 days"
        ),
    ),
    Kpi(
        name="open_opportunities_updated_30d_share",
        label="Open opportunities updated in the last 30 days",
        meaning="Of the opportunities open on the review date, the share updated in the last 30 days (or created "
        "then, when never updated). The stage is the one the CRM export recorded.",
        if_empty="No data when there is no open opportunity on the review date, or the pack holds no opportunities.",
        measure=MEASURE,
        unit="fraction",
        higher_is_better=True,
        formula="Among opportunities open as of the review date (stage prospecting/engaging, created_date ≤ as_of), "
        "the share whose last_updated (else created_date) is within 30 days of as_of: "
        "as_of − last_updated ≤ 30.",
        sources=(
            "opportunities.stage",
            "opportunities.created_date",
            "opportunities.last_updated",
            "opportunities.am_id",
        ),
        compute=_from_table("opportunities", _hygiene, "open_opportunities_updated_30d_share"),
        edge_cases=f"{_NO_OPPORTUNITIES} No open opportunity (with a last_updated or created_date): NaN. "
        f"An update after as_of counts as recent. {_SNAPSHOT}",
        evidence=Evidence("share", _observed("opportunities", _open_deals), "open opportunities", "updated"),
    ),
    Kpi(
        name="overdue_open_opportunities",
        label="Open opportunities past their close date",
        meaning="The number of opportunities still open on the review date whose expected close date has passed: "
        "a pipeline that needs tidying. Deals without a close date are not counted.",
        if_empty="No data when there is no open opportunity on the review date (nothing to keep tidy), or the "
        "pack holds no opportunities.",
        measure=MEASURE,
        unit="count",
        higher_is_better=False,
        formula="Number of opportunities open as of the review date (stage prospecting/engaging, "
        "created_date ≤ as_of) whose close_date < as_of.",
        sources=(
            "opportunities.stage",
            "opportunities.created_date",
            "opportunities.close_date",
            "opportunities.am_id",
        ),
        compute=_from_table("opportunities", _hygiene, "overdue_open_opportunities"),
        edge_cases=f"{_NO_OPPORTUNITIES} No open opportunity as of the review date: NaN (nothing to keep "
        f"tidy is no data, not a perfect 0). An open deal without a close_date is not overdue. "
        f"{_SNAPSHOT}",
    ),
]
