"""Prepare once, render per person: a review from its prepared input equals the review from the
whole pack, section by section; the input holds nobody else's rows; inputs are written atomically.

The sample is scored once for the module (the star's review opened from the whole pack: its
scorecards are everyone's); the packs with less in them are one team's rows of it, each scored
once for its test.
"""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pandas as pd
import pytest

from amreview.batch.input_files import INPUT_FILE, RowFiles, read_frame
from amreview.batch.input_reading import read_review_input
from amreview.batch.inputs import open_review, open_team
from amreview.batch.prepare import PackSplit, _write_atomically, prepare_reviews
from amreview.data.datapack import load_pack, load_prepared_pack, validate_tables, write_pack
from amreview.data.sample import PERSONAS
from amreview.data.slicing import slice_tables
from amreview.documents import team
from amreview.documents.model import SECTIONS
from amreview.documents.review import Review
from amreview.errors import DataError, OutputError, ParameterError
from amreview.scoring.config import load_config
from tests.conftest import sample_tables_once

PERIOD = "2026Q3"
PERSONA_IDS = {
    p: next(a for a, q in PERSONAS.items() if q == p)
    for p in ("star", "margin_misser", "crm_neglecter", "new_starter", "below_par")
}
MANAGERS = ("Claire Whitfield",)


@pytest.fixture(scope="module")
def sample_tables(tmp_path_factory):
    return sample_tables_once(tmp_path_factory)


@pytest.fixture(scope="module")
def pack_folder(tmp_path_factory, sample_tables):
    return write_pack(sample_tables, tmp_path_factory.mktemp("prepare") / "pack", "parquet")


@pytest.fixture(scope="module")
def config():
    return load_config()


@pytest.fixture(scope="module")
def built(pack_folder, config):
    """The star's review as a notebook opens it from the whole pack (:func:`open_review`:
    :meth:`Review.build`). Its pack and its scorecards, the quarter's and the previous quarter's
    (the same for everyone), are the module's: the reviews prepared inputs are compared with are
    Review.build's."""
    return open_review(str(pack_folder), PERSONA_IDS["star"], PERIOD, config)


@pytest.fixture(scope="module")
def pack(built):
    return built.pack


@pytest.fixture(scope="module")
def card(built):
    return built.scorecard


@pytest.fixture(scope="module")
def previous(built):
    return built.previous


@pytest.fixture(scope="module")
def prepared(pack, config, card, tmp_path_factory):
    folder = tmp_path_factory.mktemp("inputs")
    managers = team.managers(card)
    return prepare_reviews(pack, PERIOD, config, folder, list(card.values.index), managers, card=card)


# --------------------------------------------------------------------------------------------
# Comparing two reviews, part by part
# --------------------------------------------------------------------------------------------


def assert_same(left, right, where: str = "") -> None:
    """Equal, recursively: frames and series with pandas.testing, NaN equal to NaN, dataclasses
    field by field, callables by identity."""
    if isinstance(left, pd.DataFrame):
        pd.testing.assert_frame_equal(left, right, obj=where)
    elif isinstance(left, pd.Series):
        pd.testing.assert_series_equal(left, right, obj=where)
    elif dataclasses.is_dataclass(left) and not isinstance(left, type):
        assert type(left) is type(right), where
        for f in dataclasses.fields(left):
            assert_same(getattr(left, f.name), getattr(right, f.name), f"{where}.{f.name}")
    elif isinstance(left, dict):
        assert list(left) == list(right), where
        for k in left:
            assert_same(left[k], right[k], f"{where}[{k!r}]")
    elif isinstance(left, (list, tuple)):
        assert type(left) is type(right) and len(left) == len(right), where
        for i, (a, b) in enumerate(zip(left, right)):
            assert_same(a, b, f"{where}[{i}]")
    elif isinstance(left, float) and math.isnan(left):
        assert isinstance(right, float) and math.isnan(right), f"{where}: {left!r} != {right!r}"
    else:
        assert left == right, f"{where}: {left!r} != {right!r}"


