"""Benchmark: the data step from 1 to 100 million sales lines, each figure beside issue 16's goal.

    python benchmarks/bench_scale.py [--sizes 1M,10M,30M] [--steps scorecard,prepare,floor]
                                     [--timeout 1800] [--memory-limit-gb 16] [--duckdb-variant 10M|none]

Each size is ``LINES`` or ``LINES:AMS`` (``10M``, ``30M:5000``; 1,000 account managers up to 10
million lines, 5,000 above). Its pack is written once under ``--root`` (out of core,
``bigpack.write_scaled_pack``: the same rows as ``scaled_sample``, which the other benchmarks
use) and reused; then, each in a fresh process (``bench_scorecard.measured``: seconds from after
the interpreter starts, and the process's peak resident memory, VmHWM):

- **scorecard**: ``amreview scorecard --data PACK --period 2026Q3 --out …`` end to end; the CSV it
  writes is compared cell by cell with the pack's reference scorecard, when there is one
  (``scorecard_reference.py``: written by the code of an earlier commit, ``--write-references
  COMMIT``, ``make bench-reference``);
- **prepare**: what ``amreview run`` does before its first notebook (``batch.runner``'s
  ``_run_locked``, steps 1-4): load and validate the pack, the quarter's scorecard, then
  ``prepare_reviews`` for everyone in role, every team and the calibration (with the previous
  quarter's scorecard); the whole, and the part after the scorecard;
- **floor**: what any scorecard that checks its input costs (``bench_scorecard.py``): importing
  the command's libraries, no data, plus DuckDB checking the sales lines against the contract.

With the 10M pack (``--duckdb-variant``), its copy as DuckDB writes it (dates as Parquet ``DATE``,
``bigpack.duckdb_written``) is measured too. A step that fails, passes ``--timeout`` or
``--memory-limit-gb`` is reported as such and the others go on. Prints one Markdown table (each
figure, the goal beside it, met or not), then how time and memory grow per 10× lines.

100 million lines (``--sizes 100M``, or ``make bench-100m``) is left out of ``make bench``: its
pack alone takes about 8 minutes to write (2.4 GB of Parquet, under 4 GB of memory), and each step
may run until ``--timeout`` or ``--memory-limit-gb`` (with the code of 2026-12-06, the scorecard
and the prepare step pass 9 GB within minutes).
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from bench_scorecard import DUCKDB_CONTRACT_CHECK, StepFailed, measured  # noqa: E402
from scorecard_reference import compare_scorecards, read_scorecard, reference_of, write_reference  # noqa: E402

PERIOD = "2026Q3"
STEPS = ("scorecard", "prepare", "floor")
MB_PER_GB = 1024

PREPARE = """
from pathlib import Path
from amreview.cli import use_returning_allocator
use_returning_allocator()  # as the command does
from amreview.batch.prepare import prepare_reviews
from amreview.data.datapack import load_pack
from amreview.documents.team import managers
from amreview.scoring.config import load_config
from amreview.scoring.scorecard import build_scorecard
config = load_config()
pack = load_pack({pack!r})
marks["load"] = time.perf_counter() - started
card = build_scorecard(pack, {period!r}, config)
marks["scorecard"] = time.perf_counter() - started
people = list(card.values.index)
prepared = prepare_reviews(pack, {period!r}, config, Path({out!r}), people, managers(card), card=card, calibration=True)
assert len(prepared.reviews) == len(people), (len(prepared.reviews), len(people))
"""


# bench_scorecard's check, and where its hashes are fewer than the lines (which DuckDB's 64-bit
# hash() gives for 205 of the 100 million line ids: a collision, or a repeated id), the exact test.
CONTRACT_CHECK = """
import duckdb
problems = duckdb.sql({check!r}).fetchall()[0]
if problems[0]:
    marks["colliding_hashes"] = problems[0]
    exact = "SELECT count(*) - count(DISTINCT line_id) FROM read_parquet('{folder}/sales.parquet')"
    problems = (duckdb.sql(exact).fetchall()[0][0], *problems[1:])
