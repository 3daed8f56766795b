"""The team overview's library: amreview.documents.team (figures by hand), team_render and team_plots.

A hand-made Scorecard of two managers' teams: every expected figure below is worked out by hand
from the frames in ``hand_card``. The sample pack checks invariants across the organisation.
"""

from __future__ import annotations

import copy
import html
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from amreview.documents import team, team_plots, team_render
from amreview.errors import ParameterError
from amreview.metrics.registry import ALL_MEASURES, MEASURES
from amreview.periods import Quarter
from amreview.scoring.config import load_config
from amreview.scoring.scorecard import Scorecard

NAN = float("nan")
M = list(MEASURES)  # the seven measures, in the default config's order too
# measure scores per person, in the order of M
SCORES = {
    "A1": [4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0],  # overall 4.00 Exceeds
    "A2": [3.0, 2.0, 3.0, NAN, 3.0, 3.0, 3.0],  # 2.0 → attention; no data for development plan
    "A3": [2.5, 3.0, 2.5, 2.5, 2.5, 2.5, 2.5],  # overall 2.55: Partially meets → attention
    "A4": [3.0, 2.01, 3.0, 3.0, 3.0, 3.0, 3.0],  # 2.01 is above 2: no attention; overall 2.75 = Meets exactly
    "A5": [NAN] * 7,  # no data at all: no score, no rating
    "B1": [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],  # the other team
}
OVERALL = {
    "A1": (4.0, "Exceeds"),
    "A2": (2.9, "Meets"),
    "A3": (2.55, "Partially meets"),
    "A4": (2.75, "Meets"),
    "A5": (NAN, None),
    "B1": (1.0, "Below"),
}


@pytest.fixture
def hand_card() -> Scorecard:
    ids = list(SCORES)
    people = pd.DataFrame(
        {
            "name": ["Ann <b>Able</b>", "Bo Best", "Cy Cole", "Di Dean", "Ed Eve", "Flo Frey"],
            "manager": ["Mia Major"] * 5 + ["Ned North"],
            "team": ["North", "North", "North", "North", None, "South"],
        },
        index=pd.Index(ids, name="am_id"),
    )
    measures = pd.DataFrame([SCORES[a] for a in ids], index=people.index, columns=M)
    overall = pd.DataFrame(
        {
            "overall_score": [OVERALL[a][0] for a in ids],
            "overall_rating": [OVERALL[a][1] for a in ids],
            "measures_without_data": ["", "development_plan", "", "", "; ".join(M), ""],
        },
        index=people.index,
    )
    table = pd.DataFrame(
        {
            "am_id": ids,
            "revenue": [1000.0, 2000.0, 500.0, 0.0, 300.0, 9999.0],
            "revenue_target": [800.0, 2500.0, NAN, 0.0, 100.0, 1.0],  # A3 none, A4 zero: no target
            "revenue_attainment": [1.25, 0.8, NAN, NAN, 3.0, 9999.0],
            "gross_margin": [100.0, 150.0, -20.0, 0.0, 30.0, 999.0],
            "gross_margin_target": [80.0, 200.0, 50.0, 10.0, NAN, 1.0],
            "gross_margin_attainment": [1.25, 0.75, -0.4, 0.0, NAN, 999.0],
            "gm_pct": [0.1, 0.075, -0.04, NAN, 0.1, 0.0999],
            "new_accounts": [2, 0, 1, 0, 0, 7],
            "new_accounts_target": [2.0, 2.0, NAN, NAN, NAN, 1.0],
            "new_accounts_attainment": [1.0, 0.0, NAN, NAN, NAN, 7.0],
        }
    )
    empty = pd.DataFrame(index=people.index)
    return Scorecard(
        quarter=Quarter.parse("2026Q3"),
        config=load_config(),
        kpis={},
        people=people,
        values=empty,
        scores=empty,
        measures=measures,
        overall=overall,
        targets=empty,
        table=table,
    )


