"""Progression and safety rules over past sessions (the store feeds them; tested there too)."""

from __future__ import annotations

from stenosis_player.progression import (
    ExerciseSession,
    active_rule,
    clean_streak,
    flexion_offer,
    hurt_twice_in_a_row,
    next_step,
    progression_start,
)

CLEAN = ExerciseSession(1, completed=True, hurt=False)
HURT = ExerciseSession(2, completed=True, hurt=True)
PARTIAL = ExerciseSession(3, completed=False, hurt=False)


def test_hold_grows_exactly_as_the_rule_says_and_stops_at_the_target(catalog):
    ex = catalog.exercises["back-flexion-stretch"]
    rule = ex.progression.rule
    assert (rule.start, rule.step, rule.after_sessions, rule.target) == (10, 5, 3, 30)
    assert progression_start(ex) == {"hold_s": 10}
    hold, sessions_needed = 10, 0
    while True:
        history: list[ExerciseSession] = []
        change = None
        while change is None and len(history) < 10:
            history.insert(0, CLEAN)
            change = next_step(ex, hold, history)
        if change is None:
            break
        assert len(history) == 3  # exactly after three clean sessions
        assert change.new == min(hold + 5, 30)
        hold = change.new
        sessions_needed += len(history)
    assert hold == 30
    assert sessions_needed == 12  # 10 → 15 → 20 → 25 → 30
    assert next_step(ex, 30, [CLEAN] * 5) is None  # never beyond the target


def test_a_hurt_or_an_unfinished_session_restarts_the_count(catalog):
    ex = catalog.exercises["childs-pose"]
    assert next_step(ex, 10, [CLEAN, CLEAN, HURT, CLEAN]) is None
    assert next_step(ex, 10, [CLEAN, PARTIAL, CLEAN, CLEAN]) is None
    assert clean_streak([CLEAN, CLEAN, HURT]) == 2
    change = next_step(ex, 10, [CLEAN, CLEAN, CLEAN, HURT])
    assert change is not None and "3 sessions in a row without pain" in change.reason


def test_reps_rule_for_curl_ups(catalog):
    ex = catalog.exercises["curl-ups"]
    change = next_step(ex, 5, [CLEAN] * 3)
    assert (change.field, change.old, change.new) == ("reps", 5, 6)
    assert "curl-ups" in change.describe(catalog).lower()


def test_curl_ups_grow_to_ten_reps_then_to_two_sets_of_ten(catalog):
    """'As strength builds, aim to complete 2 sets of 10 curls': reps first, then sets."""
    ex = catalog.exercises["curl-ups"]
    dose: dict[str, int] = {}
    sessions = 0
    while (rule := active_rule(ex, dose)) is not None:
        current = dose.get(rule.field, rule.start)
        change = next_step(ex, current, [CLEAN] * 3, rule)
        assert change is not None and change.field == rule.field
        dose[rule.field] = change.new
        sessions += 3
        assert sessions < 100
    assert dose == {"reps": 10, "sets": 2}
    assert sessions == 3 * (5 + 1)  # five steps of reps, then one of sets


def test_the_advanced_march_is_offered_after_the_pelvic_tilt_goes_well(catalog):
    planned = ["back-flexion-stretch", "pelvic-tilt-abdominal", "curl-ups"]
    assert flexion_offer(catalog, planned, {"pelvic-tilt-abdominal": [CLEAN] * 2}) is None
    offer = flexion_offer(catalog, planned, {"pelvic-tilt-abdominal": [CLEAN] * 3})
    assert offer == "hook-lying-march"


def test_the_default_program_starts_with_the_first_flexion_stage(catalog):
    program = catalog.program("step-by-step")
    included = [i.exercise_id for i in program.items if i.included]
    assert "lumbar-flexion-lying" in included
    assert "seated-lumbar-flexion" not in included and "standing-lumbar-flexion" not in included
    held = {i.exercise_id: i.note for i in program.items if not i.included}
    assert "flexion in lying" in held["seated-lumbar-flexion"]
    march = next(
        i
        for i in catalog.program("stretch-and-strengthen").items
        if i.exercise_id == "hook-lying-march"
    )
    assert not march.included and "more advanced" in march.note


def test_exercises_without_a_rule_never_change(catalog):
    assert next_step(catalog.exercises["walking"], 600, [CLEAN] * 10) is None


def test_flexion_order_is_offered_after_clean_sessions(catalog):
    history = {"lumbar-flexion-lying": [CLEAN] * 3}
    assert flexion_offer(catalog, ["lumbar-flexion-lying"], history) == "seated-lumbar-flexion"
    assert (
        flexion_offer(catalog, ["lumbar-flexion-lying"], {"lumbar-flexion-lying": [CLEAN] * 2})
        is None
    )
    planned = ["lumbar-flexion-lying", "seated-lumbar-flexion"]
    history["seated-lumbar-flexion"] = [CLEAN] * 3
    assert flexion_offer(catalog, planned, history) == "standing-lumbar-flexion"
    assert flexion_offer(catalog, [*planned, "standing-lumbar-flexion"], history) is None


def test_hurt_twice_in_a_row():
    assert hurt_twice_in_a_row([HURT, CLEAN])
    assert not hurt_twice_in_a_row([CLEAN, HURT])
    assert not hurt_twice_in_a_row([])
