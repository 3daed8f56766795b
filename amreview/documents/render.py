"""Rendering numbers for people: one place for money, percentage and count formats, and the
HTML a review displays — formatted tables (pandas Styler), inline charts, sections, the
scorecard and its explanations.

Everything that comes from the data (names, accounts, comments, objectives, even column
labels) is HTML-escaped: a name like ``<script>alert(1)</script>`` prints as text. Charts are
PNG images inlined as ``data:`` URIs, so a document needs no other file and no other host.

CSS classes (for the document's print and screen styles): ``amr-section`` (one per section),
``amr-narrative`` (the sentences from the numbers), ``amr-missing`` (a "not in this pack" /
"no data" line), ``amr-block`` (a table or chart with its heading: keep together on a page), ``amr-long`` (a
table that prints taller than half a page, or a box holding one: it may break across pages
between rows, its header rows repeated, rather than leave half a page blank before it),
``amr-table``, ``amr-scroll`` (a wide table's box: it scrolls sideways on a phone, and a keyboard
reaches it), ``amr-chart``, ``amr-explain`` (the scorecard's explanation), ``amr-signoff``,
``amr-defs`` (terms and their definitions: the appendix's figures without a value),
``amr-light-green|amber|red`` (traffic lights), ``amr-comments`` and ``amr-comment`` (people's
words, ``data-role`` ``self`` or ``manager``: shown as typed, line breaks kept)
and ``amr-status`` (the review's status in its header).

The review's header also carries the print rule that puts its status on every printed page
(:func:`status_page_css`): a draft is marked DRAFT at the top of each page.
"""

from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING

import pandas as pd

from amreview.documents import narrative as say
from amreview.documents.chart_text import alt_text, chart_titles, describe
from amreview.documents.pdf import css_string
from amreview.formats import (
    KPI_UNIT_FORMATS,
    NO_TARGET,
    UNITS,
    attainment_pct,
    count,
    escape,
    format_value,
    money,
    number_format_in_effect,
    pct,
    score_text,
    weight_pct,
)
from amreview.formats import is_missing as _missing
from amreview.scoring.display import kpi_explanation_row
from amreview.scoring.outcomes import STATUS_MEANINGS

if TYPE_CHECKING:  # render is imported by review's display methods; no import cycle at run time
    from amreview.documents.model import ReviewHeader

LIGHT_SYMBOLS = {"green": "\u25cf", "amber": "\u25b2", "red": "\u25bc"}  # ● ▲ ▼: shape as well as colour
LIGHT_COLOURS = {"green": "#007a5a", "amber": "#946000", "red": "#c0392b"}  # darker Okabe–Ito: text at 4.5:1 or more
CHART_DPI = 150
# A table that prints taller than half a page may break across pages (between rows, its header
# repeated): kept whole, it would be pushed to the next page and leave up to half of this one
# blank. Its height is estimated from its text (printed_height): A4 inside document.css's
# margins (297 − 20 − 18 mm), table text 8.5 pt on 1.4 lines, cells 3 pt of padding above and below.
HALF_PAGE_POINTS = (297 - 20 - 18) / 25.4 * 72 / 2
PRINTED_LINE_CHARACTERS = 110  # characters of table text across the page (182 mm at about 1.6 mm each)
PRINTED_CELL_CHARACTERS = 2  # a cell's padding, 0.6 em each side, in characters of about 0.5 em
PRINTED_ROW_POINTS = 6.5  # a row's padding and rule
PRINTED_LINE_POINTS = 8.5 * 1.4
SCREEN_DPI = 96

