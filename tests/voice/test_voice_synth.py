"""The Qt-free synthesis layer: real eSpeak NG clips, the cache, and every failure."""

from __future__ import annotations

import errno
import subprocess
import sys
import threading
import wave
from pathlib import Path

import pytest
from conftest import fake_worker_argv, rms

from stenosis_player.voice.config import VoiceConfig
from stenosis_player.voice.synth import (
    CacheUnwritable,
    SynthesisError,
    SynthesisUnavailable,
    Synthesizer,
    cache_key,
    clip_seconds,
)

SHORT = "Lie on your back."
LONG = (
    "Lie on your back with your knees bent and your feet flat on the floor, then slowly "
    "bring one knee up towards your chest and hold it there with both hands."
)


def test_clip_seconds_reads_the_wav_header(tmp_path: Path):
    path = tmp_path / "half.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(22050)
        w.writeframes(bytes(2 * 11025))
    assert clip_seconds(path) == pytest.approx(0.5)


def test_cache_key_depends_on_text_voice_rate_volume_and_engine():
    base = VoiceConfig()
    keys = {
        cache_key("Hold.", base),
        cache_key("Hold!", base),
        cache_key("Hold.", VoiceConfig(voice="gmw/en-us")),
        cache_key("Hold.", VoiceConfig(rate=120)),
        cache_key("Hold.", VoiceConfig(volume=0.5)),
    }
    assert len(keys) == 5
    assert cache_key("Hold.", base) == cache_key("Hold.", VoiceConfig())


def test_voice_config_refuses_nonsense():
    with pytest.raises(ValueError, match="rate"):
        VoiceConfig(rate=5)
    with pytest.raises(ValueError, match="volume"):
        VoiceConfig(volume=2.0)
    with pytest.raises(ValueError, match="engine"):
        VoiceConfig(engine="nope")


@pytest.mark.speech
def test_clip_is_not_silent_and_more_words_take_longer(make_synth):
    synth = make_synth()
    short, long = synth.synthesize(SHORT), synth.synthesize(LONG)
    assert rms(short) > 500 and rms(long) > 500  # full scale is 32767
    assert 0.5 < clip_seconds(short) < 3.0
    assert clip_seconds(long) > 3 * clip_seconds(short)
    with wave.open(str(short), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)


@pytest.mark.speech
def test_slower_rate_makes_a_longer_clip(make_synth):
    synth = make_synth()
    fast = synth.synthesize(LONG, VoiceConfig(rate=200))
    slow = synth.synthesize(LONG, VoiceConfig(rate=100))
    assert clip_seconds(slow) > 1.5 * clip_seconds(fast)


@pytest.mark.speech
def test_burst_of_200_requests_all_produce_their_files(make_synth):
    synth = make_synth(workers=2)
    texts = [f"Repetition number {i}. Breathe out slowly." for i in range(200)]
    done = synth.synthesize_all(texts)
    assert len(done) == 200
    assert synth.synth_calls == 200
    for text in texts:
        assert clip_seconds(done[text]) > 0.5
    leftovers = [p for p in synth.cache_dir.iterdir() if p.suffix != ".wav" or p.name[0] == "."]
    assert leftovers == []


