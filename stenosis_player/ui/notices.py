"""One place for notices: every notice the app has for the user, newest first, none lost.

``NoticeBoard`` is the list (Qt-free); a ``NoticeArea`` shows it on a screen. A notice has a
key: adding one with a key already on the board replaces that notice (the voice notice at
each session start, "the computer was asleep" and alike), so nothing piles up twice, and
nothing else is overwritten.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from .plain import plain_label


class NoticeBoard:
    def __init__(self) -> None:
        self._items: list[tuple[str, str]] = []  # (key, text), newest first
        self.listeners: list[Callable[[list[tuple[str, str]]], None]] = []

    def add(self, text: str, key: str | None = None) -> None:
        if not text:
            return
        key = key or text
        self._items = [(key, text)] + [(k, t) for k, t in self._items if k != key]
        self._changed()

    def remove(self, key: str) -> None:
        kept = [(k, t) for k, t in self._items if k != key]
        if len(kept) != len(self._items):
            self._items = kept
            self._changed()

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)

    def texts(self) -> list[str]:
        return [t for _, t in self._items]

    def _changed(self) -> None:
        for listener in self.listeners:
            listener(self.items())


class NoticeArea(QWidget):
    """The board's notices as wrapped plain-text lines; hidden when there are none.

    ``limit`` keeps a busy screen (the player) to the newest few, with a line saying how
    many earlier ones are waiting on the start screen."""

    def __init__(
        self, limit: int | None = None, brief: bool = False, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.limit = limit
        self.brief = brief  # headlines only (the full text is the tooltip and on the start screen)
        self.labels: list[QLabel] = []
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self.more = plain_label("", "notice")
        self.more.setWordWrap(True)
        self._layout.addWidget(self.more)
        self.more.hide()
        self.hide()

    def set_items(self, items: list[tuple[str, str]]) -> None:
        # one over the limit is shown: its line costs what "… and 1 earlier notice" would
        fits = self.limit is None or len(items) <= self.limit + 1
        shown = items if fits else items[: self.limit]
        self._shown = [text for _, text in shown]
        while len(self.labels) < len(shown):
            label = plain_label("", "notice")
            label.setWordWrap(True)
            self._layout.insertWidget(len(self.labels), label)
            self.labels.append(label)
        for i, label in enumerate(self.labels):
            if i < len(shown):
                key, text = shown[i]
                # "⚠" is in DejaVu Sans, which every Linux desktop has (an emoji may not be)
                said = headline(text) if self.brief else text
                label.setText(f"⚠ {said}")
                label.setToolTip(text if said != text else "")
                label.setProperty("noticeKey", key)
            label.setVisible(i < len(shown))
        hidden = len(items) - len(shown)
        self.more.setText(
            f"… and {hidden} earlier notice{'s' if hidden != 1 else ''} on the start screen."
            if hidden
            else ""
        )
        self.more.setVisible(hidden > 0)
        self.setVisible(bool(items))

    def texts(self) -> list[str]:
        """The notices on show, newest first, in full (a brief area shows their headlines)."""
        return list(getattr(self, "_shown", []))

    def text(self) -> str:
        return "\n".join(self.texts())


def headline(text: str) -> str:
    """A notice's first words: up to its first colon ("Voice commands are off: No
    microphone found…" -> "Voice commands are off"), else its first sentence. Every notice
    is the app's own wording, written headline first."""
    sentence = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    head, colon, _ = sentence.partition(": ")
    return head if colon else sentence
