"""The safety notice: 'check with your healthcare provider', shown on first run and from
the Help menu, with where its words come from."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QScrollArea, QVBoxLayout, QWidget

from ..catalog import Catalog
from .plain import plain_label

APP_ADDITION = (
    "Stop and call your healthcare provider if you have new numbness, weakness, or loss of "
    "bladder or bowel control. (This advice is the app's own addition, not from the articles.)"
)


def safety_citation(catalog: Catalog) -> str:
    """Where the safety notice's words come from: each article once, in the notice's order."""
    safety = catalog.safety
    if safety is None:
        return ""
    lines = []
    first = catalog.sources.get(safety.source or "")
    if first:
        lines.append(f"From {first.citation()}")
    other = catalog.sources.get(safety.stop_if_it_hurts_source or "")
    if safety.stop_if_it_hurts and other and other is not first:
        lines.append(f"“{safety.stop_if_it_hurts}” is from {other.citation()}")
    return "\n".join(lines)


class SafetyNotice(QDialog):
    """'Check with your healthcare provider' — shown on first run, always in the menu.

    All of it is readable at every text size: the words scroll (the scroll bar shows there
    is more) and the dialog is never larger than the screen it is on."""

    def __init__(
        self, catalog: Catalog, parent: QWidget | None = None, text_scale: float = 1.0
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Before you start")
        safety = catalog.safety
        text = [safety.before_starting if safety else "Check with your healthcare provider."]
        if safety and safety.stop_if_it_hurts:
            text.append(safety.stop_if_it_hurts + " Press H or the red “It hurts” button.")
        text.append(APP_ADDITION)
        self.text = plain_label("\n\n".join(text), "instruction")
        self.text.setWordWrap(True)
        cite = plain_label(safety_citation(catalog), "muted")
        cite.setWordWrap(True)
        body = QWidget()
        inner = QVBoxLayout(body)
        inner.addWidget(self.text)
        inner.addWidget(cite)
        inner.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(body)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("I understand (Enter)")
        self.ok_button.setIcon(QIcon())  # the style's 16 px icon beside large words
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(buttons)
        fit_dialog_to_screen(self, parent, 960, 680, text_scale)


def fit_dialog_to_screen(
    dialog: QDialog, parent: QWidget | None, width: int, height: int, text_scale: float = 1.0
) -> None:
    """At most ``width``×``height`` (larger with larger text: at x2 on a laptop a fixed size
    left four lines of words to read), and never larger than the screen (minus its frame)."""
    grow = max(1.0, text_scale) ** 0.5
    width, height = round(width * grow), round(height * grow)
    screen = (parent.screen() if parent is not None else None) or dialog.screen()
    if screen is not None:
        avail = screen.availableGeometry()
        width = min(width, avail.width() - 24)
        height = min(height, avail.height() - 48)
    dialog.setMinimumSize(1, 1)
    dialog.resize(width, height)
