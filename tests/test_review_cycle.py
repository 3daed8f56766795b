"""The review cycle end to end, through the ``amreview`` command (issue 14, "Done when"): write the
2026Q2 forms of two account managers of a copy of the sample pack, fill them as people would
(values typed into the unprotected cells only, with openpyxl; one form then opened and saved by
LibreOffice headless), collect them into a new pack, run the 2026Q2 reviews with PDFs and find
every rating, comment, agreed rating, signature and objective typed in the right place of the
HTML and in the PDF's text; then prepare their 2026Q3 reviews from the collected pack, as a run
does, and find the objectives agreed in the 2026Q2 review as 2026Q3's plan in the development
section each review's notebook displays. (A whole 2026Q3 run adds nothing these tests check: its
notebooks, export and PDFs are the 2026Q2 run's; preparing and opening the inputs is its path to
the plan.) The commands run in this process, by the command's entry point
(:func:`amreview.cli.main`): the same code as a person's ``amreview``, without a new interpreter
importing it all again each time; the run's two reviews too (``--jobs 1``), one after the other.

Assumptions, stated here because the sample changes under its own issues:

- The two people are Rebecca Shaw (AM006, Claire Whitfield's team) and Marcus Bennett (AM011,
  Gareth Lloyd's team), both in role in 2026Q2. (Megan Doyle, AM005, started in July 2026.)
- The sample carries 2026Q2 review input for them, typed by hand, and the 2026Q3 plan that review
  agreed. A form that differs from input already in the pack is a *conflict*, reported and not
  applied (docs/review-cycle.md). This test plays a quarter whose review has not happened yet:
  from the copied pack it strips their 2026Q2 competency ratings, review notes and review
  outcome, and their 2026Q3 objectives (the plan the 2026Q2 review agrees), before the forms are
  written. Everything else of the sample is left as it is.
- Rebecca's review is signed by both, with an agreed rating one band from the computed one and a
  reason; Marcus's is signed by his manager only (in review), with the computed rating agreed.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook

from amreview.batch.inputs import open_review
from amreview.batch.prepare import prepare_reviews
from amreview.cycle.read_form import record_of
from amreview.data.datapack import load_pack
from amreview.scoring.config import load_config
from tests.test_cli import amreview as command

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("review_cycle")]

REVIEWED, NEXT = "2026Q2", "2026Q3"
SIGNED, IN_REVIEW = "AM006", "AM011"  # Rebecca Shaw (signed), Marcus Bennett (in review)
PEOPLE = (SIGNED, IN_REVIEW)

# What the account managers type on their self-assessments (record keys without ``input.``).
SELF_TYPED = {
    SIGNED: {
        "competency.1.rating": 4,
        "competency.1.comment": "Rebecca self: I built rapport with two new IT directors.",
        "competency.2.rating": 3,
        "competency.2.comment": "Rebecca self: pre-sales joined every large bid.",
        "competency.3.rating": 4,
        "competency.3.comment": "Rebecca self: weekly account notes to the team.",
        "competency.4.rating": 3,
        "competency.4.comment": "Rebecca self: solved the licensing mix-up for one customer.",
        "competency.5.rating": 5,
        "competency.5.comment": "Rebecca self: persuaded a trust to standardise on one vendor.",
        "measure.margin_kpi_targets.comment": "=B2-C2 is how I tracked margin every week.",
        "measure.customer_relationships.comment": "I ran <b>quarterly</b> reviews with every key account.",
        "measure.overall.comment": "Rebecca self: my strongest quarter since joining.",
        "proposal.1": "Pass the Fortinet NSE 4 exam.",
        "proposal.2": "Open accounts with three NHS trusts.",
    },
    IN_REVIEW: {
        "competency.1.rating": 3,
        "competency.1.comment": "Marcus self: kept every customer call friendly.",
        "competency.2.rating": 4,
        "measure.new_business.comment": "Marcus self: two new logos from the prospect list.",
        "proposal.1": "Complete the Lenovo server accreditation.",
    },
}

# What the sales managers type on the managers' reviews (the agreed rating of SIGNED is set in
# the fixture: one band from the computed rating, which the form shows).
MANAGER_TYPED = {
    SIGNED: {
        "competency.1.rating": 4,
        "competency.1.comment": "Claire: senior contacts now know Rebecca by name.",
        "competency.2.rating": 4,
        "competency.2.comment": "Claire: generous with pre-sales time.",
        "competency.3.rating": 3,
        "competency.3.comment": "Claire: written updates could be shorter.",
        "competency.4.rating": 3,
        "competency.4.comment": "Claire: needs to escalate sooner.",
        "competency.5.rating": 4,
        "competency.5.comment": "Claire: won the standardisation argument.",
        "measure.margin_kpi_targets.comment": "Claire: margin held despite the price war.",
        "measure.crm_utilisation.comment": "Claire: log calls within a day.",
        "measure.report_timeliness.comment": "Claire: the weekly report was never late.",
        "measure.overall.comment": "Claire: a strong second quarter.",
        "objective.n1.objective": "Brief the team on Copilot",
        "objective.n1.competency": "Communications",
        "objective.n1.due_date": dt.datetime(2026, 9, 30),
        "objective.n1.success_measure": "Briefing held",
        "objective.n2.objective": "Win two NHS frameworks",
        "objective.n2.competency": "Decision Making & Influencing",
        "objective.n2.due_date": dt.datetime(2026, 9, 30),
        "objective.n2.success_measure": "Two awards",
        "outcome.change_reason": "Claire: the NHS tender was won in the last week of June.",
        "outcome.manager_signed_by": "Claire Whitfield",
        "outcome.manager_signed_on": dt.datetime(2026, 7, 8),
        "outcome.am_signed_on": dt.datetime(2026, 7, 9),
        "outcome.am_comment": "I agree with the review <b>and</b> the plan.",
    },
    IN_REVIEW: {
        **{f"competency.{n}.rating": r for n, r in zip(range(1, 6), (3, 3, 4, 4, 2), strict=True)},
        "competency.5.comment": "Gareth: decisions wait too long for approval.",
        "measure.report_timeliness.comment": "Gareth: two weekly reports were late.",
        "measure.overall.comment": "Gareth: a steady quarter.",
        "objective.n1.objective": "Shadow a senior AM on two renewals",
        "objective.n1.competency": "Working with Others",
        "objective.n1.due_date": dt.datetime(2026, 8, 28),
        "objective.n1.success_measure": "Two renewals shadowed",
        "outcome.manager_signed_by": "Gareth Lloyd",
        "outcome.manager_signed_on": dt.datetime(2026, 7, 10),
    },
}

# Which section of the review each measure's comment belongs in (docs/review-cycle.md); the
# overall comment is the summary's.
SECTION_OF = {
    "margin_kpi_targets": "margin",
    "report_timeliness": "reporting",
    "customer_relationships": "relationships",
    "new_business": "new_business",
    "crm_utilisation": "crm",
    "overall": "summary",
}


# --------------------------------------------------------------------------------------------
# The cycle, run once for the module
# --------------------------------------------------------------------------------------------


def amreview(*args: str) -> str:
    """``amreview ARGS`` as a person runs it, by its entry point; exit 0 required; its standard output."""
    done = command(*args)
    assert done.returncode == 0, f"amreview {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def strip_review(pack: Path, people: tuple[str, ...]) -> None:
    """Take the 2026Q2 review input of ``people`` out of the folder pack, and the 2026Q3 plan it
    agreed: a quarter whose review has not happened yet. Rows are kept as the text they are."""
    for table, period in (
        ("competency_ratings", REVIEWED),
        ("review_notes", REVIEWED),
        ("review_outcomes", REVIEWED),
        ("development_objectives", NEXT),
    ):
        path = pack / f"{table}.csv"
        if not path.exists():
            continue
        rows = pd.read_csv(path, dtype=str, keep_default_na=False)
        keep = ~(rows["am_id"].isin(people) & (rows["period"] == period))
        rows[keep].to_csv(path, index=False)


def record(path: Path) -> dict[str, tuple[str, str, object]]:
    """key → (sheet, cell, value written) of a form's record."""
    return {e.key: (e.sheet, e.cell, e.value) for e in record_of(load_workbook(path), path)[1]}


