"""PDF documents from the HTML ones: offline, in-process, with WeasyPrint.

A review's HTML carries its own print CSS (amreview/batch/templates/document.css): A4 pages, no
table or chart cut in half, headings kept with what follows, the page number and count at the
foot of every page. :func:`html_to_pdf` renders that HTML and puts a running header — the
person's name and the period — at the top of every page.

Why WeasyPrint: it renders in this process in about half a second a review, and needs no
browser; nbconvert's webpdf exporter downloads its own Chromium at run time, which an offline
machine cannot do, and a browser started per document costs 1.3–1.9 s.

Tagged and described: the PDF is written as PDF/UA-1 (:data:`PDF_VARIANT`: tagged, its
structure and reading order from the HTML, images with their ``alt``, title shown in the window),
with the document's ``<title>`` and ``<meta name="author">`` as its title and author. Only
headings become named destinations: an ``id`` on a table cell (pandas gives every cell one) would
otherwise make a destination of each (:data:`PDF_CSS`).

Offline by construction: the documents are self-contained (images are ``data:`` URIs), and
the renderer is given a URL fetcher that refuses every other scheme; a document that refers to
anything outside itself is an error, never a silent network request or a missing picture.
"""

from __future__ import annotations

import logging
from pathlib import Path

from amreview.errors import DocumentError
from amreview.files import atomic_file

ALLOWED_SCHEMES = frozenset({"data"})
PDF_VARIANT = "pdf/ua-1"  # WeasyPrint: tagged PDF 1.7 with PDF/UA-1 metadata
# WeasyPrint makes a named destination of every element with an id; a notebook cell and a table's
# parts need none (headings keep theirs).
# ``!important``: the renderer's stylesheets are the user's, which the document's own rules outrank.
PDF_CSS = '.jp-Cell[id], table[id], thead[id], tbody[id], tr[id], th[id], td[id] { -weasy-anchor: "" !important }\n'
_SAFE_CSS_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ")


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string: every character other than an ASCII letter, digit or
    space is written as a CSS escape (``\\2014 ``), so no text from the data can end the
    string, the rule or the ``<style>`` element it sits in."""
    escaped = "".join(c if c in _SAFE_CSS_CHARACTERS else f"\\{ord(c):x} " for c in str(text))
    return f'"{escaped}"'


def running_header_css(header: str) -> str:
    """The ``@page`` rule that puts ``header`` at the top left of every page."""
    return f"@page {{ @top-left {{ content: {css_string(header)}; }} }}"


def html_to_pdf(html: str, path: str | Path, header: str | None = None) -> Path:
    """Render ``html`` (a self-contained document) to a PDF at ``path``, atomically.

    ``header``, when given, is printed at the top of every page (it replaces the document's
    own running header). The file is written under a temporary name in ``path``'s folder
    and renamed: a reader sees the previous PDF or the new one, never half of one. Raises
    :class:`~amreview.errors.DocumentError` (a ``ValueError``) when the document refers to a
    resource that is not inside it.
    """
    path = Path(path)
    document = render_pages(html, header)
    with atomic_file(path, "xb") as handle:
        document.write_pdf(handle, pdf_variant=PDF_VARIANT)
    return path


def render_pages(html: str, header: str | None = None):
    """Lay ``html`` out in pages, as :func:`html_to_pdf` prints it: a WeasyPrint ``Document``
    (its ``pages`` hold the layout, e.g. to check where tables and charts fall)."""
    import weasyprint

    fetcher = _offline_fetcher()
    css = PDF_CSS + (running_header_css(header) if header else "")
    stylesheets = [weasyprint.CSS(string=css, url_fetcher=fetcher)]
    with _quiet_weasyprint():
        document = weasyprint.HTML(string=html, url_fetcher=fetcher).render(stylesheets=stylesheets)
    if fetcher.refused:
        raise DocumentError(
            "the document refers to resources outside itself, which a PDF rendered offline cannot "
            f"include: {', '.join(sorted(set(fetcher.refused))[:5])}"
        )
    return document


def _offline_fetcher():
    """A WeasyPrint URL fetcher that serves ``data:`` URIs and records every other URL it refuses."""
    from weasyprint.urls import URLFetcher

    class OfflineFetcher(URLFetcher):
        def __init__(self):
            super().__init__(allowed_protocols=ALLOWED_SCHEMES)
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower() if ":" in url else ""
            if scheme not in ALLOWED_SCHEMES:
                self.refused.append(url)
                # WeasyPrint's protocol: it catches this and leaves the resource out; render_pages
                # then reports every refused URL as one DocumentError
                raise ValueError(f"refused {url!r}: documents are rendered offline")
            return super().fetch(url, headers)

    return OfflineFetcher()


class _quiet_weasyprint:
    """WeasyPrint logs a warning for each resource refused (reported above as one error) and
    for CSS it ignores; in a batch of hundreds that would drown the progress bar."""

    def __enter__(self):
        self._logger = logging.getLogger("weasyprint")
        self._level = self._logger.level
        self._logger.setLevel(logging.ERROR)

    def __exit__(self, *exc):
        self._logger.setLevel(self._level)
        return False
