"""Benchmark: ``amreview scorecard`` for one quarter on a large pack, against DuckDB SQL.

    python benchmarks/bench_scorecard.py [--ams 1000] [--lines 10000000] [--pack build/bench-pack]

Generates (once, then reuses) a Parquet pack of ``--ams`` account managers and ``--lines`` sales
lines with every optional table in proportion (benchmarks/bigpack.py), then in the same run:

1. times ``amreview scorecard --data PACK --period 2026Q3 --out …`` end to end in a fresh
   process (load, validate every table, every KPI, scores, ratings, write the CSV) and reads
   its peak memory (max RSS);
2. times an independent DuckDB query of the core margin aggregates (revenue, cost, gross margin,
   GM %, active accounts per account manager) over the same files, in a fresh process;
3. checks that both give the same figures, and prints seconds, the ratio and peak memory;
4. measures the floor under any scorecard that checks its input, each in a fresh process:
   importing the command's libraries (no data touched), and DuckDB itself checking the sales
   lines against the contract (unique line ids, by the cheapest sound test: distinct 64-bit
   hashes; required values present; known deal types; known account managers and accounts);
5. times the scorecard's phases in one more fresh process — reading the files, validating
   (and ordering the sales lines by date), computing the KPIs and scores — with the peak
   memory reached by the end of each (``--skip-phases`` leaves this out).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

DUCKDB_QUERY = """
SELECT am_id,
       SUM(revenue) AS revenue, SUM(cost) AS cost, SUM(revenue) - SUM(cost) AS gross_margin,
       CASE WHEN SUM(revenue) > 0 THEN (SUM(revenue) - SUM(cost)) / SUM(revenue) END AS gm_pct,
       COUNT(DISTINCT CASE WHEN revenue > 0 THEN account_id END) AS active_accounts
FROM read_parquet('{sales}')
WHERE invoice_date BETWEEN DATE '2026-07-01' AND DATE '2026-09-30'
GROUP BY am_id ORDER BY am_id
"""

# The least a scorecard must check of the sales lines before it may rate anyone on them
# (docs/data-contract: line_id unique, these columns required, deal types from the list, every
# am_id and account_id known). Unique by hash: equal ids have equal hashes, so as many distinct
# hashes as lines proves the ids distinct, and it is the cheapest exact test DuckDB offers.
DUCKDB_CONTRACT_CHECK = """
SELECT count(*) - count(DISTINCT hash(line_id)) AS repeated_or_colliding_ids,
       count(*) FILTER (WHERE line_id IS NULL OR invoice_date IS NULL OR am_id IS NULL OR account_id IS NULL
                        OR product IS NULL OR quantity IS NULL OR revenue IS NULL OR cost IS NULL) AS missing,
       count(*) FILTER (WHERE deal_type NOT IN ('run_rate', 'spot', 'bespoke', 'large_volume')) AS unknown_deal_types,
       count(*) FILTER (WHERE am_id NOT IN (SELECT am_id FROM read_parquet('{folder}/account_managers.parquet'))
                        OR account_id NOT IN (SELECT account_id FROM read_parquet('{folder}/accounts.parquet')))
           AS unknown_owners
FROM read_parquet('{folder}/sales.parquet')
"""

# Peak memory is the process's VmHWM (its resident high-water mark), which exec resets; the
# rusage max RSS would carry over the parent's own peak into a forked child.
PHASES = """
import re, time
from pathlib import Path
from amreview.data.datapack import read_folder, validate_tables
from amreview.cli import use_returning_allocator
from amreview.scoring.scorecard import build_scorecard

use_returning_allocator()  # as the command does


def peak_mb():
    return int(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1)) / 1024

phases = []
started = time.perf_counter()
tables, first_rows, _ = read_folder(Path({folder!r}))
phases.append(("read the files", time.perf_counter() - started, peak_mb()))
started = time.perf_counter()
pack = validate_tables(tables, source={folder!r}, first_rows=first_rows, consume=True)
phases.append(("validate every table, order sales by date", time.perf_counter() - started, peak_mb()))
started = time.perf_counter()
build_scorecard(pack, {period!r})
phases.append(("KPIs, scores, ratings", time.perf_counter() - started, peak_mb()))
for name, seconds, peak in phases:
    print(f"| {{name}} | {{seconds:.1f}} s | {{peak:,.0f}} MB |")
"""

# ``marks``: seconds since the start that the body records at points of its own (a phase's end).
MEASURED = """
import json, re, sys, time
started = time.perf_counter()
marks = {{}}
{body}
status = open("/proc/self/status").read()
print(json.dumps({{"seconds": time.perf_counter() - started, "marks": marks,
                   "peak_mb": int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1)) / 1024}}))
"""
POLL_SECONDS = 0.25


class StepFailed(SystemExit):
    """A measured step that failed, ran out of time or went over its memory: ``reason`` says which."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"benchmark step failed ({reason}):\n{detail}")
        self.reason = reason


