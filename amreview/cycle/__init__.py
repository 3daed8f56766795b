"""The review as a cycle: forms out (``amreview forms``), people's input in (``amreview collect``).

See :mod:`amreview.cycle.model` for the values shared by the two directions.
"""
