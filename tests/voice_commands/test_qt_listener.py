"""The Qt adapter with a WAV file in place of the microphone.

The end-to-end pytest-qt test with the real main window ("player pause" pauses the window and
"it hurts" opens its choices) is to be added once the window exists; it only needs
``VoiceCommandListener(source_factory=lambda: WavSource(path))`` connected to
``apply_command(Command(name), window)``.
"""

from vc_data import DATA

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
