"""Narrative lines of a review: one short sentence from the numbers, for a person to read.

Pure functions of numbers (and names) to plain text, e.g.
``money_line("Gross margin", 412_300, 400_000, 0.08, "2026Q2")`` →
``"Gross margin 412k, 103 % of target, up 8 % on 2026Q2."``. Missing numbers (NaN) are said in
words ("no target", left out) — never printed as 0. The text is plain: HTML escaping happens
when it is rendered (:mod:`amreview.documents.render`). Number formats come from
:mod:`amreview.formats`, one function per unit (a share ``pct``, an attainment ``attainment_pct``,
a change ``change_pct``), so a figure reads the same in a sentence, a table and a chart label.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from amreview.formats import attainment_pct, change_pct, compact_money, count, format_value, pct, points_size
from amreview.scoring.display import no_rating_sentence

LEVEL_PERCENT = 0.5  # a relative change under half a percent reads "level with"
LEVEL_POINTS = 0.05  # a GM % change under 0.05 points reads "level with"


def missing(value) -> bool:
    """Whether ``value`` is absent: None, NaN or pandas' NA."""
    if value is None:
        return True
    try:
        return bool(math.isnan(value))
    except TypeError:
        return str(value) == "<NA>"


def _plural(n, word: str, plural: str | None = None) -> str:
    return f"{count(n)} {word if n == 1 else (plural or word + 's')}"


def _sentence(*parts: str) -> str:
    text = ", ".join(p for p in parts if p)
    return text[0].upper() + text[1:] + "." if text else ""


# --------------------------------------------------------------------------------------------
# Changes and targets
# --------------------------------------------------------------------------------------------


def change_phrase(change, against: str) -> str:
    """A relative change in words: ``0.08`` → ``"up 8 % on 2026Q2"``; ``−0.031`` → ``"down 3 %
    on 2026Q2"``; under half a percent → ``"level with 2026Q2"``; NaN → ``""``."""
    if missing(change) or not math.isfinite(change):
        return ""
    if abs(change) * 100 < LEVEL_PERCENT:
        return f"level with {against}"
    return f"{'up' if change > 0 else 'down'} {change_pct(change)} on {against}"


def points_phrase(points, against: str) -> str:
    """A change of a percentage in points: ``−0.004`` → ``"down 0.4 points on 2025Q3"``."""
    if missing(points):
        return ""
    if abs(points) * 100 < LEVEL_POINTS:
        return f"level with {against}"
    return f"{'up' if points > 0 else 'down'} {points_size(points)} points on {against}"


def target_phrase(attainment) -> str:
    """``1.03`` → ``"103 % of target"``; NaN → ``"no target"``."""
    return "no target" if missing(attainment) else f"{attainment_pct(attainment)} of target"


def money_line(label: str, actual, target=math.nan, change=math.nan, against: str = "") -> str:
    """``"Gross margin 412k, 103 % of target, up 8 % on 2026Q2."`` — the attainment is
    actual / target where the target is > 0 (else "no target"); the change is relative."""
    attainment = actual / target if not missing(target) and target > 0 and not missing(actual) else math.nan
    return _sentence(f"{label} {compact_money(actual)}", target_phrase(attainment), change_phrase(change, against))


def count_line(label: str, actual, target=math.nan) -> str:
    """``"New accounts won 5, against a target of 3 (167 %)."``; without a target, the count alone."""
    if missing(actual):
        return ""
    if missing(target) or target <= 0:
        return _sentence(f"{label} {count(actual)}", "no target")
    return _sentence(
        f"{label} {count(actual)}", f"against a target of {count(target)} ({attainment_pct(actual / target)})"
    )


# --------------------------------------------------------------------------------------------
# Summary
# --------------------------------------------------------------------------------------------


