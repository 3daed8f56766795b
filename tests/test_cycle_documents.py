"""The review as a cycle in the documents (issue 14, items 3–5): status on every document, people's
words where they belong, the agreed rating beside the computed one, next quarter's plan, and
calibration in the team overview and on the organisation's page.

The pack is the hand-made one of ``conftest.py`` with the rows ``amreview collect`` adds (the
column conventions of issue 14: provenance columns, ``author_role``, ``agreed_in``,
``success_measure``): Ada Lovelace (AM1) is signed, Brian Kernighan (AM2) in review, Cleo
Starter (AM3) a draft. Documents are parsed with BeautifulSoup, as in ``test_documents.py``.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from amreview.batch import manifest as record
from amreview.batch.index import INDEX_COLUMNS, index_rows, write_index
from amreview.batch.input_files import CALIBRATION_COLUMNS
from amreview.batch.input_reading import read_calibration_input, read_team_input
from amreview.batch.jobs import ReviewResult
from amreview.batch.prepare import prepare_reviews
from amreview.batch.runner import run_quarterly_reviews
from amreview.data.datapack import load_pack, validate_tables, write_pack
from amreview.documents import render, team_render
from amreview.documents.calibration import OrganisationCalibration
from amreview.documents.model import SECTIONS
from amreview.documents.review import Review, previous_scorecard
from amreview.documents.team_overview import TeamOverview
from amreview.formats import score_text
from amreview.periods import Quarter
from amreview.scoring.calibration import calibration_table
from amreview.scoring.config import load_config
from amreview.scoring.outcomes import pack_review_status
from amreview.scoring.scorecard import build_scorecard
from amreview.vocabulary import NOTE_SECTIONS
from tests.conftest import hand_tables, without_minimum_bases
from tests.test_privacy import chart_text

PERIOD = "2026Q3"
# Ada Lovelace (AM1) is rated in these reviews: the hand pack is below the default minimum bases
# (her retention rests on one account), which these tests are not about.
HAND_CONFIG = without_minimum_bases()
COLLECTED = "2026-10-06T09:00:00+00:00"

# Every comment a person typed on a form, by where it belongs.
WORDS = {
    "margin_self": "<script>alert('ada')</script> Margin held on the Cisco deals.",
    "margin_manager": "=SUM(A1:A9) is what the CFO asked for, and Ada delivered it.",
    "summary_manager": "A strong quarter,\nwith two new accounts.",
    "crm_manager": "Log every call within two days.",
    "sign_off": "+1 from me: I agree with the review and the plan.",
    "proposed": "-Learn the HPE server range by December.",
    "overall": "@Ada: thank you for mentoring Cleo.",
    "reason": "Won the Cisco tender, which the figures only show next quarter.",
    "self_competency": "I ran the account planning workshop.",
    "manager_competency": "Clear and timely updates to the team.",
    "new_objective": "Grow the three largest key accounts.",
    "new_measure": "Three accounts up 10 % on 2026Q3.",
    "long": "Forecasts were late twice; " + " ".join(f"week {i}: submitted on the Monday." for i in range(1, 400)),
}


def provenance(file: str, cells: str) -> dict:
    return {
        "source_file": file,
        "source_sheet": "Review",
        "source_cells": cells,
        "source_sha256": "ab" * 32,
        "collected_at": COLLECTED,
    }


def cycle_tables() -> dict[str, pd.DataFrame]:
    """The hand-made pack with people's input: AM1 signed, AM2 in review, AM3 a draft."""
    tables = hand_tables()
    ada_self, ada_manager = "Ada Lovelace - self-assessment.xlsx", "Ada Lovelace - manager's review.xlsx"
    notes = [
        ("AM1", "margin", "Ada Lovelace", WORDS["margin_self"], "self", ada_self, "C12"),
        ("AM1", "margin", "Grace Hopper", WORDS["margin_manager"], "manager", ada_manager, "C20"),
        ("AM1", "summary", "Grace Hopper", WORDS["summary_manager"], "manager", ada_manager, "C19"),
        ("AM1", "sign_off", "Ada Lovelace", WORDS["sign_off"], "self", ada_manager, "C60"),
        ("AM1", "proposed_objectives", "Ada Lovelace", WORDS["proposed"], "self", ada_self, "B40"),
        ("AM1", "overall", "Grace Hopper", WORDS["overall"], "manager", ada_manager, "C30"),
        ("AM1", "reporting", "Grace Hopper", WORDS["long"], "manager", ada_manager, "C26"),
        (
            "AM2",
            "crm",
            "Grace Hopper",
            WORDS["crm_manager"],
            "manager",
            "Brian Kernighan - manager's review.xlsx",
            "C24",
        ),
    ]
    tables["review_notes"] = pd.DataFrame(
        [
            {
                "am_id": a,
                "period": PERIOD,
                "section": s,
                "author": who,
                "text": text,
                "author_role": role,
                **provenance(f, cells),
            }
            for a, s, who, text, role, f, cells in notes
        ]
    )
    tables["competency_ratings"] = pd.DataFrame(
        [
            {
                "am_id": "AM1",
                "period": PERIOD,
                "competency": "Communications",
                "rater": "self",
                "rating": 4,
                "comment": WORDS["self_competency"],
                **provenance(ada_self, "D8"),
            },
            {
                "am_id": "AM1",
                "period": PERIOD,
                "competency": "Communications",
                "rater": "manager",
                "rating": 3,
                "comment": WORDS["manager_competency"],
                **provenance(ada_manager, "D8"),
            },
        ]
    )
    tables["review_outcomes"] = pd.DataFrame(
        [
            {
                "am_id": "AM1",
                "period": PERIOD,
                "agreed_rating": "Exceeds",
                "computed_rating": "Meets",
                "change_reason": WORDS["reason"],
                "manager_signed_by": "Grace Hopper",
                "manager_signed_on": "2026-10-02",
                "am_signed_on": "2026-10-03",
                "source": f"form {ada_manager}",
                **provenance(ada_manager, "C50:C56"),
            }
        ]
    )
    objective = {"am_id": "AM1", "competency": "Problem Solving", "weight": None, "evidence": None}
    tables["development_objectives"] = pd.DataFrame(
        [
            # the 2026Q3 plan, agreed at the 2026Q2 review
            {
                **objective,
                "objective_id": "O1",
                "period": PERIOD,
                "objective": "Complete the Cisco sales certification",
                "due_date": "2026-09-30",
                "status": "in_progress",
                "progress": 0.5,
                "agreed_in": "2026Q2",
                "success_measure": "Certificate passed",
            },
            # the 2026Q4 plan, agreed at this review: O1 carries over, O3 is new (progress made since)
            {
                **objective,
                "objective_id": "O1",
                "period": "2026Q4",
                "objective": "Complete the Cisco sales certification",
                "due_date": "2026-12-15",
                "status": "not_started",
                "progress": None,
                "agreed_in": PERIOD,
                "success_measure": "Certificate passed",
                **provenance(ada_manager, "B45:F45"),
            },
            {
                **objective,
                "objective_id": "O3",
                "period": "2026Q4",
                "objective": WORDS["new_objective"],
                "due_date": "2026-12-31",
                "status": "in_progress",
                "progress": 0.4,
                "agreed_in": PERIOD,
                "success_measure": WORDS["new_measure"],
                **provenance(ada_manager, "B46:F46"),
            },
        ]
    )
    return tables


