"""The sample's customer accounts: who owns them, when they started and stopped buying, their
sectors and names (the ``accounts`` table), and how an activity, order, case or survey finds
the account it is about (:class:`AccountPicker`, :func:`prospect_picks`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from amreview.data.sample._calendar import END, REVIEW_Q, Calendar, day_of
from amreview.data.sample._columns import date_column, numbered, text_column
from amreview.data.sample.organisation import (
    ACTIVE_FROM,
    AM_IDS,
    LEAVER_COVER,
    LEAVER_POOL_SIZE,
    LONDON_TEAM,
    MIDLANDS_TEAM,
    NEW_STARTER,
    PERSONAS,
    PUBLIC_TEAM,
    ROSTER,
    TEAMS,
)
from amreview.data.sample.personas import Traits

_PUBLIC_SECTORS = ("Education", "Healthcare", "Local Government")
_TEAM_SECTORS = {
    LONDON_TEAM: (
        ("Finance", 0.22),
        ("Professional Services", 0.24),
        ("Retail", 0.15),
        ("MSP/Reseller", 0.15),
        ("Logistics", 0.06),
        ("Manufacturing", 0.06),
        ("Healthcare", 0.06),
        ("Education", 0.06),
    ),
    MIDLANDS_TEAM: (
        ("Manufacturing", 0.3),
        ("Logistics", 0.2),
        ("Retail", 0.14),
        ("MSP/Reseller", 0.14),
        ("Professional Services", 0.1),
        ("Finance", 0.06),
        ("Education", 0.06),
    ),
    PUBLIC_TEAM: (("Education", 0.5), ("Healthcare", 0.25), ("Local Government", 0.25)),
}
_PLACES = (
    "Ashford",
    "Barnsley",
    "Basingstoke",
    "Bromley",
    "Chelmsford",
    "Colchester",
    "Crawley",
    "Derby",
    "Doncaster",
    "Dudley",
    "Eastleigh",
    "Epsom",
    "Exeter",
    "Gloucester",
    "Guildford",
    "Harrogate",
    "Hastings",
    "Huddersfield",
    "Ipswich",
    "Kendal",
    "Kettering",
    "Leicester",
    "Lichfield",
    "Luton",
    "Maidstone",
    "Mansfield",
    "Newark",
    "Northampton",
    "Nottingham",
    "Oldham",
    "Peterborough",
    "Preston",
    "Reading",
    "Redditch",
    "Rochdale",
    "Rotherham",
    "Salford",
    "Sevenoaks",
    "Sheffield",
    "Shrewsbury",
    "Slough",
    "Solihull",
    "Stafford",
    "Stockport",
    "Sunderland",
    "Swindon",
    "Tamworth",
    "Telford",
    "Tonbridge",
    "Wakefield",
    "Walsall",
    "Warrington",
    "Watford",
    "Wigan",
    "Woking",
    "Worcester",
    "York",
)
_SURNAMES = (
    "Abbott",
    "Barker",
    "Bradshaw",
    "Carter",
    "Chandler",
    "Dawson",
    "Ellis",
    "Fairbairn",
    "Fletcher",
    "Gibson",
    "Hargreaves",
    "Harper",
    "Holland",
    "Hutchinson",
    "Jennings",
    "Kemp",
    "Lambert",
    "Marsh",
    "Newton",
    "Osborne",
    "Palmer",
    "Pemberton",
    "Quinn",
    "Rowe",
    "Royle",
    "Stanton",
    "Sutton",
    "Tennant",
    "Thornton",
    "Vaughan",
    "Walsh",
    "Webb",
    "Whitaker",
    "Young",
)
_COINED = (
    "Apex",
    "Beacon",
    "Bluewater",
    "Brightstone",
    "Cedar",
    "Clearpath",
    "Copperfield",
    "Evergreen",
    "Falcon",
    "Harbour",
    "Helix",
    "Ironbridge",
    "Kestrel",
    "Keystone",
    "Lighthouse",
    "Meridian",
    "Northstar",
    "Oakwood",
    "Orchard",
    "Pinnacle",
    "Quantum",
    "Redwood",
    "Silverline",
    "Sterling",
    "Summit",
    "Trinity",
    "Vanguard",
    "Vertex",
    "Westbrook",
    "Zenith",
)
_SAINTS = (
    "St Mary's",
    "St John's",
    "St Peter's",
    "St Anne's",
    "All Saints",
    "Holy Trinity",
    "St Joseph's",
    "St Michael's",
)
_NAME_PATTERNS = {
    "Education": (
        "{place} Academy Trust",
        "{place} College",
        "{saint} Catholic Primary School",
        "{place} Grammar School",
        "{coined} Multi-Academy Trust",
        "{place} High School",
    ),
    "Healthcare": (
        "{place} NHS Foundation Trust",
        "{place} Medical Centre",
        "{coined} Care Homes Ltd",
        "{place} Dental Practice",
        "{place} Community Health Partnership",
    ),
    "Local Government": (
        "{place} Borough Council",
        "{place} District Council",
        "{place} City Council",
        "{coined} Housing Association",
        "{place} Fire & Rescue Service",
    ),
    "Finance": (
        "{surname} Wealth Management",
        "{coined} Capital Partners LLP",
        "{place} Building Society",
        "{surname} & {surname2} Insurance Brokers",
        "{coined} Asset Management Ltd",
    ),
    "Retail": (
        "{surname} Home & Garden Ltd",
        "{coined} Retail Group",
        "{place} Outdoor Stores",
        "{surname}'s Pharmacy",
        "{coined} Fashion Ltd",
    ),
    "Manufacturing": (
        "{place} Precision Engineering Ltd",
        "{surname} Plastics Ltd",
        "{coined} Components Ltd",
        "{surname} Fabrications Ltd",
        "{coined} Packaging Ltd",
    ),
    "Logistics": (
        "{coined} Logistics Ltd",
        "{surname} Haulage Ltd",
        "{place} Freight Services",
        "{coined} Cold Chain Ltd",
    ),
    "Professional Services": (
        "{surname} & {surname2} LLP",
        "{surname} Associates",
        "{coined} Consulting Ltd",
        "{surname} Accountants",
        "{coined} Recruitment Ltd",
    ),
    "MSP/Reseller": (
        "{coined} IT Solutions Ltd",
        "{coined} Networks Ltd",
        "{coined} Managed Services Ltd",
        "{place} Computer Services",
        "{coined} Cloud Ltd",
    ),
}
# Names that test HTML escaping and quoting in every renderer downstream.
_AWKWARD_NAMES = ("Smith & Sons <Trading> Ltd", "O'Neill's Catering Supplies")


def _company_names(rng: np.random.Generator, sectors: np.ndarray) -> np.ndarray:
    """A unique, sector-appropriate company name for each account."""
    names, taken = [], set()
    for sector in sectors:
        patterns = _NAME_PATTERNS[sector]
        while True:
            surname, surname2 = rng.choice(len(_SURNAMES), size=2, replace=False)
            name = patterns[rng.integers(len(patterns))].format(
                place=_PLACES[rng.integers(len(_PLACES))],
                surname=_SURNAMES[surname],
                surname2=_SURNAMES[surname2],
                coined=_COINED[rng.integers(len(_COINED))],
                saint=_SAINTS[rng.integers(len(_SAINTS))],
            )
            if name not in taken:
                break
        taken.add(name)
        names.append(name)
    return np.array(names, dtype=object)


@dataclass(frozen=True)
class AccountBook:
    """The customer accounts, as parallel arrays (index = account number - 1)."""

    owner: np.ndarray  # AM index of the owner in `accounts`
    cover: np.ndarray  # AM credited before the owner's start (leaver pool), else the owner
    first_day: np.ndarray  # first invoice (prospects: the day the account was created)
    last_day: np.ndarray  # last day the account trades (lapsed accounts stop early)
    created_day: np.ndarray
    rate: np.ndarray  # invoice lines a month at the start of the history
    prospect: np.ndarray  # in the CRM but never bought
    sector: np.ndarray
    name: np.ndarray
    key_account: np.ndarray

    @property
    def public(self) -> np.ndarray:
        return np.isin(self.sector, _PUBLIC_SECTORS)

    @property
    def ids(self) -> np.ndarray:
        return np.asarray(numbered("ACC-", np.arange(1, len(self.owner) + 1), 4), dtype=object)


def _account_openings(
    rng: np.random.Generator, traits: list[Traits], cal: Calendar
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(owner, cover, first_day, kind) of every account; kind 0 existing, 1 new, 2 prospect."""
    owner: list[int] = []
    cover: list[int] = []
    first_day: list[int] = []
    kind: list[int] = []

    def add(am: int, days: np.ndarray, account_kind: int, covered_by: list[int] | None = None) -> None:
        owner.extend([am] * len(days))
        cover.extend([am] * len(days) if covered_by is None else covered_by)
        first_day.extend(days.tolist())
        kind.extend([account_kind] * len(days))

    for am, t in enumerate(traits):
        add(am, cal.bdays[rng.integers(0, 10, t.existing_accounts)], 0)
        for q in range(1, REVIEW_Q):
            n = min(rng.poisson(t.new_accounts_rate), 5)
            first, last = np.full(n, cal.quarter_starts[q]), np.full(n, cal.quarter_starts[q + 1] - 1)
            add(am, cal.random_bdays(rng, first, last), 1)
        n = t.new_accounts_review
        first = max(cal.quarter_starts[REVIEW_Q], ACTIVE_FROM[am] + 5)
        add(am, cal.random_bdays(rng, np.full(n, first), np.full(n, END - 10)), 1)
        n = t.prospects
        add(am, cal.random_bdays(rng, np.full(n, max(END - 270, ACTIVE_FROM[am])), np.full(n, END - 5)), 2)
    pool = cal.bdays[rng.integers(0, 10, LEAVER_POOL_SIZE)]
    add(NEW_STARTER, pool, 0, [LEAVER_COVER[i % len(LEAVER_COVER)] for i in range(LEAVER_POOL_SIZE)])
    return np.array(owner), np.array(cover), np.array(first_day), np.array(kind)


