"""The window with the real progress database: check-ins, recording, resume, history,
and a real app process killed with SIGKILL mid-session."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fakes import FakeClock
from PySide6.QtCore import Qt

from stenosis_player.script import Kind
from stenosis_player.settings import Settings
from stenosis_player.store import Store
from stenosis_player.ui.main_window import MainWindow
from stenosis_player.ui.speech_port import CaptionOnlySpeech

REPO = Path(__file__).resolve().parents[2]


def Clock() -> FakeClock:
    return FakeClock(10.0)


def launch_hands_free(data: Path) -> subprocess.Popen:
    """The real app in its own process, as a desktop shortcut starts it, 50 times faster."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "stenosis_player", "--data-dir", str(data), "--start"]
    return subprocess.Popen(
        [*command, "--speed", "50"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def make_window(qtbot, catalog, tmp_path, store, order=("sustained-lumbar-extension",)):
    settings = Settings(tmp_path / "settings.json")
    settings.set("programs.step-by-step.order", list(order))
    clock = Clock()
    w = MainWindow(catalog, settings=settings, speech=CaptionOnlySpeech(), clock=clock, store=store)
    qtbot.addWidget(w)
    with qtbot.waitActive(w):
        w.show()
        w.activateWindow()
    return w, clock


def run_out(w, clock, limit=600.0):
    end = clock.now + limit
    while w.controller.stage.value in ("running", "resuming") and clock.now < end:
        clock.now += 0.5
        w.controller.tick()


def test_checkins_and_every_segment_are_recorded(qtbot, catalog, tmp_path):
    store = Store.open(tmp_path / "progress.sqlite3")
    w, clock = make_window(qtbot, catalog, tmp_path, store)
    qtbot.keyClick(w, Qt.Key.Key_Return)
    assert w.stack.currentWidget() is w.checkin  # "how is your pain?" first
    qtbot.keyClick(w.checkin, Qt.Key.Key_3)
    assert w.stack.currentWidget() is w.player
    run_out(w, clock)
    assert w.stack.currentWidget() is w.checkin  # and after
    qtbot.keyClick(w.checkin, Qt.Key.Key_S)  # skipping is one key
    assert w.stack.currentWidget() is w.end_view
    db = sqlite3.connect(tmp_path / "progress.sqlite3")
    checkins = dict(db.execute("SELECT moment, pain FROM checkins").fetchall())
    assert checkins == {"before": 3, "after": None}
    done = [r[0] for r in db.execute("SELECT segment_index FROM segments_done ORDER BY 1")]
    assert done == list(range(len(w.controller.script)))
    assert db.execute("SELECT outcome FROM sessions").fetchall() == [("completed",)]


def test_hurt_and_answer_are_recorded(qtbot, catalog, tmp_path):
    store = Store.open(tmp_path / "progress.sqlite3")
    w, clock = make_window(qtbot, catalog, tmp_path, store)
    w.hands_free = True
    w.start_session()
    while w.controller.current.kind is not Kind.CHECK:
        clock.now += 0.5
        w.controller.tick()
    qtbot.keyClick(w, Qt.Key.Key_N)
    db = sqlite3.connect(tmp_path / "progress.sqlite3")
    assert db.execute("SELECT exercise_id, answer FROM answers").fetchall() == [
        ("sustained-lumbar-extension", "no")
    ]
    assert store.removed_exercises() == frozenset({"sustained-lumbar-extension"})


def test_unfinished_session_is_offered_and_resumed(qtbot, catalog, tmp_path):
    store = Store.open(tmp_path / "progress.sqlite3")
    order = ("lumbar-flexion-lying", "seated-lumbar-flexion")
    w, clock = make_window(qtbot, catalog, tmp_path, store, order)
    w.hands_free = True
    w.start_session()
    while (
        w.controller.current.exercise_id != "seated-lumbar-flexion"
        or w.controller.current.kind is not Kind.MOVE
    ):
        clock.now += 0.5
        w.controller.tick()
    stopped_at = w.controller.current.index
    w.close()  # the app goes away without finishing (as after a crash)
    w2, _ = make_window(qtbot, catalog, tmp_path, Store.open(tmp_path / "progress.sqlite3"), order)
    assert w2.start_view.resume_banner.isVisible()
    assert "Seated lumbar flexion" in w2.start_view.resume_label.text()
    qtbot.keyClick(w2, Qt.Key.Key_R)
    assert w2.stack.currentWidget() is w2.player  # no pain question on resume
    assert w2.controller.current.index == stopped_at


def test_history_opens_from_the_window(qtbot, catalog, tmp_path):
    store = Store.open(tmp_path / "progress.sqlite3")
    w, _ = make_window(qtbot, catalog, tmp_path, store)
    qtbot.keyClick(w, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    assert w.stack.currentWidget() is w.history_view
    qtbot.keyClick(w, Qt.Key.Key_Escape)
    assert w.stack.currentWidget() is w.start_view


@pytest.mark.slow
def test_app_killed_mid_session_keeps_every_finished_segment(qtbot, catalog, tmp_path):
    data = tmp_path / "data-dir"
    seen = Settings(data / "config" / "settings.json")  # not the first run: no safety notice
    seen.set("safety.notice_seen", True)
    seen.save()
    proc = launch_hands_free(data)
    db_path = data / "data" / "progress.sqlite3"
    try:
        deadline = time.monotonic() + 90
        count = 0
        while time.monotonic() < deadline:
            if db_path.exists():
                with sqlite3.connect(db_path, timeout=5) as db:
                    try:
                        count = db.execute("SELECT COUNT(*) FROM segments_done").fetchone()[0]
                    except sqlite3.OperationalError:
                        count = 0
                if count >= 20:
                    break
            time.sleep(0.1)
        assert count >= 20, "the session did not get going"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    db = sqlite3.connect(db_path)
    rows = db.execute("SELECT segment_index FROM segments_done ORDER BY 1").fetchall()
    done = [r[0] for r in rows]
    assert done == list(range(len(done)))  # every one before the kill, each once, in order
    assert len(done) >= 20
    store = Store.open(db_path)
    info = store.unfinished_session()
    assert info is not None and info.resume_index == len(done)
    # the next start offers to resume at that place
    settings = Settings(data / "config" / "settings.json")
    w = MainWindow(
        catalog, settings=settings, speech=CaptionOnlySpeech(), clock=Clock(), store=store
    )
    qtbot.addWidget(w)
    assert w.resume_info is not None and w.resume_info.resume_index == len(done)
    assert w.start_view.resume_label.text().startswith("Resume where you stopped — ")
    w.resume_session()
    assert w.controller.current.index == len(done)


def test_settings_changed_mid_session_apply_from_the_next_exercise(qtbot, catalog, tmp_path):
    store = Store.open(tmp_path / "progress.sqlite3")
    order = ("lumbar-flexion-lying", "seated-lumbar-flexion")
    w, clock = make_window(qtbot, catalog, tmp_path, store, order)
    w.hands_free = True
    w.start_session()
    while w.controller.current.kind is not Kind.HOLD:
        clock.now += 0.5
        w.controller.tick()
    qtbot.keyClick(w, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)  # Ctrl+,
    dialog = w.settings_dialog
    assert w.controller.stage.value == "paused"  # settings pause the session
    dialog.dose_spins[("lumbar-flexion-lying", "reps")].setValue(3)
    dialog.dose_spins[("seated-lumbar-flexion", "reps")].setValue(4)
    assert dialog.save()
    script = w.controller.script

    def moves(ex_id):
        return [s for s in script.segments if s.exercise_id == ex_id and s.kind is Kind.MOVE]

    assert len(moves("lumbar-flexion-lying")) == 10  # the exercise in progress keeps its dose
    assert len(moves("seated-lumbar-flexion")) == 4  # the next one has the new dose
    assert "next exercise" in w.player.notices.text()
    # and the next session has both
    assert len([s for s in w.build_script(w.program_id).segments if s.kind is Kind.MOVE]) == 7


@pytest.mark.slow
def test_first_hands_free_start_waits_for_the_safety_notice(tmp_path):
    """On the very first run, --start shows the notice and starts nothing until it is read."""
    data = tmp_path / "first"
    proc = launch_hands_free(data)
    try:
        time.sleep(4)
        db = data / "data" / "progress.sqlite3"
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT COUNT(*) FROM segments_done").fetchone()[0] == 0
    finally:
        proc.kill()
        proc.wait(10)