def fill(path: Path, out: Path, values: dict[str, object]) -> Path:
    """The form with ``values`` typed into its input cells, as a person does: each cell typed is
    one the sheet leaves unlocked. Saved under its own name in ``out``."""
    book, cells = load_workbook(path), record(path)
    for key, value in values.items():
        sheet, cell, _ = cells[f"input.{key}"]
        assert not book[sheet][cell].protection.locked, f"{path.name}: {key} at {sheet}!{cell} is protected"
        book[sheet][cell] = value
    out.mkdir(parents=True, exist_ok=True)
    book.save(out / path.name)
    return out / path.name


def one_band_from(rating: str) -> str:
    """A rating label next to ``rating`` in the config's order (above where there is one)."""
    labels = [band.label for band in load_config().ratings]
    at = labels.index(rating)
    return labels[at - 1] if at > 0 else labels[at + 1]


# Session-wide: the whole cycle (forms, typing, LibreOffice, collect, a run with PDFs, the next
# quarter's inputs) takes about a minute; a module fixture is set up again when a worker returns
# to this module.
@pytest.fixture(scope="session")
def cycle(tmp_path_factory, libreoffice) -> dict:
    """forms → fill → collect → run 2026Q2 (PDF), each by the command → 2026Q3's review inputs,
    prepared from the collected pack and opened as each review's notebook opens its own."""
    root = tmp_path_factory.mktemp("review-cycle")
    pack, pack2, reports = root / "pack", root / "pack2", root / "reports"
    amreview("sample", "--out", str(pack))
    strip_review(pack, PEOPLE)
    selection = [arg for am in PEOPLE for arg in ("--am", am)]
    said = amreview("forms", "--data", str(pack), "--period", REVIEWED, "--out", str(reports), *selection)
    folder = reports / REVIEWED / "forms"
    forms = {
        (am, kind): next(folder.glob(f"{am}-*-{kind}.xlsx"))
        for am in PEOPLE
        for kind in ("self_assessment", "manager_review")
    }
    assert all(str(path) in said for path in forms.values())

    computed = {am: record(forms[(am, "manager_review")])["input.outcome.agreed_rating"][2] for am in PEOPLE}
    manager_typed = {am: dict(values) for am, values in MANAGER_TYPED.items()}
    manager_typed[SIGNED]["outcome.agreed_rating"] = one_band_from(str(computed[SIGNED]))
    carried = {  # the objectives a manager's review shows as carrying over: c1, c2, …
        am: sorted(
            k.removeprefix("input.").removesuffix(".weight")
            for k in record(forms[(am, "manager_review")])
            if re.fullmatch(r"input\.objective\.c\d+\.weight", k)
        )
        for am in PEOPLE
    }
    weights = {f"{c}.weight": 20 for c in carried[SIGNED]}  # each carried objective: 20 %; Marcus's: none given
    rest = 100 - 20 * len(weights)
    manager_typed[SIGNED] |= weights | {"objective.n1.weight": rest // 2, "objective.n2.weight": rest - rest // 2}

    returned, typing = root / "returned", root / "typing"
    for am in PEOPLE:
        fill(forms[(am, "self_assessment")], returned, SELF_TYPED[am])
    fill(forms[(SIGNED, "manager_review")], returned, manager_typed[SIGNED])
    # Marcus's manager fills his form, then opens and saves it in LibreOffice Calc.
    libreoffice(fill(forms[(IN_REVIEW, "manager_review")], typing, manager_typed[IN_REVIEW]), returned)
    assert sorted(p.name for p in returned.iterdir()) == sorted(p.name for p in forms.values())

    summary = amreview(
        "collect", "--data", str(pack), "--period", REVIEWED, "--forms", str(returned), "--out", str(pack2)
    )
    run = ("run", "--data", str(pack2), "--period", REVIEWED, "--out", str(reports), *selection)
    # The reviews are checked, not their teams'. One job at a time, in this process: what is checked
    # is what the documents show, not the worker pool, which would start an interpreter, a kernel
    # template and a browser per worker for two reviews.
    amreview(*run, "--pdf", "--no-team-overviews", "--jobs", "1", "--quiet")
    inputs = prepare_reviews(load_pack(pack2), NEXT, load_config(), root / "inputs", PEOPLE)
    plan = {am: open_review(str(inputs.reviews[am]), am, NEXT).development()._repr_html_() for am in PEOPLE}
    return {
        "pack2": pack2,
        "reports": reports,
        "summary": summary,
        "computed": computed,
        "manager_typed": manager_typed,
        "carried": carried,
        "forms": forms,
        "next_development": plan,
    }


def document(cycle, period: str, am_id: str) -> BeautifulSoup:
    return parsed(cycle["reports"] / period / f"{am_id}.html")


@functools.cache
def parsed(path: Path) -> BeautifulSoup:
    """A review's HTML, parsed once for every test that reads it (none changes it)."""
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def visible(chunks: list) -> str:
    """The text a reader sees of ``chunks`` (no style sheets, no scripts)."""
    page = BeautifulSoup("".join(str(chunk) for chunk in chunks), "html.parser")
    for hidden in page.find_all(["style", "script"]):
        hidden.decompose()
    return page.get_text(" ")


def sections(page: BeautifulSoup, key: str) -> list:
    found = page.find_all("div", attrs={"class": "amr-section", "data-section": key})
    assert found, f"no section {key}"
    return found


def comments_in(page: BeautifulSoup, key: str) -> list[tuple[str, str]]:
    """(role, text) of each comment shown in section ``key``."""
    return [
        (comment["data-role"], comment.find("p", class_="amr-comment-text").get_text())
        for chunk in sections(page, key)
        for comment in chunk.find_all("div", class_="amr-comment")
    ]


def table_rows(page: BeautifulSoup, section: str, *columns: str, exact: bool = False) -> list[dict[str, str]]:
    """The rows of the one table of ``section`` whose header has ``columns`` (with ``exact``, is
    ``columns``), cells as shown."""
    found = []
    for chunk in sections(page, section):
        for table in chunk.find_all("table"):
            header = [th.get_text(" ", strip=True) for th in table.find("thead").find_all("th")]
            if header == list(columns) if exact else set(columns) <= set(header):
                found.append(
                    [
                        dict(
                            zip(
                                header, (td.get_text(" ", strip=True) for td in tr.find_all(["td", "th"])), strict=False
                            )
                        )
                        for tr in table.find("tbody").find_all("tr")
                    ]
                )
    assert len(found) == 1, f"{len(found)} tables in {section} with {columns}"
    return found[0]


def pdf_text(path: Path) -> str:
    """A PDF's text by pdftotext (poppler-utils), whitespace collapsed."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return re.sub(r"\s+", " ", done.stdout)


def words_typed(am_id: str, typed: dict[str, object]) -> list[str]:
    """Every text typed on a form of ``am_id`` that the review shows as words: comments,
    proposals, new objectives and their measures, the reason for a change (not the names of
    competencies and people, which the review shows in many places)."""
    shown = ("comment", "proposal", "objective.n", "change_reason")
    return [
        str(value)
        for key, value in typed.items()
        if isinstance(value, str) and any(part in key for part in shown) and not key.endswith(".competency")
    ]


def competency_names(cycle) -> list[str]:
    """The competencies in the forms' order (row n of the form is competency n)."""
    sheet, cell, _ = record(cycle["forms"][(SIGNED, "manager_review")])["input.competency.1.rating"]
    book = load_workbook(cycle["forms"][(SIGNED, "manager_review")])
    row = book[sheet][cell].row
    return [str(book[sheet].cell(row=row + i, column=1).value) for i in range(5)]


# --------------------------------------------------------------------------------------------
# Collected
# --------------------------------------------------------------------------------------------


def test_collect_takes_every_returned_form_and_says_so(cycle):
    summary = cycle["summary"]
    assert re.search(rf"^{REVIEWED}: 4 forms in \S+/returned: 4 collected$", summary, flags=re.M)
    for path in cycle["forms"].values():
        assert re.search(rf"collected: .* from {re.escape(path.name)}: \d+ rows added", summary), path.name
    ratings = sum(
        k.endswith(".rating") for typed in (*SELF_TYPED.values(), *cycle["manager_typed"].values()) for k in typed
    )
    assert f"competency_ratings {ratings}," in summary and "review_outcomes 2" in summary
    assert "conflict" not in summary and "error" not in summary  # the quarter's review had not happened


def test_a_formula_like_comment_is_text_in_the_packs_csv(cycle):
    notes = (cycle["pack2"] / "review_notes.csv").read_text(encoding="utf-8")
    typed = SELF_TYPED[SIGNED]["measure.margin_kpi_targets.comment"]
    assert f"'{typed}" in notes  # the export rule's apostrophe: a spreadsheet shows it as text
    rows = pd.read_csv(cycle["pack2"] / "review_notes.csv", dtype=str, keep_default_na=False)
    mine = rows[(rows["am_id"] == SIGNED) & (rows["period"] == REVIEWED)]
    assert set(mine["author_role"]) == {"self", "manager"}
    assert (mine["source_sha256"].str.fullmatch(r"[0-9a-f]{64}")).all()


# --------------------------------------------------------------------------------------------
# The 2026Q2 reviews: every word, rating, signature and objective where it belongs
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("am_id", "status"), [(SIGNED, "Status: Signed"), (IN_REVIEW, "Status: In review")])
def test_the_header_shows_the_status(cycle, am_id, status):
    header = document(cycle, REVIEWED, am_id).find("div", class_="amr-header")
    assert header.find("p", class_="amr-status").get_text().startswith(status)


