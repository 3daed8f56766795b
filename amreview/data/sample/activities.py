"""The sample's ``activities`` table: calls, visits, meetings and emails logged in the CRM, and
when each was logged (the CRM neglecter logs weeks late, in catch-up sessions)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from amreview.data.sample._calendar import END, Calendar
from amreview.data.sample._columns import date_column, numbered, text_column
from amreview.data.sample.accounts import AccountBook, AccountPicker, account_ids, prospect_picks
from amreview.data.sample.organisation import ACTIVE_FROM, AM_IDS
from amreview.data.sample.personas import Traits
from amreview.vocabulary import ACTIVITY_TYPES


def _activity_mix(t: Traits) -> np.ndarray:
    """Shares of call, visit, meeting, email, other (ACTIVITY_TYPES order)."""
    share = {"call": 0.45, "visit": t.visit_share, "meeting": 0.1, "other": 0.05}
    share["email"] = 1 - sum(share.values())
    return np.array([share[kind] for kind in ACTIVITY_TYPES])


def _logged_days(rng: np.random.Generator, t: Traits, cal: Calendar, am: int, day: np.ndarray) -> np.ndarray:
    """When each activity reached the CRM: the same or next day for most AMs; the neglecter
    logs a few from the phone and the rest in a catch-up session every few weeks. Days after
    HISTORY_END mean "not logged by the export"."""
    if not t.logging_batch_days:
        lag = rng.choice([0, 1, 2, 3, 5], size=len(day), p=[0.72, 0.2, 0.04, 0.02, 0.02])
        return cal.next_bday(day + lag)
    every = t.logging_batch_days
    catch_ups = cal.bdays_between(ACTIVE_FROM[am], END)[rng.integers(every) :: every]
    batch = np.searchsorted(catch_ups, day)
    batched = np.where(batch < len(catch_ups), catch_ups[np.minimum(batch, len(catch_ups) - 1)], END + 1)
    return np.where(rng.random(len(day)) < 0.05, day, batched)


def _activities_of(
    rng: np.random.Generator, t: Traits, cal: Calendar, book: AccountBook, picker: AccountPicker, am: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(am, day, kind, logged, account) of one AM's activities logged by the export; account -1:
    internal or unassigned."""
    days = cal.bdays_between(ACTIVE_FROM[am], END)
    day = np.repeat(days, rng.poisson(t.activities_per_week / 5, len(days)))
    kind = rng.choice(len(ACTIVITY_TYPES), size=len(day), p=_activity_mix(t))
    logged = _logged_days(rng, t, cal, am, day)
    account = picker.pick(rng, am, day)
    prospecting = rng.random(len(day))
    account = np.where(prospecting < 0.06, prospect_picks(rng, book, am, day), account)
    account[(prospecting >= 0.06) & (prospecting < 0.13)] = -1  # internal or unassigned
    logged_by_export = logged <= END  # the rest were still unlogged when the pack was exported
    return (
        np.full(logged_by_export.sum(), am),
        day[logged_by_export],
        kind[logged_by_export],
        logged[logged_by_export],
        account[logged_by_export],
    )


def activities_frame(
    rng: np.random.Generator, traits: list[Traits], cal: Calendar, book: AccountBook, picker: AccountPicker
) -> pd.DataFrame:
    """Every AM's activities, in date order."""
    parts = [_activities_of(rng, t, cal, book, picker, am) for am, t in enumerate(traits)]
    am, day, kind, logged, account = (np.concatenate(column) for column in zip(*parts))
    order = np.lexsort((kind, am, day))
    return pd.DataFrame(
        {
            "activity_id": numbered("ACT-", np.arange(1, len(order) + 1), 6),
            "am_id": text_column(AM_IDS[am[order]]),
            "account_id": account_ids(book, account[order]),
            "type": text_column(np.array(ACTIVITY_TYPES, dtype=object)[kind[order]]),
            "activity_date": date_column(day[order]),
            "logged_date": date_column(logged[order]),
        }
    )
