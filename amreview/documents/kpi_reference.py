"""The run's KPI reference (``kpi-reference.html`` and its PDF): every KPI in plain words, for
the people in the review meeting.

One document per run, beside the reviews and the index, which link to it: the measures in the
order a review shows them, each with its weight in the overall rating; under each measure its
KPIs, each with its label, what it counts (:attr:`~amreview.metrics.registry.Kpi.meaning`), when
it has no value (``if_empty``), its unit, its periods and how the run's scorecard config scores it
— the weight within the measure and the five score bands in words, so a custom config shows its
own. Each KPI has the anchor ``kpi-<name>`` (:func:`kpi_anchor`): a review's appendix links there.

Design decisions
----------------
* **People's words, not the developers'.** The formulas and edge cases of the registry
  (``Kpi.formula``, ``Kpi.edge_cases``) stay where developers read them (``docs/kpis.md``,
  ``amreview kpis``); this document uses only the registry's plain texts and the config's numbers.
* **The review's look.** The page is styled by the reviews' own stylesheet, which the caller
  passes (``stylesheet``: the batch layer's ``document.css``), so it reads, prints and becomes a
  PDF (:func:`amreview.documents.pdf.html_to_pdf`) the way a review does.
* **Bands as the scorecard applies them** (:func:`amreview.scoring.bands.band_score`): a value on
  a boundary takes the band above; where lower is better the scores run the other way.
"""

from __future__ import annotations

from amreview.documents.model import SECTIONS
from amreview.documents.pdf import PDF_AUTHOR, running_header_css
from amreview.formats import MINUS, NEUTRAL_FORMAT, NumberFormat, escape
from amreview.metrics.catalogue import all_kpis
from amreview.metrics.registry import ALL_MEASURES, Kpi
from amreview.scoring.config import DEFAULT_CONFIG, KpiScoring, ScorecardConfig

TITLE = "KPI reference"
# The measures each section of a review shows, so that the reference follows the review's order.
SECTION_MEASURES = {
    "margin": ("margin_kpi_targets",),
    "reporting": ("report_timeliness", "information_accuracy"),
    "relationships": ("customer_relationships",),
    "new_business": ("new_business",),
    "crm": ("crm_utilisation",),
    "competencies": ("competencies",),
    "development": ("development_plan",),
}
UNIT_WORDS = {
    "money": "an amount of money",
    "fraction": "a percentage",
    "count": "a count",
    "days": "days",
    "number": "a number",
    "rating": "a rating from 1 to 5",
}
# The reference's own blocks, on top of the reviews' stylesheet: each KPI's facts as a two-column
# list (a term beside its text), so that a KPI takes a few lines, not half a page.
REFERENCE_CSS = """
dl.amr-facts { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .9rem; margin: .2rem 0 .5rem; }
dl.amr-facts dt { font-weight: 600; color: var(--amr-muted); }
dl.amr-facts dd { margin: 0; }
table.amr-bands caption { font-weight: 400; color: var(--amr-muted); }
p.amr-measure-weight { break-after: avoid; page-break-after: avoid; }
@media print { h3 { margin-top: 9pt; } }
"""
WINDOW_WORDS = {"quarter": "the review quarter", "ytd": "the fiscal year to date", "t4q": "the last four quarters"}


def kpi_anchor(name: str) -> str:
    """The id of a KPI's entry in the reference: ``kpi-<name>`` (a review links to it)."""
    return f"kpi-{name}"


def measures_in_review_order() -> list[str]:
    """The measures in the order a review's sections show them (:data:`SECTION_MEASURES` over
    :data:`~amreview.documents.model.SECTIONS`), then any the sections do not show."""
    order = [m for key, _, _ in SECTIONS for m in SECTION_MEASURES.get(key, ())]
    return order + [m for m in ALL_MEASURES if m not in order]


def boundary_text(value: float, unit: str, numbers: NumberFormat = NEUTRAL_FORMAT) -> str:
    """A band boundary in the KPI's unit, exact to the config's digits: ``0.065`` of a fraction →
    ``6.5 %``, ``-0.1`` → ``−10 %``, ``1500`` → ``1,500``. Money and counts are written in the
    config's number format (``numbers``: money with its currency and separators, counts with its
    thousands separator); percentages, days, numbers and ratings keep the decimal point, as every
    document writes them (:mod:`amreview.formats`)."""
    if unit == "fraction":
        text = f"{abs(value) * 100:g} %"
    elif unit == "money":
        text = numbers.amount(f"{abs(value):,g}")
    elif unit == "count":
        text = f"{abs(value):,g}".replace(",", numbers.thousands)
    else:
        text = f"{abs(value):g}"
    return f"{MINUS}{text}" if value < 0 else text


