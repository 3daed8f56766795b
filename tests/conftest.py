"""Shared fixtures: a tiny hand-made pack whose figures are computed by hand in the tests."""

from __future__ import annotations

import contextlib
import fcntl
import math
import os
import pickle
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


# Module fixtures that run notebooks (a review, a team overview, a whole run) or import a large
# export: the tests that use one go to one xdist worker (``--dist loadgroup``), so each is made once
# per test session rather than once per worker that happens to run one of its tests.
SHARED_RUNS = frozenset(
    {
        "hostile_run",  # test_ids
        "imported",  # test_maven_example
        "minimal_document",  # test_review_notebook
        "ok_review",  # test_batch
        "outputs",  # test_secrets_in_outputs (its SQLite and PostgreSQL runs, each once)
        "run",  # test_documents and test_accessibility: one review of each kind, with PDFs (SHARED_BETWEEN_MODULES)
        "star_document",  # test_review_notebook
        "team_overview",  # test_document_warnings
    }
)

# Runs of SHARED_RUNS that two modules share (one ``once``): their tests in one group, whichever module.
SHARED_BETWEEN_MODULES = {"run": "test_documents+test_accessibility::run"}


# Modules whose module fixtures (a scorecard, reviews, the inputs prepared from them: values that
# cannot be pickled for :func:`once`) most of their tests use: all their tests go to one worker.
SHARED_MODULES = frozenset(
    {
        "test_calibration_page",  # planted: a scorecard
        "test_consistency",  # nobody, required_only, rendered: reviews
        "test_cycle_documents",  # reviews, documents, card
        "test_expected",  # card
        "test_forms",  # card
        "test_money_format",  # german_review
        "test_prepare",  # card, prepared
        "test_read_form",  # card, forms
        "test_review",  # reviews, minimal_review
        "test_robustness",  # sample_reviews, claires_team
        "test_scorecard_full",  # card
        "test_scorecard_workbook",  # sample_book: a scorecard
        "test_scoring_evidence",  # card
        "test_team_overview",  # overview
    }
)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups (its worker's own hook)
def pytest_collection_modifyitems(config, items) -> None:
    """Mark each test of a module of :data:`SHARED_MODULES` with the group of its module, and each
    other test that uses a fixture of :data:`SHARED_RUNS` with the group of its module and that
    fixture, or the group of :data:`SHARED_BETWEEN_MODULES` (a test using two is grouped by the
    first in name order)."""
    for item in items:
        if item.get_closest_marker("xdist_group") is not None:
            continue
        module = item.module.__name__
        shared = sorted(SHARED_RUNS.intersection(getattr(item, "fixturenames", ())))
        if module.rpartition(".")[2] in SHARED_MODULES:
            item.add_marker(pytest.mark.xdist_group(module))
        elif shared:
            item.add_marker(pytest.mark.xdist_group(SHARED_BETWEEN_MODULES.get(shared[0], f"{module}::{shared[0]}")))


def pytest_runtest_setup(item) -> None:
    """Under ``--dist loadgroup``, fail a grouped test whose id lacks its group: the groups would
    be ignored without a word (pytest 9.2 with pytest-xdist 3.8 did so), and every shared run made
    once per worker."""
    if (
        getattr(item.config.option, "loadgroup", False)
        and item.get_closest_marker("xdist_group")
        and "@" not in item.nodeid
    ):
        pytest.fail(
            f"--dist loadgroup: the test {item.nodeid} is marked xdist_group but its id carries no group: "
            "this pytest-xdist does not support this pytest (see the pin in pyproject.toml)",
            pytrace=False,
        )


def once(tmp_path_factory, name: str, produce):
    """``produce(folder)`` once per test session, whichever xdist worker asks first; its
    (picklable) result for every caller, each its own copy (unpickled), so a caller may change
    it. ``folder`` is shared by the workers. ``name`` is the session's: name it after the module
    unless every module means the same thing by it."""
    base = tmp_path_factory.getbasetemp()
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "once"
    shared.mkdir(exist_ok=True)
    with _exclusive(shared / f"{name}.lock"):
        done = shared / f"{name}.pickle"
        if not done.exists():
            done.write_bytes(pickle.dumps(produce(shared / name)))
        return pickle.loads(done.read_bytes())


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sample_tables_once(tmp_path_factory) -> dict[str, pd.DataFrame]:
    """``generate_sample()``, generated once per test session: the caller's own copy."""
    from amreview.data.sample import generate_sample

    return once(tmp_path_factory, "generate_sample", lambda _: generate_sample())


def sample_pack_once(tmp_path_factory):
    """``load_pack("sample")``, loaded once per test session: the caller's own copy."""
    from amreview.data.datapack import load_pack

    return once(tmp_path_factory, "load_pack-sample", lambda _: load_pack("sample"))


def hand_tables() -> dict[str, pd.DataFrame]:
    """A pack with only the contract's required columns, small enough to compute by hand."""
    account_managers = pd.DataFrame(
        {
            "am_id": ["AM1", "AM2", "AM3"],
            "name": ["Ada Lovelace", "Brian Kernighan", "Cleo Starter"],
            "manager": ["Grace Hopper", "Grace Hopper", "Grace Hopper"],
        }
    )
    sales = pd.DataFrame(
        [
            # line_id, invoice_date, am_id, account_id, product, quantity, revenue, cost
            ("L1", "2026-07-05", "AM1", "A", "HP ProBook 450", 2, 1000.0, 900.0),
            ("L2", "2026-08-10", "AM1", "B", "Cisco C9200L", 1, 500.0, 400.0),
            ("L3", "2026-09-30", "AM1", "A", "HP ProBook 450", -1, -200.0, -180.0),  # a return
            ("L4", "2026-06-30", "AM1", "A", "HP ProBook 450", 1, 999.0, 1.0),  # Q2: outside Q3
            ("L5", "2026-07-01", "AM2", "C", "Dell P2425", 3, 300.0, 270.0),
            ("L6", "2026-10-01", "AM2", "C", "Dell P2425", 1, 100.0, 90.0),  # Q4: outside Q3
            ("L7", "2026-08-01", "AM2", "D", "APC Smart-UPS", -1, -50.0, -40.0),  # only a return
            ("X2", "2026-09-15", "AM2", "E", "Logitech MX", 1, 10.0, 8.0),  # tie on date with X1
            ("X1", "2026-09-15", "AM1", "E", "Logitech MX", 1, 20.0, 15.0),
        ],
        columns=["line_id", "invoice_date", "am_id", "account_id", "product", "quantity", "revenue", "cost"],
    )
    targets = pd.DataFrame(
        [
            ("AM1", "2026Q3", "revenue", 1000.0),
            ("AM1", "2026-07", "gross_margin", 50.0),
            ("AM1", "2026-08", "gross_margin", 50.0),
            ("AM1", "2026-09", "gross_margin", 100.0),
            ("AM2", "2026Q3", "revenue", 0.0),  # a zero target is no target
            ("AM1", "2026Q3", "new_accounts", 4.0),
        ],
        columns=["am_id", "period", "measure", "target"],
    )
    return {"account_managers": account_managers, "sales": sales, "targets": targets}


@pytest.fixture
def runner_calls(monkeypatch) -> list[tuple[tuple, dict]]:
    """The calls of ``amreview run`` to the runner, recorded instead of run: (args, kwargs)."""
    import amreview.batch.runner

    calls = []

    class Summary:
        failed = []

        def describe(self):
            return "described"

    monkeypatch.setattr(
        amreview.batch.runner, "run_quarterly_reviews", lambda *a, **k: calls.append((a, k)) or Summary()
    )
    return calls


@pytest.fixture
def hand_pack_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "hand_pack"
    folder.mkdir()
    for name, frame in hand_tables().items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not present")
    return SHARED


def same(result, expected) -> bool:
    """Equal to 1e-9; an expected NaN (or None) matches only a missing result."""
    if expected is None or (isinstance(expected, float) and math.isnan(expected)):
        return result is None or bool(pd.isna(result))
    return abs(float(result) - float(expected)) <= 1e-9


EXPORT_FILTERS = {"csv": "Text - txt - csv (StarCalc)"}  # LibreOffice's filters, named to pass options


@pytest.fixture(scope="session")
def libreoffice(tmp_path_factory) -> Callable[..., Path]:
    """``save(path, folder, to="xlsx", options=None)``: open a workbook in LibreOffice Calc
    (headless, Debian's ``libreoffice-calc-nogui``, with a profile of its own) and save it as
    ``to`` (``xlsx``, ``xls``, ``ods``, ``csv``: the first sheet) in ``folder``, as a person would
    with *Save as*, with the export filter's ``options`` if given (for CSV
    ``"44,34,76,1,,0,false,true,true"``: UTF-8, the cells as shown); returns the saved file. Skipped where
    ``soffice`` is absent; a failure where ``AMREVIEW_REQUIRE_LIBREOFFICE=1`` (CI installs it)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("AMREVIEW_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail(
                "AMREVIEW_REQUIRE_LIBREOFFICE=1 but LibreOffice (soffice) is not installed: "
                ".ci/setup-documents.sh installs libreoffice-calc-nogui"
            )
        pytest.skip("LibreOffice (soffice) is not installed")
    profile = tmp_path_factory.mktemp("libreoffice-profile")

    def save(path: Path, folder: Path, to: str = "xlsx", options: str | None = None) -> Path:
        export = to if options is None else f"{to}:{EXPORT_FILTERS[to]}:{options}"
        folder.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={profile.as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                export,
                "--outdir",
                str(folder),
                str(path),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        saved = folder / f"{Path(path).stem}.{to}"
        assert done.returncode == 0 and saved.is_file(), f"LibreOffice did not save {path}: {done.stdout} {done.stderr}"
        return saved

    return save


def without_minimum_bases():
    """The default scorecard config with every ``min_base`` 0. The hand pack is far below the
    default minima (Ada Lovelace's retention rests on one account of the year before, 1 of 1
    kept; the default asks for 5): tests of something else that need her rated use this."""
    import tomllib

    from amreview.scoring.config import DEFAULT_CONFIG, parse_config

    raw = tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    for measure in raw["measures"].values():
        for scoring in measure["kpis"].values():
            scoring.pop("min_base", None)
    return parse_config(raw, source="default without minimum bases")
