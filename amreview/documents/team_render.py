"""The team overview's tables and text: frames of :mod:`amreview.documents.team` formatted for people.

Numbers are formatted here, with the review's formats (:mod:`amreview.documents.render`), and every text
from the data (names, teams, ratings, the manager) is HTML-escaped. Tables are pandas Stylers
with fixed ids, so the same data gives the same document.
"""

from __future__ import annotations

import html
from importlib import metadata

import pandas as pd

from amreview.documents.render import scroll_box
from amreview.documents.team import NO_RATING
from amreview.documents.team_plots import score_colour, text_colour
from amreview.formats import (
    NO_DATA,
    attainment_pct,
    bands_text,
    compact_money,
    count,
    is_missing,
    money,
    pct,
    score_text,
    weight_pct,
)
from amreview.metrics.registry import ALL_MEASURES
from amreview.periods import Quarter
from amreview.scoring.calibration import MAX_BAND_CHANGE, NOT_AGREED, flags_text
from amreview.scoring.display import rating_cell
from amreview.scoring.rater_effects import LEVEL, team_gaps

# Column headings short enough for a table of seven measures on a page.
SHORT_MEASURE_LABELS = {
    "margin_kpi_targets": "Margin & targets",
    "report_timeliness": "Report timeliness",
    "information_accuracy": "Info accuracy",
    "development_plan": "Development plan",
    "customer_relationships": "Customer relations",
    "new_business": "New business",
    "crm_utilisation": "CRM use",
}
TOTAL_LABELS = {"revenue": "Revenue", "gross_margin": "Gross margin", "new_accounts": "New accounts"}
COUNT_MEASURES = ("new_accounts",)


# The accessible name of each table's box (render.scroll_box), by the table's fixed id.
TABLE_LABELS = {
    "team-scorecard": "Team scorecard",
    "team-kpis": "Headline figures per account manager",
    "team-expected": "Headline figures against books like theirs per account manager",
    "team-totals": "Team totals against team targets",
    "team-attention": "Who needs attention",
    "team-weights": "Weights of the measures",
    "team-calibration": "Agreed against computed ratings per account manager",
    "team-rating-distributions": "Ratings computed and agreed",
    "organisation-calibration": "Agreed against computed ratings per manager",
    "organisation-rating-distributions": "Ratings across the organisation, computed and agreed",
    "organisation-raters": "Competency ratings against the figures per manager",
    "organisation-gaps": "Self against manager competency ratings per team",
    "organisation-contradictions": "Ratings that contradict the data",
}


def table_label(styler) -> str:
    """The accessible name of a table (a Styler) of the overview: :data:`TABLE_LABELS` of its id."""
    return TABLE_LABELS.get(styler.uuid, str(styler.uuid).replace("-", " ").capitalize())


def table_block(styler) -> str:
    """A table (a Styler) as HTML in its :func:`~amreview.documents.render.scroll_box`."""
    return scroll_box(styler.to_html(), table_label(styler))


def measure_label(measure: str, short: bool = False) -> str:
    """A measure's display name (short for table headings)."""
    if short and measure in SHORT_MEASURE_LABELS:
        return SHORT_MEASURE_LABELS[measure]
    return ALL_MEASURES.get(measure, measure)


def table_styler(frame: pd.DataFrame, uuid: str):
    """A Styler of ``frame``: text escaped, no index, a fixed id; a column of names does not
    wrap (a name longer than :data:`NOWRAP_NAME_LENGTH` characters does)."""
    styler = (
        frame.style.format(escape="html", na_rep="")
        .format_index(escape="html", axis="columns")
        .hide(axis="index")
        .set_uuid(uuid)
        .set_table_attributes('class="amr-table"')
    )
    if "Account manager" in frame.columns:
        styler = styler.map(_name_cell_css, subset=["Account manager"])
    return styler


NOWRAP_NAME_LENGTH = 40  # a longer name wraps: kept on one line it would push the table off the page


def _name_cell_css(name) -> str:
    return "white-space: nowrap;" if len(str(name)) <= NOWRAP_NAME_LENGTH else "min-width: 14em;"


def team_header_html(manager: str, quarter: Quarter, table: pd.DataFrame) -> str:
    """The title block: the manager, the quarter and the team (escaped)."""
    e = html.escape
    teams = sorted({str(t) for t in table["team"].dropna()})
    team_text = f" · {e(', '.join(teams))}" if teams else ""
    n = len(table)
    return (
        "<div class='amr-header'>"
        f"<h1>Team overview: {e(str(manager))}</h1>"
        f"<p>Sales manager of {n} account manager{'s' if n != 1 else ''}{team_text}</p>"
        f"<p>Quarterly reviews {e(str(quarter))}: {e(quarter.label)}</p>"
        "<p class='amr-note'>For the sales manager: this overview names the team's members. "
        "Ratings are provisional until they are calibrated.</p>"
        "</div>"
    )


