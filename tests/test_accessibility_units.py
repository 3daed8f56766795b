"""Accessible and valid documents, piece by piece (issue 15, items 7 and 8); no kernel, no browser.

Contrast is checked against pairs whose ratio WCAG's formula gives by hand; chart descriptions
against small frames whose figures are read off by eye; the HTML steps of the export (styles to
the head, the table of contents) on small documents; the PDF's tags, metadata and destinations on
a one-table document rendered by WeasyPrint. ``test_accessibility.py`` runs the real checkers
(axe-core, the W3C validator) on every document of a sample run.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from amreview.batch.export import section_links, styles_in_head, table_of_contents, with_table_of_contents
from amreview.documents import chart_text, plots, render, team_plots
from amreview.documents.contrast import AA_TEXT, contrast_ratio, readable_text_colour, relative_luminance
from amreview.documents.model import Chart, Comments, Heading, Section, Table
from tests.test_documents import chromium_required

# --------------------------------------------------------------------------- contrast


@pytest.mark.parametrize(
    "foreground, background, ratio",
    [
        ("#000000", "#FFFFFF", 21.0),  # (1 + 0.05) / (0 + 0.05)
        ("#FFFFFF", "#FFFFFF", 1.0),
        ("#767676", "#FFFFFF", 4.5421),  # the lightest grey that passes AA on white
        ("#777777", "#FFFFFF", 4.4781),  # one step lighter fails
        ("#b26b00", "#FFFFFF", 4.2033),  # the old amber (issue 15: "4.2:1")
        ("#FFFFFF", "#D55E00", 3.8672),  # white on vermilion (issue 15: "3.86:1")
        ("#000000", "#D55E00", 5.4303),
    ],
)
def test_contrast_ratio_of_known_pairs(foreground, background, ratio):
    assert contrast_ratio(foreground, background) == pytest.approx(ratio, abs=5e-4)
    assert contrast_ratio(background, foreground) == pytest.approx(ratio, abs=5e-4)  # order does not matter


def test_relative_luminance_is_linear_in_light_not_in_code_values():
    # #808080: code value 128/255 = 0.50196 -> ((0.50196 + 0.055) / 1.055) ** 2.4 = 0.21586
    assert relative_luminance("#808080") == pytest.approx(0.21586, abs=1e-5)
    assert relative_luminance("#FFFFFF") == pytest.approx(1.0) and relative_luminance("#000000") == 0.0


def test_text_on_vermilion_is_black_and_every_heat_map_number_reads_at_aa():
    assert team_plots.text_colour("#D55E00") == "#000000"  # the gamma-less test gave white (3.86:1)
    for score in np.linspace(1, 5, 81):
        background = team_plots.score_colour(score)
        assert contrast_ratio(team_plots.text_colour(background), background) >= AA_TEXT, score
    assert readable_text_colour("#0072B2") == "#FFFFFF"


@pytest.mark.parametrize("background", ["#FFFFFF", "#f6f7f9", "#f6f8fa"])  # page, explanation box, table head
def test_traffic_light_text_reads_at_aa(background):
    for light, colour in render.LIGHT_COLOURS.items():
        assert contrast_ratio(colour, background) >= AA_TEXT, (light, colour, background)
        assert f".amr-light-{light} {{ color: {colour}; }}" in render.BASE_CSS  # one colour in both places


# --------------------------------------------------------------------------- chart descriptions


def test_every_plot_function_has_a_description():
    drawn = [f for m in (plots, team_plots) for n, f in vars(m).items() if n.startswith("plot_") and callable(f)]
    missing = [f.__name__ for f in drawn if f not in chart_text.DESCRIBERS]
    assert missing == []
    with pytest.raises(TypeError, match="no description for len"):
        chart_text.describe(len, [])


def test_the_measure_scores_chart_reads_out_each_score_and_the_line():
    frame = pd.DataFrame({"score": [3.2, np.nan, 4.456]}, index=["Margin", "CRM", "Reporting"])
    words = chart_text.describe(plots.plot_measure_scores, frame, reference=2.75, reference_label="Meets")
    assert words == "Margin 3.20; CRM no data; Reporting 4.46. The line marks Meets from 2.75."


def test_the_monthly_chart_reads_out_each_month_against_its_target():
    frame = pd.DataFrame({"gross_margin": [12_000.0, 9_400.0], "gross_margin_target": [10_000.0, np.nan]})
    frame.index = ["2026-07", "2026-08"]
    words = chart_text.describe(plots.plot_monthly_margin, frame)
    assert words == "Jul 2026 12k against a target of 10k; Aug 2026 9k, no target."


def test_the_heat_map_names_its_lowest_and_highest_cell():
    scores = pd.DataFrame({"Margin": [1.0, 4.5], "CRM": [np.nan, 3.0]}, index=["Ann", "Bo"])
    words = chart_text.describe(team_plots.plot_measure_heatmap, scores)
    assert words.startswith("2 people by 2 measures; lowest score 1.0 (Ann, Margin), highest 4.5 (Bo, Margin)")
    assert "1 without data" in words


def test_an_empty_chart_says_so():
    empty = pd.DataFrame(columns=["score"])
    assert chart_text.describe(plots.plot_measure_scores, empty) == "no data."
    assert chart_text.describe(plots.plot_pipeline_funnel, pd.DataFrame(columns=["value", "opportunities"])) == (
        "no opportunities."
    )


def test_a_charts_alt_is_its_title_and_its_figures():
    frame = pd.DataFrame({"attainment": [0.97, np.nan]}, index=["Revenue", "Visits"])
    html = render.chart_html(Chart("attainment", plots.plot_attainment, frame))
    alt = re.search(r"alt='([^']*)'", html).group(1)
    assert alt == "Chart: Against target. Revenue 97\u00a0%; Visits no target. The line marks 100 %."


# --------------------------------------------------------------------------- headings and tables


def _levels(html: str) -> list[int]:
    return [int(n) for n in re.findall(r"<h([1-6])\b", html)]


def test_a_tables_title_is_one_level_under_the_section_and_under_a_sub_heading():
    table = Table("t", "Top accounts", pd.DataFrame({"Account": ["A"]}))
    comments = Comments("c", "What was said", ())
    section = Section("margin", 2, "Margin", parts=[table, Heading("Vendors"), table, comments])
    levels = [2] + _levels(render.section_html(section))
    assert levels == [2, 3, 3, 4, 4]
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:]))


def test_a_table_sits_in_a_region_a_keyboard_reaches():
    html = render.table_html(Table("top_accounts", "", pd.DataFrame({"Account": ["A&B"]})))
    assert "<div class='amr-scroll' role='region' tabindex='0' aria-label='Top accounts'>" in html


# --------------------------------------------------------------------------- the exported page


PAGE = (
    "<html><head><title>t</title><style>h1{}</style></head><body><main>"
    '<style>a{}</style><div class="jp-Cell jp-CodeCell"><h1>Name</h1></div>'
    '<div class="jp-Cell jp-MarkdownCell"><h2 id="1.-Summary">1. Summary<a class="anchor-link" href="#1.-Summary">'
    "\u00b6</a></h2></div><style>a{}</style><style>b{}</style>"
    '<div class="jp-Cell jp-MarkdownCell"><h2 id="2.-Margin-&amp;-targets">2. Margin &amp; targets</h2></div>'
    '<div class="jp-Cell jp-MarkdownCell"><h2 id="Appendix">Appendix</h2></div>'
    "</main></body></html>"
)


def test_style_blocks_move_to_the_head_once_each():
    moved = styles_in_head(PAGE)
    head, body = moved.split("</head>")
    assert "<style" not in body
    assert re.findall(r"<style>([^<]*)</style>", head) == ["h1{}", "a{}", "b{}"]


def test_the_table_of_contents_links_every_section_before_the_first():
    links = section_links(PAGE)
    assert links == [("1.-Summary", "1. Summary"), ("2.-Margin-&amp;-targets", "2. Margin &amp; targets"),
                     ("Appendix", "Appendix")]  # fmt: skip
    page = with_table_of_contents(PAGE)
    nav = table_of_contents(links)
    assert page.index(nav) < page.index('<div class="jp-Cell jp-MarkdownCell"><h2 id="1.-Summary"')
    assert page.index("<h1>Name</h1>") < page.index(nav)
    assert '<a href="#2.-Margin-&amp;-targets">2. Margin &amp; targets</a>' in nav
    two_sections = PAGE.replace('<h2 id="Appendix">Appendix</h2>', "")
    assert with_table_of_contents(two_sections) == two_sections  # too short to need one


# --------------------------------------------------------------------------- the PDF


@pytest.mark.parametrize("engine", ["chromium", "weasyprint"])
def test_the_pdf_is_tagged_carries_title_and_author_and_no_cell_destinations(tmp_path, engine):
    from pypdf import PdfReader

    if engine == "chromium":
        chromium_required()

    from amreview.documents.pdf import html_to_pdf

    styler = pd.DataFrame({"A": [1, 2]}).style.set_uuid("x")  # every cell gets an id
    html = (
        '<html lang="en"><head><title>Ann — quarterly review 2026Q3</title><meta name="author" content="Grace">'
        f'</head><body><h1 id="top">Ann</h1>{styler.to_html()}</body></html>'
    )
    reader = PdfReader(html_to_pdf(html, tmp_path / "ann.pdf", header="Ann", engine=engine))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert reader.metadata.title == "Ann — quarterly review 2026Q3" and reader.metadata.author == "Grace"
    # no table cell is a destination; WeasyPrint keeps the heading's, Chromium names none
    assert sorted(reader.named_destinations) == (["top"] if engine == "weasyprint" else [])
