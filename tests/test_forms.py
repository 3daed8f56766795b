"""The review forms as workbooks (``amreview forms``): what a form shows, checked against values
computed here with plain pandas and against the scorecard; how it is protected and validated;
that it prints on A4; that what it was made from survives LibreOffice; and that it shows one
person's data only (the privacy scan of the review documents, over every cell, property and
defined name of every form of the sample quarter)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import re
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.utils.datetime import to_excel
from test_privacy import leaks  # the review documents' scan, the same for the forms

from amreview.cli import main
from amreview.cycle.form_content import MEASURE_NOTE_SECTIONS, canonical, fingerprint_now, form_content
from amreview.cycle.form_layout import LISTS, OBJECTIVES, RECORD_SHEET
from amreview.cycle.form_record import read_identity, record_of
from amreview.cycle.forms import form_file_name, write_forms
from amreview.cycle.model import FormKind
from amreview.cycle.read_form import read_form
from amreview.cycle.workbook import form_identity, write_form
from amreview.data.datapack import DataPack, load_pack
from amreview.documents.review import Review
from amreview.errors import DataError, OutputError
from amreview.metrics.registry import ALL_MEASURES
from amreview.periods import Quarter
from amreview.scoring.config import load_config
from amreview.scoring.scorecard import build_scorecard
from amreview.vocabulary import COMPETENCIES
from tests.conftest import sample_pack_once

PERIOD = Quarter(2026, 3)
MADE_ON = dt.datetime(2026, 10, 1, 9, 30, tzinfo=dt.UTC)
SELF, MANAGER = FormKind.SELF_ASSESSMENT, FormKind.MANAGER_REVIEW
CARRIES = "AM005"  # has three objectives carrying into 2026Q4, and self-ratings for 2026Q3


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    return sample_pack_once(tmp_path_factory)


@pytest.fixture(scope="module")
def card(pack):
    return build_scorecard(pack, PERIOD, load_config())


@pytest.fixture(scope="module")
def made(pack, card, tmp_path_factory) -> dict[tuple[str, FormKind], Path]:
    """Both forms of every account manager of the sample quarter."""
    folder = tmp_path_factory.mktemp("forms")
    return {
        (am_id, kind): write_form(form_content(pack, card, am_id, kind), folder / f"{am_id}-{kind.value}.xlsx", MADE_ON)
        for am_id in card.values.index
        for kind in (SELF, MANAGER)
    }


@functools.cache
def opened(path: Path) -> Workbook:
    """A form as openpyxl reads it (once per file; the tests only look)."""
    return load_workbook(path)


def recorded(path: Path) -> dict[str, tuple[str, str, object]]:
    """key → (sheet, cell, value written) of a form's record (the first place a key is written)."""
    found: dict[str, tuple[str, str, object]] = {}
    for e in record_of(opened(path), path)[1]:
        found.setdefault(e.key, (e.sheet, e.cell, e.value))
    return found


def shown_at(path: Path, key: str):
    """The value a form's cell shows for ``key`` (read from the sheet, not from the record)."""
    sheet, cell, _ = recorded(path)[key]
    return opened(path)[sheet][cell].value


# --------------------------------------------------------------------------------------------
# What a form shows
# --------------------------------------------------------------------------------------------


def test_the_headline_figures_are_the_persons_own_computed_with_plain_pandas(pack, made):
    path = made[(CARRIES, MANAGER)]
    sales = pack.sales
    mine = sales[
        (sales["am_id"] == CARRIES) & (sales["invoice_date"] >= "2026-07-01") & (sales["invoice_date"] <= "2026-09-30")
    ]
    revenue, cost = mine["revenue"].sum(), mine["cost"].sum()
    targets = pack.targets[(pack.targets["am_id"] == CARRIES) & (pack.targets["period"] == "2026Q3")]
    target = targets.set_index("measure")["target"]
    expected = {
        "headline.revenue.value": revenue,
        "headline.cost.value": cost,
        "headline.gross_margin.value": revenue - cost,
        "headline.gm_pct.value": (revenue - cost) / revenue,
        "headline.active_accounts.value": mine.loc[mine["revenue"] > 0, "account_id"].nunique(),
        "headline.revenue.target": target["revenue"],
        "headline.revenue.attainment": revenue / target["revenue"],
        "headline.gross_margin.target": target["gross_margin"],
        "headline.gross_margin.attainment": (revenue - cost) / target["gross_margin"],
    }
    for key, value in expected.items():
        assert shown_at(path, f"figure.{key}") == pytest.approx(value, rel=1e-9), key


