"""The first frame shows the start screen only; the other screens come on first use or
just after it, and nothing the user sees or presses changes because of that."""

from __future__ import annotations

from fakes import FakeClock
from PySide6.QtCore import Qt

from stenosis_player.settings import Settings
from stenosis_player.ui.main_window import MainWindow
from stenosis_player.ui.speech_port import CaptionOnlySpeech
from stenosis_player.ui.theme import HIGH_CONTRAST


def make_window(qtbot, catalog, tmp_path, speech=None) -> MainWindow:
    settings = Settings(tmp_path / "settings.json")
    settings.set("programs.step-by-step.order", ["sustained-lumbar-extension"])
    w = MainWindow(
        catalog, settings=settings, speech=speech or CaptionOnlySpeech(), clock=FakeClock()
    )
    qtbot.addWidget(w)
    return w


def show(qtbot, w: MainWindow) -> None:
    with qtbot.waitActive(w):
        w.show()
        w.activateWindow()


def test_a_new_window_builds_only_the_start_screen(qtbot, catalog, tmp_path):
    w = make_window(qtbot, catalog, tmp_path)
    assert w.stack.count() == 1
    assert w.stack.currentWidget() is w.start_view


def test_the_other_screens_are_built_just_after_the_first_frame(qtbot, catalog, tmp_path):
    w = make_window(qtbot, catalog, tmp_path)
    show(qtbot, w)
    qtbot.waitUntil(lambda: w.stack.count() == 3)  # start, player, end (no store: no check-in)
    assert w.stack.currentWidget() is w.start_view


def test_enter_on_the_first_frame_builds_the_player_and_starts(qtbot, catalog, tmp_path):
    w = make_window(qtbot, catalog, tmp_path)
    w._other_screens_scheduled = True  # as if Enter came before the screens were built
    show(qtbot, w)
    assert w.stack.count() == 1
    qtbot.keyClick(w, Qt.Key.Key_Return)
    assert w.stack.currentWidget() is w.player
    assert w.player.title.text() == "Sustained lumbar extension"
    qtbot.keyClick(w, Qt.Key.Key_Space)
    assert w.controller is not None and w.controller.stage.value == "paused"
    assert w.player.paused_banner.isVisible()


def test_a_player_built_late_shows_what_was_said_and_the_theme(qtbot, catalog, tmp_path):
    speech = CaptionOnlySpeech("No voice: no speech engine")
    w = make_window(qtbot, catalog, tmp_path, speech)
    speech.say("Testing the voice")
    speech.prepare([])  # the voice notice, as at the start of a session
    w.toggle_contrast()
    assert w.stack.count() == 1  # none of that needed the player screen
    assert w.player.caption.text() == "Testing the voice"
    assert "No voice: no speech engine" in w.player.notices.text()
    assert w.player.ring.theme is HIGH_CONTRAST


def test_the_exercise_list_on_the_start_screen_takes_no_focus(qtbot, catalog, tmp_path):
    w = make_window(qtbot, catalog, tmp_path)
    assert w.start_view.exercises.focusPolicy() == Qt.FocusPolicy.NoFocus


def test_the_last_program_is_chosen_and_another_can_be_started(qtbot, catalog, tmp_path):
    settings = Settings(tmp_path / "settings.json")
    settings.set("program.last", "sciatica-five")
    w = MainWindow(catalog, settings=settings, speech=CaptionOnlySpeech(), clock=FakeClock())
    qtbot.addWidget(w)
    show(qtbot, w)
    programs = w.start_view.programs
    assert programs.currentItem().text() == catalog.programs["sciatica-five"].name
    assert w.start_view.program_id() == "sciatica-five"
    programs.setFocus()
    qtbot.keyClick(programs, Qt.Key.Key_Down)
    assert w.program_id == "stretch-and-strengthen"  # the start screen previews it
    first = next(i for i in catalog.programs["stretch-and-strengthen"].items if i.included)
    assert catalog.exercises[first.exercise_id].name in w.start_view.exercises.item(0).text()
    qtbot.keyClick(programs, Qt.Key.Key_Return)
    assert w.stack.currentWidget() is w.player
    assert w.controller is not None and w.controller.script.program_id == "stretch-and-strengthen"


