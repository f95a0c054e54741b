"""The lengths of the cached speech clips, kept in one small file beside them.

The start screen's plan is timed by the real clips of earlier runs. Reading their 60-odd
WAV headers was a few milliseconds of the window's first frame; one JSON file read
instead gives the same numbers. It is a cache, never trusted blindly: each clip is still
looked at (one stat), and a clip whose size, modification time or inode differs from what
the index says was made again, so its header is read anew. A missing, damaged or foreign
index file is simply rebuilt. Qt-free.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import threading
import wave
from pathlib import Path

from .synth import clip_seconds

INDEX_NAME = "clip-lengths.json"
FORMAT = "stenosis-player clip lengths 1"
MAX_INDEX_BYTES = 2 * 1024 * 1024  # a cache of a few thousand clips at most


def _identity(st: os.stat_result) -> list[int]:
    # a clip is replaced by a rename (synth.py), so a new one has a new inode as well
    return [st.st_size, st.st_mtime_ns, st.st_ino]


class ClipLengths:
    """Clip lengths by file name for one cache folder (``<folder>/clip-lengths.json``).

    ``seconds(path)`` answers from the index when the file is the one indexed, else from
    the file's header (and remembers it); ``save()`` writes the index when it changed.
    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self.file = self.folder / INDEX_NAME
        self._entries: dict[str, list] | None = None  # read on first use
        self.changed = False
        self.headers_read = 0  # clips whose header had to be read (for tests and benchmarks)
        self._write_lock = threading.Lock()
        self._writes_asked = 0  # copies handed to _write, in the order they were taken
        self._written = 0  # the latest of them on the disk

    def _load(self) -> dict[str, list]:
        if self._entries is None:
            self._entries = _read_index(self.file)
            if self._entries is None:  # missing or damaged: rebuilt from the clips
                self._entries = {}
                self.changed = True
        return self._entries

    def seconds(self, path: Path) -> float | None:
        """The length of the clip at ``path``; None when there is no complete clip there.
        Raises OSError or EOFError (via ``wave``) for a clip whose header cannot be read."""
        try:
            st = path.stat()
        except OSError:
            return None
        if st.st_size <= 44:  # a header at most: not a clip (synth.cached says the same)
            return None
        entries = self._load()
        identity = _identity(st)
        entry = entries.get(path.name)
        if entry is not None and entry[:3] == identity:
            return float(entry[3])
        entries.pop(path.name, None)
        try:
            seconds = clip_seconds(path)
        except wave.Error as exc:
            raise EOFError(f"{path.name}: {exc}") from exc
        self.headers_read += 1
        self._remember(path.name, identity, seconds)
        return seconds

    def record(self, path: Path, seconds: float) -> None:
        """A clip just made (its length is known): indexed without reading it back."""
        try:
            st = path.stat()
        except OSError:
            return
        self._load()
        self._remember(path.name, _identity(st), seconds)

    def _remember(self, name: str, identity: list[int], seconds: float) -> None:
        assert self._entries is not None
        if math.isfinite(seconds) and seconds >= 0:
            self._entries[name] = [*identity, seconds]
            self.changed = True

    def save(self) -> None:
        """Write the index if it changed (a temporary file renamed over it). A cache folder
        that cannot be written just means headers are read again next time."""
        if not self.changed or self._entries is None:
            return
        self.changed = False
        live = self._write(dict(self._entries), self._next_write())
        if live is None:
            self.changed = True
        else:
            self._entries = live

    def save_in_background(self) -> threading.Thread | None:
        """:meth:`save` on a thread of its own, for the window: its stat of every clip and
        its write were 1-2 ms on a quiet disk, but up to 200 ms of a frozen window when
        other programs kept the disk busy. The entries are copied here, on the caller's
        thread; the thread only reads that copy and the files."""
        if not self.changed or self._entries is None:
            return None
        self.changed = False  # a clip indexed meanwhile makes it changed again
        entries, seq = dict(self._entries), self._next_write()

        def run() -> None:
            if self._write(entries, seq) is None:
                self.changed = True  # not written: the next save tries again

        thread = threading.Thread(target=run, name="clip-lengths-save", daemon=True)
        thread.start()
        return thread

    def _next_write(self) -> int:
        self._writes_asked += 1
        return self._writes_asked

    def _write(self, entries: dict[str, list], seq: int) -> dict[str, list] | None:
        """Write ``entries`` less those of clips deleted since (so the file does not grow
        forever); the entries written, or None when the folder cannot be written. One
        write at a time, and never an older copy over a newer one: a save at close may
        meet one still running in the background."""
        live = {n: e for n, e in entries.items() if (self.folder / n).is_file()}
        text = json.dumps({"format": FORMAT, "clips": live}, separators=(",", ":"))
        with self._write_lock:
            if seq < self._written:
                return live  # a later copy is on the disk already
            self._written = seq
            tmp = self.file.with_name(f".{INDEX_NAME}.{os.getpid()}.tmp")
            try:
                tmp.write_text(text, encoding="utf-8")
                os.replace(tmp, self.file)
            except OSError:
                with contextlib.suppress(OSError):
                    tmp.unlink(missing_ok=True)
                return None
        return live


def _read_index(file: Path) -> dict[str, list] | None:
    """The index's entries, or None when it is missing, damaged or not ours."""
    try:
        if file.stat().st_size > MAX_INDEX_BYTES:
            return None
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # ValueError: bad JSON or bad UTF-8
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    clips = data.get("clips")
    if not isinstance(clips, dict):
        return None
    good: dict[str, list] = {}
    for name, entry in clips.items():
        if _valid_entry(name, entry):
            good[name] = entry
    return good


def _valid_entry(name: object, entry: object) -> bool:
    """[size, mtime_ns, inode, seconds] for a plain ``*.wav`` file name in the folder."""
    if not isinstance(name, str) or not name.endswith(".wav") or "/" in name or "\\" in name:
        return False
    if not isinstance(entry, list) or len(entry) != 4:
        return False
    ints, seconds = entry[:3], entry[3]
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in ints):
        return False
    return (
        isinstance(seconds, int | float)
        and not isinstance(seconds, bool)
        and math.isfinite(seconds)
        and seconds >= 0
    )
