"""Ids are data, never paths (issue 12, items 1 and 6).

Three layers: the file names made from ids (:mod:`amreview.filenames`: one component, inside
its folder, stable, distinct, also ignoring case — hypothesis over arbitrary text); the
contract's id columns (no control character, at most 100 characters: a ``DataError`` naming
table, row and column, from a file, a mapping or a run); and a run with hostile ids that the
contract allows (``../../evil``, an absolute path, ``.``), which writes every document inside
its period's folder under the encoded names, and nothing anywhere else. One run of three
reviews and its resume; everything else needs no kernel. The run is of the light review notebook
(tests/light_review.py) in this process: where documents are written is the runner's doing,
whatever the notebook shows and however many workers run it.
"""

from __future__ import annotations

import json
import os
import string
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amreview.batch import manifest as record
from amreview.batch.runner import run_quarterly_reviews, team_file_stems
from amreview.data.datapack import load_pack, write_pack
from amreview.data.schemas import ID_MAX_LENGTH
from amreview.errors import DataError, OutputError
from amreview.filenames import (
    DIGEST_LENGTH,
    ENCODED_MARK,
    TEAM_PREFIX,
    encoded_stem,
    file_stem,
    file_stems,
    is_plain,
    path_inside,
)
from amreview.importing.importer import map_sources
from tests.conftest import hand_tables
from tests.light_review import LIGHT_REVIEW

PERIOD = "2026Q3"
SUFFIXES = (".html", ".pdf", ".ipynb", ".json", ".log")
HOSTILE = [
    "../../evil",
    "../../etc/evil",
    "/x/abs",
    "a/b",
    ".",
    "..",
    "",
    "a\nb",
    "a\x00b",
    "x" * 300,
    "C:\\Windows\\evil",
    "CON",
    "nul.txt",
    "index",
    "MANIFEST",
    "team-x",
    "-rf",
    "a.",
    "~",
    ".hidden",
    "Zoë d'Arcy",
    "李雷",
    "\u202eexe.pdf",
    "a b",
]

# arbitrary text: any code point (control characters, separators, surrogates), and long runs of
# the characters that matter to paths
ids = st.one_of(
    st.text(st.characters(codec=None, exclude_categories=()), max_size=80),
    st.text(st.sampled_from("./\\~-_ aA0\x00\n"), max_size=20),
    st.text(string.ascii_letters + string.digits + "._-", min_size=1, max_size=70),
    st.text(min_size=200, max_size=400),
    st.sampled_from(HOSTILE),
)


# --------------------------------------------------------------------------------------------
# The names
# --------------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(key=ids)
def test_any_id_names_one_file_inside_its_folder_and_always_the_same(key):
    stem = file_stem(key)
    assert stem == file_stem(key)  # stable
    assert stem not in ("", ".", "..") and "/" not in stem and "\\" not in stem and "\0" not in stem
    assert not stem.startswith((".", "-", "~")) and stem.isprintable()
    assert len((stem + ".ipynb").encode("utf-8")) <= 100  # temporary names add ~40 bytes; 255 is the limit
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        for suffix in SUFFIXES:
            path = path_inside(folder, stem + suffix)
            path.write_text("x")  # the file system takes it, and it lands in the folder
            assert path.resolve().parent == folder.resolve()
        assert sorted(os.listdir(folder)) == sorted(stem + suffix for suffix in SUFFIXES)


def with_case_twins(keys: list[str]) -> list[str]:
    """``keys`` and the first few again with their case swapped (``AM001`` and ``am001``)."""
    return list(dict.fromkeys(keys + [k.swapcase() for k in keys[:3]]))


@settings(max_examples=300, deadline=None)
@given(keys=st.lists(ids, unique=True, max_size=12).map(with_case_twins))
def test_distinct_ids_get_distinct_names_also_where_case_is_ignored(keys):
    stems = file_stems(keys)
    assert len({s.lower() for s in stems.values()}) == len(keys)
    for key in keys:  # a plain id keeps its name unless another differs from it only in case
        alone = not any(k != key and is_plain(k) and k.lower() == key.lower() for k in keys)
        assert (stems[key] == key) == (is_plain(key) and alone)
        assert stems[key] == (file_stem(key) if alone else encoded_stem(key))


