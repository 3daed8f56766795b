"""The sample's ``customer_feedback`` table: NPS and CSAT survey responses from each account
manager's customers, some with a comment that fits the score."""

from __future__ import annotations

import numpy as np
import pandas as pd

from amreview.data.sample._calendar import Calendar
from amreview.data.sample._columns import date_column, text_column
from amreview.data.sample.accounts import AccountBook, AccountPicker, account_ids
from amreview.data.sample.organisation import AM_IDS, random_days_by_month
from amreview.data.sample.personas import Traits

_FEEDBACK_COMMENTS = (
    (
        "Hard to get hold of our account manager.",
        "Back orders were not communicated until we chased.",
        "Pricing was fine but the delivery went wrong and nobody called us.",
    ),
    (
        "Good service overall; delivery dates slipped on the last order.",
        "Fine, though quotes take a while.",
        "Helpful when we call, but we rarely hear from them otherwise.",
    ),
    (
        "Always quick to come back with pricing.",
        "Sorted our laptop refresh brilliantly, on time.",
        "Really understands what our team needs and suggests better options.",
    ),
)


def _responses_of(
    rng: np.random.Generator, t: Traits, cal: Calendar, picker: AccountPicker, am: int
) -> tuple[np.ndarray, ...]:
    """(am, dates, nps, score, comment, silent, account) of one AM's survey responses; ``nps``:
    an NPS response (else CSAT), ``silent``: left no comment."""
    dates = random_days_by_month(rng, cal, am, 2.5, at_least=1)
    n = len(dates)
    nps = rng.random(n) < 0.6
    score = np.where(
        nps,
        np.clip(np.rint(rng.normal(t.nps_mean, 1.6, n)), 0, 10),
        np.clip(np.rint(rng.normal(t.csat_mean, 0.7, n)), 1, 5),
    )
    mood = np.where(nps, np.digitize(score, [7, 9]), np.digitize(score, [4, 5]))
    which = rng.integers(0, 3, n)
    comment = np.array([_FEEDBACK_COMMENTS[m][i] for m, i in zip(mood, which)], dtype=object)
    return (np.full(n, am), dates, nps, score, comment, rng.random(n) < 0.35, picker.pick(rng, am, dates))


def customer_feedback_frame(
    rng: np.random.Generator, traits: list[Traits], cal: Calendar, book: AccountBook, picker: AccountPicker
) -> pd.DataFrame:
    """NPS (0–10) and CSAT (1–5) survey responses from the AM's customers; some with a comment."""
    parts = [_responses_of(rng, t, cal, picker, am) for am, t in enumerate(traits)]
    am, dates, nps, score, comment, silent, account = (np.concatenate(column) for column in zip(*parts))
    order = np.lexsort((score, am, dates))
    return pd.DataFrame(
        {
            "account_id": account_ids(book, account[order]),
            "am_id": text_column(AM_IDS[am[order]]),
            "feedback_date": date_column(dates[order]),
            "kind": text_column(np.where(nps[order], "nps", "csat").astype(object)),
            "score": score[order].astype(float),
            "comment": text_column(comment[order], missing=silent[order]),
        }
    )