assert problems == (0, 0, 0, 0), problems
"""


@dataclass(frozen=True)
class Size:
    lines: int
    ams: int

    @property
    def name(self) -> str:
        return f"{self.ams}ams-{self.lines}lines"

    @property
    def label(self) -> str:
        return f"{_short(self.lines)} lines, {self.ams:,} AMs"


@dataclass
class Outcome:
    """One step on one pack: its measure (``bench_scorecard.measured``) or why it has none."""

    result: dict | None = None
    failure: str = ""
    figures: str = ""  # the scorecard against its reference
    notes: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> float | None:
        return None if self.result is None else self.result["seconds"]

    @property
    def peak_mb(self) -> float | None:
        return None if self.result is None else self.result["peak_mb"]


def parse_size(text: str) -> Size:
    """``10M`` → 10,000,000 lines and 1,000 account managers; ``30M:5000``; ``250K``."""
    lines_text, _, ams_text = text.strip().upper().partition(":")
    scale = {"K": 1_000, "M": 1_000_000}.get(lines_text[-1:], 1)
    try:
        lines = int(float(lines_text.rstrip("KM")) * scale)
        ams = int(ams_text) if ams_text else (1000 if lines <= 10_000_000 else 5000)
    except ValueError:
        raise argparse.ArgumentTypeError(f"size {text!r}: expected LINES or LINES:AMS, e.g. 10M or 30M:5000") from None
    return Size(lines, ams)


def _short(lines: int) -> str:
    return f"{lines / 1e6:g}M" if lines >= 1_000_000 else f"{lines / 1e3:g}K"


def step(body: str, args: argparse.Namespace) -> Outcome:
    try:
        return Outcome(measured(body, args.timeout, args.memory_limit_gb * MB_PER_GB))
    except StepFailed as failed:
        print(f"  … {failed.reason}: {str(failed.code)[-600:]}", file=sys.stderr)
        return Outcome(failure=failed.reason)


def ensure_pack(size: Size, args: argparse.Namespace) -> tuple[Path, Outcome | None]:
    """The pack of ``size`` under ``--root``, written (and measured) unless it is there."""
    folder = args.root / size.name
    if (folder / "sales.parquet").exists():
        return folder, None
    print(f"writing {folder} …", file=sys.stderr)
    return folder, step(
        f"sys.path.insert(0, {str(HERE)!r})\nfrom bigpack import write_scaled_pack\nfrom pathlib import Path\n"
        f"write_scaled_pack(Path({str(folder)!r}), {size.ams}, {size.lines})",
        args,
    )


def measure_pack(pack: Path, reference_name: str, args: argparse.Namespace) -> dict[str, Outcome]:
    """Every step of ``--steps`` on ``pack``, each in a fresh process."""
    outcomes: dict[str, Outcome] = {}
    if "scorecard" in args.steps:
        print(f"scorecard of {pack.name} …", file=sys.stderr)
        out = args.root / f"{pack.name}.scorecard.csv"
        out.unlink(missing_ok=True)
        outcomes["scorecard"] = step(
            "from amreview.cli import main\n"
            f"main(['scorecard', '--data', {str(pack)!r}, '--period', {args.period!r}, '--out', {str(out)!r}])",
            args,
        )
        outcomes["scorecard"].figures = figures_against_reference(out, args.root / reference_name, args)
    if "prepare" in args.steps:
        print(f"prepare step of {pack.name} …", file=sys.stderr)
        out = args.root / f"{pack.name}.inputs"
        shutil.rmtree(out, ignore_errors=True)
        outcomes["prepare"] = step(PREPARE.format(pack=str(pack), period=args.period, out=str(out)), args)
        shutil.rmtree(out, ignore_errors=True)
    if "floor" in args.steps:
        print(f"floor of {pack.name} …", file=sys.stderr)
        starting = step("import amreview.cli, amreview.scoring.scorecard", args)
        checking = step(CONTRACT_CHECK.format(check=DUCKDB_CONTRACT_CHECK.format(folder=pack), folder=pack), args)
        outcomes["floor"] = floor_of(starting, checking)
    return outcomes


def floor_of(starting: Outcome, checking: Outcome) -> Outcome:
    """The floor: importing plus DuckDB's check, in seconds; the larger of the two peaks."""
    if starting.result is None or checking.result is None:
        return Outcome(failure=starting.failure or checking.failure)
    floor = Outcome(
        {
            "seconds": starting.seconds + checking.seconds,
            "peak_mb": max(starting.peak_mb, checking.peak_mb),
            "cpu_seconds": starting.result["cpu_seconds"] + checking.result["cpu_seconds"],
            "load": max(starting.result["load"], checking.result["load"]),
        }
    )
    floor.notes.append(f"import {starting.seconds:.2f} s + DuckDB check {checking.seconds:.2f} s")
    if collisions := checking.result.get("marks", {}).get("colliding_hashes"):
        floor.notes.append(f"{collisions} line ids' hashes collided: the exact distinct count too")
    return floor


