"""``amreview collect``: returned forms → rows of the pack (amreview.cycle.collect, .collected_pack).

The forms are built here as :class:`ReturnedForm` values, not as workbooks: the reader of the
workbooks is tested on its own (tests/test_read_form.py). A test form is a file whose bytes are
a JSON description of what was typed (so its SHA-256 changes with its content, and a copy of it
is the same form); :func:`read_test_form` is the reader :func:`collect_forms` is given. The
fingerprint of the figures is computed here from the person's sales lines, so a form made before
a line changed is stale.

Expected values are written out by hand: the computed rating (revenue attainment 132 % on the
test config's bands), the file's SHA-256, the next quarter, the objective ids.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from openpyxl import load_workbook

from amreview.cli import main
from amreview.cycle import collect as collect_module
from amreview.cycle.collect import collect_forms
from amreview.cycle.collected_pack import write_collected_pack
from amreview.cycle.collection import FormStatus
from amreview.cycle.model import (
    FORM_VERSION,
    CellSource,
    CompetencyInput,
    FormError,
    FormIdentity,
    FormKind,
    FormProblem,
    NoteInput,
    ObjectiveInput,
    OutcomeInput,
    ReturnedForm,
)
from amreview.data.datapack import load_pack, write_pack
from amreview.errors import ArgumentError, DataError, ParameterError
from amreview.periods import Quarter
from amreview.scoring.config import parse_config
from amreview.scoring.scorecard import Scorecard, build_scorecard
from tests.conftest import hand_tables, sample_pack_once

Q3 = Quarter.parse("2026Q3")
COLLECTED_AT = dt.datetime(2026, 10, 2, 9, 30, tzinfo=dt.UTC)
MANAGER, SELF = FormKind.MANAGER_REVIEW, FormKind.SELF_ASSESSMENT
# One measure scored by revenue attainment: AM1 has 1,320 of revenue against a target of 1,000
# (hand pack), 132 % ≥ 120 % → score 5 → "Great". AM2's target is 0 (no target) and AM3 has no
# sales: no rating.
CONFIG = parse_config(
    {
        "min_rated_weight": 0.0,
        "ratings": [{"label": "Great", "min_score": 3}, {"label": "Poor", "min_score": 1}],
        "measures": {
            "margin_kpi_targets": {
                "weight": 1.0,
                "kpis": {"revenue_attainment": {"weight": 1.0, "bands": [0.5, 0.8, 1.0, 1.2]}},
            }
        },
    }
)
UNTOUCHED = ("account_managers", "sales", "targets")


# --------------------------------------------------------------------------------------------
# Test forms
# --------------------------------------------------------------------------------------------


def figures_fingerprint(pack, am_id: str, quarter: Quarter, kind: FormKind) -> str:
    """A stand-in for the forms' own fingerprint: the person's sales lines and the quarter."""
    lines = pack.sales[pack.sales["am_id"] == am_id].sort_values("line_id")
    text = lines[["line_id", "revenue", "cost"]].to_csv(index=False) + f"{quarter}{kind}"
    return hashlib.sha256(text.encode()).hexdigest()


def write_form(
    folder: Path,
    name: str,
    pack,
    *,
    am_id: str = "AM1",
    kind: FormKind = MANAGER,
    period: str = "2026Q3",
    fingerprint: str | None = None,
    competencies=(),
    notes=(),
    objectives=(),
    outcome: dict | None = None,
    problems=(),
    saved_by: str = "Excel",
    version: int = FORM_VERSION,
) -> Path:
    """A returned form: ``competencies`` (name, rating, comment), ``notes`` (section, text, author),
    ``objectives`` (id, objective, competency, weight, due date, success measure), ``outcome``
    (OutcomeInput's fields but the source), ``problems`` (the reader's: the form is in error);
    ``saved_by`` changes the file's bytes, not what was typed."""
    spec = {
        "am_id": am_id,
        "period": period,
        "kind": kind.value,
        "fingerprint": fingerprint or figures_fingerprint(pack, am_id, Quarter.parse(period), kind),
        "competencies": list(competencies),
        "notes": list(notes),
        "objectives": list(objectives),
        "outcome": outcome,
        "problems": list(problems),
        "saved_by": saved_by,
        "version": version,
    }
    path = folder / name
    path.write_text(json.dumps(spec), encoding="utf-8")
    return path


def read_test_form(path: Path, config=None) -> ReturnedForm:
    data = path.read_bytes()
    spec = json.loads(data)
    if spec["problems"]:
        raise FormError(
            [FormProblem(path, sheet, cell, expected, found) for sheet, cell, expected, found in spec["problems"]]
        )
    sha = hashlib.sha256(data).hexdigest()

    def at(cells: str, sheet: str = "Review") -> CellSource:
        return CellSource(path, sheet, cells, sha, COLLECTED_AT)

    outcome = spec["outcome"]
    return ReturnedForm(
        identity=FormIdentity(
            spec["am_id"],
            Quarter.parse(spec["period"]),
            FormKind(spec["kind"]),
            spec["fingerprint"],
            COLLECTED_AT,
            spec["version"],
        ),
        path=path,
        sha256=sha,
        competencies=tuple(
            CompetencyInput(c, r, t, at(f"C{7 + i}")) for i, (c, r, t) in enumerate(spec["competencies"])
        ),
        notes=tuple(NoteInput(s, t, a, at(f"C{20 + i}")) for i, (s, t, a) in enumerate(spec["notes"])),
        objectives=tuple(
            ObjectiveInput(
                o,
                text,
                c,
                w,
                None if d is None else dt.date.fromisoformat(d),
                m,
                at(f"B{30 + i}:G{30 + i}", "Objectives"),
            )
            for i, (o, text, c, w, d, m) in enumerate(spec["objectives"])
        ),
        outcome=None
        if outcome is None
        else OutcomeInput(
            **{k: (dt.date.fromisoformat(v) if k.endswith("_on") and v else v) for k, v in outcome.items()},
            source=at("C50:C55"),
        ),
    )


