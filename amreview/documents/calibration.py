"""The organisation's calibration page: per manager, how the ratings they give sit against what the
figures say about the same people — the ratings agreed at their team's reviews against the computed
ones, their competency ratings against the overall scores — how their people rate themselves
against them, and the ratings that contradict the data.

For the people who calibrate ratings across managers (the head of sales, HR): it names the
managers and no account manager — each manager's team overview shows their own team by name,
and a review shows one person; a rating that contradicts the data is listed under its manager,
with its figures and without the person. Its input holds, per account manager in role, only their
manager, review status, computed and agreed rating, whether a change has a reason, their overall
score, their manager's mean competency rating and their self − manager gap
(:func:`amreview.batch.prepare.calibration_ratings`).

:class:`OrganisationCalibration` is to ``notebooks/calibration.ipynb`` what
:class:`~amreview.documents.team_overview.TeamOverview` is to the team notebook: one object,
one call per section (:data:`SECTIONS`), each a
:class:`~amreview.documents.team_overview.TeamSection`. The models, their intervals and the one
rule that flags a manager as lenient or severe are :mod:`amreview.scoring.rater_effects`', said on
the page.
"""

from __future__ import annotations

import html
from functools import cached_property

import pandas as pd

from amreview.documents import team_plots, team_render
from amreview.documents.chart_text import describe
from amreview.documents.team_overview import TeamChart, TeamSection
from amreview.formats import bands_text, pct, score_text
from amreview.periods import Quarter
from amreview.scoring.calibration import (
    MAX_BAND_CHANGE,
    leaning_rule,
    lowest_first,
    manager_calibration,
    rating_changes,
    rating_distributions,
)
from amreview.scoring.config import ScorecardConfig
from amreview.scoring.rater_effects import (
    LENIENT,
    LEVEL,
    SEVERE,
    competency_contradictions,
    competency_offsets,
    team_gaps,
)