# --------------------------------------------------------------------------- who is in the team


def test_managers_and_direct_reports_in_team_order(hand_card):
    assert team.managers(hand_card) == ["Mia Major", "Ned North"]
    # overall score from the highest down (A4 2.75 below A2 2.9), no score last
    assert list(team.direct_reports(hand_card, "Mia Major")) == ["A1", "A2", "A4", "A3", "A5"]
    assert list(team.direct_reports(hand_card, "Ned North")) == ["B1"]


def test_an_unknown_manager_names_the_managers(hand_card):
    with pytest.raises(
        ParameterError, match=r"reports to manager 'Mia' \(the managers are: 'Mia Major', 'Ned North'\)"
    ):
        team.direct_reports(hand_card, "Mia")


def test_team_scorecard_holds_the_scorecards_values(hand_card):
    table = team.team_scorecard(hand_card, "Mia Major")
    assert list(table.index) == ["A1", "A2", "A4", "A3", "A5"]
    assert table.loc["A2", "report_timeliness"] == 2.0 and math.isnan(table.loc["A2", "development_plan"])
    assert table.loc["A3", "overall_rating"] == "Partially meets"
    assert table.loc["A3", "gross_margin"] == -20.0
    assert table.loc["A1", "new_accounts_target"] == 2.0
    assert list(table.columns[:2]) == ["name", "team"] and list(table.columns[2:9]) == M
    assert "B1" not in table.index


def test_measure_score_matrix_is_named_for_people(hand_card):
    matrix = team.measure_score_matrix(hand_card, "Mia Major", {"crm_utilisation": "CRM use"})
    assert list(matrix.index) == ["Ann <b>Able</b>", "Bo Best", "Di Dean", "Cy Cole", "Ed Eve"]
    assert list(matrix.columns) == [ALL_MEASURES[m] for m in M[:-1]] + ["CRM use"]
    assert matrix.loc["Di Dean", ALL_MEASURES["report_timeliness"]] == 2.01


# --------------------------------------------------------------------------- ratings


def test_rating_distribution_lists_every_rating_lowest_first_and_no_rating(hand_card):
    counts = team.rating_distribution(hand_card, "Mia Major")
    assert counts.to_dict() == {
        "Below": 0,
        "Partially meets": 1,
        "Meets": 2,
        "Exceeds": 1,
        "Outstanding": 0,
        "no rating": 1,
    }
    assert list(team.rating_distribution(hand_card, "Ned North").index)[-1] == "Outstanding"  # no "no rating"


def test_rating_boundaries_come_from_the_config(hand_card):
    assert team.rating_boundaries(hand_card).to_dict() == {
        "Below": 1.0,
        "Partially meets": 2.0,
        "Meets": 2.75,
        "Exceeds": 3.75,
        "Outstanding": 4.5,
    }


# --------------------------------------------------------------------------- totals


def test_team_totals_against_the_sum_of_the_members_targets(hand_card):
    totals = team.team_totals(hand_card, "Mia Major")
    # revenue: all five count in the actual; targets of A1, A2, A5 (A3 none, A4 zero)
    assert totals.loc["revenue", "actual"] == 1000 + 2000 + 500 + 0 + 300
    assert totals.loc["revenue", "target"] == 800 + 2500 + 100
    assert totals.loc["revenue", "attainment"] == pytest.approx((1000 + 2000 + 300) / (800 + 2500 + 100))
    assert totals.loc["revenue", "actual_with_target"] == 1000 + 2000 + 300
    assert totals.loc["revenue", "with_target"] == 3 and totals.loc["revenue", "members"] == 5
    # gross margin: targets of A1–A4 (A5 none)
    assert totals.loc["gross_margin", "actual"] == 100 + 150 - 20 + 0 + 30
    assert totals.loc["gross_margin", "attainment"] == pytest.approx((100 + 150 - 20 + 0) / (80 + 200 + 50 + 10))
    assert totals.loc["new_accounts", "actual"] == 3
    assert totals.loc["new_accounts", "attainment"] == pytest.approx((2 + 0) / (2 + 2))