def outcome(
    agreed=None, computed="Great", reason="", signed_by="Grace Hopper", manager_on="2026-10-01", am_on="2026-10-02"
) -> dict:
    return {
        "agreed_rating": agreed,
        "computed_rating": computed,
        "change_reason": reason,
        "manager_signed_by": signed_by,
        "manager_signed_on": manager_on,
        "am_signed_on": am_on,
    }


CARDS: dict[str, Scorecard] = {}  # pack fingerprint → its 2026Q3 scorecard under CONFIG


def card_of(pack) -> Scorecard:
    """The pack's 2026Q3 scorecard under CONFIG, built once per pack content (its fingerprint:
    the same files, the same scorecard) and shared by the tests, which only read it."""
    if not pack.fingerprint:  # a pack of frames: nothing to know it by
        return build_scorecard(pack, Q3, CONFIG)
    if pack.fingerprint not in CARDS:
        CARDS[pack.fingerprint] = build_scorecard(pack, Q3, CONFIG)
    return CARDS[pack.fingerprint]


def collect(pack, folder: Path, **options):
    """``collect_forms`` with the test reader and fingerprint, given the pack's scorecard."""
    return collect_forms(
        pack,
        Q3,
        folder,
        CONFIG,
        reader=read_test_form,
        fingerprint_of=figures_fingerprint,
        card=card_of(pack),
        **options,
    )


def sha_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture
def pack_dir(tmp_path: Path) -> Path:
    return Path(write_pack(hand_tables(), tmp_path / "pack"))


@pytest.fixture
def forms(tmp_path: Path) -> Path:
    folder = tmp_path / "forms"
    folder.mkdir()
    return folder


def manager_form(folder: Path, pack, name: str = "Ada Lovelace - manager's review.xlsx", **changes) -> Path:
    fields = {
        "competencies": [("Communications", 4, "Clear, timely updates to every customer."), ("Problem Solving", 3, "")],
        "notes": [
            ("margin", "Margin held on run-rate business.", "Grace Hopper"),
            ("sign_off", "I agree with the review.", "Ada Lovelace"),
        ],
        "objectives": [
            (
                None,
                "Win two new logos in the public sector",
                "Problem Solving",
                60.0,
                "2026-11-30",
                "two signed first orders",
            ),
            (None, "Run a quarterly business review at three key accounts", None, 40.0, "2026-12-18", ""),
        ],
        "outcome": outcome(),
    }
    fields.update(changes)
    return write_form(folder, name, pack, **fields)


def self_form(folder: Path, pack, name: str = "Ada Lovelace - self-assessment.xlsx", **changes) -> Path:
    fields = {
        "kind": SELF,
        "competencies": [("Communications", 5, "Weekly notes to every key account.")],
        "notes": [("crm", "I log every call the same day.", "Ada Lovelace")],
        "objectives": [
            (None, "Get the Cisco specialist certificate", "Problem Solving", None, "2026-12-01", "certificate")
        ],
    }
    fields.update(changes)
    return write_form(folder, name, pack, **fields)


# --------------------------------------------------------------------------------------------
# Rows, with where each came from
# --------------------------------------------------------------------------------------------


def test_a_manager_review_becomes_rows_with_their_provenance(pack_dir, forms):
    pack = load_pack(pack_dir)
    path = manager_form(forms, pack)
    collection = collect(pack, forms)
    sha = sha_of(path)
    provenance = {"source_file": path.name, "source_sha256": sha, "collected_at": "2026-10-02T09:30:00Z"}

    ratings = collection.added["competency_ratings"]
    assert ratings[["competency", "rater", "rating", "source_sheet", "source_cells"]].values.tolist() == [
        ["Communications", "manager", 4.0, "Review", "C7"],
        ["Problem Solving", "manager", 3.0, "Review", "C8"],
    ]
    assert (ratings[list(provenance)] == pd.Series(provenance)).all().all()
    assert ratings["period"].tolist() == ["2026Q3", "2026Q3"]

    notes = collection.added["review_notes"]
    assert notes[["section", "author_role", "author", "source_cells"]].values.tolist() == [
        ["margin", "manager", "Grace Hopper", "C20"],
        ["sign_off", "self", "Ada Lovelace", "C21"],
    ]

    objectives = collection.added["development_objectives"]
    assert objectives["objective_id"].tolist() == ["OBJ-AM1-2026Q4-01", "OBJ-AM1-2026Q4-02"]
    assert objectives["period"].tolist() == ["2026Q4", "2026Q4"]  # next quarter's plan
    assert objectives["agreed_in"].tolist() == ["2026Q3", "2026Q3"]
    assert objectives["status"].tolist() == ["not_started", "not_started"]
    assert objectives["success_measure"].tolist() == ["two signed first orders", None]
    assert objectives["source_cells"].tolist() == ["B30:G30", "B31:G31"]
    assert objectives["source_sheet"].tolist() == ["Objectives", "Objectives"]

    outcome_row = collection.added["review_outcomes"].iloc[0]
    assert (outcome_row["agreed_rating"], outcome_row["computed_rating"]) == ("Great", "Great")  # left as computed
    assert outcome_row["source"] == f"form {path.name}"
    assert outcome_row["manager_signed_on"] == pd.Timestamp("2026-10-01")
    assert outcome_row["am_signed_on"] == pd.Timestamp("2026-10-02")
    assert outcome_row["source_sha256"] == sha
    form = collection.forms[0]
    assert form.status is FormStatus.COLLECTED and form.am_id == "AM1" and form.added == 7


def test_a_scorecard_given_must_be_the_quarters_under_the_config(pack_dir, forms, monkeypatch):
    from amreview.scoring import scorecard

    pack = load_pack(pack_dir)
    manager_form(forms, pack)
    for card in (build_scorecard(pack, "2026Q2", CONFIG), build_scorecard(pack, Q3)):  # another quarter, config
        with pytest.raises(ParameterError, match="the scorecard given is of 2026Q[23] under another config"):
            collect_forms(pack, Q3, forms, CONFIG, reader=read_test_form, fingerprint_of=figures_fingerprint, card=card)
    computed = collect_forms(pack, Q3, forms, CONFIG, reader=read_test_form, fingerprint_of=figures_fingerprint)
    card = card_of(pack)
    monkeypatch.setattr(scorecard, "build_scorecard", lambda *a, **k: pytest.fail("computed again"))
    given = collect(pack, forms)  # the card given: not computed again
    assert given.summary() == computed.summary() and given.people == computed.people and card_of(pack) is card


