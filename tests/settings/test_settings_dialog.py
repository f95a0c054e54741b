"""The settings dialog, driven like a user would: keyboard where it matters, then Save."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QSpinBox

from stenosis_player.script import Kind, build_script
from stenosis_player.settings import TEST_VOICE_TEXT, Settings, load_settings
from stenosis_player.ui.settings_dialog import SettingsDialog
from stenosis_player.ui.theme import HIGH_CONTRAST, NORMAL

PROGRAM = "sciatica-five"


@pytest.fixture
def open_dialog(qtbot, catalog, settings_path, recorder):
    def make(program_id=PROGRAM, speak=recorder, settings=None):
        if settings is None:
            settings = load_settings(settings_path).settings
        dialog = SettingsDialog(settings, catalog, program_id, speak)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        dialog.windowHandle().requestActivate()  # keyboard shortcuts need the active window
        qtbot.waitUntil(dialog.isActiveWindow, timeout=2000)
        return dialog

    return make


def moves(script, exercise_id):
    return [s for s in script.segments if s.exercise_id == exercise_id and s.kind is Kind.MOVE]


def test_changed_reps_are_saved_used_by_the_script_and_survive_a_reload(
    qtbot, open_dialog, catalog, settings_path
):
    dialog = open_dialog()
    spin = dialog.dose_spins[("squat-incline-board", "reps")]
    assert spin.value() == 12  # the article's dose
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "5")
    assert spin.value() == 5
    with qtbot.waitSignal(dialog.saved, timeout=1000):
        qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not dialog.isVisible()

    opts = dialog.settings.script_options(catalog, PROGRAM)
    script = build_script(catalog, PROGRAM, opts)
    assert len(moves(script, "squat-incline-board")) == 5 * 2  # 5 reps × 2 sets

    reloaded = load_settings(settings_path)
    assert reloaded.problems == []
    assert reloaded.settings.get("exercises.squat-incline-board.reps") == 5
    script = build_script(catalog, PROGRAM, reloaded.settings.script_options(catalog, PROGRAM))
    assert len(moves(script, "squat-incline-board")) == 10


def test_spin_boxes_take_their_bounds_from_the_declaration(open_dialog):
    dialog = open_dialog()
    reps = dialog.dose_spins[("squat-incline-board", "reps")]
    sets = dialog.dose_spins[("squat-incline-board", "sets")]
    hold = dialog.dose_spins[("squat-incline-board", "hold_s")]
    assert (reps.minimum(), reps.maximum()) == (1, 100)
    assert (sets.minimum(), sets.maximum()) == (1, 10)
    assert (hold.minimum(), hold.maximum()) == (0, 600)
    rate = dialog.editors["voice.rate"].slider
    assert (rate.minimum(), rate.maximum(), rate.value()) == (80, 300, 150)
    assert isinstance(dialog.editors["speech.count_aloud"], QCheckBox)
    assert isinstance(dialog.editors["speech.countdown_last_s"], QSpinBox)
    assert isinstance(dialog.editors["display.text_scale"], QDoubleSpinBox)
    assert dialog.editors["display.text_scale"].maximum() == 2.5
    assert isinstance(dialog.editors["voice.engine"], QComboBox)
    assert "program.last" not in dialog.editors  # remembered by the app, not shown


def test_article_dose_and_its_words_are_shown_beside_the_spin_box(open_dialog):
    dialog = open_dialog()
    box = dialog.dose_spins[("modified-lunge-chair", "reps")].parentWidget()
    texts = {w.text(): w.toolTip() for w in box.findChildren(type(dialog.status))}
    assert "Article: 12–15" in texts
    assert "Perform 12–15 repetitions" in texts["Article: 12–15"]
    assert "App default: 30 s" in texts  # a value the article does not give is marked


def test_test_voice_button_calls_speak(qtbot, open_dialog, recorder):
    """A recorder stands in for the speech service; the service itself is tested elsewhere."""
    dialog = open_dialog()
    dialog.tabs.setCurrentIndex(dialog.tabs.indexOf(dialog.test_voice_button.parentWidget()))
    qtbot.mouseClick(dialog.test_voice_button, Qt.MouseButton.LeftButton)
    assert recorder.said == [TEST_VOICE_TEXT]
    assert TEST_VOICE_TEXT == "This is how your exercise guide will sound."


def test_without_speech_the_test_button_is_disabled(open_dialog):
    assert not open_dialog(speak=None).test_voice_button.isEnabled()


def test_reorder_and_exclude_in_the_program_tab_change_the_script(
    qtbot, open_dialog, catalog, settings_path
):
    dialog = open_dialog()
    lst = dialog.program_list
    dialog.tabs.setCurrentIndex(1)
    lst.setFocus()
    lst.setCurrentRow(0)  # seated-lumbar-flexion-sciatica
    qtbot.keyClick(lst, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(lst, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    lst.setCurrentRow(4)  # modified-lunge-chair
    qtbot.keyClick(lst, Qt.Key.Key_Space)  # untick
    lst.setCurrentRow(3)
    qtbot.mouseClick(dialog.move_up_button, Qt.MouseButton.LeftButton)
    assert dialog.program_order_rows() == [
        ("standing-hip-extension-stretch", True),
        ("squat-incline-board", True),
        ("forward-bend-nerve-glides", True),
        ("seated-lumbar-flexion-sciatica", True),
        ("modified-lunge-chair", False),
    ]
    assert dialog.save()
    expected = [
        "standing-hip-extension-stretch",
        "squat-incline-board",
        "forward-bend-nerve-glides",
        "seated-lumbar-flexion-sciatica",
    ]
    reloaded = load_settings(settings_path).settings
    script = build_script(catalog, PROGRAM, reloaded.script_options(catalog, PROGRAM))
    assert script.exercise_ids() == expected


def test_reopened_dialog_shows_the_saved_order_with_left_out_exercises_last(open_dialog):
    settings = Settings()
    settings.set("programs.sciatica-five.order", ["modified-lunge-chair", "squat-incline-board"])
    dialog = open_dialog(settings=settings)
    assert dialog.program_order_rows() == [
        ("modified-lunge-chair", True),
        ("squat-incline-board", True),
        ("seated-lumbar-flexion-sciatica", False),
        ("standing-hip-extension-stretch", False),
        ("forward-bend-nerve-glides", False),
    ]


def test_an_exercise_removed_after_a_symptom_check_can_be_put_back(open_dialog, catalog):
    settings = Settings()
    settings.set("exercises.sustained-lumbar-extension.removed", True)
    dialog = open_dialog("step-by-step", settings=settings)
    rows = dict(dialog.program_order_rows())
    assert rows["sustained-lumbar-extension"] is False
    item = dialog.program_list.item(0)
    assert "removed after a symptom check" in item.text()
    dialog.save()  # unchanged: it stays removed, and the program's order is not pinned
    assert settings.explicit_keys() == ["exercises.sustained-lumbar-extension.removed"]
    dialog = open_dialog("step-by-step", settings=settings)
    dialog.program_list.item(0).setCheckState(Qt.CheckState.Checked)
    dialog.save()
    assert settings.explicit_keys() == []
    script = build_script(catalog, "step-by-step", settings.script_options(catalog))
    assert script.exercise_ids()[0] == "sustained-lumbar-extension"


def test_choosing_the_easier_version_changes_the_spoken_move(open_dialog, catalog):
    dialog = open_dialog()
    combo = dialog.mod_combos["squat-incline-board"]
    assert combo.currentData() is None
    combo.setCurrentIndex(combo.findData("partial-squat"))
    dialog.save()
    script = build_script(catalog, PROGRAM, dialog.settings.script_options(catalog, PROGRAM))
    first = moves(script, "squat-incline-board")[0]
    assert first.say == "Slowly lower yourself about one third or halfway down."
    assert first.modification == "partial-squat"


def test_reset_returns_to_the_article_dose_and_version(open_dialog):
    settings = Settings()
    settings.set("exercises.squat-incline-board.reps", 3)
    settings.set("exercises.squat-incline-board.modification", "partial-squat")
    dialog = open_dialog(settings=settings)
    assert dialog.dose_spins[("squat-incline-board", "reps")].value() == 3
    dialog.reset_buttons["squat-incline-board"].click()
    assert dialog.dose_spins[("squat-incline-board", "reps")].value() == 12
    assert dialog.mod_combos["squat-incline-board"].currentData() is None
    dialog.save()
    assert settings.explicit_keys() == []


def test_cancel_with_escape_changes_nothing(qtbot, open_dialog, settings_path):
    dialog = open_dialog()
    dialog.dose_spins[("squat-incline-board", "reps")].setValue(3)
    dialog.editors["speech.beeps"].setChecked(False)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert dialog.settings.explicit_keys() == []
    assert not settings_path.exists()


def test_saving_notifies_the_live_settings_observers(open_dialog):
    settings = Settings()
    heard = []
    settings.subscribe(lambda key, value: heard.append((key, value)))
    dialog = open_dialog(settings=settings)
    dialog.editors["voice.volume"].slider.setValue(50)
    dialog.editors["display.high_contrast"].setChecked(True)
    assert heard == []  # only the draft changed so far
    dialog.save()
    assert sorted(heard) == [("display.high_contrast", True), ("voice.volume", 0.5)]


def test_saving_over_a_broken_file_keeps_a_backup(open_dialog, settings_path):
    settings_path.parent.mkdir(parents=True)
    settings_path.write_text('{"voice": {"rate": 9000}}', encoding="utf-8")
    dialog = open_dialog()
    dialog.save()
    [backup] = settings_path.parent.glob("settings.json.bad-*")
    assert backup.read_text(encoding="utf-8") == '{"voice": {"rate": 9000}}'
    assert json.loads(settings_path.read_text(encoding="utf-8"))["voice"]["rate"] == 150


def test_export_and_import_through_the_dialog(open_dialog, catalog, tmp_path):
    dialog = open_dialog()
    dialog.dose_spins[("squat-incline-board", "reps")].setValue(7)
    dialog.program_list.item(4).setCheckState(Qt.CheckState.Unchecked)
    out = dialog.export_program_to(tmp_path / "for-my-therapist.json")
    assert out is not None and "Exported" in dialog.status.text()

    other = open_dialog(settings=Settings())
    result = other.import_program_from(out)
    assert result is not None and result.skipped == []
    assert other.dose_spins[("squat-incline-board", "reps")].value() == 7  # widgets rebuilt
    assert dict(other.program_order_rows())["modified-lunge-chair"] is False
    other.save()
    mine = build_script(catalog, PROGRAM, dialog.draft.script_options(catalog, PROGRAM))
    theirs = build_script(catalog, PROGRAM, other.settings.script_options(catalog, PROGRAM))
    assert mine == theirs


def test_a_bad_import_is_reported_in_the_dialog_and_changes_nothing(open_dialog, tmp_path):
    dialog = open_dialog()
    out = dialog.export_program_to(tmp_path / "shared.json")
    data = json.loads(out.read_text(encoding="utf-8"))
    data["programs"][0]["exercises"][0]["dose"]["reps"] = 0
    out.write_text(json.dumps(data), encoding="utf-8")
    assert dialog.import_program_from(out) is None
    assert "programs[0].exercises[0].dose.reps: must be between 1 and 100" in dialog.status.text()
    assert dialog.draft.explicit_keys() == []


def test_text_size_follows_the_setting(open_dialog):
    settings = Settings()
    settings.set("display.text_scale", 2.0)
    big = open_dialog(settings=settings)
    normal = open_dialog(settings=Settings())
    # the chosen size where the dialog fits its screen, else the largest that fits: this
    # test screen is 800 px wide, and no page may scroll sideways (on laptops x2 fits:
    # test_large_text_screens.py)
    assert 1.0 < big._fit.factor <= 2.0 and normal._fit.factor == 1.0
    assert big.fontInfo().pixelSize() == round(big._fit.factor * normal.fontInfo().pixelSize())
    assert normal.fontInfo().pointSizeF() >= 14


def test_text_size_and_contrast_show_in_the_dialog_as_soon_as_they_change(qtbot, open_dialog):
    dialog = open_dialog(settings=Settings())
    label = dialog.status
    dialog.show_message("Your changes are kept until you save.")
    normal_px = dialog.fontInfo().pixelSize()
    normal_label_px = label.fontInfo().pixelSize()
    assert dialog.palette().color(QPalette.ColorRole.Window).name() == NORMAL.background

    dialog.tabs.setCurrentIndex(dialog.tabs.count() - 1)  # Display
    spin = dialog.editors["display.text_scale"]
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "2")
    assert spin.value() == 2.0
    grown = dialog._fit.factor  # 2, or the largest that fits this (small) test screen
    assert grown > 1.0
    assert dialog.fontInfo().pixelSize() == round(grown * normal_px)
    assert label.fontInfo().pixelSize() == round(grown * normal_label_px)

    box = dialog.editors["display.high_contrast"]
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)
    assert dialog.palette().color(QPalette.ColorRole.Window).name() == HIGH_CONTRAST.background
    assert label.palette().color(QPalette.ColorRole.WindowText).name() == HIGH_CONTRAST.text
    assert dialog.fontInfo().pixelSize() == round(grown * normal_px)  # the size stays

    assert dialog.settings.explicit_keys() == []  # shown, not saved: Esc still drops it
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.settings.explicit_keys() == []


def test_saving_keeps_values_the_app_set_while_the_dialog_was_open(open_dialog, settings_path):
    settings = load_settings(settings_path).settings
    dialog = open_dialog(settings=settings)
    settings.set("program.last", "sciatica-five")  # e.g. the player remembering a choice
    dialog.editors["speech.beeps"].setChecked(False)
    dialog.save()
    reloaded = load_settings(settings_path).settings
    assert reloaded.get("program.last") == "sciatica-five"
    assert reloaded.get("speech.beeps") is False


def test_a_failed_save_is_shown_and_the_dialog_stays_open(open_dialog, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the config folder should be", encoding="utf-8")
    dialog = open_dialog(settings=Settings(blocker / "settings.json"))
    dialog.editors["speech.beeps"].setChecked(False)
    assert dialog.save() is False
    assert dialog.isVisible()
    assert "Could not save" in dialog.status.text()


def test_voice_commands_tab_lists_what_to_say_with_the_leading_word(qtbot, open_dialog):
    dialog = open_dialog()
    text = dialog.command_help.text()
    assert "“player pause”" in text and "“it hurts”" in text
    line = dialog.editors["voice_commands.leading_word"]

    def type_word(word: str) -> None:
        line.selectAll()
        qtbot.keyClicks(line, word)

    type_word("coach")
    text = dialog.command_help.text()
    assert "“coach pause”" in text and "player" not in text
    assert "“it hurts”" in text  # said without a leading word
    type_word("@")
    assert dialog.command_help.text() == text  # kept until the word is valid again
