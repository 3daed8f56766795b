"""Customer relationships: NPS and CSAT, account retention, and ownership of customer problems
(issue 3, measure ``customer_relationships``).

* **NPS** is on the conventional −100..100 scale: ``NPS = 100 × (promoters − detractors) /
  responses`` over the ``nps`` responses of ``customer_feedback`` (promoter: score ≥ 9; passive:
  6 < score < 9; detractor: score ≤ 6). The breakdown table gives the shares as fractions.
* **CSAT** is the mean 1–5 score of the ``csat`` responses.
* **Retention** uses the contract's *active* (a revenue > 0 line): of the accounts the AM had
  active in the four quarters before the review quarter, the share active with the AM in the
  review quarter. Accounts are paired with the AM by the ``am_id`` on the lines, so an account
  handed to a colleague counts as not retained.
* **Cases**: a case is *open* on a day when it had been opened by then and was not resolved by
  then (``resolved_date`` empty or later). Resolution days = ``resolved_date − opened_date`` in
  calendar days (a resolution dated before opening counts as 0). A case meets its SLA when it was
  resolved within ``sla_days``; an open case is past its SLA when it has been open for more than
  ``sla_days``. Cases without ``sla_days`` have no SLA to meet: they are left out of the SLA
  share and of the past-SLA count, but count in the resolution days.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from amreview.data.sales_summary import sale_lines, sale_revenue
from amreview.metrics._frames import between as _between
from amreview.metrics._frames import from_table as _from_table
from amreview.metrics._frames import group_keys as _keys
from amreview.metrics._frames import observations as _observations
from amreview.metrics._frames import observations_from_table as _observed
from amreview.metrics._frames import ratio as _ratio
from amreview.metrics.registry import WINDOWS, Evidence, Kpi, KpiContext

MEASURE = "customer_relationships"
PROMOTER_MIN = 9  # NPS scores 9–10 are promoters
DETRACTOR_MAX = 6  # NPS scores 0–6 are detractors (7–8 passives)
SATISFIED_MIN = 4  # CSAT scores 4–5 count as satisfied
SLA_STATUSES = (
    "resolved_within_sla",
    "resolved_past_sla",
    "resolved_no_sla",
    "open_within_sla",
    "open_past_sla",
    "open_no_sla",
)
NO_SEVERITY = "unspecified"


# --------------------------------------------------------------------------------------------
# Customer feedback: NPS and CSAT
# --------------------------------------------------------------------------------------------


def feedback_between(feedback: pd.DataFrame, start, end) -> pd.DataFrame:
    """The ``customer_feedback`` responses dated (``feedback_date``) in [start, end]."""
    return feedback[_between(feedback["feedback_date"], start, end)]


def nps_score(promoters, detractors, responses):
    """NPS = 100 × (promoters − detractors) / responses, on −100..100; NaN where responses = 0.

    Scalars or aligned Series.
    """
    if np.isscalar(responses):
        return 100.0 * (promoters - detractors) / responses if responses else np.nan
    return 100.0 * _ratio(pd.Series(promoters, dtype="float64") - pd.Series(detractors, dtype="float64"), responses)


def nps_breakdown(feedback: pd.DataFrame, by="am_id") -> pd.DataFrame:
    """Promoters, passives and detractors of the ``nps`` responses in ``feedback``, per ``by``.

    Columns ``responses``, ``promoters`` (score ≥ 9), ``passives`` (6 < score < 9),
    ``detractors`` (score ≤ 6), their shares ``promoter_share``, ``passive_share``,
    ``detractor_share`` (fractions of responses) and ``nps`` = 100 × (promoter_share −
    detractor_share). CSAT rows are ignored. One row per group with an NPS response.
    """
    nps = feedback[feedback["kind"] == "nps"]
    score = nps["score"].astype("float64")
    frame = pd.DataFrame(
        {
            "responses": np.ones(len(nps), dtype="int64"),
            "promoters": (score >= PROMOTER_MIN).astype("int64").to_numpy(),
            "passives": ((score > DETRACTOR_MAX) & (score < PROMOTER_MIN)).astype("int64").to_numpy(),
            "detractors": (score <= DETRACTOR_MAX).astype("int64").to_numpy(),
        }
    )
    table = frame.groupby([nps[k].to_numpy() for k in _keys(by)], sort=True).sum()
    table.index.names = _keys(by)
    for group in ("promoter", "passive", "detractor"):
        table[f"{group}_share"] = _ratio(table[f"{group}s"], table["responses"]).to_numpy()
    table["nps"] = nps_score(table["promoters"], table["detractors"], table["responses"]).to_numpy()
    return table


def csat_summary(feedback: pd.DataFrame, by="am_id") -> pd.DataFrame:
    """CSAT of the ``csat`` responses in ``feedback``, per ``by``: ``responses``, ``csat`` = mean
    score (1–5) and ``satisfied_share`` = share of scores ≥ 4. NPS rows are ignored. One row per
    group with a CSAT response."""
    csat = feedback[feedback["kind"] == "csat"]
    score = csat["score"].astype("float64")
    grouped = score.groupby([csat[k] for k in _keys(by)], sort=True)
    table = pd.DataFrame({"responses": grouped.size().astype("int64"), "csat": grouped.mean()})
    table["satisfied_share"] = _ratio(
        (score >= SATISFIED_MIN).groupby([csat[k] for k in _keys(by)]).sum(), table["responses"]
    ).to_numpy()
    return table


# --------------------------------------------------------------------------------------------
# Retention
# --------------------------------------------------------------------------------------------


def _active_pairs(lines: pd.DataFrame) -> pd.DataFrame:
    return lines.loc[sale_lines(lines) > 0, ["am_id", "account_id"]].drop_duplicates()


def principal_accounts(lines: pd.DataFrame) -> pd.DataFrame:
    """Each account with a revenue > 0 line, paired with its principal AM: the ``am_id`` with the
    largest Σ revenue of its positive lines (ties: the smaller am_id)."""
    positive = lines.loc[sale_lines(lines) > 0, ["account_id", "am_id"]].assign(revenue=sale_revenue(lines))
    totals = positive.groupby(["account_id", "am_id"], sort=False)["revenue"].sum().reset_index()
    totals = totals.sort_values(["account_id", "revenue", "am_id"], ascending=[True, False, True], kind="mergesort")
    return totals.drop_duplicates("account_id")[["am_id", "account_id"]]


def retention_by_account(
    previous_lines: pd.DataFrame, current_lines: pd.DataFrame, principal_only: bool = False
) -> pd.DataFrame:
    """Every (``am_id``, ``account_id``) active in ``previous_lines`` (a revenue > 0 line), with
    ``retained`` = the same AM has a revenue > 0 line to the account in ``current_lines``.
    Sorted by ``am_id`` and ``account_id``; accounts active only now are not listed.

    ``principal_only`` keeps, for each account, only its principal AM in ``previous_lines`` (the
    largest Σ revenue > 0; ties: the smaller am_id), so a colleague's one-off cover line does not
    put the account in the colleague's base. Off by default here (every AM the account was active
    with); the ``retention_rate`` KPI turns it on.
    """
    before = principal_accounts(previous_lines) if principal_only else _active_pairs(previous_lines)
    now = _active_pairs(current_lines).assign(retained=True)
    table = before.merge(now, on=["am_id", "account_id"], how="left")
    table["retained"] = table["retained"].notna()
    return table.sort_values(["am_id", "account_id"], kind="mergesort").reset_index(drop=True)


def retention(previous_lines: pd.DataFrame, current_lines: pd.DataFrame, principal_only: bool = False) -> pd.DataFrame:
    """Account retention per ``am_id``: ``accounts_before`` (active with the AM in
    ``previous_lines``), ``accounts_retained`` (of those, active with the AM in ``current_lines``)
    and ``retention_rate = accounts_retained / accounts_before`` (``principal_only``: see
    :func:`retention_by_account`).

    Only AMs with accounts before appear: an AM without any (a new starter) has no retention to
    measure (NaN once reindexed), not 0 %.
    """
    return retention_of(retention_by_account(previous_lines, current_lines, principal_only))


def retention_of(by_account: pd.DataFrame) -> pd.DataFrame:
    """:func:`retention` from its accounts (:func:`retention_by_account`): per ``am_id``,
    ``accounts_before`` (rows), ``accounts_retained`` (of them, ``retained``) and
    ``retention_rate = accounts_retained / accounts_before``."""
    table = by_account.groupby("am_id")["retained"].agg(["size", "sum"])
    table = table.rename(columns={"size": "accounts_before", "sum": "accounts_retained"}).astype("int64")
    table["retention_rate"] = _ratio(table["accounts_retained"], table["accounts_before"]).to_numpy()
    return table


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------


def case_outcomes(cases: pd.DataFrame, as_of, start=None) -> pd.DataFrame:
    """The cases opened by ``as_of`` (and, when ``start`` is given, not resolved before it: the
    cases handled in [start, as_of]), with their state on ``as_of``:

    * ``is_open`` — not resolved by ``as_of`` (``resolved_date`` empty or later);
    * ``resolution_days`` — resolved_date − opened_date in days (≥ 0), NaN if open;
    * ``age_days`` — as_of − opened_date in days, NaN if resolved;
    * ``sla_status`` — one of :data:`SLA_STATUSES`: resolved within / past its ``sla_days``
      (``resolution_days ≤ sla_days`` is within), open within / past it (``age_days > sla_days``
      is past), or ``*_no_sla`` where ``sla_days`` is empty.
    """
    as_of = pd.Timestamp(as_of)
    known = cases[cases["opened_date"] <= as_of]
    if start is not None:
        known = known[~(known["resolved_date"] < pd.Timestamp(start))]
    resolved = known["resolved_date"].notna() & (known["resolved_date"] <= as_of)
    resolution_days = (known["resolved_date"] - known["opened_date"]).dt.days.clip(lower=0).where(resolved)
    age_days = (as_of - known["opened_date"]).dt.days.astype("float64").where(~resolved)
    sla = known["sla_days"].astype("float64")
    late = resolution_days.fillna(age_days) > sla
    status = np.select(
        [sla.isna() & resolved, sla.isna(), resolved & ~late, resolved, ~late],
        ["resolved_no_sla", "open_no_sla", "resolved_within_sla", "resolved_past_sla", "open_within_sla"],
        default="open_past_sla",
    )
    return known.assign(
        is_open=~resolved,
        resolution_days=resolution_days.astype("float64"),
        age_days=age_days,
        sla_status=pd.Series(status, index=known.index, dtype=object),
    )


def cases_by_severity(outcomes: pd.DataFrame, by=None) -> pd.DataFrame:
    """Counts of ``outcomes`` (see :func:`case_outcomes`) by ``severity`` (empty: ``unspecified``)
    and SLA status: one column per :data:`SLA_STATUSES` (zeros included) and ``cases``, the total.
    Rows: each severity present (under each group of ``by`` when given), sorted."""
    keys = ([] if by is None else _keys(by)) + ["severity"]
    severity = outcomes["severity"].astype(object).where(outcomes["severity"].notna(), NO_SEVERITY)
    status = pd.Categorical(outcomes["sla_status"], categories=list(SLA_STATUSES))
    groupers = [outcomes[k].to_numpy() for k in keys[:-1]] + [severity.to_numpy()]
    table = (
        pd.Series(1, index=outcomes.index, dtype="int64")
        .groupby(groupers + [status], observed=False, sort=True)
        .sum()
        .unstack(-1, fill_value=0)
    )
    table = table.reindex(columns=list(SLA_STATUSES), fill_value=0).astype("int64")
    table.columns = pd.Index(list(SLA_STATUSES))
    table.index.names = keys
    table["cases"] = table.sum(axis=1)
    return table


def case_sla_summary(cases: pd.DataFrame, start, end, as_of, by="am_id") -> pd.DataFrame:
    """Ownership of customer problems per ``by``:

    * ``resolved`` — cases resolved (``resolved_date``) in [start, end] (and by ``as_of``);
    * ``resolved_with_sla`` — of those, with ``sla_days`` given;
    * ``resolved_within_sla`` — of those, with resolution_days ≤ sla_days;
    * ``cases_within_sla_share = resolved_within_sla / resolved_with_sla`` (NaN where 0);
    * ``case_resolution_days_median`` — median resolution days of the resolved cases, with or
      without an SLA (NaN where none);
    * ``open_cases`` and ``open_cases_past_sla`` — open on ``as_of``, and of those open longer
      than their ``sla_days``.

    One row per group with a case resolved in the window or open on ``as_of``.
    """
    return sla_summary_of(case_outcomes(cases, as_of), start, end, by)


def sla_summary_of(outcomes: pd.DataFrame, start, end, by="am_id") -> pd.DataFrame:
    """:func:`case_sla_summary` of the cases whose state :func:`case_outcomes` has given."""
    keys = _keys(by)
    resolved = outcomes[~outcomes["is_open"] & _between(outcomes["resolved_date"], start, end)]
    still_open = outcomes[outcomes["is_open"]]
    status = resolved["sla_status"]
    grouped = (
        resolved[[*keys, "resolution_days"]]
        .assign(
            with_sla=(status != "resolved_no_sla").astype("int64"),
            within=(status == "resolved_within_sla").astype("int64"),
        )
        .groupby(keys)
    )
    table = pd.DataFrame(
        {
            "resolved": grouped.size(),
            "resolved_with_sla": grouped["with_sla"].sum(),
            "resolved_within_sla": grouped["within"].sum(),
            "case_resolution_days_median": grouped["resolution_days"].median(),
        }
    )
    past = still_open[keys].assign(past=(still_open["sla_status"] == "open_past_sla").astype("int64")).groupby(keys)
    open_counts = pd.DataFrame({"open_cases": past.size(), "open_cases_past_sla": past["past"].sum()})
    table = table.join(open_counts, how="outer").sort_index()
    count = {
        c: table[c].fillna(0).to_numpy(dtype="int64")
        for c in ("resolved", "resolved_with_sla", "resolved_within_sla", "open_cases", "open_cases_past_sla")
    }
    with_sla = count["resolved_with_sla"]
    return pd.DataFrame(
        {
            "resolved": count["resolved"],
            "resolved_with_sla": with_sla,
            "resolved_within_sla": count["resolved_within_sla"],
            "cases_within_sla_share": _ratio(count["resolved_within_sla"], with_sla).to_numpy(),
            "case_resolution_days_median": table["case_resolution_days_median"],
            "open_cases": count["open_cases"],
            "open_cases_past_sla": count["open_cases_past_sla"],
        },
        index=table.index,
    )


# --------------------------------------------------------------------------------------------
# KPIs
# --------------------------------------------------------------------------------------------


def _nps(ctx: KpiContext, feedback: pd.DataFrame) -> pd.Series:
    return nps_breakdown(feedback_between(feedback, ctx.start, ctx.end))["nps"]


def _csat(ctx: KpiContext, feedback: pd.DataFrame) -> pd.Series:
    return csat_summary(feedback_between(feedback, ctx.start, ctx.end))["csat"]


def retention_windows(ctx: KpiContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sales lines retention compares: those of the four quarters before the context's
    quarter, and those of the quarter."""
    return ctx.lines_between(ctx.quarter.shift(-4).start, ctx.quarter.shift(-1).end), ctx.lines_in(ctx.quarter)