def test_the_scores_rating_and_benchmarks_are_the_scorecards(card, made):
    path = made[(CARRIES, SELF)]
    config = card.config
    assert shown_at(path, "figure.overall.score") == pytest.approx(card.overall.at[CARRIES, "overall_score"], rel=1e-9)
    assert shown_at(path, "figure.overall.rating") == card.overall.at[CARRIES, "overall_rating"] == "Meets"
    for measure, scoring in config.measures.items():
        score = card.measures.at[CARRIES, measure]
        assert shown_at(path, f"figure.measure.{measure}.score") == pytest.approx(score, rel=1e-9)
        assert shown_at(path, f"figure.measure.{measure}.weight") == scoring.weight
        assert shown_at(path, f"figure.measure.{measure}.rating") == next(
            r.label for r in config.ratings if score >= r.min_score
        )
        assert shown_at(path, f"label.measure.{measure}") == ALL_MEASURES[measure]  # titled as in the review
    row = card.table.set_index("am_id").loc[CARRIES]
    for kpi in config.benchmark_kpis:
        assert shown_at(path, f"figure.benchmark.{kpi}.team") == pytest.approx(row[f"{kpi}_team_percentile"])
        assert shown_at(path, f"figure.benchmark.{kpi}.organisation") == pytest.approx(row[f"{kpi}_org_percentile"])


def test_a_managers_review_shows_the_self_ratings_and_the_objectives_that_carry_over(pack, made):
    path = made[(CARRIES, MANAGER)]
    ratings = pack["competency_ratings"]
    own = ratings[(ratings["am_id"] == CARRIES) & (ratings["period"] == "2026Q3") & (ratings["rater"] == "self")]
    assert len(own) == 5
    for row in own.itertuples():
        assert shown_at(path, f"figure.competency.{row.competency}.self_rating") == row.rating
        assert shown_at(path, f"figure.competency.{row.competency}.self_comment") == row.comment
    objectives = pack["development_objectives"]
    open_ones = objectives[
        (objectives["am_id"] == CARRIES) & (objectives["period"] == "2026Q3") & (objectives["status"] != "achieved")
    ].sort_values("objective_id")
    assert len(open_ones) == 3
    for n, row in enumerate(open_ones.itertuples(), start=1):
        assert shown_at(path, f"figure.objective.{n}.id") == row.objective_id
        assert shown_at(path, f"figure.objective.{n}.objective") == row.objective
        assert shown_at(path, f"figure.objective.{n}.competency") == row.competency
    self_form = recorded(made[(CARRIES, SELF)])
    assert not any(".self_" in key for key in self_form)  # a self-assessment shows no self-ratings


def test_the_agreed_rating_is_pre_filled_with_the_computed_one_and_offers_the_configs_labels(card, made):
    path = made[(CARRIES, MANAGER)]
    assert shown_at(path, "input.outcome.agreed_rating") == card.overall.at[CARRIES, "overall_rating"]
    book = opened(path)
    labels = [book[LISTS][f"B{n}"].value for n in range(1, len(card.config.ratings) + 1)]
    assert labels == [r.label for r in card.config.ratings]
    assert [book[LISTS][f"A{n}"].value for n in range(1, 6)] == list(COMPETENCIES)


def test_every_measure_comment_goes_to_the_review_section_that_explains_the_measure(pack, card):
    review = Review(pack, CARRIES, card)
    explained = {}
    for section in review.sections():
        if section.explanation is not None and section.key != "summary":
            for title, _, _ in section.explanation.measures:
                explained[title] = section.key
    assert set(MEASURE_NOTE_SECTIONS) == set(ALL_MEASURES)
    for measure in card.config.measures:
        assert MEASURE_NOTE_SECTIONS[measure] == explained[ALL_MEASURES[measure]], measure


