"""Benchmark: a batch of reviews, amreview against the loop a user would otherwise write.

    python benchmarks/bench_batch.py [--ams 200] [--naive 200] [--skip-memory]

On a scaled-out sample pack of ``--ams`` account managers (Parquet, about 3,600 sales lines
each; made once under build/bench-batch), in one run:

1. **The naive loop**: for each of the first ``--naive`` account managers, one after the other,
   ``papermill.execute_notebook`` of notebooks/am_quarterly_review.ipynb on the pack, then
   ``jupyter nbconvert --to html --no-input`` in its own process: what a user writes without
   amreview. Seconds per review.
2. **amreview run** with ``--jobs 1`` and ``--jobs 2`` (reviews only, ``--no-team-overviews``,
   HTML only, as the naive loop), in a fresh process each, end to end: reading and validating
   the pack, the scorecard, the prepared inputs, every review, key figures, manifest, index.
   Seconds per review = wall time / reviews, and the throughput ratio against the naive loop.
   Each review runs in a fresh kernel process (clean state).
3. **Memory of one review** (unless ``--skip-memory``): the peak resident memory of a fresh
   process that opens one prepared review input and renders every section, for a pack of 100
   thousand lines and one of 10 million lines (1,000 account managers each), so the figure
   says whether a review reads only its own slice.

Prints a Markdown table for the README.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from bench_scorecard import measured  # noqa: E402 - found through the sys.path entry above

PERIOD = "2026Q3"
NOTEBOOK = ROOT / "notebooks" / "am_quarterly_review.ipynb"
LINES_PER_AM = 3_600


def make_pack(folder: Path, n_ams: int, n_lines: int) -> Path:
    if not (folder / "sales.parquet").exists():
        made = measured(
            "from amreview.data.scaled_sample import scaled_sample\n"
            "from amreview.data.datapack import write_pack\n"
            "from pathlib import Path\n"
            f"write_pack(scaled_sample({n_ams}, {n_lines}), Path({str(folder)!r}), 'parquet')"
        )
        print(f"generated {folder} in {made['seconds']:.1f} s", file=sys.stderr)
    return folder


def am_ids(pack: Path, n: int) -> list[str]:
    import pandas as pd

    return list(pd.read_parquet(pack / "account_managers.parquet", columns=["am_id"])["am_id"].iloc[:n])


def naive_loop(pack: Path, people: list[str], out: Path) -> float:
    """Seconds per review of papermill then `jupyter nbconvert`, one person after another."""
    import papermill

    out.mkdir(parents=True, exist_ok=True)
    jupyter = Path(sys.executable).with_name("jupyter")
    started = time.perf_counter()
    for am_id in people:
        executed = out / f"{am_id}.ipynb"
        papermill.execute_notebook(
            str(NOTEBOOK),
            str(executed),
            parameters={"am_id": am_id, "period": PERIOD, "data": str(pack)},
            kernel_name="python3",
            cwd=str(NOTEBOOK.parent),
            progress_bar=False,
        )
        subprocess.run(
            [str(jupyter), "nbconvert", "--to", "html", "--no-input", str(executed)], check=True, capture_output=True
        )
    return (time.perf_counter() - started) / len(people)


def amreview_run(pack: Path, jobs: int, out: Path) -> dict:
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "amreview",
            "run",
            "--data",
            str(pack),
            "--period",
            PERIOD,
            "--out",
            str(out),
            "--jobs",
            str(jobs),
            "--quiet",
            "--no-team-overviews",
        ],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"amreview run failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    manifest = json.loads((out / PERIOD / "manifest.json").read_text())
    reviews = [e for e in manifest["reviews"] if e["kind"] == "review"]
    assert all(e["status"] == "ok" for e in reviews), "a review failed"
    return {
        "seconds": seconds,
        "reviews": len(reviews),
        "per_review": seconds / len(reviews),
        "review_seconds": sum(e["seconds"] for e in reviews) / len(reviews),
    }


ONE_REVIEW = """
from pathlib import Path
from amreview.batch.inputs import open_review
from amreview.documents.render import review_html
review = open_review({input!r}, {am_id!r}, {period!r})
html = review_html(review)
"""


def review_memory(pack: Path, am_id: str, work: Path) -> dict:
    """Peak memory of one review from its prepared input (the prepare step itself not counted)."""
    work.mkdir(parents=True, exist_ok=True)
    prepare = measured(
        "from amreview.data.datapack import load_pack\nfrom amreview.batch.prepare import prepare_reviews\n"
        "from amreview.scoring.config import load_config\nfrom pathlib import Path\n"
        "from amreview.cli import use_returning_allocator\nuse_returning_allocator()  # as amreview run does\n"
        f"prepare_reviews(load_pack({str(pack)!r}), {PERIOD!r}, load_config(), Path({str(work)!r}), [{am_id!r}])"
    )
    from amreview.filenames import file_stem

    review = measured(ONE_REVIEW.format(input=str(work / "reviews" / file_stem(am_id)), am_id=am_id, period=PERIOD))
    return {"prepare": prepare, "review": review}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ams", type=int, default=200)
    parser.add_argument("--naive", type=int, default=200, help="reviews timed in the naive loop (the first N)")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "bench-batch")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-batch", action="store_true", help="only the memory of one review")
    args = parser.parse_args()
    if not args.skip_batch:
        batch(args)
    if not args.skip_memory:
        memory(args)


def batch(args: argparse.Namespace) -> None:

    pack = make_pack(args.work / f"pack-{args.ams}", args.ams, LINES_PER_AM * args.ams)
    people = am_ids(pack, args.naive)
    with tempfile.TemporaryDirectory(dir=args.work) as scratch:
        scratch = Path(scratch)
        naive = naive_loop(pack, people, scratch / "naive")
        one = amreview_run(pack, 1, scratch / "jobs1")
        two = amreview_run(pack, 2, scratch / "jobs2")
    rows = [
        ("naive loop (papermill, then `jupyter nbconvert`), one after another", len(people), naive, 1.0),
        ("`amreview run --jobs 1`", one["reviews"], one["per_review"], naive / one["per_review"]),
        ("`amreview run --jobs 2`", two["reviews"], two["per_review"], naive / two["per_review"]),
    ]
    print(f"\nBatch of {args.ams} account managers ({LINES_PER_AM * args.ams:,} sales lines), HTML reviews:\n")
    print("| | reviews | seconds per review | throughput vs naive |")
    print("|---|---|---|---|")
    for label, n, seconds, ratio in rows:
        print(f"| {label} | {n} | {seconds:.2f} | {ratio:.1f}× |")
    print(
        f"\n(amreview: {one['seconds']:.0f} s and {two['seconds']:.0f} s in all, of which each review's own "
        f"notebook and documents took {one['review_seconds']:.2f} s and {two['review_seconds']:.2f} s)"
    )


def memory(args: argparse.Namespace) -> None:
    print("\n| pack | peak memory of one review | preparing the inputs (once per run) |")
    print("|---|---|---|")
    for n_lines in (100_000, 10_000_000):
        cached = ROOT / "build" / "bench-pack" / f"1000ams-{n_lines}lines"  # bench_scorecard.py's pack
        big = (
            cached
            if (cached / "sales.parquet").exists()
            else make_pack(args.work / f"pack-1000-{n_lines}", 1000, n_lines)
        )
        with tempfile.TemporaryDirectory(dir=args.work) as scratch:
            result = review_memory(big, am_ids(big, 1)[0], Path(scratch))
        print(
            f"| 1,000 AMs, {n_lines:,} lines | {result['review']['peak_mb']:.0f} MB "
            f"({result['review']['seconds']:.1f} s) | {result['prepare']['peak_mb']:.0f} MB, "
            f"{result['prepare']['seconds']:.1f} s |"
        )


if __name__ == "__main__":
    main()
