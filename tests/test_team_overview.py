"""The team overview as one object (amreview.documents.team_overview): its sections exist, show as
HTML, and display exactly what the team notebook's cells displayed when they called
team, team_render and team_plots themselves (the cells of before issue 13 are copied below; issue 14
added the agreed ratings to the calibration cell, issue 17 the fragile ratings and who is above or
below books like theirs in the headline figures; issue 15 shows each table in its keyboard-reachable
box, ``team_render.table_block``, and each chart as an image described in its ``alt``: compared here
by its PNG, drawn as ``render.figure_png`` draws it)."""

from __future__ import annotations

import base64
import re

import matplotlib

matplotlib.use("Agg")

import IPython.display
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from amreview.batch.inputs import open_team, open_team_overview
from amreview.documents import like_for_like, team, team_plots, team_render
from amreview.documents.plot_style import use_house_style
from amreview.documents.render import figure_png
from amreview.documents.team_overview import SECTIONS, TeamOverview, TeamSection
from amreview.formats import escape
from amreview.scoring.calibration import lowest_first, rating_distributions

MANAGER = "Claire Whitfield"
RUN_DATE = pd.Timestamp("2026-10-05 09:30")


@pytest.fixture(scope="module")
def overview() -> TeamOverview:
    return open_team_overview("sample", MANAGER, "2026Q3")


def notebook_cells_of_before(data, manager, period, config=""):
    """The team notebook's cells as they were: each a function displaying what its cell did."""
    from IPython.display import HTML

    def display(obj):  # looked up when called: the test records what is displayed
        IPython.display.display(obj)

    view = open_team(data, manager, period, config)
    card = view.card
    members = team.team_scorecard(card, manager)
    totals = team.team_totals(card, manager)
    gm_pct = team.team_gm_pct(card, manager)
    ratings = team.rating_distribution(card, manager)
    attention_rating = team.attention_rating(card)
    attention = team.needs_attention(card, manager, attention_rating)

    def header():
        display(HTML(team_render.team_header_html(manager, card.quarter, members)))
        display(HTML(team_render.team_summary_html(totals, gm_pct, ratings, attention, len(members))))

    def calibration():
        agreed = team.team_calibration(card, manager, view.outcomes)  # issue 14: the agreed ratings first
        display(
            HTML(
                team_render.calibration_html(
                    agreed, rating_distributions(agreed, card.config), lowest_first(card.config)
                )
            )
        )
        display(HTML(team_render.robustness_html(members)))  # issue 17: how many ratings are fragile
        gap = team_render.team_gap_html(card.values.reindex(team.direct_reports(card, manager)))  # issue 17 (C)
        display(HTML(gap))
        fig, (left, right) = plt.subplots(1, 2, figsize=(9, 2 + 0.4 * len(members)), width_ratios=[1, 1.6])
        team_plots.plot_rating_distribution(ratings, ax=left)
        team_plots.plot_overall_scores(
            members.set_index("name")["overall_score"], team.rating_boundaries(card), ax=right
        )

    def headline_figures():
        display(HTML(team_render.table_block(team_render.team_kpis_styler(members))))
        # issue 17: then who is above or below books like theirs
        display(
            HTML(f"<h3>Against books like theirs</h3><p class='amr-note'>{escape(like_for_like.TEAM_TABLE_NOTE)}</p>")
        )
        display(HTML(team_render.table_block(like_for_like.team_expectations_styler(card, members))))

    def totals_cell():
        display(HTML(team_render.table_block(team_render.team_totals_styler(totals, gm_pct))))
        team_plots.plot_team_totals(team_render.totals_chart_frame(totals))

    return {
        "header": header,
        "scorecard": lambda: display(
            HTML(team_render.table_block(team_render.team_scorecard_styler(members, list(card.measures.columns))))
        ),
        "measure_scores": lambda: team_plots.plot_measure_heatmap(
            team.measure_score_matrix(card, manager, team_render.SHORT_MEASURE_LABELS)
        ),
        "calibration": calibration,
        "headline_figures": headline_figures,
        "team_totals": totals_cell,
        "needs_attention": lambda: display(
            HTML(team_render.attention_html(attention, attention_rating, team.ATTENTION_LOW_SCORE))
        ),
        "about": lambda: display(HTML(team_render.config_html(card, view.pack_fingerprint, RUN_DATE))),
    }


CHART = re.compile(r"<figure class='amr-chart'><img src='data:image/png;base64,([^']*)' alt='Chart: [^']+'></figure>")


def shown(cell, monkeypatch) -> list:
    """What ``cell()`` shows in a notebook, in order: each displayed object's HTML (a described
    chart as its PNG), then the PNG of each figure it left open (the notebook's backend shows
    those after the cell)."""
    displayed = []

    def record(obj):
        html = obj._repr_html_() if hasattr(obj, "_repr_html_") else obj
        chart = CHART.fullmatch(html) if isinstance(html, str) else None
        displayed.append(base64.b64decode(chart.group(1)) if chart else html)

    monkeypatch.setattr(IPython.display, "display", record)
    plt.close("all")
    use_house_style()
    cell()
    for number in plt.get_fignums():
        displayed.append(figure_png(plt.figure(number)))
    plt.close("all")
    return displayed


def test_the_overview_has_every_section_of_the_notebook(overview):
    sections = overview.sections()
    assert (
        [s.key for s in sections]
        == list(SECTIONS)
        == [
            "header",
            "scorecard",
            "measure_scores",
            "calibration",
            "headline_figures",
            "team_totals",
            "needs_attention",
            "about",
        ]
    )
    assert all(isinstance(s, TeamSection) and s.parts for s in sections)
    assert overview.header.key == "header" and overview.calibration().key == "calibration"
    assert repr(overview) == "<TeamOverview of Claire Whitfield's team, 2026Q3>"


def test_sections_display_as_html(overview):
    page = overview._repr_html_()
    assert "Claire Whitfield" in page and "2026Q3" in page
    assert page.count("data:image/png;base64,") == 3  # the heatmap, the calibration and the totals charts
    assert plt.get_fignums() == []  # drawn and closed
    assert overview.needs_attention()._repr_html_() in page


@pytest.mark.parametrize("key", SECTIONS)
def test_each_section_shows_what_the_notebook_showed_before(overview, key, monkeypatch):
    before = notebook_cells_of_before("sample", MANAGER, "2026Q3")[key]
    section = (
        overview.about(RUN_DATE)
        if key == "about"
        else (overview.header if key == "header" else getattr(overview, key)())
    )
    now = shown(section._ipython_display_, monkeypatch)
    assert now and now == shown(before, monkeypatch)
