"""Reading a returned form: filled as a person would (values typed into the unprotected cells with
openpyxl, or saved by LibreOffice) it reads back equal; every bad input is a problem naming the
file, the sheet and the cell, what was expected and what was found — all of them in one error."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from msoffcrypto.format.ooxml import OOXMLFile
from openpyxl import Workbook, load_workbook

from amreview.cycle.form_content import fingerprint_now, form_content
from amreview.cycle.form_layout import RECORD_SHEET
from amreview.cycle.form_record import Expected, read_identity, record_of
from amreview.cycle.model import CellSource, CompetencyInput, FormError, FormKind, ObjectiveInput, OutcomeInput
from amreview.cycle.read_form import read_form
from amreview.cycle.workbook import write_form
from amreview.data.datapack import DataPack
from amreview.periods import Quarter
from amreview.scoring.config import load_config
from amreview.scoring.scorecard import build_scorecard
from tests.conftest import sample_pack_once

PERIOD = Quarter(2026, 3)
MADE_ON = dt.datetime(2026, 10, 1, 9, 30, tzinfo=dt.UTC)
COLLECTED = dt.datetime(2026, 10, 20, 8, 0, tzinfo=dt.UTC)
SELF, MANAGER = FormKind.SELF_ASSESSMENT, FormKind.MANAGER_REVIEW
AM = "AM005"  # Megan Doyle: three objectives carry into 2026Q4; computed rating "Meets"


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    return sample_pack_once(tmp_path_factory)


@pytest.fixture(scope="module")
def card(pack):
    return build_scorecard(pack, PERIOD, load_config())


@pytest.fixture(scope="module")
def config(card):
    return card.config


@pytest.fixture(scope="module")
def forms(pack, card, tmp_path_factory) -> dict[FormKind, Path]:
    folder = tmp_path_factory.mktemp("made")
    return {
        kind: write_form(form_content(pack, card, AM, kind), folder / f"{AM}-{kind.value}.xlsx", MADE_ON)
        for kind in (SELF, MANAGER)
    }


def where(path: Path, key: str) -> tuple[str, str]:
    """(sheet, cell) of ``key`` in a form's record."""
    entry = next(e for e in record_of(load_workbook(path), path)[1] if e.key == key)
    return entry.sheet, entry.cell


def fill(path: Path, out: Path, values: dict[str, object], name: str = "returned.xlsx") -> Path:
    """The form at ``path`` with ``values`` typed into its input cells (by record key, without
    the ``input.`` prefix), saved as ``out/name``: what a person does in Excel."""
    book = load_workbook(path)
    for key, value in values.items():
        sheet, cell = where(path, f"input.{key}")
        assert not book[sheet][cell].protection.locked, key  # a person can type here
        book[sheet][cell] = value
    out.mkdir(parents=True, exist_ok=True)
    book.save(out / name)
    return out / name


def source(path: Path, sheet: str, cells: str) -> CellSource:
    return CellSource(path, sheet, cells, hashlib.sha256(path.read_bytes()).hexdigest(), COLLECTED)


def problems(path: Path, config, **options) -> list[tuple[str | None, str | None, str, str]]:
    """(sheet, cell, expected, found) of each problem read_form finds in ``path``."""
    with pytest.raises(FormError) as error:
        read_form(path, config, collected_at=COLLECTED, **options)
    return [(p.sheet, p.cell, p.expected, p.found) for p in error.value.problems]


def essence(returned) -> tuple:
    """A returned form's input without the file it came in (for comparing two files)."""

    def cells(item):
        return (item.source.sheet, item.source.cells)

    return (
        returned.identity,
        tuple((c.competency, c.rating, c.comment, cells(c)) for c in returned.competencies),
        tuple((n.section, n.text, n.author, cells(n)) for n in returned.notes),
        tuple(
            (o.objective_id, o.objective, o.competency, o.weight, o.due_date, o.success_measure, cells(o))
            for o in returned.objectives
        ),
        None
        if returned.outcome is None
        else (
            returned.outcome.agreed_rating,
            returned.outcome.computed_rating,
            returned.outcome.change_reason,
            returned.outcome.manager_signed_by,
            returned.outcome.manager_signed_on,
            returned.outcome.am_signed_on,
        ),
    )