BASE_CSS = """
.amr-section { max-width: 60rem; }
.amr-narrative p { margin: 0.2em 0; font-size: 1.05em; }
.amr-missing { color: #555; font-style: italic; margin: 0.4em 0; }
.amr-note { color: #555; font-size: 0.92em; }
.amr-block { margin: 0.9em 0 1.1em; break-inside: avoid; page-break-inside: avoid; }
.amr-block h4 { margin: 0.6em 0 0.3em; font-size: 1em; }
.amr-block.amr-long, .amr-long table, .amr-long .amr-scroll, .amr-explain.amr-long, .amr-block.amr-comments {
  break-inside: auto; page-break-inside: auto; }
.amr-long tr, .amr-comment { break-inside: avoid; page-break-inside: avoid; }
.amr-table { border-collapse: collapse; font-size: 0.92em; font-variant-numeric: tabular-nums; }
.amr-table th, .amr-table td { padding: 0.25em 0.6em; border-bottom: 1px solid #e3e3e3; vertical-align: top; }
.amr-table thead th { border-bottom: 1.5px solid #888; text-align: left; }
.amr-table caption { text-align: left; font-weight: bold; padding: 0.2em 0; }
.amr-chart { margin: 0.5em 0; break-inside: avoid; page-break-inside: avoid; }
.amr-chart img { max-width: 100%; height: auto; }
.amr-explain { margin-top: 0.8em; padding: 0.5em 0.8em; background: #f6f7f9; border-left: 3px solid #0072B2;
  break-inside: avoid; page-break-inside: avoid; }
.amr-explain p { margin: 0.2em 0; }
.amr-explain .amr-table { font-size: 0.85em; }
.amr-defs dt { font-weight: bold; margin-top: 0.5em; }
.amr-defs dd { margin: 0.1em 0 0.3em 1.2em; }
.amr-defs dd small { color: #555; }
.amr-signoff { display: flex; flex-wrap: wrap; gap: 2em; margin-top: 1em; break-inside: avoid; page-break-inside: avoid; }
.amr-signoff div { flex: 1 1 18em; border: 1px solid #bbb; padding: 0.6em 1em; }
.amr-signoff p { margin: 0.9em 0 0.2em; }
.amr-line { display: inline-block; min-width: 14em; border-bottom: 1px solid #333; }
.amr-light-green { color: #007a5a; } .amr-light-amber { color: #946000; } .amr-light-red { color: #c0392b; }
.amr-comment { border-left: 3px solid #9aa4ae; padding: 0.2em 0.8em; margin: 0.5em 0; }
.amr-comment[data-role='self'] { border-left-color: #0072B2; }
.amr-comment-who { margin: 0.1em 0; color: #555; font-size: 0.9em; }
.amr-comment-text { margin: 0.1em 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.amr-status { font-weight: bold; }
.amr-status-draft { color: #c0392b; }
@media print {
  .amr-defs { column-count: 2; column-gap: 7mm; font-size: 8pt; }
  .amr-defs dt { break-after: avoid; page-break-after: avoid; }
  .amr-defs dd { break-inside: avoid; page-break-inside: avoid; }
  .amr-explain { padding: 4pt 7pt; }
}
"""  # noqa: E501 - CSS the documents carry byte for byte: re-wrapping a rule would change every HTML file


WARNINGS_LOGGER = "py.warnings"  # where logging.captureWarnings sends warnings
WARNINGS_HANDLER = "amreview.warnings"  # the name of the handler keep_warnings_out_of_documents adds


def keep_warnings_out_of_documents() -> None:
    """Send Python warnings — ours and any library's (a matplotlib ``UserWarning`` names a
    file on the server) — to the process's own stderr instead of the notebook's output,
    which becomes the document. In a kernel ``sys.stderr`` is the notebook's output stream;
    ``sys.__stderr__`` is the kernel process's, which a batch run writes to the review's log
    file (:mod:`amreview.batch.execution`). Documents' notebooks call this first; calling it again
    changes nothing."""
    import logging
    import sys

    logging.captureWarnings(True)
    logger = logging.getLogger(WARNINGS_LOGGER)
    logger.propagate = False  # not to a root handler a notebook may have set up
    if not any(h.get_name() == WARNINGS_HANDLER for h in logger.handlers):
        handler: logging.Handler = (
            logging.StreamHandler(sys.__stderr__) if sys.__stderr__ is not None else logging.NullHandler()
        )
        handler.setFormatter(logging.Formatter("%(message)s"))
        handler.set_name(WARNINGS_HANDLER)
        logger.addHandler(handler)


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------

NUMERIC_UNITS = frozenset(UNITS) - {"text", "bool", "date"}


def display_frame(table) -> pd.DataFrame:
    """The shown cells of a :class:`~amreview.documents.model.Table` as text: each column in its unit
    (``row`` units from the table's ``row_unit`` column), hidden ``_`` columns dropped."""
    frame = table.frame
    shown = pd.DataFrame(index=range(len(frame)))
    for column in frame.columns:
        if str(column).startswith("_"):
            continue
        unit = table.formats.get(column, "text")
        values = frame[column].tolist()
        if unit == "row":
            units = [KPI_UNIT_FORMATS.get(u, u) for u in frame[table.row_unit]]
            cells = [format_value(v, u) for v, u in zip(values, units)]
        else:
            cells = [format_value(v, unit) for v in values]
        override = table.missing.get(column)
        if override is not None:  # one text for every missing cell, or each row's from a hidden column
            texts = frame[override].tolist() if override.startswith("_") else [override] * len(values)
            cells = [t if _missing(v) else c for v, c, t in zip(values, cells, texts)]
        shown[column] = cells
    for column, light_column in table.lights.items():
        shown[column] = [
            f"{LIGHT_SYMBOLS.get(light, '')} {cell}".strip() for cell, light in zip(shown[column], frame[light_column])
        ]
    return shown


