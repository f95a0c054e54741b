"""The small reminder window, for where a notification with buttons cannot be shown.

Large type and three large buttons, the same answers as the notification; it stays on
top and closes itself after ``timeout_s`` ("timeout")."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .message import Reminder
from .notify import BUTTONS


class ReminderWindow(QWidget):
    def __init__(self, reminder: Reminder, timeout_s: float | None = None) -> None:
        super().__init__(None, Qt.WindowType.Window | Qt.WindowType.WindowStaysOnTopHint)
        self.answer = "closed"
        self.setWindowTitle("Stenosis Player — reminder")
        self.setObjectName("reminderWindow")
        title = QLabel(reminder.title)
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        title.setFont(font)
        title.setWordWrap(True)
        body = QLabel(reminder.body)
        body_font = QFont(body.font())
        body_font.setPointSizeF(body_font.pointSizeF() * 1.4)
        body.setFont(body_font)
        body.setWordWrap(True)
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for key, text in BUTTONS:
            button = QPushButton(text)
            button.setFont(body_font)
            button.setMinimumHeight(56)
            button.clicked.connect(lambda _checked=False, k=key: self.choose(k))
            row.addWidget(button)
            self.buttons[key] = button
        self.buttons["start"].setDefault(True)
        QShortcut(QKeySequence("Esc"), self, activated=self.close)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.addWidget(title)
        layout.addWidget(body)
        layout.addSpacing(12)
        layout.addLayout(row)
        self.resize(620, 260)
        if timeout_s:
            QTimer.singleShot(int(timeout_s * 1000), lambda: self.choose("timeout"))

    def choose(self, answer: str) -> None:
        self.answer = answer
        self.close()


def show_window(reminder: Reminder, timeout_s: float | None = None) -> str:
    """Show the window and block until it is answered or closed."""
    app = QApplication.instance() or QApplication([])
    app.setQuitOnLastWindowClosed(True)
    window = ReminderWindow(reminder, timeout_s)
    window.show()
    window.raise_()
    window.activateWindow()
    app.exec()
    return window.answer
