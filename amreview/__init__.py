"""amreview."""