def account_book(rng: np.random.Generator, traits: list[Traits], cal: Calendar) -> AccountBook:
    """Every account: owner, trading dates and rate, sector, ERP number (creation order), name."""
    owner, cover, first_day, kind = _account_openings(rng, traits, cal)
    n = len(owner)
    prospect = kind == 2
    sector = np.empty(n, dtype=object)
    for team, shares in _TEAM_SECTORS.items():
        mine = np.flatnonzero(TEAMS[owner] == team)
        names, p = zip(*shares)
        chosen = rng.choice(len(names), size=len(mine), p=np.array(p) / sum(p))
        sector[mine] = np.array(names, dtype=object)[chosen]
    created_day = np.where(
        kind == 0,
        rng.integers(day_of("2008-01-01"), day_of("2024-06-01"), n),
        first_day - np.where(prospect, 0, rng.integers(1, 30, n)),
    )
    # Some customers stop buying (churn); accounts won during the history start smaller.
    churn = np.where(kind == 0, 0.2, np.where(first_day < cal.quarter_starts[REVIEW_Q - 1], 0.12, 0.0))
    churn = churn * np.array([t.churn for t in traits])[owner]
    lapses = (cover == owner) & (rng.random(n) < churn)
    last_day = np.where(lapses, np.minimum(first_day + rng.integers(120, 700, n), END), END)
    rate = (
        np.exp(rng.normal(np.log(6.0), 0.75, n))
        * np.where(kind == 0, 1.0, 0.6)
        * np.array([t.line_rate for t in traits])[owner]
    )
    key_account = ~prospect & (rate >= np.quantile(rate[~prospect], 0.9))

    order = np.argsort(created_day, kind="stable")  # account numbers follow ERP creation order
    book = AccountBook(
        owner=owner[order],
        cover=cover[order],
        first_day=first_day[order],
        last_day=last_day[order],
        created_day=created_day[order],
        rate=rate[order],
        prospect=prospect[order],
        sector=sector[order],
        name=_company_names(rng, sector[order]),
        key_account=key_account[order],
    )
    _name_awkward_accounts(book)
    return book


