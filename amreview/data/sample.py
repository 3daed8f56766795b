"""The built-in sample data pack: a believable IT distributor, nine quarters of history.

*Northbridge Distribution* is a UK IT distributor. Fifteen account managers sell hardware,
licences and services from real vendors (HP, Lenovo, Dell, Cisco, Microsoft, APC, ...) to
about four hundred customer accounts, in three teams under three sales managers:

* **London & South East** (Claire Whitfield) and **Midlands & North** (Gareth Lloyd) sell to
  commercial customers: finance, retail, manufacturing, logistics, professional services and
  MSPs / resellers. The Midlands team got *monthly* revenue and margin targets for 2026Q3.
* **Public Sector** (Priya Raman) sells to schools, NHS trusts and councils, whose buying
  peaks before the financial year ends in March.

Margins are thin, as in real distribution: run-rate business earns about 6–10 % gross
margin, one-off spot pricing 2–5 %, large-volume deals 3–6 % and bespoke, tailored solutions
12–20 %. HP, Cisco and Microsoft run a vendor programme the account managers must promote.
About 2.5 % of lines are returns (credit notes), and about 2 % of lines are credited to a
teammate covering a colleague's account.

The history runs from 2024-07-01 to 2026-09-30 (2024Q3..2026Q3); the review period is 2026Q3.
Each account manager follows a persona (:data:`PERSONAS`) that shows in the 2026Q3 figures:

* ``star`` (AM001) — revenue and margin well over target (~125 %), five new logos, the best
  pipeline coverage, diligent CRM use, reports on time, glowing feedback, plan achieved.
* ``steady`` (AM002) — on target (95–105 %) on everything, reliably.
* ``margin_misser`` (AM003) — revenue up year on year and over target, but won on spot and
  large-volume pricing, so GM % falls and margin attainment is under 90 %.
* ``crm_neglecter`` (AM004) — acceptable sales, but few logged activities, logged weeks late,
  stale opportunities past their close dates, required CRM fields left empty, late or missing
  reports, poor forecasts.
* ``new_starter`` (AM005) — started 2026-07-13, inside the review quarter: nothing is dated
  before then; took over a pool of accounts a leaver left (covered by teammates until then)
  and won a couple of new ones; 2026Q3 targets are pro-rated.
* ``below_par`` (AM008, AM010) — a little under target on most measures.
* ``average`` (the rest) — around target, with noise.

:func:`generate_sample` is pure and deterministic: it draws every random number from one
``numpy.random.default_rng(seed)`` in a fixed order (and the CRM fields people leave empty
from a second generator of the same seed, so adding them changed no other value) and writes
no files.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from amreview.vocabulary import ACTIVITY_TYPES, COMPETENCIES, DEAL_TYPES, OPPORTUNITY_STAGES

__all__ = ["HISTORY_END", "HISTORY_START", "PERSONAS", "REVIEW_PERIOD", "SAMPLE_SEED", "generate_sample"]

SAMPLE_SEED = 42
HISTORY_START = "2024-07-01"
HISTORY_END = "2026-09-30"
REVIEW_PERIOD = "2026Q3"

COMPANY = "Northbridge Distribution"
EMAIL_DOMAIN = "northbridge-distribution.co.uk"

# --------------------------------------------------------------------------------------------
# The sales organisation
# --------------------------------------------------------------------------------------------

_LONDON, _MIDLANDS, _PUBLIC = "London & South East", "Midlands & North", "Public Sector"
MANAGERS = {_LONDON: "Claire Whitfield", _MIDLANDS: "Gareth Lloyd", _PUBLIC: "Priya Raman"}
MONTHLY_TARGET_TEAM = _MIDLANDS

# am_id, name, team, start_date, persona
_ROSTER = (
    ("AM001", "Hannah Price", _LONDON, "2017-03-06", "star"),
    ("AM002", "James Okafor", _LONDON, "2015-09-14", "steady"),
    ("AM003", "Daniel Whitmore", _MIDLANDS, "2019-01-07", "margin_misser"),
    ("AM004", "Kieran O'Brien", _PUBLIC, "2016-05-16", "crm_neglecter"),
    ("AM005", "Megan Doyle", _PUBLIC, "2026-07-13", "new_starter"),
    ("AM006", "Rebecca Shaw", _LONDON, "2020-02-03", "average"),
    ("AM007", "Tom Ashworth", _LONDON, "2018-10-01", "average"),
    ("AM008", "Aisha Khan", _LONDON, "2021-06-07", "below_par"),
    ("AM009", "Liam Murphy", _MIDLANDS, "2014-04-22", "average"),
    ("AM010", "Charlotte Evans", _MIDLANDS, "2022-09-05", "below_par"),
    ("AM011", "Marcus Bennett", _MIDLANDS, "2019-07-15", "average"),
    ("AM012", "Emily Clarke", _MIDLANDS, "2023-01-09", "average"),
    ("AM013", "Raj Patel", _PUBLIC, "2016-11-28", "average"),
    ("AM014", "Fiona MacLeod", _PUBLIC, "2020-08-24", "average"),
    ("AM015", "Oliver Grant", _PUBLIC, "2018-03-12", "average"),
)
PERSONAS: dict[str, str] = {am_id: persona for am_id, _, _, _, persona in _ROSTER}

_AM_IDS = np.array([row[0] for row in _ROSTER], dtype=object)
_TEAMS = np.array([row[2] for row in _ROSTER], dtype=object)
_NEW_STARTER = next(i for i, row in enumerate(_ROSTER) if row[4] == "new_starter")
# Teammates who covered the leaver's accounts until the new starter arrived.
_LEAVER_COVER = tuple(i for i, row in enumerate(_ROSTER) if row[2] == _PUBLIC and row[4] == "average")
_LEAVER_POOL_SIZE = 12


@dataclass(frozen=True)
class _Traits:
    """How one account manager behaves; the persona presets below override the defaults."""

    line_rate: float = 1.0  # trading volume multiplier of the AM's accounts
    growth: float = 0.03  # yearly growth of trading volume
    mix_start: tuple = (0.80, 0.09, 0.06, 0.05)  # deal-type shares, DEAL_TYPES order, July 2024
    mix_end: tuple = (0.80, 0.09, 0.06, 0.05)  # ... and September 2026
    margin_skill: float = 0.5  # 0..1: where in each deal type's margin band the AM prices
    vip_share: float = 0.2  # share of programme vendors' lines sold under the programme
    revenue_attainment: tuple = (1.0, 1.0)  # first quarter, review quarter
    margin_attainment: tuple = (1.0, 1.0)
    attainment_noise: float = 0.05
    existing_accounts: int = 14
    churn: float = 1.0  # how readily the AM's customers stop buying (1 = the market's rate)
    new_accounts_rate: float = 1.4  # new accounts a quarter before the review quarter
    new_accounts_review: int = 2  # new accounts in the review quarter
    new_accounts_target: int = 2
    prospects: int = 2
    activities_per_week: float = 36.0
    visit_share: float = 0.075
    logging_batch_days: int = 0  # 0: logs the same or next day; else catches up every N business days
    opportunities_per_month: float = 9.0
    win_rate: float = 0.36
    stale_share: float = 0.05  # open opportunities left past their close date
    pipeline_update_days: int = 21  # open opportunities were last touched up to this long ago
    record_gaps: float = 0.0  # share of required CRM fields the AM leaves empty (see _leave_record_gaps)
    pipeline_coverage: float = 2.0  # open next-quarter pipeline / next quarter revenue target
    report_late: float = 0.08
    report_missing: float = 0.02
    report_errors: float = 0.25
    forecast_bias: tuple = (0.0, 0.0)  # revenue, gross margin
    forecast_sd: float = 0.07
    objective_success: float = 0.6
    competency_mean: float = 3.4
    weak_competency: str = ""
    nps_mean: float = 7.8
    csat_mean: float = 4.1
    sla_share: float = 0.88
    back_order_late: float = 0.22


_PERSONA_TRAITS = {
    "average": _Traits(),
    "star": _Traits(
        line_rate=1.05, growth=0.10, mix_start=(0.74, 0.07, 0.12, 0.07), mix_end=(0.72, 0.06, 0.14, 0.08),
        margin_skill=0.7, vip_share=0.3, churn=0.5, revenue_attainment=(1.12, 1.24),
        margin_attainment=(1.10, 1.27),
        existing_accounts=17, new_accounts_rate=1.8, new_accounts_review=5, new_accounts_target=3,
        prospects=4, activities_per_week=46, visit_share=0.1, opportunities_per_month=11, win_rate=0.46,
        stale_share=0.01, pipeline_coverage=3.0, report_late=0.02, report_missing=0.0,
        report_errors=0.05, forecast_sd=0.035, objective_success=0.9, competency_mean=4.3,
        nps_mean=9.1, csat_mean=4.7, sla_share=0.96, back_order_late=0.1),
    "steady": _Traits(
        revenue_attainment=(1.0, 1.01), margin_attainment=(1.0, 0.99), attainment_noise=0.02,
        activities_per_week=38, win_rate=0.38, stale_share=0.03, report_late=0.04, report_missing=0.0,
        forecast_sd=0.03, objective_success=0.7, competency_mean=3.7, nps_mean=8.2, csat_mean=4.3,
        sla_share=0.92),
    "margin_misser": _Traits(
        line_rate=1.0, growth=0.12, mix_start=(0.76, 0.08, 0.10, 0.06), mix_end=(0.52, 0.34, 0.02, 0.12),
        margin_skill=0.3, vip_share=0.16, churn=0.0, revenue_attainment=(1.02, 1.11),
        margin_attainment=(0.99, 0.84),
        new_accounts_rate=1.4, activities_per_week=34, win_rate=0.42, pipeline_coverage=2.2,
        forecast_bias=(0.02, 0.12), competency_mean=3.3, weak_competency="Decision Making & Influencing",
        nps_mean=7.6),
    "crm_neglecter": _Traits(
        line_rate=0.95, growth=0.02, revenue_attainment=(0.97, 0.97), margin_attainment=(0.96, 0.95),
        new_accounts_rate=0.8, new_accounts_review=1, prospects=1, activities_per_week=7, visit_share=0.15,
        logging_batch_days=25, opportunities_per_month=6, win_rate=0.3, stale_share=0.45,
        pipeline_update_days=120, record_gaps=0.25,
        pipeline_coverage=0.5, report_late=0.35, report_missing=0.2, report_errors=1.0,
        forecast_bias=(-0.05, -0.04), forecast_sd=0.18, objective_success=0.3, competency_mean=2.9,
        weak_competency="Communications", nps_mean=7.0, csat_mean=3.8, sla_share=0.7, back_order_late=0.45),
    "new_starter": _Traits(
        growth=0.0, revenue_attainment=(0.96, 0.96), margin_attainment=(0.93, 0.93), existing_accounts=0,
        new_accounts_rate=0.0, new_accounts_target=1, prospects=3, activities_per_week=30,
        opportunities_per_month=12, win_rate=0.3, pipeline_coverage=1.5, report_late=0.1,
        report_missing=0.05, report_errors=0.4, forecast_sd=0.1, objective_success=0.5,
        competency_mean=3.0),
    "below_par": _Traits(
        line_rate=0.9, growth=-0.04, revenue_attainment=(0.93, 0.88), margin_attainment=(0.92, 0.86),
        new_accounts_rate=0.7, new_accounts_review=0, activities_per_week=26, win_rate=0.28,
        stale_share=0.08, pipeline_coverage=1.3, report_late=0.15, report_missing=0.05, record_gaps=0.06,
        report_errors=0.5, forecast_bias=(0.08, 0.08), forecast_sd=0.1, objective_success=0.4,
        competency_mean=3.0, nps_mean=7.2, csat_mean=3.9, sla_share=0.82, back_order_late=0.3),
}


def _am_traits(rng: np.random.Generator) -> list[_Traits]:
    """Each AM's traits: the persona preset; average and below-par AMs vary individually."""
    return [_individual(rng, persona) if persona in ("average", "below_par") else _PERSONA_TRAITS[persona]
            for _, _, _, _, persona in _ROSTER]


