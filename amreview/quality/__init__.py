"""The data-quality report of a pack: its checks (checks) and its HTML page (report)."""
