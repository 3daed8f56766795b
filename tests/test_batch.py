"""Tests of amreview.batch.execution, checks, export, index and pool.

Real kernels are slow (1–2 s each), so they are counted: one module-scoped successful run
that several tests inspect and a batch of three (with PDFs; its failure over an earlier run's
documents) — four kernel runs (a timeout: tests/test_kernels.py, whose deadline tests wait for
one). Retries, HTML and PDF conversion and the index are tested without one.
"""

from __future__ import annotations

import copy
import html as html_lib
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from papermill.exceptions import PapermillExecutionError

from amreview.batch import execution as batch
from amreview.batch import pool
from amreview.batch.checks import check_parameters
from amreview.batch.execution import execute_review
from amreview.batch.export import notebook_to_html
from amreview.batch.index import result_row, write_index
from amreview.batch.jobs import ReviewJob, ReviewResult
from amreview.batch.pool import run_reviews
from amreview.errors import ParameterError, ReviewExecutionError

FIXTURES = Path(__file__).parent / "fixtures" / "batch"
REVIEW = FIXTURES / "review.ipynb"
FAILING_CELL = 3  # of review.ipynb: raises when ``fail`` is true

EXTERNAL_SOURCE = re.compile(
    r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//", re.IGNORECASE
)


def make_job(folder: Path, key: str, *, pdf: bool = False, **parameters) -> ReviewJob:
    return ReviewJob(
        key=key,
        notebook=REVIEW,
        parameters={"who": key, **parameters},
        output_stem=folder / key,
        title=f"Review of {key}",
        pdf=pdf,
    )


def stream_text(nb) -> str:
    return "".join(
        output.get("text", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "stream"
    )


def error_outputs(nb) -> list:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]


# --------------------------------------------------------------------------- a successful run


@pytest.fixture(scope="module")
def ok_review(tmp_path_factory) -> tuple[ReviewResult, Path]:
    folder = tmp_path_factory.mktemp("ok")
    return execute_review(make_job(folder, "00123")), folder


@pytest.fixture(scope="module")
def ok_html(ok_review) -> str:
    result, _ = ok_review
    return result.html.read_text(encoding="utf-8")


def test_a_successful_review_writes_its_notebook_and_html_and_nothing_else(ok_review):
    result, folder = ok_review
    assert (result.key, result.status, result.error) == ("00123", "ok", None)
    assert result.html == folder / "00123.html"
    assert result.notebook == folder / "00123.ipynb"
    assert sorted(p.name for p in folder.iterdir()) == ["00123.html", "00123.ipynb"]  # no temp files
    assert result.seconds > 0


def test_a_string_id_stays_a_string_inside_the_notebook(ok_review):
    result, _ = ok_review
    executed = nbformat.read(result.notebook, as_version=4)
    assert "MARKER who='00123' type=str" in stream_text(executed)


def test_html_shows_outputs_but_no_code(ok_html):
    text = html_lib.unescape(ok_html)
    assert "MARKER who='00123' type=str" in text
    assert "data:image/png;base64," in ok_html  # the plot, inline
    assert "print(f" not in text
    assert "raise RuntimeError" not in text
    assert "fail = False" not in text


def test_html_leaves_out_injected_parameters_and_tagged_cells(ok_html):
    text = html_lib.unescape(ok_html)
    assert "# Parameters" not in text  # the source of papermill's injected cell
    assert "injected-parameters" not in text
    assert "SECRET-OF-A-REMOVED-CELL" not in text  # tag remove-cell
    assert "OUTPUT-THAT-IS-HIDDEN" not in text  # tag remove-output


def test_html_has_no_papermill_metadata_nor_paths(ok_review, ok_html):
    _, folder = ok_review
    assert "papermill" not in ok_html.lower()
    assert str(FIXTURES.resolve()) not in ok_html
    assert str(folder) not in ok_html


def test_html_loads_nothing_from_another_host(ok_html):
    assert EXTERNAL_SOURCE.findall(ok_html) == []
    assert re.findall(r"<script\b[^>]*\bsrc=", ok_html) == []  # require.js, MathJax
    assert "cdnjs" not in ok_html  # mermaid is imported from a script body


def test_html_has_the_job_title(ok_html):
    assert "<title>Review of 00123</title>" in ok_html


# --------------------------------------------------------------------------- failures


