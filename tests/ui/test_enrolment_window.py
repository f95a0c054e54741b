"""The enrolment window and its section in Settings, offscreen: keys (Enter/Space go on,
Esc cancels and keeps the previous enrolment), no microphone, and what Settings shows of
the last enrolment (date, per command, advice; Forget my recordings; a damaged file).

The audio is a real WAV of generated speech read in real time (``WavSource``, what
``listen --wav`` uses); tests/audio/test_enrolment_audio.py records a real microphone.
"""

from __future__ import annotations

import wave
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from stenosis_player.settings import Settings
from stenosis_player.ui.enrolment_dialog import EnrolmentDialog
from stenosis_player.ui.main_window import MainWindow
from stenosis_player.voice_commands.commands import Command
from stenosis_player.voice_commands.enrolment import (
    RESULT_FILE,
    EnrolmentResult,
    enrolment_folder,
    enrolment_plan,
    load_enrolment,
    run_takes,
    save_enrolment,
)
from stenosis_player.voice_commands.microphone import MicrophoneUnavailable, WavSource

pytest.importorskip("pocketsphinx")

CLEAN = Path(__file__).resolve().parents[1] / "data" / "voice_commands" / "commands" / "clean"
RATE = 16000


def repeated(tmp_path: Path, name: str = "slt_1.0_player_next.wav", times: int = 12) -> Path:
    """The command over and over, a second apart, as one WAV."""
    with wave.open(str(CLEAN / name)) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), "<i2")
    out = tmp_path / f"repeated_{name}"
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(np.tile(np.concatenate([x, np.zeros(RATE, "<i2")]), times).tobytes())
    return out


def previous_enrolment(data_dir: Path) -> bytes:
    """An enrolment saved earlier (two takes of "player yes"); returns its file's bytes."""
    with wave.open(str(CLEAN / "slt_1.0_player_yes.wav")) as w:
        pcm = w.readframes(w.getnframes())
    takes = run_takes(
        [pcm, bytes(3 * RATE), pcm, bytes(3 * RATE)],
        enrolment_plan(commands=[Command.YES], takes=2),
    )
    save_enrolment(
        data_dir, EnrolmentResult(datetime(2026, 11, 20, 18, 5), "player", tuple(takes), 2)
    )
    return (enrolment_folder(data_dir) / RESULT_FILE).read_bytes()


def dialog_for(qtbot, tmp_path, wav: Path, **kw) -> EnrolmentDialog:
    dialog = EnrolmentDialog(
        "player",
        tmp_path,
        source_factory=lambda: WavSource(wav, realtime=True),
        commands=kw.pop("commands", [Command.NEXT]),
        pause_ms=100,
        get_ready_s=0,
        **kw,
    )
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_esc_mid_enrolment_keeps_the_previous_one_and_lets_the_microphone_go(qtbot, tmp_path):
    before = previous_enrolment(tmp_path)
    dialog = dialog_for(qtbot, tmp_path, repeated(tmp_path))
    using: list[bool] = []
    dialog.recording_changed.connect(using.append)
    qtbot.keyClick(dialog, Qt.Key.Key_Return)  # Start
    assert dialog.state == "running"
    with qtbot.waitSignal(dialog.take_finished, timeout=20000) as first:
        pass
    assert first.args[0].heard == ("player next",)
    assert "“player next”: heard 1 of 1" in dialog.summary.text()  # the result as it goes
    worker = dialog._worker
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.result() == dialog.DialogCode.Rejected
    assert using == [True, False] and not worker.running
    assert (enrolment_folder(tmp_path) / RESULT_FILE).read_bytes() == before
    saved = load_enrolment(tmp_path)
    assert saved is not None and saved.summary_lines() == ["“player yes”: heard 2 of 2"]


