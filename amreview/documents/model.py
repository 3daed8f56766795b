"""What a document is made of: its sections (:data:`SECTIONS`, in the job description's order),
a :class:`Section`'s parts — :class:`Text`, :class:`Heading`, :class:`Table`, :class:`Chart`,
:class:`Definitions`, :class:`Comments` (people's words), :class:`SignOff`, :class:`Explanation` —
and a review's :class:`ReviewHeader`.

Plain data: numbers stay numbers (formatted when rendered by :mod:`amreview.documents.render`,
charts drawn by :mod:`amreview.documents.plots`). The review (:mod:`amreview.documents.review`)
and its section builders (:mod:`amreview.documents.sections`) make them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from amreview.errors import UnknownNameError
from amreview.formats import NEUTRAL_FORMAT, NumberFormat
from amreview.periods import Quarter
from amreview.scoring.outcomes import ReviewOutcome

# key, number, title. The order (README, "The review's order"): the summary; the job description's
# performance measures in its order — margin and KPI targets, timeliness of reports and accuracy of
# information (one section), customer relationships, productive new business, use of the CRM; then
# the duties it names that are no measure (account management: growth, spot deals, back orders,
# the vendor programme); the competencies; the development plan (the measure "development plan
# achieved", with the plan the meeting agrees for next quarter); the comments and sign-off. The
# notebook's headings are these.
SECTIONS: tuple[tuple[str, int | None, str], ...] = (
    ("summary", 1, "Summary"),
    ("margin", 2, "Margin & KPI targets"),
    ("reporting", 3, "Reporting: timeliness and accuracy of information"),
    ("relationships", 4, "Customer relationships"),
    ("new_business", 5, "Productive new business"),
    ("crm", 6, "Utilisation of the CRM"),
    ("accounts", 7, "Account management"),
    ("competencies", 8, "Competencies"),
    ("development", 9, "Development plan"),
    ("comments", 10, "Manager's comments and sign-off"),
    ("appendix", None, "Appendix: definitions, data quality and provenance"),
)
SECTION_TITLES = {key: title for key, _, title in SECTIONS}


def section_heading(key: str) -> str:
    """The heading a document shows for section ``key``: ``"2. Margin & KPI targets"``."""
    number = {k: n for k, n, _ in SECTIONS}[key]
    return f"{number}. {SECTION_TITLES[key]}" if number else SECTION_TITLES[key]


# --------------------------------------------------------------------------------------------
# What a section is made of
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """A line of text. ``kind`` ``missing`` says data is absent ("not in this pack", "no data
    in the quarter"); ``note`` is a remark."""

    text: str
    kind: str = "note"


@dataclass(frozen=True)
class Heading:
    """A sub-heading inside a section."""

    text: str


@dataclass(frozen=True)
class Table:
    """A table of numbers, formatted when rendered.

    ``frame``: display column names, numbers as numbers; columns starting with ``_`` are not
    shown (they carry units or lights). ``formats``: column → unit of :data:`amreview.formats.UNITS`
    (``text`` by default), or ``row`` to take each row's KPI unit from the ``row_unit`` column.
    ``missing``: column → text for missing cells (or the name of a hidden column holding each
    row's text). ``lights``: column → the hidden column holding its traffic light
    (``green``/``amber``/``red``). ``nowrap``: text columns kept on one line (numbers and dates
    always are).
    """

    key: str
    title: str
    frame: pd.DataFrame
    formats: dict[str, str] = field(default_factory=dict)
    row_unit: str | None = None
    missing: dict[str, str] = field(default_factory=dict)
    lights: dict[str, str] = field(default_factory=dict)
    note: str = ""
    nowrap: tuple[str, ...] = ()

    def _repr_html_(self) -> str:
        from amreview.documents.render import table_html

        return table_html(self)


@dataclass(frozen=True)
class Chart:
    """A chart: ``plot(frame, ax=None, **options) -> Axes`` of :mod:`amreview.documents.plots`."""

    key: str
    plot: Callable
    frame: pd.DataFrame
    options: dict = field(default_factory=dict)

    def draw(self, ax=None):
        """Draw the chart (in the house style) and return its Axes."""
        return self.plot(self.frame, ax=ax, **self.options)

    def _repr_html_(self) -> str:
        from amreview.documents.render import chart_html

        return chart_html(self)


@dataclass(frozen=True)
class Definitions:
    """Terms and their definitions: ``(term, definition, note)`` triples."""

    items: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class Comment:
    """Words a person typed about the review, shown as typed (escaped when rendered): ``role``
    ``self`` (the account manager) or ``manager``, ``author`` their name (may be empty), ``about``
    what it is about where its heading does not say (the note's section as the pack names it)."""

    role: str
    author: str
    text: str
    about: str = ""


@dataclass(frozen=True)
class Comments:
    """People's comments on one part of the review, under ``title``."""

    key: str
    title: str
    items: tuple[Comment, ...]


@dataclass(frozen=True)
class SignOff:
    """The sign-off block: ``(role, name)`` of each person who signs; ``signed_on`` the date
    each signed (the same order; empty or None where not signed yet: a line to sign on)."""

    people: tuple[tuple[str, str], ...]
    note: str = ""
    signed_on: tuple[pd.Timestamp | None, ...] = ()


@dataclass(frozen=True)
class Explanation:
    """The scorecard's explanation of a section's score: ``measures`` as ``(label, score,
    weight)`` and the scored KPIs' :class:`~amreview.scoring.bands.KpiExplanation` items."""

    measures: tuple[tuple[str, float, float | None], ...]
    items: tuple
    note: str = ""


@dataclass
class Section:
    """One section of a review (see the module docstring).

    ``figures`` holds the key numbers the narrative states, by name; ``kpis`` the registry
    KPIs the section shows (the appendix defines them). ``number_format``: the format its
    sentences were written in and its tables and charts are rendered in (the config's).
    """

    key: str
    number: int | None
    title: str
    lines: list[str] = field(default_factory=list)
    parts: list = field(default_factory=list)
    explanation: Explanation | None = None
    figures: dict[str, float] = field(default_factory=dict)
    kpis: list[str] = field(default_factory=list)
    number_format: NumberFormat = NEUTRAL_FORMAT

    @property
    def tables(self) -> dict[str, Table]:
        """The section's tables by key."""
        return {p.key: p for p in self.parts if isinstance(p, Table)}

    @property
    def charts(self) -> dict[str, Chart]:
        """The section's charts by key."""
        return {p.key: p for p in self.parts if isinstance(p, Chart)}

    @property
    def missing(self) -> list[str]:
        """The lines that say data is absent."""
        return [p.text for p in self.parts if isinstance(p, Text) and p.kind == "missing"]

    def frame(self, key: str) -> pd.DataFrame:
        """The numbers of table or chart ``key``."""
        found: dict[str, Chart | Table] = {**self.charts, **self.tables}
        if key not in found:
            raise UnknownNameError(
                f"section {self.key} has no table or chart {key!r}; it has {', '.join(found) or 'none'}"
            )
        return found[key].frame

    def __repr__(self) -> str:
        return f"<Section {self.key}: {len(self.lines)} lines, {len(self.tables)} tables, {len(self.charts)} charts>"

    def _repr_html_(self) -> str:
        from amreview.documents.render import section_html

        return section_html(self)

    def _ipython_display_(self) -> None:
        """Displayed as several outputs (narrative, each table or chart, the explanation), so
        a document can keep each on one page without forcing the whole section onto one."""
        from IPython.display import HTML, display

        from amreview.documents.render import section_chunks

        for chunk in section_chunks(self):
            display(HTML(chunk))


@dataclass(frozen=True)
class ReviewHeader:
    """Who and when: the header of a review."""

    am_id: str
    name: str
    manager: str
    team: str | None
    start_date: pd.Timestamp | None
    quarter: Quarter
    outcome: ReviewOutcome | None = None  # where the review stands (None: not known, e.g. a bare header)

    @property
    def period_label(self) -> str:
        return self.quarter.label

    def _repr_html_(self) -> str:
        from amreview.documents.render import header_html

        return header_html(self)
