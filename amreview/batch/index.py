"""The run's index page, ``index.html``: the team overviews above a table of the reviews.

:func:`write_index` is generic (columns, rows of any kind, links to each document, a status,
the error of a failed one); :func:`index_rows` and :func:`team_overview_items` make the rows
of a quarter's run (:func:`amreview.batch.runner.run_quarterly_reviews`): who, the headline
figures and rating from each review's key-figures file, the status, start and duration.
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
from amreview.filenames import file_stems, path_inside
from amreview.files import write_text_atomic
from amreview.formats import attainment_pct, money, pct, score_text

INDEX_COLUMNS = [
    "Account manager",
    "am_id",
    "Manager",
    "Team",
    "Revenue",
    "Gross margin",
    "GM %",
    "GM attainment",
    "Overall score",
    "Rating",
    "Review status",
    "Agreed rating",
    "status",
    "Started (UTC)",
    "Seconds",
]
NUMERIC_COLUMNS = ["Revenue", "Gross margin", "GM %", "GM attainment", "Overall score", "Seconds"]


def index_rows(
    card: pd.DataFrame,
    results: list[ReviewResult],
    entries: dict[str, dict] | None = None,
    folder: Path | None = None,
    stems: dict[str, str] | None = None,
) -> list[dict]:
    """One index row per review: who, the headline figures and rating from the review's
    key-figures file (empty for a failed review), the status, start and duration (from the
    manifest ``entries``) and the links (``card``: rows of the scorecard's table; ``stems``:
    am_id → file stem, by default :func:`amreview.filenames.file_stems` of ``card``'s ids)."""
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
                "Revenue": money(headline.get("revenue")) if headline else "",
                "Gross margin": money(headline.get("gross_margin")) if headline else "",
                "GM %": pct(headline.get("gm_pct")) if headline else "",
                "GM attainment": attainment_pct(headline.get("gross_margin_attainment")) if headline else "",
                "Overall score": score_text(overall.get("score")) if overall else "",
                "Rating": (overall.get("rating") or "no rating") if overall else "",
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


def write_index(
    path: Path,
    title: str,
    columns: Sequence[str],
    rows: Iterable[Mapping[str, object]],
    link_column: str | None = None,
    numeric_columns: Sequence[str] = (),
    overviews: Iterable[Mapping[str, object]] = (),
    overviews_title: str = "Overviews",
) -> None:
    """Write an HTML index page of reviews to ``path`` (atomically).

    A table with one column per name in ``columns`` and one row per mapping in ``rows``
    (a missing value, None or NaN shows as an empty cell; numbers, and the values of
    ``numeric_columns``, are right-aligned). Three row keys are reserved and are not columns:

    * ``link`` — the review's HTML: an absolute path, or a path relative to the index's
      folder (never to the current directory). The row's ``link_column`` cell (default:
      the first column) links to it by a relative href. No link when missing or None.
    * ``pdf`` — the review's PDF, the same way; when any row has one, a last column "PDF"
      links to each.
    * ``error`` — the error text, shown under the status of a failed row.

    A ``status`` column shows ``ok``/``failed`` as a coloured label; failed rows are
    highlighted. ``overviews`` (e.g. one team overview per manager) are listed above the
    table under ``overviews_title``: mappings with ``text``, ``detail`` (a line under it),
    ``status``, and the reserved ``link``, ``pdf`` and ``error``. Every value is
    HTML-escaped. The page loads nothing from elsewhere.
    """
    import jinja2

    path = Path(path)
    link_column = link_column or (columns[0] if columns else None)
    if link_column is not None and link_column not in columns:
        raise ArgumentError(f"link_column {link_column!r} is not one of the columns {list(columns)}")
    rows = list(rows)
    table = [_index_row(row, columns, link_column, set(numeric_columns), path.parent) for row in rows]
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
        pdf_column=any(r["pdf"] for r in table),
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
        "status": str(row.get("status", "")),
        "error": str(row.get("error") or ""),
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