@pytest.fixture(scope="module")
def pack():
    return validate_tables(cycle_tables(), source="cycle")


@pytest.fixture(scope="module")
def reviews(pack, card):
    """Each person's review as :meth:`Review.build` makes it, its two scorecards built once for all three."""
    previous = previous_scorecard(pack, card.quarter, HAND_CONFIG, card.kpis)
    return {am: Review(pack, am, card, previous) for am in ("AM1", "AM2", "AM3")}


@pytest.fixture(scope="module")
def documents(reviews) -> dict[str, str]:
    """Each review's HTML, charts as the text they draw (a PNG holds no words to find)."""
    original = render.chart_html
    render.chart_html = chart_text
    try:
        return {am: render.review_html(review) for am, review in reviews.items()}
    finally:
        render.chart_html = original


def soup(document: str) -> BeautifulSoup:
    return BeautifulSoup(document, "html.parser")


def section_text(document: str, key: str) -> str:
    """The text of section ``key`` (all its chunks), as a reader sees it."""
    chunks = soup(document).find_all("div", attrs={"class": "amr-section", "data-section": key})
    assert chunks, f"no section {key}"
    for chunk in chunks:
        for style in chunk.find_all("style"):
            style.decompose()
    return " ".join(chunk.get_text(" ") for chunk in chunks)


