"""The safety notice: 'check with your healthcare provider', shown on first run and from
the Help menu, with where its words come from."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from ..catalog import Catalog

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
    """'Check with your healthcare provider' — shown on first run, always in the menu."""

    def __init__(self, catalog: Catalog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Before you start")
        safety = catalog.safety
        text = [safety.before_starting if safety else "Check with your healthcare provider."]
        if safety and safety.stop_if_it_hurts:
            text.append(safety.stop_if_it_hurts + " Press H or the red “It hurts” button.")
        text.append(APP_ADDITION)
        label = QLabel("\n\n".join(text), objectName="instruction")
        label.setWordWrap(True)
        cite = QLabel(safety_citation(catalog), objectName="muted")
        cite.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("I understand (Enter)")
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(cite)
        layout.addWidget(buttons)
        self.resize(900, 560)