def _individual(rng: np.random.Generator, persona: str) -> _Traits:
    """One AM of a common persona: book size, growth, attainment and effort vary a little."""
    preset = _PERSONA_TRAITS[persona]
    level = 1.0 if persona == "average" else 0.92
    first_revenue, first_margin = rng.normal(level, 0.04, 2)
    if persona == "average":  # below the star, above the below-par AMs, in the review quarter
        last_revenue, last_margin = np.clip(rng.normal(1.0, 0.04, 2), 0.93, 1.08)
        new_in_review = min(int(rng.poisson(1.3)), 3)
    else:
        last_revenue, last_margin = preset.revenue_attainment[1], preset.margin_attainment[1]
        new_in_review = int(rng.integers(0, 2))
    return replace(
        preset,
        line_rate=preset.line_rate * rng.uniform(0.85, 1.15),
        growth=preset.growth + rng.normal(0, 0.03),
        revenue_attainment=(float(first_revenue), float(last_revenue)),
        margin_attainment=(float(first_margin), float(last_margin)),
        existing_accounts=int(rng.integers(13, 19)),
        new_accounts_review=new_in_review,
        activities_per_week=preset.activities_per_week * rng.uniform(0.85, 1.15),
        competency_mean=preset.competency_mean + rng.normal(0, 0.2),
        nps_mean=preset.nps_mean + rng.normal(0, 0.3),
    )


# --------------------------------------------------------------------------------------------
# The calendar: day numbers counted from HISTORY_START (a Monday)
# --------------------------------------------------------------------------------------------

_DAY0 = np.datetime64(HISTORY_START, "D")


def _day(date: str) -> int:
    return int((np.datetime64(date, "D") - _DAY0).astype(int))


_END = _day(HISTORY_END)
_START_DAYS = np.array([_day(row[3]) for row in _ROSTER])
_ACTIVE_FROM = np.maximum(_START_DAYS, 0)  # first day each AM can appear in the history
_UK_BANK_HOLIDAYS = (
    "2024-08-26", "2024-12-25", "2024-12-26", "2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05",
    "2025-05-26", "2025-08-25", "2025-12-25", "2025-12-26", "2026-01-01", "2026-04-03", "2026-04-06",
    "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25", "2026-12-28",
)
_QUARTERS = ("2024Q3", "2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3",
             "2026Q4")  # the history, and the next quarter (targets, forecasts, pipeline)
_REVIEW_Q = _QUARTERS.index(REVIEW_PERIOD)
_NEXT_Q = _REVIEW_Q + 1


@dataclass(frozen=True)
class _Calendar:
    bdays: np.ndarray  # business days, history and the next quarter
    month_starts: np.ndarray  # first day of each month from July 2024 to January 2027
    quarter_starts: np.ndarray  # first day of each quarter in _QUARTERS, plus 2027-01-01

    def quarter_of(self, days: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.quarter_starts, days, side="right") - 1

    def next_bday(self, days: np.ndarray) -> np.ndarray:
        """The day itself if a business day, else the next business day."""
        idx = np.minimum(np.searchsorted(self.bdays, days), len(self.bdays) - 1)
        return self.bdays[idx]

    def previous_bday(self, days: np.ndarray) -> np.ndarray:
        idx = np.maximum(np.searchsorted(self.bdays, days, side="right") - 1, 0)
        return self.bdays[idx]

    def bdays_between(self, first: int, last: int) -> np.ndarray:
        """Business days from ``first`` to ``last`` inclusive."""
        return self.bdays[np.searchsorted(self.bdays, first):np.searchsorted(self.bdays, last, side="right")]

    def random_bdays(self, rng: np.random.Generator, first: np.ndarray, last: np.ndarray) -> np.ndarray:
        """One uniformly random business day in each [first, last] window (first if empty)."""
        lo = np.searchsorted(self.bdays, first)
        hi = np.searchsorted(self.bdays, last, side="right")
        pick = lo + (rng.random(len(lo)) * np.maximum(hi - lo, 1)).astype(int)
        return self.bdays[np.minimum(pick, len(self.bdays) - 1)]


def _calendar() -> _Calendar:
    months = np.arange(np.datetime64("2024-07"), np.datetime64("2027-02"), dtype="datetime64[M]")
    month_starts = (months.astype("datetime64[D]") - _DAY0).astype(int)
    days = np.arange(0, _day("2026-12-31") + 1)
    holidays = np.array([_day(d) for d in _UK_BANK_HOLIDAYS])
    bdays = days[(days % 7 < 5) & ~np.isin(days, holidays)]
    return _Calendar(bdays=bdays, month_starts=month_starts, quarter_starts=month_starts[::3])


def _dates(days: np.ndarray, missing: np.ndarray | None = None) -> pd.Series:
    """Day numbers → datetime64 dates at midnight; NaT where ``missing``."""
    values = (_DAY0 + np.asarray(days, dtype="int64").astype("timedelta64[D]")).astype("datetime64[ns]")
    if missing is not None:
        values[np.asarray(missing, dtype=bool)] = np.datetime64("NaT")
    return pd.Series(values)


def _text(values, missing: np.ndarray | None = None) -> pd.Series:
    """Python strings as a text column; missing (NaN) where ``missing``."""
    values = np.asarray(values, dtype=object).copy()
    if missing is not None:
        values[np.asarray(missing, dtype=bool)] = None
    return pd.Series(values, dtype="str")


def _numbered(prefix: str, numbers: np.ndarray, width: int) -> pd.Series:
    return prefix + pd.Series(np.asarray(numbers)).astype("str").str.zfill(width)


# --------------------------------------------------------------------------------------------
# Accounts
# --------------------------------------------------------------------------------------------

_PUBLIC_SECTORS = ("Education", "Healthcare", "Local Government")
_TEAM_SECTORS = {
    _LONDON: (("Finance", 0.22), ("Professional Services", 0.24), ("Retail", 0.15), ("MSP/Reseller", 0.15),
             ("Logistics", 0.06), ("Manufacturing", 0.06), ("Healthcare", 0.06), ("Education", 0.06)),
    _MIDLANDS: (("Manufacturing", 0.3), ("Logistics", 0.2), ("Retail", 0.14), ("MSP/Reseller", 0.14),
               ("Professional Services", 0.1), ("Finance", 0.06), ("Education", 0.06)),
    _PUBLIC: (("Education", 0.5), ("Healthcare", 0.25), ("Local Government", 0.25)),
}
_PLACES = (
    "Ashford", "Barnsley", "Basingstoke", "Bromley", "Chelmsford", "Colchester", "Crawley", "Derby",
    "Doncaster", "Dudley", "Eastleigh", "Epsom", "Exeter", "Gloucester", "Guildford", "Harrogate",
    "Hastings", "Huddersfield", "Ipswich", "Kendal", "Kettering", "Leicester", "Lichfield", "Luton",
    "Maidstone", "Mansfield", "Newark", "Northampton", "Nottingham", "Oldham", "Peterborough", "Preston",
    "Reading", "Redditch", "Rochdale", "Rotherham", "Salford", "Sevenoaks", "Sheffield", "Shrewsbury",
    "Slough", "Solihull", "Stafford", "Stockport", "Sunderland", "Swindon", "Tamworth", "Telford",
    "Tonbridge", "Wakefield", "Walsall", "Warrington", "Watford", "Wigan", "Woking", "Worcester", "York",
)
_SURNAMES = (
    "Abbott", "Barker", "Bradshaw", "Carter", "Chandler", "Dawson", "Ellis", "Fairbairn", "Fletcher",
    "Gibson", "Hargreaves", "Harper", "Holland", "Hutchinson", "Jennings", "Kemp", "Lambert", "Marsh",
    "Newton", "Osborne", "Palmer", "Pemberton", "Quinn", "Rowe", "Royle", "Stanton", "Sutton", "Tennant",
    "Thornton", "Vaughan", "Walsh", "Webb", "Whitaker", "Young",
)
_COINED = (
    "Apex", "Beacon", "Bluewater", "Brightstone", "Cedar", "Clearpath", "Copperfield", "Evergreen",
    "Falcon", "Harbour", "Helix", "Ironbridge", "Kestrel", "Keystone", "Lighthouse", "Meridian",
    "Northstar", "Oakwood", "Orchard", "Pinnacle", "Quantum", "Redwood", "Silverline", "Sterling",
    "Summit", "Trinity", "Vanguard", "Vertex", "Westbrook", "Zenith",
)
_SAINTS = ("St Mary's", "St John's", "St Peter's", "St Anne's", "All Saints", "Holy Trinity",
           "St Joseph's", "St Michael's")
_NAME_PATTERNS = {
    "Education": ("{place} Academy Trust", "{place} College", "{saint} Catholic Primary School",
                  "{place} Grammar School", "{coined} Multi-Academy Trust", "{place} High School"),
    "Healthcare": ("{place} NHS Foundation Trust", "{place} Medical Centre", "{coined} Care Homes Ltd",
                   "{place} Dental Practice", "{place} Community Health Partnership"),
    "Local Government": ("{place} Borough Council", "{place} District Council", "{place} City Council",
                         "{coined} Housing Association", "{place} Fire & Rescue Service"),
    "Finance": ("{surname} Wealth Management", "{coined} Capital Partners LLP", "{place} Building Society",
                "{surname} & {surname2} Insurance Brokers", "{coined} Asset Management Ltd"),
    "Retail": ("{surname} Home & Garden Ltd", "{coined} Retail Group", "{place} Outdoor Stores",
               "{surname}'s Pharmacy", "{coined} Fashion Ltd"),
    "Manufacturing": ("{place} Precision Engineering Ltd", "{surname} Plastics Ltd",
                      "{coined} Components Ltd", "{surname} Fabrications Ltd", "{coined} Packaging Ltd"),
    "Logistics": ("{coined} Logistics Ltd", "{surname} Haulage Ltd", "{place} Freight Services",
                  "{coined} Cold Chain Ltd"),
    "Professional Services": ("{surname} & {surname2} LLP", "{surname} Associates", "{coined} Consulting Ltd",
                              "{surname} Accountants", "{coined} Recruitment Ltd"),
    "MSP/Reseller": ("{coined} IT Solutions Ltd", "{coined} Networks Ltd", "{coined} Managed Services Ltd",
                     "{place} Computer Services", "{coined} Cloud Ltd"),
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
                place=_PLACES[rng.integers(len(_PLACES))], surname=_SURNAMES[surname],
                surname2=_SURNAMES[surname2], coined=_COINED[rng.integers(len(_COINED))],
                saint=_SAINTS[rng.integers(len(_SAINTS))])
            if name not in taken:
                break
        taken.add(name)
        names.append(name)
    return np.array(names, dtype=object)


