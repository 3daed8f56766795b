"""The documents people read: a review, a team overview and the explore notebook, as HTML and PDF.

Kernels are slow, so each notebook runs once: one ``run_quarterly_reviews`` with ``pdf=True`` and
a scorecard config of our own, and the explore notebook. ``make test``'s run is of one review of
each kind (AM_ID's, its teammate's with the HTML name, the first of each other team), every team
overview, the index and the KPI reference; ``make document-check`` (``AMREVIEW_DOCUMENT_SWEEP=1``)
makes the whole organisation's run instead (every review and the calibration page, which only a
whole-organisation run makes). ``test_accessibility`` puts the same run through the real
checkers. The tests below inspect AM_ID's review, its manager's team overview and the index.
Under pytest-xdist the runs happen once per session, not once per worker: the first worker to need
one makes it in a folder all workers share, under a lock; the others read its result.

* Sections: present and in order.
* Figures: the team overview's totals are recomputed here with plain pandas from the pack's
  CSV files; its scores, ratings and attention list are checked against the library's scorecard.
* Browser: each page is opened in Debian's Chromium (headless, through playwright) — no console
  error, no request to anything but the file itself, no sideways scrolling on a phone. These
  tests skip when /usr/bin/chromium (or $AMREVIEW_CHROMIUM) is absent, unless
  AMREVIEW_REQUIRE_BROWSER=1 (CI), where they fail.
* PDF: page count, the running header (name and period) and "Page i of N" on every page, no
  table or chart cut across pages, no heading left alone at the foot of a page.
"""

from __future__ import annotations

import base64
import os
import re
import unicodedata
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from amreview import formats
from amreview.batch.execution import execute_review
from amreview.batch.export import notebook_to_html
from amreview.batch.jobs import ReviewJob
from amreview.batch.runner import NOTEBOOKS, run_quarterly_reviews, team_file_stems
from amreview.data.datapack import load_pack, write_pack
from amreview.data.sample import PERSONAS, generate_sample
from amreview.documents.chromium import chromium_path
from amreview.documents.model import Table
from amreview.documents.pdf import css_string, html_to_pdf, render_pages, running_header_css
from amreview.documents.render import BASE_CSS, block_class, figure_png, printed_height, table_html
from amreview.metrics.catalogue import all_kpis
from amreview.scoring.config import DEFAULT_CONFIG, load_config
from amreview.scoring.scorecard import build_scorecard
from tests.conftest import once
from tests.test_kpi_reference import REVIEW_CODE_WORD, code_words

pytestmark = pytest.mark.e2e

PERIOD = "2026Q3"
AM_ID = next(a for a, p in PERSONAS.items() if p == "crm_neglecter")  # Partially meets by default
EXPLORE_NOTEBOOK = NOTEBOOKS / "explore.ipynb"
CHROMIUM = Path(os.environ.get("AMREVIEW_CHROMIUM", "/usr/bin/chromium"))  # Debian's; elsewhere set the path
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
# The sections of the review, in the order of the job description (issue 4).
REVIEW_SECTIONS = [  # README, "The review's order"
    "Summary",
    "Margin & KPI targets",
    "Reporting",
    "Customer relationships",
    "Productive new business",
    "Utilisation of the CRM",
    "Account management",
    "Competencies",
    "Development plan",
    "Manager's comments",
    "Appendix",
]
TEAM_SECTIONS = [
    "Team scorecard",
    "Measure scores at a glance",
    "Ratings for calibration",
    "Headline figures",
    "Team totals against team targets",
    "Who needs attention",
    "About this overview",
]
MEETS_FROM = 2.5  # our config's lower Meets boundary (the default's is 2.75)


# --------------------------------------------------------------------------- one run, inspected


# A teammate's name that would load an image and log an error if any page let it through as HTML.
HOSTILE_NAME = "<img src=x onerror=console.error(1)> Raj Patel"
# Every document of the whole organisation, not one of each kind (make document-check).
SWEEP = os.environ.get("AMREVIEW_DOCUMENT_SWEEP") == "1"


def hostile_teammate(people: pd.DataFrame) -> str:
    """The am_id of AM_ID's teammate whose name is :data:`HOSTILE_NAME` (the first other report
    of AM_ID's manager)."""
    manager = people.loc[people["am_id"] == AM_ID, "manager"].iloc[0]
    return str(people.loc[(people["manager"] == manager) & (people["am_id"] != AM_ID), "am_id"].iloc[0])


def one_of_each_kind(people: pd.DataFrame) -> list[str]:
    """The people of ``make test``'s run: AM_ID, its teammate with the HTML name, and the first
    of each other team, so that every team's overview and every team's review layout is made."""
    chosen = {AM_ID, hostile_teammate(people)}
    others = people[~people["manager"].isin(people.loc[people["am_id"].isin(chosen), "manager"])]
    chosen |= set(others.groupby("manager", sort=False)["am_id"].first())
    return sorted(chosen)


@pytest.fixture(scope="module")
def pack_dir(tmp_path_factory) -> Path:
    def produce(folder: Path) -> Path:
        tables = generate_sample()
        people = tables["account_managers"]
        teammate = people["am_id"] == hostile_teammate(people)
        tables["account_managers"] = people.assign(name=people["name"].mask(teammate, HOSTILE_NAME))
        return write_pack(tables, folder)

    return once(tmp_path_factory, "pack", produce)


@pytest.fixture(scope="module")
def config_path(tmp_path_factory) -> Path:
    """The packaged config with Meets from 2.5: it must reach every notebook and the index."""

    def produce(folder: Path) -> Path:
        text = DEFAULT_CONFIG.read_text(encoding="utf-8")
        changed, n = re.subn(r'(label = "Meets",\s*min_score = )2\.75', rf"\g<1>{MEETS_FROM}", text)
        assert n == 1
        folder.mkdir()
        (folder / "our_scorecard.toml").write_text(changed, encoding="utf-8")
        return folder / "our_scorecard.toml"

    return once(tmp_path_factory, "config", produce)


@pytest.fixture(scope="module")
def card(pack_dir, config_path):
    return build_scorecard(load_pack(pack_dir), PERIOD, load_config(config_path))


@pytest.fixture(scope="module")
def manager(card) -> str:
    return str(card.people.at[AM_ID, "manager"])


