"""The script lint: read every program of every shipped catalogue as a therapist would.

- every spoken sentence is an authored catalogue sentence or an entry of the phrase table
  (so no rule ever cuts a cue mid-phrase or invents wording);
- every caution and note reaches the user: said, and cautions shown, before the movement;
- every sided rep names its limb with the catalogue's own words;
- the last rep of an exercise (of three or more) is announced: "Last one.";
- with real synthesis, every line fits its segment, and the exported audio is as long as
  the plan with no line cut by the next.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stenosis_player import phrases, resources
from stenosis_player.catalog import load_catalog
from stenosis_player.script import (
    SPEECH_MARGIN_S,
    TEMPO_SLACK,
    Kind,
    ScriptOptions,
    build_script,
)

SHIPPED = [resources.catalog_path()]


def authored_sentences(raw: dict) -> set[str]:
    """Every text a catalogue author wrote, read from the JSON itself (not the loader)."""
    out: set[str] = set()

    def text(v):
        if isinstance(v, str):
            out.add(v)
        elif isinstance(v, dict):
            for key in ("text", "cue", "say"):
                if isinstance(v.get(key), str):
                    out.add(v[key])

    for ex in raw["exercises"]:
        for v in ex["setup"]:
            text(v)
        for v in ex["steps"].values():
            text(v)
        for kind in ("cautions", "notes"):
            for v in ex.get(kind, []):
                text(v)
        for v in ex.get("side_cues", {}).values():
            text(v)
        chk = ex.get("check")
        if chk:
            out.add(chk["question"])
            if "settle_say" in chk:
                text(chk["settle_say"])
        for mod in ex.get("modifications", []):
            for v in mod.get("setup", []):
                text(v)
            for v in (mod.get("steps") or {}).values():
                text(v)
            for v in mod.get("notes", []):
                text(v)
    return out


def programs():
    for path in SHIPPED:
        catalog = load_catalog(path)
        for pid in catalog.programs:
            yield pytest.param(path, pid, id=f"{path.parent.name}/{pid}")


@pytest.mark.parametrize("options", [ScriptOptions(), ScriptOptions(count_aloud=False)])
@pytest.mark.parametrize(("path", "program_id"), list(programs()))
def test_every_spoken_sentence_is_authored_or_a_phrase(path: Path, program_id, options):
    catalog = load_catalog(path)
    raw = json.loads(path.read_text(encoding="utf-8"))
    authored = authored_sentences(raw)
    names = {e.name for e in catalog.exercises.values()}
    labels = {m.name for e in catalog.exercises.values() for m in e.modifications}
    labels |= {c.label for e in catalog.exercises.values() for c in e.side_cues.values()}
    script = build_script(catalog, program_id, options)
    bad = []
    for seg in script.segments:
        assert seg.say == " ".join(seg.say_parts), seg
        for part in seg.say_parts:
            if part not in authored and phrases.matches(part, names, labels) is None:
                bad.append(f"{seg.index} {seg.kind.value}: {part!r}")
    assert bad == []


@pytest.mark.parametrize(("path", "program_id"), list(programs()))
def test_every_caution_and_note_is_said_before_the_movement(path: Path, program_id):
    catalog = load_catalog(path)
    script = build_script(catalog, program_id)
    for ex_id in script.exercise_ids():
        ex = catalog.exercises[ex_id]
        segs = [s for s in script.segments if s.exercise_id == ex_id]
        first_move = next(s.index for s in segs if s.kind in (Kind.MOVE, Kind.TIMED))
        before = [s for s in segs if s.index < first_move]
        said_before = {p for s in before for p in s.say_parts}
        shown_before = {n for s in before for n in s.notes}
        shown_before &= {line for s in before for line in s.show.split("\n")}
        for caution in ex.cautions:
            assert caution.text in said_before, (ex_id, caution.text)
            assert caution.text in shown_before, (ex_id, caution.text)
        said = {p for s in segs for p in s.say_parts}
        for note in ex.notes:
            assert note.text in said, (ex_id, note.text)


@pytest.mark.parametrize(("path", "program_id"), list(programs()))
def test_every_sided_rep_names_its_limb(path: Path, program_id):
    catalog = load_catalog(path)
    script = build_script(catalog, program_id)
    for seg in script.segments:
        if seg.side is None:
            continue
        ex = catalog.exercises[seg.exercise_id]
        cue = ex.side_cues[seg.side]  # every shipped sided exercise names its limbs
        assert seg.side_label == cue.label
        assert cue.label in seg.progress_label()
    for seg in script.segments:
        if seg.kind is Kind.SWITCH_SIDE:
            assert catalog.exercises[seg.exercise_id].side_cues[seg.side].say in seg.say_parts


def last_moves_unannounced(script) -> list[str]:
    """Exercises whose last rep (of three or more, in the last set) is not announced."""
    out = []
    for ex_id in script.exercise_ids():
        moves = [s for s in script.segments if s.exercise_id == ex_id and s.kind is Kind.MOVE]
        if len(moves) > 2 and moves[-1].say_parts[:1] != (phrases.say("last_one"),):
            out.append(f"{ex_id}: {moves[-1].say!r}")
    return out


@pytest.mark.parametrize(("path", "program_id"), list(programs()))
def test_every_exercise_announces_its_last_rep(path: Path, program_id):
    catalog = load_catalog(path)
    script = build_script(catalog, program_id, ScriptOptions())
    assert last_moves_unannounced(script) == []


def test_no_shipped_cue_is_cut_from_its_sentence():
    """A short cue is written as its own whole sentence, never the start of the long one."""
    raw = json.loads(resources.catalog_path().read_text(encoding="utf-8"))
    for ex in raw["exercises"]:
        for step in ex["steps"].values():
            if isinstance(step, dict) and "cue" in step:
                assert step["cue"].endswith((".", "!", "?")), step
                assert not step["text"].startswith(step["cue"].rstrip(".")), step


# The default voice, and voices the cues were not written against: a much slower rate (as
# many older listeners choose) and another accent. The plan must fit every one of them.
VOICES = [
    pytest.param({}, id="default"),
    pytest.param({"rate": 100}, id="slow-100wpm"),
    pytest.param({"rate": 220, "voice": "gmw/en-us"}, id="fast-en-us"),
]


@pytest.mark.speech
@pytest.mark.slow
@pytest.mark.parametrize("voice", VOICES)
def test_with_real_clips_every_line_fits_and_the_export_agrees(tmp_path, voice):
    from stenosis_player.voice.config import VoiceConfig
    from stenosis_player.voice.export import export_session_audio
    from stenosis_player.voice.synth import Synthesizer
    from stenosis_player.voice.timing import ClipTimer

    catalog = load_catalog()
    with Synthesizer(tmp_path / "cache", VoiceConfig(**voice)) as synth:
        for program_id in catalog.programs:
            timer = ClipTimer(synth)
            script = build_script(catalog, program_id, ScriptOptions(speech_seconds=timer))
            assert timer.estimated == 0, timer.problem
            for seg in script.segments:
                spoken = timer(seg.say) if seg.say else 0.0
                room = seg.duration - (seg.count_last if seg.count_last else 0)
                assert spoken <= room + 1e-6, (seg.index, seg.kind.value, seg.say, spoken)
                if seg.kind is Kind.HOLD and seg.say:
                    assert spoken + SPEECH_MARGIN_S <= room + 1e-6
                if seg.kind is Kind.MOVE and seg.tempo:
                    # the cue is the signal to move: a slow voice never leaves a rep silent
                    assert seg.cue and seg.cue in seg.say_parts, (seg.index, seg.say)
                ex = catalog.exercises.get(seg.exercise_id or "")
                notes = {n.text for n in ex.notes} if ex else set()
                # the least a later move says: its cue, after the side's when sides alternate
                # and "Last one" on the last rep
                least = seg.kind is Kind.MOVE and seg.say_parts[-1:] == (seg.cue,)
                last = seg.say_parts[:1] == (phrases.say("last_one"),)
                least = least and len(seg.say_parts) <= 1 + bool(seg.side_label) + last
                after = script.segments[seg.index + 1] if seg.index + 1 < len(script) else None
                ends_set = seg.kind is Kind.RELEASE and (
                    after is None or after.kind is not Kind.MOVE
                )
                if ends_set and seg.cue:
                    # the cue that brings them out of the position is never dropped before a
                    # rest or the next exercise ("That's eight. Set one done." left them bent)
                    assert seg.cue in seg.say_parts, (seg.index, seg.say)
                    least = True  # and nothing keeps time after it: it may grow
                if seg.tempo and not notes & set(seg.say_parts) and not least:
                    limit = seg.tempo * (1 + TEMPO_SLACK) + 1e-6
                    assert seg.duration <= limit, (seg.index, seg.say)
            assert last_moves_unannounced(script) == []
            cuts: list[str] = []
            seconds = export_session_audio(
                script, tmp_path / f"{program_id}.wav", synth, cuts.append
            )
            assert round(seconds) == round(script.total)
            assert cuts == []
