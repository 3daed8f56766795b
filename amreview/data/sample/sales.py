"""The sample's sales: invoice lines and credit notes (the ``sales`` table), priced from a
catalogue of real vendors' products by deal type, and the quarterly actuals that targets are set from.

While the tables are made, the lines are parallel arrays (:func:`sales_lines`: account, day,
am, deal, product, ...); :class:`~amreview.data.sample.accounts.AccountPicker` reads them too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from amreview.data.sample._calendar import DAY0, END, QUARTERS, REVIEW_Q, Calendar
from amreview.data.sample._columns import date_column, text_column
from amreview.data.sample.accounts import AccountBook
from amreview.data.sample.effects import SHIPPED, SampleEffects
from amreview.data.sample.organisation import AM_IDS, NEW_STARTER, ROSTER, START_DAYS, TEAMS
from amreview.data.sample.personas import Traits
from amreview.errors import ArgumentError
from amreview.vocabulary import DEAL_TYPES

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
_TAILORED_PRODUCTS = (
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
_PRODUCTS = _CATALOGUE + tuple((v, p, price, w, False, 1.0) for v, p, price, w in _TAILORED_PRODUCTS)
_N_STANDARD = len(_CATALOGUE)
_VENDOR = np.array([row[0] for row in _PRODUCTS], dtype=object)
_PRODUCT = np.array([row[1] for row in _PRODUCTS], dtype=object)
_PRICE = np.array([row[2] for row in _PRODUCTS])
PROGRAMME_VENDORS = ("HP", "Cisco", "Microsoft")

_RUN_RATE, _SPOT, _BESPOKE, _LARGE_VOLUME = (
    DEAL_TYPES.index(d) for d in ("run_rate", "spot", "bespoke", "large_volume")
)
# Per deal type: gross-margin band, typical line value (and its spread), price as share of list.
_MARGIN_BAND = {_RUN_RATE: (0.06, 0.10), _SPOT: (0.02, 0.05), _BESPOKE: (0.12, 0.20), _LARGE_VOLUME: (0.03, 0.06)}
_LINE_VALUE = {_RUN_RATE: (1300.0, 0.8), _SPOT: (6500.0, 0.6), _BESPOKE: (7000.0, 0.6), _LARGE_VOLUME: (26000.0, 0.45)}
_PRICE_LEVEL = {_RUN_RATE: (0.92, 1.0), _SPOT: (0.84, 0.93), _BESPOKE: (0.95, 1.0), _LARGE_VOLUME: (0.82, 0.9)}

# Buying seasonality by calendar month (Jan..Dec): commercial Q4 budgets; public sector March year end.
_SEASON = np.array(
    [
        (0.90, 0.95, 1.10, 0.95, 1.00, 1.05, 0.95, 0.80, 1.05, 1.05, 1.15, 1.00),
        (1.00, 1.20, 1.70, 0.70, 0.85, 0.95, 1.15, 1.05, 0.95, 0.90, 0.95, 0.80),
    ]
)
_RETURN_SHARE = 0.025
_COVER_SHARE = 0.02


def _product_weights(deal: int, public: bool) -> np.ndarray:
    """The chance of each product on a line of deal type ``deal`` for a (public-sector) buyer."""
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


def _monthly_line_counts(
    rng: np.random.Generator, book: AccountBook, traits: list[Traits], cal: Calendar
) -> tuple[np.ndarray, np.ndarray]:
    """(account, day) of every ordinary invoice line: Poisson lines per account and month."""
    n_months = REVIEW_Q * 3 + 3
    account = np.repeat(np.arange(len(book.owner)), n_months)
    month = np.tile(np.arange(n_months), len(book.owner))
    first = np.maximum(cal.month_starts[month], book.first_day[account])
    last = np.minimum(cal.month_starts[month + 1] - 1, book.last_day[account])
    lo = np.searchsorted(cal.bdays, first)
    width = np.maximum(np.searchsorted(cal.bdays, last, side="right") - lo, 0)
    month_bdays = np.diff(np.searchsorted(cal.bdays, cal.month_starts))[month]
    growth = np.array([t.growth for t in traits])[book.owner[account]]
    expected = (
        book.rate[account]
        * _SEASON[book.public[account].astype(int), (month + 6) % 12]
        * (1 + growth) ** (cal.month_starts[month] / 365.0)
        * width
        / month_bdays
    )
    expected[book.prospect[account]] = 0
    cell = np.repeat(np.arange(len(account)), rng.poisson(expected))
    day = cal.bdays[lo[cell] + (rng.random(len(cell)) * width[cell]).astype(int)]
    # Every trading account's first line falls on its first day: that is when it became a customer.
    opener = np.flatnonzero(~book.prospect)
    return np.concatenate([opener, account[cell]]), np.concatenate([book.first_day[opener], day])


def _credited_am(rng: np.random.Generator, book: AccountBook, account: np.ndarray, day: np.ndarray) -> np.ndarray:
    """The AM credited with each line: the owner, the leaver-pool cover before the new starter
    started, and now and then a teammate covering (never on the account's first day)."""
    am = np.where(day < START_DAYS[book.owner[account]], book.cover[account], book.owner[account])
    covered = (rng.random(len(day)) < _COVER_SHARE) & (day != book.first_day[account])
    teammate = rng.random(len(day))
    for me in range(len(ROSTER)):
        mates = np.flatnonzero(
            (TEAMS[me] == TEAMS) & (np.arange(len(ROSTER)) != me) & (np.arange(len(ROSTER)) != NEW_STARTER)
        )
        mine = covered & (am == me)
        am[mine] = mates[(teammate[mine] * len(mates)).astype(int)]
    return am


def _deal_types(rng: np.random.Generator, traits: list[Traits], am: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Each line's deal type (DEAL_TYPES index): the AM's mix, drifting from July 2024 to the end."""
    start = np.array([t.mix_start for t in traits])[am]
    end = np.array([t.mix_end for t in traits])[am]
    share = start + (end - start) * (day / END)[:, None]
    cumulative = np.cumsum(share / share.sum(axis=1, keepdims=True), axis=1)
    return np.minimum((rng.random(len(am))[:, None] > cumulative).sum(axis=1), len(DEAL_TYPES) - 1)


def _products(rng: np.random.Generator, deal: np.ndarray, public: np.ndarray) -> np.ndarray:
    """Each line's product (catalogue index), drawn by the weights fit for its deal and buyer."""
    product = np.zeros(len(deal), dtype=int)
    for d in range(len(DEAL_TYPES)):
        for is_public in (False, True):
            mine = np.flatnonzero((deal == d) & (public == is_public))
            product[mine] = rng.choice(len(_PRODUCTS), size=len(mine), p=_product_weights(d, is_public))
    return product


def _priced_lines(
    rng: np.random.Generator, traits: list[Traits], am: np.ndarray, deal: np.ndarray, product: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
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


def _returns(rng: np.random.Generator, cal: Calendar, lines: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Credit notes: part or all of an earlier line sent back a week or few later."""
    tailored = lines["deal"] == _BESPOKE  # configured and installed goods rarely come back
    source = np.flatnonzero(rng.random(len(tailored)) < _RETURN_SHARE * np.where(tailored, 0.3, 1.1))
    day = cal.next_bday(lines["day"][source] + rng.integers(5, 45, len(source)))
    source, day = source[day <= END], day[day <= END]
    full = lines["quantity"][source]
    partial = np.where(rng.random(len(source)) < 0.6, full, 1 + (rng.random(len(source)) * full).astype(int))
    share = partial / full
    returned = {key: values[source] for key, values in lines.items()}
    returned.update(
        day=day,
        quantity=-partial.astype("int64"),
        revenue=-np.round(returned["revenue"] * share, 2),
        cost=-np.round(returned["cost"] * share, 2),
        credit=np.ones(len(source), dtype=bool),
    )
    return returned


def territory_cost(cost: np.ndarray, revenue: np.ndarray, am: np.ndarray, gm_points: dict[str, float]) -> np.ndarray:
    """``cost`` with the known territory effect planted (:class:`SampleEffects`
    ``territory_gm_points``): on each line credited to a member of a team named in ``gm_points``,
    cost lowered by ``points / 100 × revenue`` (to the penny), so that GM % rises by those points
    and revenue is kept. No team named: ``cost`` itself (no random number is drawn either way)."""
    unknown = sorted(set(gm_points) - set(TEAMS))
    if unknown:
        teams = ", ".join(sorted(set(TEAMS)))
        raise ArgumentError(f"territory_gm_points: no team {', '.join(unknown)} (the teams: {teams})")
    if not gm_points:
        return cost
    points = np.array([gm_points.get(team, 0.0) for team in TEAMS])[am]
    return np.round(cost - points / 100.0 * revenue, 2)


def sales_lines(
    rng: np.random.Generator, book: AccountBook, traits: list[Traits], cal: Calendar, effects: SampleEffects = SHIPPED
) -> dict[str, np.ndarray]:
    """Every invoice line and credit note, as parallel arrays keyed by what they hold (with the
    territory effect of ``effects`` planted: :func:`territory_cost`; credit notes return part of
    a line at its cost)."""
    account, day = _monthly_line_counts(rng, book, traits, cal)
    am = _credited_am(rng, book, account, day)
    deal = _deal_types(rng, traits, am, day)
    product = _products(rng, deal, book.public[account])
    quantity, revenue, cost, vip = _priced_lines(rng, traits, am, deal, product)
    cost = territory_cost(cost, revenue, am, effects.territory_gm_points)
    lines = {
        "account": account,
        "day": day,
        "am": am,
        "deal": deal,
        "product": product,
        "quantity": quantity,
        "revenue": revenue,
        "cost": cost,
        "vip": vip,
        "credit": np.zeros(len(day), dtype=bool),
    }
    credits = _returns(rng, cal, lines)
    return {key: np.concatenate([lines[key], credits[key]]) for key in lines}


def sales_frame(lines: dict[str, np.ndarray], book: AccountBook) -> pd.DataFrame:
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
    line_id = (
        prefix
        + pd.Series(invoice_no).astype("str").str.zfill(7).to_numpy(dtype=object)
        + "-"
        + pd.Series(line_no).astype("str").str.zfill(2).to_numpy(dtype=object)
    )
    return pd.DataFrame(
        {
            "line_id": text_column(line_id),
            "invoice_date": date_column(col["day"]),
            "am_id": text_column(AM_IDS[col["am"]]),
            "account_id": text_column(book.ids[col["account"]]),
            "product": text_column(_PRODUCT[col["product"]]),
            "vendor": text_column(_VENDOR[col["product"]]),
            "quantity": col["quantity"].astype("int64"),
            "revenue": col["revenue"].astype(float),
            "cost": col["cost"].astype(float),
            "deal_type": text_column(np.array(DEAL_TYPES, dtype=object)[col["deal"]]),
            "vendor_programme": col["vip"].astype(bool),
        }
    )


def quarterly_actuals(sales: pd.DataFrame, cal: Calendar) -> dict[str, np.ndarray]:
    """Revenue and gross margin per AM (rows) and quarter (columns, QUARTERS order)."""
    am = np.searchsorted(AM_IDS.astype(str), sales["am_id"].to_numpy(dtype=object).astype(str))
    days = (sales["invoice_date"].to_numpy().astype("datetime64[D]") - DAY0).astype(int)
    quarter = cal.quarter_of(days)
    cell = am * len(QUARTERS) + quarter
    size = len(ROSTER) * len(QUARTERS)
    revenue = np.bincount(cell, sales["revenue"].to_numpy(), size).reshape(len(ROSTER), -1)
    margin = revenue - np.bincount(cell, sales["cost"].to_numpy(), size).reshape(len(ROSTER), -1)
    return {"revenue": revenue, "gross_margin": margin}
