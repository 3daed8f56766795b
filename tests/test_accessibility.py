"""Every document of a sample run, through real checkers (issue 15, items 7 and 8).

``test_documents``' run on its sample pack, made once per test session, plus the pack's
data-quality report: in ``make test`` one review of each kind (``test_documents.AM_ID``'s, its
teammate's, whose name is made of HTML, and the first of each other team), every team overview,
the index and the KPI reference; in ``make document-check`` (``AMREVIEW_DOCUMENT_SWEEP=1``, run by
``.ci/run``) the whole organisation's run: every review and the calibration page too. The PDF of
each where Chromium prints them (about a second each; where only WeasyPrint does, about ten, the
PDFs of one review, its team overview, the calibration page and the KPI reference only:
``test_documents.run``).

* axe-core (``tests/js``: ``npm ci --prefix tests/js``), injected into Debian's Chromium: no
  violation of the WCAG 2.1 A and AA rules, on a laptop's width and on a phone's;
* the W3C Nu HTML checker (``vnu.jar`` from the same folder, run with ``java``): no error;
* at 390 px no page scrolls sideways, and each review's table of contents links every section;
* the PDFs: tagged (PDF/UA-1), title and author set, named destinations only for headings;
* the page layout of every review's and team overview's PDF (``test_documents.page_layout_problems``):
  no table or chart cut, no heading alone at a page's foot, no half-blank page, no number a line
  may part from its unit.

Where a checker is missing the tests skip, unless AMREVIEW_REQUIRE_BROWSER=1 (CI), where they fail.

A review costs its kernel seconds, axe-core and the page layout seconds a document: hence the two
runs. Every check here looks at every document of the run it is given.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from amreview.data.datapack import load_pack
from amreview.quality.checks import check_pack
from amreview.quality.report import write_quality_html
from tests.conftest import once
from tests.test_documents import (  # noqa: F401 - fixtures
    AM_ID,
    PERIOD,
    PHONE,
    SWEEP,
    browser,
    card,
    chromium_required,
    config_path,
    manager,
    one_of_each_kind,
    pack_dir,
    page_layout_problems,
    run,
    team_stem,
)
from tests.test_privacy import leaks, touched_accounts

pytestmark = pytest.mark.e2e

CHECKERS = Path(__file__).parent / "js" / "node_modules"
AXE = CHECKERS / "axe-core" / "axe.min.js"
VNU = CHECKERS / "vnu-jar" / "build" / "dist" / "vnu.jar"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LAPTOP = {"width": 1280, "height": 900}
QUALITY_REPORT = "pack-quality.html"
KPI_REFERENCE = "kpi-reference.html"


def require(what: str, present: bool) -> None:
    """Skip when a checker is absent; fail instead where AMREVIEW_REQUIRE_BROWSER=1 (CI)."""
    if present:
        return
    problem = f"{what} is not installed (make test runs npm ci --prefix tests/js; java: default-jre-headless)"
    if os.environ.get("AMREVIEW_REQUIRE_BROWSER") == "1":
        pytest.fail(f"AMREVIEW_REQUIRE_BROWSER=1 but {problem}")
    pytest.skip(problem)


@pytest.fixture(scope="module")
def sample_run(run):  # noqa: F811 - test_documents' run, with its PDFs
    assert (run.calibration is not None) == SWEEP and len(run.team_results) == 3
    return run


@pytest.fixture(scope="module")
def quality_report(pack_dir, tmp_path_factory) -> Path:  # noqa: F811
    """The pack's data-quality report, as ``amreview quality`` writes it."""

    def produce(folder: Path) -> Path:
        folder.mkdir()
        return write_quality_html(check_pack(pack_dir), folder / QUALITY_REPORT)

    return once(tmp_path_factory, "quality-report", produce)


@pytest.fixture(scope="module")
def documents(sample_run, quality_report) -> list[Path]:
    found = sorted([*sample_run.folder.glob("*.html"), quality_report])
    assert {"index.html", KPI_REFERENCE, QUALITY_REPORT} <= {p.name for p in found}
    assert ("calibration.html" in {p.name for p in found}) == SWEEP
    return found


def test_axe_finds_no_wcag_21_aa_violation_in_any_document_nor_a_sideways_scroll_on_a_phone(browser, documents):  # noqa: F811
    require("axe-core", AXE.is_file())
    found = {}
    for path in documents:
        for viewport in (LAPTOP, PHONE):
            context = browser.new_context(viewport=viewport)
            page = context.new_page()
            page.goto(path.as_uri(), wait_until="load")
            page.add_script_tag(path=str(AXE))
            # Colour contrast (three quarters of axe's time) is checked at the laptop's width only:
            # the documents' colours are the same at every width and no text lies over a picture.
            violations = page.evaluate(
                """async ([tags, contrast]) => (await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                                                 rules: {'color-contrast': {enabled: contrast}}}))
                   .violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '))""",
                [WCAG_21_AA, viewport is LAPTOP],
            )
            if violations:
                found[f"{path.name} at {viewport['width']} px"] = violations
            if viewport is PHONE:
                assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path.name
            context.close()
    assert found == {}