def assert_same_review(whole: Review, prepared: Review) -> None:
    assert_same(whole.header, prepared.header, "header")
    for name in ("values", "targets", "scores", "measures", "overall"):
        assert_same(getattr(whole, name), getattr(prepared, name), name)
    assert_same(whole.previous_row, prepared.previous_row, "previous_row")
    assert (whole.previous is None) == (prepared.previous is None)
    assert_same(whole.kpi_table(), prepared.kpi_table(), "kpi_table")
    for key, _, _ in SECTIONS:
        assert_same(whole.section(key), prepared.section(key), key)


@pytest.mark.parametrize("persona", sorted(PERSONA_IDS))
def test_a_review_from_its_input_equals_the_review_from_the_whole_pack(pack, card, previous, prepared, persona):
    am_id = PERSONA_IDS[persona]
    whole = Review(pack, am_id, card, previous)  # Review.build's, its scorecards built once for everyone
    from_input = read_review_input(prepared.reviews[am_id])
    assert_same_review(whole, from_input)
    # the parts that read the whole pack really were exercised, and state the whole pack's facts
    provenance = from_input.appendix().frame("provenance").set_index("Item")["Value"]
    assert provenance["Data pack fingerprint (SHA-256)"] == pack.fingerprint
    assert f"sales ({len(pack.sales):,} rows)" in provenance["Tables"]
    assert from_input.has_sales and len(from_input.pack.sales) < len(pack.sales)


def test_the_comparison_can_fail(built, prepared):
    with pytest.raises(AssertionError):
        assert_same_review(built, read_review_input(prepared.reviews[PERSONA_IDS["below_par"]]))


def test_the_whole_pack_figures_come_from_the_whole_pack(pack, config, prepared):
    """New accounts, principal retention and the team line need other people's lines: the input
    carries their result, not the lines."""
    star = PERSONA_IDS["star"]
    review = read_review_input(prepared.reviews[star])
    sales = pack.sales
    q3 = sales[review.quarter.contains(sales["invoice_date"])]
    first = sales.sort_values(["invoice_date", "line_id"], kind="mergesort").drop_duplicates("account_id")
    won = set(first.loc[review.quarter.contains(first["invoice_date"]) & (first["am_id"] == star), "account_id"])
    assert set(review.views.new_accounts.loc[review.views.new_accounts["credited_new"], "account_id"]) == won
    team_name = pack.account_managers.set_index("am_id").at[star, "team"]
    members = pack.account_managers.loc[pack.account_managers["team"] == team_name, "am_id"]
    lines = q3[q3["am_id"].isin(members)]
    expected = (lines["revenue"].sum() - lines["cost"].sum()) / lines["revenue"].sum()
    assert review.margin().frame("gm_pct_trend").at[PERIOD, "team_gm_pct"] == pytest.approx(expected)
    note = [p.text for p in review.margin().parts if type(p).__name__ == "Text" and p.text.startswith("Team:")]
    assert note == [
        f"Team: the GM % of all invoice lines of the {len(members)} account managers of team "
        f"{team_name} (this person included); no one else's figure is shown."
    ]


# --------------------------------------------------------------------------------------------
# Packs with less in them: the same sections either way
# --------------------------------------------------------------------------------------------


def team_of(tables, am_id: str) -> dict[str, pd.DataFrame]:
    """The rows of ``am_id``'s team (:func:`slice_tables`), numbered afresh: a whole pack of five
    account managers. Its scorecards and reviews cost less than the sample's, and a pack with less
    in it needs no more people than a team."""
    people = tables["account_managers"]
    team_name = people.set_index("am_id").at[am_id, "team"]
    rows, _ = slice_tables(tables, people.loc[people["team"] == team_name, "am_id"])
    return {name: frame.reset_index(drop=True) for name, frame in rows.items()}


def _prepare_and_compare(tables, am_ids, tmp_path, source):
    """The reviews of ``am_ids`` read from their inputs, each equal to Review.build's from the
    whole pack; and where the inputs are."""
    pack = validate_tables(tables, source=source)
    config = load_config()
    whole = {am_id: Review.build(pack, am_id, PERIOD, config) for am_id in am_ids}
    first = whole[am_ids[0]]  # Review.build's scorecards, the same for everyone: prepared from them
    inputs = prepare_reviews(pack, PERIOD, config, tmp_path, am_ids, card=first.scorecard, previous=first.previous)
    from_inputs = {am_id: read_review_input(inputs.reviews[am_id]) for am_id in am_ids}
    for am_id in am_ids:
        assert_same_review(whole[am_id], from_inputs[am_id])
    return from_inputs, inputs


