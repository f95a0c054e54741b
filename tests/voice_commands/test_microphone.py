import wave

import pytest
from vc_data import DATA

from stenosis_player.voice_commands.microphone import MicrophoneUnavailable, WavSource


def test_wav_source_yields_100ms_blocks(manifest):
    path = DATA / manifest[0]["path"]
    with wave.open(str(path), "rb") as w:
        n = w.getnframes()
    blocks = list(WavSource(path).blocks())
    assert all(len(b) == 3200 for b in blocks[:-1])
    assert sum(len(b) for b in blocks) == 2 * n


def test_wav_source_rejects_wrong_format(tmp_path):
    p = tmp_path / "stereo.wav"
    with wave.open(str(p), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(44100)
        w.writeframes(b"\0" * 400)
    with pytest.raises(MicrophoneUnavailable, match="16000 Hz mono"):
        WavSource(p)


def test_missing_wav_is_a_clear_error(tmp_path):
    with pytest.raises(MicrophoneUnavailable, match="Cannot read"):
        WavSource(tmp_path / "nope.wav")


def test_close_ends_the_stream(manifest):
    src = WavSource(DATA / manifest[0]["path"], realtime=True)
    it = src.blocks()
    next(it)
    src.close()
    assert list(it) == []