def test_a_team_without_any_target_has_no_attainment(hand_card):
    hand_card.table["new_accounts_target"] = np.nan
    totals = team.team_totals(hand_card, "Mia Major")
    assert math.isnan(totals.loc["new_accounts", "target"]) and math.isnan(totals.loc["new_accounts", "attainment"])
    assert totals.loc["new_accounts", "with_target"] == 0


def test_team_gm_pct_is_the_ratio_of_the_sums(hand_card):
    assert team.team_gm_pct(hand_card, "Mia Major") == pytest.approx((100 + 150 - 20 + 30) / (1000 + 2000 + 500 + 300))
    hand_card.table["revenue"] = 0.0
    assert math.isnan(team.team_gm_pct(hand_card, "Mia Major"))


def without_sales_lines(card: Scorecard) -> Scorecard:
    """``card`` as a pack without sales lines gives it: revenue, margin, GM % and new accounts
    are "no data" (NaN) for everyone; no target either (the Maven example)."""
    for column in ("revenue", "gross_margin", "gm_pct", "new_accounts") + tuple(
        f"{m}_{kind}" for m in ("revenue", "gross_margin", "new_accounts") for kind in ("target", "attainment")
    ):
        card.table[column] = np.nan
    return card


def test_a_team_without_sales_lines_has_no_totals_not_zero(hand_card):
    card = without_sales_lines(hand_card)
    totals = team.team_totals(card, "Mia Major")
    assert totals[["actual", "actual_with_target", "target", "attainment"]].isna().all().all()
    assert (totals["members"] == 5).all() and (totals["with_target"] == 0).all()
    assert math.isnan(team.team_gm_pct(card, "Mia Major"))


def test_a_team_without_sales_lines_says_no_data(hand_card):
    card = without_sales_lines(hand_card)
    members, totals = team.team_scorecard(card, "Mia Major"), team.team_totals(card, "Mia Major")
    summary = team_render.team_summary_html(
        totals,
        team.team_gm_pct(card, "Mia Major"),
        team.rating_distribution(card, "Mia Major"),
        team.needs_attention(card, "Mia Major"),
        5,
    )
    assert summary.startswith(
        "<p class='amr-narrative'>Team gross margin: no data. Team revenue: no data. GM % no data. "
        "New accounts won: no data. Ratings:"
    )
    shown = team_render.team_totals_styler(totals, team.team_gm_pct(card, "Mia Major")).data
    assert shown["Team actual"].tolist() == ["no data"] * 4  # revenue, gross margin, new accounts, GM %
    assert shown["Attainment"].tolist()[:3] == ["no target"] * 3
    kpis = team_render.team_kpis_styler(members).data.set_index("Account manager")
    assert (kpis[["Revenue", "Gross margin", "GM %", "New accounts"]] == "no data").all().all()
    assert (kpis[["Revenue attainment", "GM attainment"]] == "no target").all().all()
    assert team_render.totals_chart_frame(totals)["label"].tolist() == ["no data"] * 3


def test_a_target_without_an_actual_is_no_data_not_no_target(hand_card):
    card = without_sales_lines(hand_card)
    card.table["revenue_target"] = [800.0, NAN, NAN, NAN, NAN, NAN]  # A1 has a target, no figure
    totals = team.team_totals(card, "Mia Major")
    assert totals.loc["revenue", "target"] == 800 and math.isnan(totals.loc["revenue", "attainment"])
    shown = team_render.team_totals_styler(totals, NAN).data.set_index("Measure")
    assert shown.loc["Revenue", ["Team actual", "Team target", "Attainment"]].tolist() == ["no data", "800", "no data"]
    kpis = team_render.team_kpis_styler(team.team_scorecard(card, "Mia Major")).data
    assert kpis["Revenue attainment"].tolist() == ["no data", "no target", "no target", "no target", "no target"]
    summary = team_render.team_summary_html(
        totals, NAN, team.rating_distribution(card, "Mia Major"), team.needs_attention(card, "Mia Major"), 5
    )
    assert "Team revenue: no data against the team target of 800." in summary


