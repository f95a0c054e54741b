"""Adapts the Qt-free Engine to Qt: one timer aimed at the engine's next deadline, and
signals for the views. It computes no timing itself."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from ..driver import EngineCommands
from ..engine import (
    Clock,
    ClockJumped,
    CountdownSecond,
    Engine,
    Event,
    SegmentStarted,
    SessionFinished,
    StageChanged,
    system_clock,
)
from ..script import Script

log = logging.getLogger(__name__)

HEARTBEAT_MS = 1000  # tick at least this often, so a sleep shows up as a clock jump


class SessionController(QObject, EngineCommands):
    """The engine's commands (``EngineCommands``) with one Qt timer and signals."""

    segment_started = Signal(object)  # Segment
    countdown_second = Signal(object, int)  # Segment, seconds left
    stage_changed = Signal(str, str)  # new stage, reason
    session_finished = Signal(bool)  # completed?
    clock_jumped = Signal(float)
    events_emitted = Signal(list)  # every engine event, for peers (store, voice commands)

    def __init__(
        self,
        script: Script,
        clock: Clock = system_clock,
        *,
        speed: float = 1.0,
        resume_from: int = 0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.clock = clock
        self.engine = Engine(script, clock, speed=speed, resume_from=resume_from)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self.tick)
        self.listeners: list[Callable[[list[Event]], None]] = []

    def extend_current(self, seconds: float) -> None:
        super().extend_current(seconds)
        self._schedule()

    def _publish(self, events: list[Event]) -> None:
        try:
            self._emit(events)
        finally:
            # whatever a listener does, the session's next tick is always scheduled: a
            # peer that raises must never freeze the session
            self._schedule()

    def _emit(self, events: list[Event]) -> None:
        for listener in self.listeners:
            try:
                listener(events)
            except Exception:  # one broken peer must not silence the others or the session
                log.exception("a session listener failed; the session goes on")
        if events:
            self.events_emitted.emit(events)
            if log.isEnabledFor(logging.INFO):  # --verbose
                from ..event_log import describe

                for e in events:
                    if isinstance(e, CountdownSecond) and e.remaining > e.segment.count_last:
                        continue  # only the seconds that are counted aloud
                    log.info(describe(e))
        for e in events:
            if isinstance(e, SegmentStarted):
                self.segment_started.emit(e.segment)
            elif isinstance(e, CountdownSecond):
                self.countdown_second.emit(e.segment, e.remaining)
            elif isinstance(e, StageChanged):
                self.stage_changed.emit(e.new.value, e.reason)
            elif isinstance(e, ClockJumped):
                self.clock_jumped.emit(e.gap)
            elif isinstance(e, SessionFinished):
                self.session_finished.emit(e.completed)

    def _schedule(self) -> None:
        deadline = self.engine.next_deadline()
        if deadline is None:
            self._timer.stop()
            return
        ms = max(0, round((deadline - self.clock()) * 1000))
        self._timer.start(min(ms, HEARTBEAT_MS))

    def timer_interval_ms(self) -> int | None:
        """When the controller will next tick (for tests and the benchmark)."""
        return self._timer.remainingTime() if self._timer.isActive() else None
