"""A large data pack for benchmarks: the sample pack scaled out (see amreview.data.scaled_sample)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from amreview.data.datapack import write_pack
from amreview.data.scaled_sample import scaled_sample


def big_pack(n_ams: int = 1000, n_lines: int = 10_000_000, seed: int = 42) -> dict[str, pd.DataFrame]:
    """The scaled-out pack as frames."""
    return scaled_sample(n_ams, n_lines, seed)


def write_big_pack(folder: Path, n_ams: int = 1000, n_lines: int = 10_000_000, file_format: str = "parquet") -> Path:
    """Write the scaled-out pack to ``folder``."""
    return write_pack(big_pack(n_ams, n_lines), folder, file_format)
