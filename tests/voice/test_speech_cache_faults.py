"""Speech with a full cache disk (a small real tmpfs) or a voice that does not exist: the
message says which, instead of "the speech engine hung" or "reinstall eSpeak NG". Real
worker processes, real eSpeak NG."""

from __future__ import annotations

import subprocess

import pytest

from stenosis_player.voice.config import VoiceConfig
from stenosis_player.voice.synth import CacheUnwritable, SynthesisError, SynthesisUnavailable


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "cache"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(
            f"cannot mount a small tmpfs here: {done.stderr.decode().strip() or 'not root'}"
        )
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_cache_disk_is_called_full_not_a_hung_engine(make_synth, small_disk):
    synth = make_synth(cache_dir=small_disk / "speech", hang_timeout=3.0)
    first = synth.synthesize("Breathe in.")  # room for one clip
    kept = first.read_bytes()
    with open(small_disk / "filler", "wb", buffering=0) as f:
        try:
            while True:
                f.write(bytes(4096))
        except OSError:
            pass
    with pytest.raises(CacheUnwritable, match="the disk holding it is full"):
        synth.synthesize("Slowly bend forward and reach towards the floor.")
    assert first.read_bytes() == kept  # the cached clip is untouched
    assert not [p for p in first.parent.iterdir() if p.name.endswith(".tmp.wav")]


def test_an_unknown_voice_is_named_instead_of_reinstalling_espeak(make_synth):
    synth = make_synth(config=VoiceConfig(voice="no-such-voice"))
    for n in range(3):
        with pytest.raises(SynthesisError, match="unknown voice 'no-such-voice'"):
            synth.synthesize(f"Hello number {n}.")
    assert isinstance(synth.unavailable, SynthesisUnavailable)
    message = str(synth.unavailable)
    assert "the voice 'no-such-voice' may not exist here: choose another in Settings" in message
    assert "reinstall" not in message
