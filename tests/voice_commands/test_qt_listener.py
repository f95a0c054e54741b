"""The Qt adapter with a WAV file in place of the microphone.

The end-to-end tests with the real main window are in tests/ui/test_voice_commands_window.py.
"""

from vc_data import APP_VOICE, DATA, over_the_app, write_wav

from stenosis_player.voice_commands.commands import Command
from stenosis_player.voice_commands.mapping import apply_command
from stenosis_player.voice_commands.microphone import MicrophoneUnavailable, WavSource
from stenosis_player.voice_commands.qt_listener import VoiceCommandListener


def _wav(manifest, phrase, voice="slt"):
    entry = next(e for e in manifest if e["phrase"] == phrase and e["voice"] == voice)
    return DATA / entry["path"]


def test_heard_command_reaches_the_session(qtbot, manifest):
    class Session:
        paused = False

        def pause(self):
            self.paused = True

    session = Session()
    path = _wav(manifest, "player pause")
    listener = VoiceCommandListener(source_factory=lambda: WavSource(path, realtime=False))
    listener.command_heard.connect(lambda name: apply_command(Command(name), session))
    with (
        qtbot.waitSignal(listener.listening_changed, timeout=5000) as started,
        qtbot.waitSignal(listener.command_heard, timeout=10000) as heard,
    ):
        listener.start()
    assert started.args == [True]
    assert heard.args == ["pause"]
    qtbot.waitUntil(lambda: session.paused)
    qtbot.waitUntil(lambda: not listener.is_listening, timeout=5000)
    assert listener.last_heard.command is Command.PAUSE
    listener.stop()


def test_stop_ends_listening(qtbot, manifest):
    path = _wav(manifest, "it hurts")
    listener = VoiceCommandListener(source_factory=lambda: WavSource(path, realtime=True))
    with qtbot.waitSignal(listener.listening_changed, timeout=5000):
        listener.start()
    with qtbot.waitSignal(listener.listening_changed, timeout=5000) as sig:
        listener.stop()
    assert sig.args == [False]


def test_missing_microphone_is_reported_not_raised(qtbot):
    def no_mic():
        raise MicrophoneUnavailable("No microphone found.")

    listener = VoiceCommandListener(source_factory=no_mic)
    with qtbot.waitSignal(listener.failed, timeout=5000) as sig:
        listener.start()
    assert sig.args == ["Voice commands are off: No microphone found."]
    assert not listener.is_listening
    listener.stop()


def _over_the_app_wav(tmp_path, command_rel: str):
    """(microphone recording with *command_rel* said over the app's clip, the clip)"""
    mic, _played = over_the_app(command_rel)
    return write_wav(tmp_path / "mic.wav", mic), DATA / APP_VOICE


def test_a_command_over_the_app_voice_is_heard_when_the_clip_is_given(qtbot, tmp_path):
    mic, clip = _over_the_app_wav(tmp_path, "commands/clean/slt_1.0_player_pause.wav")
    listener = VoiceCommandListener(source_factory=lambda: WavSource(mic))
    listener.set_app_speaking(True, "Lie on your back.", clip=clip)
    with qtbot.waitSignal(listener.command_heard, timeout=20000) as heard:
        listener.start()
    assert heard.args == ["pause"]
    listener.stop()


def test_without_the_clip_the_app_voice_drowns_the_command(qtbot, tmp_path):
    mic, _clip = _over_the_app_wav(tmp_path, "commands/clean/slt_1.0_player_pause.wav")
    listener = VoiceCommandListener(source_factory=lambda: WavSource(mic))
    listener.set_app_speaking(True, "Lie on your back.")
    heard: list[str] = []
    listener.command_heard.connect(heard.append)
    with qtbot.waitSignal(listener.listening_changed, timeout=5000):
        listener.start()
    qtbot.waitUntil(lambda: not listener.is_listening, timeout=20000)
    assert heard == []
    listener.stop()
