"""Running the documents: review and team inputs (inputs, prepare), the quarter's run (runner),
executing notebooks and exporting HTML (execution), kernels, Dask (distributed) and the run's
record (manifest)."""