def overall_line(
    score, rating: str | None, previous_score=math.nan, against: str = "", no_rating_reason: str = ""
) -> str:
    """``"Overall score 3.92 of 5: Exceeds, up from 3.61 in 2026Q2."``; no score → the one
    sentence of :func:`~amreview.scoring.display.no_rating_sentence` (``"No overall score and no
    rating: no measure has data for the quarter."``); no rating for a reason (the scorecard's
    ``no_rating_reason``) → says why, last, after the trend: ``"Overall score 4.64 of 5, up from
    4.19 in 2026Q2: no rating, as …"``."""
    if missing(score):
        return no_rating_sentence(
            {"overall_score": score, "overall_rating": None, "no_rating_reason": no_rating_reason}
        )
    trend = ""
    if not missing(previous_score) and against:
        delta = score - previous_score
        if abs(delta) < 0.005:
            trend = f", the same as in {against}"
        else:
            trend = f", {'up' if delta > 0 else 'down'} from {previous_score:.2f} in {against}"
    if not rating and no_rating_reason:
        return f"Overall score {score:.2f} of 5{trend}: no rating, as {no_rating_reason}."
    return f"Overall score {score:.2f} of 5: {rating or 'no rating'}{trend}."


def not_scored_line(measures: Sequence[str]) -> str:
    """The measures left out of the overall score for lack of data (empty when none)."""
    if not measures:
        return ""
    names = ", ".join(measures)
    return (
        f"Not scored for lack of data: {names}; "
        f"{'its' if len(measures) == 1 else 'their'} weight is spread over the other measures."
    )


def strengths_line(scores: Mapping[str, float]) -> str:
    """``"Strongest: Margin & KPI targets (4.60); weakest: CRM (2.10)."`` over the scored measures."""
    scored = {name: s for name, s in scores.items() if not missing(s)}
    if len(scored) < 2:
        return ""
    best = max(scored, key=scored.__getitem__)
    worst = min(scored, key=scored.__getitem__)
    if scored[best] == scored[worst]:
        return f"Every measure scored {scored[best]:.2f}."
    return f"Strongest: {best} ({scored[best]:.2f}); weakest: {worst} ({scored[worst]:.2f})."


def robustness_line(
    rating: str | None, flips: Sequence[tuple[str, float, str | None]], equal_weights_rating: str | None = None
) -> str:
    """How robust the rating is, from ``flips`` (measure name, points of weight moved: > 0 more,
    < 0 less, the rating it would give; None: no rating), each a move of one measure's weight
    that changes the rating (:func:`amreview.scoring.robustness.rating_flips`):
    ``"Meets, but close: with 5 points more weight on Productive new business it would be
    Exceeds."``; moves giving the same rating are named together (``"with 5 points less weight on
    A or 5 points more weight on B it would be Meets"``). None changes it: ``"The rating holds with
    any one measure's weight 5 points higher or lower."``. ``equal_weights_rating`` other than
    ``rating`` adds ``"With equal weights for every measure it would be Exceeds."``. No rating
    and nothing changes it → ``""``."""
    groups: dict[str | None, list[str]] = {}
    for measure, points, moved in flips:
        groups.setdefault(moved, []).append(
            f"{abs(points):g} points {'more' if points > 0 else 'less'} weight on {measure}"
        )
    said = [
        f"with {_or(phrases)} it would {f'be {moved}' if moved else 'have no rating'}"
        for moved, phrases in groups.items()
    ]
    if said:
        text = f"{rating or 'No rating'}, but close: {'; '.join(said)}."
    elif rating:
        text = "The rating holds with any one measure's weight 5 points higher or lower."
    else:
        return ""
    if equal_weights_rating and equal_weights_rating != rating:
        text += f" With equal weights for every measure it would be {equal_weights_rating}."
    return text


def _or(phrases: Sequence[str]) -> str:
    """``"a"``, ``"a or b"``, ``"a, b or c"``."""
    return phrases[0] if len(phrases) == 1 else f"{', '.join(phrases[:-1])} or {phrases[-1]}"


# --------------------------------------------------------------------------------------------
# Margin & KPI targets
# --------------------------------------------------------------------------------------------


def gm_pct_line(gm_pct, points=math.nan, against: str = "") -> str:
    """``"GM % 7.9 %, down 0.4 points on 2025Q3."``; no revenue → "not meaningful"."""
    if missing(gm_pct):
        return "GM % not meaningful: no revenue in the quarter."
    return _sentence(f"GM % {pct(gm_pct)}", points_phrase(points, against))