MANAGER_INPUT = {
    "competency.1.rating": 4,
    "competency.1.comment": "Calm with difficult buyers.",
    "competency.3.rating": 3,
    "competency.3.comment": "",
    "measure.margin_kpi_targets.comment": "Margin below target after the Q2 price war.",
    "measure.overall.comment": "A solid first full quarter.",
    "objective.c1.weight": 40,
    "objective.c1.due_date": dt.datetime(2026, 11, 30),
    "objective.c1.success_measure": "Induction signed off",
    "objective.c2.weight": 20,
    "objective.c3.weight": 20,
    "objective.n1.objective": "Win two public-sector frameworks",
    "objective.n1.competency": "Decision Making & Influencing",
    "objective.n1.weight": 20,
    "objective.n1.due_date": dt.datetime(2026, 12, 31),
    "objective.n1.success_measure": "Two framework awards",
    "outcome.agreed_rating": "Exceeds",
    "outcome.change_reason": "New accounts won late in the quarter.",
    "outcome.manager_signed_by": "Priya Raman",
    "outcome.manager_signed_on": dt.datetime(2026, 10, 12),
    "outcome.am_signed_on": dt.datetime(2026, 10, 13),
    "outcome.am_comment": "Agreed, thank you.",
}


# --------------------------------------------------------------------------------------------
# Round trips
# --------------------------------------------------------------------------------------------


def test_a_self_assessment_filled_in_reads_back_as_typed(forms, config, tmp_path):
    path = fill(
        forms[SELF],
        tmp_path,
        {
            "competency.1.rating": 4,
            "competency.1.comment": "Won back the council's IT budget.",
            "competency.2.rating": "5",
            "measure.margin_kpi_targets.comment": "Two price-led deals cost margin.",
            "measure.report_timeliness.comment": "All reports on time.",
            "measure.information_accuracy.comment": "",
            "measure.overall.comment": "A good quarter.",
            "proposal.1": "Win two frameworks",
            "proposal.3": "Shadow Raj on visits",
        },
    )
    returned = read_form(path, config, collected_at=COLLECTED)
    assert not returned.is_empty and returned.outcome is None and returned.objectives == ()
    assert returned.identity == read_identity(forms[SELF], config)
    assert returned.competencies == (
        CompetencyInput(
            "Interpersonal Effectiveness", 4, "Won back the council's IT budget.", source(path, "Competencies", "B7:C7")
        ),
        CompetencyInput("Working with Others", 5, "", source(path, "Competencies", "B8:C8")),
    )
    sheet, cell = where(forms[SELF], "input.proposal.3")
    assert [(n.section, n.text, n.author, n.source.cells) for n in returned.notes] == [
        ("margin", "Two price-led deals cost margin.", "Megan Doyle", "E6"),
        ("reporting", "All reports on time.", "Megan Doyle", "E7"),
        ("summary", "A good quarter.", "Megan Doyle", "E13"),
        ("proposed_objectives", "Win two frameworks", "Megan Doyle", where(forms[SELF], "input.proposal.1")[1]),
        ("proposed_objectives", "Shadow Raj on visits", "Megan Doyle", cell),
    ]
    assert returned.sha256 == source(path, "", "").sha256


def test_a_managers_review_filled_in_reads_back_as_typed(forms, config, tmp_path):
    path = fill(forms[MANAGER], tmp_path, MANAGER_INPUT)
    returned = read_form(path, config, collected_at=COLLECTED)
    assert returned.competencies == (
        CompetencyInput(
            "Interpersonal Effectiveness", 4, "Calm with difficult buyers.", source(path, "Competencies", "D7:E7")
        ),
        CompetencyInput("Communications", 3, "", source(path, "Competencies", "D9:E9")),
    )
    assert [(n.section, n.text, n.author) for n in returned.notes] == [
        ("margin", "Margin below target after the Q2 price war.", "Priya Raman"),
        ("summary", "A solid first full quarter.", "Priya Raman"),
        ("sign_off", "Agreed, thank you.", "Megan Doyle"),
    ]
    carried = [o for o in returned.objectives if o.objective_id]
    assert [o.objective_id for o in carried] == ["OBJ-AM005-001", "OBJ-AM005-002", "OBJ-AM005-004"]
    assert carried[0] == ObjectiveInput(
        "OBJ-AM005-001",
        "Complete the product induction on the HP, Dell and Lenovo portfolios",
        "Problem Solving",
        40.0,
        dt.date(2026, 11, 30),
        "Induction signed off",
        source(path, "Objectives", carried[0].source.cells),
    )
    new = returned.objectives[-1]
    assert (new.objective_id, new.objective, new.competency, new.weight, new.due_date, new.success_measure) == (
        None,
        "Win two public-sector frameworks",
        "Decision Making & Influencing",
        20.0,
        dt.date(2026, 12, 31),
        "Two framework awards",
    )
    assert returned.outcome == OutcomeInput(
        "Exceeds",
        "Meets",
        "New accounts won late in the quarter.",
        "Priya Raman",
        dt.date(2026, 10, 12),
        dt.date(2026, 10, 13),
        source(path, "Outcome & sign-off", "B7:B11"),
    )


