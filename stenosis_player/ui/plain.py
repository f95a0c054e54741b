"""Labels that show text as it is written: catalogue, program and settings text is never
rich text (a ``<img src=…>`` in a step must not show a local file, ``<h1>`` must not
restyle the screen). Every label in the app is made here or calls ``make_plain``."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget


def make_plain(label: QLabel) -> QLabel:
    # by property name: Qt.TextFormat would build every Qt enum before the first frame
    label.setProperty("textFormat", "PlainText")
    return label


def plain_label(text: str = "", name: str = "", parent: QWidget | None = None) -> QLabel:
    label = make_plain(QLabel(parent))
    if name:
        label.setObjectName(name)
    label.setText(text)
    return label
