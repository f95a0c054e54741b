"""The enrolment window and its section in Settings, offscreen: keys (Enter/Space go on,
Esc cancels and keeps the previous enrolment), no microphone, and what Settings shows of
the last enrolment (date, per command, advice; Forget my recordings; a damaged file).

The audio is a real WAV of generated speech read in real time (``WavSource``, what
``listen --wav`` uses); tests/audio/test_enrolment_audio.py records a real microphone.
"""

from __future__ import annotations

import threading
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
ENROL = Path(__file__).resolve().parents[1] / "data" / "voice_enrolment"
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
    with qtbot.waitSignal(dialog.take_finished, timeout=40000) as first:
        pass
    assert first.args[0].heard_by == "neural"  # what will listen once enrolled
    assert "“player next”: heard " in dialog.summary.text()  # the result as it goes
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
    qtbot.waitUntil(lambda: dialog.state == "paused", timeout=40000)
    assert len(dialog.results) == 1 and dialog.prompt.text() == "Paused."
    qtbot.keyClick(dialog, Qt.Key.Key_Return)  # Go on
    qtbot.waitUntil(lambda: dialog.state == "finished", timeout=40000)
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


class PromptedSpeaker(WavSource):
    """A person on the mat: the room (quiet noise, at a microphone's pace) and, each time the
    window starts listening for a take, the next recording said 0.5 s later. However long the
    window takes to hear a take, the next phrase is said only when asked for."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(ENROL / f"rms_player_{names[0]}.wav")
        self.said = []
        for name in names:
            with wave.open(str(ENROL / f"rms_player_{name}.wav")) as w:
                self.said.append(w.readframes(w.getnframes()))
        self.asked = threading.Semaphore(0)

    def blocks(self):
        rng = np.random.default_rng(5)
        queue: list[bytes] = []
        while not self._closed.is_set():
            if not queue and self.said and self.asked.acquire(blocking=False):
                pcm = bytes(16000) + self.said.pop(0)  # 0.5 s after the prompt
                queue = [pcm[i : i + 3200] for i in range(0, len(pcm), 3200)]
            room = np.clip(rng.normal(0, 30, 1600), -32768, 32767).astype("<i2").tobytes()
            block = queue.pop(0) if queue else room
            if len(block) < len(room):  # the phrase's last block, topped up with the room
                block += room[len(block) :]
            else:
                block = (np.frombuffer(block, "<i2") + np.frombuffer(room, "<i2")).tobytes()
            if self._closed.wait(0.1):
                return
            yield block


def test_every_phrase_is_prompted_recorded_and_heard_by_the_network_tuned_to_the_others(
    qtbot, tmp_path
):
    """Asked for “player back” three times, then “player repeat” twice (flite's rms voice: the
    network never learnt from it); each take is heard by what will listen, re-checked at the
    end with each take left out of its own adaptation; all five are saved and adapted to."""
    speaker = PromptedSpeaker(["back_1", "back_2", "back_3", "repeat_1", "repeat_2"])
    dialog = EnrolmentDialog(
        "player",
        tmp_path,
        source_factory=lambda: speaker,
        commands=[Command.BACK],
        pause_ms=100,
        get_ready_s=0,
    )
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.listening_started.connect(lambda _p: speaker.asked.release())
    checking = []
    show_checking = dialog.show_checking
    dialog.show_checking = lambda: (show_checking(), checking.append(dialog.prompt.text()))
    prompts = []
    dialog.listening_started.connect(
        lambda p: prompts.append((p.phrase, dialog.prompt.text(), dialog.step.text()))
    )
    assert dialog.prompt.text() == "Say each of 2 phrases 2 or 3 times, when asked."
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.state == "finished", timeout=120000)
    assert checking == ["Checking how well it hears you…"]  # every take heard again
    assert dialog.primary.isEnabled()
    assert [p[0] for p in prompts] == ["player back"] * 3 + ["player repeat"] * 2
    assert prompts[3][1:] == ("Say: “player repeat”", "Take 1 of 2 · phrase 2 of 2")
    assert prompts[2][2] == "Take 3 of 3 · phrase 1 of 2"
    saved = load_enrolment(tmp_path)
    assert saved is not None and saved.heard_by == "neural"
    assert [t.phrase for t in saved.takes] == ["player back"] * 3 + ["player repeat"] * 2
    assert [t.heard for t in saved.takes] == [t.heard for t in dialog.enrolment.takes]
    assert sorted(p.name for p in enrolment_folder(tmp_path).glob("takes-*/*.wav")) == [
        f"back_{n}.wav" for n in range(1, 6)
    ]
    assert [line.split(":")[0] for line in saved.summary_lines()] == [
        "“player back”",
        "“player repeat”",
    ]
    from stenosis_player.voice_commands.neural import NeuralRecognizer

    listening = NeuralRecognizer(enrolment=saved)  # what the window listens with now
    assert listening.adapted_takes == 5


# ------------------------------------------------------------------ Settings


def open_voice_commands_settings(qtbot, catalog, tmp_path) -> tuple[MainWindow, object]:
    w = MainWindow(catalog, settings=Settings(tmp_path / "settings.json"))
    w.data_dir = tmp_path
    qtbot.addWidget(w)
    w.show()
    w.open_settings()
    dialog = w.settings_dialog
    tabs = dialog.tabs
    index = next(
        i for i in range(tabs.count()) if "Voice commands" in tabs.tabText(i).replace("&", "")
    )
    tabs.setCurrentIndex(index)
    return w, dialog


def test_settings_show_how_the_last_enrolment_went_and_forget_the_recordings(
    qtbot, catalog, tmp_path
):
    previous_enrolment(tmp_path)
    _w, dialog = open_voice_commands_settings(qtbot, catalog, tmp_path)
    section = dialog.enrolment
    text = section.status.text()
    # heard by what listens once enrolled: the network adapted to the other take
    assert text.startswith(
        "Last done Friday 20 November 2026, 18:05, as heard by the recogniser tuned to your "
        "other recordings:"
    )
    assert "“player yes”: heard 2 of 2" in text
    assert "A very quiet room." in text  # digital silence between the takes: no "0 dB"
    assert "dB" not in text
    assert "Every command was heard" in text
    assert "tuned to these recordings" in text  # listening now uses them
    assert "Teach it your voice again" not in text
    assert "only on this computer" in section.privacy.text()
    assert str(enrolment_folder(tmp_path)) in section.privacy.text()
    assert section.forget_button.isEnabled()
    qtbot.mouseClick(section.forget_button, Qt.MouseButton.LeftButton)
    assert not list(enrolment_folder(tmp_path).rglob("*.wav"))
    assert "Your recordings were deleted on" in section.status.text()
    assert "“player yes”: heard 2 of 2" in section.status.text()  # the results stay
    assert "tuned to these recordings" not in section.status.text()
    assert "Now the standard recogniser listens" in section.status.text()
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
    assert window.plan[0].phrase == "computer pause"
    assert len(window.plan) == 3 * len(Command) + 2  # and "computer repeat" twice
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


def test_the_summary_at_large_text_keeps_room_for_the_results(qtbot, tmp_path):
    """At x2.5 the first line was the take prompt's 180 px and the room's description
    three lines under it: the results and advice got two lines to scroll. The summary's
    first line is a headline, and the results keep a share of the window."""
    from stenosis_player.ui.enrolment_dialog import RESULTS_SHARE
    from stenosis_player.voice_commands.commands import phrase_table
    from stenosis_player.voice_commands.enrolment import TakeResult

    dialog = EnrolmentDialog("player", tmp_path, get_ready_s=0, scale=2.5)
    qtbot.addWidget(dialog)
    dialog.resize(1200, 740)
    dialog.show()
    qtbot.waitExposed(dialog)
    prompt_px = dialog.prompt.fontInfo().pixelSize()
    table = phrase_table("player")
    takes = [
        TakeResult(cmd, table[cmd][0], n, (table[cmd][0],) if n > 1 else (), 52.0, 61.0)
        for cmd in Command
        for n in (1, 2, 3)
    ]
    dialog.finish_with(takes)
    qtbot.waitUntil(lambda: dialog.prompt.text().startswith("Done:"))
    headline_px = dialog.prompt.fontInfo().pixelSize()
    assert headline_px < 0.7 * prompt_px, (headline_px, prompt_px)
    assert dialog.scroll.height() >= RESULTS_SHARE * dialog.height() - 1
    assert dialog.summary.fontInfo().pixelSize() >= dialog.privacy.fontInfo().pixelSize()
    # a new enrolment from here prompts at the full size again
    dialog._show("Say: “player next”", "")
    dialog.layout().activate()
    assert dialog.prompt.fontInfo().pixelSize() > headline_px
    assert dialog.scroll.minimumHeight() == 0
