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

# review_notes.section: a comment on a part of the review (the key of its section, titled for
# display), the account manager's comment when signing, or an objective proposed on a
# self-assessment (one note each, in words). review_notes.author_role: who wrote the note.
NOTE_SECTIONS = {
    "summary": "Summary",
    "margin": "Margin & KPI targets",
    "accounts": "Account management",
    "new_business": "Productive new business",
    "relationships": "Customer relationships",
    "crm": "Utilisation of the CRM",
    "reporting": "Reporting",
    "development": "Development plan",
    "competencies": "Competencies",
}
SIGN_OFF_SECTION = "sign_off"
PROPOSED_OBJECTIVES_SECTION = "proposed_objectives"
AUTHOR_ROLES = ("self", "manager")  # who wrote a review note: the account manager, or their manager

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
