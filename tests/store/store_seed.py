"""Writing sessions straight through the Store API, for history tests."""

from __future__ import annotations

from datetime import datetime


def seed_session(
    store,
    fake_now,
    start: datetime,
    *,
    program: str = "step-by-step",
    outcome: str = "completed",
    before: int | None = None,
    after: int | None = None,
    exercises: tuple[tuple[str, str, int, int], ...] = (("walking", "Walking", 2, 2),),
    hurts: tuple[tuple[str, str], ...] = (),
    minutes: float = 20.0,
) -> int:
    """One session through the public API: (id, name, planned reps, done reps) per exercise."""
    from stenosis_player.store import PlannedExercise, SegmentDone

    fake_now.set(start)
    plan, first = [], 0
    for ex_id, name, planned, _done in exercises:
        plan.append(PlannedExercise(ex_id, name, first, first + 3 * planned, planned))
        first += 3 * planned + 1
    sid = store.begin_session(program, plan=plan, segment_count=first + 1)
    if before is not None or outcome == "completed":
        store.record_checkin(sid, "before", before)
    per_rep = minutes * 60 / max(1, sum(d for *_, d in exercises))
    with store.transaction():
        for p, (_, _, _, done) in zip(plan, exercises, strict=True):
            for r in range(done):
                i = p.first_index + 3 * r
                store.record_segment(sid, SegmentDone(i, "move", p.exercise_id, rep=r + 1))
                store.record_segment(
                    sid,
                    SegmentDone(i + 1, "release", p.exercise_id, rep=r + 1, duration=per_rep),
                )
    for ex_id, choice in hurts:
        store.record_hurt(sid, ex_id, 0, choice)
    fake_now.advance(minutes=minutes)
    if after is not None or outcome == "completed":
        store.record_checkin(sid, "after", after)
    if outcome != "in-progress":
        store.finish_session(sid, outcome)
    return sid
