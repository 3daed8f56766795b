"""Running the documents: review and team inputs (inputs, prepare), the quarter's run (runner: its
plan, lock and index), jobs and their checks, one notebook's execution (execution) and HTML export
(export), many at once on local workers (pool) or Dask (distributed), kernels, and the run's record
(manifest)."""

from amreview.batch.deferred import defer_iri_syntax

defer_iri_syntax()  # before any batch module imports papermill or nbconvert (see amreview.batch.deferred)
