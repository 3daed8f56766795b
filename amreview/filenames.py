"""File names from ids: an id is data, never a path.

Every file amreview writes per person or per team — a review's documents
``<stem>.html/.pdf/.ipynb``, its key figures ``<stem>.json``, its log ``logs/<stem>.log``, its
input ``.inputs/reviews/<stem>/``, a team overview's ``team-<stem>.*`` — is named by
:func:`file_stems`, and every such path is built by :func:`path_inside`, which refuses a name
that would leave its folder. The manifest and the key-figures files record the real id.

The rule, and why:

* **Plain ids are their own names.** An id of ASCII letters, digits, ``_``, ``-`` and ``.``
  (not first, not last), at most :data:`PLAIN_LENGTH` characters, is used as it is:
  ``AM001`` → ``AM001.html``. Not plain besides: a Windows device name (``CON``, ``nul.x``,
  ``COM1``…, any case), a name the period folder uses itself (``index``, ``manifest``,
  ``calibration``), and a
  name in the team overviews' namespace (starting ``team-``).
* **Any other id is encoded**: a readable slug (ASCII letters and digits, lower case, at
  most :data:`SLUG_LENGTH` characters), ``~``, and the first :data:`DIGEST_LENGTH` hex digits
  of the SHA-256 of the exact id: ``a/b`` → ``a-b~…``, ``../../evil`` → ``evil~…``,
  ``Claire Whitfield`` → ``claire-whitfield~…``, ``.`` → ``id~…``. ``~`` is a character no
  plain id has, so no plain id's name is ever an encoded one; two encoded names are equal only
  when the ids' hashes are (a 48-bit prefix: never met in practice, and refused if it were).
  Every name is one path component, short (the 255-byte limit of file names is far) and
  stable: the same id gives the same name in every run.
* **Case-insensitive file systems** (macOS, Windows) would make ``AM001.html`` and
  ``am001.html`` one file — one person's review over another's. So the names are computed for
  all the ids that share a folder at once, and plain ids that differ only in case are encoded
  (their hashes differ): ``AM001`` and ``am001`` in one pack give two ``am001~<digest>``
  names with different digests, while a pack holding only ``AM001`` keeps ``AM001.html``.
  Names are therefore distinct ignoring case. The runner passes every id of the period (not
  only the ones selected), so a person's file does not depend on who else is in the run.
* **Team overviews** are ``team-`` and the manager's name by the same rule
  (``team-claire-whitfield~…``); no review's name starts with ``team-``.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from amreview.errors import OutputError, shown

PLAIN_LENGTH = 64  # longer ids are encoded: every file name stays far below 255 bytes
SLUG_LENGTH = 40
DIGEST_LENGTH = 12  # hex digits of SHA-256
ENCODED_MARK = "~"  # between slug and digest: never in a plain id
PLAIN_ID = re.compile(rf"[A-Za-z0-9_](?:[A-Za-z0-9._-]{{0,{PLAIN_LENGTH - 2}}}[A-Za-z0-9_-])?")
TEAM_PREFIX = "team-"  # team overviews: team-<the manager's stem>
KPI_REFERENCE_STEM = "kpi-reference"  # a period's KPI reference (.html, .pdf): every review links to it
# index.html, manifest.json, the organisation's calibration page and the KPI reference of a period's folder
RESERVED_STEMS = frozenset({"index", "manifest", "calibration", KPI_REFERENCE_STEM})
SCORECARD_FILE = "scorecard.xlsx"  # a period's scorecard: where `amreview scorecard` writes it by default
WINDOWS_DEVICES = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
)


def is_plain(key: str) -> bool:
    """Whether ``key`` is its own file name (module docstring)."""
    if not PLAIN_ID.fullmatch(key):
        return False
    lowered = key.lower()
    return (
        lowered.split(".")[0] not in WINDOWS_DEVICES
        and lowered not in RESERVED_STEMS
        and not lowered.startswith(TEAM_PREFIX)
    )


def slug(text: str, length: int = SLUG_LENGTH) -> str:
    """``text`` as ASCII letters and digits in lower case, runs of anything else one ``-``, at most
    ``length`` characters: ``"Zoë <b>O'Brien</b>"`` → ``zoe-b-o-brien-b``; ``""`` when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:length].rstrip("-")


def encoded_stem(key: str) -> str:
    """``<slug>~<digest>`` of any ``key`` (module docstring): ``"a/b"`` → ``a-b~<12 hex>``."""
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:DIGEST_LENGTH]
    return f"{slug(key) or 'id'}{ENCODED_MARK}{digest}"


def file_stems(keys: Iterable[str]) -> dict[str, str]:
    """Key → file stem, for the ``keys`` whose files share a folder: the key itself when it is
    plain and no other key equals it ignoring case, else :func:`encoded_stem`. The stems are
    distinct ignoring case (an :class:`OutputError` otherwise, which takes a hash collision)."""
    keys = list(dict.fromkeys(keys))
    plain = Counter(k.lower() for k in keys if is_plain(k))
    stems = {k: k if is_plain(k) and plain[k.lower()] == 1 else encoded_stem(k) for k in keys}
    folded = Counter(s.lower() for s in stems.values())
    clashing = sorted(shown(k) for k, s in stems.items() if folded[s.lower()] > 1)
    if clashing:
        raise OutputError(f"the ids {', '.join(clashing)} would get the same file name; rename one of them")
    return stems


def file_stem(key: str) -> str:
    """The stem of a key alone in its folder (:func:`file_stems`)."""
    return file_stems([key])[key]


def path_inside(folder: Path, name: str) -> Path:
    """``folder / name`` when ``name`` is one file name (no separator, not ``.`` or ``..``, no
    NUL) and the path resolves inside ``folder`` (a symbolic link out of it does not); an
    :class:`OutputError` otherwise."""
    folder = Path(folder)
    separators = {s for s in ("/", os.sep, os.altsep) if s is not None}
    if name in ("", ".", "..") or "\0" in name or any(s in name for s in separators):
        raise OutputError(f"{shown(name)} is not a file name: nothing was written for it in {folder}", str(folder))
    path = folder / name
    inside = folder.resolve()
    resolved = path.resolve()
    if resolved == inside or not resolved.is_relative_to(inside):
        raise OutputError(f"{path} resolves to {resolved}, outside {inside}: nothing was written there", str(path))
    return path
