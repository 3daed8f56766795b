"""5. Productive new business: new accounts won, the pipeline funnel, win rates, coverage, sales cycle."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from amreview.documents import narrative as say
from amreview.documents import plots
from amreview.documents.like_for_like import like_for_like_lines
from amreview.documents.model import Chart, Heading, Section, Table
from amreview.documents.sections._common import finish, missing_table, new_section, no_sales, row_of, value_of
from amreview.metrics.newbusiness import (
    closed_opportunities,
    open_opportunities,
    pipeline_funnel,
    pipeline_value,
    win_rates,
)
from amreview.metrics.targets import quarter_target

if TYPE_CHECKING:  # the review calls the section builders: Review is only a type here
    from amreview.documents.review import Review


def new_business(review: Review) -> Section:
    section = new_section(review, "new_business")
    values = review.values
    if review.has_sales:
        section.lines.append(
            say.new_accounts_line(
                values["new_accounts"], review.targets.get("new_accounts", np.nan), values["new_account_margin"]
            )
        )
        section.lines += like_for_like_lines(review, ("new_accounts",))
        section.figures.update(new_accounts=value_of(values, "new_accounts"))
        new = review.views.new_accounts  # the whole pack's first lines decide what is new
        if len(new):
            shown = pd.DataFrame(
                {
                    "Account": review.account_name(new["account_id"]).to_numpy(),
                    "First invoice": new["first_invoice_date"].to_numpy(),
                    "Won by this AM": new["credited_new"].to_numpy(),
                    "Revenue": new["revenue"].to_numpy(),
                    "Gross margin": new["gross_margin"].to_numpy(),
                    "GM %": new["gm_pct"].to_numpy(),
                }
            )
            section.parts += [
                Heading("New accounts"),
                Table(
                    "new_accounts",
                    "",
                    shown,
                    formats={
                        "First invoice": "date",
                        "Won by this AM": "bool",
                        "Revenue": "money",
                        "Gross margin": "money",
                        "GM %": "pct",
                    },
                    note="An account is new when its first invoice line in the whole pack falls in the quarter; it is "
                    "won by the account manager on that line.",
                ),
            ]
    else:
        no_sales(section, "New accounts won")
    opportunities = review.mine("opportunities")
    if opportunities is None:
        missing_table(section, "Opportunities (pipeline, win rate, coverage, sales cycle)", "opportunities")
    else:
        _pipeline(review, section, opportunities)
    section.explanation = review.explanation_for(("new_business",))
    return finish(
        section,
        (
            "new_accounts",
            "new_account_margin",
            "new_accounts_attainment",
            "win_rate_count",
            "win_rate_value",
            "new_business_win_rate_count",
            "pipeline_coverage",
            "sales_cycle_days",
            "average_deal_size",
        ),
    )


def _pipeline(review: Review, section: Section, opportunities: pd.DataFrame) -> None:
    quarter, values = review.quarter, review.values
    following = quarter.next()
    funnel = pipeline_funnel(opportunities, quarter.start, quarter.end, quarter.end)
    funnel.index = funnel.index.astype(str)
    closed = closed_opportunities(opportunities, quarter.start, quarter.end)
    columns = ["won", "lost", "won_value", "lost_value", "win_rate_count", "win_rate_value"]
    rates = row_of(win_rates(closed, "am_id"), review.am_id, columns)
    new_rates = row_of(
        win_rates(closed[closed["new_business"].fillna(False).astype(bool)], "am_id"), review.am_id, columns
    )
    pipeline = float(
        pipeline_value(open_opportunities(opportunities, quarter.end), following.start, following.end, "am_id").get(
            review.am_id, 0.0
        )
    )
    next_target = quarter_target(review.mine("targets"), review.am_id, following, "revenue")
    won, lost = rates[["won", "lost"]].fillna(0)
    section.lines += [
        say.win_rate_line(won, lost, rates["win_rate_count"], rates["win_rate_value"]),
        say.coverage_line(pipeline, next_target, value_of(values, "pipeline_coverage"), str(following)),
        say.cycle_line(value_of(values, "sales_cycle_days"), value_of(values, "average_deal_size")),
    ]
    section.lines += like_for_like_lines(review, ("win_rate_value",))
    section.figures.update(
        won=float(won),
        lost=float(lost),
        pipeline_next_quarter=pipeline,
        pipeline_coverage=value_of(values, "pipeline_coverage"),
    )
    stages = funnel.reset_index().rename(
        columns={"stage": "Stage", "opportunities": "Deals", "value": "Value", "expected_margin": "Expected margin"}
    )
    stages["Stage"] = [
        f"{s} (open at quarter end)" if s in ("prospecting", "engaging") else f"{s} in the quarter"
        for s in stages["Stage"]
    ]
    wins = pd.DataFrame(
        {
            "": ["All deals", "New business"],
            "Won": [rates["won"], new_rates["won"]],
            "Lost": [rates["lost"], new_rates["lost"]],
            "Win rate (count)": [rates["win_rate_count"], new_rates["win_rate_count"]],
            "Win rate (value)": [rates["win_rate_value"], new_rates["win_rate_value"]],
            "Won value": [rates["won_value"], new_rates["won_value"]],
        }
    )
    section.parts += [
        Heading("Pipeline and win rate"),
        Chart("pipeline_funnel", plots.plot_pipeline_funnel, funnel),
        Table("pipeline", "", stages, formats={"Deals": "count", "Value": "money", "Expected margin": "money"}),
        Table(
            "win_rates",
            "",
            wins,
            formats={
                "Won": "count",
                "Lost": "count",
                "Win rate (count)": "pct",
                "Win rate (value)": "pct",
                "Won value": "money",
            },
            missing={"Won": "0", "Lost": "0", "Won value": "0"},
        ),
    ]