def figures_against_reference(out: Path, pack: Path, args: argparse.Namespace) -> str:
    """How many cells of the scorecard ``out`` agree with the reference of ``pack``'s name."""
    reference = reference_of(pack, args.period, args.reference_dir)
    if reference is None:
        return "no reference"
    if not out.exists():
        return "no scorecard"
    result = compare_scorecards(read_scorecard(out), read_scorecard(reference))
    commit = reference.stem.rsplit(".", 1)[-1][:7]
    if not result.equal:
        print(f"  … {out.name} against {reference.name}: {result.describe()}", file=sys.stderr)
    return f"{result.agree:,} of {result.cells:,} cells equal to {commit}'s"


TEN_MILLION = Size(10_000_000, 1000)


def goal(size: Size, name: str, outcome: Outcome, floor: Outcome | None) -> tuple[str, str]:
    """Issue 16's goal for ``name`` on a pack of ``size`` (its text), and whether ``outcome`` meets it."""
    seconds, peak = outcome.seconds, outcome.peak_mb
    if name == "scorecard" and size.lines == 1_000_000:
        return "< 2 s", _met(seconds is not None and seconds < 2)
    if name == "scorecard" and size == TEN_MILLION:
        limit = 3 * floor.seconds if floor is not None and floor.seconds is not None else None
        within = f"≤ 3× the floor ({limit:.1f} s)" if limit is not None else "≤ 3× the floor (not measured)"
        ok = seconds is not None and limit is not None and seconds <= limit and peak < 1.5 * MB_PER_GB
        return f"{within}, < 1.5 GB", _met(ok)
    if name == "prepare" and size == TEN_MILLION:
        return "< 10 s", _met(seconds is not None and seconds < 10)
    if name in ("scorecard", "prepare") and size.lines >= 100_000_000:
        return "completes, peak < 8 GB", _met(peak is not None and peak < 8 * MB_PER_GB)
    return "—", ""


def _met(ok: bool) -> str:
    return "met" if ok else "**not met**"


def parts_of(name: str, outcome: Outcome) -> str:
    """The prepare step's parts (load and validate, scorecard, inputs), the floor's, the figures."""
    if outcome.result is None:
        return ""
    if name == "prepare" and outcome.result.get("marks"):
        marks = outcome.result["marks"]
        inputs = outcome.seconds - marks["scorecard"]
        return (
            f"load {marks['load']:.1f} s, scorecard {marks['scorecard'] - marks['load']:.1f} s, inputs {inputs:.1f} s"
        )
    return "; ".join([*outcome.notes, *([outcome.figures] if outcome.figures else [])])


