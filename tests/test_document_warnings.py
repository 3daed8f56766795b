"""No warning text in a document (issue 12, item 9): a team overview whose team has a
150-character name used to print two matplotlib ``UserWarning``s, with the server's paths to
matplotlib and IPython, into its HTML and PDF ("constrained_layout not applied because axes
sizes collapsed to zero"). Warnings now go to the kernel's own stderr (the review's log in a
batch run), and the chart cuts the name."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest

import amreview
from amreview.batch.execution import execute_review
from amreview.batch.jobs import ReviewJob
from amreview.batch.runner import NOTEBOOKS
from amreview.data.datapack import write_pack
from amreview.data.sample import generate_sample

pytestmark = pytest.mark.e2e

PERIOD = "2026Q3"
LONG_NAME = (
    "Maximiliana Alexandrina-Konstantinopoulou von Hohenzollern-Sigmaringen und Sachsen-Coburg "
    "de la Tour d'Auvergne y Borbón-Dos Sicilias Fitzgerald-Smyth"
)
PYTHON_WARNING = re.compile(r"\b[A-Z]\w*Warning\b")  # UserWarning, RuntimeWarning, FutureWarning …


@pytest.fixture(scope="module")
def team_overview(tmp_path_factory):
    tables = generate_sample()
    people = tables["account_managers"]
    people.loc[0, "name"] = LONG_NAME
    folder = tmp_path_factory.mktemp("long-name")
    pack = write_pack(tables, folder / "pack")
    manager = str(people.loc[0, "manager"])
    job = ReviewJob(
        key="team",
        notebook=NOTEBOOKS / "team_overview.ipynb",
        parameters={"data": str(pack), "manager": manager, "period": PERIOD},
        output_stem=folder / "out" / "team",
        title=f"Team {manager}, {PERIOD}",
        pdf=True,
    )
    result = execute_review(job, timeout=300, log_dir=folder / "logs")
    assert result.ok, result.error
    return result, folder / "logs" / "team.log"


def server_paths() -> list[str]:
    return [str(Path(amreview.__file__).resolve().parent.parent), sys.prefix, "site-packages"]


def test_no_warning_or_server_path_reaches_the_team_overview(team_overview):
    result, log = team_overview
    executed = nbformat.read(result.notebook, as_version=4)
    streams = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "stream"]
    assert streams == []  # nothing printed into the notebook, which becomes the document
    documents = {"html": result.html.read_text(encoding="utf-8")}
    from pypdf import PdfReader

    documents["pdf"] = " ".join(page.extract_text() or "" for page in PdfReader(result.pdf).pages)
    for kind, text in documents.items():
        assert not PYTHON_WARNING.search(text), kind
        for path in server_paths():
            assert path not in text, (kind, path)
    assert LONG_NAME.split()[0] in documents["html"]  # the name is there (cut on the charts, whole in tables)


def test_the_layout_warning_goes_to_the_reviews_log_if_anywhere(team_overview):
    """The charts no longer collapse, so no layout warning is raised at all; a warning that is
    raised goes to the log (see amreview.documents.render.keep_warnings_out_of_documents)."""
    _, log = team_overview
    assert "constrained_layout not applied" not in log.read_text(encoding="utf-8")


def test_a_warning_raised_in_a_documents_kernel_is_logged_not_shown(tmp_path):
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("# parameters\nmessage = ''", metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell(
                "import warnings\n"
                "from amreview.documents.render import keep_warnings_out_of_documents\n"
                "keep_warnings_out_of_documents()\nwarnings.warn(message)\nprint('done')"
            ),
        ]
    )
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "warns.ipynb"
    nbformat.write(notebook, path)
    job = ReviewJob(
        key="warns",
        notebook=path,
        parameters={"message": "a planted UserWarning"},
        output_stem=tmp_path / "out" / "warns",
        title="warns",
    )
    result = execute_review(job, timeout=120, log_dir=tmp_path / "logs")
    assert result.ok, result.error
    document = result.html.read_text(encoding="utf-8")
    assert "done" in document and "planted" not in document and "UserWarning" not in document
    assert "a planted UserWarning" in (tmp_path / "logs" / "warns.log").read_text(encoding="utf-8")