def test_space_pauses_after_the_take_and_enter_goes_on_to_the_end(qtbot, tmp_path):
    dialog = dialog_for(qtbot, tmp_path, repeated(tmp_path), takes=2)
    qtbot.keyClick(dialog, Qt.Key.Key_Space)  # Start
    qtbot.waitUntil(lambda: "Listening" in dialog.heard.text(), timeout=10000)
    qtbot.keyClick(dialog, Qt.Key.Key_Space)  # Pause, after this take
    assert "pausing after this take" in dialog.step.text()
    qtbot.waitUntil(lambda: dialog.state == "paused", timeout=20000)
    assert len(dialog.results) == 1 and dialog.prompt.text() == "Paused."
    qtbot.keyClick(dialog, Qt.Key.Key_Return)  # Go on
    qtbot.waitUntil(lambda: dialog.state == "finished", timeout=20000)
    assert dialog.prompt.text() == "Done: 2 of 2 heard."
    assert "Every command was heard" in dialog.summary.text()
    saved = load_enrolment(tmp_path)
    assert saved is not None and saved.summary_lines() == ["“player next”: heard 2 of 2"]


def test_no_microphone_is_a_message_and_enter_tries_again(qtbot, tmp_path, monkeypatch):
    # no sound server to reach: the default microphone falls back to PortAudio, which finds
    # no input on a machine without a sound card
    monkeypatch.setenv("PULSE_SERVER", f"unix:{tmp_path / 'no-server'}")
    from stenosis_player.voice_commands.microphone import default_microphone

    try:
        default_microphone().close()
    except MicrophoneUnavailable as exc:
        why = str(exc)
    else:
        pytest.skip("this machine has a working microphone")
    before = previous_enrolment(tmp_path)
    dialog = EnrolmentDialog("player", tmp_path, pause_ms=100, get_ready_s=0)  # default mic
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.state == "failed", timeout=10000)
    assert dialog.prompt.text() == "The microphone cannot be used."
    assert dialog.step.text() == why and why  # what is wrong and what to do
    assert dialog.primary.text() == "Try again (Enter)"
    qtbot.keyClick(dialog, Qt.Key.Key_Return)  # tries again, fails again the same way
    qtbot.waitUntil(lambda: dialog.state == "failed", timeout=10000)
    assert (enrolment_folder(tmp_path) / RESULT_FILE).read_bytes() == before


def test_a_microphone_that_stops_delivering_is_noticed(qtbot, tmp_path):
    """A source that never yields a block (a stalled sound server): the watchdog, on the
    dialog's injected clock, says so instead of waiting forever."""
    now = [50.0]

    class Stalled(WavSource):
        def blocks(self):
            self._closed.wait()
            return iter(())

    dialog = EnrolmentDialog(
        "player",
        tmp_path,
        source_factory=lambda: Stalled(CLEAN / "slt_1.0_player_next.wav"),
        commands=[Command.NEXT],
        clock=lambda: now[0],
        get_ready_s=0,
    )
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.primary_action()
    qtbot.waitUntil(lambda: "Listening" in dialog.heard.text(), timeout=10000)
    qtbot.wait(600)
    assert dialog.state == "running"  # no time has passed on its clock
    now[0] += 3.5
    qtbot.waitUntil(lambda: dialog.state == "failed", timeout=3000)
    assert "stopped delivering sound" in dialog.step.text()


# ------------------------------------------------------------------ Settings


def open_voice_commands_settings(qtbot, catalog, tmp_path) -> tuple[MainWindow, object]:
    w = MainWindow(catalog, settings=Settings(tmp_path / "settings.json"))
    w.data_dir = tmp_path
    qtbot.addWidget(w)
    w.show()
    w.open_settings()
    dialog = w.settings_dialog
    tabs = dialog.tabs
    index = next(i for i in range(tabs.count()) if "Voice commands" in tabs.tabText(i))
    tabs.setCurrentIndex(index)
    return w, dialog


def test_settings_show_how_the_last_enrolment_went_and_forget_the_recordings(
    qtbot, catalog, tmp_path
):
    previous_enrolment(tmp_path)
    _w, dialog = open_voice_commands_settings(qtbot, catalog, tmp_path)
    section = dialog.enrolment
    text = section.status.text()
    assert text.startswith("Last done Friday 20 November 2026, 18:05:")
    assert "“player yes”: heard 2 of 2" in text
    assert "Background noise 0 dB; your voice" in text
    assert "Every command was heard" in text
    assert "tuned to these recordings" in text  # listening now uses them
    assert "only on this computer" in section.privacy.text()
    assert str(enrolment_folder(tmp_path)) in section.privacy.text()
    assert section.forget_button.isEnabled()
    qtbot.mouseClick(section.forget_button, Qt.MouseButton.LeftButton)
    assert not list(enrolment_folder(tmp_path).rglob("*.wav"))
    assert "Your recordings were deleted on" in section.status.text()
    assert "“player yes”: heard 2 of 2" in section.status.text()  # the results stay
    assert "tuned to these recordings" not in section.status.text()
    assert not section.forget_button.isEnabled()


