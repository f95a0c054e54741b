import wave

from vc_data import DATA

from stenosis_player.voice_commands import listen
from stenosis_player.voice_commands.microphone import MicrophoneUnavailable


def test_listen_prints_commands_from_wav(manifest, capsys):
    entry = next(e for e in manifest if e["phrase"] == "player stop" and e["voice"] == "slt")
    assert listen.run_listen(["--wav", str(DATA / entry["path"])]) == 0
    out = capsys.readouterr().out
    assert "nothing is recorded" in out
    assert "player stop" in out.splitlines()[-1]
    assert "-> STOP" in out


def test_no_microphone_is_one_clear_line(monkeypatch, capsys):
    def no_mic(wav=None, realtime=False):
        raise MicrophoneUnavailable("No microphone found. Plug one in.")

    monkeypatch.setattr(listen, "open_source", no_mic)
    assert listen.run_listen([]) == 1
    captured = capsys.readouterr()
    assert captured.err.strip() == "stenosis-player listen: No microphone found. Plug one in."
    assert "Traceback" not in captured.err


def test_bad_wav_is_one_clear_line(tmp_path, capsys):
    assert listen.run_listen(["--wav", str(tmp_path / "missing.wav")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Cannot read" in err


def test_listen_converts_any_wav(manifest, tmp_path, capsys):
    """A 44.1 kHz stereo recording (as phones and laptops save them) is converted in memory."""
    import numpy as np
    from vc_data import samples

    entry = next(e for e in manifest if e["phrase"] == "player stop" and e["voice"] == "slt")
    x = samples(entry["path"])
    t = np.arange(int(len(x) * 44100 / 16000)) * (16000 / 44100)
    y = (np.interp(t, np.arange(len(x)), x) * 32767).astype("<i2")
    path = tmp_path / "phone.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(44100)
        w.writeframes(np.repeat(y, 2).tobytes())
    assert listen.run_listen(["--wav", str(path)]) == 0
    out = capsys.readouterr().out
    assert "converted from 44100 Hz, 2 channel(s), 16-bit to 16 kHz mono" in out
    assert "-> STOP" in out


def test_listen_verbose_says_what_came_close_and_why_it_was_refused(manifest, capsys):
    entry = next(e for e in manifest if e["phrase"] == "player yes" and e["voice"] == "slt")
    assert listen.run_listen(["--wav", str(DATA / entry["path"]), "--verbose"]) == 0
    out = capsys.readouterr().out
    assert "came close to 'player yes'; refused: no question open" in out
    assert "-> YES" not in out
    assert "Background noise:" in out


def test_listen_can_use_the_hybrid_recognizer(manifest, capsys):
    entry = next(e for e in manifest if e["phrase"] == "player stop" and e["voice"] == "slt")
    assert listen.run_listen(["--wav", str(DATA / entry["path"]), "--engine", "hybrid"]) == 0
    captured = capsys.readouterr()
    assert "-> STOP" in captured.out
    assert "using pocketsphinx" not in captured.err
