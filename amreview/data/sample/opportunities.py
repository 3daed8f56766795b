"""The sample's ``opportunities`` table, the CRM pipeline: deals with existing customers over the
history (won, lost, open or left stale), the won deal behind every new account, deals with
prospects, and the open pipeline for the next quarter.

While the table is made, a set of deals is a dict of parallel arrays (:data:`Deals`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from amreview.data.sample._calendar import END, NEXT_Q, REVIEW_PERIOD, Calendar
from amreview.data.sample._columns import date_column, numbered, text_column
from amreview.data.sample.accounts import AccountBook, AccountPicker, account_ids, prospect_picks
from amreview.data.sample.organisation import ACTIVE_FROM, AM_IDS, random_days_by_month
from amreview.data.sample.personas import Traits
from amreview.vocabulary import OPPORTUNITY_STAGES

SMALL_SAMPLE_STREAM = 1701  # the small-sample cut's generator key (issue 17, A): the main stream is untouched
HANDFUL = 3  # the closed deals the small-sample person keeps in the review quarter (the default minimum is 4)

Deals = dict[str, np.ndarray]  # am, account, stage, created, close, value, margin, new_business, last_updated

_PROSPECTING, _ENGAGING, _WON, _LOST = (OPPORTUNITY_STAGES.index(s) for s in ("prospecting", "engaging", "won", "lost"))


def _opportunity_values(rng: np.random.Generator, n: int, median: float) -> tuple[np.ndarray, np.ndarray]:
    """Value (to the hundred, log-normal about ``median``) and expected margin of ``n`` deals."""
    value = np.round(np.exp(rng.normal(np.log(median), 0.8, n)), -2)
    return value, np.round(value * rng.uniform(0.04, 0.14, n), 2)


def _open_last_updated(
    rng: np.random.Generator, traits: list[Traits], am: np.ndarray, created: np.ndarray
) -> np.ndarray:
    """Diligent AMs touched their open deals in the last weeks; the CRM neglecter months ago."""
    window = np.array([t.pipeline_update_days for t in traits])[am]
    return np.maximum(created, END - (rng.random(len(created)) * window).astype(int))


def _customer_opportunities(
    rng: np.random.Generator, traits: list[Traits], cal: Calendar, am: int, picker: AccountPicker, deal_size: float
) -> Deals:
    """Deals with existing customers over the history: won, lost, open, or left stale."""
    t = traits[am]
    created = random_days_by_month(rng, cal, am, t.opportunities_per_month)
    created = created[created <= END - 5]
    n = len(created)
    close = cal.next_bday(created + rng.integers(14, 120, n))
    due = close <= END
    stale = due & (rng.random(n) < t.stale_share) & (close > END - 365)
    resolved = due & ~stale
    won = resolved & (rng.random(n) < t.win_rate)
    open_stage = np.where(rng.random(n) < 0.55, _ENGAGING, _PROSPECTING)
    stage = np.where(won, _WON, np.where(resolved, _LOST, open_stage))
    stale_touch = np.minimum(created + (rng.random(n) * (close - created) / 2).astype(int), END)
    open_touch = _open_last_updated(rng, traits, np.full(n, am), created)
    last_updated = np.where(resolved, close, np.where(stale, stale_touch, open_touch))
    value, margin = _opportunity_values(rng, n, deal_size / 4)
    return {
        "am": np.full(n, am),
        "account": picker.pick(rng, am, created),
        "stage": stage,
        "created": created,
        "close": close,
        "value": value,
        "margin": margin,
        "new_business": np.zeros(n, dtype=bool),
        "last_updated": last_updated,
    }


def _new_logo_wins(rng: np.random.Generator, cal: Calendar, book: AccountBook) -> Deals:
    """The won deal behind every account that became a customer during the history."""
    account = np.flatnonzero(~book.prospect & (book.first_day > 20))
    am = book.owner[account]
    n = len(account)
    created = np.maximum(cal.next_bday(book.first_day[account] - rng.integers(20, 80, n)), ACTIVE_FROM[am])
    close = np.maximum(cal.previous_bday(book.first_day[account] - rng.integers(0, 6, n)), created)
    value, margin = _opportunity_values(rng, n, 12000)
    return {
        "am": am,
        "account": account,
        "stage": np.full(n, _WON),
        "created": created,
        "close": close,
        "value": value,
        "margin": margin,
        "new_business": np.ones(n, dtype=bool),
        "last_updated": close,
    }


def _prospect_opportunities(rng: np.random.Generator, traits: list[Traits], cal: Calendar, book: AccountBook) -> Deals:
    """New-business deals with prospects that have not bought yet: open, lost, or gone stale."""
    account = np.repeat(np.flatnonzero(book.prospect), 2)
    account = account[rng.random(len(account)) < 0.75]
    am = book.owner[account]
    n = len(account)
    created = cal.random_bdays(rng, book.created_day[account], np.full(n, END - 3))
    close = cal.next_bday(created + rng.integers(30, 120, n))
    due = close <= END
    lost = due & (rng.random(n) < 0.6)
    stage = np.where(lost, _LOST, np.where(rng.random(n) < 0.5, _ENGAGING, _PROSPECTING))
    open_touch = _open_last_updated(rng, traits, am, created)
    last_updated = np.where(lost, close, np.where(due, np.minimum(created + 10, END), open_touch))
    value, margin = _opportunity_values(rng, n, 25000)
    return {
        "am": am,
        "account": account,
        "stage": stage,
        "created": created,
        "close": close,
        "value": value,
        "margin": margin,
        "new_business": np.ones(n, dtype=bool),
        "last_updated": last_updated,
    }


def _next_quarter_pipeline(
    rng: np.random.Generator,
    traits: list[Traits],
    cal: Calendar,
    book: AccountBook,
    am: int,
    picker: AccountPicker,
    deal_size: float,
) -> Deals:
    """Open deals expected to close next quarter, adding up to (at most) the AM's pipeline
    coverage of next quarter's revenue target; a few are new business with prospects."""
    value, margin = _opportunity_values(rng, 200, deal_size)
    n = int(np.searchsorted(np.cumsum(value), traits[am].pipeline_coverage * deal_size * 20, side="right"))
    value, margin = value[:n], margin[:n]
    created = cal.random_bdays(rng, np.full(n, max(END - 120, ACTIVE_FROM[am])), np.full(n, END - 2))
    next_first, next_last = cal.quarter_starts[NEXT_Q], cal.quarter_starts[NEXT_Q + 1] - 1
    close = cal.random_bdays(rng, np.full(n, next_first), np.full(n, next_last))
    stage = np.where(rng.random(n) < 0.6, _ENGAGING, _PROSPECTING)
    prospect = prospect_picks(rng, book, am, created)
    new_business = (prospect >= 0) & (rng.random(n) < 0.2)
    account = np.where(new_business, prospect, picker.pick(rng, am, created))
    last_updated = _open_last_updated(rng, traits, np.full(n, am), created)
    return {
        "am": np.full(n, am),
        "account": account,
        "stage": stage,
        "created": created,
        "close": close,
        "value": value,
        "margin": margin,
        "new_business": new_business,
        "last_updated": last_updated,
    }


