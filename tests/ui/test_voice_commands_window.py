"""Spoken commands drive the real window: the real recogniser hears generated speech
(WAV files stand in for the microphone; there is none on a test machine)."""

from __future__ import annotations

from pathlib import Path

from fakes import FakeClock

from stenosis_player.engine import Stage
from stenosis_player.script import Kind
from stenosis_player.settings import Settings
from stenosis_player.ui.main_window import MainWindow
from stenosis_player.ui.speech_port import CaptionOnlySpeech
from stenosis_player.voice_commands.microphone import WavSource

CLEAN = Path(__file__).resolve().parents[1] / "data" / "voice_commands" / "commands" / "clean"


def Clock() -> FakeClock:
    return FakeClock(10.0)


def window(qtbot, catalog, tmp_path):
    settings = Settings(tmp_path / "settings.json")
    settings.set("programs.step-by-step.order", ["sustained-lumbar-extension"])
    speech = CaptionOnlySpeech()
    w = MainWindow(catalog, settings=settings, speech=speech, clock=Clock())
    qtbot.addWidget(w)
    w.show()
    w.start_session()
    return w, speech


def hear(qtbot, w, name: str) -> list:
    """Listen to one generated recording; return what the recogniser reported."""
    w.stop_voice_commands()
    w.start_voice_commands(lambda: WavSource(CLEAN / f"slt_1.0_{name}.wav"), autostart=False)
    with qtbot.waitSignal(w.listener.command_heard, timeout=20000) as blocker:
        w.listener.start()
    return blocker.args


def test_player_pause_pauses_and_it_hurts_opens_the_choices(qtbot, catalog, tmp_path):
    w, speech = window(qtbot, catalog, tmp_path)
    assert w.controller.stage is Stage.RUNNING
    assert hear(qtbot, w, "player_pause") == ["pause"]
    assert w.controller.stage is Stage.PAUSED
    assert "player continue" in speech.said[-1]  # says how to go on
    assert "heard “player pause”" in w.player.mic.text()
    assert hear(qtbot, w, "player_continue") == ["continue"]
    assert w.controller.stage is Stage.RESUMING
    assert hear(qtbot, w, "it_hurts") == ["it_hurts"]
    assert w.player.hurt_panel.isVisible()
    assert w.controller.stage is Stage.PAUSED
    w.stop_voice_commands()


def test_player_pause_said_over_the_app_voice_pauses_the_window(qtbot, catalog, tmp_path):
    from voice_commands.vc_data import APP_VOICE, DATA, over_the_app, write_wav

    w, speech = window(qtbot, catalog, tmp_path)
    mic, _ = over_the_app("commands/clean/slt_1.0_player_pause.wav")
    recording = write_wav(tmp_path / "mic.wav", mic)
    w.stop_voice_commands()
    w.start_voice_commands(lambda: WavSource(recording), autostart=False)
    # the app's voice starts: the window hands the clip being played to the listener
    speech.audible_clip = DATA / APP_VOICE
    speech.clip_started.emit("intro")
    with qtbot.waitSignal(w.listener.command_heard, timeout=20000) as blocker:
        w.listener.start()
    assert blocker.args == ["pause"]
    assert w.controller.stage is Stage.PAUSED
    w.stop_voice_commands()


def test_the_microphone_symbol_says_what_to_say_until_it_hears_something(qtbot, catalog, tmp_path):
    w, _ = window(qtbot, catalog, tmp_path)
    w.stop_voice_commands()
    w.start_voice_commands(
        lambda: WavSource(CLEAN / "slt_1.0_player_pause.wav", realtime=True), autostart=False
    )
    with qtbot.waitSignal(w.listener.listening_changed, timeout=5000):
        w.listener.start()
    assert w.player.mic.isVisible()
    assert "say “player pause” or “it hurts”" in w.player.mic.text()
    with qtbot.waitSignal(w.listener.command_heard, timeout=20000):
        pass
    assert "heard “player pause”" in w.player.mic.text()
    w.stop_voice_commands()


def test_spoken_stop_asks_first_like_esc(qtbot, catalog, tmp_path):
    w, speech = window(qtbot, catalog, tmp_path)
    w.voice_command("stop")
    assert w.controller.stage is Stage.PAUSED
    assert "again to end the session" in speech.said[-1]
    w.voice_command("continue")
    assert w.controller.stage is Stage.RESUMING and not w.confirming_stop
    w.voice_command("stop")
    w.voice_command("stop")
    assert w.controller.stage is Stage.STOPPED


