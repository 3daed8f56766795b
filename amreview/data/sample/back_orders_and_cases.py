"""The sample's ``back_orders`` (order lines waiting on vendor stock) and ``cases`` (customer
problems the account manager owns, each with its severity's SLA) tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from amreview.data.sample._calendar import END, Calendar
from amreview.data.sample._columns import date_column, numbered, text_column
from amreview.data.sample.accounts import AccountBook, AccountPicker, account_ids
from amreview.data.sample.organisation import AM_IDS, random_days_by_month
from amreview.data.sample.personas import Traits


def _back_orders_of(
    rng: np.random.Generator, t: Traits, cal: Calendar, picker: AccountPicker, am: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(am, ordered, promised, fulfilled, value, account) of one AM's back orders."""
    ordered = random_days_by_month(rng, cal, am, 7)
    n = len(ordered)
    promised = cal.next_bday(ordered + rng.integers(5, 30, n))
    slip = np.where(rng.random(n) < t.back_order_late, rng.integers(1, 35, n), -rng.integers(0, 5, n))
    fulfilled = cal.next_bday(np.maximum(ordered + 1, promised + slip))
    value = np.round(np.exp(rng.normal(np.log(2500), 1.0, n)), 2)
    return np.full(n, am), ordered, promised, fulfilled, value, picker.pick(rng, am, ordered)


def back_orders_frame(
    rng: np.random.Generator, traits: list[Traits], cal: Calendar, book: AccountBook, picker: AccountPicker
) -> pd.DataFrame:
    """Order lines waiting on vendor stock; the unfulfilled ones were still open at export."""
    parts = [_back_orders_of(rng, t, cal, picker, am) for am, t in enumerate(traits)]
    am, ordered, promised, fulfilled, value, account = (np.concatenate(column) for column in zip(*parts))
    order = np.lexsort((value, am, ordered))
    return pd.DataFrame(
        {
            "order_line_id": numbered("SO-", 45001 + np.arange(len(order)), 7) + "-01",
            "am_id": text_column(AM_IDS[am[order]]),
            "account_id": account_ids(book, account[order]),
            "order_date": date_column(ordered[order]),
            "promised_date": date_column(promised[order]),
            "fulfilled_date": date_column(fulfilled[order], missing=fulfilled[order] > END),
            "value": value[order].astype(float),
        }
    )


_SEVERITIES = ("low", "medium", "high", "critical")
SLA_DAYS = {"low": 10.0, "medium": 5.0, "high": 2.0, "critical": 1.0}
STUCK_SHARE = 0.5  # of a person's late cases, those left open for weeks (8× the usual lateness)
_SLA_BY_SEVERITY = np.array([SLA_DAYS[s] for s in _SEVERITIES])


def _cases_of(
    rng: np.random.Generator, t: Traits, cal: Calendar, picker: AccountPicker, am: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(am, opened, resolved, severity, account) of one AM's cases; resolved after the history's
    end means still open at export."""
    opened = random_days_by_month(rng, cal, am, 3.5)
    n = len(opened)
    severity = rng.choice(len(_SEVERITIES), size=n, p=[0.45, 0.35, 0.15, 0.05])
    sla = _SLA_BY_SEVERITY[severity].astype(int)
    draw = rng.random(n)
    within = draw < t.sla_share
    took = np.where(within, (rng.random(n) * (sla + 1)).astype(int), sla + rng.integers(1, 15, n))
    # A few of the late cases are left with no owner for weeks (the top of the late draws,
    # so the random stream, and every other table, stays as it was): more of them for an AM
    # who misses the SLA more often, so "open cases past SLA" tells people apart.
    stuck = draw > 1 - (1 - t.sla_share) * STUCK_SHARE
    took = np.where(stuck, took * 8, took)
    return np.full(n, am), opened, opened + took, severity, picker.pick(rng, am, opened)


def cases_frame(
    rng: np.random.Generator, traits: list[Traits], cal: Calendar, book: AccountBook, picker: AccountPicker
) -> pd.DataFrame:
    """Customer problems the AM owns; most resolved within the severity's SLA."""
    parts = [_cases_of(rng, t, cal, picker, am) for am, t in enumerate(traits)]
    am, opened, resolved, severity, account = (np.concatenate(column) for column in zip(*parts))
    order = np.lexsort((severity, am, opened))
    severity_names = np.array(_SEVERITIES, dtype=object)[severity[order]]
    return pd.DataFrame(
        {
            "case_id": numbered("CS-", 10001 + np.arange(len(order)), 6),
            "am_id": text_column(AM_IDS[am[order]]),
            "account_id": account_ids(book, account[order]),
            "opened_date": date_column(opened[order]),
            "resolved_date": date_column(resolved[order], missing=resolved[order] > END),
            "severity": text_column(severity_names),
            "sla_days": np.array([SLA_DAYS[s] for s in severity_names], dtype=float),
        }
    )