@dataclass(frozen=True)
class _AccountBook:
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
        return np.asarray(_numbered("ACC-", np.arange(1, len(self.owner) + 1), 4), dtype=object)


def _account_openings(rng: np.random.Generator, traits: list[_Traits], cal: _Calendar):
    """(owner, cover, first_day, kind) of every account; kind 0 existing, 1 new, 2 prospect."""
    owner, cover, first_day, kind = [], [], [], []

    def add(am: int, days: np.ndarray, account_kind: int, covered_by=None) -> None:
        owner.extend([am] * len(days))
        cover.extend([am] * len(days) if covered_by is None else covered_by)
        first_day.extend(days.tolist())
        kind.extend([account_kind] * len(days))

    for am, t in enumerate(traits):
        add(am, cal.bdays[rng.integers(0, 10, t.existing_accounts)], 0)
        for q in range(1, _REVIEW_Q):
            n = min(rng.poisson(t.new_accounts_rate), 5)
            first, last = np.full(n, cal.quarter_starts[q]), np.full(n, cal.quarter_starts[q + 1] - 1)
            add(am, cal.random_bdays(rng, first, last), 1)
        n = t.new_accounts_review
        first = max(cal.quarter_starts[_REVIEW_Q], _ACTIVE_FROM[am] + 5)
        add(am, cal.random_bdays(rng, np.full(n, first), np.full(n, _END - 10)), 1)
        n = t.prospects
        add(am, cal.random_bdays(rng, np.full(n, max(_END - 270, _ACTIVE_FROM[am])), np.full(n, _END - 5)), 2)
    pool = cal.bdays[rng.integers(0, 10, _LEAVER_POOL_SIZE)]
    add(_NEW_STARTER, pool, 0, [_LEAVER_COVER[i % len(_LEAVER_COVER)] for i in range(_LEAVER_POOL_SIZE)])
    return np.array(owner), np.array(cover), np.array(first_day), np.array(kind)


def _account_book(rng: np.random.Generator, traits: list[_Traits], cal: _Calendar) -> _AccountBook:
    owner, cover, first_day, kind = _account_openings(rng, traits, cal)
    n = len(owner)
    prospect = kind == 2
    sector = np.empty(n, dtype=object)
    for team, shares in _TEAM_SECTORS.items():
        mine = np.flatnonzero(_TEAMS[owner] == team)
        names, p = zip(*shares)
        chosen = rng.choice(len(names), size=len(mine), p=np.array(p) / sum(p))
        sector[mine] = np.array(names, dtype=object)[chosen]
    created_day = np.where(kind == 0, rng.integers(_day("2008-01-01"), _day("2024-06-01"), n),
                           first_day - np.where(prospect, 0, rng.integers(1, 30, n)))
    # Some customers stop buying (churn); accounts won during the history start smaller.
    churn = np.where(kind == 0, 0.2, np.where(first_day < cal.quarter_starts[_REVIEW_Q - 1], 0.12, 0.0))
    churn = churn * np.array([t.churn for t in traits])[owner]
    lapses = (cover == owner) & (rng.random(n) < churn)
    last_day = np.where(lapses, np.minimum(first_day + rng.integers(120, 700, n), _END), _END)
    rate = (np.exp(rng.normal(np.log(6.0), 0.75, n)) * np.where(kind == 0, 1.0, 0.6)
            * np.array([t.line_rate for t in traits])[owner])
    key_account = ~prospect & (rate >= np.quantile(rate[~prospect], 0.9))

    order = np.argsort(created_day, kind="stable")  # account numbers follow ERP creation order
    book = _AccountBook(owner=owner[order], cover=cover[order], first_day=first_day[order],
                        last_day=last_day[order], created_day=created_day[order], rate=rate[order],
                        prospect=prospect[order], sector=sector[order],
                        name=_company_names(rng, sector[order]), key_account=key_account[order])
    _name_awkward_accounts(book)
    return book


def _name_awkward_accounts(book: _AccountBook) -> None:
    """Give the awkward names to long-standing customers of the star and the margin misser."""
    for persona, name, sector in (("star", _AWKWARD_NAMES[0], "Manufacturing"),
                                  ("margin_misser", _AWKWARD_NAMES[1], "Retail")):
        am = list(PERSONAS.values()).index(persona)
        index = np.flatnonzero((book.owner == am) & ~book.prospect & (book.first_day < 30))[0]
        book.name[index] = name
        book.sector[index] = sector


def _accounts_frame(book: _AccountBook) -> pd.DataFrame:
    return pd.DataFrame({
        "account_id": _text(book.ids),
        "name": _text(book.name),
        "am_id": _text(_AM_IDS[book.owner]),
        "sector": _text(book.sector),
        "key_account": book.key_account.astype(bool),
        "created_date": _dates(book.created_day),
    })


# --------------------------------------------------------------------------------------------
# Sales: invoice lines and credit notes
# --------------------------------------------------------------------------------------------

# vendor, product, list price, weight, fit for large-volume deals, boost for public-sector buyers
_CATALOGUE = (
    ("HP", "HP ProBook 450 G10", 749.0, 6, True, 1.0),
    ("HP", "HP EliteBook 840 G10", 1149.0, 4, True, 1.0),
    ("HP", "HP Elite Mini 800 G9", 689.0, 3, True, 1.0),
    ("HP", "HP E24 G5 FHD Monitor", 159.0, 5, True, 1.0),
    ("HP", "HP LaserJet Pro 4002dn", 289.0, 2, False, 1.0),
    ("HP", "HP 59A Black Toner (CF259A)", 119.0, 5, False, 1.0),
    ("HP", "HP USB-C Dock G5", 179.0, 4, True, 1.0),
    ("Lenovo", "Lenovo ThinkPad T14 Gen 4", 1099.0, 4, True, 1.0),
    ("Lenovo", "Lenovo ThinkPad E16 Gen 1", 699.0, 4, True, 1.0),
    ("Lenovo", "Lenovo ThinkCentre M70q Gen 4", 579.0, 3, True, 1.0),
    ("Lenovo", "Lenovo 100e Chromebook Gen 4", 239.0, 2, True, 5.0),
    ("Lenovo", "Lenovo ThinkVision T24i-30", 169.0, 3, True, 1.0),
    ("Lenovo", "Lenovo ThinkSystem SR650 V3", 6900.0, 1, False, 1.0),
    ("Dell", "Dell Latitude 5440", 899.0, 5, True, 1.0),
    ("Dell", "Dell OptiPlex 7010 Micro", 629.0, 4, True, 1.0),
    ("Dell", "Dell P2423D 24 Monitor", 219.0, 4, True, 1.0),
    ("Dell", "Dell PowerEdge R760", 8400.0, 1, False, 1.0),
    ("Dell", "Dell PowerVault ME5024", 11800.0, 0.5, False, 1.0),
    ("Cisco", "Cisco Catalyst 9200L 24P", 2650.0, 2, False, 1.5),
    ("Cisco", "Cisco Catalyst 9300 48P", 6900.0, 1, False, 1.5),
    ("Cisco", "Cisco Meraki MR46 Access Point", 890.0, 3, True, 2.5),
    ("Cisco", "Cisco Meraki MX68 Security Appliance", 790.0, 2, False, 1.5),
    ("Cisco", "Cisco Meraki MR Enterprise Licence (3yr)", 290.0, 3, True, 2.0),
    ("Microsoft", "Microsoft 365 Business Premium (12m)", 237.6, 7, True, 1.0),
    ("Microsoft", "Microsoft 365 E3 (12m)", 432.0, 3, True, 1.5),
    ("Microsoft", "Microsoft Surface Laptop 5", 1099.0, 2, True, 1.0),
    ("Microsoft", "Microsoft Surface Pro 9", 999.0, 2, True, 1.0),
    ("Microsoft", "Windows Server 2022 Standard 16-core", 869.0, 2, False, 1.0),
    ("Microsoft", "Microsoft Teams Rooms Pro (12m)", 480.0, 1, False, 1.0),
    ("APC", "APC Smart-UPS 1500VA LCD RM 2U", 749.0, 2, False, 1.0),
    ("APC", "APC Back-UPS Pro 900", 179.0, 2, True, 1.0),
    ("APC", "APC NetShelter SX 42U Rack", 1450.0, 1, False, 1.0),
    ("Samsung", "Samsung Galaxy Tab A9+", 219.0, 2, True, 2.0),
    ("Samsung", "Samsung Galaxy A35 5G", 299.0, 3, True, 1.0),
    ("Samsung", "Samsung 870 EVO 1TB SSD", 79.0, 3, True, 1.0),
    ("Samsung", "Samsung QM55C 55in Smart Signage", 899.0, 1, False, 1.5),
    ("Logitech", "Logitech MX Keys Combo for Business", 119.0, 4, True, 1.0),
    ("Logitech", "Logitech Rally Bar", 3600.0, 1, False, 1.0),
    ("Logitech", "Logitech H390 USB Headset", 29.0, 4, True, 2.0),
    ("Logitech", "Logitech MX Master 3S", 89.0, 4, True, 1.0),
    ("Fortinet", "Fortinet FortiGate 60F", 590.0, 2, False, 1.5),
    ("Fortinet", "Fortinet FortiGate 100F", 2900.0, 1, False, 1.5),
    ("Fortinet", "FortiGate 60F UTP Bundle (1yr)", 420.0, 2, False, 1.5),
    ("Ubiquiti", "Ubiquiti UniFi U6 Pro", 149.0, 3, True, 1.0),
    ("Ubiquiti", "Ubiquiti UniFi Switch Pro 24 PoE", 699.0, 2, False, 1.0),
    ("Ubiquiti", "Ubiquiti UniFi Dream Machine Pro", 379.0, 1, False, 1.0),
    ("Kingston", "Kingston FURY Beast 16GB DDR5", 59.0, 3, True, 1.0),
    ("Kingston", "Kingston KC3000 1TB NVMe SSD", 89.0, 3, True, 1.0),
    ("Jabra", "Jabra Evolve2 65 UC Stereo", 189.0, 4, True, 1.0),
    ("Jabra", "Jabra Engage 55 Mono", 249.0, 2, True, 1.5),
    ("Jabra", "Jabra PanaCast 50", 1190.0, 1, False, 1.0),
)
# Tailored solutions: configured, imaged, installed or migrated for the customer.
_BESPOKE = (
    ("Dell", "Dell PowerEdge R760 (configured to order)", 11500.0, 2),
    ("HP", "HP EliteBook 840 G10 (custom image, asset tag & deploy)", 1350.0, 3),
    ("Lenovo", "Lenovo ThinkPad T14 Gen 4 (imaged & delivered to site)", 1290.0, 3),
    ("Cisco", "Cisco Meraki wireless site survey & installation", 3800.0, 2),
    ("Cisco", "Cisco Catalyst 9300 stack (pre-configured & racked)", 14500.0, 1),
    ("Microsoft", "Microsoft 365 tenant migration service", 6500.0, 2),
    ("APC", "APC rack & UPS (supplied, installed & commissioned)", 7800.0, 1),
    ("Logitech", "Logitech Rally meeting-room kit (installed)", 6900.0, 1),
    ("Fortinet", "FortiGate 100F HA pair (configured & deployed)", 9800.0, 1),
)
_PRODUCTS = _CATALOGUE + tuple((v, p, price, w, False, 1.0) for v, p, price, w in _BESPOKE)
_N_STANDARD = len(_CATALOGUE)
_VENDOR = np.array([row[0] for row in _PRODUCTS], dtype=object)
_PRODUCT = np.array([row[1] for row in _PRODUCTS], dtype=object)
_PRICE = np.array([row[2] for row in _PRODUCTS])
PROGRAMME_VENDORS = ("HP", "Cisco", "Microsoft")