@pytest.mark.speech
def test_burst_from_many_threads_at_once_all_produce_their_files(make_synth):
    synth = make_synth()
    texts = [f"Set {i} done." for i in range(40)]
    results: dict[str, Path] = {}

    def ask(text: str) -> None:
        results[text] = synth.synthesize(text)

    threads = [threading.Thread(target=ask, args=(t,)) for t in texts + texts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 40
    assert synth.synth_calls == 40  # the same text asked twice at once is made once
    assert all(clip_seconds(p) > 0.3 for p in results.values())


@pytest.mark.speech
def test_cache_hit_returns_the_same_file_without_synthesising_again(make_synth, tmp_path):
    synth = make_synth()
    first = synth.synthesize(SHORT)
    mtime = first.stat().st_mtime_ns
    assert synth.synthesize(SHORT) == first
    assert synth.synth_calls == 1
    # a new synthesizer (a new app run) finds the clip in the cache too
    again = make_synth()
    assert again.cached(SHORT) == first
    assert again.synthesize(SHORT) == first
    assert again.synth_calls == 0
    assert first.stat().st_mtime_ns == mtime


@pytest.mark.speech
def test_hung_engine_is_restarted_and_the_request_made_again(make_synth, tmp_path):
    synth = make_synth(worker_argv=fake_worker_argv("hang", "1", str(tmp_path / "started")))
    synth.hang_timeout = 0.5
    path = synth.synthesize(SHORT)  # the first worker hangs; a fresh one makes the clip
    assert rms(path) > 500
    assert synth.restarts == 1


@pytest.mark.speech
def test_engine_that_hangs_twice_is_an_error_and_the_next_request_works(make_synth, tmp_path):
    synth = make_synth(worker_argv=fake_worker_argv("hang", "2", str(tmp_path / "started")))
    synth.hang_timeout = 0.5
    with pytest.raises(SynthesisError, match="hung"):
        synth.synthesize(SHORT)
    assert synth.unavailable is None
    assert rms(synth.synthesize(SHORT)) > 500
    assert synth.restarts == 2


@pytest.mark.speech
def test_worker_that_dies_is_restarted(make_synth):
    synth = make_synth()
    synth.synthesize(SHORT)
    worker = synth._all_slots[0].worker
    assert worker is not None
    worker.proc.kill()
    worker.proc.wait()
    path = synth.synthesize(LONG)
    assert rms(path) > 500
    assert synth.restarts == 1


def test_worker_dying_mid_request_is_an_error_not_a_hang(make_synth):
    synth = make_synth(worker_argv=fake_worker_argv("die"))
    with pytest.raises(SynthesisError, match="died"):
        synth.synthesize(SHORT)


@pytest.mark.speech
def test_engine_that_raises_is_reported_and_the_worker_keeps_serving(make_synth):
    synth = make_synth(worker_argv=fake_worker_argv("raise"))
    with pytest.raises(SynthesisError, match="engine exploded"):
        synth.synthesize(SHORT)
    assert synth.voices()  # the same worker still answers
    assert synth.restarts == 0


def test_engine_failing_again_and_again_becomes_unavailable(make_synth):
    synth = make_synth(worker_argv=fake_worker_argv("die"))
    for _ in range(3):
        with pytest.raises(SynthesisError):
            synth.synthesize(SHORT)
    assert isinstance(synth.unavailable, SynthesisUnavailable)
    with pytest.raises(SynthesisUnavailable, match="libespeak-ng1"):
        synth.synthesize(SHORT)


def test_missing_espeak_library_says_what_to_install(make_synth):
    synth = make_synth(worker_argv=fake_worker_argv("no-espeak"))
    with pytest.raises(SynthesisUnavailable, match="install the Debian package libespeak-ng1"):
        synth.synthesize(SHORT)
    with pytest.raises(SynthesisUnavailable):  # known now: no new process each time
        synth.synthesize(LONG)


def test_worker_that_cannot_start_is_unavailable(make_synth, tmp_path):
    synth = make_synth(worker_argv=[str(tmp_path / "no-such-python")])
    with pytest.raises(SynthesisUnavailable, match="cannot start"):
        synth.synthesize(SHORT)


def test_full_disk_is_reported_as_an_unwritable_cache(make_synth, monkeypatch):
    synth = make_synth()

    def full(self, tmp):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Synthesizer, "_reserve", full)
    with pytest.raises(CacheUnwritable, match="No space left"):
        synth.synthesize(SHORT)
    assert synth.synth_calls == 0


@pytest.mark.speech
def test_failed_rename_leaves_no_temporary_file(make_synth, monkeypatch):
    synth = make_synth()

    def refuse(self, tmp, path):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(Synthesizer, "_commit", refuse)
    with pytest.raises(CacheUnwritable, match="Read-only"):
        synth.synthesize(SHORT)
    assert list(synth.cache_dir.iterdir()) == []


@pytest.mark.speech
def test_voices_lists_at_least_one_voice(make_synth):
    voices = make_synth().voices()
    assert voices
    assert all(v.id and v.name for v in voices)
    assert any("en" in lang for v in voices for lang in v.languages)


def test_synthesis_layer_does_not_import_qt():
    code = (
        "import sys; sys.modules['PySide6'] = None\n"
        "import stenosis_player.voice, stenosis_player.voice.synth, "
        "stenosis_player.voice.export, stenosis_player.voice.cli, stenosis_player.voice.worker\n"
    )
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)


@pytest.mark.speech
def test_rate_voice_and_volume_changes_all_apply_in_one_worker(make_synth):
    """eSpeak NG drops property changes still queued when the next request starts."""
    synth = make_synth()
    loud = synth.synthesize(LONG, VoiceConfig(rate=150))
    quiet = synth.synthesize(LONG, VoiceConfig(rate=150, volume=0.5))
    slow = synth.synthesize(LONG, VoiceConfig(rate=100, volume=0.5))
    again = synth.synthesize(LONG, VoiceConfig(rate=150, voice="gmw/en-us"))
    assert rms(quiet) < 0.7 * rms(loud)
    assert clip_seconds(slow) > 1.3 * clip_seconds(quiet)
    assert abs(clip_seconds(again) - clip_seconds(loud)) < 0.25 * clip_seconds(loud)
    assert rms(again) > 0.8 * rms(loud)


@pytest.mark.speech
def test_the_same_line_made_again_between_others_has_the_same_length(make_synth):
    """A clip cut short by a stray Cancel() would show up as a shorter remake."""
    synth = make_synth()
    first = clip_seconds(synth.synthesize(LONG))
    for i in range(10):
        synth.synthesize(f"Filler line {i}.")
        remade = synth.synthesize(LONG, VoiceConfig(volume=0.9 - i * 0.01))
        assert clip_seconds(remade) == pytest.approx(first, abs=0.25)
