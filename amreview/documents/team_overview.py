"""One sales manager's team overview of one quarter: the sections a notebook displays.

:class:`TeamOverview` is to ``notebooks/team_overview.ipynb`` what
:class:`~amreview.documents.review.Review` is to the review notebook: the notebook opens one
(:func:`amreview.batch.inputs.open_team_overview`) and shows one section per cell. The team's
frames (:mod:`amreview.documents.team`) are computed once, when a section first needs them;
a section formats them (:mod:`amreview.documents.team_render`) or draws them
(:mod:`amreview.documents.team_plots`) only when displayed.

A :class:`TeamSection` is a list of parts, shown in order as separate outputs: HTML text, a
table (a pandas Styler) or a chart (a function drawing a matplotlib figure, and the words that
describe it). Each part is one piece of HTML, in a notebook (``_ipython_display_``: one output
each) as elsewhere (``_repr_html_``): a table in a box that scrolls sideways on a phone and that a
keyboard reaches (:func:`amreview.documents.render.scroll_box`), a chart inlined as a PNG whose
``alt`` says what it shows (:mod:`amreview.documents.chart_text`).

Money is written in the scorecard config's format (:attr:`ScorecardConfig.number_format
<amreview.scoring.config.ScorecardConfig.number_format>`) while a section is built and while it
is shown: each :class:`TeamSection` carries the format it was built in.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from amreview.documents import like_for_like, team, team_plots, team_render
from amreview.documents.chart_text import alt_text, chart_titles, describe
from amreview.formats import NEUTRAL_FORMAT, NumberFormat, escape, number_format_in_effect
from amreview.scoring.calibration import lowest_first, rating_distributions
from amreview.scoring.scorecard import Scorecard

# The sections in the notebook's order: ``overview.header``, then ``overview.<key>()``.
SECTIONS = (
    "header",
    "scorecard",
    "measure_scores",
    "calibration",
    "headline_figures",
    "team_totals",
    "needs_attention",
    "about",
)


@dataclass(frozen=True)
class TeamChart:
    """A chart of the overview: ``draw()`` draws it on a new matplotlib figure (and returns
    anything: the caller takes the current figure); ``words()`` says what it shows, from the
    data it draws (:func:`amreview.documents.chart_text.describe`)."""

    key: str
    draw: Callable[[], object]
    words: Callable[[], str]


@dataclass
class TeamSection:
    """One section of the team overview: ``parts`` (HTML text, Stylers, :class:`TeamChart`)
    shown in order, each as one output, money in ``number_format``."""

    key: str
    parts: list = field(default_factory=list)
    number_format: NumberFormat = NEUTRAL_FORMAT

    def __repr__(self) -> str:
        return f"<TeamSection {self.key}: {len(self.parts)} parts>"

    def _ipython_display_(self) -> None:
        """Each part as one output, its HTML (:func:`_part_html`)."""
        from IPython.display import HTML, display

        with number_format_in_effect(self.number_format):
            chunks = [_part_html(part) for part in self.parts]
        for chunk in chunks:
            display(HTML(chunk))

    def _repr_html_(self) -> str:
        with number_format_in_effect(self.number_format):
            return "\n".join(_part_html(part) for part in self.parts)


def _in_number_format(build: Callable[..., TeamSection]) -> Callable[..., TeamSection]:
    """A :class:`TeamOverview` section method that builds its section with money in the
    overview's config's format, and gives the section that format to be shown in."""

    @functools.wraps(build)
    def built(overview: TeamOverview, *args, **kwargs) -> TeamSection:
        with number_format_in_effect(overview.card.config.number_format) as fmt:
            section = build(overview, *args, **kwargs)
        section.number_format = fmt
        return section

    return built


def _part_html(part) -> str:
    if isinstance(part, str):
        return part
    if isinstance(part, TeamChart):
        import base64

        import matplotlib.pyplot as plt

        from amreview.documents.plot_style import house_style
        from amreview.documents.render import figure_png

        sentence = part.words()
        with house_style():
            part.draw()
            figure = plt.gcf()
        try:
            alt = alt_text(chart_titles(figure), sentence)
            data = base64.b64encode(figure_png(figure)).decode("ascii")
        finally:
            plt.close(figure)
        return f"<figure class='amr-chart'><img src='data:image/png;base64,{data}' alt='{escape(alt)}'></figure>"
    return team_render.table_block(part)


class TeamOverview:
    """The overview of ``manager``'s team: ``card`` holds the scorecard rows of their direct
    reports (or the whole scorecard: only the team's rows are shown), ``pack_fingerprint``
    names the data they were computed from (shown in *About this overview*), ``outcomes`` where
    each of their reviews stands (:func:`amreview.scoring.outcomes.review_status` rows; None: not
    known, and the calibration section shows the computed ratings only)."""

    def __init__(self, manager: str, card: Scorecard, pack_fingerprint: str = "", outcomes: pd.DataFrame | None = None):
        self.manager = str(manager)
        self.card = card
        self.pack_fingerprint = pack_fingerprint
        self.outcomes = outcomes

    @property
    def quarter(self):
        return self.card.quarter

    # -- the team's frames, computed once ------------------------------------------------------

    @cached_property
    def members(self) -> pd.DataFrame:
        return team.team_scorecard(self.card, self.manager)

    @cached_property
    def totals(self) -> pd.DataFrame:
        return team.team_totals(self.card, self.manager)

    @cached_property
    def gm_pct(self) -> float:
        return team.team_gm_pct(self.card, self.manager)

    @cached_property
    def ratings(self) -> pd.Series:
        return team.rating_distribution(self.card, self.manager)

    @cached_property
    def attention_rating(self) -> str:
        return team.attention_rating(self.card)

    @cached_property
    def attention(self) -> pd.DataFrame:
        return team.needs_attention(self.card, self.manager, self.attention_rating)

    @cached_property
    def agreed(self) -> pd.DataFrame | None:
        """Each member's computed and agreed rating (:func:`team.team_calibration`); None when
        the outcomes are not known."""
        return None if self.outcomes is None else team.team_calibration(self.card, self.manager, self.outcomes)

    # -- the sections, in the notebook's order ---------------------------------------------------

    @property
    @_in_number_format
    def header(self) -> TeamSection:
        """Who and when, and the team at a glance."""
        return TeamSection(
            "header",
            [
                team_render.team_header_html(self.manager, self.quarter, self.members),
                team_render.team_summary_html(
                    self.totals, self.gm_pct, self.ratings, self.attention, len(self.members)
                ),
            ],
        )

    @_in_number_format
    def scorecard(self) -> TeamSection:
        """Each member's measure scores, overall score and rating."""
        measures = list(self.card.measures.columns)
        return TeamSection("scorecard", [team_render.team_scorecard_styler(self.members, measures)])

    @_in_number_format
    def measure_scores(self) -> TeamSection:
        """The measure scores as a grid of colours."""
        matrix = team.measure_score_matrix(self.card, self.manager, team_render.SHORT_MEASURE_LABELS)
        chart = TeamChart(
            "measure_scores",
            lambda: team_plots.plot_measure_heatmap(matrix),
            lambda: describe(team_plots.plot_measure_heatmap, matrix),
        )
        return TeamSection("measure_scores", [chart])

    @_in_number_format
    def calibration(self) -> TeamSection:
        """Each member's agreed rating beside the computed one, the changes flagged, and the
        distribution of each (when the outcomes are known); how many ratings are fragile; the team's
        self − manager competency gap with its interval (when someone has one); then the spread of
        ratings beside each overall score against the rating boundaries."""
        parts: list = []
        if self.agreed is not None:
            distribution = rating_distributions(self.agreed, self.card.config)
            parts.append(team_render.calibration_html(self.agreed, distribution, lowest_first(self.card.config)))
        parts.append(team_render.robustness_html(self.members))
        parts += team_render.team_gap_parts(self.card.values.reindex(team.direct_reports(self.card, self.manager)))
        return TeamSection(
            "calibration", parts + [TeamChart("calibration", self._draw_calibration, self._calibration_words)]
        )

    def _draw_calibration(self):
        import matplotlib.pyplot as plt

        _, (left, right) = plt.subplots(1, 2, figsize=(9, 2 + 0.4 * len(self.members)), width_ratios=[1, 1.6])
        team_plots.plot_rating_distribution(self.ratings, ax=left)
        team_plots.plot_overall_scores(
            self.members.set_index("name")["overall_score"], team.rating_boundaries(self.card), ax=right
        )

    def _calibration_words(self) -> str:
        """What :meth:`_draw_calibration` draws, left then right."""
        scores = self.members.set_index("name")["overall_score"]
        return (
            describe(team_plots.plot_rating_distribution, self.ratings)
            + " "
            + describe(team_plots.plot_overall_scores, scores, team.rating_boundaries(self.card))
        )

    @_in_number_format
    def headline_figures(self) -> TeamSection:
        """Each member's headline figures against target, then against books like theirs."""
        return TeamSection(
            "headline_figures", [team_render.team_kpis_styler(self.members), *self._like_for_like_parts()]
        )

    def _like_for_like_parts(self) -> list:
        """Who is above or below what books like theirs achieve, and by how much; nothing where
        nobody on the team has an expectation."""
        table = like_for_like.team_expectations_styler(self.card, self.members)
        if table is None:
            return []
        return [
            f"<h3>Against books like theirs</h3><p class='amr-note'>{escape(like_for_like.TEAM_TABLE_NOTE)}</p>",
            table,
        ]

    @_in_number_format
    def team_totals(self) -> TeamSection:
        """The team's totals against the sum of its members' targets, as a table and a chart."""
        chart = team_render.totals_chart_frame(self.totals)
        return TeamSection(
            "team_totals",
            [
                team_render.team_totals_styler(self.totals, self.gm_pct),
                TeamChart(
                    "team_totals",
                    lambda: team_plots.plot_team_totals(chart),
                    lambda: describe(team_plots.plot_team_totals, chart),
                ),
            ],
        )

    @_in_number_format
    def needs_attention(self) -> TeamSection:
        """Who needs attention, and why."""
        return TeamSection(
            "needs_attention",
            [team_render.attention_html(self.attention, self.attention_rating, team.ATTENTION_LOW_SCORE)],
        )

    @_in_number_format
    def about(self, run_date: pd.Timestamp | None = None) -> TeamSection:
        """The config, the data's fingerprint, the library's version and the run date (now
        unless given)."""
        when = pd.Timestamp.now() if run_date is None else run_date
        return TeamSection("about", [team_render.config_html(self.card, self.pack_fingerprint, when)])

    def sections(self) -> list[TeamSection]:
        """Every section, in order (:data:`SECTIONS`)."""
        return [self.header] + [getattr(self, key)() for key in SECTIONS[1:]]

    def __repr__(self) -> str:
        return f"<TeamOverview of {self.manager}'s team, {self.quarter}>"

    def _repr_html_(self) -> str:
        return "\n".join(section._repr_html_() for section in self.sections())
