"""SessionRecorder listening to a real Engine driven by a fake clock."""

from __future__ import annotations

from collections import Counter

import pytest

from stenosis_player.engine import Engine, SegmentFinished
from stenosis_player.recorder import (
    SessionRecorder,
    can_resume,
    plan_of,
    resume_label,
    script_fingerprint,
)
from stenosis_player.script import Kind
from stenosis_player.store import Store, StoreError


def run_until(engine, recorder, clock, index, step=0.5, seen=None):
    """Tick the engine (and the recorder) until segment ``index`` is running."""
    while engine.index < index:
        clock.t += step
        events = engine.tick()
        if seen is not None:
            seen.extend(e.segment.index for e in events if isinstance(e, SegmentFinished))
        recorder.handle(events)


def test_every_finished_segment_is_recorded_exactly_once(store, step_script, tick_clock):
    engine = Engine(step_script, tick_clock)
    rec = SessionRecorder(store, "step-by-step", step_script)
    seen: list[int] = []
    rec.handle(engine.start())
    while engine.stage.value != "finished":
        tick_clock.t += 0.7
        events = engine.tick()
        seen.extend(e.segment.index for e in events if isinstance(e, SegmentFinished))
        rec.handle(events)
    assert seen == list(range(len(step_script)))
    assert store.done_indices(rec.session_id) == seen
    assert store.session_outcome(rec.session_id) == "completed"
    assert store.unfinished_session() is None
    total = store.connection.execute("SELECT total_s FROM sessions").fetchone()[0]
    assert total == pytest.approx(step_script.total)
    done = dict(store.connection.execute("SELECT exercise_id, done_reps FROM session_exercises"))
    planned = {p.exercise_id: p.planned_reps for p in plan_of(step_script)}
    assert done == planned
    counts = Counter(
        s.exercise_id for s in step_script.segments if s.kind.value in {"release", "timed"}
    )
    assert planned == dict(counts)


def test_resume_info_points_at_the_first_segment_not_done(store, sciatica_script, tick_clock):
    step_script = sciatica_script
    # stop in the middle of set 2 of the first exercise, to check the label
    target = next(
        s.index for s in step_script.segments if s.sets > 1 and s.set == 2 and s.kind is Kind.MOVE
    )
    engine = Engine(step_script, tick_clock)
    rec = SessionRecorder(store, "sciatica-five", step_script)
    rec.handle(engine.start())
    run_until(engine, rec, tick_clock, target + 1)
    # the process dies here: nothing more is written
    info = store.unfinished_session()
    assert info is not None
    assert info.session_id == rec.session_id
    assert info.program_id == "sciatica-five"
    assert info.resume_index == engine.resume_point == target + 1
    seg = step_script[target + 1]
    assert info.label == resume_label(step_script, target + 1)
    assert info.label == f"{seg.exercise_name}, set 2"
    assert info.segments_done == target + 1
    assert can_resume(info, step_script)


def test_continuing_a_session_records_into_the_same_row(db_path, fake_now, step_script, tick_clock):
    store = Store.open(db_path, now=fake_now)
    engine = Engine(step_script, tick_clock)
    rec = SessionRecorder(store, "step-by-step", step_script)
    rec.handle(engine.start())
    run_until(engine, rec, tick_clock, 12)
    store.close()  # the app went away

    store = Store.open(db_path, now=fake_now)
    info = store.unfinished_session()
    assert info is not None and info.resume_index == 12
    engine2 = Engine(step_script, tick_clock, resume_from=info.resume_index)
    rec2 = SessionRecorder(store, info.program_id, step_script, resume=info)
    assert rec2.session_id == info.session_id
    rec2.handle(engine2.start())
    run_until(engine2, rec2, tick_clock, len(step_script) - 1, step=2.0)
    rec2.handle(engine2.stop())
    assert store.done_indices(info.session_id) == list(range(len(step_script) - 1))
    assert store.session_outcome(info.session_id) == "stopped"
    assert store.connection.execute("SELECT count(*) FROM sessions").fetchone()[0] == 1
    store.close()


def test_back_and_skip_never_count_a_segment_twice(store, step_script, tick_clock):
    engine = Engine(step_script, tick_clock)
    # indices below are counted from lying flexion's first move (its rep 1)
    first = next(
        s.index
        for s in step_script.segments
        if s.exercise_id == "lumbar-flexion-lying" and s.kind.value == "move"
    )
    k = first - 8
    rec = SessionRecorder(store, "step-by-step", step_script)
    rec.handle(engine.start())
    run_until(engine, rec, tick_clock, 11 + k)  # into the second rep of lying flexion
    rec.handle(engine.back())  # repeat this rep ...
    assert store.unfinished_session().resume_index == engine.resume_point == 8 + k
    rec.handle(engine.back())  # ... and, pressed again at once, go further back
    assert store.unfinished_session().resume_index == engine.resume_point == 6 + k
    run_until(engine, rec, tick_clock, 14 + k)
    rec.handle(engine.next())  # skip a segment
    rec.handle(engine.skip_exercise())
    info = store.unfinished_session()
    assert info.resume_index == engine.resume_point == engine.index
    rows = store.connection.execute(
        "SELECT segment_index, skipped FROM segments_done ORDER BY segment_index"
    ).fetchall()
    assert [r[0] for r in rows] == sorted({r[0] for r in rows})  # each index once
    assert dict(rows)[14 + k] == 1
    reps = store.connection.execute(
        "SELECT done_reps FROM session_exercises WHERE exercise_id = 'lumbar-flexion-lying'"
    ).fetchone()[0]
    assert reps == 2  # two reps released; the repeats are not counted again


