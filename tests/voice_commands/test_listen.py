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
