"""Charts: each plot draws the data it is given on the Axes it returns, in the house style,
and says "no data" on an empty frame instead of failing."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.patches import Rectangle

from amreview.documents import plot_style, plots


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def bars(ax: Axes) -> list[Rectangle]:
    """The data bars (not legend proxies, which are not added to the Axes)."""
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def texts(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.texts]


def assert_house_style(ax: Axes) -> None:
    title = ax.title
    assert title.get_fontweight() == "bold"
    assert title.get_fontsize() == pytest.approx(12)
    assert not ax.spines["top"].get_visible() and not ax.spines["right"].get_visible()


def test_money_and_percent_axes():
    assert plot_style.money_axis(1_234_567) == "1.2m"
    assert plot_style.money_axis(45_000) == "45k"
    assert plot_style.money_axis(-900) == "\u2212900"
    assert plot_style.money_axis(0) == "0"
    assert plot_style.percent_axis(0.25) == "25 %"
    objective = "Run a joint account plan with the HP channel manager for the top five accounts"
    assert (
        plot_style.wrap(objective, 28)
        == "Run a joint account plan\nwith the HP channel manager\nfor the top five accounts"
    )
    assert plot_style.wrap(objective, 28, lines=2) == "Run a joint account plan\nwith the HP channel manager…"


def test_house_style_is_applied_whatever_the_callers_defaults():
    with plt.rc_context({"axes.titlesize": 30, "axes.titleweight": "normal", "axes.spines.top": True}):
        ax = plots.plot_attainment(pd.DataFrame({"attainment": [1.1]}, index=["Revenue"]))
    assert_house_style(ax)
    assert plt.rcParams["axes.titlesize"] != 30  # the caller's defaults are theirs again afterwards


def test_measure_scores():
    frame = pd.DataFrame(
        {"score": [4.55, 1.4, np.nan], "light": ["green", "red", None]}, index=["Margin", "Reports", "CRM"]
    )
    ax = plots.plot_measure_scores(frame, reference=2.75, reference_label="Meets")
    assert_house_style(ax)
    widths = [b.get_width() for b in bars(ax)]
    assert widths == pytest.approx([4.55, 1.4, 0.0])
    colours = [to_hex(b.get_facecolor()) for b in bars(ax)]
    assert colours[:2] == [plot_style.LIGHT_COLOURS["green"].lower(), plot_style.LIGHT_COLOURS["red"].lower()]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Margin", "Reports", "CRM"]
    assert "4.55" in texts(ax) and "no data" in texts(ax)
    assert any("Meets (2.75)" in t for t in texts(ax))


def test_attainment_marks_100_percent_and_no_target():
    frame = pd.DataFrame({"attainment": [1.27, 0.5, np.nan]}, index=["Gross margin", "New accounts", "Visits"])
    ax = plots.plot_attainment(frame)
    assert [b.get_width() for b in bars(ax)] == pytest.approx([1.27, 0.5, 0.0])
    assert texts(ax) == ["127\u00a0%", "50\u00a0%", "no target"]
    assert any(np.allclose(line.get_xdata(), [1.0, 1.0]) for line in ax.lines)  # the 100 % line
    assert ax.get_xlim()[1] > 1.27


def test_monthly_against_target():
    frame = pd.DataFrame(
        {"gross_margin": [50.0, 80.0, 30.0], "gross_margin_target": [60.0, 60.0, np.nan]},
        index=["2026-07", "2026-08", "2026-09"],
    )
    ax = plots.plot_monthly_margin(frame)
    assert_house_style(ax)
    assert [b.get_height() for b in bars(ax)] == pytest.approx([50, 80, 30])
    # under target: orange; at or over (or no target): blue
    assert [to_hex(b.get_facecolor()) for b in bars(ax)] == [
        plot_style.SECOND_COLOUR.lower(),
        plot_style.ACTUAL_COLOUR.lower(),
        plot_style.ACTUAL_COLOUR.lower(),
    ]
    target = [line for line in ax.lines if line.get_marker() == "_"][0]
    assert np.allclose(target.get_ydata(), [60, 60, np.nan], equal_nan=True)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Jul\n2026", "Aug", "Sep"]  # the year under the first month
    assert ax.get_title("left") == "Gross margin by month against target"
    revenue = plots.plot_monthly_revenue(frame.set_axis(["revenue", "revenue_target"], axis=1))
    assert revenue.get_title("left") == "Revenue by month against target"


def test_monthly_ticks_show_quarters_over_two_years():
    months = [str(p) for p in pd.period_range("2024-10", "2026-09", freq="M")]
    frame = pd.DataFrame({"gross_margin": np.arange(24.0), "gross_margin_target": np.nan}, index=months)
    ax = plots.plot_monthly_margin(frame)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert len(labels) == 8 and labels[0] == "Oct\n2024" and "Jan\n2025" in labels


def test_gm_pct_trend():
    frame = pd.DataFrame(
        {"gm_pct": [0.08, np.nan, 0.092], "team_gm_pct": [0.07, 0.075, 0.08]}, index=["2026Q1", "2026Q2", "2026Q3"]
    )
    ax = plots.plot_gm_pct_trend(frame)
    mine = [line for line in ax.lines if line.get_label() == "GM %"][0]
    team = [line for line in ax.lines if line.get_label() == "Team"][0]
    assert np.allclose(mine.get_ydata(), [0.08, np.nan, 0.092], equal_nan=True)
    assert np.allclose(team.get_ydata(), [0.07, 0.075, 0.08])
    assert "9.2\u00a0%" in texts(ax)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2026Q1", "2026Q2", "2026Q3"]


def test_margin_bars_label_money_and_gm_pct():
    frame = pd.DataFrame(
        {
            "vendor": ["HP", "Cisco", "<Acme>"],
            "gross_margin": [40_000.0, -2_000.0, 500.0],
            "gm_pct": [0.095, np.nan, 0.1],
        }
    )
    ax = plots.plot_margin_by_vendor(frame)
    assert [b.get_width() for b in bars(ax)] == pytest.approx([40_000, -2_000, 500])
    assert texts(ax) == ["40k · 9.5\u00a0%", "\u22122k", "500 · 10.0\u00a0%"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["HP", "Cisco", "<Acme>"]
    assert to_hex(bars(ax)[1].get_facecolor()) == plot_style.SECOND_COLOUR.lower()  # a loss
    top = plots.plot_top_accounts(pd.DataFrame({"account": ["A" * 60], "gross_margin": [1.0]}))
    assert top.get_yticklabels()[0].get_text() == "A" * 60  # whole, a word longer than a line on its own
    deal = plots.plot_margin_by_deal_type(
        pd.DataFrame({"deal_type": ["Spot"], "gross_margin": [9.0], "gm_pct": [0.04]})
    )
    assert deal.get_title("left") == "Gross margin by deal type"


def test_back_order_ageing_and_pipeline():
    ageing = pd.DataFrame(
        {"orders": [1, 6, 0, 0, 0], "value": [1_000.0, 16_000.0, 0, 0, 0]},
        index=pd.Index(["0-7", "8-30", "31-60", "61-90", ">90"], name="age_bucket"),
    )
    ax = plots.plot_back_order_ageing(ageing)
    assert [b.get_height() for b in bars(ax)] == pytest.approx([1_000, 16_000, 0, 0, 0])
    assert "16k\n6 orders" in texts(ax) and "1k\n1 order" in texts(ax)
    funnel = pd.DataFrame(
        {"opportunities": [28, 47, 22, 15], "value": [2.7e6, 5.1e6, 8.2e5, 4.4e5]},
        index=["prospecting", "engaging", "won", "lost"],
    )
    ax = plots.plot_pipeline_funnel(funnel)
    assert [b.get_width() for b in bars(ax)] == pytest.approx(list(funnel["value"]))
    assert texts(ax)[2] == "820k · 22 deals"
    assert to_hex(bars(ax)[2].get_facecolor()) == plot_style.STAGE_COLOURS["won"].lower()


def test_nps_breakdown_shares():
    frame = pd.DataFrame({"promoters": [3], "passives": [2], "detractors": [0], "nps": [60.0]})
    ax = plots.plot_nps_breakdown(frame)
    assert [b.get_width() for b in bars(ax)] == pytest.approx([0.0, 0.4, 0.6])
    assert ax.get_title("left") == "NPS responses: NPS +60"
    assert "60.0\u00a0% (3)" in texts(ax)


def test_weekly_activities_stack():
    weeks = pd.to_datetime(["2026-07-06", "2026-07-13"])
    frame = pd.DataFrame({"call": [5, 2], "visit": [1, 0], "total": [6, 2]}, index=weeks)
    ax = plots.plot_weekly_activities(frame)
    heights = [b.get_height() for b in bars(ax)]
    assert heights == [5, 2, 1, 0]  # calls, then visits stacked on them; total ignored
    assert [b.get_y() for b in bars(ax)][2:] == [5, 2]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Call", "Visit"]


def test_logging_lag_objectives_and_competencies():
    lag = pd.DataFrame({"activities": [8, 2], "share": [0.8, 0.2]}, index=["same day", "1 day"])
    ax = plots.plot_logging_lag(lag)
    assert [b.get_height() for b in bars(ax)] == pytest.approx([0.8, 0.2])
    objectives = pd.DataFrame(
        {"objective": ["Learn", "Sell"], "progress_used": [1.0, 0.4], "status": ["achieved", "in_progress"]}
    )
    ax = plots.plot_objective_progress(objectives)
    assert [b.get_width() for b in bars(ax)] == pytest.approx([1.0, 0.4])
    assert texts(ax) == ["100.0\u00a0% · achieved", "40.0\u00a0% · in progress"]
    ratings = pd.DataFrame(
        {
            "competency": ["Communications", "Problem Solving"],
            "self": [5.0, 4.0],
            "manager": [4.0, np.nan],
            "peer": [np.nan, np.nan],
        }
    )
    ax = plots.plot_competencies(ratings)
    assert [b.get_width() for b in bars(ax)] == pytest.approx([5.0, 4.0, 4.0, 0.0])  # no peer bars at all
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Self", "Manager"]


EMPTY_CASES = [
    (plots.plot_measure_scores, pd.DataFrame({"score": []})),
    (plots.plot_measure_scores, pd.DataFrame({"score": [np.nan]}, index=["CRM"])),
    (plots.plot_attainment, pd.DataFrame({"attainment": []})),
    (plots.plot_monthly_margin, pd.DataFrame({"gross_margin": [], "gross_margin_target": []})),
    (plots.plot_gm_pct_trend, pd.DataFrame({"gm_pct": [np.nan], "team_gm_pct": [np.nan]}, index=["2026Q3"])),
    (plots.plot_margin_by_vendor, pd.DataFrame({"vendor": [], "gross_margin": []})),
    (plots.plot_top_accounts, pd.DataFrame({"account": [], "gross_margin": []})),
    (plots.plot_back_order_ageing, pd.DataFrame({"orders": [0, 0], "value": [0.0, 0.0]}, index=["0-7", ">90"])),
    (plots.plot_pipeline_funnel, pd.DataFrame({"opportunities": [0], "value": [0.0]}, index=["won"])),
    (plots.plot_nps_breakdown, pd.DataFrame(columns=["promoters", "passives", "detractors", "nps"])),
    (plots.plot_weekly_activities, pd.DataFrame({"call": [0], "total": [0]}, index=pd.to_datetime(["2026-07-06"]))),
    (plots.plot_logging_lag, pd.DataFrame({"activities": [], "share": []})),
    (plots.plot_objective_progress, pd.DataFrame({"objective": [], "progress_used": [], "status": []})),
    (plots.plot_competencies, pd.DataFrame({"competency": ["Communications"], "self": [np.nan], "manager": [np.nan]})),
]


@pytest.mark.parametrize("plot, frame", EMPTY_CASES, ids=[f"{p.__name__}-{i}" for i, (p, _) in enumerate(EMPTY_CASES)])
def test_empty_frames_say_so(plot, frame):
    ax = plot(frame)
    assert isinstance(ax, Axes)
    assert bars(ax) == [] and not [line for line in ax.lines if len(line.get_xdata())]
    assert [t for t in texts(ax) if t.startswith("no ")], texts(ax)
    assert ax.get_title("left")


def test_plots_draw_on_the_callers_axes_without_resizing_their_figure():
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3))
    frame = pd.DataFrame({"score": [3.0, 4.0]}, index=["A", "B"])
    assert plots.plot_measure_scores(frame, ax=right) is right
    assert fig.get_size_inches() == pytest.approx([10, 3])
    single, ax = plt.subplots(figsize=(4, 4))
    plots.plot_top_accounts(pd.DataFrame({"account": list("ABCDEFGHIJ"), "gross_margin": np.arange(10.0)}), ax=ax)
    assert single.get_size_inches() == pytest.approx([4, 4])
    own = plots.plot_top_accounts(pd.DataFrame({"account": list("ABCDEFGHIJ"), "gross_margin": np.arange(10.0)}))
    assert own.figure.get_size_inches()[1] > 4  # a figure it made grows with the number of bars


def test_a_chart_is_laid_out_once_and_drawn_once_into_the_same_png():
    """savefig draws a constrained-layout figure twice (once only to lay it out); figure_png
    lays it out and draws it once, into the PNG savefig writes, and leaves the figure as it was."""
    import io

    from amreview.documents.render import CHART_DPI, figure_png

    def chart():
        with plot_style.house_style():
            figure, ax = plt.subplots(figsize=(6, 3))
            ax.barh(["Enhance customer/company relationships", "Margin & KPI targets"], [2.5, 4.0])
            ax.set_title("Measure scores")
        return figure

    figure = chart()
    dpi = figure.get_dpi()
    draws = []
    original = figure.draw
    figure.draw = lambda renderer: (draws.append(renderer), original(renderer))[1]
    png = figure_png(figure)
    assert len(draws) == 1
    assert figure.get_dpi() == dpi
    assert type(figure.get_layout_engine()).__name__ == "ConstrainedLayoutEngine"
    plt.close(figure)
    reference = chart()
    buffer = io.BytesIO()
    reference.savefig(buffer, format="png", dpi=CHART_DPI)  # the route that draws twice
    plt.close(reference)
    assert png == buffer.getvalue()


# --------------------------------------------------------------------------------------------
# Labels: whole, inside the chart, clear of reference lines (issue 15, item 5)
# --------------------------------------------------------------------------------------------


def drawn(ax: Axes) -> Axes:
    """``ax`` with its figure laid out and drawn as a document draws it (render.figure_png)."""
    from amreview.documents.render import figure_png

    figure_png(ax.figure)
    ax.figure.canvas.draw()
    return ax


def shown_labels(ax: Axes) -> list[str]:
    """The y tick labels as a reader reads them: a label's lines joined by spaces."""
    return [" ".join(t.get_text().split("\n")) for t in ax.get_yticklabels()]


