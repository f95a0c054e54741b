"""The script matches each exercise's dose: reps, holds, sets, sides, and its total time."""

from __future__ import annotations

import json

import pytest

from stenosis_player.cli import main
from stenosis_player.script import (
    DoseOverride,
    Kind,
    ScriptOptions,
    build_script,
    with_speech_durations,
)


def segments_of(script, exercise_id, kind):
    return [s for s in script.segments if s.exercise_id == exercise_id and s.kind is kind]


@pytest.mark.parametrize("program_id", ["step-by-step", "sciatica-five", "stretch-and-strengthen"])
def test_counts_per_exercise_match_the_dose(catalog, program_id):
    script = build_script(catalog, program_id)
    program = catalog.program(program_id)
    for item in program.items:
        ex = catalog.exercises[item.exercise_id]
        if not item.included:
            assert not [s for s in script.segments if s.exercise_id == ex.id]
            continue
        sides = 2 if ex.dose.sides == "each" else 1
        sets = ex.dose.sets.value
        if ex.dose.timed:
            timed = segments_of(script, ex.id, Kind.TIMED)
            assert len(timed) == sides * sets
            assert all(s.duration == ex.dose.duration_s.value for s in timed)
            continue
        starts = {r.field: r.start for r in (ex.progression.rules if ex.progression else ())}
        reps = starts.get("reps", ex.dose.reps.value)
        hold_s = starts.get("hold_s", ex.dose.hold_s.value)
        sets = starts.get("sets", sets)
        moves = segments_of(script, ex.id, Kind.MOVE)
        assert len(moves) == reps * sets * sides, ex.id
        assert len(segments_of(script, ex.id, Kind.RELEASE)) == reps * sets * sides
        holds = segments_of(script, ex.id, Kind.HOLD)
        if hold_s:
            assert len(holds) == reps * sets * sides
            assert all(h.duration == hold_s for h in holds)  # never stretched by speech
        else:
            assert holds == []
        settle = 1 if ex.check and ex.check.settle_s else 0  # the rest before its question
        assert len(segments_of(script, ex.id, Kind.REST)) == (sets - 1) * sides + settle
        assert len(segments_of(script, ex.id, Kind.SWITCH_SIDE)) == sides - 1
        if sides == 2:
            assert {m.side for m in moves} == {"left", "right"}


def test_total_is_the_sum_and_segments_are_contiguous(catalog):
    script = build_script(catalog)
    t = 0.0
    for i, seg in enumerate(script.segments):
        assert seg.index == i
        assert seg.start == pytest.approx(t)
        assert seg.duration > 0
        t += seg.duration
    assert script.total == pytest.approx(t)
    assert script.segments[-1].kind is Kind.DONE


def test_structure_of_one_exercise(catalog):
    script = build_script(catalog, "sciatica-five")
    kinds = [s.kind for s in script.segments if s.exercise_id == "standing-hip-extension-stretch"]
    assert kinds[:2] == [Kind.INTRO, Kind.GET_READY]
    assert kinds[2:5] == [Kind.MOVE, Kind.HOLD, Kind.RELEASE]
    assert Kind.SWITCH_SIDE in kinds


def test_a_stretch_says_to_stop_if_it_hurts_before_the_first_movement(catalog):
    script = build_script(catalog, "sciatica-five")
    [ready] = segments_of(script, "standing-hip-extension-stretch", Kind.GET_READY)
    stop = "If a stretch hurts or causes sciatica to worsen, stop immediately."
    assert stop in ready.say_parts and stop in ready.notes  # said and shown
    first_move = segments_of(script, "standing-hip-extension-stretch", Kind.MOVE)[0]
    assert first_move.index == ready.index + 1


def test_extension_asks_whether_symptoms_settled(catalog):
    script = build_script(catalog)
    checks = [s for s in script.segments if s.kind is Kind.CHECK]
    assert len(checks) == 1
    assert checks[0].exercise_id == "sustained-lumbar-extension"
    assert checks[0].on_no == "remove"
    assert "settle" in checks[0].say


def test_getting_up_from_the_floor_gets_more_time(catalog):
    opts = ScriptOptions(
        change_position_s=10, floor_to_standing_s=25, speech_seconds=lambda text: 0.5
    )
    script = build_script(catalog, "step-by-step", opts)
    ready = {s.exercise_id: s for s in script.segments if s.kind is Kind.GET_READY}
    # straight leg raise is lying, walking is standing: floor → standing
    assert ready["walking"].duration == 25
    # standing (extension) → lying: getting down is not rushed either
    assert ready["lumbar-flexion-lying"].duration == 25
    # lying → lying: a short pause
    assert ready["straight-leg-raise"].duration < 10


