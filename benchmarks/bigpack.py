"""A large data pack for benchmarks: the sample pack scaled out (see amreview.data.scaled_sample).

    python benchmarks/bigpack.py --ams 5000 --lines 100000000 --out build/bench-scale/5000ams-100000000lines
    python benchmarks/bigpack.py --duckdb-dates PACK --out PACK-duckdb

Two routes to the same pack:

- :func:`big_pack` / :func:`write_big_pack` build it whole in pandas (``scaled_sample``), then
  write it with ``write_pack``: about a quarter of a gigabyte per million lines, so 10 million
  lines at most on a 24 GB machine.
- :func:`write_scaled_pack` writes it out of core: the same tables, the same rows in the same
  order, each table streamed a chunk at a time into DuckDB's ``COPY … TO … (FORMAT PARQUET)``.
  The sales lines are never built before the draw: ``scaled_lines`` says where each drawn line
  comes from (replica, repeat, the sample's line), and each chunk of the draw is taken from the
  sample's lines and made a replica's repeat in SQL (ids prefixed ``R<r:03d>-``, line ids
  suffixed ``-<k>``, invoice dates shifted ``k`` days where they stay in their quarter). What
  it holds at once is the draw (8 bytes a line: 0.8 GB at 100 million) and one chunk. The files
  have the layout ``write_pack`` gives (column names and order; dates as Parquet
  ``TIMESTAMP(NANOS)``, booleans as booleans, text as text; row groups of 1,048,576 rows, as
  pyarrow writes them); they lack only pandas' own metadata, which amreview does not read.

:func:`duckdb_written` rewrites a pack's Parquet files as DuckDB, Spark and Arrow write a table of
dates: every timestamp column as a Parquet ``DATE``. Such packs cost amreview more to read
(issue 16), so the benchmark reads them too.
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from amreview.data.datapack import write_pack
from amreview.data.sample import SAMPLE_SEED, generate_sample
from amreview.data.scaled_sample import ID_COLUMNS, ScaledLines, drawn_lines, replica, scaled_lines, scaled_sample

SALES_CHUNK_ROWS = 1_000_000
ROW_GROUP_ROWS = 1_048_576  # pyarrow's default, so as write_pack's files have
REPLICA = "replica__"  # the chunk's own columns: which replica and which repeat a line is
REPEAT = "repeat__"


def big_pack(n_ams: int = 1000, n_lines: int = 10_000_000, seed: int = 42) -> dict[str, pd.DataFrame]:
    """The scaled-out pack as frames."""
    return scaled_sample(n_ams, n_lines, seed)


def write_big_pack(folder: Path, n_ams: int = 1000, n_lines: int = 10_000_000, file_format: str = "parquet") -> Path:
    """Write the scaled-out pack to ``folder``."""
    return write_pack(big_pack(n_ams, n_lines), folder, file_format)


def write_scaled_pack(
    folder: Path,
    n_ams: int = 1000,
    n_lines: int = 10_000_000,
    seed: int = SAMPLE_SEED,
    chunk_rows: int = SALES_CHUNK_ROWS,
) -> Path:
    """Write ``scaled_sample(n_ams, n_lines, seed)`` to ``folder`` as Parquet, out of core (module
    docstring). The folder appears complete or not at all: it is written beside, then renamed."""
    import duckdb

    sample = generate_sample(seed)
    lines = scaled_lines(sample, n_ams, n_lines)
    drawn = drawn_lines(lines, n_lines, seed)
    folder = Path(folder)
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    kept = _kept_per_replica(list(sample["account_managers"]["am_id"]), n_ams, lines.replicas)
    with duckdb.connect() as con:
        con.execute("SET preserve_insertion_order = true")  # the rows in the order they come
        for name, frame in sample.items():
            if name != "sales":
                schema, batches = _replicas(frame, name, kept)
                _copy(con, "SELECT * FROM chunks", pa.RecordBatchReader.from_batches(schema, batches), partial / name)
        sales = pa.Table.from_pandas(sample["sales"], preserve_index=False)
        batches = _drawn_chunks(sales, lines, drawn, chunk_rows)
        schema = sales.schema.append(pa.field(REPLICA, pa.int64())).append(pa.field(REPEAT, pa.int64()))
        query = _sales_query(sales.schema.names)
        _copy(con, query, pa.RecordBatchReader.from_batches(schema, batches), partial / "sales")
    if folder.exists():
        shutil.rmtree(folder)
    partial.rename(folder)
    return folder


def _kept_per_replica(am_ids: list[str], n_ams: int, replicas: int) -> list[set[str]]:
    """Replica r's account managers that the pack keeps: all of them but in the last replica, its
    first n_ams − |am_ids| × (replicas − 1), with the replica's ids."""
    per_replica = len(am_ids)
    return [{f"R{r:03d}-{a}" for a in am_ids[: n_ams - per_replica * r]} for r in range(replicas)]


