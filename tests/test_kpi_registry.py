"""What every KPI of the registry promises, said once for all of them:

* its row is documented (label, formula, sources that are contract columns, edge cases);
* it mutates no input: the pack's tables are the same before and after, in every window;
* without one of its source tables it is "no data" for everyone (NaN), never 0 — and a table
  it does not list among its sources is never read, so the sources can be trusted.

Each check is parametrised over :func:`amreview.kpis.all_kpis`, so a new KPI row is checked
without a line of test. They run on the sample pack's review quarter, where every KPI has data
for someone (a KPI that gave NaN anyway would pass the "no data" check without meaning it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import pandas as pd
import pytest

from amreview.data.datapack import DataPack, load_pack
from amreview.data.schemas import OPTIONAL_TABLES, REQUIRED_TABLES, columns_of
from amreview.metrics.catalogue import all_kpis, kpi_modules
from amreview.metrics.registry import ALL_MEASURES, UNITS, WINDOWS, Kpi, KpiContext
from amreview.periods import Quarter

QUARTER = Quarter.parse("2026Q3")
KPIS = all_kpis()

# The measures each KPI module's rows belong to.
MODULE_MEASURES = {
    "margin": {"margin_kpi_targets"},
    "margin_mix": {"margin_kpi_targets"},
    "margin_trend": {"margin_kpi_targets"},
    "accounts": {"customer_relationships"},
    "backorders": {"customer_relationships"},
    "newbusiness": {"new_business"},
    "relationships": {"customer_relationships"},
    "crm": {"crm_utilisation"},
    "reporting": {"report_timeliness", "information_accuracy"},
    "crm_records": {"information_accuracy"},
    "development": {"development_plan"},
    "competencies": {"competencies"},
}

# KPIs measured over whichever of their tables the pack holds: "no data" only when it holds
# none of them (their edge_cases say so).
OVER_THE_TABLES_HELD = {"crm_record_completeness"}

# Tables a KPI reads but whose values do not change it: the projection is computed in one frame
# with its attainment (amreview.metrics.margin_trend._projection_frame), which reads the targets.
READ_BUT_NOT_USED = {"gross_margin_projection": {"targets"}}

# Tables a KPI can be run without: every optional table, and the required sales and targets
# as empty tables (a pack needs account managers to have anyone to review).
DROPPABLE = [*OPTIONAL_TABLES, "sales", "targets"]


def tables_of(kpi: Kpi) -> list[str]:
    """The tables of a KPI's ``table.column`` sources, in contract order."""
    read = {source.split(".")[0] for source in kpi.sources}
    return [table for table in [*REQUIRED_TABLES, *OPTIONAL_TABLES] if table in read]


def without(pack: DataPack, *tables: str) -> DataPack:
    """``pack`` without ``tables``: an optional table is left out, a required one is emptied."""
    kept = {name: frame for name, frame in pack.tables.items() if name not in tables}
    kept.update({name: pack[name].iloc[:0] for name in tables if name in REQUIRED_TABLES})
    return replace(pack, tables=kept)


def in_every_window(kpi: Kpi, pack: DataPack) -> dict[str, pd.Series]:
    """The KPI in each of its windows, on a fresh context (no result cached from another KPI)."""
    ctx = KpiContext.for_period(pack, QUARTER)
    return {window: kpi(ctx.for_window(window)) for window in kpi.windows}


def unchanged(frame: pd.DataFrame, before: pd.DataFrame) -> bool:
    """Same values, columns, dtypes and index (fast; ``assert_frame_equal`` says what differs)."""
    return (
        frame.equals(before)
        and frame.columns.equals(before.columns)
        and frame.dtypes.equals(before.dtypes)
        and frame.index.equals(before.index)
    )


@pytest.fixture(scope="module")
def pack() -> DataPack:
    """The sample pack, with a new-business margin target (the sample sets none) so that
    new_business_margin_attainment has data too."""
    sample = load_pack("sample")
    targets = sample.targets
    margin = targets[targets["measure"] == "gross_margin"]
    extra = margin.assign(measure="new_business_margin", target=margin["target"] / 10)
    return replace(sample, tables={**sample.tables, "targets": pd.concat([targets, extra], ignore_index=True)})