def test_a_self_assessment_rates_as_self_and_proposes_objectives_as_notes(pack_dir, forms):
    pack = load_pack(pack_dir)
    self_form(forms, pack)
    collection = collect(pack, forms)
    assert collection.added["competency_ratings"]["rater"].tolist() == ["self"]
    notes = collection.added["review_notes"]
    assert notes[["section", "author_role", "text"]].values.tolist() == [
        ["crm", "self", "I log every call the same day."],
        [
            "proposed_objectives",
            "self",
            "Get the Cisco specialist certificate (competency: Problem Solving; due 2026-12-01; "
            "success measure: certificate)",
        ],
    ]
    assert "development_objectives" not in collection.added and "review_outcomes" not in collection.added


def test_the_new_pack_holds_the_rows_and_the_untouched_files_byte_for_byte(pack_dir, forms, tmp_path):
    pack = load_pack(pack_dir)
    manager_form(forms, pack)
    self_form(forms, pack)
    out = write_collected_pack(pack_dir, collect(pack, forms), tmp_path / "pack2")
    for table in UNTOUCHED:
        assert (out / f"{table}.csv").read_bytes() == (pack_dir / f"{table}.csv").read_bytes()
    collected = load_pack(out)
    assert len(collected["competency_ratings"]) == 3 and len(collected["review_notes"]) == 4
    assert collected["review_outcomes"]["agreed_rating"].tolist() == ["Great"]
    assert sorted(collected["development_objectives"]["objective_id"]) == ["OBJ-AM1-2026Q4-01", "OBJ-AM1-2026Q4-02"]
    assert oct(os.stat(out).st_mode & 0o777) == "0o700"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary folder left