def test_a_pack_without_optional_tables_says_so_from_the_input_too(sample_tables, tmp_path):
    star = PERSONA_IDS["star"]
    tables = {k: v for k, v in team_of(sample_tables, star).items() if k in ("account_managers", "sales", "targets")}
    reviews, _ = _prepare_and_compare(tables, [star], tmp_path, "minimal")
    assert reviews[star].accounts().missing[0] == "Key accounts: not in this pack (no accounts table)."


def test_a_pack_without_sales_lines_from_the_input(sample_tables, tmp_path):
    star = PERSONA_IDS["star"]
    tables = team_of(sample_tables, star)
    tables["sales"] = tables["sales"].iloc[0:0]
    reviews, _ = _prepare_and_compare(tables, [star], tmp_path, "crm-only")
    review = reviews[star]
    assert not review.has_sales and review.previous is not None  # trends from the pipeline and the rest
    assert review.margin().missing == ["Margin data is not in this pack: its sales table holds no invoice lines."]


def test_an_account_manager_without_lines_in_a_pack_with_sales_has_margin_data(sample_tables, tmp_path):
    """An empty slice of a table the pack holds is not "not in this pack"."""
    star = PERSONA_IDS["star"]
    tables = team_of(sample_tables, star)
    for name in ("sales", "back_orders"):
        tables[name] = tables[name][tables[name]["am_id"] != star]
    reviews, _ = _prepare_and_compare(tables, [star], tmp_path, "no-lines")
    review = reviews[star]
    assert len(tables["sales"]) and len(tables["back_orders"])  # the pack holds colleagues' lines
    assert review.has_sales and review.has_table("back_orders") and len(review.pack.sales) == 0
    assert "not in this pack" not in " ".join(review.margin().missing + review.accounts().missing)


def test_accounts_without_any_owner(sample_tables, tmp_path):
    neglecter = PERSONA_IDS["crm_neglecter"]
    tables = team_of(sample_tables, neglecter)
    tables["accounts"] = tables["accounts"].assign(am_id=None)
    reviews, _ = _prepare_and_compare(tables, [neglecter], tmp_path, "no-owners")
    accounts = reviews[neglecter].pack["accounts"]
    assert len(accounts) and accounts["am_id"].isna().all()


def test_a_team_under_three_shows_no_team_line_and_says_why(sample_tables, tmp_path):
    star = PERSONA_IDS["star"]
    tables = team_of(sample_tables, star)
    people = tables["account_managers"].copy()
    pair = [star, people["am_id"].iloc[-1]]
    people.loc[people["am_id"].isin(pair), "team"] = "Pair"  # their team keeps three
    tables["account_managers"] = people
    reviews, inputs = _prepare_and_compare(tables, [star], tmp_path, "pair")
    margin = reviews[star].margin()
    frame = margin.frame("gm_pct_trend")
    assert frame["team_gm_pct"].isna().all() and frame["gm_pct"].notna().all()
    assert (
        "No team line: team Pair has 2 account managers in role, fewer than 3; a team figure would show a colleague's."
    ) in [p.text for p in margin.parts if type(p).__name__ == "Text"]
    data = json.loads((inputs.reviews[star] / INPUT_FILE).read_text())
    assert data["team_benchmark"]["shown"] is False
    assert all(v is None for v in data["team_benchmark"]["gm_pct"].values())


# --------------------------------------------------------------------------------------------
# What an input holds
# --------------------------------------------------------------------------------------------