def test_a_form_saved_by_libreoffice_reads_the_same(forms, config, tmp_path, libreoffice):
    typed = fill(forms[MANAGER], tmp_path / "typed", MANAGER_INPUT)
    saved = libreoffice(typed, tmp_path / "saved")
    assert saved.read_bytes() != typed.read_bytes()
    assert essence(read_form(saved, config)) == essence(read_form(typed, config))


def test_an_empty_form_is_not_an_error_but_empty(forms, config, tmp_path, libreoffice):
    for kind in (SELF, MANAGER):
        returned = read_form(forms[kind], config)
        assert returned.is_empty and not returned.competencies and not returned.notes and not returned.objectives
        assert (returned.outcome is None) == (kind is SELF)
        assert read_form(libreoffice(forms[kind], tmp_path / kind.value), config).is_empty
    assert read_form(fill(forms[MANAGER], tmp_path, {"outcome.agreed_rating": "Meets"}), config).is_empty


# --------------------------------------------------------------------------------------------
# Whose form, made from which figures
# --------------------------------------------------------------------------------------------


def test_a_form_for_another_person_period_or_kind_is_named(forms, config):
    found = problems(
        forms[MANAGER], config, expected=Expected(am_ids={"AM001", "AM002"}, period=Quarter(2026, 2), kind=SELF)
    )
    assert found == [
        ("About", "B5", "a form for an account manager of this collection (AM001, AM002)", "AM005"),
        ("About", "B8", "a form for 2026Q2", "2026Q3"),
        ("About", "B9", "a self-assessment form", "Manager's review"),
    ]


def test_a_form_made_from_figures_that_changed_since_is_told_apart(pack, card, forms, config):
    assert read_form(forms[MANAGER], config, expected=Expected(fingerprint=fingerprint_now(pack, card))).is_empty
    sales = pack.sales.copy()
    sales.loc[sales.index[(sales["am_id"] == AM) & (sales["invoice_date"] >= "2026-08-01")][0], "cost"] += 500.0
    changed = DataPack(tables={**pack.tables, "sales": sales})
    now = fingerprint_now(changed, build_scorecard(changed, PERIOD, config))
    [(sheet, cell, expected, found)] = problems(forms[MANAGER], config, expected=Expected(fingerprint=now))
    assert (sheet, cell, expected) == ("Figures", None, "a form made from the figures as the pack holds them now")
    assert found.startswith("a form made on 2026-10-01 09:30 from figures that have changed since")


def test_a_form_of_someone_no_longer_on_the_scorecard_is_refused(forms, config):
    [(_, _, expected, found)] = problems(forms[SELF], config, expected=Expected(fingerprint=lambda identity: None))
    assert expected == "a form for an account manager in role in 2026Q3" and "AM005" in found


def test_a_form_made_on_another_fiscal_year_is_refused(forms, config):
    fiscal = config.model_copy(update={"fiscal_year_start_month": 4})
    assert "a form made on a fiscal year starting in month 4, as the scorecard config's" in [
        p[2] for p in problems(forms[SELF], fiscal)
    ]


# --------------------------------------------------------------------------------------------
# Bad input, field by field
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rating", [0, 6, "good", 3.5, "4.5"])
def test_a_rating_that_is_not_1_to_5_is_named(rating, forms, config, tmp_path):
    path = fill(forms[SELF], tmp_path, {"competency.2.rating": rating, "competency.2.comment": "fine"})
    assert problems(path, config) == [("Competencies", "B8", "a whole number from 1 to 5", str(rating))]


