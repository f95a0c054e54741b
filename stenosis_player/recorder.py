"""The progress store as a peer listener of the engine: it hears the same events as the
window and the voice, and writes what happened, one commit per event list.

    recorder = SessionRecorder(store, program_id, script)        # a new session
    recorder = SessionRecorder(store, program_id, script, resume=info)  # continue one
    events = engine.tick(); recorder.handle(events)               # for every event list

Qt-free. The session row is created lazily, at the first thing worth recording. A write
that fails (a database locked by another program, a full disk) never raises out of here:
the session goes on, the write is kept and tried again, and ``on_problem`` says so.
"""

from __future__ import annotations

import errno
import sqlite3
import time
from collections.abc import Callable, Iterable

from .digest import sha256
from .engine import Event, SegmentFinished, SegmentStarted, SessionFinished
from .script import Kind, Script, Segment
from .store import REP_KINDS, PlannedExercise, ResumeInfo, SegmentDone, Store, StoreError


def script_fingerprint(script: Script) -> str:
    """A short hash of the script's shape (kinds, exercises, sets, reps, sides).

    A session can only be continued with a script of the same shape: otherwise the saved
    segment index would point at a different exercise.
    """
    h = sha256()
    for s in script.segments:
        h.update(f"{s.kind.value}|{s.exercise_id}|{s.set}|{s.rep}|{s.side}\n".encode())
    return h.hexdigest()[:16]


def can_resume(info: ResumeInfo, script: Script) -> bool:
    """Whether ``script`` is the one ``info`` was recorded with (so its index is valid)."""
    if info.resume_index >= len(script):
        return False
    return info.script_fingerprint is None or info.script_fingerprint == script_fingerprint(script)


def resume_label(script: Script, index: int) -> str:
    """Where segment ``index`` is, in words: 'Seated lumbar flexion, set 2, left side'."""
    if index >= len(script):
        return "the end of the session"
    seg = script[index]
    if not seg.exercise_id:
        return "the end of the session" if seg.kind is Kind.DONE else f"step {index + 1}"
    parts = [seg.exercise_name or seg.exercise_id]
    if seg.sets > 1 and seg.set:
        parts.append(f"set {seg.set}")
    if seg.side:
        parts.append(f"{seg.side} side")
    return ", ".join(parts)


def plan_of(script: Script) -> list[PlannedExercise]:
    """One row per exercise: its segment range and how many reps (or timed bouts) it plans."""
    rows: dict[str, dict] = {}
    for s in script.segments:
        if not s.exercise_id:
            continue
        r = rows.setdefault(
            s.exercise_id,
            {"name": s.exercise_name or s.exercise_id, "first": s.index, "last": s.index, "n": 0},
        )
        r["last"] = s.index
        r["n"] += s.kind.value in REP_KINDS
    return [
        PlannedExercise(ex_id, r["name"], r["first"], r["last"], r["n"])
        for ex_id, r in rows.items()
    ]


# What a failed write can raise: a locked, full or unwritable database, a vanished folder.
SAVE_ERRORS = (sqlite3.Error, StoreError, OSError, UnicodeError)
RETRY_EVERY_S = 5.0  # while saving fails, the first retry comes this long after (each may wait)
RETRY_AT_MOST_S = 60.0  # the gap doubles after each failed retry, up to this


def save_problem_text(exc: BaseException) -> str:
    """Why a write failed, in words for the person on the mat (no SQL jargon)."""
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


