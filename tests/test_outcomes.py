"""Where a review stands (draft, in review, signed) and calibration: each case from hand-made
tables, the expected answer written out by hand (amreview.scoring.outcomes, amreview.scoring.calibration)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from amreview.errors import PeriodError
from amreview.periods import Quarter
from amreview.scoring.calibration import (
    FLAG_NO_REASON,
    FLAG_TOO_FAR,
    FLAG_UNKNOWN,
    NO_RATING,
    NOT_AGREED,
    band_change,
    leaning_rule,
    manager_calibration,
    rating_changes,
    rating_distributions,
)
from amreview.scoring.config import load_config
from amreview.scoring.outcomes import ReviewOutcome, people_with_input, review_status
from amreview.scoring.rater_effects import LENIENT, SEVERE

Q3 = Quarter.parse("2026Q3")
PEOPLE = ["A", "B", "C", "D", "E", "F", "G", "H"]


def computed(ratings: dict[str, str | None] | None = None) -> pd.Series:
    ratings = ratings or {}
    return pd.Series([ratings.get(p, "Meets") for p in PEOPLE], index=PEOPLE, dtype=object)


def tables() -> dict[str, pd.DataFrame]:
    """One case per person: A nothing (draft), B a peer's rating only, C a note of another quarter
    only (draft), D signed by the manager only, E signed by both, F an objective agreed in this
    review, G an objective of this quarter's plan agreed earlier (draft), H a blank note."""
    return {
        "competency_ratings": pd.DataFrame(
            {
                "am_id": ["B"],
                "period": ["2026Q3"],
                "competency": ["Communications"],
                "rater": ["peer"],
                "rating": [4.0],
                "comment": [None],
            }
        ),
        "review_notes": pd.DataFrame(
            {
                "am_id": ["C", "H"],
                "period": ["2026Q2", "2026Q3"],
                "section": ["margin", "margin"],
                "author": [None, None],
                "text": ["old", ""],
            }
        ),
        "review_outcomes": pd.DataFrame(
            {
                "am_id": ["D", "E"],
                "period": ["2026Q3", "2026Q3"],
                "agreed_rating": ["Meets", "Exceeds"],
                "computed_rating": ["Meets", "Meets"],
                "change_reason": [None, "  the deal of the year  "],
                "manager_signed_by": ["Grace Hopper", "Grace Hopper"],
                "manager_signed_on": pd.to_datetime(["2026-10-02", "2026-10-02"]),
                "am_signed_on": pd.to_datetime([None, "2026-10-05"]),
                "source": ["form d.xlsx", "form e.xlsx"],
            }
        ),
        "development_objectives": pd.DataFrame(
            {
                "am_id": ["F", "G"],
                "objective_id": ["O1", "O2"],
                "period": ["2026Q4", "2026Q3"],
                "objective": ["x", "y"],
                "status": ["not_started", "in_progress"],
                "agreed_in": ["2026Q3", "2026Q2"],
            }
        ),
    }


def test_each_status_case_from_hand_made_tables():
    status = review_status(Q3, computed(), **tables())
    assert status["review_status"].to_dict() == {
        "A": "draft",
        "B": "in_review",
        "C": "draft",
        "D": "in_review",
        "E": "signed",
        "F": "in_review",
        "G": "draft",
        "H": "in_review",
    }
    assert list(status.index) == PEOPLE


def test_the_agreed_rating_beside_the_computed_one_and_the_signatures():
    status = review_status(Q3, computed({"E": "Meets", "A": None}), **tables())
    e = ReviewOutcome.from_row(status.loc["E"])
    assert (e.status, e.agreed_rating, e.computed_rating, e.rating_on_form) == ("signed", "Exceeds", "Meets", "Meets")
    assert e.change_reason == "  the deal of the year  "  # as typed: nothing trimmed away
    assert e.manager_signed_on == pd.Timestamp("2026-10-02") and e.am_signed_on == pd.Timestamp("2026-10-05")
    assert e.manager_signed_by == "Grace Hopper" and e.source == "form e.xlsx" and e.changed and e.label == "Signed"
    d = ReviewOutcome.from_row(status.loc["D"])
    assert d.am_signed_on is None and d.status == "in_review" and not d.changed
    a = ReviewOutcome.from_row(status.loc["A"])
    assert a == ReviewOutcome(status="draft") and a.is_draft


def test_no_table_at_all_is_draft_and_input_of_someone_else_is_ignored():
    assert set(review_status(Q3, computed())["review_status"]) == {"draft"}
    notes = pd.DataFrame({"am_id": ["Z"], "period": ["2026Q3"], "section": ["margin"], "author": ["x"], "text": ["y"]})
    assert list(review_status(Q3, computed(), review_notes=notes)["review_status"].unique()) == ["draft"]
    assert people_with_input(Q3, review_notes=notes) == {"Z"}


