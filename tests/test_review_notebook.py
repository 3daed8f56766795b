"""End to end: the review notebook through papermill and nbconvert, and the batch runner.

The figures a review shows are checked against sums computed here with plain pandas from the
pack's CSV files (an independent route), formatted with the review's own formats; and every
sentence, table cell and chart of the document against the library's review of the same pack.
Each notebook runs as few times as possible: one review of the star on the sample, one of a
pack holding only the required tables (and a hostile account name), one run of explore. The
runner's tests (a batch and its index, a failing review: tests/test_run_batch.py) run the light
review notebook (tests/light_review.py: the review notebook cut to its header and one section).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from amreview import formats
from amreview.batch.execution import execute_review
from amreview.batch.jobs import ReviewJob
from amreview.batch.runner import NOTEBOOKS, REVIEW_NOTEBOOK, TEAM_NOTEBOOK, run_quarterly_reviews
from amreview.data.datapack import load_pack, write_pack
from amreview.data.sample import PERSONAS, generate_sample
from amreview.documents import render
from amreview.documents.model import SECTIONS, section_heading
from amreview.documents.review import Review
from amreview.documents.team_overview import SECTIONS as TEAM_SECTIONS
from tests.light_review import LIGHT_REVIEW

pytestmark = pytest.mark.e2e

STAR = next(a for a, p in PERSONAS.items() if p == "star")
EXPLORE_NOTEBOOK = NOTEBOOKS / "explore.ipynb"
HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def sample_tables():
    return generate_sample()


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory, sample_tables) -> Path:
    return write_pack(sample_tables, tmp_path_factory.mktemp("sample") / "pack")


def visible_text(document: str) -> str:
    body = document[document.find("<body") :]
    body = re.sub(r"<(style|script)\b.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"[^\S\u00a0]+", " ", html.unescape(body))  # a no-break space kept: figures hold one


def run_review(folder: Path, am_id: str, out: Path) -> str:
    job = ReviewJob(
        key=am_id,
        notebook=REVIEW_NOTEBOOK,
        parameters={"am_id": am_id, "period": "2026Q3", "data": str(folder)},
        output_stem=out / am_id,
        title="review",
    )
    result = execute_review(job, timeout=300)
    assert result.status == "ok", result.error
    return result.html.read_text()


@pytest.fixture(scope="module")
def star_document(sample_dir, tmp_path_factory) -> str:
    return run_review(sample_dir, STAR, tmp_path_factory.mktemp("star"))


def expected_figures(folder: Path, am_id: str) -> dict[str, str]:
    """Q3 2026 figures of ``am_id`` by plain pandas on the CSV files, formatted for display."""
    sales = pd.read_csv(folder / "sales.csv", dtype={"am_id": str, "account_id": str, "line_id": str})
    q3 = sales[(sales["invoice_date"] >= "2026-07-01") & (sales["invoice_date"] <= "2026-09-30")]
    mine = q3[q3["am_id"] == am_id]
    revenue, cost = mine["revenue"].sum(), mine["cost"].sum()
    targets = pd.read_csv(folder / "targets.csv", dtype={"am_id": str})
    mine_t = targets[
        (targets["am_id"] == am_id)
        & (targets["measure"] == "gross_margin")
        & targets["period"].isin(["2026Q3", "2026-07", "2026-08", "2026-09"])
    ]
    gm_target = mine_t["target"].sum()
    return {
        "revenue": formats.money(revenue),
        "cost": formats.money(cost),
        "gross_margin": formats.money(revenue - cost),
        "gm_pct": formats.pct((revenue - cost) / revenue),
        "gm_attainment": formats.attainment_pct((revenue - cost) / gm_target),
        "active": formats.count(mine.loc[mine["revenue"] > 0, "account_id"].nunique()),
    }


def test_review_document_shows_the_persons_name_and_figures(sample_dir, star_document):
    people = pd.read_csv(sample_dir / "account_managers.csv", dtype=str).set_index("am_id")
    document = star_document
    text = visible_text(document)
    assert people.loc[STAR, "name"] in text
    assert people.loc[STAR, "manager"] in text
    figures = expected_figures(sample_dir, STAR)
    assert f"Revenue {figures['revenue']}" in text
    assert f"Cost of goods {figures['cost']}" in text
    assert f"Gross margin {figures['gross_margin']}" in text
    assert f"GM % {figures['gm_pct']}" in text
    assert f"Active accounts {figures['active']}" in text
    assert figures["gm_attainment"] in text
    assert document.count("data:image/png;base64") >= 2  # the charts, inline
    assert "load_pack(" not in document and "Review.build" not in document  # no code showing
    # no other account manager's name appears in this review
    others = people.drop(index=STAR)["name"]
    assert not [name for name in others if name in text]


def test_every_section_is_in_the_document_in_order(star_document):
    headings = [
        html.unescape(re.sub(r"<[^>]+>", "", h)).strip().rstrip("¶").strip()
        for h in re.findall(r"<h2\b.*?</h2>", star_document, flags=re.S)
    ]
    assert headings == [section_heading(key) for key, _, _ in SECTIONS]


def test_document_figures_equal_the_librarys(sample_dir, star_document):
    """Every sentence, every table row and every chart of the library's review is in the document."""
    review = Review.build(load_pack(sample_dir), STAR, "2026Q3")
    text = visible_text(star_document)
    charts = 0
    for section in review.sections():
        for line in section.lines + section.missing:
            assert line in text, (section.key, line)
        for key, table in section.tables.items():
            shown = render.display_frame(table)
            for row in shown.itertuples(index=False):
                cells = " ".join(str(c) for c in row if str(c))
                assert re.sub(r"[^\S\u00a0]+", " ", cells) in text, (section.key, key, cells)
        charts += len(section.charts)
    assert star_document.count("data:image/png;base64") == charts