SECTIONS = ("header", "managers", "raters", "gaps", "contradictions", "distribution", "about")
AUDIENCE = (
    "For the head of sales and HR, who calibrate ratings across managers. It names managers and no "
    "account manager: each manager's team overview shows their own team."
)
COMPETENCY_MODEL = (
    "Each person's overall score comes from the figures alone; their competency rating is the mean of "
    "their manager's ratings (1 to 5) of the five competencies. A straight line fitted through everyone "
    "gives the rating the average manager gives for each overall score; a manager's offset is how far "
    "their ratings sit above (+) or below (−) that, in rating points, for people with the same overall "
    "score. It can only compare managers with one another: nothing says which rating a score deserves."
)
AGREED_MEANING = (
    "A change counts in rating bands: one band up is +1. The interval pools the spread of the changes "
    "over the managers compared."
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

    @cached_property
    def competency_table(self) -> pd.DataFrame:
        """Per manager: their competency offset (:func:`amreview.scoring.rater_effects.competency_offsets`)."""
        return competency_offsets(*self._competency_inputs)

    @property
    def _competency_inputs(self) -> tuple[pd.Series, pd.Series, pd.Series]:
        frame = self.ratings
        return frame["manager_rating"].astype("float64"), frame["overall_score"].astype("float64"), frame["manager"]

    @cached_property
    def gap_table(self) -> pd.DataFrame:
        """Per manager's team: the self − manager gap (:func:`amreview.scoring.rater_effects.team_gaps`)."""
        return team_gaps(self.ratings["self_manager_gap"].astype("float64"), self.ratings["manager"])

    @cached_property
    def contradiction_table(self) -> pd.DataFrame:
        """The ratings that contradict the data, under their manager (:func:`contradicting_ratings`)."""
        return contradicting_ratings(self.ratings, self.changes, competency_contradictions(*self._competency_inputs))

    def flagged(self) -> list[str]:
        """The managers flagged, each with what for: ``"Name (agreed ratings: lenient)"``."""
        found = [f"{m} (agreed ratings: {v})" for m, v in self.per_manager["leaning"].items() if v]
        found += [f"{m} (competency ratings: {v})" for m, v in self.competency_table["flag"].items() if v]
        return found

    @property
    def header(self) -> TeamSection:
        """Title, who the page is for, and the organisation at a glance."""
        table = self.per_manager
        agreed = int(self.ratings["agreed_rating"].notna().sum())
        flagged = self.flagged()
        contradicting = len(self.contradiction_table)
        text = (
            f"Ratings agreed for {agreed} of {len(self.ratings)} account managers in role, under "
            f"{len(table)} manager{'s' if len(table) != 1 else ''}. "
            + (f"Flagged: {', '.join(flagged)}." if flagged else "No manager is flagged as lenient or severe.")
            + (
                f" Ratings that contradict the data: {contradicting}."
                if contradicting
                else " No rating contradicts the data."
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
        """Per manager: how their agreed ratings sit against the computed ones, with the interval
        and the rule."""
        table = self.per_manager
        offsets = table.rename(
            columns={
                "mean_band_change": "offset",
                "band_change_low": "offset_low",
                "band_change_high": "offset_high",
                "leaning": "flag",
            }
        )[["offset", "offset_low", "offset_high", "flag"]]
        offsets = offsets.assign(offset=offsets["offset"].where(offsets["offset_low"].notna()))
        options = ("mean change, agreed − computed (rating bands)", "Agreed against computed ratings, per manager")
        return TeamSection(
            "managers",
            [
                f"<p>{html.escape(leaning_rule())} {html.escape(AGREED_MEANING)}</p>",
                managers_styler(table),
                TeamChart(
                    "band_changes",
                    lambda: team_plots.plot_manager_offsets(offsets, *options),
                    lambda: describe(team_plots.plot_manager_offsets, offsets, *options),
                ),
            ],
        )

    def raters(self) -> TeamSection:
        """Per manager: how their competency ratings sit against the figures (the offset, its
        interval and flag), the model and the rule."""
        table = self.competency_table
        options = ("offset, rating points (1 to 5 scale)", "Competency ratings against the figures, per manager")
        return TeamSection(
            "raters",
            [
                f"<p>{html.escape(COMPETENCY_MODEL)} {html.escape(leaning_rule())}</p>",
                offsets_styler(table, "organisation-raters", "Offset (points)"),
                TeamChart(
                    "competency_offsets",
                    lambda: team_plots.plot_manager_offsets(table, *options),
                    lambda: describe(team_plots.plot_manager_offsets, table, *options),
                ),
            ],
        )

    def gaps(self) -> TeamSection:
        """Per manager's team: how their people's self-ratings sit against the manager's."""
        return TeamSection(
            "gaps",
            [f"<p class='amr-note'>{html.escape(team_render.GAP_MEANING)}</p>", gaps_styler(self.gap_table)],
        )

    def contradictions(self) -> TeamSection:
        """The ratings that contradict the data, under their manager, with the rule."""
        table = self.contradiction_table
        rule = (
            f"Listed: an agreed rating more than {MAX_BAND_CHANGE} rating band from the computed one, and a "
            "person whose manager's competency ratings sit further from the line above than the spread of "
            f"everyone else's allows, even after allowing for looking at everyone ({pct(LEVEL, 0)} level)."
        )
        parts: list = [f"<p class='amr-note'>{html.escape(rule)}</p>"]
        if table.empty:
            parts.append("<p class='amr-narrative'>No rating contradicts the data.</p>")
        else:
            parts.append(contradictions_styler(table))
        return TeamSection("contradictions", parts)

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
CHANGE_KIND, COMPETENCY_KIND = "Agreed rating", "Competency ratings"
CONTRADICTION_COLUMNS = ["manager", "kind", "rating", "data"]


def contradicting_ratings(ratings: pd.DataFrame, changes: pd.DataFrame, competency: pd.DataFrame) -> pd.DataFrame:
    """The ratings that contradict the data (:data:`CONTRADICTION_COLUMNS`), sorted by manager:
    each agreed rating more than :data:`~amreview.scoring.calibration.MAX_BAND_CHANGE` band from
    the computed one (``changes``: :func:`~amreview.scoring.calibration.rating_changes` of
    ``ratings``), and each row of ``competency``
    (:func:`~amreview.scoring.rater_effects.competency_contradictions`); ``rating`` says what the
    rating was, ``data`` what the figures say. No one is named."""
    far = changes["band_change"].abs() > MAX_BAND_CHANGE
    agreed = pd.DataFrame(
        {
            "manager": ratings.loc[far, "manager"].astype(str),
            "kind": CHANGE_KIND,
            "rating": [
                f"agreed {a} ({bands_text(c)} bands)"
                for a, c in zip(changes.loc[far, "agreed_rating"], changes.loc[far, "band_change"])
            ],
            "data": [f"computed {c}" for c in changes.loc[far, "computed_rating"]],
        }
    )
    rated = pd.DataFrame(
        {
            "manager": competency["manager"].astype(str),
            "kind": COMPETENCY_KIND,
            "rating": [f"mean {score_text(v)} of 5" for v in competency["manager_rating"]],
            "data": [
                f"overall score {score_text(s)}: {score_text(e)} expected from this manager "
                f"(studentised residual {r:+.1f})"
                for s, e, r in zip(
                    competency["overall_score"], competency["expected_rating"], competency["studentised_residual"]
                )
            ],
        }
    )
    found = pd.concat([agreed, rated], ignore_index=True)[CONTRADICTION_COLUMNS]
    return found.sort_values(["manager", "kind", "rating"], kind="stable").reset_index(drop=True)


def _table_styler(shown: pd.DataFrame, uuid: str, bold: list[bool], subset: list[str], right: list[str]):
    """The team overview's table (:func:`team_render.table_styler`) with the rows of ``bold`` in
    bold red in the columns ``subset`` and the columns ``right`` aligned right."""
    styler = team_render.table_styler(shown, uuid).apply(
        lambda column: ["font-weight: bold; color: #c0392b;" if f else "" for f in bold],
        subset=subset,
    )
    return styler.set_properties(subset=right, **{"text-align": "right"})


def offsets_styler(table: pd.DataFrame, uuid: str, heading: str):
    """Per manager (:data:`~amreview.scoring.rater_effects.OFFSET_COLUMNS`): the people compared,
    the offset, its interval and the flag."""
    shown = pd.DataFrame(
        {
            "Manager": table.index.astype(str),
            "People with both figures": table["people"].to_numpy(),
            heading: [bands_text(v, 2) for v in table["offset"]],
            f"{pct(LEVEL, 0)} interval": [
                team_render.interval_text(lo, hi) for lo, hi in table[["offset_low", "offset_high"]].to_numpy()
            ],
            "Flag": table["flag"].map(LEANING_TEXT).to_numpy(),
        }
    )
    columns = list(shown.columns)
    return _table_styler(shown, uuid, [bool(f) for f in table["flag"]], [heading, "Flag"], columns[1:4])


def gaps_styler(table: pd.DataFrame):
    """Per manager's team (:func:`~amreview.scoring.rater_effects.team_gaps`): people rated by
    both, the mean self − manager gap and its interval."""
    shown = pd.DataFrame(
        {
            "Manager": table.index.astype(str),
            "People rated by both": table["gap_count"].to_numpy(),
            "Self − manager (points)": [bands_text(v, 2) for v in table["gap"]],
            f"{pct(LEVEL, 0)} interval": [
                team_render.interval_text(lo, hi) for lo, hi in table[["gap_low", "gap_high"]].to_numpy()
            ],
        }
    )
    return _table_styler(shown, "organisation-gaps", [False] * len(shown), [], list(shown.columns[1:]))


def contradictions_styler(table: pd.DataFrame):
    """The ratings that contradict the data (:func:`contradicting_ratings`)."""
    shown = pd.DataFrame(
        {
            "Manager": table["manager"].to_numpy(),
            "Which rating": table["kind"].to_numpy(),
            "The rating": table["rating"].to_numpy(),
            "What the data says": table["data"].to_numpy(),
        }
    )
    return _table_styler(shown, "organisation-contradictions", [False] * len(shown), [], [])


def managers_styler(table: pd.DataFrame):
    """The per-manager table: direct reports, how many have both ratings, the mean band change and
    its interval, raised / lowered / unchanged, the flagged changes and the manager's flag."""
    shown = pd.DataFrame(
        {
            "Manager": table.index.astype(str),
            "Direct reports": table["people"].to_numpy(),
            "With both ratings": table["compared"].to_numpy(),
            "Mean change (bands)": [bands_text(v, 2) for v in table["mean_band_change"]],
            f"{pct(LEVEL, 0)} interval": [
                team_render.interval_text(lo, hi)
                for lo, hi in table[["band_change_low", "band_change_high"]].to_numpy()
            ],
            "Raised": table["raised"].to_numpy(),
            "Lowered": table["lowered"].to_numpy(),
            "Unchanged": table["unchanged"].to_numpy(),
            "Changes flagged": table["flagged"].to_numpy(),
            "Flag": table["leaning"].map(LEANING_TEXT).to_numpy(),
        }
    )
    bold = [bool(f) for f in table["leaning"]]
    return _table_styler(
        shown, "organisation-calibration", bold, ["Mean change (bands)", "Flag"], list(shown.columns[1:-1])
    )