def band_ranges(
    bands: tuple[float, ...], higher_is_better: bool, unit: str, numbers: NumberFormat = NEUTRAL_FORMAT
) -> list[tuple[int, str]]:
    """Each score 1–5 and the values that earn it, from four ascending boundaries b₁…b₄:
    below b₁, then from bᵢ to under bᵢ₊₁, then b₄ or more; score = 1 + the interval's number
    where higher is better, 5 − it where lower is better (a value on a boundary takes the band above)."""
    shown = [boundary_text(b, unit, numbers) for b in bands]
    ranges = [f"under {shown[0]}"] + [f"{a} to under {b}" for a, b in zip(shown, shown[1:])] + [f"{shown[-1]} or more"]
    scored = [(1 + i if higher_is_better else 5 - i, text) for i, text in enumerate(ranges)]
    return sorted(scored)


def weight_text(weight: float) -> str:
    """A weight as a percentage, exact to the config's digits: ``0.45`` → ``45 %``, ``0.125`` → ``12.5 %``."""
    return f"{weight * 100:g} %"


def scoring_of(config: ScorecardConfig) -> dict[str, tuple[str, KpiScoring]]:
    """Each scored KPI → (the measure it scores, its weight and bands) in ``config``."""
    return {name: (measure, s) for measure, m in config.measures.items() for name, s in m.kpis.items()}


def scoring_sentence(kpi: Kpi, scored: tuple[str, KpiScoring] | None) -> str:
    """How ``kpi`` is scored, in words: its measure and weight, and its direction; or why not."""
    if kpi.higher_is_better is None:
        return "Shown for context, not scored."
    better = "Higher is better" if kpi.higher_is_better else "Lower is better"
    if scored is None:
        return f"{better}, but this scorecard does not score it."
    measure, scoring = scored
    return f"Scores {weight_text(scoring.weight)} of {ALL_MEASURES[measure]}. {better}."


def bands_table(kpi: Kpi, scoring: KpiScoring, numbers: NumberFormat = NEUTRAL_FORMAT) -> str:
    """The five score bands of a scored KPI: one row of scores, one of the values that earn them."""
    ranges = band_ranges(scoring.bands, bool(kpi.higher_is_better), kpi.unit, numbers)
    scores = "".join(f'<th scope="col">{score}</th>' for score, _ in ranges)
    values = "".join(f"<td>{escape(text)}</td>" for _, text in ranges)
    return (
        f'<table class="amr-bands"><caption>Score bands: {escape(kpi.label)}</caption>'
        f'<thead><tr><th scope="col">Score</th>{scores}</tr></thead>'
        f'<tbody><tr><th scope="row">Value</th>{values}</tr></tbody></table>'
    )


def kpi_entry(kpi: Kpi, scored: tuple[str, KpiScoring] | None, numbers: NumberFormat = NEUTRAL_FORMAT) -> str:
    """One KPI's entry: its label (the anchor), meaning, when it is empty, unit, periods, scoring."""
    periods = ", ".join(WINDOW_WORDS[w] for w in kpi.windows)
    facts = [
        ("When there is no value", kpi.if_empty),
        ("Unit", UNIT_WORDS[kpi.unit]),
        ("Periods", periods[0].upper() + periods[1:]),
        ("Scoring", scoring_sentence(kpi, scored)),
    ]
    items = "".join(f"<dt>{escape(term)}</dt><dd>{escape(text)}</dd>" for term, text in facts)
    bands = bands_table(kpi, scored[1], numbers) if scored is not None and kpi.higher_is_better is not None else ""
    return (
        f'<section class="amr-keep" aria-labelledby="{kpi_anchor(kpi.name)}">'
        f'<h3 id="{kpi_anchor(kpi.name)}">{escape(kpi.label)}</h3>'
        f'<p>{escape(kpi.meaning)}</p><dl class="amr-facts">{items}</dl>{bands}</section>'
    )