def test_a_batch_runs_in_parallel_and_one_failure_stops_nothing(tmp_path, capsys):
    """Three reviews on two workers, AM2's failing: the others are written; AM2's documents of an
    earlier success are removed, and its notebook is this run's."""
    (tmp_path / "AM2.html").write_text("<p>an earlier success</p>")
    (tmp_path / "AM2.pdf").write_bytes(b"%PDF- an earlier run's")
    (tmp_path / "AM2.ipynb").write_text("{}")
    jobs = [make_job(tmp_path, key, pdf=True, fail=key == "AM2") for key in ("AM1", "AM2", "AM3")]

    finished = []
    results = run_reviews(
        jobs, n_jobs=2, timeout=60, progress=True, log_dir=tmp_path / "logs", on_result=finished.append
    )

    assert [r.key for r in results] == ["AM1", "AM2", "AM3"]
    assert sorted(r.key for r in finished) == ["AM1", "AM2", "AM3"]  # reported as they finished
    assert all(r.log == (tmp_path / "logs" / f"{r.key}.log").absolute() and r.log.is_file() for r in results)
    assert all(r.started.endswith("+00:00") for r in results)
    assert [r.status for r in results] == ["ok", "failed", "ok"]
    for result in (results[0], results[2]):
        assert result.html.is_file() and result.error is None
        assert result.pdf == tmp_path / f"{result.key}.pdf"  # made in the worker process
        assert result.pdf.read_bytes().startswith(b"%PDF-")
    failed = results[1]
    assert failed.html is None and not (tmp_path / "AM2.html").exists()
    assert failed.pdf is None and not (tmp_path / "AM2.pdf").exists()
    assert failed.notebook == tmp_path / "AM2.ipynb"
    kept = nbformat.read(failed.notebook, as_version=4)  # this run's
    assert [o.evalue for o in error_outputs(kept)] == ["asked to fail for AM2"]
    assert sorted(p.name for p in tmp_path.glob("AM2*")) == ["AM2.ipynb"]
    assert any("papermill-error-cell-tag" in c.metadata.get("tags", []) for c in kept.cells)
    error = failed.error
    assert isinstance(error, ReviewExecutionError)
    assert (error.am_id, error.cell_index, error.ename) == ("AM2", FAILING_CELL, "RuntimeError")
    assert error.notebook == str(REVIEW)
    assert "AM2" in str(error) and f"cell {FAILING_CELL}" in str(error)
    assert "failed=1" in capsys.readouterr().err
    assert "failed: review of AM2" in failed.log.read_text()


# --------------------------------------------------------------------------- retries (no kernel)


def fake_papermill(outcomes: list):
    """A stand-in for batch._papermill_execute: each call takes the next outcome.

    ``"no kernel"`` fails before the kernel is ready; ``"cell error"`` fails in a cell
    after papermill's injected cell; ``"ok"`` writes the template as the executed notebook.
    """
    calls = []

    def execute(job, output, probe):
        outcome = outcomes[len(calls)]
        calls.append(outcome)
        if outcome == "no kernel":
            raise RuntimeError("Kernel died before replying to kernel_info")
        probe.on_notebook_start(notebook=None)
        if outcome == "cell error":
            probe.on_cell_start(cell=new_code_cell(metadata={"tags": ["injected-parameters"]}), cell_index=2)
            raise PapermillExecutionError(FAILING_CELL + 1, 3, "", "ValueError", "bad", [])
        nb = nbformat.read(REVIEW, as_version=4)
        nbformat.write(nb, output)
        return nb

    return execute, calls


@pytest.fixture
def no_pause(monkeypatch):
    monkeypatch.setattr(batch, "RETRY_PAUSE", 0)


def test_a_failed_kernel_start_is_retried(tmp_path, monkeypatch, no_pause):
    execute, calls = fake_papermill(["no kernel", "no kernel", "ok"])
    monkeypatch.setattr(batch, "_papermill_execute", execute)

    result = execute_review(make_job(tmp_path, "AM1"))

    assert result.status == "ok" and len(calls) == 3


def test_a_kernel_that_never_starts_fails_after_three_attempts(tmp_path, monkeypatch, no_pause):
    execute, calls = fake_papermill(["no kernel"] * 3)
    monkeypatch.setattr(batch, "_papermill_execute", execute)
    (tmp_path / "AM1.ipynb").write_text("{}")  # an earlier run's

    result = execute_review(make_job(tmp_path, "AM1"))

    assert len(calls) == 3
    assert (result.status, result.html, result.notebook) == ("failed", None, None)
    assert (result.error.ename, result.error.cell_index) == ("RuntimeError", None)
    assert list(tmp_path.iterdir()) == []


def test_a_cell_error_is_not_retried_and_counts_template_cells(tmp_path, monkeypatch, no_pause):
    execute, calls = fake_papermill(["cell error", "ok"])
    monkeypatch.setattr(batch, "_papermill_execute", execute)

    result = execute_review(make_job(tmp_path, "AM1"))

    assert calls == ["cell error"]
    assert (result.error.ename, result.error.cell_index) == ("ValueError", FAILING_CELL)


