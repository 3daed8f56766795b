"""Checks of a table file itself, before its cells are trusted: its encoding and its header.

Data packs (:mod:`amreview.data.datapack`) and exports read through a mapping
(:mod:`amreview.importing.sources`) share these rules, so a person gets the same message whichever way a
file comes in.

**Encoding.** Text (CSV) files are UTF-8; a UTF-8 byte-order mark (Excel's "CSV UTF-8") is
allowed. A file that is not UTF-8 is described as far as it can be recognised — a UTF-16 or
UTF-32 byte-order mark, UTF-16 without one (every other byte zero), a ZIP archive (an Excel
workbook named ``.csv``), text that reads as Windows-1252 (the encoding older Excel saves
"CSV (Comma delimited)" in) — with the byte offset and line of the first byte that is not
UTF-8, and what to save it as (:data:`SAVE_AS_UTF8`). Nothing is guessed silently: the file is
refused, never read in a guessed encoding.

**Header.** A header names each column once (:func:`duplicate_headings`). Names are compared as
a person reads them: surrounding spaces ignored (the loader trims them, so ``" revenue"`` and
``"revenue"`` would be the same column) and case ignored (``"Revenue"`` beside ``"revenue"``
leaves a reader guessing which one counts). Blank headings are not compared. pandas renames a
repeated name (``revenue`` → ``revenue.1``) and SQLite does in a view (``revenue:1``), so the
header is read as written, not from a frame.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

SAVE_AS_UTF8 = 'in Excel: File › Save As › "CSV UTF-8 (Comma delimited) (*.csv)"'
SNIFF_BYTES = 4096  # how much of a file's start is looked at to recognise its encoding
BLOCK = 1 << 20

# (byte-order mark, name, Python codec): UTF-32 first, its LE mark starts with UTF-16's
BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "UTF-32 LE", "utf-32"),
    (codecs.BOM_UTF32_BE, "UTF-32 BE", "utf-32"),
    (codecs.BOM_UTF16_LE, "UTF-16 LE", "utf-16"),
    (codecs.BOM_UTF16_BE, "UTF-16 BE", "utf-16"),
)
ZIP_SIGNATURE = b"PK\x03\x04"


@dataclass(frozen=True)
class Encoding:
    """What a file's bytes are, when they are not the text expected: a description for a person
    and, where there is one, the Python codec that reads the file (for a mapping's ``encoding``)."""

    description: str
    codec: str | None = None


def recognised_encoding(head: bytes) -> Encoding | None:
    """The encoding the first bytes of a file show plainly, when it is not UTF-8: a UTF-16 or
    UTF-32 byte-order mark, UTF-16 without a mark (zero bytes at every other position), or a ZIP
    archive; ``None`` when the start looks like UTF-8 (or ASCII, or a single-byte encoding)."""
    for mark, name, codec in BYTE_ORDER_MARKS:
        if head.startswith(mark):
            return Encoding(f"{name} text (the file starts with a {name[:6]} byte-order mark)", codec)
    if head.startswith(ZIP_SIGNATURE):
        return Encoding("a ZIP archive — an Excel workbook (.xlsx) or another packed file — not CSV text")
    if b"\x00" in head:
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if odd > 2 * even:
            return Encoding("UTF-16 LE text without a byte-order mark (every other byte is zero)", "utf-16-le")
        if even > 2 * odd:
            return Encoding("UTF-16 BE text without a byte-order mark (every other byte is zero)", "utf-16-be")
        return Encoding("binary data (it holds zero bytes), not CSV text")
    return None


@dataclass(frozen=True)
class BadByte:
    """The first bytes of a file that its encoding cannot read: where (0-based byte offset,
    1-based line) and which."""

    offset: int
    line: int
    found: bytes


def first_bad_byte(path: Path, encoding: str = "utf-8") -> BadByte | None:
    """Where ``path`` stops being text in ``encoding`` (read block by block, so a large file is
    never held whole); ``None`` when all of it reads."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset, lines = 0, 0  # bytes and line ends before the current block
    with open(path, "rb") as handle:
        while True:
            block = handle.read(BLOCK)
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                # exc.object is the block behind the bytes the decoder held back from the last one
                held = len(exc.object) - len(block)
                before = exc.object[: exc.start]
                return BadByte(
                    offset - held + exc.start, lines + before.count(b"\n") + 1, exc.object[exc.start : exc.end]
                )
            except UnicodeError:  # e.g. "utf-16" without a byte-order mark: the stream as a whole
                return BadByte(offset, lines + 1, block[:2])
            if not block:
                return None
            lines += block.count(b"\n")
            offset += len(block)


def not_text_in(path: Path, encoding: str = "utf-8") -> str | None:
    """Why ``path`` is not text in ``encoding``, for a person: what it is where that is
    recognisable, and where the first byte ``encoding`` cannot read is; ``None`` when the whole
    file reads. Used when a read has failed, or before reading (it reads the whole file)."""
    path = Path(path)
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    known = recognised_encoding(head)
    if known is not None and not _same_family(known.codec, encoding):
        return _is(path, known, encoding)
    bad = first_bad_byte(path, encoding)
    if bad is None:
        return None
    if known is not None:
        return _is(path, known, encoding)
    label = _label(encoding)
    where = f"the byte{'s' if len(bad.found) > 1 else ''} {_hex(bad.found)} at byte offset {bad.offset:,}"
    guess = _guess(path, encoding)
    return f"{path.name} is not {label}: {where} (line {bad.line:,}) cannot be read as {label}; {guess}"


def _is(path: Path, known: Encoding, encoding: str) -> str:
    return f"{path.name} is {known.description}" + (f", not {_label(encoding)}" if known.codec else "")


def guessed_codec(path: Path) -> str | None:
    """The Python codec that reads ``path`` where its encoding is recognisable (a byte-order
    mark, UTF-16 without one, or Windows-1252 text), for the advice "set encoding = …"."""
    with open(path, "rb") as handle:
        known = recognised_encoding(handle.read(SNIFF_BYTES))
    if known is not None:
        return known.codec
    return "cp1252" if _reads_as(path, "cp1252") else None


def _guess(path: Path, encoding: str) -> str:
    if _codec(encoding) != "cp1252" and _reads_as(path, "cp1252"):
        return (
            'perhaps it is Windows-1252 (Western European), the encoding older Excel saves "CSV (Comma delimited)" in'
        )
    return "its encoding is not recognised (perhaps Latin-1 or another single-byte encoding)"


def _reads_as(path: Path, encoding: str) -> bool:
    return first_bad_byte(path, encoding) is None


def _same_family(codec: str | None, encoding: str) -> bool:
    """Whether ``encoding`` reads a file of ``codec`` (a mapping that says ``utf-16`` reads UTF-16)."""
    family = _codec(codec or "")[:6]
    return family in {"utf_16", "utf_32"} and _codec(encoding).startswith(family)


def _codec(name: str) -> str:
    try:
        return codecs.lookup(name).name.replace("-", "_")
    except LookupError:
        return name.lower().replace("-", "_")


def _label(encoding: str) -> str:
    return "UTF-8" if _codec(encoding) in {"utf_8", "utf_8_sig"} else repr(encoding)


def _hex(data: bytes) -> str:
    return " ".join(f"0x{b:02X}" for b in data)


# --------------------------------------------------------------------------------------------
# Headers
# --------------------------------------------------------------------------------------------

SQLITE_RENAMED = re.compile(r"^(?P<name>.+):(?P<n>\d+)$")  # SQLite's name for a repeated view column


def heading_key(name: object) -> str:
    """What two headings must share to name the same column: the text, trimmed, case folded."""
    return str(name).strip().casefold()


def duplicate_headings(names: Sequence[object]) -> list[list[int]]:
    """Groups of positions (0-based, in header order) whose headings name the same column
    (:func:`heading_key`); blank headings are left out. Empty when the header is unambiguous."""
    groups: dict[str, list[int]] = {}
    for position, name in enumerate(names):
        if name is None or not str(name).strip():
            continue
        groups.setdefault(heading_key(name), []).append(position)
    return [positions for positions in groups.values() if len(positions) > 1]


def sqlite_renamed_duplicates(names: Sequence[str]) -> list[list[int]]:
    """:func:`duplicate_headings` of a SQLite view's columns, where SQLite has renamed a repeated
    name of the view's ``SELECT`` (the second ``revenue`` becomes ``revenue:1``)."""
    present = {heading_key(n) for n in names}

    def written(name: str) -> str:
        renamed = SQLITE_RENAMED.match(str(name))
        return renamed["name"] if renamed and heading_key(renamed["name"]) in present else str(name)

    return duplicate_headings([written(n) for n in names])


def spreadsheet_column(position: int) -> str:
    """The spreadsheet letter of a 0-based column position: 0 → ``A``, 26 → ``AA``."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def describe_duplicates(names: Sequence[object], positions: Sequence[int], letters: bool = True) -> str:
    """``'revenue' in columns A and H`` or ``'Revenue' (column A) and 'revenue' (column H)``;
    positions as column numbers from 1 when ``letters`` is false (Parquet, a database)."""
    where = [spreadsheet_column(p) if letters else str(p + 1) for p in positions]
    spelled = [str(names[p]) for p in positions]
    if len(set(spelled)) == 1:
        return f"{spelled[0].strip()!r} in columns {_and(where)}"
    return _and([f"{s!r} (column {w})" for s, w in zip(spelled, where)])


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


DUPLICATE_EXPECTED = (
    "each column named once (names that differ only in case or surrounding spaces are "
    "the same name): rename or remove the extra column"
)
