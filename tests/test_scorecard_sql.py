"""The scorecard against an independent route: the contract's definitions written in SQL (SQLite).

The pack here is made by a different generator than the sample (a foreign export: the contract's
required columns, nothing else), written as CSV, scored by the ``amreview scorecard`` command,
and compared with SQL run over the same CSV files.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd

from amreview.cli import main

SCORECARD_SQL = """
WITH in_quarter AS (
    SELECT * FROM sales WHERE invoice_date BETWEEN :start AND :end
), margins AS (
    SELECT am_id, SUM(revenue) AS revenue, SUM(cost) AS cost,
           COUNT(DISTINCT CASE WHEN revenue > 0 THEN account_id END) AS active_accounts
    FROM in_quarter GROUP BY am_id
), first_lines AS (
    SELECT account_id, am_id, invoice_date FROM (
        SELECT account_id, am_id, invoice_date,
               ROW_NUMBER() OVER (PARTITION BY account_id ORDER BY invoice_date, line_id) AS n
        FROM sales) WHERE n = 1
), new_accounts AS (
    SELECT am_id, COUNT(*) AS new_accounts FROM first_lines
    WHERE invoice_date BETWEEN :start AND :end GROUP BY am_id
), quarter_rows AS (
    SELECT am_id, measure, SUM(target) AS target FROM targets WHERE period = :quarter GROUP BY am_id, measure
), month_rows AS (
    SELECT am_id, measure, SUM(target) AS target FROM targets
    WHERE period IN (:m1, :m2, :m3) GROUP BY am_id, measure
), quarter_targets AS (
    SELECT am_id, measure, target FROM quarter_rows
    UNION ALL
    SELECT m.am_id, m.measure, m.target FROM month_rows m
    WHERE NOT EXISTS (SELECT 1 FROM quarter_rows q WHERE q.am_id = m.am_id AND q.measure = m.measure)
)
SELECT am.am_id,
       COALESCE(g.revenue, 0) AS revenue,
       COALESCE(g.cost, 0) AS cost,
       COALESCE(g.revenue, 0) - COALESCE(g.cost, 0) AS gross_margin,
       CASE WHEN g.revenue > 0 THEN (g.revenue - g.cost) / g.revenue END AS gm_pct,
       COALESCE(g.active_accounts, 0) AS active_accounts,
       COALESCE(n.new_accounts, 0) AS new_accounts,
       tr.target AS revenue_target,
       CASE WHEN tr.target > 0 THEN COALESCE(g.revenue, 0) / tr.target END AS revenue_attainment,
       tg.target AS gross_margin_target,
       CASE WHEN tg.target > 0 THEN (COALESCE(g.revenue, 0) - COALESCE(g.cost, 0)) / tg.target END
           AS gross_margin_attainment,
       tn.target AS new_accounts_target,
       CASE WHEN tn.target > 0 THEN COALESCE(n.new_accounts, 0) * 1.0 / tn.target END AS new_accounts_attainment