def team_benchmark_note(team: str | None, members: int, minimum: int) -> str:
    """What the GM % chart's team line is, or why it is not drawn: ``"Team: the GM % of all
    invoice lines of the 5 account managers of team London (this person included); no one else's
    figure is shown."``; a group under ``minimum`` people shows none."""
    group = f"team {team}" if team else "the organisation"
    if members >= minimum:
        return (
            f"Team: the GM % of all invoice lines of the {count(members)} account managers of {group} (this person "
            "included); no one else's figure is shown."
        )
    return (
        f"No team line: {group} has {count(members)} account manager{'s' if members != 1 else ''} in role, fewer "
        f"than {minimum}; a team figure would show a colleague's."
    )


def programme_line(revenue_share, margin_share) -> str:
    """``"Vendor programme: 14.2 % of revenue and 18.0 % of margin."``"""
    if missing(revenue_share) and missing(margin_share):
        return ""
    parts = []
    if not missing(revenue_share):
        parts.append(f"{pct(revenue_share)} of revenue")
    if not missing(margin_share):
        parts.append(f"{pct(margin_share)} of margin")
    return f"Vendor programme: {' and '.join(parts)}."


def deal_mix_line(labels: Sequence[str], revenue_shares: Sequence[float], margin_shares: Sequence[float]) -> str:
    """The deal type earning the largest share of margin, and its share of revenue."""
    rows = [(label, r, m) for label, r, m in zip(labels, revenue_shares, margin_shares) if not missing(m)]
    if not rows:
        return ""
    label, revenue, margin = max(rows, key=lambda row: row[2])
    on = "" if missing(revenue) else f" on {pct(revenue)} of revenue"
    return f"{label} deals earned the most margin: {pct(margin)} of it{on}."


def projection_line(ytd, annual_target, year_elapsed, projection, projection_attainment) -> str:
    """``"Year to date 1.2m, 74 % of the annual target with 74.8 % of the year gone; on this run
    rate the year ends at 1.65m, 102 % of target."``"""
    if missing(ytd):
        return ""
    first = f"Year to date {compact_money(ytd)}"
    if not missing(annual_target) and annual_target > 0:
        first += f", {attainment_pct(ytd / annual_target)} of the annual target"
        if not missing(year_elapsed):
            first += f" with {pct(year_elapsed)} of the year gone"
    if missing(projection):
        return first + "."
    return (
        f"{first}; on this run rate the year ends at {compact_money(projection)}, "
        f"{target_phrase(projection_attainment)}."
    )


# --------------------------------------------------------------------------------------------
# Account management
# --------------------------------------------------------------------------------------------


def growth_line(accounts_before, growing, declining, new, against: str) -> str:
    """``"Of the 42 accounts sold to in 2025Q3, 25 grew margin and 15 declined; 6 are new."``"""
    if missing(accounts_before) or accounts_before == 0:
        return f"No accounts sold to in {against} to compare with." + (
            f" {_plural(new, 'account')} with sales now." if not missing(new) and new else ""
        )
    text = (
        f"Of the {_plural(accounts_before, 'account')} sold to in {against}, {count(growing)} grew margin "
        f"and {count(declining)} declined"
    )
    if not missing(new) and new:
        text += f"; {count(new)} {'is' if new == 1 else 'are'} new to the comparison"
    return text + "."


def concentration_line(top5_share, t4q_share=math.nan) -> str:
    """``"The top 5 accounts earned 38.4 % of margin (35.1 % over the last four quarters)."``"""
    if missing(top5_share):
        return ""
    extra = "" if missing(t4q_share) else f" ({pct(t4q_share)} over the last four quarters)"
    return f"The top 5 accounts earned {pct(top5_share)} of margin{extra}."


def key_accounts_line(n, margin_share) -> str:
    """``"3 key accounts, 41.0 % of margin."``"""
    if missing(n) or n == 0:
        return "No key accounts."
    share = "" if missing(margin_share) else f", {pct(margin_share)} of margin"
    return f"{_plural(n, 'key account')}{share}."


def back_order_line(open_orders, open_value, past_promised_share, over_60_value=math.nan) -> str:
    """``"12 back orders open worth 45k; 9.3 % of the promised value is past its date."``"""
    if missing(open_orders) or open_orders == 0:
        return "No back orders open at the quarter's end."
    text = f"{_plural(open_orders, 'back order')} open worth {compact_money(open_value)}"
    if not missing(past_promised_share):
        text += f"; {pct(past_promised_share)} of the promised value is past its date"
    if not missing(over_60_value) and over_60_value > 0:
        text += f"; {compact_money(over_60_value)} older than 60 days"
    return text + "."