class SessionRecorder:
    """Writes engine events and the user's answers to the store, and never lets a failed
    write stop the session: what could not be saved is kept in order and written at the
    next try (every write here can safely run again after a rollback), and ``on_problem``
    hears the notice to show (``None`` once saving works again)."""

    def __init__(
        self,
        store: Store,
        program_id: str,
        script: Script,
        *,
        resume: ResumeInfo | None = None,
        on_problem: Callable[[str | None], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        speed: float = 1.0,  # faster: a preview (stored as such, not counted)
    ) -> None:
        self.store = store
        self.speed = speed
        self.program_id = program_id
        self.script = script
        self.session_id: int | None = None
        self.finished = False
        self.on_problem = on_problem
        self.clock = clock
        self.problem: str | None = None  # the notice while saving fails
        self._pending: list[Callable[[], None]] = []  # writes not yet committed, in order
        self._next_try = 0.0
        self._retry_gap = RETRY_EVERY_S
        self._ended = False  # a SessionFinished was handed in (it may still be pending)
        if resume is not None:
            if not can_resume(resume, script):
                raise StoreError(
                    "the exercise plan changed since that session; it cannot be continued"
                )
            store.continue_session(resume.session_id)
            self.session_id = resume.session_id

    # ------------------------------------------------------------------ session row
    def ensure_session(self) -> int:
        """The session's id, creating its row on first use."""
        if self.session_id is None:
            self.session_id = self.store.begin_session(
                self.program_id,
                plan=plan_of(self.script),
                segment_count=len(self.script),
                script_fingerprint=script_fingerprint(self.script),
                resume_label=resume_label(self.script, 0),
                speed=self.speed,
            )
        return self.session_id

    # ------------------------------------------------------------------ saving, with retries
    @property
    def unsaved(self) -> int:
        """How many writes are waiting for the store to work again."""
        return len(self._pending)

    def _save(self, write: Callable[[], None]) -> None:
        self._pending.append(write)
        self.flush(force=len(self._pending) == 1)

    def flush(self, *, force: bool = False) -> bool:
        """Write what is pending; True when nothing is left. Between failures it waits
        RETRY_EVERY_S, doubling up to RETRY_AT_MOST_S (unless ``force``), so a file locked
        for long does not stall the session every few seconds."""
        if not self._pending:
            return True
        if not force and self.problem is not None and self.clock() < self._next_try:
            return False
        while self._pending:
            try:
                self._pending[0]()
            except SAVE_ERRORS as exc:
                self._next_try = self.clock() + self._retry_gap
                if self.problem is not None:  # a retry failed too: wait longer next time
                    self._retry_gap = min(self._retry_gap * 2, RETRY_AT_MOST_S)
                self._report(save_problem_text(exc))
                return False
            except Exception:
                self._pending.pop(0)  # a bad request, not a store fault: never retried
                raise
            self._pending.pop(0)
        self._retry_gap = RETRY_EVERY_S
        self._report(None)
        return True

    def _report(self, problem: str | None) -> None:
        if problem != self.problem:
            self.problem = problem
            if self.on_problem is not None:
                self.on_problem(problem)

    # ------------------------------------------------------------------ engine events
    def handle(self, events: Iterable[Event]) -> None:
        """Record one list of engine events in a single commit (kept for later if the
        store fails); an empty list only retries what is pending."""
        events = list(events)
        relevant = [
            e for e in events if isinstance(e, SegmentFinished | SegmentStarted | SessionFinished)
        ]
        if not relevant or self._ended:
            self.flush()
            return
        self._ended = any(isinstance(e, SessionFinished) for e in relevant)
        self._save(lambda: self._write_events(relevant))

    def _write_events(self, relevant: list[Event]) -> None:
        sid = self.ensure_session()
        with self.store.transaction():
            resume_at: int | None = None
            for e in relevant:
                if isinstance(e, SegmentFinished):
                    self.store.record_segment(sid, _done(e.segment, e.skipped))
                    resume_at = e.segment.index + 1
                elif isinstance(e, SegmentStarted):
                    # the segment now running is where a later start continues (this also
                    # covers "back", which makes the resume point earlier, and skips)
                    resume_at = e.segment.index
                elif isinstance(e, SessionFinished):
                    resume_at = None
                    self.store.finish_session(sid, "completed" if e.completed else "stopped")
                    break
            if resume_at is not None:
                self.store.set_resume_point(sid, resume_at, resume_label(self.script, resume_at))
        if any(isinstance(e, SessionFinished) for e in relevant):
            self.finished = True

    # ------------------------------------------------------------------ answers from the user
    def record_checkin(self, moment: str, pain: int | None) -> None:
        """Pain 0-10 'before' or 'after' the session (None: the user skipped the question)."""
        self._save(lambda: self.store.record_checkin(self.ensure_session(), moment, pain))

    def record_hurt(self, segment: Segment | None, choice: str) -> None:
        """'It hurts' was pressed during ``segment``; ``choice``: skip/easier/remove/end/continue."""
        self._save(
            lambda: self.store.record_hurt(
                self.ensure_session(),
                segment.exercise_id if segment else None,
                segment.index if segment else None,
                choice,
            )
        )

    def record_answer(self, segment: Segment, answer: bool | str | None) -> None:
        """The answer to a check segment's question: True/'yes', False/'no', None/'none'."""
        word = {True: "yes", False: "no", None: "none"}.get(answer, answer)  # type: ignore[arg-type]
        self._save(
            lambda: self.store.record_answer(
                self.ensure_session(),
                segment.index,
                segment.exercise_id,
                segment.question or segment.say,
                str(word),
            )
        )


def _done(seg: Segment, skipped: bool) -> SegmentDone:
    return SegmentDone(
        index=seg.index,
        kind=seg.kind.value,
        exercise_id=seg.exercise_id,
        set=seg.set,
        rep=seg.rep,
        side=seg.side,
        skipped=skipped,
        duration=seg.duration,
    )