def table(rows: list[tuple[Size, str, str, Outcome, Outcome | None]]) -> str:
    """One Markdown row per measured step: (size, pack's label, step, outcome, that pack's floor)."""
    lines = [
        "| pack | step | time | CPU time | load | peak memory | goal | | parts, figures |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for size, label, name, outcome, floor in rows:
        time_text = f"{outcome.seconds:.1f} s" if outcome.result else f"**{outcome.failure}**"
        cpu_text = f"{outcome.result['cpu_seconds']:.1f} s" if outcome.result else "—"
        load_text = f"{outcome.result['load']:.1f}" if outcome.result else "—"
        peak_text = f"{outcome.peak_mb:,.0f} MB" if outcome.result else "—"
        wanted, met = goal(size, name, outcome, floor)
        lines.append(
            f"| {label} | {name} | {time_text} | {cpu_text} | {load_text} | {peak_text} | {wanted} | {met} "
            f"| {parts_of(name, outcome)} |"
        )
    return "\n".join(lines)


def per_ten_times(before: float, after: float, lines_before: int, lines_after: int) -> float:
    """The factor per 10× lines: (after / before) ^ (1 / log10(lines_after / lines_before))."""
    return (after / before) ** (1 / math.log10(lines_after / lines_before))


def growth(measured_sizes: list[tuple[Size, dict[str, Outcome]]]) -> str:
    """How each step's time and peak memory grow from each size to the next, per 10× lines."""
    lines = [
        "| step | from → to | time | × per 10× lines | peak memory | × per 10× lines |",
        "|---|---|---|---|---|---|",
    ]
    for (small, before), (large, after) in zip(measured_sizes, measured_sizes[1:], strict=False):
        for name in STEPS:
            a, b = before.get(name), after.get(name)
            if a is None or b is None or a.result is None or b.result is None:
                continue
            time_growth = per_ten_times(a.seconds, b.seconds, small.lines, large.lines)
            peak_growth = per_ten_times(a.peak_mb, b.peak_mb, small.lines, large.lines)
            lines.append(
                f"| {name} | {small.label} → {large.label} | {a.seconds:.1f} → {b.seconds:.1f} s | "
                f"{time_growth:.2f}× | {a.peak_mb:,.0f} → {b.peak_mb:,.0f} MB | {peak_growth:.2f}× |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1M,10M,30M", help="comma-separated LINES[:AMS] (default: %(default)s)")
    parser.add_argument("--steps", default=",".join(STEPS), help="of scorecard, prepare, floor (default: all)")
    parser.add_argument("--period", default=PERIOD)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per step (default: %(default)s)")
    parser.add_argument("--memory-limit-gb", type=float, default=16, help="per step (default: %(default)s)")
    parser.add_argument(
        "--duckdb-variant",
        default="10M",
        help="the size whose pack is also measured as DuckDB writes it, or 'none' (default: %(default)s)",
    )
    parser.add_argument("--root", type=Path, default=ROOT / "build" / "bench-scale")
    parser.add_argument("--reference-dir", type=Path, default=ROOT / "build" / "reference")
    parser.add_argument(
        "--write-references",
        metavar="COMMIT",
        help="only write each size's pack and its reference scorecard with the code of COMMIT (e.g. main)",
    )
    args = parser.parse_args()
    try:
        sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
        variant_of = None if args.duckdb_variant.lower() == "none" else parse_size(args.duckdb_variant)
    except argparse.ArgumentTypeError as wrong:
        parser.error(str(wrong))
    args.steps = [s.strip() for s in args.steps.split(",")]
    if unknown := set(args.steps) - set(STEPS):
        parser.error(f"unknown steps {sorted(unknown)}: expected some of {', '.join(STEPS)}")
    args.root = args.root.resolve()
    args.root.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[Size, str, str, Outcome, Outcome | None]] = []
    measured_sizes: list[tuple[Size, dict[str, Outcome]]] = []
    for size in sizes:
        pack, written = ensure_pack(size, args)
        if written is not None:
            rows.append((size, size.label, "write the pack (out of core)", written, None))
            if written.result is None:
                continue
        if args.write_references:
            print(write_reference(pack, args.period, args.write_references, args.reference_dir))
            continue
        packs = [(pack, size.label)]
        if size == variant_of:
            packs.append((duckdb_variant(pack, args, rows, size), f"{size.label}, written by DuckDB"))
        for folder, label in packs:
            if folder is None:
                continue
            outcomes = measure_pack(folder, size.name, args)
            rows += [(size, label, name, o, outcomes.get("floor")) for name, o in outcomes.items()]
            if folder == pack:
                measured_sizes.append((size, outcomes))
            print("\n".join(table(rows[-len(outcomes) :]).splitlines()[2:]), file=sys.stderr)
    if args.write_references:
        return
    print(
        f"\nThe data step, {args.period}: wall seconds from interpreter start; CPU seconds (user + system, "
        "every thread); the machine's load average (1 min) at the step's end; peak resident memory (VmHWM)\n"
    )
    print(table(rows))
    print("\nHow each grows (between sizes of different account managers, the pack's other tables grow too)\n")
    print(growth(measured_sizes))


def duckdb_variant(pack: Path, args: argparse.Namespace, rows: list, size: Size) -> Path | None:
    """The pack rewritten as DuckDB writes it, beside it (written once, and measured)."""
    variant = pack.with_name(pack.name + "-duckdb")
    if (variant / "sales.parquet").exists():
        return variant
    print(f"writing {variant} …", file=sys.stderr)
    written = step(
        f"sys.path.insert(0, {str(HERE)!r})\nfrom bigpack import duckdb_written\nfrom pathlib import Path\n"
        f"duckdb_written(Path({str(pack)!r}), Path({str(variant)!r}))",
        args,
    )
    rows.append((size, f"{size.label}, written by DuckDB", "rewrite the pack (DuckDB, dates as DATE)", written, None))
    return variant if written.result is not None else None


if __name__ == "__main__":
    main()