def test_text_in_a_date_is_named(forms, config, tmp_path):
    path = fill(
        forms[MANAGER],
        tmp_path,
        {
            "outcome.manager_signed_by": "Priya Raman",
            "outcome.manager_signed_on": "next Tuesday",
            "objective.c1.due_date": "end of November",
        },
    )
    due = where(forms[MANAGER], "input.objective.c1.due_date")
    assert problems(path, config) == [
        (*due, "a date, e.g. 2026-10-12", "end of November"),
        ("Outcome & sign-off", "B10", "a date, e.g. 2026-10-12", "next Tuesday"),
    ]


@pytest.mark.parametrize(
    ("due", "accepted"),
    [
        (dt.datetime(2026, 9, 30), False),
        (dt.datetime(2027, 1, 1), False),
        ("2026-10-01", True),
        (dt.datetime(2026, 12, 31), True),
    ],
)
def test_a_due_date_outside_next_quarter_is_named(due, accepted, forms, config, tmp_path):
    path = fill(
        forms[MANAGER], tmp_path, {"objective.n2.objective": "Learn the new CPQ tool", "objective.n2.due_date": due}
    )
    if accepted:
        assert read_form(path, config).objectives[-1].due_date == dt.date.fromisoformat(str(due)[:10])
    else:
        assert problems(path, config) == [
            (
                *where(forms[MANAGER], "input.objective.n2.due_date"),
                "a due date in Q4 2026 (1 Oct 2026 – 31 Dec 2026)",
                str(due)[:10],
            )
        ]


def weights_column(forms) -> tuple[str, str]:
    first = where(forms[MANAGER], "input.objective.c1.weight")[1]
    return first, where(forms[MANAGER], "input.objective.c3.weight")[1]


def test_weights_that_do_not_add_up_to_100_are_named(forms, config, tmp_path):
    path = fill(
        forms[MANAGER], tmp_path, {"objective.c1.weight": 50, "objective.c2.weight": 30, "objective.c3.weight": 10}
    )
    first, last = weights_column(forms)
    assert problems(path, config) == [
        ("Objectives", f"{first}:{last}", "weights adding up to 100 (percent of the plan)", "90")
    ]


def test_a_weight_missing_where_the_others_have_one_is_named(forms, config, tmp_path):
    path = fill(forms[MANAGER], tmp_path, {"objective.c1.weight": 50, "objective.c2.weight": 50})
    assert problems(path, config) == [
        (
            *where(forms[MANAGER], "input.objective.c3.weight"),
            "a weight, as the other objectives have one (give every objective a weight, or none)",
            "",
        )
    ]


def test_a_negative_or_wordy_weight_is_named(forms, config, tmp_path):
    path = fill(
        forms[MANAGER], tmp_path, {"objective.c1.weight": -5, "objective.c2.weight": "half", "objective.c3.weight": 100}
    )
    assert [p[1:] for p in problems(path, config)] == [
        (where(forms[MANAGER], "input.objective.c1.weight")[1], "a weight: a number of percent, 0 or more", "-5"),
        (where(forms[MANAGER], "input.objective.c2.weight")[1], "a weight: a number of percent, 0 or more", "half"),
    ]


def test_weights_typed_as_percentages_add_up(forms, config, tmp_path):
    path = fill(
        forms[MANAGER], tmp_path, {"objective.c1.weight": "40 %", "objective.c2.weight": 0.3, "objective.c3.weight": 30}
    )
    book = load_workbook(path)
    sheet, cell = where(forms[MANAGER], "input.objective.c2.weight")
    book[sheet][cell].number_format = "0%"  # typed as 30 % in Excel: the value 0.3, shown as a percentage
    book.save(path)
    assert [o.weight for o in read_form(path, config).objectives] == [40.0, 30.0, 30.0]


def test_an_agreed_rating_changed_without_a_reason_is_named(forms, config, tmp_path):
    path = fill(forms[MANAGER], tmp_path, {"outcome.agreed_rating": "Exceeds"})
    assert problems(path, config) == [
        (
            "Outcome & sign-off",
            "B8",
            "a reason for agreeing the rating 'Exceeds' where the scorecard computed 'Meets'",
            "",
        )
    ]
    kept = fill(forms[MANAGER], tmp_path, {"outcome.agreed_rating": "meets "}, "same.xlsx")
    assert read_form(kept, config).outcome.agreed_rating is None  # the computed rating, in another spelling


