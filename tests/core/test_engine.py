"""The session engine with a fake clock: commands, countdowns, pauses, jumps and resume."""

from __future__ import annotations

import subprocess
import sys

import pytest
from fakes import FakeClock
from hypothesis import given, settings
from hypothesis import strategies as st

from stenosis_player.engine import (
    ClockJumped,
    CountdownSecond,
    Engine,
    SegmentFinished,
    SegmentStarted,
    SessionFinished,
    Stage,
)
from stenosis_player.script import Kind, Script, ScriptOptions, build_script


def Clock() -> FakeClock:
    return FakeClock(100.0)


@pytest.fixture(scope="module")
def script(catalog) -> Script:
    # a short program keeps the property tests fast
    opts = ScriptOptions(order=("lumbar-flexion-lying", "standing-hip-extension-stretch"))
    return build_script(catalog, "step-by-step", opts)


def run_until(engine: Engine, clock: Clock, t: float, step: float = 0.25) -> list:
    events = []
    while clock.now < t:
        clock.now = min(t, clock.now + step)
        events += engine.tick()
    return events


def started(events) -> list[int]:
    return [e.segment.index for e in events if isinstance(e, SegmentStarted)]


def test_plays_every_segment_in_order_and_finishes(script):
    clock = Clock()
    engine = Engine(script, clock)
    events = engine.start() + run_until(engine, clock, clock.now + script.total + 1)
    assert started(events) == list(range(len(script)))
    assert isinstance(events[-1], SessionFinished) and events[-1].completed
    assert engine.stage is Stage.FINISHED
    assert engine.resume_point == len(script)


def test_segments_end_on_their_deadlines_without_drift(script):
    clock = Clock()
    engine = Engine(script, clock)
    t0 = clock.now
    engine.start()
    # ticks arrive late (0.37 s steps) but segments start at their scheduled times
    ends = []
    while engine.stage is Stage.RUNNING:
        clock.now += 0.37
        for e in engine.tick():
            if isinstance(e, SegmentFinished):
                ends.append(e.segment)
    last = ends[-1]
    assert engine._deadline == pytest.approx(t0 + last.end)


def test_countdown_announces_each_second_once(script):
    clock = Clock()
    engine = Engine(script, clock)
    engine.start()
    hold = next(s for s in script.segments if s.kind is Kind.HOLD)
    events = run_until(engine, clock, 100.0 + hold.end - 0.01, step=0.1)
    seconds = [e.remaining for e in events if isinstance(e, CountdownSecond) and e.segment == hold]
    assert seconds == list(range(round(hold.duration), 0, -1))


def test_pause_during_hold_keeps_remaining_time(script):
    clock = Clock()
    engine = Engine(script, clock, resume_countdown_s=3)
    engine.start()
    hold = next(s for s in script.segments if s.kind is Kind.HOLD)
    run_until(engine, clock, 100.0 + hold.start + 0.5)
    assert engine.current == hold
    engine.pause()
    left = engine.remaining()
    assert left == pytest.approx(hold.duration - 0.5)
    clock.now += 300  # a long pause: nothing happens
    assert engine.tick() == []
    engine.resume()
    assert engine.stage is Stage.RESUMING
    run_until(engine, clock, clock.now + 2.9)
    assert engine.stage is Stage.RESUMING and engine.current == hold
    run_until(engine, clock, clock.now + 0.2)
    assert engine.stage is Stage.RUNNING
    assert engine.remaining() == pytest.approx(left - 0.1, abs=0.01)


def test_next_and_back(script):
    clock = Clock()
    engine = Engine(script, clock)
    engine.start()
    first_move = next(s for s in script.segments if s.kind is Kind.MOVE)
    run_until(engine, clock, 100.0 + first_move.start + 0.1)
    engine.next()  # skip the move
    assert engine.current.kind is Kind.HOLD
    clock.now += 0.5
    engine.back()  # repeat the current rep: back to its move
    assert engine.current == first_move
    engine.back()  # pressed again at the start: the unit before (the exercise intro)
    assert engine.current.kind is Kind.INTRO