def _title_px(w: MainWindow) -> int:
    from PySide6.QtWidgets import QLabel

    return w.start_view.findChild(QLabel, "title").font().pixelSize()


def test_the_start_screen_takes_the_windows_theme_and_its_own_when_it_must_shrink(
    qtbot, catalog, tmp_path
):
    """At the user's text size the start screen is styled by the window's sheet alone (a
    copy on the screen restyled all of it before the first frame); smaller, it has its own."""
    w = make_window(qtbot, catalog, tmp_path)
    w.resize(1280, 800)
    show(qtbot, w)
    qtbot.waitUntil(lambda: w.stack.count() == 3)
    assert w.start_view.styleSheet() == ""
    assert "font-size: 54px" in w.styleSheet() and _title_px(w) == 54
    w.showNormal()
    w.resize(700, 420)  # too small for the design size: the text gets smaller
    qtbot.waitUntil(lambda: _title_px(w) < 54)
    assert "QLabel#title" in w.start_view.styleSheet()
    w.resize(1280, 800)  # and back to the window's own sheet
    qtbot.waitUntil(lambda: _title_px(w) == 54)
    assert w.start_view.styleSheet() == ""
    w.toggle_contrast()  # the theme changes on the start screen too
    assert "#000000" in w.styleSheet()
    assert w.start_view.palette().window().color().name() == "#000000"


def test_an_enter_on_a_first_runs_first_frame_shows_the_safety_notice_first(
    qtbot, catalog, tmp_path
):
    """The first run's notice comes a few slices after the first frame; an Enter pressed
    before it does not start a session past it."""
    w = make_window(qtbot, catalog, tmp_path)
    w.safety_first = True  # as the app sets it on a first run
    w._other_screens_scheduled = True  # the slices after the first frame have not run
    show(qtbot, w)
    qtbot.keyClick(w, Qt.Key.Key_Return)
    assert w.controller is None
    assert w.safety_dialog is not None and w.safety_dialog.isVisible()
    w.show_safety()  # the app's own call, once the screens are built: still one notice
    dialog = w.safety_dialog
    dialog.reject()  # closed without reading: still no session
    assert w.controller is None
    qtbot.keyClick(w, Qt.Key.Key_Return)
    assert w.safety_dialog is not dialog and w.safety_dialog.isVisible()
    w.safety_dialog.accept()
    assert w.controller is not None and w.stack.currentWidget() is w.player
    assert w.settings.get("safety.notice_seen") is True
    assert not w.safety_first


def test_a_first_runs_safety_notice_is_made_in_an_idle_slice_and_shown_once_built(
    qtbot, catalog, tmp_path
):
    """The notice (10-20 ms to make) is made hidden in a slice of its own after the first
    frame; what waited for the screens then only shows it, and reading it starts nothing
    it should not and is remembered."""
    w = make_window(qtbot, catalog, tmp_path)
    w.safety_first = True  # as the app sets it on a first run
    made: list[object] = []
    w.when_built(lambda: made.append(w._safety_made))  # just before the app's show_safety
    w.when_built(w.show_safety)
    show(qtbot, w)
    qtbot.waitUntil(lambda: w.safety_dialog is not None, timeout=10_000)
    assert made and made[0] is not None  # made ahead, by the slice
    assert w.safety_dialog is made[0] and w.safety_dialog.isVisible()
    assert w._safety_made is None  # used once: the Help menu's later one is made anew
    w.safety_dialog.accept()
    assert w.settings.get("safety.notice_seen") is True and not w.safety_first
    w.show_safety()
    assert w.safety_dialog is not made[0] and w.safety_dialog.isVisible()
    w.safety_dialog.accept()


def test_a_notice_made_ahead_at_another_text_size_is_made_again(qtbot, catalog, tmp_path):
    w = make_window(qtbot, catalog, tmp_path)
    w.safety_first = True
    w._safety_made = w._make_safety_dialog()  # made at x1
    w.settings.set("display.text_scale", 1.5)  # then the text size changed
    w.show_safety()
    assert w._safety_scale == 1.5 and w.safety_dialog.isVisible()
    w.safety_dialog.accept()
