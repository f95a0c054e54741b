"""Putting a finished file in place so that a crash or power cut leaves the old file or the
new one, never a truncated one: flush the new file to disk, rename it over the target,
then flush the folder (the rename itself). Used for the speech cache, exported audio and
the history CSV (settings have their own ``atomic_write_text``).

Qt-free.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def fsync_path(path: str | os.PathLike[str]) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def durable_replace(tmp: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """``os.replace(tmp, target)`` with the data and the rename flushed to disk."""
    fsync_path(tmp)
    os.replace(tmp, target)
    if hasattr(os, "O_DIRECTORY"):  # POSIX: make the rename durable too
        with contextlib.suppress(OSError):
            fd = os.open(Path(target).parent, os.O_DIRECTORY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