def test_the_validator_finds_no_error_in_any_document(documents):
    require("vnu.jar", VNU.is_file())
    java = shutil.which("java")
    require("java", java is not None)
    done = subprocess.run(
        [java, "-jar", str(VNU), "--format", "json", "--errors-only", *map(str, documents)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    messages = json.loads(done.stderr or done.stdout)["messages"]
    assert [(Path(unquote(m.get("url", ""))).name, m.get("lastLine"), m["message"]) for m in messages] == []


def test_headings_never_skip_a_level_and_every_chart_is_described(documents):
    for path in documents:
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        levels = [int(h.name[1]) for h in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6"])]
        assert levels[:1] == [1] and all(b - a <= 1 for a, b in zip(levels, levels[1:])), (path.name, levels)
        assert soup.find("main") is not None, path.name
        for image in soup.find_all("img"):
            alt = image.get("alt", "")
            assert alt.startswith("Chart: ") and "untitled" not in alt, (path.name, alt[:80])
            assert any(c.isdigit() for c in alt) or alt.rstrip(".").endswith(("no data", "no targets")), alt


def test_each_review_opens_with_a_table_of_contents_whose_links_reach_every_section(browser, sample_run):  # noqa: F811
    for result in sample_run.results:
        soup = BeautifulSoup(result.html.read_text(encoding="utf-8"), "html.parser")
        nav = soup.find("nav", class_="amr-toc")
        assert nav is not None and nav.find_next("h2") is soup.find("h2"), result.key  # above the first section
        sections = [h["id"] for h in soup.find_all("h2")]
        assert [a["href"] for a in nav.find_all("a")] == [f"#{s}" for s in sections]
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(sample_run.results[0].html.as_uri(), wait_until="load")
    links = page.eval_on_selector_all("nav.amr-toc a", "links => links.map(a => a.hash)")
    assert len(links) >= 3
    for link in links:
        assert page.evaluate("(hash) => document.getElementById(decodeURIComponent(hash.slice(1))) !== null", link)
    page.click("nav.amr-toc a >> nth=-1")  # the last section, a jump down the page
    assert page.evaluate("window.scrollY") > 0
    context.close()


def test_the_pdfs_are_tagged_with_title_and_author_and_few_destinations(sample_run, pack_dir, team_stem):  # noqa: F811
    from pypdf import PdfReader

    people = pd.read_csv(pack_dir / "account_managers.csv", dtype=str).set_index("am_id")
    review = next(r for r in sample_run.results if r.key == AM_ID)  # the PDFs printed wherever PDFs are
    team = next(r for r in sample_run.team_results if r.key == team_stem)
    authors = {  # who answers for each: the reviewing manager, the team's manager, no one person
        review.html: people.at[review.key, "manager"],
        team.html: BeautifulSoup(team.html.read_text(encoding="utf-8"), "html.parser").h1.get_text().split(": ", 1)[1],
        sample_run.folder / KPI_REFERENCE: "amreview",
    }
    if sample_run.calibration is not None:  # a whole-organisation run's (make document-check)
        authors[sample_run.calibration.html] = "amreview"
    for html_path, author in authors.items():
        reader = PdfReader(html_path.with_suffix(".pdf"))
        root = reader.trailer["/Root"]
        assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"], html_path.name
        html = BeautifulSoup(html_path.read_text(encoding="utf-8"), "html.parser")
        assert reader.metadata.title == html.title.get_text() and reader.metadata.author == author
        headings = len(html.find_all(["h1", "h2", "h3", "h4"]))
        assert 0 < len(reader.named_destinations) <= headings, html_path.name  # none from a table's cells


def typed_in(pack: Path) -> tuple[str, ...]:
    """Every text of the pack that holds a space (objectives, comments, notes, names…): words a
    document shows as people typed them, longest first."""
    found: set[str] = set()
    for table in pack.glob("*.csv"):
        frame = pd.read_csv(table, dtype=str, keep_default_na=False)
        for column in frame.columns:
            found |= {text for text in frame[column] if " " in text}
    return tuple(sorted(found, key=len, reverse=True))


def test_every_review_and_team_overview_prints_without_a_layout_fault(sample_run, pack_dir):  # noqa: F811
    """Each PDF of the run's reviews and team overviews, as printed: no table or
    chart cut across pages, no heading alone at the foot of a page, no page but the last half
    blank, no number parted from its unit."""
    chromium_required()
    typed = typed_in(pack_dir)
    found = {}
    for result in [*sample_run.results, *sample_run.team_results]:
        problems = page_layout_problems(result.html.read_text(encoding="utf-8"), result.pdf, typed)
        if problems:
            found[result.key] = problems
    assert found == {}


def test_no_review_of_the_run_names_anyone_else_nor_an_account_of_theirs(sample_run, pack_dir):  # noqa: F811
    """What the review notebook wrote for each person of the run (tests/test_privacy.py scans
    the library's rendering of each review input; the runner's own tests run a light notebook)."""
    pack = load_pack(pack_dir)
    touched = touched_accounts(pack)
    names = pack.account_managers.set_index("am_id")["name"]
    assert len(sample_run.results) == len(names if SWEEP else one_of_each_kind(pack.account_managers))
    for result in sample_run.results:
        text = html.unescape(result.html.read_text(encoding="utf-8"))
        assert names[result.key] in text, result.key  # the scan reads the document it should
        found = leaks(text, result.key, pack, touched)
        others = [name for name in found.pop("names", []) if name not in names[result.key]]  # the HTML name
        assert (found, others) == ({}, []), result.key  # holds another's, shown as its own (CSS-escaped too)