def accounts_retained(ctx: KpiContext) -> pd.DataFrame:
    """:func:`retention_by_account` of :func:`retention_windows`, principal AM only, once per
    context: what the retention KPI and its evidence rest on."""
    return ctx.memo(
        ("accounts_retained", ctx.quarter),
        lambda: retention_by_account(*retention_windows(ctx), principal_only=True),
    )


def _retention_rate(ctx: KpiContext) -> pd.Series:
    return retention_of(accounts_retained(ctx))["retention_rate"]


def _outcomes(ctx: KpiContext, cases: pd.DataFrame) -> pd.DataFrame:
    """:func:`case_outcomes` on the review day, once per context (every window reads it)."""
    return ctx.memo(("case_outcomes", ctx.as_of), lambda: case_outcomes(cases, ctx.as_of))


def _case_column(ctx: KpiContext, cases: pd.DataFrame, column: str, fill=np.nan) -> pd.Series:
    summary = ctx.memo(
        ("case_sla_summary", ctx.window), lambda: sla_summary_of(_outcomes(ctx, cases), ctx.start, ctx.end)
    )
    return ctx.per_am(summary[column], fill=fill)


def _responses(ctx: KpiContext, feedback: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The responses an NPS or CSAT rests on: each NPS response as +100 (promoter), 0 (passive)
    or −100 (detractor), whose mean is :func:`nps_score`; each CSAT response's score (1–5)."""
    rows = feedback_between(feedback, ctx.start, ctx.end)
    rows = rows[rows["kind"] == kind]
    score = rows["score"].astype("float64")
    if kind == "nps":
        score = 100.0 * (score >= PROMOTER_MIN) - 100.0 * (score <= DETRACTOR_MAX)
    return _observations(rows["am_id"], score)


def _accounts_before(ctx: KpiContext) -> pd.DataFrame:
    """The accounts retention rests on (:func:`retention_by_account`, principal AM only): 1 if
    retained, 0 if not."""
    table = accounts_retained(ctx)
    return _observations(table["am_id"], table["retained"])


def _resolved_cases(ctx: KpiContext, cases: pd.DataFrame) -> pd.DataFrame:
    """The cases the share within SLA rests on (:func:`case_sla_summary`'s): resolved in the
    window with an SLA, 1 if within it."""
    outcomes = _outcomes(ctx, cases)
    resolved = outcomes[~outcomes["is_open"] & _between(outcomes["resolved_date"], ctx.start, ctx.end)]
    resolved = resolved[resolved["sla_status"] != "resolved_no_sla"]
    return _observations(resolved["am_id"], resolved["sla_status"] == "resolved_within_sla")


ALL_WINDOWS = tuple(WINDOWS)  # quarter, year to date, trailing four quarters
_NO_FEEDBACK = "No customer_feedback table: no data for everyone."
_NO_CASES = "No cases table: no data for everyone."

KPIS: list[Kpi] = [
    Kpi(
        name="nps",
        label="Net Promoter Score",
        meaning="Net Promoter Score of the customers' survey answers in the period, from −100 to 100: the "
        "percentage of promoters (scores 9 and 10) minus the percentage of detractors (scores 0 to 6). There is "
        "no minimum number of answers: a single answer gives −100, 0 or 100 (the section shows how many there "
        "were).",
        if_empty="No data when no customer answered the survey in the period, or the pack holds no customer feedback.",
        measure=MEASURE,
        unit="number",
        shown_as="signed0",
        higher_is_better=True,
        formula="100 × (promoters − detractors) / responses over the nps responses dated in the window; "
        "promoter: score 9–10, detractor: 0–6 (passives 7–8 count only in responses). Scale −100..100.",
        sources=(
            "customer_feedback.kind",
            "customer_feedback.score",
            "customer_feedback.feedback_date",
            "customer_feedback.am_id",
        ),
        compute=_from_table("customer_feedback", _nps),
        windows=ALL_WINDOWS,
        edge_cases=f"{_NO_FEEDBACK} No nps response in the window: NaN. No minimum number of responses: "
        "a single response gives −100, 0 or 100 (the breakdown shows how many there were).",
        evidence=Evidence(
            "mean", _observed("customer_feedback", _responses, "nps"), "NPS responses", bounds=(-100.0, 100.0)
        ),
    ),
    Kpi(
        name="csat",
        label="Customer satisfaction (CSAT)",
        meaning="The average customer satisfaction score (1 to 5) of the satisfaction answers in the period.",
        if_empty="No data when no customer gave a satisfaction score in the period, or the pack holds no customer "
        "feedback.",
        measure=MEASURE,
        unit="rating",
        higher_is_better=True,
        formula="mean(score) of the csat responses (1–5) dated in the window.",
        sources=(
            "customer_feedback.kind",
            "customer_feedback.score",
            "customer_feedback.feedback_date",
            "customer_feedback.am_id",
        ),
        compute=_from_table("customer_feedback", _csat),
        windows=ALL_WINDOWS,
        edge_cases=f"{_NO_FEEDBACK} No csat response in the window: NaN.",
        evidence=Evidence(
            "mean", _observed("customer_feedback", _responses, "csat"), "CSAT responses", bounds=(1.0, 5.0)
        ),
    ),
    Kpi(
        name="retention_rate",
        label="Account retention",
        meaning="Of the accounts the account manager looked after in the four quarters before this one (they "
        "bought, and this account manager sold them the most), the share that bought from them again this "
        "quarter. An account handed to a colleague counts as lost; a return alone does not keep an account.",
        if_empty="No data when the account manager looked after no account in the four quarters before (for "
        "example a new starter). No data when the pack holds no invoice lines.",
        measure=MEASURE,
        unit="fraction",
        higher_is_better=True,
        formula="Of the accounts the AM was principal for in the four quarters before the review quarter "
        "(active with a revenue > 0 line, and the AM with the largest Σ revenue on the account then; "
        "ties: the smaller am_id), the share active with the AM in the review quarter.",
        sources=("sales.am_id", "sales.account_id", "sales.invoice_date", "sales.revenue"),
        compute=_retention_rate,
        edge_cases="No account active with the AM in the four quarters before (a new starter): NaN, not 0 %. "
        "Accounts are matched by the am_id on the lines, so an account handed to a colleague "
        "counts as lost; a return alone does not keep an account. Only the principal AM's "
        "accounts count: a colleague's one-off cover line would otherwise put the account in the "
        "colleague's base and make their retention look poor (on the sample, ~0.5 for everyone).",
        evidence=Evidence("share", _accounts_before, "accounts of the four quarters before", "kept"),
    ),
    Kpi(
        name="cases_within_sla_share",
        label="Cases resolved within SLA",
        meaning="Of the customer cases resolved in the period that have a service-level deadline (SLA), the share "
        "resolved within it, in calendar days.",
        if_empty="No data when no case with a deadline was resolved in the period, or the pack holds no cases.",
        measure=MEASURE,
        unit="fraction",
        higher_is_better=True,
        formula="Among the cases resolved (resolved_date) in the window that have sla_days, the share with "
        "resolved_date − opened_date ≤ sla_days (calendar days).",
        sources=("cases.opened_date", "cases.resolved_date", "cases.sla_days", "cases.am_id"),
        compute=_from_table("cases", _case_column, "cases_within_sla_share"),
        windows=ALL_WINDOWS,
        edge_cases=f"{_NO_CASES} No case with an SLA resolved in the window: NaN. Cases without sla_days are "
        "left out (no SLA to meet).",
        evidence=Evidence("share", _observed("cases", _resolved_cases), "cases resolved with an SLA", "within SLA"),
    ),
    Kpi(
        name="case_resolution_days_median",
        label="Median days to resolve a case",
        meaning="The middle value of the calendar days taken to resolve the customer cases resolved in the "
        "period: half took longer, half less.",
        if_empty="No data when no case was resolved in the period, or the pack holds no cases.",
        measure=MEASURE,
        unit="days",
        higher_is_better=False,
        formula="median(resolved_date − opened_date) in calendar days of the cases resolved in the window.",
        sources=("cases.opened_date", "cases.resolved_date", "cases.am_id"),
        compute=_from_table("cases", _case_column, "case_resolution_days_median"),
        windows=ALL_WINDOWS,
        edge_cases=f"{_NO_CASES} No case resolved in the window: NaN. Cases without sla_days count here. "
        "A resolution dated before opening counts as 0 days.",
    ),
    Kpi(
        name="open_cases_past_sla",
        label="Open cases past SLA",
        meaning="The number of customer cases still open on the review date that have been open longer than their "
        "service-level deadline (cases without a deadline are not counted).",
        if_empty="No data when the pack holds no cases; none is 0.",
        measure=MEASURE,
        unit="count",
        higher_is_better=False,
        formula="Cases open as of the review date (opened_date ≤ as_of, resolved_date empty or later) that have "
        "been open longer than their sla_days: as_of − opened_date > sla_days.",
        sources=("cases.opened_date", "cases.resolved_date", "cases.sla_days", "cases.am_id"),
        compute=_from_table("cases", _case_column, "open_cases_past_sla", 0.0),
        edge_cases=f"{_NO_CASES} No such case: 0 (a real zero once the pack has cases). Open cases without "
        "sla_days are not counted.",
    ),
]
