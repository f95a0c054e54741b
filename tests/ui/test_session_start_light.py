"""A session's start does little on the UI thread: the player screen is built and fitted
to the previewed program's first step after the first frame, and whatever waits for the
screens (a --start session, the first-run safety notice) runs once they are there."""

from __future__ import annotations

from fakes import FakeClock
from PySide6.QtCore import Qt

from stenosis_player.settings import Settings
from stenosis_player.ui.main_window import MainWindow
from stenosis_player.ui.speech_port import CaptionOnlySpeech


def shown_window(qtbot, catalog, tmp_path) -> MainWindow:
    settings = Settings(tmp_path / "settings.json")
    settings.set("programs.step-by-step.order", ["posterior-pelvic-tilt", "walking"])
    w = MainWindow(catalog, settings=settings, speech=CaptionOnlySpeech(), clock=FakeClock())
    qtbot.addWidget(w)
    w.resize(1280, 800)
    with qtbot.waitActive(w):
        w.show()
        w.activateWindow()
    return w


def test_what_waits_for_the_screens_runs_once_they_are_built(qtbot, catalog, tmp_path):
    w = shown_window(qtbot, catalog, tmp_path)
    seen: list[int] = []
    w.when_built(lambda: seen.append(w.stack.count()))
    qtbot.waitUntil(lambda: seen != [], timeout=10_000)
    assert seen == [3]  # start, player and end screens (no store: no check-in)
    w.when_built(lambda: seen.append(-1))  # later asks run at once
    assert seen == [3, -1]


def test_the_hidden_player_is_fitted_to_the_first_step_before_the_start(qtbot, catalog, tmp_path):
    w = shown_window(qtbot, catalog, tmp_path)
    built: list[bool] = []
    w.when_built(lambda: built.append(True))
    qtbot.waitUntil(lambda: built == [True], timeout=10_000)
    p = w.player
    assert not p.isVisible()
    assert p.title.text() == "Posterior pelvic tilt"  # the preview's first step
    assert p._fit_key is not None and p.size() == w.stack.size()  # fitted at the stack's size
    styled = p.title.property("fitPx")
    assert styled  # its text size is set
    qtbot.keyClick(w, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is p, timeout=5000)
    assert p.isVisible() and p.title.text() == "Posterior pelvic tilt"
    assert p.title.property("fitPx") == styled  # the same fit: nothing restyled at the start
