"""The end screen: what was done, how long it took, and what comes next."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from .plain import make_all_plain


class EndView(QWidget):
    home_requested = Signal()
    history_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(objectName="title")
        self.summary = QLabel(objectName="instruction")
        self.summary.setWordWrap(True)
        self.details = QLabel(objectName="details")
        self.details.setWordWrap(True)
        self.next_steps = QLabel(objectName="where")
        self.next_steps.setWordWrap(True)
        home = QPushButton("Back to start (Enter)", objectName="primary")
        home.clicked.connect(self.home_requested)
        history = QPushButton("History")
        history.clicked.connect(self.history_requested)
        row = QHBoxLayout()
        row.addWidget(home, 2)
        row.addWidget(history, 1)
        # what was done on the left, an offer (reminders) beside it: stacked, the offer's
        # lines brought a 1366x768 laptop's end screen below the default text size at x2.5
        self.middle = QHBoxLayout()
        self.middle.setSpacing(24)
        self.middle.addWidget(self.details, 1)
        self.details.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 24)
        layout.setSpacing(18)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addLayout(self.middle)
        layout.addWidget(self.next_steps)
        layout.addStretch(1)
        layout.addLayout(row)
        make_all_plain(self)  # exercise names are shown as written

    def add_aside(self, widget: QWidget) -> None:
        """A panel beside the list of what was done (the reminder offer)."""
        self.middle.addWidget(widget, 1, Qt.AlignmentFlag.AlignTop)

    def show_result(
        self, completed: bool, done: list[str], skipped: list[str], minutes: float, next_text: str
    ) -> None:
        self.title.setText("Well done!" if completed else "Session ended")
        n = len(done)
        self.summary.setText(
            f"You did {n} exercise{'s' if n != 1 else ''} in {round(minutes)} minute"
            f"{'s' if round(minutes) != 1 else ''}."
        )
        lines = [f"✔ {name}" for name in done] + [f"– {name} (skipped)" for name in skipped]
        self.details.setText("\n".join(lines))
        self.next_steps.setText(next_text)