def figure_text(value, fmt) -> str:
    """``value`` in the format ``fmt``; ``no data`` when it is missing (a pack without sales
    lines has no revenue, margin or new accounts: never 0)."""
    return NO_DATA if is_missing(value) else fmt(value)


def attainment_text(attainment, actual, target) -> str:
    """An attainment as a percentage; ``no data`` where a target > 0 has no actual to compare,
    ``no target`` where there is none."""
    return NO_DATA if is_missing(actual) and not is_missing(target) and target > 0 else attainment_pct(attainment)


def gm_pct_text(gm_pct: float, revenue) -> str:
    """A GM %; ``no data`` when the revenue it divides by is missing, ``n/a`` when it is ≤ 0."""
    return NO_DATA if is_missing(revenue) else pct(gm_pct)


def team_summary_html(
    totals: pd.DataFrame, gm_pct: float, distribution: pd.Series, attention: pd.DataFrame, members: int
) -> str:
    """The overview in a few sentences, from the numbers."""
    sentences = []
    for measure in ("gross_margin", "revenue"):
        row, label = totals.loc[measure], TOTAL_LABELS[measure].lower()
        target = f"the team target of {compact_money(row['target'])}" if pd.notna(row["target"]) else ""
        if is_missing(row["actual"]):
            sentences.append(f"Team {label}: {NO_DATA}" + (f" against {target}" if target else ""))
            continue
        against = f", {attainment_pct(row['attainment'])} of {target}" if target else ", no team target"
        sentences.append(f"Team {label} {compact_money(row['actual'])}{against}")
    sentences.append(f"GM % {gm_pct_text(gm_pct, totals.at['revenue', 'actual'])}")
    if "new_accounts" in totals.index:
        row = totals.loc["new_accounts"]
        target = f" against a target of {count(row['target'])}" if pd.notna(row["target"]) else ""
        if is_missing(row["actual"]):
            sentences.append(f"New accounts won: {NO_DATA}{target}")
        else:
            sentences.append(f"{count(row['actual'])} new account{'s' if row['actual'] != 1 else ''} won{target}")
    held = [f"{int(n)} {label}" for label, n in distribution[::-1].items() if n]
    text = ". ".join(sentences) + "."
    text += f" Ratings: {', '.join(held)}." if held else ""
    if len(attention):
        text += f" {len(attention)} of {members} need{'s' if len(attention) == 1 else ''} attention (below)."
    else:
        text += " Nobody needs attention."
    return f"<p class='amr-narrative'>{html.escape(text)}</p>"


def team_scorecard_styler(table: pd.DataFrame, measures: list[str]):
    """Name, the score of each measure (coloured like the heatmap), overall score and rating."""
    shown = pd.DataFrame({"Account manager": table["name"].to_numpy()})
    labels = []
    for measure in measures:
        label = measure_label(measure, short=True)
        labels.append(label)
        shown[label] = table[measure].to_numpy(dtype="float64")
    shown["Overall"] = table["overall_score"].to_numpy(dtype="float64")
    shown["Rating"] = [rating_cell(r, why) for r, why in zip(table["overall_rating"], table["no_rating_reason"])]
    shown[FRAGILE_HEADING] = [fragile_cell(f, r) for f, r in zip(table["fragile"], table["overall_rating"])]
    styler = table_styler(shown, "team-scorecard")
    styler = styler.format(score_text, subset=labels + ["Overall"])
    styler = styler.map(_score_cell_css, subset=labels)
    styler = styler.map(lambda cell: FLAGGED_CSS if cell == "yes" else "", subset=[FRAGILE_HEADING])
    return styler.set_properties(subset=labels + ["Overall"], **{"text-align": "right"})


FRAGILE_HEADING = "Fragile rating"
FLAGGED_CSS = "font-weight: bold; color: #c0392b;"


def fragile_cell(fragile, rating) -> str:
    """``"yes"`` for a fragile rating (:mod:`amreview.scoring.robustness`), ``"no"`` for a robust
    one, ``""`` where there is no rating to judge."""
    if bool(fragile):
        return "yes"
    return "no" if not is_missing(rating) and rating else ""


