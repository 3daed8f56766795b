"""The run's KPI reference in a period's folder: ``kpi-reference.html``, and its PDF when the run
makes PDFs (:func:`write_kpi_reference`).

Written once per run, ``--resume`` included, before the index (which links it when the folder
holds it) — it is cheap, and a resumed run may use another config. The document is the
documents layer's (:func:`amreview.documents.kpi_reference.kpi_reference_html`), styled by the
reviews' stylesheet and printed by the reviews' PDF route. A run without PDFs removes an earlier
run's ``kpi-reference.pdf``, which could describe another config.
"""

from __future__ import annotations

from pathlib import Path

from amreview.batch.export import document_css
from amreview.documents.kpi_reference import kpi_reference_html
from amreview.documents.pdf import html_to_pdf
from amreview.filenames import KPI_REFERENCE_STEM
from amreview.files import write_text_atomic
from amreview.periods import Quarter
from amreview.scoring.config import ScorecardConfig


def write_kpi_reference(folder: Path, quarter: Quarter, config: ScorecardConfig, pdf: bool) -> list[Path]:
    """Write the KPI reference of ``quarter`` under ``config`` into ``folder`` (HTML, and the PDF
    when ``pdf``); returns the files written."""
    folder = Path(folder)
    html = kpi_reference_html(config, str(quarter), document_css())
    page = folder / f"{KPI_REFERENCE_STEM}.html"
    write_text_atomic(page, html)
    printed = folder / f"{KPI_REFERENCE_STEM}.pdf"
    if not pdf:
        printed.unlink(missing_ok=True)
        return [page]
    return [page, html_to_pdf(html, printed)]
