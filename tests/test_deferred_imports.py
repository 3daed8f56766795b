"""amreview.batch defers rfc3987_syntax's import (its Earley parser) without changing what
jsonschema's ``iri`` format check answers."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IRIS = ["https://example.com/a b", "https://例え.jp/パス", "http://[::1]:80/x?y#z", "no scheme", "http://a/%zz", ""]
CHECK = """
import json, sys
{before}
import jsonschema
checker = jsonschema.Draft7Validator.FORMAT_CHECKER
answers = [checker.conforms(iri, "iri") for iri in json.loads(sys.argv[1])]
print(json.dumps({{"answers": answers, "parser_built_before_use": {parser_built}}}))
"""


def run(before: str, parser_built: str) -> dict:
    code = CHECK.format(before=before, parser_built=parser_built)
    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps(IRIS)], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return json.loads(out.stdout)


@pytest.mark.skipif(importlib.util.find_spec("rfc3987_syntax") is None, reason="rfc3987_syntax is not installed")
def test_the_iri_check_answers_as_before_and_the_parser_is_built_only_when_used():
    plain = run("", "None")
    deferred = run(
        "import amreview.batch, papermill, nbconvert, inspect\n"
        "inspect.getmodule(json.dumps.__code__)  # asks every module for its __file__\n"
        "[(getattr(m, '__file__', None), hasattr(m, '__warningregistry__')) for m in list(sys.modules.values())]\n"
        "built = 'rfc3987_syntax.syntax_helpers' in sys.modules",
        "built",
    )
    assert deferred["parser_built_before_use"] is False  # importing papermill and nbconvert built no parser
    assert deferred["answers"] == plain["answers"]
    assert True in plain["answers"] and False in plain["answers"]  # the check is really made


def test_without_the_module_nothing_is_put_in_its_place(monkeypatch):
    from amreview.batch import deferred

    monkeypatch.delitem(sys.modules, deferred.IRI_SYNTAX, raising=False)
    monkeypatch.setattr(deferred.importlib.util, "find_spec", lambda name: None)
    deferred.defer_iri_syntax()
    assert deferred.IRI_SYNTAX not in sys.modules


DASK_CHECK = """
import sys
{before}
from amreview.data.datapack import load_pack
from amreview.scoring.scorecard import build_scorecard
card = build_scorecard(load_pack("sample"), "2026Q3")
imported = "dask.dataframe" in sys.modules
import pandera.typing.dask
print(len(card.table), imported, pandera.typing.dask.DASK_INSTALLED)
"""


@pytest.mark.skipif(importlib.util.find_spec("dask") is None, reason="dask is not installed")
@pytest.mark.parametrize(("before", "dask_imported"), [("", False), ("import dask.dataframe", True)])
def test_validating_and_scoring_a_pack_does_not_import_dask(before, dask_imported):
    """pandera's table models are built without importing Dask (amreview.data.schemas.pandas_frames_only),
    unless it is imported already; either way the same scorecard, and pandera's Dask types still import."""
    out = subprocess.run(
        [sys.executable, "-c", DASK_CHECK.format(before=before)], capture_output=True, text=True, check=True, cwd=ROOT
    )
    rows, imported, installed = out.stdout.split()
    assert rows == "15" and imported == str(dask_imported) and installed == "True"


def test_the_scorecard_workbook_is_written_without_importing_the_charts():
    """``amreview scorecard`` writes its workbook without importing the review's sections and
    their charts (matplotlib: ~0.5 s of every scorecard): the headline KPIs both show are in
    amreview.scoring.display."""
    code = "import sys, amreview.documents.scorecard_workbook; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"
