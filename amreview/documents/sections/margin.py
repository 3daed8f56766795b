"""2. Margin & KPI targets: monthly margin and revenue against target, GM % trend, deal types,
vendors, top accounts, year to date and the full-year projection."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from amreview.documents import narrative as say
from amreview.documents import plots
from amreview.documents.figures import monthly_margin_against_target, top_accounts
from amreview.documents.like_for_like import like_for_like_lines
from amreview.documents.model import Chart, Heading, Section, Table, Text
from amreview.documents.pack_views import TREND_QUARTERS
from amreview.documents.sections._common import DEAL_TYPE_LABELS, TOP_N, finish, new_section, no_sales, value_of
from amreview.metrics.margin import margin_by, margin_summary
from amreview.metrics.margin_mix import deal_type_summary, vendor_programme_share
from amreview.metrics.margin_trend import annual_target_progress, fiscal_year_target
from amreview.periods import quarter_labels
from amreview.scoring.bands import MIN_PERCENTILE_GROUP

if TYPE_CHECKING:  # the review calls the section builders: Review is only a type here
    from amreview.documents.review import Review


MARGIN_KPIS = (
    "revenue",
    "cost",
    "gross_margin",
    "gm_pct",
    "revenue_attainment",
    "gross_margin_attainment",
    "revenue_qoq",
    "gross_margin_qoq",
    "gm_pct_yoy_points",
    "vendor_programme_revenue_share",
    "vendor_programme_margin_share",
    "bespoke_revenue_share",
    "large_volume_revenue_share",
    "gross_margin_ytd_of_annual_target",
    "gross_margin_projection",
    "gross_margin_projection_attainment",
)


def margin(review: Review) -> Section:
    section = new_section(review, "margin")
    section.explanation = review.explanation_for(("margin_kpi_targets",))
    if not review.has_sales:
        no_sales(section)
        return finish(section)
    quarter, lines = review.quarter, review.lines
    deal_types = deal_type_summary(lines).reset_index()
    deal_types["deal_type"] = deal_types["deal_type"].map(DEAL_TYPE_LABELS).fillna(deal_types["deal_type"])
    projection, projection_inputs = projection_table(review)
    _headline(review, section, deal_types, projection_inputs)
    section.lines += like_for_like_lines(review, ("gross_margin", "gross_margin_attainment", "gm_pct"))
    section.parts += _trend_charts(review)
    if lines.empty:
        section.parts += [
            Text(say.nothing_in_quarter("invoice lines for this person", str(quarter)), "missing"),
            Heading("Year to date and full-year projection"),
            projection,
        ]
        return finish(section, MARGIN_KPIS)
    section.parts += [
        *_deal_type_parts(deal_types),
        *_vendor_parts(lines),
        *_top_account_parts(review),
        Heading("Year to date and full-year projection"),
        projection,
    ]
    return finish(section, MARGIN_KPIS)


def _headline(review: Review, section: Section, deal_types: pd.DataFrame, projection_inputs: tuple) -> None:
    """The section's lines and key figures: margin and revenue against target and last quarter,
    GM % against a year ago, the deal mix, the vendor programme and the projection."""
    values, quarter = review.values, review.quarter
    before, year_ago = str(quarter.previous()), str(quarter.shift(-4))
    programme = vendor_programme_share(review.lines)
    section.lines += [
        say.money_line(
            "Gross margin",
            values["gross_margin"],
            review.targets.get("gross_margin_attainment", np.nan),
            value_of(values, "gross_margin_qoq"),
            before,
        ),
        say.money_line(
            "Revenue",
            values["revenue"],
            review.targets.get("revenue_attainment", np.nan),
            value_of(values, "revenue_qoq"),
            before,
        ),
        say.gm_pct_line(values["gm_pct"], value_of(values, "gm_pct_yoy_points"), year_ago),
        say.deal_mix_line(deal_types["deal_type"], deal_types["revenue_share"], deal_types["margin_share"]),
        say.programme_line(programme["revenue_share"], programme["margin_share"]),
        say.projection_line(*projection_inputs),
    ]
    section.figures.update(
        gross_margin=value_of(values, "gross_margin"),
        revenue=value_of(values, "revenue"),
        gm_pct=value_of(values, "gm_pct"),
        vendor_programme_revenue_share=float(programme["revenue_share"]),
    )


def _trend_charts(review: Review) -> list:
    """Monthly margin and revenue against target, and GM % by quarter beside the team's."""
    monthly = monthly_margin_against_target(
        review.pack, review.am_id, review.quarter, TREND_QUARTERS, sales_start=review.facts.first_invoice
    )
    views = review.views
    return [
        Chart("monthly_margin", plots.plot_monthly_margin, monthly),
        Chart("monthly_revenue", plots.plot_monthly_revenue, monthly),
        Chart("gm_pct_trend", plots.plot_gm_pct_trend, gm_pct_trend(review)),
        Text(say.team_benchmark_note(views.team, views.team_size, MIN_PERCENTILE_GROUP)),
    ]


def _deal_type_parts(deal_types: pd.DataFrame) -> list:
    """The deal types' table and margin chart."""
    return [
        Heading("By deal type"),
        Table(
            "deal_types",
            "",
            deal_types.rename(
                columns={
                    "deal_type": "Deal type",
                    "deals": "Deals",
                    "returns": "Returns",
                    "revenue": "Revenue",
                    "gross_margin": "Gross margin",
                    "gm_pct": "GM %",
                    "revenue_share": "Share of revenue",
                    "margin_share": "Share of margin",
                }
            ).drop(columns="cost"),
            formats={
                "Deals": "count",
                "Returns": "count",
                "Revenue": "money",
                "Gross margin": "money",
                "GM %": "pct",
                "Share of revenue": "pct",
                "Share of margin": "pct",
            },
        ),
        Chart("deal_type_margin", plots.plot_margin_by_deal_type, deal_types[["deal_type", "gross_margin", "gm_pct"]]),
    ]


