"""What each voice command does to the session, and what the app says back.

``target`` is any object with ``pause()``, ``resume()``, ``next()``, ``back()``, ``stop()``,
``it_hurts()`` and ``answer(yes: bool)`` (the main window provides them).
"""

from __future__ import annotations

from typing import Protocol

from .commands import DEFAULT_LEADING_WORD, Command, spoken_name


class SessionTarget(Protocol):
    def pause(self) -> object: ...
    def resume(self) -> object: ...
    def next(self) -> object: ...
    def back(self) -> object: ...
    def stop(self) -> object: ...
    def it_hurts(self) -> object: ...
    def answer(self, yes: bool) -> object: ...


_METHODS = {
    Command.PAUSE: "pause",
    Command.CONTINUE: "resume",
    Command.NEXT: "next",
    Command.BACK: "back",
    Command.STOP: "stop",
    Command.IT_HURTS: "it_hurts",
}


def confirmation_text(cmd: Command, leading_word: str = DEFAULT_LEADING_WORD) -> str | None:
    """The sentence the app says after *cmd*; None for commands that speak for themselves
    (pausing, "it hurts" and answers show their result on screen at once)."""
    undo = spoken_name(Command.BACK, leading_word)
    cont = spoken_name(Command.CONTINUE, leading_word)
    if cmd is Command.NEXT:
        return f"Skipping ahead. Say {undo} to undo."
    if cmd is Command.BACK:
        return "Going back."
    if cmd is Command.STOP:
        return f"Stopping the session. Say {undo} to undo."
    if cmd is Command.PAUSE:
        return f"Paused. Say {cont} when you are ready."
    return None


def apply_command(
    cmd: Command, target: SessionTarget, leading_word: str = DEFAULT_LEADING_WORD
) -> str | None:
    """Carry out *cmd* on *target*; return the text the app should say, or None."""
    if cmd is Command.YES or cmd is Command.NO:
        target.answer(cmd is Command.YES)
    else:
        getattr(target, _METHODS[cmd])()
    return confirmation_text(cmd, leading_word)
