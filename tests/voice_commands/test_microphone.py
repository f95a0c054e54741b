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


def test_any_pcm_wav_is_converted_to_16_khz_mono(tmp_path):
    """44.1 kHz stereo 16-bit and 8 kHz mono 8-bit both come out as 16 kHz mono 16-bit, the
    same length in time, a 440 Hz tone still at 440 Hz."""
    import numpy as np

    for rate, channels, width in ((44100, 2, 2), (8000, 1, 1), (48000, 1, 3)):
        t = np.arange(rate) / rate  # one second
        tone = 0.5 * np.sin(2 * np.pi * 440 * t)
        if width == 1:
            raw = (128 + 127 * tone).astype(np.uint8).tobytes()
        elif width == 2:
            raw = np.repeat((tone * 32767).astype("<i2"), channels).tobytes()
        else:
            v = (tone * (2**23 - 1)).astype("<i4").tobytes()
            raw = b"".join(v[i : i + 3] for i in range(0, len(v), 4))
        p = tmp_path / f"{rate}_{channels}_{width}.wav"
        with wave.open(str(p), "wb") as w:
            w.setnchannels(channels)
            w.setsampwidth(width)
            w.setframerate(rate)
            w.writeframes(raw)
        src = WavSource(p)
        assert src.converted == f"{rate} Hz, {channels} channel(s), {8 * width}-bit"
        pcm = b"".join(src.blocks())
        x = np.frombuffer(pcm, "<i2") / 32768
        assert abs(len(x) - 16000) <= 2
        spectrum = np.abs(np.fft.rfft(x))
        assert abs(np.argmax(spectrum) - 440) <= 2  # 1 Hz bins
        assert 0.3 < np.max(np.abs(x)) < 0.6


def test_a_file_that_is_not_pcm_wav_is_a_clear_error(tmp_path):
    p = tmp_path / "song.wav"
    p.write_bytes(b"ID3" + b"\0" * 100)  # an MP3 renamed
    with pytest.raises(MicrophoneUnavailable, match="PCM WAV file is needed"):
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


def test_the_capture_clock_keeps_the_earliest_arrival_not_the_late_ones():
    """Blocks of 100 ms that reach the process late (a busy machine) do not move the time
    each sample is said to be captured; a block that came in time does."""
    from stenosis_player.voice_commands.microphone import CaptureClock

    clock = CaptureClock(rate=16000, window_s=10.0)
    late = [0.0, 0.05, 0.002, 0.08, 0.0, 0.03]  # how late each block arrived
    got = [clock.captured(1600 * (i + 1), 100.0 + 0.1 * (i + 1) + d) for i, d in enumerate(late)]
    assert got == pytest.approx([100.0 + 0.1 * (i + 1) for i in range(len(late))], abs=1e-9)
    # after the window, an old early arrival no longer holds: the clocks may drift apart
    drifted = [clock.captured(1600 * k, 100.0 + 0.1 * k + 0.004) for k in range(7, 120)]
    assert drifted[-1] == pytest.approx(100.0 + 0.1 * 119 + 0.004, abs=1e-9)


def test_no_such_microphone_says_what_to_do_first_and_the_sound_systems_words_last():
    from stenosis_player.voice_commands.microphone import Microphone

    with pytest.raises(MicrophoneUnavailable) as raised:
        Microphone(device="a microphone that is not there")
    text = str(raised.value)
    assert text.startswith(
        "No microphone found. Plug one in or choose it in the system's sound settings; "
        "the session goes on without voice commands. (The sound system said: "
    )
    assert "a microphone that is not there" in text  # PortAudio's reason, for whoever helps
