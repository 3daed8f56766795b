"""What a batch runs and what becomes of it: a :class:`ReviewJob` in, a :class:`ReviewResult` out.

A job is generic (a template notebook, the parameters to inject, where to write, a title) and
knows nothing about sales; the runner (:mod:`amreview.batch.runner`) makes one per document,
the executors (:mod:`amreview.batch.pool`, :mod:`amreview.batch.distributed`) run them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from amreview.errors import ReviewExecutionError

DEFAULT_AUTHOR = "amreview"  # the author of a document no one person answers for


@dataclass(frozen=True)
class ReviewJob:
    """One notebook run: ``notebook`` executed with ``parameters``, written next to ``output_stem``.

    ``key`` names the review in results and errors (e.g. the account manager's id, always a
    ``str``). ``parameters`` go to papermill as they are, so ids must be ``str`` ("00123"
    stays "00123"). ``output_stem`` ``reports/2026Q3/AM001`` writes ``AM001.ipynb`` and
    ``AM001.html`` in ``reports/2026Q3``. ``title`` is the HTML ``<title>`` and the running
    header of printed pages (name it after the person and the period); ``author``, who answers
    for the document (the reviewing manager for a review), is its HTML and PDF author. ``pdf``
    also writes ``AM001.pdf``.
    """

    key: str
    notebook: Path
    parameters: dict
    output_stem: Path
    title: str
    pdf: bool = False
    author: str = DEFAULT_AUTHOR


@dataclass
class ReviewResult:
    """What became of one job.

    ``status`` is ``"ok"`` (``html`` and ``notebook`` written) or ``"failed"`` (``html`` is
    ``None``; ``notebook`` is the executed notebook with papermill's error marker, or ``None``
    when the kernel never ran; ``error`` says why). ``error.notebook`` is the template and
    ``error.cell_index`` counts the *template's* cells from 0, so it points at the cell to
    fix (the executed notebook has papermill's injected cell and markers in addition).
    ``seconds`` is the wall time of the review, retries included; ``started`` when it began
    (UTC, ISO 8601). ``pdf`` is the PDF when the job asked for one and the review succeeded,
    else ``None``. ``log`` is the review's log file (kernel output, warnings), or ``None``
    when the batch ran without ``log_dir``.
    """

    key: str
    status: str
    html: Path | None
    notebook: Path | None
    error: ReviewExecutionError | None
    seconds: float
    pdf: Path | None = None
    started: str | None = None
    log: Path | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def failed(self) -> bool:
        """Failed, as opposed to written now (``ok``) or kept from an earlier run (``unchanged``)."""
        return self.status == "failed"


def output_paths(stem: Path) -> tuple[Path, Path, Path]:
    """The notebook, HTML and PDF a job with this ``output_stem`` writes."""
    stem = Path(stem)  # not with_suffix: a stem may contain dots ("J.Smith")
    return stem.with_name(stem.name + ".ipynb"), stem.with_name(stem.name + ".html"), stem.with_name(stem.name + ".pdf")