@pytest.fixture(scope="module")
def minimal_document(sample_tables, tmp_path_factory):
    """A pack of the required tables and accounts only, the star's best account renamed to a script."""
    tables = {k: sample_tables[k].copy() for k in ("account_managers", "sales", "targets", "accounts")}
    sales = tables["sales"]
    q3 = sales[(sales["invoice_date"] >= "2026-07-01") & (sales["invoice_date"] <= "2026-09-30")]
    mine = q3[q3["am_id"] == STAR]
    best = (mine["revenue"] - mine["cost"]).groupby(mine["account_id"]).sum().idxmax()
    tables["accounts"].loc[tables["accounts"]["account_id"] == best, "name"] = HOSTILE
    folder = write_pack(tables, tmp_path_factory.mktemp("minimal") / "pack")
    return run_review(folder, STAR, tmp_path_factory.mktemp("minimal-out"))


def test_a_pack_without_optional_tables_says_so_instead_of_zeros(minimal_document):
    text = visible_text(minimal_document)
    for what, table in [
        ("Back orders", "back_orders"),
        ("Opportunities (pipeline, win rate, coverage, sales cycle)", "opportunities"),
        ("Customer feedback (NPS, CSAT)", "customer_feedback"),
        ("Customer cases", "cases"),
        ("CRM activities", "activities"),
        ("Opportunity hygiene", "opportunities"),
        ("Report submissions", "report_submissions"),
        ("Forecasts", "forecasts"),
        ("Development objectives", "development_objectives"),
        ("Competency ratings", "competency_ratings"),
        ("Manager's comments", "review_notes"),
    ]:
        assert f"{what}: not in this pack (no {table} table)." in text
    # no zero figures for what was not measured: no activity rates, no NPS, no funnel, no reports
    sections = text.split("Appendix: definitions")[0]
    assert "activities a working week" not in sections and "Activities per week by type" not in sections
    assert not re.search(r"NPS [+\u22120-9]", sections) and "Won 0 of" not in sections
    assert "reports due" not in sections
    assert "Not scored for lack of data:" in text
    for key, _, _ in SECTIONS:  # every section is still there
        assert section_heading(key) in text


def test_data_from_the_pack_is_escaped(minimal_document):
    assert HOSTILE not in minimal_document  # never markup
    assert formats.escape(HOSTILE) in minimal_document
    assert HOSTILE in visible_text(minimal_document)  # but shown as text


def test_notebooks_declare_their_parameters_with_help():
    import papermill

    review = papermill.inspect_notebook(str(REVIEW_NOTEBOOK))
    assert list(review) == ["am_id", "period", "data", "config"]
    assert review["config"]["default"] == '""' and review["config"]["inferred_type_name"] == "str"
    assert review["am_id"]["help"].startswith("required") and review["period"]["help"].startswith("required")
    explore = papermill.inspect_notebook(str(EXPLORE_NOTEBOOK))
    assert set(explore) == {"data", "am_id", "period", "config"}
    for spec in list(review.values()) + list(explore.values()):
        assert spec["help"] and spec["inferred_type_name"] == "str"


