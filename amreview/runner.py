"""A quarter's reviews for a sales organisation: validate once, then one notebook per person.

:func:`run_quarterly_reviews` loads and validates the pack (a broken pack stops the run before
any kernel starts: reviews rate people, so none is produced from broken data), computes the
scorecard once to know who is in role, runs the review notebook for each selected account
manager through :mod:`amreview.batch`, and writes ``<out>/<period>/index.html``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from amreview.batch import ReviewJob, ReviewResult, run_reviews, write_index
from amreview.datapack import SAMPLE, load_pack
from amreview.errors import ParameterError
from amreview.periods import Quarter
from amreview.render import attainment_pct, money, pct
from amreview.scorecard import core_scorecard

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
REVIEW_NOTEBOOK = NOTEBOOKS / "am_quarterly_review.ipynb"


@dataclass
class RunSummary:
    """What a run produced: one result per review, and the index page."""

    period: str
    folder: Path
    results: list[ReviewResult]
    index: Path

    @property
    def failed(self) -> list[ReviewResult]:
        return [r for r in self.results if r.status != "ok"]

    def describe(self) -> str:
        ok = len(self.results) - len(self.failed)
        lines = [f"{self.period}: {ok} of {len(self.results)} reviews written to {self.folder}",
                 f"index: {self.index}"]
        for result in self.failed:
            lines.append(f"FAILED {result.key}: {result.error}")
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


def run_quarterly_reviews(
    data: str | Path,
    period: str,
    out: str | Path = "reports",
    n_jobs: int | None = None,
    am_ids: list[str] | None = None,
    timeout: float | None = 600,
    progress: bool = True,
    notebook: Path = REVIEW_NOTEBOOK,
) -> RunSummary:
    """Produce ``<out>/<period>/<am_id>.html`` (and ``.ipynb``) per account manager, and the index."""
    quarter = Quarter.parse(period)
    data_arg = str(data) if str(data) == SAMPLE else str(Path(data).resolve())
    pack = load_pack(data_arg)
    card = select_account_managers(core_scorecard(pack, quarter), am_ids)
    folder = Path(out).resolve() / str(quarter)
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [
        ReviewJob(
            key=row.am_id,
            notebook=notebook,
            parameters={"am_id": row.am_id, "period": str(quarter), "data": data_arg},
            output_stem=folder / row.am_id,
            title=f"{row.name} — quarterly review {quarter}",
        )
        for row in card.itertuples(index=False)
    ]
    results = run_reviews(jobs, n_jobs=n_jobs, timeout=timeout, progress=progress)
    index = folder / "index.html"
    write_index(index, title=f"Quarterly reviews {quarter}", columns=INDEX_COLUMNS,
                rows=index_rows(card, results, folder))
    return RunSummary(period=str(quarter), folder=folder, results=results, index=index)


INDEX_COLUMNS = ["Account manager", "am_id", "Manager", "Team", "Revenue", "Gross margin", "GM %",
                 "GM attainment", "status"]


def index_rows(card: pd.DataFrame, results: list[ReviewResult], folder: Path) -> list[dict]:
    """One index row per review: who, the headline figures, the status and a link."""
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
            "status": result.status,
            "error": "" if result.error is None else str(result.error),
            "link": result.html.relative_to(folder).as_posix() if result.html else None,
        })
    return rows