# --------------------------------------------------------------------------------------------
# New business
# --------------------------------------------------------------------------------------------


def new_accounts_line(won, target, margin) -> str:
    """``"5 new accounts won against a target of 3 (167 %), earning a margin of 24k this quarter."``"""
    if missing(won):
        return ""
    text = f"{_plural(won, 'new account')} won"
    if not missing(target) and target > 0:
        text += f" against a target of {count(target)} ({attainment_pct(won / target)})"
    if won and not missing(margin):
        text += f", earning a margin of {compact_money(margin)} this quarter"
    return text + "."


def win_rate_line(won, lost, win_rate_count, win_rate_value) -> str:
    """``"Won 22 of 37 deals closed (59.5 %), 65.1 % by value."``"""
    if missing(won) or missing(lost) or won + lost == 0:
        return "No deals won or lost in the quarter."
    by_value = "" if missing(win_rate_value) else f", {pct(win_rate_value)} by value"
    return f"Won {count(won)} of {_plural(won + lost, 'deal')} closed ({pct(win_rate_count)}){by_value}."


def coverage_line(pipeline, target, coverage, next_quarter: str) -> str:
    """``"Open pipeline closing in 2026Q4: 2.1m, 3.6× its revenue target."``"""
    if missing(pipeline):
        return ""
    text = f"Open pipeline closing in {next_quarter}: {compact_money(pipeline)}"
    if missing(coverage):
        return text + " (no revenue target for it yet)."
    return text + f", {coverage:.1f}× its revenue target."


def cycle_line(days, deal_size) -> str:
    """``"Won deals averaged 37k after 60 days."``"""
    if missing(days) and missing(deal_size):
        return ""
    if missing(days):
        return f"Won deals averaged {compact_money(deal_size)}."
    if missing(deal_size):
        return f"Won deals took {days:.0f} days on average."
    return f"Won deals averaged {compact_money(deal_size)} after {days:.0f} days."


# --------------------------------------------------------------------------------------------
# Customer relationships
# --------------------------------------------------------------------------------------------


def nps_line(nps, responses, promoters, detractors) -> str:
    """``"NPS +45 from 20 responses (11 promoters, 2 detractors)."``"""
    if missing(responses) or responses == 0:
        return "No NPS responses in the quarter."
    return (
        f"NPS {format_value(nps, 'signed0')} from {_plural(responses, 'response')} "
        f"({count(promoters)} promoter{'s' if promoters != 1 else ''}, "
        f"{count(detractors)} detractor{'s' if detractors != 1 else ''})."
    )


def csat_line(csat, responses) -> str:
    """``"CSAT 4.6 of 5 from 14 responses."``"""
    if missing(responses) or responses == 0:
        return "No CSAT responses in the quarter."
    return f"CSAT {format_value(csat, 'rating')} of 5 from {_plural(responses, 'response')}."


def retention_line(kept, before, rate, since: str) -> str:
    """``"Kept 38 of the 40 accounts held in the four quarters to 2026Q2 (95.0 %)."``"""
    if missing(before) or before == 0:
        return "No accounts held before this quarter, so no retention to measure."
    held = _plural(before, "account")
    return f"Kept {count(kept)} of the {held} held in the four quarters to {since} ({pct(rate)})."


def cases_line(resolved, within_share, open_past_sla) -> str:
    """``"15 cases resolved, 93.3 % within SLA; 1 open case past its SLA."``"""
    if (missing(resolved) or resolved == 0) and (missing(open_past_sla) or open_past_sla == 0):
        return "No customer cases resolved in the quarter and none open past their SLA."
    text = f"{_plural(resolved, 'case')} resolved"
    if not missing(within_share):
        text += f", {pct(within_share)} within SLA"
    if not missing(open_past_sla) and open_past_sla:
        text += f"; {_plural(open_past_sla, 'open case')} past {'its' if open_past_sla == 1 else 'their'} SLA"
    return text + "."


# --------------------------------------------------------------------------------------------
# CRM, reporting
# --------------------------------------------------------------------------------------------


