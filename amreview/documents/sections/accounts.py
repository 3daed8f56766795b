"""7. Account management: growing and declining accounts, concentration, key accounts, back orders."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from amreview.documents import narrative as say
from amreview.documents import plots
from amreview.documents.model import Chart, Heading, Section, Table
from amreview.documents.sections._common import finish, missing_table, new_section, no_sales, value_of
from amreview.metrics.accounts import account_growth, key_accounts
from amreview.metrics.backorders import back_order_ageing, back_order_summary, open_back_orders

if TYPE_CHECKING:  # the review calls the section builders: Review is only a type here
    from amreview.documents.review import Review


def accounts(review: Review) -> Section:
    section = new_section(review, "accounts")
    _account_growth(review, section)
    _key_accounts(review, section)
    _back_orders(review, section)
    section.explanation = review.explanation_for(
        kpis=(
            "back_orders_past_promised_share",
            "back_order_days_to_fulfil",
            "growing_accounts",
            "declining_accounts",
            "top5_margin_share",
            "key_account_margin_share",
        ),
        note="These KPIs count in the score of Customer relationships (section 5).",
    )
    return finish(
        section,
        (
            "active_accounts",
            "growing_accounts",
            "declining_accounts",
            "top5_margin_share",
            "key_account_margin_share",
            "open_back_order_value",
            "back_orders_past_promised_share",
            "back_order_days_to_fulfil",
        ),
    )


def _account_growth(review: Review, section: Section) -> None:
    """Accounts growing and declining against a year ago, and the concentration of margin."""
    quarter, values = review.quarter, review.values
    year_ago = quarter.shift(-4)
    if review.has_sales:
        growth = account_growth(review.lines, review.lines_in(year_ago), by=None).reset_index()
        growth.insert(1, "account", review.account_name(growth["account_id"]))
        trend = growth["trend"].astype(str)
        base = int(trend.isin(["growing", "declining", "flat"]).sum())
        counts = {t: int((trend == t).sum()) for t in ("growing", "declining", "flat", "new")}
        section.lines += [
            say.growth_line(base, counts["growing"], counts["declining"], counts["new"], str(year_ago)),
            say.concentration_line(value_of(values, "top5_margin_share"), value_of(values, "top5_margin_share_t4q")),
        ]
        section.figures.update(
            accounts_before=base,
            growing=counts["growing"],
            declining=counts["declining"],
            active_accounts=value_of(values, "active_accounts"),
        )
        columns = {
            "account": "Account",
            "gross_margin": "Margin now",
            "gross_margin_before": "Margin a year ago",
            "gross_margin_delta": "Change",
            "gross_margin_change": "Change %",
        }
        formats = {"Margin now": "money", "Margin a year ago": "money", "Change": "money_change", "Change %": "change"}
        growing = growth[trend == "growing"].head(5)
        declining = growth[trend == "declining"].sort_values("gross_margin_delta", kind="mergesort").head(5)
        if base:
            section.parts += [
                Heading(f"Accounts against {year_ago}"),
                Table("growing_accounts", "Largest growth", growing[list(columns)].rename(columns=columns), formats),
                Table(
                    "declining_accounts", "Largest declines", declining[list(columns)].rename(columns=columns), formats
                ),
            ]
    else:
        no_sales(section, "Account growth, concentration and key accounts")


def _key_accounts(review: Review, section: Section) -> None:
    """The key accounts and their share of margin (the ``accounts`` table says which are key)."""
    if not review.has_table("accounts"):
        missing_table(section, "Key accounts", "accounts")
    elif review.has_sales:
        keys = key_accounts(review.lines, review.table("accounts"), review.am_id).reset_index()
        section.lines.append(say.key_accounts_line(len(keys), keys["margin_share"].sum() if len(keys) else np.nan))
        if len(keys):
            keys["owned"] = keys["owner"] == review.am_id
            section.parts += [
                Heading("Key accounts"),
                Table(
                    "key_accounts",
                    "",
                    keys[["name", "owned", "revenue", "gross_margin", "gm_pct", "margin_share"]].rename(
                        columns={
                            "name": "Account",
                            "owned": "Owned",
                            "revenue": "Revenue",
                            "gross_margin": "Gross margin",
                            "gm_pct": "GM %",
                            "margin_share": "Share of margin",
                        }
                    ),
                    formats={
                        "Owned": "bool",
                        "Revenue": "money",
                        "Gross margin": "money",
                        "GM %": "pct",
                        "Share of margin": "pct",
                    },
                    note="Owned: the account is assigned to this account manager in the accounts table.",
                ),
            ]


def _back_orders(review: Review, section: Section) -> None:
    orders = review.mine("back_orders")
    if orders is None:
        missing_table(section, "Back orders", "back_orders")
        return
    quarter = review.quarter
    summary_row = back_order_summary(orders, quarter.end, quarter.start, quarter.end)
    ageing = back_order_ageing(orders, quarter.end)
    old = float(ageing.loc[["61-90", ">90"], "value"].sum())
    section.lines.append(
        say.back_order_line(
            summary_row["open_orders"], summary_row["open_value"], summary_row["past_promised_share"], old
        )
    )
    section.figures.update(
        open_back_order_value=float(summary_row["open_value"]), open_back_orders=float(summary_row["open_orders"])
    )
    section.parts += [Heading("Back orders"), Chart("back_order_ageing", plots.plot_back_order_ageing, ageing)]
    oldest = open_back_orders(orders, quarter.end).sort_values("days_open", ascending=False, kind="mergesort").head(5)
    if len(oldest):
        shown = pd.DataFrame(
            {
                "Order line": oldest["order_line_id"].to_numpy(),
                "Account": review.account_name(oldest["account_id"]).to_numpy(),
                "Ordered": oldest["order_date"].to_numpy(),
                "Promised": oldest["promised_date"].to_numpy(),
                "Days open": oldest["days_open"].to_numpy(),
                "Value": oldest["value"].to_numpy(),
                "Past promised date": oldest["past_promised"].to_numpy(),
            }
        )
        section.parts.append(
            Table(
                "oldest_back_orders",
                "Oldest open back orders",
                shown,
                formats={
                    "Ordered": "date",
                    "Promised": "date",
                    "Days open": "count",
                    "Value": "money",
                    "Past promised date": "bool",
                },
                nowrap=("Order line",),
            )
        )