def assert_inside_the_figure(ax: Axes) -> None:
    renderer = ax.figure.canvas.get_renderer()
    canvas = ax.figure.bbox
    for label in ax.get_yticklabels():
        box = label.get_window_extent(renderer)
        assert canvas.x0 - 0.5 <= box.x0 and box.x1 <= canvas.x1 + 0.5, (label.get_text(), box, canvas)
        assert canvas.y0 - 0.5 <= box.y0 and box.y1 <= canvas.y1 + 0.5, (label.get_text(), box, canvas)


def sample_development() -> tuple[list[str], list[str]]:
    """The sample pack's development objectives and competencies, as people typed them."""
    from amreview.data.sample import generate_sample

    tables = generate_sample()
    return sorted(set(tables["development_objectives"]["objective"])), sorted(
        set(tables["competency_ratings"]["competency"])
    )


def test_every_bar_label_is_shown_whole_and_inside_the_chart():
    """The measures' names (the longest, "Enhance customer/company relationships", was cut to
    "Enhance customer/company relation…"), objectives as typed, competencies and long account
    names: each label whole on its lines, none cut by the canvas."""
    from amreview.metrics.registry import ALL_MEASURES

    measures = list(ALL_MEASURES.values())
    objectives, competencies = sample_development()
    account = "Holland & Ellis Insurance Brokers (Northern Ireland and Isle of Man) Limited"
    n = len(measures)
    charts = {
        "measure scores": plots.plot_measure_scores(
            pd.DataFrame({"score": np.linspace(1, 5, n)}, index=measures), reference=2.75
        ),
        "attainment": plots.plot_attainment(pd.DataFrame({"attainment": np.linspace(0.5, 1.3, n)}, index=measures)),
        "top accounts": plots.plot_top_accounts(
            pd.DataFrame({"account": [account, "Acme"], "gross_margin": [9.0, 1.0]})
        ),
        "objectives": plots.plot_objective_progress(
            pd.DataFrame({"objective": objectives, "progress_used": 0.5, "status": "in_progress"})
        ),
        "competencies": plots.plot_competencies(
            pd.DataFrame({"competency": competencies, "self": 4.0, "manager": 3.0})
        ),
    }
    expected = {
        "measure scores": measures,
        "attainment": measures,
        "top accounts": [account, "Acme"],
        "objectives": objectives,
        "competencies": competencies,
    }
    assert "Enhance customer/company relationships" in measures and max(map(len, objectives)) > 2 * 34
    for name, ax in charts.items():
        assert shown_labels(drawn(ax)) == expected[name], name
        assert_inside_the_figure(ax)


