"""The sample's ``development_objectives`` table: each quarter's development plan of weighted
objectives per account manager, their status and evidence, and objectives carried over; each
plan agreed in the previous quarter's review (``agreed_in``), each objective with how its
success is measured (``success_measure``). Those two columns are functions of the drawn rows:
adding them changed no draw."""

from __future__ import annotations

import numpy as np
import pandas as pd

from amreview.data.sample._calendar import QUARTERS, REVIEW_Q, Calendar
from amreview.data.sample._columns import date_column, text_column
from amreview.data.sample.organisation import ACTIVE_FROM, AM_IDS, NEW_STARTER, START_DAYS
from amreview.data.sample.personas import Traits
from amreview.periods import Quarter

_OBJECTIVES = (
    ("Complete the Cisco Meraki sales specialist certification", "Problem Solving"),
    ("Pass the Fortinet NSE 2 network security associate exam", "Problem Solving"),
    ("Complete the Lenovo ThinkSystem server sales accreditation", "Problem Solving"),
    ("Agree a spot-deal pricing review with purchasing to lift margin by one point", "Problem Solving"),
    ("Clear every back order older than 30 days with a written plan per customer", "Problem Solving"),
    ("Run a joint account plan with the HP channel manager for the top five accounts", "Working with Others"),
    ("Shadow a pre-sales engineer on two bespoke deployments", "Working with Others"),
    ("Co-sell one Microsoft 365 migration with the services team", "Working with Others"),
    ("Share one account win at each monthly team meeting", "Working with Others"),
    ("Hold a quarterly business review with every key account", "Interpersonal Effectiveness"),
    ("Meet the IT director at five accounts where we only know purchasing", "Interpersonal Effectiveness"),
    ("Complete ten face-to-face customer visits a month", "Interpersonal Effectiveness"),
    ("Log every customer contact in the CRM within 24 hours", "Communications"),
    ("Submit the weekly pipeline report on time every week of the quarter", "Communications"),
    ("Present a product briefing on Microsoft 365 Copilot to the team", "Communications"),
    ("Write a tailored solution proposal for three key accounts", "Communications"),
    ("Win two new logos from the prospect list", "Decision Making & Influencing"),
    ("Lift the vendor programme share of HP and Cisco sales to 30 %", "Decision Making & Influencing"),
    ("Complete the advanced negotiation skills workshop", "Decision Making & Influencing"),
    ("Run two outbound calling campaigns to lapsed accounts", "Decision Making & Influencing"),
)
_NEW_STARTER_OBJECTIVES = (
    ("Complete the product induction on the HP, Dell and Lenovo portfolios", "Problem Solving"),
    ("Meet every inherited account within the first 60 days", "Interpersonal Effectiveness"),
    ("Set up an account plan in the CRM for every inherited account", "Communications"),
    ("Shadow a senior account manager on five customer visits", "Working with Others"),
)
_EVIDENCE = {
    "achieved": (
        "Certificate uploaded to the HR portal",
        "Meeting notes and actions logged in the CRM",
        "Confirmed by manager at the monthly one-to-one",
        "Customer email confirming the review attached",
        "Report in the shared drive, reviewed by manager",
    ),
    "in_progress": ("Booked for next month", "Half done, the rest scheduled", "Waiting on vendor course dates"),
    "missed": (
        "Slipped behind the quarter-end workload",
        "Customer availability pushed it out",
        "Started late; not finished by the due date",
    ),
    "deferred": (
        "Deferred by agreement until the vendor relaunches the course",
        "Parked while covering a colleague's accounts",
    ),
}
# How success is measured, per objective (the objectives above): what the manager will check.
_SUCCESS_MEASURES = {
    "Complete the Cisco Meraki sales specialist certification": (
        "Certificate issued by Cisco and uploaded to the HR portal by the due date."
    ),
    "Pass the Fortinet NSE 2 network security associate exam": "Exam passed; the Fortinet certificate is on file.",
    "Complete the Lenovo ThinkSystem server sales accreditation": (
        "Accreditation shown as complete on the Lenovo partner portal."
    ),
    "Agree a spot-deal pricing review with purchasing to lift margin by one point": (
        "Review agreed in writing with purchasing, and spot-deal GM % one point higher the month after."
    ),
    "Clear every back order older than 30 days with a written plan per customer": (
        "No back order older than 30 days without a written plan sent to the customer."
    ),
    "Run a joint account plan with the HP channel manager for the top five accounts": (
        "Five joint account plans signed off by the HP channel manager."
    ),
    "Shadow a pre-sales engineer on two bespoke deployments": (
        "Two deployments attended, each with a short write-up shared with the manager."
    ),
    "Co-sell one Microsoft 365 migration with the services team": (
        "One Microsoft 365 migration won with services, logged as a joint opportunity in the CRM."
    ),
    "Share one account win at each monthly team meeting": (
        "A win presented at every monthly team meeting of the quarter."
    ),
    "Hold a quarterly business review with every key account": (
        "A business review held and minuted with each key account."
    ),
    "Meet the IT director at five accounts where we only know purchasing": (
        "Five meetings with IT directors logged in the CRM, with follow-up actions."
    ),
    "Complete ten face-to-face customer visits a month": (
        "Thirty visits logged in the CRM over the quarter, at least eight in each month."
    ),
    "Log every customer contact in the CRM within 24 hours": (
        "At least 95 % of activities logged within one working day, from the CRM report."
    ),
    "Submit the weekly pipeline report on time every week of the quarter": (
        "Every weekly pipeline report submitted by its deadline."
    ),
    "Present a product briefing on Microsoft 365 Copilot to the team": (
        "Briefing given at a team meeting and the slides shared."
    ),
    "Write a tailored solution proposal for three key accounts": (
        "Three proposals sent to customers and reviewed by pre-sales."
    ),
    "Win two new logos from the prospect list": "Two accounts from the prospect list placing a first order.",
    "Lift the vendor programme share of HP and Cisco sales to 30 %": (
        "HP and Cisco vendor programme share at 30 % or more for the quarter."
    ),
    "Complete the advanced negotiation skills workshop": (
        "Workshop completed and two negotiation plans reviewed with the manager."
    ),
    "Run two outbound calling campaigns to lapsed accounts": (
        "Two campaigns run, every call logged, and the outcomes reported to the manager."
    ),
    "Complete the product induction on the HP, Dell and Lenovo portfolios": (
        "All three induction modules completed and the product quiz passed."
    ),
    "Meet every inherited account within the first 60 days": (
        "A meeting with every inherited account logged in the CRM within 60 days of starting."
    ),
    "Set up an account plan in the CRM for every inherited account": (
        "An account plan in the CRM for each inherited account, reviewed by the manager."
    ),
    "Shadow a senior account manager on five customer visits": "Five visits attended, with notes shared after each.",
}
_PLAN_WEIGHTS = {3: (40.0, 30.0, 30.0), 4: (30.0, 25.0, 25.0, 20.0), 5: (25.0, 20.0, 20.0, 20.0, 15.0)}
_MAX_CARRIES = 2

