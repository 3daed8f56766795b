"""Scoring: the scorecard config (config), bands, scores and ratings (bands), the scorecard
(scorecard), its display (display) and the KPI reference (kpi_docs)."""
