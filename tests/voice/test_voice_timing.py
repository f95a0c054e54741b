"""The player plans its session with the real clip lengths, as `script` and `export-audio`
do: once the speech is prepared, the start screen's plan and the command's agree."""

from __future__ import annotations

import pytest

from stenosis_player.script import ScriptOptions, build_script
from stenosis_player.voice.service import SpeechService
from stenosis_player.voice.sinks import SilentSink
from stenosis_player.voice.synth import Synthesizer
from stenosis_player.voice.timing import ClipTimer


@pytest.mark.speech
def test_the_window_plan_agrees_with_the_script_command_once_speech_is_ready(
    qtbot, catalog, tmp_path
):
    from stenosis_player.ui.main_window import MainWindow

    service = SpeechService(Synthesizer(tmp_path / "speech"), sink=SilentSink())
    plans = []
    window = MainWindow(catalog, speech=service)
    qtbot.addWidget(window)
    original = window.show_preview
    window.show_preview = lambda script: (plans.append(script), original(script))[1]
    window.session.preview(catalog.default_program)
    assert not window.session.plan_is_exact()  # a fresh cache: the first plan is a guess
    qtbot.waitUntil(lambda: window.session.plan_is_exact(), timeout=30000)
    with Synthesizer(tmp_path / "speech") as synth:
        timer = ClipTimer(synth)
        command = build_script(catalog, None, ScriptOptions(speech_seconds=timer))
    assert timer.estimated == 0
    exact = plans[-1]
    assert round(exact.total) == round(command.total)
    assert [s.say for s in exact.segments] == [s.say for s in command.segments]
    assert "about" in window.start_view.total.text()
    service.close()
