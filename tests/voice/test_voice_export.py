"""export-audio: one WAV of a whole session, as long as the re-timed script."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import rms

from stenosis_player.script import build_script, with_speech_durations
from stenosis_player.voice.cli import run_voices
from stenosis_player.voice.export import export_session_audio, run_export_audio
from stenosis_player.voice.lines import countdown_text, speech_texts
from stenosis_player.voice.synth import clip_seconds

REPO = Path(__file__).resolve().parents[2]


def trimmed(script, n: int):
    """The first n segments, as a short session of its own."""
    return replace(script, segments=script.segments[:n])


@pytest.mark.speech
def test_exported_session_is_as_long_as_the_retimed_script(catalog, make_synth, tmp_path):
    script = trimmed(build_script(catalog, "stretch-and-strengthen"), 8)
    assert any(s.count_last for s in script.segments)
    synth = make_synth()
    out = tmp_path / "session.wav"
    seconds = export_session_audio(script, out, synth)
    timed = with_speech_durations(script, lambda t: clip_seconds(synth.path_for(t)))
    assert seconds == pytest.approx(timed.total, rel=0.01)
    assert clip_seconds(out) == pytest.approx(timed.total, rel=0.01)
    assert timed.total >= script.total  # speech-bound segments only grow
    # the first segment's line is at the start, and it is not silent
    first = clip_seconds(synth.path_for(script[0].say))
    assert rms_between(out, 0.0, first) > 500
    # the countdown words were synthesised and placed
    assert synth.cached(countdown_text(1))


@pytest.mark.speech
def test_silence_between_lines_is_silent(catalog, make_synth, tmp_path):
    script = trimmed(build_script(catalog, "stretch-and-strengthen"), 8)
    synth = make_synth()
    out = tmp_path / "session.wav"
    export_session_audio(script, out, synth)
    timed = with_speech_durations(script, lambda t: clip_seconds(synth.path_for(t)))
    hold = next(s for s in timed.segments if s.kind == "hold" and s.duration >= 8)
    said = clip_seconds(synth.path_for(hold.say))
    # between the hold's line and its countdown there is only silence
    assert rms_between(out, hold.start + said + 0.05, hold.end - hold.count_last - 0.05) == 0


def rms_between(path: Path, start: float, end: float) -> float:
    import wave

    part = path.with_name("part.wav")
    with wave.open(str(path), "rb") as src, wave.open(str(part), "wb") as dst:
        dst.setparams(src.getparams())
        rate = src.getframerate()
        src.setpos(round(start * rate))
        dst.writeframes(src.readframes(round((end - start) * rate)))
    return rms(part)


def test_speech_texts_include_the_countdown_words(catalog):
    script = build_script(catalog)
    texts = speech_texts(script)
    assert texts[: len(script.texts())] == script.texts()
    assert countdown_text(3) in texts and countdown_text(1) in texts
    assert len(texts) == len(set(texts))


@pytest.mark.speech
def test_export_audio_command_prints_the_length(tmp_path, capsys):
    args = argparse.Namespace(
        data_dir=str(tmp_path / "data"),
        exercises=str(REPO / "exercises.json"),
        out=str(tmp_path / "s.wav"),
        program="stretch-and-strengthen",
        no_settings=True,
    )
    assert run_export_audio(args) == 0
    out = capsys.readouterr().out
    seconds = clip_seconds(tmp_path / "s.wav")
    assert f"({seconds:.1f} s)" in out


def test_export_audio_unknown_program_is_one_clear_line(tmp_path, capsys):
    args = argparse.Namespace(
        data_dir=str(tmp_path),
        exercises=str(REPO / "exercises.json"),
        out=str(tmp_path / "s.wav"),
        program="nope",
        no_settings=True,
    )
    assert run_export_audio(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("stenosis-player: unknown program 'nope'") and err.count("\n") == 1


@pytest.mark.speech
def test_voices_command_lists_at_least_one_voice(capsys):
    assert run_voices(argparse.Namespace(data_dir=None, exercises=None)) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("engine pyttsx3")
    assert any("English" in line for line in out[1:])


def test_export_audio_to_an_unwritable_place_is_one_clear_line(tmp_path, capsys):
    args = argparse.Namespace(
        data_dir=str(tmp_path),
        exercises=str(REPO / "exercises.json"),
        out=str(tmp_path / "missing-folder" / "s.wav"),
        program=None,
        no_settings=True,
    )
    assert run_export_audio(args) == 1
    err = capsys.readouterr().err
    assert err == f"stenosis-player: cannot write {args.out}: No such file or directory\n"
    assert not list(tmp_path.rglob("*.wav"))  # failed before any speech was made