# --------------------------------------------------------------------------------------------
# Every row is documented
# --------------------------------------------------------------------------------------------


def test_every_module_row_is_in_the_registry_once():
    rows = [kpi.name for module in kpi_modules() for kpi in module.KPIS]
    assert sorted(rows) == sorted(KPIS)


@pytest.mark.parametrize("name", KPIS)
def test_every_kpi_row_is_documented(name):
    kpi = KPIS[name]
    assert kpi.label and kpi.formula and kpi.edge_cases and kpi.sources, "label, formula, edge cases, sources"
    assert kpi.measure in ALL_MEASURES and kpi.unit in UNITS and set(kpi.windows) <= set(WINDOWS)
    for source in kpi.sources:
        table, _, column = source.partition(".")
        assert table in REQUIRED_TABLES or table in OPTIONAL_TABLES, source
        assert column in columns_of(table), f"{source} is not a column of the data contract"
    module = next(m.__name__.rsplit(".", 1)[1] for m in kpi_modules() if kpi in m.KPIS)
    assert kpi.measure in MODULE_MEASURES[module], f"{name} of amreview.metrics.{module}: measure {kpi.measure}"


# --------------------------------------------------------------------------------------------
# No input is mutated
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", KPIS)
def test_no_kpi_mutates_the_pack(pack, name):
    before = {table: frame.copy(deep=True) for table, frame in pack.tables.items()}
    in_every_window(KPIS[name], pack)
    assert list(pack.tables) == list(before)
    for table, frame in pack.tables.items():
        if not unchanged(frame, before[table]):
            pd.testing.assert_frame_equal(frame, before[table], obj=f"{name} changed the {table} table")
            pytest.fail(f"{name} changed the {table} table (index, columns or dtypes)")


# --------------------------------------------------------------------------------------------
# A KPI without its table is no data
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", KPIS)
def test_every_kpi_has_data_on_the_sample(pack, name):
    """What makes the "no data" checks below mean something."""
    for window, result in in_every_window(KPIS[name], pack).items():
        assert result.notna().any(), f"{name} ({window}) is no data for everyone on the whole sample"


@pytest.mark.parametrize(
    ("name", "table"),
    [
        pytest.param(name, table, id=f"{name}-without-{table}")
        for name, kpi in KPIS.items()
        for table in tables_of(kpi)
        if table in DROPPABLE
    ],
)
def test_a_kpi_without_one_of_its_tables_is_no_data(pack, name, table):
    ctx = KpiContext.for_period(pack, QUARTER)
    for window, result in in_every_window(KPIS[name], without(pack, table)).items():
        assert list(result.index) == list(ctx.am_ids) and result.dtype == "float64", window
        if name in OVER_THE_TABLES_HELD:
            assert result.notna().any(), f"{name} ({window}) is still measured over its other tables"
        else:
            assert result.isna().all(), f"{name} ({window}) without {table}: {result.dropna().to_dict()}"


@pytest.mark.parametrize("name", sorted(OVER_THE_TABLES_HELD))
def test_a_kpi_over_the_tables_held_is_no_data_without_all_of_them(pack, name):
    optional = [table for table in tables_of(KPIS[name]) if table in OPTIONAL_TABLES]
    for window, result in in_every_window(KPIS[name], without(pack, *optional)).items():
        assert result.isna().all(), f"{name} ({window})"


@pytest.mark.parametrize("name", KPIS)
def test_on_the_required_tables_alone_every_kpi_is_one_float_per_person(pack, name):
    """A pack of account managers, sales and targets only: a KPI that reads an optional table is
    "no data" for everyone."""
    kpi = KPIS[name]
    ctx = KpiContext.for_period(pack, QUARTER)
    reads_optional = any(table in OPTIONAL_TABLES for table in tables_of(kpi))
    for window, result in in_every_window(kpi, without(pack, *OPTIONAL_TABLES)).items():
        assert list(result.index) == list(ctx.am_ids) and result.dtype == "float64", window
        if reads_optional:
            assert result.isna().all(), f"{name} ({window}) without its optional tables"


