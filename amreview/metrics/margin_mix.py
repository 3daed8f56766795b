"""Where revenue and margin come from: deal types (run rate, spot, bespoke, large volume) and
the vendor programme.

The definitions of :mod:`amreview.metrics.margin` hold here: a *deal* is a line with revenue > 0
(a return is not a deal but nets off), a *share* is ``part / whole`` where the whole is > 0 and
NaN otherwise, never clipped. A missing ``deal_type`` is ``run_rate`` and a missing
``vendor_programme`` false (the contract's defaults, filled when the pack is validated).

The module-level :data:`KPIS` registers these KPIs of the measure "Margin & KPI targets" for the
scorecard, after :mod:`amreview.metrics.margin`'s; see :mod:`amreview.metrics.registry`.
"""

from __future__ import annotations

import pandas as pd

from amreview.data.sales_summary import return_lines, sale_lines
from amreview.errors import ArgumentError
from amreview.metrics._frames import observations
from amreview.metrics.margin import RATIO_NOTE, RETURNS_NOTE, SALES, gm_pct, share
from amreview.metrics.registry import Evidence, Kpi, KpiContext
from amreview.vocabulary import DEAL_TYPES

SEGMENT_COLUMNS = ["segment_revenue", "revenue", "revenue_share", "segment_margin", "gross_margin", "margin_share"]


# --------------------------------------------------------------------------------------------
# Pure functions of DataFrames
# --------------------------------------------------------------------------------------------


def deal_type_summary(lines: pd.DataFrame, by: str | list[str] | None = None) -> pd.DataFrame:
    """Deals, returns, revenue, cost, gross margin and GM % per deal type — every deal type of
    the contract (``run_rate``, ``spot``, ``bespoke``, ``large_volume``) always a row.

    ``deals`` = number of lines with revenue > 0; ``returns`` = number with revenue < 0;
    ``revenue``, ``cost``, ``gross_margin`` = sums over all the type's lines (returns net off);
    ``gm_pct = gross_margin / revenue`` (NaN where revenue ≤ 0: a type with no business);
    ``revenue_share`` and ``margin_share`` = the type's revenue / margin over all types' (NaN
    where that total is ≤ 0). A type with no lines shows 0 deals and 0 money.

    With ``by`` (e.g. ``"am_id"``), one block of four rows per group present in ``lines``
    (index: the ``by`` keys, then ``deal_type``), shares within the group. ``lines`` come from a
    validated pack, where a missing ``deal_type`` is already ``run_rate`` (the contract's default).
    """
    keys = [] if by is None else ([by] if isinstance(by, str) else list(by))
    frame = lines.assign(_deal=sale_lines(lines), _return=return_lines(lines))
    sums = frame.groupby(keys + ["deal_type"], sort=True, observed=True)[["_deal", "_return", "revenue", "cost"]].sum()
    if keys:
        groups = frame[keys].drop_duplicates().sort_values(keys)
        index = pd.MultiIndex.from_tuples(
            [(*g, t) for g in groups.itertuples(index=False, name=None) for t in DEAL_TYPES], names=keys + ["deal_type"]
        )
    else:
        index = pd.Index(DEAL_TYPES, name="deal_type")
    table = sums.reindex(index, fill_value=0)
    table = pd.DataFrame(
        {
            "deals": table["_deal"].astype("int64"),
            "returns": table["_return"].astype("int64"),
            "revenue": table["revenue"].astype("float64"),
            "cost": table["cost"].astype("float64"),
        },
        index=index,
    )
    table["gross_margin"] = table["revenue"] - table["cost"]
    table["gm_pct"] = gm_pct(table["gross_margin"], table["revenue"]).to_numpy()
    if keys:
        whole = table.groupby(level=keys)[["revenue", "gross_margin"]].transform("sum")
    else:
        whole = pd.DataFrame({c: table[c].sum() for c in ("revenue", "gross_margin")}, index=index)
    table["revenue_share"] = share(table["revenue"], whole["revenue"])
    table["margin_share"] = share(table["gross_margin"], whole["gross_margin"])
    return table


def segment_share(lines: pd.DataFrame, selected: pd.Series, by: str | list[str] | None = None):
    """The share of revenue and of gross margin that comes from the ``selected`` lines.

    ``revenue_share = Σ revenue[selected] / Σ revenue`` (NaN where Σ revenue ≤ 0) and
    ``margin_share = gross_margin[selected] / gross_margin`` (NaN where the total gross margin
    ≤ 0). ``selected`` is a boolean Series aligned with ``lines`` (missing counts as not selected).

    Returns a Series with :data:`SEGMENT_COLUMNS` (``segment_revenue``, ``revenue``,
    ``revenue_share``, ``segment_margin``, ``gross_margin``, ``margin_share``) when ``by`` is
    None, else a frame with those columns, one row per group present in ``lines``.
    """
    selected = selected.reindex(lines.index).fillna(False).astype(bool)
    margin = lines["revenue"] - lines["cost"]
    frame = pd.DataFrame(
        {
            "segment_revenue": lines["revenue"].where(selected, 0.0),
            "revenue": lines["revenue"],
            "segment_margin": margin.where(selected, 0.0),
            "gross_margin": margin,
        },
        index=lines.index,
        dtype="float64",
    )
    if by is None:
        sums = frame.sum()
        return pd.Series(
            {
                "segment_revenue": sums["segment_revenue"],
                "revenue": sums["revenue"],
                "revenue_share": share(sums["segment_revenue"], sums["revenue"]),
                "segment_margin": sums["segment_margin"],
                "gross_margin": sums["gross_margin"],
                "margin_share": share(sums["segment_margin"], sums["gross_margin"]),
            },
            dtype="float64",
        )
    keys = [by] if isinstance(by, str) else list(by)
    sums = frame.groupby([lines[k] for k in keys], sort=True, observed=True).sum()
    sums["revenue_share"] = share(sums["segment_revenue"], sums["revenue"])
    sums["margin_share"] = share(sums["segment_margin"], sums["gross_margin"])
    return sums[SEGMENT_COLUMNS]


