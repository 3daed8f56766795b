"""The sample's sales organisation: three teams and their managers, fifteen account managers
with their personas and start dates, and the ``account_managers`` table.

An account manager is an index into :data:`ROSTER` everywhere in the generator (``am``);
:data:`AM_IDS` turns it into an id when a table is made.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from amreview.data.sample._calendar import REVIEW_Q, Calendar, day_of
from amreview.data.sample._columns import date_column, text_column

COMPANY = "Northbridge Distribution"
EMAIL_DOMAIN = "northbridge-distribution.co.uk"

LONDON_TEAM, MIDLANDS_TEAM, PUBLIC_TEAM = "London & South East", "Midlands & North", "Public Sector"
MANAGERS = {LONDON_TEAM: "Claire Whitfield", MIDLANDS_TEAM: "Gareth Lloyd", PUBLIC_TEAM: "Priya Raman"}
MONTHLY_TARGET_TEAM = MIDLANDS_TEAM

# am_id, name, team, start_date, persona
ROSTER = (
    ("AM001", "Hannah Price", LONDON_TEAM, "2017-03-06", "star"),
    ("AM002", "James Okafor", LONDON_TEAM, "2015-09-14", "steady"),
    ("AM003", "Daniel Whitmore", MIDLANDS_TEAM, "2019-01-07", "margin_misser"),
    ("AM004", "Kieran O'Brien", PUBLIC_TEAM, "2016-05-16", "crm_neglecter"),
    ("AM005", "Megan Doyle", PUBLIC_TEAM, "2026-07-13", "new_starter"),
    ("AM006", "Rebecca Shaw", LONDON_TEAM, "2020-02-03", "average"),
    ("AM007", "Tom Ashworth", LONDON_TEAM, "2018-10-01", "average"),
    ("AM008", "Aisha Khan", LONDON_TEAM, "2021-06-07", "below_par"),
    ("AM009", "Liam Murphy", MIDLANDS_TEAM, "2014-04-22", "average"),
    ("AM010", "Charlotte Evans", MIDLANDS_TEAM, "2022-09-05", "below_par"),
    ("AM011", "Marcus Bennett", MIDLANDS_TEAM, "2019-07-15", "average"),
    ("AM012", "Emily Clarke", MIDLANDS_TEAM, "2023-01-09", "average"),
    ("AM013", "Raj Patel", PUBLIC_TEAM, "2016-11-28", "average"),
    ("AM014", "Fiona MacLeod", PUBLIC_TEAM, "2020-08-24", "average"),
    ("AM015", "Oliver Grant", PUBLIC_TEAM, "2018-03-12", "average"),
)
PERSONAS: dict[str, str] = {am_id: persona for am_id, _, _, _, persona in ROSTER}

AM_IDS = np.array([row[0] for row in ROSTER], dtype=object)
TEAMS = np.array([row[2] for row in ROSTER], dtype=object)
NEW_STARTER = next(i for i, row in enumerate(ROSTER) if row[4] == "new_starter")
# Teammates who covered the leaver's accounts until the new starter arrived.
LEAVER_COVER = tuple(i for i, row in enumerate(ROSTER) if row[2] == PUBLIC_TEAM and row[4] == "average")
LEAVER_POOL_SIZE = 12

START_DAYS = np.array([day_of(row[3]) for row in ROSTER])
ACTIVE_FROM = np.maximum(START_DAYS, 0)  # first day each AM can appear in the history


def _active_months(cal: Calendar, am: int) -> tuple[np.ndarray, np.ndarray]:
    """First and last day of each history month the AM was in post (from their start)."""
    first = cal.month_starts[: REVIEW_Q * 3 + 3]
    last = cal.month_starts[1 : REVIEW_Q * 3 + 4] - 1
    mine = last >= ACTIVE_FROM[am]
    return np.maximum(first[mine], ACTIVE_FROM[am]), last[mine]


def random_days_by_month(
    rng: np.random.Generator, cal: Calendar, am: int, per_month: float, at_least: int = 0
) -> np.ndarray:
    """Random business days, about ``per_month`` (and at least ``at_least``) a month in post."""
    first, last = _active_months(cal, am)
    count = at_least + rng.poisson(per_month - at_least, len(first))
    return np.sort(cal.random_bdays(rng, np.repeat(first, count), np.repeat(last, count)))


def account_managers_frame() -> pd.DataFrame:
    """The ``account_managers`` table: the roster, with each person's manager and work email."""
    names = [row[1] for row in ROSTER]
    emails = [name.lower().replace("'", "").replace(" ", ".") + "@" + EMAIL_DOMAIN for name in names]
    return pd.DataFrame(
        {
            "am_id": text_column(AM_IDS),
            "name": text_column(names),
            "manager": text_column([MANAGERS[row[2]] for row in ROSTER]),
            "team": text_column(TEAMS),
            "start_date": date_column(START_DAYS),
            "email": text_column(emails),
        }
    )