def comments_in(document: str, key: str) -> list[tuple[str, str]]:
    """(role, text) of each comment in section ``key``."""
    found = []
    for chunk in soup(document).find_all("div", attrs={"class": "amr-section", "data-section": key}):
        for comment in chunk.find_all("div", class_="amr-comment"):
            found.append((comment["data-role"], comment.find("p", class_="amr-comment-text").get_text()))
    return found


# --------------------------------------------------------------------------------------------
# Status
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("am_id", "line"),
    [
        (
            "AM1",
            "Status: Signed — by the manager (Grace Hopper) on 02 Oct 2026 and by the account manager on 03 Oct 2026.",
        ),
        ("AM2", "Status: In review — input collected; not yet signed by both the manager and the account manager."),
        ("AM3", "Status: Draft — figures only: no one's input has been collected for this review yet."),
    ],
)
def test_the_header_shows_the_status(documents, am_id, line):
    header = soup(documents[am_id]).find("div", class_="amr-header")
    assert header.find("p", class_="amr-status").get_text() == line


@pytest.mark.e2e
def test_a_draft_is_marked_draft_on_every_printed_page_and_a_signed_review_is_not(run):
    for am_id, mark, absent in (
        ("AM3", "DRAFT — figures only, not reviewed", r"Signed \d|In review —"),
        ("AM1", "Signed 03 Oct 2026", r"DRAFT|In review —"),
        ("AM2", "In review — not signed", r"DRAFT|Signed \d"),
    ):
        pages = pdf_pages(run.out / f"{am_id}.pdf")  # the run's: html_to_pdf of each review's document
        assert len(pages) >= 2
        for number, text in enumerate(pages, start=1):
            assert mark in text, f"{am_id}, page {number}"
            assert not re.search(absent, text), f"{am_id}, page {number}"
        if am_id == "AM3":
            assert all(re.search(r"\bDRAFT\b.*\bDRAFT\b", text) for text in pages)  # top and foot of each page