def test_rows_already_in_the_pack_are_kept_and_new_ones_appended(tmp_path, forms):
    tables = hand_tables()
    tables["review_notes"] = pd.DataFrame(
        {
            "am_id": ["AM2"],
            "period": ["2026Q2"],
            "section": ["summary"],
            "author": ["Grace Hopper"],
            "text": ["A steady quarter."],
        }
    )
    pack_dir = Path(write_pack(tables, tmp_path / "pack"))
    pack = load_pack(pack_dir)
    manager_form(forms, pack)
    out = write_collected_pack(pack_dir, collect(pack, forms), tmp_path / "pack2")
    lines = (out / "review_notes.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("am_id,period,section,author,text,author_role,source_file")
    assert lines[1] == "AM2,2026Q2,summary,Grace Hopper,A steady quarter.,,,,,,"
    assert len(load_pack(out)["review_notes"]) == 3


# --------------------------------------------------------------------------------------------
# Collecting twice changes nothing
# --------------------------------------------------------------------------------------------


def test_collecting_the_same_forms_twice_changes_nothing(pack_dir, forms, tmp_path):
    pack = load_pack(pack_dir)
    manager_form(forms, pack)
    self_form(forms, pack)
    first = write_collected_pack(pack_dir, collect(pack, forms), tmp_path / "pack2")
    again = collect(load_pack(first), forms)
    assert [f.status for f in again.forms] == [FormStatus.UNCHANGED, FormStatus.UNCHANGED]
    assert again.added == {} and again.removed == {} and again.conflicts == ()
    second = write_collected_pack(first, again, tmp_path / "pack3")
    assert files_of(second) == files_of(first)


def test_a_copy_saved_again_with_the_same_values_adds_nothing(pack_dir, forms, tmp_path):
    pack = load_pack(pack_dir)
    manager_form(forms, pack)
    first = write_collected_pack(pack_dir, collect(pack, forms), tmp_path / "pack2")
    shutil.rmtree(forms)
    forms.mkdir()
    path = manager_form(
        forms, load_pack(first), name="Ada Lovelace - manager's review (saved again).xlsx", saved_by="LibreOffice"
    )
    assert sha_of(path) != load_pack(first)["review_outcomes"]["source_sha256"].iloc[0]  # another file …
    again = collect(load_pack(first), forms)
    assert again.forms[0].status is FormStatus.UNCHANGED and again.added == {}  # … the same input


def test_an_identical_copy_in_the_folder_is_collected_once(pack_dir, forms):
    pack = load_pack(pack_dir)
    path = manager_form(forms, pack, name="a.xlsx")
    shutil.copy(path, forms / "b.xlsx")
    collection = collect(pack, forms)
    assert [(f.file.name, f.status, f.same_as) for f in collection.forms] == [
        ("a.xlsx", FormStatus.COLLECTED, None),
        ("b.xlsx", FormStatus.UNCHANGED, "a.xlsx"),
    ]
    assert len(collection.added["competency_ratings"]) == 2
    assert collection.all_collected


# --------------------------------------------------------------------------------------------
# Input already in the pack: kept and reported, or replaced when asked
# --------------------------------------------------------------------------------------------


@pytest.fixture
def hand_typed_pack(tmp_path: Path) -> Path:
    """AM1's manager's margin comment and Communications rating for 2026Q3, typed by hand."""
    tables = hand_tables()
    tables["review_notes"] = pd.DataFrame(
        {
            "am_id": ["AM1"],
            "period": ["2026Q3"],
            "section": ["margin"],
            "author": ["Grace Hopper"],
            "text": ["Typed by hand before the meeting."],
        }
    )
    tables["competency_ratings"] = pd.DataFrame(
        {
            "am_id": ["AM1"],
            "period": ["2026Q3"],
            "competency": ["Communications"],
            "rater": ["manager"],
            "rating": [4],
            "comment": ["Clear, timely updates to every customer."],
        }
    )
    return Path(write_pack(tables, tmp_path / "hand"))


def test_a_form_that_would_change_input_in_the_pack_is_reported_and_not_applied(hand_typed_pack, forms, tmp_path):
    pack = load_pack(hand_typed_pack)
    manager_form(forms, pack)
    collection = collect(pack, forms)
    form = collection.forms[0]
    assert form.status is FormStatus.CONFLICT and not collection.all_collected
    assert collection.added == {}  # nothing of the form: not even its rows without conflict
    (conflict,) = collection.conflicts  # the rating is the same as typed by hand: no conflict
    assert (conflict.table, conflict.what, conflict.where) == (
        "review_notes",
        "the manager's margin comment (2026Q3)",
        "typed into the pack",
    )
    assert conflict.old == "text 'Typed by hand before the meeting.'"
    assert conflict.new == "text 'Margin held on run-rate business.'"
    assert conflict.new_where == "sheet 'Review', C20" and not conflict.replaced
    assert "kept; the form's value was not applied" in collection.summary()
    out = write_collected_pack(hand_typed_pack, collection, tmp_path / "pack2")
    assert files_of(out) == files_of(hand_typed_pack)


def test_replace_applies_the_form_and_reports_what_it_replaced(hand_typed_pack, forms, tmp_path):
    pack = load_pack(hand_typed_pack)
    manager_form(forms, pack)
    collection = collect(pack, forms, replace=True)
    assert collection.forms[0].status is FormStatus.COLLECTED and collection.all_collected
    (conflict,) = collection.conflicts
    assert conflict.replaced and "replaced" in str(conflict)
    assert collection.removed == {"review_notes": (0,)}
    assert "rows replaced: 1" in collection.summary()
    notes = load_pack(write_collected_pack(hand_typed_pack, collection, tmp_path / "pack2"))["review_notes"]
    margin = notes[notes["section"] == "margin"]
    assert margin["text"].tolist() == ["Margin held on run-rate business."]
    # the rating typed by hand equals the form's: kept as it was, not added again
    assert (
        len(
            load_pack(tmp_path / "pack2")["competency_ratings"].query(
                "rater == 'manager' and competency == 'Communications'"
            )
        )
        == 1
    )


def test_a_later_form_that_drops_rows_of_an_earlier_one_is_a_conflict(pack_dir, forms, tmp_path):
    pack = load_pack(pack_dir)
    first_form = manager_form(forms, pack, name="first.xlsx")
    first_sha = sha_of(first_form)
    first = write_collected_pack(pack_dir, collect(pack, forms), tmp_path / "pack2")
    first_form.unlink()
    second = manager_form(
        forms,
        load_pack(first),
        name="second.xlsx",
        objectives=[
            (
                None,
                "Win two new logos in the public sector",
                "Problem Solving",
                60.0,
                "2026-11-30",
                "two signed first orders",
            )
        ],
    )
    kept = collect(load_pack(first), forms)
    (conflict,) = kept.conflicts
    assert conflict.what == "objective 'OBJ-AM1-2026Q4-02' of the 2026Q4 plan"
    assert conflict.new == "nothing (not on this form)" and conflict.where.startswith("first.xlsx, sheet 'Objectives'")
    replaced = collect(load_pack(first), forms, replace=True)
    after = load_pack(write_collected_pack(first, replaced, tmp_path / "pack3"))
    plan = after["development_objectives"]
    assert plan["objective_id"].tolist() == ["OBJ-AM1-2026Q4-01"]
    # the outcome on the second form is the same as on the first: the first's row is kept as it was
    assert after["review_outcomes"][["source_file", "source_sha256"]].values.tolist() == [["first.xlsx", first_sha]]
    assert sha_of(second) != first_sha


def test_two_different_forms_of_one_kind_for_one_person_are_both_refused(pack_dir, forms):
    pack = load_pack(pack_dir)
    manager_form(forms, pack, name="a.xlsx")
    manager_form(forms, pack, name="b.xlsx", competencies=[("Communications", 2, "")])
    self_form(forms, pack)
    collection = collect(pack, forms)
    by_name = {f.file.name: f for f in collection.forms}
    assert by_name["a.xlsx"].status is by_name["b.xlsx"].status is FormStatus.ERROR
    assert "another, different one: b.xlsx" in str(by_name["a.xlsx"].problems[0])
    assert "another, different one: a.xlsx" in str(by_name["b.xlsx"].problems[0])
    assert "one manager's review of Ada Lovelace (AM1)" in str(by_name["a.xlsx"].problems[0])
    assert by_name["Ada Lovelace - self-assessment.xlsx"].status is FormStatus.COLLECTED  # the rest is collected
    assert set(collection.added["competency_ratings"]["rater"]) == {"self"}


# --------------------------------------------------------------------------------------------
# Forms that cannot be collected
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "expected", "found"),
    [
        (
            {"am_id": "AM9", "fingerprint": "0" * 64},
            "a form for an account manager of the pack",
            "a form for am_id AM9",
        ),
        ({"period": "2026Q2"}, "a form for 2026Q3", "a form for 2026Q2"),
        (
            {"fingerprint": "f" * 64},
            "a form made from the figures the pack gives now",
            "the pack has changed since the form was made",
        ),
        (
            {"version": FORM_VERSION + 1},
            f"a form of layout version {FORM_VERSION} (make it again)",
            f"version {FORM_VERSION + 1}",
        ),
    ],
)
def test_a_form_for_another_person_or_quarter_or_from_old_figures_is_refused(pack_dir, forms, changes, expected, found):
    pack = load_pack(pack_dir)
    manager_form(forms, pack, name="wrong.xlsx", **changes)
    self_form(forms, pack)
    collection = collect(pack, forms)
    wrong = next(f for f in collection.forms if f.file.name == "wrong.xlsx")
    assert wrong.status is FormStatus.ERROR
    text = str(wrong.problems[0])
    assert text.startswith("wrong.xlsx: expected ") and expected in text and found in text
    assert set(collection.added) == {"competency_ratings", "review_notes"}  # the self-assessment only
    assert set(collection.added["competency_ratings"]["rater"]) == {"self"}


def test_a_form_for_someone_not_yet_in_role_is_refused(tmp_path, forms):
    tables = hand_tables()
    tables["account_managers"]["start_date"] = ["2020-01-06", "2020-01-06", "2026-11-02"]  # AM3 starts in Q4
    pack = load_pack(write_pack(tables, tmp_path / "pack"))
    write_form(forms, "cleo.xlsx", pack, am_id="AM3", kind=SELF, competencies=[("Communications", 3, "")])
    collection = collect(pack, forms)
    assert str(collection.forms[0].problems[0]) == (
        "cleo.xlsx: expected a form for an account manager in role in 2026Q3; found 'a form for AM3, who is not'"
    )
    assert [a for a, _ in collection.people] == ["AM1", "AM2"]  # nor is AM3 missing


