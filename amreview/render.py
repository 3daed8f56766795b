"""Rendering numbers for people: one place for money, percentage and count formats, and the
HTML pieces a review displays. Everything from the data is HTML-escaped.
"""

from __future__ import annotations

import html
import math

import pandas as pd

from amreview.review import ReviewHeader

MINUS = "\u2212"
NO_TARGET = "no target"
NOT_MEANINGFUL = "n/a"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def money(value, decimals: int = 0) -> str:
    """``1234567.8`` → ``1,234,568``; negatives with a true minus sign; ``n/a`` when missing."""
    if _missing(value):
        return NOT_MEANINGFUL
    text = f"{abs(value):,.{decimals}f}"
    return f"{MINUS}{text}" if round(value, decimals) < 0 else text


def compact_money(value) -> str:
    """``412_345`` → ``412k``; ``1_234_567`` → ``1.23m`` (for narrative lines)."""
    if _missing(value):
        return NOT_MEANINGFUL
    size = abs(value)
    if size >= 1e6:
        text = f"{size / 1e6:.2f}m"
    elif size >= 1e3:
        text = f"{size / 1e3:.0f}k"
    else:
        text = f"{size:.0f}"
    return f"{MINUS}{text}" if value < 0 else text


def pct(value, decimals: int = 1, missing: str = NOT_MEANINGFUL) -> str:
    """A fraction as a percentage: ``0.1234`` → ``12.3 %``; ``missing`` when there is none."""
    if _missing(value):
        return missing
    text = f"{abs(value) * 100:.{decimals}f} %"
    return f"{MINUS}{text}" if round(value * 100, decimals) < 0 else text


def attainment_pct(value) -> str:
    """Attainment as a percentage, ``no target`` where there is no target."""
    return pct(value, decimals=0, missing=NO_TARGET)


def count(value) -> str:
    """A whole number with thousands separators."""
    if _missing(value):
        return NOT_MEANINGFUL
    return f"{int(round(value)):,}"


def header_html(header: ReviewHeader) -> str:
    """The review's title block: name, role line and the period's dates (escaped)."""
    e = html.escape
    team = f" · {e(header.team)}" if header.team else ""
    started = ""
    if header.start_date is not None and header.start_date >= header.quarter.start:
        started = f"<p class='amr-note'>Started in role on {header.start_date:%d %b %Y}: a partial quarter.</p>"
    return (
        "<div class='amr-header'>"
        f"<h1>{e(header.name)}</h1>"
        f"<p>Account manager {e(header.am_id)} · reports to {e(header.manager)}{team}</p>"
        f"<p>Quarterly review {e(str(header.quarter))}: {e(header.period_label)}</p>"
        f"{started}</div>"
    )


def headline_styler(table: pd.DataFrame, counts: tuple[str, ...] = ("New accounts",)):
    """The headline table (measure rows; actual, target, attainment) as a formatted Styler."""
    shown = pd.DataFrame(index=table.index)
    shown["Actual"] = [count(v) if m in counts else money(v) for m, v in table["actual"].items()]
    shown["Target"] = [(count(v) if m in counts else money(v)) if not _missing(v) else NO_TARGET
                       for m, v in table["target"].items()]
    shown["Attainment"] = [attainment_pct(v) for v in table["attainment"]]
    shown.index.name = None
    return shown.style.format(escape="html").format_index(escape="html")


def figures_styler(rows: list[tuple[str, str]]):
    """A two-column table of already formatted (label, value) pairs."""
    frame = pd.DataFrame(rows, columns=["", "value"]).set_index("")
    frame.index.name = None
    return frame.style.format(escape="html").format_index(escape="html").hide(axis="columns")


def accounts_styler(table: pd.DataFrame):
    """Top accounts: name, revenue, gross margin, GM %, share of the AM's margin."""
    shown = pd.DataFrame({
        "Account": table["account"],
        "Revenue": table["revenue"].map(money),
        "Gross margin": table["gross_margin"].map(money),
        "GM %": table["gm_pct"].map(pct),
        "Share of margin": table["share_of_margin"].map(pct),
    })
    return shown.style.format(escape="html").hide(axis="index")


