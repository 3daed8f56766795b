"""Completeness of the CRM records an account manager owns (performance measure 7, accuracy of
information): which fields must be filled (:data:`CRM_REQUIRED_FIELDS`), which records are judged
(:func:`crm_records_in_scope`), and the share filled (:func:`crm_record_completeness`).

A gap the data contract allows (an open deal without an account) is not a required field and
costs nothing; a field the pack does not export for the records judged
(:func:`crm_exported_fields`) is not checked. The KPI's evidence is the records judged, each
weighted so that their weighted share is the KPI (:func:`crm_completeness_by_record`).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from amreview.metrics._frames import no_data as _no_data
from amreview.metrics._frames import observations
from amreview.metrics.newbusiness import open_opportunities
from amreview.metrics.registry import Evidence, Kpi, KpiContext
from amreview.vocabulary import OPEN_STAGES

# The fields an account manager must fill on the CRM records they own, per table. Columns the
# contract requires (ids, names, stage, type, dates the schema demands) are always filled and so
# are not listed; ``key_account`` and ``new_business`` default to false, so are never empty;
# ``created_date``, ``last_updated`` and ``activities.logged_date`` are stamped by the CRM, not
# typed by a person (logging lag is judged under CRM utilisation, amreview.metrics.crm).
# A gap the contract allows costs nothing: an open opportunity need not name an account (the
# contract's ``opportunities.account_id`` is optional: a deal not yet tied to a customer, a
# prospect that is no account yet), so ``account_id`` is not required of the open deals judged
# here: only its other fields are.
CRM_REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "accounts": ("sector",),
    "opportunities": ("close_date", "value", "expected_margin"),
    "activities": ("account_id",),
}
# Activity types that need not name an account (internal or administrative work).
ACCOUNT_FREE_ACTIVITY_TYPES = ("other",)


# --------------------------------------------------------------------------------------------
# Completeness of CRM records
# --------------------------------------------------------------------------------------------


def crm_records_in_scope(
    accounts: pd.DataFrame | None = None,
    opportunities: pd.DataFrame | None = None,
    activities: pd.DataFrame | None = None,
    *,
    start,
    end,
    as_of,
) -> dict[str, pd.DataFrame]:
    """The CRM records whose completeness is judged in a review, per table (absent tables left out).

    * ``accounts`` owned (``accounts.am_id``) by someone, created by ``as_of`` (or undated) —
      the table is a snapshot of today's owners, so ownership cannot be dated;
    * ``opportunities`` open on ``as_of`` (:func:`~amreview.metrics.newbusiness.open_opportunities`:
      stage prospecting/engaging as recorded, created by ``as_of`` or undated);
    * ``activities`` whose ``activity_date`` falls in ``[start, end]``.
    """
    as_of, start, end = pd.Timestamp(as_of), pd.Timestamp(start), pd.Timestamp(end)
    scope: dict[str, pd.DataFrame] = {}
    if accounts is not None:
        created = accounts["created_date"]
        scope["accounts"] = accounts[accounts["am_id"].notna() & (created.isna() | (created <= as_of))]
    if opportunities is not None:
        scope["opportunities"] = open_opportunities(opportunities, as_of)
    if activities is not None:
        day = activities["activity_date"]
        scope["activities"] = activities[(day >= start) & (day <= end)]
    return scope


def crm_exported_fields(tables: Mapping[str, pd.DataFrame | None]) -> dict[str, tuple[str, ...]]:
    """The :data:`CRM_REQUIRED_FIELDS` the pack actually holds: a field empty on *every* record
    of its (whole) table that would be judged on it was not exported, and is not held against
    anyone. For opportunities those are the open ones (stage prospecting or engaging, whatever
    their dates): an open deal's ``close_date`` and ``value`` are the *expected* ones, which an
    export may leave out while it gives the actual ones of closed deals."""
    fields = {}
    for table, required in CRM_REQUIRED_FIELDS.items():
        frame = tables.get(table)
        if frame is not None:
            if table == "opportunities":
                frame = frame[frame["stage"].isin(OPEN_STAGES)]
            fields[table] = tuple(f for f in required if frame[f].notna().any())
    return fields


def crm_completeness_by_field(
    records: Mapping[str, pd.DataFrame], fields: Mapping[str, tuple[str, ...]] | None = None
) -> pd.DataFrame:
    """How many of each required field are filled, per ``am_id``, ``table`` and ``field``.

    ``records`` are the records in scope per table (see :func:`crm_records_in_scope`);
    ``fields`` the fields to check (default :data:`CRM_REQUIRED_FIELDS`; pass
    :func:`crm_exported_fields` of the whole tables to skip fields the pack does not hold).
    ``activities.account_id`` is required only on activities whose type is not in
    :data:`ACCOUNT_FREE_ACTIVITY_TYPES`. Columns ``am_id``, ``table``, ``field``, ``records``
    (that need the field), ``filled``, ``share = filled / records``; rows in table and field
    order within each ``am_id``; no row where no record needs the field.
    """
    fields = CRM_REQUIRED_FIELDS if fields is None else fields
    columns = ["am_id", "table", "field", "records", "filled", "share"]
    parts: list[pd.DataFrame] = []
    for table, names in fields.items():
        frame = records.get(table)
        if frame is None:
            continue
        for field in names:
            rows = frame
            if table == "activities" and field == "account_id":
                rows = frame[~frame["type"].isin(ACCOUNT_FREE_ACTIVITY_TYPES)]
            counts = rows[field].notna().groupby(rows["am_id"], sort=False).agg(["size", "sum"])
            parts.append(
                pd.DataFrame(
                    {
                        "am_id": counts.index.to_numpy(),
                        "table": table,
                        "field": field,
                        "order": len(parts),
                        "records": counts["size"].to_numpy(),
                        "filled": counts["sum"].to_numpy(),
                    }
                )
            )
    if not parts:
        return pd.DataFrame(columns=columns)
    table = pd.concat(parts, ignore_index=True).sort_values(["am_id", "order"], kind="mergesort", ignore_index=True)
    table["share"] = table["filled"] / table["records"]
    return table[columns].astype({"records": "int64", "filled": "int64", "share": "float64"})


def crm_record_completeness(by_field: pd.DataFrame) -> pd.Series:
    """CRM record completeness per ``am_id``, from :func:`crm_completeness_by_field`.

    Per table: ``Σ filled / Σ records`` over its required fields (the share of required cells
    filled); then the plain mean over the tables the account manager has records in, so a few
    dozen accounts count as much as hundreds of activities. A fraction in [0, 1]; an account
    manager with no records in scope is absent (no data).
    """
    if by_field.empty:
        return _no_data().rename("crm_record_completeness")
    per_table = by_field.groupby(["am_id", "table"])[["filled", "records"]].sum()
    share = per_table["filled"] / per_table["records"]
    return share.groupby(level="am_id").mean().astype("float64").rename("crm_record_completeness")


def crm_completeness_by_record(
    records: Mapping[str, pd.DataFrame], fields: Mapping[str, tuple[str, ...]] | None = None
) -> pd.DataFrame:
    """The records :func:`crm_record_completeness` rests on, one row each that needs a field:
    ``am_id``, ``table``, ``needed`` and ``filled`` (its required fields, as
    :func:`crm_completeness_by_field` counts them), and ``value = filled / N`` and
    ``weight = needed / N``, where N is the fields needed over the table's records of the same
    account manager. Per table Σ value = its share filled and Σ weight = 1, so over all
    ``Σ value / Σ weight`` is the mean of the tables' shares: the KPI."""
    fields = CRM_REQUIRED_FIELDS if fields is None else fields
    parts = []
    for table, names in fields.items():
        frame = records.get(table)
        if frame is None or not names:
            continue
        needed = pd.Series(0, index=frame.index, dtype="int64")
        filled = needed.copy()
        for field in names:
            needs = (
                ~frame["type"].isin(ACCOUNT_FREE_ACTIVITY_TYPES)
                if (table, field) == ("activities", "account_id")
                else True
            )
            needed += needs
            filled += frame[field].notna() & needs
        parts.append(pd.DataFrame({"am_id": frame["am_id"], "table": table, "needed": needed, "filled": filled}))
    rows = (
        pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["am_id", "table", "needed", "filled"])
    )
    rows = rows[rows["needed"] > 0].reset_index(drop=True)
    total = rows.groupby(["am_id", "table"])["needed"].transform("sum").astype("float64")
    return rows.assign(value=rows["filled"] / total, weight=rows["needed"] / total)


