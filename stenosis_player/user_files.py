"""Reading a file the user can point the app at (a catalogue, settings, a shared program, a
picture): regular files only, never more than a limit, with one clear line when it fails.

    raw = read_limited(path, 5 * MB, what="catalogue")     # bytes, or raises FileProblem
    text = decode_utf8(raw)                                # BOM-tolerant, or FileProblem

Why not ``Path.read_bytes()``: ``/dev/zero`` never ends (a MemoryError after gigabytes), a
FIFO blocks the open until someone writes to it (the window never appears), and ``stat()``
of a device says 0 bytes, so a size check before the read does not help. Here the file is
opened without blocking, checked with ``fstat`` on the open descriptor (no race with a swap
of the path), and read up to the limit plus one byte.

Qt-free.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

KB = 1024
MB = 1024 * KB


class FileProblem(Exception):
    """A file cannot be used: ``str()`` is '<path>: <reason>', one line; ``reason`` alone
    is for callers that name the file themselves."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def size_text(n: int) -> str:
    """A byte count for a person: '5 MB', '300 KB', '812 bytes'."""
    if n >= MB and n % MB == 0:
        return f"{n // MB} MB"
    if n >= KB and n % KB == 0:
        return f"{n // KB} KB"
    return f"{n:,} bytes"


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_limited(path: str | os.PathLike[str], limit: int, *, what: str = "file") -> bytes:
    """The whole content of the regular file ``path``, at most ``limit`` bytes.

    Raises FileNotFoundError when it does not exist (callers often treat that as "use the
    defaults"), and FileProblem for everything else: a folder, a device or FIFO, no
    permission, larger than ``limit``.
    """
    path = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise
    except IsADirectoryError:
        raise FileProblem(path, f"the {what} is a folder, not a file") from None
    except OSError as exc:
        raise FileProblem(path, f"cannot read the {what} ({exc.strerror or exc})") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise FileProblem(
                path,
                f"the {what} is {kind_of(mode)}, not a regular file; only regular files are read",
            )
        chunks: list[bytes] = []
        got = 0
        while got <= limit:
            chunk = os.read(fd, min(1 * MB, limit + 1 - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
    except OSError as exc:
        raise FileProblem(path, f"cannot read the {what} ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    if got > limit:
        raise FileProblem(path, f"the {what} is larger than the limit of {size_text(limit)}")
    return b"".join(chunks)


def decode_utf8(raw: bytes) -> str:
    """UTF-8 text, with a leading byte-order mark (as some Windows editors write) dropped.

    Raises ValueError naming the offset of the first bad byte (callers add the path).
    """
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text (bad byte at offset {exc.start})") from None