def test_an_input_holds_no_row_of_anyone_else(pack, prepared):
    """Every Parquet file of every input: only this person's am_id; only accounts they touch."""
    touched_by = {}
    for table in ("sales", "opportunities", "activities", "back_orders", "cases", "customer_feedback"):
        frame = pack[table][["am_id", "account_id"]].dropna()
        for am_id, ids in frame.groupby("am_id")["account_id"]:
            touched_by.setdefault(am_id, set()).update(ids)
    owned = pack["accounts"].dropna(subset=["am_id"]).groupby("am_id")["account_id"].agg(set)
    everyone = set(pack.account_managers["am_id"])
    all_accounts = set(pack["accounts"]["account_id"])
    for am_id, folder in prepared.reviews.items():
        mine = touched_by.get(am_id, set()) | owned.get(am_id, set())
        files = {path.relative_to(folder).as_posix(): read_frame(path) for path in sorted(folder.rglob("*.parquet"))}
        assert len(files) >= 14 + 2
        for name, frame in files.items():
            for column, cells in frame.reset_index().items():
                if cells.dtype == object or pd.api.types.is_string_dtype(cells):  # ids are text
                    values = set(cells.dropna().astype(str))
                    assert not (values & everyone) - {am_id}, (name, column)
                    assert not (values & all_accounts) - mine, (name, column)
        assert set(files["pack/account_managers.parquet"]["am_id"]) == {am_id}
        assert set(files["pack/accounts.parquet"]["account_id"]) == mine
        text = (folder / INPUT_FILE).read_text()
        assert not [a for a in everyone - {am_id} if f'"{a}"' in text]


def test_the_slice_is_the_datapack_slice_rule(pack, sample_tables, tmp_path):
    """One groupby per table writes what :func:`load_pack(…, am_ids=[…])` reads for one person."""
    from amreview.data.datapack import slice_tables

    am_id = PERSONA_IDS["crm_neglecter"]
    PackSplit(pack, [am_id]).write(am_id, tmp_path / "pack")
    split = {name: pd.read_parquet(tmp_path / "pack" / f"{name}.parquet") for name in pack.tables}
    expected, _ = slice_tables(pack.tables, [am_id])

    def as_text(f):
        return f.reset_index(drop=True).astype(object).where(lambda g: g.notna(), None)

    for name, frame in expected.items():
        pd.testing.assert_frame_equal(as_text(split[name]), as_text(frame), obj=name)


def test_input_json_describes_the_review(pack, config, prepared):
    data = json.loads((prepared.reviews[PERSONA_IDS["star"]] / INPUT_FILE).read_text())
    import amreview
    from amreview.scoring.config import config_fingerprint

    assert data["format"] == 1 and data["amreview_version"] == amreview.__version__
    assert (data["am_id"], data["period"]) == (PERSONA_IDS["star"], PERIOD)
    assert data["config_fingerprint"] == config_fingerprint(config)
    assert data["pack"]["fingerprint"] == pack.fingerprint and data["pack"]["has_sales"] is True
    assert data["pack"]["tables"] == {name: len(frame) for name, frame in pack.tables.items()}
    assert data["pack"]["first_invoice"] == f"{pack.sales['invoice_date'].min():%Y-%m-%d}T00:00:00"


def test_scorecard_rows_round_trip_exactly(card, prepared):
    am_id = PERSONA_IDS["new_starter"]
    review = read_review_input(prepared.reviews[am_id])
    mine = card.restricted_to([am_id])
    for name in ("values", "scores", "measures", "overall", "targets", "people", "table"):
        pd.testing.assert_frame_equal(getattr(review.scorecard, name), getattr(mine, name), obj=name)
    assert review.scorecard.config == card.config and list(review.scorecard.kpis) == list(card.kpis)
    assert review.previous is not None and review.previous.values.empty  # not in role last quarter


def test_frames_keep_none_and_nan_apart(tmp_path):
    index = pd.Index(["p", "q", "r"], name="am_id")
    frame = pd.DataFrame(
        {"label": pd.Series(["a", None, np.nan], dtype=object, index=index), "x": [1.0, np.nan, 2.0]}, index=index
    )
    assert frame["label"].iloc[1] is None
    RowFiles(frame, keep_index=True).write(np.arange(len(frame)), tmp_path / "f.parquet")
    back = read_frame(tmp_path / "f.parquet")
    pd.testing.assert_frame_equal(back, frame)
    assert back["label"].iloc[1] is None and isinstance(back["label"].iloc[2], float)


# --------------------------------------------------------------------------------------------
# Opening: checks, and the notebook's entry point
# --------------------------------------------------------------------------------------------


def test_open_review_opens_an_input_or_builds_from_a_pack(pack_folder, built, prepared):
    star = PERSONA_IDS["star"]
    from_input = open_review(str(prepared.reviews[star]), star, PERIOD, "")
    assert from_input.pack.account_managers["am_id"].tolist() == [star]
    # the module's review: open_review of the whole pack's folder
    assert built.pack.source == str(pack_folder) and len(built.pack.account_managers) == len(PERSONAS)
    assert built.am_id == star and built.quarter == from_input.quarter


