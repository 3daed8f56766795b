"""The run's index page, ``index.html``: what a manager opens first, with the run's details folded away.

From the top: any document that failed (never folded away), the hand-outs of the whole run
(``scorecard.xlsx`` and the KPI reference, linked when the period's folder holds them:
:func:`run_downloads`), the team overviews, and a table of the reviews — who, the headline
figures, the rating and its trend, where the review stands, and the documents (HTML, PDF). The
run's own details (``am_id``, status, start, seconds, errors) are in a ``<details>`` below it.
The page fits a 1280-pixel screen; a narrower one scrolls the table, not the page.

:func:`write_index` is generic (columns, rows of any kind, links to each document, a status,
the error of a failed one); :func:`index_rows` and :func:`team_overview_items` make the rows
of a quarter's run (:func:`amreview.batch.runner.run_quarterly_reviews`): who, the headline
figures, rating and trend from each review's key-figures file, the status, start and duration.
"""

from __future__ import annotations

import math
import os
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from amreview.batch import manifest as record
from amreview.batch.cycle import review_cells
from amreview.batch.jobs import ReviewResult
from amreview.errors import ArgumentError
from amreview.filenames import KPI_REFERENCE_STEM, SCORECARD_FILE, file_stems, path_inside
from amreview.files import write_text_atomic
from amreview.formats import DASH, NEUTRAL_FORMAT, NumberFormat, attainment_pct, format_value, money, score_text
from amreview.scoring.display import rating_cell

# The managers' view: one row per review.
INDEX_COLUMNS = [
    "Account manager",
    "Manager",
    "Team",
    "Gross margin",
    "GM attainment",
    "Overall score",
    "Rating",
    "Trend",
    "Review status",
    "Agreed rating",
]
NUMERIC_COLUMNS = ["Gross margin", "GM attainment", "Overall score", "Trend"]
# The run's details, folded away: which id, how the run went.
DETAIL_COLUMNS = ["Account manager", "am_id", "status", "Started (UTC)", "Seconds"]
# The hand-outs of the whole run, linked when the period's folder holds them: the scorecard that
# `amreview scorecard` writes there by default, and the KPI reference of the run.
RUN_DOWNLOADS = (
    (SCORECARD_FILE, "Scorecard (Excel): every KPI, score and rating"),
    (f"{KPI_REFERENCE_STEM}.html", "KPI reference: what each figure means and how it is scored"),
    (f"{KPI_REFERENCE_STEM}.pdf", "KPI reference (PDF)"),
)


def index_rows(
    card: pd.DataFrame,
    results: list[ReviewResult],
    entries: dict[str, dict] | None = None,
    folder: Path | None = None,
    stems: dict[str, str] | None = None,
    number_format: NumberFormat = NEUTRAL_FORMAT,
) -> list[dict]:
    """One index row per review: who, the headline figures and rating from the review's
    key-figures file (empty for a failed review; money in ``number_format``, the config's), the
    status, start and duration (from the manifest ``entries``) and the links (``card``: rows of
    the scorecard's table; ``stems``: am_id → file stem, by default
    :func:`amreview.filenames.file_stems` of ``card``'s ids)."""
    by_key = {r.key: r for r in results}
    entries = entries or {}
    stems = stems if stems is not None else file_stems(card["am_id"])
    rows = []
    for row in card.itertuples(index=False):
        result = by_key[row.am_id]
        figures: dict[str, Any] = {}
        if not result.failed and folder is not None:
            figures = record.read_json(path_inside(Path(folder), f"{stems[row.am_id]}.json")) or {}
        headline, overall = figures.get("figures", {}), figures.get("overall", {})
        entry = entries.get(row.am_id, {})
        rows.append(
            {
                "Account manager": row.name,
                "am_id": row.am_id,
                "Manager": row.manager,
                "Team": "" if pd.isna(row.team) else row.team,
                "Gross margin": money(headline.get("gross_margin"), fmt=number_format) if headline else "",
                "GM attainment": attainment_pct(headline.get("gross_margin_attainment")) if headline else "",
                "Overall score": score_text(overall.get("score")) if overall else "",
                "Rating": rating_cell(overall.get("rating"), overall.get("no_rating_reason")) if overall else "",
                "Trend": trend_text(overall) if overall else "",
                **review_cells(row._asdict()),
                "status": result.status,
                "Started (UTC)": _short_time(entry.get("started")),
                "Seconds": "" if entry.get("seconds") is None else f"{entry['seconds']:.1f}",
                "error": "" if result.error is None else str(result.error),
                "link": result.html,
                "pdf": result.pdf,
            }
        )
    return rows