def _replicas(frame: pd.DataFrame, table: str, kept: list[set[str]]) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    """A non-sales table's replicas, one batch each, as ``scaled_sample`` keeps them: the rows of
    kept account managers, and every account (its owner emptied where that owner is not kept)."""
    schema = pa.Table.from_pandas(replica(frame, table, 0), preserve_index=False).schema

    def batches() -> Iterator[pa.RecordBatch]:
        for r, keep in enumerate(kept):
            part = replica(frame, table, r)
            if table == "accounts":
                part = part.assign(am_id=part["am_id"].where(part["am_id"].isin(keep)))
            elif "am_id" in part.columns:
                part = part[part["am_id"].isin(keep)].reset_index(drop=True)
            yield from pa.Table.from_pandas(part, preserve_index=False).cast(schema).to_batches()

    return schema, batches()


def _drawn_chunks(sales: pa.Table, lines: ScaledLines, drawn: np.ndarray, chunk_rows: int) -> Iterator[pa.RecordBatch]:
    """The drawn lines, ``chunk_rows`` at a time, as the sample's lines they come from with their
    replica and repeat."""
    for start in range(0, len(drawn), chunk_rows):
        replicas, repeats, rows = lines.origins(drawn[start : start + chunk_rows])
        chunk = sales.take(pa.array(rows)).append_column(REPLICA, pa.array(replicas))
        yield from chunk.append_column(REPEAT, pa.array(repeats)).combine_chunks().to_batches()


def _sales_query(columns: list[str]) -> str:
    """The SQL that makes each chunk's lines replica r's repeat k (``scaled_sample``'s rules)."""
    prefix = f"printf('R%03d-', {REPLICA})"
    shifted = f"invoice_date + to_days(CAST({REPEAT} AS INTEGER))"
    made = {
        column: f"{prefix} || {_quoted(column)}" for column in columns if column in ID_COLUMNS and column != "line_id"
    }
    made["line_id"] = f"{prefix} || line_id || CASE WHEN {REPEAT} > 0 THEN '-' || {REPEAT} ELSE '' END"
    made["invoice_date"] = f"CASE WHEN quarter({shifted}) = quarter(invoice_date) THEN {shifted} ELSE invoice_date END"
    return "SELECT " + ", ".join(f"{made.get(c, _quoted(c))} AS {_quoted(c)}" for c in columns) + " FROM chunks"


def _copy(con, query: str, chunks: pa.RecordBatchReader, stem: Path) -> None:
    """``COPY (query) TO stem.parquet``, where the query reads ``chunks`` as the view ``chunks``."""
    con.register("chunks", chunks)
    try:
        target = str(stem.with_suffix(".parquet")).replace("'", "''")
        con.execute(f"COPY ({query}) TO '{target}' (FORMAT PARQUET, ROW_GROUP_SIZE {ROW_GROUP_ROWS})")
    finally:
        con.unregister("chunks")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def duckdb_written(pack: Path, out: Path) -> Path:
    """Every Parquet file of ``pack`` rewritten to ``out`` as DuckDB writes it, its timestamp columns
    cast to ``DATE`` (a Parquet ``DATE``, read as a Python ``date`` per value); same rows, same order."""
    import duckdb

    out = Path(out)
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    with duckdb.connect() as con:
        con.execute("SET preserve_insertion_order = true")
        for path in sorted(Path(pack).glob("*.parquet")):
            dates = [f.name for f in pq.read_schema(path) if pa.types.is_timestamp(f.type)]
            cast = ", ".join(f"CAST({_quoted(c)} AS DATE) AS {_quoted(c)}" for c in dates)
            source = str(path).replace("'", "''")
            target = str(partial / path.name).replace("'", "''")
            select = f"SELECT *{f' REPLACE ({cast})' if dates else ''} FROM read_parquet('{source}')"
            con.execute(f"COPY ({select}) TO '{target}' (FORMAT PARQUET, ROW_GROUP_SIZE {ROW_GROUP_ROWS})")
    if out.exists():
        shutil.rmtree(out)
    partial.rename(out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ams", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=SAMPLE_SEED)
    parser.add_argument("--duckdb-dates", type=Path, help="rewrite this pack's files as DuckDB writes them instead")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--force", action="store_true", help="write it again when the folder holds a pack")
    args = parser.parse_args()
    if (args.out / "sales.parquet").exists() and not args.force:
        print(f"{args.out} holds a pack already (--force writes it again)")
        return
    if args.duckdb_dates:
        print(duckdb_written(args.duckdb_dates, args.out))
    else:
        print(write_scaled_pack(args.out, args.ams, args.lines, args.seed))


if __name__ == "__main__":
    main()
