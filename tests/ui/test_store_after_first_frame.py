"""The progress store opens just after the window's first frame (as ``app.run_app`` does),
and a session started before that is still recorded: its start opens the store first."""

from __future__ import annotations

import sqlite3

from fakes import FakeClock
from PySide6.QtCore import Qt

from stenosis_player.script import Kind
from stenosis_player.settings import Settings
from stenosis_player.store import Store
from stenosis_player.ui.app import open_store
from stenosis_player.ui.main_window import MainWindow
from stenosis_player.ui.speech_port import CaptionOnlySpeech

ORDER = ["lumbar-flexion-lying", "seated-lumbar-flexion"]


def window_with_store_later(qtbot, catalog, tmp_path, *, build_after_frame=True):
    """The window as the app makes it: no store yet, its opener left for after the frame.
    ``build_after_frame=False``: as if a key came before the first idle slice ran."""
    settings = Settings(tmp_path / "settings.json")
    settings.set("programs.step-by-step.order", ORDER)
    clock = FakeClock(10.0)
    w = MainWindow(catalog, settings=settings, speech=CaptionOnlySpeech(), clock=clock)
    qtbot.addWidget(w)
    opened: list[Store] = []

    def opener():
        store, notices = open_store(tmp_path / "progress.sqlite3")
        opened.append(store)
        return store, notices

    w.open_store_later(opener)
    if not build_after_frame:
        w._other_screens_scheduled = True  # the slices after the first frame have not run
    with qtbot.waitActive(w):
        w.show()
        w.activateWindow()
    return w, clock, opened


def run_to(w, clock, exercise_id: str) -> None:
    while w.controller.current.exercise_id != exercise_id or w.controller.current.kind is not (
        Kind.MOVE
    ):
        clock.now += 0.5
        w.controller.tick()


def test_the_store_is_not_opened_before_the_first_frame(qtbot, catalog, tmp_path):
    settings = Settings(tmp_path / "settings.json")
    w = MainWindow(catalog, settings=settings, speech=CaptionOnlySpeech(), clock=FakeClock())
    qtbot.addWidget(w)
    calls: list[int] = []
    w.open_store_later(lambda: (calls.append(1), (None, []))[1])
    assert calls == [] and w.store is None
    assert not (tmp_path / "progress.sqlite3").exists()
    with qtbot.waitActive(w):
        w.show()
    qtbot.waitUntil(lambda: calls == [1])  # in the first slice after the frame


def test_enter_before_the_store_is_open_starts_a_recorded_session(qtbot, catalog, tmp_path):
    w, clock, opened = window_with_store_later(qtbot, catalog, tmp_path, build_after_frame=False)
    assert opened == [] and w.store is None  # Enter comes before the store was opened
    qtbot.keyClick(w, Qt.Key.Key_Return)
    assert len(opened) == 1 and w.store is opened[0]
    # a recorded session asks how the pain is first (a session without a store does not)
    assert w.stack.currentWidget() is w.checkin
    qtbot.keyClick(w.checkin, Qt.Key.Key_3)
    assert w.stack.currentWidget() is w.player and w.recorder is not None
    for _ in range(6):
        clock.now += 0.5
        w.controller.tick()
    assert w.recorder.settle(timeout=10)  # the store's writer thread has written them
    db = sqlite3.connect(tmp_path / "progress.sqlite3")
    assert db.execute("SELECT program_id FROM sessions").fetchall() == [("step-by-step",)]
    assert db.execute("SELECT moment, pain FROM checkins").fetchall() == [("before", 3)]
    db.close()


