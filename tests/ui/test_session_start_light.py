"""A session's start does little on the UI thread: the player screen is built and fitted
to the previewed program's first step after the first frame, and whatever waits for the
screens (a --start session, the first-run safety notice) runs once they are there."""

from __future__ import annotations

import itertools

from fakes import FakeClock
from PySide6.QtCore import Qt

from stenosis_player.settings import Settings
from stenosis_player.ui import main_window
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


def test_each_slice_after_the_first_frame_gets_its_own_turn_of_the_event_loop(
    qtbot, catalog, tmp_path
):
    """A timer that is due runs between any two slices (and any two things that waited
    for the screens), as the engine's tick or the sound feed must: queued as posted
    calls, two slices ran back to back with a due timer waiting behind both."""
    import time

    from PySide6.QtCore import QTimer

    settings = Settings(tmp_path / "settings.json")
    w = MainWindow(catalog, settings=settings, speech=CaptionOnlySpeech(), clock=FakeClock())
    qtbot.addWidget(w)
    work: list[tuple[str, float, float]] = []  # what ran, from, to (monotonic)
    beats: list[float] = []
    real = w._build_other_screens

    def piece(step: int = 0) -> None:
        t0 = time.monotonic()
        real(step)
        if step < len(main_window._AFTER_FIRST_FRAME):  # past the last: only the waiting run
            work.append((f"slice {step}", t0, time.monotonic()))

    def waiting(n: int) -> None:
        t0 = time.monotonic()
        sum(range(200_000))  # a few ms, as the socket or a session's start takes
        work.append((f"waited {n}", t0, time.monotonic()))

    w._build_other_screens = piece
    for n in range(3):
        w.when_built(lambda n=n: waiting(n))
    beat = QTimer(w)
    beat.setInterval(1)
    beat.timeout.connect(lambda: beats.append(time.monotonic()))
    beat.start()
    with qtbot.waitActive(w):
        w.show()
        w.activateWindow()
    qtbot.waitUntil(lambda: any(name == "waited 2" for name, _, _ in work), timeout=10_000)
    beat.stop()
    steps = {f"slice {n}" for n in range(len(main_window._AFTER_FIRST_FRAME))}
    assert steps <= {name for name, _, _ in work}  # every slice ran (the prefit's, more)
    assert [name for name, _, _ in work][-3:] == ["waited 0", "waited 1", "waited 2"]
    back_to_back = [
        (a[0], b[0])
        for a, b in itertools.pairwise(work)
        if a[2] - a[1] > 0.002 and not any(a[2] <= t <= b[1] for t in beats)
    ]
    assert back_to_back == []  # after every piece of 2 ms or more, the due timer ran
