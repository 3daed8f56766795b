"""A quarter's reviews for a sales organisation: validate once, then one notebook per document.

:func:`run_quarterly_reviews` reads the scorecard config and loads and validates the pack
(a bad config or a broken pack stops the run before any kernel starts: reviews rate people, so
none is produced from broken data), computes the scorecard once to know who is in role and
how they rate, and runs through :mod:`amreview.batch`

* the review notebook for each selected account manager → ``<out>/<period>/<am_id>.html``;
* the team overview notebook for each of their managers → ``<out>/<period>/team-<slug>.html``;

(each with its ``.ipynb``, and a ``.pdf`` when asked), then writes ``<out>/<period>/index.html``:
the managers' team overviews above a table of the reviews with headline figures, the overall
rating and each review's status.

Every notebook gets the same ``period``, ``data`` and ``config`` (the scorecard config's
absolute path, ``""`` for the packaged default), so a review, its team overview and the index
rate people by the same rules.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from amreview.batch import ReviewJob, ReviewResult, run_reviews, write_index
from amreview.config import load_config
from amreview.datapack import load_pack, resolve_source
from amreview.errors import ParameterError
from amreview.periods import Quarter
from amreview.render import attainment_pct, money, pct, score_text
from amreview.scorecard import build_scorecard

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
REVIEW_NOTEBOOK = NOTEBOOKS / "am_quarterly_review.ipynb"
TEAM_NOTEBOOK = NOTEBOOKS / "team_overview.ipynb"
TEAM_PREFIX = "team-"


@dataclass
class RunSummary:
    """What a run produced: one result per review and per team overview, and the index page."""

    period: str
    folder: Path
    results: list[ReviewResult]
    index: Path
    team_results: list[ReviewResult] = field(default_factory=list)
    managers: dict[str, str] = field(default_factory=dict)  # team overview's key → manager

    @property
    def failed(self) -> list[ReviewResult]:
        return [r for r in self.results + self.team_results if r.status != "ok"]

    def describe(self) -> str:
        ok = sum(r.ok for r in self.results)
        lines = [f"{self.period}: {ok} of {len(self.results)} reviews written to {self.folder}"]
        if self.team_results:
            teams_ok = sum(r.ok for r in self.team_results)
            lines.append(f"{teams_ok} of {len(self.team_results)} team overviews written")
        lines.append(f"index: {self.index}")
        for result in self.failed:
            what = (f"team overview of {self.managers[result.key]}" if result.key in self.managers
                    else result.key)
            lines.append(f"FAILED {what}: {result.error}")
        return "\n".join(lines)


def select_account_managers(card: pd.DataFrame, am_ids: list[str] | None) -> pd.DataFrame:
    """The scorecard rows of ``am_ids`` (all when ``None``); unknown or out-of-role ids are an error."""
    if not am_ids:
        return card
    wanted = [str(a) for a in am_ids]
    unknown = [a for a in wanted if a not in set(card["am_id"])]
    if unknown:
        raise ParameterError(
            f"no account manager in role in {card['period'].iloc[0] if len(card) else 'the period'} "
            f"with am_id {', '.join(unknown)}"
        )
    return card[card["am_id"].isin(wanted)]


def team_file_stems(managers: Iterable[str]) -> dict[str, str]:
    """Manager → the file stem of their team overview: ``team-`` and the name as a slug
    (``"Claire Whitfield"`` → ``team-claire-whitfield``). Where two names give the same slug
    (or none), each gets a short hash of the name, so a manager's file never depends on who
    else is in the run."""
    managers = sorted(set(str(m) for m in managers))
    slugs = {m: _slug(m) for m in managers}
    counts = pd.Series(list(slugs.values()), dtype=object).value_counts() if slugs else pd.Series(dtype=int)
    stems = {}
    for manager, slug in slugs.items():
        if not slug or counts[slug] > 1:
            digest = hashlib.sha1(manager.encode("utf-8")).hexdigest()[:8]
            slug = f"{slug}-{digest}" if slug else digest
        stems[manager] = TEAM_PREFIX + slug
    return stems


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def run_quarterly_reviews(
    data: str | Path,
    period: str,
    out: str | Path = "reports",
    n_jobs: int | None = None,
    am_ids: list[str] | None = None,
    timeout: float | None = 600,
    progress: bool = True,
    notebook: Path = REVIEW_NOTEBOOK,
    config: str | Path | None = None,
    pdf: bool = False,
    team_notebook: Path = TEAM_NOTEBOOK,
    team_overviews: bool = True,
) -> RunSummary:
    """Produce the quarter's reviews, the team overviews of their managers, and the index.

    ``am_ids`` selects account managers (all in role when ``None``); team overviews are made
    for the managers of the selected people (none when ``team_overviews`` is false).
    ``config`` is the scorecard config (TOML; the packaged default when ``None``). ``pdf``
    also writes a PDF of each document.
    """
    Quarter.parse(period)  # a bad period is refused before the pack is read
    config_arg = str(Path(config).resolve()) if config else ""
    scorecard_config = load_config(config_arg or None)
    data_arg = resolve_source(data)  # means the same pack in every kernel, whatever its folder
    pack = load_pack(data_arg)
    card = build_scorecard(pack, period, scorecard_config)
    quarter = card.quarter
    selected = select_account_managers(card.table, am_ids)
    folder = Path(out).resolve() / str(quarter)
    folder.mkdir(parents=True, exist_ok=True)
    shared = {"period": str(quarter), "data": data_arg, "config": config_arg}
    review_jobs = [
        ReviewJob(
            key=row.am_id,
            notebook=notebook,
            parameters={"am_id": row.am_id, **shared},
            output_stem=folder / row.am_id,
            title=f"{row.name} — quarterly review {quarter}",
            pdf=pdf,
        )
        for row in selected.itertuples(index=False)
    ]
    stems = team_file_stems(selected["manager"].dropna()) if team_overviews else {}
    team_jobs = [
        ReviewJob(
            key=stem,
            notebook=team_notebook,
            parameters={"manager": manager, **shared},
            output_stem=folder / stem,
            title=f"{manager} — team overview {quarter}",
            pdf=pdf,
        )
        for manager, stem in stems.items()
    ]
    results = run_reviews(review_jobs + team_jobs, n_jobs=n_jobs, timeout=timeout, progress=progress)
    reviews, teams = results[: len(review_jobs)], results[len(review_jobs):]
    index = folder / "index.html"
    write_index(index, title=f"Quarterly reviews {quarter}", columns=INDEX_COLUMNS,
                rows=index_rows(selected, reviews), numeric_columns=NUMERIC_COLUMNS,
                overviews=team_overview_items(card.table, stems, teams, [r.label for r in scorecard_config.ratings]),
                overviews_title="Team overviews")
    return RunSummary(period=str(quarter), folder=folder, results=reviews, index=index, team_results=teams,
                      managers={stem: manager for manager, stem in stems.items()})


INDEX_COLUMNS = ["Account manager", "am_id", "Manager", "Team", "Revenue", "Gross margin", "GM %",
                 "GM attainment", "Overall score", "Rating", "status"]
NUMERIC_COLUMNS = ["Revenue", "Gross margin", "GM %", "GM attainment", "Overall score"]


def index_rows(card: pd.DataFrame, results: list[ReviewResult]) -> list[dict]:
    """One index row per review: who, the headline figures, the overall rating, the status and
    the links (``card``: rows of the scorecard's table)."""
    by_key = {r.key: r for r in results}
    rows = []
    for row in card.itertuples(index=False):
        result = by_key[row.am_id]
        rows.append({
            "Account manager": row.name,
            "am_id": row.am_id,
            "Manager": row.manager,
            "Team": "" if pd.isna(row.team) else row.team,
            "Revenue": money(row.revenue),
            "Gross margin": money(row.gross_margin),
            "GM %": pct(row.gm_pct),
            "GM attainment": attainment_pct(row.gross_margin_attainment),
            "Overall score": score_text(row.overall_score),
            "Rating": "no rating" if pd.isna(row.overall_rating) else row.overall_rating,
            "status": result.status,
            "error": "" if result.error is None else str(result.error),
            "link": result.html,
            "pdf": result.pdf,
        })
    return rows


def team_overview_items(card: pd.DataFrame, stems: dict[str, str], results: list[ReviewResult],
                        rating_labels: list[str]) -> list[dict]:
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
        items.append({
            "text": manager,
            "detail": detail,
            "status": result.status,
            "error": "" if result.error is None else str(result.error),
            "link": result.html,
            "pdf": result.pdf,
        })
    return items
