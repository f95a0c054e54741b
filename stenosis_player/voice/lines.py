"""What is said, Qt-free: utterance priorities and the countdown words."""

from __future__ import annotations

from enum import IntEnum

from ..script import Script, count_word


class Priority(IntEnum):
    LOW = 0  # countdown numbers: dropped when anything is being said
    NORMAL = 1  # instructions: interrupt whatever is being said


def countdown_text(n: int) -> str:
    """What is said in the last seconds of a countdown: "three", "two", "one" (the same
    words the window says, so the clips prepared in advance are the ones played)."""
    return count_word(n)


def speech_texts(script: Script) -> list[str]:
    """Every line a session may say, first lines first: the segments' lines, then the
    countdown words its segments use (give this to ``SpeechService.prepare``)."""
    texts = script.texts()
    counts = max((s.count_last for s in script.segments), default=0)
    return texts + [countdown_text(n) for n in range(counts, 0, -1)]