def opportunities_frame(
    rng: np.random.Generator,
    traits: list[Traits],
    cal: Calendar,
    book: AccountBook,
    picker: AccountPicker,
    next_quarter_target: np.ndarray,
) -> pd.DataFrame:
    """Every AM's deals; a typical deal is a twentieth of next quarter's revenue target."""
    deal_size = next_quarter_target / 20
    ams = range(len(traits))
    parts = [_customer_opportunities(rng, traits, cal, am, picker, deal_size[am]) for am in ams]
    parts += [_new_logo_wins(rng, cal, book), _prospect_opportunities(rng, traits, cal, book)]
    parts += [_next_quarter_pipeline(rng, traits, cal, book, am, picker, deal_size[am]) for am in ams]
    opp = {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
    order = np.lexsort((opp["value"], opp["am"], opp["created"]))
    opp = {key: values[order] for key, values in opp.items()}
    return pd.DataFrame(
        {
            "opportunity_id": numbered("OPP-", np.arange(1, len(order) + 1), 5),
            "am_id": text_column(AM_IDS[opp["am"]]),
            "account_id": account_ids(book, opp["account"]),
            "stage": text_column(np.array(OPPORTUNITY_STAGES, dtype=object)[opp["stage"]]),
            "created_date": date_column(opp["created"]),
            "close_date": date_column(opp["close"]),
            "value": opp["value"].astype(float),
            "expected_margin": opp["margin"].astype(float),
            "new_business": opp["new_business"].astype(bool),
            "last_updated": date_column(opp["last_updated"]),
        }
    )


def cut_to_a_handful(opportunities: pd.DataFrame, am_id: str | None, rng: np.random.Generator) -> pd.DataFrame:
    """The small-sample person (:attr:`~amreview.data.sample.effects.SampleEffects.small_sample_am`):
    of ``am_id``'s deals closed (won or lost) in the review quarter, only :data:`HANDFUL` deals with
    existing customers are kept, drawn at random by ``rng`` (a generator of its own); their
    outcomes are the ones drawn with the person's ``win_rate``, so that is the true win
    probability their win rate estimates. ``None``: the table unchanged, and nothing drawn."""
    if am_id is None:
        return opportunities
    quarter = pd.Period(REVIEW_PERIOD, "Q")
    closed = (
        (opportunities["am_id"] == am_id)
        & opportunities["stage"].isin(["won", "lost"])
        & opportunities["close_date"].between(quarter.start_time, quarter.end_time.normalize())
    )
    customer = closed & ~opportunities["new_business"]
    keep = rng.choice(np.flatnonzero(customer.to_numpy()), size=min(HANDFUL, int(customer.sum())), replace=False)
    dropped = closed.to_numpy().copy()
    dropped[keep] = False
    return opportunities[~dropped].reset_index(drop=True)