def test_the_fingerprint_is_the_sha256_of_the_shown_figures_and_changes_with_a_figure(pack, card, made):
    path = made[(CARRIES, MANAGER)]
    figures = {
        key.removeprefix("figure."): opened(path)[sheet][cell].value
        for key, (sheet, cell, _) in recorded(path).items()
        if key.startswith("figure.")
    }
    text = json.dumps(
        {k: canonical(v) for k, v in figures.items()}, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    identity = read_identity(path, card.config)
    assert identity.figures_fingerprint == hashlib.sha256(text.encode()).hexdigest()
    assert fingerprint_now(pack, card)(identity) == identity.figures_fingerprint
    sales = pack.sales.copy()
    line = sales.index[(sales["am_id"] == CARRIES) & (sales["invoice_date"] >= "2026-07-01")][0]
    sales.loc[line, "revenue"] += 1000.0
    changed = DataPack(tables={**pack.tables, "sales": sales}, source=pack.source)
    assert (
        fingerprint_now(changed, build_scorecard(changed, PERIOD, card.config))(identity)
        != identity.figures_fingerprint
    )


# --------------------------------------------------------------------------------------------
# Made for people
# --------------------------------------------------------------------------------------------


def test_every_cell_is_protected_but_the_input_cells(made):
    path = made[(CARRIES, MANAGER)]
    inputs = {(sheet, cell) for key, (sheet, cell, _) in recorded(path).items() if key.startswith("input.")}
    assert len(inputs) == 5 * 2 + 8 + 3 * 3 + 8 * 5 + 6  # competencies, measures, objectives, outcome
    book = opened(path)
    assert book.security.lockStructure
    for ws in book.worksheets:
        assert ws.protection.sheet and not ws.protection.password, ws.title
        unlocked = {(ws.title, c.coordinate) for row in ws.iter_rows() for c in row if not c.protection.locked}
        assert unlocked == {i for i in inputs if i[0] == ws.title}, ws.title
    assert book[RECORD_SHEET].sheet_state == "veryHidden" and book[LISTS].sheet_state == "hidden"


def validations(ws) -> dict[str, tuple]:
    return {
        str(dv.sqref): (dv.type, dv.operator, dv.formula1, dv.formula2) for dv in ws.data_validations.dataValidation
    }


def test_dropdowns_and_validation_take_what_the_reader_takes(made):
    book = opened(made[(CARRIES, MANAGER)])
    assert validations(book["Competencies"]) == {"D7:D11": ("whole", "between", "1", "5")}
    objectives = validations(book[OBJECTIVES])
    first, last = (int(re.search(r"\d+", r)[0]) for r in next(iter(objectives)).split(":"))
    assert last - first + 1 == 3 + 8  # the carried objectives and the new rows
    q4 = (str(int(to_excel(dt.datetime(2026, 10, 1)))), str(int(to_excel(dt.datetime(2026, 12, 31)))))
    assert objectives == {
        f"C{first}:C{last}": ("list", None, f"{LISTS}!$A$1:$A$5", None),
        f"D{first}:D{last}": ("decimal", "greaterThanOrEqual", "0", None),
        f"E{first}:E{last}": ("date", "between", *q4),
    }
    assert validations(book["Outcome & sign-off"]) == {
        "B7": ("list", None, f"{LISTS}!$B$1:$B$5", None),
        "B10:B11": ("date", "greaterThanOrEqual", str(int(to_excel(dt.datetime(2026, 7, 1)))), None),
    }
    assert validations(opened(made[(CARRIES, SELF)])["Competencies"]) == {"B7:B11": ("whole", "between", "1", "5")}


def test_each_sheet_prints_on_a4_fitted_to_the_width_with_its_header_repeated(made):
    book = opened(made[(CARRIES, MANAGER)])
    for ws in book.worksheets:
        if ws.sheet_state != "visible":
            continue
        assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.fitToWidth == 1, ws.title
        assert ws.page_setup.fitToHeight == 0 and ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert all(ws.column_dimensions[c].width >= 10 for c in "AB"), ws.title
    assert book["Competencies"].print_title_rows == "$6:$6"
    assert book["Measures"].print_title_rows == "$5:$5"


def test_the_file_name_holds_the_safe_stem_of_the_id_and_the_persons_name():
    assert form_file_name("AM005", "Megan Doyle", MANAGER) == "AM005-megan-doyle-manager_review.xlsx"
    assert form_file_name("x~1a2b", "<b>Zoë</b> O'Brien", SELF) == "x~1a2b-b-zoe-b-o-brien-self_assessment.xlsx"
    assert form_file_name("AM009", "李雷", SELF) == "AM009-self_assessment.xlsx"  # nothing of it is ASCII


def test_text_from_the_pack_stays_text_and_a_name_keeps_its_html(pack, card, tmp_path):
    people = pack.account_managers.copy()
    people.loc[people["am_id"] == CARRIES, "name"] = '<script>alert(1)</script> =HYPERLINK("x")'
    objectives = pack["development_objectives"].copy()
    first = objectives.index[
        (objectives["am_id"] == CARRIES) & (objectives["period"] == "2026Q3") & (objectives["status"] != "achieved")
    ][0]
    objectives.loc[first, "objective"] = "=1+1"
    odd = DataPack(tables={**pack.tables, "account_managers": people, "development_objectives": objectives})
    path = write_form(
        form_content(odd, build_scorecard(odd, PERIOD, card.config), CARRIES, MANAGER), tmp_path / "odd.xlsx", MADE_ON
    )
    book = load_workbook(path)
    name = book["About"]["B4"]
    assert name.value == '<script>alert(1)</script> =HYPERLINK("x")' and name.data_type == "s"
    carried = [c for row in book[OBJECTIVES].iter_rows() for c in row if c.value == "=1+1"]
    assert carried and all(c.data_type == "s" for c in carried)
    assert read_form(path, card.config).is_empty  # read back as made: nothing taken for an edit


# --------------------------------------------------------------------------------------------
# What it was made from, through LibreOffice
# --------------------------------------------------------------------------------------------


def test_a_form_records_what_it_was_made_from_in_its_properties(made, card, pack):
    path = made[(CARRIES, MANAGER)]
    properties = {p.name: p.value for p in opened(path).custom_doc_props}
    content = form_content(pack, card, CARRIES, MANAGER)
    assert properties == {
        "amreview.am_id": CARRIES,
        "amreview.period": "2026Q3",
        "amreview.kind": "manager_review",
        "amreview.figures_fingerprint": content.figures_fingerprint,
        "amreview.made_on": MADE_ON.isoformat(),
        "amreview.form_version": "1",
        "amreview.fiscal_year_start_month": "1",
    }
    assert read_identity(path, card.config) == form_identity(content, MADE_ON)


def test_what_a_form_was_made_from_survives_libreoffice(made, card, libreoffice, tmp_path):
    for kind in (SELF, MANAGER):
        saved = libreoffice(made[(CARRIES, kind)], tmp_path / kind.value)
        book = load_workbook(saved)
        assert (
            book.custom_doc_props["amreview.figures_fingerprint"].value
            == read_identity(made[(CARRIES, kind)], card.config).figures_fingerprint
        )
        returned = read_form(saved, card.config)  # every protected value as made, every label in place
        assert returned.identity == read_identity(made[(CARRIES, kind)], card.config)
        assert returned.is_empty
        assert validations(book["Competencies"])  # the dropdowns are still there


# --------------------------------------------------------------------------------------------
# One person's data only
# --------------------------------------------------------------------------------------------


def everything_in(path: Path) -> tuple[str, list[float]]:
    """Every text (cells, document properties, defined names) and every number of a workbook."""
    book = opened(path)
    texts, numbers = [], []
    for ws in book.worksheets:
        texts.append(ws.title)
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                    numbers.append(float(cell.value))
                elif cell.value is not None:
                    texts.append(str(cell.value))
    texts += [f"{p.name}={p.value}" for p in book.custom_doc_props]
    texts += [str(v) for v in vars(book.properties).values() if v is not None]
    texts += [f"{name}={defined.attr_text}" for name, defined in book.defined_names.items()]
    for ws in book.worksheets:
        texts += [f"{name}={defined.attr_text}" for name, defined in ws.defined_names.items()]
    return "\n".join(texts), numbers


def own_numbers(pack, card, am_id: str) -> set[str]:
    """Every number a form of ``am_id`` may show: their scorecard row, the config's weights and
    labels' positions, their self-ratings; at ten significant digits."""
    table = card.table.set_index("am_id").loc[am_id]
    values = [
        *pd.to_numeric(table, errors="coerce").dropna(),
        *card.values.loc[am_id].dropna(),
        *card.measures.loc[am_id].dropna(),
        card.overall.at[am_id, "overall_score"],
        *(m.weight for m in card.config.measures.values()),
    ]
    ratings = pack["competency_ratings"]
    values += list(ratings.loc[(ratings["am_id"] == am_id) & (ratings["period"] == "2026Q3"), "rating"])
    return {format(float(v), ".10g") for v in values if np.isfinite(v)}


@pytest.mark.parametrize("kind", [SELF, MANAGER], ids=lambda k: k.value)
def test_a_form_shows_no_one_elses_name_id_email_or_figure(kind, pack, card, made):
    """The review documents' privacy scan (tests/test_privacy.py's ``leaks``), over every text of
    every form; and every number a form holds is one of this person's own."""
    people = pack.account_managers
    # every form `amreview forms` (and so `make demo`) writes for the sample quarter: one per
    # person of the scorecard's table, the people in role (cycle/forms.py's write_forms)
    assert sorted(card.table["am_id"]) == sorted(card.values.index) == sorted(a for a, k in made if k == kind)
    assert set(card.table["am_id"]) == set(people["am_id"])  # the sample: everyone is in role in 2026Q3
    for am_id in card.values.index:
        text, numbers = everything_in(made[(am_id, kind)])
        assert people.set_index("am_id").at[am_id, "name"] in text and am_id in text  # the scan reads the form
        assert leaks(text, am_id, pack, {}) == {}  # no other person's name, email or id; no foreign account
        assert [n for n in pack["accounts"]["name"] if n in text] == []  # no account is named at all
        allowed = own_numbers(pack, card, am_id) | {str(n) for n in range(1, 10)}
        assert sorted({format(n, ".10g") for n in numbers} - allowed) == [], am_id


def test_the_scan_finds_another_persons_name_and_figure(pack, card, made):
    """Scanned as if it were someone else's, a form shows their name, id and figures: the scan can fail."""
    text, numbers = everything_in(made[("AM001", MANAGER)])
    assert leaks(text, "AM010", pack, {}) == {"names": ["Hannah Price"], "ids": ["AM001"]}
    assert {format(n, ".10g") for n in numbers} - own_numbers(pack, card, "AM010")


# --------------------------------------------------------------------------------------------
# Writing them: amreview forms
# --------------------------------------------------------------------------------------------


@pytest.fixture
def sample_pack(pack, monkeypatch):
    """``--data sample`` reads the module's sample pack (loaded once for every test here)."""
    import amreview.cycle.forms

    monkeypatch.setattr(amreview.cycle.forms, "load_pack", lambda data: pack if data == "sample" else load_pack(data))


def test_amreview_forms_writes_each_persons_forms_owner_only_and_says_where(tmp_path, capsys, sample_pack):
    main(
        [
            "forms",
            "--data",
            "sample",
            "--period",
            "2026Q3",
            "--out",
            str(tmp_path),
            "--am",
            CARRIES,
            "--manager",
            "Claire Whitfield",
        ]
    )
    folder = tmp_path / "2026Q3" / "forms"
    files = sorted(p.name for p in folder.iterdir())
    assert "AM005-megan-doyle-self_assessment.xlsx" in files and "AM005-megan-doyle-manager_review.xlsx" in files
    out = capsys.readouterr().out
    assert all(str(folder / name) in out for name in files)
    assert f"forms for 2026Q3: {len(files)} written" in out
    assert all(stat.S_IMODE(os.stat(folder / name).st_mode) == 0o600 for name in files)
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700


def test_the_kind_option_writes_only_that_kind(tmp_path, sample_pack):
    written = write_forms("sample", "2026Q3", tmp_path, am_ids=["AM001"], kinds=[SELF], made_on=MADE_ON)
    assert [f.path.name for f in written.forms] == ["AM001-hannah-price-self_assessment.xlsx"]
    assert written.forms[0].path.parent == tmp_path / "2026Q3" / "forms"


@pytest.mark.parametrize(
    ("arguments", "message", "code"),
    [
        (["--period", "2026Q9"], "is not a quarter", 2),
        (["--period", "2026Q3", "--am", "AM999"], "no account manager in role in 2026Q3 with am_id AM999", 2),
        (["--period", "2026Q3", "--kind", "peer"], "Invalid value for '--kind'", 2),
    ],
)
def test_a_refused_command_says_why_and_writes_nothing(arguments, message, code, tmp_path, capsys, sample_pack):
    with pytest.raises(SystemExit) as stop:
        main(["forms", "--data", "sample", "--out", str(tmp_path / "reports"), *arguments])
    assert stop.value.code == code
    assert message in capsys.readouterr().err
    assert not (tmp_path / "reports").exists()


def test_an_account_manager_not_in_role_has_no_form(pack, card):
    with pytest.raises(DataError, match="AM999"):
        form_content(pack, card, "AM999", SELF)


def test_a_form_that_cannot_be_written_leaves_nothing_half_written(pack, card, tmp_path):
    target = tmp_path / "form.xlsx"
    target.mkdir()  # a folder where the file should go
    with pytest.raises(OutputError, match="form.xlsx"):
        write_form(form_content(pack, card, CARRIES, SELF), target, MADE_ON)
    assert [p.name for p in tmp_path.iterdir()] == ["form.xlsx"] and target.is_dir()