@settings(max_examples=200, deadline=None)
@given(key=ids)
def test_a_plain_name_is_never_an_encoded_one(key):
    stem = encoded_stem(key)
    assert not is_plain(stem) and stem.count(ENCODED_MARK) == 1
    assert len(stem.rsplit(ENCODED_MARK, 1)[1]) == DIGEST_LENGTH


@pytest.mark.parametrize(
    "key, stem",
    [
        ("AM001", "AM001"),
        ("J.Smith", "J.Smith"),
        ("R001-AM001", "R001-AM001"),
        ("../../evil", "evil~"),
        ("/x/abs", "x-abs~"),
        ("a/b", "a-b~"),
        (".", "id~"),
        ("CON", "con~"),  # a Windows device
        ("index", "index~"),  # the period's index.html
        ("manifest", "manifest~"),  # and its manifest.json
        ("team-x", "team-x~"),  # the team overviews' names
        ("Zoë d'Arcy", "zoe-d-arcy~"),
        ("x" * 65, "x" * 40 + "~"),
    ],
)
def test_plain_ids_are_their_own_names_and_others_a_slug_and_digest(key, stem):
    if stem.endswith(ENCODED_MARK):
        assert file_stem(key) == stem + encoded_stem(key).rsplit(ENCODED_MARK, 1)[1]
    else:
        assert file_stem(key) == stem


def test_ids_that_differ_only_in_case_never_share_a_file():
    stems = file_stems(["AM001", "am001", "AM002"])
    assert stems["AM002"] == "AM002"  # no other id like it: its own name
    assert stems["AM001"].startswith("am001~") and stems["am001"].startswith("am001~")
    assert stems["AM001"] != stems["am001"]


def test_team_overviews_are_named_by_the_same_rule_and_never_like_a_review():
    stems = team_file_stems(["Claire Whitfield", "M07", "m07", "Claire Whitfield"])
    assert stems["Claire Whitfield"] == TEAM_PREFIX + encoded_stem("Claire Whitfield")
    assert stems["M07"] != stems["m07"] and stems["M07"].lower() != stems["m07"].lower()
    assert team_file_stems(["M07"]) == {"M07": "team-M07"}
    assert file_stem("team-M07") != "team-M07"  # an am_id cannot take a team overview's name


@pytest.mark.parametrize("name", ["", ".", "..", "../x", "a/b", "/etc/passwd", "a\x00b"])
def test_a_path_that_is_not_one_name_in_the_folder_is_refused(tmp_path, name):
    with pytest.raises(OutputError):
        path_inside(tmp_path, name)


def test_a_symbolic_link_out_of_the_folder_is_refused(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "AM001.html").symlink_to(tmp_path / "elsewhere.html")
    with pytest.raises(OutputError, match="outside"):
        path_inside(tmp_path / "out", "AM001.html")


