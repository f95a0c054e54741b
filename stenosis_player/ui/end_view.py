"""The end screen: what was done, how long it took, and what comes next."""

from __future__ import annotations

from PySide6.QtCore import Signal
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
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 24)
        layout.setSpacing(18)
        for w in (self.title, self.summary, self.details, self.next_steps):
            layout.addWidget(w)
        layout.addStretch(1)
        layout.addLayout(row)
        make_all_plain(self)  # exercise names are shown as written

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