def test_a_skipped_segment_done_later_counts_as_done(store, step_script):
    from stenosis_player.store import SegmentDone

    sid = store.begin_session("p")
    assert store.record_segment(sid, SegmentDone(3, "hold", "x", skipped=True)) is False
    assert store.record_segment(sid, SegmentDone(3, "hold", "x")) is True
    assert store.record_segment(sid, SegmentDone(3, "hold", "x")) is False
    assert store.connection.execute("SELECT skipped FROM segments_done").fetchall() == [(0,)]


def test_checkins_hurts_and_answers(store, step_script, tick_clock):
    engine = Engine(step_script, tick_clock)
    rec = SessionRecorder(store, "step-by-step", step_script)
    rec.record_checkin("before", 6)
    rec.handle(engine.start())
    run_until(engine, rec, tick_clock, next(s.index for s in step_script if s.kind is Kind.CHECK))
    check = engine.current
    assert check.kind is Kind.CHECK
    rec.record_answer(check, False)
    rec.record_hurt(engine.current, "easier")
    rec.record_checkin("after", None)
    rec.record_checkin("before", 5)  # a changed answer replaces the old one
    c = store.connection
    assert c.execute("SELECT moment, pain FROM checkins ORDER BY moment").fetchall() == [
        ("after", None),
        ("before", 5),
    ]
    assert c.execute("SELECT exercise_id, segment_index, choice FROM hurts").fetchall() == [
        ("sustained-lumbar-extension", check.index, "easier")
    ]
    q, a = c.execute("SELECT question, answer FROM answers").fetchone()
    assert (q, a) == (check.question, "no")
    with pytest.raises(ValueError):
        rec.record_checkin("before", 11)
    with pytest.raises(ValueError):
        rec.record_hurt(None, "scream")


def test_declining_to_resume_marks_the_session_crashed(store, step_script, tick_clock):
    engine = Engine(step_script, tick_clock)
    rec = SessionRecorder(store, "step-by-step", step_script)
    rec.handle(engine.start())
    run_until(engine, rec, tick_clock, 4)
    info = store.unfinished_session()
    store.mark_abandoned(info.session_id)
    assert store.session_outcome(info.session_id) == "crashed"
    assert store.unfinished_session() is None


def test_a_new_session_closes_a_stale_one_as_crashed(store, step_script, tick_clock):
    engine = Engine(step_script, tick_clock)
    rec = SessionRecorder(store, "step-by-step", step_script)
    rec.handle(engine.start())
    run_until(engine, rec, tick_clock, 4)
    rec2 = SessionRecorder(store, "step-by-step", step_script)
    rec2.record_checkin("before", 2)
    assert store.session_outcome(rec.session_id) == "crashed"
    assert store.session_outcome(rec2.session_id) == "in-progress"


def test_nothing_is_written_before_the_session_starts(store, step_script):
    SessionRecorder(store, "step-by-step", step_script)
    assert store.connection.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0
    assert store.unfinished_session() is None


def test_a_changed_script_cannot_resume(store, store_catalog, step_script, tick_clock):
    from stenosis_player.script import DoseOverride, ScriptOptions, build_script

    engine = Engine(step_script, tick_clock)
    rec = SessionRecorder(store, "step-by-step", step_script)
    rec.handle(engine.start())
    run_until(engine, rec, tick_clock, 9)
    other = build_script(
        store_catalog,
        "step-by-step",
        ScriptOptions(overrides={"lumbar-flexion-lying": DoseOverride(reps=3)}),
    )
    info = store.unfinished_session()
    assert script_fingerprint(other) != script_fingerprint(step_script)
    assert not can_resume(info, other)
    with pytest.raises(StoreError, match="changed"):
        SessionRecorder(store, "step-by-step", other, resume=info)


def test_removing_an_exercise_is_reversible(store, fake_now):
    store.remove_exercise("sustained-lumbar-extension", "symptoms did not settle")
    store.remove_exercise("walking", "too far")
    assert store.removed_exercises() == {"sustained-lumbar-extension", "walking"}
    assert store.removal_reasons()["walking"] == "too far"
    fake_now.advance(days=1)
    assert store.restore_exercise("walking") is True
    assert store.restore_exercise("walking") is False
    assert store.removed_exercises() == {"sustained-lumbar-extension"}
    store.remove_exercise("walking", "again")
    store.remove_exercise("walking", "again, twice")  # no duplicate open removal
    assert store.removed_exercises() == {"sustained-lumbar-extension", "walking"}
    n = store.connection.execute(
        "SELECT count(*) FROM removed_exercises WHERE exercise_id = 'walking'"
    ).fetchone()[0]
    assert n == 2  # the history of removals is kept


def test_resume_label_words(step_script):
    assert resume_label(step_script, 0) == step_script[0].exercise_name
    assert resume_label(step_script, len(step_script) - 1) == "the end of the session"
    sided = next((s for s in step_script.segments if s.side), None)
    if sided is not None:
        assert f"{sided.side} side" in resume_label(step_script, sided.index)
