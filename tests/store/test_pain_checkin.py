"""The pain check-in answers by key, by click, and can be skipped."""

from __future__ import annotations

import warnings

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QMainWindow

from stenosis_player.ui.pain_checkin import HINT, PainCheckIn, PainCheckInDialog


@pytest.fixture
def checkin(qtbot):
    w = PainCheckIn(ten_window_ms=50)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def answer_of(qtbot, widget, action):
    with qtbot.waitSignal(widget.answered, timeout=2000) as blocker:
        action()
    return blocker.args[0]


@pytest.mark.parametrize(
    ("key", "value"), [(Qt.Key.Key_0, 0), (Qt.Key.Key_7, 7), (Qt.Key.Key_9, 9)]
)
def test_a_number_key_answers_at_once(qtbot, checkin, key, value):
    assert answer_of(qtbot, checkin, lambda: qtbot.keyClick(checkin, key)) == value


def test_t_means_ten(qtbot, checkin):
    assert answer_of(qtbot, checkin, lambda: qtbot.keyClick(checkin, Qt.Key.Key_T)) == 10


def test_one_then_zero_typed_quickly_is_ten(qtbot, checkin):
    def type_ten():
        qtbot.keyClick(checkin, Qt.Key.Key_1)
        qtbot.keyClick(checkin, Qt.Key.Key_0)

    assert answer_of(qtbot, checkin, type_ten) == 10


def test_one_alone_answers_one_after_a_moment(qtbot, checkin):
    seen = []
    checkin.answered.connect(seen.append)
    qtbot.keyClick(checkin, Qt.Key.Key_1)
    assert seen == [] and checkin.pending_label.text() == "1…"
    qtbot.waitUntil(lambda: seen == [1], timeout=2000)


def test_one_then_enter_answers_one_at_once(qtbot, checkin):
    def one_enter():
        qtbot.keyClick(checkin, Qt.Key.Key_1)
        qtbot.keyClick(checkin, Qt.Key.Key_Return)

    assert answer_of(qtbot, checkin, one_enter) == 1


@pytest.mark.parametrize("key", [Qt.Key.Key_Escape, Qt.Key.Key_S])
def test_esc_or_s_skips(qtbot, checkin, key):
    assert answer_of(qtbot, checkin, lambda: qtbot.keyClick(checkin, key)) is None


def test_click_a_button(qtbot, checkin):
    button = checkin.buttons[4]
    assert button.text() == "4"
    assert (
        answer_of(qtbot, checkin, lambda: qtbot.mouseClick(button, Qt.MouseButton.LeftButton)) == 4
    )


def test_skip_button(qtbot, checkin):
    click = lambda: qtbot.mouseClick(checkin.skip_button, Qt.MouseButton.LeftButton)  # noqa: E731
    assert answer_of(qtbot, checkin, click) is None


def test_eleven_buttons_and_the_hint_is_shown(checkin):
    assert [b.text() for b in checkin.buttons] == [str(n) for n in range(11)]
    assert checkin.hint.text() == HINT and "T" in HINT and "Esc" in HINT
    assert all(b.height() >= 90 for b in checkin.buttons)  # big enough to hit and to read


def test_answers_once_until_reset(qtbot, checkin):
    seen = []
    checkin.answered.connect(seen.append)
    qtbot.keyClick(checkin, Qt.Key.Key_3)
    qtbot.keyClick(checkin, Qt.Key.Key_5)
    assert seen == [3]
    checkin.reset("And after the session?")
    qtbot.keyClick(checkin.buttons[0], Qt.Key.Key_5)
    assert seen == [3, 5]
    assert checkin.question.text() == "And after the session?"


def test_keys_work_with_a_button_focused_and_arrows_move(qtbot, checkin):
    checkin.buttons[0].setFocus()
    qtbot.keyClick(checkin.buttons[0], Qt.Key.Key_Right)
    qtbot.keyClick(checkin.buttons[1], Qt.Key.Key_Right)
    assert checkin.buttons[2].hasFocus()
    assert (
        answer_of(qtbot, checkin, lambda: qtbot.keyClick(checkin.buttons[2], Qt.Key.Key_Space)) == 2
    )


def test_esc_skips_instead_of_triggering_the_windows_stop_shortcut(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    stopped = []
    QShortcut(QKeySequence(Qt.Key.Key_Escape), window, activated=lambda: stopped.append(True))
    w = PainCheckIn()
    window.setCentralWidget(w)
    window.show()
    qtbot.waitExposed(window)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        QApplication.setActiveWindow(window)  # offscreen windows are not activated otherwise
    qtbot.waitUntil(window.isActiveWindow)
    w.buttons[5].setFocus()
    qtbot.keyClick(w.buttons[5], Qt.Key.Key_F2)  # an ordinary key reaches nobody's shortcut
    assert answer_of(qtbot, w, lambda: qtbot.keyClick(w.buttons[5], Qt.Key.Key_Escape)) is None
    assert stopped == []
    w.reset()
    qtbot.keyClick(w.buttons[0], Qt.Key.Key_F2)
    QShortcut(QKeySequence(Qt.Key.Key_F2), window, activated=lambda: stopped.append("F2"))
    qtbot.keyClick(w.buttons[0], Qt.Key.Key_F2)
    assert stopped == ["F2"]  # the window's other shortcuts still work


def test_dialog_returns_the_value(qtbot):
    d = PainCheckInDialog()
    qtbot.addWidget(d)
    d.show()
    qtbot.keyClick(d.check_in, Qt.Key.Key_6)
    assert d.value == 6 and d.result() == PainCheckInDialog.DialogCode.Accepted
    d2 = PainCheckInDialog()
    qtbot.addWidget(d2)
    d2.show()
    qtbot.keyClick(d2, Qt.Key.Key_Escape)
    assert d2.value is None and d2.result() == PainCheckInDialog.DialogCode.Rejected
