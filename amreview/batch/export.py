"""An executed notebook → a self-contained HTML document with no code showing (nbconvert).

:mod:`amreview.batch.execution` exports each review it ran with :func:`notebook_to_html`, and
makes its PDF from the same HTML (:func:`amreview.documents.pdf.html_to_pdf`).

Design decisions
----------------
* **Self-contained HTML.** Images are inline (base64) and no script is fetched from another
  host: the lab template's require.js, MathJax, mermaid and widget loaders are left out.
  The price: LaTeX in markdown shows as source, and outputs that need JavaScript libraries
  (widgets, plotly) do not render; reviews use static images.
* **A document, not a notebook.** The JupyterLab stylesheet is replaced by
  ``templates/document.css``: a page that reads on a screen, on a phone (wide tables scroll
  inside their block, images shrink to fit) and on paper (A4, no table or chart cut across
  pages, headings kept with what follows, the title and page numbers on every page).
* **Valid, accessible HTML.** Library objects carry their ``<style>`` blocks so that they look
  right on their own; in the document each block is moved to the ``<head>``, once
  (:func:`styles_in_head`: HTML allows ``<style>`` nowhere else). A document of several
  sections opens with a table of contents linking each section (:func:`with_table_of_contents`);
  it is left out of print, where the PDF's bookmarks do the same. ``author`` goes into a
  ``<meta name="author">``, which the PDF carries too.
"""

from __future__ import annotations

import copy
import functools
import importlib.resources
import re
from pathlib import Path
from typing import Any

from amreview.documents.pdf import css_string

STYLE_BLOCK = re.compile(r"<style\b[^>]*>.*?</style>", re.S)  # see without_repeated_styles
SECTION_HEADING = re.compile(r'<h2 id="([^"]+)"[^>]*>(.*?)</h2>', re.S)  # a markdown cell's "## ..."
ANY_TAG = re.compile(r"<[^>]*>")
ANCHOR_MARK = "\u00b6"  # the ¶ of nbconvert's anchor links
CELL_START = '<div class="jp-Cell '
TOC_FROM_SECTIONS = 3  # a document of fewer sections needs no table of contents
# see _document_exporter_class: the start tags nbconvert's HTMLExporter completes
IMG_TAG = re.compile(r"(<img\b)(?=[\s/>])([^>]*>)", re.I)
ALT_ATTRIBUTE = re.compile(r"\salt\s*=", re.I)
MISSING_ALT = ' alt="No description has been provided for this image"'
INJECTED_TAG = "injected-parameters"  # papermill tags the cell it adds with this
ERROR_MARKER_TAG = "papermill-error-cell-tag"  # papermill's markers around a failing cell
REMOVED_CELL_TAGS = frozenset({INJECTED_TAG, ERROR_MARKER_TAG, "remove-cell"})
HIDDEN_OUTPUT_TAGS = frozenset({"remove-output"})
STRIPPED_CELL_METADATA = ("papermill", "execution")  # paths, timings, status

# nbconvert's lab template minus every script it would fetch from a CDN and minus the lab's
# stylesheet, plus the document stylesheet: see templates/document.html.j2 and document.css.
DOCUMENT_TEMPLATE = "document.html.j2"
DOCUMENT_CSS = "document.css"