FROM account_managers am
LEFT JOIN margins g ON g.am_id = am.am_id
LEFT JOIN new_accounts n ON n.am_id = am.am_id
LEFT JOIN quarter_targets tr ON tr.am_id = am.am_id AND tr.measure = 'revenue'
LEFT JOIN quarter_targets tg ON tg.am_id = am.am_id AND tg.measure = 'gross_margin'
LEFT JOIN quarter_targets tn ON tn.am_id = am.am_id AND tn.measure = 'new_accounts'
WHERE am.start_date IS NULL OR am.start_date = '' OR am.start_date <= :end
ORDER BY am.am_id
"""


def foreign_export(folder: Path, seed: int = 7) -> Path:
    """A pack as another company might export it: required tables and columns only."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    am_ids = [f"E{n:03d}" for n in range(1, 8)]
    pd.DataFrame(
        {
            "am_id": am_ids,
            "name": [f"Person {n}" for n in range(1, 8)],
            "manager": ["Boss A"] * 4 + ["Boss B"] * 3,
            "start_date": ["2020-01-01"] * 6 + ["2026-10-15"],  # the last starts after the quarter
        }
    ).to_csv(folder / "account_managers.csv", index=False)
    n = 3000
    dates = pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    revenue = rng.gamma(2.0, 800.0, n).round(2)
    is_return = rng.random(n) < 0.04
    revenue[is_return] *= -1
    cost = (revenue * rng.uniform(0.8, 1.02, n)).round(2)
    pd.DataFrame(
        {
            "line_id": [f"INV{rng.integers(1e6):07d}-{i}" for i in range(n)],
            "invoice_date": dates.strftime("%Y-%m-%d"),
            "am_id": rng.choice(am_ids[:6], n),
            "account_id": [f"C{a:04d}" for a in rng.integers(0, 400, n)],
            "product": rng.choice(["Laptop", "Switch", "Licence", "Monitor"], n),
            "quantity": np.where(is_return, -1, rng.integers(1, 20, n)),
            "revenue": revenue,
            "cost": cost,
        }
    ).to_csv(folder / "sales.csv", index=False)
    rows = []
    for i, am in enumerate(am_ids[:6]):
        if i < 3:
            rows += [(am, "2026Q3", "revenue", 400000.0 + 1000 * i), (am, "2026Q3", "gross_margin", 30000.0)]
        else:
            rows += [(am, f"2026-0{m}", "revenue", 130000.0) for m in (7, 8, 9)]
            rows += [(am, f"2026-0{m}", "gross_margin", 9000.0 + m) for m in (7, 8, 9)]
        if i % 2 == 0:
            rows.append((am, "2026Q3", "new_accounts", 3.0))
    rows.append((am_ids[5], "2026Q3", "new_accounts", 0.0))  # zero target: no attainment
    pd.DataFrame(rows, columns=["am_id", "period", "measure", "target"]).to_csv(folder / "targets.csv", index=False)
    return folder


def sql_scorecard(folder: Path, quarter: str, start: str, end: str, months: list[str]) -> pd.DataFrame:
    with sqlite3.connect(":memory:") as db:
        for table in ("account_managers", "sales", "targets"):
            pd.read_csv(folder / f"{table}.csv", dtype={"am_id": str, "line_id": str, "account_id": str}).to_sql(
                table, db
            )
        params = {"start": start, "end": end, "quarter": quarter, "m1": months[0], "m2": months[1], "m3": months[2]}
        return pd.read_sql_query(SCORECARD_SQL, db, params=params)


def _compare(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    assert list(ours["am_id"]) == list(theirs["am_id"])
    for column in theirs.columns.drop("am_id"):
        pd.testing.assert_series_equal(
            ours[column].astype("float64").reset_index(drop=True),
            theirs[column].astype("float64").reset_index(drop=True),
            check_names=False,
            rtol=1e-9,
            atol=1e-6,
            obj=column,
        )


def test_scorecard_command_matches_sql_on_a_foreign_export(tmp_path):
    pack = foreign_export(tmp_path / "export")
    out = tmp_path / "card.csv"
    main(["scorecard", "--data", str(pack), "--period", "2026Q3", "--out", str(out)])
    ours = pd.read_csv(out, dtype={"am_id": str})
    theirs = sql_scorecard(pack, "2026Q3", "2026-07-01", "2026-09-30", ["2026-07", "2026-08", "2026-09"])
    assert len(theirs) == 6  # E007 starts after the quarter and is not scored
    assert theirs["new_accounts"].sum() > 0 and theirs["gm_pct"].notna().all()
    _compare(ours, theirs)


def test_scorecard_of_the_sample_matches_sql(tmp_path):
    from amreview.data.datapack import write_pack
    from amreview.data.sample import generate_sample

    pack = write_pack(generate_sample(), tmp_path / "sample")
    out = tmp_path / "card.csv"
    main(["scorecard", "--data", str(pack), "--period", "2026Q3", "--out", str(out)])
    ours = pd.read_csv(out, dtype={"am_id": str})
    theirs = sql_scorecard(pack, "2026Q3", "2026-07-01", "2026-09-30", ["2026-07", "2026-08", "2026-09"])
    _compare(ours, theirs)
