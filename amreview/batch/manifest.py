"""The record of a batch run: input fingerprints, per-review key figures, the run's manifest.

Three things, all JSON, all written atomically (a temporary file in the same folder, then
``os.replace``):

* **Input fingerprints.** A review's output is a function of its inputs: the data pack (its
  fingerprint), the notebook (SHA-256 of the file), the scorecard config (its settings'
  fingerprint), the parameters that name the person and period, the documents asked for
  (HTML, PDF) and the library (its version *and* a SHA-256 over its source files, so an edited
  checkout counts as a change even when the version number did not move).
  :func:`input_fingerprint` hashes them; ``--resume`` skips a review whose fingerprint is
  unchanged and whose documents are all there.
* **Key figures** (``<am_id>.json`` beside the review's documents): the review's headline
  figures, measure scores, overall score and rating (or why there is none) and team/organisation percentiles — this
  person's only — where the review stands in its cycle (``review``: status ``draft``,
  ``in_review`` or ``signed``, the agreed rating beside the computed one, the signature dates),
  with the input fingerprint and the documents' file names. It is written after
  the documents, so its presence with a matching fingerprint means the documents are complete.
  The index page is built from these files, and other tools can read them instead of scraping
  HTML.
* **The manifest** (``<period>/manifest.json``): per review and team overview its parameters,
  input fingerprint, status (``ok``, ``failed``, ``unchanged``, or ``running`` while the run
  is going), error (account manager, cell, error), start, duration and output files, and for a
  review where it stands in its cycle (``review``, as in the key figures), plus the run's inputs
  and totals (documents by kind and run status, reviews by cycle status). It is rewritten after
  every finished review, so a run killed halfway still says what it finished.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

import amreview
from amreview.files import atomic_file

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "amreview-manifest/1"
KEY_FIGURES_FORMAT = "amreview-key-figures/1"
LIBRARY_FILES = ("**/*.py", "**/*.toml", "**/*.mplstyle", "**/templates/*")  # the package and its subpackages

# The headline figures a key-figures file carries (the scorecard's column names).
HEADLINE_COLUMNS = (
    "revenue",
    "cost",
    "gross_margin",
    "gm_pct",
    "active_accounts",
    "new_accounts",
    "revenue_target",
    "revenue_attainment",
    "gross_margin_target",
    "gross_margin_attainment",
    "new_accounts_target",
    "new_accounts_attainment",
)


# --------------------------------------------------------------------------------------------
# Fingerprints
# --------------------------------------------------------------------------------------------


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    with Path(path).open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def library_fingerprint() -> str:
    """SHA-256 over the names and bytes of amreview's source files (code, config, templates)."""
    root = importlib.resources.files("amreview")
    digest = hashlib.sha256()
    files = sorted({p for pattern in LIBRARY_FILES for p in Path(str(root)).glob(pattern) if p.is_file()})
    for path in files:
        digest.update(path.relative_to(Path(str(root))).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def input_fingerprint(inputs: Mapping[str, Any]) -> str:
    """SHA-256 of a review's inputs (a JSON-like mapping; key order does not matter)."""
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()


# --------------------------------------------------------------------------------------------
# JSON files
# --------------------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """``value`` as JSON can hold it: NaN/NA/NaT → None, numpy numbers → Python numbers,
    timestamps → ISO dates, mappings and sequences recursively."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` as JSON to ``path``: a temporary sibling, flushed to disk, then renamed."""
    with atomic_file(path) as handle:
        json.dump(plain(data), handle, indent=1, ensure_ascii=False, allow_nan=False)
        handle.write("\n")


def read_json(path: Path) -> Any | None:
    """The JSON in ``path``, or None when it is missing or unreadable (a resumed run then
    treats it as absent and reruns what depends on it)."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --------------------------------------------------------------------------------------------
# Key figures
# --------------------------------------------------------------------------------------------


def key_figures(
    row: Mapping[str, Any],
    measures: Sequence[str],
    benchmark_kpis: Sequence[str],
    fingerprint: str,
    documents: Mapping[str, str | None],
) -> dict:
    """One review's key figures (module docstring) from its row of the scorecard's table.

    ``measures``: the config's measures (their ``<measure>_score`` columns); ``benchmark_kpis``:
    the KPIs with team and organisation percentiles; ``documents``: kind → file name.
    """
    without = row.get("measures_without_data")
    return {
        "format": KEY_FIGURES_FORMAT,
        "am_id": row["am_id"],
        "name": row["name"],
        "manager": row["manager"],
        "team": row.get("team"),
        "period": row["period"],
        "figures": {c: row.get(c) for c in HEADLINE_COLUMNS if c in row},
        "measure_scores": {m: row.get(f"{m}_score") for m in measures},
        "overall": {
            "score": row.get("overall_score"),
            "rating": row.get("overall_rating"),
            "no_rating_reason": "" if pd.isna(row.get("no_rating_reason")) else str(row.get("no_rating_reason")),
            "rated_weight": row.get("rated_weight"),
            "measures_without_data": [m for m in str(without or "").split("; ") if m],
            # the previous quarter's overall score, or why there is none (batch.cycle.previous_scores)
            "previous_score": row.get("previous_score"),
            "previous_missing": row.get("previous_missing"),
        },
        "percentiles": {
            k: {"team": row.get(f"{k}_team_percentile"), "organisation": row.get(f"{k}_org_percentile")}
            for k in benchmark_kpis
        },
        "review": review_cycle(row),
        "input_fingerprint": fingerprint,
        "documents": dict(documents),
        "amreview_version": amreview.__version__,
        "written": utc_now(),
    }


def review_cycle(row: Mapping[str, Any]) -> dict:
    """Where a review stands in its cycle, from its row (the scorecard's table joined with
    :func:`amreview.scoring.outcomes.review_status`): ``status`` (None when the row has none),
    ``computed_rating``, ``agreed_rating`` (None: not agreed yet), ``band_change`` (agreed − computed
    in rating bands), ``manager_signed_on``, ``am_signed_on`` and the calibration ``flags``
    (:func:`amreview.scoring.calibration.rating_changes`)."""
    return {
        "status": row.get("review_status"),
        "computed_rating": row.get("overall_rating"),
        "agreed_rating": row.get("agreed_rating"),
        "band_change": row.get("band_change"),
        "manager_signed_on": row.get("manager_signed_on"),
        "am_signed_on": row.get("am_signed_on"),
        "flags": list(row.get("flags") or ()),
    }


def is_current(path: Path, fingerprint: str) -> bool:
    """Whether the key-figures file ``path`` is of inputs ``fingerprint`` and every document it
    lists is there (the test ``--resume`` uses to skip a review)."""
    figures = read_json(path)
    if not isinstance(figures, dict) or figures.get("input_fingerprint") != fingerprint:
        return False
    documents = figures.get("documents") or {}
    return bool(documents) and all((Path(path).parent / name).is_file() for name in documents.values() if name)


# --------------------------------------------------------------------------------------------
# The manifest
# --------------------------------------------------------------------------------------------

STATUSES = ("running", "ok", "failed", "unchanged")


KINDS = ("review", "team_overview", "calibration")
REVIEW_STATUSES = ("draft", "in_review", "signed")  # amreview.scoring.outcomes.REVIEW_STATUSES


def totals(entries: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Counts per kind and status, and the reviews per cycle status (``reviews_draft``,
    ``reviews_in_review``, ``reviews_signed``: of the entries that carry one)."""
    counts: dict[str, int] = {}
    for kind in KINDS:
        mine = [e for e in entries if e["kind"] == kind]
        if kind == "calibration" and not mine:
            continue  # a run without the organisation's calibration page
        counts[f"{kind}s"] = len(mine)
        for status in STATUSES:
            counts[f"{kind}s_{status}"] = sum(e["status"] == status for e in mine)
    for status in REVIEW_STATUSES:
        counts[f"reviews_{status}"] = sum((e.get("review") or {}).get("status") == status for e in entries)
    return counts


def manifest(
    run: Mapping[str, Any], entries: Sequence[Mapping[str, Any]], reviews: Mapping[str, Mapping[str, Any]] | None = None
) -> dict:
    """The manifest document: the run's description, its totals and one entry per document;
    ``reviews`` (am_id → :func:`review_cycle`) adds each review's place in its cycle to its entry."""
    cycles = reviews or {}
    listed = [
        {**e, "review": dict(cycles[e["am_id"]])} if e["kind"] == "review" and e.get("am_id") in cycles else dict(e)
        for e in entries
    ]
    return {"format": MANIFEST_FORMAT, **run, "totals": totals(listed), "reviews": listed}
