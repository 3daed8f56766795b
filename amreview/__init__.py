"""amreview: quarterly performance reviews of account managers, as tested code.

The names most code needs, importable from the package itself (``from amreview import
load_pack, build_scorecard, open_review``). They are loaded on first use, so ``import amreview``
stays light (no pandas, no Dask); each lives in its layer's module (see ``ARCHITECTURE.md`` and
the README's Layout).
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("amreview")
except PackageNotFoundError:  # a source tree that is not installed
    __version__ = "unknown"

# Public name → the module that defines it.
PUBLIC_NAMES = {
    "AmreviewError": "amreview.errors",
    "Quarter": "amreview.periods",
    "DataPack": "amreview.data.pack",
    "load_pack": "amreview.data.datapack",
    "generate_sample": "amreview.data.sample",
    "Kpi": "amreview.metrics.registry",
    "KpiContext": "amreview.metrics.registry",
    "all_kpis": "amreview.metrics.catalogue",
    "check_pack": "amreview.quality.checks",
    "ScorecardConfig": "amreview.scoring.config",
    "load_config": "amreview.scoring.config",
    "Scorecard": "amreview.scoring.scorecard",
    "build_scorecard": "amreview.scoring.scorecard",
    "Review": "amreview.documents.review",
    "open_review": "amreview.batch.inputs",
    "open_team": "amreview.batch.inputs",
    "prepare_reviews": "amreview.batch.prepare",
    "run_quarterly_reviews": "amreview.batch.runner",
}

__all__ = ["__version__", *PUBLIC_NAMES]


def __getattr__(name: str):
    """``amreview.<name>`` for a public name: imported from its module on first use."""
    if name not in PUBLIC_NAMES:
        raise AttributeError(f"module 'amreview' has no attribute {name!r}")
    value = getattr(import_module(PUBLIC_NAMES[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *PUBLIC_NAMES])
