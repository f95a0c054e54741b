"""Settings opened from the window: the Test voice button goes through the real speech
service (real eSpeak NG synthesis; the audio device is the silent sink, as there is none);
text size and contrast show in the dialog at once and in the window on Save."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette

from stenosis_player.settings import TEST_VOICE_TEXT, Settings
from stenosis_player.ui.main_window import MainWindow
from stenosis_player.ui.speech_port import CaptionOnlySpeech
from stenosis_player.ui.theme import HIGH_CONTRAST, NORMAL
from stenosis_player.voice.service import SpeechService
from stenosis_player.voice.sinks import SilentSink


@pytest.mark.speech
def test_test_voice_button_speaks_through_the_speech_service(qtbot, catalog, tmp_path):
    speech = SpeechService(cache_dir=tmp_path / "speech", sink=SilentSink())
    try:
        w = MainWindow(catalog, settings=Settings(tmp_path / "settings.json"), speech=speech)
        qtbot.addWidget(w)
        w.show()
        w.open_settings()
        dialog = w.settings_dialog
        with qtbot.waitSignal(speech.clip_started, timeout=20000):
            qtbot.mouseClick(dialog.test_voice_button, Qt.MouseButton.LeftButton)
        assert w.player.caption.text() == TEST_VOICE_TEXT
        # a real clip was synthesised for the sample sentence, and it has a length
        qtbot.waitUntil(lambda: (speech.clip_seconds(TEST_VOICE_TEXT) or 0) > 1.0, timeout=20000)
    finally:
        speech.close()


@pytest.mark.speech
def test_the_voice_box_lists_the_engines_voices(qtbot, catalog, tmp_path):
    speech = SpeechService(cache_dir=tmp_path / "speech", sink=SilentSink())
    try:
        w = MainWindow(catalog, settings=Settings(tmp_path / "settings.json"), speech=speech)
        qtbot.addWidget(w)
        w.show()  # listed after the first frame (it starts a speech worker)
        qtbot.waitUntil(lambda: len(w.voice_ids) > 0, timeout=20000)  # fetched off the UI thread
        w.open_settings()
        combo = w.settings_dialog.editors["voice.name"]
        ids = [combo.itemData(i) for i in range(1, combo.count())]
        assert set(w.voice_ids) == set(ids)
        # listed by language name, A to Z, with the id after it
        texts = [combo.itemText(i) for i in range(1, combo.count())]
        names = [t.split(" — ")[0].casefold() for t in texts]
        assert names == sorted(names)
        assert any(t.startswith("English") for t in texts)
        english = next(
            i for i in range(1, combo.count()) if combo.itemText(i).startswith("English")
        )
        combo.setCurrentIndex(english)
        assert w.settings_dialog.draft.get("voice.name") == combo.itemData(english)
    finally:
        speech.close()


def test_text_size_and_contrast_show_in_the_open_dialog_and_in_the_window_on_save(
    qtbot, catalog, tmp_path
):
    w = MainWindow(
        catalog, settings=Settings(tmp_path / "settings.json"), speech=CaptionOnlySpeech()
    )
    qtbot.addWidget(w)
    with qtbot.waitActive(w):
        w.show()
        w.activateWindow()
    qtbot.keyClick(w, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)  # Ctrl+,
    dialog = w.settings_dialog
    qtbot.waitExposed(dialog)
    normal_px = w.fontInfo().pixelSize()
    assert dialog.fontInfo().pixelSize() == normal_px  # styled like the window

    dialog.editors["display.text_scale"].setValue(1.5)
    dialog.editors["display.high_contrast"].setChecked(True)
    # as large as chosen where the dialog fits its screen, else the largest that fits
    assert 1.0 < dialog._fit.factor <= 1.5
    assert dialog.fontInfo().pixelSize() == round(dialog._fit.factor * normal_px)
    assert dialog.palette().color(QPalette.ColorRole.Window).name() == HIGH_CONTRAST.background
    # the window behind keeps its look until Save
    assert w.fontInfo().pixelSize() == normal_px
    assert w.palette().color(QPalette.ColorRole.Window).name() == NORMAL.background

    assert dialog.save()
    assert w.fontInfo().pixelSize() == 1.5 * normal_px
    assert w.palette().color(QPalette.ColorRole.Window).name() == HIGH_CONTRAST.background
    assert w.act_contrast.isChecked()