def test_objectives_without_agreed_in_are_no_input():
    objectives = tables()["development_objectives"].drop(columns="agreed_in")
    assert people_with_input(Q3, development_objectives=objectives) == set()


def test_review_status_does_not_modify_its_inputs():
    given = tables()
    copies = {name: frame.copy() for name, frame in given.items()}
    ratings = computed()
    review_status(Q3, ratings, **given)
    for name, frame in given.items():
        pd.testing.assert_frame_equal(frame, copies[name])
    pd.testing.assert_series_equal(ratings, computed())


def test_review_status_refuses_text_for_a_quarter():
    with pytest.raises(PeriodError, match="expected a Quarter"):
        review_status("2026Q3", computed())


# --------------------------------------------------------------------------------------------
# Calibration
# --------------------------------------------------------------------------------------------

CONFIG = load_config()  # Outstanding, Exceeds, Meets, Partially meets, Below


@pytest.mark.parametrize(
    ("computed_rating", "agreed", "expected"),
    [
        ("Meets", "Meets", 0),
        ("Meets", "Exceeds", 1),
        ("Meets", "Outstanding", 2),
        ("Exceeds", "Below", -3),
        ("Meets", None, math.nan),
        (None, "Meets", math.nan),
        ("Meets", "Great", math.nan),
    ],
)
def test_band_change_counts_rating_bands(computed_rating, agreed, expected):
    found = band_change(pd.Series([computed_rating], dtype=object), pd.Series([agreed], dtype=object), CONFIG).iloc[0]
    assert (math.isnan(found) and math.isnan(expected)) or found == expected


def status_frame(rows: list[tuple]) -> pd.DataFrame:
    """(am_id, computed, agreed, reason) → review_status-like rows."""
    return pd.DataFrame(rows, columns=["am_id", "computed_rating", "agreed_rating", "change_reason"]).set_index("am_id")


def test_a_change_of_two_bands_and_a_change_without_reason_are_flagged():
    changes = rating_changes(
        status_frame(
            [
                ("A", "Meets", "Outstanding", "a record year"),  # two bands, with a reason
                ("B", "Meets", "Exceeds", "   "),  # one band, the reason blank
                ("C", "Meets", "Exceeds", "won the tender"),  # one band with a reason: fine
                ("D", "Meets", "Meets", None),  # no change: fine
                ("E", "Meets", "Superb", "x"),  # not a label of the config
                ("F", "Meets", None, None),  # not agreed yet
                ("G", "Exceeds", "Partially meets", None),  # two bands down, no reason
            ]
        ),
        CONFIG,
    )
    assert changes["flags"].to_dict() == {
        "A": (FLAG_TOO_FAR,),
        "B": (FLAG_NO_REASON,),
        "C": (),
        "D": (),
        "E": (FLAG_UNKNOWN,),
        "F": (),
        "G": (FLAG_TOO_FAR, FLAG_NO_REASON),
    }
    assert changes["band_change"].fillna(99).to_dict() == {"A": 2, "B": 1, "C": 1, "D": 0, "E": 99, "F": 99, "G": -2}
    assert changes["reason_given"].to_dict() == {
        "A": True,
        "B": False,
        "C": True,
        "D": False,
        "E": True,
        "F": False,
        "G": False,
    }


def test_a_frame_that_keeps_only_whether_a_reason_was_given():
    frame = status_frame([("A", "Meets", "Exceeds", None)]).drop(columns="change_reason").assign(reason_given=[True])
    assert rating_changes(frame, CONFIG).at["A", "flags"] == ()


def test_the_distribution_of_computed_and_agreed_ratings():
    changes = rating_changes(
        status_frame(
            [
                ("A", "Meets", "Exceeds", "r"),
                ("B", "Meets", "Meets", None),
                ("C", None, None, None),
                ("D", "Below", None, None),
                ("E", "Meets", "Superb", "r"),
            ]
        ),
        CONFIG,
    )
    counts = rating_distributions(changes, CONFIG)
    assert list(counts.index) == [
        "Below",
        "Partially meets",
        "Meets",
        "Exceeds",
        "Outstanding",
        "Superb",
        NO_RATING,
        NOT_AGREED,
    ]
    assert counts["computed"].to_dict() == {
        "Below": 1,
        "Partially meets": 0,
        "Meets": 3,
        "Exceeds": 0,
        "Outstanding": 0,
        "Superb": 0,
        NO_RATING: 1,
        NOT_AGREED: 0,
    }
    assert counts["agreed"].to_dict() == {
        "Below": 0,
        "Partially meets": 0,
        "Meets": 1,
        "Exceeds": 1,
        "Outstanding": 0,
        "Superb": 1,
        NO_RATING: 0,
        NOT_AGREED: 2,
    }