def test_a_batch_refuses_an_output_stem_no_file_can_have_before_any_kernel_starts(tmp_path):
    from amreview.batch.jobs import ReviewJob
    from amreview.batch.pool import run_reviews
    from amreview.errors import ParameterError
    from tests.test_batch import REVIEW

    jobs = [
        ReviewJob("a\x00b", REVIEW, {"who": "x"}, tmp_path / "a\x00b", "x"),
        ReviewJob("ok", REVIEW, {"who": "y"}, tmp_path / "ok", "y"),
    ]
    # it was a ValueError from Path.resolve, and the whole batch was lost
    with pytest.raises(ParameterError, match=r"output stem of 'a\\x00b' holds a NUL character"):
        run_reviews(jobs, n_jobs=1, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_a_batch_refuses_stems_that_differ_only_in_case(tmp_path):
    from amreview.batch.jobs import ReviewJob
    from amreview.batch.pool import run_reviews
    from tests.test_batch import REVIEW

    jobs = [ReviewJob(key, REVIEW, {"who": key}, tmp_path / key, key) for key in ("AM001", "am001")]
    with pytest.raises(ValueError, match="would overwrite each other"):  # one file on macOS and Windows
        run_reviews(jobs, n_jobs=1, progress=False)


# --------------------------------------------------------------------------------------------
# The contract: no control character, at most 100 characters
# --------------------------------------------------------------------------------------------


def write_hand_pack(folder: Path, **changes) -> Path:
    """The hand pack with cells changed, ``table=[(position, column, value), ...]``, as Parquet
    (which holds any text, a NUL included; row numbers count its rows from 1)."""
    tables = hand_tables()
    for table, cells in changes.items():
        for position, column, value in cells:
            tables[table].loc[position, column] = value
    return write_pack(tables, folder, "parquet")


@pytest.mark.parametrize(
    "table, column, value, found",
    [
        ("account_managers", "am_id", "AM\x001", r"'AM\x001'"),
        ("account_managers", "am_id", "AM\n1", r"'AM\n1'"),
        ("account_managers", "manager", "Grace\tHopper", r"'Grace\tHopper'"),
        ("sales", "account_id", "A\rB", r"'A\rB'"),
        ("sales", "line_id", "L\u202e1", r"'L\u202e1'"),
    ],
)
def test_an_id_with_a_control_character_breaks_the_contract(tmp_path, table, column, value, found):
    pack = write_hand_pack(tmp_path / "pack", **{table: [(1, column, value)]})
    with pytest.raises(DataError) as caught:
        load_pack(pack)
    assert (
        f"table {table}, row 2, column {column}: expected an id without control characters (tab, newline, "
        f"NUL, …), found {found}"
    ) in str(caught.value)


def test_an_id_longer_than_the_limit_breaks_the_contract(tmp_path):
    long = "A" * 300
    pack = write_hand_pack(
        tmp_path / "pack",
        account_managers=[(0, "am_id", long)],
        sales=[(2, "am_id", "B" * (ID_MAX_LENGTH + 1))],
        targets=[(0, "am_id", "C" * ID_MAX_LENGTH)],
    )
    with pytest.raises(DataError) as caught:
        load_pack(pack)
    problems = caught.value.problems
    assert list(zip(problems["table"], problems["row"], problems["column"], problems["check"])) == [
        ("account_managers", 1, "am_id", "id_length"),
        ("sales", 3, "am_id", "id_length"),
    ]  # 100 is allowed
    message = str(caught.value)
    assert f"expected an id of at most {ID_MAX_LENGTH} characters, found {'A' * 60!r}… (300 characters)" in message
    assert long not in message  # shown cut


def test_a_database_row_named_by_a_bad_key_is_shown_escaped_and_cut(tmp_path):
    tables = hand_tables()
    tables["account_managers"].loc[1, "am_id"] = "AM\n2"
    tables["sales"].loc[1, "line_id"] = "L" * 150
    with pytest.raises(DataError) as caught:
        load_pack(write_pack(tables, f"sqlite:///{tmp_path / 'pack.db'}"))
    assert list(caught.value.problems["row"]) == ["am_id = 'AM\\n2'", f"line_id = {'L' * 60!r}… (150 characters)"]
    assert "\n2" not in str(caught.value)  # no raw newline in the message


def test_an_id_derived_by_a_mapping_is_checked_like_any_other(tmp_path):
    long_name = "Ada " + "Lovelace" * 16  # the slug of the name is longer than an id may be
    pd.DataFrame({"Name": ["Brian Kernighan", long_name], "Boss": ["Grace\tHopper", "Grace Hopper"]}).to_csv(
        tmp_path / "people.csv", index=False
    )
    from tests.test_mapping import PEOPLE, mapping_of

    result = map_sources(mapping_of(PEOPLE), tmp_path)
    assert not result.ok and result.pack is None
    problems = result.problems
    assert list(zip(problems["table"], problems["row"], problems["column"], problems["check"])) == [
        ("account_managers (from people.csv)", 3, "am_id", "id_length"),
        ("account_managers (from people.csv)", 2, "manager", "id_characters"),
    ]


def test_a_run_on_a_pack_with_an_unusable_id_is_refused_and_writes_nothing_elsewhere(tmp_path, capsys):
    from amreview.cli import main

    pack = write_hand_pack(tmp_path / "pack", account_managers=[(0, "am_id", "x" * 300), (1, "am_id", "a\x00b")])
    before = sorted(tmp_path.rglob("*"))
    out = tmp_path / "p3" / "c1" / "out"
    with pytest.raises(SystemExit) as caught:
        main(["run", "--data", str(pack), "--period", PERIOD, "--out", str(out), "--quiet", "--no-team-overviews"])
    assert caught.value.code == 3
    error = capsys.readouterr().err
    assert "table account_managers, row 1, column am_id: expected an id of at most 100 characters" in error
    assert r"table account_managers, row 2, column am_id: expected an id without control characters" in error
    assert "Traceback" not in error
    written = [p for p in sorted(tmp_path.rglob("*")) if p not in before]
    assert all(p == out or out in p.parents or p in out.parents for p in written), written
    assert not [p for p in written if p.is_file() and p.suffix in SUFFIXES]  # no document, no input


# --------------------------------------------------------------------------------------------
# A run with hostile ids the contract allows
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    """The hand pack with AM1, AM2 and AM3 renamed ``../../evil``, an absolute path (inside
    this test's folder, so the old code's escape is seen and harms nothing) and ``.``; reviewed
    into ``<root>/p3/c1/out``."""
    root = tmp_path_factory.mktemp("hostile")
    ids = {"AM1": "../../evil", "AM2": str(root / "abs" / "evil"), "AM3": "."}
    tables = hand_tables()
    for frame in tables.values():
        frame["am_id"] = frame["am_id"].map(ids)
    pack = write_pack(tables, root / "pack")
    before = set(root.rglob("*"))
    out = root / "p3" / "c1" / "out"
    with pytest.MonkeyPatch.context() as patch:  # the resume below must not see edits of the library's files
        patch.setattr(record, "library_fingerprint", lambda: "this checkout")
        summary = run_quarterly_reviews(
            pack, PERIOD, out, n_jobs=1, progress=False, team_overviews=False, notebook=LIGHT_REVIEW
        )
    return root, before, out, ids, summary


def test_hostile_ids_write_nothing_outside_the_output_folder(hostile_run):
    root, before, out, _, summary = hostile_run
    assert not summary.failed, summary.describe()
    outside = [p for p in set(root.rglob("*")) - before if not (p == out or out in p.parents or p in out.parents)]
    assert outside == []
    folder = out / PERIOD
    assert {p.parent for p in folder.rglob("*") if p.is_file()} <= {folder, folder / "logs"}


def test_hostile_ids_get_encoded_names_that_the_index_and_the_manifest_use(hostile_run):
    _, _, out, ids, summary = hostile_run
    folder = out / PERIOD
    stems = {am_id: file_stem(am_id) for am_id in ids.values()}
    assert {Path(r.html).name for r in summary.results} == {f"{s}.html" for s in stems.values()}
    manifest = json.loads((folder / "manifest.json").read_text())
    for entry in manifest["reviews"]:
        stem = stems[entry["am_id"]]  # the real id is recorded
        assert entry["key"] == entry["am_id"] and entry["outputs"] == {
            "html": f"{stem}.html",
            "notebook": f"{stem}.ipynb",
            "key_figures": f"{stem}.json",
            "log": f"logs/{stem}.log",
        }
        assert json.loads((folder / f"{stem}.json").read_text())["am_id"] == entry["am_id"]
    index = (folder / "index.html").read_text()
    for stem in stems.values():
        assert f'href="{stem}.html"' in index
    assert "3 ok, 0 failed" in index


def test_resume_finds_the_documents_under_their_encoded_names(hostile_run, monkeypatch):
    root, _, out, _, _ = hostile_run
    monkeypatch.setattr(record, "library_fingerprint", lambda: "this checkout")
    resumed = run_quarterly_reviews(
        root / "pack", PERIOD, out, n_jobs=1, progress=False, team_overviews=False, resume=True, notebook=LIGHT_REVIEW
    )
    assert {r.status for r in resumed.results} == {"unchanged"}
