"""The exception hierarchy of amreview.

Every error the library raises on purpose derives from :class:`AmreviewError`, so the CLI
can turn any of them into one clear message and an exit code, and never a traceback.

* :class:`DataError` — a data pack breaks the contract; carries a table of problems.
* :class:`PeriodError` — a period label that is not a quarter ``YYYYQn``.
* :class:`ConfigError` — a bad configuration file.
* :class:`ArgumentError` — a value a function or an option cannot take (an unknown window, kernel
  mode, deal type or file format; a number out of range); also a ``ValueError``.
* :class:`UnknownNameError` — a name looked up that is not there (a section, a table of a pack);
  also a ``KeyError``.
* :class:`ParameterError` — notebook parameters that do not match what the notebook declares.
* :class:`ReviewExecutionError` — a review notebook failed for one account manager.
* :class:`ClusterError` — a Dask cluster that cannot be used (not installed, unreachable, no worker).
* :class:`OutputError` — an output that cannot be written (a read-only folder, a full disk, a
  name that would leave the output folder); nothing half-written is left behind.
* :class:`DocumentError` — a document that cannot be made as asked (a page that refers to
  resources outside itself cannot become an offline PDF); also a ``ValueError``.

The few errors raised on purpose outside this family (a broken internal invariant, a protocol
of another library) are listed with their reason in ``tests/test_errors.py``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from amreview.redaction import shown_source

PROBLEM_COLUMNS = ["table", "row", "column", "check", "expected", "found"]


class AmreviewError(Exception):
    """Root of every error amreview raises on purpose."""

    exit_code = 1


class PeriodError(AmreviewError, ValueError):
    """A period label that is not a quarter ``YYYYQn`` (or a month ``YYYY-MM`` where allowed)."""

    exit_code = 2


class ConfigError(AmreviewError):
    """A configuration file or value that cannot be used."""

    exit_code = 2


class ArgumentError(AmreviewError, ValueError):
    """A value that a function, an option or a setting cannot take: an unknown window, kernel
    mode, deal type or file format, a number out of range, jobs that would overwrite each
    other. A ``ValueError`` too, as callers caught before the family existed."""

    exit_code = 2


class UnknownNameError(AmreviewError, KeyError):
    """A name looked up that is not there: a section of a review, a table or chart of a
    section, a table of a pack. A ``KeyError`` too (a lookup by name); its message is shown as
    written, not quoted as a ``KeyError``'s key is."""

    exit_code = 2

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ParameterError(AmreviewError):
    """Parameters passed to a notebook that it does not declare, or required ones missing."""

    exit_code = 2


class ClusterError(AmreviewError):
    """A Dask cluster that cannot run the reviews: ``distributed`` not installed, the scheduler
    unreachable, or no worker. Nothing was submitted."""

    exit_code = 2


class OutputError(AmreviewError):
    """An output that cannot be written: the folder is read-only or missing, the disk is full,
    or a name would resolve outside the output folder. Carries the path, for the message."""

    exit_code = 4

    def __init__(self, message: str, path: str | None = None):
        self.path = path
        super().__init__(message)


class DocumentError(AmreviewError, ValueError):
    """A document that cannot be made as asked: a page that refers to resources outside itself
    (an image on the web) cannot become a PDF rendered offline. A ``ValueError`` too, as before."""


class DataError(AmreviewError):
    """A data pack that breaks the contract.

    ``problems`` is a DataFrame with the columns :data:`PROBLEM_COLUMNS`: the table, the
    row as a person sees it in the file (spreadsheet numbering: the header is row 1, so the
    first data row is row 2; empty when the problem is not about one row), the column, the
    check that failed, what was expected and what was found. Validation is lazy: one error
    carries every problem found, so a user fixes a file once, not once per problem.
    """

    exit_code = 3

    def __init__(self, problems: pd.DataFrame, source: str = ""):
        self.problems = problems.reindex(columns=PROBLEM_COLUMNS).reset_index(drop=True)
        self.source = shown_source(source)  # a database URL without its credentials
        super().__init__(self.render())

    def render(self, limit: int = 50) -> str:
        """One line per problem, at most ``limit`` lines, then a count of the rest."""
        head = f"the data pack {self.source!r} " if self.source else "the data pack "
        n = len(self.problems)
        lines = [f"{head}breaks the data contract ({n} problem{'s' if n != 1 else ''}):"]
        for problem in self.problems.head(limit).itertuples(index=False):
            lines.append("  - " + describe_problem(problem._asdict()))
        if n > limit:
            lines.append(f"  … and {n - limit} more")
        return "\n".join(lines)