def trend_text(overall: Mapping[str, Any]) -> str:
    """A review's trend as the index shows it, from its key figures' ``overall``: the change of the
    overall score since the previous quarter, score − ``previous_score`` (``▲ +0.35``, ``▼ −0.20``,
    ``= 0.00``), else why there is none (``previous_missing``: "no earlier score", "new in
    role"); a dash when either score is missing (a rating withheld) or the file predates trends."""
    score, previous = overall.get("score"), overall.get("previous_score")
    if previous is None:
        return overall.get("previous_missing") or DASH
    if score is None:
        return DASH
    return format_value(float(score) - float(previous), "score_change")


def run_downloads(folder: Path) -> list[dict]:
    """The hand-outs of :data:`RUN_DOWNLOADS` that ``folder`` (a period's) holds, as
    :func:`write_index`'s ``downloads``: ``text`` and ``link``."""
    return [{"text": text, "link": folder / name} for name, text in RUN_DOWNLOADS if (folder / name).is_file()]


def _short_time(stamp: str | None) -> str:
    """``2026-11-27T08:10:43+00:00`` → ``27 Nov 08:10:43`` (UTC, as the manifest records it)."""
    if not stamp:
        return ""
    return pd.Timestamp(stamp).strftime("%d %b %H:%M:%S")


def team_overview_items(
    card: pd.DataFrame, stems: dict[str, str], results: list[ReviewResult], rating_labels: list[str]
) -> list[dict]:
    """One index entry per team overview: the manager, the team's size and ratings (in the
    order of ``rating_labels``), the links (``card``: the scorecard's table)."""
    by_key = {r.key: r for r in results}
    items = []
    for manager, stem in stems.items():
        result = by_key[stem]
        members = card[card["manager"] == manager]
        ratings = members["overall_rating"].value_counts()
        spread = ", ".join(f"{ratings[label]} {label}" for label in rating_labels if label in ratings.index)
        teams = ", ".join(sorted({str(t) for t in members["team"].dropna()}))
        detail = f"{len(members)} direct report{'s' if len(members) != 1 else ''}"
        detail += f" · {teams}" if teams else ""
        detail += f" · {spread}" if spread else ""
        items.append(
            {
                "text": manager,
                "detail": detail,
                "status": result.status,
                "error": "" if result.error is None else str(result.error),
                "link": result.html,
                "pdf": result.pdf,
            }
        )
    return items


def result_row(result: ReviewResult) -> dict[str, object]:
    """The index row of a result: ``key``, ``status``, ``seconds``, and the reserved
    ``link``/``pdf``/``error``.

    Merge it with the business columns of the review: ``{**result_row(r), "name": ...}``.
    """
    return {
        "key": result.key,
        "status": result.status,
        "seconds": round(result.seconds, 1),
        "link": None if result.html is None else Path(result.html).absolute(),
        "pdf": None if result.pdf is None else Path(result.pdf).absolute(),
        "error": "" if result.error is None else str(result.error),
    }


def write_run_index(folder: Path, quarter: object, rows: list[dict], overviews: list[dict]) -> Path:
    """Write a quarter's run's ``index.html`` in its ``folder`` (module docstring): ``rows`` from
    :func:`index_rows`, ``overviews`` from :func:`team_overview_items` (and the calibration page's
    entry); the hand-outs the folder holds (:func:`run_downloads`). Returns its path."""
    index = Path(folder) / "index.html"
    write_index(
        index,
        title=f"Quarterly reviews {quarter}",
        columns=INDEX_COLUMNS,
        rows=rows,
        numeric_columns=NUMERIC_COLUMNS,
        overviews=overviews,
        overviews_title="Team overviews",
        detail_columns=DETAIL_COLUMNS,
        downloads=run_downloads(Path(folder)),
    )
    return index