def test_overrides_change_the_dose(catalog):
    opts = ScriptOptions(overrides={"lumbar-flexion-lying": DoseOverride(reps=3, sets=2, hold_s=5)})
    script = build_script(catalog, "step-by-step", opts)
    assert len(segments_of(script, "lumbar-flexion-lying", Kind.MOVE)) == 6
    assert all(h.duration == 5 for h in segments_of(script, "lumbar-flexion-lying", Kind.HOLD))
    assert len(segments_of(script, "lumbar-flexion-lying", Kind.REST)) == 1


def test_order_and_removed(catalog):
    opts = ScriptOptions(
        order=("posterior-pelvic-tilt", "lumbar-flexion-lying", "sustained-lumbar-extension"),
        removed=frozenset({"sustained-lumbar-extension"}),
    )
    assert build_script(catalog, "step-by-step", opts).exercise_ids() == [
        "posterior-pelvic-tilt",
        "lumbar-flexion-lying",
    ]


def test_modification_changes_the_spoken_move(catalog):
    opts = ScriptOptions(
        overrides={"squat-incline-board": DoseOverride(modification="partial-squat")}
    )
    script = build_script(catalog, "sciatica-five", opts)
    first = segments_of(script, "squat-incline-board", Kind.MOVE)[0]
    assert "one third or halfway" in first.say


def test_speech_bound_segments_last_as_long_as_their_speech(catalog):
    script = build_script(catalog, options=ScriptOptions(speech_seconds=lambda t: 9.0))
    for seg in script.segments:
        if seg.speech_bound and seg.say:
            assert seg.duration >= 9.0
        if seg.tempo and not seg.say:  # a cue too long for a later rep's tempo is not said
            assert seg.duration == seg.tempo
        if seg.kind is Kind.HOLD:
            assert seg.duration < 9.0 or seg.duration == 60  # holds keep the article's time


def test_retiming_with_real_clip_lengths_keeps_holds(catalog):
    script = build_script(catalog)
    longer = with_speech_durations(script, lambda text: 12.0)
    assert longer.total > script.total
    for a, b in zip(script.segments, longer.segments, strict=True):
        if a.kind is Kind.HOLD:
            assert a.duration == b.duration


def test_counts_are_spoken_and_can_be_turned_off(catalog):
    script = build_script(catalog)
    releases = segments_of(script, "lumbar-flexion-lying", Kind.RELEASE)
    assert releases[2].say.endswith("That's three.")
    quiet = build_script(catalog, options=ScriptOptions(count_aloud=False))
    assert "That's" not in segments_of(quiet, "lumbar-flexion-lying", Kind.RELEASE)[2].say


def test_script_command_prints_text_and_json(capsys):
    assert main(["script", "--no-settings"]) == 0
    out = capsys.readouterr().out
    assert "00:00" in out and "Total:" in out and "Sustained lumbar extension" in out
    assert main(["script", "--no-settings", "--program", "sciatica-five", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["program"] == "sciatica-five"
    assert data["total_s"] == pytest.approx(sum(s["duration"] for s in data["segments"]), abs=0.05)


def test_script_command_unknown_program(capsys):
    assert main(["script", "--program", "nope"]) == 1
    assert "unknown program 'nope'" in capsys.readouterr().err


def test_progression_starts_low_grows_and_can_be_switched_off(catalog):
    def holds(options):
        script = build_script(catalog, "stretch-and-strengthen", options)
        return {h.duration for h in segments_of(script, "back-flexion-stretch", Kind.HOLD)}

    assert holds(ScriptOptions()) == {10}  # "start by holding each stretch for 10 to 15 s"
    assert holds(ScriptOptions(progressed={"back-flexion-stretch": {"hold_s": 20}})) == {20}
    assert holds(ScriptOptions(use_progression=False)) == {30}  # the article's full dose
    # the user's own value wins over progression
    own = ScriptOptions(
        overrides={"back-flexion-stretch": DoseOverride(hold_s=12)},
        progressed={"back-flexion-stretch": {"hold_s": 20}},
    )
    assert holds(own) == {12}


def test_getting_up_from_and_down_to_the_floor_is_said_with_how(catalog):
    """Between the floor and standing the get-ready says how to get there (the app's own
    advice, in phrases.py): getting up from lying to walk had only "Walk at a comfortable
    pace"; between two floor exercises nothing more is said."""
    from stenosis_player import phrases

    script = build_script(catalog, "step-by-step")
    ready = {s.exercise_id: s for s in script.segments if s.kind is Kind.GET_READY}
    up, down = phrases.say("get_up"), phrases.say("get_down")
    assert ready["lumbar-flexion-lying"].say_parts[0] == down  # from standing
    assert ready["walking"].say_parts[0] == up  # from lying on the back
    assert up in ready["walking"].show  # and shown, not only said
    # shown beside the set-up where the set-up is what the screen shows (it had replaced it)
    flexion = ready["lumbar-flexion-lying"]
    assert flexion.show == f"{down}\nLie on your back with your knees bent."
    for quiet in ("sustained-lumbar-extension", "posterior-pelvic-tilt", "straight-leg-raise"):
        assert not {up, down} & set(ready[quiet].say_parts), quiet
