"""The shared vocabulary of the data contract: the allowed values of its coded columns.

One home for these names, so schemas, metrics, the sample pack and error messages all use
the same spelling (see ``../shared/docs/data-contract.md``).
"""

DEAL_TYPES = ("run_rate", "spot", "bespoke", "large_volume")
DEFAULT_DEAL_TYPE = "run_rate"

OPPORTUNITY_STAGES = ("prospecting", "engaging", "won", "lost")
OPEN_STAGES = ("prospecting", "engaging")

ACTIVITY_TYPES = ("call", "visit", "meeting", "email", "other")

OBJECTIVE_STATUSES = ("not_started", "in_progress", "achieved", "missed", "deferred")

RATERS = ("self", "manager", "peer")
NOTE_AUTHOR_ROLES = ("self", "manager")  # who wrote a review note: the account manager, or their manager

COMPETENCIES = (
    "Interpersonal Effectiveness",
    "Working with Others",
    "Communications",
    "Problem Solving",
    "Decision Making & Influencing",
)

FEEDBACK_KINDS = ("nps", "csat")
FEEDBACK_SCORE_RANGES = {"nps": (0, 10), "csat": (1, 5)}

# Measures the core scorecard always reports a target and attainment for.
CORE_TARGET_MEASURES = ("revenue", "gross_margin", "new_accounts")

# The unit of each target measure the contract names (targets.measure), for display.
TARGET_MEASURE_UNITS = {
    "revenue": "money",
    "gross_margin": "money",
    "new_business_margin": "money",
    "new_accounts": "count",
    "visits": "count",
    "activities": "count",
}