def test_a_member_without_lines_in_a_pack_with_sales_has_zero_and_gm_pct_n_a(hand_card):
    """0 revenue (no line this quarter) is a figure; only a pack without sales has no data."""
    kpis = team_render.team_kpis_styler(team.team_scorecard(hand_card, "Mia Major")).data.set_index("Account manager")
    assert kpis.loc["Di Dean", ["Revenue", "GM %", "New accounts"]].tolist() == ["0", "n/a", "0"]


# --------------------------------------------------------------------------- attention


def test_who_needs_attention_and_why(hand_card):
    attention = team.needs_attention(hand_card, "Mia Major")
    assert list(attention.index) == ["A3", "A2"]  # lowest overall first
    assert attention.loc["A3", "reasons"] == ("overall rating Partially meets (2.55) is below Meets")
    assert attention.loc["A2", "reasons"] == "Timeliness of reports scored 2.00 (≤ 2)"  # no data is no reason
    assert attention.loc["A2", "name"] == "Bo Best"
    # A4: exactly on the Meets boundary, a measure at 2.01: nothing to flag; A5: no data at all
    assert "A4" not in attention.index and "A5" not in attention.index


def test_attention_lists_every_reason_and_takes_other_thresholds(hand_card):
    attention = team.needs_attention(hand_card, "Ned North")
    assert attention.loc["B1", "reasons"].split("; ") == (
        ["overall rating Below (1.00) is below Meets"] + [f"{ALL_MEASURES[m]} scored 1.00 (≤ 2)" for m in M]
    )
    stricter = team.needs_attention(hand_card, "Mia Major", below_rating="Exceeds", low_score=2.5)
    assert list(stricter.index) == ["A3", "A4", "A2"]
    assert stricter.loc["A4", "reasons"] == (
        "overall rating Meets (2.75) is below Exceeds; Timeliness of reports scored 2.01 (≤ 2.5)"
    )


def test_attention_below_a_rating_the_config_lacks_is_an_error(hand_card):
    with pytest.raises(ParameterError, match="rating 'Good' is not one of the scorecard config's ratings"):
        team.needs_attention(hand_card, "Mia Major", below_rating="Good")


def test_a_config_without_meets_flags_below_its_middle_rating(hand_card):
    from amreview.scoring.config import RatingBand

    ratings = (
        RatingBand(label="Top", min_score=4.0),
        RatingBand(label="Good", min_score=3.0),
        RatingBand(label="Fair", min_score=2.6),
        RatingBand(label="Weak", min_score=1.0),
    )
    hand_card.config = hand_card.config.model_copy(update={"ratings": ratings})
    assert team.attention_rating(hand_card) == "Good"  # labels lowest first: Weak, Fair, Good, Top
    assert team.attention_rating(hand_card, "Fair") == "Fair"
    attention = team.needs_attention(hand_card, "Mia Major")
    assert list(attention.index) == ["A3", "A4", "A2"]
    assert attention.loc["A4", "reasons"] == "overall rating Meets (2.75) is below Good"


def test_nobody_needs_attention_gives_an_empty_frame(hand_card):
    hand_card.measures.loc[:] = 4.0
    hand_card.overall["overall_score"] = 4.0
    attention = team.needs_attention(hand_card, "Mia Major")
    assert attention.empty and list(attention.columns) == ["name", "overall_score", "overall_rating", "reasons"]


