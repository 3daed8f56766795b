"""What one review needs from the *whole* pack, beyond its own rows — computed once for everyone.

Most of a review reads only its account manager's rows. A few figures need everyone's:

* a *new* account's first line is its first in the whole pack (:func:`new_accounts_by_am`);
* retention follows each account's *principal* account manager (:func:`principal_retention`);
* the GM % chart compares the person with their team: an anonymised aggregate
  (:func:`team_gm_pct`), hidden for groups of fewer than
  :data:`~amreview.scoring.bands.MIN_PERCENTILE_GROUP` people, like the percentiles;
* the data-quality note counts lines on accounts a colleague owns (:func:`colleague_accounts`)
  and lists the warnings on the person's own rows, whose dates are judged against the whole
  pack's history (:func:`amreview.quality.checks.person_warnings`);
* and facts about the pack itself (:class:`PackFacts`: source, fingerprint, row counts, first
  and last invoice, which tables it holds, which CRM fields it exports).

:func:`person_views` computes all of them in one pass per table for any set of people and
splits the result per person (:class:`PersonViews`): :class:`~amreview.documents.review.Review` uses it
on a whole pack, :mod:`amreview.batch.prepare` writes each person's share into their review input.
A :class:`PersonViews` names no one else and holds no other person's figure: only this person's
rows, and team aggregates.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from amreview.data.datapack import DataPack
from amreview.frames import row_positions
from amreview.metrics.crm_records import CRM_REQUIRED_FIELDS, crm_exported_fields
from amreview.metrics.margin import margin_summary
from amreview.metrics.newbusiness import new_accounts_of
from amreview.metrics.registry import KpiContext, in_role
from amreview.metrics.relationships import retention_by_account, retention_windows
from amreview.periods import Quarter
from amreview.quality.checks import person_warnings
from amreview.scoring.bands import MIN_PERCENTILE_GROUP

TREND_QUARTERS = 8  # the margin charts look back two years where the pack allows
ORGANISATION = ""  # the benchmark group of people without a team: everyone


@dataclass(frozen=True)
class PackFacts:
    """What a review states about the whole pack (never about anyone in it).

    ``tables``: every table the pack holds → its row count; ``first_invoice``/``last_invoice``:
    the pack's sales date range (None without sales); ``crm_fields``: the CRM fields the pack
    exports (:func:`~amreview.metrics.reporting.crm_exported_fields` of the whole tables).
    """

    source: str
    fingerprint: str
    tables: dict[str, int]
    first_invoice: pd.Timestamp | None
    last_invoice: pd.Timestamp | None
    crm_fields: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, pack: DataPack) -> PackFacts:
        first_invoice, last_invoice = pack.invoice_dates
        return cls(
            source=pack.source,
            fingerprint=pack.fingerprint,
            tables=pack.row_counts(),
            first_invoice=first_invoice,
            last_invoice=last_invoice,
            crm_fields=crm_exported_fields({t: pack[t] for t in CRM_REQUIRED_FIELDS if pack.has(t)}),
        )

    @property
    def has_sales(self) -> bool:
        """Whether the pack holds margin data (a non-empty ``sales`` table)."""
        return self.tables.get("sales", 0) > 0

    def has(self, table: str) -> bool:
        """Whether the pack holds ``table`` (an account manager's empty share of it counts)."""
        return table in self.tables

    def to_json(self) -> dict:
        def day(d):
            return None if d is None else d.isoformat()

        return {
            "source": self.source,
            "fingerprint": self.fingerprint,
            "tables": dict(self.tables),
            "has_sales": self.has_sales,
            "first_invoice": day(self.first_invoice),
            "last_invoice": day(self.last_invoice),
            "crm_fields": {t: list(f) for t, f in self.crm_fields.items()},
        }

    @classmethod
    def from_json(cls, data: dict) -> PackFacts:
        def day(d):
            return None if d is None else pd.Timestamp(d)

        return cls(
            source=data["source"],
            fingerprint=data["fingerprint"],
            tables={t: int(n) for t, n in data["tables"].items()},
            first_invoice=day(data["first_invoice"]),
            last_invoice=day(data["last_invoice"]),
            crm_fields={t: tuple(f) for t, f in data["crm_fields"].items()},
        )


@dataclass
class PersonViews:
    """One person's share of the whole-pack computations (module docstring).

    * ``new_accounts`` — their rows of :func:`~amreview.metrics.newbusiness.new_accounts_table`
      for the quarter (index reset);
    * ``retention`` — their rows of ``retention_by_account(…, principal_only=True)`` (the four
      quarters before the quarter against the quarter; index reset);
    * ``team_gm_pct`` — their benchmark group's GM % per quarter label (the
      :data:`TREND_QUARTERS` ending with the quarter), NaN throughout when the group is too small;
    * ``team`` and ``team_size`` — the group (their team, or the organisation without one) and how
      many account managers in role it has;
    * ``colleague_accounts`` — the accounts of their sales lines that ``accounts`` assigns to
      someone else (ids only);
    * ``data_warnings`` — the data-quality warnings on their own rows
      (:func:`amreview.quality.checks.person_warnings`: implausible amounts, negative costs, dates
      outside the pack's history, which needs the whole pack to know).
    """

    new_accounts: pd.DataFrame
    retention: pd.DataFrame
    team_gm_pct: pd.Series
    team: str | None
    team_size: int
    colleague_accounts: pd.Index
    data_warnings: pd.DataFrame = field(default_factory=lambda: _no_warnings())

    @property
    def team_shown(self) -> bool:
        return self.team_size >= MIN_PERCENTILE_GROUP


def benchmark_groups(account_managers: pd.DataFrame, quarter: Quarter) -> pd.Series:
    """``am_id`` → benchmark group of everyone in role in ``quarter``: their team, or
    :data:`ORGANISATION` (everyone in role) for those without one."""
    people = in_role(account_managers, quarter)
    return pd.Series(
        people["team"].astype(object).where(people["team"].notna(), ORGANISATION).to_numpy(),
        index=pd.Index(people["am_id"], name="am_id"),
        dtype=object,
    )


def group_sizes(groups: pd.Series) -> pd.Series:
    """Account managers in role per benchmark group (:func:`benchmark_groups`); the
    organisation (:data:`ORGANISATION`) counts everyone."""
    sizes = groups.value_counts()
    sizes[ORGANISATION] = len(groups)
    return sizes


def team_gm_pct(ctx: KpiContext, groups: pd.Series, quarters: int = TREND_QUARTERS) -> pd.DataFrame:
    """GM % per benchmark group (``groups``: :func:`benchmark_groups`) and quarter over the
    ``quarters`` quarters ending with the context's quarter:
    Σ (revenue − cost) / Σ revenue of every line of the group's account managers in role (NaN
    where that revenue ≤ 0). Rows: groups (a team, or :data:`ORGANISATION` = everyone in role);
    columns: quarter labels, oldest first. Groups of fewer than
    :data:`~amreview.scoring.bands.MIN_PERCENTILE_GROUP` people are NaN throughout: an aggregate of one
    or two people would show a colleague's figure.
    """
    quarter = ctx.quarter
    sizes = group_sizes(groups)
    periods = quarter.last_n(quarters)
    labels = [str(q) for q in periods]
    # Revenue and cost per account manager and quarter first (sums add up, so a group's totals
    # are the sums of its people's), then per group: ten million lines are grouped once, by
    # their quarter's position, and only the per-person totals are labelled and mapped.
    window = ctx.lines_between(periods[0].start, quarter.end)[["am_id", "month", "revenue", "cost"]]
    starts = np.array([np.datetime64(q.start, "ns") for q in periods])
    position = np.searchsorted(starts, window["month"].to_numpy(), side="right") - 1
    per_am = (
        window.groupby(
            [window["am_id"], pd.Series(position, index=window.index, name="quarter")], sort=False, observed=True
        )[["revenue", "cost"]]
        .sum()
        .reset_index()
    )
    per_am["quarter"] = np.asarray(labels, dtype=object)[per_am["quarter"].to_numpy()]
    teams = margin_summary(
        per_am.assign(group=per_am["am_id"].map(groups)).dropna(subset=["group"]), ["group", "quarter"]
    )["gm_pct"]
    everyone = margin_summary(per_am[per_am["am_id"].isin(groups.index)], "quarter")["gm_pct"]
    frame = (
        teams.unstack("quarter").reindex(index=sizes.index, columns=labels)
        if len(teams)
        else pd.DataFrame(np.nan, index=sizes.index, columns=labels)
    )
    frame.loc[ORGANISATION] = everyone.reindex(labels).to_numpy(dtype="float64")
    frame = frame.astype("float64")
    frame.loc[sizes[sizes < MIN_PERCENTILE_GROUP].index] = np.nan
    frame.index.name, frame.columns.name = "group", "quarter"
    return frame


def new_accounts_by_am(ctx: KpiContext) -> pd.DataFrame:
    """The quarter's new accounts with each account manager's lines on them
    (:func:`~amreview.metrics.newbusiness.new_accounts_table` of the whole pack, from its first
    lines and the quarter's sales summary)."""
    first = ctx.first_lines
    new = first[ctx.quarter.contains(first["invoice_date"])]
    return new_accounts_of(new, ctx.lines_in(ctx.quarter))


def principal_retention(ctx: KpiContext) -> pd.DataFrame:
    """Each account's principal account manager over the four quarters before the context's
    quarter, and whether they sold to it again in the quarter: the rows behind the retention KPI
    (``retention_by_account(…, principal_only=True)`` of the same windows)."""
    return retention_by_account(*retention_windows(ctx), principal_only=True)


def colleague_accounts(pack: DataPack) -> pd.DataFrame:
    """(``am_id``, ``account_id``) pairs: accounts an account manager has sales lines on that the
    ``accounts`` table assigns to someone else. Empty without an ``accounts`` table."""
    if not pack.has("accounts"):
        return pd.DataFrame({"am_id": pd.Series(dtype=object), "account_id": pd.Series(dtype=object)})
    owner = pack["accounts"].set_index("account_id")["am_id"]
    pairs = pack.sales_summary[["am_id", "account_id"]].drop_duplicates()
    owners = pairs["account_id"].map(owner)
    return pairs[owners.notna() & (owners != pairs["am_id"])].reset_index(drop=True)


@dataclass
class WholeViews:
    """The whole-pack computations for everyone (:func:`whole_views`); :meth:`person` is one
    person's share, and ``positions`` say where each person's rows of the per-person frames are."""

    new_accounts: pd.DataFrame
    retention: pd.DataFrame
    colleague_accounts: pd.DataFrame
    team_gm_pct: pd.DataFrame
    team_sizes: pd.Series
    groups: pd.Series
    labels: list[str]
    positions: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)

    data_warnings: pd.DataFrame = field(default_factory=lambda: _no_warnings())

    FRAMES = ("new_accounts", "retention", "colleague_accounts", "data_warnings")

    def __post_init__(self):
        self.positions = {name: row_positions(getattr(self, name)["am_id"]) for name in self.FRAMES}

    def rows_of(self, name: str, am_id: str) -> np.ndarray:
        """Positions of ``am_id``'s rows in frame ``name`` (in its order)."""
        return self.positions[name].get(am_id, np.empty(0, dtype="int64"))

    def person(self, am_id: str) -> PersonViews:
        frames = {
            name: getattr(self, name).iloc[self.rows_of(name, am_id)].reset_index(drop=True) for name in self.FRAMES
        }
        group = self.groups.get(am_id, ORGANISATION)
        team = self.team_gm_pct.loc[group] if group in self.team_gm_pct.index else pd.Series(np.nan, index=self.labels)
        return PersonViews(
            new_accounts=frames["new_accounts"],
            retention=frames["retention"],
            team_gm_pct=team.astype("float64").rename("team_gm_pct").rename_axis("quarter"),
            team=group or None,
            team_size=int(self.team_sizes.get(group, 0)),
            colleague_accounts=pd.Index(frames["colleague_accounts"]["account_id"], dtype=object, name="account_id"),
            data_warnings=frames["data_warnings"],
        )


