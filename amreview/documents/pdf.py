"""PDF documents from the HTML ones: offline, printed by Chromium kept open, or by WeasyPrint.

A review's HTML carries its own print CSS (amreview/batch/templates/document.css): A4 pages, no
table or chart cut in half, headings kept with what follows, the page number and count at the
foot of every page. :func:`html_to_pdf` prints that HTML and puts a running header — the
person's name and the period — at the top of every page.

Two engines (:data:`PDF_ENGINES`), the same print CSS:

* ``chromium`` (the default where a Chromium is installed: :mod:`amreview.documents.chromium`):
  a headless browser started once per process and reused for every document, about 0.7 s of
  CPU for a 20-page review. nbconvert's webpdf exporter is not used: it downloads its own
  Chromium at run time, which an offline machine cannot do, and starts one per document.
* ``weasyprint`` (the fallback where there is no Chromium), in this process: about 10 s of
  CPU for the same review (text line breaking and CSS matching of the big tables).

``$AMREVIEW_PDF_ENGINE`` (``chromium``, ``weasyprint`` or ``auto``, the default) chooses.

Both give the PDF the document's ``<title>`` as its title and its ``<meta name="author">`` (who
is responsible for it, e.g. the reviewing manager) as its author, :data:`PDF_AUTHOR` where it
names none (:func:`document_author`; Chromium writes no author: :func:`with_author` adds one
without rewriting the file). Both are tagged: Chromium's as printed (``tagged``), WeasyPrint's as
PDF/UA-1 (:data:`PDF_VARIANT`: its structure and reading order from the HTML, images with their
``alt``). With WeasyPrint only headings become named destinations: an ``id`` on a table cell
(pandas gives every cell one) would otherwise make a destination of each (:data:`PDF_CSS`).

Offline by construction: the documents are self-contained (images are ``data:`` URIs); Chromium
aborts every request that is not a ``data:`` URI, WeasyPrint is given a URL fetcher that refuses
every other scheme; a document that refers to anything outside itself is an error, never a
silent network request or a missing picture.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from amreview.documents.chromium import ALLOWED_SCHEMES, chromium_path, print_pdf
from amreview.errors import ArgumentError, DocumentError
from amreview.files import atomic_file

PDF_ENGINES = ("chromium", "weasyprint")
PDF_AUTHOR = "amreview"  # the author of a PDF whose document names none: the tool that wrote it
PDF_VARIANT = "pdf/ua-1"  # WeasyPrint: tagged PDF 1.7 with PDF/UA-1 metadata
# WeasyPrint makes a named destination of every element with an id; a notebook cell and a table's
# parts need none (headings keep theirs).
# ``!important``: the renderer's stylesheets are the user's, which the document's own rules outrank.
PDF_CSS = '.jp-Cell[id], table[id], thead[id], tbody[id], tr[id], th[id], td[id] { -weasy-anchor: "" !important }\n'
_META_AUTHOR = re.compile(r"""<meta\s+name=["']author["']\s+content=["']([^"']*)["']""", re.I)
_TRAILER = re.compile(rb"trailer\s*<<(?P<entries>.*?)>>\s*startxref\s*(?P<xref>\d+)\s*%%EOF\s*$", re.S)
PDF_ENGINE_VARIABLE = "AMREVIEW_PDF_ENGINE"
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


def pdf_engine(requested: str | None = None) -> str:
    """The engine that prints PDFs here: ``requested``, else ``$AMREVIEW_PDF_ENGINE``, else
    ``auto``: ``"chromium"`` where :func:`~amreview.documents.chromium.chromium_path` finds one,
    else ``"weasyprint"``. Asking for Chromium where there is none is an
    :class:`~amreview.errors.ArgumentError`."""
    choice = (requested or os.environ.get(PDF_ENGINE_VARIABLE) or "auto").strip().lower()
    source = "" if requested else f" (${PDF_ENGINE_VARIABLE})"
    if choice not in (*PDF_ENGINES, "auto"):
        raise ArgumentError(f"the PDF engine{source} is one of chromium, weasyprint or auto, got {choice!r}")
    if choice == "weasyprint":
        return choice
    if chromium_path() is not None:
        return "chromium"
    if choice == "chromium":
        raise ArgumentError(
            f"the PDF engine{source} is chromium, but no Chromium was found: install it (Debian: "
            "apt-get install chromium) with Python playwright, or name it in $AMREVIEW_CHROMIUM"
        )
    return "weasyprint"


def html_to_pdf(html: str, path: str | Path, header: str | None = None, engine: str | None = None) -> Path:
    """Print ``html`` (a self-contained document) to a PDF at ``path``, atomically.

    ``header``, when given, is printed at the top of every page (it replaces the document's
    own running header). ``engine``: see :func:`pdf_engine`. The file is written under a
    temporary name in ``path``'s folder and renamed: a reader sees the previous PDF or the new
    one, never half of one. Raises :class:`~amreview.errors.DocumentError` (a ``ValueError``)
    when the document refers to a resource that is not inside it.
    """
    path = Path(path)
    if pdf_engine(engine) == "chromium":
        pdf = with_author(print_pdf(with_running_header(html, header)), document_author(html))
        with atomic_file(path, "xb") as handle:
            handle.write(pdf)
        return path
    document = render_pages(html, header)
    document.metadata.authors = [document_author(html)]
    with atomic_file(path, "xb") as handle:
        document.write_pdf(handle, pdf_variant=PDF_VARIANT)
    return path


def document_author(html: str) -> str:
    """Who a document names as responsible for it, its ``<meta name="author">`` (unescaped);
    :data:`PDF_AUTHOR` where it names none or an empty one."""
    import html as markup

    found = _META_AUTHOR.search(html)
    author = markup.unescape(found[1]).strip() if found else ""
    return author or PDF_AUTHOR


def pdf_text(text: str) -> bytes:
    """``text`` as a PDF text string: UTF-16BE with its byte-order mark, in hex (any character)."""
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def with_author(pdf: bytes, author: str = PDF_AUTHOR) -> bytes:
    """``pdf`` (Chromium's: a classic cross-reference table, an information dictionary without
    /Author) with ``author`` in its document information, by an incremental update (ISO
    32000-1, 7.5.6): the file's bytes are kept and a new information dictionary, one
    cross-reference entry and a trailer pointing back to the old one are appended, so the
    pages, the tags and the title stay exactly as printed. A PDF in any other form is a
    :class:`~amreview.errors.DocumentError` (a Chromium that writes another would need this
    changed), never a PDF without its author."""
    trailer = _TRAILER.search(pdf, max(0, len(pdf) - 4096))
    if trailer is None:
        raise DocumentError("the PDF printed has no classic trailer to add its author to")
    entries = trailer["entries"]
    size, root = re.search(rb"/Size\s+(\d+)", entries), re.search(rb"/Root\s+(\d+\s+\d+\s+R)", entries)
    info = re.search(rb"/Info\s+(\d+)\s+(\d+)\s+R", entries)
    if size is None or root is None:
        raise DocumentError("the PDF printed has a trailer without /Size or /Root")
    old = b""
    if info is not None:
        found = re.search(rb"(?<![0-9])%s\s+%s\s+obj\s*<<(.*?)>>\s*endobj" % (info[1], info[2]), pdf, re.S)
        old = found[1] if found else b""
    number = int(size[1])
    at = len(pdf) + 1
    body = b"\n%d 0 obj\n<<%s /Author %s>>\nendobj\n" % (number, old.strip(), pdf_text(author))
    ident = re.search(rb"/ID\s*\[[^\]]*\]", entries)
    xref = b"xref\n0 1\n0000000000 65535 f \n%d 1\n%010d 00000 n \n" % (number, at)
    tail = b"trailer\n<</Size %d /Root %s /Info %d 0 R /Prev %s%s>>\nstartxref\n%d\n%%%%EOF\n" % (
        number + 1,
        root[1],
        number,
        trailer["xref"],
        b" " + ident[0] if ident else b"",
        len(pdf) + len(body),
    )
    return pdf + body + xref + tail


def with_running_header(html: str, header: str | None) -> str:
    """``html`` with the ``@page`` rule of ``header`` (:func:`running_header_css`) after every
    stylesheet of its head, so it wins over the document's own running header."""
    if header is None:
        return html
    style = f"<style>{running_header_css(header)}</style>"
    at = html.lower().find("</head>")
    return html[:at] + style + html[at:] if at >= 0 else style + html


def render_pages(html: str, header: str | None = None):
    """Lay ``html`` out in pages, as :func:`html_to_pdf` prints it with WeasyPrint: a WeasyPrint
    ``Document`` (its ``pages`` hold the layout, e.g. to check where tables and charts fall)."""
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