def test_an_unfinished_session_is_offered_once_the_store_opens(qtbot, catalog, tmp_path):
    w, clock, opened = window_with_store_later(qtbot, catalog, tmp_path)
    qtbot.waitUntil(lambda: w.store is not None)
    w.hands_free = True
    w.start_session()
    run_to(w, clock, "seated-lumbar-flexion")
    stopped_at = w.controller.current.index
    w.close()  # gone without finishing, as after a crash
    opened[0].close()

    w2, _, opened2 = window_with_store_later(qtbot, catalog, tmp_path)
    qtbot.waitUntil(lambda: w2.store is not None)
    assert w2.start_view.resume_banner.isVisible()
    assert "Seated lumbar flexion" in w2.start_view.resume_label.text()
    qtbot.keyClick(w2, Qt.Key.Key_R)
    assert w2.stack.currentWidget() is w2.player
    assert w2.controller.current.index == stopped_at
    opened2[0].close()


def test_r_before_the_store_is_open_still_resumes(qtbot, catalog, tmp_path):
    w, clock, opened = window_with_store_later(qtbot, catalog, tmp_path)
    qtbot.waitUntil(lambda: w.store is not None)
    w.hands_free = True
    w.start_session()
    run_to(w, clock, "seated-lumbar-flexion")
    stopped_at = w.controller.current.index
    w.close()
    opened[0].close()

    w2, _, opened2 = window_with_store_later(qtbot, catalog, tmp_path, build_after_frame=False)
    assert w2.store is None and not w2.start_view.resume_banner.isVisible()
    qtbot.keyClick(w2, Qt.Key.Key_R)  # pressed on the first frame
    assert w2.stack.currentWidget() is w2.player
    assert w2.controller.current.index == stopped_at
    opened2[0].close()


def test_a_store_that_cannot_open_is_a_notice_and_sessions_still_run(qtbot, catalog, tmp_path):
    settings = Settings(tmp_path / "settings.json")
    w = MainWindow(catalog, settings=settings, speech=CaptionOnlySpeech(), clock=FakeClock())
    qtbot.addWidget(w)
    w.open_store_later(lambda: (None, ["Progress will not be saved: the disk is full"]))
    w._other_screens_scheduled = True
    with qtbot.waitActive(w):
        w.show()
    qtbot.keyClick(w, Qt.Key.Key_Return)
    assert "Progress will not be saved: the disk is full" in w.start_view.notices.text()
    assert w.store is None and w.stack.currentWidget() is w.player  # no check-in to ask


def test_doses_grown_in_earlier_sessions_show_once_the_store_opens(qtbot, catalog, tmp_path):
    from stenosis_player.progression import DoseChange

    store, _ = open_store(tmp_path / "progress.sqlite3")
    store.record_dose_change(DoseChange("lumbar-flexion-lying", "reps", 10, 12, "it went well"))
    store.close()
    w, _, opened = window_with_store_later(qtbot, catalog, tmp_path, build_after_frame=False)
    first = w.start_view.exercises.item(0).text()
    assert first.startswith("1. Lumbar flexion in lying") and "10\u00a0reps" in first
    w.open_store_now()  # what the first slice after the frame does
    assert "12\u00a0reps" in w.start_view.exercises.item(0).text()
    assert w.session.planned_script("step-by-step") is w._previewed  # the session's plan
    opened[0].close()


def test_the_writer_thread_starts_in_an_idle_slice_before_any_session(qtbot, catalog, tmp_path):
    w, clock, opened = window_with_store_later(qtbot, catalog, tmp_path)
    built: list[bool] = []
    w.when_built(lambda: built.append(True))
    qtbot.waitUntil(lambda: built == [True], timeout=10_000)
    store = opened[0]
    writer = store._writer  # started by the window's slice, no write asked for yet
    assert writer is not None and writer._thread is not None and writer._thread.is_alive()
    assert w.controller is None
    qtbot.keyClick(w, Qt.Key.Key_Return)
    qtbot.keyClick(w.checkin, Qt.Key.Key_2)
    assert store._writer is writer  # the session's writes go through that thread
    for _ in range(6):
        clock.now += 0.5
        w.controller.tick()
    assert w.recorder.settle(timeout=10)
    db = sqlite3.connect(tmp_path / "progress.sqlite3")
    assert db.execute("SELECT moment, pain FROM checkins").fetchall() == [("before", 2)]
    db.close()