def pdf_pages(path: Path) -> list[str]:
    """The text of each page, by pdftotext (poppler-utils), whitespace collapsed."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return [re.sub(r"\s+", " ", page) for page in done.stdout.split("\f") if page.strip()]


def test_the_status_text_on_the_page_is_css_escaped():
    assert "DRAFT" in render.status_page_css(pack_outcome("draft"))
    css = render.status_page_css(pack_outcome("signed"))
    assert "@bottom-left" in css and "</style>" not in css


def pack_outcome(status: str):
    from amreview.scoring.outcomes import ReviewOutcome

    return ReviewOutcome(
        status=status,
        manager_signed_on=pd.Timestamp("2026-10-02"),
        am_signed_on=pd.Timestamp("2026-10-03") if status == "signed" else None,
    )


# --------------------------------------------------------------------------------------------
# People's words, each once, where it belongs
# --------------------------------------------------------------------------------------------


def test_each_comment_is_in_its_section_with_who_wrote_it(documents):
    ada = documents["AM1"]
    assert comments_in(ada, "margin") == [("self", WORDS["margin_self"]), ("manager", WORDS["margin_manager"])]
    assert comments_in(ada, "summary") == [("manager", WORDS["summary_manager"])]
    assert comments_in(ada, "development") == [("self", WORDS["proposed"])]
    assert comments_in(ada, "comments") == [
        ("manager", WORDS["overall"]),
        ("manager", WORDS["reason"]),
        ("self", WORDS["sign_off"]),
    ]
    assert comments_in(ada, "reporting") == [("manager", WORDS["long"])]  # over 10,000 characters, none cut
    who = [
        p.get_text()
        for p in soup(ada).find("div", attrs={"data-comments": "comments"}).find_all("p", class_="amr-comment-who")
    ]
    assert who == ["Manager · Grace Hopper · overall"]  # a comment on the review as a whole says what it is about
    for key in ("accounts", "new_business", "relationships", "crm", "competencies", "appendix"):
        assert comments_in(ada, key) == [], key
    assert comments_in(documents["AM2"], "crm") == [("manager", WORDS["crm_manager"])]
    competencies = section_text(ada, "competencies")
    assert WORDS["self_competency"] in competencies and WORDS["manager_competency"] in competencies


def test_every_word_typed_appears_once_and_escaped(documents):
    document = documents["AM1"]
    text = html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", " ", document, flags=re.S)))
    for key, words in WORDS.items():
        if key == "crm_manager":  # Brian's: not in Ada's review
            assert words not in text
            continue
        assert text.count(words) == 1, key
    assert "<script>alert" not in document and "&lt;script&gt;alert(&#x27;ada&#x27;)&lt;/script&gt;" in document
    assert "=SUM(A1:A9) is what" in text and "'=SUM" not in text  # a formula-like comment stays as typed
    assert "A strong quarter,\nwith two new accounts." in BeautifulSoup(document, "html.parser").get_text()


def test_the_agreed_rating_beside_the_computed_one_in_summary_and_sign_off(reviews, documents):
    summary = reviews["AM1"].summary()
    assert summary.lines[1] == (
        "Rating agreed at the review: Exceeds, one band above the computed rating (Meets); "
        "the reason is on the sign-off page."
    )
    rating = reviews["AM1"].comments().frame("rating").iloc[0].to_dict()
    assert rating == {
        "Computed from the figures": "Meets",
        "Agreed at the review": "Exceeds",
        "Change": "one band above",
    }
    assert reviews["AM3"].summary().lines[1] == "No rating agreed yet, and none computed from the figures."
    assert reviews["AM3"].comments().frame("rating").iloc[0].to_dict() == {
        "Computed from the figures": "no rating",
        "Agreed at the review": "not agreed yet",
        "Change": "—",
    }


def test_the_sign_off_page_has_names_and_dates_of_a_signed_review_and_lines_of_a_draft(documents):
    ada = soup(documents["AM1"]).find("div", class_="amr-signoff").get_text(" ")
    assert re.sub(r"\s+", " ", ada) == (
        "Account manager Name: Ada Lovelace Date: 03 Oct 2026 Signature: signed "
        "Manager / department head Name: Grace Hopper Date: 02 Oct 2026 "
        "Signature: signed"
    )
    assert "recorded from the returned form (form Ada Lovelace - manager's review.xlsx)" in section_text(
        documents["AM1"], "comments"
    )
    cleo = soup(documents["AM3"]).find("div", class_="amr-signoff")
    assert "Signature: signed" not in cleo.get_text() and len(cleo.find_all("span", class_="amr-line")) == 4


# --------------------------------------------------------------------------------------------
# Next quarter's plan
# --------------------------------------------------------------------------------------------


def test_the_objectives_agreed_in_this_review_are_shown_as_next_quarters_plan(reviews):
    section = reviews["AM1"].development()
    agreed = section.frame("agreed_objectives")
    assert agreed["Objective"].tolist() == ["Complete the Cisco sales certification", WORDS["new_objective"]]
    assert agreed["Success measure"].tolist() == ["Certificate passed", WORDS["new_measure"]]
    assert agreed["Carried over"].tolist() == [True, False]
    assert section.tables["agreed_objectives"].title == "Agreed in this review: the plan for 2026Q4"
    assert "The objective was agreed in the 2026Q2 review; their progress is below." in section.lines


def test_next_quarters_review_shows_them_as_agreed_in_the_previous_review_with_their_progress(pack):
    review = Review.build(pack, "AM1", "2026Q4", HAND_CONFIG)
    section = review.development()
    plan = section.frame("objectives").set_index("Objective")
    assert list(plan.index) == ["Complete the Cisco sales certification", WORDS["new_objective"]]
    assert plan["Agreed in"].tolist() == ["the 2026Q3 review", "the 2026Q3 review"]
    assert plan["Progress"].tolist() == [0.0, 0.4]  # not started yet; 40 % recorded
    assert plan["Carried over"].tolist() == [True, False]  # the carry-over rule of today
    assert "All 2 objectives were agreed in the 2026Q3 review; their progress is below." in section.lines
    assert section.figures["plan_completion"] == pytest.approx((0 + 0.4) / 2)
    shown = render.section_html(section)
    assert "the 2026Q3 review" in shown and "40\u00a0%" in shown
    assert review.outcome.status == "draft"  # nothing collected for 2026Q4 yet


# --------------------------------------------------------------------------------------------
# Key figures, manifest and index
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def card(pack):
    return build_scorecard(pack, PERIOD, HAND_CONFIG)


@pytest.fixture(scope="module")
def selected(pack, card):
    return card.table.join(calibration_table(pack, card), on="am_id")


def test_key_figures_and_manifest_carry_the_status_and_agreed_rating(selected, card, tmp_path):
    table = selected.set_index("am_id")
    cycles = {am: record.review_cycle(row) for am, row in table.to_dict("index").items()}
    figures = record.key_figures(
        table.loc["AM1"].to_dict() | {"am_id": "AM1"},
        list(card.config.measures),
        list(card.config.benchmark_kpis),
        "f" * 64,
        {"html": "AM1.html"},
    )
    record.write_json_atomic(tmp_path / "AM1.json", figures)
    back = json.loads((tmp_path / "AM1.json").read_text())
    assert back["review"] == {
        "status": "signed",
        "computed_rating": "Meets",
        "agreed_rating": "Exceeds",
        "band_change": 1.0,
        "manager_signed_on": "2026-10-02T00:00:00",
        "am_signed_on": "2026-10-03T00:00:00",
        "flags": [],
    }
    entries = [{"key": am, "kind": "review", "am_id": am, "status": "ok"} for am in ("AM1", "AM2", "AM3")]
    written = record.manifest(
        {"period": PERIOD},
        entries + [{"key": "team-x", "kind": "team_overview", "manager": "Grace Hopper", "status": "ok"}],
        cycles,
    )
    assert [e.get("review", {}).get("status") for e in written["reviews"]] == ["signed", "in_review", "draft", None]
    assert written["reviews"][0]["review"]["agreed_rating"] == "Exceeds"
    assert {k: written["totals"][k] for k in ("reviews_signed", "reviews_in_review", "reviews_draft")} == {
        "reviews_signed": 1,
        "reviews_in_review": 1,
        "reviews_draft": 1,
    }
    assert "calibrations" not in written["totals"]  # no calibration page in this run


def test_the_index_shows_each_reviews_status_and_agreed_rating(selected, tmp_path):
    results = [ReviewResult(am, "ok", tmp_path / f"{am}.html", None, None, 1.0) for am in selected["am_id"]]
    rows = index_rows(selected, results)
    assert [(r["Review status"], r["Agreed rating"]) for r in rows] == [
        ("signed", "Exceeds"),
        ("in review", "not agreed yet"),
        ("draft", "not agreed yet"),
    ]
    write_index(tmp_path / "index.html", "Quarterly reviews", INDEX_COLUMNS, rows)
    page = soup((tmp_path / "index.html").read_text())
    columns = [th.get_text() for th in page.find("thead").find_all("th")]
    first = dict(zip(columns, (td.get_text(" ", strip=True) for td in page.find("tbody").find("tr").find_all("td"))))
    assert first["Review status"] == "signed" and first["Agreed rating"] == "Exceeds"


# --------------------------------------------------------------------------------------------
# Calibration: the team overview and the organisation's page
# --------------------------------------------------------------------------------------------


def table_rows(document: str, uuid: str) -> list[dict[str, str]]:
    table = soup(document).find("table", id=f"T_{uuid}")
    assert table is not None, f"no table {uuid}"
    columns = [th.get_text(" ", strip=True) for th in table.find("thead").find_all("th")]
    return [
        dict(zip(columns, (td.get_text(" ", strip=True) for td in tr.find_all(["td", "th"]))))
        for tr in table.find("tbody").find_all("tr")
    ]


def test_the_team_overview_shows_computed_and_agreed_ratings(pack, card):
    outcomes = pack_review_status(pack, card.quarter, card.overall["overall_rating"])
    page = TeamOverview("Grace Hopper", card, "", outcomes).calibration()._repr_html_()
    rows = {r["Account manager"]: r for r in table_rows(page, "team-calibration")}
    assert rows["Ada Lovelace"] == {
        "Account manager": "Ada Lovelace",
        "Review": "signed",
        "Overall": score_text(card.overall.at["AM1", "overall_score"]),
        "Computed rating": "Meets",
        "Agreed rating": "Exceeds",
        "Change (bands)": "+1",
        "Reason": WORDS["reason"],
        "Flags": "",
    }
    assert (rows["Cleo Starter"]["Review"], rows["Cleo Starter"]["Agreed rating"]) == ("draft", "not agreed yet")
    assert rows["Brian Kernighan"]["Computed rating"] == "no rating"
    counts = {r["Rating"]: (r["Computed"], r["Agreed"]) for r in table_rows(page, "team-rating-distributions")}
    assert list(counts) == [
        "Outstanding",
        "Exceeds",
        "Meets",
        "Partially meets",
        "Below",
        "no rating",
        "not agreed yet",
    ]
    assert counts["Meets"] == ("1", "0") and counts["Exceeds"] == ("0", "1") and counts["not agreed yet"] == ("0", "2")
    assert "Ratings agreed for 1 of 3 (reviews: 1 draft, 1 in review, 1 signed). No change flagged." in page


def test_the_team_overview_flags_a_change_of_two_bands_and_one_without_reason(pack, card):
    outcomes = pack_review_status(pack, card.quarter, card.overall["overall_rating"])
    two_bands = outcomes.copy()
    two_bands.loc["AM1", "agreed_rating"] = "Outstanding"
    no_reason = outcomes.copy()  # the schema refuses this in a pack: made here directly
    no_reason.loc["AM1", "change_reason"] = None
    for frame, flag in ((two_bands, "changed by more than 1 rating band"), (no_reason, "changed without a reason")):
        page = TeamOverview("Grace Hopper", card, "", frame).calibration()._repr_html_()
        ada = next(r for r in table_rows(page, "team-calibration") if r["Account manager"] == "Ada Lovelace")
        assert ada["Flags"] == flag
        assert "1 change flagged." in page


def test_the_team_overview_without_outcomes_shows_the_computed_ratings_only(card):
    overview = TeamOverview("Grace Hopper", card)
    section = overview.calibration()
    assert [type(p).__name__ for p in section.parts] == ["str", "str", "TeamChart"]  # no agreed ratings
    assert section.parts[0] == team_render.robustness_html(overview.members)  # issue 17: how many are fragile
    # the self − manager gap: one person rated by both (Ada: self 4, manager 3 on Communications): +1, too few
    assert "over the 1 person rated by both, self-ratings sit +1.00 points" in section.parts[1]
    assert "too few for an interval" in section.parts[1]


def ratings(rows: list[tuple[str, str | None, str | None, bool]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "manager": m,
                "review_status": "signed" if a else "draft",
                "computed_rating": c,
                "agreed_rating": a,
                "reason_given": r,
            }
            for m, c, a, r in rows
        ],
        columns=CALIBRATION_COLUMNS,
    )


def test_the_organisation_page_flags_a_lenient_manager_and_says_its_rule():
    rows = (
        [("Lena Lenient", "Meets", "Exceeds", True)] * 3
        + [("Lena Lenient", "Meets", "Meets", False)]
        + [("Frank Fair", "Meets", "Meets", False)] * 3
        + [("Frank Fair", "Below", None, False)]
    )
    page = OrganisationCalibration(Quarter.parse(PERIOD), load_config(), ratings(rows), "p" * 64)._repr_html_()
    managers = {r["Manager"]: r for r in table_rows(page, "organisation-calibration")}
    assert managers["Lena Lenient"] == {
        "Manager": "Lena Lenient",
        "Direct reports": "4",
        "With both ratings": "4",
        "Mean change (bands)": "+0.75",
        # Lena 1, 1, 1, 0 and Frank 0, 0, 0: pooled SS 0.75 over 7 − 2 = 5 df; t(1 − 0.05/2/2, 5) = 3.1634;
        # 0.75 ± 3.1634 × √(0.75/5) / 2 = 0.75 ± 0.6126
        "95\u00a0% interval": "+0.14 to +1.36",
        "Raised": "3",
        "Lowered": "0",
        "Unchanged": "1",
        "Changes flagged": "0",
        "Flag": "lenient",
    }
    assert managers["Frank Fair"]["Flag"] == "—" and managers["Frank Fair"]["Mean change (bands)"] == "0.00"
    text = BeautifulSoup(page, "html.parser").get_text(" ")
    assert "a manager is flagged lenient when their interval lies wholly above zero" in text
    assert "Flagged: Lena Lenient (agreed ratings: lenient)." in text
    assert "For the head of sales and HR, who calibrate ratings across managers" in text
    assert page.count("data:image/png;base64,") == 3


def test_the_organisation_page_flags_nobody_when_agreed_equals_computed():
    rows = [(m, r, r, False) for m in ("Ann", "Bob") for r in ("Meets", "Exceeds", "Below")]
    calibration = OrganisationCalibration(Quarter.parse(PERIOD), load_config(), ratings(rows))
    page = calibration._repr_html_()
    assert {r["Flag"] for r in table_rows(page, "organisation-calibration")} == {"—"}
    assert "No manager is flagged as lenient or severe." in page
    counts = {r["Rating"]: (r["Computed"], r["Agreed"]) for r in table_rows(page, "organisation-rating-distributions")}
    assert counts["Meets"] == counts["Exceeds"] == counts["Below"] == ("2", "2")


# --------------------------------------------------------------------------------------------
# The inputs a run prepares, and a run
# --------------------------------------------------------------------------------------------


def test_team_and_calibration_inputs_hold_the_outcomes_and_the_calibration_input_no_one(pack, card, tmp_path):
    prepared = prepare_reviews(
        pack, PERIOD, card.config, tmp_path, am_ids=[], managers=["Grace Hopper"], card=card, calibration=True
    )
    team = read_team_input(prepared.folder_of("team_overview", "Grace Hopper"))
    assert team.outcomes["review_status"].to_dict() == {"AM1": "signed", "AM2": "in_review", "AM3": "draft"}
    assert team.outcomes.at["AM1", "change_reason"] == WORDS["reason"]
    found = read_calibration_input(prepared.folder_of("calibration", "organisation"), period=PERIOD)
    assert list(found.ratings.columns) == CALIBRATION_COLUMNS and found.quarter == Quarter.parse(PERIOD)
    assert sorted(found.ratings["agreed_rating"].fillna("-")) == ["-", "-", "Exceeds"]
    files = b"".join(p.read_bytes() for p in (tmp_path / "calibration").rglob("*") if p.is_file())
    for name in ("AM1", "AM2", "AM3", "Ada Lovelace", "Brian Kernighan", "Cleo Starter", "Cisco tender"):
        assert name.encode() not in files


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> SimpleNamespace:
    """A run of the cycle pack with PDFs: its pack folder, its summary and its period's folder.
    One document at a time, in this process: the tests read what the documents show, not the
    worker pool (whose every worker would start an interpreter, a kernel template and a browser)."""
    root = tmp_path_factory.mktemp("cycle-run")
    folder = write_pack(cycle_tables(), root / "pack")
    summary = run_quarterly_reviews(folder, PERIOD, root / "reports", n_jobs=1, progress=False, pdf=True)
    return SimpleNamespace(folder=folder, summary=summary, out=root / "reports" / PERIOD)


@pytest.mark.e2e
def test_a_run_shows_the_cycle_in_every_document(run):
    folder, summary, out = run.folder, run.summary, run.out
    assert not summary.failed, summary.describe()
    assert summary.calibration is not None
    assert (out / "calibration.html").is_file() and (out / "calibration.pdf").is_file()
    manifest = json.loads((out / "manifest.json").read_text())
    assert {e["am_id"]: e["review"]["status"] for e in manifest["reviews"] if e["kind"] == "review"} == {
        "AM1": "signed",
        "AM2": "in_review",
        "AM3": "draft",
    }
    assert manifest["totals"]["calibrations_ok"] == 1 and manifest["totals"]["reviews_signed"] == 1
    assert json.loads((out / "AM1.json").read_text())["review"]["agreed_rating"] == "Exceeds"
    index = (out / "index.html").read_text()
    assert "Organisation calibration" in index and 'href="calibration.html"' in index
    page = (out / "calibration.html").read_text()
    assert "Grace Hopper" in page
    people = load_pack(folder).account_managers
    text = BeautifulSoup(page, "html.parser").get_text()
    assert not [n for n in list(people["name"]) + list(people["am_id"]) if n in text]  # managers only
    ada = (out / "AM1.html").read_text()
    assert comments_in(ada, "margin") == [("self", WORDS["margin_self"]), ("manager", WORDS["margin_manager"])]
    for am_id, mark in (("AM1", "Signed 03 Oct 2026"), ("AM3", "DRAFT")):
        assert all(mark in text for text in pdf_pages(out / f"{am_id}.pdf")), am_id


def test_a_persons_input_beside_their_figures_for_jupyterlab(reviews):
    """explore.ipynb's view: one row per part of the review, the measure scores it explains,
    and each author's comments on it, typed words whole (nothing escaped or cut: a frame)."""
    review = reviews["AM1"]
    table = review.input_beside_figures().set_index("Part of the review")
    titles = {key: title for key, _, title in SECTIONS}
    assert list(table.index) == [titles[k] for k, _, _ in SECTIONS if k in NOTE_SECTIONS]
    assert table.at[titles["margin"], "Self-assessment"] == WORDS["margin_self"]
    assert table.at[titles["margin"], "Manager"] == WORDS["margin_manager"]
    assert table.at[titles["summary"], "Manager"] == WORDS["summary_manager"]
    assert table.at[titles["reporting"], "Manager"] == WORDS["long"]
    assert table.at[titles["crm"], "Manager"] == ""  # AM2's comment on the CRM is not AM1's
    # the measure scores are the scorecard's, by the section's explanation
    explained = review.section("margin").explanation.measures
    expected = "; ".join(f"{label} {score:.2f}" for label, score, _ in explained if pd.notna(score))
    assert table.at[titles["margin"], "Measure scores"] == expected
    assert expected  # the hand-made pack scores the margin measure
    assert reviews["AM3"].input_beside_figures()[["Self-assessment", "Manager"]].eq("").all().all()  # a draft