def test_an_input_for_someone_else_or_another_period_or_config_is_refused(prepared, tmp_path):
    star = PERSONA_IDS["star"]
    folder = str(prepared.reviews[star])
    with pytest.raises(ParameterError, match="is for am_id 'AM001', not 'AM002'"):
        open_review(folder, "AM002", PERIOD)
    with pytest.raises(ParameterError, match="is for period 2026Q3, not 2026Q2"):
        open_review(folder, star, "2026Q2")
    other = tmp_path / "other.toml"
    from amreview.scoring.config import DEFAULT_CONFIG

    other.write_text(DEFAULT_CONFIG.read_text().replace("fiscal_year_start_month = 1", "fiscal_year_start_month = 4"))
    with pytest.raises(ParameterError, match="another scorecard config"):
        open_review(folder, star, PERIOD, str(other))
    assert open_review(folder, star, PERIOD, str(DEFAULT_CONFIG)).am_id == star  # same settings, other path
    with pytest.raises(ParameterError, match="not a review input"):
        read_review_input(next(iter(prepared.teams.values())))


def test_preparing_someone_not_in_role_or_a_manager_without_a_team_is_refused(pack, config, card, tmp_path):
    with pytest.raises(DataError):
        prepare_reviews(pack, PERIOD, config, tmp_path, ["NOBODY"], card=card)
    with pytest.raises(DataError):
        prepare_reviews(pack, "2026Q2", config, tmp_path, [PERSONA_IDS["new_starter"]])
    with pytest.raises(ParameterError, match="reports to manager 'Nobody'"):
        prepare_reviews(pack, PERIOD, config, tmp_path, [], ["Nobody"], card=card)
    with pytest.raises(ParameterError, match="scorecard given"):
        prepare_reviews(pack, "2026Q2", config, tmp_path, [PERSONA_IDS["star"]], card=card)
    assert not list(tmp_path.iterdir())  # refused before anything was written


def test_an_input_is_opened_without_validating_its_pack_again_and_reads_what_validation_reads(prepared, monkeypatch):
    """Each person's slice was validated when it was prepared; opening it reads the same tables,
    dtypes and row labels as validating it again would (so no figure changes), without pandera."""
    from amreview.data import datapack

    for am_id in PERSONA_IDS.values():
        folder = prepared.reviews[am_id]
        recorded = json.loads((folder / INPUT_FILE).read_text())["pack_files_fingerprint"]
        validated, read = load_pack(folder / "pack"), load_prepared_pack(folder / "pack", recorded)
        assert read.tables.keys() == validated.tables.keys() and read.fingerprint == validated.fingerprint
        for name, frame in validated.tables.items():
            pd.testing.assert_frame_equal(read.tables[name], frame, check_exact=True, obj=f"{am_id} {name}")

    def no_validation(*args, **kwargs):
        raise AssertionError("validated again")

    monkeypatch.setattr(datapack, "validate_tables", no_validation)
    review = open_review(str(prepared.reviews[PERSONA_IDS["star"]]), PERSONA_IDS["star"], PERIOD)
    assert review.am_id == PERSONA_IDS["star"]


def test_an_input_whose_pack_was_changed_after_it_was_prepared_is_refused(prepared, tmp_path):
    """A hand-edited slice, even one that would pass validation, is not trusted: prepare again."""
    import shutil

    am_id = PERSONA_IDS["star"]
    folder = shutil.copytree(prepared.reviews[am_id], tmp_path / "input")
    sales = pd.read_parquet(folder / "pack" / "sales.parquet")
    sales.loc[0, "revenue"] = sales.loc[0, "revenue"] + 1000  # still a valid line
    sales.to_parquet(folder / "pack" / "sales.parquet", index=False)
    with pytest.raises(ParameterError, match="was changed after it was prepared.*prepare it again"):
        open_review(str(folder), am_id, PERIOD)