def robustness_html(table: pd.DataFrame) -> str:
    """The team's fragile ratings in a sentence (``table``: :func:`amreview.documents.team.team_scorecard`),
    and those equal weights would change, so the meeting spends its time where the decision is close."""
    fragile = table[table["fragile"]]
    members = len(table)
    if len(fragile):
        who = ", ".join(f"{name} ({rating_cell(r)})" for name, r in zip(fragile["name"], fragile["overall_rating"]))
        text = (
            f"Fragile ratings: {len(fragile)} of {members} change band with one measure's weight moved 5 points "
            f"(the others rescaled): {who}."
        )
    else:
        text = f"No rating of the {members} changes band with one measure's weight moved 5 points."
    equal = table[table["equal_weights_changes"]]
    if len(equal):
        moved = ", ".join(
            f"{name} ({e} instead of {rating_cell(r)})"
            for name, e, r in zip(equal["name"], equal["equal_weights_rating"], equal["overall_rating"])
        )
        text += f" Equal weights for every measure would change {len(equal)}: {moved}."
    else:
        text += " Equal weights for every measure would change none."
    return f"<p class='amr-narrative'>{html.escape(text)}</p>"


def _score_cell_css(value) -> str:
    if pd.isna(value):
        return "color: #59636e;"
    background = score_colour(value)
    return f"background-color: {background}; color: {text_colour(background)};"


def team_kpis_styler(table: pd.DataFrame):
    """Each member's headline figures: revenue, gross margin, GM %, new accounts, with attainment."""
    shown = pd.DataFrame(
        {
            "Account manager": table["name"].to_numpy(),
            "Revenue": [figure_text(v, money) for v in table["revenue"]],
            "Revenue attainment": _attainments(table, "revenue"),
            "Gross margin": [figure_text(v, money) for v in table["gross_margin"]],
            "GM attainment": _attainments(table, "gross_margin"),
            "GM %": [gm_pct_text(g, r) for g, r in zip(table["gm_pct"], table["revenue"])],
            "New accounts": [_count_of(a, t) for a, t in zip(table["new_accounts"], table["new_accounts_target"])],
        }
    )
    numeric = [c for c in shown.columns if c != "Account manager"]
    return table_styler(shown, "team-kpis").set_properties(subset=numeric, **{"text-align": "right"})


def _attainments(table: pd.DataFrame, measure: str) -> list[str]:
    columns = (f"{measure}_attainment", measure, f"{measure}_target")
    return [attainment_text(*row) for row in zip(*(table[c] for c in columns))]


def _count_of(actual, target) -> str:
    shown = figure_text(actual, count)
    return shown if pd.isna(target) or target <= 0 else f"{shown} of {count(target)}"


def team_totals_styler(totals: pd.DataFrame, gm_pct: float):
    """The team's totals against its targets, and its GM %."""
    rows = []
    for measure, row in totals.iterrows():
        fmt = count if measure in COUNT_MEASURES else money
        rows.append(
            {
                "Measure": TOTAL_LABELS.get(measure, measure),
                "Team actual": figure_text(row["actual"], fmt),
                "Team target": fmt(row["target"]) if pd.notna(row["target"]) else "no target",
                "Attainment": attainment_text(row["attainment"], row["actual_with_target"], row["target"]),
                "Members with a target": f"{int(row['with_target'])} of {int(row['members'])}",
            }
        )
    rows.append(
        {
            "Measure": "GM %",
            "Team actual": gm_pct_text(gm_pct, totals.at["revenue", "actual"]),
            "Team target": "",
            "Attainment": "",
            "Members with a target": "",
        }
    )
    shown = pd.DataFrame(rows)
    return table_styler(shown, "team-totals").set_properties(subset=list(shown.columns[1:]), **{"text-align": "right"})


def totals_chart_frame(totals: pd.DataFrame) -> pd.DataFrame:
    """What :func:`amreview.documents.team_plots.plot_team_totals` draws: per measure (display name), the
    attainment and a label "actual of target" in the measure's format (the actual of the
    members with a target, the figure the attainment compares)."""
    labels = []
    for measure, row in totals.iterrows():
        fmt = count if measure in COUNT_MEASURES else compact_money
        labels.append(
            f"{figure_text(row['actual_with_target'], fmt)} of {fmt(row['target'])}"
            if pd.notna(row["target"])
            else figure_text(row["actual"], fmt)
        )
    return pd.DataFrame(
        {"attainment": totals["attainment"].to_numpy(dtype="float64"), "label": labels},
        index=[TOTAL_LABELS.get(m, m) for m in totals.index],
    )


