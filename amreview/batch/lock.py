"""One run at a time per period's folder: ``<out>/<period>/.lock``, held while the run writes there.

A second run on the same folder is refused (the two would overwrite each other's documents and
manifest) with a :class:`~amreview.errors.ParameterError`; the lock is an ``flock`` on the
file, so it goes with the process that holds it, even one killed outright. A run refused before
writing anything leaves neither its lock file nor the folders made for it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from amreview.errors import OutputError, ParameterError
from amreview.files import open_private

LOCK_FILE = ".lock"  # held by the run writing to <out>/<period>/
LOCK_ATTEMPTS = 5  # a lock file removed under us this many times in a row: another run is busy there


@contextlib.contextmanager
def run_lock(folder: Path, made: Sequence[Path] = ()) -> Iterator[None]:
    """Hold ``<folder>/.lock`` for the run: a second run on the same period's folder is refused
    (the two would overwrite each other's documents and manifest).

    The lock file lives as long as the run: when the run leaves, the file is removed (while
    still held), and so are the folders ``made`` for the run (deepest first) that it leaves
    empty, so a run refused before writing anything (a pack that breaks the contract, an
    unknown name) leaves nothing behind. A run that opened the lock file just before it was
    removed would hold a lock on a file no longer in the folder, and could run beside the next
    run: a lock counts only while the file locked is still the one at ``<folder>/.lock``
    (:func:`take_lock`).
    """
    import fcntl

    path = folder / LOCK_FILE
    try:
        handle = take_lock(path)
        try:
            yield
        finally:
            if _is_file_at(handle, path):  # removed before it is released: a later locker sees it gone
                path.unlink(missing_ok=True)
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()
    finally:
        for made_folder in made:
            with contextlib.suppress(OSError):  # not empty (or not ours any more): it stays
                made_folder.rmdir()


def take_lock(path: Path) -> IO:
    """The lock file ``path``, open and locked (exclusively, without waiting): the file at
    ``path`` once locked, tried again when the run that held it removed it meanwhile. A
    :class:`ParameterError` when another run holds it."""
    import fcntl

    refused = ParameterError(f"another amreview run is writing to {path.parent}; wait for it to finish")
    for _ in range(LOCK_ATTEMPTS):
        try:
            handle = open_private(path, "a")
        except OutputError as exc:
            if isinstance(exc.__cause__, FileNotFoundError):  # the folder went with a refused run's lock
                continue
            raise
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise refused from None
        if _is_file_at(handle, path):
            return handle
        handle.close()  # locked a removed file: its holder has finished; lock the one there now
    raise refused


def _is_file_at(handle: IO, path: Path) -> bool:
    """Whether the open file ``handle`` is the file at ``path`` (not removed or replaced)."""
    try:
        there = path.stat()
    except FileNotFoundError:
        return False
    mine = os.fstat(handle.fileno())
    return (mine.st_dev, mine.st_ino) == (there.st_dev, there.st_ino)


def missing_folders(folder: Path) -> list[Path]:
    """``folder`` and the folders above it that do not exist yet, the deepest first."""
    missing = []
    for path in (folder, *folder.parents):
        if path.exists():
            break
        missing.append(path)
    return missing
