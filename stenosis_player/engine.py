"""The session engine: a cursor moving over the script against an injected clock.

It owns no timer. The UI calls ``tick()`` (a Qt timer aimed at ``next_deadline()``), and
every command and tick returns the events it caused, so tests assert on return values.
Deadlines are absolute times on the clock: a late tick never makes the session drift.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from .clock import Clock, system_clock
from .script import UNIT_STARTS, Script, Segment, splice

RESUME_COUNTDOWN_S = 3.0  # a short get-ready after a pause, so nobody is rushed
CLOCK_JUMP_S = 5.0  # a gap between ticks longer than this means the laptop slept


class Stage(StrEnum):
    IDLE = "idle"
    RUNNING = "running"
    PAUSED = "paused"
    RESUMING = "resuming"  # the short countdown after a pause
    FINISHED = "finished"
    STOPPED = "stopped"


@dataclass(frozen=True)
class Event:
    """Base of all engine events (names in the past tense)."""


@dataclass(frozen=True)
class StageChanged(Event):
    old: Stage
    new: Stage
    reason: str = ""


@dataclass(frozen=True)
class SegmentStarted(Event):
    segment: Segment


@dataclass(frozen=True)
class SegmentFinished(Event):
    segment: Segment
    skipped: bool = False
    deadline: float | None = None  # when it was due to end (None when skipped)


@dataclass(frozen=True)
class CountdownSecond(Event):
    segment: Segment
    remaining: int  # whole seconds left, announced once each


@dataclass(frozen=True)
class ClockJumped(Event):
    gap: float


@dataclass(frozen=True)
class SessionFinished(Event):
    completed: bool  # False when stopped early


class Engine:
    def __init__(
        self,
        script: Script,
        clock: Clock = system_clock,
        *,
        resume_from: int = 0,
        resume_countdown_s: float = RESUME_COUNTDOWN_S,
        clock_jump_s: float = CLOCK_JUMP_S,
        speed: float = 1.0,
    ) -> None:
        if not script.segments:
            raise ValueError("the script is empty")
        self.script = script
        self.clock = clock
        self.speed = speed  # >1 plays a session faster, for a therapist's preview
        self.resume_countdown_s = resume_countdown_s
        self.clock_jump_s = clock_jump_s
        self.stage = Stage.IDLE
        self.index = min(max(resume_from, 0), len(script) - 1)
        self.finished_through = self.index - 1  # last segment completed (the resume point - 1)
        self._deadline = 0.0  # when the current segment (or resume countdown) ends
        self._remaining = 0.0  # seconds left of the current segment while paused
        self._last_tick = 0.0
        self._last_announced: int | None = None

    # ------------------------------------------------------------------ queries
    @property
    def current(self) -> Segment:
        return self.script[self.index]

    @property
    def resume_point(self) -> int:
        """Index of the first segment not yet finished: where a later start continues."""
        return self.finished_through + 1

    def next_deadline(self) -> float | None:
        """When ``tick`` next has something to do (a deadline or a countdown second)."""
        if self.stage not in (Stage.RUNNING, Stage.RESUMING):
            return None
        now = self.clock()
        left = (self._deadline - now) * self.speed  # in session seconds
        if self.stage is Stage.RUNNING and self.current.countdown and left > 1:
            # wake at each whole-second boundary of the countdown
            frac = left - math.floor(left)
            return now + (frac if frac > 1e-6 else 1.0) / self.speed
        return self._deadline

    def remaining(self) -> float:
        """Seconds left in the current segment, in session time (speed applied)."""
        if self.stage in (Stage.PAUSED, Stage.RESUMING):
            return self._remaining  # frozen until the resume countdown is over
        if self.stage is Stage.RUNNING:
            return max(0.0, (self._deadline - self.clock()) * self.speed)
        if self.stage is Stage.IDLE:
            return self.current.duration
        return 0.0

    def resume_countdown_left(self) -> float:
        return max(0.0, self._deadline - self.clock()) if self.stage is Stage.RESUMING else 0.0

    def time_left(self) -> float:
        """Seconds left in the whole session."""
        if self.stage in (Stage.FINISHED, Stage.STOPPED):
            return 0.0
        return self.remaining() + self.script.total - self.current.end

    # ------------------------------------------------------------------ commands
    def start(self) -> list[Event]:
        if self.stage is not Stage.IDLE:
            return []
        now = self.clock()
        self._last_tick = now
        events = self._set_stage(Stage.RUNNING, "started")
        return events + self._enter_segment(self.index, now)

    def pause(self, reason: str = "paused") -> list[Event]:
        now = self.clock()
        if self.stage is Stage.RUNNING:
            self._remaining = max(0.0, (self._deadline - now) * self.speed)
        elif self.stage is not Stage.RESUMING:
            return []
        return self._set_stage(Stage.PAUSED, reason)

    def resume(self) -> list[Event]:
        """Leave a pause through a short get-ready countdown, then continue the segment."""
        if self.stage is not Stage.PAUSED:
            return []
        now = self.clock()
        self._last_tick = now
        self._deadline = now + self.resume_countdown_s / self.speed
        return self._set_stage(Stage.RESUMING, "resumed")

    def toggle(self) -> list[Event]:
        if self.stage is Stage.IDLE:
            return self.start()
        if self.stage is Stage.PAUSED:
            return self.resume()
        return self.pause()

    def next(self) -> list[Event]:
        """Skip to the next segment (a paused session stays paused)."""
        return self._jump(self.index + 1, skipped=True)

    def back(self) -> list[Event]:
        """Repeat the current rep (or exercise part); pressed again at its start, the one before."""
        target = self._unit_start(self.index)
        if target == self.index and self._elapsed() < 2.0 and self.index > 0:
            target = self._unit_start(self.index - 1)
        return self._jump(target, skipped=False)

    def skip_exercise(self) -> list[Event]:
        return self._jump(self.script.next_exercise_start(self.index), skipped=True)

    def stop(self) -> list[Event]:
        if self.stage in (Stage.FINISHED, Stage.STOPPED):
            return []
        return [*self._set_stage(Stage.STOPPED, "stopped"), SessionFinished(completed=False)]

    def tick(self) -> list[Event]:
        """Advance to now: finish segments whose deadline passed, announce countdown seconds."""
        now = self.clock()
        events: list[Event] = []
        if self.stage in (Stage.RUNNING, Stage.RESUMING):
            gap = now - self._last_tick
            if gap > self.clock_jump_s:
                # Freeze the segment where it was at the last tick we saw, then pause.
                left = max(0.0, self._deadline - self._last_tick)
                self._remaining = (
                    left * self.speed if self.stage is Stage.RUNNING else self._remaining
                )
                self._last_tick = now
                return [ClockJumped(gap), *self._set_stage(Stage.PAUSED, "clock jumped")]
        self._last_tick = now
        if self.stage is Stage.RESUMING and now >= self._deadline:
            events += self._set_stage(Stage.RUNNING, "resume countdown over")
            self._deadline += self._remaining / self.speed
        while self.stage is Stage.RUNNING and now >= self._deadline:
            seg = self.current
            self.finished_through = seg.index
            events.append(SegmentFinished(seg, deadline=self._deadline))
            if seg.index + 1 >= len(self.script):
                events += self._set_stage(Stage.FINISHED, "completed")
                events.append(SessionFinished(completed=True))
                return events
            # the next segment starts at the old deadline, not now: no drift
            events += self._enter_segment(seg.index + 1, self._deadline)
        # a question counts down too: the window shows how long is left to answer
        if self.stage is Stage.RUNNING and (self.current.countdown or self.current.question):
            whole = math.ceil(max(0.0, self._deadline - now) * self.speed - 1e-9)
            if whole != self._last_announced and whole > 0:
                self._last_announced = whole
                events.append(CountdownSecond(self.current, whole))
        return events

    def extend_current(self, seconds: float) -> None:
        """Let a speech-bound segment last at least ``seconds`` from its start."""
        if self.stage is Stage.RUNNING and self.current.speech_bound:
            started = self._deadline - self.current.duration / self.speed
            self._deadline = max(self._deadline, started + seconds / self.speed)

    def replace_script(self, script: Script, jump_to: int | None = None) -> list[Event]:
        """Swap in a re-planned script (settings changed, an easier version chosen).

        Without ``jump_to`` the current exercise must be unchanged: the new plan takes
        effect from the next exercise and the segment in progress keeps its deadline.
        With ``jump_to`` everything before that index must be unchanged, and the session
        jumps there. Either way, what was already done keeps its indices.
        """
        keep = self.script.next_exercise_start(self.index) if jump_to is None else jump_to
        self.script = splice(self.script, script, keep)
        if jump_to is None:
            return []
        self.index = min(self.index, len(script) - 1)
        return self._jump(jump_to, skipped=jump_to > self.index)

    # ------------------------------------------------------------------ internals
    def _elapsed(self) -> float:
        return self.current.duration - self.remaining()

    def _unit_start(self, index: int) -> int:
        i = index
        while i > 0 and self.script[i].kind not in UNIT_STARTS:
            i -= 1
        return i

    def _jump(self, target: int, skipped: bool) -> list[Event]:
        if self.stage in (Stage.FINISHED, Stage.STOPPED):
            return []
        events: list[Event] = []
        if target >= len(self.script):
            events.append(SegmentFinished(self.current, skipped=True))
            self.finished_through = len(self.script) - 1
            return [
                *events,
                *self._set_stage(Stage.FINISHED, "skipped to end"),
                SessionFinished(True),
            ]
        target = max(0, target)
        if skipped and target > self.index:
            events.append(SegmentFinished(self.current, skipped=True))
            self.finished_through = max(self.finished_through, target - 1)
        elif target < self.index or not skipped:
            # going back: what is repeated is no longer finished
            self.finished_through = min(self.finished_through, target - 1)
        now = self.clock()
        if self.stage is Stage.RUNNING:
            return events + self._enter_segment(target, now)
        self.index = target
        self._remaining = self.current.duration
        self._last_announced = None
        if self.stage is Stage.RESUMING:
            self._deadline = now + self.resume_countdown_s / self.speed
        return [*events, SegmentStarted(self.current)]

    def _enter_segment(self, index: int, at: float) -> list[Event]:
        self.index = index
        self._deadline = at + self.current.duration / self.speed
        self._last_announced = None
        return [SegmentStarted(self.current)]

    def _set_stage(self, new: Stage, reason: str) -> list[Event]:
        """The one transition function: every stage change goes through here."""
        old = self.stage
        if old is new:
            return []
        self.stage = new
        return [StageChanged(old, new, reason)]