def _name_awkward_accounts(book: AccountBook) -> None:
    """Give the awkward names to long-standing customers of the star and the margin misser."""
    for persona, name, sector in (
        ("star", _AWKWARD_NAMES[0], "Manufacturing"),
        ("margin_misser", _AWKWARD_NAMES[1], "Retail"),
    ):
        am = list(PERSONAS.values()).index(persona)
        index = np.flatnonzero((book.owner == am) & ~book.prospect & (book.first_day < 30))[0]
        book.name[index] = name
        book.sector[index] = sector


def accounts_frame(book: AccountBook) -> pd.DataFrame:
    """The ``accounts`` table."""
    return pd.DataFrame(
        {
            "account_id": text_column(book.ids),
            "name": text_column(book.name),
            "am_id": text_column(AM_IDS[book.owner]),
            "sector": text_column(book.sector),
            "key_account": book.key_account.astype(bool),
            "created_date": date_column(book.created_day),
        }
    )


class AccountPicker:
    """Picks, for an AM and a day, an account the AM invoiced around that day — busier
    accounts more often, just as they get more calls, orders and cases."""

    def __init__(self, lines: dict[str, np.ndarray]) -> None:
        order = np.lexsort((lines["day"], lines["am"]))
        self._am, self._day, self._account = lines["am"][order], lines["day"][order], lines["account"][order]
        self._bounds = np.searchsorted(self._am, np.arange(len(ROSTER) + 1))

    def pick(
        self, rng: np.random.Generator, am: int, days: np.ndarray, before: int = 90, after: int = 30
    ) -> np.ndarray:
        """Account index per day, or -1 where the AM invoiced nobody in the window."""
        lo_b, hi_b = self._bounds[am], self._bounds[am + 1]
        traded_day, traded = self._day[lo_b:hi_b], self._account[lo_b:hi_b]
        lo = np.searchsorted(traded_day, days - before)
        width = np.searchsorted(traded_day, days + after, side="right") - lo
        pos = lo + (rng.random(len(days)) * width).astype(int)
        found = width > 0
        picked = np.full(len(days), -1)
        picked[found] = traded[pos[found]]
        return picked


def account_ids(book: AccountBook, account: np.ndarray) -> pd.Series:
    """The ``account_id`` column of account indices; missing where the index is -1 (none)."""
    return text_column(book.ids[np.maximum(account, 0)], missing=account < 0)


def prospect_picks(rng: np.random.Generator, book: AccountBook, am: int, days: np.ndarray) -> np.ndarray:
    """A prospect of the AM already in the CRM on each day, or -1."""
    mine = np.flatnonzero(book.prospect & (book.owner == am))
    if len(mine) == 0:
        return np.full(len(days), -1)
    mine = mine[np.argsort(book.created_day[mine], kind="stable")]
    known = np.searchsorted(book.created_day[mine], days, side="right")
    pick = np.minimum((rng.random(len(days)) * known).astype(int), len(mine) - 1)
    return np.where(known > 0, mine[pick], -1)