def scroll_box(table: str, label: str) -> str:
    """``table`` (HTML) in a box that scrolls sideways when the table is wider than the page: a
    region named ``label`` that a keyboard can focus and scroll (WCAG 2.1.1)."""
    return f"<div class='amr-scroll' role='region' tabindex='0' aria-label='{escape(label)}'>{table}</div>"


def table_label(table) -> str:
    """The accessible name of a table's box: its title, else its key in words."""
    return table.title or str(table.key).replace("_", " ").capitalize()


def table_html(table, uid: str = "", level: int = 3) -> str:
    """A :class:`~amreview.documents.model.Table` as an escaped, formatted HTML table (pandas
    Styler) in its :func:`scroll_box`, under its title as a heading of ``level``."""
    shown = display_frame(table)
    styler = shown.style.format(escape="html").format_index(escape="html", axis=1).hide(axis="index")
    styler.set_uuid(_css_id(uid or table.key))
    styler.set_table_attributes('class="amr-table"')
    right = [c for c in shown.columns if table.formats.get(c, "text") in NUMERIC_UNITS | {"row"}]
    keep = [
        c
        for c in shown.columns
        if c in right or c in table.lights or c in table.nowrap or table.formats.get(c) in ("date", "bool")
    ]
    styles = {c: [{"selector": "td", "props": "white-space: nowrap"}] for c in keep}
    for c in right:
        styles[c] = styles[c] + [{"selector": "td, th", "props": "text-align: right"}]
    if styles:
        styler.set_table_styles(styles, overwrite=False)
    for column, light_column in table.lights.items():
        lights = list(table.frame[light_column])
        styler.apply(
            lambda s, lights=lights: [
                f"color: {LIGHT_COLOURS[x]}; font-weight: bold" if x in LIGHT_COLOURS else "" for x in lights
            ],
            subset=[column],
        )
    note = f"<p class='amr-note'>{escape(table.note)}</p>" if table.note else ""
    heading = f"<h{level}>{escape(table.title)}</h{level}>" if table.title else ""
    block = block_class(shown)
    return f"<div class='{block}'>{heading}{scroll_box(styler.to_html(), table_label(table))}{note}</div>"