def test_a_rating_label_not_in_the_config_is_named(forms, config, tmp_path):
    path = fill(forms[MANAGER], tmp_path, {"outcome.agreed_rating": "Superstar", "outcome.change_reason": "!"})
    assert problems(path, config) == [
        (
            "Outcome & sign-off",
            "B7",
            "a rating label of the scorecard: one of Outstanding, Exceeds, Meets, Partially meets, Below",
            "Superstar",
        )
    ]


def test_input_that_cannot_be_kept_on_its_own_is_named(forms, config, tmp_path):
    path = fill(
        forms[MANAGER],
        tmp_path,
        {
            "competency.5.comment": "Holds price well.",
            "objective.c1.weight": 30,
            "objective.c2.weight": 30,
            "objective.c3.weight": 30,
            "objective.n3.weight": 10,
            "objective.n3.competency": "Charm",
            "outcome.manager_signed_on": dt.datetime(2026, 10, 2),
            "outcome.am_signed_on": dt.datetime(2026, 6, 30),
        },
    )
    row = where(forms[MANAGER], "input.objective.n3.objective")[1][1:]
    assert problems(path, config) == [
        (
            "Competencies",
            "D11",
            "a rating from 1 to 5 of Decision Making & Influencing, with the comment beside it",
            "",
        ),
        (
            "Objectives",
            f"B{row}",
            "the objective itself, as its row has a competency, weight, due date or measure of success",
            "",
        ),
        (
            "Objectives",
            f"C{row}",
            "a competency: one of Interpersonal Effectiveness, Working with Others, "
            "Communications, Problem Solving, Decision Making & Influencing",
            "Charm",
        ),
        ("Outcome & sign-off", "B11", "a date of signing from 2026-07-01, the start of 2026Q3", "2026-06-30"),
        ("Outcome & sign-off", "B9", "the name of the manager who signed", ""),
    ]


def test_every_problem_of_a_form_is_in_one_error_naming_file_sheet_and_cell(forms, config, tmp_path):
    path = fill(
        forms[SELF],
        tmp_path,
        {"competency.1.rating": 0, "competency.2.rating": 9, "competency.3.rating": "ok"},
        "three-problems.xlsx",
    )
    with pytest.raises(FormError) as error:
        read_form(path, config)
    lines = str(error.value).splitlines()
    assert lines == [
        "three-problems.xlsx, sheet 'Competencies', cell B7: expected a whole number from 1 to 5; found '0'",
        "three-problems.xlsx, sheet 'Competencies', cell B8: expected a whole number from 1 to 5; found '9'",
        "three-problems.xlsx, sheet 'Competencies', cell B9: expected a whole number from 1 to 5; found 'ok'",
    ]
    assert error.value.exit_code == 3


# --------------------------------------------------------------------------------------------
# Text as typed
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+1", "+44 20 7946 0000", "-not quite", "@channel see notes", '=HYPERLINK("x")'])
def test_a_comment_that_looks_like_a_formula_is_kept_as_the_text_typed(text, forms, config, tmp_path):
    path = fill(forms[SELF], tmp_path, {"measure.crm_utilisation.comment": text})
    assert load_workbook(path)["Measures"]["E12"].value == text
    [note] = read_form(path, config).notes
    assert (note.section, note.text) == ("crm", text)