def reference_lines(ax: Axes) -> list[float]:
    """The x positions of ``ax``'s vertical lines (a target, a band's lower score; the zero line)."""
    return [float(line.get_xdata()[0]) for line in ax.lines if len(set(np.asarray(line.get_xdata(), float))) == 1]


def labels_on_lines(ax: Axes, labels: list[str]) -> list[tuple[str, float]]:
    """Each value label of ``labels`` that a vertical line of ``ax`` crosses, with the line's x."""
    renderer = ax.figure.canvas.get_renderer()
    crossed = []
    for text in ax.texts:
        if text.get_text() not in labels:
            continue
        box = text.get_window_extent(renderer)
        for x in reference_lines(ax):
            pixel = ax.transData.transform((x, 0))[0]
            if box.x0 - 1 <= pixel <= box.x1 + 1:
                crossed.append((text.get_text(), x))
    return crossed


@pytest.mark.parametrize("values", [[0.97, 0.99, 0.9, 1.0, 1.02, 0.5], [0.97, 0.95, 1.6, 2.4]])
def test_no_attainment_label_sits_on_the_100_percent_line(values):
    ax = drawn(plots.plot_attainment(pd.DataFrame({"attainment": values}, index=[f"m{i}" for i in range(len(values))])))
    labels = [plot_style.attainment_label(v) for v in values]
    assert sorted(texts(ax)) == sorted(labels)
    assert labels_on_lines(ax, labels) == []
    renderer = ax.figure.canvas.get_renderer()
    for text in ax.texts:  # each label still reads beside its own bar
        assert text.get_window_extent(renderer).x0 >= ax.transData.transform((0, 0))[0]


@pytest.mark.parametrize("reference", [2.5, 2.75, 3.0])
def test_no_score_label_sits_on_the_meets_line(reference):
    scores = [2.3, 2.45, 2.6, 2.7, 2.9, 3.4, 1.0]
    frame = pd.DataFrame({"score": scores}, index=[f"m{i}" for i in range(len(scores))])
    ax = drawn(plots.plot_measure_scores(frame, reference=reference))
    labels = [f"{v:.2f}" for v in scores]
    assert labels_on_lines(ax, labels) == []
    assert all(label in texts(ax) for label in labels)
