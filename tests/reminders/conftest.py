"""Fixtures for the reminder tests: a wall clock that moves only when told."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest


class WallClock:
    """An aware wall clock; ``sleep`` moves it (what a resident process's sleep would do)."""

    def __init__(self, start: datetime) -> None:
        self.moment = start
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **kw: float) -> None:
        self.moment += timedelta(**kw)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.moment += timedelta(seconds=seconds)


@pytest.fixture
def wall():
    from zoneinfo import ZoneInfo

    return WallClock(datetime(2026, 6, 2, 8, 0, tzinfo=ZoneInfo("Europe/Berlin")))