_RUN_RATE, _SPOT, _BESPOKE, _LARGE_VOLUME = (DEAL_TYPES.index(d)
                                             for d in ("run_rate", "spot", "bespoke", "large_volume"))
# Per deal type: gross-margin band, typical line value (and its spread), price as share of list.
_MARGIN_BAND = {_RUN_RATE: (0.06, 0.10), _SPOT: (0.02, 0.05), _BESPOKE: (0.12, 0.20),
                _LARGE_VOLUME: (0.03, 0.06)}
_LINE_VALUE = {_RUN_RATE: (1300.0, 0.8), _SPOT: (6500.0, 0.6), _BESPOKE: (7000.0, 0.6),
               _LARGE_VOLUME: (26000.0, 0.45)}
_PRICE_LEVEL = {_RUN_RATE: (0.92, 1.0), _SPOT: (0.84, 0.93), _BESPOKE: (0.95, 1.0),
                _LARGE_VOLUME: (0.82, 0.9)}

# Buying seasonality by calendar month (Jan..Dec): commercial Q4 budgets; public sector March year end.
_SEASON = np.array([
    (0.90, 0.95, 1.10, 0.95, 1.00, 1.05, 0.95, 0.80, 1.05, 1.05, 1.15, 1.00),
    (1.00, 1.20, 1.70, 0.70, 0.85, 0.95, 1.15, 1.05, 0.95, 0.90, 0.95, 0.80),
])
_RETURN_SHARE = 0.025
_COVER_SHARE = 0.02


def _product_weights(deal: int, public: bool) -> np.ndarray:
    weight = np.array([row[3] for row in _PRODUCTS], dtype=float)
    standard = np.arange(len(_PRODUCTS)) < _N_STANDARD
    if deal == _BESPOKE:
        weight[standard] = 0
    else:
        weight[~standard] = 0
    if deal == _LARGE_VOLUME:
        weight *= np.array([row[4] for row in _PRODUCTS])
    if deal == _SPOT:
        weight *= _PRICE >= 150
    if public:
        weight *= np.array([row[5] for row in _PRODUCTS])
    return weight / weight.sum()


def _monthly_line_counts(rng, book: _AccountBook, traits: list[_Traits], cal: _Calendar):
    """(account, day) of every ordinary invoice line: Poisson lines per account and month."""
    n_months = _REVIEW_Q * 3 + 3
    account = np.repeat(np.arange(len(book.owner)), n_months)
    month = np.tile(np.arange(n_months), len(book.owner))
    first = np.maximum(cal.month_starts[month], book.first_day[account])
    last = np.minimum(cal.month_starts[month + 1] - 1, book.last_day[account])
    lo = np.searchsorted(cal.bdays, first)
    width = np.maximum(np.searchsorted(cal.bdays, last, side="right") - lo, 0)
    month_bdays = np.diff(np.searchsorted(cal.bdays, cal.month_starts))[month]
    growth = np.array([t.growth for t in traits])[book.owner[account]]
    expected = (book.rate[account] * _SEASON[book.public[account].astype(int), (month + 6) % 12]
                * (1 + growth) ** (cal.month_starts[month] / 365.0) * width / month_bdays)
    expected[book.prospect[account]] = 0
    cell = np.repeat(np.arange(len(account)), rng.poisson(expected))
    day = cal.bdays[lo[cell] + (rng.random(len(cell)) * width[cell]).astype(int)]
    # Every trading account's first line falls on its first day: that is when it became a customer.
    opener = np.flatnonzero(~book.prospect)
    return np.concatenate([opener, account[cell]]), np.concatenate([book.first_day[opener], day])


def _credited_am(rng, book: _AccountBook, account: np.ndarray, day: np.ndarray) -> np.ndarray:
    """The AM credited with each line: the owner, the leaver-pool cover before the new starter
    started, and now and then a teammate covering (never on the account's first day)."""
    am = np.where(day < _START_DAYS[book.owner[account]], book.cover[account], book.owner[account])
    covered = (rng.random(len(day)) < _COVER_SHARE) & (day != book.first_day[account])
    teammate = rng.random(len(day))
    for me in range(len(_ROSTER)):
        mates = np.flatnonzero((_TEAMS[me] == _TEAMS) & (np.arange(len(_ROSTER)) != me)
                               & (np.arange(len(_ROSTER)) != _NEW_STARTER))
        mine = covered & (am == me)
        am[mine] = mates[(teammate[mine] * len(mates)).astype(int)]
    return am


def _deal_types(rng, traits: list[_Traits], am: np.ndarray, day: np.ndarray) -> np.ndarray:
    start = np.array([t.mix_start for t in traits])[am]
    end = np.array([t.mix_end for t in traits])[am]
    share = start + (end - start) * (day / _END)[:, None]
    cumulative = np.cumsum(share / share.sum(axis=1, keepdims=True), axis=1)
    return np.minimum((rng.random(len(am))[:, None] > cumulative).sum(axis=1), len(DEAL_TYPES) - 1)


def _products(rng, deal: np.ndarray, public: np.ndarray) -> np.ndarray:
    product = np.zeros(len(deal), dtype=int)
    for d in range(len(DEAL_TYPES)):
        for is_public in (False, True):
            mine = np.flatnonzero((deal == d) & (public == is_public))
            product[mine] = rng.choice(len(_PRODUCTS), size=len(mine), p=_product_weights(d, is_public))
    return product


def _priced_lines(rng, traits: list[_Traits], am, deal, product):
    """(quantity, revenue, cost, vendor_programme) of each line from its deal type and product."""
    n = len(am)
    typical = np.array([_LINE_VALUE[d][0] for d in range(4)])[deal]
    spread = np.array([_LINE_VALUE[d][1] for d in range(4)])[deal]
    units = np.exp(rng.normal(np.log(typical / _PRICE[product]), spread))
    quantity = np.maximum(1, np.rint(units)).astype("int64")
    level_lo = np.array([_PRICE_LEVEL[d][0] for d in range(4)])[deal]
    level_hi = np.array([_PRICE_LEVEL[d][1] for d in range(4)])[deal]
    revenue = np.round(quantity * np.round(_PRICE[product] * rng.uniform(level_lo, level_hi), 2), 2)
    skill = np.array([t.margin_skill for t in traits])[am]
    position = rng.beta(1 + 4 * skill, 1 + 4 * (1 - skill))
    band_lo = np.array([_MARGIN_BAND[d][0] for d in range(4)])[deal]
    band_hi = np.array([_MARGIN_BAND[d][1] for d in range(4)])[deal]
    cost = np.round(revenue * (1 - (band_lo + (band_hi - band_lo) * position)), 2)
    programme = np.isin(_VENDOR[product], PROGRAMME_VENDORS)
    vip = programme & (rng.random(n) < np.array([t.vip_share for t in traits])[am])
    return quantity, revenue, cost, vip


