"""Atomic writes: every file amreview publishes appears whole or not at all.

A file is written to a hidden temporary sibling (``.<name>.<pid>-<hex>.tmp``, unique per
process and call), flushed to disk, then renamed over its final name with ``os.replace``,
which is atomic within one file system: a reader — a person, the index, a resumed run — sees
the old file or the new one, never half of one. A run killed mid-write leaves only a temporary
file, which :data:`TEMPORARY_FILE` recognises so the next run can sweep it.
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO

# ".<name>.<pid>-<12 hex>" and a suffix: ".tmp", or ".partial.ipynb" (papermill's output name)
TEMPORARY_FILE = re.compile(r"^\..+\.\d+-[0-9a-f]{12}(\.tmp|\.partial\.ipynb)$")


def temporary_sibling(path: Path, suffix: str = ".tmp") -> Path:
    """A hidden, unique name in ``path``'s folder (see the module docstring)."""
    path = Path(path)
    return path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:12]}{suffix}")


@contextlib.contextmanager
def atomic_file(path: Path, mode: str = "x", encoding: str | None = "utf-8") -> Iterator[IO]:
    """Open a temporary sibling of ``path`` for writing (``mode`` ``"x"`` text or ``"xb"``
    bytes); when the block ends, flush it to disk and rename it to ``path``. On an error the
    temporary file is removed and ``path`` is left as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_sibling(path)
    try:
        # not mkstemp: the file keeps the umask's permissions
        with tmp.open(mode, encoding=None if "b" in mode else encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_file(path) as handle:
        handle.write(text)