@pytest.mark.parametrize("am_id", PEOPLE)
def test_each_measure_comment_is_in_its_section_with_who_wrote_it(cycle, am_id):
    page = document(cycle, REVIEWED, am_id)
    for role, typed in (("self", SELF_TYPED[am_id]), ("manager", cycle["manager_typed"][am_id])):
        for key, text in typed.items():
            found = re.fullmatch(r"measure\.(\w+)\.comment", key)
            if found:
                assert (role, text) in comments_in(page, SECTION_OF[found[1]]), (role, key)


@pytest.mark.parametrize("am_id", PEOPLE)
def test_every_competency_rating_and_comment_is_in_the_competencies(cycle, am_id):
    page = document(cycle, REVIEWED, am_id)
    names = competency_names(cycle)
    ratings = {row["Competency"]: row for row in table_rows(page, "competencies", "Self − manager")}
    comments = {
        row["Competency"]: row for row in table_rows(page, "competencies", "Competency", "Self", "Manager", exact=True)
    }
    for column, typed in (("Self", SELF_TYPED[am_id]), ("Manager", cycle["manager_typed"][am_id])):
        for n, name in enumerate(names, start=1):
            rating = typed.get(f"competency.{n}.rating")
            shown = ratings[name][column]
            assert shown == ("not rated" if rating is None else f"{rating:.1f}"), (column, name, shown)
            comment = typed.get(f"competency.{n}.comment")
            if comment:
                assert comments[name][column] == comment