def _vendor_parts(lines: pd.DataFrame) -> list:
    """Margin by vendor: the top vendors' chart and every vendor's table."""
    vendors = margin_by(lines, "vendor").reset_index()
    vendors["vendor"] = vendors["vendor"].astype(object).where(vendors["vendor"].notna(), "(no vendor)")
    return [
        Heading("By vendor"),
        Chart("vendor_margin", plots.plot_margin_by_vendor, vendors.head(TOP_N)[["vendor", "gross_margin", "gm_pct"]]),
        Table(
            "vendors",
            "",
            vendors.rename(
                columns={
                    "vendor": "Vendor",
                    "lines": "Lines",
                    "revenue": "Revenue",
                    "gross_margin": "Gross margin",
                    "gm_pct": "GM %",
                    "revenue_share": "Share of revenue",
                    "margin_share": "Share of margin",
                }
            ).drop(columns="cost"),
            formats={
                "Lines": "count",
                "Revenue": "money",
                "Gross margin": "money",
                "GM %": "pct",
                "Share of revenue": "pct",
                "Share of margin": "pct",
            },
        ),
    ]


def _top_account_parts(review: Review) -> list:
    """The top accounts by margin: their chart and table."""
    accounts = top_accounts(review.pack, review.am_id, review.quarter, TOP_N)
    return [
        Heading(f"Top {TOP_N} accounts"),
        Chart("top_accounts_margin", plots.plot_top_accounts, accounts[["account", "gross_margin", "gm_pct"]]),
        Table(
            "top_accounts",
            "",
            accounts[["account", "revenue", "gross_margin", "gm_pct", "share_of_margin"]].rename(
                columns={
                    "account": "Account",
                    "revenue": "Revenue",
                    "gross_margin": "Gross margin",
                    "gm_pct": "GM %",
                    "share_of_margin": "Share of margin",
                }
            ),
            formats={"Revenue": "money", "Gross margin": "money", "GM %": "pct", "Share of margin": "pct"},
        ),
    ]


def gm_pct_trend(review: Review, quarters: int = TREND_QUARTERS) -> pd.DataFrame:
    """GM % per quarter over the last ``quarters`` quarters (at most
    :data:`~amreview.documents.pack_views.TREND_QUARTERS`) the pack covers and the person was in role,
    with their team's GM % beside it: all lines of the team's account managers in role (the
    organisation's for someone without a team), an anonymised aggregate — NaN throughout for a
    group of fewer than three (:func:`amreview.documents.pack_views.team_gm_pct`).

    Index quarter labels; columns ``gm_pct``, ``team_gm_pct`` (NaN where revenue ≤ 0).
    """
    quarter = review.quarter
    span = [q for q in quarter.last_n(quarters) if q.end >= review.facts.first_invoice]
    start = review.header.start_date
    span = [q for q in span if start is None or q.end >= start]
    sales = review.mine("sales")
    assert sales is not None  # a required table: every pack holds it
    window = sales[(sales["invoice_date"] >= span[0].start) & (sales["invoice_date"] <= quarter.end)]
    window = window.assign(quarter=quarter_labels(window["invoice_date"], quarter.start_month))
    labels = [str(q) for q in span]
    mine = margin_summary(window, "quarter")["gm_pct"].reindex(labels)
    team_pct = review.views.team_gm_pct.reindex(labels)
    return pd.DataFrame(
        {"gm_pct": mine.to_numpy(dtype="float64"), "team_gm_pct": team_pct.to_numpy(dtype="float64")},
        index=pd.Index(labels, name="quarter"),
    )


def projection_table(review: Review) -> tuple[Table, tuple]:
    """Year to date against target, and the full-year projection of gross margin; with the
    narrative's inputs (year-to-date margin, annual target, share of the year gone, projection,
    projection attainment)."""
    values, quarter = review.values, review.quarter
    ytd = review.context().for_window("ytd")
    year = quarter.fiscal_year()
    start = review.header.start_date
    first_day = max(year[0].start, start) if start is not None else year[0].start
    elapsed = (quarter.end - first_day).days + 1
    in_year = (year[-1].end - first_day).days + 1
    annual = fiscal_year_target(review.mine("targets"), quarter, "gross_margin", review.context().start_dates).get(
        review.am_id, np.nan
    )
    progress = annual_target_progress(
        value_of(values, "gross_margin_ytd"), float(annual), float(elapsed), float(in_year)
    )
    frame = pd.DataFrame(
        {
            "": ["Revenue, year to date", "Gross margin, year to date", "Gross margin, full year (projection)"],
            "Actual": [values["revenue_ytd"], values["gross_margin_ytd"], progress["projection"]],
            "Target": [
                ytd.target("revenue").get(review.am_id, np.nan),
                ytd.target("gross_margin").get(review.am_id, np.nan),
                annual,
            ],
            "Attainment": [
                values["revenue_attainment_ytd"],
                values["gross_margin_attainment_ytd"],
                progress["projection_attainment"],
            ],
        }
    )
    table = Table(
        "year_to_date",
        "",
        frame,
        formats={"Actual": "money", "Target": "money", "Attainment": "attainment"},
        missing={"Target": "no target"},
        note=f"Projection: the run rate of the {elapsed} days in role so far this fiscal year, carried "
        f"over the year's {in_year} days in role; no seasonality assumed.",
    )
    return table, (
        progress["ytd_actual"],
        progress["annual_target"],
        progress["year_elapsed"],
        progress["projection"],
        progress["projection_attainment"],
    )