def test_a_self_assessment_carries_no_outcome_and_no_sign_off(pack_dir, forms):
    pack = load_pack(pack_dir)
    self_form(forms, pack, outcome=outcome(), notes=[("sign_off", "Signed.", "Ada Lovelace")])
    messages = [str(p) for p in collect(pack, forms).forms[0].problems]
    assert any(
        "cell C20: expected the account manager's comment at signing on the manager's review" in m for m in messages
    )
    assert any("cell C50:C55: expected no outcome block on a self-assessment" in m for m in messages)


def test_a_form_made_before_the_figures_changed_is_stale(pack_dir, forms, tmp_path):
    pack = load_pack(pack_dir)
    manager_form(forms, pack)  # made from the pack as it is
    sales = pd.read_csv(pack_dir / "sales.csv", dtype=str)
    sales.loc[sales["line_id"] == "L1", "revenue"] = "1100.0"  # a credit note booked since
    changed = tmp_path / "changed"
    shutil.copytree(pack_dir, changed)
    sales.to_csv(changed / "sales.csv", index=False)
    collection = collect(load_pack(changed), forms)
    assert collection.forms[0].status is FormStatus.ERROR
    assert "changed since the form was made" in str(collection.forms[0].problems[0])


def test_a_form_with_errors_contributes_nothing_and_the_others_are_collected(pack_dir, forms, tmp_path):
    pack = load_pack(pack_dir)
    manager_form(forms, pack, name="broken.xlsx", problems=[("Review", "D7", "a rating 1, 2, 3, 4 or 5", "good")])
    self_form(forms, pack)
    collection = collect(pack, forms)
    broken = next(f for f in collection.forms if f.file.name == "broken.xlsx")
    assert broken.status is FormStatus.ERROR and broken.added == 0
    assert str(broken.problems[0]) == (
        "broken.xlsx, sheet 'Review', cell D7: expected a rating 1, 2, 3, 4 or 5; found 'good'"
    )
    assert "not collected: broken.xlsx (1 problem; nothing of it was added)" in collection.summary()
    out = load_pack(write_collected_pack(pack_dir, collection, tmp_path / "pack2"))
    assert set(out["competency_ratings"]["rater"]) == {"self"}
    assert not out.has("review_outcomes")


@pytest.mark.parametrize(
    ("changes", "cell", "expected", "found"),
    [
        ({"competencies": [("Communications", 6, "")]}, "C7", "a rating 1, 2, 3, 4 or 5", "'6'"),
        ({"competencies": [("Communications", 0, "")]}, "C7", "a rating 1, 2, 3, 4 or 5", "'0'"),
        (
            {"competencies": [("Communications", None, "Very clear")]},
            "C7",
            "a rating 1–5 for 'Communications'",
            "'a comment without a rating'",
        ),
        ({"competencies": [("Charm", 4, "")]}, "C7", "one of the competencies", "'Charm'"),
        ({"notes": [("weather", "Sunny", "Grace Hopper")]}, "C20", "a comment on one of the sections", "'weather'"),
        (
            {"objectives": [(None, "Win logos", None, 50.0, "2027-01-15", "")]},
            "B30:G30",
            "a due date in the next quarter, 2026Q4 (2026-10-01 to 2026-12-31)",
            "'2027-01-15'",
        ),
        (
            {"objectives": [(None, "", "Communications", 50.0, None, "")]},
            "B30:G30",
            "the objective, in words",
            "'none'",
        ),
        (
            {"objectives": [("OBJ-ELSE", "Someone else's", None, None, None, "")]},
            "B30:G30",
            "the id of one of AM1's objectives",
            "'OBJ-ELSE'",
        ),
        (
            {"outcome": outcome(agreed="Poor")},
            "C50:C55",
            "a reason for agreeing 'Poor' rather than the computed 'Great'",
            "'no reason'",
        ),
        (
            {"outcome": outcome(agreed="Meets")},
            "C50:C55",
            "a rating label of the scorecard config: Great, Poor",
            "'Meets'",
        ),
        (
            {"outcome": outcome(computed="Poor")},
            "C50:C55",
            "the computed rating as the pack gives it now (Great)",
            "'Poor'",
        ),
    ],
)
def test_a_field_that_cannot_become_a_row_names_its_cell(pack_dir, forms, changes, cell, expected, found):
    pack = load_pack(pack_dir)
    manager_form(forms, pack, name="form.xlsx", **changes)
    (form,) = collect(pack, forms).forms
    assert form.status is FormStatus.ERROR
    messages = [str(p) for p in form.problems]
    sheet = "Objectives" if cell.startswith("B") else "Review"
    assert any(
        m.startswith(f"form.xlsx, sheet '{sheet}', cell {cell}: expected ")
        and expected in m
        and m.endswith(f"found {found}")
        for m in messages
    ), messages


def test_rows_that_break_the_contract_are_refused_naming_their_cells(pack_dir, forms):
    # behind the checks of the fields: the rows themselves against the schemas, all forms at once
    from amreview.cycle.collect import row_problems
    from amreview.cycle.form_rows import competency_rows

    pack = load_pack(pack_dir)
    good, bad = (read_test_form(manager_form(forms, pack, name=n)) for n in ("good.xlsx", "bad.xlsx"))
    broken = [
        {**row, "rating": 7.0, "source_sha256": "ABC"} if row["competency"] == "Problem Solving" else row
        for row in competency_rows(bad, Q3)
    ]
    problems = row_problems(
        [(good, {"competency_ratings": competency_rows(good, Q3)}), (bad, {"competency_ratings": broken})]
    )
    assert list(problems) == [bad.path]
    messages = sorted(str(p) for p in problems[bad.path])
    assert messages[0].startswith("bad.xlsx, sheet 'Review', cell C8: expected competency_ratings.rating: one of")
    assert messages[1].startswith(
        "bad.xlsx, sheet 'Review', cell C8: expected competency_ratings.source_sha256: text matching"
    )


