"""Running the documents: review and team inputs (inputs, prepare), the quarter's run (runner: its
plan, lock and index), jobs and their checks, one notebook's execution (execution) and HTML export
(export), many at once on local workers (pool) or Dask (distributed), kernels, and the run's record
(manifest)."""
