"""Opening a returned file (:func:`open_workbook`): is it an ``.xlsx`` workbook at all?

An ``.xls`` (Excel 97–2003), an ``.ods`` (OpenDocument), a ``.csv``, a workbook protected by a
password (an encrypted Office file: OLE2 holding an ``EncryptionInfo`` stream), an empty or a
damaged file each get one :class:`~amreview.cycle.model.FormProblem` saying what was found and
what to do, in a :class:`~amreview.cycle.model.FormError`; nothing else is read from it. The file's
content decides, not its name: a form renamed ``.xls`` is still read.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook

from amreview.cycle.model import FormError, FormProblem

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ENCRYPTED_STREAM = "EncryptionInfo".encode("utf-16-le")  # the stream of an encrypted Office file
OPEN_ERRORS = (
    zipfile.BadZipFile,
    InvalidFileException,
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    AttributeError,
    OSError,
    SyntaxError,
    EOFError,
)  # what openpyxl raises on a broken file
AN_XLSX = "an Excel workbook (.xlsx), as amreview forms wrote it"


def file_problem(path: Path, data: bytes) -> FormProblem | None:
    """The one problem of a file that is not an ``.xlsx`` workbook, or None when it is one."""

    def found(what: str) -> FormProblem:
        return FormProblem(path, None, None, AN_XLSX, what)

    if not data:
        return found("an empty file")
    if data.startswith(OLE2_MAGIC):
        if ENCRYPTED_STREAM in data:
            return found(
                "a workbook protected by a password: remove the password (in Excel: File > Info > "
                "Protect Workbook > Encrypt with Password, empty it), save and send it again"
            )
        return found("an Excel 97–2003 file (.xls): open it and save it as an Excel Workbook (.xlsx)")
    if data.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                mimetype = archive.read("mimetype").decode("ascii", "replace") if "mimetype" in names else ""
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            return found(f"a damaged file that cannot be opened ({exc})")
        if mimetype.startswith("application/vnd.oasis.opendocument"):
            return found("an OpenDocument spreadsheet (.ods): save it as Excel 2007-365 (.xlsx)")
        if "xl/workbook.xml" not in names:
            return found("a zip file that holds no Excel workbook")
        return None
    if path.suffix.lower() in (".csv", ".txt") or _is_text(data):
        return found("a text file (.csv): send back the .xlsx workbook itself")
    return found("a file of another kind, or a damaged one, that cannot be opened as a workbook")


def _is_text(data: bytes) -> bool:
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def open_workbook(path: Path, data: bytes) -> Workbook:
    """The workbook in ``data``; a :class:`FormError` with the file's one problem otherwise."""
    problem = file_problem(path, data)
    if problem is not None:
        raise FormError([problem])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns of extensions it does not read (Excel's, LibreOffice's)
            return load_workbook(io.BytesIO(data), data_only=False, rich_text=False)
    except OPEN_ERRORS as exc:
        raise FormError(
            [
                FormProblem(
                    path, None, None, AN_XLSX, f"a damaged workbook that cannot be opened ({type(exc).__name__}: {exc})"
                )
            ]
        ) from None


def read_bytes(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise FormError(
            [FormProblem(Path(path), None, None, "a file that can be read", f"{exc.strerror or exc}")]
        ) from None