def _no_warnings() -> pd.DataFrame:
    from amreview.quality.checks import PERSON_WARNING_COLUMNS

    return pd.DataFrame(columns=PERSON_WARNING_COLUMNS, dtype=object)


def whole_views(pack: DataPack, quarter: Quarter, quarters: int = TREND_QUARTERS) -> WholeViews:
    """Every whole-pack computation of a review (module docstring), once for everyone."""
    groups = benchmark_groups(pack.account_managers, quarter)
    sizes = group_sizes(groups)
    labels = [str(q) for q in quarter.last_n(quarters)]
    if pack.line_count:
        ctx = KpiContext.for_period(pack, quarter)
        trend = team_gm_pct(ctx, groups, quarters)
        new, kept, colleagues = new_accounts_by_am(ctx), principal_retention(ctx), colleague_accounts(pack)
    else:  # no margin data: the sections that would show these say so instead
        trend = pd.DataFrame(np.nan, index=sizes.index, columns=labels)
        new = kept = pd.DataFrame({"am_id": pd.Series(dtype=object)})
        colleagues = colleague_accounts(pack).iloc[0:0]
    return WholeViews(
        new_accounts=new,
        retention=kept,
        colleague_accounts=colleagues,
        team_gm_pct=trend,
        team_sizes=sizes.astype("int64"),
        groups=groups,
        labels=labels,
        data_warnings=person_warnings(pack),
    )


def person_views(
    pack: DataPack, quarter: Quarter, am_ids: Iterable[str], quarters: int = TREND_QUARTERS
) -> dict[str, PersonViews]:
    """Every whole-pack computation once, split per person of ``am_ids`` (module docstring)."""
    whole = whole_views(pack, quarter, quarters)
    return {str(am): whole.person(str(am)) for am in am_ids}
