"""What the window needs from speech, and the captions-only stand-in used when there is
no speech engine (the session must go on, with a visible notice)."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QObject, Signal


class SpeechPort(Protocol):
    def say(self, text: str, utterance_id: str = "", priority: object = None) -> None: ...
    def stop(self) -> None: ...
    def is_speaking(self) -> bool: ...
    def clip_seconds(self, text: str) -> float | None: ...
    def prepare(self, texts: list[str]) -> None: ...


class CaptionOnlySpeech(QObject):
    """No voice: every line becomes a caption at once; says why in ``notice``."""

    caption = Signal(str)
    notice = Signal(str)
    clip_started = Signal(str)
    clip_finished = Signal(str)

    def __init__(self, reason: str = "", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.reason = reason
        self.said: list[str] = []

    def say(self, text: str, utterance_id: str = "", priority: object = None) -> None:
        self.said.append(text)
        self.caption.emit(text)

    def stop(self) -> None:
        pass

    def is_speaking(self) -> bool:
        return False

    def clip_seconds(self, text: str) -> float | None:
        return None

    def prepare(self, texts: list[str]) -> None:
        if self.reason:
            self.notice.emit(self.reason)
