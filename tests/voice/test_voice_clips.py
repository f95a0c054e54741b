"""Clips enter the cache trimmed to what is heard (real eSpeak NG synthesis)."""

from __future__ import annotations

import wave

import pytest

from stenosis_player.voice.clips import TAIL_S, trim_trailing_silence
from stenosis_player.voice.config import VoiceConfig
from stenosis_player.voice.synth import Synthesizer, clip_seconds


def audible_end(path) -> tuple[float, float]:
    with wave.open(str(path), "rb") as w:
        rate, frames = w.getframerate(), w.readframes(w.getnframes())
    samples = memoryview(frames).cast("h")
    peak = max(abs(s) for s in samples)
    last = max(i for i, s in enumerate(samples) if abs(s) > 0.02 * peak)
    return last / rate, len(samples) / rate


@pytest.mark.speech
@pytest.mark.parametrize("rate", [100, 160, 220])
def test_a_clip_ends_soon_after_its_last_sound(tmp_path, rate):
    with Synthesizer(tmp_path, VoiceConfig(rate=rate)) as synth:
        path = synth.synthesize("Slowly come back up to standing.")
        end, length = audible_end(path)
        assert length - end <= TAIL_S + 0.01
        # a countdown said one number a second keeps every number, even at a slow rate
        assert all(clip_seconds(synth.synthesize(w)) < 0.9 for w in ("three", "two", "one"))


def test_silence_and_foreign_files_are_left_alone(tmp_path):
    quiet = tmp_path / "quiet.wav"
    with wave.open(str(quiet), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
        w.writeframes(bytes(32000))
    assert trim_trailing_silence(quiet) == pytest.approx(1.0)
    assert clip_seconds(quiet) == pytest.approx(1.0)
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"not a wav")
    assert trim_trailing_silence(junk) == 0.0
    assert junk.read_bytes() == b"not a wav"