def notebook_to_html(nb: Any, title: str, base_dir: Path | None = None, author: str = "amreview") -> str:
    """A self-contained HTML document of an executed notebook, with no code showing.

    Shows outputs and markdown only: code, prompts, papermill's injected-parameters cell and
    error markers, cells tagged ``remove-cell`` and outputs of cells tagged ``remove-output``
    are left out, and papermill's metadata (paths, parameters, timings) is stripped. Output
    images are inline already; images that markdown cells link to are inlined when found in
    ``base_dir`` (the template's folder; never the process's current directory). ``nb`` is
    not modified. The page is styled by ``templates/document.css`` (screen, phone, print)
    and ``title`` is both its ``<title>`` and the running header of its printed pages;
    ``author`` (who is responsible for the document) is its ``<meta name="author">``. Its
    ``<style>`` blocks are in the head (:func:`styles_in_head`) and a document of
    :data:`TOC_FROM_SECTIONS` sections or more opens with a table of contents
    (:func:`with_table_of_contents`).
    """
    nb = _strip_run_metadata(copy.deepcopy(nb))
    nb.metadata["title"] = title  # the lab template prefers it to resources' name
    exporter = _html_exporter(embed_images=base_dir is not None)
    resources = {
        "metadata": {"name": title, "path": str(base_dir) if base_dir else ""},
        "amreview": {"css": _template_text(DOCUMENT_CSS), "running_header": css_string(title), "author": author},
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return with_table_of_contents(styles_in_head(body))


@functools.cache
def _html_exporter(embed_images: bool) -> Any:
    """The document exporter, made once per process: building it compiles the Jinja templates
    (~0.1 s), and it keeps no state between notebooks."""
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = set(REMOVED_CELL_TAGS)
    config.TagRemovePreprocessor.remove_all_outputs_tags = set(HIDDEN_OUTPUT_TAGS)
    return _document_exporter_class()(
        config=config,
        template_name="lab",
        raw_template=_template_text(DOCUMENT_TEMPLATE),
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=embed_images,
    )


@functools.cache
def _document_exporter_class() -> Any:
    """nbconvert's ``HTMLExporter`` without its last step, which parses the whole page again
    with BeautifulSoup (~0.7 s of CPU for a review's 2 MB page) and writes it out again, only to
    give images without ``alt`` a placeholder (:func:`with_described_images` does it on the
    text) and ``tabindex`` to the output areas under ``.jp-Notebook`` (there are none: the
    document template's body is ``amr-document``). The rest is ``HTMLExporter``'s own
    ``from_notebook_node``: its two filters registered, then the template rendered."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class DocumentExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            language = nb.metadata.get("language_info", {})
            lexer = language.get("pygments_lexer", language.get("name", None))
            highlight = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            resources = self._init_resources(resources)
            data_types = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources)
            self.register_filter("highlight_code", highlight)
            self.register_filter("filter_data_type", data_types)
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return with_described_images(html), resources

    return DocumentExporter


def with_described_images(html: str) -> str:
    """``html`` with nbconvert's placeholder description on every ``<img>`` that has no ``alt``
    (what ``HTMLExporter`` does with BeautifulSoup)."""

    def described(match: re.Match) -> str:
        tag = match.group(0)
        return tag if ALT_ATTRIBUTE.search(tag) else match.group(1) + MISSING_ALT + match.group(2)

    return IMG_TAG.sub(described, html)


def without_repeated_styles(html: str) -> str:
    """``html`` with every ``<style>`` block that repeats an earlier one removed.

    A library object displayed in a notebook carries its stylesheet so that it looks right on
    its own; a document of a dozen such outputs would carry it a dozen times, and each copy
    costs the PDF renderer a full restyle of the document.
    """
    seen: set[str] = set()

    def keep_first(match: re.Match) -> str:
        block = match.group(0)
        if block in seen:
            return ""
        seen.add(block)
        return block

    return STYLE_BLOCK.sub(keep_first, html)


def styles_in_head(html: str) -> str:
    """``html`` with every ``<style>`` block of its body moved to the end of its ``<head>``, in
    the order found, each block once (:func:`without_repeated_styles`). The rules are the same
    wherever the block stands; a document without a ``</head>`` is returned as it is."""
    head, separator, body = html.partition("</head>")
    if not separator:
        return html
    blocks: list[str] = []

    def take(match: re.Match) -> str:
        if match.group(0) not in blocks and match.group(0) not in head:
            blocks.append(match.group(0))
        return ""

    body = STYLE_BLOCK.sub(take, body)
    return head + "\n".join(blocks) + separator + body


def section_links(html: str) -> list[tuple[str, str]]:
    """Each section heading (``<h2 id=...>``) of ``html``: (its id, its text without tags and
    without the ``¶`` of its anchor link), in order."""
    found = []
    for anchor, inner in SECTION_HEADING.findall(html):
        text = ANY_TAG.sub("", inner).replace(ANCHOR_MARK, "")
        found.append((anchor, " ".join(text.split())))
    return found


def table_of_contents(links: list[tuple[str, str]]) -> str:
    """A ``<nav>`` listing ``links`` ((id, text) pairs, as :func:`section_links` gives them:
    ids and texts HTML already, so not escaped again)."""
    items = "".join(f'<li><a href="#{anchor}">{text}</a></li>' for anchor, text in links)
    return f'<nav class="amr-toc" aria-label="Contents"><p class="amr-toc-title">Contents</p><ol>{items}</ol></nav>'


def with_table_of_contents(html: str) -> str:
    """``html`` with a table of contents (:func:`table_of_contents`) just before the notebook cell
    of its first section heading, when it has :data:`TOC_FROM_SECTIONS` sections or more."""
    links = section_links(html)
    if len(links) < TOC_FROM_SECTIONS:
        return html
    first = html.find(f'<h2 id="{links[0][0]}"')
    cell = html.rfind(CELL_START, 0, first)
    at = cell if cell >= 0 else first
    return html[:at] + table_of_contents(links) + "\n" + html[at:]


def document_css() -> str:
    """The documents' stylesheet (``templates/document.css``): screen, phone and print. Documents
    made without a notebook (the run's KPI reference) carry it too, so every document looks alike."""
    return _template_text(DOCUMENT_CSS)


@functools.cache
def _template_text(name: str) -> str:
    return (importlib.resources.files("amreview.batch") / "templates" / name).read_text(encoding="utf-8")


def _strip_run_metadata(nb: Any) -> Any:
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        for key in STRIPPED_CELL_METADATA:
            cell.metadata.pop(key, None)
    return nb