def test_the_agreed_rating_is_beside_the_computed_one_with_its_reason(cycle):
    page = document(cycle, REVIEWED, SIGNED)
    agreed = cycle["manager_typed"][SIGNED]["outcome.agreed_rating"]
    rating = table_rows(page, "comments", "Agreed at the review")[0]
    assert rating["Computed from the figures"] == cycle["computed"][SIGNED]
    assert rating["Agreed at the review"] == agreed
    assert rating["Change"] in ("one band above", "one band below")
    assert ("manager", cycle["manager_typed"][SIGNED]["outcome.change_reason"]) in comments_in(page, "comments")
    assert ("self", cycle["manager_typed"][SIGNED]["outcome.am_comment"]) in comments_in(page, "comments")
    assert f"Rating agreed at the review: {agreed}" in visible(sections(page, "summary"))


def test_the_sign_off_page_has_both_signatures_and_dates_or_only_the_managers(cycle):
    signed = re.sub(r"\s+", " ", document(cycle, REVIEWED, SIGNED).find("div", class_="amr-signoff").get_text(" "))
    assert signed == (
        "Account manager Name: Rebecca Shaw Date: 09 Jul 2026 Signature: signed "
        "Manager / department head Name: Claire Whitfield Date: 08 Jul 2026 Signature: signed"
    )
    half = re.sub(r"\s+", " ", document(cycle, REVIEWED, IN_REVIEW).find("div", class_="amr-signoff").get_text(" "))
    assert "Name: Gareth Lloyd Date: 10 Jul 2026 Signature: signed" in half
    assert half.count("Signature: signed") == 1


