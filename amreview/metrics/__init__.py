"""Metrics: pure functions of validated DataFrames, each named after the business quantity.

No file I/O, no plotting, no globals; inputs are never modified. Degenerate cases are decided
and documented in each docstring (NaN means "not meaningful / no target", never a silent 0).
"""