def activity_line(per_week, calls_per_week, visits_per_week, visits_attainment=math.nan) -> str:
    """``"44.20 activities a working week: 19.60 calls and 3.80 visits; visits 139 % of target."``"""
    if missing(per_week):
        return ""
    rates = [format_value(v, "number") for v in (per_week, calls_per_week, visits_per_week)]
    text = f"{rates[0]} activities a working week: {rates[1]} calls and {rates[2]} visits"
    if not missing(visits_attainment):
        text += f"; visits {attainment_pct(visits_attainment)} of target"
    return text + "."


def logging_line(within_2_days_share, mean_lag_days) -> str:
    """``"90.0 % of activities logged within 2 days; 0.6 days on average."``"""
    if missing(within_2_days_share):
        return "No logging dates recorded, so logging lag is not measured."
    return f"{pct(within_2_days_share)} of activities logged within 2 days; {mean_lag_days:.1f} days on average."


def hygiene_line(open_opportunities, stale, overdue) -> str:
    """``"75 open opportunities: 2 past their close date, 4 needing attention."``"""
    if missing(open_opportunities) or open_opportunities == 0:
        return "No open opportunities at the quarter's end."
    return (
        f"{_plural(open_opportunities, 'open opportunity', 'open opportunities')}: {count(overdue)} past "
        f"the close date, {count(stale)} overdue or not updated in 30 days."
    )


def reports_line(due, on_time, late, missing_reports) -> str:
    """``"17 reports due: 16 on time, 1 late, none missing."``"""
    if missing(due) or due == 0:
        return "No reports due in the quarter."
    return (
        f"{_plural(due, 'report')} due: {count(on_time)} on time, {count(late)} late, "
        f"{'none' if not missing_reports else count(missing_reports)} missing."
    )


def forecast_line(label: str, forecast, actual, accuracy, bias) -> str:
    """``"Gross margin forecast 400k against 412k actual: 97.1 % accurate, 3 % under."``"""
    if missing(forecast):
        return f"No {label.lower()} forecast for the quarter."
    text = f"{label} forecast {compact_money(forecast)} against {compact_money(actual)} actual"
    if missing(accuracy):
        return text + " (accuracy not meaningful)."
    direction = ""
    if not (missing(bias) or abs(bias) < 0.005):
        direction = f", {change_pct(bias)} {'over' if bias > 0 else 'under'}"
    return f"{text}: {pct(accuracy)} accurate{direction}."


def completeness_line(share) -> str:
    """``"CRM records 96.0 % complete."``"""
    return "" if missing(share) else f"CRM records {pct(share)} complete."


# --------------------------------------------------------------------------------------------
# Development and competencies
# --------------------------------------------------------------------------------------------


def plan_line(objectives, achieved, completion, carrying, next_quarter: str, overdue=0) -> str:
    """``"3 of 4 objectives achieved; plan 85.0 % complete; 1 overdue (past its due date, still
    open); 1 carries into 2026Q4."``"""
    if missing(objectives) or objectives == 0:
        return "No development objectives for the quarter."
    text = f"{count(achieved)} of {_plural(objectives, 'objective')} achieved; plan {pct(completion)} complete"
    if overdue and not missing(overdue):
        text += f"; {count(overdue)} overdue (past {'its' if overdue == 1 else 'their'} due date, still open)"
    if carrying:
        text += f"; {count(carrying)} {'carries' if carrying == 1 else 'carry'} into {next_quarter}"
    return text + "."


def agreed_objectives_line(agreed: int, objectives: int, review: str) -> str:
    """``"3 of the 4 objectives were agreed in the 2026Q2 review; their progress is below."``"""
    which = (
        f"{count(agreed)} of the {count(objectives)} objectives were"
        if agreed != objectives
        else ("The objective was" if objectives == 1 else f"All {count(objectives)} objectives were")
    )
    return f"{which} agreed in the {review} review; their progress is below."


