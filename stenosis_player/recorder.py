"""The progress store as a peer listener of the engine: it hears the same events as the
window and the voice, and writes what happened, one commit per event list.

    recorder = SessionRecorder(store, program_id, script)        # a new session
    recorder = SessionRecorder(store, program_id, script, resume=info)  # continue one
    events = engine.tick(); recorder.handle(events)               # for every event list

Qt-free. The session row is created lazily, at the first thing worth recording. Writes are
jobs on the store's writer (store_writer.py): in the app they run on its thread, so the UI
thread never waits on a commit. A write that fails (a database locked by another program,
a full disk) never raises out of here: the session goes on, the write is kept and tried
again, and ``on_problem`` says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .digest import sha256
from .engine import Event, SegmentFinished, SegmentStarted, SessionFinished
from .script import Kind, Script, Segment
from .store import (
    ANSWERS,
    HURT_CHOICES,
    MOMENTS,
    REP_KINDS,
    PlannedExercise,
    ResumeInfo,
    SegmentDone,
    Store,
    StoreError,
)
from .store_writer import new_key, op, save_problem_text, session_ref

__all__ = [
    "SessionRecorder",
    "can_resume",
    "plan_of",
    "resume_label",
    "save_problem_text",
    "script_fingerprint",
]


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


class SessionRecorder:
    """Writes engine events and the user's answers to the store, and never lets a failed
    write stop the session. Every write is a job on the store's writer (``store.writer``):
    in order, on the writer thread in the app, kept and tried again while the store fails,
    never lost at close (store_writer.py). ``on_problem`` hears the notice to show
    (``None`` once saving works again); it is called on the caller's thread, from
    :meth:`handle` and :meth:`flush`."""

    def __init__(
        self,
        store: Store,
        program_id: str,
        script: Script,
        *,
        resume: ResumeInfo | None = None,
        on_problem: Callable[[str | None], None] | None = None,
        clock: Callable[[], float] | None = None,
        speed: float = 1.0,  # faster: a preview (stored as such, not counted)
    ) -> None:
        self.store = store
        self.writer = store.writer
        if clock is not None:
            self.writer.clock = clock  # retries are timed on the session's clock
        self.speed = speed
        self.program_id = program_id
        self.script = script
        self.on_problem = on_problem
        self.problem: str | None = None  # the notice while saving fails
        self._key = new_key()  # names this session in jobs queued before its row exists
        self._begun = False
        self._ended = False  # a SessionFinished was handed in (it may still be pending)
        if resume is not None:
            if not can_resume(resume, script):
                raise StoreError(
                    "the exercise plan changed since that session; it cannot be continued"
                )
            self.writer.bind(self._key, resume.session_id)
            self._begun = True
            self._save([op("continue_session", resume.session_id)])

    # ------------------------------------------------------------------ session row
    @property
    def session_id(self) -> int | None:
        """The session's id once its row is written (None before)."""
        return self.writer.session_of(self._key)

    def _session(self) -> dict[str, str]:
        """The session, for a job: its row is asked for first, on first use."""
        if not self._begun:
            self._begun = True
            begin = op(
                "begin_session",
                self.program_id,
                plan=plan_of(self.script),
                segment_count=len(self.script),
                script_fingerprint=script_fingerprint(self.script),
                resume_label=resume_label(self.script, 0),
                speed=self.speed,
            )
            self._save([begin], binds=self._key)
        return session_ref(self._key)

    # ------------------------------------------------------------------ saving
    @property
    def unsaved(self) -> int:
        """How many writes are waiting (for the writer, or for the store to work again)."""
        return self.writer.pending

    def _save(self, ops: list[dict], *, binds: str | None = None) -> None:
        self.writer.submit(ops, binds=binds)
        self._poll()

    def flush(self, *, force: bool = False) -> bool:
        """Ask the writer to write what waits (after a failure only once its retry gap
        has passed, unless ``force``); never waits. True when nothing is left."""
        self.writer.kick(force=force)
        self._poll()
        return self.writer.pending == 0

    def settle(self, timeout: float | None = None) -> bool:
        """Write what waits and wait for it (at most ``timeout`` s): at the end of a
        session, before its history is read. True when nothing is left."""
        self.writer.settle(*(() if timeout is None else (timeout,)))
        self._poll()
        return self.writer.pending == 0

    def _poll(self) -> None:
        problem = self.writer.problem
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
        self._save(self._event_ops(relevant))

    def _event_ops(self, relevant: list[Event]) -> list[dict]:
        sid = self._session()
        ops: list[dict] = []
        resume_at: int | None = None
        for e in relevant:
            if isinstance(e, SegmentFinished):
                ops.append(op("record_segment", sid, _done(e.segment, e.skipped)))
                resume_at = e.segment.index + 1
            elif isinstance(e, SegmentStarted):
                # the segment now running is where a later start continues (this also
                # covers "back", which makes the resume point earlier, and skips)
                resume_at = e.segment.index
            elif isinstance(e, SessionFinished):
                resume_at = None
                ops.append(op("finish_session", sid, "completed" if e.completed else "stopped"))
                break
        if resume_at is not None:
            ops.append(op("set_resume_point", sid, resume_at, resume_label(self.script, resume_at)))
        return ops

    # ------------------------------------------------------------------ answers from the user
    def record_checkin(self, moment: str, pain: int | None) -> None:
        """Pain 0-10 'before' or 'after' the session (None: the user skipped the question)."""
        if moment not in MOMENTS:
            raise ValueError("moment must be 'before' or 'after'")
        if pain is not None and not (isinstance(pain, int) and 0 <= pain <= 10):
            raise ValueError("pain must be a whole number from 0 to 10, or None")
        self._save([op("record_checkin", self._session(), moment, pain)])

    def record_hurt(self, segment: Segment | None, choice: str) -> None:
        """'It hurts' was pressed during ``segment``; ``choice``: skip/easier/remove/end/continue."""
        if choice not in HURT_CHOICES:  # checked here: the writer thread cannot raise to us
            raise ValueError(f"choice must be one of {', '.join(HURT_CHOICES)}")
        ex_id = segment.exercise_id if segment else None
        index = segment.index if segment else None
        self._save([op("record_hurt", self._session(), ex_id, index, choice)])

    def record_answer(self, segment: Segment, answer: bool | str | None) -> None:
        """The answer to a check segment's question: True/'yes', False/'no', None/'none'."""
        word = {True: "yes", False: "no", None: "none"}.get(answer, answer)  # type: ignore[arg-type]
        if word not in ANSWERS:
            raise ValueError(f"answer must be one of {', '.join(ANSWERS)}")
        question = segment.question or segment.say
        self._save(
            [
                op(
                    "record_answer",
                    self._session(),
                    segment.index,
                    segment.exercise_id,
                    question,
                    str(word),
                )
            ]
        )

    def remove_exercise(self, exercise_id: str, reason: str) -> None:
        """Take an exercise out of the program's history (queued with the session's writes)."""
        self._save([op("remove_exercise", exercise_id, reason)])


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
