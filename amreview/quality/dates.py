"""The warning checks of dates: far outside the pack's history, or before the date they must follow.

The pack's history (:func:`history`) is the span of its sales lines' invoice dates, so a typo
(2062 for 2026) or a placeholder (1900-01-01) stands out against it. Events must lie near the
history; plans (promised, due, expected close) may run ahead of it; "since" dates (joined,
account opened) may be old.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from amreview.data.datapack import DataPack
from amreview.quality.findings import findings_frame, no_findings

EARLIEST_PLAUSIBLE_DATE = pd.Timestamp("1980-01-01")

# Which dates must lie near the pack's history (days allowed before its start, after its end;
# None: no bound but the plausible floor). Events happen within the history; plans (promised,
# due, expected close) may run ahead of it; "since" dates (joined, account opened) may be old.
EVENT, PLAN, SINCE = (92, 92), (366, 731), (None, 92)
DATE_WINDOWS: dict[tuple[str, str], tuple[int | None, int | None]] = {
    ("sales", "invoice_date"): EVENT,
    ("account_managers", "start_date"): SINCE,
    ("accounts", "created_date"): SINCE,
    ("opportunities", "created_date"): EVENT,
    ("opportunities", "last_updated"): EVENT,
    ("opportunities", "close_date"): PLAN,
    ("activities", "activity_date"): EVENT,
    ("activities", "logged_date"): EVENT,
    ("back_orders", "order_date"): EVENT,
    ("back_orders", "fulfilled_date"): EVENT,
    ("back_orders", "promised_date"): PLAN,
    ("cases", "opened_date"): EVENT,
    ("cases", "resolved_date"): EVENT,
    ("report_submissions", "due_date"): EVENT,
    ("report_submissions", "submitted_date"): EVENT,
    ("forecasts", "submitted_date"): EVENT,
    ("development_objectives", "due_date"): PLAN,
    ("customer_feedback", "feedback_date"): EVENT,
}

# (table, earlier column, later column): the later date may not come before the earlier one.
DATE_ORDER = [
    ("opportunities", "created_date", "close_date"),
    ("opportunities", "created_date", "last_updated"),
    ("back_orders", "order_date", "fulfilled_date"),
    ("back_orders", "order_date", "promised_date"),
    ("cases", "opened_date", "resolved_date"),
]


def dates_outside_history(
    pack: DataPack, span: tuple[pd.Timestamp | None, pd.Timestamp | None] | None = None
) -> pd.DataFrame:
    """Dates outside their window around the pack's history (``span``: :func:`history`, of the
    pack by default; given for a pack that holds only some of its sales lines)."""
    start, end = history(pack) if span is None else span
    found = [no_findings()]
    for (table, column), (before, after) in DATE_WINDOWS.items():
        if not pack.has(table) or column not in pack[table].columns:
            continue
        dates = pack[table][column]
        low = (
            max(EARLIEST_PLAUSIBLE_DATE, start - pd.Timedelta(days=before))
            if before is not None and start is not None
            else EARLIEST_PLAUSIBLE_DATE
        )
        high = end + pd.Timedelta(days=after) if end is not None and after is not None else None
        outside = dates.notna() & ((dates < low) | ((dates > high) if high is not None else False))
        if not outside.any():
            continue
        window = f"between {low:%Y-%m-%d} and {high:%Y-%m-%d}" if high is not None else f"on or after {low:%Y-%m-%d}"
        where = f" (the pack's history runs {start:%Y-%m-%d} to {end:%Y-%m-%d})" if start is not None else ""
        found.append(
            findings_frame(
                table,
                np.flatnonzero(outside.to_numpy()),
                column,
                f"a date {window}{where}",
                [f"{d:%Y-%m-%d}" for d in dates[outside]],
            )
        )
    return pd.concat(found, ignore_index=True)


def dates_in_wrong_order(pack: DataPack) -> pd.DataFrame:
    found = [no_findings()]
    for table, earlier, later in DATE_ORDER:
        if not pack.has(table):
            continue
        frame = pack[table]
        wrong = frame[earlier].notna() & frame[later].notna() & (frame[later] < frame[earlier])
        if wrong.any():
            found.append(
                findings_frame(
                    table,
                    np.flatnonzero(wrong.to_numpy()),
                    later,
                    f"{later} on or after {earlier}",
                    [
                        f"{b:%Y-%m-%d}, before {earlier} {a:%Y-%m-%d}"
                        for a, b in zip(frame.loc[wrong, earlier], frame.loc[wrong, later])
                    ],
                )
            )
    return pd.concat(found, ignore_index=True)


def history(pack: DataPack) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The span of dates the pack covers: its sales lines' invoice dates; without sales lines,
    the span of its event dates (activities, opportunities created, …). Only plausible dates
    count (:func:`plausible_dates`): a line dated 2200 or 1900 is a typo to report against the
    history, not a history stretched to hold it."""
    if pack.has("sales") and pack.line_count:
        first, last = pack.invoice_dates_within(EARLIEST_PLAUSIBLE_DATE, latest_plausible_date())
        if first is not None:
            return first, last
    dates = [pack[t][c] for (t, c), window in DATE_WINDOWS.items() if window == EVENT and pack.has(t)]
    dates = plausible_dates(pd.concat(dates) if dates else pd.Series(dtype="datetime64[ns]"))
    return (dates.min(), dates.max()) if len(dates) else (None, None)


def plausible_dates(dates: pd.Series) -> pd.Series:
    """``dates`` on or after :data:`EARLIEST_PLAUSIBLE_DATE` and no later than a year after
    today (no export holds events further ahead; plans are not read here)."""
    return dates[(dates >= EARLIEST_PLAUSIBLE_DATE) & (dates <= latest_plausible_date())]


def latest_plausible_date() -> pd.Timestamp:
    """A year after today: no export holds events further ahead."""
    return pd.Timestamp.today() + pd.Timedelta(days=366)
