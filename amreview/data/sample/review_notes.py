"""The sample's ``review_notes`` table: the sales manager's written comments on the review
quarter in each persona's voice, and the summary written a quarter earlier. Every note is the
manager's (``author_role`` ``manager``); none was collected from a form, so the rows carry no
provenance columns (``source_file``, ...), which only collected rows have."""

from __future__ import annotations

import numpy as np
import pandas as pd

from amreview.data.sample._calendar import QUARTERS, REVIEW_PERIOD, REVIEW_Q
from amreview.data.sample._columns import text_column
from amreview.data.sample.organisation import MANAGERS, NEW_STARTER, ROSTER

_NOTES = {
    "star": {
        "summary": "{first} had an outstanding quarter: revenue and margin well ahead of target, "
        "with several new logos won. The benchmark for the team.",
        "margin": "Margin attainment is ahead even of revenue attainment: {first} leads with "
        "bespoke solutions and holds price on run-rate business.",
        "new_business": "New accounts came from a well-worked prospect list, and next quarter's "
        "pipeline is the strongest in the team.",
        "development": "Development plan achieved. Ready for a stretch objective on the largest key accounts.",
    },
    "steady": {
        "summary": "Another reliable quarter from {first}: on target for revenue, margin and activity.",
        "margin": "Margin in line with plan; the run-rate base is healthy.",
        "new_business": "New business is on target but comes mostly from inbound enquiries; "
        "I would like to see more outbound prospecting.",
        "development": "Most objectives achieved; agreed to take on one stretch objective next quarter.",
    },
    "margin_misser": {
        "summary": "{first} grew revenue again and is over target, but margin is well under target.",
        "margin": "GM % has fallen for several quarters: too many spot and large-volume deals "
        "priced to win. Every deal under 4 % now needs my sign-off.",
        "new_business": "Good energy on new business; the new accounts need to be moved onto run-rate pricing.",
        "development": "Negotiation skills workshop booked; a pricing review with purchasing agreed as the priority.",
    },
    "crm_neglecter": {
        "summary": "Sales from {first}'s accounts are acceptable, but I cannot see the work behind "
        "them: the CRM shows very little activity.",
        "margin": "Margin close to plan, helped by long-standing accounts.",
        "new_business": "Pipeline is thin and full of opportunities past their close dates; it "
        "needs cleaning before it can be forecast from.",
        "development": "CRM logging and weekly reports are still the gap; we agreed a weekly check-in.",
    },
    "new_starter": {
        "summary": "{first} joined on 13 July and has made a good start: met most inherited "
        "accounts and already won new ones.",
        "margin": "Margin slightly under the pro-rated target while learning the pricing tools.",
        "new_business": "Two new accounts in the first quarter is encouraging.",
        "development": "Induction plan under way; product induction and account plans are the focus.",
    },
    "below_par": {
        "summary": "A below-par quarter for {first}: revenue and margin both short of target.",
        "margin": "Margin is short mainly through lower volume from key accounts, not pricing.",
        "new_business": "Few new accounts; outbound calling needs to double.",
        "development": "Behind on the development plan; agreed a recovery plan with monthly reviews.",
    },
    "average": {
        "summary": "{first} was {verdict} this quarter.",
        "margin": "Margin in line with the team; room to sell more bespoke and vendor programme business.",
        "new_business": "New business on plan; the prospect list could be worked harder.",
        "development": "Development plan mostly on track.",
    },
}
_PREVIOUS_NOTES = {
    "summary": "{first} was {verdict} this quarter ({revenue:.0%} of the revenue target, {margin:.0%} of margin).",
    "development": "Objectives for next quarter agreed at the one-to-one.",
}


def _verdict(revenue: float, margin: float) -> str:
    """The quarter in words, from revenue and margin attainment (1.0 = on target)."""
    if revenue >= 1 and margin >= 1:
        return "on or over target for both revenue and margin"
    if revenue >= 1:
        return "over the revenue target but short on margin"
    if margin >= 1:
        return "short of the revenue target, though margin held up"
    return "short of target on both revenue and margin"


def attainment_by_quarter(actual: dict[str, np.ndarray], money: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """actual / target per AM and quarter, to whole percent (NaN before an AM's start)."""
    ratio = {m: np.divide(actual[m], money[m], out=np.full(money[m].shape, np.nan), where=money[m] > 0) for m in money}
    return {m: np.round(r, 2) for m, r in ratio.items()}


def review_notes_frame(attained: dict[str, np.ndarray]) -> pd.DataFrame:
    """The manager's written comments on the review quarter, in the persona's voice, and the
    summary written a quarter earlier; ``attained`` is actual / target per AM and quarter."""
    rows: list[tuple[str, str, str, str, str]] = []
    for am, (am_id, name, team, _, persona) in enumerate(ROSTER):
        first, author = name.split()[0], MANAGERS[team]
        if am != NEW_STARTER:
            revenue = attained["revenue"][am, REVIEW_Q - 1]
            margin = attained["gross_margin"][am, REVIEW_Q - 1]
            for section, text in _PREVIOUS_NOTES.items():
                rows.append(
                    (
                        am_id,
                        QUARTERS[REVIEW_Q - 1],
                        section,
                        author,
                        text.format(first=first, verdict=_verdict(revenue, margin), revenue=revenue, margin=margin),
                    )
                )
        verdict = _verdict(attained["revenue"][am, REVIEW_Q], attained["gross_margin"][am, REVIEW_Q])
        for section, text in _NOTES[persona].items():
            rows.append((am_id, REVIEW_PERIOD, section, author, text.format(first=first, verdict=verdict)))
    frame = pd.DataFrame(rows, columns=["am_id", "period", "section", "author", "text"])
    return frame.assign(
        **{c: text_column(frame[c]) for c in frame.columns}, author_role=text_column(["manager"] * len(frame))
    )