def test_skip_exercise_goes_to_next_exercise(script):
    clock = Clock()
    engine = Engine(script, clock)
    engine.start()
    engine.skip_exercise()
    assert engine.current.exercise_id == "standing-hip-extension-stretch"
    assert engine.current.kind is Kind.INTRO


def test_stop_finishes_incomplete(script):
    engine = Engine(script, Clock())
    engine.start()
    events = engine.stop()
    assert engine.stage is Stage.STOPPED
    assert SessionFinished(completed=False) in events
    assert engine.tick() == [] and engine.next() == []


def test_clock_jump_pauses_the_session(script):
    clock = Clock()
    engine = Engine(script, clock, clock_jump_s=5)
    engine.start()
    run_until(engine, clock, 102.0)
    index, left = engine.index, engine.remaining()
    clock.now += 3600  # the laptop slept for an hour
    events = engine.tick()
    assert any(isinstance(e, ClockJumped) for e in events)
    assert engine.stage is Stage.PAUSED
    assert engine.index == index
    assert engine.remaining() == pytest.approx(left, abs=0.3)


def test_resume_from_a_saved_point(script):
    clock = Clock()
    engine = Engine(script, clock, resume_from=10)
    events = engine.start()
    assert started(events) == [10]
    assert engine.resume_point == 10


def test_speed_plays_faster(script):
    clock = Clock()
    engine = Engine(script, clock, speed=10)
    engine.start()
    run_until(engine, clock, 100.0 + script.total / 10 + 0.5)
    assert engine.stage is Stage.FINISHED


def test_extend_current_for_a_long_clip(script):
    clock = Clock()
    engine = Engine(script, clock)
    engine.start()
    intro = engine.current
    engine.extend_current(intro.duration + 4)
    run_until(engine, clock, 100.0 + intro.duration + 1)
    assert engine.current == intro


def test_next_deadline_aims_at_countdown_seconds(script):
    clock = Clock()
    engine = Engine(script, clock)
    engine.start()
    hold = next(s for s in script.segments if s.kind is Kind.HOLD)
    run_until(engine, clock, 100.0 + hold.start + 0.3)
    assert engine.next_deadline() == pytest.approx(clock.now + 0.7)
    engine.pause()
    assert engine.next_deadline() is None


def test_engine_does_not_import_qt():
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('PySide6', 'shiboken6'):\n"
        "            raise ImportError('Qt is blocked in the core')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import stenosis_player.catalog, stenosis_player.script, stenosis_player.engine\n"
        "from stenosis_player.catalog import load_catalog\n"
        "from stenosis_player.script import build_script\n"
        "build_script(load_catalog())\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"


# ---------------------------------------------------------------- properties

commands = st.lists(
    st.tuples(
        st.sampled_from(["tick", "pause", "resume", "next", "back", "toggle", "skip"]),
        st.floats(min_value=0.0, max_value=40.0),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.floats(0.01, 30.0)), max_size=40))
def test_pausing_never_loses_or_repeats_a_rep(script, plan):
    clock = Clock()
    engine = Engine(script, clock, resume_countdown_s=3)
    events = engine.start()
    for pause, wait in plan:
        clock.now += wait
        events += engine.tick()
        events += engine.pause() if pause else engine.resume()
    engine.resume()
    events += run_until(engine, clock, clock.now + script.total + 10, step=0.5)
    assert started(events) == list(range(len(script)))
    finished = [e.segment.index for e in events if isinstance(e, SegmentFinished)]
    assert finished == list(range(len(script)))


@settings(max_examples=150, deadline=None)
@given(commands)
def test_commands_stay_inside_the_script_and_resume_point_is_a_boundary(script, plan):
    clock = Clock()
    engine = Engine(script, clock)
    engine.start()
    for command, wait in plan:
        clock.now += wait
        getattr(engine, "skip_exercise" if command == "skip" else command)()
        assert 0 <= engine.index < len(script)
        assert isinstance(engine.resume_point, int)
        assert 0 <= engine.resume_point <= len(script)
        if engine.stage not in (Stage.FINISHED, Stage.STOPPED):
            assert engine.resume_point <= engine.index + 1