def overview_html(config: ScorecardConfig, kpis: dict[str, Kpi]) -> str:
    """How the overall rating is made: each measure's weight and the KPIs that score it, the
    rating labels, and the rules for figures without a value."""
    scored = scoring_of(config)
    rows = []
    for measure in measures_in_review_order():
        weight = weight_text(config.measures[measure].weight) if measure in config.measures else "not in the rating"
        members = [name for name, (scores, _) in scored.items() if scores == measure]
        links = ", ".join(f'<a href="#{kpi_anchor(name)}">{escape(kpis[name].label)}</a>' for name in members)
        rows.append(
            f'<tr><th scope="row"><a href="#measure-{measure}">{escape(ALL_MEASURES[measure])}</a></th>'
            f"<td>{weight}</td><td>{links or 'none'}</td></tr>"
        )
    ratings = ", ".join(f"{r.label} from {r.min_score:g}" for r in config.ratings)
    rules = [
        "Each scored figure earns a score from 1 to 5 by the bands shown under it; a value exactly on a "
        "boundary earns the higher score.",
        "A measure's score is the weighted average of the scores of its figures. A figure without a value "
        "is left out, and its weight is shared among the others of the measure; it is never counted as 0.",
        "The overall score is the weighted average of the measures' scores the same way: a measure "
        "without any data is left out and its weight shared among the others.",
        f"Ratings: {ratings}. No rating is given when the measures with data carry less than "
        f"{weight_text(config.min_rated_weight)} of the weight (the overall score is still shown).",
        "The review date is the last day of the review quarter: figures that describe a state (open "
        "orders, open cases, open opportunities) are taken on that day.",
    ]
    return (
        '<section aria-labelledby="overall"><h2 id="overall">How the overall rating is made</h2>'
        + "".join(f"<p>{escape(rule)}</p>" for rule in rules)
        + '<div class="amr-scroll" tabindex="0" role="region" aria-label="Measures and weights">'
        '<table class="amr-measures"><caption>Measures, their weight in the overall rating, and the figures '
        'that score them</caption><thead><tr><th scope="col">Measure</th><th scope="col">Weight</th>'
        '<th scope="col">Scored by</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table></div></section>"
    )


def measure_html(measure: str, config: ScorecardConfig, members: list[Kpi], scored: dict) -> str:
    """One measure's heading (with its weight in the overall rating) and its KPIs' entries."""
    weight = config.measures[measure].weight if measure in config.measures else None
    note = f"{weight_text(weight)} of the overall rating." if weight is not None else "Not part of the overall rating."
    entries = "".join(kpi_entry(kpi, scored.get(kpi.name), config.number_format) for kpi in members)
    return (
        f'<section aria-labelledby="measure-{measure}"><h2 id="measure-{measure}">{escape(ALL_MEASURES[measure])}</h2>'
        f'<p class="amr-note amr-measure-weight">{escape(note)}</p>{entries}</section>'
    )


def config_name(config: ScorecardConfig) -> str:
    """The config as a reader knows it: the packaged default, or its file's name."""
    if config.source in ("", str(DEFAULT_CONFIG)):
        return "the packaged default scorecard"
    return f"the scorecard {config.source.replace(chr(92), '/').split('/')[-1]}"


def kpi_reference_html(
    config: ScorecardConfig, period: str, stylesheet: str = "", kpis: dict[str, Kpi] | None = None
) -> str:
    """The KPI reference of a run of ``period`` (its label, e.g. ``2026Q3``) scored by ``config``:
    a whole HTML document styled by ``stylesheet`` (module docstring)."""
    kpis = all_kpis() if kpis is None else kpis
    scored = scoring_of(config)
    order = measures_in_review_order()
    by_measure = {m: [k for k in kpis.values() if k.measure == m] for m in order}
    title = f"{TITLE} {period}"
    contents = "".join(f'<li><a href="#measure-{m}">{escape(ALL_MEASURES[m])}</a></li>' for m in order if by_measure[m])
    body = (
        f'<header class="amr-header"><h1>{escape(title)}</h1>'
        f"<p>What each figure of the {period} reviews means, over which period, what an empty value means, "
        f"and how {escape(config_name(config))} scores it.</p></header>"
        '<nav class="amr-toc" aria-label="Contents"><p class="amr-toc-title">Contents</p><ol>'
        f'<li><a href="#overall">How the overall rating is made</a></li>{contents}</ol></nav>'
        + overview_html(config, kpis)
        + "".join(measure_html(m, config, by_measure[m], scored) for m in order if by_measure[m])
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        f'<title>{escape(title)}</title>\n<meta name="author" content="{PDF_AUTHOR}">\n'
        f"<style>\n{stylesheet}\n{REFERENCE_CSS}\n{running_header_css(title)}\n</style>\n</head>\n"
        f'<body class="amr-document">\n<main class="amr-page">\n{body}\n</main>\n</body>\n</html>\n'
    )
