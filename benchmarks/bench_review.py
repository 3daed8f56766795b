"""Benchmark: one review, as HTML and with its PDF, today's code against the code of an earlier commit.

    python benchmarks/bench_review.py [--baseline REV] [--ams 3]

Issue 15, item 9: a review with its PDF at least 4x faster on the same machine. In one run,
on the built-in sample pack (written once with this code, so both routes read the same
files), for each route — the code at ``--baseline`` (default: the commit before the work,
unpacked with ``git archive`` into a scratch folder) and the code of this checkout —
``amreview run --jobs 1 --no-team-overviews`` is run in a fresh process, HTML only and with
``--pdf``, for the sample's first person and for its first ``--ams`` people.

Times are CPU seconds (user + system) of the run's process and of every process under it
(kernel template, kernels, the PDF browser), read with ``getrusage(RUSAGE_CHILDREN)``: the
machine is shared, and wall time measures the other users as much as the code. Wall time is
printed beside it. **Per review** is the difference between the run of ``--ams`` people and the
run of one, divided by ``--ams`` − 1: what each further review costs, without the run's fixed
costs (starting Python, reading and scoring the pack, starting the kernel template, starting
the browser), which are printed apart.

Prints a Markdown table for the README, and the ratio of today's route to the new one.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PERIOD = "2026Q3"
BASELINE = "1a602384f54ac8cd4ef2ec5344704dc656190304"  # main before issue 15's item 9 (speed)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def unpack(rev: str, folder: Path) -> Path:
    """The code of ``rev`` (this repository's), written to ``folder``."""
    folder.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def timed_run(code: Path, pack: Path, people: list[str], pdf: bool, out: Path) -> dict:
    """CPU and wall seconds of ``amreview run`` with the code at ``code``."""
    command = [sys.executable, "-m", "amreview", "run", "--data", str(pack), "--period", PERIOD]
    command += ["--out", str(out), "--jobs", "1", "--quiet", "--no-team-overviews"]
    command += [arg for am_id in people for arg in ("--am", am_id)] + (["--pdf"] if pdf else [])
    env = {**os.environ, "PYTHONPATH": str(code)}
    cpu, started = children_cpu(), time.perf_counter()
    done = subprocess.run(command, cwd=code, env=env, capture_output=True, text=True)
    result = {"cpu": children_cpu() - cpu, "wall": time.perf_counter() - started}
    if done.returncode != 0:
        raise SystemExit(f"amreview run ({code}) failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    documents = sorted(p.name for p in (out / PERIOD).iterdir() if p.suffix in (".html", ".pdf"))
    expected = sorted(f"{a}{s}" for a in people for s in ((".html", ".pdf") if pdf else (".html",)))
    assert [d for d in documents if d != "index.html"] == expected, documents
    return result


def per_review(one: dict, many: dict, n: int) -> dict:
    """Each further review's cost: (the run of ``n`` people − the run of one) / (``n`` − 1)."""
    return {key: (many[key] - one[key]) / (n - 1) for key in ("cpu", "wall")}


def route(code: Path, pack: Path, people: list[str], pdf: bool, scratch: Path) -> dict:
    one = timed_run(code, pack, people[:1], pdf, Path(tempfile.mkdtemp(dir=scratch)))
    many = timed_run(code, pack, people, pdf, Path(tempfile.mkdtemp(dir=scratch)))
    each = per_review(one, many, len(people))
    return {"review": each, "fixed": one["cpu"] - each["cpu"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default=BASELINE, help="the commit of today's route (default: %(default)s)")
    parser.add_argument("--ams", type=int, default=3, help="people in the longer run (at least 2)")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "bench-review")
    args = parser.parse_args()
    if args.ams < 2:
        parser.error("--ams must be at least 2")
    args.work.mkdir(parents=True, exist_ok=True)
    people = [f"AM{i:03d}" for i in range(1, args.ams + 1)]
    with tempfile.TemporaryDirectory(dir=args.work) as scratch:
        scratch = Path(scratch)
        pack = scratch / "pack"
        subprocess.run([sys.executable, "-m", "amreview", "sample", "--out", str(pack)], cwd=ROOT, check=True)
        codes = {"before": unpack(args.baseline, scratch / "baseline"), "now": ROOT}
        results = {}
        for name, code in codes.items():
            for pdf in (False, True):
                results[name, pdf] = route(code, pack, people, pdf, scratch)
    print(f"\nOne review of the sample (per review: runs of {args.ams} people and of 1, one job), CPU seconds:\n")
    print(f"| | before ({args.baseline[:7]}) | now | before / now |")
    print("|---|---|---|---|")
    for pdf, label in ((False, "HTML"), (True, "HTML and PDF")):
        before, now = results["before", pdf]["review"], results["now", pdf]["review"]
        print(
            f"| {label}: CPU s per review (wall s) | {before['cpu']:.2f} ({before['wall']:.1f}) "
            f"| {now['cpu']:.2f} ({now['wall']:.1f}) | **{before['cpu'] / now['cpu']:.1f}×** |"
        )
    for pdf, label in ((False, "HTML"), (True, "HTML and PDF")):
        before, now = results["before", pdf]["fixed"], results["now", pdf]["fixed"]
        print(f"| {label}: the run's fixed CPU s | {before:.1f} | {now:.1f} | {before / now:.1f}× |")


if __name__ == "__main__":
    main()