@pytest.mark.parametrize("length", [32_767, 40_000])  # Excel's limit per cell, and beyond (another tool's file)
def test_a_very_long_comment_is_kept_whole(length, forms, config, tmp_path):
    text = ("Evidence. " * (length // 10 + 1))[:length]
    path = fill(forms[SELF], tmp_path, {"competency.4.rating": 3})
    book = load_workbook(path)
    cell = book["Competencies"]["C10"]
    cell._value, cell.data_type = text, "s"  # past openpyxl's own cut at 32,767, as another tool may write
    book.save(path)
    [rated] = read_form(path, config).competencies
    assert rated.competency == "Problem Solving" and rated.comment == text and len(rated.comment) == length


def test_numbers_and_dates_typed_as_comments_become_their_text(forms, config, tmp_path):
    path = fill(
        forms[SELF],
        tmp_path,
        {
            "measure.margin_kpi_targets.comment": 42,
            "measure.crm_utilisation.comment": dt.datetime(2026, 9, 1),
            "measure.overall.comment": 2.5,
        },
    )
    assert [n.text for n in read_form(path, config).notes] == ["42", "2026-09-01", "2.5"]


def test_a_name_with_html_is_kept_as_it_is(pack, card, config, tmp_path):
    people = pack.account_managers.copy()
    people.loc[people["am_id"] == AM, "name"] = "<b>Megan</b> & <i>Co</i>"
    odd = DataPack(tables={**pack.tables, "account_managers": people})
    made = write_form(form_content(odd, build_scorecard(odd, PERIOD, config), AM, SELF), tmp_path / "odd.xlsx", MADE_ON)
    path = fill(made, tmp_path / "back", {"measure.overall.comment": "<script>alert(1)</script>"})
    [note] = read_form(path, config).notes
    assert (note.author, note.text) == ("<b>Megan</b> & <i>Co</i>", "<script>alert(1)</script>")


# --------------------------------------------------------------------------------------------
# Protected content changed
# --------------------------------------------------------------------------------------------


def unprotected(path: Path, out: Path, change) -> Path:
    """The form with its protection taken off and ``change(book)`` done, as a determined person could."""
    book = load_workbook(path)
    book.security.lockStructure = False
    for ws in book.worksheets:
        ws.protection.sheet = False
    change(book)
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out


def test_a_protected_cell_edited_is_named(forms, config, tmp_path):
    path = unprotected(forms[MANAGER], tmp_path / "edited.xlsx", lambda book: book["Figures"].__setitem__("B5", 4.9))
    [(sheet, cell, expected, found)] = problems(path, config)
    assert (sheet, cell, found) == ("Figures", "B5", "4.9")
    # Megan Doyle's overall score as the form was made: 3.28 (3.31 before minimum bases: her CSAT
    # rests on 1 response, minimum 3, so its score 5 no longer lifts customer relationships)
    assert expected.startswith("3.28") and expected.endswith(
        "as the form was made (a protected cell: it cannot be changed here)"
    )


def test_a_changed_record_is_named(forms, config, tmp_path):
    def change(book):
        ws = book[RECORD_SHEET]
        row = next(r for r in ws.iter_rows() if r[0].value == "figure.overall.score")
        row[3].value = 4.9

    assert ("amreview", None, "the record of the form as it was made", "a record that was changed") in problems(
        unprotected(forms[MANAGER], tmp_path / "record.xlsx", change), config
    )


def test_a_sheet_deleted_or_renamed_is_named(forms, config, tmp_path):
    def change(book):
        book.remove(book["Measures"])
        book["Competencies"].title = "My ratings"

    found = problems(unprotected(forms[SELF], tmp_path / "sheets.xlsx", change), config)
    sheets = "the sheets About, Figures, My ratings, Objectives, Lists, amreview"
    assert found == [
        (
            "Competencies",
            None,
            "the sheet 'Competencies', as the form was made (sheets must not be renamed or deleted)",
            sheets,
        ),
        (
            "Measures",
            None,
            "the sheet 'Measures', as the form was made (sheets must not be renamed or deleted)",
            sheets,
        ),
    ]


def test_columns_or_rows_moved_are_named_and_that_sheet_is_not_read(forms, config, tmp_path):
    def change(book):
        book["Competencies"].insert_cols(2)
        book["Competencies"]["C7"] = 5  # typed in the column that is now under "Your rating"
        book["Measures"].insert_rows(8)

    found = problems(unprotected(forms[SELF], tmp_path / "moved.xlsx", change), config)
    assert (
        "Competencies",
        "B6",
        "the label 'Your rating (1–5)' here: columns or rows must not be moved, inserted or deleted",
        "",
    ) in found
    assert (
        "Measures",
        "A8",
        "the label 'Accuracy of information' here: columns or rows must not be moved, inserted or deleted",
        "",
    ) in found
    assert {p[0] for p in found} == {"Competencies", "Measures"}  # nothing read from the wrong cells


def test_text_typed_where_nothing_is_collected_is_named(forms, config, tmp_path):
    def change(book):
        book["Competencies"]["G9"] = "Also: great at demos"
        book.create_sheet("My notes")["A1"] = "ask about the bonus"
        book["Measures"]["A2"] = "my own instructions"  # over an instruction the form wrote

    found = problems(unprotected(forms[SELF], tmp_path / "stray.xlsx", change), config)
    assert found == [
        (
            "Measures",
            "A2",
            "'A comment on each measure: what went well, what did not, and why. Scores are "
            "read-only.' as the form was made (a protected cell: it cannot be changed here)",
            "my own instructions",
        ),
        (
            "Competencies",
            "G9",
            "nothing here: input goes in the yellow cells, the only ones collected",
            "Also: great at demos",
        ),
        (
            "My notes",
            None,
            "only the form's own sheets: what is typed on another is not collected",
            "a sheet of 1 filled cells",
        ),
    ]


# --------------------------------------------------------------------------------------------
# Not an .xlsx form
# --------------------------------------------------------------------------------------------


def ods_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def encrypted(path: Path, out: Path) -> Path:
    """The form protected by a password, as Excel's *Encrypt with Password* does (ECMA-376)."""
    with path.open("rb") as plain, out.open("wb") as locked:
        OOXMLFile(plain).encrypt("secret", locked)
    return out


@pytest.mark.parametrize(
    ("name", "content", "found"),
    [
        ("form.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024), "an Excel 97–2003 file (.xls)"),
        ("form.ods", None, "an OpenDocument spreadsheet (.ods)"),
        ("form.csv", b"competency,rating\nCommunications,4\n", "a text file (.csv)"),
        ("form.xlsx", b"", "an empty file"),
        ("form.xlsx", b"PK\x03\x04 not really a zip", "a damaged file that cannot be opened"),
        ("form.xlsx", b"\x00\x01\x02\xff\xfe", "a file of another kind, or a damaged one"),
    ],
)
def test_a_file_that_is_not_an_xlsx_workbook_is_named(name, content, found, config, tmp_path):
    path = tmp_path / name
    path.write_bytes(ods_bytes() if content is None else content)
    [(sheet, cell, expected, what)] = problems(path, config)
    assert (sheet, cell, expected) == (None, None, "an Excel workbook (.xlsx), as amreview forms wrote it")
    assert what.startswith(found)


def test_a_password_protected_or_truncated_form_is_named(forms, config, tmp_path):
    [(_, _, _, found)] = problems(encrypted(forms[SELF], tmp_path / "locked.xlsx"), config)
    assert found.startswith("a workbook protected by a password")
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(forms[SELF].read_bytes()[:5000])
    [(_, _, _, found)] = problems(cut, config)
    assert found.startswith("a damaged")


def test_a_form_saved_as_xls_or_ods_by_libreoffice_is_named(forms, config, tmp_path, libreoffice):
    for to, found in (("xls", "an Excel 97–2003 file (.xls)"), ("ods", "an OpenDocument spreadsheet (.ods)")):
        [(_, _, _, what)] = problems(libreoffice(forms[SELF], tmp_path, to), config)
        assert what.startswith(found), to


def test_a_workbook_that_is_not_a_form_is_named(config, tmp_path):
    book = Workbook()
    book.active["A1"] = "my own notes"
    book.save(tmp_path / "notes.xlsx")
    [(sheet, cell, expected, found)] = problems(tmp_path / "notes.xlsx", config)
    assert expected.startswith("a form made by amreview forms") and found == "a workbook with the sheets Sheet"


def test_properties_that_disagree_with_the_record_are_named(forms, config, tmp_path):
    def change(book):
        book.custom_doc_props["amreview.am_id"].value = "AM001"

    found = problems(unprotected(forms[SELF], tmp_path / "props.xlsx", change), config)
    assert found == [("amreview", None, "the form's am_id as its properties record it: 'AM001'", "AM005")]


def test_a_form_of_another_layout_version_is_refused_not_misread(forms, config, tmp_path):
    def change(book):
        book.custom_doc_props["amreview.form_version"].value = "2"
        row = next(r for r in book[RECORD_SHEET].iter_rows() if r[0].value == "identity.form_version")
        row[3].value = "2"

    assert problems(unprotected(forms[SELF], tmp_path / "v2.xlsx", change), config) == [
        (
            None,
            None,
            "a form of this version of amreview forms (layout 1) with a complete record of what it was made from",
            "layout version '2'",
        )
    ]
