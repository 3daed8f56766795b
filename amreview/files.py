"""Atomic writes: every file amreview publishes appears whole or not at all.

A file is written to a hidden temporary sibling (``.<name>.<pid>-<hex>.tmp``, unique per
process and call), flushed to disk, then renamed over its final name with ``os.replace``,
which is atomic within one file system: a reader — a person, the index, a resumed run — sees
the old file or the new one, never half of one. A run killed mid-write leaves only a temporary
file, which :data:`TEMPORARY_FILE` recognises so the next run can sweep it.

**Permissions.** What amreview writes is personal data (reviews, forms, logs, manifests, review
inputs, scorecards, quality reports), so it is owner-only whatever the umask: files ``0600``,
folders ``0700``. ``AMREVIEW_FILE_MODE=group`` (the commands' ``--group-readable``) lets the
file's group read them too: ``0640`` and ``0750``. Every writer creates its files through
:func:`atomic_file`, :func:`atomic_path` or :func:`open_private` and its folders through
:func:`make_folder`, which set the mode explicitly (``fchmod``/``chmod``, not the umask).
Folders that already exist (``--out`` itself, say) are left as they are.

**Errors.** An ``OSError`` while writing (a read-only folder, a full disk) becomes an
:class:`~amreview.errors.OutputError` (exit code 4) naming the path and what to do
(:func:`output_error`); the temporary file is removed, so nothing half-written is left.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from amreview.errors import ConfigError, OutputError

# ".<name>.<pid>-<12 hex>" and a suffix: ".tmp", or ".partial.ipynb" (papermill's output name)
TEMPORARY_FILE = re.compile(r"^\..+\.\d+-[0-9a-f]{12}(\.tmp|\.partial\.ipynb)$")


def temporary_sibling(path: Path, suffix: str = ".tmp") -> Path:
    """A hidden, unique name in ``path``'s folder (see the module docstring)."""
    path = Path(path)
    return path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:12]}{suffix}")


@contextlib.contextmanager
def atomic_file(path: Path, mode: str = "x", encoding: str | None = "utf-8") -> Iterator[IO]:
    """Open a temporary sibling of ``path`` for writing (``mode`` ``"x"`` text or ``"xb"``
    bytes); when the block ends, flush it to disk and rename it to ``path``. The file has
    :func:`file_mode`; missing folders are made with :func:`make_folder`. On an error the
    temporary file is removed and ``path`` is left as it was; an ``OSError`` (read-only
    folder, full disk) is raised as :class:`~amreview.errors.OutputError`."""
    with _replacing(path) as tmp, _open_new(tmp, "wb" if "b" in mode else "w", encoding) as handle:
        yield handle
        handle.flush()
        os.fsync(handle.fileno())


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary sibling of ``path`` for a writer that takes a file name (pandas, openpyxl):
    the writer writes it in the block; then it gets :func:`file_mode` and is renamed to
    ``path``. Errors as :func:`atomic_file`."""
    with _replacing(path) as tmp:
        with _open_new(tmp, "wb", None):  # created with the mode; the writer replaces its content
            pass
        yield tmp
        os.chmod(tmp, file_mode())  # a writer may have replaced the file rather than written into it


@contextlib.contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """A temporary sibling of ``path`` (its folder made first), renamed over ``path`` when the
    block ends; removed on an error, with an ``OSError`` raised as an
    :class:`~amreview.errors.OutputError` naming ``path``."""
    path = Path(path)
    make_folder(path.parent)
    tmp = temporary_sibling(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise output_error(exc, path) from exc
        raise


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_file(path) as handle:
        handle.write(text)


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_file(path, "xb") as handle:
        handle.write(data)


# --------------------------------------------------------------------------------------------
# Permissions
# --------------------------------------------------------------------------------------------

MODE_VARIABLE = "AMREVIEW_FILE_MODE"  # private (the default) | group
MODES = {"private": (0o600, 0o700), "group": (0o640, 0o750)}  # (files, folders)


def sharing() -> str:
    """``"private"`` (owner only) or ``"group"`` (the group may read), from
    ``$AMREVIEW_FILE_MODE``; an unknown value is an error rather than a silent default."""
    value = (os.environ.get(MODE_VARIABLE) or "private").strip().lower()
    if value not in MODES:
        raise ConfigError(f"{MODE_VARIABLE}={value!r}: expected one of {', '.join(MODES)}")
    return value


def share_with_group(group: bool = True) -> None:
    """Make the outputs of this process, and of the processes it starts, group-readable
    (``--group-readable``) or owner-only."""
    os.environ[MODE_VARIABLE] = "group" if group else "private"


@contextlib.contextmanager
def sharing_as(value: str) -> Iterator[None]:
    """Write with the modes of ``value`` (``private`` or ``group``) in this block: a job run
    on another machine (a Dask worker) writes as the run that sent it asked."""
    saved = os.environ.get(MODE_VARIABLE)
    os.environ[MODE_VARIABLE] = value
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(MODE_VARIABLE, None)
        else:
            os.environ[MODE_VARIABLE] = saved


def file_mode() -> int:
    """The permission bits of every file amreview writes (module docstring)."""
    return MODES[sharing()][0]


def folder_mode() -> int:
    """The permission bits of every folder amreview makes (module docstring)."""
    return MODES[sharing()][1]


def make_folder(path: Path) -> Path:
    """Make ``path`` and its missing parents with :func:`folder_mode`, whatever the umask;
    folders that exist are left as they are. An ``OSError`` is an
    :class:`~amreview.errors.OutputError`."""
    path = Path(path)
    missing = []
    for folder in (path, *path.parents):
        if folder.is_dir():
            break
        missing.append(folder)
    try:
        for folder in reversed(missing):
            with contextlib.suppress(FileExistsError):
                folder.mkdir(mode=folder_mode())
                os.chmod(folder, folder_mode())  # mkdir's mode is masked by the umask
        if not path.is_dir():  # turned into an OutputError just below, as any other OSError here
            raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(path))
    except OSError as exc:
        raise output_error(exc, path, folder=True) from exc
    return path


def writable_folder(path: Path) -> Path:
    """:func:`make_folder`, then check that a file can be created in it (an
    :class:`~amreview.errors.OutputError` if not), before any work is done; nothing is left."""
    folder = make_folder(path)
    probe = temporary_sibling(folder / "write-check")
    try:
        with _open_new(probe, "wb", None):
            pass
        probe.unlink()
    except OSError as exc:
        with contextlib.suppress(OSError):
            probe.unlink(missing_ok=True)
        raise output_error(exc, folder, folder=True, what=f"cannot write in {folder}") from exc
    return folder


def restrict_tree(path: Path) -> None:
    """Give a folder written by a library (e.g. a review input) and everything in it the
    modes of :func:`file_mode` and :func:`folder_mode`."""
    path = Path(path)
    os.chmod(path, folder_mode())
    for root, folders, files in os.walk(path):
        for name in folders:
            os.chmod(os.path.join(root, name), folder_mode())
        for name in files:
            os.chmod(os.path.join(root, name), file_mode())


def _open_new(path: Path, mode: str, encoding: str | None) -> IO:
    """Create ``path`` (it must not exist) with :func:`file_mode` and open it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), file_mode())
    try:
        os.fchmod(fd, file_mode())  # os.open's mode is masked by the umask
        return os.fdopen(fd, mode, encoding=None if "b" in mode else encoding)
    except BaseException:
        os.close(fd)
        raise