def vendor_programme_share(lines: pd.DataFrame, by: str | list[str] | None = None):
    """Share of revenue and of gross margin sold under the vendor programme (the "VIP" the role
    must promote): :func:`segment_share` of the lines with ``vendor_programme`` true."""
    return segment_share(lines, lines["vendor_programme"].eq(True), by)


def deal_type_share(lines: pd.DataFrame, deal_types: str | tuple[str, ...], by: str | list[str] | None = None):
    """Share of revenue and of gross margin from deals of ``deal_types`` (e.g. ``"bespoke"``):
    :func:`segment_share` of the lines whose ``deal_type`` is one of them."""
    wanted = (deal_types,) if isinstance(deal_types, str) else tuple(deal_types)
    unknown = set(wanted) - set(DEAL_TYPES)
    if unknown:
        raise ArgumentError(f"deal types {sorted(unknown)}: expected some of {', '.join(DEAL_TYPES)}")
    return segment_share(lines, lines["deal_type"].isin(wanted), by)


# --------------------------------------------------------------------------------------------
# KPIs per account manager (the registry rows)
# --------------------------------------------------------------------------------------------


def _deal_types_by_am(ctx: KpiContext, deal_type: str) -> pd.DataFrame:
    """Deals, revenue and gross margin of one deal type per AM in role (0 where none), once per
    deal type and window."""
    return ctx.memo(("deal_type_totals", deal_type, ctx.window), lambda: _deal_type_totals(ctx, deal_type))


def _deal_type_totals(ctx: KpiContext, deal_type: str) -> pd.DataFrame:
    lines = ctx.lines.loc[ctx.lines["deal_type"] == deal_type]
    sums = (
        lines[["am_id", "revenue", "cost"]]
        .assign(deals=sale_lines(lines))
        .groupby("am_id", sort=False, observed=True)[["deals", "revenue", "cost"]]
        .sum()
    )
    sums = sums.reindex(ctx.am_ids, fill_value=0).astype("float64")
    sums["gross_margin"] = sums["revenue"] - sums["cost"]
    return sums


def _spot_gm_pct(ctx: KpiContext) -> pd.Series:
    spot = _deal_types_by_am(ctx, "spot")
    return gm_pct(spot["gross_margin"], spot["revenue"])


def _deal_type_revenue_share(deal_type: str):
    def compute(ctx: KpiContext) -> pd.Series:
        return deal_type_share(ctx.lines, deal_type, "am_id")["revenue_share"]

    return compute


def _programme_share(column: str):
    def compute(ctx: KpiContext) -> pd.Series:
        shares = ctx.memo(("vendor_programme_share", ctx.window), lambda: vendor_programme_share(ctx.lines, "am_id"))
        return shares[column]

    return compute


def _programme_accounts(ctx: KpiContext) -> pd.DataFrame:
    """The accounts the vendor-programme share of revenue rests on: per ``am_id`` and account,
    the programme's revenue (``value``) out of all revenue (``weight``), the lines of
    :func:`vendor_programme_share`'s segment."""
    lines = ctx.lines
    part = lines["revenue"].where(lines["vendor_programme"].eq(True), 0.0)
    keys = [lines["am_id"], lines["account_id"]]
    sums = pd.DataFrame({"part": part, "revenue": lines["revenue"]}).groupby(keys, observed=True, dropna=False).sum()
    am_ids = sums.index.get_level_values(0)
    return observations(am_ids, sums["part"], sums["revenue"])


