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

Every quarter before 2026Q3 was reviewed and signed; the 2026Q3 round is under way: in each
team the first three reviews (by ``am_id``) are signed, the fourth is in review and the fifth
still draft, and one manager (Midlands & North) agrees ratings a band above the computed ones
for two of his people (see :mod:`.review_outcomes`).

:func:`generate_sample` is pure and deterministic: it draws every random number from one
``numpy.random.default_rng(seed)`` in a fixed order (and the CRM fields people leave empty, and
the review signing dates, from generators of their own keyed by the same seed, so adding them
changed no other value) and writes no files.

The generator is a package, one module per part of the pack, in the order a newcomer meets them:
``organisation`` (teams, roster, the ``account_managers`` table) and ``personas`` (how each
person behaves); ``accounts``; ``sales`` (lines, credit notes, actuals); ``targets``;
``opportunities`` and ``activities`` (the CRM) and ``record_gaps`` (its empty fields);
``back_orders_and_cases``; ``reporting`` (reports and forecasts); ``development`` and
``competencies``; ``feedback``; ``review_notes``; ``review_outcomes`` (the agreed ratings and
signatures, and the 2026Q3 review round caught half-way: part signed, part in review, part still
draft). ``_calendar`` (day numbers, quarters, business days) and ``_columns`` (typed table
columns) serve them all. :func:`generate_sample` below calls them in the one order the random
numbers are drawn in: a new table's draws go after the others', or come from a generator of its
own (``record_gaps``, ``review_outcomes``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from amreview.data.sample._calendar import HISTORY_END, HISTORY_START, NEXT_Q, REVIEW_PERIOD, build_calendar
from amreview.data.sample.accounts import AccountPicker, account_book, accounts_frame
from amreview.data.sample.activities import activities_frame
from amreview.data.sample.back_orders_and_cases import back_orders_frame, cases_frame
from amreview.data.sample.competencies import competency_ratings_frame
from amreview.data.sample.development import development_objectives_frame
from amreview.data.sample.effects import SHIPPED, SampleEffects
from amreview.data.sample.feedback import customer_feedback_frame
from amreview.data.sample.opportunities import SMALL_SAMPLE_STREAM, cut_to_a_handful, opportunities_frame
from amreview.data.sample.organisation import PERSONAS, account_managers_frame
from amreview.data.sample.personas import am_traits
from amreview.data.sample.record_gaps import RECORD_GAPS_STREAM, leave_record_gaps
from amreview.data.sample.reporting import forecasts_frame, report_submissions_frame
from amreview.data.sample.review_notes import attainment_by_quarter, review_notes_frame
from amreview.data.sample.review_outcomes import REVIEW_OUTCOMES_STREAM, review_outcomes_frame, without_draft_input
from amreview.data.sample.sales import quarterly_actuals, sales_frame, sales_lines
from amreview.data.sample.targets import money_targets, review_months, targets_frame

__all__ = [
    "HISTORY_END",
    "HISTORY_START",
    "PERSONAS",
    "REVIEW_PERIOD",
    "SAMPLE_SEED",
    "SampleEffects",
    "generate_sample",
]

SAMPLE_SEED = 42


def generate_sample(seed: int = SAMPLE_SEED, effects: SampleEffects = SHIPPED) -> dict[str, pd.DataFrame]:
    """The sample data pack: every table of the data contract, keyed by table name.

    Pure and deterministic: the same ``seed`` and ``effects`` give identical tables; no files are
    written. ``effects`` plants known effects for tests (:mod:`.effects`); the default is the
    shipped sample.
    """
    rng = np.random.default_rng(seed)
    cal = build_calendar()
    traits = am_traits(rng)
    book = account_book(rng, traits, cal)
    lines = sales_lines(rng, book, traits, cal, effects)
    sales = sales_frame(lines, book)
    picker = AccountPicker(lines)
    actual = quarterly_actuals(sales, cal)
    money = {
        "revenue": money_targets(rng, traits, cal, actual["revenue"], "revenue_attainment", -3),
        "gross_margin": money_targets(rng, traits, cal, actual["gross_margin"], "margin_attainment", -2),
    }
    tables = {
        "account_managers": account_managers_frame(),
        "sales": sales,
        "targets": targets_frame(traits, cal, money, review_months(sales, cal)),
        "accounts": accounts_frame(book),
        "opportunities": opportunities_frame(rng, traits, cal, book, picker, money["revenue"][:, NEXT_Q]),
        "activities": activities_frame(rng, traits, cal, book, picker),
        "back_orders": back_orders_frame(rng, traits, cal, book, picker),
        "cases": cases_frame(rng, traits, cal, book, picker),
        "report_submissions": report_submissions_frame(rng, traits, cal),
        "forecasts": forecasts_frame(rng, traits, cal, actual, money),
        "development_objectives": development_objectives_frame(rng, traits, cal),
        "competency_ratings": competency_ratings_frame(rng, traits, effects.rater_leniency),
        "customer_feedback": customer_feedback_frame(rng, traits, cal, book, picker),
        "review_notes": review_notes_frame(attainment_by_quarter(actual, money)),
    }
    leave_record_gaps(tables, traits, np.random.default_rng([seed, RECORD_GAPS_STREAM]))
    tables["opportunities"] = cut_to_a_handful(
        tables["opportunities"], effects.small_sample_am, np.random.default_rng([seed, SMALL_SAMPLE_STREAM])
    )
    for table in ("competency_ratings", "review_notes"):  # the 2026Q3 reviews still in draft: none collected
        tables[table] = without_draft_input(tables[table])
    tables["review_outcomes"] = review_outcomes_frame(
        np.random.default_rng([seed, REVIEW_OUTCOMES_STREAM]),
        cal,
        effects.agreed_above_computed,
        effects.rater_leniency,
    )
    return tables