def write_index(
    path: Path,
    title: str,
    columns: Sequence[str],
    rows: Iterable[Mapping[str, object]],
    link_column: str | None = None,
    numeric_columns: Sequence[str] = (),
    overviews: Iterable[Mapping[str, object]] = (),
    overviews_title: str = "Overviews",
    detail_columns: Sequence[str] = (),
    downloads: Iterable[Mapping[str, object]] = (),
) -> None:
    """Write an HTML index page of reviews to ``path`` (atomically).

    A table with one column per name in ``columns`` and one row per mapping in ``rows``
    (a missing value, None or NaN shows as an empty cell; numbers, and the values of
    ``numeric_columns``, are right-aligned). Three row keys are reserved and are not columns:

    * ``link`` — the review's HTML: an absolute path, or a path relative to the index's
      folder (never to the current directory). The row's ``link_column`` cell (default:
      the first column) links to it by a relative href. No link when missing or None.
    * ``pdf`` — the review's PDF, the same way.
    * ``error`` — the error text of a failed row.

    When any row has a link or a PDF, a last column "Documents" links to each (HTML, PDF). A
    ``status`` value of ``failed`` highlights the row, and every failed row and overview is listed
    with its error at the top of the page, never folded away; a ``status`` column shows
    ``ok``/``failed``/``unchanged`` as a coloured label. ``detail_columns`` are the run's details
    (ids, status, timings): a second table of the same rows inside a ``<details>`` below the
    first, folded. ``downloads`` (mappings with ``text`` and a reserved ``link``: the hand-outs of
    the whole run) are listed above, and ``overviews`` (e.g. one team overview per manager) above
    the table under ``overviews_title``: mappings with ``text``, ``detail`` (a line under it),
    ``status``, and the reserved ``link``, ``pdf`` and ``error``. Everything is inside a
    ``<main>``; every value is HTML-escaped. The page loads nothing from elsewhere.
    """
    import jinja2

    path = Path(path)
    link_column = link_column or (columns[0] if columns else None)
    if link_column is not None and link_column not in columns:
        raise ArgumentError(f"link_column {link_column!r} is not one of the columns {list(columns)}")
    rows = list(rows)
    numeric = set(numeric_columns)
    table = [_index_row(row, columns, link_column, numeric, path.parent) for row in rows]
    details = [_index_row(row, detail_columns, None, numeric, path.parent) for row in rows]
    listed = [_overview(item, path.parent) for item in overviews]
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("amreview.batch", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    html = env.get_template("index.html.j2").render(
        title=title,
        columns=list(columns),
        rows=table,
        documents_column=any(r["href"] or r["pdf"] for r in table),
        detail_columns=list(detail_columns),
        details=details,
        failures=[r for r in table if r["status"] == "failed"] + [o for o in listed if o["status"] == "failed"],
        downloads=[{"text": _display(d.get("text")), "href": _href(d.get("link"), path.parent)} for d in downloads],
        n_ok=sum(r["status"] == "ok" for r in table),
        n_failed=sum(r["status"] == "failed" for r in table),
        n_unchanged=sum(r["status"] == "unchanged" for r in table),
        overviews=listed,
        overviews_title=overviews_title,
    )
    write_text_atomic(path, html)


def _index_row(
    row: Mapping[str, object],
    columns: Sequence[str],
    link_column: str | None,
    numeric_columns: set[str],
    index_dir: Path,
) -> dict:
    href = _href(row.get("link"), index_dir)
    cells = [
        {
            "text": _display(row.get(column)),
            "href": href if column == link_column else None,
            "numeric": column in numeric_columns
            or (isinstance(row.get(column), (int, float)) and not isinstance(row.get(column), bool)),
            "is_status": column == "status",
        }
        for column in columns
    ]
    return {
        "cells": cells,
        "text": cells[0]["text"] if cells else "",
        "status": str(row.get("status", "")),
        "error": str(row.get("error") or ""),
        "href": href,
        "pdf": _href(row.get("pdf"), index_dir),
    }


def _overview(item: Mapping[str, object], index_dir: Path) -> dict:
    return {
        "text": _display(item.get("text")),
        "detail": _display(item.get("detail")),
        "status": _display(item.get("status")),
        "error": str(item.get("error") or ""),
        "href": _href(item.get("link"), index_dir),
        "pdf": _href(item.get("pdf"), index_dir),
    }


def _href(link: object, index_dir: Path) -> str | None:
    """The relative href of a row's ``link`` or ``pdf`` (a path, or its text); None without one."""
    if not link:
        return None
    if not isinstance(link, (str, os.PathLike)):
        raise ArgumentError(f"a link must be a path, got a {type(link).__name__}: {link!r}")
    return _relative_href(Path(link), index_dir)


def _display(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _relative_href(target: Path, index_dir: Path) -> str:
    if target.is_absolute():
        target = Path(os.path.relpath(target.resolve(), Path(index_dir).resolve()))
    return urllib.parse.quote(target.as_posix())
