"""'How is your pain right now?' — eleven large 0-10 buttons, answerable from the keyboard.

Keys: 0-9 answer at once, except 1, which waits a moment for a 0 (typing "1" "0" gives 10);
T also gives 10; Enter confirms a waiting 1; S or Esc skips. The hint under the buttons
says so. ``answered`` carries the number, or None when skipped.

The widget claims its keys even when the window around it has shortcuts for them (Esc
means "stop" in the player; here it means "skip the question").
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from .plain import make_all_plain

QUESTION = "How is your pain right now?"
HINT = "Press 0 to 9 · T (or 1 then 0) for 10 · S or Esc to skip"
TEN_WINDOW_MS = 900  # after "1", how long a "0" may follow to make 10

# green → amber → red, readable with dark text
_COLOURS = [
    "#c8e6c9",
    "#d4eac4",
    "#e1edbf",
    "#eeefba",
    "#f7ebb2",
    "#fde0a6",
    "#fdd19a",
    "#fcbd8f",
    "#f9a98a",
    "#f39488",
    "#ec8080",
]


class PainCheckIn(QWidget):
    answered = Signal(object)  # int 0-10, or None when skipped

    def __init__(
        self,
        question: str = QUESTION,
        parent: QWidget | None = None,
        *,
        ten_window_ms: int = TEN_WINDOW_MS,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("painCheckIn")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._pending_one = QTimer(self)
        self._pending_one.setSingleShot(True)
        self._pending_one.setInterval(ten_window_ms)
        self._pending_one.timeout.connect(lambda: self._answer(1))
        self._done = False

        self.question = QLabel(question)
        self.question.setObjectName("title")
        self.question.setWordWrap(True)
        self.question.setAlignment(Qt.AlignmentFlag.AlignCenter)

        grid = QGridLayout()
        grid.setSpacing(10)
        self.buttons: list[QPushButton] = []
        for n in range(11):
            b = QPushButton(str(n))
            b.setObjectName("pain")
            b.setAccessibleName(f"Pain {n} of 10")
            # never narrower than its number: the screen refits its text instead
            b.setSizePolicy(QSizePolicy.Policy.MinimumExpanding, QSizePolicy.Policy.Expanding)
            b.setStyleSheet(
                f"QPushButton#pain {{ background: {_COLOURS[n]}; color: #1d2433; }}"
                "QPushButton#pain:focus { border: 6px solid #1f5fa8; }"
            )
            b.clicked.connect(lambda _=False, n=n: self._answer(n))
            grid.addWidget(b, 0, n)
            self.buttons.append(b)
        low = QLabel("no pain")
        high = QLabel("worst pain")
        for lab in (low, high):
            lab.setObjectName("muted")
        grid.addWidget(low, 1, 0, 1, 3, Qt.AlignmentFlag.AlignLeft)
        grid.addWidget(high, 1, 8, 1, 3, Qt.AlignmentFlag.AlignRight)

        self.skip_button = QPushButton("Skip (S)")
        self.skip_button.clicked.connect(lambda: self._answer(None))
        self.hint = QLabel(HINT)
        self.hint.setObjectName("muted")
        self.hint.setWordWrap(True)
        self.pending_label = QLabel("")
        self.pending_label.setObjectName("where")

        bottom = QHBoxLayout()
        bottom.addWidget(self.hint, 1)
        bottom.addWidget(self.pending_label)
        bottom.addWidget(self.skip_button)

        layout = QVBoxLayout(self)
        layout.setSpacing(18)
        layout.addWidget(self.question)
        layout.addLayout(grid, 1)
        layout.addLayout(bottom)
        self.setStyleSheet(self.style_rules(1.0))
        make_all_plain(self)
        for b in self.buttons:
            b.installEventFilter(self)
        self.skip_button.installEventFilter(self)

    @staticmethod
    def style_rules(f: float) -> str:
        """The number buttons' own look at text factor *f* (the window adds its theme)."""
        return (
            f"QPushButton#pain {{ font-size: {round(44 * f)}px; font-weight: 700;"
            f" min-width: {round(56 * f)}px; min-height: {round(90 * f)}px;"
            " border: 3px solid #1d2433; border-radius: 14px; padding: 2px 8px; }"
        )

    # ------------------------------------------------------------------ API
    def reset(self, question: str | None = None) -> None:
        """Ready to ask again (the widget answers once per showing)."""
        if question is not None:
            self.question.setText(question)
        self._done = False
        self._pending_one.stop()
        self.pending_label.setText("")
        self.buttons[0].setFocus()

    # ------------------------------------------------------------------ keys
    def _handles(self, key: int) -> bool:
        return (
            Qt.Key.Key_0 <= key <= Qt.Key.Key_9
            or key in (Qt.Key.Key_T, Qt.Key.Key_S, Qt.Key.Key_Escape)
            or (key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._pending_one.isActive())
        )

    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.ShortcutOverride and self._handles(e.key()):  # type: ignore[attr-defined]
            e.accept()  # our key, not the window's shortcut
            return True
        return super().event(e)

    def eventFilter(self, watched: QObject, e: QEvent) -> bool:
        # keys pressed while a button has the focus: claim them before any shortcut
        if e.type() == QEvent.Type.ShortcutOverride and self._handles(e.key()):  # type: ignore[attr-defined]
            e.accept()
            return True
        if e.type() == QEvent.Type.KeyPress:
            key = e.key()  # type: ignore[attr-defined]
            if self._handles(key):
                self.keyPressEvent(e)  # type: ignore[arg-type]
                return True
            if key in (Qt.Key.Key_Left, Qt.Key.Key_Right) and watched in self.buttons:
                i = self.buttons.index(watched) + (1 if key == Qt.Key.Key_Right else -1)
                self.buttons[max(0, min(10, i))].setFocus()
                return True
        return super().eventFilter(watched, e)

    def showEvent(self, e: QEvent) -> None:
        super().showEvent(e)  # type: ignore[arg-type]
        if not any(b.hasFocus() for b in self.buttons):
            self.buttons[0].setFocus()

    def keyPressEvent(self, e: QKeyEvent) -> None:
        key = e.key()
        if Qt.Key.Key_0 <= key <= Qt.Key.Key_9:
            n = key - Qt.Key.Key_0
            if self._pending_one.isActive():
                self._pending_one.stop()
                self._answer(10 if n == 0 else n)  # "1" "0" is ten; "1" "3" means 3
            elif n == 1:
                self._pending_one.start()
                self.pending_label.setText("1…")
                self.buttons[1].setFocus()
            else:
                self._answer(n)
        elif key == Qt.Key.Key_T:
            self._answer(10)
        elif key in (Qt.Key.Key_S, Qt.Key.Key_Escape):
            self._answer(None)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._pending_one.isActive():
            self._answer(1)
        else:
            super().keyPressEvent(e)

    def _answer(self, value: int | None) -> None:
        self._pending_one.stop()
        self.pending_label.setText("")
        if self._done:
            return
        self._done = True
        self.answered.emit(value)


class PainCheckInDialog(QDialog):
    """The check-in as a modal dialog: ``value`` holds the answer after ``exec()``."""

    def __init__(self, question: str = QUESTION, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Pain check")
        self.value: int | None = None
        self.check_in = PainCheckIn(question, self)
        self.check_in.answered.connect(self._on_answered)
        QVBoxLayout(self).addWidget(self.check_in)
        self.resize(980, 420)

    def _on_answered(self, value: int | None) -> None:
        self.value = value
        self.done(QDialog.DialogCode.Accepted if value is not None else QDialog.DialogCode.Rejected)

    def keyPressEvent(self, e: QKeyEvent) -> None:
        # QDialog closes on Esc by itself: route it through the check-in so it is a skip
        self.check_in.keyPressEvent(e)


def ask_pain(parent: QWidget | None = None, question: str = QUESTION) -> int | None:
    """Ask modally; the number chosen, or None when skipped."""
    dialog = PainCheckInDialog(question, parent)
    dialog.exec()
    return dialog.value