class ReadTables(Mapping):
    """A pack's tables that note which of them are read (asking whether one is held is not
    reading it)."""

    def __init__(self, tables: Mapping[str, pd.DataFrame]):
        self.tables, self.read = tables, set()

    def __getitem__(self, name: str) -> pd.DataFrame:
        self.read.add(name)
        return self.tables[name]

    def __contains__(self, name) -> bool:
        return name in self.tables

    def __iter__(self):
        return iter(self.tables)

    def __len__(self) -> int:
        return len(self.tables)


@pytest.mark.parametrize("name", KPIS)
def test_a_kpi_reads_no_table_it_does_not_list(pack, name):
    """The sources are complete, so the checks above, driven by them, miss no table a KPI reads
    (and dropping a table it does not list changes nothing). Everyone reads account_managers:
    who is in role."""
    unused = READ_BUT_NOT_USED.get(name, set())
    if unused:  # the exception holds: without those tables, the same figures
        dropped = in_every_window(KPIS[name], without(pack, *unused))
        for window, result in in_every_window(KPIS[name], pack).items():
            pd.testing.assert_series_equal(dropped[window], result, obj=f"{name} ({window})")
    tables = ReadTables(pack.tables)
    in_every_window(KPIS[name], replace(pack, tables=tables))
    unlisted = tables.read - set(tables_of(KPIS[name])) - {"account_managers"} - unused
    assert not unlisted, f"{name} reads {sorted(unlisted)} but its sources do not say so"


# --------------------------------------------------------------------------------------------
# A table several KPIs read is computed once per window (KpiContext.memo), not once per KPI
# --------------------------------------------------------------------------------------------

# (module, function, its calls in one scorecard): one per window of the KPIs that read it, and
# per variant (win rates of every opportunity and of new business); the forecasts of both
# measures at once; the cases' state on the review day once, whatever the window.
SHARED_TABLES = [
    ("reporting", "timeliness_of", 3),
    ("reporting", "forecast_accuracy_table", 1),
    ("development", "plan_summary", 1),
    ("relationships", "sla_summary_of", 3),
    ("crm", "hygiene_summary", 1),
    ("crm", "activity_counts", 3),
    ("crm", "logging_summary", 3),
    ("newbusiness", "closed_opportunities", 3),
    ("newbusiness", "win_rates", 6),
    ("competencies", "competency_means", 1),
    ("margin_mix", "vendor_programme_share", 1),
    ("margin_trend", "annual_target_progress", 1),
]


@pytest.mark.parametrize(("module", "function", "calls"), SHARED_TABLES)
def test_a_table_several_kpis_read_is_computed_once_per_window(pack, monkeypatch, module, function, calls):
    from importlib import import_module

    from amreview.scoring.scorecard import kpi_values

    where = import_module(f"amreview.metrics.{module}")
    original, made = getattr(where, function), []
    monkeypatch.setattr(where, function, lambda *args, **kwargs: made.append(1) or original(*args, **kwargs))
    kpi_values(KpiContext.for_period(pack, QUARTER), KPIS)
    assert len(made) == calls


# What a KPI and the observations of its evidence both read, computed once for both: the
# reports' standing (once per window), the cases' state on the review day, the accounts retention
# rests on, the CRM records in scope, the forecasts of both measures.
SHARED_WITH_EVIDENCE = {
    ("reporting", "report_status"): 3,
    ("reporting", "forecast_accuracy_table"): 1,
    ("relationships", "case_outcomes"): 1,
    ("relationships", "retention_by_account"): 1,
    ("crm_records", "crm_records_in_scope"): 1,
}


def test_a_table_a_kpi_and_its_evidence_read_is_computed_once(pack, monkeypatch):
    from importlib import import_module

    from amreview.scoring.config import load_config
    from amreview.scoring.evidence import kpi_evidence
    from amreview.scoring.scorecard import kpi_values

    made = dict.fromkeys(SHARED_WITH_EVIDENCE, 0)

    def counting(key, original):
        def counted(*args, **kwargs):
            made[key] += 1
            return original(*args, **kwargs)

        return counted

    for module, function in SHARED_WITH_EVIDENCE:
        where = import_module(f"amreview.metrics.{module}")
        monkeypatch.setattr(where, function, counting((module, function), getattr(where, function)))
    ctx = KpiContext.for_period(pack, QUARTER)
    kpi_values(ctx, KPIS)
    kpi_evidence(ctx, KPIS, load_config(kpis=KPIS))
    assert made == SHARED_WITH_EVIDENCE
