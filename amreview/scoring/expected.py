"""Like-for-like benchmarks: what books like each person's achieve on the headline KPIs.

For each KPI of :data:`EXPECTATION_FEATURES`, one robust regression over everyone with the KPI
and a portfolio (:mod:`amreview.metrics.portfolio`): the KPI against the person's team and one
feature of the book they were given. Its prediction for a person, made without their own row, is
what books like theirs achieve; the person's figure minus it is how far above or below them they
are. The design, and why:

* **The model** is a Huber robust regression (statsmodels' ``RLM`` with ``HuberT``, its scale by
  Huber's proposal 2, computed step for step as ``RLM`` does by :mod:`amreview.scoring.huber`,
  which stays fast with hundreds of teams): a least-squares fit that gives less weight to people far from the rest, so
  one star or one disaster does not set everyone's benchmark. ``y = b0 + Σ team effects + b1 ·
  feature``; each number's interval is ``b ± t(0.975; n − p) · se(b)`` (statsmodels' robust
  standard errors; n people, p numbers in the model).
* **Few features**: with 15 people a model can hold 2–4 numbers and still be checked, so each KPI
  gets its team (territory, manager, coaching: all of it) and the one feature of the book that,
  in sales terms, drives it and is not the person's own doing this quarter
  (:data:`EXPECTATION_FEATURES`: the size of the book for gross margin, the high-margin deal share
  for GM %, …). Teams with fewer than :data:`~amreview.scoring.bands.MIN_PERCENTILE_GROUP` people
  with the KPI get no effect of their own: they are compared with the first team.
* **Nobody sets their own benchmark** (leave-one-out): each person's expectation is the fit
  without their row. For the fit's final Huber weights ``w`` (held fixed: a weighted least-squares
  fit, a documented approximation of refitting the robust model n times), with ``A = XᵀWX``,
  ``qᵢ = xᵢᵀA⁻¹xᵢ``, ``hᵢ = wᵢqᵢ`` and residual ``eᵢ = yᵢ − xᵢᵀβ``, the fit without row i predicts
  ``ŷ₍ᵢ₎ = yᵢ − eᵢ / (1 − hᵢ)`` exactly, with one fit per KPI (no loop over people).
* **The interval** is a 95 % prediction interval for a new book like the person's:
  ``ŷ₍ᵢ₎ ± t(0.975; n − p − 1) · s₍ᵢ₎ · √(1 + qᵢ / (1 − hᵢ))``, where
  ``s₍ᵢ₎² = (Σ ψⱼ² − ψᵢ² / (1 − hᵢ)) / (n − p − 1) / m²`` is Huber's (sandwich) estimate of the
  spread of people around the model, without person i's own residual: ``ψ = w · e`` (a residual
  cut to the Huber corner) and ``m`` the share of residuals within it. Without down-weighting
  (``ψ = e``, ``m = 1``) it is the exact least-squares leave-one-out interval, which a person
  leaves with a chance of 5 % when the model holds; simulated with 15 people, 3 % of people fall
  outside it when the spread is normal and 5 % when it has heavy tails.
* Expectations and intervals are kept inside the KPI's possible range (:data:`KPI_RANGES`).
* **No expectation** for anyone where fewer than ``max(MIN_PERCENTILE_GROUP, p + MIN_RESIDUAL_DF)``
  people have the KPI and a portfolio, where the figure does not vary, or for a person without a
  book (a new starter) — never a benchmark made of one or two named colleagues.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from amreview.metrics.portfolio import portfolio
from amreview.metrics.registry import KpiContext
from amreview.scoring.bands import MIN_PERCENTILE_GROUP
from amreview.scoring.huber import GroupedDesign, WeightedFit, huber_fit

# The headline KPIs given an expectation → the one portfolio feature beside the team.
EXPECTATION_FEATURES: dict[str, tuple[str, ...]] = {
    "gross_margin": ("book_margin",),
    "gross_margin_attainment": ("book_margin_to_target",),
    "gm_pct": ("bespoke_share",),
    "new_accounts": ("accounts_held",),
    "retention_rate": ("key_account_share",),
    "win_rate_value": ("vendor_programme_share",),
}
# Each feature in plain words (docs/kpis.md), and why it was chosen for its KPI.
FEATURE_WORDS = {
    "book_margin": "the gross margin their accounts bought in the four quarters before",
    "book_margin_to_target": "a quarter of that margin against this quarter's gross margin target",
    "bespoke_share": "the share of their accounts' revenue from bespoke, tailored deals",
    "accounts_held": "how many accounts they held",
    "key_account_share": "the share of their accounts' revenue from key accounts",
    "vendor_programme_share": "the share of their accounts' revenue in the vendor programme",
}
FEATURE_REASONS = {
    "book_margin": "a bigger book buys more: what the accounts bought last year is the plainest guide to what "
    "they can buy this quarter",
    "book_margin_to_target": "a target set high against the book is harder to meet than one set low",
    "bespoke_share": "tailored solutions earn the highest margins, so a book that buys them carries more margin "
    "whoever sells to it",
    "accounts_held": "a long list of accounts to look after leaves less time to find new ones",
    "key_account_share": "key accounts are looked after under agreements and are lost less often",
    "vendor_programme_share": "deals in the vendor programme come with the vendor's pricing and support",
}
# The range a KPI's figures can take: an expectation and its interval are kept inside it.
KPI_RANGES: dict[str, tuple[float, float]] = {
    "new_accounts": (0.0, np.inf),
    "retention_rate": (0.0, 1.0),
    "win_rate_value": (0.0, 1.0),
}
EXPECTED_SUFFIXES = ("_expected", "_expected_low", "_expected_high", "_vs_expected")
LEVEL = 0.95
FIT_TOLERANCE = 1e-6  # the robust fit stops when no number of the model moves by more than this
HUBER_T = 1.345  # Huber's corner, in scales: residuals beyond it are down-weighted (statsmodels' default)
MIN_RESIDUAL_DF = 3  # people beyond the model's numbers, so its scale means something
TEAM = "team"
ABOVE, BELOW, IN_LINE = "above", "below", "in line"


@dataclass(frozen=True)
class ModelDesign:
    """The model's columns for the people it is fitted on (``index``): ``columns`` names them in
    the order of the fit's numbers (``const``, one ``team[<name>]`` per team with its own effect,
    the features); ``grouped`` holds them as :class:`~amreview.scoring.huber.GroupedDesign`."""

    index: pd.Index
    columns: tuple[str, ...]
    grouped: GroupedDesign

    def frame(self) -> pd.DataFrame:
        """The columns as one people × column frame of numbers (0/1 for a team)."""
        return pd.DataFrame(self.grouped.to_dense(), index=self.index, columns=list(self.columns))


@dataclass(frozen=True)
class ExpectationFit:
    """One KPI's fit (module docstring): its ``design``, ``y`` the KPI, ``weights`` the final
    Huber weights, ``params`` and ``conf_int`` (``low``/``high`` at :data:`LEVEL`), and per person
    ``expected``, ``low``, ``high`` (leave-one-out)."""

    kpi: str
    design: ModelDesign
    y: pd.Series
    weights: pd.Series
    params: pd.Series
    conf_int: pd.DataFrame
    expected: pd.Series
    low: pd.Series
    high: pd.Series


def model_design(kpi_values: pd.Series, book: pd.DataFrame, features: tuple[str, ...]) -> ModelDesign:
    """The model's columns for everyone with the KPI, a book (``accounts_held`` > 0) and every
    feature: ``const``, a 0/1 column ``team[<team>]`` per team of at least MIN_PERCENTILE_GROUP
    such people but the first by name (the reference, with which smaller teams are compared), then
    ``features``. A feature that does not vary among them (none has it: a pack without the
    accounts table) is left out."""
    present = kpi_values.notna().to_numpy() & (book["accounts_held"] > 0).to_numpy()
    values = {f: book[f].to_numpy(dtype="float64") for f in features}
    features = tuple(f for f in features if _distinct(values[f][present]) > 1)
    for f in features:
        present &= ~np.isnan(values[f])
    team = ["" if pd.isna(t) else t for t in book[TEAM].to_numpy(dtype=object)[present]]
    sizes = Counter(team)
    own = sorted(str(t) for t, size in sizes.items() if size >= MIN_PERCENTILE_GROUP and t != "")
    own = own[1:]  # the first team is the reference, and smaller teams are compared with it
    position = {name: i for i, name in enumerate(own)}
    codes = np.array([position.get(t, -1) for t in team], dtype="int64")  # -1: no effect of its own
    dense = np.column_stack([np.ones(len(team)), *(values[f][present] for f in features)])
    columns = ("const", *(f"team[{name}]" for name in own), *features)
    return ModelDesign(book.index[present], columns, GroupedDesign(codes, len(own), dense))


def _distinct(values: np.ndarray) -> int:
    """How many different values ``values`` holds, NaN left out (pandas' ``nunique``)."""
    return len(np.unique(values[~np.isnan(values)]))


def fit_expectation(kpi: str, kpi_values: pd.Series, book: pd.DataFrame) -> ExpectationFit | None:
    """The fit of ``kpi`` (module docstring); None where there is no expectation for anyone."""
    design = model_design(kpi_values, book, EXPECTATION_FEATURES[kpi])
    n, p = design.grouped.shape
    y = kpi_values.reindex(design.index).astype("float64")
    if n < max(MIN_PERCENTILE_GROUP, p + MIN_RESIDUAL_DF) or np.ptp(y.to_numpy()) == 0:
        return None
    fit = huber_fit(design.grouped, y.to_numpy(), HUBER_T, FIT_TOLERANCE)
    if fit is None:
        return None
    params = pd.Series(fit.params, index=list(design.columns))
    half = pd.Series(stats.t.ppf(0.5 + LEVEL / 2, n - p) * fit.bse, index=params.index)
    expected, low, high = leave_one_out(y.to_numpy(), fit.weights, fit.weighted, fit.scale, p)
    return ExpectationFit(
        kpi=kpi,
        design=design,
        y=y,
        weights=pd.Series(fit.weights, index=design.index),
        params=params,
        conf_int=pd.DataFrame({"low": params - half, "high": params + half}),
        expected=pd.Series(expected, index=design.index),
        low=pd.Series(low, index=design.index),
        high=pd.Series(high, index=design.index),
    )


def leave_one_out(
    y: np.ndarray, w: np.ndarray, fit: WeightedFit, scale: float, p: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's expectation and :data:`LEVEL` prediction interval from the fit of the other rows,
    by the formulas of the module docstring, from the weighted fit with the final Huber weights
    ``w`` (its residuals ``e`` and leverages ``q``; ``scale`` the Huber scale, ``p`` the model's
    numbers): ``ŷ₍ᵢ₎ = yᵢ − eᵢ/(1 − hᵢ)``, ``± t(n − p − 1) · s₍ᵢ₎ · √(1 + qᵢ/(1 − hᵢ))``. NaN
    for a row whose own value decides the fit (``hᵢ = 1``)."""
    n = len(y)
    e, q = fit.resid, fit.leverage
    free = 1 - w * q
    free = np.where(free < 1e-9, np.nan, free)
    expected = y - e / free
    psi = w * e  # Huber's ψ of each residual, in the KPI's unit
    inside = np.mean(np.abs(e) <= HUBER_T * scale)  # the mean slope of ψ: the share not down-weighted
    df = n - p - 1
    s2 = (np.sum(psi**2) - psi**2 / free) / df / max(inside, 1.0 / n) ** 2
    half = stats.t.ppf(0.5 + LEVEL / 2, df) * np.sqrt(np.clip(s2, 0, None) * (1 + q / free))
    return expected, expected - half, expected + half


def expected_columns(kpi: str, values: pd.Series, fit: ExpectationFit | None) -> pd.DataFrame:
    """``<kpi>_expected``, ``_expected_low``, ``_expected_high`` and ``_vs_expected`` (value −
    expected, in the KPI's unit) per person of ``values``; empty where there is no expectation.
    The three are kept in the KPI's range (:data:`KPI_RANGES`: no fewer than 0 new accounts, no
    retention above 100 %), which changes no interval's chance of holding the figure."""
    index = values.index
    if fit is None:
        expected = low = high = np.full(len(index), np.nan)
    else:
        lowest, highest = KPI_RANGES.get(kpi, (-np.inf, np.inf))
        expected, low, high = (
            np.clip(s.reindex(index).to_numpy(dtype="float64"), lowest, highest)
            for s in (fit.expected, fit.low, fit.high)
        )
    columns = (expected, low, high, values.to_numpy(dtype="float64") - expected)
    return pd.DataFrame({f"{kpi}{suffix}": c for suffix, c in zip(EXPECTED_SUFFIXES, columns)}, index=index)


def expected_frame(ctx: KpiContext, values: pd.DataFrame) -> pd.DataFrame:
    """The scorecard's ``expected`` frame: :func:`expected_columns` of every KPI of
    :data:`EXPECTATION_FEATURES` that ``values`` holds, one fit each."""
    kpis = [k for k in EXPECTATION_FEATURES if k in values.columns]
    if not kpis:
        return pd.DataFrame(index=values.index)
    book = portfolio(ctx).reindex(values.index)
    frames = [expected_columns(k, values[k], fit_expectation(k, values[k], book)) for k in kpis]
    return pd.concat(frames, axis=1)


def standing(value, low, high) -> str:
    """Where a figure stands against its expectation: :data:`ABOVE` its interval, :data:`BELOW`
    it, :data:`IN_LINE` within it; ``""`` where there is no expectation or no figure."""
    if any(pd.isna(v) for v in (value, low, high)):
        return ""
    return ABOVE if value > high else BELOW if value < low else IN_LINE


def expectation_reference(labels: dict[str, str]) -> str:
    """The like-for-like benchmarks in docs/kpis.md (Markdown), in words a sales manager can
    follow: what the columns hold, the book, each KPI's model and why, how to read it, and its
    assumptions and limits. ``labels``: KPI name → label."""
    rows = "\n".join(
        f"| {labels.get(k, k)} (`{k}`) | their team, and {FEATURE_WORDS[f]} | {FEATURE_REASONS[f]} |"
        for k, features in EXPECTATION_FEATURES.items()
        for f in features
    )
    return f"""## Like-for-like benchmarks: what books like theirs achieve

For the headline KPIs below, the scorecard sets each person's figure beside what account managers
with a book like theirs achieved in the same quarter, across the whole organisation. Columns:
`<kpi>_expected` (the expectation), `<kpi>_expected_low` and `<kpi>_expected_high` (the range
{LEVEL * 100:.0f} % of books like theirs fall in) and `<kpi>_vs_expected` (their figure minus the
expectation, in the KPI's unit). The team overview shows who is above or below that range and by
how much; a review says it in one sentence beside the KPI ("GM % 1.1 points above books like
theirs (expected 6.2 %, plausibly 5.1 % to 7.3 %)").

**The book** each person was given is read from the invoice lines of the four quarters before the
review quarter: the accounts they sold the most to then (the rule retention uses), and what those
accounts bought from anyone (revenue, gross margin, the share by deal type, in the vendor
programme, from key accounts, by sector). The lines are dated, so this is the book as the quarter
began; the accounts table's owner is a snapshot taken later, after any hand-over.

**The model**, one per KPI: a straight line through everyone's figures against their team and one
feature of their book — few numbers, because with 15 people a model of more would fit noise:

| KPI | the expectation depends on | why this feature |
|---|---|---|
{rows}

It is a *robust* line (Huber's regression, from the statsmodels library): people far from the rest
count for less, so one star or one bad quarter does not move everyone's benchmark. **Nobody sets
their own benchmark**: each person's expectation is the line drawn through everyone else. The range
is a {LEVEL * 100:.0f} % prediction range: if the model is right, about 1 person in 20 falls outside it by
chance alone (in simulations of 15 people, 3 to 5 in 100 did). Being outside it is a reason to
ask why, not a verdict; being inside it means the figure is what books like theirs achieve.

**Assumptions and limits.**

- *Few people.* With 15 people the ranges are wide and most people are in line. There is no
  expectation at all where fewer than {MIN_PERCENTILE_GROUP} people, or fewer than the model's
  numbers plus {MIN_RESIDUAL_DF}, have the figure and a book; a team of fewer than
  {MIN_PERCENTILE_GROUP} such people is compared with the first team rather than given its own
  effect, so no benchmark is one or two named colleagues.
- *Features are not causes.* A book with many bespoke deals goes with a higher GM %; the model does
  not say the deals cause it, nor that the person could change their book.
- *The team absorbs everything about a team*: its territory, its manager's coaching, its
  customers. A whole team that does better than its territory looks in line, person by person:
  what the team does well is neither credited to nor charged against its members.
- *No book, no expectation*: a new starter, or someone who held no account in the four quarters
  before, has none. An account taken over just before the quarter is not yet in the new holder's
  book.
- *A straight line, the same spread for everyone*: a book far from the others (the largest, say) is
  compared with a line drawn mostly through smaller ones. Expectations and ranges are kept inside
  what the KPI can be (no fewer than 0 new accounts, no retention or win rate above 100 %).
"""