# --------------------------------------------------------------------------- PDF (no kernel)


def test_a_job_with_pdf_writes_it_beside_the_html(tmp_path, monkeypatch, no_pause):
    execute, _ = fake_papermill(["ok"])
    monkeypatch.setattr(batch, "_papermill_execute", execute)

    result = execute_review(make_job(tmp_path, "AM1", pdf=True))

    assert result.status == "ok" and result.pdf == tmp_path / "AM1.pdf"
    assert result.pdf.read_bytes().startswith(b"%PDF-")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["AM1.html", "AM1.ipynb", "AM1.pdf"]


def test_a_job_without_pdf_removes_an_earlier_runs_pdf(tmp_path, monkeypatch, no_pause):
    execute, _ = fake_papermill(["ok"])
    monkeypatch.setattr(batch, "_papermill_execute", execute)
    (tmp_path / "AM1.pdf").write_bytes(b"%PDF- of other data")

    result = execute_review(make_job(tmp_path, "AM1"))

    assert result.status == "ok" and result.pdf is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["AM1.html", "AM1.ipynb"]


def test_a_pdf_that_cannot_be_made_fails_the_review_and_leaves_no_document(tmp_path, monkeypatch, no_pause):
    import amreview.documents.pdf

    def broken(html, path, header=None):
        raise OSError("no space left on device")

    execute, _ = fake_papermill(["ok"])
    monkeypatch.setattr(batch, "_papermill_execute", execute)
    monkeypatch.setattr(amreview.documents.pdf, "html_to_pdf", broken)
    (tmp_path / "AM1.html").write_text("an earlier success")

    result = execute_review(make_job(tmp_path, "AM1", pdf=True))

    assert (result.status, result.html, result.pdf) == ("failed", None, None)
    assert (result.error.ename, result.error.evalue) == ("OSError", "no space left on device")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["AM1.ipynb"]


# --------------------------------------------------------------------------- parameters (no kernel)


def test_check_parameters_accepts_declared_names_and_string_ids():
    check_parameters(REVIEW, {"who": "00123", "fail": False, "sleep_seconds": 0.5})


def test_check_parameters_names_an_unknown_parameter():
    declared = r"\(the notebook declares: 'fail', 'sleep_seconds', 'who'\)"
    with pytest.raises(ParameterError, match=r"unknown name 'whom' " + declared):
        check_parameters(REVIEW, {"who": "AM1", "whom": "AM1"})


def test_check_parameters_names_a_missing_required_parameter():
    with pytest.raises(ParameterError, match=r"missing required name 'who'"):
        check_parameters(REVIEW, {"fail": True})


def test_a_missing_optional_parameter_falls_back_to_the_default():
    check_parameters(REVIEW, {"who": "AM1"})  # fail and sleep_seconds keep their defaults


@pytest.mark.parametrize("value", [("a", "b"), Path("x"), {1: "a"}, ["ok", object()]])
def test_check_parameters_refuses_values_papermill_would_turn_into_strings(value):
    with pytest.raises(ParameterError, match=r"'fail' is a \w+, expected str, int"):
        check_parameters(REVIEW, {"who": "AM1", "fail": value})


def test_check_parameters_of_a_missing_notebook():
    with pytest.raises(ParameterError, match="no notebook"):
        check_parameters(FIXTURES / "nope.ipynb", {})


def test_run_reviews_checks_every_job_before_any_kernel_starts(tmp_path, monkeypatch):
    def must_not_run(*args):
        raise AssertionError("a review ran")

    monkeypatch.setattr(pool, "execute_checked", must_not_run)
    jobs = [make_job(tmp_path, "AM1"), make_job(tmp_path, "AM2", whom="x"), make_job(tmp_path, "AM3", wen=1)]

    with pytest.raises(ParameterError) as raised:
        run_reviews(jobs, n_jobs=1, progress=False)

    message = str(raised.value)
    assert "AM2: unknown name 'whom'" in message and "AM3: unknown name 'wen'" in message
    assert "AM1" not in message
    assert list(tmp_path.iterdir()) == []


def test_run_reviews_refuses_jobs_that_would_overwrite_each_other(tmp_path):
    twin = make_job(tmp_path, "AM1")
    with pytest.raises(ValueError, match="share output stems"):
        run_reviews([twin, twin], n_jobs=1, progress=False)