# A plan's objective: objective_id, text, competency, progress so far, times carried over.
_PlannedObjective = tuple[str, str, str, float, int]
# A row of the table: am_id, objective_id, period, objective, competency, weight, due, status,
# progress, evidence.
_ObjectiveRow = tuple[str, str, str, str, str, float, int, str, float, str | None]


def _objective_queue(rng: np.random.Generator, t: Traits, am: int) -> list[tuple[str, str]]:
    """The order an AM takes objectives on: their weak competency first."""
    if am == NEW_STARTER:
        return list(_NEW_STARTER_OBJECTIVES) + [_OBJECTIVES[i] for i in rng.permutation(len(_OBJECTIVES))]
    shuffled = [_OBJECTIVES[i] for i in rng.permutation(len(_OBJECTIVES))]
    weak = [o for o in shuffled if o[1] == t.weak_competency]
    return weak + [o for o in shuffled if o[1] != t.weak_competency]


def _objective_outcome(rng: np.random.Generator, t: Traits, carried: bool, progress: float) -> tuple[str, float]:
    """Status and progress at the due date; a carried-over objective is likelier to be achieved."""
    if rng.random() < t.objective_success + (0.1 if carried else 0.0):
        return "achieved", 1.0
    status = ("missed", "in_progress", "deferred", "not_started")[rng.choice(4, p=[0.4, 0.35, 0.15, 0.1])]
    if status == "not_started":
        return ("missed", progress) if carried else ("not_started", 0.0)
    return status, round(max(progress, rng.uniform(0.1, 0.85)), 2)