def organisation(rows: list[tuple]) -> tuple[pd.DataFrame, pd.Series]:
    """(am_id, manager, computed, agreed, reason) → the changes and the managers."""
    frame = pd.DataFrame(rows, columns=["am_id", "manager", "computed_rating", "agreed_rating", "change_reason"])
    frame = frame.set_index("am_id")
    return rating_changes(frame, CONFIG), frame["manager"]


def test_a_lenient_and_a_severe_manager_and_the_rest_not_flagged():
    changes, managers = organisation(
        # Lena raises five of six by a band: mean 5/6; Sam lowers five of six: −5/6
        [(f"L{i}", "Lena", "Meets", "Exceeds", "r") for i in range(5)]
        + [("L5", "Lena", "Meets", "Meets", None)]
        + [(f"S{i}", "Sam", "Meets", "Partially meets", "r") for i in range(5)]
        + [("S5", "Sam", "Exceeds", "Exceeds", None)]
        + [
            # Ola raises both of hers by one, but two people are too few to compare
            ("O1", "Ola", "Meets", "Exceeds", "r"),
            ("O2", "Ola", "Meets", "Exceeds", "r"),
            # Kim: mean (1 − 1 + 0 + 0) / 4 = 0; one not agreed yet, left out of the mean
            ("K1", "Kim", "Meets", "Exceeds", "r"),
            ("K2", "Kim", "Meets", "Partially meets", "r"),
            ("K3", "Kim", "Meets", "Meets", None),
            ("K4", "Kim", "Meets", "Meets", None),
            ("K5", "Kim", "Meets", None, None),
        ]
    )
    table = manager_calibration(changes, managers)
    assert list(table.index) == ["Kim", "Lena", "Ola", "Sam"]
    assert table["leaning"].to_dict() == {"Kim": "", "Lena": LENIENT, "Ola": "", "Sam": SEVERE}
    assert table["mean_band_change"].to_dict() == pytest.approx({"Kim": 0.0, "Lena": 5 / 6, "Ola": 1.0, "Sam": -5 / 6})
    # the spread pooled over Lena, Sam and Kim: (5/6 + 5/6 + 2) over 16 − 3 = 13 df; t(1 − 0.05/3/2, 13) = 2.7459
    half_of_six = 2.7459 * math.sqrt((11 / 3) / 13) / math.sqrt(6)
    assert table.at["Lena", "band_change_low"] == pytest.approx(5 / 6 - half_of_six, abs=1e-4)
    assert math.isnan(table.at["Ola", "band_change_low"])
    assert table["people"].to_dict() == {"Kim": 5, "Lena": 6, "Ola": 2, "Sam": 6}
    assert table["compared"].to_dict() == {"Kim": 4, "Lena": 6, "Ola": 2, "Sam": 6}
    assert table.loc["Lena", ["raised", "lowered", "unchanged", "flagged"]].tolist() == [5, 0, 1, 0]


def test_nobody_is_flagged_when_agreed_equals_computed():
    people = [
        ("Ann", "Meets"),
        ("Ann", "Exceeds"),
        ("Ann", "Below"),
        ("Bob", "Meets"),
        ("Bob", "Meets"),
        ("Bob", "Meets"),
    ]
    changes, managers = organisation([(f"P{i}", m, r, r, None) for i, (m, r) in enumerate(people)])
    table = manager_calibration(changes, managers)
    assert set(table["leaning"]) == {""} and set(table["mean_band_change"]) == {0.0} and table["flagged"].sum() == 0


@pytest.mark.parametrize(("raised", "expected"), [(2, ""), (3, LENIENT)])
def test_the_leaning_rule_at_its_edge_of_people(raised, expected):
    """Everyone else agrees the computed rating: the spread is nil, and a manager who raises every
    one of their people is lenient once at least three are compared."""
    changes, managers = organisation(
        [(f"R{i}", "Rae", "Meets", "Exceeds", "r") for i in range(raised)]
        + [(f"B{i}", "Bo", "Meets", "Meets", None) for i in range(4)]
    )
    assert manager_calibration(changes, managers).at["Rae", "leaning"] == expected


def test_the_leaning_rule_is_said_in_words():
    assert "at least 3 of their people" in leaning_rule() and "95\u00a0%" in leaning_rule()