# --------------------------------------------------------------------------------------------
# Team inputs
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("manager", ["Claire Whitfield", "Gareth Lloyd", "Priya Raman"])
def test_a_team_overview_from_its_input_equals_the_one_from_the_pack(pack, card, prepared, manager):
    if manager not in prepared.teams:
        pytest.skip(f"the sample has no manager {manager}")
    view = open_team(str(prepared.teams[manager]), manager, PERIOD, "")
    assert view.pack_fingerprint == pack.fingerprint
    assert set(view.card.values.index) == set(team.direct_reports(card, manager))
    for function in (
        team.team_scorecard,
        team.team_totals,
        team.rating_distribution,
        team.needs_attention,
        team.measure_score_matrix,
    ):
        assert_same(function(card, manager), function(view.card, manager), function.__name__)
    assert team.team_gm_pct(card, manager) == pytest.approx(team.team_gm_pct(view.card, manager))
    assert_same(team.rating_boundaries(card), team.rating_boundaries(view.card), "boundaries")


def test_every_manager_has_a_team_input(pack, card, prepared):
    assert sorted(prepared.teams) == team.managers(card) and len(prepared.teams) == 3
    manager = team.managers(card)[0]
    from_pack = open_team(pack.source, manager, PERIOD)  # a pack: the scorecard computed from it
    view = open_team(str(prepared.teams[manager]), manager, PERIOD)
    assert from_pack.pack_fingerprint == view.pack_fingerprint == pack.fingerprint
    assert_same(team.team_scorecard(from_pack.card, manager), team.team_scorecard(view.card, manager), "open_team")
    with pytest.raises(ParameterError, match="is for manager"):
        open_team(str(next(iter(prepared.teams.values()))), "Someone Else", PERIOD)


# --------------------------------------------------------------------------------------------
# Writing atomically
# --------------------------------------------------------------------------------------------


def test_an_existing_input_is_replaced_whole_and_no_temporary_folder_is_left(pack, config, card, previous, tmp_path):
    star = PERSONA_IDS["star"]
    first = prepare_reviews(pack, PERIOD, config, tmp_path, [star], card=card, previous=previous).reviews[star]
    (first / "pack" / "stale.parquet").write_bytes(b"left over")
    (tmp_path / "reviews" / f".{star}~tmp-killed").mkdir()  # a killed run's leftover
    again = prepare_reviews(pack, PERIOD, config, tmp_path, [star], card=card, previous=previous).reviews[star]
    assert again == first and not (again / "pack" / "stale.parquet").exists()
    assert sorted(p.name for p in (tmp_path / "reviews").iterdir()) == [star]
    assert read_review_input(again).am_id == star


def test_a_failure_while_writing_leaves_the_previous_input(pack, config, card, previous, tmp_path, monkeypatch):
    star = PERSONA_IDS["star"]
    folder = prepare_reviews(pack, PERIOD, config, tmp_path, [star], card=card, previous=previous).reviews[star]
    before = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    import amreview.batch.input_files as input_files  # where RowFiles writes each Parquet file

    written = []
    write_table = input_files.pq.write_table

    def fills_the_disk(table, path, *args, **kwargs):  # the fifth file of the input fails
        written.append(path)
        if len(written) == 5:
            raise OSError("disk full")
        return write_table(table, path, *args, **kwargs)

    monkeypatch.setattr(input_files.pq, "write_table", fills_the_disk)
    with pytest.raises(OutputError, match=f"cannot create the folder {folder}: disk full"):
        prepare_reviews(pack, PERIOD, config, tmp_path, [star], card=card, previous=previous)
    assert sorted(p.relative_to(folder) for p in folder.rglob("*")) == before
    assert sorted(p.name for p in (tmp_path / "reviews").iterdir()) == [star]


def test_writing_one_input_never_sweeps_away_another_being_written(tmp_path):
    # "J" and "J.Smith" are both plain ids: J's sweep of its own leftovers must not take the
    # folder J.Smith's thread is writing (it did while "." separated name and suffix)
    others = [tmp_path / ".J.Smith.tmp-abc123", tmp_path / ".J.Smith~tmp-abc123"]
    stale = tmp_path / ".J~tmp-0ld0ne"  # J's own, from a killed run
    for folder in [*others, stale]:
        folder.mkdir()
    _write_atomically(tmp_path / "J", lambda tmp: (tmp / INPUT_FILE).write_text("{}"))
    assert (tmp_path / "J" / INPUT_FILE).is_file()
    assert all(folder.is_dir() for folder in others) and not stale.exists()
