"""The light review notebook (``tests/fixtures/batch/light_review.ipynb``) for tests of the runner.

It is the review notebook cut short: the same parameters cell, the same cell opening the review
input, the header and one section (``make_fixtures.py`` cuts it; ``test_review_notebook`` checks it
still matches). A test of the runner's mechanics (kernels, parameters, prepared inputs, export,
key figures, manifest, resume, atomic writes, killed runs) runs it for a kernel start and a
fraction of a second of cells, where the whole review draws twenty charts (about 5 s of CPU).
Tests of what a review shows run the real notebook.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

LIGHT_REVIEW = Path(__file__).resolve().parent / "fixtures" / "batch" / "light_review.ipynb"
OPENED = 2  # the index of the first cell after the one that opens the review


def light_review(folder: Path, *sources: str, name: str = "light_review.ipynb") -> Path:
    """The light review notebook written in ``folder`` with a code cell of each of ``sources``
    inserted after the cell that opens the review (the first at index :data:`OPENED`)."""
    notebook = nbformat.read(LIGHT_REVIEW, as_version=4)
    notebook.cells[OPENED:OPENED] = [nbformat.v4.new_code_cell(source) for source in sources]
    path = Path(folder) / name
    nbformat.write(notebook, path)
    return path