def test_run_reviews_of_nothing_and_of_no_worker(tmp_path):
    assert run_reviews([], progress=False) == []
    with pytest.raises(ValueError, match="n_jobs must be at least 1"):
        run_reviews([make_job(tmp_path, "AM1")], n_jobs=0)


# --------------------------------------------------------------------------- HTML (no kernel)


def executed_like_papermill() -> nbformat.NotebookNode:
    def code(source, text, tags=()):
        cell = new_code_cell(source, outputs=[new_output("stream", name="stdout", text=text)])
        cell.metadata["tags"] = list(tags)
        cell.metadata["papermill"] = {"status": "completed", "duration": 0.1}
        return cell

    nb = new_notebook(
        cells=[
            new_markdown_cell("# Heading $x^2$"),
            code('who = "nobody"', "", ["parameters"]),
            code('who = "AM1"', "INJECTED-OUTPUT", ["injected-parameters"]),
            code("print('visible')", "VISIBLE-OUTPUT"),
            code("print('gone')", "REMOVED-CELL-OUTPUT", ["remove-cell"]),
            code("print('hidden')", "HIDDEN-OUTPUT", ["remove-output"]),
        ]
    )
    nb.metadata["papermill"] = {"input_path": "/secret/in.ipynb", "parameters": {"who": "AM1"}}
    return nb


def test_notebook_to_html_keeps_outputs_only_and_does_not_touch_its_input():
    nb = executed_like_papermill()
    before = copy.deepcopy(nb)

    page = notebook_to_html(nb, "Q3 <review> & more")

    assert nb == before
    assert "VISIBLE-OUTPUT" in page and "Heading" in page
    absent = ["INJECTED-OUTPUT", "REMOVED-CELL-OUTPUT", "HIDDEN-OUTPUT", "print(", "/secret/", "papermill"]
    assert [text for text in absent if text in page] == []
    assert "<title>Q3 &lt;review&gt; &amp; more</title>" in page
    assert EXTERNAL_SOURCE.findall(page) == []


def test_the_export_does_not_parse_the_page_again_and_still_describes_every_image(monkeypatch):
    """nbconvert's HTMLExporter parses the whole page a second time (BeautifulSoup: ~0.2 s of a
    review's 1 MB) to give an image without ``alt`` a placeholder; the export does that on the
    text, and an image that has one keeps it."""
    import bs4
    import nbconvert.exporters.html

    nb = executed_like_papermill()
    html_output = new_output(
        "display_data",
        data={"text/html": "<img src='data:image/png;base64,AAAA'><img alt='Margin by month' src='data:,'>"},
    )
    nb.cells[3].outputs.append(html_output)

    def no_parsing(*args, **kwargs):
        raise AssertionError("the page was parsed again")

    monkeypatch.setattr(bs4, "BeautifulSoup", no_parsing)
    monkeypatch.setattr(nbconvert.exporters.html, "BeautifulSoup", no_parsing)  # its own name of it
    page = notebook_to_html(nb, "Images")
    images = re.findall(r"<img\b[^>]*>", page)
    assert len(images) == 2
    assert 'alt="No description has been provided for this image"' in images[0]
    assert "alt='Margin by month'" in images[1] and "No description" not in images[1]


def test_the_exporter_made_once_carries_nothing_from_one_document_into_the_next():
    from amreview.batch import export

    first = notebook_to_html(executed_like_papermill(), "First person")
    other = executed_like_papermill()
    other.cells[3].outputs[0]["text"] = "ANOTHER-OUTPUT\n"
    second = notebook_to_html(other, "Second person")
    export._html_exporter.cache_clear()  # a fresh exporter gives the same page
    fresh = notebook_to_html(other, "Second person")
    assert second == fresh
    assert "First person" not in second and "VISIBLE-OUTPUT" not in second and "ANOTHER-OUTPUT" in second
    assert "VISIBLE-OUTPUT" in first


def test_notebook_to_html_is_a_document_styled_for_screen_phone_and_print():
    page = notebook_to_html(executed_like_papermill(), 'Zoë "</style>" — 2026Q3')

    assert '<body class="amr-document">' in page and '<main class="amr-page">' in page
    assert 'name="viewport"' in page
    assert "@media print" in page and "break-inside: avoid" in page and "counter(pages)" in page
    assert "@media (max-width: 640px)" in page
    assert "--jp-" not in page and 'class="jp-Notebook"' not in page  # no JupyterLab stylesheet or theme
    assert page.count("</style>") == 1  # the title cannot close the style element
    assert 'content: "Zo\\eb  \\22 \\3c \\2f style\\3e \\22  \\2014  2026Q3"' in page


# --------------------------------------------------------------------------- index (no kernel)


