"""What the progress database says about the past: sessions per week, the streak, pain
before/after, completion per exercise, and a CSV for the therapist. Qt-free.

Days and weeks are the user's local ones (``tz``; None: this computer's time zone).
"""

from __future__ import annotations

import csv
import io
import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import IO, NamedTuple

from .durable_files import durable_replace
from .store import Store, from_iso

CSV_COLUMNS = (
    "date",
    "time",
    "program",
    "outcome",
    "duration_min",
    "pain_before",
    "pain_after",
    "exercises_done",
    "exercises",
    "hurts",
    "hurt_details",
)


class ExerciseDone(NamedTuple):
    exercise_id: str
    name: str
    done_reps: int
    planned_reps: int | None  # None: not known (sessions from the first schema)


@dataclass(slots=True)
class SessionSummary:
    id: int
    program_id: str
    started_at: datetime  # local time (tz applied)
    outcome: str
    total_s: float  # seconds of exercise done (skipped parts not counted)
    pain_before: int | None
    pain_after: int | None
    exercises_done: int  # exercises with at least one rep (or timed bout) done
    hurt_count: int
    # filled only with details=True (the CSV): per exercise, and (exercise id, choice)
    exercises: tuple[ExerciseDone, ...] = ()
    hurts: tuple[tuple[str, str], ...] = ()
    speed: float = 1.0  # other than 1: a preview (--speed), shown apart and not counted
    day: date = field(init=False)

    def __post_init__(self) -> None:
        self.day = self.started_at.date()

    @property
    def preview(self) -> bool:
        return self.speed != 1.0

    @property
    def counts(self) -> bool:
        """Whether this session shows in the weekly counts: completed, or something done
        (a preview never does)."""
        if self.preview:
            return False
        return self.outcome == "completed" or (self.outcome != "in-progress" and self.total_s > 0)


@dataclass(frozen=True)
class WeekCount:
    year: int  # ISO year
    week: int  # ISO week number
    monday: date
    sessions: int
    completed: int

    @property
    def label(self) -> str:
        return f"{self.monday.day} {self.monday:%b}"


@dataclass(frozen=True)
class PainPoint:
    session_id: int
    when: datetime
    before: int | None
    after: int | None


@dataclass(frozen=True)
class ExerciseCompletion:
    exercise_id: str
    name: str
    done_reps: int
    planned_reps: int
    sessions: int

    @property
    def ratio(self) -> float:
        return self.done_reps / self.planned_reps if self.planned_reps else 0.0


@dataclass(frozen=True)
class History:
    sessions: list[SessionSummary]
    weeks: list[WeekCount]
    streak: int
    pain: list[PainPoint]
    completion: list[ExerciseCompletion]
    today: date = field(default_factory=date.today)

    @property
    def this_week(self) -> int:
        return self.weeks[-1].sessions if self.weeks else 0


# --------------------------------------------------------------------------- reading
def load_sessions(
    store: Store, tz: tzinfo | None = None, *, details: bool = False
) -> list[SessionSummary]:
    """Every session, oldest first, with its check-ins and counts (and, with ``details``,
    each exercise's reps and each hurt)."""
    c = store.connection
    pain: dict[int, dict[str, int | None]] = defaultdict(dict)
    for sid, moment, value in c.execute("SELECT session_id, moment, pain FROM checkins"):
        pain[sid][moment] = value
    done_counts = dict(
        c.execute(
            "SELECT session_id, SUM(done_reps > 0) FROM session_exercises GROUP BY session_id"
        ).fetchall()
    )
    hurt_counts = dict(
        c.execute("SELECT session_id, COUNT(*) FROM hurts GROUP BY session_id").fetchall()
    )
    exercises: dict[int, list[ExerciseDone]] = defaultdict(list)
    hurts: dict[int, list[tuple[str, str]]] = defaultdict(list)
    if details:
        rows = c.execute(
            "SELECT session_id, first_index, exercise_id, exercise_name, done_reps, "
            "planned_reps FROM session_exercises"
        ).fetchall()
        rows.sort()
        for sid, _first, *rest in rows:
            exercises[sid].append(ExerciseDone(*rest))
        for sid, ex_id, choice in c.execute(
            "SELECT session_id, COALESCE(exercise_id, ''), choice FROM hurts ORDER BY id"
        ):
            hurts[sid].append((ex_id, choice))
    out = []
    no_pain: dict[str, int | None] = {}
    for sid, program_id, started, outcome, total, speed in c.execute(
        "SELECT id, program_id, started_at, outcome, total_s, speed FROM sessions "
        "ORDER BY started_at, id"
    ):
        p = pain.get(sid, no_pain)
        out.append(
            SessionSummary(
                sid,
                program_id,
                from_iso(started).astimezone(tz),
                outcome,
                total,
                p.get("before"),
                p.get("after"),
                done_counts.get(sid) or 0,
                hurt_counts.get(sid, 0),
                tuple(exercises.get(sid, ())),
                tuple(hurts.get(sid, ())),
                speed,
            )
        )
    return out