KPIS: list[Kpi] = [
    Kpi(
        name="spot_deals",
        label="Spot deals",
        meaning="The number of spot deals invoiced in the period: one-off deals priced for the occasion. Each "
        "invoice line counts as one deal; returns do not count. Shown, not scored: spot pricing is a tool, and "
        "what it costs shows in the GM %.",
        if_empty="No data when the pack holds no invoice lines; no spot deal is 0.",
        measure="margin_kpi_targets",
        unit="count",
        higher_is_better=None,
        formula="Number of the AM's lines with deal_type = 'spot' and revenue > 0 invoiced in the window "
        "(one line = one deal: the contract has no order id).",
        sources=SALES[:3] + ("sales.deal_type",),
        compute=lambda ctx: _deal_types_by_am(ctx, "spot")["deals"],
        edge_cases="0 for an AM with no spot lines. Spot returns are not deals. A missing deal_type is "
        "run_rate (the contract's default). Shown, not scored: spot pricing is a tool, its "
        "cost shows in GM %.",
    ),
    Kpi(
        name="spot_revenue",
        label="Spot revenue",
        meaning="Revenue from spot deals in the period, after returns. Shown, not scored.",
        if_empty="No data when the pack holds no invoice lines; no spot deal is 0.",
        measure="margin_kpi_targets",
        unit="money",
        higher_is_better=None,
        formula="Σ sales.revenue over the AM's deal_type = 'spot' lines invoiced in the window.",
        sources=SALES[:3] + ("sales.deal_type",),
        compute=lambda ctx: _deal_types_by_am(ctx, "spot")["revenue"],
        edge_cases=f"{RETURNS_NOTE} 0 for an AM with no spot lines. Shown, not scored.",
    ),
    Kpi(
        name="spot_gm_pct",
        label="Spot GM %",
        meaning="Gross margin as a percentage of revenue on the spot deals of the period: what special pricing costs.",
        if_empty="Not meaningful when there were no spot sales in the period, or credits outweigh them.",
        measure="margin_kpi_targets",
        unit="fraction",
        higher_is_better=True,
        formula="(Σ revenue − Σ cost) / Σ revenue over the AM's deal_type = 'spot' lines in the window.",
        sources=SALES + ("sales.deal_type",),
        compute=_spot_gm_pct,
        edge_cases="NaN (no data) where the AM's spot revenue in the window is ≤ 0 (no spot deals).",
    ),
    Kpi(
        name="large_volume_revenue_share",
        label="Large-volume share of revenue",
        meaning="The share of the period's revenue that came from large-volume deals. Shown, not scored: these "
        "deals earn thin margins, so a higher share is not better in itself; what they earn counts through margin "
        "attainment.",
        if_empty="Not meaningful when there is no revenue in the period, or credits outweigh sales.",
        measure="margin_kpi_targets",
        unit="fraction",
        higher_is_better=None,
        formula="Σ revenue of deal_type = 'large_volume' lines / Σ revenue of all the AM's lines in the window.",
        sources=SALES[:3] + ("sales.deal_type",),
        compute=_deal_type_revenue_share("large_volume"),
        edge_cases=f"{RATIO_NOTE} Shown, not scored: large-volume deals earn thin margins, so a higher "
        "share is not better in itself; what they earn is scored through margin attainment.",
    ),
    Kpi(
        name="bespoke_revenue_share",
        label="Bespoke share of revenue",
        meaning="The share of the period's revenue from bespoke (tailored) solutions, the role's high-margin "
        "business. It can exceed 100 % or fall below zero when returns outweigh other sales.",
        if_empty="Not meaningful when there is no revenue in the period, or credits outweigh sales.",
        measure="margin_kpi_targets",
        unit="fraction",
        higher_is_better=True,
        formula="Σ revenue of deal_type = 'bespoke' lines / Σ revenue of all the AM's lines in the window.",
        sources=SALES[:3] + ("sales.deal_type",),
        compute=_deal_type_revenue_share("bespoke"),
        edge_cases=f"{RATIO_NOTE} Higher is better: bespoke (tailored) solutions are the role's high-margin "
        "business. Can exceed 1 or be negative when returns outweigh other lines.",
    ),
    Kpi(
        name="vendor_programme_revenue_share",
        label="Vendor-programme share of revenue",
        meaning="The share of the period's revenue from sales under a vendor programme (sales not marked as part "
        "of one count as outside it).",
        if_empty="Not meaningful when there is no revenue in the period, or credits outweigh sales.",
        measure="margin_kpi_targets",
        unit="fraction",
        higher_is_better=True,
        formula="Σ revenue of lines with sales.vendor_programme true / Σ revenue of all the AM's lines in the window.",
        sources=SALES[:3] + ("sales.vendor_programme",),
        compute=_programme_share("revenue_share"),
        edge_cases=f"{RATIO_NOTE} A missing vendor_programme is false (the contract's default).",
        evidence=Evidence("ratio", _programme_accounts, "accounts invoiced"),
    ),
    Kpi(
        name="vendor_programme_margin_share",
        label="Vendor-programme share of margin",
        meaning="The share of the period's gross margin from sales under a vendor programme. It can exceed 100 % "
        "when other sales lost money.",
        if_empty="Not meaningful when the gross margin in the period is zero or negative (a share of a loss has "
        "no meaning).",
        measure="margin_kpi_targets",
        unit="fraction",
        higher_is_better=True,
        formula="gross margin of lines with sales.vendor_programme true / gross margin of all the AM's "
        "lines in the window.",
        sources=SALES + ("sales.vendor_programme",),
        compute=_programme_share("margin_share"),
        edge_cases="NaN (no data) where the AM's gross margin in the window is ≤ 0 (a share of a loss is "
        "not meaningful). Can exceed 1 when the other lines lost money.",
    ),
]