def attention_styler(attention: pd.DataFrame):
    """Who needs attention and why."""
    shown = pd.DataFrame(
        {
            "Account manager": attention["name"].to_numpy(),
            "Overall": attention["overall_score"].map(score_text).to_numpy(),
            "Rating": attention["overall_rating"].fillna(NO_RATING).to_numpy(),
            "Why": attention["reasons"].to_numpy(),
        }
    )
    return table_styler(shown, "team-attention").format(_lines, subset=["Why"])


def _lines(reasons: str) -> str:
    """``"; "``-separated reasons, one a line (escaped here: a callable formatter's output is not)."""
    return "<br>".join(html.escape(reason) for reason in str(reasons).split("; "))


def attention_html(attention: pd.DataFrame, below_rating: str, low_score: float) -> str:
    """The rule, then the table; or one line saying nobody needs attention."""
    rule = (
        f"Listed: an overall rating below {below_rating}, any measure scored {low_score:g} or less, no "
        "rating for a reason the data gives, or a fragile rating (one measure's weight moved 5 points would "
        "change it). A measure without data is not a reason (the scorecard shows it as no data)."
    )
    if attention.empty:
        return f"<p>Nobody in the team needs attention this quarter. {html.escape(rule)}</p>"
    return f"<p>{html.escape(rule)}</p>" + table_block(attention_styler(attention))


def config_html(card, pack_fingerprint: str = "", run_date: pd.Timestamp | None = None) -> str:
    """How the scores were made (the measures' weights, the rating boundaries) and the provenance:
    the scorecard config, the data pack's fingerprint, the library version and the run date."""
    weights = pd.DataFrame(
        {
            "Measure": [measure_label(m) for m in card.config.measures],
            "Weight": [weight_pct(m.weight) for m in card.config.measures.values()],
        }
    )
    ratings = sorted(card.config.ratings, key=lambda r: -r.min_score)
    bands = ", ".join(f"{r.label} from {r.min_score:g}" for r in ratings)
    provenance = [
        f"scorecard config: {_config_name(card.config.source)}",
        f"data pack fingerprint: {pack_fingerprint[:16] or 'none (built-in sample)'}",
        f"amreview {library_version()}",
    ]
    if run_date is not None:
        provenance.append(f"run on {run_date:%d %b %Y}")
    return (
        "<p>Each measure scores 1–5 from its KPIs; the overall score is the weighted mean of the "
        "measures with data (a measure without data is left out and its weight spread over the others). "
        f"Ratings: {html.escape(bands)}.</p>"
        + table_block(
            table_styler(weights, "team-weights").set_properties(subset=["Weight"], **{"text-align": "right"})
        )
        + f"<p class='amr-note'>{html.escape('; '.join(provenance))}.</p>"
    )


def library_version() -> str:
    """The installed amreview's version."""
    try:
        return metadata.version("amreview")
    except metadata.PackageNotFoundError:
        return "(not installed)"


def _config_name(source: str) -> str:
    """The config file's name; the packaged default is called so (no local paths in documents)."""
    from amreview.scoring.config import DEFAULT_CONFIG

    if not source or source == str(DEFAULT_CONFIG):
        return "the packaged default"
    return source.replace("\\", "/").rsplit("/", 1)[-1]


STATUS_TEXT = {"draft": "draft", "in_review": "in review", "signed": "signed"}


def calibration_table_styler(table: pd.DataFrame):
    """Each member's status, overall score, computed and agreed rating, the change in bands, the
    reason given and the flags (:func:`amreview.documents.team.team_calibration`); flagged rows
    stand out."""
    shown = pd.DataFrame(
        {
            "Account manager": table["name"].to_numpy(),
            "Review": table["review_status"].map(STATUS_TEXT).to_numpy(),
            "Overall": table["overall_score"].map(score_text).to_numpy(),
            "Computed rating": table["computed_rating"].fillna(NO_RATING).to_numpy(),
            "Agreed rating": table["agreed_rating"].fillna(NOT_AGREED).to_numpy(),
            "Change (bands)": table["band_change"].map(bands_text).to_numpy(),
            "Reason": table["change_reason"].fillna("").to_numpy(),
            "Flags": table["flags"].map(flags_text).to_numpy(),
        }
    )
    flagged = [bool(f) for f in table["flags"]]
    styler = table_styler(shown, "team-calibration")
    styler = styler.apply(
        lambda column: ["font-weight: bold; color: #c0392b;" if f else "" for f in flagged],
        subset=["Agreed rating", "Change (bands)", "Flags"],
    )
    return styler.set_properties(subset=["Overall", "Change (bands)"], **{"text-align": "right"})