@pytest.mark.parametrize("am_id", PEOPLE)
def test_the_objectives_agreed_are_next_quarters_plan_in_the_development_section(cycle, am_id):
    page = document(cycle, REVIEWED, am_id)
    typed = cycle["manager_typed"][am_id]
    agreed_columns = ("Objective", "Competency", "Weight", "Due", "Success measure", "Carried over")
    agreed = {row["Objective"]: row for row in table_rows(page, "development", *agreed_columns, exact=True)}
    new = [k.removesuffix(".objective") for k in typed if re.fullmatch(r"objective\.n\d+\.objective", k)]
    for n in new:
        row = agreed[typed[f"{n}.objective"]]
        assert row["Success measure"] == typed[f"{n}.success_measure"]
        # the weight as the share of the plan, as next quarter's plan table shows it: typed as
        # percent of a plan whose weights add up to 100; none typed: each objective counts the same
        share = typed[f"{n}.weight"] if f"{n}.weight" in typed else 100 / (len(new) + len(cycle["carried"][am_id]))
        assert row["Weight"] == f"{share:.0f}\u00a0%"
        assert typed[f"{n}.competency"] in row.values()
    carried = cycle["carried"][am_id]
    assert len(agreed) == len(new) + len(carried)
    proposals = [("self", v) for k, v in SELF_TYPED[am_id].items() if k.startswith("proposal.")]
    assert [c for c in comments_in(page, "development") if c[0] == "self"] == proposals
    assert f"Agreed in this review: the plan for {NEXT}" in visible(sections(page, "development"))


