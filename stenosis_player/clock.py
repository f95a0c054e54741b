"""The session clock: what the engine and the window measure time with (tests inject
their own). A module of its own so the window can take the default without importing
the engine before its first frame."""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], float]


def system_clock() -> float:
    """Monotonic time that keeps counting while the machine sleeps (Linux BOOTTIME),
    so a suspend shows up as a jump instead of silently freezing the session."""
    boottime = getattr(time, "CLOCK_BOOTTIME", None)
    if boottime is not None:
        return time.clock_gettime(boottime)
    return time.monotonic()