@pytest.mark.parametrize(
    "notebook", [REVIEW_NOTEBOOK, EXPLORE_NOTEBOOK, TEAM_NOTEBOOK, LIGHT_REVIEW], ids=lambda p: p.name
)
def test_notebooks_are_committed_clean_and_thin(notebook):
    nb = nbformat.read(notebook, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].metadata.get("tags") == ["parameters"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert all(len(c.source.splitlines()) <= 5 for c in code[1:])  # a call into the library and a display


def test_the_review_notebook_has_a_heading_and_one_call_per_section():
    nb = nbformat.read(REVIEW_NOTEBOOK, as_version=4)
    pairs = [(a.source, b.source) for a, b in zip(nb.cells, nb.cells[1:]) if a.cell_type == "markdown"]
    assert pairs == [(f"## {section_heading(key)}", f"review.{key}()") for key, _, _ in SECTIONS]


def test_the_team_notebook_opens_one_overview_and_shows_one_section_per_cell():
    nb = nbformat.read(TEAM_NOTEBOOK, as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"][1:]
    statements = [line for line in code[0].splitlines() if line and not line.startswith("from ")]
    assert statements == [
        "keep_warnings_out_of_documents()",
        "overview = open_team_overview(data, manager, period, config)",
    ]
    assert code[1:] == ["overview.header"] + [f"overview.{key}()" for key in TEAM_SECTIONS[1:]]


def test_explore_runs_as_is_on_the_sample(tmp_path):
    import papermill

    out = tmp_path / "explore.ipynb"
    papermill.execute_notebook(
        str(EXPLORE_NOTEBOOK), str(out), kernel_name="python3", cwd=str(NOTEBOOKS), progress_bar=False, log_output=False
    )
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    shown = " ".join(str(o.get("data", {}).get("text/html", "")) for o in outputs)
    assert "Scorecard 2026Q3: 15 account managers" in shown  # everyone's scorecard
    assert "How the score was reached" in shown and "Pipeline" in shown  # a section
    assert "Gross margin attainment" in shown  # the KPI table and the explanation
    assert "data:image/png;base64" in shown  # a chart


def test_the_light_review_notebook_is_the_review_notebook_cut_short():
    """The runner's tests run it (tests/light_review.py): the same parameters and the same cells,
    fewer of them (``tests/fixtures/batch/make_fixtures.py`` writes it again)."""
    import papermill

    real = nbformat.read(REVIEW_NOTEBOOK, as_version=4)
    light = nbformat.read(LIGHT_REVIEW, as_version=4)
    assert papermill.inspect_notebook(str(LIGHT_REVIEW)) == papermill.inspect_notebook(str(REVIEW_NOTEBOOK))
    assert light.metadata == real.metadata and light.cells[:3] == real.cells[:3]  # parameters, open, header
    assert [c for c in light.cells if c in real.cells] == light.cells and len(light.cells) == 5
    assert [c.source for c in light.cells[3:]] == [f"## {section_heading('relationships')}", "review.relationships()"]


def test_unknown_am_is_refused_before_any_kernel(sample_dir, tmp_path):
    from amreview.errors import ParameterError

    with pytest.raises(ParameterError, match="with am_id NOBODY"):
        run_quarterly_reviews(sample_dir, "2026Q3", tmp_path / "reports", am_ids=["NOBODY"], progress=False)
    assert not (tmp_path / "reports" / "2026Q3" / "index.html").exists()


def test_a_relative_data_path_names_the_folder_it_was_resolved_against(tmp_path):
    import papermill
    from papermill.exceptions import PapermillExecutionError

    elsewhere = tmp_path / "elsewhere"  # plain papermill, run from another folder than the project's
    elsewhere.mkdir()
    with pytest.raises(PapermillExecutionError) as caught:
        papermill.execute_notebook(
            str(REVIEW_NOTEBOOK),
            str(tmp_path / "review.ipynb"),
            parameters={"data": "build/sample-pack"},
            kernel_name="python3",
            cwd=str(elsewhere),
            progress_bar=False,
            log_output=False,
        )
    assert caught.value.ename == "ArgumentError"
    assert caught.value.evalue.startswith(
        f"the data pack 'build/sample-pack': no such folder (a relative path, resolved against {str(elsewhere)!r});"
    )
