"""One running copy per data folder, decided by the operating system.

The lock is an advisory lock (``flock`` on POSIX, ``msvcrt.locking`` on Windows) held on a
file in the data folder for as long as the app runs. The system drops it the moment the
process ends, however it ends, so there is no stale lock to judge (a clean exit also
removes the file): a PID left in a file
can belong to another program later (a Python PID re-used by another Python looked like a
live copy), and a lock in ``$TMPDIR`` let two copies with different ``TMPDIR``s share one
database. The PID written into the file is only for a person looking at it.

Qt-free.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

LOCK_NAME = "stenosis-player.lock"

if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        with contextlib.suppress(OSError):
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)


def _still_the_file(fd: int, path: Path) -> bool:
    """Whether ``path`` still names the file open as ``fd``."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    mine = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)


class InstanceLockError(OSError):
    """The lock file cannot be made (a read-only data folder); the message says where."""


class InstanceLock:
    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.path = Path(folder) / LOCK_NAME
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> bool:
        """True: this process now holds the lock. False: another running copy holds it."""
        if self._fd is not None:
            return True
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise InstanceLockError(
                f"cannot make the lock file {self.path}: {exc.strerror or exc}"
            ) from None
        if not _try_lock(fd):
            os.close(fd)
            return False
        if not _still_the_file(fd, self.path):
            # the holder removed the file between our open and our lock: the lock we got
            # is on a file nobody else will find; take the new one instead
            _unlock(fd)
            os.close(fd)
            return self.acquire()
        with contextlib.suppress(OSError):  # for a person reading the file; never trusted
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def release(self) -> None:
        """Let go, and remove the file (while still holding it, so the next copy either
        finds it locked or finds a new one: see _still_the_file)."""
        if self._fd is not None:
            if os.name != "nt":  # Windows cannot remove an open file
                with contextlib.suppress(OSError):
                    self.path.unlink()
            _unlock(self._fd)
            os.close(self._fd)
            self._fd = None