def printed_height(shown: pd.DataFrame) -> float:
    """About how tall the table of ``shown`` (its cells as text, its column names the header)
    prints, in points: each row (the header too) :data:`PRINTED_ROW_POINTS` and
    :data:`PRINTED_LINE_POINTS` for each line of its longest cell, a cell's lines being its
    characters over its column's width (:func:`printed_widths`)."""
    rows = [[str(c) for c in shown.columns], *([str(v) for v in row] for row in shown.itertuples(index=False))]
    widths = printed_widths(rows)
    lines = [max((-(-len(text) // w) for text, w in zip(row, widths)), default=1) or 1 for row in rows]
    return sum(PRINTED_ROW_POINTS + PRINTED_LINE_POINTS * n for n in lines)


def printed_widths(rows: list[list[str]]) -> list[int]:
    """Each column's width in characters when the table of ``rows`` (cells as text) prints across
    the page, as a browser's automatic table layout shares it. The text has
    ``W = PRINTED_LINE_CHARACTERS − PRINTED_CELL_CHARACTERS × columns`` (each cell's padding takes
    its share). Where every column's longest text fits in ``W``, each column is as wide as it;
    otherwise each column first gets its longest word (a word is never broken) and the width left
    is shared in proportion to how much more each column's longest text needs:
    ``wⱼ = wordⱼ + (W − Σ word) · (longestⱼ − wordⱼ) / Σ (longest − word)``."""
    columns = list(zip(*rows)) if rows else []
    across = PRINTED_LINE_CHARACTERS - PRINTED_CELL_CHARACTERS * len(columns)
    longest = [max((len(text) for text in column), default=1) or 1 for column in columns]
    if sum(longest) <= across:
        return longest
    words = [max((len(word) for text in column for word in text.split()), default=1) or 1 for column in columns]
    left, wanted = across - sum(words), sum(n - w for n, w in zip(longest, words))
    if left <= 0 or wanted <= 0:
        return words
    return [max(w + left * (n - w) // wanted, 1) for n, w in zip(longest, words)]


def block_class(shown: pd.DataFrame, kind: str = "amr-block") -> str:
    """The CSS classes of a box holding the table of ``shown``: ``kind``, and ``amr-long`` when
    it prints taller than half a page (:func:`printed_height`, :data:`HALF_PAGE_POINTS`): it may
    then break across pages between rows."""
    return f"{kind} amr-long" if printed_height(shown) > HALF_PAGE_POINTS else kind


def _css_id(text: str) -> str:
    return "amr_" + "".join(ch if ch.isalnum() else "_" for ch in str(text))


# --------------------------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------------------------


def figure_png(figure) -> bytes:
    """A matplotlib figure as PNG bytes at :data:`CHART_DPI`, laid out once and drawn once.

    ``savefig`` on a figure with a layout engine (the house style's constrained layout) draws
    it twice: once without rendering, only to lay it out, then for the PNG. Here the engine
    lays it out at the resolution it is saved at and is then taken off for the save: the same
    PNG, byte for byte, for about 0.08 s of CPU less a chart (1.1-1.3 s a review). The figure's
    resolution and engine are put back afterwards."""
    import matplotlib

    engine, dpi = figure.get_layout_engine(), figure.get_dpi()
    try:
        if engine is not None:
            figure.set_dpi(CHART_DPI)
            engine.execute(figure)
            with matplotlib.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
                figure.set_layout_engine(None)  # None: no engine at all ("none" leaves a placeholder)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=CHART_DPI)
        return buffer.getvalue()
    finally:
        figure.set_dpi(dpi)
        if engine is not None:
            figure.set_layout_engine(engine)


def chart_html(chart) -> str:
    """A :class:`~amreview.documents.model.Chart` drawn in the house style and inlined as a PNG,
    described in its ``alt`` (:mod:`amreview.documents.chart_text`: its title and what it shows,
    from the frame it draws)."""
    import matplotlib.pyplot as plt

    sentence = describe(chart.plot, chart.frame, **chart.options)
    ax = chart.draw()
    figure = ax.figure
    try:
        alt = alt_text(chart_titles(figure), sentence)
        png = figure_png(figure)
        width = int(figure.get_size_inches()[0] * SCREEN_DPI)
    finally:
        plt.close(figure)
    data = base64.b64encode(png).decode("ascii")
    return (
        f"<figure class='amr-chart'><img src='data:image/png;base64,{data}' alt='{escape(alt)}' "
        f"style='width: {width}px'></figure>"
    )


# --------------------------------------------------------------------------------------------
# Sections and the review
# --------------------------------------------------------------------------------------------


def part_html(part, uid: str, level: int = 3) -> str:
    """One part of a section (a heading, a line, a table, a chart, definitions, a sign-off block);
    a table's or comments' title is a heading of ``level`` (3 at the top of a section, 4 under a
    :class:`~amreview.documents.model.Heading`: no level is skipped)."""
    kind = type(part).__name__
    if kind == "Heading":
        return f"<h3>{escape(part.text)}</h3>"
    if kind == "Text":
        css = "amr-missing" if part.kind == "missing" else "amr-note"
        return f"<p class='{css}'>{escape(part.text)}</p>"
    if kind == "Table":
        return table_html(part, uid, level)
    if kind == "Chart":
        return chart_html(part)
    if kind == "Definitions":
        links = part.links or ("",) * len(part.items)
        items = "".join(
            f"<dt>{_linked(term, link)}</dt><dd>{escape(text)}"
            + (f"<br><small>{escape(note)}</small>" if note else "")
            + "</dd>"
            for (term, text, note), link in zip(part.items, links)
        )
        return f"<dl class='amr-defs'>{items}</dl>"
    if kind == "Link":
        return f"<p class='amr-note'>{escape(part.before)}{_linked(part.text, part.href)}{escape(part.after)}</p>"
    if kind == "SignOff":
        return signoff_html(part)
    if kind == "Comments":
        return comments_html(part, level)
    raise TypeError(f"cannot render a {kind} in a review section")  # a part amreview does not make: a bug


def _linked(text: str, href: str) -> str:
    """``text`` escaped, as a link to ``href`` where there is one."""
    return f'<a href="{escape(href)}">{escape(text)}</a>' if href else escape(text)


def section_chunks(section, heading: bool = False) -> list[str]:
    """A review section as HTML pieces, each of which a document keeps on one page: the
    narrative (with the numbered heading when ``heading``), then each table or chart (a
    sub-heading travels with the part after it), then the scorecard's explanation. The first
    piece carries the stylesheet, so a section displayed on its own looks right. Money in the
    section's format."""
    with number_format_in_effect(section.number_format):
        return _section_chunks(section, heading)


def _section_chunks(section, heading: bool) -> list[str]:
    head = ""
    if heading:
        number = f"{section.number}. " if section.number else ""
        head = f"<h2>{escape(number + section.title)}</h2>"
    lines = "".join(f"<p>{escape(line)}</p>" for line in section.lines if line)
    chunks = [f"<style>{BASE_CSS}</style>{head}" + (f"<div class='amr-narrative'>{lines}</div>" if lines else "")]
    pending = ""
    level = 3
    for i, part in enumerate(section.parts):
        html_part = part_html(part, f"{section.key}_{i}", level)
        if type(part).__name__ == "Heading":
            pending += html_part
            level = 4  # what follows sits under this heading
            continue
        chunks.append(pending + html_part)
        pending = ""
    if pending:
        chunks.append(pending)
    if section.explanation:
        chunks.append(explanation_block_html(section.explanation, section.key))
    if not head and not lines and len(chunks) > 1:  # the stylesheet alone shows nothing: it goes with
        chunks[:2] = [chunks[0] + chunks[1]]  # the next piece (an empty output is a place to break a page)
    return [f"<div class='amr-section' data-section='{escape(section.key)}'>{chunk}</div>" for chunk in chunks]


def section_html(section, heading: bool = False) -> str:
    """A review section as one HTML block (see :func:`section_chunks`)."""
    return "".join(section_chunks(section, heading))


def explanation_block_html(explanation, uid: str = "") -> str:
    """The scorecard's explanation of a section's score(s): each measure's score and weight,
    then each scored KPI's value, target, band, score and the weight it carried."""
    heads = []
    for label, score, weight in explanation.measures:
        heads.append(
            f"<p><b>{escape(label)}</b>: score {score_text(score)} of 5"
            + (f", {weight_pct(weight)} of the overall rating" if weight is not None else "")
            + "</p>"
        )
    rows = [kpi_explanation_row(item) for item in explanation.items]
    table = ""
    if rows:
        styler = (
            pd.DataFrame(rows)
            .style.format(escape="html")
            .format_index(escape="html", axis=1)
            .hide(axis="index")
            .set_uuid(_css_id(f"explain_{uid}"))
            .set_table_attributes('class="amr-table"')
        )
        table = scroll_box(styler.to_html(), "How the score was reached")
    note = f"<p class='amr-note'>{escape(explanation.note)}</p>" if explanation.note else ""
    box = block_class(pd.DataFrame(rows), "amr-explain")
    return f"<div class='{box}'><p><b>How the score was reached</b></p>{''.join(heads)}{table}{note}</div>"


def signoff_html(signoff) -> str:
    """Boxes with name, date and signature for each person who signs the review: the date and
    "signed" where the signature is recorded, lines to sign on where it is not."""
    dates = list(signoff.signed_on) + [None] * (len(signoff.people) - len(signoff.signed_on))
    boxes = []
    for (role, name), date in zip(signoff.people, dates):
        if date is not None and not _missing(date):
            when = f"<p>Date: {escape(f'{date:%d %b %Y}')}</p><p>Signature: signed</p>"
        else:
            when = (
                "<p>Date: <span class='amr-line'>&nbsp;</span></p>"
                "<p>Signature: <span class='amr-line'>&nbsp;</span></p>"
            )
        boxes.append(f"<div><b>{escape(role)}</b><p>Name: {escape(name)}</p>{when}</div>")
    note = f"<p class='amr-note'>{escape(signoff.note)}</p>" if signoff.note else ""
    return f"{note}<div class='amr-signoff'>{''.join(boxes)}</div>"


ROLE_LABELS = {"self": "Account manager", "manager": "Manager"}


def comments_html(comments, level: int = 4) -> str:
    """People's comments (a :class:`~amreview.documents.model.Comments`), each as typed: escaped,
    line breaks kept, nothing cut; the title a heading of ``level``."""
    items = []
    for item in comments.items:
        who = " · ".join(w for w in (ROLE_LABELS.get(item.role, item.role), item.author, item.about) if w)
        items.append(
            f"<div class='amr-comment' data-role='{escape(item.role)}'>"
            f"<p class='amr-comment-who'>{escape(who)}</p>"
            f"<p class='amr-comment-text'>{escape(item.text)}</p></div>"
        )
    heading = f"<h{level}>{escape(comments.title)}</h{level}>" if comments.title else ""
    return f"<div class='amr-block amr-comments' data-comments='{escape(comments.key)}'>{heading}{''.join(items)}</div>"


def status_page_css(outcome) -> str:
    """The print rule that puts the review's status at the foot of every page and, on a draft,
    DRAFT at the top of every page (the text as CSS escapes: nothing of it can end the rule)."""
    signed_on = max((d for d in (outcome.manager_signed_on, outcome.am_signed_on) if d is not None), default=None)
    rules = [
        f"@bottom-left {{ content: {css_string(say.status_mark(outcome.label, signed_on))}; "
        "font-family: 'Liberation Sans', 'DejaVu Sans', Arial, sans-serif; font-size: 8pt; color: #59636e; }"
    ]
    if outcome.is_draft:
        rules.append(
            "@top-center { content: \"DRAFT\"; font-family: 'Liberation Sans', 'DejaVu Sans', Arial, "
            "sans-serif; font-size: 14pt; font-weight: bold; color: #c0392b; letter-spacing: 0.2em; "
            "vertical-align: bottom; padding-bottom: 3mm; }"
        )
    return "@page { " + " ".join(rules) + " }"


def status_html(outcome) -> str:
    """The header's status line."""
    line = say.status_line(
        outcome.label,
        STATUS_MEANINGS[outcome.status],
        outcome.manager_signed_by,
        outcome.manager_signed_on,
        outcome.am_signed_on,
    )
    return f"<p class='amr-status amr-status-{escape(outcome.status)}'>{escape(line)}</p>"


def header_html(header: ReviewHeader) -> str:
    """The review's title block: name, role line and the period's dates (escaped)."""
    e = escape
    team = f" · {e(header.team)}" if header.team else ""
    started = ""
    if header.start_date is not None and header.start_date >= header.quarter.start:
        started = f"<p class='amr-note'>Started in role on {header.start_date:%d %b %Y}: a partial quarter.</p>"
    outcome = header.outcome
    page_css = status_page_css(outcome) if outcome is not None else ""
    status = status_html(outcome) if outcome is not None else ""
    return (
        f"<style>{BASE_CSS}{page_css}</style><div class='amr-header'>"
        f"<h1>{e(header.name)}</h1>"
        f"<p>Account manager {e(header.am_id)} · reports to {e(header.manager)}{team}</p>"
        f"<p>Quarterly review {e(str(header.quarter))}: {e(header.period_label)}</p>"
        f"{status}{started}</div>"
    )


def review_html(review) -> str:
    """A whole review: the header, then every section under its numbered heading."""
    return header_html(review.header) + "".join(section_html(s, heading=True) for s in review.sections())


# --------------------------------------------------------------------------------------------
# Older pieces (the index, the CLI and the scorecard use them)
# --------------------------------------------------------------------------------------------


def headline_styler(table: pd.DataFrame, counts: tuple[str, ...] = ("New accounts",)):
    """The headline table (measure rows; actual, target, attainment) as a formatted Styler."""
    shown = pd.DataFrame(index=table.index)
    shown["Actual"] = [count(v) if m in counts else money(v) for m, v in table["actual"].items()]
    shown["Target"] = [
        (count(v) if m in counts else money(v)) if not _missing(v) else NO_TARGET for m, v in table["target"].items()
    ]
    shown["Attainment"] = [attainment_pct(v) for v in table["attainment"]]
    shown.index.name = None
    return shown.style.format(escape="html").format_index(escape="html")


def figures_styler(rows: list[tuple[str, str]]):
    """A two-column table of already formatted (label, value) pairs."""
    frame = pd.DataFrame(rows, columns=["", "value"]).set_index("")
    frame.index.name = None
    return frame.style.format(escape="html").format_index(escape="html").hide(axis="columns")


def accounts_styler(table: pd.DataFrame):
    """Top accounts: name, revenue, gross margin, GM %, share of the AM's margin."""
    shown = pd.DataFrame(
        {
            "Account": table["account"],
            "Revenue": table["revenue"].map(money),
            "Gross margin": table["gross_margin"].map(money),
            "GM %": table["gm_pct"].map(pct),
            "Share of margin": table["share_of_margin"].map(pct),
        }
    )
    return shown.style.format(escape="html").format_index(escape="html", axis=1).hide(axis="index")