def test_write_index_links_reviews_and_shows_failures(tmp_path):
    reports = tmp_path / "reports"
    ok = ReviewResult("AM1", "ok", reports / "2026Q3" / "AM 1.html", None, None, 2.04)
    error = ReviewExecutionError("AM2", "review.ipynb", 3, "RuntimeError", "no <data>")
    failed = ReviewResult("AM2", "failed", None, None, error, 0.5)
    rows = [{**result_row(ok), "name": "Ann"}, {**result_row(failed), "name": "<script>alert(1)</script>"}]

    write_index(reports / "index.html", "Q3 & reviews", ["name", "key", "status", "seconds"], rows)

    page = (reports / "index.html").read_text(encoding="utf-8")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<a href="2026Q3/AM%201.html">Ann</a>' in page
    assert "<title>Q3 &amp; reviews</title>" in page
    assert page.count('<tr class="failed">') == 1
    assert "no &lt;data&gt;" in page and "cell 3" in page
    assert 'class="status status-ok"' in page and 'class="status status-failed"' in page
    assert '<td class="num">2.0</td>' in page
    assert EXTERNAL_SOURCE.findall(page) == []
    assert [p.name for p in reports.iterdir()] == ["index.html"]


def test_write_index_lists_overviews_above_the_table_and_links_pdfs(tmp_path):
    folder = tmp_path / "2026Q3"
    rows = [
        {"name": "Ann", "gm": "1,000", "status": "ok", "link": folder / "AM1.html", "pdf": folder / "AM1.pdf"},
        {"name": "Bo", "gm": "2,000", "status": "ok", "link": folder / "AM2.html", "pdf": None},
    ]
    error = ReviewExecutionError("team-b", "team.ipynb", 2, "KeyError", "'<b>'")
    overviews = [
        {
            "text": "Mia <Major>",
            "detail": "2 direct reports",
            "status": "ok",
            "link": folder / "team-mia.html",
            "pdf": folder / "team-mia.pdf",
        },
        {"text": "Ned", "detail": "", "status": "failed", "error": str(error), "link": None, "pdf": None},
    ]

    write_index(
        folder / "index.html",
        "Q3",
        ["name", "gm", "status"],
        rows,
        numeric_columns=["gm"],
        overviews=overviews,
        overviews_title="Team overviews",
    )

    page = (folder / "index.html").read_text(encoding="utf-8")
    assert page.index('<h2 id="overviews">Team overviews</h2>') < page.index('<table class="reviews">')
    assert '<a href="team-mia.html">Mia &lt;Major&gt;</a>' in page and '<a href="team-mia.pdf">PDF</a>' in page
    assert '<li class="failed">' in page and "cell 2" in page and "&#39;&lt;b&gt;&#39;" in page
    failures = page[page.index('<section class="failures"') : page.index("</section>")]
    assert "<strong>Ned</strong>" in failures and "cell 2" in failures  # said first, not folded away
    assert page.index("failures") < page.index('id="overviews"') and "<details" not in failures
    assert '<th scope="col">Documents</th>' in page
    assert '<td class="documents"><a href="AM1.html">HTML</a> · <a href="AM1.pdf">PDF</a></td>' in page
    assert '<td class="documents"><a href="AM2.html">HTML</a></td>' in page
    assert '<td class="num">1,000</td>' in page
    assert "2 reviews: 2 ok, 0 failed; 2 team overviews" in re.sub(r"\s+", " ", page)


def test_write_index_without_pdfs_has_no_pdf_column_nor_overviews(tmp_path):
    write_index(tmp_path / "index.html", "t", ["key"], [{"key": "AM1", "link": "AM1.html"}])

    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert ">PDF<" not in page and 'id="overviews"' not in page


def test_write_index_takes_a_relative_link_as_relative_to_the_index(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not to the current directory
    rows = [{"key": "AM1", "link": "AM1.html"}, {"key": "AM2", "link": None}]

    write_index(tmp_path / "out" / "index.html", "t", ["key"], rows)

    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert '<a href="AM1.html">AM1</a>' in page and "<td>AM2</td>" in page


def test_write_index_refuses_a_link_column_it_does_not_show(tmp_path):
    with pytest.raises(ValueError, match="link_column 'name'"):
        write_index(tmp_path / "index.html", "t", ["key"], [], link_column="name")


def test_repeated_style_blocks_are_kept_once():
    from amreview.batch.export import without_repeated_styles

    html = "<style>a{}</style><p>1</p><style>a{}</style><p>2</p><style>b{}</style><style>a{}</style>"
    assert without_repeated_styles(html) == "<style>a{}</style><p>1</p><p>2</p><style>b{}</style>"