def rating_distributions_styler(distribution: pd.DataFrame, labels: list[str], uuid: str = "team-rating-distributions"):
    """How many hold each rating, computed and agreed
    (:func:`amreview.scoring.calibration.rating_distributions`): the config's ``labels`` (given
    the lowest first) from the highest down, then the rest (no rating, not agreed yet)."""
    order = [label for label in reversed(labels) if label in distribution.index]
    ordered = distribution.loc[order + [i for i in distribution.index if i not in order]]
    shown = pd.DataFrame(
        {
            "Rating": ordered.index.astype(str),
            "Computed": ordered["computed"].to_numpy(),
            "Agreed": ordered["agreed"].to_numpy(),
        }
    )
    return table_styler(shown, uuid).set_properties(subset=["Computed", "Agreed"], **{"text-align": "right"})


def calibration_html(table: pd.DataFrame, distribution: pd.DataFrame, labels: list[str]) -> str:
    """The team's agreed ratings beside the computed ones: a sentence, the flag rule, the table
    per member and the distribution of each (``labels``: the config's ratings, the lowest first)."""
    statuses = table["review_status"].map(STATUS_TEXT).value_counts()
    where = ", ".join(f"{int(statuses[s])} {s}" for s in STATUS_TEXT.values() if s in statuses.index)
    agreed = int(table["agreed_rating"].notna().sum())
    flagged = int(table["flags"].map(bool).sum())
    text = f"Ratings agreed for {agreed} of {len(table)} (reviews: {where}). " + (
        f"{flagged} change{'s' if flagged != 1 else ''} flagged." if flagged else "No change flagged."
    )
    rule = (
        f"Flagged: a change of more than {MAX_BAND_CHANGE} rating band from the computed rating, a change "
        "without a reason, or an agreed rating that is not a rating of the scorecard config."
    )
    return (
        f"<p class='amr-narrative'>{html.escape(text)}</p><p class='amr-note'>{html.escape(rule)}</p>"
        + table_block(calibration_table_styler(table))
        + table_block(rating_distributions_styler(distribution, labels))
    )


def interval_text(low, high, decimals: int = 2) -> str:
    """An interval of a signed figure: ``+0.16 to +1.17``; ``—`` when missing (too few to say)."""
    if is_missing(low) or is_missing(high):
        return bands_text(None)
    return f"{bands_text(low, decimals)} to {bands_text(high, decimals)}"


GAP_MEANING = (
    "The self − manager gap is how much higher a person rates their own competencies than their manager "
    "does (1 to 5 scale, averaged over the competencies both rated); a team's gap is the mean over its "
    f"people, with a {pct(LEVEL, 0)} t interval over them."
)


def team_gap_html(values: pd.DataFrame) -> str:
    """The self − manager gap of one team (``values``: its members' rows of the scorecard's
    values; their ``competency_self_manager_gap_mean``) with its interval
    (:func:`amreview.scoring.rater_effects.team_gaps`), in a sentence; "" when nobody has one."""
    if "competency_self_manager_gap_mean" not in values.columns:
        return ""
    gaps = values["competency_self_manager_gap_mean"].astype("float64")
    table = team_gaps(gaps, pd.Series("team", index=gaps.index))
    if table.empty or int(table["gap_count"].iloc[0]) == 0:
        return ""
    return f"<p class='amr-narrative'>{html.escape(gap_sentence(table.iloc[0]))}</p>" + (
        f"<p class='amr-note'>{html.escape(GAP_MEANING)}</p>"
    )


def team_gap_parts(values: pd.DataFrame) -> list[str]:
    """:func:`team_gap_html` as the parts of a section: none when it is empty."""
    shown = team_gap_html(values)
    return [shown] if shown else []


def gap_sentence(row: pd.Series) -> str:
    """A team's gap (a row of :func:`amreview.scoring.rater_effects.team_gaps`) in words."""
    people = int(row["gap_count"])
    span = interval_text(row["gap_low"], row["gap_high"])
    return (
        f"Self against manager: over the {people} {'person' if people == 1 else 'people'} rated by both, "
        f"self-ratings sit {bands_text(row['gap'], 2)} points from the manager's on average"
        + (f" ({pct(LEVEL, 0)} interval {span})." if not is_missing(row["gap_low"]) else " (too few for an interval).")
    )
