"""``--verbose``: what happened, one line each, for a user or a therapist (Qt-free).

The engine's events, the speech clips started and stopped, and the voice commands heard are
logged at INFO on the ``stenosis_player`` loggers; nothing is logged (or formatted) unless
``enable_verbose()`` has put a handler on them. Each line reads::

    [   12.345 s] engine  segment 3 started: move, rep 1 of 10 "Slowly bring your knees up..."
    [   12.351 s] speech  clip seg-3 started (3.1 s) "Slowly bring your knees up..."
    [   13.002 s] command heard "player pause" (pause, confidence 0.93)
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any, TextIO

ROOT = "stenosis_player"
TEXT_MAX = 60  # characters of a spoken line quoted in a log line


def quote(text: str) -> str:
    """A spoken line, shortened and on one line, in quotes."""
    flat = " ".join(text.split())
    return f'"{flat[: TEXT_MAX - 3]}..."' if len(flat) > TEXT_MAX else f'"{flat}"'


def describe(event: Any) -> str:
    """One engine event as words (engine.Event subclasses; anything else by its name)."""
    kind = type(event).__name__
    seg = getattr(event, "segment", None)
    where = ""
    if seg is not None:
        kind_name = getattr(getattr(seg, "kind", None), "value", "?")
        where = f"segment {seg.index} {{}}: {kind_name}"
        rep = getattr(seg, "rep", None)
        reps = getattr(seg, "reps", None)
        if rep and reps:
            where += f", rep {rep} of {reps}"
    if kind == "SegmentStarted":
        return where.format("started") + (f" {quote(seg.say)}" if seg.say else "")
    if kind == "SegmentFinished":
        how = "skipped" if event.skipped else "finished"
        return where.format(how)
    if kind == "CountdownSecond":
        return where.format(f"{event.remaining} s left")
    if kind == "StageChanged":
        why = f" ({event.reason})" if event.reason else ""
        return f"stage {event.old.value} -> {event.new.value}{why}"
    if kind == "ClockJumped":
        return f"the clock jumped {event.gap:.0f} s (the computer slept): paused"
    if kind == "SessionFinished":
        return "session " + ("completed" if event.completed else "ended early")
    return kind


class _LineFormatter(logging.Formatter):
    def __init__(self, started: float) -> None:
        super().__init__()
        self.started = started

    def format(self, record: logging.LogRecord) -> str:
        area = record.name.rsplit(".", 1)[-1]
        area = {"controller": "engine", "service": "speech", "main_window": "command"}.get(
            area, area
        )
        message = record.getMessage().replace("\n", " ")
        return f"[{record.created - self.started:9.3f} s] {area:7} {message}"


def enable_verbose(stream: TextIO | None = None) -> logging.Handler:
    """Log the app's INFO lines to ``stream`` (stderr), times counted from now."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(_LineFormatter(time.time()))
    root = logging.getLogger(ROOT)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return handler