def describe_problem(problem: dict) -> str:
    """``table sales, row 7, column revenue: expected a number, found 'abc'``."""
    where = [f"table {problem['table']}"]
    row = problem.get("row")
    if row is not None and not (isinstance(row, float) and pd.isna(row)) and row != "":
        if isinstance(row, float) and row.is_integer():
            row = int(row)  # a row number in a column that also holds empty rows (float)
        where.append(f"row {row}")
    column = problem.get("column")
    if isinstance(column, str) and column:
        where.append(f"column {column}")
    text = ", ".join(where) + f": expected {problem['expected']}"
    found = problem.get("found")
    if found is not None and not (isinstance(found, float) and pd.isna(found)) and found != "":
        text += f", found {found}"
    return text


@dataclass
class ReviewExecutionError(AmreviewError):
    """A review notebook failed for one account manager.

    Carries who (``am_id``), which notebook, the failing cell's index (``cell_index``; ``None``
    when the kernel died or timed out outside a cell) and the error's name and value.
    """

    am_id: str
    notebook: str
    cell_index: int | None
    ename: str
    evalue: str

    def __post_init__(self):
        super().__init__(str(self))

    def __reduce__(self):
        # Exceptions pickle through their args; a dataclass needs its fields instead, so the
        # error can travel back from a worker process intact.
        return (type(self), (self.am_id, self.notebook, self.cell_index, self.ename, self.evalue))

    def __str__(self) -> str:
        cell = f"cell {self.cell_index}" if self.cell_index is not None else "outside any cell"
        return f"review of {self.am_id} failed in {self.notebook} ({cell}): {self.ename}: {self.evalue}"


def shown(value: object, limit: int = 60) -> str:
    """A value from the data as a message shows it: ``repr`` (control characters escaped, so a
    newline or a NUL cannot break a message or a file name), a long text cut after ``limit``
    characters with its length said."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]!r}… ({len(value)} characters)"
    return repr(value)


CLOSE_MATCHES = 3  # per name asked for: how many of the known names nearest to it are listed first
CLOSE_ENOUGH = 0.6  # difflib's own cutoff for a close match
KNOWN_SHOWN = 40  # at most this many known names in a message (a large pack knows thousands)


def known_names(wanted: Iterable[str], known: Iterable[str], limit: int = KNOWN_SHOWN) -> str:
    """The ``known`` names, as a message about the names ``wanted`` that are not among them lists
    them: for each name wanted, its closest known names first (at most :data:`CLOSE_MATCHES`, each
    at least :data:`CLOSE_ENOUGH` alike by :func:`closeness`, nearest first, ties in sorted order),
    then the others in sorted order; at most ``limit`` names, then how many more. ``AM01`` among
    ``AM001``…``AM015`` → ``AM001, AM010, AM011, AM002, …``. The names asked for are never cut:
    the caller shows them whole."""
    everyone = sorted({str(name) for name in known})
    close = []
    for name in wanted:
        alike = sorted(((closeness(str(name), k), k) for k in everyone), key=lambda pair: (-pair[0], pair[1]))
        close += [k for score, k in alike[:CLOSE_MATCHES] if score >= CLOSE_ENOUGH]
    ordered = list(dict.fromkeys([*close, *everyone]))
    text = ", ".join(ordered[:limit])
    if len(ordered) > limit:
        text += f", … and {len(ordered) - limit:,} more"
    return text or "none"


def closeness(typed: str, name: str) -> float:
    """How alike two names are, 0 to 1: :class:`difflib.SequenceMatcher`'s ratio, 2·M / (len(a) +
    len(b)) with M the characters matched, of the two case-folded (``am001`` is ``AM001``)."""
    return difflib.SequenceMatcher(None, typed.casefold(), name.casefold()).ratio()
