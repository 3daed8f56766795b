"""The data pack: its tables and schemas (schemas), reading and validating it (datapack, sql,
file_checks, plausibility), writing it (export) and the built-in sample (sample, scaled_sample)."""