@pytest.fixture(scope="module")
def run(pack_dir, config_path, tmp_path_factory):
    """The run with our config and ``pdf=True``, made once per session and shared with
    ``test_accessibility`` (one xdist group: ``conftest.SHARED_BETWEEN_MODULES``): the reviews
    of :func:`one_of_each_kind`, every team overview, the index and the KPI reference; under
    ``AMREVIEW_DOCUMENT_SWEEP=1`` (make document-check) the whole organisation's run, every
    review and the calibration page too.

    Where Chromium prints the PDFs (about a second each) the run prints every one. Where only
    WeasyPrint does (about ten seconds each) the run prints none, and the PDFs the tests read
    (AM_ID's review, its team overview, the calibration page and the KPI reference) are printed
    from the run's HTML by ``html_to_pdf``, as the run would."""

    def produce(folder: Path):
        every_pdf = chromium_path() is not None
        people = pd.read_csv(pack_dir / "account_managers.csv", dtype=str)
        summary = run_quarterly_reviews(
            pack_dir,
            PERIOD,
            folder,
            n_jobs=2,
            progress=False,
            config=config_path,
            pdf=every_pdf,
            am_ids=None if SWEEP else one_of_each_kind(people),
        )
        if not every_pdf:  # the PDFs the tests read, each with its running header (its title, in its own CSS)
            manager = people.set_index("am_id").at[AM_ID, "manager"]
            printed = [AM_ID, team_file_stems([manager])[manager], "kpi-reference"]
            for stem in printed + (["calibration"] if summary.calibration is not None else []):
                html = summary.folder / f"{stem}.html"
                html_to_pdf(html.read_text(encoding="utf-8"), html.with_suffix(".pdf"))
        return summary

    summary = once(tmp_path_factory, "whole-run" if SWEEP else "one-of-each-kind-run", produce)
    assert (summary.calibration is not None) == SWEEP  # only a whole-organisation run makes it
    assert not summary.failed, summary.describe()
    return summary


@pytest.fixture(scope="module")
def team_stem(manager) -> str:
    return team_file_stems([manager])[manager]