def measured(body: str, timeout: float | None = None, memory_limit_mb: float | None = None) -> dict:
    """Run ``body`` in a fresh Python process; its wall time (from after interpreter start), peak
    RSS, ``marks``, its CPU seconds (user and system, all its threads) and the machine's load
    average (1 minute) when it ended: on a shared machine, wall time measures the others too. The
    process (and any it starts) is killed after ``timeout`` seconds, or once its resident memory
    passes ``memory_limit_mb``: :class:`StepFailed`, as for any failure."""
    started, cpu = time.perf_counter(), _children_cpu()
    command = [sys.executable, "-c", MEASURED.format(body=body)]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    ) as child:
        while True:
            try:
                out, err = child.communicate(timeout=POLL_SECONDS)
                break
            except subprocess.TimeoutExpired:
                over = _over_limits(child.pid, time.perf_counter() - started, timeout, memory_limit_mb)
                if over:
                    os.killpg(child.pid, signal.SIGKILL)
                    child.communicate()
                    raise StepFailed(over) from None
    if child.returncode != 0:
        killed = child.returncode == -signal.SIGKILL or "MemoryError" in err
        raise StepFailed("out of memory" if killed else f"exit code {child.returncode}", err[-3000:])
    result = json.loads(out.strip().splitlines()[-1])
    result["wall_seconds"] = time.perf_counter() - started
    result["cpu_seconds"] = _children_cpu() - cpu
    result["load"] = os.getloadavg()[0]
    return result


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _over_limits(pid: int, seconds: float, timeout: float | None, memory_limit_mb: float | None) -> str:
    """Why the process ``pid`` must stop now ("" while within its limits)."""
    if timeout is not None and seconds > timeout:
        return f"timed out after {timeout:.0f} s"
    if memory_limit_mb is not None:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return ""
        found = re.search(r"VmRSS:\s+(\d+) kB", status)
        if found and int(found.group(1)) / 1024 > memory_limit_mb:
            return f"out of memory: over the limit of {memory_limit_mb:,.0f} MB"
    return ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ams", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--pack", type=Path, default=Path("build/bench-pack"))
    parser.add_argument("--period", default="2026Q3")
    parser.add_argument("--skip-phases", action="store_true", help="do not time the phases")
    args = parser.parse_args()

    folder = args.pack / f"{args.ams}ams-{args.lines}lines"
    if not (folder / "sales.parquet").exists():
        made = measured(
            f"sys.path.insert(0, {str(HERE)!r})\nfrom bigpack import write_big_pack\n"
            f"from pathlib import Path\nwrite_big_pack(Path({str(folder)!r}), {args.ams}, {args.lines})"
        )
        print(f"generated {folder} in {made['seconds']:.1f} s", file=sys.stderr)
    out = folder / "scorecard.csv"
    ours = measured(
        "from amreview.cli import main\n"
        f"main(['scorecard', '--data', {str(folder)!r}, '--period', {args.period!r}, '--out', {str(out)!r}])"
    )
    sql_out = folder / "duckdb.csv"
    theirs = measured(
        "import duckdb\n"
        f"duckdb.sql({DUCKDB_QUERY.format(sales=folder / 'sales.parquet')!r}).df()"
        f".to_csv({str(sql_out)!r}, index=False)"
    )
    card = pd.read_csv(out, dtype={"am_id": str}).set_index("am_id")
    sql = pd.read_csv(sql_out, dtype={"am_id": str}).set_index("am_id")
    for column in sql.columns:
        pd.testing.assert_series_equal(
            card.loc[sql.index, column].astype(float),
            sql[column].astype(float),
            check_names=False,
            rtol=1e-9,
            atol=1e-4,
        )
    ratio = ours["seconds"] / theirs["seconds"]
    starting = measured("import amreview.cli, amreview.scoring.scorecard")
    checking = measured(
        "import duckdb\n"
        f"problems = duckdb.sql({DUCKDB_CONTRACT_CHECK.format(folder=folder)!r}).fetchall()[0]\n"
        "assert problems == (0, 0, 0, 0), problems  # the pack the scorecard accepted"
    )
    print(f"| pack | {args.ams:,} account managers, {args.lines:,} sales lines, Parquet |")
    print("|---|---|")
    print(f"| amreview scorecard (all KPIs, scores) | {ours['seconds']:.1f} s, peak {ours['peak_mb']:,.0f} MB |")
    print(f"| DuckDB core margin aggregates | {theirs['seconds']:.1f} s, peak {theirs['peak_mb']:,.0f} MB |")
    print(f"| ratio amreview / DuckDB | {ratio:.1f}× |")
    print(f"| figures agree | {len(sql)} account managers, {len(sql.columns)} columns |")
    print("\n| the floor under a checked scorecard | seconds |\n|---|---|")
    print(f"| the goal: 3× DuckDB's time | {3 * theirs['seconds']:.2f} s |")
    print(f"| importing amreview's libraries, no data | {starting['seconds']:.2f} s |")
    print(f"| DuckDB checking the sales lines against the contract | {checking['seconds']:.2f} s |")
    if not args.skip_phases:
        done = subprocess.run(
            [sys.executable, "-c", PHASES.format(folder=str(folder), period=args.period)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise SystemExit(f"phase timing failed:\n{done.stderr[-3000:]}")
        print("\n| phase | seconds | peak memory by its end |\n|---|---|---|")
        print(done.stdout.strip())


if __name__ == "__main__":
    main()
