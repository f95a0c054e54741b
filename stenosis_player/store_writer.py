"""Writes to the progress store, in order, off the UI thread, and none of them lost.

Qt-free. A write is a *job*: one or more store calls (by method name, with JSON-able
arguments) committed together. Jobs run in the order they were asked for, on one writer
thread that owns the write connection (``synchronous=FULL`` commits take 30-60 ms on a busy
disk: a stall of two to four frames if the UI thread made them). Without a thread (tools,
scripts) the same queue runs on the caller's thread.

* **Faults** (a lock held by another program, a full disk): the job stays first in the
  queue and is tried again when asked (``kick``), at most every RETRY_EVERY_S seconds,
  doubling up to RETRY_AT_MOST_S; :attr:`StoreWriter.problem` says why in words. A request
  the database refuses as such (a constraint) is dropped and logged, never retried: it
  would block every write after it.
* **Session ids**: a session's row is made by a job of its own; later jobs name the
  session by a key (``{"$session": key}``), resolved when they run.
* **Close**: the queue is written, waiting at most ``timeout`` seconds; what is left (a
  stuck disk, a lock that stays) goes to a journal, ``<database>.pending.json``, written
  atomically. The next writer on that database runs the journal's jobs first. Every job
  records its token in ``applied_writes`` in its own transaction, so a job that was still
  on its way at close (and may have landed) is not written twice.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .durable_files import durable_replace
from .progression import DoseChange
from .store import PlannedExercise, SegmentDone, StoreError, from_iso, to_iso

if TYPE_CHECKING:
    from .store import Store

log = logging.getLogger(__name__)

RETRY_EVERY_S = 5.0  # while saving fails, the first retry comes this long after
RETRY_AT_MOST_S = 60.0  # the gap doubles after each failed retry, up to this
CLOSE_WAIT_S = 3.0  # closing waits this long for the queue, then keeps the rest in the journal
CALL_WAIT_S = 2.0  # a write that returns a value waits this long for it
IDLE_WAIT_S = 2.0  # a read that must see the queued writes waits this long for them
KEEP_TOKENS_DAYS = 60  # journal tokens older than this are forgotten

# A database that fails for now (locked, full, unwritable): kept and tried again. Anything
# else an op raises is a request the store refuses: dropped, so it cannot block the rest.
RETRYABLE = (sqlite3.OperationalError, sqlite3.DatabaseError, OSError)
REFUSED = (sqlite3.IntegrityError, sqlite3.ProgrammingError, StoreError, ValueError, TypeError)

# The store methods a job may call: the store's writes.
WRITES = frozenset(
    {
        "begin_session",
        "record_segment",
        "set_resume_point",
        "finish_session",
        "mark_abandoned",
        "continue_session",
        "record_checkin",
        "record_hurt",
        "record_answer",
        "remove_exercise",
        "restore_exercise",
        "record_dose_change",
        "undo_dose_change",
    }
)
_TYPES: dict[str, type] = {t.__name__: t for t in (SegmentDone, PlannedExercise, DoseChange)}


def new_key() -> str:
    """A random key (os.urandom: the uuid module costs ~20 ms to import)."""
    return os.urandom(16).hex()


def journal_path(database: Path) -> Path:
    return database.with_name(database.name + ".pending.json")


def session_ref(key: str) -> dict[str, str]:
    """An argument standing for the session made by the job bound to ``key``."""
    return {"$session": key}


def op(name: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """One store call, as data (JSON-able: it may have to wait in the journal)."""
    if name not in WRITES:
        raise ValueError(f"{name!r} is not a write of the progress store")
    return {"op": name, "args": [_encode(a) for a in args], "kwargs": _encode(kwargs)}


def _encode(value: Any) -> Any:
    if type(value).__name__ in _TYPES and dataclasses.is_dataclass(value):
        return {"$type": type(value).__name__, "fields": dataclasses.asdict(value)}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any, sessions: dict[str, int]) -> Any:
    if isinstance(value, dict):
        if "$type" in value:
            return _TYPES[value["$type"]](**value["fields"])
        if "$session" in value:
            key = value["$session"]
            if key not in sessions:
                raise StoreError(f"the session of this write was never saved ({key})")
            return sessions[key]
        return {k: _decode(v, sessions) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v, sessions) for v in value]
    return value


class Outcome:
    """What became of a job: its result or the error that refused it (set once)."""

    __slots__ = ("_done", "_error", "_result")

    def __init__(self) -> None:
        self._done = threading.Event()
        self._result: Any = None
        self._error: BaseException | None = None

    def set_result(self, result: Any) -> None:
        self._result = result
        self._done.set()

    def set_exception(self, error: BaseException) -> None:
        self._error = error
        self._done.set()

    def done(self) -> bool:
        return self._done.is_set()

    def exception(self) -> BaseException | None:
        return self._error

    def result(self) -> Any:
        if self._error is not None:
            raise self._error
        return self._result


class Job:
    """One or more store calls committed together (a plain class: dataclasses cost
    milliseconds to make, and this module is imported just after the first frame)."""

    __slots__ = ("at", "binds", "future", "ops", "token")

    def __init__(
        self,
        ops: list[dict[str, Any]],
        at: str,  # when it was asked for: its rows are stamped with this time, however late
        binds: str | None = None,  # the session key this job's result (a session id) names
        token: str | None = None,
    ) -> None:
        self.ops = ops
        self.at = at
        self.binds = binds
        self.token = token or new_key()
        self.future = Outcome()

    def to_json(self, sessions: dict[str, int]) -> dict[str, Any]:
        def known(value: Any) -> Any:  # sessions already made are named by their id
            if isinstance(value, dict):
                if set(value) == {"$session"} and value["$session"] in sessions:
                    return sessions[value["$session"]]
                return {k: known(v) for k, v in value.items()}
            if isinstance(value, list):
                return [known(v) for v in value]
            return value

        return {"token": self.token, "at": self.at, "binds": self.binds, "ops": known(self.ops)}

    @classmethod
    def from_json(cls, data: Any) -> Job:
        if not isinstance(data, dict) or not isinstance(data.get("ops"), list):
            raise ValueError("a job has no list of ops")
        for o in data["ops"]:
            if not isinstance(o, dict) or o.get("op") not in WRITES:
                raise ValueError(f"unknown write {o!r:.80}")
        from_iso(str(data["at"]))
        return cls(ops=data["ops"], at=data["at"], binds=data.get("binds"), token=data["token"])


def save_problem_text(exc: BaseException) -> str:
    """Why a write failed, in words for the person on the mat (no SQL jargon)."""
    import errno

    text = str(exc)
    low = text.lower()
    if "locked" in low or "busy" in low:
        why = "the progress file is in use by another program"
    elif "full" in low or getattr(exc, "errno", None) == errno.ENOSPC:
        why = "the disk is full"
    elif "readonly" in low or "read-only" in low or isinstance(exc, PermissionError):
        why = "the progress file cannot be written (check its permissions)"
    elif "disk i/o" in low:
        why = "the progress file or its -wal/-shm files cannot be written"
    else:
        why = text.splitlines()[0][:200] if text else type(exc).__name__
    return f"Progress is not being saved: {why}. Trying again; the session goes on."


class StoreWriter:
    """The ordered queue of one store's writes; see the module's notes."""

    def __init__(
        self, store: Store, *, threaded: bool, clock: Callable[[], float] | None = None
    ) -> None:
        self.store = store
        self.journal = journal_path(store.path)
        self.clock = clock or time.monotonic
        self.problem: str | None = None  # why the first job could not be written, or None
        self.journal_notice: str | None = None  # a journal that could not be read
        self._cv = threading.Condition()
        self._queue: collections.deque[Job] = collections.deque()
        self._sessions: dict[str, int] = {}
        self._next_try = 0.0
        self._gap = RETRY_EVERY_S
        self._go = False  # asked to write (a kick)
        self._busy = False  # writing
        self._stop = False
        self._journaled: set[str] = set()  # tokens of jobs read from the journal
        self._thread: threading.Thread | None = None
        self._own: Store | None = None if threaded else store  # the write connection
        self.writer_thread_id: int | None = None if threaded else threading.get_ident()
        self._load_journal()
        if threaded:
            self._thread = threading.Thread(target=self._loop, name="store-writer", daemon=True)
            self._thread.start()
        if self._queue:
            self.kick(force=True)

    # ------------------------------------------------------------------ asking for writes
    @property
    def pending(self) -> int:
        """How many jobs wait (or are being written)."""
        return len(self._queue)

    def session_of(self, key: str) -> int | None:
        return self._sessions.get(key)

    def bind(self, key: str, session_id: int) -> None:
        """``key`` names a session that already exists (one being continued)."""
        with self._cv:
            self._sessions[key] = session_id

    def submit(self, ops: list[dict[str, Any]], *, binds: str | None = None) -> Job:
        """Queue one job (its ops commit together); written at once unless earlier jobs
        are waiting for the store to work again (then at the next retry)."""
        job = Job(ops=list(ops), at=to_iso(self.store.now()), binds=binds)
        with self._cv:
            self._queue.append(job)
            first = len(self._queue) == 1
        self.kick(force=first)
        if self._thread is None and job.future.done() and job.future.exception() is not None:
            raise job.future.exception()  # inline: a refused request is the caller's error
        return job

    def kick(self, *, force: bool = False) -> None:
        """Write what is queued now, or (after a failure, unless ``force``) only once the
        retry gap has passed: a file locked for long must not cost every tick a try."""
        with self._cv:
            if not self._queue:
                return
            if not force and self.problem is not None and self.clock() < self._next_try:
                return
            self._go = True
            self._cv.notify_all()
        if self._thread is None:
            self._drain_here()

    def call(self, name: str, args: tuple, kwargs: dict) -> Any:
        """A store write that returns a value, asked for from another thread: queued in
        order, and its result waited for (at most CALL_WAIT_S). If the store fails, the
        write stays queued and StoreError says why."""
        job = self.submit([op(name, *args, **kwargs)])
        self.kick(force=True)
        self._wait(lambda: job.future.done() or self._stuck(), CALL_WAIT_S)
        if job.future.done():
            return job.future.result()
        raise StoreError(
            f"{self.problem or 'Progress is being saved slowly.'} This change is kept and "
            "saved when the progress file works again."
        )

    def wait_idle(self, timeout: float = IDLE_WAIT_S) -> bool:
        """Wait (at most ``timeout`` s) until every queued job is written or the store has
        failed and waits for its next retry; True if nothing is left."""
        self._wait(self._stuck, timeout)
        return not self._queue

    def settle(self, timeout: float = IDLE_WAIT_S) -> bool:
        """Try now (even within the retry gap), then :meth:`wait_idle`."""
        self.kick(force=True)
        return self.wait_idle(timeout)

    def _stuck(self) -> bool:  # called under the lock: nothing more will happen unless kicked
        return not self._queue or (not self._go and not self._busy)

    def _wait(self, done: Callable[[], bool], timeout: float) -> None:
        if self._thread is None or threading.get_ident() == self.writer_thread_id:
            return  # inline: the work is already done (or failed)
        with self._cv:
            self._cv.wait_for(done, timeout)

    # ------------------------------------------------------------------ writing
    def _loop(self) -> None:
        self.writer_thread_id = threading.get_ident()
        while True:
            with self._cv:
                self._cv.wait_for(lambda: self._go or self._stop)
                if self._stop and not self._go:
                    break
                self._go = False
                self._busy = True
            try:
                self._drain()
            finally:
                with self._cv:
                    self._busy = False
                    self._cv.notify_all()
        if self._own is not None:
            with contextlib.suppress(sqlite3.Error):
                self._own.close()

    def _drain_here(self) -> None:
        with self._cv:
            if self._busy:
                return  # a write asked for from inside a write
            self._go = False
            self._busy = True
        try:
            self._drain()
        finally:
            with self._cv:
                self._busy = False

    def _drain(self) -> None:
        """Write jobs from the front until none is left or one fails."""
        while True:
            with self._cv:
                if not self._queue or self._stop:
                    break  # closing: what is left goes to the journal
                job = self._queue[0]
            try:
                if self._own is None:
                    self._own = self._open_own()
                result = self._run(self._own, job)
            except REFUSED as exc:  # (before RETRYABLE: a constraint is a DatabaseError too)
                log.error("a progress write was refused and dropped: %s (%s)", exc, job.ops)
                self._done(job)
                job.future.set_exception(exc)
                continue
            except RETRYABLE as exc:
                self._failed(exc)
                return
            self._done(job)
            job.future.set_result(result)
        with self._cv:
            if not self._queue:
                self.problem = None
                self._gap = RETRY_EVERY_S

    def _open_own(self) -> Store:
        from .store import Store

        own = Store.attach(self.store.path, self.store.now)
        with contextlib.suppress(sqlite3.Error):  # forget tokens no journal can still hold
            cutoff = to_iso(self.store.now() - timedelta(days=KEEP_TOKENS_DAYS))
            own.connection.execute("DELETE FROM applied_writes WHERE at < ?", (cutoff,))
        return own

    def _run(self, store: Store, job: Job) -> Any:
        with self._cv:
            sessions = dict(self._sessions)
        moment = from_iso(job.at)
        real_now = store.now
        store.now = lambda: moment  # the rows say when it happened, not when it landed
        try:
            with store.transaction() as c:
                row = c.execute(
                    "SELECT result FROM applied_writes WHERE token = ?", (job.token,)
                ).fetchone()
                if row is not None:  # landed before the app closed, and was kept anyway
                    result = row[0]
                else:
                    result = None
                    for o in job.ops:
                        method = getattr(store, o["op"])
                        result = method(
                            *_decode(o["args"], sessions), **_decode(o["kwargs"], sessions)
                        )
                    c.execute(
                        "INSERT INTO applied_writes (token, result, at) VALUES (?, ?, ?)",
                        (job.token, result if isinstance(result, int) else None, job.at),
                    )
        finally:
            store.now = real_now
        if job.binds is not None:
            with self._cv:
                self._sessions[job.binds] = int(result)
        return result

    def _done(self, job: Job) -> None:
        with self._cv:
            replayed = job.token in self._journaled
            self._journaled.discard(job.token)
            if replayed and not self._journaled and not self._stop:
                with contextlib.suppress(OSError):
                    self.journal.unlink()  # all it held is in the database now
            self._queue.popleft()  # (last: a reader waiting for an empty queue sees it all)
            self._cv.notify_all()

    def _failed(self, exc: BaseException) -> None:
        with self._cv:
            self._next_try = self.clock() + self._gap
            if self.problem is not None:  # a retry failed too: wait longer next time
                self._gap = min(self._gap * 2, RETRY_AT_MOST_S)
            self.problem = save_problem_text(exc)

    # ------------------------------------------------------------------ closing, journal
    def close(self, timeout: float | None = None) -> str | None:
        """Write what is queued, waiting at most ``timeout`` s (CLOSE_WAIT_S); keep the
        rest in the journal. Returns what to tell the user, or None if all is written."""
        limit = CLOSE_WAIT_S if timeout is None else timeout
        deadline = time.monotonic() + limit
        while self._queue:
            self.kick(force=True)
            left = deadline - time.monotonic()
            self._wait(self._stuck, max(0.0, left))
            if not self._queue or left <= 0:
                break
            with self._cv:  # failed: try again a little later, until the deadline
                self._cv.wait(min(0.1, max(0.0, deadline - time.monotonic())))
        with self._cv:
            self._stop = True
            self._cv.notify_all()
        if self._thread is not None:
            self._thread.join(max(0.0, deadline - time.monotonic()) + 0.5)
        with self._cv:
            left_over = list(self._queue)  # with a job a stuck disk still holds, if any
            sessions = dict(self._sessions)
        if self._thread is None and self._own is not None and self._own is not self.store:
            self._own.close()
        if not left_over:
            return None
        return self._write_journal(left_over, sessions)

    def _write_journal(self, jobs: list[Job], sessions: dict[str, int]) -> str:
        why = self.problem or "the progress file did not answer in time"
        data = {"version": 1, "jobs": [j.to_json(sessions) for j in jobs]}
        tmp = self.journal.with_name(self.journal.name + ".tmp")
        try:
            tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
            durable_replace(tmp, self.journal)
        except OSError as err:
            with contextlib.suppress(OSError):
                tmp.unlink()
            return (
                f"{len(jobs)} change(s) to your progress could not be saved ({why}), and "
                f"could not be kept in {self.journal} either: {err.strerror or err}."
            )
        return (
            f"{len(jobs)} change(s) to your progress could not be saved yet ({why}); they "
            f"are kept in {self.journal} and saved at the next start."
        )

    def _load_journal(self) -> None:
        if not self.journal.exists():
            return
        try:
            data = json.loads(self.journal.read_text(encoding="utf-8"))
            jobs = [Job.from_json(j) for j in data["jobs"]]
        except (OSError, ValueError, KeyError, TypeError) as err:
            kept = self.journal.with_name(
                f"{self.journal.name}.unreadable-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
            )
            with contextlib.suppress(OSError):
                os.replace(self.journal, kept)
            self.journal_notice = (
                f"Changes kept from the last run could not be read ({err}); the file was "
                f"kept as {kept}."
            )
            return
        self._queue.extend(jobs)
        self._journaled = {j.token for j in jobs}