def test_a_changed_rating_with_its_reason_is_agreed(pack_dir, forms):
    pack = load_pack(pack_dir)
    manager_form(forms, pack, outcome=outcome(agreed="Poor", reason="Two key accounts lost in September."))
    row = collect(pack, forms).added["review_outcomes"].iloc[0]
    assert (row["agreed_rating"], row["computed_rating"], row["change_reason"]) == (
        "Poor",
        "Great",
        "Two key accounts lost in September.",
    )


def test_an_empty_form_is_reported_and_adds_nothing(pack_dir, forms):
    pack = load_pack(pack_dir)
    write_form(forms, "empty.xlsx", pack, kind=SELF)
    collection = collect(pack, forms)
    assert collection.forms[0].status is FormStatus.EMPTY and collection.added == {}
    assert "empty: Ada Lovelace (AM1), self-assessment from empty.xlsx" in collection.summary()


def test_other_files_in_the_folder_are_refused_or_ignored(pack_dir, forms):
    pack = load_pack(pack_dir)
    manager_form(forms, pack)
    for name in (
        "old.xls",
        "calc.ods",
        "export.csv",
        "README.txt",
        "~$Ada Lovelace - manager's review.xlsx",
        ".~lock.x.xlsx#",
        ".DS_Store",
    ):
        (forms / name).write_bytes(b"not a form")
    (forms / "drafts").mkdir()
    collection = collect(pack, forms)
    refused = {f.file.name: str(f.problems[0]) for f in collection.forms if f.status is FormStatus.ERROR}
    assert set(refused) == {"old.xls", "calc.ods", "export.csv"}
    assert refused["calc.ods"].startswith("calc.ods: expected an .xlsx workbook")
    assert "found 'an OpenDocument spreadsheet (.ods)'" in refused["calc.ods"]
    assert dict(collection.ignored).keys() == {
        "README.txt",
        "~$Ada Lovelace - manager's review.xlsx",
        ".~lock.x.xlsx#",
        ".DS_Store",
        "drafts",
    }
    assert "close the workbook" in dict(collection.ignored)["~$Ada Lovelace - manager's review.xlsx"]
    assert len(collection.added["competency_ratings"]) == 2


def test_a_missing_forms_folder_is_a_bad_argument(pack_dir, tmp_path):
    with pytest.raises(ArgumentError, match="the forms folder"):
        collect(load_pack(pack_dir), tmp_path / "nowhere")


# --------------------------------------------------------------------------------------------
# Text kept as typed
# --------------------------------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://example.com","click")', "+1+1", "-2+3 cmd", "@SUM(A1:A9)"]


@pytest.mark.parametrize("file_format", ["csv", "xlsx", "parquet"])
def test_comments_that_look_like_formulas_stay_text_in_every_format(tmp_path, forms, file_format):
    pack_dir = Path(write_pack(hand_tables(), tmp_path / "pack", file_format))
    pack = load_pack(pack_dir)
    manager_form(
        forms,
        pack,
        competencies=[("Communications", 4, FORMULAS[0])],
        notes=[(s, text, "Grace Hopper") for s, text in zip(("summary", "margin", "crm"), FORMULAS[1:])],
    )
    out = write_collected_pack(pack_dir, collect(pack, forms), tmp_path / "pack2")
    collected = load_pack(out)
    assert collected["competency_ratings"]["comment"].tolist() == [FORMULAS[0]]
    assert collected["review_notes"]["text"].tolist() == FORMULAS[1:]
    if file_format == "csv":
        text = (out / "review_notes.csv").read_text(encoding="utf-8")
        assert "'+1+1" in text and "'-2+3 cmd" in text and "'@SUM(A1:A9)" in text
        assert "'=HYPERLINK" in (out / "competency_ratings.csv").read_text(encoding="utf-8")
    if file_format == "xlsx":
        sheet = load_workbook(out / "review_notes.xlsx").worksheets[0]
        cells = [c for row in sheet.iter_rows() for c in row if c.value in FORMULAS]
        assert len(cells) == 3 and {c.data_type for c in cells} == {"s"}