def open_private(path: Path, mode: str = "a", encoding: str | None = "utf-8") -> IO:
    """Open a file that is written as it grows (a log): created with :func:`file_mode` when
    missing (``mode`` ``"w"`` empties it, ``"a"`` appends). Errors as :func:`atomic_file`."""
    path = Path(path)
    try:
        make_folder(path.parent)
        flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if "w" in mode else os.O_APPEND)
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0), file_mode())
        try:
            os.fchmod(fd, file_mode())
            return os.fdopen(fd, mode, encoding=None if "b" in mode else encoding)
        except BaseException:
            os.close(fd)
            raise
    except OSError as exc:
        raise output_error(exc, path) from exc


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------

READ_ONLY = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})
FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def is_output_failure(exc: BaseException) -> bool:
    """Whether ``exc`` says that the place written to cannot take the file (read-only, full),
    as opposed to a failure of the work itself."""
    return isinstance(exc, OutputError) or (isinstance(exc, OSError) and exc.errno in READ_ONLY | FULL)


def output_error(exc: OSError, path: Path, folder: bool = False, what: str | None = None) -> OutputError:
    """The :class:`~amreview.errors.OutputError` of an ``OSError`` met writing ``path`` (a
    file, or with ``folder`` a folder): it names the path, says why, and what to do. ``what``
    replaces the message's opening (``cannot write <path>``)."""
    if isinstance(exc, OutputError):
        return exc
    path = Path(path)
    where = path if folder else path.parent
    what = what or f"cannot {'create the folder' if folder else 'write'} {path}"
    if exc.errno in READ_ONLY:
        nearest = next((p for p in (where, *where.parents) if p.exists()), where)
        reason = f"the folder {nearest} is read-only ({exc.strerror}): choose another output folder or make it writable"
    elif exc.errno in FULL:
        reason = f"the disk holding {where} is full: free some space or choose another output folder"
    elif exc.errno == errno.ENOTDIR or isinstance(exc, NotADirectoryError):
        reason = f"{exc.filename or where} is not a folder: choose another output folder"
    else:
        reason = exc.strerror or str(exc)
    return OutputError(f"{what}: {reason}; nothing half-written was left", path=str(path))
