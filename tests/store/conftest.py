"""Fixtures for the progress-store tests: a fake wall clock, a real script, a seeded store."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from store_seed import seed_session

REPO = Path(__file__).resolve().parents[2]


class FakeNow:
    """A wall clock (timezone-aware, UTC) that moves only when a test says so."""

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **kw: float) -> None:
        self.moment += timedelta(**kw)

    def set(self, moment: datetime) -> None:
        self.moment = moment


class TickClock:
    """A monotonic clock for the engine that only moves when told."""

    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def fake_now() -> FakeNow:
    return FakeNow(datetime(2025, 3, 3, 9, 0, tzinfo=UTC))  # a Monday


@pytest.fixture
def tick_clock() -> TickClock:
    return TickClock()


@pytest.fixture(scope="session")
def store_catalog():
    from stenosis_player.catalog import load_catalog

    return load_catalog(REPO / "exercises.json")


@pytest.fixture(scope="session")
def step_script(store_catalog):
    from stenosis_player.script import build_script

    return build_script(store_catalog, "step-by-step")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "progress.sqlite3"


@pytest.fixture
def store(db_path: Path, fake_now: FakeNow):
    from stenosis_player.store import Store

    s = Store.open(db_path, now=fake_now)
    yield s
    s.close()


@pytest.fixture(scope="session")
def sciatica_script(store_catalog):
    """A program whose first exercise has two sets (for 'set 2' resume labels)."""
    from stenosis_player.script import build_script

    return build_script(store_catalog, "sciatica-five")


@pytest.fixture
def seeded(store, fake_now):
    """Eight sessions over three ISO weeks (times in UTC; tests read them with tz=UTC).

    2025-W09 (24 Feb - 2 Mar): 2 completed. W10 (3-9 Mar): 3 completed and 1 stopped (6 Mar,
    with a hurt). W11 (10-16 Mar): 2 completed. Completed days in a row: 8, 9, 10, 11 March.
    """
    d = lambda day, hour=9: datetime(2025, 3, day, hour, 0, tzinfo=UTC)  # noqa: E731
    flex = ("lumbar-flexion-lying", "Lumbar flexion in lying", 10, 10)
    walk = ("walking", "Walking", 1, 1)
    ids = [
        seed_session(
            store,
            fake_now,
            datetime(2025, 2, 25, 8, tzinfo=UTC),
            before=6,
            after=4,
            exercises=(flex, walk),
        ),
        seed_session(
            store,
            fake_now,
            datetime(2025, 2, 27, 8, tzinfo=UTC),
            before=5,
            after=5,
            exercises=(flex, walk),
        ),
        seed_session(store, fake_now, d(4), before=5, after=3, exercises=(flex, walk)),
        seed_session(
            store,
            fake_now,
            d(6),
            outcome="stopped",
            before=7,
            after=None,
            exercises=(("lumbar-flexion-lying", "Lumbar flexion in lying", 10, 4), walk),
            hurts=(("lumbar-flexion-lying", "end"),),
            minutes=6,
        ),
        seed_session(store, fake_now, d(8), before=4, after=2, exercises=(flex, walk)),
        seed_session(
            store,
            fake_now,
            d(9),
            before=None,
            after=None,
            exercises=(flex, walk),
            hurts=(("walking", "continue"),),
        ),
        seed_session(store, fake_now, d(10), before=3, after=2, exercises=(flex, walk)),
        seed_session(
            store, fake_now, d(11), before=3, after=1, exercises=(("walking", "=Walking", 1, 1),)
        ),  # a formula-looking name
    ]
    return ids