def test_settings_name_a_damaged_enrolment_file_and_leave_it(qtbot, catalog, tmp_path):
    folder = enrolment_folder(tmp_path)
    folder.mkdir()
    (folder / RESULT_FILE).write_text('{"format": 1, "created": "yesterday"}')
    _w, dialog = open_voice_commands_settings(qtbot, catalog, tmp_path)
    text = dialog.enrolment.status.text()
    assert "cannot be read" in text and str(folder / RESULT_FILE) in text
    assert "'yesterday' is not a date and time" in text
    assert (folder / RESULT_FILE).read_text() == '{"format": 1, "created": "yesterday"}'


def test_teach_it_my_voice_opens_the_window_with_the_leading_word_being_edited(
    qtbot, catalog, tmp_path
):
    _w, dialog = open_voice_commands_settings(qtbot, catalog, tmp_path)
    assert dialog.enrolment.status.text().startswith("Not done yet")
    assert not dialog.enrolment.forget_button.isEnabled()
    dialog.editors["voice_commands.leading_word"].setText("computer")
    dialog.editors["voice_commands.leading_word"].textEdited.emit("computer")
    qtbot.mouseClick(dialog.enrolment.teach_button, Qt.MouseButton.LeftButton)
    window = dialog.enrolment.dialog
    assert window is not None and window.isVisible()
    assert window.plan[0].phrase == "computer pause" and len(window.plan) == 3 * len(Command)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not window.isVisible()


def test_the_windows_voice_commands_are_held_while_the_enrolment_records(qtbot, catalog, tmp_path):
    """The takes ("player continue", "player stop") must not reach the paused session: the
    window stops listening while the enrolment has the microphone, and listens again after."""
    w, dialog = open_voice_commands_settings(qtbot, catalog, tmp_path)
    w.start_voice_commands(source_factory=lambda: WavSource(repeated(tmp_path), realtime=True))
    first = w.listener
    qtbot.waitUntil(lambda: first.is_listening, timeout=10000)
    qtbot.mouseClick(dialog.enrolment.teach_button, Qt.MouseButton.LeftButton)
    window = dialog.enrolment.dialog
    qtbot.keyClick(window, Qt.Key.Key_Return)
    assert w.listener is None and not first.is_listening
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert w.listener is not None and w.listener is not first
    qtbot.waitUntil(lambda: w.listener.is_listening, timeout=10000)
    w.stop_voice_commands()


def test_a_count_down_gives_time_to_get_to_the_mat_then_the_first_take_begins(qtbot, tmp_path):
    """With no voice (captions only) the prompts are shown and the take listens at once."""
    from stenosis_player.ui.speech_port import CaptionOnlySpeech

    speech = CaptionOnlySpeech()
    dialog = EnrolmentDialog(
        "player",
        tmp_path,
        speech=speech,
        source_factory=lambda: WavSource(repeated(tmp_path), realtime=True),
        commands=[Command.NEXT],
        get_ready_s=1,
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.state == "ready", timeout=10000)
    assert dialog.prompt.text() == "Get ready: 1 s" and dialog.meter_row.isVisible()
    assert speech.said == ["Go to where you exercise. We begin in 1 second."]
    qtbot.waitUntil(lambda: "Listening" in dialog.heard.text(), timeout=5000)
    assert dialog.state == "running" and dialog.prompt.text() == "Say: “player next”"
    assert speech.said[-1] == "Say: player next."
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)


def test_a_data_folder_that_looks_like_markup_is_shown_as_written(qtbot, tmp_path):
    odd = tmp_path / "<b>me</b>"
    dialog = EnrolmentDialog("player", odd, get_ready_s=0)
    qtbot.addWidget(dialog)
    dialog.show()
    assert str(odd) in dialog.privacy.text()
    assert dialog.privacy.textFormat() == Qt.TextFormat.PlainText
    assert all(
        label.textFormat() == Qt.TextFormat.PlainText
        for label in (dialog.prompt, dialog.step, dialog.heard, dialog.summary)
    )
