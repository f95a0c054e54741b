"""Reminders in the window: Settings → Reminders installs and removes the real scheduler
entry (the XDG-autostart set-up and its resident process, on this machine), the offer
after the first completed session, and the start screen's week so far."""

from __future__ import annotations

import os
import time
from datetime import datetime
from pathlib import Path

import pytest
from fakes import FakeClock
from PySide6.QtCore import Qt, QTime

from stenosis_player.reminders import install as inst
from stenosis_player.settings import Settings, load_settings
from stenosis_player.store import Store
from stenosis_player.ui.fit import clipped
from stenosis_player.ui.main_window import MainWindow
from stenosis_player.ui.reminders_tab import (
    ReminderOffer,
    offer_reminders_once,
    offer_time,
    reminder_environment,
)
from stenosis_player.ui.settings_dialog import SettingsDialog
from stenosis_player.ui.speech_port import CaptionOnlySpeech

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def data_root(tmp_path, monkeypatch):
    """A --data-dir root; the resident process started by an install finds this checkout;
    the installer never asks a user systemd (tests must not touch the real one)."""
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)
    )
    monkeypatch.setattr(inst.Environment, "has_user_systemd", lambda self: False)
    root = tmp_path / "root"
    yield root
    env = reminder_environment(root / "config" / "settings.json")
    inst.remove(env)  # whatever a failing test left running


def files_under(*roots: Path) -> set[Path]:
    return {p for r in roots for p in r.rglob("*") if p.is_file()}