def _plans_of(rng: np.random.Generator, t: Traits, cal: Calendar, am: int) -> list[_ObjectiveRow]:
    """One AM's plans, quarter by quarter from their start to the review quarter."""
    rows: list[_ObjectiveRow] = []
    queue, number = _objective_queue(rng, t, am), 0
    carry: list[_PlannedObjective] = []
    for q in range(int(cal.quarter_of(ACTIVE_FROM[am : am + 1])[0]), REVIEW_Q + 1):
        plan = list(carry)
        while len(plan) < rng.integers(3, 6):
            number += 1
            text, competency = queue[(number - 1) % len(queue)]
            plan.append((f"OBJ-{AM_IDS[am]}-{number:03d}", text, competency, 0.0, 0))
        weights = rng.permutation(np.array(_PLAN_WEIGHTS[len(plan)]))
        quarter_end = cal.previous_bday(np.array([cal.quarter_starts[q + 1] - 1]))[0]
        second_month_end = cal.previous_bday(np.array([cal.month_starts[3 * q + 2] - 1]))[0]
        carry = []
        for (objective_id, text, competency, progress, carries), weight in zip(plan, weights):
            early = rng.random() < 0.4 and second_month_end >= ACTIVE_FROM[am]
            due = second_month_end if early else quarter_end
            status, progress = _objective_outcome(rng, t, carries > 0, progress)
            notes = _EVIDENCE.get(status, (None,))
            evidence = notes[rng.integers(len(notes))]
            rows.append(
                (
                    AM_IDS[am],
                    objective_id,
                    QUARTERS[q],
                    text,
                    competency,
                    float(weight),
                    due,
                    status,
                    float(progress),
                    evidence,
                )
            )
            if status != "achieved" and carries < _MAX_CARRIES:
                carry.append((objective_id, text, competency, progress, carries + 1))
    return rows


def agreed_in(am_ids: pd.Series, periods: pd.Series, cal: Calendar) -> pd.Series:
    """The quarter of the review that agreed each objective's plan: the quarter before the plan's
    (the 2026Q3 plan was agreed in the 2026Q2 review); empty for the plan of someone who joined
    during the plan's quarter (the new starter's first plan was agreed at induction, not in a
    review)."""
    plan_starts = cal.quarter_starts[periods.map(QUARTERS.index).to_numpy(dtype=int)]
    joined_during = am_ids.map(dict(zip(AM_IDS, START_DAYS))).to_numpy(dtype=int) >= plan_starts
    previous = [str(Quarter.parse(period).previous()) for period in periods]
    return text_column(previous, missing=joined_during)


def development_objectives_frame(rng: np.random.Generator, traits: list[Traits], cal: Calendar) -> pd.DataFrame:
    """Quarterly development plans of 3–5 weighted objectives; an objective not achieved by its
    due date carries over (same objective_id) into the next quarter's plan, at most twice. Each
    plan was agreed in the previous quarter's review (``agreed_in``, see :func:`agreed_in`), and
    each objective says how its success is measured (``success_measure``)."""
    rows = [row for am, t in enumerate(traits) for row in _plans_of(rng, t, cal, am)]
    frame = pd.DataFrame(
        rows,
        columns=[
            "am_id",
            "objective_id",
            "period",
            "objective",
            "competency",
            "weight",
            "due",
            "status",
            "progress",
            "evidence",
        ],
    )
    return pd.DataFrame(
        {
            "am_id": text_column(frame["am_id"]),
            "objective_id": text_column(frame["objective_id"]),
            "period": text_column(frame["period"]),
            "objective": text_column(frame["objective"]),
            "competency": text_column(frame["competency"]),
            "weight": frame["weight"].astype(float),
            "due_date": date_column(frame["due"].to_numpy()),
            "status": text_column(frame["status"]),
            "progress": frame["progress"].astype(float),
            "evidence": text_column(frame["evidence"], missing=frame["evidence"].isna().to_numpy()),
            "agreed_in": agreed_in(frame["am_id"], frame["period"], cal),
            "success_measure": text_column(frame["objective"].map(_SUCCESS_MEASURES)),
        }
    )
