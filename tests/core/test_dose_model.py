"""The dose model: alternating sides, rest between reps, tempo targets, the transition
table, program doses written like exercise doses, and version-1 catalogues migrated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stenosis_player import phrases
from stenosis_player.catalog import load_catalog
from stenosis_player.script import Kind, ScriptOptions, build_script

REPO = Path(__file__).resolve().parents[2]


def stretch(**dose) -> dict:
    return {
        "id": "hamstring",
        "name": "Hamstring stretch",
        "source": "pt",
        "position": "lying",
        "equipment": ["strap"],
        "setup": ["Lie on your back with a strap around one foot."],
        "steps": {
            "move": {
                "text": "Lift the leg with the strap until you feel a stretch.",
                "cue": "Lift.",
            },
            "hold": "Hold the stretch.",
            "release": {"text": "Lower the leg slowly.", "cue": "And down."},
        },
        "side_cues": {
            "left": {"label": "Left leg", "say": "Start with the strap on your left foot."},
            "right": {"label": "Right leg", "say": "Now the strap goes on your right foot."},
        },
        "dose": {"sides": "alternating", **dose},
        "pacing": {"move_s": 2, "release_s": 2},
    }


def catalogue(tmp_path: Path, *exercises: dict, program: list | None = None, **top) -> Path:
    doc = {
        "version": 2,
        "default_program": "mine",
        "sources": [{"id": "pt", "title": "From your therapist", "kind": "therapist"}],
        "exercises": list(exercises),
        "programs": [
            {
                "id": "mine",
                "name": "My program",
                "exercises": program or [{"exercise": e["id"]} for e in exercises],
            }
        ],
        **top,
    }
    path = tmp_path / "exercises.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_alternating_holds_go_left_right_for_each_rep(tmp_path):
    path = catalogue(tmp_path, stretch(reps={"value": 3}, hold_s={"value": 30}))
    script = build_script(load_catalog(path))
    holds = [s for s in script.segments if s.kind is Kind.HOLD]
    assert [(h.rep, h.side) for h in holds] == [
        (1, "left"),
        (1, "right"),
        (2, "left"),
        (2, "right"),
        (3, "left"),
        (3, "right"),
    ]
    assert all(h.duration == 30 for h in holds)
    assert [h.side_label for h in holds[:2]] == ["Left leg", "Right leg"]
    intro = script.segments[0]
    assert "Three holds of thirty seconds on each side, alternating sides." in intro.say_parts
    # each rep says its side; the count comes once the pair is done
    moves = [s for s in script.segments if s.kind is Kind.MOVE]
    assert moves[1].say_parts[0] == "Right leg."
    releases = [s for s in script.segments if s.kind is Kind.RELEASE]
    assert "That's one." not in releases[0].say_parts
    assert "That's one." in releases[1].say_parts


def test_rest_between_reps_and_between_sets(tmp_path):
    ex = stretch(
        reps={"value": 3},
        sets={"value": 2},
        hold_s={"value": 20},
        rest_s={"value": 60},
        rest_between_reps_s={"value": 10},
    )
    ex["dose"]["sides"] = "none"
    del ex["side_cues"]
    script = build_script(load_catalog(catalogue(tmp_path, ex)))
    rests = [s for s in script.segments if s.kind is Kind.REST]
    between_reps = [r for r in rests if r.duration == 10]
    between_sets = [r for r in rests if r.duration == 60]
    assert len(between_reps) == 2 * 2  # 3 reps: 2 gaps, in each of 2 sets
    assert len(between_sets) == 1
    assert between_sets[0].say == "Rest for one minute. Then set two of two."
    kinds = [s.kind for s in script.segments if s.set == 1 and s.rep == 1]
    assert kinds == [Kind.MOVE, Kind.HOLD, Kind.RELEASE, Kind.REST]


def test_later_reps_keep_their_tempo_and_say_the_short_cue(tmp_path):
    ex = stretch(reps={"value": 4}, hold_s={"value": 2})
    ex["dose"]["sides"] = "none"
    del ex["side_cues"]
    opts = ScriptOptions(speech_seconds=lambda text: 0.25 * len(text.split()))
    script = build_script(load_catalog(catalogue(tmp_path, ex)), options=opts)
    moves = [s for s in script.segments if s.kind is Kind.MOVE]
    assert moves[0].say == "Lift the leg with the strap until you feel a stretch."
    assert moves[1].say == "Lift."
    assert all(m.duration == 2 for m in moves[1:])  # the tempo target, not stretched
    releases = [s for s in script.segments if s.kind is Kind.RELEASE]
    assert releases[1].say == "And down. That's two."
    assert releases[1].duration == 2


def test_a_long_hold_line_is_said_before_the_clock_of_a_short_hold(tmp_path):
    ex = stretch(reps={"value": 2}, hold_s={"value": 1})
    ex["dose"]["sides"] = "none"
    del ex["side_cues"]
    script = build_script(load_catalog(catalogue(tmp_path, ex)))
    first_move, first_hold = script.segments[2], script.segments[3]
    assert first_move.say_parts[-1] == "Hold the stretch."  # before the 1-s clock starts
    assert first_hold.duration == 1 and first_hold.say == ""


def test_transition_table_gives_getting_up_and_equipment_their_time(tmp_path):
    lying = stretch(reps={"value": 1})
    lying["dose"]["sides"] = "none"
    del lying["side_cues"]
    standing = {
        **lying,
        "id": "calf",
        "name": "Calf stretch",
        "position": "standing",
        "equipment": [],
    }
    kneeling = {
        **lying,
        "id": "kneel",
        "name": "Kneeling rock",
        "position": "half-kneeling",
        "equipment": [],
    }
    table = {
        "seconds": {
            "start": 7,
            "same": 4,
            "equipment": 12,
            "side": 9,
            "lie>stand": 33,
            "stand>kneel": 17,
        },
        "app_default": True,
    }
    path = catalogue(tmp_path, lying, standing, kneeling, transitions=table)
    opts = ScriptOptions(
        change_position_s=3, floor_to_standing_s=5, speech_seconds=lambda text: 0.1
    )
    script = build_script(load_catalog(path), options=opts)
    ready = {s.exercise_id: s.duration for s in script.segments if s.kind is Kind.GET_READY}
    assert ready == {"hamstring": 12, "calf": 33, "kneel": 17}  # first one has a strap
    # the user's minimums win over a shorter table
    slow = ScriptOptions(
        change_position_s=25, floor_to_standing_s=40, speech_seconds=lambda text: 0.1
    )
    ready = {
        s.exercise_id: s.duration
        for s in build_script(load_catalog(path), options=slow).segments
        if s.kind is Kind.GET_READY
    }
    assert ready == {"hamstring": 25, "calf": 40, "kneel": 40}


def test_the_start_countdown_says_its_real_length_and_ends_before_the_count(tmp_path):
    ex = stretch(reps={"value": 1})
    path = catalogue(tmp_path, ex)
    opts = ScriptOptions(speech_seconds=lambda text: 0.35 * len(text.split()))
    script = build_script(load_catalog(path), options=opts)
    ready = script.segments[1]
    n = round(ready.duration)
    assert ready.say_parts[-1] == f"We start in {phrases.seconds(n)}."
    assert 0.35 * len(ready.say.split()) + ready.count_last <= ready.duration


def test_program_doses_may_be_written_like_exercise_doses(tmp_path):
    ex = stretch(reps={"value": 3}, hold_s={"value": 30})
    program = [
        {
            "exercise": "hamstring",
            "dose": {"reps": {"value": 2, "quote": "2 each leg"}, "hold_s": 20},
        }
    ]
    catalog = load_catalog(catalogue(tmp_path, ex, program=program))
    assert catalog.programs["mine"].items[0].dose == {"reps": 2, "hold_s": 20}
    holds = [s for s in build_script(catalog).segments if s.kind is Kind.HOLD]
    assert len(holds) == 4 and {h.duration for h in holds} == {20}
    assert catalog.sources["pt"].kind == "therapist"


def test_a_version_1_catalogue_is_migrated_and_plays(tmp_path):
    old = json.loads((REPO / "tests" / "data" / "exercises-v1.json").read_text(encoding="utf-8"))
    assert old["version"] == 1
    path = tmp_path / "exercises.json"
    path.write_text(json.dumps(old), encoding="utf-8")
    catalog = load_catalog(path)
    assert catalog.version == 1
    slr = catalog.exercises["straight-leg-raise"]  # steps_by_app: true in version 1
    assert slr.steps.move in slr.app_wording
    assert catalog.exercises["back-flexion-stretch"].progression.rule.start == 10
    script = build_script(catalog, "sciatica-five")
    assert script.total > 0
    move = next(s for s in script.segments if s.kind is Kind.MOVE and s.rep == 2)
    # no cue in version 1: the whole sentence where it fits the tempo, else only the
    # count in the release keeps time; never a cut sentence
    assert move.say in (move.show, "")


@pytest.mark.parametrize(
    "n,words", [(21, "twenty-one"), (115, "one hundred and fifteen"), (600, "six hundred")]
)
def test_numbers_are_words(n, words):
    assert phrases.number(n) == words


def test_times_are_words():
    assert phrases.seconds(1) == "one second"
    assert phrases.seconds(90) == "ninety seconds"
    assert phrases.seconds(600) == "ten minutes"
    assert phrases.seconds(150) == "two minutes and thirty seconds"


def test_a_version_can_replace_the_exercises_notes(catalog):
    from stenosis_player.script import DoseOverride

    def intro(mod):
        opts = ScriptOptions(overrides={"modified-lunge-chair": DoseOverride(modification=mod)})
        script = build_script(catalog, "sciatica-five", opts)
        return next(s for s in script.segments if s.exercise_id == "modified-lunge-chair")

    cushion = "For knee comfort: Place a small cushion or folded towel under your back knee."
    assert cushion in intro(None).say_parts  # kneeling: the tip is said
    assert cushion not in intro("standing-lunge").say_parts  # both knees off the ground


@pytest.mark.parametrize("sides", ["none", "each", "alternating"])
def test_a_note_after_a_rep_is_said_exactly_once(tmp_path, sides):
    ex = stretch(reps={"value": 3}, hold_s={"value": 2})
    ex["dose"]["sides"] = sides
    ex["notes"] = [{"text": "Keep breathing.", "when": "after-rep", "rep": 2}]
    script = build_script(load_catalog(catalogue(tmp_path, ex)))
    said = [s for s in script.segments if "Keep breathing." in s.say_parts]
    assert len(said) == 1 and said[0].kind is Kind.RELEASE and said[0].rep == 2
