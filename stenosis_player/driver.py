"""The session engine's commands, each running the engine and handing what happened to
the listeners (the window, the voice, the store). Qt-free: ``EngineDriver`` has no timer
(tests and tools tick it); the Qt ``SessionController`` adds one and Qt signals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .clock import Clock, system_clock
from .script import Script, Segment


class EngineCommands:
    """start / pause / next / back / ... on ``self.engine``, each published by
    ``self._publish``; a subclass decides what publishing means."""

    engine: Any

    def _publish(self, events: list) -> None:
        raise NotImplementedError

    @property
    def script(self) -> Script:
        return self.engine.script

    @property
    def stage(self) -> Any:
        return self.engine.stage

    @property
    def current(self) -> Segment:
        return self.engine.current

    def start(self) -> None:
        self._publish(self.engine.start())

    def toggle(self) -> None:
        self._publish(self.engine.toggle())

    def pause(self, reason: str = "paused") -> None:
        self._publish(self.engine.pause(reason))

    def resume(self) -> None:
        self._publish(self.engine.resume())

    def next(self) -> None:
        self._publish(self.engine.next())

    def back(self) -> None:
        self._publish(self.engine.back())

    def skip_exercise(self) -> None:
        self._publish(self.engine.skip_exercise())

    def stop(self) -> None:
        self._publish(self.engine.stop())

    def tick(self) -> None:
        self._publish(self.engine.tick())

    def replace_script(self, script: Script, jump_to: int | None = None) -> None:
        """Swap in a re-planned script (see Engine.replace_script); raises ValueError."""
        self._publish(self.engine.replace_script(script, jump_to))

    def extend_current(self, seconds: float) -> None:
        self.engine.extend_current(seconds)


class EngineDriver(EngineCommands):
    """The engine with no timer: whoever owns the clock calls ``tick()`` (tests, a command
    line run). Same interface as the Qt ``SessionController``, which adds the timer."""

    def __init__(
        self, script: Script, clock: Clock = system_clock, speed: float = 1.0, resume_from: int = 0
    ) -> None:
        from .engine import Engine

        self.engine = Engine(script, clock, speed=speed, resume_from=resume_from)
        self.listeners: list[Callable[[list], None]] = []

    def _publish(self, events: list) -> None:
        for listener in self.listeners:
            listener(events)