def competency_line(self_mean, manager_mean, gap) -> str:
    """``"Manager's rating 4.0 of 5, self rating 4.8 (0.8 above the manager's)."``"""
    if missing(self_mean) and missing(manager_mean):
        return "No competency ratings for the quarter."
    if missing(manager_mean):
        return f"Self rating {self_mean:.1f} of 5; the manager has not rated yet."
    if missing(self_mean):
        return f"Manager's rating {manager_mean:.1f} of 5; no self rating."
    if missing(gap) or abs(gap) < 0.05:
        relation = "in line with the manager's"
    else:
        relation = f"{abs(gap):.1f} {'above' if gap > 0 else 'below'} the manager's"
    return f"Manager's rating {manager_mean:.1f} of 5, self rating {self_mean:.1f} ({relation})."


# --------------------------------------------------------------------------------------------
# Where the review stands: status and the agreed rating
# --------------------------------------------------------------------------------------------


def _day(date) -> str:
    return f"{date:%d %b %Y}"


def status_line(
    status: str, meaning: str, manager: str | None = None, manager_signed_on=None, am_signed_on=None
) -> str:
    """``"Status: Signed — by the manager (Grace Hopper) on 12 Oct 2026 and by the account manager on
    14 Oct 2026."``; ``"Status: Draft — figures only: no one's input has been collected for this
    review yet."``; a review signed by one of the two says who has signed."""
    signatures = []
    if manager_signed_on is not None:
        signatures.append(f"by the manager{f' ({manager})' if manager else ''} on {_day(manager_signed_on)}")
    if am_signed_on is not None:
        signatures.append(f"by the account manager on {_day(am_signed_on)}")
    if status == "Signed":
        return f"Status: Signed — {' and '.join(signatures)}."
    text = f"Status: {status} — {meaning}"
    return text + (f"; signed so far {signatures[0]}." if signatures else ".")


def status_mark(status: str, signed_on=None) -> str:
    """The short status every printed page carries: ``"DRAFT — figures only, not reviewed"``,
    ``"In review — not signed"``, ``"Signed 14 Oct 2026"``."""
    if status == "Draft":
        return "DRAFT — figures only, not reviewed"
    if status == "Signed":
        return f"Signed {_day(signed_on)}" if signed_on is not None else "Signed"
    return f"{status} — not signed"


def band_phrase(change) -> str:
    """``1`` → ``"one band above"``; ``−2`` → ``"2 bands below"``; 0 → ``"the same as"``; NaN → ``""``."""
    if missing(change):
        return ""
    if change == 0:
        return "the same as"
    n = abs(int(change))
    return f"{'one band' if n == 1 else f'{n} bands'} {'above' if change > 0 else 'below'}"


def agreed_rating_line(agreed: str | None, computed: str | None, change) -> str:
    """The rating agreed at the review beside the computed one: ``"Rating agreed at the review:
    Exceeds, one band above the computed rating (Meets); the reason is on the sign-off page."``"""
    shown = computed if computed is not None else "no rating"
    if agreed is None:
        return (
            f"No rating agreed yet: the computed rating is {computed}."
            if computed is not None
            else "No rating agreed yet, and none computed from the figures."
        )
    if agreed == computed:
        return f"Rating agreed at the review: {agreed}, as computed from the figures."
    phrase = band_phrase(change)
    relation = f"{phrase} the computed rating ({shown})" if phrase else f"computed: {shown}"
    return f"Rating agreed at the review: {agreed}, {relation}; the reason is on the sign-off page."


# --------------------------------------------------------------------------------------------
# Missing data
# --------------------------------------------------------------------------------------------


def not_in_pack(what: str, table: str) -> str:
    """``"Customer feedback: not in this pack (no customer_feedback table)."``"""
    return f"{what}: not in this pack (no {table} table)."


def no_sales_lines(what: str | None = None) -> str:
    """What a review says where the pack's ``sales`` table is empty: ``"Margin data is not in
    this pack: its sales table holds no invoice lines."``, or of ``what`` needs those lines."""
    if what is None:
        return "Margin data is not in this pack: its sales table holds no invoice lines."
    return f"{what}: not in this pack, whose sales table holds no invoice lines."


def no_attainment(quarter: str) -> str:
    """What the summary says instead of an empty attainment chart: ``"No figure against a
    target in 2026Q3."``"""
    return f"No figure against a target in {quarter}."


def nothing_in_quarter(what: str, quarter: str) -> str:
    """``"No NPS responses in 2026Q3."``"""
    return f"No {what} in {quarter}."
