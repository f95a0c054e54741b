"""Labels that show text as it is written: catalogue, program and settings text is never
rich text (a ``<img src=…>`` in a step must not show a local file, ``<h1>`` must not
restyle the screen). Every label in the app is made here or calls ``make_plain``."""

from __future__ import annotations

import html

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


def make_all_plain(root: QWidget) -> None:
    """Every label under ``root`` shows its text as written, except those that set the
    ``allowRichText`` property (the app's own markup, e.g. the microphone icon)."""
    for label in [root, *root.findChildren(QLabel)]:
        if isinstance(label, QLabel) and not label.property("allowRichText"):
            make_plain(label)


def plain_tip(text: str) -> str:
    """A tooltip that shows ``text`` literally (Qt renders anything that looks like markup
    in a tooltip as rich text)."""
    if not text:
        return ""
    return '<p style="white-space: pre-wrap">' + html.escape(text) + "</p>"
