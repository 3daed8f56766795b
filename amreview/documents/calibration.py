"""The organisation's calibration page: per manager, how the ratings agreed at their team's
reviews sit against the ratings computed from the figures.

For the people who calibrate ratings across managers (the head of sales, HR): it names the
managers and no account manager — each manager's team overview shows their own team by name,
and a review shows one person. Its input holds, per account manager in role, only their
manager, review status, computed and agreed rating and whether a change has a reason
(:func:`amreview.batch.prepare.calibration_ratings`).

:class:`OrganisationCalibration` is to ``notebooks/calibration.ipynb`` what
:class:`~amreview.documents.team_overview.TeamOverview` is to the team notebook: one object,
one call per section (:data:`SECTIONS`), each a
:class:`~amreview.documents.team_overview.TeamSection`. The rule that flags a manager as lenient
or severe is :mod:`amreview.scoring.calibration`'s, said on the page.
"""

from __future__ import annotations

import html
from functools import cached_property

import pandas as pd

from amreview.documents import team_plots, team_render
from amreview.documents.chart_text import describe
from amreview.documents.team_overview import TeamChart, TeamSection
from amreview.formats import bands_text
from amreview.periods import Quarter
from amreview.scoring.calibration import (
    LEANING_MEAN_BANDS,
    LENIENT,
    SEVERE,
    leaning_rule,
    lowest_first,
    manager_calibration,
    rating_changes,
    rating_distributions,
)
from amreview.scoring.config import ScorecardConfig

SECTIONS = ("header", "managers", "distribution", "about")
AUDIENCE = (
    "For the head of sales and HR, who calibrate ratings across managers. It names managers and no "
    "account manager: each manager's team overview shows their own team."
)


class OrganisationCalibration:
    """The calibration page of ``quarter`` under ``config``; ``ratings`` has one row per account
    manager in role (columns of :data:`amreview.batch.input_files.CALIBRATION_COLUMNS`)."""

    def __init__(self, quarter: Quarter, config: ScorecardConfig, ratings: pd.DataFrame, pack_fingerprint: str = ""):
        self.quarter = quarter
        self.config = config
        self.ratings = ratings
        self.pack_fingerprint = pack_fingerprint

    @cached_property
    def changes(self) -> pd.DataFrame:
        """Each row's band change and flags (:func:`amreview.scoring.calibration.rating_changes`)."""
        return rating_changes(self.ratings, self.config)

    @cached_property
    def per_manager(self) -> pd.DataFrame:
        """Per manager: :func:`amreview.scoring.calibration.manager_calibration`."""
        return manager_calibration(self.changes, self.ratings["manager"])

    @property
    def header(self) -> TeamSection:
        """Title, who the page is for, and the organisation at a glance."""
        table = self.per_manager
        agreed = int(self.ratings["agreed_rating"].notna().sum())
        leaning = table[table["leaning"] != ""]
        text = (
            f"Ratings agreed for {agreed} of {len(self.ratings)} account managers in role, under "
            f"{len(table)} manager{'s' if len(table) != 1 else ''}. "
            + (
                f"Flagged: {', '.join(f'{m} ({v})' for m, v in leaning['leaning'].items())}."
                if len(leaning)
                else "No manager is flagged as lenient or severe."
            )
        )
        return TeamSection(
            "header",
            [
                "<div class='amr-header'>"
                f"<h1>Organisation calibration {html.escape(str(self.quarter))}</h1>"
                f"<p>Quarterly reviews {html.escape(str(self.quarter))}: {html.escape(self.quarter.label)}</p>"
                f"<p class='amr-note'>{html.escape(AUDIENCE)}</p></div>"
                f"<p class='amr-narrative'>{html.escape(text)}</p>"
            ],
        )

    def managers(self) -> TeamSection:
        """Per manager: how their agreed ratings sit against the computed ones, and the rule."""
        table = self.per_manager
        return TeamSection(
            "managers",
            [
                f"<p>{html.escape(leaning_rule())} A change counts in rating bands: one band up is +1.</p>",
                managers_styler(table),
                TeamChart(
                    "band_changes",
                    lambda: team_plots.plot_band_changes(table[["mean_band_change", "leaning"]], LEANING_MEAN_BANDS),
                    lambda: describe(
                        team_plots.plot_band_changes, table[["mean_band_change", "leaning"]], LEANING_MEAN_BANDS
                    ),
                ),
            ],
        )

    def distribution(self) -> TeamSection:
        """How many hold each rating across the organisation, computed and agreed."""
        counts = rating_distributions(self.changes, self.config)
        return TeamSection(
            "distribution",
            [
                team_render.rating_distributions_styler(
                    counts, lowest_first(self.config), "organisation-rating-distributions"
                ),
                TeamChart(
                    "rating_distributions",
                    lambda: team_plots.plot_rating_distributions(counts),
                    lambda: describe(team_plots.plot_rating_distributions, counts),
                ),
            ],
        )

    def about(self, run_date: pd.Timestamp | None = None) -> TeamSection:
        """The config's rating boundaries, the data's fingerprint, the library's version and the
        run date (now unless given)."""
        when = pd.Timestamp.now() if run_date is None else run_date
        bands = ", ".join(f"{r.label} from {r.min_score:g}" for r in self.config.ratings)
        provenance = [
            f"data pack fingerprint: {self.pack_fingerprint[:16] or 'none (built-in sample)'}",
            f"amreview {team_render.library_version()}",
            f"run on {when:%d %b %Y}",
        ]
        return TeamSection(
            "about",
            [
                f"<p>The computed rating is the scorecard's, from the figures; the agreed rating is the one recorded "
                f"at the review (review_outcomes). Ratings: {html.escape(bands)}.</p>"
                f"<p class='amr-note'>{html.escape('; '.join(provenance))}.</p>"
            ],
        )

    def sections(self) -> list[TeamSection]:
        """Every section, in order (:data:`SECTIONS`)."""
        return [self.header] + [getattr(self, key)() for key in SECTIONS[1:]]

    def __repr__(self) -> str:
        return f"<OrganisationCalibration {self.quarter}: {len(self.per_manager)} managers>"

    def _repr_html_(self) -> str:
        return "\n".join(section._repr_html_() for section in self.sections())


LEANING_TEXT = {LENIENT: "lenient", SEVERE: "severe", "": "—"}


def managers_styler(table: pd.DataFrame):
    """The per-manager table: direct reports, how many have both ratings, the mean band change,
    raised / lowered / unchanged, the flagged changes and the manager's flag."""
    shown = pd.DataFrame(
        {
            "Manager": table.index.astype(str),
            "Direct reports": table["people"].to_numpy(),
            "With both ratings": table["compared"].to_numpy(),
            "Mean change (bands)": [bands_text(v, 2) for v in table["mean_band_change"]],
            "Raised": table["raised"].to_numpy(),
            "Lowered": table["lowered"].to_numpy(),
            "Unchanged": table["unchanged"].to_numpy(),
            "Changes flagged": table["flagged"].to_numpy(),
            "Flag": table["leaning"].map(LEANING_TEXT).to_numpy(),
        }
    )
    leaning = list(table["leaning"])
    styler = (
        shown.style.format(escape="html", na_rep="")
        .format_index(escape="html", axis="columns")
        .hide(axis="index")
        .set_uuid("organisation-calibration")
        .set_table_attributes('class="amr-table"')
    )
    styler = styler.apply(
        lambda column: ["font-weight: bold; color: #c0392b;" if f else "" for f in leaning],
        subset=["Mean change (bands)", "Flag"],
    )
    return styler.set_properties(subset=list(shown.columns[1:-1]), **{"text-align": "right"})