@pytest.mark.parametrize(("file_format", "length"), [("csv", 100_000), ("xlsx", 32_767), ("parquet", 100_000)])
def test_a_long_comment_is_kept_whole(tmp_path, forms, file_format, length):
    pack_dir = Path(write_pack(hand_tables(), tmp_path / "pack", file_format))
    pack = load_pack(pack_dir)
    comment = ('Line one, "quoted", with a comma.\n' * (length // 34 + 1))[: length - 3] + "end"
    manager_form(forms, pack, notes=[("summary", comment, "Grace Hopper")])
    notes = load_pack(write_collected_pack(pack_dir, collect(pack, forms), tmp_path / "pack2"))["review_notes"]
    assert notes["text"].tolist() == [comment] and len(notes["text"].iloc[0]) == length


# --------------------------------------------------------------------------------------------
# What is missing, and the display
# --------------------------------------------------------------------------------------------


def test_missing_lists_everyone_in_scope_without_a_form_or_earlier_input(hand_typed_pack, forms):
    pack = load_pack(hand_typed_pack)
    self_form(forms, pack)
    collection = collect(pack, forms)
    # AM1: self-assessment returned, manager's input typed by hand; AM2, AM3: nothing
    assert collection.missing == (("AM2", SELF), ("AM2", MANAGER), ("AM3", SELF), ("AM3", MANAGER))
    assert ("AM1", MANAGER) in collection.in_pack
    summary = collection.summary()
    assert "missing self-assessment (2): Brian Kernighan (AM2), Cleo Starter (AM3)" in summary
    assert "missing manager's review (2): Brian Kernighan (AM2), Cleo Starter (AM3)" in summary


def test_the_display_escapes_what_people_typed(tmp_path, forms):
    tables = hand_tables()
    tables["account_managers"].loc[1, "name"] = "<script>alert('x')</script> Kernighan"
    pack_dir = Path(write_pack(tables, tmp_path / "pack"))
    pack = load_pack(pack_dir)
    manager_form(forms, pack, name="<b>bold.xlsx", competencies=[("<img src=x>", 4, "")])
    collection = collect(pack, forms)
    page = collection._repr_html_()
    assert "<script>" not in page and "<img" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Kernighan (AM2)" in page
    assert "&lt;b&gt;bold.xlsx" in page
    assert page.count("<tr>") == 4  # a header and one row per person in scope
    assert "<td class='error'>errors: &lt;b&gt;bold.xlsx</td>" in page
    assert repr(collection) == "<Collection 2026Q3: 1 forms, 0 collected, 5 missing, 0 conflicts, 1 with errors>"
    assert str(collection) == collection.summary()


# --------------------------------------------------------------------------------------------
# Writing: where, and never half of it
# --------------------------------------------------------------------------------------------


def test_the_output_must_be_a_new_or_empty_folder_or_the_pack_itself(pack_dir, forms, tmp_path):
    pack = load_pack(pack_dir)
    manager_form(forms, pack)
    collection = collect(pack, forms)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x.txt").write_text("x")
    with pytest.raises(ArgumentError, match="expected a new or empty folder"):
        write_collected_pack(pack_dir, collection, busy)
    with pytest.raises(ArgumentError, match="--out"):
        write_collected_pack(pack_dir, collection, None)
    (tmp_path / "empty").mkdir()
    assert load_pack(write_collected_pack(pack_dir, collection, tmp_path / "empty")).has("review_outcomes")


def test_the_pack_folder_itself_is_updated_whole(pack_dir, forms, tmp_path):
    (pack_dir / "import-report.md").write_text("how the pack was made")
    pack = load_pack(pack_dir)
    manager_form(forms, pack)
    write_collected_pack(pack_dir, collect(pack, forms), pack_dir)
    assert load_pack(pack_dir).has("review_outcomes")
    assert (pack_dir / "import-report.md").read_text() == "how the pack was made"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["forms", "pack"]  # nothing left beside it


def test_a_pack_changed_since_collection_is_not_written(pack_dir, forms, tmp_path):
    pack = load_pack(pack_dir)
    manager_form(forms, pack)
    collection = collect(pack, forms)
    with (pack_dir / "targets.csv").open("a", encoding="utf-8") as handle:
        handle.write("AM2,2026Q4,revenue,500\n")
    with pytest.raises(Exception, match="has changed since the forms were collected"):
        write_collected_pack(pack_dir, collection, tmp_path / "pack2")
    assert not (tmp_path / "pack2").exists()


def test_a_failure_while_writing_leaves_nothing(pack_dir, forms, tmp_path, monkeypatch):
    from amreview.cycle import collected_pack

    pack = load_pack(pack_dir)
    manager_form(forms, pack)
    collection = collect(pack, forms)

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(collected_pack, "write_data_workbook", full_disk)
    monkeypatch.setattr(collected_pack, "write_csv", full_disk)
    with pytest.raises(Exception, match="full"):
        write_collected_pack(pack_dir, collection, tmp_path / "pack2")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["forms", "pack"]


def test_the_sample_is_written_as_a_folder_with_the_rows(tmp_path, tmp_path_factory, forms):
    pack = sample_pack_once(tmp_path_factory)  # load_pack("sample")
    # the sample's AM001 has the manager's 2026Q3 ratings and some comments already: these are others
    manager_form(
        forms,
        pack,
        name="am001.xlsx",
        am_id="AM001",
        competencies=[],
        objectives=[],
        outcome=None,
        notes=[("crm", "Every call logged.", "Claire Whitfield"), ("sign_off", "Agreed.", "Hannah Price")],
    )
    collection = collect(pack, forms)
    assert collection.rows_added() == {"review_notes": 2}
    written = load_pack(write_collected_pack("sample", collection, tmp_path / "sample-pack"))
    assert len(written["review_notes"]) == len(pack["review_notes"]) + 2
    assert len(written["sales"]) == len(pack["sales"])
    mine = written["review_notes"][written["review_notes"]["source_file"] == "am001.xlsx"]
    assert mine["section"].tolist() == ["crm", "sign_off"]


# --------------------------------------------------------------------------------------------
# Database packs
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_database_pack_gets_the_rows_in_one_transaction(backend, tmp_path, forms):
    from tests.test_sql import empty_database

    tables = hand_tables()
    tables["review_notes"] = pd.DataFrame(
        {
            "am_id": ["AM1"],
            "period": ["2026Q3"],
            "section": ["margin"],
            "author": ["Grace Hopper"],
            "text": ["Typed by hand."],
        }
    )
    with empty_database(backend, tmp_path) as url:
        write_pack(tables, url)
        pack = load_pack(url)
        manager_form(forms, pack)
        self_form(forms, pack)
        kept = collect(pack, forms)
        assert [f.status for f in kept.forms] == [FormStatus.CONFLICT, FormStatus.COLLECTED]
        write_collected_pack(url, kept, None)
        middle = load_pack(url)
        assert not middle.has("review_outcomes") and len(middle["review_notes"]) == 3  # hand note + self's two

        replaced = collect(middle, forms, replace=True)
        write_collected_pack(url, replaced, None)
        after = load_pack(url)
        assert after["review_outcomes"][["agreed_rating", "computed_rating"]].values.tolist() == [["Great", "Great"]]
        margin = after["review_notes"][after["review_notes"]["section"] == "margin"]
        assert margin["text"].tolist() == ["Margin held on run-rate business."]
        assert after["review_notes"]["source_sha256"].notna().sum() == 4
        assert sorted(after["development_objectives"]["objective_id"]) == ["OBJ-AM1-2026Q4-01", "OBJ-AM1-2026Q4-02"]

        again = collect(after, forms)
        assert again.added == {} and again.removed == {}
        write_collected_pack(url, again, None)
        assert len(load_pack(url)["review_notes"]) == len(after["review_notes"])
        with pytest.raises(ArgumentError, match="give no --out"):
            write_collected_pack(url, again, tmp_path / "elsewhere")


# --------------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------------


@pytest.fixture
def test_reader(monkeypatch, tmp_path):
    """``amreview collect`` with the test reader and fingerprint; the test config as a file."""
    configs = []
    monkeypatch.setattr(
        collect_module,
        "read_returned_form",
        lambda path, config: configs.append(config) or read_test_form(path, config),
    )
    monkeypatch.setattr(collect_module, "fingerprint_from", lambda card: figures_fingerprint)
    config = tmp_path / "config.toml"
    config.write_text(
        'min_rated_weight = 0.0\nratings = [{ label = "Great", min_score = 3 }, '
        '{ label = "Poor", min_score = 1 }]\n[measures.margin_kpi_targets]\nweight = 1.0\n'
        "kpis.revenue_attainment = { weight = 1.0, bands = [0.5, 0.8, 1.0, 1.2] }\n"
    )
    return SimpleNamespace(path=config, configs=configs)  # the config file, and the configs the reader was given


def run(*args: str) -> int:
    try:
        main(list(args))
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_the_command_collects_and_exits_0(pack_dir, forms, tmp_path, test_reader, capsys):
    pack = load_pack(pack_dir)
    manager_form(forms, pack)
    code = run(
        "collect",
        "--data",
        str(pack_dir),
        "--period",
        "2026Q3",
        "--forms",
        str(forms),
        "--out",
        str(tmp_path / "pack2"),
        "--config",
        str(test_reader.path),
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "1 collected" in out and f"pack with the collected rows: {tmp_path / 'pack2'}" in out
    assert "manager's review from Ada Lovelace - manager's review.xlsx: 7 rows added" in out
    assert [[r.label for r in c.ratings] for c in test_reader.configs] == [["Great", "Poor"]]
    assert load_pack(tmp_path / "pack2").has("review_outcomes")


def test_the_command_exits_3_when_a_form_has_errors_and_still_writes_the_rest(
    pack_dir, forms, tmp_path, test_reader, capsys
):
    pack = load_pack(pack_dir)
    manager_form(forms, pack, name="broken.xlsx", problems=[("Review", "C9", "a date", "'soon'")])
    self_form(forms, pack)
    code = run(
        "collect",
        "--data",
        str(pack_dir),
        "--period",
        "2026Q3",
        "--forms",
        str(forms),
        "--out",
        str(tmp_path / "pack2"),
        "--config",
        str(test_reader.path),
    )
    captured = capsys.readouterr()
    assert code == 3 and "Traceback" not in captured.err
    assert "broken.xlsx, sheet 'Review', cell C9: expected a date" in captured.out
    assert set(load_pack(tmp_path / "pack2")["competency_ratings"]["rater"]) == {"self"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2026Q5"], "not a quarter"),
        (["--out", None], "--out"),
        (["--forms", "nowhere"], "no such folder"),
    ],
)
def test_the_command_refuses_bad_arguments_with_exit_2_before_writing(
    pack_dir, forms, tmp_path, test_reader, capsys, args, message
):
    options = {
        "--data": str(pack_dir),
        "--period": "2026Q3",
        "--forms": str(forms),
        "--out": str(tmp_path / "p2"),
        "--config": str(test_reader.path),
    }
    options.update(dict(zip(args[::2], args[1::2])))
    argv = ["collect"] + [x for k, v in options.items() if v is not None for x in (k, v)]
    assert run(*argv) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "p2").exists()


# --------------------------------------------------------------------------------------------
# The contract's new columns, and the agreed rating against the config
# --------------------------------------------------------------------------------------------


def test_the_new_columns_are_checked_when_a_pack_is_loaded(tmp_path):
    tables = hand_tables()
    tables["review_notes"] = pd.DataFrame(
        {
            "am_id": ["AM1"],
            "period": ["2026Q3"],
            "section": ["margin"],
            "text": ["x"],
            "author_role": ["boss"],
            "collected_at": ["yesterday"],
        }
    )
    tables["development_objectives"] = pd.DataFrame(
        {
            "am_id": ["AM1"],
            "objective_id": ["O1"],
            "period": ["2026Q4"],
            "objective": ["x"],
            "status": ["not_started"],
            "agreed_in": ["last quarter"],
            "source_sha256": ["abc"],
        }
    )
    with pytest.raises(DataError) as caught:
        load_pack(write_pack(tables, tmp_path / "pack"))
    problems = caught.value.problems.set_index("column")
    assert "one of ['self', 'manager']" in problems.loc["author_role", "expected"]
    assert problems.loc["agreed_in", "expected"] == "a quarter YYYYQn (e.g. 2026Q3)"
    assert "collected_at" in problems.index and "source_sha256" in problems.index


def test_a_database_pack_names_a_row_with_an_unknown_rating_by_its_key(tmp_path):
    from amreview.quality.checks import check_pack

    tables = hand_tables()
    tables["review_outcomes"] = pd.DataFrame(
        {"am_id": ["AM1", "AM2"], "period": ["2026Q3", "2026Q3"], "agreed_rating": ["Great", "Superb"]}
    )
    url = f"sqlite:///{tmp_path / 'pack.db'}"
    write_pack(tables, url)
    errors = check_pack(url, rating_labels=["Great", "Poor"]).errors
    assert errors[["table", "row", "column", "found"]].values.tolist() == [
        ["review_outcomes", "am_id = AM2 and period = 2026Q3", "agreed_rating", "'Superb'"]
    ]
    assert check_pack(url).ok  # without the config's labels, nothing to compare with


def test_validate_reports_an_agreed_rating_that_is_not_a_label_of_the_config(tmp_path, test_reader, capsys):
    tables = hand_tables()
    tables["review_outcomes"] = pd.DataFrame(
        {"am_id": ["AM1", "AM2"], "period": ["2026Q3", "2026Q3"], "agreed_rating": ["Great", "Superb"]}
    )
    pack_dir = Path(write_pack(tables, tmp_path / "pack"))
    code = run("validate", str(pack_dir), "--config", str(test_reader.path), "--report", str(tmp_path / "q.html"))
    err = capsys.readouterr().err
    assert code == 3
    assert (
        "table review_outcomes, row 3, column agreed_rating: expected a rating label of the scorecard config: "
        "Great, Poor, found 'Superb'"
    ) in err
    assert run("validate", str(pack_dir), "--report", str(tmp_path / "q.html")) == 3  # the packaged labels
    assert "Outstanding, Exceeds, Meets, Partially meets, Below, found 'Great'" in capsys.readouterr().err
