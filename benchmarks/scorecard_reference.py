"""Figures unchanged: a scorecard written by the code of an earlier commit, and a cell-by-cell
comparison of a scorecard against it (issue 16: every KPI cell equals today's).

    python benchmarks/scorecard_reference.py --pack PACK [--commit main] [--period 2026Q3]
    python benchmarks/scorecard_reference.py --compare OURS.csv REFERENCE.csv

The first form unpacks the code of ``--commit`` (this repository's, with ``git archive``, as
``bench_review.py`` does for its "before" code) under ``build/ref-code/<commit>`` and runs its own
``amreview scorecard`` on ``PACK``, writing ``build/reference/<pack>.<period>.<commit>.csv``: the
commit's full id is in the name, so a reference says which code wrote it. ``bench_scale.py``
compares each scorecard it writes with the reference of its pack found there.

Two cells agree when their text is equal, or both are numbers equal within a relative
difference of 1e-9 (an absolute 1e-9 for values that should be zero, which another order of
summation leaves at 1e-13), or both are empty (NaN).
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REFERENCES = ROOT / "build" / "reference"
RELATIVE_TOLERANCE = 1e-9
ABSOLUTE_TOLERANCE = 1e-9
SHOWN_DIFFERENCES = 10


@dataclass(frozen=True)
class CellComparison:
    """How many of the ``cells`` (every row and column of either scorecard) agree, and the first
    differing ones as (am_id, column, ours, reference); a row or column one side lacks differs."""

    cells: int
    agree: int
    differing: tuple[tuple[str, str, str, str], ...]

    @property
    def equal(self) -> bool:
        return self.agree == self.cells

    def describe(self) -> str:
        shown = "; ".join(f"{row} {column}: {ours!r} against {ref!r}" for row, column, ours, ref in self.differing)
        return f"{self.agree:,} of {self.cells:,} cells agree" + (f" (first differing: {shown})" if shown else "")


def cells_agree(ours: str, reference: str) -> bool:
    """Equal text, or numbers within the tolerances (module docstring), NaN (or empty) on both sides."""
    if ours == reference:
        return True
    a, b = _number(ours), _number(reference)
    if a is None or b is None:
        return False
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=RELATIVE_TOLERANCE, abs_tol=ABSOLUTE_TOLERANCE)


def _number(text: str) -> float | None:
    if text.strip() == "":
        return math.nan
    try:
        return float(text)
    except ValueError:
        return None


def read_scorecard(path: Path) -> pd.DataFrame:
    """A scorecard CSV as text cells, indexed by its first column (the am_id), blanks kept blank."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return frame.set_index(frame.columns[0])


def compare_scorecards(ours: pd.DataFrame, reference: pd.DataFrame) -> CellComparison:
    """Every cell of the two scorecards (:func:`read_scorecard`), matched by am_id and column name."""
    rows = list(dict.fromkeys([*reference.index, *ours.index]))
    columns = list(dict.fromkeys([*reference.columns, *ours.columns]))
    differing: list[tuple[str, str, str, str]] = []
    disagree = 0
    common_rows = [r for r in rows if r in ours.index and r in reference.index]
    for column in columns:
        if column not in ours.columns or column not in reference.columns:
            disagree += len(rows)
            differing.append(("every row", column, "" if column in ours.columns else "(no column)", "(no column)"))
            continue
        mine, theirs = ours.loc[common_rows, column], reference.loc[common_rows, column]
        for row in mine.index[mine.to_numpy() != theirs.to_numpy()]:
            if not cells_agree(mine[row], theirs[row]):
                disagree += 1
                differing.append((str(row), column, mine[row], theirs[row]))
    lacking = [r for r in rows if r not in common_rows]
    disagree += len(lacking) * sum(c in ours.columns and c in reference.columns for c in columns)
    differing += [(str(r), "every column", "(no row)" if r not in ours.index else "", "") for r in lacking]
    cells = len(rows) * len(columns)
    return CellComparison(cells, cells - disagree, tuple(differing[:SHOWN_DIFFERENCES]))


def reference_of(pack: Path, period: str, folder: Path = REFERENCES) -> Path | None:
    """The newest reference scorecard written for ``pack`` and ``period``, if any."""
    found = sorted(folder.glob(f"{pack.name}.{period}.*.csv"), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


def write_reference(pack: Path, period: str, commit: str, folder: Path = REFERENCES) -> Path:
    """The scorecard of ``pack`` for ``period`` written by the code of ``commit`` (module docstring)."""
    rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", f"{commit}^{{commit}}"], capture_output=True, text=True)
    if rev.returncode != 0:
        raise SystemExit(f"no commit {commit!r} in {ROOT}: {rev.stderr.strip()}")
    full = rev.stdout.strip()
    code = ROOT / "build" / "ref-code" / full
    if not (code / "amreview").is_dir():
        code.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", full], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(code)], input=archive, check=True)
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{Path(pack).name}.{period}.{full}.csv"
    command = [sys.executable, "-m", "amreview", "scorecard", "--data", str(Path(pack).resolve())]
    command += ["--period", period, "--out", str(out.resolve())]
    done = subprocess.run(
        command, cwd=code, env={**os.environ, "PYTHONPATH": str(code)}, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"the reference scorecard ({full}) failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pack", type=Path, help="write the reference scorecard of this pack")
    parser.add_argument("--commit", default="main", help="the code that writes it (default: %(default)s)")
    parser.add_argument("--period", default="2026Q3")
    parser.add_argument("--out-dir", type=Path, default=REFERENCES, help="default: %(default)s")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("OURS", "REFERENCE"))
    args = parser.parse_args()
    if args.compare:
        result = compare_scorecards(*(read_scorecard(p) for p in args.compare))
        print(result.describe())
        sys.exit(0 if result.equal else 1)
    if not args.pack:
        parser.error("give --pack (write a reference) or --compare OURS REFERENCE")
    print(write_reference(args.pack, args.period, args.commit, args.out_dir))


if __name__ == "__main__":
    main()
