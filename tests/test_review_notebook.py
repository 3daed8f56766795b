"""End to end: the review notebook through papermill and nbconvert, and the batch runner.

The figures a review shows are checked against sums computed here with plain pandas from the
pack's CSV files (an independent route), formatted with the review's own formats.
"""

from __future__ import annotations

import html
import subprocess
import sys
import re
from pathlib import Path

import pandas as pd
import pytest

from amreview import render
from amreview.batch import ReviewJob, execute_review
from amreview.datapack import write_pack
from amreview.runner import REVIEW_NOTEBOOK, run_quarterly_reviews
from amreview.sample import PERSONAS, generate_sample

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory) -> Path:
    return write_pack(generate_sample(), tmp_path_factory.mktemp("sample") / "pack")


def visible_text(document: str) -> str:
    body = document[document.find("<body"):]
    body = re.sub(r"<(style|script)\b.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", html.unescape(body))


def expected_figures(folder: Path, am_id: str) -> dict[str, str]:
    """Q3 2026 figures of ``am_id`` by plain pandas on the CSV files, formatted for display."""
    sales = pd.read_csv(folder / "sales.csv", dtype={"am_id": str, "account_id": str, "line_id": str})
    q3 = sales[(sales["invoice_date"] >= "2026-07-01") & (sales["invoice_date"] <= "2026-09-30")]
    mine = q3[q3["am_id"] == am_id]
    revenue, cost = mine["revenue"].sum(), mine["cost"].sum()
    targets = pd.read_csv(folder / "targets.csv", dtype={"am_id": str})
    mine_t = targets[(targets["am_id"] == am_id) & (targets["measure"] == "gross_margin")
                     & targets["period"].isin(["2026Q3", "2026-07", "2026-08", "2026-09"])]
    gm_target = mine_t["target"].sum()
    return {
        "revenue": render.money(revenue),
        "cost": render.money(cost),
        "gross_margin": render.money(revenue - cost),
        "gm_pct": render.pct((revenue - cost) / revenue),
        "gm_attainment": render.attainment_pct((revenue - cost) / gm_target),
        "active": render.count(mine.loc[mine["revenue"] > 0, "account_id"].nunique()),
    }


def test_review_document_shows_the_persons_name_and_figures(sample_dir, tmp_path):
    am_id = next(a for a, p in PERSONAS.items() if p == "star")
    people = pd.read_csv(sample_dir / "account_managers.csv", dtype=str).set_index("am_id")
    job = ReviewJob(key=am_id, notebook=REVIEW_NOTEBOOK,
                    parameters={"am_id": am_id, "period": "2026Q3", "data": str(sample_dir)},
                    output_stem=tmp_path / am_id, title="review")
    result = execute_review(job, timeout=300)
    assert result.status == "ok", result.error
    document = result.html.read_text()
    text = visible_text(document)
    assert people.loc[am_id, "name"] in text
    assert people.loc[am_id, "manager"] in text
    figures = expected_figures(sample_dir, am_id)
    assert f"Revenue {figures['revenue']}" in text
    assert f"Cost of goods {figures['cost']}" in text
    assert f"Gross margin {figures['gross_margin']}" in text
    assert f"GM % {figures['gm_pct']}" in text
    assert f"Active accounts {figures['active']}" in text
    assert figures["gm_attainment"] in text
    assert document.count("data:image/png;base64") >= 2  # the two charts, inline
    assert "load_pack(" not in document  # no code showing
    # no other account manager's name appears in this review
    others = people.drop(index=am_id)["name"]
    assert not [name for name in others if name in text]


def test_batch_of_selected_reviews_with_index(sample_dir, tmp_path):
    am_ids = sorted(PERSONAS)[:3]
    summary = run_quarterly_reviews(sample_dir, "2026Q3", tmp_path / "reports", n_jobs=2, am_ids=am_ids,
                                    progress=False)
    assert not summary.failed, summary.describe()
    folder = tmp_path / "reports" / "2026Q3"
    for am_id in am_ids:
        assert (folder / f"{am_id}.html").is_file() and (folder / f"{am_id}.ipynb").is_file()
    index = (folder / "index.html").read_text()
    for am_id in am_ids:
        assert f'href="{am_id}.html"' in index


def test_unknown_am_is_refused_before_any_kernel(sample_dir, tmp_path):
    from amreview.errors import ParameterError

    with pytest.raises(ParameterError, match="with am_id NOBODY"):
        run_quarterly_reviews(sample_dir, "2026Q3", tmp_path / "reports", am_ids=["NOBODY"], progress=False)
    assert not (tmp_path / "reports" / "2026Q3" / "index.html").exists()


def test_one_failing_review_does_not_stop_the_others(sample_dir, tmp_path):
    import nbformat

    notebook = nbformat.read(REVIEW_NOTEBOOK, as_version=4)
    notebook.cells.insert(2, nbformat.v4.new_code_cell(
        'if am_id == "AM002":\n    raise RuntimeError("the CRM export for this person is corrupt")'))
    broken = tmp_path / "broken_review.ipynb"
    nbformat.write(notebook, broken)
    out = tmp_path / "reports"
    done = subprocess.run(
        [sys.executable, "-m", "amreview", "run", "--data", str(sample_dir), "--period", "2026Q3",
         "--out", str(out), "--am", "AM001", "--am", "AM002", "--jobs", "2", "--quiet", "--notebook", str(broken)],
        capture_output=True, text=True)
    assert done.returncode == 1
    assert "1 of 2 reviews written" in done.stdout
    assert "FAILED AM002" in done.stdout and "the CRM export for this person is corrupt" in done.stdout
    folder = out / "2026Q3"
    assert (folder / "AM001.html").is_file()
    assert not (folder / "AM002.html").exists() and (folder / "AM002.ipynb").is_file()
    index = visible_text((folder / "index.html").read_text())
    assert "failed" in index and "RuntimeError" in index