def test_yes_no_answer_a_question(qtbot, catalog, tmp_path):
    w, _ = window(qtbot, catalog, tmp_path)
    while w.controller.current.kind is not Kind.CHECK:
        w.clock.now += 0.5
        w.controller.tick()
    w.voice_command("no")
    assert w.settings.get("exercises.sustained-lumbar-extension.removed") is True


def test_no_microphone_gives_a_notice_and_the_session_goes_on(qtbot, catalog, tmp_path):
    from stenosis_player.voice_commands.microphone import MicrophoneUnavailable

    def no_mic():
        raise MicrophoneUnavailable("No microphone found: connect one and restart.")

    w, _ = window(qtbot, catalog, tmp_path)
    w.start_voice_commands(no_mic, autostart=False)
    with qtbot.waitSignal(w.listener.failed, timeout=10000):
        w.listener.start()
    assert "No microphone" in w.player.notices.text()
    assert w.controller.stage is Stage.RUNNING
    w.stop_voice_commands()


def hurt_window(qtbot, catalog, tmp_path):
    """A session of lying flexion then walking, voice commands on; its hurts recorded."""
    settings = Settings(tmp_path / "settings.json")
    settings.set("programs.step-by-step.order", ["lumbar-flexion-lying", "walking"])
    settings.set("voice_commands.enabled", True)
    speech = CaptionOnlySpeech()
    w = MainWindow(catalog, settings=settings, speech=speech, clock=Clock())
    qtbot.addWidget(w)
    w.show()
    w.start_session()
    hurts: list[tuple[str, str]] = []
    w.hurt_recorded.connect(lambda ex, choice: hurts.append((ex, choice)))
    return w, settings, speech, hurts


def test_after_it_hurts_the_choices_are_made_by_voice_too(qtbot, catalog, tmp_path):
    """Someone in pain on the mat chooses without a key: the app says which commands do
    what, "player back" leaves the open choices alone (it had moved the step under them),
    "player next" skips the exercise and "player stop" ends the session (real recogniser)."""
    w, _, speech, hurts = hurt_window(qtbot, catalog, tmp_path)
    assert hear(qtbot, w, "it_hurts") == ["it_hurts"]
    assert w.player.hurt_panel.isVisible()
    assert speech.said[-1].endswith(
        "Or say player next to skip it, player stop to end, or player continue to go on."
    )
    where = w.controller.current.index
    assert hear(qtbot, w, "player_back") == ["back"]
    assert w.player.hurt_panel.isVisible() and w.controller.current.index == where
    assert hear(qtbot, w, "player_next") == ["next"]
    assert hurts == [("lumbar-flexion-lying", "skip")]
    assert w.controller.current.exercise_id == "walking"
    assert not w.player.hurt_panel.isVisible()
    assert hear(qtbot, w, "it_hurts") == ["it_hurts"]
    assert hear(qtbot, w, "player_stop") == ["stop"]
    assert hurts[-1] == ("walking", "end")
    assert w.controller.stage is Stage.STOPPED
    w.stop_voice_commands()


def test_hurt_twice_player_yes_takes_it_out(qtbot, catalog, tmp_path):
    """The second hurt offers to take the exercise out (R): by voice the app says "Or say
    player yes to take it out", yes and no count while that is asked, and yes does it."""
    w, settings, speech, hurts = hurt_window(qtbot, catalog, tmp_path)
    assert hear(qtbot, w, "it_hurts") == ["it_hurts"]
    assert not w.player.hurt_buttons["remove"].isVisible()
    assert hear(qtbot, w, "player_continue") == ["continue"]
    assert hear(qtbot, w, "it_hurts") == ["it_hurts"]  # again, on the same exercise
    assert w.player.hurt_buttons["remove"].isVisible()
    assert speech.said[-1].endswith(
        "Or say player yes to take it out, or player next to skip it today."
    )
    assert hear(qtbot, w, "player_yes") == ["yes"]
    assert hurts == [("lumbar-flexion-lying", "continue"), ("lumbar-flexion-lying", "remove")]
    assert settings.get("exercises.lumbar-flexion-lying.removed") is True
    assert w.controller.current.exercise_id == "walking"
    w.stop_voice_commands()