def wait_for(predicate, timeout=15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not predicate():
        time.sleep(0.05)
    return predicate()


def open_dialog(qtbot, catalog, settings):
    dialog = SettingsDialog(settings, catalog, "step-by-step", None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.tabs.setCurrentWidget(dialog.reminders_tab)
    return dialog


def test_turning_reminders_on_in_settings_installs_them_and_off_removes_everything(
    qtbot, catalog, data_root
):
    settings_file = data_root / "config" / "settings.json"
    Settings(settings_file).save()
    xdg = Path(os.environ["XDG_CONFIG_HOME"])
    before = files_under(data_root, xdg)
    settings = load_settings(settings_file).settings
    dialog = open_dialog(qtbot, catalog, settings)
    tab = dialog.reminders_tab
    assert not tab.enabled.isChecked()  # off by default
    assert not tab.day_buttons[0].isEnabled()
    tab.enabled.click()  # as a click on its box or label
    assert tab.day_buttons[0].isEnabled()
    for n in (5, 6):  # not at the weekend
        qtbot.mouseClick(tab.day_buttons[n], Qt.MouseButton.LeftButton)
    # a chosen day says so, in words and in colour (they all looked alike)
    texts = [b.text() for b in tab.day_buttons]
    assert texts == ["✓ Mon", "✓ Tue", "✓ Wed", "✓ Thu", "✓ Fri", "Sat", "Sun"]
    qtbot.wait(10)
    chosen, other = (tab.day_buttons[n].grab().toImage() for n in (4, 5))
    middle = chosen.width() // 2, chosen.height() - 12
    assert chosen.pixelColor(*middle) != other.pixelColor(*middle)
    tab.time_edits[0].setTime(QTime(9, 45))
    qtbot.mouseClick(tab.add_time, Qt.MouseButton.LeftButton)  # 8 hours later
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save()
    saved = load_settings(settings_file).settings
    assert saved.get("reminders.enabled") is True
    assert saved.get("reminders.days") == "mon tue wed thu fri"
    assert saved.get("reminders.times") == "09:45 17:45"
    env = reminder_environment(settings_file)
    assert inst.read_manifest(env)["times"] == "09:45 17:45"
    assert env.autostart_file.is_file()
    assert wait_for(lambda: inst.daemon_pid(env) is not None), env.log_file.read_text()
    pid = inst.daemon_pid(env)

    dialog = open_dialog(qtbot, catalog, settings)
    assert dialog.reminders_tab.enabled.isChecked()
    assert [e.time().toString("HH:mm") for e in dialog.reminders_tab.time_edits] == [
        "09:45",
        "17:45",
    ]
    dialog.reminders_tab.enabled.click()
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save()
    assert inst.read_manifest(env) is None
    assert wait_for(lambda: inst.daemon_pid(env) is None)
    assert (
        not Path(f"/proc/{pid}/cmdline").exists() or not Path(f"/proc/{pid}/cmdline").read_bytes()
    )
    assert files_under(data_root, xdg) == before


def test_a_day_cannot_be_left_without_any_day(qtbot, catalog, tmp_path):
    settings = Settings(tmp_path / "config" / "settings.json")
    settings.set("reminders.enabled", True)
    settings.set("reminders.days", "wed")
    dialog = open_dialog(qtbot, catalog, settings)
    qtbot.mouseClick(dialog.reminders_tab.day_buttons[2], Qt.MouseButton.LeftButton)
    assert "at least one day" in dialog.reminders_tab.status.text()
    assert dialog.draft.get("reminders.days") == "wed"


def make_window(qtbot, catalog, root: Path):
    settings = Settings(root / "config" / "settings.json")
    settings.set("programs.step-by-step.order", ["sustained-lumbar-extension"])
    settings.set("safety.notice_seen", True)
    settings.save()
    store = Store.open(root / "data" / "progress.sqlite3")
    clock = FakeClock(10.0)
    w = MainWindow(catalog, settings=settings, speech=CaptionOnlySpeech(), clock=clock, store=store)
    w.ask_pain = False
    qtbot.addWidget(w)
    with qtbot.waitActive(w):
        w.show()
        w.activateWindow()
    return w, clock, store


def run_out(w, clock, limit=600.0):
    end = clock.now + limit
    while w.controller.stage.value in ("running", "resuming") and clock.now < end:
        clock.now += 0.5
        w.controller.tick()
        if w.controller.current.kind.value == "check":
            w.answer(True)


def test_after_the_first_completed_session_reminders_are_offered_once(qtbot, catalog, data_root):
    w, clock, store = make_window(qtbot, catalog, data_root)
    assert w.start_view.week.text() == ""  # filled just after the first frame
    qtbot.waitUntil(lambda: w.start_view.week.text() != "", timeout=3000)
    assert w.start_view.week.text() == "This week so far: 0 days with a session."
    w.start_session("step-by-step")
    run_out(w, clock)
    assert w.stack.currentWidget() is w.end_view
    offer = w.reminder_offer
    assert isinstance(offer, ReminderOffer) and offer.isVisible()
    assert offer.parent() is w.end_view
    at = offer_time(datetime.now())
    assert offer.question.text() == f"Remind me tomorrow at {at}?"
    qtbot.mouseClick(offer.yes, Qt.MouseButton.LeftButton)
    assert offer.question.text() == f"Reminders are on: every day at {at}."
    saved = load_settings(data_root / "config" / "settings.json").settings
    assert (saved.get("reminders.enabled"), saved.get("reminders.offered")) == (True, True)
    assert saved.get("reminders.times") == at
    env = reminder_environment(data_root / "config" / "settings.json")
    assert inst.read_manifest(env)["times"] == at
    w.show_start()
    assert w.start_view.week.text() == (
        f"This week so far: 1 day with a session, of {datetime.now().weekday() + 1} planned "
        "(7 this week)."
    )
    # a second completed session asks nothing
    w.start_session("step-by-step")
    run_out(w, clock)
    assert w.stack.currentWidget() is w.end_view
    assert w.reminder_offer is None
    store.close()


def test_no_thanks_is_remembered_and_nothing_is_installed(qtbot, catalog, data_root):
    w, clock, store = make_window(qtbot, catalog, data_root)
    w.start_session("step-by-step")
    run_out(w, clock)
    assert w.reminder_offer.no.text() == "No, thanks (N)"
    qtbot.keyClick(w, Qt.Key.Key_N)  # from the mat, as every question of the session
    assert "Settings → Reminders" in w.reminder_offer.question.text()
    qtbot.keyClick(w, Qt.Key.Key_Y)  # answered: Y no longer asks for reminders
    assert not w.reminder_offer.yes.isVisible()
    qtbot.keyClick(w, Qt.Key.Key_Return)  # the end screen's keys still work
    assert w.stack.currentWidget() is w.start_view
    saved = load_settings(data_root / "config" / "settings.json").settings
    assert (saved.get("reminders.enabled"), saved.get("reminders.offered")) == (False, True)
    assert inst.read_manifest(reminder_environment(data_root / "config" / "settings.json")) is None
    store.close()


def test_offer_time_rounds_to_five_minutes():
    assert offer_time(datetime(2026, 6, 2, 18, 32, 40)) == "18:35"
    assert offer_time(datetime(2026, 6, 2, 18, 32, 20)) == "18:30"
    assert offer_time(datetime(2026, 6, 2, 23, 58)) == "00:00"


def test_the_offer_stands_beside_what_was_done_and_keeps_the_text_large(qtbot, tmp_path):
    """Stacked under the list, the offer's lines brought a 1366x768 laptop's end screen to
    0.94 of the default text size at x2.5; beside the list the screen keeps more."""
    from stenosis_player.ui.end_view import EndView
    from stenosis_player.ui.fit import ScreenFit
    from stenosis_player.ui.theme import theme_for

    settings = Settings(tmp_path / "settings.json")
    view = EndView()
    qtbot.addWidget(view)
    view.resize(1366, 728)
    fit = ScreenFit(view, lambda s: theme_for(False).stylesheet(s))
    fit.scale = 2.5
    names = ["Sustained lumbar extension", "Lumbar flexion in lying", "Posterior pelvic tilt"]
    names += ["Straight leg raise", "Walking"]
    view.show_result(True, names, [], 21, "Next time: the same program.")
    offer = offer_reminders_once(view, settings)
    view.show()
    qtbot.waitExposed(view)
    fit.refit()
    assert offer is not None and offer.isVisible()
    assert offer.geometry().left() > view.details.geometry().right()  # beside, not under
    assert offer.geometry().top() < view.details.geometry().bottom()
    assert view.details.alignment() & Qt.AlignmentFlag.AlignTop  # the list starts at the top
    assert fit.factor >= 1.1, fit.factor
    for label in (view.details, offer.question, offer.explain):
        assert clipped(label) is None, label.text()