def _records_in_scope(ctx: KpiContext) -> tuple[dict[str, pd.DataFrame], dict[str, tuple[str, ...]]] | None:
    """:func:`crm_records_in_scope` of the window and :func:`crm_exported_fields`, once per
    window (the KPI and its evidence read them); None when the pack holds none of the tables."""
    tables = {name: ctx.table(name) for name in CRM_REQUIRED_FIELDS}
    if all(frame is None for frame in tables.values()):
        return None
    return ctx.memo(
        ("crm_records_in_scope", ctx.window),
        lambda: (
            crm_records_in_scope(**tables, start=ctx.start, end=ctx.end, as_of=ctx.as_of),
            crm_exported_fields(tables),
        ),
    )


def _crm_records(ctx: KpiContext) -> pd.DataFrame:
    in_scope = _records_in_scope(ctx)
    if in_scope is None:
        return observations([], [])
    rows = crm_completeness_by_record(*in_scope)
    return observations(rows["am_id"], rows["value"], rows["weight"])


def _crm_record_completeness(ctx: KpiContext) -> pd.Series:
    in_scope = _records_in_scope(ctx)
    if in_scope is None:
        return _no_data()
    return crm_record_completeness(crm_completeness_by_field(*in_scope))


KPIS: list[Kpi] = [
    Kpi(
        name="crm_record_completeness",
        label="CRM record completeness",
        meaning="How completely the account manager's records in the CRM are filled in, as of the review date: "
        "for the accounts they own (sector), their open opportunities (close date, value, expected margin) and "
        "their activities in the period (the account, except for activities of the kind other), the share of "
        "required fields filled, averaged over the kinds of record they have. An open opportunity not yet tied to "
        "a customer costs nothing; a field the export leaves empty everywhere is taken as not exported, not as "
        "missing.",
        if_empty="No data when the account manager has none of these records, or the pack holds none of them.",
        measure="information_accuracy",
        unit="fraction",
        higher_is_better=True,
        formula="mean over the record types the account manager has of (required fields filled / required "
        "fields): accounts they own (sector); their open opportunities (close_date, value, "
        "expected_margin); their activities dated in the window (account_id, except on type 'other')",
        sources=(
            "accounts.am_id",
            "accounts.sector",
            "accounts.created_date",
            "opportunities.am_id",
            "opportunities.stage",
            "opportunities.created_date",
            "opportunities.close_date",
            "opportunities.value",
            "opportunities.expected_margin",
            "activities.am_id",
            "activities.type",
            "activities.activity_date",
            "activities.account_id",
        ),
        compute=_crm_record_completeness,
        edge_cases="Measured on the review day: accounts and open opportunities created after it are left "
        "out (undated ones are kept); stage and ownership are the export's (no history exists). "
        "An open opportunity without an account costs nothing: the data contract allows a deal not "
        "yet tied to a customer. A field empty on every row of its table that needs it (for "
        "opportunities, every open one) is taken as not exported and not checked. A "
        "record type absent from the pack or with no records of the account manager is left out "
        "of the mean; none at all: no data (NaN).",
        evidence=Evidence("ratio", _crm_records, "CRM records", bounds=(0.0, 1.0)),
    ),
]
