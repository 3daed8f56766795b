"""Prepare once, render per person: how long the prepare pass takes beyond the scorecard, and
how long one review takes from its input against from the whole pack.

    .venv/bin/python benchmarks/bench_prepare.py [--ams 1000] [--lines 1000000] [--out DIR]
    .venv/bin/python benchmarks/bench_prepare.py --sample

Prints one line per step with its wall time.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from amreview.batch.input_reading import read_review_input
from amreview.batch.prepare import prepare_reviews
from amreview.data.datapack import load_pack, validate_tables
from amreview.documents.render import section_html
from amreview.documents.review import Review
from amreview.documents.team import managers
from amreview.scoring.config import load_config
from amreview.scoring.scorecard import build_scorecard

PERIOD = "2026Q3"


def timed(label: str, work):
    start = time.perf_counter()
    result = work()
    print(f"{label:<58} {time.perf_counter() - start:8.2f} s", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ams", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--sample", action="store_true", help="the built-in sample pack instead")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-prepare-"))
    if args.sample:
        pack = timed("load and validate the sample pack", lambda: load_pack("sample"))
    else:
        import sys

        sys.path.insert(0, str(Path(__file__).parent))
        from bigpack import big_pack

        tables = timed(
            f"generate a pack of {args.ams:,} AMs, {args.lines:,} lines", lambda: big_pack(args.ams, args.lines)
        )
        pack = timed("validate it", lambda: validate_tables(tables, source="bigpack"))
    config = load_config()
    card = timed("the quarter's scorecard (every KPI, everyone)", lambda: build_scorecard(pack, PERIOD, config))
    am_ids = list(card.values.index)
    bosses = managers(card)
    inputs = timed(
        f"prepare {len(am_ids):,} review inputs and {len(bosses)} team inputs",
        lambda: prepare_reviews(pack, PERIOD, config, out, am_ids, bosses, card=card),
    )
    am_id = am_ids[0]
    timed(
        f"one review ({am_id}) from the whole pack: build, every section's figures",
        lambda: Review.build(pack, am_id, PERIOD, config).sections(),
    )

    def from_input():
        review = read_review_input(inputs.reviews[am_id])
        review.sections()
        return review

    review = timed(f"one review ({am_id}) from its input: open, every section's figures", from_input)
    timed(
        "  … of which drawing and rendering every section (either way)",
        lambda: [section_html(s) for s in review.sections()],
    )
    print(f"inputs under {out}")


if __name__ == "__main__":
    main()