def sessions_per_week(
    sessions: Iterable[SessionSummary], today: date, *, weeks: int | None = None
) -> list[WeekCount]:
    """One entry per ISO week, with no gaps, up to the week of ``today``.

    ``weeks``: only the last N weeks; None: from the week of the first session.
    """
    counted = [s for s in sessions if s.counts]
    this_monday = today - timedelta(days=today.weekday())
    if weeks is not None:
        first = this_monday - timedelta(weeks=weeks - 1)
    elif counted:
        d = min(s.day for s in counted)
        first = min(d - timedelta(days=d.weekday()), this_monday)
    else:
        first = this_monday
    per: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for s in counted:
        monday = s.day - timedelta(days=s.day.weekday())
        per[monday][0] += 1
        per[monday][1] += s.outcome == "completed"
    out = []
    monday = first
    while monday <= this_monday:
        iso = monday.isocalendar()
        n, done = per.get(monday, (0, 0))
        out.append(WeekCount(iso.year, iso.week, monday, n, done))
        monday += timedelta(weeks=1)
    return out


def current_streak(days: Iterable[date], today: date) -> int:
    """Consecutive days with a completed session, ending today or (if not yet) yesterday."""
    have = set(days)
    day = today if today in have else today - timedelta(days=1)
    n = 0
    while day in have:
        n += 1
        day -= timedelta(days=1)
    return n


def pain_series(sessions: Iterable[SessionSummary]) -> list[PainPoint]:
    return [
        PainPoint(s.id, s.started_at, s.pain_before, s.pain_after)
        for s in sessions
        if s.pain_before is not None or s.pain_after is not None
    ]


def completion_per_exercise(store: Store) -> list[ExerciseCompletion]:
    """Reps done against reps planned, per exercise, over all finished or running sessions
    whose plan is known; most-practised first."""
    rows = store.connection.execute(
        "SELECT e.exercise_id, "
        "(SELECT exercise_name FROM session_exercises n WHERE n.exercise_id = e.exercise_id "
        " ORDER BY n.session_id DESC LIMIT 1), "
        "SUM(e.done_reps), SUM(e.planned_reps), COUNT(*) "
        "FROM session_exercises e WHERE e.planned_reps IS NOT NULL AND e.session_id IN "
        "(SELECT id FROM sessions WHERE speed = 1) "
        "GROUP BY e.exercise_id ORDER BY COUNT(*) DESC, e.exercise_id"
    )
    return [ExerciseCompletion(ex, name, done, planned, n) for ex, name, done, planned, n in rows]


def load_history(
    store: Store,
    *,
    today: date | None = None,
    tz: tzinfo | None = None,
    weeks: int | None = None,
) -> History:
    today = today or datetime.now(tz).date()
    sessions = load_sessions(store, tz)
    return History(
        sessions=sessions,
        weeks=sessions_per_week(sessions, today, weeks=weeks),
        streak=current_streak(
            (s.day for s in sessions if s.outcome == "completed" and not s.preview), today
        ),
        pain=pain_series(s for s in sessions if not s.preview),
        completion=completion_per_exercise(store),
        today=today,
    )


# --------------------------------------------------------------------------- CSV
def csv_rows(sessions: Iterable[SessionSummary]) -> Iterable[list[str]]:
    names = {}
    for s in sessions:
        for e in s.exercises:
            names[e.exercise_id] = e.name
    for s in sessions:
        done = [e for e in s.exercises if e.done_reps > 0]
        yield [
            f"{s.started_at:%Y-%m-%d}",
            f"{s.started_at:%H:%M}",
            s.program_id,
            f"preview ({s.outcome})" if s.preview else s.outcome,
            f"{s.total_s / 60:.1f}",
            "" if s.pain_before is None else str(s.pain_before),
            "" if s.pain_after is None else str(s.pain_after),
            str(s.exercises_done),
            "; ".join(
                f"{e.name} {e.done_reps}/{e.planned_reps}"
                if e.planned_reps is not None
                else f"{e.name} {e.done_reps}"
                for e in done
            ),
            str(s.hurt_count),
            "; ".join(f"{names.get(ex, ex) or 'between exercises'}: {c}" for ex, c in s.hurts),
        ]


def _safe_cell(text: str) -> str:
    """Keep spreadsheets from running a cell as a formula."""
    return "'" + text if text[:1] in ("=", "+", "@", "\t", "\r") else text


def export_csv(
    store: Store, path_or_file: str | os.PathLike[str] | IO[str], *, tz: tzinfo | None = None
) -> int:
    """Write one row per session (oldest first) with a header; return the number of rows."""
    sessions = load_sessions(store, tz, details=True)
    if isinstance(path_or_file, str | os.PathLike):
        # written beside the target and renamed into place: a full disk or a crash never
        # leaves the therapist half a file over the last good one
        target = Path(path_or_file)
        tmp = target.with_name(f".{target.name}.part")
        try:
            with open(tmp, "w", encoding="utf-8", newline="") as f:
                n = _write_csv(sessions, f)
            durable_replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return n
    return _write_csv(sessions, path_or_file)


def _write_csv(sessions: list[SessionSummary], f: IO[str]) -> int:
    w = csv.writer(f)
    w.writerow(CSV_COLUMNS)
    n = 0
    for row in csv_rows(sessions):
        w.writerow([_safe_cell(cell) for cell in row])
        n += 1
    return n


def csv_text(store: Store, *, tz: tzinfo | None = None) -> str:
    buf = io.StringIO()
    export_csv(store, buf, tz=tz)
    return buf.getvalue()
