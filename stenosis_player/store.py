"""Progress on disk: one SQLite file with sessions, finished segments, check-ins and more.

Qt-free. What it promises:

* WAL journal, ``synchronous=FULL``: every finished segment is committed at once and
  survives a killed process (and a power cut).
* The schema version lives in ``PRAGMA user_version``; each migration runs in one
  transaction, so a failed upgrade leaves the previous version intact.
* A file written by a *newer* version of the app is refused with :class:`StoreError` and
  never opened for writing (its bytes stay identical).
* A file that is not a database, or is truncated or malformed, is moved aside to
  ``<name>.corrupt-YYYYmmdd-HHMMSS`` (with its ``-wal``/``-shm``), never deleted; a fresh
  database is started and :attr:`Store.opened_notice` says where the old one went.

Timestamps are ISO 8601 strings in UTC (``2025-03-01T08:30:00+00:00``); tests inject ``now``.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .progression import DoseChange, ExerciseSession

if TYPE_CHECKING:
    from .store_writer import StoreWriter

Now = Callable[[], datetime]
F = TypeVar("F", bound=Callable[..., Any])

OUTCOMES = ("completed", "stopped", "crashed", "in-progress")
HURT_CHOICES = ("skip", "easier", "remove", "end", "continue")
ANSWERS = ("yes", "no", "none")
MOMENTS = ("before", "after")
# Segment kinds that end one rep (or one timed bout): what "reps done" counts.
REP_KINDS = frozenset({"release", "timed"})

_SQLITE_MAGIC = b"SQLite format 3\x00"
OPEN_WAIT_S = 5.0  # opening may wait this long for another program's lock
WRITE_WAIT_MS = 150  # a write during a session waits at most this long (then it is retried)


class StoreError(Exception):
    """The progress database cannot be used; the message says why, in one line."""


def _writes(method: F) -> F:
    """A write: with a writer thread started, it is queued there (in order with the
    session's writes) and this waits for its result; otherwise it runs here."""

    @functools.wraps(method)
    def routed(self: Store, *args: Any, **kwargs: Any) -> Any:
        if self._writer is None and self._thread_wanted:
            self.start_writer()
        if self._writer is None:
            return method(self, *args, **kwargs)
        return self._writer.call(method.__name__, args, kwargs)

    return routed  # type: ignore[return-value]


def _reads(method: F) -> F:
    """A read that must see every write asked for before it (read-your-writes): with a
    writer thread, it first waits (bounded) for the queued writes to land."""

    @functools.wraps(method)
    def after_writes(self: Store, *args: Any, **kwargs: Any) -> Any:
        if self._writer is not None:
            self._writer.wait_idle()
        return method(self, *args, **kwargs)

    return after_writes  # type: ignore[return-value]


@dataclass(frozen=True)
class ResumeInfo:
    """An unfinished session the next start can offer to continue."""

    session_id: int
    program_id: str
    resume_index: int  # the first segment not yet done: where the engine starts again
    label: str  # where that is, in words: "Seated lumbar flexion, set 2"
    started_at: datetime
    segments_done: int
    script_fingerprint: str | None  # the script's shape then; resume only if it still matches


@dataclass(frozen=True)
class PlannedExercise:
    """One exercise of a session's script, written when the session begins."""

    exercise_id: str
    name: str
    first_index: int
    last_index: int
    planned_reps: int


@dataclass(frozen=True)
class SegmentDone:
    index: int
    kind: str
    exercise_id: str | None = None
    set: int = 0
    rep: int = 0
    side: str | None = None
    skipped: bool = False
    duration: float = 0.0  # script seconds, added to the session's total when not skipped


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_iso(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --------------------------------------------------------------------------- schema
# Migration N (1-based) takes a database from version N-1 to N. Never edit a released one:
# add a new step at the end.
_V1 = """
CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    program_id  TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    ended_at    TEXT,
    outcome     TEXT NOT NULL DEFAULT 'in-progress'
                CHECK (outcome IN ('completed', 'stopped', 'crashed', 'in-progress')),
    total_s     REAL NOT NULL DEFAULT 0
);
CREATE INDEX sessions_by_start ON sessions (started_at);
CREATE INDEX sessions_by_outcome ON sessions (outcome);
CREATE TABLE segments_done (
    session_id    INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    segment_index INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    exercise_id   TEXT,
    set_no        INTEGER NOT NULL DEFAULT 0,
    rep           INTEGER NOT NULL DEFAULT 0,
    side          TEXT,
    finished_at   TEXT NOT NULL,
    skipped       INTEGER NOT NULL DEFAULT 0 CHECK (skipped IN (0, 1)),
    PRIMARY KEY (session_id, segment_index)
) WITHOUT ROWID;
CREATE TABLE checkins (
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    moment     TEXT NOT NULL CHECK (moment IN ('before', 'after')),
    pain       INTEGER CHECK (pain IS NULL OR pain BETWEEN 0 AND 10),
    at         TEXT NOT NULL,
    PRIMARY KEY (session_id, moment)
) WITHOUT ROWID;
"""

_V2 = """
ALTER TABLE sessions ADD COLUMN resume_index INTEGER;
ALTER TABLE sessions ADD COLUMN resume_label TEXT;
ALTER TABLE sessions ADD COLUMN segment_count INTEGER;
ALTER TABLE sessions ADD COLUMN script_fingerprint TEXT;
CREATE TABLE session_exercises (
    session_id    INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    exercise_id   TEXT NOT NULL,
    exercise_name TEXT NOT NULL,
    first_index   INTEGER NOT NULL,
    last_index    INTEGER NOT NULL,
    planned_reps  INTEGER,          -- NULL: not known (sessions recorded before version 2)
    done_reps     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, exercise_id)
) WITHOUT ROWID;
INSERT INTO session_exercises
    (session_id, exercise_id, exercise_name, first_index, last_index, planned_reps, done_reps)
SELECT session_id, exercise_id, exercise_id, MIN(segment_index), MAX(segment_index), NULL,
       SUM(CASE WHEN skipped = 0 AND kind IN ('release', 'timed') THEN 1 ELSE 0 END)
FROM segments_done WHERE exercise_id IS NOT NULL GROUP BY session_id, exercise_id;
CREATE TABLE hurts (
    id            INTEGER PRIMARY KEY,
    session_id    INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    exercise_id   TEXT,
    segment_index INTEGER,
    choice        TEXT NOT NULL CHECK (choice IN ('skip', 'easier', 'end', 'continue')),
    at            TEXT NOT NULL
);
CREATE INDEX hurts_by_session ON hurts (session_id);
CREATE TABLE answers (
    id            INTEGER PRIMARY KEY,
    session_id    INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    segment_index INTEGER,
    exercise_id   TEXT,
    question      TEXT NOT NULL,
    answer        TEXT NOT NULL CHECK (answer IN ('yes', 'no', 'none')),
    at            TEXT NOT NULL
);
CREATE INDEX answers_by_session ON answers (session_id);
CREATE TABLE removed_exercises (
    id          INTEGER PRIMARY KEY,
    exercise_id TEXT NOT NULL,
    removed_at  TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    restored_at TEXT
);
CREATE UNIQUE INDEX removed_exercises_open
    ON removed_exercises (exercise_id) WHERE restored_at IS NULL;
"""

# Version 3: doses grown by progression rules, each with its reason, undoable.
_V3 = """
CREATE TABLE dose_changes (
    id          INTEGER PRIMARY KEY,
    exercise_id TEXT NOT NULL,
    field       TEXT NOT NULL CHECK (field IN ('hold_s', 'reps', 'sets')),
    old_value   INTEGER NOT NULL,
    new_value   INTEGER NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    at          TEXT NOT NULL,
    undone_at   TEXT,
    -- the newest session when the change was made / undone: a later step counts only the
    -- sessions after it (ids, not clock times, so two events in one second stay ordered)
    after_session  INTEGER NOT NULL DEFAULT 0,
    undone_after   INTEGER
);
CREATE INDEX dose_changes_by_exercise ON dose_changes (exercise_id, id);
"""

# Version 4: the speed a session was played at; faster than 1 is a preview (--speed),
# kept apart in the history and never counted toward streaks or progression.
_V4 = """
ALTER TABLE sessions ADD COLUMN speed REAL NOT NULL DEFAULT 1;
"""

# Version 5: "Remove" after "It hurts" can be stored (version 2's check left it out, so the
# write failed on every retry), and the writes a journal replayed, each once
# (store_writer.py: a write still on its way when the app closed may be in the journal too).
_V5 = """
CREATE TABLE hurts_v5 (
    id            INTEGER PRIMARY KEY,
    session_id    INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    exercise_id   TEXT,
    segment_index INTEGER,
    choice        TEXT NOT NULL
                  CHECK (choice IN ('skip', 'easier', 'remove', 'end', 'continue')),
    at            TEXT NOT NULL
);
INSERT INTO hurts_v5 SELECT id, session_id, exercise_id, segment_index, choice, at FROM hurts;
DROP TABLE hurts;
ALTER TABLE hurts_v5 RENAME TO hurts;
CREATE INDEX hurts_by_session ON hurts (session_id);
CREATE TABLE applied_writes (
    token  TEXT PRIMARY KEY,
    result INTEGER,
    at     TEXT NOT NULL
) WITHOUT ROWID;
"""

MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3, _V4, _V5)
SCHEMA_VERSION = len(MIGRATIONS)


def _statements(script: str) -> list[str]:
    """Split a migration into statements (they contain no ';' inside strings)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line.split("--", 1)[0] + ("\n" if "--" in line else "")
        if buf.strip().endswith(";"):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


# --------------------------------------------------------------------------- opening
def _header_problem(path: Path) -> str | None:
    """Why the file is not a usable SQLite database, judged from its header, or None."""
    size = path.stat().st_size
    if size == 0:
        return None  # SQLite treats an empty file as an empty database
    with path.open("rb") as f:
        head = f.read(100)
    if len(head) < 100 or not head.startswith(_SQLITE_MAGIC):
        return "it is not an SQLite database"
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        return "its header is damaged"
    if size % page_size:
        return "it is truncated"
    pages = int.from_bytes(head[28:32], "big")
    change, valid_for = head[24:28], head[92:96]
    wal = path.with_name(path.name + "-wal")
    wal_has_data = wal.exists() and wal.stat().st_size > 0
    if change == valid_for and pages and size < pages * page_size and not wal_has_data:
        return "it is truncated"
    return None


def _header_user_version(path: Path) -> int:
    with path.open("rb") as f:
        head = f.read(100)
    return int.from_bytes(head[60:64], "big", signed=True) if len(head) >= 64 else 0


def _newer_message(path: Path, version: int) -> str:
    return (
        f"{path} was written by a newer version of Stenosis Player (database version "
        f"{version}, this version reads up to {SCHEMA_VERSION}); update the app to open it. "
        "The file was not changed."
    )


class _Corrupt(Exception):
    pass


# What SQLite says when the file itself is damaged. Anything else (a lock, a -wal or -shm
# file that cannot be opened, a read-only folder, no permission) leaves a healthy database
# that must not be moved aside: the user's history and resume point live in it.
_CORRUPTION = ("SQLITE_CORRUPT", "SQLITE_NOTADB")


def _is_corruption(err: sqlite3.Error) -> bool:
    name = getattr(err, "sqlite_errorname", "") or ""
    return name.startswith(_CORRUPTION)


def _cannot_use(path: Path, err: sqlite3.Error) -> StoreError:
    """A clear message for a database that is fine but cannot be opened here."""
    text = str(err)
    name = getattr(err, "sqlite_errorname", "") or ""
    if "locked" in text or "busy" in text or name.startswith("SQLITE_BUSY"):
        why = "it is in use by another program"
    elif name.startswith(("SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_READONLY", "SQLITE_PERM")):
        why = (
            f"it or its {path.name}-wal / {path.name}-shm files cannot be opened for writing "
            f"({text}); check that they are files you own"
        )
    else:
        why = text
    return StoreError(f"cannot open the progress file {path}: {why}. The file was not changed.")


def _expected_columns(version: int) -> dict[str, set[str]]:
    """Our tables and their columns at ``version``, built from the migrations themselves."""
    mem = sqlite3.connect(":memory:")
    try:
        for script in MIGRATIONS[:version]:
            for statement in _statements(script):
                mem.execute(statement)
        return _columns(mem)
    finally:
        mem.close()


def _columns(conn: sqlite3.Connection) -> dict[str, set[str]]:
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {t: {r[1] for r in conn.execute(f'PRAGMA table_info("{t}")')} for t in tables}


def _schema_problem(version: int, found: dict[str, set[str]]) -> str | None:
    """Why a file with these tables is not one of ours at ``version``, or None."""
    if version == 0:
        if found:
            names = ", ".join(sorted(found)[:5])
            return f"it holds another program's tables ({names})"
        return None
    for table, columns in _expected_columns(version).items():
        if table not in found:
            return f"its table {table!r} is missing"
        missing = sorted(columns - found[table])
        if missing:
            return f"its table {table!r} has no column {missing[0]!r}"
    return None


def _foreign_message(path: Path, problem: str) -> str:
    return (
        f"{path} is not a Stenosis Player progress file ({problem}). It was not changed; "
        "move it away or choose another --data-dir to start a new one."
    )


def _check_readable(path: Path) -> None:
    """Read the file through a read-only connection: damage shows up here without any
    write (a read-write connection could checkpoint a WAL into a damaged file on close),
    and so does a file that is not ours, before anything (even the journal mode) changes."""
    try:
        ro = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=OPEN_WAIT_S)
    except sqlite3.Error as err:
        raise _cannot_use(path, err) from err
    try:
        version = ro.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(_newer_message(path, version))
        found = _columns(ro)
        check = ro.execute("PRAGMA quick_check(1)").fetchone()[0]
        if check != "ok":
            raise _Corrupt(f"it is damaged: {check}")
        problem = _schema_problem(version, found)
        if problem:
            raise StoreError(_foreign_message(path, problem))
    except sqlite3.Error as err:
        if _is_corruption(err):
            raise _Corrupt(str(err)) from err
        raise _cannot_use(path, err) from err
    finally:
        ro.close()


class Store:
    """The progress database. Use :meth:`Store.open`; one instance per process (one writer)."""

    def __init__(self, conn: sqlite3.Connection, path: Path, now: Now) -> None:
        self._conn = conn
        self.path = path
        self.now = now
        self.opened_notice: str | None = None  # set when a damaged file was moved aside
        self.moved_aside: Path | None = None
        self.close_notice: str | None = None  # set when writes had to be kept in a journal
        self._depth = 0
        self._writer: StoreWriter | None = None  # the writer thread, once started
        self._inline: StoreWriter | None = None  # the same queue, run on the caller's thread
        self._thread_wanted = False  # start the writer thread at the first write

    # ------------------------------------------------------------------ open / close
    @classmethod
    def open(cls, path: str | os.PathLike[str], *, now: Now | None = None) -> Store:
        """Open (creating folders and the file) and migrate the database at ``path``."""
        now = now or utc_now
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise StoreError(f"cannot create the folder {path.parent}: {err.strerror}") from err
        moved: Path | None = None
        reason = ""
        try:
            store = cls._open_checked(path, now)
        except _Corrupt as err:
            reason = str(err)
            moved = _move_aside(path, now())
            try:
                store = cls._open_checked(path, now)
            except _Corrupt as again:
                raise StoreError(f"cannot start a new database at {path}: {again}") from again
        if moved is not None:
            store.moved_aside = moved
            store.opened_notice = (
                f"The progress file could not be read ({reason}). It was kept as {moved} "
                "and a new, empty one was started."
            )
        return store

    @classmethod
    def _open_checked(cls, path: Path, now: Now) -> Store:
        if path.is_dir():
            raise StoreError(
                f"the progress file {path} is a folder, not a file. Nothing was changed; "
                "move the folder away or choose another --data-dir."
            )
        if not os.access(path.parent, os.W_OK | os.X_OK):
            raise StoreError(
                f"cannot write in the folder {path.parent} (it is read-only or not yours): "
                "progress cannot be saved there. The progress file was not changed."
            )
        if path.exists():
            if not path.is_file():
                raise StoreError(f"the progress file {path} is not a regular file")
            if not os.access(path, os.R_OK | os.W_OK):
                raise StoreError(f"cannot read and write {path}: check its permissions")
            problem = _header_problem(path)
            if problem:
                raise _Corrupt(problem)
            version = _header_user_version(path)
            if version > SCHEMA_VERSION:
                raise StoreError(_newer_message(path, version))
            _check_readable(path)
        try:
            conn = sqlite3.connect(path, isolation_level=None, timeout=OPEN_WAIT_S)
        except sqlite3.Error as err:
            raise StoreError(f"cannot open {path}: {err}") from err
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(_newer_message(path, version))
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise StoreError(f"cannot use write-ahead logging for {path} (got {mode})")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            store = cls(conn, path, now)
            try:
                store._migrate(version)
            except sqlite3.Error as err:
                raise StoreError(
                    f"cannot upgrade {path} from version {version} to {SCHEMA_VERSION}: {err}; "
                    "the file was left at version "
                    f"{conn.execute('PRAGMA user_version').fetchone()[0]}"
                ) from err
            # from now on a write waits only briefly for another program's lock: the session
            # must not stall (the recorder keeps the write and tries again later)
            conn.execute(f"PRAGMA busy_timeout = {WRITE_WAIT_MS}")
            return store
        except sqlite3.Error as err:
            conn.close()
            raise StoreError(f"cannot use {path}: {err}") from err
        except BaseException:
            conn.close()
            raise

    def _migrate(self, version: int) -> None:
        for target in range(version + 1, SCHEMA_VERSION + 1):
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _statements(MIGRATIONS[target - 1]):
                    self._conn.execute(statement)
                self._conn.execute(f"PRAGMA user_version = {target}")
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    @classmethod
    def attach(cls, path: Path, now: Now) -> Store:
        """A second connection to a database :meth:`open` has checked and migrated: the
        writer thread's own (a connection belongs to the thread that made it)."""
        conn = sqlite3.connect(path, isolation_level=None, timeout=WRITE_WAIT_MS / 1000)
        try:
            conn.execute(f"PRAGMA busy_timeout = {WRITE_WAIT_MS}")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
        except BaseException:
            conn.close()
            raise
        return cls(conn, path, now)

    # ------------------------------------------------------------------ the writer
    @property
    def writer(self) -> StoreWriter:
        """The queue every write of a session goes through: the writer thread once
        :meth:`start_writer` has run (the app), else one that writes on the caller's
        thread (tools, scripts), with the same order, retries and journal."""
        if self._writer is None and self._thread_wanted:
            self.start_writer()
        if self._writer is not None:
            return self._writer
        if self._inline is None:
            from .store_writer import StoreWriter

            self._inline = StoreWriter(self, threaded=False)
        return self._inline

    def start_writer(self, clock: Callable[[], float] | None = None) -> StoreWriter:
        """From now on every write runs on one writer thread with its own connection;
        this connection only reads (``query_only``). Writes still queued when the app
        closed (a journal next to the file) are written first."""
        if self._writer is None:
            from .store_writer import StoreWriter

            if self._inline is not None and self._inline.pending:
                self._inline.close()
            self._inline = None
            self._writer = StoreWriter(self, threaded=True, clock=clock)
            self._conn.execute("PRAGMA query_only = 1")
        return self._writer

    def start_wanted_writer(self) -> None:
        """Start now the writer thread that :meth:`writer_thread` asked for (the window
        does, in an idle slice of its own, so that a session's start does not)."""
        if self._writer is None and self._thread_wanted:
            self.start_writer()

    def writer_thread(self) -> StoreWriter | None:
        """Ask for the writer thread (see :meth:`start_writer`) without starting it yet:
        it starts at the first write (its module and thread cost the slice that opens the
        store 5-15 ms), or now if the last run left writes to replay (reads must see them).
        Returns the writer when it started now."""
        if self._writer is not None:
            return self._writer
        self._thread_wanted = True
        if self.path.with_name(self.path.name + ".pending.json").exists():
            return self.start_writer()
        return None

    def close(self, timeout: float | None = None) -> None:
        """Write what is queued (waiting at most ``timeout`` seconds for a stuck disk or
        a lock, then keeping the rest in the journal: see :attr:`close_notice`)."""
        for queue in (self._writer, self._inline):
            if queue is not None:
                self.close_notice = queue.close(timeout) or self.close_notice
        self._writer = self._inline = None
        self._thread_wanted = False  # closed: no writer starts any more
        with contextlib.suppress(sqlite3.Error):
            self._conn.execute("PRAGMA query_only = 0")
            self._conn.execute("PRAGMA optimize")
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def version(self) -> int:
        return self._conn.execute("PRAGMA user_version").fetchone()[0]

    @property
    def connection(self) -> sqlite3.Connection:
        """The raw connection, for reports and benchmarks (read with care). With a writer
        thread, queued writes land first (bounded wait), and it only reads."""
        if self._writer is not None:
            self._writer.wait_idle()
        return self._conn

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Group writes into one commit. Nested uses join the outer transaction."""
        if self._depth:
            self._depth += 1
            try:
                yield self._conn
            finally:
                self._depth -= 1
            return
        self._conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self._conn
        except BaseException:
            self._depth = 0
            self._conn.execute("ROLLBACK")
            raise
        self._depth = 0
        try:
            self._conn.execute("COMMIT")
        except BaseException:
            # a failed COMMIT (full disk, a busy reader) can leave the transaction open:
            # end it, so the next write starts clean and can be retried as a whole
            if self._conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute("ROLLBACK")
            raise

    def _stamp(self) -> str:
        return to_iso(self.now())

    # ------------------------------------------------------------------ sessions
    @_writes
    def begin_session(
        self,
        program_id: str,
        *,
        plan: Sequence[PlannedExercise] = (),
        segment_count: int | None = None,
        script_fingerprint: str | None = None,
        resume_label: str = "",
        speed: float = 1.0,
    ) -> int:
        """Start a session (outcome in-progress). An older in-progress one becomes crashed.
        ``speed`` other than 1: a preview, kept apart and not counted."""
        stamp = self._stamp()
        with self.transaction() as c:
            self._close_stale(c)
            cur = c.execute(
                "INSERT INTO sessions (program_id, started_at, outcome, resume_index, "
                "resume_label, segment_count, script_fingerprint, speed) "
                "VALUES (?, ?, 'in-progress', 0, ?, ?, ?, ?)",
                (program_id, stamp, resume_label, segment_count, script_fingerprint, speed),
            )
            sid = int(cur.lastrowid or 0)
            c.executemany(
                "INSERT INTO session_exercises (session_id, exercise_id, exercise_name, "
                "first_index, last_index, planned_reps) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (sid, p.exercise_id, p.name, p.first_index, p.last_index, p.planned_reps)
                    for p in plan
                ],
            )
        return sid

    def _close_stale(self, c: sqlite3.Connection, keep: int | None = None) -> None:
        c.execute(
            "UPDATE sessions SET outcome = 'crashed', ended_at = COALESCE("
            "(SELECT MAX(finished_at) FROM segments_done d WHERE d.session_id = sessions.id),"
            " started_at) WHERE outcome = 'in-progress' AND id IS NOT ?",
            (keep,),
        )

    @_writes
    def record_segment(
        self,
        session_id: int,
        seg: SegmentDone,
        *,
        resume_index: int | None = None,
        resume_label: str | None = None,
    ) -> bool:
        """Log one finished segment; True if it counted now (a repeat is not counted twice).

        A segment first skipped and later done for real turns into done.
        """
        stamp = self._stamp()
        with self.transaction() as c:
            cur = c.execute(
                "INSERT INTO segments_done (session_id, segment_index, kind, exercise_id, "
                "set_no, rep, side, finished_at, skipped) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (session_id, segment_index) DO NOTHING",
                (
                    session_id,
                    seg.index,
                    seg.kind,
                    seg.exercise_id,
                    seg.set,
                    seg.rep,
                    seg.side,
                    stamp,
                    int(seg.skipped),
                ),
            )
            counted = cur.rowcount == 1 and not seg.skipped
            if cur.rowcount == 0 and not seg.skipped:
                cur = c.execute(
                    "UPDATE segments_done SET skipped = 0, finished_at = ? "
                    "WHERE session_id = ? AND segment_index = ? AND skipped = 1",
                    (stamp, session_id, seg.index),
                )
                counted = cur.rowcount == 1
            if counted:
                c.execute(
                    "UPDATE sessions SET total_s = total_s + ? WHERE id = ?",
                    (seg.duration, session_id),
                )
                if seg.kind in REP_KINDS and seg.exercise_id:
                    c.execute(
                        "UPDATE session_exercises SET done_reps = done_reps + 1 "
                        "WHERE session_id = ? AND exercise_id = ?",
                        (session_id, seg.exercise_id),
                    )
            if resume_index is not None:
                self.set_resume_point(session_id, resume_index, resume_label)
        return counted

    @_writes
    def set_resume_point(self, session_id: int, index: int, label: str | None = None) -> None:
        with self.transaction() as c:
            c.execute(
                "UPDATE sessions SET resume_index = ?, resume_label = COALESCE(?, resume_label) "
                "WHERE id = ?",
                (index, label, session_id),
            )

    @_writes
    def finish_session(self, session_id: int, outcome: str) -> None:
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}")
        with self.transaction() as c:
            c.execute(
                "UPDATE sessions SET outcome = ?, ended_at = ? WHERE id = ?",
                (outcome, None if outcome == "in-progress" else self._stamp(), session_id),
            )

    @_reads
    def unfinished_session(self) -> ResumeInfo | None:
        """The latest in-progress session with something done and something left, if any."""
        rows = self._conn.execute(
            "SELECT id, program_id, started_at, resume_index, resume_label, segment_count, "
            "script_fingerprint FROM sessions WHERE outcome = 'in-progress' "
            "ORDER BY started_at DESC, id DESC"
        ).fetchall()
        for sid, program_id, started, resume_index, label, count, fingerprint in rows:
            done = [
                r[0]
                for r in self._conn.execute(
                    "SELECT segment_index FROM segments_done WHERE session_id = ? "
                    "ORDER BY segment_index",
                    (sid,),
                )
            ]
            if resume_index is None:  # a version-1 session: the first index not done
                resume_index = next((i for i, d in enumerate(done) if i != d), len(done))
            if not done or (count is not None and resume_index >= count):
                continue
            if not label:
                label = self._fallback_label(sid, resume_index)
            return ResumeInfo(
                session_id=sid,
                program_id=program_id,
                resume_index=resume_index,
                label=label,
                started_at=from_iso(started),
                segments_done=len(done),
                script_fingerprint=fingerprint,
            )
        return None

    def _fallback_label(self, session_id: int, index: int) -> str:
        row = self._conn.execute(
            "SELECT exercise_name FROM session_exercises WHERE session_id = ? "
            "AND first_index <= ? ORDER BY first_index DESC LIMIT 1",
            (session_id, index),
        ).fetchone()
        return row[0] if row else f"segment {index + 1}"

    @_writes
    def mark_abandoned(self, session_id: int) -> None:
        """The user chose not to continue: the session stays in history as crashed."""
        with self.transaction() as c:
            c.execute(
                "UPDATE sessions SET outcome = 'crashed', ended_at = COALESCE("
                "(SELECT MAX(finished_at) FROM segments_done d WHERE d.session_id = ?),"
                " started_at) WHERE id = ? AND outcome = 'in-progress'",
                (session_id, session_id),
            )

    @_writes
    def continue_session(self, session_id: int) -> ResumeInfo:
        """Take up an unfinished session again; other in-progress ones become crashed."""
        with self.transaction() as c:
            row = c.execute("SELECT outcome FROM sessions WHERE id = ?", (session_id,)).fetchone()
            if row is None:
                raise StoreError(f"there is no session {session_id}")
            if row[0] not in ("in-progress", "crashed"):
                raise StoreError(f"session {session_id} is already {row[0]}")
            c.execute(
                "UPDATE sessions SET outcome = 'in-progress', ended_at = NULL WHERE id = ?",
                (session_id,),
            )
            self._close_stale(c, keep=session_id)
        info = self.unfinished_session()
        if info is None or info.session_id != session_id:
            raise StoreError(f"session {session_id} has nothing left to continue")
        return info

    @_reads
    def session_outcome(self, session_id: int) -> str | None:
        row = self._conn.execute("SELECT outcome FROM sessions WHERE id = ?", (session_id,))
        found = row.fetchone()
        return found[0] if found else None

    @_reads
    def done_indices(self, session_id: int, *, include_skipped: bool = True) -> list[int]:
        sql = "SELECT segment_index FROM segments_done WHERE session_id = ?"
        if not include_skipped:
            sql += " AND skipped = 0"
        return [r[0] for r in self._conn.execute(sql + " ORDER BY segment_index", (session_id,))]

    # ------------------------------------------------------------------ check-ins & answers
    @_writes
    def record_checkin(self, session_id: int, moment: str, pain: int | None) -> None:
        if moment not in MOMENTS:
            raise ValueError("moment must be 'before' or 'after'")
        if pain is not None and not (isinstance(pain, int) and 0 <= pain <= 10):
            raise ValueError("pain must be a whole number from 0 to 10, or None")
        with self.transaction() as c:
            c.execute(
                "INSERT INTO checkins (session_id, moment, pain, at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (session_id, moment) DO UPDATE SET pain = excluded.pain, "
                "at = excluded.at",
                (session_id, moment, pain, self._stamp()),
            )

    @_writes
    def record_hurt(
        self, session_id: int, exercise_id: str | None, segment_index: int | None, choice: str
    ) -> None:
        if choice not in HURT_CHOICES:
            raise ValueError(f"choice must be one of {', '.join(HURT_CHOICES)}")
        with self.transaction() as c:
            c.execute(
                "INSERT INTO hurts (session_id, exercise_id, segment_index, choice, at) "
                "VALUES (?, ?, ?, ?, ?)",
                (session_id, exercise_id, segment_index, choice, self._stamp()),
            )

    @_writes
    def record_answer(
        self,
        session_id: int,
        segment_index: int | None,
        exercise_id: str | None,
        question: str,
        answer: str,
    ) -> None:
        if answer not in ANSWERS:
            raise ValueError(f"answer must be one of {', '.join(ANSWERS)}")
        with self.transaction() as c:
            c.execute(
                "INSERT INTO answers (session_id, segment_index, exercise_id, question, answer,"
                " at) VALUES (?, ?, ?, ?, ?, ?)",
                (session_id, segment_index, exercise_id, question, answer, self._stamp()),
            )

    # ------------------------------------------------------------------ removed exercises
    @_writes
    def remove_exercise(self, exercise_id: str, reason: str = "") -> None:
        """Take an exercise out of the home program (reversible with restore_exercise)."""
        with self.transaction() as c:
            c.execute(
                "INSERT INTO removed_exercises (exercise_id, removed_at, reason) "
                "VALUES (?, ?, ?) ON CONFLICT (exercise_id) WHERE restored_at IS NULL "
                "DO UPDATE SET reason = excluded.reason",
                (exercise_id, self._stamp(), reason),
            )

    @_writes
    def restore_exercise(self, exercise_id: str) -> bool:
        """Put a removed exercise back; False if it was not removed."""
        with self.transaction() as c:
            cur = c.execute(
                "UPDATE removed_exercises SET restored_at = ? "
                "WHERE exercise_id = ? AND restored_at IS NULL",
                (self._stamp(), exercise_id),
            )
        return cur.rowcount > 0

    @_reads
    def removed_exercises(self) -> frozenset[str]:
        rows = self._conn.execute(
            "SELECT exercise_id FROM removed_exercises WHERE restored_at IS NULL"
        )
        return frozenset(r[0] for r in rows)

    @_reads
    def removal_reasons(self) -> dict[str, str]:
        rows = self._conn.execute(
            "SELECT exercise_id, reason FROM removed_exercises WHERE restored_at IS NULL"
        )
        return dict(rows.fetchall())

    # ------------------------------------------------------------------ progression
    @_reads
    def exercise_history(self, exercise_id: str, limit: int = 20) -> list[ExerciseSession]:
        """Ended sessions that planned this exercise since its last dose change, newest
        first: was it completed, and was "It hurts" pressed on it?"""
        since = self._conn.execute(
            "SELECT MAX(MAX(after_session), COALESCE(MAX(undone_after), 0)) FROM dose_changes "
            "WHERE exercise_id = ?",
            (exercise_id,),
        ).fetchone()[0]
        rows = self._conn.execute(
            "SELECT s.id, e.planned_reps, e.done_reps, "
            "  EXISTS (SELECT 1 FROM hurts h WHERE h.session_id = s.id AND h.exercise_id = ?) "
            "FROM sessions s JOIN session_exercises e ON e.session_id = s.id "
            "WHERE e.exercise_id = ? AND s.outcome IN ('completed', 'stopped') AND s.id > ? "
            "AND s.speed = 1 "
            "ORDER BY s.started_at DESC, s.id DESC LIMIT ?",
            (exercise_id, exercise_id, since or 0, limit),
        ).fetchall()
        return [
            ExerciseSession(
                sid, completed=planned is not None and done >= planned > 0, hurt=bool(hurt)
            )
            for sid, planned, done, hurt in rows
        ]

    def hurt_history(self, exercise_id: str, limit: int = 5) -> list[ExerciseSession]:
        """Sessions that planned this exercise (any outcome), newest first, with whether
        "It hurts" was pressed on it — for the "hurt twice in a row" rule. Asked mid-session
        about earlier sessions only, so it reads what is committed and never waits."""
        rows = self._conn.execute(
            "SELECT s.id, EXISTS (SELECT 1 FROM hurts h WHERE h.session_id = s.id "
            "  AND h.exercise_id = ?) "
            "FROM sessions s JOIN session_exercises e ON e.session_id = s.id "
            "WHERE e.exercise_id = ? AND s.speed = 1 "
            "ORDER BY s.started_at DESC, s.id DESC LIMIT ?",
            (exercise_id, exercise_id, limit),
        ).fetchall()
        return [ExerciseSession(sid, completed=False, hurt=bool(h)) for sid, h in rows]

    @_writes
    def record_dose_change(self, change: DoseChange) -> int:
        with self.transaction() as c:
            cur = c.execute(
                "INSERT INTO dose_changes (exercise_id, field, old_value, new_value, reason, at,"
                " after_session) VALUES (?, ?, ?, ?, ?, ?,"
                " (SELECT COALESCE(MAX(id), 0) FROM sessions))",
                (
                    change.exercise_id,
                    change.field,
                    change.old,
                    change.new,
                    change.reason,
                    self._stamp(),
                ),
            )
        return int(cur.lastrowid)

    @_writes
    def undo_dose_change(self, change_id: int) -> bool:
        with self.transaction() as c:
            cur = c.execute(
                "UPDATE dose_changes SET undone_at = ?, "
                "undone_after = (SELECT COALESCE(MAX(id), 0) FROM sessions) "
                "WHERE id = ? AND undone_at IS NULL",
                (self._stamp(), change_id),
            )
        return cur.rowcount > 0

    @_reads
    def grown_doses(self) -> dict[str, dict[str, int]]:
        """The dose each progression reached (latest change not undone, per field)."""
        rows = self._conn.execute(
            "SELECT exercise_id, field, new_value FROM dose_changes WHERE undone_at IS NULL "
            "ORDER BY id"
        )
        out: dict[str, dict[str, int]] = {}
        for ex_id, fld, value in rows:
            out.setdefault(ex_id, {})[fld] = value
        return out

    @_reads
    def recent_dose_changes(self, limit: int = 10) -> list[tuple[int, DoseChange, bool]]:
        """Newest first: (id, change, undone?)."""
        rows = self._conn.execute(
            "SELECT id, exercise_id, field, old_value, new_value, reason, undone_at "
            "FROM dose_changes ORDER BY id DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [(r[0], DoseChange(r[1], r[2], r[3], r[4], r[5]), r[6] is not None) for r in rows]


def _move_aside(path: Path, moment: datetime) -> Path:
    """Rename a damaged database (and its -wal/-shm) out of the way; never delete it."""
    stamp = moment.astimezone().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    try:
        path.rename(target)
        for suffix in ("-wal", "-shm", "-journal"):
            side = path.with_name(path.name + suffix)
            if side.exists():
                side.rename(target.with_name(target.name + suffix))
    except OSError as err:
        raise StoreError(f"{path} is damaged and could not be moved aside: {err.strerror}") from err
    return target