def test_team_functions_do_not_change_the_scorecard(hand_card):
    before = copy.deepcopy(hand_card)
    for manager in team.managers(hand_card):
        team.team_scorecard(hand_card, manager)
        team.measure_score_matrix(hand_card, manager)
        team.rating_distribution(hand_card, manager)
        team.team_totals(hand_card, manager)
        team.team_gm_pct(hand_card, manager)
        team.needs_attention(hand_card, manager)
    for name in ("people", "measures", "overall", "table"):
        pd.testing.assert_frame_equal(getattr(hand_card, name), getattr(before, name))


# --------------------------------------------------------------------------- the sample organisation


@pytest.fixture(scope="module")
def sample_card():
    from amreview.data.datapack import load_pack
    from amreview.scoring.scorecard import build_scorecard

    return build_scorecard(load_pack("sample"), "2026Q3")


def test_teams_partition_the_organisation_and_their_totals_add_up(sample_card):
    managers = team.managers(sample_card)
    assert managers == ["Claire Whitfield", "Gareth Lloyd", "Priya Raman"]
    members = [a for m in managers for a in team.direct_reports(sample_card, m)]
    assert sorted(members) == sorted(sample_card.people.index)
    for measure in team.TOTAL_MEASURES:
        total = sum(team.team_totals(sample_card, m).loc[measure, "actual"] for m in managers)
        assert total == pytest.approx(sample_card.table[measure].sum())
    counts = sum(team.rating_distribution(sample_card, m) for m in managers)
    expected = sample_card.overall["overall_rating"].value_counts().reindex(counts.index, fill_value=0)
    assert counts.to_dict() == expected.to_dict()


def test_the_personas_who_need_attention_in_the_sample(sample_card):
    flagged = {a for m in team.managers(sample_card) for a in team.needs_attention(sample_card, m).index}
    assert "AM004" in flagged  # the CRM neglecter: Partially meets, CRM use scored 1
    assert "AM001" not in flagged  # the star


# --------------------------------------------------------------------------- tables and charts


def test_team_tables_escape_names_and_format_figures(hand_card):
    table = team.team_scorecard(hand_card, "Mia Major")
    page = team_render.team_scorecard_styler(table, M).to_html()
    assert "<b>Able</b>" not in page and "Ann &lt;b&gt;Able&lt;/b&gt;" in page
    assert "no rating" in page and ">2.55<" in page and ">2.01<" in page
    kpis = team_render.team_kpis_styler(table).to_html()
    assert "1,000" in kpis and "125\u00a0%" in kpis and "2 of 2" in kpis and "no target" in kpis
    attention = team_render.attention_html(team.needs_attention(hand_card, "Mia Major"), "Meets", 2)
    assert "Timeliness of reports scored 2.00 (≤ 2)" in attention
    totals = team.team_totals(hand_card, "Mia Major")
    shown = team_render.team_totals_styler(totals, team.team_gm_pct(hand_card, "Mia Major")).to_html()
    assert "3,800" in shown and "3,400" in shown and "97\u00a0%" in shown and "3 of 5" in shown


def test_the_header_and_summary_escape_the_manager(hand_card):
    table = team.team_scorecard(hand_card, "Mia Major")
    header = team_render.team_header_html("<script>x</script>", hand_card.quarter, table)
    assert "<script>" not in header and "&lt;script&gt;" in header and "5 account managers" in header
    summary = team_render.team_summary_html(
        team.team_totals(hand_card, "Mia Major"),
        0.08,
        team.rating_distribution(hand_card, "Mia Major"),
        team.needs_attention(hand_card, "Mia Major"),
        5,
    )
    assert "2 of 5 need attention" in summary and "1 Exceeds, 2 Meets, 1 Partially meets" in summary


def test_the_heatmap_writes_each_score_in_its_cell(hand_card):
    matrix = team.measure_score_matrix(hand_card, "Mia Major")
    ax = team_plots.plot_measure_heatmap(matrix)
    texts = [t.get_text() for t in ax.texts]
    expected = ["no data" if math.isnan(v) else f"{v:.1f}" for v in matrix.to_numpy().ravel()]
    assert texts == expected
    assert [t.get_text() for t in ax.get_yticklabels()] == list(matrix.index)
    plt.close("all")