def kpi_value(value, unit: str) -> str:
    """A KPI value in its unit's format."""
    if unit == "money":
        return money(value)
    if unit == "fraction":
        return pct(value)
    if unit == "count":
        return count(value)
    if unit == "days":
        return NOT_MEANINGFUL if _missing(value) else f"{value:,.1f} days"
    if unit == "rating":
        return NOT_MEANINGFUL if _missing(value) else f"{value:.2f}"
    return NOT_MEANINGFUL if _missing(value) else f"{value:,.2f}"


def score_text(value) -> str:
    return "no data" if _missing(value) else f"{value:.2f}"


def explanation_text(explanation) -> str:
    """The plain-text breakdown printed by ``amreview scorecard --explain``."""
    from amreview.kpis import ALL_MEASURES

    overall = explanation.overall
    lines = [
        f"{explanation.name} ({explanation.am_id}), {explanation.quarter}",
        f"Overall: {score_text(overall['overall_score'])} — {overall['overall_rating'] or 'no rating'}",
    ]
    if overall["measures_without_data"]:
        lines.append(f"Left out for lack of data (weight spread over the rest): {overall['measures_without_data']}")
    kpis_by_measure: dict[str, list] = {}
    for item in explanation.kpis:
        kpis_by_measure.setdefault(item.measure, []).append(item)
    for measure, items in kpis_by_measure.items():
        weight = explanation.config.measures[measure].weight
        lines.append("")
        lines.append(f"{ALL_MEASURES[measure]}: score {score_text(explanation.measures[measure])} (weight {weight:.0%})")
        for item in items:
            target = f" (target {kpi_value(item.target, item.target_unit)})" if item.target is not None else ""
            direction = "higher is better" if item.higher_is_better else "lower is better"
            lines.append(
                f"  - {item.label}: {kpi_value(item.value, item.unit)}{target}; {item.band_text} "
                f"({direction}; weight {item.weight:.0%}, carried {item.effective_weight:.0%})"
                if not _missing(item.value) else f"  - {item.label}: {item.band_text}"
            )
    return "\n".join(lines)


def explanation_html(explanation) -> str:
    """The breakdown as an HTML table (escaped), for JupyterLab and the review."""
    from amreview.kpis import ALL_MEASURES

    rows = []
    for item in explanation.kpis:
        rows.append({
            "Measure": ALL_MEASURES[item.measure],
            "KPI": item.label,
            "Value": "no data" if _missing(item.value) else kpi_value(item.value, item.unit),
            "Target": "" if item.target is None else kpi_value(item.target, item.target_unit),
            "Band": item.band_text,
            "Score": score_text(item.score),
            "Weight carried": f"{item.effective_weight:.0%}",
        })
    table = pd.DataFrame(rows).style.format(escape="html").hide(axis="index").to_html()
    overall = explanation.overall
    head = (f"<p><b>{html.escape(explanation.name)}</b> ({html.escape(explanation.am_id)}), {explanation.quarter}: "
            f"overall {score_text(overall['overall_score'])} — {html.escape(str(overall['overall_rating'] or 'no rating'))}</p>")
    return head + table


def scorecard_html(scorecard) -> str:
    """A compact scorecard: one row per account manager, measure scores and the rating."""
    from amreview.kpis import ALL_MEASURES

    frame = pd.DataFrame(index=scorecard.values.index)
    frame["Name"] = scorecard.people["name"]
    for measure in scorecard.measures.columns:
        frame[ALL_MEASURES[measure]] = scorecard.measures[measure].map(score_text)
    frame["Overall"] = scorecard.overall["overall_score"].map(score_text)
    frame["Rating"] = scorecard.overall["overall_rating"].fillna("no rating")
    return (f"<p>Scorecard {scorecard.quarter}: {len(frame)} account managers</p>"
            + frame.style.format(escape="html").format_index(escape="html").to_html())
