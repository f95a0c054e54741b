"""What a reminder says, and the small window shown where notifications cannot be."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from stenosis_player.reminders.message import compose, describe_session
from stenosis_player.settings import Settings


def test_the_reminder_names_the_program_and_its_minutes():
    r = compose("Step-by-step stenosis program", 26)
    assert (
        r.text() == "Time for your back exercises: Step-by-step stenosis program, about 26 minutes."
    )
    assert compose(None, None).body == "your program."
    assert compose("Five", 1).body == "Five, about 1 minute."


def test_after_a_missed_day_the_words_are_gentle():
    r = compose("Five", 12, gentle=True)
    assert r.title == "A new day for your back exercises"
    assert "that is all right" in r.body and r.body.endswith("Five, about 12 minutes.")


def test_the_minutes_are_the_users_own_with_their_settings(tmp_path, catalog):
    path = tmp_path / "settings.json"
    pid, name, minutes = describe_session(None, path)
    assert (pid, name) == (catalog.default_program, catalog.programs[pid].name)
    s = Settings(path)
    s.set("programs.step-by-step.order", ["sustained-lumbar-extension"])
    s.set("program.last", "step-by-step")
    s.save()
    _, _, shorter = describe_session(None, path)
    assert shorter < minutes


@pytest.mark.parametrize(
    ("button", "answer"), [("start", "start"), ("snooze", "snooze"), ("skip", "skip")]
)
def test_the_fallback_window_answers_like_the_notification(qtbot, button, answer):
    from stenosis_player.reminders.window import ReminderWindow

    w = ReminderWindow(compose("Five", 12))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    assert [b.text() for b in w.buttons.values()] == ["Start", "In 30 minutes", "Not today"]
    qtbot.mouseClick(w.buttons[button], Qt.MouseButton.LeftButton)
    assert w.answer == answer and not w.isVisible()


def test_the_fallback_window_closed_or_left_alone(qtbot):
    from stenosis_player.reminders.window import ReminderWindow

    w = ReminderWindow(compose("Five", 12), timeout_s=0.05)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=3000)
    assert w.answer == "timeout"
    w2 = ReminderWindow(compose("Five", 12))
    qtbot.addWidget(w2)
    with qtbot.waitActive(w2):  # a shortcut needs the active window
        w2.show()
        w2.activateWindow()
    qtbot.keyClick(w2, Qt.Key.Key_Escape)
    assert w2.answer == "closed" and not w2.isVisible()