def test_the_rating_and_score_charts_draw_the_counts_and_scores(hand_card):
    counts = team.rating_distribution(hand_card, "Mia Major")
    ax = team_plots.plot_rating_distribution(counts)
    assert [round(p.get_width()) for p in ax.patches] == list(counts)
    table = team.team_scorecard(hand_card, "Mia Major")
    ax = team_plots.plot_overall_scores(table.set_index("name")["overall_score"], team.rating_boundaries(hand_card))
    labels = [t.get_text() for t in ax.texts]
    assert labels[:5] == ["4.00", "2.90", "2.75", "2.55", "no score"]
    plt.close("all")


def test_the_totals_chart_draws_attainment_against_100_percent(hand_card):
    frame = team_render.totals_chart_frame(team.team_totals(hand_card, "Mia Major"))
    # the actual of the members with a target: revenue 3,300 of 3,400; margin 230 of 340; 2 of 4
    assert list(frame.index) == ["Revenue", "Gross margin", "New accounts"]
    assert list(frame["label"]) == ["3k of 3k", "230 of 340", "2 of 4"]
    ax = team_plots.plot_team_totals(frame)
    widths = [p.get_width() for p in ax.patches]
    assert widths == pytest.approx(list(frame["attainment"]))
    assert any(line.get_xdata()[0] == 1.0 for line in ax.get_lines())
    plt.close("all")


def test_score_colours_run_from_vermilion_to_blue():
    assert team_plots.score_colour(1) == "#d55e00"
    assert team_plots.score_colour(5) == "#0072b2"
    assert team_plots.score_colour(NAN) == "#FFFFFF"
    assert team_plots.text_colour("#0072b2") == "#FFFFFF" and team_plots.text_colour("#f2f2f2") == "#000000"


LONG_NAME = (
    "Maximiliana Alexandrina-Konstantinopoulou von Hohenzollern-Sigmaringen und Sachsen-Coburg "
    "de la Tour d'Auvergne y Borbón-Dos Sicilias Fitzgerald-Smyth"
)  # 150 characters


def test_a_long_name_is_cut_on_the_charts_and_the_calibration_layout_stays(hand_card):
    """Drawn as the team notebook draws it: a 150-character name used to squeeze the axes to
    nothing ("constrained_layout not applied because axes sizes collapsed to zero")."""
    assert len(LONG_NAME) == 150
    hand_card.people.loc["A1", "name"] = LONG_NAME
    members = team.team_scorecard(hand_card, "Mia Major")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a layout warning fails the test
        fig, (left, right) = plt.subplots(
            1, 2, figsize=(9, 2 + 0.4 * len(members)), width_ratios=[1, 1.6], layout="constrained"
        )
        team_plots.plot_rating_distribution(team.rating_distribution(hand_card, "Mia Major"), ax=left)
        team_plots.plot_overall_scores(
            members.set_index("name")["overall_score"], team.rating_boundaries(hand_card), ax=right
        )
        fig.canvas.draw()
        heatmap = team_plots.plot_measure_heatmap(team.measure_score_matrix(hand_card, "Mia Major"))
        heatmap.figure.canvas.draw()
    for ax in (right, heatmap):
        label = [t.get_text() for t in ax.get_yticklabels() if t.get_text().startswith("Maximiliana")][0]
        lines = label.split("\n")
        assert len(lines) == 2 and all(len(line) <= team_plots.NAME_WIDTH for line in lines)
        assert lines[-1].endswith("…")
        assert ax.get_position().width > 0.25  # the chart keeps its room (a share of the figure)
    assert right.get_position().width > 0.3
    table = team_render.team_scorecard_styler(members, list(hand_card.measures.columns)).to_html()
    assert html.escape(LONG_NAME).replace("&#x27;", "&#39;") in table  # the full name is in the table, may wrap
    assert "min-width: 14em" in table
    plt.close("all")