@pytest.mark.parametrize("am_id", PEOPLE)
def test_every_word_typed_appears_once_in_the_html_as_typed_and_escaped(cycle, am_id):
    raw = (cycle["reports"] / REVIEWED / f"{am_id}.html").read_text(encoding="utf-8")
    text = html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<(style|script).*?</\1>", " ", raw, flags=re.S)))
    for words in words_typed(am_id, SELF_TYPED[am_id]) + words_typed(am_id, cycle["manager_typed"][am_id]):
        assert text.count(words) == 1, words
    assert "<b>quarterly</b>" not in raw and "<b>and</b>" not in raw
    if am_id == SIGNED:
        assert "&lt;b&gt;quarterly&lt;/b&gt;" in raw and "&lt;b&gt;and&lt;/b&gt;" in raw
        assert "=B2-C2 is how" in text and "'=B2-C2" not in text  # the comment as typed


@pytest.mark.parametrize("am_id", PEOPLE)
def test_every_word_rating_and_signature_is_in_the_pdf(cycle, am_id):
    text = pdf_text(cycle["reports"] / REVIEWED / f"{am_id}.pdf")
    typed = cycle["manager_typed"][am_id]
    for words in words_typed(am_id, SELF_TYPED[am_id]) + words_typed(am_id, typed):
        assert re.sub(r"\s+", " ", words) in text, words
    if am_id == SIGNED:
        # the sign-off boxes stand side by side: pdftotext reads their lines across
        assert "Name: Rebecca Shaw Name: Claire Whitfield Date: 09 Jul 2026 Date: 08 Jul 2026" in text
        assert text.count("Signature: signed") == 2
        assert f"Rating agreed at the review: {typed['outcome.agreed_rating']}" in text
        assert "DRAFT" not in text
    else:
        assert "Name: Marcus Bennett Name: Gareth Lloyd" in text and "Date: 10 Jul 2026" in text
        assert text.count("Signature: signed") == 1 and "In review — not signed" in text


# --------------------------------------------------------------------------------------------
# The next quarter: the objectives agreed in the 2026Q2 review are 2026Q3's plan
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("am_id", PEOPLE)
def test_next_quarter_shows_the_objectives_agreed_in_the_previous_review_as_its_plan(cycle, am_id):
    page = BeautifulSoup(cycle["next_development"][am_id], "html.parser")
    typed = cycle["manager_typed"][am_id]
    plan = {row["Objective"]: row for row in table_rows(page, "development", "Agreed in")}
    for key in (k for k in typed if re.fullmatch(r"objective\.n\d+\.objective", k)):
        assert plan[typed[key]]["Agreed in"] == f"the {REVIEWED} review", typed[key]
    assert all(row["Agreed in"] == f"the {REVIEWED} review" for row in plan.values())
    assert f"agreed in the {REVIEWED} review" in visible(sections(page, "development"))