@pytest.fixture(scope="module")
def review_html(run) -> str:
    return (run.folder / f"{AM_ID}.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def team_html(run, team_stem) -> str:
    return (run.folder / f"{team_stem}.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def explore(pack_dir, tmp_path_factory):
    def produce(folder: Path):
        job = ReviewJob(
            key="explore",
            notebook=EXPLORE_NOTEBOOK,
            parameters={"data": str(pack_dir), "am_id": AM_ID, "period": PERIOD},
            output_stem=folder / "explore",
            title="Explore",
        )
        return execute_review(job, timeout=300)

    result = once(tmp_path_factory, "explore", produce)
    assert result.ok, result.error
    return result


def visible_text(document: str) -> str:
    soup = BeautifulSoup(document, "html.parser")
    for tag in soup(["style", "script"]):
        tag.decompose()
    return re.sub(r"\s+", " ", soup.get_text(" "))


def headings(document: str, level: str = "h2") -> list[str]:
    soup = BeautifulSoup(document, "html.parser")
    return [re.sub(r"\s+", " ", h.get_text(" ")).replace("¶", "").strip() for h in soup.find_all(level)]


def table_rows(document: str, uuid: str) -> list[dict[str, str]]:
    """The rows of the Styler table with ``uuid`` as {column heading: cell text}."""
    table = BeautifulSoup(document, "html.parser").find("table", id=f"T_{uuid}")
    assert table is not None, f"no table {uuid}"
    columns = [th.get_text(" ", strip=True) for th in table.find("thead").find_all("th")]
    return [
        dict(zip(columns, (td.get_text(" ", strip=True) for td in tr.find_all(["td", "th"]))))
        for tr in table.find("tbody").find_all("tr")
    ]


# --------------------------------------------------------------------------- the run's files


def test_the_run_writes_html_pdf_and_notebook_of_every_document(run, team_stem, card, pack_dir):
    calibration = [run.calibration] if run.calibration is not None else []
    documents = [*run.results, *run.team_results, *calibration]
    printed = all(r.pdf == r.html.with_suffix(".pdf") for r in documents)  # by the run, where Chromium prints
    assert printed or chromium_path() is None
    names = sorted(p.name for p in run.folder.iterdir())
    expected = sorted(
        [f"{r.html.stem}{s}" for r in documents for s in (".html", ".ipynb")]
        + [f"{r.html.stem}.json" for r in run.results]
        + (
            [f"{r.html.stem}.pdf" for r in documents]
            if printed
            else [f"{AM_ID}.pdf", f"{team_stem}.pdf", *(f"{r.html.stem}.pdf" for r in calibration)]
        )
        + ["index.html", "manifest.json", "logs", "kpi-reference.html", "kpi-reference.pdf"]
    )
    assert names == expected  # no temporary file, prepared input nor lock file left behind
    people = pd.read_csv(pack_dir / "account_managers.csv", dtype=str)
    chosen = list(card.values.index) if SWEEP else one_of_each_kind(people)  # everyone in role, or one of each kind
    assert sorted(r.key for r in run.results) == sorted(chosen) and AM_ID in chosen
    teams = card.people["manager"].nunique()
    assert f"{teams} of {teams} team overviews written" in run.describe() and team_stem in [
        r.key for r in run.team_results
    ]


def test_every_notebook_got_the_runs_config(run, team_stem, config_path):
    for stem in (AM_ID, team_stem):
        executed = nbformat.read(run.folder / f"{stem}.ipynb", as_version=4)
        injected = next(c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", []))
        assert f'config = "{config_path.resolve()}"' in injected.source


def test_the_run_writes_its_kpi_reference_linked_from_the_review_and_the_index_with_its_configs_ratings(run):
    """Issue 15, item 2: one KPI reference per run (HTML and, with --pdf, its PDF), every KPI's
    anchor in it; the review links it, and its KPIs' entries from its figures without a value."""
    from pypdf import PdfReader

    reference = run.folder / "kpi-reference.html"
    soup = BeautifulSoup(reference.read_text(encoding="utf-8"), "html.parser")
    anchors = {h["id"] for h in soup.find_all("h3")}
    assert anchors == {f"kpi-{name}" for name in all_kpis()}
    text = soup.get_text()
    assert f"Meets from {MEETS_FROM:g}" in text and "our_scorecard.toml" in text  # the run's config
    assert len(PdfReader(run.folder / "kpi-reference.pdf").pages) > 1
    review = BeautifulSoup(run.results[0].html.read_text(encoding="utf-8"), "html.parser")
    links = [a["href"] for a in review.find_all("a") if a["href"].startswith("kpi-reference.html")]
    assert links[0] == "kpi-reference.html" and all(link.split("#")[-1] in anchors for link in links[1:])
    index = BeautifulSoup((run.folder / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert {"kpi-reference.html", "kpi-reference.pdf"} <= {a["href"] for a in index.find_all("a")}
    for table in review.find_all("table"):  # the review as exported, but its provenance (the pack's own names)
        if "Data pack fingerprint (SHA-256)" in table.get_text():
            table.decompose()
    for block in review.find_all(["style", "script"]):
        block.decompose()
    assert code_words(review.get_text(" "), REVIEW_CODE_WORD) == []
    named = soup.find("main").get_text(" ").replace("our_scorecard.toml", "")  # the config's file, as named
    assert code_words(named) == []


def test_the_index_lists_the_team_overview_above_the_reviews_with_their_ratings(
    run, team_stem, card, manager, pack_dir
):
    index = (run.folder / "index.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(index, "html.parser")
    overviews = soup.find("ul", class_="overviews")
    assert overviews is not None and overviews.find_next("table") is not None  # the overviews come first
    [item] = [li for li in overviews.find_all("li") if manager in li.get_text()]
    links = [a["href"] for a in item.find_all("a")]
    assert links == [f"{team_stem}.html", f"{team_stem}.html", f"{team_stem}.pdf"]
    table = soup.find("table")
    rows = table.find("tbody").find_all("tr")
    reviewed = sorted(f"{r.key}.html" for r in run.results)
    assert sorted(tr.find("a")["href"] for tr in rows) == reviewed  # a row for each review of the run
    [row] = [tr for tr in rows if f"{AM_ID}.html" in {a["href"] for a in tr.find_all("a")}]
    columns = [th.get_text() for th in table.find("thead").find_all("th")]
    cells = dict(zip(columns, (td.get_text(" ", strip=True) for td in row.find_all("td"))))
    overall = card.overall.loc[AM_ID]
    assert cells["Overall score"] == formats.score_text(overall["overall_score"])
    assert overall["overall_rating"] == "Meets" and cells["Rating"] == "Meets"  # our config's Meets starts at 2.5
    before = build_scorecard(load_pack(pack_dir), "2026Q2", card.config).overall.at[AM_ID, "overall_score"]
    change = round(overall["overall_score"] - before, 2)  # the trend, by the scorecard of every KPI
    assert cells["Trend"] == ("▲ +" if change > 0 else "▼ −") + f"{abs(change):.2f}" and change != 0
    assert cells["Documents"] == "HTML · PDF" and "am_id" not in columns
    details = soup.find("details")  # the run's own details, folded away
    assert AM_ID in details.get_text() and not details.has_attr("open")
    assert soup.find("section", class_="failures") is None  # nothing failed: no failure box
    downloads = soup.find("section", attrs={"aria-labelledby": "downloads"})  # no scorecard.xlsx in the folder
    assert [a["href"] for a in downloads.find_all("a")] == ["kpi-reference.html", "kpi-reference.pdf"]
    status, agreed, _ = cycle_of(pack_dir)  # the review's status and agreed rating (issue 14)
    assert cells["Review status"] == status.lower()
    assert cells["Agreed rating"].split(" (")[0] == (agreed or "not agreed yet")
    assert {a["href"] for a in row.find_all("a")} == {f"{AM_ID}.html", f"{AM_ID}.pdf"}


# --------------------------------------------------------------------------- the review


def test_the_review_has_every_section_in_order(review_html):
    found = headings(review_html)
    positions = []
    for section in REVIEW_SECTIONS:
        matches = [i for i, h in enumerate(found) if section.lower() in h.lower()]
        assert matches, f"no section {section!r} among {found}"
        positions.append(matches[0])
    assert positions == sorted(positions), found


def test_the_review_shows_the_runs_rating_and_names_nobody_else(review_html, card, pack_dir):
    text = visible_text(review_html)
    assert card.people.at[AM_ID, "name"] in text
    assert card.overall.at[AM_ID, "overall_rating"] in text
    people = pd.read_csv(pack_dir / "account_managers.csv", dtype=str).set_index("am_id")
    others = people.drop(index=AM_ID)["name"]
    assert [name for name in others if name in text] == []


def test_no_document_shows_code_or_papermill_or_local_paths(review_html, team_html, explore, pack_dir, run):
    explore_html = explore.html.read_text(encoding="utf-8")
    for document in (review_html, team_html, explore_html):
        assert "papermill" not in document.lower()
        assert "injected-parameters" not in document
        assert "load_pack(" not in document and "build_scorecard(" not in document
        assert str(pack_dir) not in document and str(run.folder) not in document
        assert "jp-InputArea-editor" not in document  # no code cell


# --------------------------------------------------------------------------- the team overview


def test_the_team_overview_has_every_section_in_order(team_html, manager):
    assert headings(team_html) == TEAM_SECTIONS
    assert headings(team_html, "h1") == [f"Team overview: {manager}"]
    assert team_html.count("data:image/png;base64,") == 3  # heatmap, calibration, totals


def plain_pandas_totals(folder: Path, manager: str) -> dict[str, tuple[float, float]]:
    """The team's Q3 2026 revenue, gross margin and new accounts, and their targets, by plain
    pandas on the CSV files: measure → (actual, target)."""
    people = pd.read_csv(folder / "account_managers.csv", dtype=str)
    in_role = people["start_date"].isna() | (people["start_date"] <= "2026-09-30")
    team = set(people.loc[in_role & (people["manager"] == manager), "am_id"])
    sales = pd.read_csv(folder / "sales.csv", dtype={"am_id": str, "account_id": str, "line_id": str})
    q3 = sales[(sales["invoice_date"] >= "2026-07-01") & (sales["invoice_date"] <= "2026-09-30")]
    mine = q3[q3["am_id"].isin(team)]
    first = sales.sort_values(["invoice_date", "line_id"]).drop_duplicates("account_id")
    new = first[
        (first["invoice_date"] >= "2026-07-01") & (first["invoice_date"] <= "2026-09-30") & first["am_id"].isin(team)
    ]
    targets = pd.read_csv(folder / "targets.csv", dtype={"am_id": str})
    targets = targets[targets["am_id"].isin(team)]

    def target(measure: str) -> float:
        rows = targets[targets["measure"] == measure]
        total = 0.0
        for am_id in sorted(team):
            own = rows[rows["am_id"] == am_id]
            quarter = own[own["period"] == "2026Q3"]
            months = own[own["period"].isin(["2026-07", "2026-08", "2026-09"])]
            value = quarter["target"].sum() if len(quarter) else months["target"].sum()
            assert value > 0, f"{am_id} has no {measure} target: the sum below would need members with one only"
            total += value
        return total

    revenue, cost = mine["revenue"].sum(), mine["cost"].sum()
    return {
        "Revenue": (revenue, target("revenue")),
        "Gross margin": (revenue - cost, target("gross_margin")),
        "New accounts": (float(len(new)), target("new_accounts")),
    }


def test_the_team_totals_equal_plain_pandas_on_the_pack(team_html, pack_dir, manager):
    shown = {row["Measure"]: row for row in table_rows(team_html, "team-totals")}
    for measure, (actual, target) in plain_pandas_totals(pack_dir, manager).items():
        fmt = formats.count if measure == "New accounts" else formats.money
        assert shown[measure]["Team actual"] == fmt(actual), measure
        assert shown[measure]["Team target"] == fmt(target), measure
        assert shown[measure]["Attainment"] == formats.attainment_pct(actual / target), measure
    totals = plain_pandas_totals(pack_dir, manager)
    revenue, margin = totals["Revenue"][0], totals["Gross margin"][0]
    assert shown["GM %"]["Team actual"] == formats.pct(margin / revenue)


def test_the_team_scorecard_shows_the_librarys_scores_and_ratings(team_html, card, manager):
    members = card.people.index[card.people["manager"] == manager]
    rows = table_rows(team_html, "team-scorecard")
    assert sorted(r["Account manager"] for r in rows) == sorted(card.people.loc[members, "name"])
    by_name = {r["Account manager"]: r for r in rows}
    for am_id in members:
        row = by_name[card.people.at[am_id, "name"]]
        assert row["Overall"] == formats.score_text(card.overall.at[am_id, "overall_score"])
        assert row["Rating"] == card.overall.at[am_id, "overall_rating"]
        shown_scores = [row[c] for c in list(row)[1:8]]
        assert shown_scores == [formats.score_text(v) for v in card.measures.loc[am_id]]
    overall = [float(r["Overall"]) for r in rows]
    assert overall == sorted(overall, reverse=True)  # highest first


def test_names_from_the_data_are_text_not_html(team_html):
    assert "<img src=x" not in team_html
    soup = BeautifulSoup(team_html, "html.parser")
    # the four tables of the team: scorecard, agreed ratings (issue 14), headline figures, and the
    # headline figures against books like theirs (issue 17)
    assert sum(HOSTILE_NAME in td.get_text() for td in soup.find_all("td")) == 4
    assert HOSTILE_NAME in visible_text(team_html)
    # and the words of the charts that name people (issue 15), as text in their alt
    assert any(HOSTILE_NAME in img["alt"] for img in soup.find_all("img"))
    assert [img for img in soup.find_all("img") if not img["src"].startswith("data:image/png")] == []


def test_the_attention_list_follows_the_rule(team_html, card, manager):
    members = card.people.index[card.people["manager"] == manager]
    expected = {
        card.people.at[a, "name"]
        for a in members
        if card.overall.at[a, "overall_score"] < MEETS_FROM or (card.measures.loc[a] <= 2).any()
    }
    shown = {r["Account manager"] for r in table_rows(team_html, "team-attention")}
    assert shown == expected and card.people.at[AM_ID, "name"] in shown


# --------------------------------------------------------------------------- explore


def test_the_explore_notebook_shows_its_sections(explore):
    document = explore.html.read_text(encoding="utf-8")
    notebook = nbformat.read(EXPLORE_NOTEBOOK, as_version=4)
    wanted = [
        line.lstrip("#").strip()
        for cell in notebook.cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.startswith("## ")
    ]
    assert len(wanted) >= 5
    assert headings(document) == wanted
    executed = nbformat.read(explore.notebook, as_version=4)
    assert not [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]


# --------------------------------------------------------------------------- in a browser


@pytest.fixture(scope="module")
def browser():
    problem = None
    if not CHROMIUM.exists():
        problem = f"{CHROMIUM} is not installed (.ci/setup-documents.sh installs it)"
    else:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            problem = "Python playwright is not installed"
    if problem:
        if os.environ.get("AMREVIEW_REQUIRE_BROWSER") == "1":
            pytest.fail(f"AMREVIEW_REQUIRE_BROWSER=1 but {problem}")
        pytest.skip(problem)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def open_page(browser, path: Path, viewport: dict) -> dict:
    """Load ``path``; report console errors, page errors, requests for anything else and the
    page's width."""
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    found = {"errors": [], "requests": []}
    page.on("console", lambda m: found["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: found["errors"].append(str(e)))
    page.on("requestfailed", lambda r: found["errors"].append(f"failed {r.url}"))

    def route(request_route):
        url = request_route.request.url
        if url != path.as_uri() and not url.startswith("data:"):
            found["requests"].append(url)
            return request_route.abort()
        return request_route.continue_()

    context.route("**/*", route)
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_timeout(200)  # late scripts, lazy images
    found["width"] = page.evaluate("document.documentElement.scrollWidth")
    found["images"] = page.evaluate(
        "[...document.images].map(i => [i.naturalWidth > 0, i.getBoundingClientRect().right])"
    )
    # what the page's width hides: the right edge of the widest thing shown, and each box that
    # scrolls sideways inside the page (a table in an overflow wrapper) as [its width, the box's]
    found["widest"] = page.evaluate(
        "Math.max(0, ...[...document.body.querySelectorAll('*')].map(e => e.getBoundingClientRect().right))"
    )
    found["scrolled_inside"] = page.evaluate(
        "[...document.querySelectorAll('*')].filter(e => e.scrollWidth > e.clientWidth + 1"
        " && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX)).map(e => [e.scrollWidth, e.clientWidth])"
    )
    context.close()
    return found


@pytest.mark.parametrize("document", ["review", "team", "explore", "index"])
def test_documents_open_in_chromium_cleanly_and_fit_a_phone(browser, document, run, team_stem, explore):
    path = {
        "review": run.folder / f"{AM_ID}.html",
        "team": run.folder / f"{team_stem}.html",
        "explore": explore.html,
        "index": run.folder / "index.html",
    }[document]
    for viewport in ({"width": 1280, "height": 900}, PHONE):
        found = open_page(browser, path, viewport)
        assert found["errors"] == [], found["errors"]
        assert found["requests"] == [], found["requests"]
        assert all(loaded for loaded, _ in found["images"]), "an image did not load"
        if viewport is PHONE:
            assert found["width"] <= PHONE["width"], "the page scrolls sideways on a phone"
            assert all(right <= PHONE["width"] + 1 for _, right in found["images"]), "an image is wider than a phone"


LAPTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def sample_index(tmp_path_factory) -> Path:
    """The index a run of the whole sample writes, made without kernels: every review's key
    figures as the runner writes them, one review failed with a long error, the three team
    overviews and the calibration page (HTML and PDF), and the run's hand-outs in the folder."""
    from amreview.batch import manifest as record
    from amreview.batch.cycle import calibration_item, previous_scores
    from amreview.batch.index import index_rows, team_overview_items, write_run_index
    from amreview.batch.jobs import ReviewResult
    from amreview.documents.review import previous_scorecard
    from amreview.errors import ReviewExecutionError
    from amreview.scoring.calibration import calibration_table

    folder = tmp_path_factory.mktemp("sample-run") / PERIOD
    folder.mkdir()
    pack = load_pack("sample")
    config = load_config(None)
    card = build_scorecard(pack, PERIOD, config)
    rows = card.table.join(calibration_table(pack, card), on="am_id")
    rows = rows.join(
        previous_scores(previous_scorecard(pack, card.quarter, config, card.kpis), rows["am_id"]), on="am_id"
    )
    failed = "AM007"
    error = ReviewExecutionError(failed, "am_quarterly_review.ipynb", 12, "KeyError", "'x' " * 120)
    reviews, entries = [], {}
    for row in rows.to_dict("records"):
        am_id = row["am_id"]
        if am_id == failed:
            reviews.append(ReviewResult(am_id, "failed", None, folder / f"{am_id}.ipynb", error, 3.2))
        else:
            documents = {"html": f"{am_id}.html", "pdf": f"{am_id}.pdf"}
            record.write_json_atomic(
                folder / f"{am_id}.json",
                record.key_figures(row, list(config.measures), list(config.benchmark_kpis), "fp", documents),
            )
            reviews.append(
                ReviewResult(am_id, "ok", folder / f"{am_id}.html", None, None, 14.2, folder / f"{am_id}.pdf")
            )
        entries[am_id] = {"started": "2026-11-27T08:10:43+00:00", "seconds": 14.2}
    stems = team_file_stems(card.table["manager"].dropna())
    teams = [ReviewResult(s, "ok", folder / f"{s}.html", None, None, 9.0, folder / f"{s}.pdf") for s in stems.values()]
    calibration = ReviewResult(
        "calibration", "ok", folder / "calibration.html", None, None, 5.0, folder / "calibration.pdf"
    )
    for name in ("scorecard.xlsx", "kpi-reference.html", "kpi-reference.pdf"):
        (folder / name).write_bytes(b"")
    labels = [r.label for r in config.ratings]
    return write_run_index(
        folder,
        card.quarter,
        index_rows(rows, reviews, entries, folder),
        team_overview_items(card.table, stems, teams, labels) + [calibration_item(calibration)],
    )


def test_the_sample_runs_index_fits_a_laptop_with_managers_first(browser, sample_index):
    found = open_page(browser, sample_index, LAPTOP)
    assert found["errors"] == [] and found["requests"] == []
    assert found["width"] <= LAPTOP["width"], f"the index is {found['width']} px wide on a 1280 px screen"
    assert found["widest"] <= LAPTOP["width"] and found["scrolled_inside"] == [], (found["widest"], found)
    page = BeautifulSoup(sample_index.read_text(encoding="utf-8"), "html.parser")
    main = page.find("main")
    assert (
        main is not None
        and main.find("h1") is not None
        and not [t for t in page.body.contents if t.name and t is not main]
    )
    reviews = main.find("table", class_="reviews")
    columns = [th.get_text() for th in reviews.find("thead").find_all("th")]
    assert columns[:3] == ["Account manager", "Manager", "Team"] and "Rating" in columns and "Trend" in columns
    assert columns[-1] == "Documents" and not {"am_id", "status", "Seconds", "Started (UTC)"} & set(columns)
    first = reviews.find("tbody").find("tr")
    assert [a["href"] for a in first.find_all("a")] == ["AM001.html", "AM001.html", "AM001.pdf"]
    details = main.find("details")  # the run's details: folded away, below the reviews
    assert details is not None and not details.has_attr("open") and reviews.find_parent("details") is None
    detail_columns = [th.get_text() for th in details.find("thead").find_all("th")]
    assert detail_columns == ["Account manager", "am_id", "status", "Started (UTC)", "Seconds"]
    assert len(details.find("tbody").find_all("tr")) == 15
    failures = main.find("section", class_="failures")  # a failure is never folded away, and comes first
    assert failures is not None and failures.find_parent("details") is None
    assert "review of AM007 failed" in failures.get_text() and str(main).index('class="failures"') < str(main).index(
        'class="reviews"'
    )
    downloads = [a["href"] for a in main.find("section", attrs={"aria-labelledby": "downloads"}).find_all("a")]
    assert downloads == ["scorecard.xlsx", "kpi-reference.html", "kpi-reference.pdf"]


def test_the_index_trend_is_the_change_of_the_overall_score_since_last_quarter(sample_index):
    pack = load_pack("sample")
    now = build_scorecard(pack, PERIOD, load_config(None)).overall["overall_score"]
    before = build_scorecard(pack, "2026Q2", load_config(None)).overall["overall_score"]  # every KPI: another route
    page = BeautifulSoup(sample_index.read_text(encoding="utf-8"), "html.parser")
    table = page.find("table", class_="reviews")
    columns = [th.get_text() for th in table.find("thead").find_all("th")]
    shown = {}
    for tr in table.find("tbody").find_all("tr"):
        cells = dict(zip(columns, (td.get_text(" ", strip=True) for td in tr.find_all("td"))))
        shown[cells["Account manager"]] = cells["Trend"]
    names = load_pack("sample").account_managers.set_index("am_id")["name"]
    expected = {}
    for am_id, score in now.items():
        if am_id == "AM007":  # the failed review shows no figures
            expected[names[am_id]] = ""
        elif am_id not in before.index:
            expected[names[am_id]] = "new in role"
        else:
            change = round(score - before[am_id], 2)
            expected[names[am_id]] = "= 0.00" if change == 0 else f"{'▲ +' if change > 0 else '▼ −'}{abs(change):.2f}"
    assert shown == expected


# --------------------------------------------------------------------------- PDF


def pdf_pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [re.sub(r"\s+", " ", page.extract_text() or "") for page in PdfReader(path).pages]


def cycle_of(pack_dir: Path) -> tuple[str, str | None, str]:
    """AM_ID's review in PERIOD as the pack's files say, by hand: its status (``Signed`` with both
    signature dates, ``In review`` with any outcome, rating or note, else ``Draft``), the agreed
    rating, and the mark every printed page carries (``Signed 12 Oct 2026``: the later signature)."""

    def mine(table: str) -> pd.DataFrame:
        frame = pd.read_csv(pack_dir / f"{table}.csv", dtype=str, keep_default_na=False)
        return frame[(frame["am_id"] == AM_ID) & (frame["period"] == PERIOD)]

    outcome = mine("review_outcomes")
    if len(outcome) and outcome["manager_signed_on"].iloc[0] and outcome["am_signed_on"].iloc[0]:
        signed = max(pd.Timestamp(outcome[c].iloc[0]) for c in ("manager_signed_on", "am_signed_on"))
        return "Signed", outcome["agreed_rating"].iloc[0], f"Signed {signed:%d %b %Y}"
    agreed = outcome["agreed_rating"].iloc[0] if len(outcome) else None
    if len(outcome) or len(mine("competency_ratings")) or len(mine("review_notes")):
        return "In review", agreed, "In review — not signed"
    return "Draft", agreed, "DRAFT — figures only, not reviewed"


@pytest.mark.parametrize("document", ["review", "team"])
def test_every_pdf_page_names_the_person_and_period_and_is_numbered(document, run, team_stem, card, manager, pack_dir):
    if document == "review":
        path, pages_at_most = run.folder / f"{AM_ID}.pdf", 40
        header = f"{card.people.at[AM_ID, 'name']} — quarterly review {PERIOD}"
    else:
        path, header, pages_at_most = run.folder / f"{team_stem}.pdf", f"{manager} — team overview {PERIOD}", 5
    pages = pdf_pages(path)
    assert 2 <= len(pages) <= pages_at_most
    for number, text in enumerate(pages, start=1):
        assert header in text, f"page {number}"
        assert f"Page {number} of {len(pages)}" in text
        assert "Confidential" in text
        if document == "review":  # where the review stands, on every page (issue 14)
            assert cycle_of(pack_dir)[2] in text, f"page {number}"


def test_the_pdf_holds_the_documents_figures(run, team_stem, pack_dir, manager):
    text = " ".join(pdf_pages(run.folder / f"{team_stem}.pdf"))
    for measure, (actual, target) in plain_pandas_totals(pack_dir, manager).items():
        fmt = formats.count if measure == "New accounts" else formats.money
        shown = f"{measure} {fmt(actual)} {fmt(target)} {formats.attainment_pct(actual / target)}"
        assert re.sub(r"\s+", " ", shown) in text  # as pdf_pages reads it: its no-break space a space


def chromium_required() -> None:
    """Skip (or, with AMREVIEW_REQUIRE_BROWSER=1, fail) where no Chromium prints the PDFs."""
    from amreview.documents.chromium import chromium_path

    if chromium_path() is None:
        if os.environ.get("AMREVIEW_REQUIRE_BROWSER") == "1":
            pytest.fail("AMREVIEW_REQUIRE_BROWSER=1 but no Chromium (or no Python playwright) is installed")
        pytest.skip("no Chromium to print PDFs with (.ci/setup-documents.sh installs it)")


def squashed(text: str) -> str:
    """``text`` for comparing a PDF's text with the HTML's: ligatures unfolded, no whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


PAGE_MARGINS = (20 / 25.4 * 72, 18 / 25.4 * 72)  # document.css's @page: top and bottom, in PDF points
UNIT_AFTER_NUMBER = re.compile(r"\d[ \t\r\n]+(?:%|pts\b)|\d\.\d[ \t\r\n]+days\b")  # a figure: a breakable space in it


def page_layout_problems(document: str, pdf: Path, typed: tuple[str, ...] = ()) -> list[str]:
    """What the PDF ``pdf`` of the HTML ``document`` does wrong, read from the PDF itself (so it
    holds whatever engine printed it): a chart drawn on two pages (each is one image, placed on
    one page unless cut), a table whose first and last rows are on no common page (unless it is
    a long one, ``amr-long``, allowed to break between rows), a page whose text ends with a
    heading (the page furniture — header, footer, status — comes first in both engines' text),
    a page other than the last whose content ends above half its height (what came next was
    pushed over), and a table cell whose number and unit (``%``, ``pts``, ``days``) a line may
    split (a breakable space between them; cells showing words from the data, ``typed``, are
    left as typed)."""
    from pypdf import PdfReader

    pages = PdfReader(pdf).pages
    read = [text_and_share_used(page) for page in pages]  # each page's content stream parsed once for both
    texts = [squashed(text) for text, _ in read]
    image_pages = [number for number, page in enumerate(pages) for _ in page.images]  # pypdf parses it again
    soup = BeautifulSoup(document, "html.parser")
    problems = []
    charts, placed = len(soup.find_all("img")), len(image_pages)
    if placed != charts:
        problems.append(f"{charts} charts, placed {placed} times: one is cut across pages")
    for table in soup.find_all("table"):
        rows = [squashed("".join(c.get_text("") for c in tr.find_all(["th", "td"])[:2])) for tr in table.find_all("tr")]
        rows = [r for r in rows if r]
        first, last = ({i for i, t in enumerate(texts) if row in t} for row in (rows[0], rows[-1]))
        long = table.find_parent(class_="amr-long") is not None
        if first and last and not first & last and not long:
            problems.append(f"table {rows[0][:40]!r} is cut: its first row on pages {first}, its last on {last}")
    # a chart holds no text: a page whose text ends with a heading is fine when the chart right
    # after the heading is on that page (the k-th image of the HTML is the k-th placed in the PDF)
    images = soup.find_all("img")
    for h in soup.find_all(["h1", "h2", "h3", "h4"]):
        heading = squashed(h.get_text("")).replace("¶", "")
        chart = chart_right_after(h, images)
        problems += [
            f"page {i + 1} ends with heading {heading!r}"
            for i, t in enumerate(texts)
            if t.endswith(heading) and (chart is None or chart >= len(image_pages) or image_pages[chart] != i)
        ]
    for number, (_, used) in enumerate(read[:-1], start=1):
        if used < 0.5:
            problems.append(f"page {number} is half blank: its content fills {used:.0%} of it")
    for cell in soup.find_all(["td", "th"]):
        text = cell.get_text(" ")
        for words in typed:
            text = text.replace(words, "")
        problems += [
            f"{m[0]!r} may be split over two lines in cell {cell.get_text(' ', strip=True)[:60]!r}"
            for m in UNIT_AFTER_NUMBER.finditer(text)
        ]
    return problems


def text_and_share_used(page) -> tuple[str, float]:
    """The text of ``page`` (pypdf's ``extract_text``) and the share of its content area (inside
    :data:`PAGE_MARGINS`) above its lowest text or image: 1.0 for a page filled to its foot, from
    one pass over its content stream. Positions from pypdf's text visitor; an image is the unit
    square its ``Do`` operator draws through the current matrix; text in the margins (header,
    footer) is the page's furniture, not content."""
    height = float(page.mediabox.height)
    top, bottom = height - PAGE_MARGINS[0], PAGE_MARGINS[1]
    lows: list[float] = []
    images = page["/Resources"].get("/XObject", {}) if "/Resources" in page else {}

    def text(t, cm, tm, _font, _size):
        if t.strip():
            lows.append(tm[4] * cm[1] + tm[5] * cm[3] + cm[5])

    def operator(op, args, cm, _tm):
        if op == b"Do" and args and args[0] in images and images[args[0]].get_object().get("/Subtype") == "/Image":
            lows.append(min(cm[5], cm[5] + cm[3]))

    extracted = page.extract_text(visitor_text=text, visitor_operand_before=operator)
    content = [y for y in lows if bottom - 2 < y < top]
    return extracted, (top - min(content)) / (top - bottom) if content else 0.0


def chart_right_after(heading, images) -> int | None:
    """The position in ``images`` of the image that follows ``heading`` with no text between
    them, or None."""
    own = {id(e) for e in heading.descendants}
    for element in heading.next_elements:
        if id(element) in own:
            continue
        if getattr(element, "name", None) == "img":
            return next(k for k, image in enumerate(images) if image is element)
        if isinstance(element, str) and element.strip() and element.parent.name not in ("style", "script"):
            return None
    return None


@pytest.mark.parametrize("document", ["review", "team"])
def test_the_runs_pdfs_are_printed_by_chromium_and_cut_no_table_or_chart_nor_leave_a_heading_alone(
    document, run, team_stem, review_html, team_html
):
    from pypdf import PdfReader

    chromium_required()
    stem, html = (AM_ID, review_html) if document == "review" else (team_stem, team_html)
    pdf = run.folder / f"{stem}.pdf"
    assert "Skia/PDF" in str(PdfReader(pdf).metadata.get("/Producer")), "not printed by Chromium"
    assert page_layout_problems(html, pdf) == []


def test_the_layout_check_sees_a_cut_table_a_lost_chart_a_heading_alone_a_half_blank_page_and_a_split_number(
    tmp_path,
):
    chromium_required()
    figure = plt.figure(
        figsize=(2, 2), layout="none"
    )  # an empty chart: no layout engine, whatever an earlier test left in rcParams
    chart = f"<img src='data:image/png;base64,{base64.b64encode(figure_png(figure)).decode('ascii')}'>"
    plt.close(figure)
    rows = "".join(f"<tr><td>row {i}</td><td>{i}</td></tr>" for i in range(120))  # longer than a page
    tall = chart.replace("<img ", "<img style='height: 60mm' ")
    page = (
        f"<html><body>{chart}<table>{rows}</table>"
        "<h2>Alone at the foot</h2><p style='height: 240mm; break-inside: avoid'>text</p>"
        f"<h2>With its chart</h2>{tall}<p style='height: 178mm; break-inside: avoid'>text</p>"
        f"<h2>Chart on the next page</h2>{tall}</body></html>"
    )
    page = page.replace("<td>0</td>", "<td>127.0 %</td>").replace("<td>1</td>", f"<td>{formats.pct(1.27)}</td>")
    page = page.replace("<td>2</td>", "<td>Lift the share to 30 %</td>")  # typed so: left as typed
    html_to_pdf(page, tmp_path / "x.pdf", engine="chromium")
    problems = page_layout_problems(page, tmp_path / "x.pdf", typed=("Lift the share to 30 %",))
    assert problems == [
        "table 'row0127.0%' is cut: its first row on pages {0}, its last on {3}",
        "page 4 ends with heading 'Aloneatthefoot'",
        "page 7 ends with heading 'Chartonthenextpage'",
        # the blocks pushed over (the text of a block is at its top: the page reads as empty below it)
        "page 4 is half blank: its content fills 31% of it",
        "page 5 is half blank: its content fills 1% of it",
        "page 6 is half blank: its content fills 32% of it",
        "'0 %' may be split over two lines in cell '127.0 %'",  # formats.pct's 127.0 % may not be
    ]
    long = page.replace("<table>", "<div class='amr-long'><table>").replace("</table>", "</table></div>")
    assert not [p for p in page_layout_problems(long, tmp_path / "x.pdf") if "is cut" in p]  # it may break
    problems = page_layout_problems(page.replace("<body>", f"<body>{chart}"), tmp_path / "x.pdf")
    assert problems[0] == "4 charts, placed 3 times: one is cut across pages"


def made_up_review(*outputs: str, words: int = 20) -> str:
    """A document as a run writes one (its stylesheet, amreview's print rules): a section's
    heading and about a third of a page of text, then ``outputs`` (HTML), each as one output."""
    text = " ".join(["The quarter's figures, explained in words a manager reads out in the meeting."] * words)
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell(f"## Accounts\n\n{text}"),
        nbformat.v4.new_code_cell(
            "",
            outputs=[
                nbformat.v4.new_output("display_data", data={"text/html": f"<style>{BASE_CSS}</style>{html}"})
                for html in outputs
            ],
        ),
    ]
    return notebook_to_html(notebook, "Made up")


def test_a_long_table_or_a_tall_chart_leaves_no_half_blank_page_before_it(tmp_path):
    """A table of 34 rows (two thirds of a page) or a chart drawn 9 inches tall after a third of
    a page of text: kept whole, either was pushed to the next page, leaving most of the first
    blank. A long table now breaks between rows (its header repeated) and a chart is at most
    half a page tall."""
    chromium_required()
    rows = 34  # with its header, 35 rows of one line: 35 × (6.5 + 8.5 × 1.4) = 644 pt, half a page is 367
    accounts = pd.DataFrame({"Account": [f"Account {i}" for i in range(rows)], "Gross margin": range(rows)})
    table = Table("accounts", "Accounts", accounts, formats={"Gross margin": "money"})
    figure = plt.figure(figsize=(8, 9), layout="none")
    png = base64.b64encode(figure_png(figure)).decode()
    chart = f"<figure class='amr-chart'><img src='data:image/png;base64,{png}' alt='Chart: tall' style='width: 768px'>"
    chart += "</figure>"
    plt.close(figure)
    for name, part in (("table", table_html(table)), ("chart", chart)):
        document = made_up_review(part)
        pdf = html_to_pdf(document, tmp_path / f"{name}.pdf", engine="chromium")
        assert [p for p in page_layout_problems(document, pdf) if "half blank" in p] == [], name
    from pypdf import PdfReader

    pages = [page.extract_text() for page in PdfReader(tmp_path / "table.pdf").pages]
    assert len(pages) == 2 and all("Gross margin" in page for page in pages)  # the header on both pages
    assert "Account 0" in pages[0] and f"Account {rows - 1}" in pages[1]


def test_a_table_may_break_across_pages_when_it_prints_taller_than_half_a_page():
    """By hand: a row is 6.5 pt and 11.9 pt a line (8.5 pt text on 1.4 lines); a page holds
    about 110 characters of table text a line, less 2 for each cell's padding, shared by the columns
    as a browser shares them (``printed_widths``)."""
    numbers = pd.DataFrame({"Account": [f"A{i}" for i in range(18)], "Margin": ["1,000"] * 18})
    assert printed_height(numbers) == pytest.approx(19 * 18.4)  # 349.6 pt: kept whole
    assert block_class(numbers) == "amr-block"
    assert block_class(pd.concat([numbers, numbers.head(1)])) == "amr-block amr-long"  # 368 pt
    words = "Two accounts from the prospect list placing a first order"  # 57 characters
    # 10 columns: 90 characters across; each column's longest word is 8 ("prospect"): 80, and the 10
    # left shared equally: 9 characters a line, 57 / 9 → 7 lines
    objectives = pd.DataFrame({f"Column {i}": [words] * 5 for i in range(10)})
    assert printed_height(objectives) == pytest.approx(6.5 + 11.9 + 5 * (6.5 + 7 * 11.9))  # 467 pt: 5 rows of 7 lines
    assert block_class(objectives, "amr-explain") == "amr-explain amr-long"
    # a column's share follows its longest text: one long column beside short ones still fits a line
    mixed = pd.DataFrame({"Account": ["A" * 80] * 3, "Stage": ["won"] * 3, "Value": ["7,000"] * 3})  # 90 across
    assert printed_height(mixed) == pytest.approx(4 * 18.4)
    # too wide for a line: each column first gets its longest word (never broken), the rest of the
    # 110 − 8 × 2 = 94 characters is shared by how much more each needs — the short columns of a
    # development plan squeeze its long ones: 6 columns of a 12-character word take 6 × 12 = 72, the
    # two long ones (60 characters, longest word 9) share 94 − 72 − 18 = 4 → 9 + 2 = 11 each: 6 lines
    plan = pd.DataFrame(
        {
            **{f"Short {i}": ["Decision-mak"] * 3 for i in range(6)},
            "Objective": ["Run two outbound calling campaigns to lapsed accounts nowwww"] * 3,
            "Evidence": ["Run two outbound calling campaigns to lapsed accounts nowwww"] * 3,
        }
    )
    assert printed_height(plan) == pytest.approx(18.4 + 3 * (6.5 + 6 * 11.9))


def _walk(box):
    yield box
    for child in getattr(box, "children", None) or []:
        yield from _walk(child)


@pytest.mark.parametrize("document", ["review", "team"])
def test_the_pdf_cuts_no_table_or_chart_and_leaves_no_heading_alone(document, review_html, team_html):
    from weasyprint.formatting_structure import boxes

    pages = render_pages(review_html if document == "review" else team_html, "header").pages
    usable = pages[0]._page_box.height  # the content height of a page
    fragments: dict[int, list] = {}
    for number, page in enumerate(pages):
        content = [b for b in page._page_box.children if not isinstance(b, boxes.MarginBox)]
        leaves = []
        for root in content:
            for box in _walk(root):
                if isinstance(box, (boxes.TableBox, boxes.ReplacedBox)):
                    fragments.setdefault(id(box.element), []).append((number, box.height))
                if isinstance(box, (boxes.TextBox, boxes.ReplacedBox)):
                    leaves.append(box)
        last = max(leaves, key=lambda b: b.position_y + b.height)
        assert last.element_tag not in {"h1", "h2", "h3", "h4"}, f"page {number + 1} ends with heading {last.text!r}"
    assert fragments, "no table or image found"
    for parts in fragments.values():
        on = {number for number, _ in parts}
        if len(on) > 1:  # only what is taller than half a page may be split (a long table, between rows)
            assert sum(height for _, height in parts) > usable * 0.5, parts


# --------------------------------------------------------------------------- no kernel


def test_the_run_command_passes_config_and_pdf_to_the_runner(runner_calls, tmp_path):
    from amreview.cli import main

    calls = runner_calls
    config = tmp_path / "mine.toml"
    main(
        [
            "run",
            "--data",
            "sample",
            "--period",
            PERIOD,
            "--out",
            str(tmp_path),
            "--config",
            str(config),
            "--pdf",
            "--am",
            "00123",
            "--quiet",
        ]
    )
    [(args, kwargs)] = calls
    assert args == ("sample", PERIOD, tmp_path)
    assert kwargs["config"] == config and kwargs["pdf"] is True and kwargs["am_ids"] == ["00123"]
    main(["run", "--data", "sample", "--period", PERIOD, "--out", str(tmp_path), "--quiet"])
    assert calls[1][1]["config"] is None and calls[1][1]["pdf"] is False


def test_the_summary_names_a_failed_team_overview_by_its_manager(tmp_path):
    from amreview.batch.jobs import ReviewResult
    from amreview.batch.runner import RunSummary
    from amreview.errors import ReviewExecutionError

    error = ReviewExecutionError("team-mia", "team_overview.ipynb", 3, "KeyError", "'x'")
    summary = RunSummary(
        "2026Q3",
        tmp_path,
        [ReviewResult("AM1", "ok", tmp_path / "AM1.html", None, None, 1.0)],
        tmp_path / "index.html",
        [ReviewResult("team-mia", "failed", None, None, error, 1.0)],
        {"team-mia": "Mia Major"},
    )
    assert [r.key for r in summary.failed] == ["team-mia"]
    assert summary.describe().splitlines() == [
        f"2026Q3: 1 of 1 reviews written to {tmp_path}",
        "0 of 1 team overviews written",
        f"index: {tmp_path / 'index.html'}",
        f"FAILED team overview of Mia Major: {error}",
    ]


def test_team_file_stems_are_slugs_that_never_collide():
    stems = team_file_stems(["Claire Whitfield", "Zoë d'Arcy", "ZOE D ARCY", "李雷", "Claire Whitfield"])
    assert re.fullmatch(r"team-claire-whitfield~[0-9a-f]{12}", stems["Claire Whitfield"])
    assert stems["Zoë d'Arcy"].startswith("team-zoe-d-arcy~") and stems["ZOE D ARCY"].startswith("team-zoe-d-arcy~")
    assert stems["Zoë d'Arcy"] != stems["ZOE D ARCY"]
    assert re.fullmatch(r"team-id~[0-9a-f]{12}", stems["李雷"])
    # a manager's file never depends on who else is in the run
    assert team_file_stems(["Zoë d'Arcy"])["Zoë d'Arcy"] == stems["Zoë d'Arcy"]


@pytest.mark.parametrize("engine", ["chromium", "weasyprint"])
def test_a_pdf_never_fetches_anything(tmp_path, engine):
    if engine == "chromium":
        chromium_required()
    page = "<html><body><p>hi</p><img src='https://example.com/logo.png'></body></html>"
    with pytest.raises(ValueError, match="refers to resources outside itself.*https://example.com/logo.png"):
        html_to_pdf(page, tmp_path / "x.pdf", engine=engine)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("engine", ["chromium", "weasyprint"])
def test_a_pdf_carries_its_title_and_author_and_chromiums_stays_tagged(tmp_path, engine):
    from pypdf import PdfReader

    if engine == "chromium":
        chromium_required()
    title = "Zoë O'Brien (AM1) — quarterly review 2026Q3"
    page = f"<html lang='en'><head><title>{title}</title></head><body><h1>Review</h1><p>text</p></body></html>"
    reader = PdfReader(html_to_pdf(page, tmp_path / "x.pdf", engine=engine), strict=True)
    assert reader.metadata["/Title"] == title and reader.metadata["/Author"] == "amreview"
    assert len(reader.pages) == 1 and "Review" in reader.pages[0].extract_text()
    if engine == "chromium":  # tagged as printed: the author is appended, nothing rewritten
        assert "/StructTreeRoot" in reader.trailer["/Root"]


def test_the_author_is_added_after_the_bytes_as_printed():
    from amreview.documents.chromium import print_pdf
    from amreview.documents.pdf import with_author

    chromium_required()
    printed = print_pdf("<html><head><title>T</title></head><body><p>x</p></body></html>")
    assert with_author(printed).startswith(printed)
    with pytest.raises(ValueError, match="no classic trailer"):
        with_author(printed[: printed.rindex(b"trailer")])


def test_the_pdf_engine_is_chosen_by_argument_or_environment(monkeypatch):
    from amreview.documents.pdf import pdf_engine
    from amreview.errors import ArgumentError

    monkeypatch.setenv("AMREVIEW_PDF_ENGINE", "weasyprint")
    assert pdf_engine() == "weasyprint"
    monkeypatch.setenv("AMREVIEW_PDF_ENGINE", "prince")
    with pytest.raises(ArgumentError, match=r"\$AMREVIEW_PDF_ENGINE.*chromium, weasyprint or auto, got 'prince'"):
        pdf_engine()
    monkeypatch.setenv("AMREVIEW_CHROMIUM", "/no/such/chromium")
    assert pdf_engine("auto") == "weasyprint"  # no Chromium: the fallback
    with pytest.raises(ArgumentError, match="no Chromium was found"):
        pdf_engine("chromium")


def test_the_running_header_is_escaped_css(tmp_path):
    hostile = "Zoë \"</style><script>alert(1)</script> \\ O'Brien"
    assert css_string("a b") == '"a b"'
    css = running_header_css(hostile)
    assert "</style>" not in css and "<script>" not in css and '"' not in css[css.index('"') + 1 : css.rindex('"')]
    path = html_to_pdf("<html><body><p>body</p></body></html>", tmp_path / "x.pdf", header=hostile)
    assert hostile in pdf_pages(path)[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.pdf"]