def _returns(rng, cal: _Calendar, lines: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Credit notes: part or all of an earlier line sent back a week or few later."""
    tailored = lines["deal"] == _BESPOKE  # configured and installed goods rarely come back
    source = np.flatnonzero(rng.random(len(tailored)) < _RETURN_SHARE * np.where(tailored, 0.3, 1.1))
    day = cal.next_bday(lines["day"][source] + rng.integers(5, 45, len(source)))
    source, day = source[day <= _END], day[day <= _END]
    full = lines["quantity"][source]
    partial = np.where(rng.random(len(source)) < 0.6, full, 1 + (rng.random(len(source)) * full).astype(int))
    share = partial / full
    returned = {key: values[source] for key, values in lines.items()}
    returned.update(day=day, quantity=-partial.astype("int64"),
                    revenue=-np.round(returned["revenue"] * share, 2),
                    cost=-np.round(returned["cost"] * share, 2), credit=np.ones(len(source), dtype=bool))
    return returned


def _sales_lines(rng, book: _AccountBook, traits: list[_Traits], cal: _Calendar) -> dict[str, np.ndarray]:
    account, day = _monthly_line_counts(rng, book, traits, cal)
    am = _credited_am(rng, book, account, day)
    deal = _deal_types(rng, traits, am, day)
    product = _products(rng, deal, book.public[account])
    quantity, revenue, cost, vip = _priced_lines(rng, traits, am, deal, product)
    lines = {"account": account, "day": day, "am": am, "deal": deal, "product": product, "quantity": quantity,
             "revenue": revenue, "cost": cost, "vip": vip, "credit": np.zeros(len(day), dtype=bool)}
    credits = _returns(rng, cal, lines)
    return {key: np.concatenate([lines[key], credits[key]]) for key in lines}


def _sales_frame(lines: dict[str, np.ndarray], book: _AccountBook) -> pd.DataFrame:
    """Invoice lines grouped into invoices (one per account, AM and day) and numbered."""
    order = np.lexsort((lines["product"], lines["am"], lines["account"], lines["credit"], lines["day"]))
    col = {key: values[order] for key, values in lines.items()}
    keys = np.stack([col["day"], col["credit"], col["account"], col["am"]])
    opens = np.r_[True, (keys[:, 1:] != keys[:, :-1]).any(axis=0)]
    group = np.cumsum(opens) - 1
    line_no = np.arange(len(group)) - np.flatnonzero(opens)[group] + 1
    invoice_no = np.zeros(len(group), dtype=int)
    for is_credit, first_number in ((False, 100001), (True, 5001)):
        mine = col["credit"] == is_credit
        invoice_no[mine] = np.cumsum(opens[mine]) - 1 + first_number
    prefix = np.where(col["credit"], "CRN-", "INV-")
    line_id = (prefix + pd.Series(invoice_no).astype("str").str.zfill(7).to_numpy(dtype=object)
               + "-" + pd.Series(line_no).astype("str").str.zfill(2).to_numpy(dtype=object))
    return pd.DataFrame({
        "line_id": _text(line_id),
        "invoice_date": _dates(col["day"]),
        "am_id": _text(_AM_IDS[col["am"]]),
        "account_id": _text(book.ids[col["account"]]),
        "product": _text(_PRODUCT[col["product"]]),
        "vendor": _text(_VENDOR[col["product"]]),
        "quantity": col["quantity"].astype("int64"),
        "revenue": col["revenue"].astype(float),
        "cost": col["cost"].astype(float),
        "deal_type": _text(np.array(DEAL_TYPES, dtype=object)[col["deal"]]),
        "vendor_programme": col["vip"].astype(bool),
    })


def _quarterly_actuals(sales: pd.DataFrame, cal: _Calendar) -> dict[str, np.ndarray]:
    """Revenue and gross margin per AM (rows) and quarter (columns, _QUARTERS order)."""
    am = np.searchsorted(_AM_IDS.astype(str), sales["am_id"].to_numpy(dtype=object).astype(str))
    days = (sales["invoice_date"].to_numpy().astype("datetime64[D]") - _DAY0).astype(int)
    quarter = cal.quarter_of(days)
    cell = am * len(_QUARTERS) + quarter
    size = len(_ROSTER) * len(_QUARTERS)
    revenue = np.bincount(cell, sales["revenue"].to_numpy(), size).reshape(len(_ROSTER), -1)
    margin = revenue - np.bincount(cell, sales["cost"].to_numpy(), size).reshape(len(_ROSTER), -1)
    return {"revenue": revenue, "gross_margin": margin}


# --------------------------------------------------------------------------------------------
# Picking the account an activity, case, order or survey is about
# --------------------------------------------------------------------------------------------

class _AccountPicker:
    """Picks, for an AM and a day, an account the AM invoiced around that day — busier
    accounts more often, just as they get more calls, orders and cases."""

    def __init__(self, lines: dict[str, np.ndarray]):
        order = np.lexsort((lines["day"], lines["am"]))
        self._am, self._day, self._account = lines["am"][order], lines["day"][order], lines["account"][order]
        self._bounds = np.searchsorted(self._am, np.arange(len(_ROSTER) + 1))

    def pick(self, rng, am: int, days: np.ndarray, before: int = 90, after: int = 30) -> np.ndarray:
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


def _account_ids(book: _AccountBook, account: np.ndarray) -> pd.Series:
    return _text(book.ids[np.maximum(account, 0)], missing=account < 0)


# --------------------------------------------------------------------------------------------
# Account managers and targets
# --------------------------------------------------------------------------------------------

def _account_managers_frame() -> pd.DataFrame:
    names = [row[1] for row in _ROSTER]
    emails = [name.lower().replace("'", "").replace(" ", ".") + "@" + EMAIL_DOMAIN for name in names]
    return pd.DataFrame({
        "am_id": _text(_AM_IDS),
        "name": _text(names),
        "manager": _text([MANAGERS[row[2]] for row in _ROSTER]),
        "team": _text(_TEAMS),
        "start_date": _dates(_START_DAYS),
        "email": _text(emails),
    })


def _attainment_plan(rng, traits: list[_Traits], which: str) -> np.ndarray:
    """Planned attainment per AM and history quarter: a trend from the first quarter to the
    review quarter, with noise before it (the review quarter's value is the persona's)."""
    steps = np.arange(_REVIEW_Q + 1) / _REVIEW_Q
    plan = []
    for t in traits:
        first, last = getattr(t, which)
        noise = rng.normal(0, t.attainment_noise, len(steps))
        noise[-1] = 0
        plan.append(np.clip(first + (last - first) * steps + noise, 0.78, 1.35))
    return np.array(plan)


def _worked_share(cal: _Calendar, q: int) -> np.ndarray:
    """Share of quarter ``q`` each AM was in post: 1.0 except for a starter inside it."""
    length = cal.quarter_starts[q + 1] - cal.quarter_starts[q]
    return np.clip((cal.quarter_starts[q + 1] - _ACTIVE_FROM) / length, 0.0, 1.0)


def _money_targets(rng, traits, cal: _Calendar, actual: np.ndarray, which: str, decimals: int) -> np.ndarray:
    """Targets per AM and quarter (history and next quarter) such that actual / target follows
    the persona's attainment plan; the next quarter grows on the review quarter's full rate."""
    history = np.round(actual[:, :_REVIEW_Q + 1] / _attainment_plan(rng, traits, which), decimals)
    uplift = rng.uniform(1.02, 1.08, len(traits)) / _worked_share(cal, _REVIEW_Q)
    return np.column_stack([history, np.round(history[:, -1] * uplift, decimals)])


def _phase(total: float, monthly_actuals: np.ndarray) -> list[tuple[str, float]]:
    """Split the review quarter's target over its months: whole units that add up exactly."""
    year, q = _QUARTERS[_REVIEW_Q][:4], int(_QUARTERS[_REVIEW_Q][-1])
    # Phased half by how the quarter's sales fell, half evenly: targets are smoother than sales.
    share = 0.5 * np.clip(monthly_actuals, 1.0, None) / np.clip(monthly_actuals, 1.0, None).sum() + 0.5 / 3
    parts = [float(round(total * s)) for s in share[:2]]
    parts.append(float(total) - sum(parts))
    return [(f"{year}-{3 * q - 2 + i:02d}", part) for i, part in enumerate(parts)]


def _targets_frame(traits, cal: _Calendar, money: dict[str, np.ndarray],
                   monthly: dict[str, np.ndarray]) -> pd.DataFrame:
    """Quarter targets for every AM from their first quarter to the next quarter; the monthly
    team's review-quarter revenue and margin targets are month rows instead of a quarter row."""
    rows = []
    for am, t in enumerate(traits):
        am_id = _AM_IDS[am]
        first_q = int(cal.quarter_of(_ACTIVE_FROM[am:am + 1])[0])
        public = _TEAMS[am] == _PUBLIC
        for q in range(first_q, _NEXT_Q + 1):
            for measure, target in money.items():
                if q == _REVIEW_Q and _TEAMS[am] == MONTHLY_TARGET_TEAM:
                    phased = _phase(target[am, q], monthly[measure][am])
                    rows.extend((am_id, month, measure, part) for month, part in phased)
                else:
                    rows.append((am_id, _QUARTERS[q], measure, float(target[am, q])))
            ramp = _worked_share(cal, q)[am] * (0.75 if q == first_q and _START_DAYS[am] > 0 else 1.0)
            counts = {"new_accounts": max(1, round(t.new_accounts_target * ramp)),
                      "activities": round((400 if public else 450) * ramp, -1),
                      "visits": round((30 if public else 36) * ramp)}
            rows.extend((am_id, _QUARTERS[q], measure, float(value)) for measure, value in counts.items())
    frame = pd.DataFrame(rows, columns=["am_id", "period", "measure", "target"])
    return pd.DataFrame({"am_id": _text(frame["am_id"]), "period": _text(frame["period"]),
                         "measure": _text(frame["measure"]), "target": frame["target"].astype(float)})


def _review_months(sales: pd.DataFrame, cal: _Calendar) -> dict[str, np.ndarray]:
    """Revenue and gross margin per AM (rows) and month (columns) of the review quarter."""
    days = (sales["invoice_date"].to_numpy().astype("datetime64[D]") - _DAY0).astype(int)
    month = np.searchsorted(cal.month_starts, days, side="right") - 1 - 3 * _REVIEW_Q
    am = np.searchsorted(_AM_IDS.astype(str), sales["am_id"].to_numpy(dtype=object).astype(str))
    inside = (month >= 0) & (month < 3)
    cell = am[inside] * 3 + month[inside]
    revenue = np.bincount(cell, sales["revenue"].to_numpy()[inside], len(_ROSTER) * 3)
    cost = np.bincount(cell, sales["cost"].to_numpy()[inside], len(_ROSTER) * 3)
    return {"revenue": revenue.reshape(-1, 3), "gross_margin": (revenue - cost).reshape(-1, 3)}


# --------------------------------------------------------------------------------------------
# Opportunities
# --------------------------------------------------------------------------------------------

_PROSPECTING, _ENGAGING, _WON, _LOST = (OPPORTUNITY_STAGES.index(s)
                                        for s in ("prospecting", "engaging", "won", "lost"))


def _active_months(cal: _Calendar, am: int) -> tuple[np.ndarray, np.ndarray]:
    """First and last day of each history month the AM was in post (from their start)."""
    first = cal.month_starts[:_REVIEW_Q * 3 + 3]
    last = cal.month_starts[1:_REVIEW_Q * 3 + 4] - 1
    mine = last >= _ACTIVE_FROM[am]
    return np.maximum(first[mine], _ACTIVE_FROM[am]), last[mine]


def _random_days_by_month(rng, cal: _Calendar, am: int, per_month: float, at_least: int = 0) -> np.ndarray:
    """Random business days, about ``per_month`` (and at least ``at_least``) a month in post."""
    first, last = _active_months(cal, am)
    count = at_least + rng.poisson(per_month - at_least, len(first))
    return np.sort(cal.random_bdays(rng, np.repeat(first, count), np.repeat(last, count)))


def _opportunity_values(rng, n: int, median: float) -> tuple[np.ndarray, np.ndarray]:
    value = np.round(np.exp(rng.normal(np.log(median), 0.8, n)), -2)
    return value, np.round(value * rng.uniform(0.04, 0.14, n), 2)


def _open_last_updated(rng, traits, am: np.ndarray, created: np.ndarray) -> np.ndarray:
    """Diligent AMs touched their open deals in the last weeks; the CRM neglecter months ago."""
    window = np.array([t.pipeline_update_days for t in traits])[am]
    return np.maximum(created, _END - (rng.random(len(created)) * window).astype(int))


def _customer_opportunities(rng, traits, cal: _Calendar, am: int, picker: _AccountPicker,
                            deal_size: float) -> dict:
    """Deals with existing customers over the history: won, lost, open, or left stale."""
    t = traits[am]
    created = _random_days_by_month(rng, cal, am, t.opportunities_per_month)
    created = created[created <= _END - 5]
    n = len(created)
    close = cal.next_bday(created + rng.integers(14, 120, n))
    due = close <= _END
    stale = due & (rng.random(n) < t.stale_share) & (close > _END - 365)
    resolved = due & ~stale
    won = resolved & (rng.random(n) < t.win_rate)
    open_stage = np.where(rng.random(n) < 0.55, _ENGAGING, _PROSPECTING)
    stage = np.where(won, _WON, np.where(resolved, _LOST, open_stage))
    stale_touch = np.minimum(created + (rng.random(n) * (close - created) / 2).astype(int), _END)
    open_touch = _open_last_updated(rng, traits, np.full(n, am), created)
    last_updated = np.where(resolved, close, np.where(stale, stale_touch, open_touch))
    value, margin = _opportunity_values(rng, n, deal_size / 4)
    return {"am": np.full(n, am), "account": picker.pick(rng, am, created), "stage": stage, "created": created,
            "close": close, "value": value, "margin": margin, "new_business": np.zeros(n, dtype=bool),
            "last_updated": last_updated}


def _new_logo_wins(rng, cal: _Calendar, book: _AccountBook) -> dict:
    """The won deal behind every account that became a customer during the history."""
    account = np.flatnonzero(~book.prospect & (book.first_day > 20))
    am = book.owner[account]
    n = len(account)
    created = np.maximum(cal.next_bday(book.first_day[account] - rng.integers(20, 80, n)), _ACTIVE_FROM[am])
    close = np.maximum(cal.previous_bday(book.first_day[account] - rng.integers(0, 6, n)), created)
    value, margin = _opportunity_values(rng, n, 12000)
    return {"am": am, "account": account, "stage": np.full(n, _WON), "created": created, "close": close, "value": value,
            "margin": margin, "new_business": np.ones(n, dtype=bool), "last_updated": close}


def _prospect_opportunities(rng, traits, cal: _Calendar, book: _AccountBook) -> dict:
    """New-business deals with prospects that have not bought yet: open, lost, or gone stale."""
    account = np.repeat(np.flatnonzero(book.prospect), 2)
    account = account[rng.random(len(account)) < 0.75]
    am = book.owner[account]
    n = len(account)
    created = cal.random_bdays(rng, book.created_day[account], np.full(n, _END - 3))
    close = cal.next_bday(created + rng.integers(30, 120, n))
    due = close <= _END
    lost = due & (rng.random(n) < 0.6)
    stage = np.where(lost, _LOST, np.where(rng.random(n) < 0.5, _ENGAGING, _PROSPECTING))
    open_touch = _open_last_updated(rng, traits, am, created)
    last_updated = np.where(lost, close, np.where(due, np.minimum(created + 10, _END), open_touch))
    value, margin = _opportunity_values(rng, n, 25000)
    return {"am": am, "account": account, "stage": stage, "created": created, "close": close, "value": value,
            "margin": margin, "new_business": np.ones(n, dtype=bool), "last_updated": last_updated}


def _next_quarter_pipeline(rng, traits, cal: _Calendar, book: _AccountBook, am: int, picker: _AccountPicker,
                           deal_size: float) -> dict:
    """Open deals expected to close next quarter, adding up to (at most) the AM's pipeline
    coverage of next quarter's revenue target; a few are new business with prospects."""
    value, margin = _opportunity_values(rng, 200, deal_size)
    n = int(np.searchsorted(np.cumsum(value), traits[am].pipeline_coverage * deal_size * 20, side="right"))
    value, margin = value[:n], margin[:n]
    created = cal.random_bdays(rng, np.full(n, max(_END - 120, _ACTIVE_FROM[am])), np.full(n, _END - 2))
    next_first, next_last = cal.quarter_starts[_NEXT_Q], cal.quarter_starts[_NEXT_Q + 1] - 1
    close = cal.random_bdays(rng, np.full(n, next_first), np.full(n, next_last))
    stage = np.where(rng.random(n) < 0.6, _ENGAGING, _PROSPECTING)
    prospect = _prospect_picks(rng, book, am, created)
    new_business = (prospect >= 0) & (rng.random(n) < 0.2)
    account = np.where(new_business, prospect, picker.pick(rng, am, created))
    last_updated = _open_last_updated(rng, traits, np.full(n, am), created)
    return {"am": np.full(n, am), "account": account, "stage": stage, "created": created, "close": close,
            "value": value, "margin": margin, "new_business": new_business, "last_updated": last_updated}


def _opportunities_frame(rng, traits, cal: _Calendar, book: _AccountBook, picker: _AccountPicker,
                         next_quarter_target: np.ndarray) -> pd.DataFrame:
    """Every AM's deals; a typical deal is a twentieth of next quarter's revenue target."""
    deal_size = next_quarter_target / 20
    ams = range(len(traits))
    parts = [_customer_opportunities(rng, traits, cal, am, picker, deal_size[am]) for am in ams]
    parts += [_new_logo_wins(rng, cal, book), _prospect_opportunities(rng, traits, cal, book)]
    parts += [_next_quarter_pipeline(rng, traits, cal, book, am, picker, deal_size[am]) for am in ams]
    opp = {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
    order = np.lexsort((opp["value"], opp["am"], opp["created"]))
    opp = {key: values[order] for key, values in opp.items()}
    return pd.DataFrame({
        "opportunity_id": _numbered("OPP-", np.arange(1, len(order) + 1), 5),
        "am_id": _text(_AM_IDS[opp["am"]]),
        "account_id": _account_ids(book, opp["account"]),
        "stage": _text(np.array(OPPORTUNITY_STAGES, dtype=object)[opp["stage"]]),
        "created_date": _dates(opp["created"]),
        "close_date": _dates(opp["close"]),
        "value": opp["value"].astype(float),
        "expected_margin": opp["margin"].astype(float),
        "new_business": opp["new_business"].astype(bool),
        "last_updated": _dates(opp["last_updated"]),
    })


# --------------------------------------------------------------------------------------------
# Activities, back orders and cases
# --------------------------------------------------------------------------------------------

def _activity_mix(t: _Traits) -> np.ndarray:
    """Shares of call, visit, meeting, email, other (ACTIVITY_TYPES order)."""
    share = {"call": 0.45, "visit": t.visit_share, "meeting": 0.1, "other": 0.05}
    share["email"] = 1 - sum(share.values())
    return np.array([share[kind] for kind in ACTIVITY_TYPES])


def _logged_days(rng, t: _Traits, cal: _Calendar, am: int, day: np.ndarray) -> np.ndarray:
    """When each activity reached the CRM: the same or next day for most AMs; the neglecter
    logs a few from the phone and the rest in a catch-up session every few weeks. Days after
    HISTORY_END mean "not logged by the export"."""
    if not t.logging_batch_days:
        lag = rng.choice([0, 1, 2, 3, 5], size=len(day), p=[0.72, 0.2, 0.04, 0.02, 0.02])
        return cal.next_bday(day + lag)
    every = t.logging_batch_days
    catch_ups = cal.bdays_between(_ACTIVE_FROM[am], _END)[rng.integers(every)::every]
    batch = np.searchsorted(catch_ups, day)
    batched = np.where(batch < len(catch_ups), catch_ups[np.minimum(batch, len(catch_ups) - 1)], _END + 1)
    return np.where(rng.random(len(day)) < 0.05, day, batched)


def _prospect_picks(rng, book: _AccountBook, am: int, days: np.ndarray) -> np.ndarray:
    """A prospect of the AM already in the CRM on each day, or -1."""
    mine = np.flatnonzero(book.prospect & (book.owner == am))
    if len(mine) == 0:
        return np.full(len(days), -1)
    mine = mine[np.argsort(book.created_day[mine], kind="stable")]
    known = np.searchsorted(book.created_day[mine], days, side="right")
    pick = np.minimum((rng.random(len(days)) * known).astype(int), len(mine) - 1)
    return np.where(known > 0, mine[pick], -1)


def _activities_frame(rng, traits, cal: _Calendar, book: _AccountBook,
                      picker: _AccountPicker) -> pd.DataFrame:
    parts = []
    for am, t in enumerate(traits):
        days = cal.bdays_between(_ACTIVE_FROM[am], _END)
        day = np.repeat(days, rng.poisson(t.activities_per_week / 5, len(days)))
        kind = rng.choice(len(ACTIVITY_TYPES), size=len(day), p=_activity_mix(t))
        logged = _logged_days(rng, t, cal, am, day)
        account = picker.pick(rng, am, day)
        prospecting = rng.random(len(day))
        account = np.where(prospecting < 0.06, _prospect_picks(rng, book, am, day), account)
        account[(prospecting >= 0.06) & (prospecting < 0.13)] = -1  # internal or unassigned
        logged_by_export = logged <= _END  # the rest were still unlogged when the pack was exported
        parts.append((np.full(logged_by_export.sum(), am), day[logged_by_export], kind[logged_by_export],
                      logged[logged_by_export], account[logged_by_export]))
    am, day, kind, logged, account = (np.concatenate(column) for column in zip(*parts))
    order = np.lexsort((kind, am, day))
    return pd.DataFrame({
        "activity_id": _numbered("ACT-", np.arange(1, len(order) + 1), 6),
        "am_id": _text(_AM_IDS[am[order]]),
        "account_id": _account_ids(book, account[order]),
        "type": _text(np.array(ACTIVITY_TYPES, dtype=object)[kind[order]]),
        "activity_date": _dates(day[order]),
        "logged_date": _dates(logged[order]),
    })


def _back_orders_frame(rng, traits, cal: _Calendar, book: _AccountBook,
                       picker: _AccountPicker) -> pd.DataFrame:
    """Order lines waiting on vendor stock; the unfulfilled ones were still open at export."""
    parts = []
    for am, t in enumerate(traits):
        ordered = _random_days_by_month(rng, cal, am, 7)
        n = len(ordered)
        promised = cal.next_bday(ordered + rng.integers(5, 30, n))
        slip = np.where(rng.random(n) < t.back_order_late, rng.integers(1, 35, n), -rng.integers(0, 5, n))
        fulfilled = cal.next_bday(np.maximum(ordered + 1, promised + slip))
        value = np.round(np.exp(rng.normal(np.log(2500), 1.0, n)), 2)
        parts.append((np.full(n, am), ordered, promised, fulfilled, value, picker.pick(rng, am, ordered)))
    am, ordered, promised, fulfilled, value, account = (np.concatenate(column) for column in zip(*parts))
    order = np.lexsort((value, am, ordered))
    return pd.DataFrame({
        "order_line_id": _numbered("SO-", 45001 + np.arange(len(order)), 7) + "-01",
        "am_id": _text(_AM_IDS[am[order]]),
        "account_id": _account_ids(book, account[order]),
        "order_date": _dates(ordered[order]),
        "promised_date": _dates(promised[order]),
        "fulfilled_date": _dates(fulfilled[order], missing=fulfilled[order] > _END),
        "value": value[order].astype(float),
    })


_SEVERITIES = ("low", "medium", "high", "critical")
SLA_DAYS = {"low": 10.0, "medium": 5.0, "high": 2.0, "critical": 1.0}
STUCK_SHARE = 0.5  # of a person's late cases, those left open for weeks (8× the usual lateness)


def _cases_frame(rng, traits, cal: _Calendar, book: _AccountBook, picker: _AccountPicker) -> pd.DataFrame:
    """Customer problems the AM owns; most resolved within the severity's SLA."""
    parts = []
    sla_by_severity = np.array([SLA_DAYS[s] for s in _SEVERITIES])
    for am, t in enumerate(traits):
        opened = _random_days_by_month(rng, cal, am, 3.5)
        n = len(opened)
        severity = rng.choice(len(_SEVERITIES), size=n, p=[0.45, 0.35, 0.15, 0.05])
        sla = sla_by_severity[severity].astype(int)
        draw = rng.random(n)
        within = draw < t.sla_share
        took = np.where(within, (rng.random(n) * (sla + 1)).astype(int), sla + rng.integers(1, 15, n))
        # A few of the late cases are left with no owner for weeks (the top of the late draws,
        # so the random stream, and every other table, stays as it was): more of them for an AM
        # who misses the SLA more often, so "open cases past SLA" tells people apart.
        stuck = draw > 1 - (1 - t.sla_share) * STUCK_SHARE
        took = np.where(stuck, took * 8, took)
        parts.append((np.full(n, am), opened, opened + took, severity, picker.pick(rng, am, opened)))
    am, opened, resolved, severity, account = (np.concatenate(column) for column in zip(*parts))
    order = np.lexsort((severity, am, opened))
    severity_names = np.array(_SEVERITIES, dtype=object)[severity[order]]
    return pd.DataFrame({
        "case_id": _numbered("CS-", 10001 + np.arange(len(order)), 6),
        "am_id": _text(_AM_IDS[am[order]]),
        "account_id": _account_ids(book, account[order]),
        "opened_date": _dates(opened[order]),
        "resolved_date": _dates(resolved[order], missing=resolved[order] > _END),
        "severity": _text(severity_names),
        "sla_days": np.array([SLA_DAYS[s] for s in severity_names], dtype=float),
    })


# --------------------------------------------------------------------------------------------
# Reports and forecasts
# --------------------------------------------------------------------------------------------

def _report_schedule(cal: _Calendar) -> tuple[tuple[str, np.ndarray], ...]:
    """Due days of the recurring reports over the history."""
    fridays = np.arange(4, _END + 1, 7)
    month_firsts = cal.month_starts[:_REVIEW_Q * 3 + 3]
    fifth_business_day = cal.bdays[np.searchsorted(cal.bdays, month_firsts) + 4]
    quarter_ends = cal.quarter_starts[1:_REVIEW_Q + 2]
    ten_days_before_end = cal.bdays[np.searchsorted(cal.bdays, quarter_ends) - 10]
    return (("Weekly pipeline report", np.unique(cal.previous_bday(fridays))),
            ("Monthly account plan", fifth_business_day),
            ("Quarterly business review pack", ten_days_before_end))


def _report_submissions_frame(rng, traits, cal: _Calendar) -> pd.DataFrame:
    rows = []
    for am, t in enumerate(traits):
        for report, due in _report_schedule(cal):
            due = due[due >= _ACTIVE_FROM[am]]
            n = len(due)
            draw = rng.random(n)
            late = (draw >= t.report_missing) & (draw < t.report_missing + t.report_late)
            submitted = np.where(late, cal.next_bday(due + rng.integers(1, 10, n)),
                                 np.maximum(cal.previous_bday(due - rng.integers(0, 3, n)), _ACTIVE_FROM[am]))
            missing = (draw < t.report_missing) | (submitted > _END)
            errors = np.where(missing, 0, rng.poisson(t.report_errors, n))
            rows.append(pd.DataFrame({
                "am_id": _text(np.full(n, _AM_IDS[am], dtype=object)),
                "report": _text(np.full(n, report, dtype=object)),
                "due_date": _dates(due),
                "submitted_date": _dates(submitted, missing=missing),
                "errors": errors.astype("int64"),
            }))
    return pd.concat(rows, ignore_index=True).sort_values(["due_date", "am_id", "report"], kind="stable",
                                                          ignore_index=True)


def _forecasts_frame(rng, traits, cal: _Calendar, actual: dict[str, np.ndarray],
                     money: dict[str, np.ndarray]) -> pd.DataFrame:
    """Quarter forecasts submitted a week or two before each quarter; the next quarter's is
    made against its target at the AM's current attainment."""
    rows = []
    for am, t in enumerate(traits):
        for q in range(1, _NEXT_Q + 1):
            submitted = int(cal.previous_bday(np.array([cal.quarter_starts[q] - rng.integers(7, 15)]))[0])
            if submitted < _ACTIVE_FROM[am]:
                continue
            for m, (measure, decimals) in enumerate((("revenue", -3), ("gross_margin", -2))):
                level = t.revenue_attainment[1] if measure == "revenue" else t.margin_attainment[1]
                base = actual[measure][am, q] if q <= _REVIEW_Q else money[measure][am, q] * level
                error = t.forecast_bias[m] + rng.normal(0, t.forecast_sd)
                forecast = float(round(base * (1 + error), decimals))
                rows.append((_AM_IDS[am], _QUARTERS[q], measure, forecast, submitted))
    frame = pd.DataFrame(rows, columns=["am_id", "period", "measure", "forecast", "submitted"])
    return pd.DataFrame({"am_id": _text(frame["am_id"]), "period": _text(frame["period"]),
                         "measure": _text(frame["measure"]), "forecast": frame["forecast"].astype(float),
                         "submitted_date": _dates(frame["submitted"].to_numpy())})


# --------------------------------------------------------------------------------------------
# Development plans and competency ratings
# --------------------------------------------------------------------------------------------

_OBJECTIVES = (
    ("Complete the Cisco Meraki sales specialist certification", "Problem Solving"),
    ("Pass the Fortinet NSE 2 network security associate exam", "Problem Solving"),
    ("Complete the Lenovo ThinkSystem server sales accreditation", "Problem Solving"),
    ("Agree a spot-deal pricing review with purchasing to lift margin by one point", "Problem Solving"),
    ("Clear every back order older than 30 days with a written plan per customer", "Problem Solving"),
    ("Run a joint account plan with the HP channel manager for the top five accounts", "Working with Others"),
    ("Shadow a pre-sales engineer on two bespoke deployments", "Working with Others"),
    ("Co-sell one Microsoft 365 migration with the services team", "Working with Others"),
    ("Share one account win at each monthly team meeting", "Working with Others"),
    ("Hold a quarterly business review with every key account", "Interpersonal Effectiveness"),
    ("Meet the IT director at five accounts where we only know purchasing", "Interpersonal Effectiveness"),
    ("Complete ten face-to-face customer visits a month", "Interpersonal Effectiveness"),
    ("Log every customer contact in the CRM within 24 hours", "Communications"),
    ("Submit the weekly pipeline report on time every week of the quarter", "Communications"),
    ("Present a product briefing on Microsoft 365 Copilot to the team", "Communications"),
    ("Write a tailored solution proposal for three key accounts", "Communications"),
    ("Win two new logos from the prospect list", "Decision Making & Influencing"),
    ("Lift the vendor programme share of HP and Cisco sales to 30 %", "Decision Making & Influencing"),
    ("Complete the advanced negotiation skills workshop", "Decision Making & Influencing"),
    ("Run two outbound calling campaigns to lapsed accounts", "Decision Making & Influencing"),
)
_NEW_STARTER_OBJECTIVES = (
    ("Complete the product induction on the HP, Dell and Lenovo portfolios", "Problem Solving"),
    ("Meet every inherited account within the first 60 days", "Interpersonal Effectiveness"),
    ("Set up an account plan in the CRM for every inherited account", "Communications"),
    ("Shadow a senior account manager on five customer visits", "Working with Others"),
)
_EVIDENCE = {
    "achieved": ("Certificate uploaded to the HR portal", "Meeting notes and actions logged in the CRM",
                 "Confirmed by manager at the monthly one-to-one",
                 "Customer email confirming the review attached",
                 "Report in the shared drive, reviewed by manager"),
    "in_progress": ("Booked for next month", "Half done, the rest scheduled",
                    "Waiting on vendor course dates"),
    "missed": ("Slipped behind the quarter-end workload", "Customer availability pushed it out",
               "Started late; not finished by the due date"),
    "deferred": ("Deferred by agreement until the vendor relaunches the course",
                 "Parked while covering a colleague's accounts"),
}
_PLAN_WEIGHTS = {3: (40.0, 30.0, 30.0), 4: (30.0, 25.0, 25.0, 20.0), 5: (25.0, 20.0, 20.0, 20.0, 15.0)}
_MAX_CARRIES = 2


def _objective_queue(rng, t: _Traits, am: int) -> list[tuple[str, str]]:
    """The order an AM takes objectives on: their weak competency first."""
    if am == _NEW_STARTER:
        return list(_NEW_STARTER_OBJECTIVES) + [_OBJECTIVES[i] for i in rng.permutation(len(_OBJECTIVES))]
    shuffled = [_OBJECTIVES[i] for i in rng.permutation(len(_OBJECTIVES))]
    weak = [o for o in shuffled if o[1] == t.weak_competency]
    return weak + [o for o in shuffled if o[1] != t.weak_competency]


def _objective_outcome(rng, t: _Traits, carried: bool, progress: float) -> tuple[str, float]:
    if rng.random() < t.objective_success + (0.1 if carried else 0.0):
        return "achieved", 1.0
    status = ("missed", "in_progress", "deferred", "not_started")[rng.choice(4, p=[0.4, 0.35, 0.15, 0.1])]
    if status == "not_started":
        return ("missed", progress) if carried else ("not_started", 0.0)
    return status, round(max(progress, rng.uniform(0.1, 0.85)), 2)


def _development_objectives_frame(rng, traits, cal: _Calendar) -> pd.DataFrame:
    """Quarterly development plans of 3–5 weighted objectives; an objective not achieved by its
    due date carries over (same objective_id) into the next quarter's plan, at most twice."""
    rows = []
    for am, t in enumerate(traits):
        queue, number, carry = _objective_queue(rng, t, am), 0, []
        for q in range(int(cal.quarter_of(_ACTIVE_FROM[am:am + 1])[0]), _REVIEW_Q + 1):
            plan = list(carry)
            while len(plan) < rng.integers(3, 6):
                number += 1
                text, competency = queue[(number - 1) % len(queue)]
                plan.append((f"OBJ-{_AM_IDS[am]}-{number:03d}", text, competency, 0.0, 0))
            weights = rng.permutation(np.array(_PLAN_WEIGHTS[len(plan)]))
            quarter_end = cal.previous_bday(np.array([cal.quarter_starts[q + 1] - 1]))[0]
            second_month_end = cal.previous_bday(np.array([cal.month_starts[3 * q + 2] - 1]))[0]
            carry = []
            for (objective_id, text, competency, progress, carries), weight in zip(plan, weights):
                early = rng.random() < 0.4 and second_month_end >= _ACTIVE_FROM[am]
                due = second_month_end if early else quarter_end
                status, progress = _objective_outcome(rng, t, carries > 0, progress)
                notes = _EVIDENCE.get(status, (None,))
                evidence = notes[rng.integers(len(notes))]
                rows.append((_AM_IDS[am], objective_id, _QUARTERS[q], text, competency, float(weight), due,
                             status, float(progress), evidence))
                if status != "achieved" and carries < _MAX_CARRIES:
                    carry.append((objective_id, text, competency, progress, carries + 1))
    frame = pd.DataFrame(rows, columns=["am_id", "objective_id", "period", "objective", "competency",
                                        "weight", "due", "status", "progress", "evidence"])
    return pd.DataFrame({
        "am_id": _text(frame["am_id"]), "objective_id": _text(frame["objective_id"]),
        "period": _text(frame["period"]), "objective": _text(frame["objective"]),
        "competency": _text(frame["competency"]), "weight": frame["weight"].astype(float),
        "due_date": _dates(frame["due"].to_numpy()), "status": _text(frame["status"]),
        "progress": frame["progress"].astype(float),
        "evidence": _text(frame["evidence"], missing=frame["evidence"].isna().to_numpy()),
    })


_RATING_QUARTERS = 4
_PEER_RATED = ("AM001", "AM004", "AM007", "AM010", "AM013")
_MANAGER_COMMENTS = {
    "Interpersonal Effectiveness": ("Customers find it hard to get hold of them.",
                                    "Good rapport with regular contacts; could reach more senior people.",
                                    "Trusted by customers at every level, from buyers to IT directors."),
    "Working with Others": ("Works alone; rarely involves pre-sales or purchasing early.",
                            "Cooperates well with the internal teams when asked.",
                            "Brings in pre-sales, purchasing and vendors early and generously."),
    "Communications": ("Updates, reports and CRM notes are late or missing.",
                       "Clear with customers; internal updates could be more timely.",
                       "Clear, timely and well-documented communication, internally and externally."),
    "Problem Solving": ("Escalates problems instead of owning them.",
                        "Resolves most customer issues; some back orders drift.",
                        "Owns customer problems end to end and fixes root causes."),
    "Decision Making & Influencing": ("Gives away margin too readily to close deals.",
                                      "Sound commercial judgement on most deals.",
                                      "Influences customers towards the right solution and holds price."),
}
_SELF_COMMENTS = ("An area I know I need to work on.", "A steady quarter; I want to be more consistent here.",
                  "I think this went well this quarter.")
_PEER_COMMENTS = ("Could share more with the team.", "Reliable to work with.",
                  "Always helpful and quick to respond.")


def _competency_ratings_frame(rng, traits) -> pd.DataFrame:
    """Self, manager (and for some, peer) ratings 1–5 of the five competencies, last four quarters."""
    rows = []
    bias = {"self": 0.35, "manager": 0.0, "peer": 0.15}
    for am, t in enumerate(traits):
        raters = ("self", "manager", "peer") if _AM_IDS[am] in _PEER_RATED else ("self", "manager")
        for q in range(_REVIEW_Q - _RATING_QUARTERS + 1, _REVIEW_Q + 1):
            if am == _NEW_STARTER and q < _REVIEW_Q:
                continue
            for competency in COMPETENCIES:
                weak = 1.0 if competency == t.weak_competency else 0.0
                for rater in raters:
                    score = t.competency_mean - weak + bias[rater] + rng.normal(0, 0.45)
                    rating = int(np.clip(np.rint(score), 1, 5))
                    level = 0 if rating <= 2 else (1 if rating == 3 else 2)
                    by_rater = {"self": _SELF_COMMENTS, "peer": _PEER_COMMENTS}
                    comment = by_rater.get(rater, _MANAGER_COMMENTS[competency])[level]
                    rows.append((_AM_IDS[am], _QUARTERS[q], competency, rater, rating, comment))
    frame = pd.DataFrame(rows, columns=["am_id", "period", "competency", "rater", "rating", "comment"])
    return frame.assign(**{c: _text(frame[c]) for c in ("am_id", "period", "competency", "rater", "comment")},
                        rating=frame["rating"].astype("int64"))


# --------------------------------------------------------------------------------------------
# Customer feedback and the manager's notes
# --------------------------------------------------------------------------------------------

_FEEDBACK_COMMENTS = (
    ("Hard to get hold of our account manager.", "Back orders were not communicated until we chased.",
     "Pricing was fine but the delivery went wrong and nobody called us."),
    ("Good service overall; delivery dates slipped on the last order.", "Fine, though quotes take a while.",
     "Helpful when we call, but we rarely hear from them otherwise."),
    ("Always quick to come back with pricing.", "Sorted our laptop refresh brilliantly, on time.",
     "Really understands what our team needs and suggests better options."),
)


def _customer_feedback_frame(rng, traits, cal: _Calendar, book: _AccountBook,
                             picker: _AccountPicker) -> pd.DataFrame:
    """NPS (0–10) and CSAT (1–5) survey responses from the AM's customers; some with a comment."""
    parts = []
    for am, t in enumerate(traits):
        dates = _random_days_by_month(rng, cal, am, 2.5, at_least=1)
        n = len(dates)
        nps = rng.random(n) < 0.6
        score = np.where(nps, np.clip(np.rint(rng.normal(t.nps_mean, 1.6, n)), 0, 10),
                         np.clip(np.rint(rng.normal(t.csat_mean, 0.7, n)), 1, 5))
        mood = np.where(nps, np.digitize(score, [7, 9]), np.digitize(score, [4, 5]))
        which = rng.integers(0, 3, n)
        comment = np.array([_FEEDBACK_COMMENTS[m][i] for m, i in zip(mood, which)], dtype=object)
        parts.append((np.full(n, am), dates, nps, score, comment, rng.random(n) < 0.35,
                      picker.pick(rng, am, dates)))
    am, dates, nps, score, comment, silent, account = (np.concatenate(column) for column in zip(*parts))
    order = np.lexsort((score, am, dates))
    return pd.DataFrame({
        "account_id": _account_ids(book, account[order]),
        "am_id": _text(_AM_IDS[am[order]]),
        "feedback_date": _dates(dates[order]),
        "kind": _text(np.where(nps[order], "nps", "csat").astype(object)),
        "score": score[order].astype(float),
        "comment": _text(comment[order], missing=silent[order]),
    })


_NOTES = {
    "star": {
        "summary": "{first} had an outstanding quarter: revenue and margin well ahead of target, "
                   "with several new logos won. The benchmark for the team.",
        "margin": "Margin attainment is ahead even of revenue attainment: {first} leads with "
                  "bespoke solutions and holds price on run-rate business.",
        "new_business": "New accounts came from a well-worked prospect list, and next quarter's "
                        "pipeline is the strongest in the team.",
        "development": "Development plan achieved. Ready for a stretch objective on the largest "
                       "key accounts.",
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
        "new_business": "Good energy on new business; the new accounts need to be moved onto "
                        "run-rate pricing.",
        "development": "Negotiation skills workshop booked; a pricing review with purchasing "
                       "agreed as the priority.",
    },
    "crm_neglecter": {
        "summary": "Sales from {first}'s accounts are acceptable, but I cannot see the work behind "
                   "them: the CRM shows very little activity.",
        "margin": "Margin close to plan, helped by long-standing accounts.",
        "new_business": "Pipeline is thin and full of opportunities past their close dates; it "
                        "needs cleaning before it can be forecast from.",
        "development": "CRM logging and weekly reports are still the gap; we agreed a weekly "
                       "check-in.",
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
        "margin": "Margin in line with the team; room to sell more bespoke and vendor programme "
                  "business.",
        "new_business": "New business on plan; the prospect list could be worked harder.",
        "development": "Development plan mostly on track.",
    },
}
_PREVIOUS_NOTES = {
    "summary": "{first} was {verdict} this quarter ({revenue:.0%} of the revenue target, "
               "{margin:.0%} of margin).",
    "development": "Objectives for next quarter agreed at the one-to-one.",
}


def _verdict(revenue: float, margin: float) -> str:
    if revenue >= 1 and margin >= 1:
        return "on or over target for both revenue and margin"
    if revenue >= 1:
        return "over the revenue target but short on margin"
    if margin >= 1:
        return "short of the revenue target, though margin held up"
    return "short of target on both revenue and margin"


def _attained(actual: dict[str, np.ndarray], money: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """actual / target per AM and quarter, to whole percent (NaN before an AM's start)."""
    ratio = {m: np.divide(actual[m], money[m], out=np.full(money[m].shape, np.nan), where=money[m] > 0)
             for m in money}
    return {m: np.round(r, 2) for m, r in ratio.items()}


def _review_notes_frame(attained: dict[str, np.ndarray]) -> pd.DataFrame:
    """The manager's written comments on the review quarter, in the persona's voice, and the
    summary written a quarter earlier; ``attained`` is actual / target per AM and quarter."""
    rows = []
    for am, (am_id, name, team, _, persona) in enumerate(_ROSTER):
        first, author = name.split()[0], MANAGERS[team]
        if am != _NEW_STARTER:
            revenue = attained["revenue"][am, _REVIEW_Q - 1]
            margin = attained["gross_margin"][am, _REVIEW_Q - 1]
            for section, text in _PREVIOUS_NOTES.items():
                rows.append((am_id, _QUARTERS[_REVIEW_Q - 1], section, author, text.format(
                    first=first, verdict=_verdict(revenue, margin), revenue=revenue, margin=margin)))
        verdict = _verdict(attained["revenue"][am, _REVIEW_Q], attained["gross_margin"][am, _REVIEW_Q])
        for section, text in _NOTES[persona].items():
            rows.append((am_id, REVIEW_PERIOD, section, author, text.format(first=first, verdict=verdict)))
    frame = pd.DataFrame(rows, columns=["am_id", "period", "section", "author", "text"])
    return frame.assign(**{c: _text(frame[c]) for c in frame.columns})


# --------------------------------------------------------------------------------------------
# The pack
# --------------------------------------------------------------------------------------------

def generate_sample(seed: int = SAMPLE_SEED) -> dict[str, pd.DataFrame]:
    """The sample data pack: every table of the data contract, keyed by table name.

    Pure and deterministic: the same ``seed`` gives identical tables; no files are written.
    """
    rng = np.random.default_rng(seed)
    cal = _calendar()
    traits = _am_traits(rng)
    book = _account_book(rng, traits, cal)
    lines = _sales_lines(rng, book, traits, cal)
    sales = _sales_frame(lines, book)
    picker = _AccountPicker(lines)
    actual = _quarterly_actuals(sales, cal)
    money = {
        "revenue": _money_targets(rng, traits, cal, actual["revenue"], "revenue_attainment", -3),
        "gross_margin": _money_targets(rng, traits, cal, actual["gross_margin"], "margin_attainment", -2),
    }
    tables = {
        "account_managers": _account_managers_frame(),
        "sales": sales,
        "targets": _targets_frame(traits, cal, money, _review_months(sales, cal)),
        "accounts": _accounts_frame(book),
        "opportunities": _opportunities_frame(rng, traits, cal, book, picker, money["revenue"][:, _NEXT_Q]),
        "activities": _activities_frame(rng, traits, cal, book, picker),
        "back_orders": _back_orders_frame(rng, traits, cal, book, picker),
        "cases": _cases_frame(rng, traits, cal, book, picker),
        "report_submissions": _report_submissions_frame(rng, traits, cal),
        "forecasts": _forecasts_frame(rng, traits, cal, actual, money),
        "development_objectives": _development_objectives_frame(rng, traits, cal),
        "competency_ratings": _competency_ratings_frame(rng, traits),
        "customer_feedback": _customer_feedback_frame(rng, traits, cal, book, picker),
        "review_notes": _review_notes_frame(_attained(actual, money)),
    }
    _leave_record_gaps(tables, traits, np.random.default_rng([seed, RECORD_GAPS_STREAM]))
    return tables


RECORD_GAPS_STREAM = 1  # the second generator's key: its draws leave the main stream untouched


def _leave_record_gaps(tables: dict[str, pd.DataFrame], traits, rng) -> None:
    """Required CRM fields (:data:`amreview.metrics.reporting.CRM_REQUIRED_FIELDS`) some people
    leave empty: an opportunity's expected margin, and the account of an activity that should
    name one (every type but ``other``), each with the AM's ``record_gaps`` probability."""
    gaps = dict(zip(_AM_IDS, (t.record_gaps for t in traits)))
    opportunities, activities = tables["opportunities"], tables["activities"]
    share = opportunities["am_id"].map(gaps).to_numpy(dtype=float)
    blank = rng.random(len(opportunities)) < share
    opportunities["expected_margin"] = opportunities["expected_margin"].where(~blank)
    share = activities["am_id"].map(gaps).to_numpy(dtype=float)
    blank = (rng.random(len(activities)) < share) & (activities["type"] != "other").to_numpy()
    activities["account_id"] = _text(activities["account_id"].to_numpy(dtype=object),
                                     missing=blank | activities["account_id"].isna().to_numpy())
